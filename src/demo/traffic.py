"""Realistic VPC flow-log records for the demo's ENIs, written into its local log groups in each flow log's own format.

The records are what AWS delivers (VPC user guide, flow log records): one line per flow and
aggregation interval (600 s by default), fields in the flow log's format order, `-` where a field
does not apply, NODATA and SKIPDATA records with `-` for every traffic field, and one log stream
per ENI. What the workloads do, and the figures they rest on:
- busy, healthy HTTPS: each client's connections, tens to hundreds of MB per record, all together
  well under 1 % of the 10 Gbps an endpoint carries per Availability Zone before PrivateLink scales
  it (PrivateLink quotas); DNS over UDP;
- a heavy talker: one bulk transfer at 1.6 Gbps for twenty minutes, 120 GB per ten-minute record,
  in packets of PrivateLink's 8,500-byte MTU;
- a port scan: one host probing ports 1-100 of the endpoint's addresses within a minute, each
  rejected (nmap's default scan probes the 1,000 most common ports);
- a blocked client: one call a minute to a port its security group refuses, three attempts a call
  (the AWS SDKs' standard retry mode), one rejected record an attempt (a SYN's retransmissions share
  its 5-tuple, so its flow);
- a quiet endpoint (to AWS KMS): a call every few minutes, a few KB each (KMS encrypts at most 4,096 bytes).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from core.desire.flow_logs import DEFAULT_FORMAT, FIELD_TOKEN
from demo.world import CONSUMER_LOG_GROUP, CUSTOM_FORMAT, PROVIDER_LOG_GROUP, QUIET_NEIGHBOUR, DemoWorld, World

ACCOUNT_ID = "123456789012"
TCP, UDP = 6, 17
PUT_BATCH = 1000  # PutLogEvents takes at most 10,000 events (and 1 MiB) per call


@dataclass(frozen=True, slots=True)
class Eni:
    eni_id: str
    address: str
    subnet_id: str
    vpc_id: str
    az_id: str = "use1-az1"


@dataclass(frozen=True, slots=True)
class FlowRecord:
    """One flow-log record; `log_status` NODATA or SKIPDATA leaves every traffic field `-`."""

    eni: Eni
    start: int  # seconds since the epoch
    end: int
    srcaddr: str = "-"
    dstaddr: str = "-"
    srcport: int | None = None
    dstport: int | None = None
    protocol: int | None = None
    packets: int | None = None
    bytes: int | None = None
    action: str = "-"
    log_status: str = "OK"
    flow_direction: str = "ingress"

    def fields(self) -> dict[str, str]:
        def text(value: object) -> str:
            return "-" if value is None else str(value)

        traffic = self.log_status == "OK"
        return {
            "version": "5",
            "account-id": ACCOUNT_ID,
            "interface-id": self.eni.eni_id,
            "vpc-id": self.eni.vpc_id,
            "subnet-id": self.eni.subnet_id,
            "az-id": self.eni.az_id,
            "srcaddr": self.srcaddr,
            "dstaddr": self.dstaddr,
            "srcport": text(self.srcport),
            "dstport": text(self.dstport),
            "protocol": text(self.protocol),
            "packets": text(self.packets),
            "bytes": text(self.bytes),
            "start": str(self.start),
            "end": str(self.end),
            "action": self.action,
            "log-status": self.log_status,
            "flow-direction": self.flow_direction if traffic else "-",
            "pkt-srcaddr": self.srcaddr,
            "pkt-dstaddr": self.dstaddr,
        }

    def render(self, log_format: str) -> str:
        """The record as a flow log of this format writes it, a value per token of the format (as
        core/desire/flow_logs.field_positions counts them): fields it does not know are `-`."""
        values = self.fields()
        tokens = [FIELD_TOKEN.fullmatch(token) for token in log_format.split()]
        return " ".join(values.get(match.group(1), "-") if match else "-" for match in tokens)


TCP_SEGMENT = 1_400  # bytes of a full segment on a 1,500-byte MTU path, headers aside
ENDPOINT_MTU = 8_500  # PrivateLink quotas: the largest packet an endpoint passes
HEAVY_RATE = 1.6e9 / 8  # the heavy talker's bulk transfer, bytes a second (1.6 Gbps)
SCAN_PORTS = range(1, 101)  # the scan's ports, probed one after another
SDK_ATTEMPTS = 3  # the AWS SDKs' standard retry mode: three attempts a call
BLOCKED_PORT = 8443
SCANNERS = ("198.51.100.7",)  # documentation addresses (RFC 5737): no real host


def busy_records(
    enis: Sequence[Eni], clients: Sequence[str], *, now: int, rng: random.Random, flows_per_eni: int = 40
) -> list[FlowRecord]:
    """An hour (before `now`) of healthy, busy traffic at these ENIs: HTTPS connections of `clients`,
    8 to 840 MB a record, DNS over UDP, one NODATA and one SKIPDATA record per ENI."""
    records: list[FlowRecord] = []
    for eni in enis:
        for _ in range(flows_per_eni):
            start = now - rng.randint(120, 3540)
            packets = rng.randint(20_000, 600_000)
            size = rng.randint(400, TCP_SEGMENT)
            port = rng.randint(32768, 60999)
            client = rng.choice(clients)
            records.append(
                FlowRecord(
                    eni, start, start + 60, client, eni.address, port, 443, TCP, packets, packets * size, "ACCEPT"
                )
            )
        for _ in range(flows_per_eni // 8):
            start = now - rng.randint(120, 3540)
            client, port = rng.choice(clients), rng.randint(32768, 60999)
            records.append(FlowRecord(eni, start, start + 60, client, eni.address, port, 53, UDP, 1, 76, "ACCEPT"))
        for status in ("NODATA", "SKIPDATA"):
            start = now - rng.randint(600, 3000)
            records.append(FlowRecord(eni, start, start + 60, log_status=status))
    return records


def heavy_talker_records(eni: Eni, client: str, *, now: int, rng: random.Random) -> list[FlowRecord]:
    """One bulk transfer at HEAVY_RATE for the last twenty minutes: one flow, so one record per
    ten-minute aggregation interval, each carrying 600 s of it."""
    port = rng.randint(32768, 60999)
    size = int(HEAVY_RATE * 600)
    return [
        FlowRecord(
            eni, start, start + 600, client, eni.address, port, 443, TCP, size // ENDPOINT_MTU + 1, size, "ACCEPT"
        )
        for start in (now - 1260, now - 660)
    ]


def scan_records(eni: Eni, scanner: str, *, now: int, rng: random.Random) -> list[FlowRecord]:
    """A sweep of SCAN_PORTS five minutes ago, within 50 seconds: one rejected SYN to each port."""
    first, step = now - 300, 50 / len(SCAN_PORTS)
    return [
        FlowRecord(eni, first + int(i * step), first + 60, scanner, eni.address, rng.randint(1024, 65000), port, TCP,
                   1, 44, "REJECT")
        for i, port in enumerate(SCAN_PORTS)
    ]  # fmt: skip


def blocked_client_records(eni: Eni, client: str, *, now: int, rng: random.Random, calls: int = 10) -> list[FlowRecord]:
    """A client calling a refused port once a minute over the last `calls` minutes, three attempts a
    call (each a new connection, so a new flow and record; a SYN's retransmissions are one flow)."""
    records = []
    for call in range(calls):
        start = now - 60 * (call + 1)
        for attempt in range(SDK_ATTEMPTS):
            port = rng.randint(32768, 60999)
            records.append(
                FlowRecord(eni, start + 2 * attempt, start + 60, client, eni.address, port, BLOCKED_PORT, TCP, 3, 180,
                           "REJECT")
            )  # fmt: skip
    return records


def quiet_records(enis: Sequence[Eni], clients: Sequence[str], *, now: int, rng: random.Random) -> list[FlowRecord]:
    """An hour at an endpoint barely used: an API call every few minutes, each a short HTTPS connection
    of a few KB (a KMS request carries at most 4,096 bytes of plaintext)."""
    records = []
    for eni in enis:
        for _ in range(12):
            start = now - rng.randint(120, 3540)
            size = rng.randint(3_000, 9_000)
            port = rng.randint(32768, 60999)
            client = rng.choice(clients)
            records.append(FlowRecord(eni, start, start + 60, client, eni.address, port, 443, TCP, 12, size, "ACCEPT"))
    return records


def flow_records(
    enis: Sequence[Eni], clients: Sequence[str], *, now: int, rng: random.Random, flows_per_eni: int = 40
) -> list[FlowRecord]:
    """Busy traffic at these ENIs with what should page: the first client's bulk transfer through the
    first ENI and a scan of every ENI; and what should not, the last client blocked now and then."""
    records = busy_records(enis, clients, now=now, rng=rng, flows_per_eni=flows_per_eni)
    records += heavy_talker_records(enis[0], clients[0], now=now, rng=rng)
    for eni in enis:
        records += scan_records(eni, SCANNERS[0], now=now, rng=rng)
        records += blocked_client_records(eni, clients[-1], now=now, rng=rng)
    return sorted(records, key=lambda r: (r.start, r.eni.eni_id))


def responses(records: Iterable[FlowRecord]) -> list[FlowRecord]:
    """The egress half of each accepted TCP flow, as a flow log on the ENI records it too."""
    return [
        replace(
            r,
            srcaddr=r.dstaddr,
            dstaddr=r.srcaddr,
            srcport=r.dstport,
            dstport=r.srcport,
            bytes=(r.bytes or 0) // 10,
            flow_direction="egress",
        )
        for r in records
        if r.log_status == "OK" and r.action == "ACCEPT" and r.protocol == TCP
    ]


def write_records(logs: Any, log_group: str, log_format: str, records: Sequence[FlowRecord]) -> int:
    """PutLogEvents into one stream per ENI, in time order, as flow logs deliver them; returns the count."""
    by_eni: dict[str, list[FlowRecord]] = {}
    for record in records:
        by_eni.setdefault(record.eni.eni_id, []).append(record)
    for eni_id, own in sorted(by_eni.items()):
        stream = f"{eni_id}-all"
        # A later delivery goes on in the ENI's stream, as flow logs keep one per ENI.
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_stream(logGroupName=log_group, logStreamName=stream)
        events = [
            {"timestamp": r.start * 1000, "message": r.render(log_format)} for r in sorted(own, key=lambda r: r.start)
        ]
        for first in range(0, len(events), PUT_BATCH):
            logs.put_log_events(
                logGroupName=log_group, logStreamName=stream, logEvents=events[first : first + PUT_BATCH]
            )
    return len(records)


def enis_of(ec2: Any, eni_ids: Sequence[str]) -> list[Eni]:
    interfaces = ec2.describe_network_interfaces(NetworkInterfaceIds=list(eni_ids))["NetworkInterfaces"]
    return [
        Eni(i["NetworkInterfaceId"], i["PrivateIpAddress"], i["SubnetId"], i["VpcId"], i.get("AvailabilityZone", ""))
        for i in sorted(interfaces, key=lambda i: i["NetworkInterfaceId"])
    ]


CONSUMER_CLIENTS = ["10.11.0.23", "10.11.1.57", "10.11.0.140", "10.11.1.9", "10.11.0.77"]  # the demo's consumer VPC


NEIGHBOUR_CLIENTS = ["10.11.0.31", "10.11.1.88"]  # workloads of the consumer VPC calling AWS services


def write_demo_traffic(
    world: World, demo: DemoWorld, *, now: int, seed: int = 13, neighbours: Sequence[str] = ()
) -> dict[str, int]:
    """An hour of traffic at the demo's endpoint (default format), at `neighbours` (endpoints that
    share its log group, so its rules) and at its Network Load Balancer (the provider's custom
    format): records written per log group."""
    rng = random.Random(seed)
    endpoint = world.ec2.describe_vpc_endpoints(VpcEndpointIds=[demo.consumer_endpoint])["VpcEndpoints"][0]
    endpoint_enis = enis_of(world.ec2, endpoint["NetworkInterfaceIds"])
    lb_name, lb_id = demo.load_balancer.rsplit("/", 2)[-2:]
    described = world.ec2.describe_network_interfaces(
        Filters=[{"Name": "description", "Values": [f"ELB net/{lb_name}/{lb_id}"]}]
    )["NetworkInterfaces"]
    lb_enis = enis_of(world.ec2, [i["NetworkInterfaceId"] for i in described])
    # The load balancer sees the consumers through the endpoint: its sources are the endpoint's ENIs.
    consumer = flow_records(endpoint_enis, CONSUMER_CLIENTS, now=now, rng=rng)
    provider = flow_records(lb_enis, [eni.address for eni in endpoint_enis], now=now, rng=rng)
    for neighbour in (
        world.ec2.describe_vpc_endpoints(VpcEndpointIds=list(neighbours))["VpcEndpoints"] if neighbours else []
    ):
        enis = enis_of(world.ec2, neighbour["NetworkInterfaceIds"])
        name = next((t["Value"] for t in neighbour.get("Tags", []) if t["Key"] == "Name"), "")
        if name == QUIET_NEIGHBOUR:
            consumer += quiet_records(enis, NEIGHBOUR_CLIENTS, now=now, rng=rng)
        else:
            consumer += busy_records(enis, NEIGHBOUR_CLIENTS, now=now, rng=rng, flows_per_eni=4)
    return {
        CONSUMER_LOG_GROUP: write_records(
            world.logs, CONSUMER_LOG_GROUP, DEFAULT_FORMAT, consumer + responses(consumer)
        ),
        PROVIDER_LOG_GROUP: write_records(
            world.logs, PROVIDER_LOG_GROUP, CUSTOM_FORMAT, provider + responses(provider)
        ),
    }
