"""The alarms each monitored resource should have, as PutMetricAlarm parameters (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from core.artifacts.alarms import alarm_body
from core.desire.selection import override
from core.model import AlarmKind, AlarmSpec, Resource, RuleKind, RuleSpec
from core.settings import MAX_ALARM_WINDOW, Settings

MAX_DESCRIPTION = 1024  # PutMetricAlarm: AlarmDescription length

MAX_METRICS = 10  # PutMetricAlarm: entries in Metrics, the expression that adds or compares them included

# No data means no flow-log records or no PrivateLink datapoints in the period: no traffic, no
# rejects, no drops. That is not a breach, and it must not leave the alarm in INSUFFICIENT_DATA.
TREAT_MISSING_DATA = "notBreaching"

# Flow logs deliver a record to CloudWatch Logs some minutes after its aggregation interval
# closes (best effort; the VPC user guide gives no bound). Five minutes on top of the interval
# gives the 15 minutes a 10-minute aggregation needs.
DELIVERY_DELAY = 300

# PutMetricAlarm: period x evaluation periods is at most a day for periods under an hour, at
# most seven days otherwise.
LONG_PERIOD, MAX_LONG_WINDOW = 3_600, 604_800


@dataclass(frozen=True, slots=True)
class AlarmTemplate:
    kind: AlarmKind
    threshold: str  # settings <threshold>_threshold, tag plinsights:<threshold with - for _>-threshold
    period: str  # settings <period>_period, tag plinsights:<period>-period
    measures: str  # what one datapoint is, in plain words
    rule_kind: RuleKind  # the rules it reads
    statistic: str = "Sum"  # INSIGHT_RULE_METRIC statistic (CloudWatch user guide, graphing rule metrics)
    mode: str = ""  # the rule_alarms setting it belongs to: total or top


ALARM_TEMPLATES = {
    AlarmKind.BYTES: AlarmTemplate(
        AlarmKind.BYTES, "bytes", "bytes",
        "bytes of all source/destination pairs together in the flow-log records of its network interfaces",
        RuleKind.BYTES, "Sum", "total",
    ),
    AlarmKind.TOP_BYTES: AlarmTemplate(
        AlarmKind.TOP_BYTES, "bytes_top", "bytes",
        "bytes of its busiest single source/destination pair in the flow-log records of its network interfaces",
        RuleKind.BYTES, "MaxContributorValue", "top",
    ),
    AlarmKind.REJECTS: AlarmTemplate(
        AlarmKind.REJECTS, "rejects", "rejects",
        "rejected flow-log records of all sources together at its network interfaces",
        RuleKind.REJECTS, "Sum", "total",
    ),
    AlarmKind.TOP_REJECTS: AlarmTemplate(
        AlarmKind.TOP_REJECTS, "rejects_top", "rejects",
        "rejected flow-log records of its most rejected single source address at one of its network interfaces",
        RuleKind.REJECTS, "MaxContributorValue", "top",
    ),
}  # fmt: skip
# Alarms on PrivateLink's own metrics are core/desire/health_alarms.py's.


def figure(value: float) -> str:
    """A threshold as a person reads it: 75,000,000,000, not 7.5e+10."""
    return f"{value:,.15g}"


def alarm_name(prefix: str, resource: Resource, kind: AlarmKind, part: int = 1) -> str:
    """The first (usually only) alarm of a kind has no suffix; further parts are -2, -3, ..."""
    return f"{prefix}-{resource.short_id}-{kind.value}" + (f"-{part}" if part > 1 else "")


def describe_resource(resource: Resource) -> str:
    if resource.kind.side == "consumer":
        return f"{resource.kind.value} {resource.resource_id} to {resource.service_name} in {resource.vpc_id}"
    services = ", ".join(resource.endpoint_services) or "no endpoint service"
    return f"{resource.kind.value} {resource.name} ({services}) in {resource.vpc_id}"


def wanted_templates(settings: Settings, *, top_only: bool = False) -> list[AlarmTemplate]:
    """The alarm kinds the settings ask for; `top_only`: the rule alarms a shared rule gets."""
    if top_only:
        return [t for t in ALARM_TEMPLATES.values() if t.mode == "top"]
    modes = ("total", "top") if settings.rule_alarms == "both" else (settings.rule_alarms,)
    return [t for t in ALARM_TEMPLATES.values() if t.mode in modes]


def render_alarms(
    resource: Resource, rules: Sequence[RuleSpec], settings: Settings, region: str
) -> tuple[list[AlarmSpec], list[str]]:
    """Alarms on the resource's byte and reject rules (total, top contributor or both, as set), with
    the notes of any bad override tag."""
    specs: list[AlarmSpec] = []
    notes: list[str] = []
    for template in wanted_templates(settings):
        parts = alarm_parts(template, rules)
        if not parts:
            continue
        threshold, threshold_note = override(
            resource,
            template.threshold.replace("_", "-"),
            "threshold",
            settings.thresholds[template.threshold],
        )
        period, period_note = override(resource, template.period, "period", settings.periods[template.period])
        notes += [note for note in (threshold_note, period_note) if note and note not in notes]
        actions = [settings.alarm_topic_arn] if settings.alarm_topic_arn else []
        for number, (queries, part_rules) in enumerate(parts, 1):
            name = alarm_name(settings.prefix, resource, template.kind, number)
            lag = max((rule.aggregation_interval for rule in part_rules), default=0)
            lag += DELIVERY_DELAY if part_rules else 0
            periods = evaluation_periods(int(period), lag)
            rule_names = [rule.name for rule in part_rules]
            parameters = {
                "AlarmName": name,
                "AlarmDescription": description(
                    resource, template, threshold, int(period), periods, lag, rule_names, (number, len(parts))
                ),
                "ActionsEnabled": True,
                "AlarmActions": actions,
                "OKActions": actions,
                "InsufficientDataActions": [],
                "EvaluationPeriods": periods,
                # Late records only ever add to a datapoint (a sum or a top contributor grows),
                # so one datapoint at the threshold, however late it fills, is a breach.
                "DatapointsToAlarm": 1,
                "Threshold": float(threshold),
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": TREAT_MISSING_DATA,
                "Metrics": with_period(queries, int(period)),
            }
            specs.append(
                AlarmSpec(name, resource.resource_id, template.kind, alarm_body(parameters), tuple(rule_names))
            )
    return specs, notes


def evaluation_periods(period: int, lag: int) -> int:
    """N, the periods an alarm looks back over, so that each period is still among the last N
    once its data is complete, `lag` seconds after it ends: lag < (N - 1) x period. Capped at
    PutMetricAlarm's longest window (never reached with periods of at most a day and a lag of 15
    minutes)."""
    wanted = lag // period + 2 if lag else 1
    longest = (MAX_ALARM_WINDOW if period < LONG_PERIOD else MAX_LONG_WINDOW) // period
    return max(1, min(wanted, longest))


def alarm_parts(
    template: AlarmTemplate, rules: Sequence[RuleSpec]
) -> list[tuple[list[dict[str, Any]], Sequence[RuleSpec]]]:
    """The metric queries of each alarm of this kind, with the rules they read. Past what one
    alarm holds, the rules are split over several alarms, so none is left out."""
    chosen = sorted((r for r in rules if r.kind is template.rule_kind), key=lambda r: r.name)
    return [
        (
            combined([rule_query(f"r{i}", rule.name, template.statistic) for i, rule in enumerate(part, 1)], template),
            part,
        )
        for part in split(chosen)
    ]


T = TypeVar("T")


def split(items: Sequence[T]) -> list[Sequence[T]]:
    """One alarm holds MAX_METRICS queries: all of them when they fit, else MAX_METRICS - 1 and
    the expression that combines them."""
    if len(items) < MAX_METRICS:
        return [items] if items else []
    size = MAX_METRICS - 1
    return [items[start : start + size] for start in range(0, len(items), size)]


def rule_query(query_id: str, rule: str, statistic: str) -> dict[str, Any]:
    return {"Id": query_id, "Expression": f'INSIGHT_RULE_METRIC("{rule}", "{statistic}")'}


def combined(queries: Sequence[Mapping[str, Any]], template: AlarmTemplate) -> list[dict[str, Any]]:
    """One query alarms on itself. Several are added up, or, for a top contributor, the largest
    is taken: the top contributor of a resource read by several rules is the largest of their
    top contributors (a contributor whose records are split over two rules counts per rule)."""
    label = template.kind.value
    if len(queries) <= 1:
        return [{**q, "ReturnData": True, "Label": label} for q in queries]
    ids = [str(q["Id"]) for q in queries]
    expression = f"MAX([{', '.join(ids)}])" if template.statistic == "MaxContributorValue" else " + ".join(ids)
    total = {"Id": "total", "Expression": expression, "ReturnData": True, "Label": label}
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
    resource: Resource,
    template: AlarmTemplate,
    threshold: float,
    period: int,
    periods: int,
    lag: int,
    rules: Sequence[str],
    part: tuple[int, int],
) -> str:
    """True to the statistic, the window and the part: what a person reading the alarm must know."""
    if template.statistic == "MaxContributorValue":
        many = " (the largest over these rules; a contributor split over two rules counts per rule)"
        measured = (
            f"the {template.measures}, that is the top contributor (MaxContributorValue) of Contributor "
            f"Insights rule{'s' if len(rules) > 1 else ''} {', '.join(rules)}{many if len(rules) > 1 else ''},"
        )
    else:
        measured = (
            f"the {template.measures}, that is the Sum over all contributors of Contributor Insights "
            f"rule{'s' if len(rules) > 1 else ''} {', '.join(rules)},"
        )
    text = (
        f"Watches the {describe_resource(resource)}: goes to ALARM when {measured} reach {figure(threshold)} or more "
    )
    if periods > 1:
        text += (
            f"in any {period}-second period among the last {periods} ({periods * period} seconds), and back to OK "
            f"when none does. Flow logs aggregate records for up to {lag - DELIVERY_DELAY} seconds and deliver them "
            f"minutes later, so it fires up to about {lag} seconds after the traffic. "
        )
    else:
        text += f"within {period} seconds, and back to OK below that. "
    if part[1] > 1:
        scope = "summed over these rules only" if template.statistic == "Sum" else "over these rules"
        text += f"Part {part[0]} of {part[1]}: one alarm reads at most {MAX_METRICS - 1} rules, {scope}. "
    threshold_tag = template.threshold.replace("_", "-")
    text += (
        f"No data counts as not breaching. Managed by privatelink-insights; change it with the "
        f"{template.threshold.replace('_', ' ')} threshold and {template.period} period settings or the tags "
        f"plinsights:{threshold_tag}-threshold and plinsights:{template.period}-period on the resource."
    )
    return text[:MAX_DESCRIPTION]
