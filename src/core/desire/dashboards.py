"""Dashboards rendered from the desired state (pure): firing alarms and a summary on top, a section per resource.

Dashboards are global, so each name carries the Region. Each reconcile renders them whole; a body
is written only when it differs from the one in the account, and never patched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.artifacts.canonical import canonical_json
from core.artifacts.dashboards import dashboard_name
from core.artifacts.ownership import alarm_arn, owner_mark
from core.desire.consumers import consumer_widgets
from core.desire.cost import CostEstimate, count, estimate_cost, usd
from core.desire.native_metrics import ENDPOINT_METRICS, ENDPOINT_NAMESPACE, SERVICE_METRICS, native_dimension_sets
from core.desire.rules import RULE_TEMPLATES
from core.model import AlarmSpec, Coverage, DashboardSpec, Inventory, RuleQuota, RuleSpec
from core.settings import Settings

GRID_WIDTH = 24  # dashboard grid columns

MAX_WIDGETS = 500  # PutDashboard: widgets per dashboard

MAX_SUMMARY_ROWS = 100  # longer lists are counted, not listed: a text widget is not a report

CONTRIBUTORS = 10
SHARERS_NAMED = 3  # resources a shared rule's widget title names before it counts the rest

MAX_ALARMS_PER_WIDGET = 100  # Dashboard body, alarm widget: "alarms" holds 1-100 alarm ARNs

FIRING_HEIGHT = 4  # rows of one "alarms in ALARM" widget at the top

# The alarm widget's sortBy: ALARM first, then INSUFFICIENT_DATA, then OK, each by latest change.
SORT_FIRING_FIRST = "stateUpdatedTimestamp"

# PrivateLink's own metrics, by what they count: bytes reach GB in a period while drops and resets
# are about 0, so each unit gets its own chart and a drop shows as a spike, not a flat line.
BYTES_METRICS = ("BytesProcessed",)

CONNECTION_METRICS = ("NewConnections", "ActiveConnections")

PACKET_METRICS = ("PacketsDropped", "RstPacketsReceived", "RstPacketsSent")


# What a provider's flow-log rules can show (aws-facts G4): PrivateLink traffic reaches the targets from
# the load balancer nodes' own addresses, and the endpoint-to-load-balancer leg is in no flow log here.
PROVIDER_RULES = (
    "Its rules rank load balancer nodes and their targets, and clients that reach it without PrivateLink:"
    " never its consumers, whose traffic reaches the targets from the nodes' addresses. Its consumers are below."
)


@dataclass
class Grid:
    """Places widgets row by row on the 24-column grid, so that no two ever overlap."""

    widgets: list[dict[str, Any]] = field(default_factory=list)
    x: int = 0
    y: int = 0
    row_height: int = 0

    def newline(self) -> None:
        self.y += self.row_height
        self.x, self.row_height = 0, 0

    def place(self, widget: dict[str, Any], width: int, height: int) -> None:
        if self.x + width > GRID_WIDTH:
            self.newline()
        self.widgets.append({**widget, "x": self.x, "y": self.y, "width": width, "height": height})
        self.x += width
        self.row_height = max(self.row_height, height)


@dataclass(frozen=True)
class Section:
    """The widgets of one resource, placed together: (widget, width, height)."""

    widgets: tuple[tuple[dict[str, Any], int, int], ...]
    alarm_arns: tuple[str, ...] = ()


def firing_widget_count(alarms: int) -> int:
    """Widgets of the "alarms in ALARM" section for this many alarms: one per 100, none for none."""
    return -(-alarms // MAX_ALARMS_PER_WIDGET)


def render_dashboards(
    coverage: Sequence[Coverage],
    rules: Mapping[str, RuleSpec],
    alarms: Mapping[str, AlarmSpec],
    inventory: Inventory,
    settings: Settings,
    quota: RuleQuota | None = None,
    held: Sequence[Section] = (),
    held_summary: str = "",
) -> dict[str, DashboardSpec]:
    """`held`: the sections of what the deletion limit holds (core/desire/held.py), after the
    others, so that holding never moves a section; `held_summary` says so on the first part."""
    sections = [
        section(c, rules, alarms, inventory, settings.prefix) for c in coverage if c.rule_names or c.alarm_names
    ]
    sections += held
    parts = split_parts(sections)
    names = [dashboard_name(settings, inventory.region, n) for n in range(1, len(parts) + 1)]
    dashboards = {}
    # No matched events (nothing is read here), and rules priced as enabled: toggling the rule
    # state toggles rules, and rewrites no dashboard.
    managed = quota.reserved if quota else 0  # the managed rules of endpoint services, set aside before the rules
    cost = estimate_cost(rules.values(), alarms.values(), len(names), settings, as_enabled=True, managed_rules=managed)
    for number, (name, part) in enumerate(zip(names, parts, strict=True), 1):
        grid = Grid()
        # An alarm on a shared rule is in the section of each resource it serves: listed once here.
        for widget in firing_widgets(list(dict.fromkeys(arn for item in part for arn in item.alarm_arns))):
            grid.place(widget, GRID_WIDTH, FIRING_HEIGHT)
        grid.newline()
        text = summary_markdown(coverage, settings, names, number, quota, cost, held_summary)
        lines = sum(1 for line in text.splitlines() if line.strip())
        grid.place(text_widget(text), GRID_WIDTH, min(2 + lines // 2, 40))  # about two text lines a row
        # The summary is drawn below the firing alarms but stays first in the list: its owner mark
        # proves the dashboard ours (ownership.is_ours), on bodies written before and after this section.
        summary = grid.widgets.pop()
        grid.widgets.insert(0, summary)
        for item in part:
            grid.newline()
            for widget, width, height in item.widgets:
                grid.place(widget, width, height)
        body = {"start": "-PT6H", "periodOverride": "inherit", "widgets": grid.widgets}
        dashboards[name] = DashboardSpec(name, canonical_json(body))
    return dashboards


def split_parts(sections: Sequence[Section]) -> list[list[Section]]:
    """Sections in order, a new part whenever the next would pass 500 widgets: the summary and the
    part's "alarms in ALARM" widgets (one per 100 alarms of its sections) count too."""
    parts: list[list[Section]] = [[]]
    widgets, alarms = 1, 0  # the summary heads every part
    for item in sections:
        grown = widgets + len(item.widgets) + firing_widget_count(alarms + len(item.alarm_arns))
        if grown > MAX_WIDGETS and parts[-1]:
            parts.append([])
            widgets, alarms = 1, 0
        parts[-1].append(item)
        widgets += len(item.widgets)
        alarms += len(item.alarm_arns)
    return parts


