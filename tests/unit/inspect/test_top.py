"""`plinsights top <resource>`: the resource's live rules found by name and proven by their tags,
each reported by GetInsightRuleReport (botocore's Stubber answers on the product's own CloudWatch
client, in AWS's shape; tests/integration/cli/test_cli_top.py runs the command on the local server)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber

from core.clients import Clients
from core.inspect.top import report_period, run_top
from core.model import Resource, ResourceKind
from core.settings import Settings

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z
ACCOUNT = "123456789012"
LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/orders-nlb/4f8a1c2e9b7d3a60"
LB_RULE = "plinsights-net-orders-nlb-4f8a1c2e9b7d3a60-bytes-053a44"
OTHER_RULE = "plinsights-vpce-0abc-bytes-8c9f7a"
LOOKALIKE = "plinsights-net-orders-nlb-4f8a1c2e9b7d3a60-rejects-053a44"  # our prefix, not our tag
LOAD_BALANCER = Resource(LB_ARN, ResourceKind.NETWORK_LOAD_BALANCER, "active", "vpc-1", name="orders-nlb")
DEFINITION = json.dumps({"LogGroupNames": ["/vpc/flow-logs/provider"], "LogFormat": "CLF"})


def rule(name: str) -> dict:
    return {"Name": name, "State": "ENABLED", "Schema": "CloudWatchLogRule/1", "Definition": DEFINITION}


def tags(owner: str, resource: str, kind: str) -> dict:
    return {
        "Tags": [
            {"Key": "plinsights:owner", "Value": owner},
            {"Key": "plinsights:resource-id", "Value": resource},
            {"Key": "plinsights:kind", "Value": kind},
        ]
    }


REPORT = {  # GetInsightRuleReport's answer, as the botocore model shapes it
    "KeyLabels": ["srcaddr", "dstaddr"],
    "AggregationStatistic": "Sum",
    "AggregateValue": 1_500_000.0,
    "ApproximateUniqueCount": 3,
    "Contributors": [
        {"Keys": ["10.0.0.9", "10.10.0.5"], "ApproximateAggregateValue": 300_000.0, "Datapoints": []},
        {"Keys": ["10.0.0.7", "10.10.0.5"], "ApproximateAggregateValue": 1_200_000.0, "Datapoints": []},
    ],
    "MetricDatapoints": [
        {"Timestamp": datetime(2025, 12, 31, 23, 1, tzinfo=UTC), "SampleCount": 40.0},
        {"Timestamp": datetime(2025, 12, 31, 23, 2, tzinfo=UTC), "SampleCount": 2.0},
    ],
}


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    made = Clients(session=boto3.Session(region_name="us-east-1"))
    with Stubber(made.sts) as sts, Stubber(made.cloudwatch) as cloudwatch:
        sts.add_response(
            "get_caller_identity", {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/u", "UserId": "u"}
        )
        yield made, cloudwatch


def expect_rules(cloudwatch: Stubber) -> None:
    cloudwatch.add_response(
        "describe_insight_rules", {"InsightRules": [rule(OTHER_RULE), rule(LB_RULE), rule(LOOKALIKE)]}
    )
    arn = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:insight-rule/"
    cloudwatch.add_response(
        "list_tags_for_resource", tags("plinsights", LB_ARN, "bytes"), {"ResourceARN": arn + LB_RULE}
    )
    cloudwatch.add_response(
        "list_tags_for_resource", tags("someone-else", LB_ARN, "rejects"), {"ResourceARN": arn + LOOKALIKE}
    )


def test_a_load_balancers_rules_are_found_by_name_and_proven_by_tags(clients) -> None:
    made, cloudwatch = clients
    expect_rules(cloudwatch)
    minutes = 60
    cloudwatch.add_response(
        "get_insight_rule_report",
        REPORT,
        {
            "RuleName": LB_RULE,
            "StartTime": datetime.fromtimestamp(NOW, tz=UTC) - timedelta(minutes=minutes),
            "EndTime": datetime.fromtimestamp(NOW, tz=UTC),
            "Period": 60,
            "MaxContributorCount": 10,
            "OrderBy": "Sum",
            "Metrics": ANY,
        },
    )
    top = run_top(made, Settings(), LOAD_BALANCER, now=NOW, minutes=minutes, named="orders-nlb")
    cloudwatch.assert_no_pending_responses()  # one report: the other endpoint's rule and the look-alike are not read

    (report,) = top.reports
    assert (report.name, report.resource, report.kind, report.log_groups) == (
        LB_RULE,
        LB_ARN,
        "bytes",
        ("/vpc/flow-logs/provider",),
    )
    assert [(c.keys, c.value) for c in report.evaluation.contributors] == [
        (("10.0.0.7", "10.10.0.5"), 1_200_000.0),
        (("10.0.0.9", "10.10.0.5"), 300_000.0),
    ]
    assert report.evaluation.key_labels == ("srcaddr", "dstaddr")
    assert report.records_read == 42  # the SampleCount datapoints: 40 + 2 matched log events


@pytest.mark.parametrize(("minutes", "period"), [(60, 60), (1440, 60), (1441, 120), (7 * 1440, 420)])
def test_the_report_period_keeps_a_window_within_a_day_of_minutes(minutes: int, period: int) -> None:
    assert report_period(minutes) == period
