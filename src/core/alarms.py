"""The alarms each monitored resource should have, as PutMetricAlarm parameters (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.model import AlarmKind, AlarmSpec, Resource, RuleKind, RuleSpec
from core.native import ENDPOINT_KINDS, ENDPOINT_NAMESPACE, SERVICE_NAMESPACE, native_dimension_sets
from core.rules import canonical_json
from core.selection import override
from core.settings import Settings

MAX_DESCRIPTION = 1024  # PutMetricAlarm: AlarmDescription length
MAX_METRICS = 10  # metric-math alarms hold up to 10 metrics
# No data means no flow-log records or no PrivateLink datapoints in the period: no traffic, no
# rejects, no drops. That is not a breach, and it must not leave the alarm in INSUFFICIENT_DATA.
TREAT_MISSING_DATA = "notBreaching"


@dataclass(frozen=True, slots=True)
class AlarmTemplate:
    kind: AlarmKind
    setting: str  # settings field stem and tag stem: <setting>_threshold, plinsights:<setting>-period
    measures: str  # plain words for the description


ALARM_TEMPLATES = {
    AlarmKind.BYTES: AlarmTemplate(AlarmKind.BYTES, "bytes", "bytes in flow-log records of its network interfaces"),
    AlarmKind.REJECTS: AlarmTemplate(
        AlarmKind.REJECTS, "rejects", "rejected flow-log records of its network interfaces"
    ),
    AlarmKind.DROPS: AlarmTemplate(AlarmKind.DROPS, "drops", "packets dropped by the endpoint (PacketsDropped)"),
    AlarmKind.RESETS: AlarmTemplate(
        AlarmKind.RESETS, "resets", "TCP resets sent by its endpoint services (RstPacketsSent)"
    ),
}
RULE_ALARMS = {AlarmKind.BYTES: RuleKind.BYTES, AlarmKind.REJECTS: RuleKind.REJECTS}


def alarm_name(prefix: str, resource: Resource, kind: AlarmKind) -> str:
    return f"{prefix}-{resource.short_id}-{kind.value}"


def describe_resource(resource: Resource) -> str:
    if resource.kind in ENDPOINT_KINDS:
        return f"{resource.kind.value} {resource.resource_id} to {resource.service_name} in {resource.vpc_id}"
    services = ", ".join(resource.endpoint_services) or "no endpoint service"
    return f"{resource.kind.value} {resource.name} ({services}) in {resource.vpc_id}"


def render_alarms(
    resource: Resource, rules: Sequence[RuleSpec], settings: Settings
) -> tuple[list[AlarmSpec], list[str]]:
    """Alarms on the resource's byte and reject rules, and on its native PrivateLink metrics;
    with the notes of any bad override tag."""
    specs: list[AlarmSpec] = []
    notes: list[str] = []
    for kind, template in ALARM_TEMPLATES.items():
        metrics, rule_names = alarm_metrics(resource, kind, rules)
        if not metrics:
            continue
        threshold, threshold_note = override(
            resource, template.setting, "threshold", getattr(settings, f"{template.setting}_threshold")
        )
        period, period_note = override(
            resource, template.setting, "period", getattr(settings, f"{template.setting}_period")
        )
        notes += [note for note in (threshold_note, period_note) if note]
        name = alarm_name(settings.prefix, resource, kind)
        actions = [settings.alarm_topic_arn] if settings.alarm_topic_arn else []
        parameters = {
            "AlarmName": name,
            "AlarmDescription": description(resource, template, threshold, int(period), rule_names),
            "ActionsEnabled": True,
            "AlarmActions": actions,
            "OKActions": actions,
            "InsufficientDataActions": [],
            "EvaluationPeriods": 1,
            "DatapointsToAlarm": 1,
            "Threshold": float(threshold),
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": TREAT_MISSING_DATA,
            "Metrics": with_period(metrics, int(period)),
        }
        specs.append(AlarmSpec(name, resource.resource_id, kind, alarm_body(parameters), tuple(rule_names)))
    return specs, notes


def alarm_metrics(
    resource: Resource, kind: AlarmKind, rules: Sequence[RuleSpec]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The metric queries an alarm of this kind reads, and the rules they name."""
    if kind in RULE_ALARMS:
        names = sorted(rule.name for rule in rules if rule.kind is RULE_ALARMS[kind])[:MAX_METRICS]
        expressions = [
            {"Id": f"r{i}", "Expression": f'INSIGHT_RULE_METRIC("{n}", "Sum")'} for i, n in enumerate(names, 1)
        ]
        return summed(list(expressions), kind.value), names
    wanted = {
        AlarmKind.DROPS: (ENDPOINT_NAMESPACE, "PacketsDropped"),
        AlarmKind.RESETS: (SERVICE_NAMESPACE, "RstPacketsSent"),
    }
    namespace, metric = wanted[kind]
    sources = [dims for ns, dims in native_dimension_sets(resource) if ns == namespace][:MAX_METRICS]
    queries: list[dict[str, Any]] = [
        {
            "Id": f"m{i}",
            "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dims}, "Stat": "Sum"},
        }
        for i, dims in enumerate(sources, 1)
    ]
    return summed(queries, kind.value), []