def widget_loads(arns: Sequence[str]) -> list[Sequence[str]]:
    """Alarm ARNs in the loads of the alarm widgets that list them: at most 100 a widget."""
    return [arns[i : i + MAX_ALARMS_PER_WIDGET] for i in range(0, len(arns), MAX_ALARMS_PER_WIDGET)]


def firing_widgets(arns: Sequence[str]) -> list[dict[str, Any]]:
    """The section on top: the part's alarms, filtered to those in ALARM, 100 ARNs a widget."""
    chunks = widget_loads(arns)
    return [
        {
            "type": "alarm",
            "properties": {
                "title": "Alarms in ALARM" + (f" ({n} of {len(chunks)})" if len(chunks) > 1 else ""),
                "alarms": list(chunk),
                "states": ["ALARM"],
                "sortBy": SORT_FIRING_FIRST,
            },
        }
        for n, chunk in enumerate(chunks, 1)
    ]


def section(
    coverage: Coverage,
    rules: Mapping[str, RuleSpec],
    alarms: Mapping[str, AlarmSpec],
    inventory: Inventory,
    prefix: str,
) -> Section:
    resource, region = coverage.resource, inventory.region
    widgets: list[tuple[dict[str, Any], int, int]] = [(text_widget(resource_markdown(coverage)), GRID_WIDTH, 4)]
    for name in coverage.rule_names:
        rule = rules[name]
        title = f"{resource.short_id}: {rule.title or RULE_TEMPLATES[rule.kind].title} ({rule.log_group})"
        if not rule.resource_id:
            # A shared rule's contributors are keyed by ENI: the widget shows every resource it serves.
            others = [rid for rid in rule.served if rid != resource.resource_id]
            named = ", ".join(others[:SHARERS_NAMED]) + (
                f" and {len(others) - SHARERS_NAMED} more" if len(others) > SHARERS_NAMED else ""
            )
            title += f", shared with {named}, by ENI" if others else ", a shared rule, by ENI"
        widgets.append((insight_rule_widget(name, title, region), 8, 6))
    if native := native_metrics(coverage, region):
        traffic = [row for row in native if row[1] in BYTES_METRICS + CONNECTION_METRICS]
        packets = [row for row in native if row[1] in PACKET_METRICS]
        if traffic:
            widgets.append((traffic_widget(f"{resource.short_id}: traffic", traffic, region), 12, 6))
        if packets:
            widgets.append((packets_widget(f"{resource.short_id}: dropped and reset packets", packets, region), 12, 6))
        widgets += consumer_widgets(resource, alarms, prefix, region)  # a provider's consumers, per service
    arns = [alarm_arn(inventory.partition, region, inventory.account_id, n) for n in coverage.alarm_names]
    for chunk in widget_loads(arns):
        properties = {"title": f"{resource.short_id}: alarms", "alarms": chunk, "sortBy": SORT_FIRING_FIRST}
        widgets.append(({"type": "alarm", "properties": properties}, 12, 6))
    return Section(tuple(widgets), tuple(arns))


