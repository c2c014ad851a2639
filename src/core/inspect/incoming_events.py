"""Reads how many log events the rules' log groups receive (AWS/Logs IncomingLogEvents), for the cost estimate."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from core.desire.cost import HOURS_PER_DAY, IncomingEvents

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient


MAX_QUERIES = 500  # GetMetricData: MetricDataQueries per call

PERIOD = 3_600  # hourly sums: GetMetricData rounds a start time to the hour for periods of an hour or more

NAMESPACE, METRIC, DIMENSION = "AWS/Logs", "IncomingLogEvents", "LogGroupName"  # CloudWatch Logs' own metric

COMPLETE = "Complete"  # MetricDataResult.StatusCode; PartialData means more pages, the others an error


def read_incoming_events(
    cloudwatch: CloudWatchClient, log_groups: Iterable[str], now: datetime, hours: int = HOURS_PER_DAY
) -> IncomingEvents:
    """The events each log group received in the last `hours` whole hours before `now`: one
    GetMetricData call per 500 log groups (and its pages). A log group with no datapoint received
    nothing (CloudWatch Logs publishes the metric only for events that arrive). This read is the
    CLI's only: the function's reconciles keep their calls. A refused or failed call gives an
    estimate without matched events, never a failed plan."""
    groups = sorted(set(log_groups))
    end = now.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=hours)
    per_log_group: dict[str, float] = {}
    try:
        for offset in range(0, len(groups), MAX_QUERIES):
            per_log_group.update(read_sums(cloudwatch, groups[offset : offset + MAX_QUERIES], start, end))
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "an error")
        return IncomingEvents(hours=hours, unknown=f"GetMetricData answered {code} (needs cloudwatch:GetMetricData)")
    except BotoCoreError as err:
        return IncomingEvents(hours=hours, unknown=f"GetMetricData failed: {err}")
    return IncomingEvents(per_log_group, hours)


def read_sums(cloudwatch: CloudWatchClient, groups: list[str], start: datetime, end: datetime) -> dict[str, float]:
    """The summed IncomingLogEvents of each of these log groups between start and end; a group
    whose result did not complete (InternalError, Forbidden) is left out, so it reads as unknown."""
    ids = {f"g{number}": group for number, group in enumerate(groups)}
    queries: list[Any] = [
        {
            "Id": query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": NAMESPACE,
                    "MetricName": METRIC,
                    "Dimensions": [{"Name": DIMENSION, "Value": group}],
                },
                "Period": PERIOD,
                "Stat": "Sum",
            },
            "ReturnData": True,
        }
        for query_id, group in ids.items()
    ]
    totals: dict[str, float] = defaultdict(float)
    statuses: dict[str, str] = {}
    # A query's values may run over several pages (StatusCode PartialData, then NextToken).
    pages = cloudwatch.get_paginator("get_metric_data").paginate(
        MetricDataQueries=queries, StartTime=start, EndTime=end
    )
    for page in pages:
        for result in page.get("MetricDataResults", []):
            query_id = result.get("Id", "")
            totals[query_id] += sum(result.get("Values", []))
            statuses[query_id] = result.get("StatusCode", COMPLETE)
    return {group: totals[query_id] for query_id, group in ids.items() if statuses.get(query_id) == COMPLETE}
