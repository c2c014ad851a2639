"""No rewrite storm: AWS returns rules, alarms and dashboards in other forms than they were written
(aws-facts F6). A converged account gets no write even so, and a person's real edit is repaired
with exactly one write. Run against a server that re-serialises what it stores (reserialising.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from core.model import RuleKind
from core.reconcile import run_reconcile
from demo.world import build_demo_world
from tests.integration.conftest import Harness
from tests.integration.reserialising import ReserialisingEndpoint

TOPIC = "arn:aws:sns:us-east-1:123456789012:privatelink-insights-AlarmTopic-1"
ALARM_FIELDS = (  # what PutMetricAlarm takes back of what DescribeAlarms gives
    "AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
    "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData", "Metrics",
)  # fmt: skip


@pytest.fixture
def reserialised(aws: Harness, moto_endpoint: str) -> Iterator[tuple[Harness, ReserialisingEndpoint]]:
    """The product's clients (made on first use, inside the block) talk to the re-serialising proxy;
    the world's clients, made before, talk to moto directly, as a person at the console would."""
    aws.settings = replace(aws.settings, alarm_topic_arn=TOPIC)
    aws.clients.session.client("sns").create_topic(Name=TOPIC.rsplit(":", 1)[1])  # the first run announces to it
    proxy = ReserialisingEndpoint(moto_endpoint)
    with proxy, proxy.routed():
        assert aws.clients.cloudwatch.meta.service_model.resolved_protocol == "json"  # what the proxy rewrites
        yield aws, proxy


def converged(aws: Harness) -> dict[str, int]:
    """Reconcile the demo world from nothing; the number of artifacts of each kind it made."""
    build_demo_world(aws.world)
    outcome = run_reconcile(aws.clients, aws.settings)
    assert outcome.result is not None and not outcome.result.failed
    made: dict[str, int] = {}
    for change in outcome.result.done:
        made[change.artifact] = made.get(change.artifact, 0) + 1
    return made


def test_a_converged_account_gets_no_write_though_aws_returns_everything_in_another_form(reserialised) -> None:
    aws, proxy = reserialised
    made = converged(aws)
    with aws.recording() as calls:
        run_reconcile(aws.clients, aws.settings)
    assert aws.writes(calls) == []
    # The reads really came back in the other form: every rule stored re-serialised, alarms and
    # dashboards answered with defaults filled in.
    assert proxy.rewritten["PutInsightRule"] == made["rule"]
    assert proxy.rewritten["DescribeAlarms"] and proxy.rewritten["GetDashboard"]
    stored = aws.world.cloudwatch.describe_insight_rules()["InsightRules"]
    assert all("\t" in rule["Definition"] and '"Version": 1.0' in rule["Definition"] for rule in stored)


def test_a_threshold_changed_by_a_person_is_repaired_with_one_write(reserialised) -> None:
    aws, _ = reserialised
    converged(aws)
    (alarm,) = aws.world.cloudwatch.describe_alarms(AlarmNamePrefix="plinsights-vpce-")["MetricAlarms"][:1]
    edited = {key: alarm[key] for key in ALARM_FIELDS if key in alarm} | {"Threshold": alarm["Threshold"] * 10}
    aws.world.cloudwatch.put_metric_alarm(**edited)
    with aws.recording() as calls:
        outcome = run_reconcile(aws.clients, aws.settings)
    assert aws.writes(calls) == ["cloudwatch:PutMetricAlarm"]
    assert outcome.result is not None and [c.name for c in outcome.result.done] == [alarm["AlarmName"]]
    (repaired,) = aws.world.cloudwatch.describe_alarms(AlarmNames=[alarm["AlarmName"]])["MetricAlarms"]
    assert repaired["Threshold"] == alarm["Threshold"]


def test_a_rule_whose_filter_a_person_removed_is_repaired_with_one_write(reserialised) -> None:
    """ "Filters": [] added by AWS means nothing; a filter taken away is a real difference."""
    aws, _ = reserialised
    converged(aws)
    rule = next(
        r
        for r in aws.world.cloudwatch.describe_insight_rules()["InsightRules"]
        if f"-{RuleKind.REJECTS.value}-" in r["Name"]
    )
    definition = json.loads(rule["Definition"])
    kept = [f for f in definition["Contribution"]["Filters"] if f.get("In") != ["REJECT"]]
    assert len(kept) == len(definition["Contribution"]["Filters"]) - 1
    definition["Contribution"]["Filters"] = kept
    aws.world.cloudwatch.put_insight_rule(
        RuleName=rule["Name"], RuleState=rule["State"], RuleDefinition=json.dumps(definition)
    )
    with aws.recording() as calls:
        outcome = run_reconcile(aws.clients, aws.settings)
    assert aws.writes(calls) == ["cloudwatch:PutInsightRule"]
    assert outcome.result is not None and [c.name for c in outcome.result.done] == [rule["Name"]]
    (repaired,) = [
        r for r in aws.world.cloudwatch.describe_insight_rules()["InsightRules"] if r["Name"] == rule["Name"]
    ]
    assert {"Match": "action", "In": ["REJECT"]} in json.loads(repaired["Definition"])["Contribution"]["Filters"]
