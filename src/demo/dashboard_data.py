"""What the demo's dashboard pictures show, read from the local account: PrivateLink metrics, which
the demo first simulates there (AWS publishes none locally), and alarm states, which the local
server evaluates from those metrics and the rules' flow-log records as CloudWatch would."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from demo.render import MetricKey, MetricRow, Point, WidgetData, metric_rows

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

HISTORY = timedelta(hours=3)
STEP = timedelta(minutes=5)  # the PrivateLink widgets' period
POINTS_PER_CALL = 1000  # PutMetricData: at most 1,000 values a call
QUERIES_PER_CALL = 500  # GetMetricData: at most 500 queries a call
# The load balancer's resets over the last quarter hour: its targets refuse one consumer's
# connections (demo/consumers.py), a reset each, above the default 300 per 5 minutes.
RESETS_BURST = 900.0
QUIET_SCALE = 1e-5  # a quiet endpoint's traffic against a busy one's: KB where the busy one moves GB


def dashboard_metric_rows(bodies: Iterable[str]) -> list[tuple[MetricRow, int]]:
    """Each metric row of the bodies' metric widgets once, with the widget's period."""
    seen: dict[MetricKey, tuple[MetricRow, int]] = {}
    for body in bodies:
        for widget in json.loads(body)["widgets"]:
            properties = widget.get("properties", {})
            if widget["type"] == "metric" and "metrics" in properties:
                for row in metric_rows(properties):
                    seen.setdefault(row.key, (row, int(properties.get("period", 300))))
    return list(seen.values())


def simulated_value(metric: str, step: int, steps: int, seed: int) -> float:
    """A plausible 5-minute value: bytes in GB with a daily swell, connections in hundreds, and
    packets lost only in two bursts (a few drops two hours ago, resets over the last quarter hour)."""
    swell = 1 + 0.4 * math.sin(step / 7 + seed) + 0.15 * math.sin(step * 1.7 + seed * 3)
    if metric == "BytesProcessed":
        return round(1.2e9 * swell * (1 + seed % 3))
    if metric == "NewConnections":
        return round(700 * swell)
    if metric == "ActiveConnections":
        return round(140 * swell)
    if metric == "PacketsDropped":
        return 3.0 if step == steps // 3 else 0.0
    if metric == "RstPacketsSent":
        return RESETS_BURST + 20 * (step % 2) if step >= steps - 2 else float(step % 4 == 0)
    return float(step % 9 == 0)  # RstPacketsReceived: now and then one


def simulate_metrics(
    cloudwatch: CloudWatchClient, bodies: Sequence[str], now: datetime, quiet: Iterable[str] = ()
) -> int:
    """PutMetricData for every metric the dashboards draw, over the last three hours, the `quiet`
    endpoints' a hundred thousandth of a busy one's; the values written."""
    steps = int(HISTORY / STEP)
    written = 0
    quiet = set(quiet)
    for seed, (row, _) in enumerate(dashboard_metric_rows(bodies)):
        namespace, metric, dimensions = row.key
        scale = QUIET_SCALE if quiet & {value for name, value in dimensions if name == "VPC Endpoint Id"} else 1.0
        data: list[Any] = [
            {
                "MetricName": metric,
                "Dimensions": [{"Name": name, "Value": value} for name, value in dimensions],
                "Timestamp": now - HISTORY + step * STEP,
                "Value": round(simulated_value(metric, step, steps, seed) * scale, 6),
                "Unit": "Bytes" if metric == "BytesProcessed" else "Count",
            }
            for step in range(steps + 1)
        ]
        for start in range(0, len(data), POINTS_PER_CALL):
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + POINTS_PER_CALL])
        written += len(data)
    return written


def evaluated_alarms(cloudwatch: CloudWatchClient) -> list[tuple[str, str, str]]:
    """(name, state, reason) of every alarm, as DescribeAlarms answers: the local server evaluates
    each one when it is read, over its own window, as CloudWatch does all the time."""
    return [
        (alarm["AlarmName"], alarm["StateValue"], alarm.get("StateReason", ""))
        for page in cloudwatch.get_paginator("describe_alarms").paginate()
        for alarm in page["MetricAlarms"]
    ]


def read_widget_data(cloudwatch: CloudWatchClient, bodies: Sequence[str], now: datetime) -> WidgetData:
    """Alarm states (DescribeAlarms) and the time series of every metric row (GetMetricData)."""
    states = {
        alarm["AlarmName"]: alarm["StateValue"]
        for page in cloudwatch.get_paginator("describe_alarms").paginate()
        for alarm in page["MetricAlarms"]
    }
    rows = dashboard_metric_rows(bodies)
    series: dict[MetricKey, list[Point]] = {}
    for start in range(0, len(rows), QUERIES_PER_CALL):
        chunk = rows[start : start + QUERIES_PER_CALL]
        queries: list[Any] = [metric_query(f"m{n}", row, period) for n, (row, period) in enumerate(chunk)]
        ids = {f"m{n}": row.key for n, (row, _) in enumerate(chunk)}
        paginator = cloudwatch.get_paginator("get_metric_data")
        for page in paginator.paginate(MetricDataQueries=queries, StartTime=now - HISTORY - STEP, EndTime=now + STEP):
            for result in page["MetricDataResults"]:
                points = zip(result.get("Timestamps", []), result.get("Values", []), strict=True)
                series.setdefault(ids[result["Id"]], []).extend(points)
    return WidgetData(series=series, alarm_states=states, expressions=expression_series(cloudwatch, bodies, now))


def dashboard_expressions(bodies: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Each expression row of the bodies' metric widgets once: its label and the widget's period."""
    found: dict[str, tuple[str, int]] = {}
    for body in bodies:
        for widget in json.loads(body)["widgets"]:
            properties = widget.get("properties", {})
            for row in properties.get("metrics", []) if widget["type"] == "metric" else []:
                if isinstance(row, list) and row and isinstance(row[0], dict) and "expression" in row[0]:
                    found.setdefault(
                        row[0]["expression"], (str(row[0].get("label", "")), int(properties.get("period", 300)))
                    )
    return found


