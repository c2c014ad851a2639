"""An estimate of what the artifacts a deployment keeps cost a month, at the list prices set as settings (pure)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.model import AlarmSpec, DesiredState, RuleSpec
from core.settings import Settings

DAYS_PER_MONTH = 30  # a month of matched events: the measured days scaled to 30

HOURS_PER_DAY = 24

MILLION = 1_000_000

# An alarm's metric-math expression reads a Contributor Insights rule through this function; each
# call is one metric the alarm evaluates (CloudWatch user guide, Contributor Insights graph metrics).
RULE_METRIC_FUNCTION = "INSIGHT_RULE_METRIC("

CHARGED_RULE_STATE = "ENABLED"  # a DISABLED rule analyses nothing and is not charged as a rule


@dataclass(frozen=True, slots=True)
class IncomingEvents:
    """Log events each log group received over the last `hours` (CloudWatch Logs' own metric
    AWS/Logs IncomingLogEvents), or why they could not be read. A log group missing from
    `per_log_group` was not read; one read with no datapoint received none."""

    per_log_group: Mapping[str, float] = field(default_factory=dict)
    hours: int = HOURS_PER_DAY
    unknown: str = ""  # why nothing could be read (denied, a failed call); empty when read

    def monthly(self, log_group: str) -> float | None:
        """The log group's events in a month at the measured rate, None when it was not read."""
        if self.unknown or log_group not in self.per_log_group or self.hours <= 0:
            return None
        return self.per_log_group[log_group] * DAYS_PER_MONTH * HOURS_PER_DAY / self.hours


NOT_READ = "not read: only the plinsights CLI reads the log groups' incoming events"


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """Counts and prices by artifact kind; the USD figures are derived, never stored."""

    # Enabled rules, each charged a month; for one resource, a shared rule counts as its share
    rules: float
    alarms: float
    alarm_metrics: float  # the metrics those alarms evaluate, each charged a month
    dashboards: int
    free_dashboards: int
    # Log events a month the rules may match: at most the incoming events of the log groups they
    # read, one count per rule; None when they could not be read (`matched_basis` says why).
    matched_events: float | None
    matched_basis: str
    price_rule_month: float
    price_alarm_metric_month: float
    price_dashboard_month: float
    price_matched_events_million: float
    resources: int = 0  # the resources these artifacts watch: the per-resource figure divides by them
    managed_rules: int = 0  # managed rules of endpoint services, charged as rules; what they match is not estimated

    @property
    def per_resource_usd(self) -> float | None:
        """The fixed part a month for each resource watched (matched events, which scale with
        traffic, left out); None when nothing is watched."""
        return self.fixed_usd / self.resources if self.resources else None

    @property
    def charged_dashboards(self) -> int:
        return max(self.dashboards - self.free_dashboards, 0)

    @property
    def rules_usd(self) -> float:
        return (self.rules + self.managed_rules) * self.price_rule_month

    @property
    def alarms_usd(self) -> float:
        return self.alarm_metrics * self.price_alarm_metric_month

    @property
    def dashboards_usd(self) -> float:
        return self.charged_dashboards * self.price_dashboard_month

    @property
    def matched_events_usd(self) -> float | None:
        if self.matched_events is None:
            return None
        return self.matched_events / MILLION * self.price_matched_events_million

    @property
    def fixed_usd(self) -> float:
        """What the artifacts cost whatever the traffic: rules, alarms, dashboards."""
        return self.rules_usd + self.alarms_usd + self.dashboards_usd

    @property
    def monthly_usd(self) -> float:
        """The fixed part plus, when known, the most the matched events can cost."""
        return self.fixed_usd + (self.matched_events_usd or 0.0)


def alarm_metrics(body: str) -> int:
    """The metrics an alarm evaluates, each charged: every MetricStat query and every
    INSIGHT_RULE_METRIC call in an expression; an expression that only adds or compares other
    queries reads no metric of its own. An alarm on one metric (no Metrics list) evaluates one."""
    try:
        parameters: Any = json.loads(body)
    except ValueError:
        return 1
    queries = parameters.get("Metrics") if isinstance(parameters, dict) else None
    if not queries:
        return 1
    count = 0
    for query in queries:
        if query.get("MetricStat"):
            count += 1
        else:
            count += str(query.get("Expression", "")).count(RULE_METRIC_FUNCTION)
    return count


