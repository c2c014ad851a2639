"""Alarms over many series on the local server: a Metrics Insights query as the alarm's expression,
evaluated over the metric data PutMetricData stored, each series a contributor, the ones in ALARM
answered by DescribeAlarmContributors (user guide: Metrics Insights alarms and their limits)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.integration.conftest import Harness
from tests.integration.model_shape import shape_errors

NAMESPACE = "AWS/PrivateLinkServices"
QUERY = (
    f'SELECT MAX(BytesProcessed) FROM SCHEMA("{NAMESPACE}", "Service Id", "VPC Endpoint Id") GROUP BY "VPC Endpoint Id"'
)
PERIOD = 60


def writer(aws: Harness):
    # moto's server cannot read the gzip bodies botocore sends for a PutMetricData over 10 KB
    return aws.world.session.client("cloudwatch", config=Config(disable_request_compression=True))


def publish(aws: Harness, values: dict[str, list[float]]) -> None:
    """Each endpoint's BytesProcessed, the last value in the current minute, one a minute before it."""
    now = datetime.now(UTC)
    data = [
        {
            "MetricName": "BytesProcessed",
            "Value": value,
            "Timestamp": now - timedelta(minutes=len(series) - 1 - index),
            "Dimensions": [
                {"Name": "Service Id", "Value": "vpce-svc-1"},
                {"Name": "VPC Endpoint Id", "Value": endpoint},
            ],
        }
        for endpoint, series in values.items()
        for index, value in enumerate(series)
    ]
    for start in range(0, len(data), 1000):  # PutMetricData: at most 1,000 values a call
        writer(aws).put_metric_data(Namespace=NAMESPACE, MetricData=data[start : start + 1000])


def alarm(aws: Harness, name: str = "bytes", query: str = QUERY, **kwargs) -> None:
    kwargs = {
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 2,
        "Threshold": 1000.0,
        "ComparisonOperator": "GreaterThanThreshold",
    } | kwargs
    metrics = [{"Id": "q", "Expression": query, "Period": PERIOD, "ReturnData": True}]
    aws.world.cloudwatch.put_metric_alarm(AlarmName=name, Metrics=metrics, **kwargs)


def contributors(aws: Harness, name: str = "bytes") -> dict[str, dict]:
    answer = aws.world.cloudwatch.describe_alarm_contributors(AlarmName=name)
    assert shape_errors(aws.world.cloudwatch, "DescribeAlarmContributors", answer) == ""
    return {c["ContributorAttributes"]["VPC Endpoint Id"]: c for c in answer["AlarmContributors"]}


def described(aws: Harness, name: str = "bytes") -> dict:
    answer = aws.world.cloudwatch.describe_alarms(AlarmNames=[name])
    assert shape_errors(aws.world.cloudwatch, "DescribeAlarms", answer) == ""
    return answer["MetricAlarms"][0]


def test_the_query_is_stored_and_described_as_it_was_given(aws: Harness) -> None:
    alarm(aws)
    stored = described(aws)
    assert stored["Metrics"] == [{"Id": "q", "Expression": QUERY, "Period": PERIOD, "ReturnData": True}]
    assert (stored["EvaluationPeriods"], stored["DatapointsToAlarm"], stored["Threshold"]) == (3, 2, 1000.0)
    assert "MetricName" not in stored and "Namespace" not in stored


def test_the_series_breaching_m_of_n_are_the_contributors_in_alarm(aws: Harness) -> None:
    publish(aws, {"vpce-hot": [5000, 4000, 10], "vpce-once": [10, 9000, 10], "vpce-calm": [10, 20, 30]})
    alarm(aws)
    found = contributors(aws)
    assert list(found) == ["vpce-hot"]  # two of its last three periods over 1000; vpce-once only one
    hot = found["vpce-hot"]
    assert hot["ContributorAttributes"] == {"VPC Endpoint Id": "vpce-hot"} and 1 <= len(hot["ContributorId"]) <= 16
    assert "2 out of the last 3 datapoints" in hot["StateReason"]
    state = described(aws)
    assert (state["StateValue"], state["StateReason"]) == ("ALARM", "1 out of 3 time series evaluated to ALARM")
    again = contributors(aws)["vpce-hot"]
    assert (again["ContributorId"], again["StateTransitionedTimestamp"]) == (
        hot["ContributorId"],
        hot["StateTransitionedTimestamp"],
    )


def test_datapoints_older_than_the_evaluation_periods_do_not_count(aws: Harness) -> None:
    publish(aws, {"vpce-was-hot": [9000, 9000, 9000, 10, 10]})  # hot four and five minutes ago
    alarm(aws)
    assert contributors(aws) == {} and described(aws)["StateValue"] == "OK"


