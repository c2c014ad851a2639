"""Health alarms from PrivateLink's own metrics for every live endpoint and endpoint service, whatever the quota (pure).

The metrics are free, published each minute with no flow log, and only found under the exact
dimension sets AWS publishes (core/desire/native_metrics.py). Endpoints get standard alarms on
their own series. A load balancer behind endpoint services gets standard alarms on its series of
each service ({Load Balancer Arn, Service Id}), and each endpoint service one Metrics Insights
query alarm per metric over its consumers ({Service Id, VPC Endpoint Id}, GROUP BY the endpoint):
consumers live in other accounts and come and go, and such an alarm evaluates each series as a
contributor of its own, which DescribeAlarmContributors names (aws-facts G3, G6).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.artifacts.alarms import alarm_body
from core.desire.alarms import (
    MAX_DESCRIPTION,
    MAX_METRICS,
    TREAT_MISSING_DATA,
    alarm_name,
    describe_resource,
    figure,
)
from core.desire.native_metrics import ENDPOINT_NAMESPACE, SERVICE_NAMESPACE, native_dimension_sets, unpublished_reason
from core.desire.selection import override
from core.model import AlarmKind, AlarmSpec, EndpointConnection, Resource
from core.settings import Settings

# Metrics Insights: a query returns at most 500 time series, the first in its ORDER BY; an alarm on
# it evaluates each as a contributor (CloudWatch alarm quotas: 500 series per alarm).
MAX_SERIES = 500

# The consumer dimension set: one series per consumer endpoint of a service (PrivateLink guide).
CONSUMER_DIMENSIONS = ("Service Id", "VPC Endpoint Id")

# Consumers whose series carry data: an accepted endpoint of this Region (none is published for
# cross-Region consumers; a pending or rejected one carries no traffic).
TRAFFIC_STATE = "available"


@dataclass(frozen=True, slots=True)
class HealthTemplate:
    kind: AlarmKind
    threshold: str  # settings <threshold>_threshold, tag plinsights:<threshold with - for _>-threshold
    period: str  # settings <period>_period, tag plinsights:<period>-period
    measures: str  # what one datapoint is, in plain words
    namespace: str
    metric: str
    per_consumer: bool = False  # a Metrics Insights query alarm per endpoint service, a series per consumer
    statistic: str = "Sum"


HEALTH_TEMPLATES = {
    AlarmKind.DROPS: HealthTemplate(
        AlarmKind.DROPS, "drops", "drops", "packets dropped by the endpoint (PacketsDropped)",
        ENDPOINT_NAMESPACE, "PacketsDropped",
    ),
    AlarmKind.RESETS_RECEIVED: HealthTemplate(
        AlarmKind.RESETS_RECEIVED, "resets_received", "resets_received",
        "TCP resets the endpoint received from its service (RstPacketsReceived)",
        ENDPOINT_NAMESPACE, "RstPacketsReceived",
    ),
    AlarmKind.RESETS: HealthTemplate(
        AlarmKind.RESETS, "resets", "resets",
        "TCP resets its endpoint services sent to consumers through this load balancer (RstPacketsSent)",
        SERVICE_NAMESPACE, "RstPacketsSent",
    ),
    AlarmKind.NEW_CONNECTIONS: HealthTemplate(
        AlarmKind.NEW_CONNECTIONS, "connections", "connections",
        "new connections to its endpoint services through this load balancer (NewConnections)",
        SERVICE_NAMESPACE, "NewConnections",
    ),
    AlarmKind.CONSUMER_RESETS: HealthTemplate(
        AlarmKind.CONSUMER_RESETS, "consumer_resets", "resets",
        "TCP resets the endpoint service sent to one consumer endpoint (RstPacketsSent by VPC Endpoint Id)",
        SERVICE_NAMESPACE, "RstPacketsSent", per_consumer=True,
    ),
    AlarmKind.CONSUMER_CONNECTIONS: HealthTemplate(
        AlarmKind.CONSUMER_CONNECTIONS, "consumer_connections", "connections",
        "new connections from one consumer endpoint (NewConnections by VPC Endpoint Id)",
        SERVICE_NAMESPACE, "NewConnections", per_consumer=True,
    ),
}  # fmt: skip

ENDPOINT_HEALTH = (AlarmKind.DROPS, AlarmKind.RESETS_RECEIVED)
LOAD_BALANCER_HEALTH = (AlarmKind.RESETS, AlarmKind.NEW_CONNECTIONS)
CONSUMER_HEALTH = (AlarmKind.CONSUMER_RESETS, AlarmKind.CONSUMER_CONNECTIONS)


@dataclass(slots=True)
class QueryAlarmBudget:
    """The Metrics Insights alarms one desired state may still make, and the endpoint service each
    load balancer's consumer alarms serve: a service behind two load balancers gets them once."""

    left: int
    owners: dict[str, str] = field(default_factory=dict)  # service id -> the resource id whose alarms they are


