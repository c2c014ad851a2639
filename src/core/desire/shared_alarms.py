"""Top-contributor alarms on shared rules: one alarm per shared rule and alarm kind (pure).

INSIGHT_RULE_METRIC is rule-wide (aws-facts G2): no statistic is keyed by a contributor, so an
alarm on a shared rule measures its top contributor, one (ENI, source[, destination]) among every
resource the rule serves. Its threshold is therefore the same for all of them, and nothing here
promises more: a resource that needs a threshold of its own needs rules of its own (a per-resource
threshold or period tag, or plinsights:dedicated-rules). Which ENI and source it was, and so which
resource, is what `plinsights top` over the alarm's window tells (GetInsightRuleReport).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.artifacts.alarms import alarm_body
from core.desire.alarms import (
    DELIVERY_DELAY,
    MAX_DESCRIPTION,
    TREAT_MISSING_DATA,
    AlarmTemplate,
    evaluation_periods,
    figure,
    rule_query,
    wanted_templates,
    with_period,
)
from core.desire.rules import SHARED, shared_rule_stem
from core.model import AlarmKind, AlarmSpec, Resource, RuleSpec
from core.settings import Settings

STATISTIC = "MaxContributorValue"  # the value of the top contributor in the period (aws-facts F1)
LISTED = 12  # resources named in a description before the rest are counted: it holds 1024 characters
MEASURES = {
    AlarmKind.TOP_BYTES: "bytes of the busiest single source/destination pair at any one of their ENIs",
    AlarmKind.TOP_REJECTS: "rejected flow-log records of the most rejected single source at any one of their ENIs",
}


def shared_alarm_name(prefix: str, rule: RuleSpec, template: AlarmTemplate) -> str:
    """The rule's name with the alarm kind for the rule kind: `<prefix>-shared-<alarm kind>-<token>-<chunk>`."""
    suffix = rule.name.removeprefix(shared_rule_stem(prefix, rule.kind) + "-")
    return f"{prefix}-{SHARED}-{template.kind.value}-{suffix}"


def render_shared_alarms(
    rules: Sequence[RuleSpec], resources: Mapping[str, Resource], settings: Settings
) -> list[AlarmSpec]:
    """A top-contributor alarm per shared rule of a kind that has one (bytes, rejects). The total
    over a shared rule (the sum of several resources' traffic) would measure nothing a person acts
    on, so shared rules get top-contributor alarms whatever `rule_alarms` says."""
    templates = {t.rule_kind: t for t in wanted_templates(settings, top_only=True) if t.rule_kind is not None}
    actions = [settings.alarm_topic_arn] if settings.alarm_topic_arn else []
    specs = []
    for rule in sorted(rules, key=lambda r: r.name):
        if (template := templates.get(rule.kind)) is None:
            continue
        threshold = settings.thresholds[template.threshold]
        period = settings.periods[template.period]
        lag = rule.aggregation_interval + DELIVERY_DELAY
        periods = evaluation_periods(period, lag)
        name = shared_alarm_name(settings.prefix, rule, template)
        parameters = {
            "AlarmName": name,
            "AlarmDescription": description(rule, template, threshold, period, periods, lag, resources),
            "ActionsEnabled": True,
            "AlarmActions": actions,
            "OKActions": actions,
            "InsufficientDataActions": [],
            "EvaluationPeriods": periods,
            "DatapointsToAlarm": 1,  # late records only ever add to a datapoint (alarms.py)
            "Threshold": float(threshold),
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": TREAT_MISSING_DATA,
            "Metrics": with_period(
                [{**rule_query("r1", rule.name, STATISTIC), "ReturnData": True, "Label": template.kind.value}],
                period,
            ),
        }
        specs.append(AlarmSpec(name, "", template.kind, alarm_body(parameters), (rule.name,), served=rule.served))
    return specs


def description(
    rule: RuleSpec,
    template: AlarmTemplate,
    threshold: float,
    period: int,
    periods: int,
    lag: int,
    resources: Mapping[str, Resource],
) -> str:
    served = [resources[rid].short_id if rid in resources else rid for rid in rule.served]
    named = ", ".join(served[:LISTED]) + (f" and {len(served) - LISTED} more" if len(served) > LISTED else "")
    text = (
        f"Shared by {len(served)} resource{'s' if len(served) > 1 else ''}: {named} ({len(rule.eni_ids)} ENIs in "
        f"{rule.log_group}). Goes to ALARM when the top contributor (MaxContributorValue) of Contributor Insights "
        f"rule {rule.name}, that is the {MEASURES[template.kind]}, reaches {figure(threshold)} or more in any "
        f"{period}-second period among the last {periods}; back to OK when none does. The threshold is the same "
        f"for each resource served; `plinsights top <resource>` over the window names the ENI and the source. "
        f"Flow logs deliver records minutes after they close, so it fires up to about {lag} seconds after the "
        f"traffic. No data counts as not breaching. Managed by privatelink-insights; change it with the "
        f"{template.threshold.replace('_', ' ')} threshold and {template.period} period settings, or give a "
        f"resource rules of its own (plinsights:dedicated-rules) for a threshold of its own."
    )
    return text[:MAX_DESCRIPTION]
