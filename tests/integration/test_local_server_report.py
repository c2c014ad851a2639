"""GetInsightRuleReport on the local server, computed from the rule and the log events of its log
groups: only events that arrive while the rule is enabled count (a rule analyses "only new log
events"), ranked, counted and summed as the API reference says."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import Harness
from tests.integration.model_shape import shape_errors

GROUP = "/vpc/flow-logs/consumer"
BYTES_RULE = {
    "Schema": {"Name": "CloudWatchLogRule", "Version": 1},
    "LogGroupNames": ["/vpc/flow-logs/*"],
    "LogFormat": "CLF",
    "Fields": {"4": "srcaddr", "5": "dstaddr", "10": "bytes", "13": "action"},
    "Contribution": {
        "Keys": ["srcaddr", "dstaddr"],
        "ValueOf": "bytes",
        "Filters": [{"Match": "action", "In": ["ACCEPT"]}],
    },
    "AggregateOn": "Sum",
}
PERIOD = 60
NOW = (int(time.time()) // PERIOD) * PERIOD  # the start of this minute
A, B, C = ("10.0.0.1", "10.0.9.9"), ("10.0.0.2", "10.0.9.9"), ("10.0.0.3", "10.0.9.9")


def record(pair: tuple[str, str], nbytes: int, at: int, action: str = "ACCEPT") -> dict:
    message = f"2 123456789012 eni-1 {pair[0]} {pair[1]} 443 50000 6 10 {nbytes} {at} {at + 60} {action} OK"
    return {"timestamp": at * 1000, "message": message}


def write(aws: Harness, *events: dict, group: str = GROUP) -> None:
    logs = aws.world.logs
    if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="eni-1")
    logs.put_log_events(
        logGroupName=group, logStreamName="eni-1", logEvents=sorted(events, key=lambda e: e["timestamp"])
    )


def put_rule(aws: Harness, name: str = "bytes", definition: dict | None = None, state: str = "ENABLED") -> None:
    aws.world.cloudwatch.put_insight_rule(
        RuleName=name, RuleDefinition=json.dumps(definition or BYTES_RULE), RuleState=state
    )


def report(aws: Harness, name: str = "bytes", **kwargs) -> dict:
    kwargs = {"StartTime": NOW - 3600, "EndTime": NOW + PERIOD, "Period": PERIOD} | kwargs
    answer = aws.world.cloudwatch.get_insight_rule_report(RuleName=name, **kwargs)
    assert shape_errors(aws.world.cloudwatch, "GetInsightRuleReport", answer) == ""
    return answer


def contributors(answer: dict) -> dict[tuple[str, ...], float]:
    return {tuple(c["Keys"]): c["ApproximateAggregateValue"] for c in answer["Contributors"]}


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_only_events_that_arrive_after_the_rule_is_made_count(aws: Harness) -> None:
    write(aws, record(A, 9999, NOW - 120))  # before the rule: never analysed
    put_rule(aws)
    write(
        aws, record(A, 500, NOW - 120), record(B, 700, NOW - 60), record(A, 250, NOW - 60), record(C, 1, NOW, "REJECT")
    )
    answer = report(aws)
    assert (answer["KeyLabels"], answer["AggregationStatistic"]) == (["srcaddr", "dstaddr"], "Sum")
    assert contributors(answer) == {A: 750.0, B: 700.0}  # the REJECT record fails the filter
    assert (answer["AggregateValue"], answer["ApproximateUniqueCount"]) == (1450.0, 2)
    first = answer["Contributors"][0]
    assert [(d["Timestamp"], d["ApproximateValue"]) for d in first["Datapoints"]] == [
        (at(NOW - 120), 500.0),
        (at(NOW - 60), 250.0),
    ]


def test_metric_datapoints_are_per_period_statistics_of_the_events(aws: Harness) -> None:
    put_rule(aws)
    write(aws, record(A, 500, NOW - 120), record(B, 700, NOW - 60), record(A, 250, NOW - 60), record(A, 50, NOW - 50))
    answer = report(
        aws,
        Metrics=["UniqueContributors", "MaxContributorValue", "SampleCount", "Sum", "Minimum", "Maximum", "Average"],
    )
    points = {p.pop("Timestamp"): p for p in answer["MetricDatapoints"]}
    assert points[at(NOW - 60)] == {
        "UniqueContributors": 2.0,
        "MaxContributorValue": 700.0,  # the top contributor's value in that period (B: 700 against A's 300)
        "SampleCount": 3.0,
        "Sum": 1000.0,
        "Minimum": 50.0,  # one event's value
        "Maximum": 700.0,
        "Average": 1000.0 / 3,
    }
    assert list(points) == [at(NOW - 120), at(NOW - 60)]
    assert "MetricDatapoints" not in report(aws)  # none asked, none given


def test_order_by_maximum_ranks_by_the_best_period_and_sum_by_the_total(aws: Harness) -> None:
    put_rule(aws)
    write(aws, record(A, 400, NOW - 180), record(A, 400, NOW - 120), record(B, 600, NOW - 60))
    assert [tuple(c["Keys"]) for c in report(aws, OrderBy="Sum")["Contributors"]] == [A, B]
    assert [tuple(c["Keys"]) for c in report(aws, OrderBy="Maximum")["Contributors"]] == [B, A]


def test_max_contributor_count_limits_the_list_not_the_totals(aws: Harness) -> None:
    put_rule(aws)
    write(aws, record(A, 3, NOW - 60), record(B, 2, NOW - 60), record(C, 1, NOW - 60))
    answer = report(aws, MaxContributorCount=2)
    assert list(contributors(answer)) == [A, B]
    assert (answer["AggregateValue"], answer["ApproximateUniqueCount"]) == (6.0, 3)


def test_the_time_range_selects_events_by_their_timestamp(aws: Harness) -> None:
    put_rule(aws)
    write(aws, record(A, 10, NOW - 7200), record(B, 20, NOW - 60), record(C, 30, NOW + 600))
    assert contributors(report(aws, StartTime=NOW - 3600, EndTime=NOW)) == {B: 20.0}


def test_a_disabled_rule_analyses_nothing_until_it_is_enabled_again(aws: Harness) -> None:
    put_rule(aws)
    write(aws, record(A, 1, NOW - 60))
    aws.world.cloudwatch.disable_insight_rules(RuleNames=["bytes"])
    write(aws, record(B, 2, NOW - 60))
    assert contributors(report(aws)) == {A: 1.0}  # what it analysed while enabled is still reported
    aws.world.cloudwatch.enable_insight_rules(RuleNames=["bytes"])
    write(aws, record(C, 3, NOW - 60))
    assert contributors(report(aws)) == {C: 3.0, A: 1.0}


def test_a_rule_created_disabled_starts_with_enabling(aws: Harness) -> None:
    put_rule(aws, state="DISABLED")
    write(aws, record(A, 1, NOW - 60))
    put_rule(aws, state="ENABLED")
    write(aws, record(B, 2, NOW - 60))
    assert contributors(report(aws)) == {B: 2.0}


def test_a_count_rule_reads_its_log_groups_only(aws: Harness) -> None:
    rejects = BYTES_RULE | {"LogGroupNames": [GROUP], "AggregateOn": "Count"}
    rejects["Contribution"] = {"Keys": ["srcaddr"], "Filters": [{"Match": "action", "In": ["REJECT"]}]}
    put_rule(aws, "rejects", rejects)
    write(aws, record(A, 1, NOW - 60, "REJECT"), record(A, 1, NOW - 50, "REJECT"), record(B, 1, NOW - 60, "REJECT"))
    write(aws, record(C, 1, NOW - 60, "REJECT"), group="/vpc/flow-logs/provider")  # another group
    answer = report(aws, "rejects")
    assert (answer["AggregationStatistic"], contributors(answer)) == ("Count", {(A[0],): 2.0, (B[0],): 1.0})


def test_a_managed_rule_ranks_the_endpoints_of_its_service(aws: Harness) -> None:
    """A managed rule needs no flow logs: it ranks consumer endpoints by the metric PrivateLink
    publishes for each, AWS/PrivateLinkServices {Service Id, VPC Endpoint Id}."""
    _, subnets = aws.world.vpc(subnets=1)
    service = aws.world.ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[aws.world.load_balancer("nlb", subnets)]
    )["ServiceConfiguration"]["ServiceId"]
    arn = f"arn:aws:ec2:{aws.world.region}:123456789012:vpc-endpoint-service/{service}"
    template = "VpcEndpointService-BytesByEndpointId-v1"
    aws.world.cloudwatch.put_managed_insight_rules(ManagedRules=[{"TemplateName": template, "ResourceARN": arn}])
    name = aws.world.cloudwatch.list_managed_insight_rules(ResourceARN=arn)["ManagedRules"][1]["RuleState"]["RuleName"]
    moment = datetime.now(UTC)

    def datum(endpoint: str, value: float, dimensions: tuple[str, ...] = ("Service Id", "VPC Endpoint Id")) -> dict:
        values = {"Service Id": service, "VPC Endpoint Id": endpoint}
        return {
            "MetricName": "BytesProcessed",
            "Value": value,
            "Timestamp": moment,
            "Dimensions": [{"Name": d, "Value": values[d]} for d in dimensions],
        }

    aws.world.cloudwatch.put_metric_data(
        Namespace="AWS/PrivateLinkServices",
        MetricData=[
            datum("vpce-1", 5e6),
            datum("vpce-2", 7e6),
            datum("vpce-1", 4e6),
            datum("vpce-3", 1e9, ("VPC Endpoint Id",)),
        ],
    )
    answer = report(aws, name, StartTime=int(moment.timestamp()) - 600, EndTime=int(moment.timestamp()) + 600)
    assert answer["KeyLabels"] == ["VpcEndpointId"] and contributors(answer) == {("vpce-1",): 9e6, ("vpce-2",): 7e6}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"RuleName": "missing"}, "ResourceNotFoundException"),
        ({"MaxContributorCount": 101}, "InvalidParameterValue"),
        ({"MaxContributorCount": 0}, "InvalidParameterValue"),
        ({"OrderBy": "Average"}, "InvalidParameterValue"),
        ({"Metrics": ["Median"]}, "InvalidParameterValue"),
        ({"StartTime": NOW, "EndTime": NOW}, "InvalidParameterValue"),
    ],
    ids=[
        "unknown rule",
        "over 100 contributors",
        "no contributors",
        "order by Average",
        "unknown metric",
        "empty range",
    ],
)
def test_refused_like_aws(aws: Harness, kwargs, code: str) -> None:
    put_rule(aws)
    with pytest.raises(ClientError) as refused:
        aws.world.cloudwatch.get_insight_rule_report(
            **({"RuleName": "bytes", "StartTime": NOW - 60, "EndTime": NOW, "Period": PERIOD} | kwargs)
        )
    assert refused.value.response["Error"]["Code"] == code


def test_a_json_rule_is_refused_as_not_implemented_here_and_not_retried(aws: Harness) -> None:
    json_rule = BYTES_RULE | {"LogFormat": "JSON", "Contribution": {"Keys": ["$.srcaddr"]}, "AggregateOn": "Count"}
    put_rule(aws, "json", json_rule)
    with pytest.raises(ClientError) as refused:
        report(aws, "json")
    error, meta = refused.value.response["Error"], refused.value.response["ResponseMetadata"]
    assert (error["Code"], meta["HTTPStatusCode"], meta["RetryAttempts"]) == ("NotImplemented", 501, 0)
    assert "does not implement" in error["Message"] and "CLF" in error["Message"]