def native_metrics(coverage: Coverage, region: str) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for namespace, dimensions in native_dimension_sets(coverage.resource, region):
        metrics = ENDPOINT_METRICS if namespace == ENDPOINT_NAMESPACE else SERVICE_METRICS
        flat = [part for d in dimensions for part in (d["Name"], d["Value"])]
        rows += [[namespace, metric, *flat, {"stat": stat}] for metric, stat in metrics]
    return rows


def text_widget(markdown: str) -> dict[str, Any]:
    return {"type": "text", "properties": {"markdown": markdown}}


def insight_rule_widget(rule_name: str, title: str, region: str) -> dict[str, Any]:
    return {
        "type": "metric",
        "properties": {
            "title": title,
            "region": region,
            "period": 60,
            "view": "timeSeries",
            "stacked": False,
            "insightRule": {"ruleName": rule_name, "maxContributorCount": CONTRIBUTORS, "orderBy": "Sum"},
            "legend": {"position": "bottom"},
        },
    }


def metric_widget(
    title: str, metrics: list[list[Any]], region: str, y_axis: dict[str, Any] | None = None
) -> dict[str, Any]:
    properties = {
        "title": title,
        "region": region,
        "period": 300,
        "view": "timeSeries",
        "stacked": False,
        "metrics": metrics,
    }
    return {"type": "metric", "properties": {**properties, "yAxis": y_axis} if y_axis else properties}


def on_right_axis(row: list[Any]) -> list[Any]:
    """A metrics-array row drawn against the right axis: its rendering options get "yAxis": "right"."""
    *metric, options = row
    return [*metric, {**options, "yAxis": "right"}]


def traffic_widget(title: str, rows: list[list[Any]], region: str) -> dict[str, Any]:
    """Bytes on the left axis, connections (hundreds, not gigabytes) on the right one."""
    drawn = [on_right_axis(row) if row[1] in CONNECTION_METRICS else row for row in rows]
    axes = {"left": {"label": "bytes", "min": 0}, "right": {"label": "connections", "min": 0}}
    return metric_widget(title, drawn, region, axes)


def packets_widget(title: str, rows: list[list[Any]], region: str) -> dict[str, Any]:
    """Dropped and reset packets alone, from 0: any packet lost is a visible spike."""
    return metric_widget(title, rows, region, {"left": {"label": "packets", "min": 0}})


