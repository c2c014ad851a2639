"""The demo provider's consumers in other accounts: their endpoints (a local control call does what
the consumers' accounts would do in AWS), their PrivateLink metrics (simulated, as AWS publishes
them per consumer endpoint), and their ranking as the dashboard draws it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.desire.consumers import search_expression
from core.desire.native_metrics import SERVICE_NAMESPACE
from demo.local_server.control import add_consumer_endpoint

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

HISTORY, STEP = timedelta(hours=3), timedelta(minutes=5)
POINTS_PER_CALL = 1000  # PutMetricData: at most 1,000 values a call


@dataclass(frozen=True)
class Consumer:
    """An account that connects to the provider's service, and how its traffic looks."""

    account: str
    team: str
    gigabytes: float  # per 5 minutes, on average
    connections: float
    state: str = "available"
    # Resets over the last 5 minutes: its targets refusing each of its connections, above the
    # default consumer-resets threshold (300 per 5 minutes).
    resets_burst: float = 0.0


CONSUMERS = (
    Consumer("111122223333", "analytics", 4.0, 300),
    Consumer("444455556666", "billing", 0.8, 2_400),
    Consumer("777788889999", "partner", 1.5, 900, resets_burst=900.0),
    Consumer("210987654321", "newcomer", 0.0, 0, state="pendingAcceptance"),  # awaits our acceptance: no traffic
)


def connect_consumers(endpoint_url: str, service_id: str) -> dict[str, Consumer]:
    """Each consumer's interface endpoint to our service, by endpoint id."""
    return {
        add_consumer_endpoint(endpoint_url, service_id, consumer.account, state=consumer.state): consumer
        for consumer in CONSUMERS
    }


def value(metric: str, consumer: Consumer, step: int, steps: int) -> float:
    swell = 1 + 0.3 * math.sin(step / 6 + len(consumer.team))
    if metric == "BytesProcessed":
        return round(consumer.gigabytes * 1e9 * swell)
    if metric == "NewConnections":
        return round(consumer.connections * swell)
    return consumer.resets_burst if step == steps and consumer.resets_burst else float(step % 11 == 0)


def simulate_consumer_metrics(
    cloudwatch: CloudWatchClient, service_id: str, endpoints: dict[str, Consumer], now: datetime
) -> int:
    """AWS/PrivateLinkServices under {Service Id, VPC Endpoint Id} for each consumer with traffic,
    over the last three hours; the values written."""
    steps = int(HISTORY / STEP)
    data: list[Any] = [
        {
            "MetricName": metric,
            "Dimensions": [{"Name": "Service Id", "Value": service_id}, {"Name": "VPC Endpoint Id", "Value": endpoint}],
            "Timestamp": now - HISTORY + step * STEP,
            "Value": value(metric, consumer, step, steps),
            "Unit": "Bytes" if metric == "BytesProcessed" else "Count",
        }
        for endpoint, consumer in sorted(endpoints.items())
        if consumer.state == "available"
        for metric in ("BytesProcessed", "NewConnections", "RstPacketsSent")
        for step in range(steps + 1)
    ]
    for start in range(0, len(data), POINTS_PER_CALL):
        cloudwatch.put_metric_data(Namespace=SERVICE_NAMESPACE, MetricData=data[start : start + POINTS_PER_CALL])
    return len(data)


def ranking(
    cloudwatch: CloudWatchClient, service_id: str, metric: str, now: datetime, accounts: dict[str, str]
) -> list[tuple[str, str, float]]:
    """(endpoint, account, sum over three hours) as the dashboard's ranking widget has them."""
    query: Any = {"Id": "e1", "Expression": search_expression(metric, service_id, 300), "Period": 300}
    query["Label"] = "${PROP('Dim.VPC Endpoint Id')}"
    answer = cloudwatch.get_metric_data(MetricDataQueries=[query], StartTime=now - HISTORY, EndTime=now + STEP)
    return [
        (str(r["Label"]), accounts.get(str(r["Label"]), "?"), float(sum(r.get("Values", []))))
        for r in answer["MetricDataResults"]
    ]


def ranking_lines(rows: Sequence[tuple[str, str, float]], unit: str) -> list[str]:
    return [
        f"  {n}. {endpoint}  account {account}  {total:,.0f} {unit}"
        for n, (endpoint, account, total) in enumerate(rows, 1)
    ]
