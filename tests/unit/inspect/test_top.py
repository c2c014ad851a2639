"""`plinsights top <resource>`: the resource's live rules found by name and proven by their tags,
each reported by GetInsightRuleReport (which moto lacks: botocore's Stubber answers on the
product's own CloudWatch client, in AWS's shape)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber

from cli.main import Run, main
from core.clients import Clients
from core.inspect.top import report_period, run_top
from core.settings import Settings

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z
ACCOUNT = "123456789012"
LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/orders-nlb/4f8a1c2e9b7d3a60"
LB_RULE = "plinsights-net-orders-nlb-4f8a1c2e9b7d3a60-bytes-053a44"
OTHER_RULE = "plinsights-vpce-0abc-bytes-8c9f7a"
LOOKALIKE = "plinsights-net-orders-nlb-4f8a1c2e9b7d3a60-rejects-053a44"  # our prefix, not our tag
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


@pytest.mark.parametrize("named", [LB_ARN, "orders-nlb"], ids=["arn", "name"])
def test_a_load_balancer_named_by_arn_or_name_gets_its_rules_reported(clients, named: str) -> None:
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
    top = run_top(made, Settings(), named, now=NOW, minutes=minutes)
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


def test_a_resource_without_rules_says_so(clients, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    made, cloudwatch = clients
    cloudwatch.add_response("describe_insight_rules", {"InsightRules": [rule(OTHER_RULE)]})
    monkeypatch.setattr("cli.main.connect", lambda args, progress=None: Run(made, Settings()))
    assert main(["top", "vpce-0123456789abcdef0"]) == 0
    out = capsys.readouterr().out
    assert "vpce-0123456789abcdef0 has no Contributor Insights rules of this deployment" in out

    cloudwatch.add_response("describe_insight_rules", {"InsightRules": []})
    assert main(["top", "vpce-0123456789abcdef0", "--output", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"rules": []}
    assert "has no Contributor Insights rules" in captured.err


def test_top_json_has_the_preview_shape(clients, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    made, cloudwatch = clients
    expect_rules(cloudwatch)
    cloudwatch.add_response("get_insight_rule_report", REPORT)
    monkeypatch.setattr("cli.main.connect", lambda args, progress=None: Run(made, Settings()))
    assert main(["top", "orders-nlb", "--output", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "rules": [
            {
                "name": LB_RULE,
                "resource": LB_ARN,
                "kind": "bytes",
                "log_groups": ["/vpc/flow-logs/provider"],
                "records_read": 42,
                "contributors": [
                    {"keys": ["10.0.0.7", "10.10.0.5"], "value": 1200000},
                    {"keys": ["10.0.0.9", "10.10.0.5"], "value": 300000},
                ],
            }
        ]
    }


def test_top_text_ranks_the_contributors(clients, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    made, cloudwatch = clients
    expect_rules(cloudwatch)
    cloudwatch.add_response("get_insight_rule_report", REPORT)
    monkeypatch.setattr("cli.main.connect", lambda args, progress=None: Run(made, Settings()))
    assert main(["top", "orders-nlb"]) == 0
    lines = capsys.readouterr().out.splitlines()
    ranked = [line for line in lines if "10.10.0.5" in line]
    assert "10.0.0.7" in ranked[0] and "1,200,000" in ranked[0]
    assert "10.0.0.9" in ranked[1] and "300,000" in ranked[1]


@pytest.mark.parametrize(("minutes", "period"), [(60, 60), (1440, 60), (1441, 120), (7 * 1440, 420)])
def test_the_report_period_keeps_a_window_within_a_day_of_minutes(minutes: int, period: int) -> None:
    assert report_period(minutes) == period