def resource_markdown(coverage: Coverage) -> str:
    r = coverage.resource
    zones = ", ".join(sorted({eni.availability_zone for eni in r.enis if eni.availability_zone})) or "-"
    lines = [f"### {r.kind.value} {r.short_id}" + (f" ({r.name})" if r.name else "")]
    facts = [f"VPC {r.vpc_id}", f"AZs {zones}", f"{len(r.enis)} ENIs"]
    if r.service_name:
        facts.append(f"service {r.service_name}")
    if r.endpoint_services:
        facts.append(f"endpoint services {', '.join(r.endpoint_services)}")
    lines.append(" · ".join(facts))
    if coverage.rule_names:
        lines.append(f"Flow logs: {', '.join(coverage.log_groups)} · rules: {', '.join(coverage.rule_names)}")
        if r.endpoint_services:
            lines.append(PROVIDER_RULES)
    else:
        lines.append(f"No flow-log rules: {coverage.unmonitorable}. PrivateLink metrics only.")
    lines += [f"Note: {note}" for note in coverage.notes]
    return "\n\n".join(lines)


def summary_markdown(
    coverage: Sequence[Coverage],
    settings: Settings,
    names: Sequence[str],
    number: int,
    quota: RuleQuota | None,
    cost: CostEstimate | None = None,
    held_summary: str = "",
) -> str:
    monitored = [c for c in coverage if c.rule_names]
    native_only = [c for c in coverage if not c.rule_names and c.alarm_names]
    not_monitored = [c for c in coverage if not c.rule_names and not c.alarm_names]
    lines = [
        f"## PrivateLink monitoring · part {number} of {len(names)}" if len(names) > 1 else "## PrivateLink monitoring",
        f"{len(monitored)} resources monitored with flow-log rules · {len(native_only)} with PrivateLink metrics only"
        f" · {len(not_monitored)} not monitored",
    ]
    if quota:
        managed = f" and {quota.reserved} managed rules of endpoint services" if quota.reserved else ""
        lines.append(
            f"Contributor Insights rules: {quota.ours} ours{managed}, {quota.others} others, quota {quota.limit}"
            f" ({quota.source}), {quota.left} left"
        )
    if held_summary and number == 1:
        lines.append(held_summary)
    if number > 1:
        lines.append(f"Summary and first resources on {names[0]}.")
    else:
        rows = [
            (c.resource.short_id, c.resource.kind.value, c.unmonitorable or "flow-log rules missing")
            for c in not_monitored + native_only
        ]
        if rows:
            lines.append("| resource | kind | not monitored by flow-log rules because |\n|---|---|---|")
            lines[-1] += "".join(f"\n| {rid} | {kind} | {why} |" for rid, kind, why in rows[:MAX_SUMMARY_ROWS])
            if len(rows) > MAX_SUMMARY_ROWS:
                lines.append(f"... and {len(rows) - MAX_SUMMARY_ROWS} more (`plinsights plan` lists them all).")
    if cost is not None and number == 1:
        lines.append(cost_markdown(cost))
    lines.append(f"Rendered by privatelink-insights at each reconcile; edits are overwritten. `{owner_mark(settings)}`")
    return "\n\n".join(lines)


def cost_markdown(cost: CostEstimate) -> str:
    """The estimate of what does not depend on traffic, so the body changes only when the artifacts
    do (a figure that moved at every run would rewrite the dashboard each time); matched events are
    priced, not counted."""
    return (
        f"Estimated cost a month at list prices: {usd(cost.fixed_usd)} for {count(cost.rules + cost.managed_rules)}"
        f" rules ({usd(cost.rules_usd)} while enabled), {count(cost.alarm_metrics)} alarm metrics in"
        f" {count(cost.alarms)} alarms"
        f" ({usd(cost.alarms_usd)})"
        f" and {cost.dashboards} dashboard(s), {cost.free_dashboards} free ({usd(cost.dashboards_usd)}); plus"
        f" {usd(cost.price_matched_events_million)} per million log events the rules match"
        " (`plinsights plan` estimates them)."
    )