def summed(queries: Sequence[Mapping[str, Any]], label: str) -> list[dict[str, Any]]:
    """One query alarms on itself; several are added up by a math expression."""
    if len(queries) <= 1:
        return [{**q, "ReturnData": True, "Label": label} for q in queries]
    total = {"Id": "total", "Expression": " + ".join(q["Id"] for q in queries), "ReturnData": True, "Label": label}
    return [{**q, "ReturnData": False} for q in queries] + [total]


def with_period(queries: Sequence[Mapping[str, Any]], period: int) -> list[dict[str, Any]]:
    """Expression queries in an alarm must carry Period (else 'Period must not be null');
    metric queries carry it inside MetricStat."""
    placed = []
    for query in queries:
        if "MetricStat" in query:
            placed.append({**query, "MetricStat": {**query["MetricStat"], "Period": period}})
        else:
            placed.append({**query, "Period": period})
    return placed


def description(
    resource: Resource, template: AlarmTemplate, threshold: float, period: int, rules: Sequence[str]
) -> str:
    source = f" (Contributor Insights rules {', '.join(rules)})" if rules else ""
    text = (
        f"Watches the {describe_resource(resource)}: goes to ALARM when the {template.measures}{source} "
        f"add up to {threshold:g} or more within {period} seconds, and back to OK below that. "
        f"No data counts as not breaching. Managed by privatelink-insights; change it with the "
        f"{template.setting} threshold and period settings or the tags plinsights:{template.setting}-threshold "
        f"and plinsights:{template.setting}-period on the resource."
    )
    return text[:MAX_DESCRIPTION]


def alarm_body(parameters: Mapping[str, Any]) -> str:
    """The canonical form of an alarm's parameters, the same whether built here or read back."""
    keep = (
        "AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
        "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
    )  # fmt: skip
    body: dict[str, Any] = {key: parameters.get(key) for key in keep}
    # DescribeAlarms may fill in defaults and give numbers as floats: each is put in one form here.
    body["Threshold"] = float(body["Threshold"] or 0)  # canonical_json writes 10000.0 as 10000
    body["EvaluationPeriods"] = int(body["EvaluationPeriods"] or 1)
    # DatapointsToAlarm defaults to EvaluationPeriods: a read-back without it is the same alarm.
    body["DatapointsToAlarm"] = int(body["DatapointsToAlarm"] or body["EvaluationPeriods"])
    body["ActionsEnabled"] = body["ActionsEnabled"] is not False  # PutMetricAlarm's default: true
    body["TreatMissingData"] = body["TreatMissingData"] or "missing"  # PutMetricAlarm's default
    body["AlarmDescription"] = body["AlarmDescription"] or ""
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        body[key] = sorted(body[key] or [])
    body["Metrics"] = [metric_query(q) for q in parameters.get("Metrics") or []]
    return canonical_json(body)


def metric_query(query: Mapping[str, Any]) -> dict[str, Any]:
    # ReturnData defaults to true; AWS may list it, or leave it out, either way.
    returns = query.get("ReturnData")
    normal: dict[str, Any] = {"Id": query.get("Id"), "ReturnData": returns is None or bool(returns)}
    for key in ("Expression", "Label"):
        if query.get(key):
            normal[key] = query[key]
    if query.get("Period"):
        normal["Period"] = int(query["Period"])
    if stat := query.get("MetricStat"):
        metric = stat.get("Metric", {})
        normal["MetricStat"] = {
            "Metric": {
                "Namespace": metric.get("Namespace"),
                "MetricName": metric.get("MetricName"),
                "Dimensions": sorted(metric.get("Dimensions", []), key=lambda d: d["Name"]),
            },
            "Period": int(stat.get("Period", 0)),
            "Stat": stat.get("Stat"),
        }
    return normal


def alarm_arn(partition: str, region: str, account_id: str, name: str) -> str:
    return f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:{name}"