def charged_alarm_metrics(alarm: AlarmSpec) -> int:
    """The metrics an alarm is charged for a month. A Metrics Insights query alarm is charged per
    metric it analyzes, that is per series its query returns (aws-facts G6; the rate is UNCONFIRMED,
    so the standard alarm-metric price is used): the series expected, which the spec carries."""
    return alarm.analyzed_metrics if alarm.analyzed_metrics is not None else alarm_metrics(alarm.body)


def matched_events(
    rules: Iterable[RuleSpec],
    incoming: IncomingEvents | None,
    share: Callable[[RuleSpec | AlarmSpec], float] = lambda spec: 1.0,
) -> tuple[float | None, str]:
    """At most the events a month the rules match, and how that figure was reached. A rule is
    charged for the events of its log groups that match its filters (here, its ENIs and, by kind,
    accepted, TCP or rejected records), so a log group's incoming events bound each rule reading
    it: two rules reading one log group count it twice, as each matches its own events."""
    rules = list(rules)
    groups = [rule.log_group for rule in rules]
    if not groups:
        return 0.0, "no enabled rules"
    if incoming is None:
        return None, NOT_READ
    if incoming.unknown:
        return None, incoming.unknown
    monthly = {group: incoming.monthly(group) for group in set(groups)}
    unread = sorted(group for group, events in monthly.items() if events is None)
    if unread:
        return None, f"incoming events of {len(unread)} log group(s) not read: {', '.join(unread[:3])}"
    total = sum((monthly[rule.log_group] or 0.0) * share(rule) for rule in rules)
    basis = (
        f"upper bound: IncomingLogEvents of {len(monthly)} log group(s) over the last {incoming.hours} h, "
        f"scaled to {DAYS_PER_MONTH} days, once per rule reading them"
    )
    return total, basis


def estimate_cost(
    rules: Iterable[RuleSpec],
    alarms: Iterable[AlarmSpec],
    dashboards: int,
    settings: Settings,
    incoming: IncomingEvents | None = None,
    *,
    as_enabled: bool = False,
    resources: int = 0,
    share: Callable[[RuleSpec | AlarmSpec], float] = lambda spec: 1.0,
    managed_rules: int = 0,
) -> CostEstimate:
    """`as_enabled` prices every rule as if enabled: what the rules cost while they run, a figure
    that does not move when the rule state is toggled. `share` is how much of each artifact is
    counted (for one resource, its share of a shared rule or alarm); `resources` the resources
    watched, for the per-resource figure. `managed_rules`, of endpoint services, are priced as
    rules (made enabled); they read PrivateLink's data, not our log groups."""
    charged = [rule for rule in rules if as_enabled or rule.state == CHARGED_RULE_STATE]
    alarm_list = list(alarms)
    events, basis = matched_events(charged, incoming, share)
    return CostEstimate(
        rules=sum(share(rule) for rule in charged),
        alarms=sum(share(alarm) for alarm in alarm_list),
        alarm_metrics=sum(charged_alarm_metrics(alarm) * share(alarm) for alarm in alarm_list),
        dashboards=dashboards,
        free_dashboards=settings.free_dashboards,
        matched_events=events,
        matched_basis=basis,
        price_rule_month=settings.price_rule_month,
        price_alarm_metric_month=settings.price_alarm_metric_month,
        price_dashboard_month=settings.price_dashboard_month,
        price_matched_events_million=settings.price_matched_events_million,
        resources=resources,
        managed_rules=managed_rules,
    )


def deployment_cost(desired: DesiredState, settings: Settings, incoming: IncomingEvents | None = None) -> CostEstimate:
    """What everything the deployment keeps once the plan is applied costs a month, and per
    resource watched (by rules or alarms)."""
    watched = sum(1 for c in desired.coverage if c.rule_names or c.alarm_names)
    return estimate_cost(
        desired.rules.values(),
        desired.alarms.values(),
        len(desired.dashboards),
        settings,
        incoming,
        resources=watched,
        managed_rules=len(desired.managed_rules),
    )