def consumer_alarm_name(prefix: str, service_id: str, kind: AlarmKind) -> str:
    """Named by the endpoint service they watch, whichever load balancer carries them."""
    return f"{prefix}-{service_id}-{kind.value}"


def traffic_consumers(consumers: Sequence[EndpointConnection], service_id: str, region: str) -> int:
    """The consumer endpoints of a service whose series a query analyzes, at most MAX_SERIES."""
    live = [
        c for c in consumers if c.service_id == service_id and c.state == TRAFFIC_STATE and c.region in ("", region)
    ]
    return min(len(live), MAX_SERIES)


def consumer_query(metric: str, service_id: str, limit: int | None = None) -> str:
    """The Metrics Insights query of a service's consumers, highest first (a multi-series alarm
    needs ORDER BY; names with spaces in double quotes, values in single quotes)."""
    value = service_id.replace("\\", "\\\\").replace("'", "\\'")
    schema = ", ".join(f'"{name}"' for name in (SERVICE_NAMESPACE, *CONSUMER_DIMENSIONS))
    query = (
        f"SELECT SUM({metric}) FROM SCHEMA({schema}) WHERE \"Service Id\" = '{value}' "
        'GROUP BY "VPC Endpoint Id" ORDER BY SUM() DESC'
    )
    return query + (f" LIMIT {limit}" if limit else "")


def overrides(resource: Resource, template: HealthTemplate, settings: Settings) -> tuple[float, int, list[str]]:
    """The threshold and period from the resource's tags, else the settings; with any complaint."""
    threshold, threshold_note = override(
        resource, template.threshold.replace("_", "-"), "threshold", settings.thresholds[template.threshold]
    )
    period, period_note = override(
        resource, template.period.replace("_", "-"), "period", settings.periods[template.period]
    )
    return threshold, int(period), [note for note in (threshold_note, period_note) if note]


def render_health_alarms(
    resource: Resource, settings: Settings, region: str, budget: QueryAlarmBudget
) -> tuple[list[AlarmSpec], list[str]]:
    """Its health alarms, with notes: why AWS publishes no PrivateLink metric for it, a bad override
    tag, an endpoint service whose consumer alarms are elsewhere or did not fit the budget."""
    notes: list[str] = []
    if reason := unpublished_reason(resource, region):
        return [], [reason]
    sources = native_dimension_sets(resource, region)
    if not sources:
        return [], notes
    specs: list[AlarmSpec] = []
    kinds = ENDPOINT_HEALTH if sources[0][0] == ENDPOINT_NAMESPACE else LOAD_BALANCER_HEALTH
    for kind in kinds:
        template = HEALTH_TEMPLATES[kind]
        threshold, period, complaints = overrides(resource, template, settings)
        notes += [note for note in complaints if note not in notes]
        dimension_sets = [dims for _, dims in sources]
        parts = split(dimension_sets)
        for number, part in enumerate(parts, 1):
            name = alarm_name(settings.prefix, resource, kind, number)
            queries = metric_queries(template, part, period)
            text = description(resource, template, threshold, period, (number, len(parts)))
            specs.append(
                AlarmSpec(
                    name, resource.resource_id, kind, alarm_body(parameters(name, text, threshold, queries, settings))
                )
            )
    if kinds == LOAD_BALANCER_HEALTH:
        consumer_specs, consumer_notes = render_consumer_alarms(resource, settings, region, budget)
        specs += consumer_specs
        notes += [note for note in consumer_notes if note not in notes]
    return specs, notes


def render_consumer_alarms(
    resource: Resource, settings: Settings, region: str, budget: QueryAlarmBudget
) -> tuple[list[AlarmSpec], list[str]]:
    specs: list[AlarmSpec] = []
    notes: list[str] = []
    for service_id in resource.endpoint_services:
        owner = budget.owners.get(service_id)
        if owner is not None:
            notes.append(f"the per-consumer alarms of {service_id} are with {owner}, which it is also behind")
            continue
        if budget.left < len(CONSUMER_HEALTH):
            notes.append(
                f"no per-consumer alarms for {service_id}: the Metrics Insights alarm limit "
                f"({settings.query_alarm_limit}, PLINSIGHTS_QUERY_ALARM_LIMIT) is taken by resources of higher priority"
            )
            continue
        budget.left -= len(CONSUMER_HEALTH)
        budget.owners[service_id] = resource.resource_id
        for kind in CONSUMER_HEALTH:
            template = HEALTH_TEMPLATES[kind]
            threshold, period, complaints = overrides(resource, template, settings)
            notes += [note for note in complaints if note not in notes]
            name = consumer_alarm_name(settings.prefix, service_id, kind)
            query = {"Id": "q1", "Expression": consumer_query(template.metric, service_id), "Period": period}
            query |= {"ReturnData": True, "Label": kind.value}
            text = consumer_description(resource, service_id, template, threshold, period)
            body = alarm_body(parameters(name, text, threshold, [query], settings))
            analyzed = traffic_consumers(resource.consumers, service_id, region)
            specs.append(AlarmSpec(name, resource.resource_id, kind, body, analyzed_metrics=analyzed))
    return specs, notes