def expression_series(
    cloudwatch: CloudWatchClient, bodies: Sequence[str], now: datetime
) -> dict[str, list[tuple[str, list[Point]]]]:
    """What GetMetricData answers for each expression row (a SEARCH returns a result per series,
    under the query's Id), in the order it answers."""
    expressions = list(dashboard_expressions(bodies).items())
    found: dict[str, list[tuple[str, list[Point]]]] = {}
    for start in range(0, len(expressions), QUERIES_PER_CALL):
        chunk = expressions[start : start + QUERIES_PER_CALL]
        queries: list[Any] = [
            {"Id": f"e{n}", "Expression": text, "Period": period, **({"Label": label} if label else {})}
            for n, (text, (label, period)) in enumerate(chunk)
        ]
        ids = {f"e{n}": text for n, (text, _) in enumerate(chunk)}
        answer = cloudwatch.get_metric_data(
            MetricDataQueries=queries, StartTime=now - HISTORY - STEP, EndTime=now + STEP
        )
        for result in answer["MetricDataResults"]:
            points = list(zip(result.get("Timestamps", []), result.get("Values", []), strict=True))
            found.setdefault(ids[result["Id"]], []).append((str(result.get("Label", "")), points))
    return found


def metric_query(query_id: str, row: MetricRow, period: int) -> Mapping[str, Any]:
    namespace, metric, dimensions = row.key
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": namespace,
                "MetricName": metric,
                "Dimensions": [{"Name": name, "Value": value} for name, value in dimensions],
            },
            "Period": period,
            "Stat": str(row.options.get("stat", "Average")),
        },
    }
