"""Log alarms on the local server (PutLogAlarm): checked as the botocore model and the API reference
describe them, returned by DescribeAlarms under AlarmTypes ["LogAlarm"] only, deleted by DeleteAlarms."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import Harness
from tests.integration.model_shape import shape_errors

ROLE = "arn:aws:iam::123456789012:role/alarm-queries"
ALARM = {
    "AlarmName": "rejects",
    "ScheduledQueryConfiguration": {
        "QueryString": "filter action = 'REJECT'",
        "LogGroupIdentifiers": ["/vpc/flow-logs/consumer"],
        "ScheduledQueryRoleARN": ROLE,
        "ScheduleConfiguration": {
            "ScheduleExpression": "rate(5 minutes)",
            "StartTimeOffset": 900,
            "EndTimeOffset": 300,
        },
        "AggregationExpression": "count(*) by interfaceId",
    },
    "QueryResultsToEvaluate": 3,
    "QueryResultsToAlarm": 2,
    "Threshold": 100.0,
    "ComparisonOperator": "GreaterThanThreshold",
    "TreatMissingData": "notBreaching",
}


def log_alarms(aws: Harness, **kwargs) -> list[dict]:
    answer = aws.world.cloudwatch.describe_alarms(AlarmTypes=["LogAlarm"], **kwargs)
    assert shape_errors(aws.world.cloudwatch, "DescribeAlarms", answer) == ""
    return answer["LogAlarms"]


def test_a_log_alarm_is_stored_as_given_with_its_query_arn_and_no_state_yet(aws: Harness) -> None:
    aws.world.cloudwatch.put_log_alarm(**ALARM, Tags=[{"Key": "team", "Value": "net"}])
    [stored] = log_alarms(aws)
    assert stored["AlarmArn"] == f"arn:aws:cloudwatch:{aws.world.region}:123456789012:alarm:rejects"
    assert (stored["StateValue"], stored["QueryResultsToAlarm"], stored["TreatMissingData"]) == (
        "INSUFFICIENT_DATA",
        2,
        "notBreaching",
    )
    config = stored["ScheduledQueryConfiguration"]
    assert config["QueryARN"].startswith(f"arn:aws:logs:{aws.world.region}:123456789012:")
    assert {k: v for k, v in config.items() if k != "QueryARN"} == ALARM["ScheduledQueryConfiguration"]
    tags = aws.world.cloudwatch.list_tags_for_resource(ResourceARN=stored["AlarmArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "net"}]


def test_only_alarm_types_log_alarm_lists_it_and_name_filters_apply(aws: Harness) -> None:
    cw = aws.world.cloudwatch
    cw.put_log_alarm(**ALARM)
    cw.put_log_alarm(**(ALARM | {"AlarmName": "other"}))
    default = cw.describe_alarms()
    assert default["MetricAlarms"] == [] and "LogAlarms" not in default  # "only metric alarms are returned"
    assert [a["AlarmName"] for a in log_alarms(aws, AlarmNamePrefix="rej")] == ["rejects"]
    assert [a["AlarmName"] for a in log_alarms(aws, AlarmNames=["other"])] == ["other"]


def test_putting_it_again_replaces_the_configuration_and_keeps_its_query(aws: Harness) -> None:
    cw = aws.world.cloudwatch
    cw.put_log_alarm(**ALARM)
    first = log_alarms(aws)[0]["ScheduledQueryConfiguration"]["QueryARN"]
    cw.put_log_alarm(**(ALARM | {"Threshold": 5.0}))
    [again] = log_alarms(aws)
    assert (again["Threshold"], again["ScheduledQueryConfiguration"]["QueryARN"]) == (5.0, first)


def test_delete_alarms_deletes_it_and_its_tags(aws: Harness) -> None:
    cw = aws.world.cloudwatch
    cw.put_log_alarm(**ALARM)
    arn = log_alarms(aws)[0]["AlarmArn"]
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "later", "Value": "1"}])  # TagResource takes log alarms
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "later", "Value": "1"}]
    cw.delete_alarms(AlarmNames=["rejects"])
    assert log_alarms(aws) == [] and cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == []


def test_a_name_is_unique_across_metric_and_log_alarms(aws: Harness) -> None:
    cw = aws.world.cloudwatch
    cw.put_metric_alarm(
        AlarmName="taken",
        Namespace="N",
        MetricName="M",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    with pytest.raises(ClientError) as refused:
        cw.put_log_alarm(**(ALARM | {"AlarmName": "taken"}))
    assert refused.value.response["Error"]["Code"] == "ResourceConflict"
    cw.put_log_alarm(**ALARM)
    with pytest.raises(ClientError) as refused:
        cw.put_metric_alarm(
            AlarmName="rejects",
            Namespace="N",
            MetricName="M",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanThreshold",
        )
    assert refused.value.response["Error"]["Code"] == "ResourceConflict"


def changed(path: str, value) -> dict:
    alarm = copy.deepcopy(ALARM)
    *parents, last = path.split(".")
    target: Any = alarm
    for key in parents:
        target = target[key]
    target[last] = value
    return alarm


@pytest.mark.parametrize(
    ("alarm", "code"),
    [
        (changed("QueryResultsToAlarm", 4), "ValidationError"),  # more than QueryResultsToEvaluate
        (changed("QueryResultsToEvaluate", 101), "ValidationError"),
        (changed("ComparisonOperator", "LessThanLowerOrGreaterThanUpperThreshold"), "ValidationError"),
        (changed("TreatMissingData", "zero"), "ValidationError"),
        (changed("ScheduledQueryConfiguration.LogGroupIdentifiers", [f"/g/{i}" for i in range(51)]), "ValidationError"),
        (changed("ScheduledQueryConfiguration.ScheduleConfiguration.EndTimeOffset", 900), "ValidationError"),
        (changed("ScheduledQueryConfiguration.ScheduleConfiguration.StartTimeOffset", 2_592_001), "ValidationError"),
        (
            changed("ScheduledQueryConfiguration.ScheduleConfiguration.ScheduleExpression", "every 5 minutes"),
            "ValidationError",
        ),
        (
            changed("ScheduledQueryConfiguration.ScheduledQueryRoleARN", "arn:aws:iam::123456789012:user/me"),
            "ValidationError",
        ),
        (changed("ScheduledQueryConfiguration.AggregationExpression", "x" * 2049), "ValidationError"),
        (ALARM | {"ActionLogLineCount": 51}, "ValidationError"),
        (ALARM | {"ActionLogLineCount": 5}, "InvalidParameterCombination"),  # without ActionLogLineRoleArn
        (ALARM | {"AlarmActions": [f"arn:aws:sns:us-east-1:123456789012:t{i}" for i in range(6)]}, "ValidationError"),
        (
            ALARM
            | {
                "ActionConfiguration": {
                    "AlarmTagsPropagation": {"Enabled": True, "IncludedTagKeys": ["a"], "ExcludedTagKeys": ["b"]}
                }
            },
            "InvalidParameterCombination",
        ),
    ],
    ids=[
        "M over N",
        "N over 100",
        "an anomaly band",
        "unknown missing-data",
        "51 log groups",
        "end not before start",
        "offset over 30 days",
        "not a rate",
        "not a role",
        "aggregation too long",
        "51 log lines",
        "log lines without a role",
        "6 actions",
        "included and excluded tags",
    ],
)
def test_refused_like_aws(aws: Harness, alarm: dict, code: str) -> None:
    with pytest.raises(ClientError) as refused:
        aws.world.cloudwatch.put_log_alarm(**alarm)
    assert refused.value.response["Error"]["Code"] == code
    assert log_alarms(aws) == []
