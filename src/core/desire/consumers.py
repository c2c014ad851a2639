"""The dashboard widgets through which a provider sees its consumers: per endpoint service, who they
are (DescribeVpcEndpointConnections, as of the last reconcile) and how they rank (pure).

The ranking is drawn live by CloudWatch from AWS/PrivateLinkServices {Service Id, VPC Endpoint Id},
one series per consumer endpoint: a SEARCH over that exact dimension set, SORTed by its sum, picks
up a consumer the moment its series has data and drops one that left, with no rewrite of the
dashboard (user guide, "CloudWatch search expression syntax"; SORT in "Metric math functions").
Alarms cannot use SEARCH; the consumer alarms are Metrics Insights queries over the same series
(core/desire/health_alarms.py), and their thresholds are drawn on the rankings they watch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from core.desire.health_alarms import CONSUMER_DIMENSIONS, TRAFFIC_STATE, consumer_alarm_name
from core.desire.native_metrics import SERVICE_NAMESPACE
from core.model import AlarmKind, AlarmSpec, EndpointConnection, Resource

TOP_CONSUMERS = 10  # the consumers each ranking draws: SORT's limit
MAX_TABLE_ROWS = 25  # a text widget is not a report: past this the table says how many more
RANKING_PERIOD = 300  # the bytes ranking's; the others take their alarm's period
# A consumer's label in the legend: its endpoint id, a dimension of its series (dynamic labels).
CONSUMER_LABEL = "${PROP('Dim.VPC Endpoint Id')}"

# (title, metric, the consumer alarm drawn on it), in the order the widgets are placed
RANKINGS = (
    ("bytes", "BytesProcessed", None),
    ("new connections", "NewConnections", AlarmKind.CONSUMER_CONNECTIONS),
    ("resets sent", "RstPacketsSent", AlarmKind.CONSUMER_RESETS),
)


def search_expression(metric: str, service_id: str, period: int) -> str:
    """The consumers of one service, ranked: names with spaces in double quotes inside the schema
    and the exact-match terms; a quote or backslash in a value escaped."""
    schema = ",".join(f'"{name}"' for name in (SERVICE_NAMESPACE, *CONSUMER_DIMENSIONS))
    value = service_id.replace("\\", "\\\\").replace('"', '\\"')
    search = f'SEARCH(\'{{{schema}}} MetricName="{metric}" "Service Id"="{value}"\', \'Sum\', {period})'
    return f"SORT({search}, SUM, DESC, {TOP_CONSUMERS})"


def alarm_line(alarms: Mapping[str, AlarmSpec], prefix: str, service_id: str, kind: AlarmKind | None) -> dict[str, Any]:
    """The consumer alarm's threshold and period, when the service has that alarm."""
    if kind is None:
        return {}
    spec = alarms.get(consumer_alarm_name(prefix, service_id, kind))
    if spec is None:
        return {}
    body = json.loads(spec.body)
    return {"name": spec.name, "threshold": float(body["Threshold"]), "period": int(body["Metrics"][0]["Period"])}


def ranking_widget(
    resource: Resource, service_id: str, title: str, metric: str, line: Mapping[str, Any], region: str
) -> dict[str, Any]:
    period = int(line.get("period", RANKING_PERIOD))
    expression = search_expression(metric, service_id, period)
    properties: dict[str, Any] = {
        "title": f"{service_id}: top {TOP_CONSUMERS} consumers by {title} ({metric} per {period} s)",
        "region": region,
        "period": period,
        "view": "timeSeries",
        "stacked": False,
        "metrics": [[{"expression": expression, "id": "e1", "label": CONSUMER_LABEL}]],
        "yAxis": {"left": {"min": 0}},
        "legend": {"position": "right"},
    }
    if line:
        mark = {"label": f"{line['name']}: any one consumer", "value": line["threshold"], "color": "#d62728"}
        properties["annotations"] = {"horizontal": [mark]}
    return {"type": "metric", "properties": properties}


def consumer_state(connection: EndpointConnection, region: str) -> str:
    if connection.region and connection.region != region:
        return f"{connection.state}, from {connection.region} (cross-Region: no per-consumer metrics)"
    return connection.state if connection.state == TRAFFIC_STATE else f"{connection.state} (no traffic)"


def consumers_markdown(
    resource: Resource, service_id: str, alarms: Mapping[str, AlarmSpec], prefix: str, region: str
) -> str:
    consumers = [c for c in resource.consumers if c.service_id == service_id]
    lines = [f"#### Consumers of {service_id}"]
    if not consumers:
        lines.append("No consumer endpoint is connected (DescribeVpcEndpointConnections).")
    else:
        accounts = len({c.owner for c in consumers})
        lines.append(f"{len(consumers)} consumer endpoints in {accounts} accounts, as of the last reconcile:")
        table = "| endpoint | account | state |\n|---|---|---|"
        table += "".join(
            f"\n| {c.endpoint_id} | {c.owner} | {consumer_state(c, region)} |" for c in consumers[:MAX_TABLE_ROWS]
        )
        lines.append(table)
        if len(consumers) > MAX_TABLE_ROWS:
            lines.append(f"... and {len(consumers) - MAX_TABLE_ROWS} more (`plinsights explain {service_id}`).")
    watched = [n for n in (consumer_alarm_name(prefix, service_id, k) for _, _, k in RANKINGS if k) if n in alarms]
    if watched:
        lines.append(
            f"Consumers in ALARM are the contributors of `{'`, `'.join(watched)}` (the alarm's Contributors in the "
            f"console); `plinsights explain {service_id}` names them with their accounts."
        )
    return "\n\n".join(lines)


def consumer_widgets(
    resource: Resource, alarms: Mapping[str, AlarmSpec], prefix: str, region: str
) -> list[tuple[dict[str, Any], int, int]]:
    """Per endpoint service of the load balancer: the consumers' table, and their rankings."""
    widgets: list[tuple[dict[str, Any], int, int]] = []
    for service_id in resource.endpoint_services:
        text = consumers_markdown(resource, service_id, alarms, prefix, region)
        rows = sum(1 for line in text.splitlines() if line.strip())
        # about three text lines to two rows (a table's lines are taller than a paragraph's)
        widgets.append(({"type": "text", "properties": {"markdown": text}}, 24, min(3 + rows * 2 // 3, 14)))
        widgets += [
            (
                ranking_widget(
                    resource, service_id, title, metric, alarm_line(alarms, prefix, service_id, kind), region
                ),
                8,
                6,
            )
            for title, metric, kind in RANKINGS
        ]
    return widgets


def consumers_of(resources: Sequence[Resource], service_id: str) -> list[EndpointConnection]:
    """The consumers of a service, as discovery attached them to its load balancers."""
    return sorted({c for r in resources for c in r.consumers if c.service_id == service_id})