def parameters(
    name: str, text: str, threshold: float, queries: list[dict[str, Any]], settings: Settings
) -> dict[str, Any]:
    """PrivateLink publishes each minute and promptly: one period at the threshold is a breach."""
    actions = [settings.alarm_topic_arn] if settings.alarm_topic_arn else []
    return {
        "AlarmName": name,
        "AlarmDescription": text[:MAX_DESCRIPTION],
        "ActionsEnabled": True,
        "AlarmActions": actions,
        "OKActions": actions,
        "InsufficientDataActions": [],
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "Threshold": float(threshold),
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": TREAT_MISSING_DATA,
        "Metrics": queries,
    }


def split(sources: Sequence[list[dict[str, str]]]) -> list[Sequence[list[dict[str, str]]]]:
    """One alarm holds MAX_METRICS queries: all of them when they fit, else MAX_METRICS - 1 and their sum."""
    if len(sources) < MAX_METRICS:
        return [sources]
    size = MAX_METRICS - 1
    return [sources[start : start + size] for start in range(0, len(sources), size)]


def metric_queries(template: HealthTemplate, part: Sequence[list[dict[str, str]]], period: int) -> list[dict[str, Any]]:
    stats = [
        {
            "Id": f"m{n}",
            "MetricStat": {
                "Metric": {"Namespace": template.namespace, "MetricName": template.metric, "Dimensions": dims},
                "Period": period,
                "Stat": template.statistic,
            },
        }
        for n, dims in enumerate(part, 1)
    ]
    label = template.kind.value
    if len(stats) == 1:
        return [{**stats[0], "ReturnData": True, "Label": label}]
    total = {"Id": "total", "Expression": " + ".join(str(q["Id"]) for q in stats), "Period": period}
    return [{**q, "ReturnData": False} for q in stats] + [{**total, "ReturnData": True, "Label": label}]


def settings_text(resource: Resource, template: HealthTemplate) -> str:
    threshold_tag = template.threshold.replace("_", "-")
    period_tag = template.period.replace("_", "-")
    return (
        f"No data counts as not breaching. Managed by privatelink-insights; change it with the "
        f"{template.threshold.replace('_', ' ')} threshold and {template.period.replace('_', ' ')} period settings or "
        f"the tags plinsights:{threshold_tag}-threshold and plinsights:{period_tag}-period on {resource.short_id}."
    )


def description(
    resource: Resource, template: HealthTemplate, threshold: float, period: int, part: tuple[int, int]
) -> str:
    where = f"{template.namespace} {template.metric}"
    if template.namespace == SERVICE_NAMESPACE:
        where += " under {Load Balancer Arn, Service Id}, summed over its endpoint services"
    text = (
        f"Watches the {describe_resource(resource)}: goes to ALARM when the {template.measures} reach "
        f"{figure(threshold)} or more within {period} seconds ({where}), and back to OK below that. "
    )
    if part[1] > 1:
        text += f"Part {part[0]} of {part[1]}: one alarm sums at most {MAX_METRICS - 1} endpoint services. "
    return text + settings_text(resource, template)


def consumer_description(
    resource: Resource, service_id: str, template: HealthTemplate, threshold: float, period: int
) -> str:
    return (
        f"Watches each consumer endpoint of endpoint service {service_id} (behind {resource.kind.value} "
        f"{resource.name or resource.short_id}): a Metrics Insights query over {template.namespace} "
        f"{template.metric} under {{Service Id, VPC Endpoint Id}}, one series per consumer endpoint, at most "
        f"{MAX_SERIES} (those with the highest sum). Goes to ALARM when the {template.measures} reach "
        f"{figure(threshold)} or more within {period} seconds for any one consumer; the threshold is per consumer "
        f"endpoint, not for the service's total. The consumers in ALARM are its contributors "
        f"(DescribeAlarmContributors, the alarm's Contributors in the console); "
        f"`plinsights explain {service_id}` names them with their accounts. " + settings_text(resource, template)
    )
