"""Metric alarms on the local server are evaluated when read, as CloudWatch evaluates them: one
metric, a MetricStat query, a Contributor Insights rule's metric from the flow-log records the rule
analysed, and the sum or the largest of several; the state's reason names the datapoint."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from botocore.config import Config

from tests.integration.conftest import Harness
from tests.integration.model_shape import shape_errors
from tests.integration.test_local_server_report import A, B, put_rule, record, write

PERIOD = 60
NAMESPACE, METRIC = "AWS/PrivateLinkEndpoints", "PacketsDropped"
DIMENSIONS = [{"Name": "VPC Endpoint Id", "Value": "vpce-1"}]


def described(aws: Harness, name: str) -> dict:
    answer = aws.world.cloudwatch.describe_alarms(AlarmNames=[name])
    assert shape_errors(aws.world.cloudwatch, "DescribeAlarms", answer) == ""
    return answer["MetricAlarms"][0]


def publish(aws: Harness, *values: float, dimensions: list[dict] | None = None) -> None:
    """One value a minute, the last in the current minute."""
    now = datetime.now(UTC)
    writer = aws.world.session.client("cloudwatch", config=Config(disable_request_compression=True))
    data: list[Any] = [
        {
            "MetricName": METRIC,
            "Dimensions": dimensions or DIMENSIONS,
            "Timestamp": datetime.fromtimestamp(now.timestamp() - 60 * (len(values) - 1 - i), UTC),
            "Value": value,
        }
        for i, value in enumerate(values)
    ]
    writer.put_metric_data(Namespace=NAMESPACE, MetricData=data)


def single_metric_alarm(aws: Harness, name: str = "drops", **kwargs) -> None:
    kwargs = {
        "Namespace": NAMESPACE,
        "MetricName": METRIC,
        "Dimensions": DIMENSIONS,
        "Statistic": "Sum",
        "Period": PERIOD,
        "EvaluationPeriods": 1,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    } | kwargs
    aws.world.cloudwatch.put_metric_alarm(AlarmName=name, **kwargs)


def rule_alarm(aws: Harness, name: str, metrics: list[dict], threshold: float, **kwargs) -> None:
    kwargs = {
        "EvaluationPeriods": 5,
        "DatapointsToAlarm": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
    } | kwargs
    aws.world.cloudwatch.put_metric_alarm(AlarmName=name, Metrics=metrics, Threshold=threshold, **kwargs)


def metric_stat_query(stat: str) -> dict:
    """The published metric as an alarm's query m1, at PERIOD."""
    metric = {"Namespace": NAMESPACE, "MetricName": METRIC, "Dimensions": DIMENSIONS}
    return {"Id": "m1", "MetricStat": {"Metric": metric, "Period": PERIOD, "Stat": stat}, "ReturnData": True}


def rule_query(query_id: str, rule: str, statistic: str, returns: bool = True) -> dict:
    return {
        "Id": query_id,
        "Expression": f'INSIGHT_RULE_METRIC("{rule}", "{statistic}")',
        "Period": PERIOD,
        "ReturnData": returns,
    }


def test_a_single_metric_alarm_goes_to_alarm_on_its_datapoint_and_back(aws: Harness) -> None:
    single_metric_alarm(aws)
    assert described(aws, "drops")["StateValue"] == "INSUFFICIENT_DATA"  # no data, missing data is missing
    publish(aws, 7.0)
    firing = described(aws, "drops")
    assert firing["StateValue"] == "ALARM"
    assert firing["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [7.0 (")
    assert "greater than or equal to the threshold (5.0)" in firing["StateReason"]
    assert json.loads(firing["StateReasonData"])["recentDatapoints"] == [7.0]
    single_metric_alarm(aws, "drops-elsewhere", Dimensions=[{"Name": "VPC Endpoint Id", "Value": "vpce-2"}])
    assert described(aws, "drops-elsewhere")["StateValue"] == "INSUFFICIENT_DATA"  # exactly its dimensions


def test_a_metric_stat_query_counts_only_its_last_evaluation_periods(aws: Harness) -> None:
    publish(aws, 9.0, 9.0, 9.0, 1.0, 1.0)  # breaching three to five minutes ago
    query = metric_stat_query("Maximum")
    aws.world.cloudwatch.put_metric_alarm(
        AlarmName="recent", Metrics=[query], EvaluationPeriods=2, DatapointsToAlarm=1, Threshold=5.0,
        ComparisonOperator="GreaterThanThreshold",
    )  # fmt: skip
    assert described(aws, "recent")["StateValue"] == "OK"
    aws.world.cloudwatch.put_metric_alarm(
        AlarmName="longer", Metrics=[query], EvaluationPeriods=4, DatapointsToAlarm=2, Threshold=5.0,
        ComparisonOperator="GreaterThanThreshold",
    )  # fmt: skip
    assert described(aws, "longer")["StateValue"] == "ALARM"


