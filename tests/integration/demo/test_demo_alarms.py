"""The demo's alarms, evaluated by the local server from the demo's own traffic with default
settings: its heavy talker and its port scans fire, its quiet endpoint does not, and a busy but
healthy endpoint pages nobody."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from botocore.config import Config

from core.desire.flow_logs import DEFAULT_FORMAT
from core.model import AlarmKind
from core.reconcile import run_reconcile
from core.settings import Settings
from demo.consumers import connect_consumers, simulate_consumer_metrics
from demo.dashboard_data import evaluated_alarms, simulate_metrics
from demo.traffic import (
    CONSUMER_CLIENTS,
    SCANNERS,
    blocked_client_records,
    busy_records,
    enis_of,
    heavy_talker_records,
    responses,
    scan_records,
    write_demo_traffic,
    write_records,
)
from demo.world import CONSUMER_LOG_GROUP, add_neighbours, build_demo_world, quiet_of
from tests.integration.conftest import Harness

DEFAULTS = Settings()


def writer(aws: Harness):
    # moto's server cannot read the gzip bodies botocore sends for a PutMetricData over 10 KB
    return aws.world.session.client("cloudwatch", config=Config(disable_request_compression=True))


def states(aws: Harness) -> dict[str, str]:
    return {name: state for name, state, _ in evaluated_alarms(aws.world.cloudwatch)}


def test_the_heavy_talker_and_the_scans_fire_and_the_quiet_endpoint_does_not(aws: Harness, moto_endpoint: str) -> None:
    demo = build_demo_world(aws.world)
    neighbours = add_neighbours(aws.world, demo)
    (quiet,) = quiet_of(neighbours)
    service = demo.endpoint_service.rsplit(".", 1)[1]
    consumers = connect_consumers(moto_endpoint, service)
    outcome = run_reconcile(aws.clients, DEFAULTS)
    write_demo_traffic(aws.world, demo, now=int(time.time()), neighbours=neighbours)  # the rules exist: they read it
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    bodies = [dashboard.body for dashboard in outcome.desired.dashboards.values()]
    simulate_metrics(writer(aws), bodies, now, [quiet])
    simulate_consumer_metrics(writer(aws), service, consumers, now)

    alarms = outcome.desired.alarms.values()
    busy = (demo.consumer_endpoint, demo.load_balancer)
    flow_log_alarms = {
        a.name for a in alarms if a.kind in (AlarmKind.TOP_BYTES, AlarmKind.TOP_REJECTS) and any(map(a.serves, busy))
    }
    resets = {a.name for a in alarms if a.kind in (AlarmKind.RESETS, AlarmKind.CONSUMER_RESETS)}
    assert len(flow_log_alarms) == 4  # top pair and top source, at the consumer and at the provider
    found = states(aws)
    assert set(found) == {a.name for a in alarms}
    assert {name for name, state in found.items() if state == "ALARM"} == flow_log_alarms | resets
    quiet_alarms = {a.name for a in alarms if a.serves(quiet)}
    assert {a.kind for a in alarms if a.serves(quiet)} == {
        AlarmKind.TOP_BYTES, AlarmKind.TOP_REJECTS, AlarmKind.DROPS, AlarmKind.RESETS_RECEIVED,
    }  # fmt: skip
    assert all(a.resource_id == quiet for a in alarms if a.serves(quiet))  # its own alarms, on rules of its own
    assert {found[name] for name in quiet_alarms} == {"OK"}


def test_a_busy_healthy_endpoint_pages_nobody_until_it_has_a_heavy_talker_or_a_scan(aws: Harness) -> None:
    """Hours of busy HTTPS and DNS, and a client its security group blocks now and then: every
    alarm stays OK at the default thresholds. The same endpoint with a bulk transfer and a port
    scan raises its two flow-log alarms, so the first half is not true of everything."""
    vpc, subnets = aws.world.vpc(subnets=2)
    endpoint = aws.world.interface_endpoint(vpc, subnets, "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0")
    aws.world.flow_log(resource_ids=[vpc], log_group=CONSUMER_LOG_GROUP)
    outcome = run_reconcile(aws.clients, DEFAULTS)
    enis = enis_of(
        aws.world.ec2,
        aws.world.ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]["NetworkInterfaceIds"],
    )
    rng, now = random.Random(5), int(time.time())
    healthy = busy_records(enis, CONSUMER_CLIENTS, now=now, rng=rng, flows_per_eni=120)
    for eni in enis:
        healthy += blocked_client_records(eni, CONSUMER_CLIENTS[-1], now=now, rng=rng)
    write_records(aws.world.logs, CONSUMER_LOG_GROUP, DEFAULT_FORMAT, healthy + responses(healthy))
    bodies = [dashboard.body for dashboard in outcome.desired.dashboards.values()]
    simulate_metrics(writer(aws), bodies, datetime.now(UTC).replace(second=0, microsecond=0))
    assert outcome.desired.alarms and set(states(aws).values()) == {"OK"}

    trouble = heavy_talker_records(enis[0], CONSUMER_CLIENTS[0], now=now, rng=rng)
    trouble += scan_records(enis[1], SCANNERS[0], now=now, rng=rng)
    write_records(aws.world.logs, CONSUMER_LOG_GROUP, DEFAULT_FORMAT, trouble)
    firing = {name for name, state in states(aws).items() if state == "ALARM"}
    kinds = {a.kind for a in outcome.desired.alarms.values() if a.name in firing}
    assert kinds == {AlarmKind.TOP_BYTES, AlarmKind.TOP_REJECTS}
