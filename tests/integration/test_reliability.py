import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from core.artifacts.kind import Delete, StateChange
from core.clients import RETRY_CONFIG, Clients
from core.errors import ReconcileError
from core.model import RuleKind
from core.reconcile import run_reconcile
from core.settings import Settings
from demo.local import lambda_context
from demo.world import World, build_demo_world
from handlers import reconcile
from tests.builders import shared_name_of
from tests.figures import DEMO_ALARMS, DEMO_ARTIFACTS, DEMO_MONITORED, DEMO_RULES, RULES_PER_RESOURCE
from tests.integration.conftest import Harness
from tests.integration.faults import cbor_text_map

CONSUMER_LOGS = "/vpc/flow-logs/consumer"  # the demo consumer VPC's flow-log group

CONSUMER_LOGS = "/vpc/flow-logs/consumer"  # the demo consumer VPC's flow-log group

EVENTS = Path(__file__).resolve().parents[2] / "events"

DASHBOARD = "PrivateLink-us-east-1"


def fail(operation: str, aws: Harness, code: str = "ValidationError") -> None:
    """AWS answers this operation with an error (a non-retryable one, so the test stays fast)."""

    def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        response = AWSResponse("https://monitoring.us-east-1.amazonaws.com/", 400, HTTPHeaders(), None)
        return response, {
            "Error": {"Code": code, "Message": f"{operation} refused"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }

    aws.clients.session.events.register(f"before-call.cloudwatch.{operation}", answer)  # type: ignore[arg-type]


def test_rules_of_others_count_against_the_quota_and_the_rest_is_reported(aws: Harness) -> None:
    # DynamoDB and other teams use the same quota: they leave room for one resource's rules, and one short of two.
    others = Settings().rule_quota - (2 * RULES_PER_RESOURCE - 1)
    for i in range(others):
        aws.world.cloudwatch.put_insight_rule(RuleName=f"other-team-{i}", RuleState="ENABLED", RuleDefinition="{}")
    demo = build_demo_world(aws.world)
    outcome = run_reconcile(aws.clients, aws.settings)
    assert outcome.desired.quota is not None
    left = RULES_PER_RESOURCE - 1
    assert (outcome.desired.quota.others, outcome.desired.quota.ours, outcome.desired.quota.left) == (
        others,
        RULES_PER_RESOURCE,
        left,
    )
    over = [c for c in outcome.desired.coverage if c.over_quota]
    assert len(over) == 1 and f"needs {RULES_PER_RESOURCE} more rules (shared), {left} left" in over[0].unmonitorable
    assert len(aws.world.rule_names()) == others + RULES_PER_RESOURCE
    assert outcome.result is not None and not outcome.result.failed
    assert demo.load_balancer  # the older resource (created first) won


def test_an_empty_describe_never_wipes_the_monitoring(aws: Harness) -> None:
    build_demo_world(aws.world)
    run_reconcile(aws.clients, Settings())
    before = aws.world.rule_names()
    with Stubber(aws.clients.ec2) as ec2, Stubber(aws.clients.elbv2) as elbv2:
        ec2.add_response("describe_vpc_endpoints", {"VpcEndpoints": []})
        elbv2.add_response("describe_load_balancers", {"LoadBalancers": []})
        ec2.add_response("describe_vpc_endpoint_service_configurations", {"ServiceConfigurations": []})
        outcome = run_reconcile(aws.clients, Settings(max_deletes=5))
    assert len(outcome.plan.held_deletions) == DEMO_RULES + DEMO_ALARMS and aws.world.rule_names() == before
    assert outcome.plan.held_back == DEMO_ARTIFACTS  # the dashboard too, which held sections keep instead
    assert any("held back" in note for note in outcome.plan.notes)
    assert not [c for c in outcome.plan.changes if isinstance(c, Delete)]
    assert (
        list(outcome.desired.dashboards) == [DASHBOARD]
        and "deletions held" in outcome.desired.dashboards[DASHBOARD].body
    )


def test_a_failed_write_is_reported_the_rest_goes_on_and_the_next_run_repairs_it(aws: Harness) -> None:
    build_demo_world(aws.world)
    fail("PutInsightRule", aws)
    outcome = run_reconcile(aws.clients, aws.settings)
    assert outcome.result is not None
    failed = {(f.change.artifact, f.change.name) for f in outcome.result.failed}
    assert ("rule", shared_name_of(RuleKind.BYTES, CONSUMER_LOGS)) in failed
    waiting = [f for f in outcome.result.failed if f.change.artifact == "alarm"]
    assert waiting and all("waits for rule" in f.error for f in waiting)  # no alarm on a missing rule
    assert any(c.name.endswith("dropped-packets") for c in outcome.result.done)  # the rest went on
    healthy = Clients(session=boto3.Session())  # AWS answers again
    second = run_reconcile(healthy, aws.settings)
    assert second.result is not None and not second.result.failed
    assert run_reconcile(healthy, aws.settings).plan.changes == ()


def test_the_handler_fails_the_invocation_when_a_change_failed(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reconcile, "cached_clients", lambda region: aws.clients)
    build_demo_world(aws.world)
    fail("PutDashboard", aws)
    with pytest.raises(ReconcileError, match="1 changes failed"):
        reconcile.handler(json.loads((EVENTS / "scheduled.json").read_text()), lambda_context())
    assert len(aws.world.rule_names()) == DEMO_RULES  # everything else was made


def test_the_handler_publishes_its_own_metrics(aws: Harness, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(reconcile, "cached_clients", lambda region: aws.clients)
    build_demo_world(aws.world)
    reconcile.handler(json.loads((EVENTS / "scheduled.json").read_text()), lambda_context())
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    (document,) = emf
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "PrivateLinkInsights"
    values = {key: value[0] if isinstance(value, list) else value for key, value in document.items()}
    assert values["ResourcesMonitored"] == DEMO_MONITORED and values["ArtifactsCreated"] == DEMO_ARTIFACTS
    assert values["ChangesFailed"] == 0.0 and values["RuleQuotaLeft"] == Settings().rule_quota - DEMO_RULES


class Body:
    """The raw HTTP body botocore reads an answer from."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


def cloudwatch_answers(aws: Harness, operation: str, code: str, status: int = 400) -> list[int]:
    """Every attempt at `operation` reaches CloudWatch and gets this error, as CloudWatch sends it
    in the protocol botocore speaks to it; returns the list the attempts are counted in."""
    attempts: list[int] = []
    protocol = aws.clients.cloudwatch.meta.service_model.resolved_protocol  # the one botocore speaks
    error = {"__type": f"com.amazonaws.monitoring#{code}", "message": code}
    headers = {"x-amzn-query-error": f"{code};Sender", "x-amzn-RequestId": "req-1"}
    if protocol == "json":
        headers["Content-Type"], body = "application/x-amz-json-1.0", json.dumps(error).encode()
    else:
        headers |= {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
        body = cbor_text_map(error)

    def answer(**_: Any) -> AWSResponse:
        attempts.append(1)
        http_headers = HTTPHeaders.from_dict(headers)
        return AWSResponse("https://monitoring.us-east-1.amazonaws.com/", status, http_headers, Body(body))

    aws.clients.cloudwatch.meta.events.register(f"before-send.cloudwatch.{operation}", answer)  # type: ignore[arg-type]
    return attempts


def test_a_full_rule_quota_fails_the_rule_at_once_instead_of_retrying_it_as_throttling(aws: Harness) -> None:
    """botocore takes LimitExceededException for throttling; for PutInsightRule it means the quota is full."""
    build_demo_world(aws.world)
    attempts = cloudwatch_answers(aws, "PutInsightRule", "LimitExceededException")
    outcome = run_reconcile(aws.clients, aws.settings)
    assert outcome.result is not None
    rules = [f for f in outcome.result.failed if f.change.artifact == "rule"]
    assert len(rules) == len(attempts) == DEMO_RULES  # one attempt each
    assert all("LimitExceededException" in f.error for f in rules)


def test_a_full_rule_quota_on_enabling_rules_fails_at_once_instead_of_retrying_it_as_throttling(aws: Harness) -> None:
    """EnableInsightRules answers LimitExceededException too: an enabled rule counts against the quota."""
    build_demo_world(aws.world)
    run_reconcile(aws.clients, replace(aws.settings, rule_state="DISABLED"))
    attempts = cloudwatch_answers(aws, "EnableInsightRules", "LimitExceededException")
    outcome = run_reconcile(aws.clients, aws.settings)
    assert outcome.result is not None
    toggles = [f for f in outcome.result.failed if f.change.artifact == "rule"]
    assert toggles and all(isinstance(f.change, StateChange) for f in toggles)
    assert len(attempts) == len(toggles)  # one attempt each, no retry
    assert all("LimitExceededException" in f.error for f in toggles)
    assert aws.clients.throttles == 0


def test_real_throttling_of_put_insight_rule_is_still_retried(moto_endpoint: str) -> None:
    clients = Clients(config=RETRY_CONFIG.merge(Config(retries={"mode": "standard", "total_max_attempts": 2})))
    harness = Harness(world=World(boto3.Session()), clients=clients)
    attempts = cloudwatch_answers(harness, "PutInsightRule", "Throttling")
    with pytest.raises(ClientError, match="Throttling"):
        clients.cloudwatch.put_insight_rule(RuleName="plinsights-throttled", RuleDefinition="{}")
    assert len(attempts) == 2