def test_comparison_and_where_and_limit_shape_what_is_evaluated(aws: Harness) -> None:
    publish(aws, {"vpce-1": [1, 1, 1], "vpce-2": [2, 2, 2], "vpce-3": [3, 3, 3]})
    alarm(aws, "low", ComparisonOperator="LessThanThreshold", Threshold=2.5)
    assert sorted(contributors(aws, "low")) == ["vpce-1", "vpce-2"]
    alarm(
        aws,
        "low-but-2",
        QUERY.replace("GROUP BY", "WHERE \"VPC Endpoint Id\" != 'vpce-2' GROUP BY"),
        ComparisonOperator="LessThanThreshold",
        Threshold=2.5,
    )
    assert sorted(contributors(aws, "low-but-2")) == ["vpce-1"]
    alarm(aws, "top-one", QUERY + " ORDER BY MAX() DESC LIMIT 1", Threshold=0.0)
    assert list(contributors(aws, "top-one")) == ["vpce-3"]


def test_no_data_leaves_the_alarm_insufficient_and_without_contributors(aws: Harness) -> None:
    alarm(aws)
    assert contributors(aws) == {} and described(aws)["StateValue"] == "INSUFFICIENT_DATA"


def test_at_most_100_contributors_and_past_500_series_the_evaluation_is_partial(aws: Harness) -> None:
    publish(aws, {f"vpce-{index:03}": [5000, 5000] for index in range(501)})
    alarm(aws)
    assert len(contributors(aws)) == 100
    state = described(aws)
    assert (state["StateReason"], state["EvaluationState"]) == (
        "100+ out of 500 time series evaluated to ALARM",
        "PARTIAL_DATA",
    )


@pytest.mark.parametrize(
    ("metrics", "code"),
    [
        ([{"Id": "q", "Expression": "SELECT MAX(BytesProcessed) FRM x", "Period": 60}], "ValidationError"),
        (
            [{"Id": "q", "Expression": QUERY.replace("GROUP BY", "WHERE a = 'b' OR a = 'c' GROUP BY"), "Period": 60}],
            "NotImplemented",
        ),
        ([{"Id": "q", "Expression": QUERY}], "ValidationError"),  # "Period must not be null"
        (
            [{"Id": "q", "Expression": QUERY, "Period": 60}, {"Id": "r", "Expression": "q * 2", "Period": 60}],
            "ValidationError",
        ),
    ],
    ids=["not a query", "OR", "no Period", "two results"],
)
def test_put_metric_alarm_refuses_like_aws(aws: Harness, metrics, code: str) -> None:
    with pytest.raises(ClientError) as refused:
        aws.world.cloudwatch.put_metric_alarm(
            AlarmName="bad",
            Metrics=metrics,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanThreshold",
        )
    assert refused.value.response["Error"]["Code"] == code
    assert aws.world.cloudwatch.describe_alarms(AlarmNames=["bad"])["MetricAlarms"] == []


def test_contributors_of_an_unknown_alarm_are_not_found(aws: Harness) -> None:
    with pytest.raises(ClientError) as refused:
        aws.world.cloudwatch.describe_alarm_contributors(AlarmName="missing")
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_describe_alarms_pages_at_max_records_like_aws(aws: Harness) -> None:
    cw = aws.world.cloudwatch
    for name in ("c", "a", "b"):
        cw.put_metric_alarm(
            AlarmName=name, Namespace="N", MetricName="M", Statistic="Sum", Period=60, EvaluationPeriods=1,
            Threshold=1.0, ComparisonOperator="GreaterThanThreshold",
        )  # fmt: skip
    first = cw.describe_alarms(MaxRecords=2)
    assert shape_errors(cw, "DescribeAlarms", first) == ""
    second = cw.describe_alarms(MaxRecords=2, NextToken=first["NextToken"])
    assert [a["AlarmName"] for a in first["MetricAlarms"] + second["MetricAlarms"]] == ["a", "b", "c"]
    assert "NextToken" not in second
    paged = cw.get_paginator("describe_alarms").paginate(PaginationConfig={"PageSize": 1})
    assert [a["AlarmName"] for page in paged for a in page["MetricAlarms"]] == ["a", "b", "c"]
    for kwargs, code in (({"MaxRecords": 101}, "ValidationError"), ({"NextToken": "nope"}, "InvalidNextToken")):
        with pytest.raises(ClientError) as refused:
            cw.describe_alarms(**kwargs)
        assert refused.value.response["Error"]["Code"] == code