def resource_cost(
    desired: DesiredState, resource_id: str, settings: Settings, incoming: IncomingEvents | None = None
) -> CostEstimate:
    """What one resource's rules and alarms cost a month: its own whole, and an equal share of each
    shared one it is served by. Its dashboard section is part of a dashboard every resource shares,
    so none is counted here (free_dashboards stays as set)."""
    rules = [rule for rule in desired.rules.values() if rule.serves(resource_id)]
    alarms = [alarm for alarm in desired.alarms.values() if alarm.serves(resource_id)]
    managed = sum(1 for rule in desired.managed_rules.values() if rule.resource_id == resource_id)
    return estimate_cost(
        rules, alarms, 0, settings, incoming, resources=1, share=share_of(resource_id), managed_rules=managed
    )


def share_of(resource_id: str) -> Callable[[RuleSpec | AlarmSpec], float]:
    def share(spec: RuleSpec | AlarmSpec) -> float:
        return 1.0 if spec.resource_id == resource_id or not spec.served else 1 / len(spec.served)

    return share


def usd(amount: float) -> str:
    return f"{amount:,.2f} USD"


def cost_to_dict(cost: CostEstimate) -> dict[str, Any]:
    """The plan's "cost": the total and a breakdown by artifact kind, in USD a month, to the cent."""
    matched_usd = cost.matched_events_usd
    return {
        "monthly_usd": round(cost.monthly_usd, 2),
        "complete": cost.matched_events is not None,  # false: matched events are left out, see their basis
        "rules": {
            "count": count(cost.rules + cost.managed_rules),  # every rule charged; "managed" of them managed rules
            "managed": cost.managed_rules,
            "unit_usd": cost.price_rule_month,
            "monthly_usd": round(cost.rules_usd, 2),
        },
        "alarms": {
            "count": count(cost.alarms),
            "metrics": count(cost.alarm_metrics),
            "unit_usd": cost.price_alarm_metric_month,
            "monthly_usd": round(cost.alarms_usd, 2),
        },
        "dashboards": {
            "count": cost.dashboards,
            "free": cost.free_dashboards,
            "charged": cost.charged_dashboards,
            "unit_usd": cost.price_dashboard_month,
            "monthly_usd": round(cost.dashboards_usd, 2),
        },
        "matched_events": {
            "count_at_most": None if cost.matched_events is None else round(cost.matched_events),
            "unit_usd_per_million": cost.price_matched_events_million,
            "monthly_usd": None if matched_usd is None else round(matched_usd, 2),
            "basis": cost.matched_basis,
        },
        "resources": cost.resources,  # those watched by rules or alarms
        "per_resource_usd": None if cost.per_resource_usd is None else round(cost.per_resource_usd, 2),
    }


def count(value: float) -> float | int:
    """A whole count as an int; a resource's share of shared artifacts to two decimals."""
    return int(value) if float(value).is_integer() else round(value, 2)


def cost_lines(cost: CostEstimate) -> list[str]:
    """The estimate as text lines: the total, then one line per artifact kind."""
    lines = [f"Estimated cost a month, at the list prices set: {usd(cost.monthly_usd)}"]
    managed = f" ({cost.managed_rules} managed)" if cost.managed_rules else ""
    charged = count(cost.rules + cost.managed_rules)
    lines.append(f"  rules       {charged}{managed} x {usd(cost.price_rule_month)} = {usd(cost.rules_usd)}")
    lines.append(
        f"  alarms      {count(cost.alarm_metrics)} metrics in {count(cost.alarms)} alarms"
        f" x {usd(cost.price_alarm_metric_month)} = {usd(cost.alarms_usd)}"
    )
    lines.append(
        f"  dashboards  {cost.dashboards}, {cost.free_dashboards} free, {cost.charged_dashboards} charged"
        f" x {usd(cost.price_dashboard_month)} = {usd(cost.dashboards_usd)}"
    )
    per_million = f"{usd(cost.price_matched_events_million)} per million"
    if cost.matched_events is None:
        lines.append(f"  matched log events  unknown, not in the total ({cost.matched_basis}); {per_million}")
    else:
        millions = cost.matched_events / MILLION
        lines.append(
            f"  matched log events  at most {millions:,.2f} million x {per_million}"
            f" = {usd(cost.matched_events_usd or 0.0)} ({cost.matched_basis})"
        )
    if cost.per_resource_usd is not None and cost.resources > 1:
        lines.append(
            f"  per resource  {usd(cost.per_resource_usd)} for each of {cost.resources} resources watched"
            " (rules, alarms and dashboards; matched events left out)"
        )
    return lines