def test_a_rule_metric_alarm_reads_the_records_the_rule_analysed(aws: Harness) -> None:
    """MaxContributorValue is the top pair's bytes of a period; Sum adds every pair's."""
    put_rule(aws)
    now = int(time.time()) // PERIOD * PERIOD
    write(aws, record(A, 6_000, now - 120), record(B, 5_000, now - 120), record(A, 100, now - 60))
    rule_alarm(aws, "top", [rule_query("r1", "bytes", "MaxContributorValue")], 6_000.0)
    rule_alarm(aws, "top-higher", [rule_query("r1", "bytes", "MaxContributorValue")], 6_001.0)
    rule_alarm(aws, "total", [rule_query("r1", "bytes", "Sum")], 11_000.0)
    top = described(aws, "top")
    assert top["StateValue"] == "ALARM" and "[6000.0 (" in top["StateReason"]
    assert described(aws, "top-higher")["StateValue"] == "OK"
    assert described(aws, "total")["StateValue"] == "ALARM"


def test_records_logged_before_the_rule_existed_do_not_count(aws: Harness) -> None:
    now = int(time.time()) // PERIOD * PERIOD
    write(aws, record(A, 9_000, now - 60))
    put_rule(aws)
    rule_alarm(aws, "top", [rule_query("r1", "bytes", "MaxContributorValue")], 1_000.0)
    assert described(aws, "top")["StateValue"] == "OK"


def test_expressions_over_several_rules_sum_or_take_the_largest(aws: Harness) -> None:
    put_rule(aws, "bytes")
    put_rule(aws, "bytes-2")  # the same log groups: each rule counts the same records
    now = int(time.time()) // PERIOD * PERIOD
    write(aws, record(A, 4_000, now - 60))
    parts = [rule_query("r1", "bytes", "Sum", False), rule_query("r2", "bytes-2", "Sum", False)]
    rule_alarm(aws, "summed", [*parts, {"Id": "total", "Expression": "r1 + r2", "Period": PERIOD}], 8_000.0)
    rule_alarm(aws, "largest", [*parts, {"Id": "total", "Expression": "MAX([r1, r2])", "Period": PERIOD}], 8_000.0)
    assert described(aws, "summed")["StateValue"] == "ALARM"
    assert described(aws, "largest")["StateValue"] == "OK"


def test_an_alarm_on_a_rule_that_does_not_exist_sees_no_data(aws: Harness) -> None:
    rule_alarm(aws, "gone", [rule_query("r1", "no-such-rule", "Sum")], 1.0)
    found = described(aws, "gone")
    assert found["StateValue"] == "OK" and "treated as [NonBreaching]" in found["StateReason"]


def test_what_is_not_modelled_keeps_its_state(aws: Harness) -> None:
    """An anomaly detection band is not evaluated here: the alarm keeps the state it was made with."""
    query = metric_stat_query("Sum")
    band = {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "Period": PERIOD, "ReturnData": True}
    publish(aws, 100.0)
    aws.world.cloudwatch.put_metric_alarm(
        AlarmName="band", Metrics=[query, band], EvaluationPeriods=1, ThresholdMetricId="ad1",
        ComparisonOperator="GreaterThanUpperThreshold",
    )  # fmt: skip
    found = described(aws, "band")
    assert (found["StateValue"], found["StateReason"]) == ("OK", "Unchecked: Initial alarm creation")


def test_the_state_filter_reads_the_evaluated_state(aws: Harness) -> None:
    single_metric_alarm(aws, "hot")
    single_metric_alarm(aws, "cold", Threshold=50.0)
    publish(aws, 7.0)
    answer = aws.world.cloudwatch.describe_alarms(StateValue="ALARM")
    assert [a["AlarmName"] for a in answer["MetricAlarms"]] == ["hot"]


def test_several_alarms_on_one_rule_are_evaluated_in_one_describe(aws: Harness) -> None:
    put_rule(aws)
    now = int(time.time()) // PERIOD * PERIOD
    write(aws, record(A, 2_000, now - 60))
    for name in ("a", "b", "c"):
        rule_alarm(aws, name, [rule_query("r1", "bytes", "Sum")], 1_000.0)
    states = {a["AlarmName"]: a["StateValue"] for a in aws.world.cloudwatch.describe_alarms()["MetricAlarms"]}
    assert states == {"a": "ALARM", "b": "ALARM", "c": "ALARM"}
