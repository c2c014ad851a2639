"""The reconcile converges through throttling and server errors and leaves what is not ours alone.

Each test builds the demo world twice in the shared moto server from the same moto seed, so both
worlds get the same ids: once reconciled cleanly (the reference), once reconciled through a proxy
that fails a seeded share of requests. The two must end in the same CloudWatch state.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.parsers import create_parser
from botocore.retries import bucket, standard

from core.clients import RETRY_CONFIG, Clients
from core.errors import DiscoveryError
from core.model import RuleKind
from core.reconcile import Outcome, run_reconcile
from core.settings import OWNER_TAG, RESOURCE_TAG, Settings
from demo.world import DemoWorld, World, build_demo_world
from tests.builders import shared_name_of
from tests.figures import DEMO_RULES
from tests.integration.faults import (
    ANSWERED,
    ERRORS,
    FAULTS,
    Exchange,
    FaultyEndpoint,
    render_error,
)

CONSUMER_LOGS = "/vpc/flow-logs/consumer"  # the demo consumer VPC's flow-log group

MOTO_SEED = 1128  # the same ids in the reference world and the faulty one
FAULT_SEED = 20261128
SETTINGS = Settings()
STRAY = "plinsights-vpce-0000000000000000a-bytes"  # looks like ours, no owner tag, monitors nothing we know
READS = ("Describe", "List", "Get")


@dataclass(frozen=True)
class Run:
    number: int
    exchanges: tuple[Exchange, ...]
    outcome: Outcome | None  # None: a read failed and the run stopped (DiscoveryError)

    @property
    def converged(self) -> bool:
        return self.outcome is not None and not self.outcome.plan.changes

    def line(self) -> str:
        faults = sum(1 for e in self.exchanges if e.fault)
        share = faults / len(self.exchanges) if self.exchanges else 0.0
        if self.outcome is None:
            result = "a read failed: stopped before planning"
        elif self.outcome.result is None or not self.outcome.plan.changes:
            result = "plan empty"
        else:
            result = (
                f"{len(self.outcome.plan.changes)} changes: {len(self.outcome.result.done)} done, "
                f"{len(self.outcome.result.failed)} failed"
            )
        return f"run {self.number}: {faults}/{len(self.exchanges)} requests failed ({share:.0%}); {result}"


def moto_api(endpoint: str, path: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/{path}", method="POST")).close()


def fresh_world(endpoint: str, session: boto3.Session) -> tuple[World, DemoWorld, str]:
    """The demo world and two look-alike rules: one with the name we would give the bytes rule the
    consumer endpoint shares, one stray; neither carries our owner tag."""
    moto_api(endpoint, "reset")
    moto_api(endpoint, f"seed?a={MOTO_SEED}")
    world = World(session)
    demo = build_demo_world(world)
    taken = shared_name_of(RuleKind.BYTES, CONSUMER_LOGS, prefix=SETTINGS.prefix)
    world.cloudwatch.put_insight_rule(RuleName=taken, RuleState="ENABLED", RuleDefinition='{"theirs": 1}')
    world.cloudwatch.put_insight_rule(
        RuleName=STRAY, RuleState="DISABLED", RuleDefinition='{"theirs": 2}',
        Tags=[{"Key": "team", "Value": "network"}],
    )  # fmt: skip
    return world, demo, taken


def cloudwatch_state(world: World) -> dict[str, Any]:
    """Every rule, alarm and dashboard in the account as it would be compared, with tags."""
    cw, account = world.cloudwatch, world.session.client("sts").get_caller_identity()["Account"]

    def tags(arn: str) -> dict[str, str]:
        return {t["Key"]: t["Value"] for t in cw.list_tags_for_resource(ResourceARN=arn)["Tags"]}

    rules = {
        r["Name"]: {
            "State": r["State"],
            "Definition": r["Definition"],
            "Tags": tags(f"arn:aws:cloudwatch:{world.region}:{account}:insight-rule/{r['Name']}"),
        }
        for r in cw.describe_insight_rules()["InsightRules"]
    }
    alarms = {}
    for page in cw.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm", "CompositeAlarm"]):
        for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
            kept = {k: v for k, v in alarm.items() if "Timestamp" not in k and not k.startswith("StateReason")}
            alarms[alarm["AlarmName"]] = {**kept, "Tags": tags(alarm["AlarmArn"])}
    dashboards = {
        d["DashboardName"]: cw.get_dashboard(DashboardName=d["DashboardName"])["DashboardBody"]
        for page in cw.get_paginator("list_dashboards").paginate()
        for d in page.get("DashboardEntries", [])
    }
    return {"rules": rules, "alarms": alarms, "dashboards": dashboards}


def reference_state(endpoint: str, session: boto3.Session) -> dict[str, Any]:
    world, _, _ = fresh_world(endpoint, session)
    outcome = run_reconcile(Clients(session=session), SETTINGS)
    assert outcome.result is not None and not outcome.result.failed
    assert run_reconcile(Clients(session=session), SETTINGS).plan.changes == ()
    return cloudwatch_state(world)


# What `drift` leaves to repair: every rule of ours but the one rewritten without our tag (no longer
# ours, so left alone) to enable, and the stale rule of a deleted endpoint to delete.
DRIFT_CHANGES = (DEMO_RULES - 1) + 1


def drift(world: World, demo: DemoWorld) -> None:
    """Owned rules that need every kind of write: a create, a rewrite, enables and a delete."""
    outcome = run_reconcile(Clients(session=world.session), Settings(rule_state="DISABLED"))
    assert outcome.result is not None
    ours = sorted(change.name for change in outcome.result.done if change.artifact == "rule")
    world.cloudwatch.delete_insight_rules(RuleNames=[ours[0]])
    world.cloudwatch.put_insight_rule(RuleName=ours[1], RuleState="DISABLED", RuleDefinition='{"stale": 1}')
    gone = "vpce-0123456789abcdef0"
    world.cloudwatch.put_insight_rule(
        RuleName=f"{SETTINGS.prefix}-{gone}-rejects", RuleState="ENABLED", RuleDefinition='{"stale": 2}',
        Tags=[{"Key": OWNER_TAG, "Value": SETTINGS.prefix}, {"Key": RESOURCE_TAG, "Value": gone}],
    )  # fmt: skip


def reconcile_through(proxy: FaultyEndpoint, session: boto3.Session, config: Config, number: int) -> Run:
    """One run through the proxy, with new clients (and so new retry state) as a cold Lambda has."""
    start = len(proxy.exchanges)
    outcome: Outcome | None
    with proxy.routed():
        try:
            outcome = run_reconcile(Clients(session=session, config=config), SETTINGS)
        except DiscoveryError:
            outcome = None
    return Run(number, tuple(proxy.exchanges[start:]), outcome)


def converge(proxy: FaultyEndpoint, session: boto3.Session, config: Config, max_runs: int, first: int = 1) -> list[Run]:
    """Runs until one comes back with an empty plan, or max_runs."""
    runs: list[Run] = []
    for number in range(first, first + max_runs):
        runs.append(reconcile_through(proxy, session, config, number))
        if runs[-1].converged:
            break
    return runs


@pytest.fixture(autouse=True)
def retries_without_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's backoff and adaptive rate limiter wait real seconds between attempts; what is
    under test is that the retries and later runs converge, not how long botocore waits."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    monkeypatch.setattr(bucket.TokenBucket, "acquire", lambda self, amount=1, block=True: True)


@pytest.fixture(scope="module")
def session(moto_endpoint: str) -> boto3.Session:
    """One session for all clients here: botocore loads a service model once per session, and
    the EC2 model alone takes most of a second. Clients made in `routed()` still go to the proxy."""
    return boto3.Session()


@pytest.fixture(scope="module")
def expected(moto_endpoint: str, session: boto3.Session) -> dict[str, Any]:
    """The state a clean run leaves in a fresh world: the same for every test here."""
    return reference_state(moto_endpoint, session)


def is_write(service: str, operation: str) -> bool:
    return not operation.startswith(READS)


def all_but_the_quota_read(service: str, operation: str) -> bool:
    """Service Quotas is read once, without retries, and a failed read falls back to the configured
    quota, which the dashboard names as its source: that one fault rewrites the dashboard, a write
    outside what this test counts, so the quota read is kept out of the random faults."""
    return service != "servicequotas"


def report(title: str, runs: list[Run]) -> None:
    print(f"\n{title}")
    for run in runs:
        print(f"  {run.line()}")


def test_failed_reads_and_writes_leave_nothing_that_later_runs_cannot_repair(
    moto_endpoint: str, session: boto3.Session, expected: dict[str, Any]
) -> None:
    """Three attempts per call instead of the product's ten, so that faults reach the reconcile."""
    share, max_runs = 0.3, 10
    few_attempts = RETRY_CONFIG.merge(Config(retries={"mode": "standard", "total_max_attempts": 3}))
    world, demo, taken = fresh_world(moto_endpoint, session)
    theirs = {name: expected["rules"][name] for name in (taken, STRAY)}
    drift(world, demo)
    drifted = cloudwatch_state(world)
    with FaultyEndpoint(moto_endpoint, share=1.0, seed=FAULT_SEED) as proxy:
        # An outage: the first read fails, the run stops before planning and writes nothing.
        outage = reconcile_through(proxy, session, few_attempts, 1)
        # Reads succeed and every write fails, some after taking effect: each change is recorded as failed.
        proxy.only, proxy.faults = is_write, ("unavailable", "lost", "reset")
        refused = reconcile_through(proxy, session, few_attempts, 2)
        # Then 30% of all requests fail, at random, until a run comes back with an empty plan.
        proxy.share, proxy.only, proxy.faults = share, all_but_the_quota_read, FAULTS
        runs = converge(proxy, session, few_attempts, max_runs, first=3)
    report(f"An outage, then failing writes, then {share:.0%} of requests failing; 3 attempts a call:",
           [outage, refused, *runs])  # fmt: skip

    assert outage.outcome is None and not any(is_write(e.service, e.operation) for e in outage.exchanges)
    assert refused.outcome is not None and refused.outcome.result is not None
    assert refused.outcome.result.done == [] and len(refused.outcome.result.failed) == DRIFT_CHANGES
    assert runs[-1].converged, f"not converged in {max_runs} runs"
    assert drifted != expected and cloudwatch_state(world) == expected
    assert {name: cloudwatch_state(world)["rules"][name] for name in theirs} == theirs
    assert {e.fault for e in proxy.faulted()} == set(FAULTS)
    writes = {f"{e.service}:{e.operation}" for e in proxy.exchanges if is_write(e.service, e.operation)}
    assert writes == {
        "monitoring:PutInsightRule",
        "monitoring:EnableInsightRules",
        "monitoring:DeleteInsightRules",
    }


def test_the_products_own_retries_absorb_half_of_all_requests_failing_in_one_run(
    moto_endpoint: str, session: boto3.Session, expected: dict[str, Any]
) -> None:
    """Server errors and dropped connections, no throttling: a throttle costs about a second of backoff
    per retry, and in adaptive mode it also slows the client's sending rate; with 30% of requests
    throttled one run of this world took 10-15 s."""
    share = 0.5
    world, demo, _ = fresh_world(moto_endpoint, session)
    drift(world, demo)
    with FaultyEndpoint(moto_endpoint, share=share, seed=FAULT_SEED, faults=("unavailable", "lost", "reset")) as proxy:
        proxy.only = all_but_the_quota_read
        runs = converge(proxy, session, RETRY_CONFIG, max_runs=2)
    report(f"{share:.0%} of requests failing, no throttling; the product's retry configuration:", runs)

    first = runs[0].outcome
    assert first is not None and first.result is not None
    assert first.result.failed == [] and len(first.result.done) == len(first.plan.changes) == DRIFT_CHANGES
    assert cloudwatch_state(world) == expected
    assert len(runs) == 2 and runs[1].converged
    assert sum(1 for e in runs[0].exchanges if e.fault) >= 0.4 * len(runs[0].exchanges)


@pytest.mark.parametrize(
    ("service", "protocol"),
    [
        ("ec2", "ec2"),
        ("elasticloadbalancing", "query"),
        ("sts", "query"),
        ("monitoring", "json"),
        ("monitoring", "smithy-rpc-v2-cbor"),
        ("monitoring", "query"),
    ],
)
@pytest.mark.parametrize("fault", ANSWERED)
def test_injected_errors_read_to_botocore_as_the_service_s_own(service: str, protocol: str, fault: str) -> None:
    error = render_error(service, protocol, fault, "req-1")
    parsed = create_parser(protocol).parse(
        {"status_code": error.status, "headers": error.headers, "body": error.body},
        None,  # type: ignore[arg-type]  # an error is parsed without the operation's output shape
    )
    assert (parsed["ResponseMetadata"]["HTTPStatusCode"], parsed["Error"]["Code"]) == ERRORS[service][fault]


def test_the_same_seed_gives_the_same_faults_in_the_same_order() -> None:
    draws = []
    for _ in range(2):
        with FaultyEndpoint("http://127.0.0.1:9", share=0.5, seed=FAULT_SEED) as proxy:
            draws.append([proxy.draw("ec2", "DescribeVpcEndpoints")[0] for _ in range(40)])
    assert draws[0] == draws[1] and set(draws[0]) == {"", *FAULTS}
