"""The dashboard sections of what the deletion limit holds (pure): the limit holds all of a resource.

While a resource's deletions are held its rules and alarms stay, and so does a section of its own,
marked held, that says why and what lets the deletions through; rules and alarms shared by several
resources that are held get one too. Held sections follow the others, so holding moves no section,
and they are rendered from what is observed: a resource discovery no longer sees keeps them as well.
Once the deletions go through, a plan holds nothing and the sections are rendered no more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from core.artifacts import ALARMS, DASHBOARDS
from core.artifacts.kind import Delete, Plan, release_advice
from core.artifacts.ownership import alarm_arn
from core.desire.dashboards import (
    GRID_WIDTH,
    SORT_FIRING_FIRST,
    Section,
    insight_rule_widget,
    render_dashboards,
    text_widget,
    widget_loads,
)
from core.desire.existing import log_groups_of
from core.desire.rules import RULE_TEMPLATES
from core.model import ActualState, DesiredState, Inventory, ObservedRule
from core.settings import Settings

HELD = "deletions held"  # how a held section's heading and its widgets' titles mark it

MAX_SECTION_WIDGETS = 100  # a long held section continues in the next, so each fits a dashboard part

HEADING_HEIGHT = 5  # rows of a held section's text: its heading, why, and what to run

SHOWN_RESOURCES = 10  # named in the summary before the rest are counted


def with_held_sections(
    desired: DesiredState, plan: Plan, actual: ActualState, inventory: Inventory, settings: Settings
) -> DesiredState:
    """The desired state whose dashboards keep the sections of what `plan` holds; as it was when it holds nothing."""
    sections = held_sections(plan, actual, inventory, settings)
    if not sections:
        return desired
    summary = held_summary(plan, settings)
    dashboards = render_dashboards(
        desired.coverage, desired.rules, desired.alarms, inventory, settings, desired.quota, sections, summary
    )
    return replace(desired, artifacts={**desired.artifacts, DASHBOARDS.name: dashboards})


def held_sections(plan: Plan, actual: ActualState, inventory: Inventory, settings: Settings) -> list[Section]:
    """A section per resource whose deletions are held, by id, then one for the shared rules and alarms held."""
    by_resource: dict[str, list[Delete]] = {}
    for delete in plan.held_deletions:
        if delete.kind is not DASHBOARDS:  # a dashboard held shows nothing of its own
            by_resource.setdefault(delete.resource_id, []).append(delete)
    why = f"this run would delete {plan.held_back}, more than the deletion limit of {settings.max_deletes} a run"
    sections: list[Section] = []
    for rid in plan.held_resources:
        label, short = resource_label(rid, inventory)
        reasons = "; ".join(sorted({d.reason for d in by_resource[rid]}))
        text = (
            f"### {label} · {HELD}\n\nIts {counted(by_resource[rid])} stay: {why} ({reasons}).\n\n"
            f"{release_advice(plan.held_back, rid)}"
        )
        sections += held_section(text, short, by_resource[rid], actual, inventory)
    if shared := by_resource.get(""):
        text = (
            f"### Shared rules and alarms · {HELD}\n\nRules that read the ENIs of several resources, and their "
            f"alarms: {counted(shared)} stay: {why}.\n\n{release_advice(plan.held_back)}"
        )
        sections += held_section(text, "shared", shared, actual, inventory)
    return sections


def held_summary(plan: Plan, settings: Settings) -> str:
    """The paragraph of the first part's summary that says what is held, why and what to do."""
    resources = plan.held_resources
    named = ", ".join(resources[:SHOWN_RESOURCES]) + (
        f" and {len(resources) - SHOWN_RESOURCES} more" if len(resources) > SHOWN_RESOURCES else ""
    )
    kept: list[str] = []
    if resources:
        kept.append(f"the rules and alarms of {plural(len(resources), 'resource')} stay, with their sections: {named}")
    if any(not d.resource_id and d.kind is not DASHBOARDS for d in plan.held_deletions):
        kept.append("shared rules and alarms stay too")
    return (
        f"**Deletions held.** This run would delete {plan.held_back} artifacts, more than the deletion limit of "
        f"{settings.max_deletes} a run, so it deletes none: {'; '.join(kept)} (the sections follow the others, "
        f"marked held). {release_advice(plan.held_back)}"
    )


def held_section(
    text: str, short: str, deletes: Sequence[Delete], actual: ActualState, inventory: Inventory
) -> list[Section]:
    """The heading, a contributors widget per rule held and the state of the alarms held; a section
    longer than MAX_SECTION_WIDGETS goes on in the next, under the same heading."""
    rules = sorted(d.name for d in deletes if d.kind is not ALARMS)
    widgets: list[tuple[dict[str, Any], int, int]] = [
        (insight_rule_widget(name, rule_title(short, name, actual.rules), inventory.region), 8, 6) for name in rules
    ]
    arns = [
        alarm_arn(inventory.partition, inventory.region, inventory.account_id, name)
        for name in sorted(d.name for d in deletes if d.kind is ALARMS)
    ]
    for chunk in widget_loads(arns):
        properties = {"title": f"{short}: alarms, {HELD}", "alarms": chunk, "sortBy": SORT_FIRING_FIRST}
        widgets.append(({"type": "alarm", "properties": properties}, 12, 6))
    step = MAX_SECTION_WIDGETS - 1  # the heading's widget
    pieces = [widgets[i : i + step] for i in range(0, len(widgets), step)] or [[]]
    sections = []
    for number, piece in enumerate(pieces, 1):
        heading = text if number == 1 else f"{text.splitlines()[0]} (continued, {number} of {len(pieces)})"
        load = [w for w in piece if w[0]["type"] == "alarm"]
        piece_arns = tuple(arn for widget, _, _ in load for arn in widget["properties"]["alarms"])
        sections.append(Section(((text_widget(heading), GRID_WIDTH, HEADING_HEIGHT), *piece), piece_arns))
    return sections


def rule_title(short: str, name: str, observed: Mapping[str, ObservedRule]) -> str:
    """What a held rule counts, and from which log groups, as its tags and definition say."""
    rule = observed.get(name)
    if rule is None:  # a managed rule: AWS's own template, named by AWS
        return f"{short}: {name}, {HELD}"
    template = next((t for kind, t in RULE_TEMPLATES.items() if kind.value == rule.kind), None)
    groups = ", ".join(log_groups_of(rule.definition))
    return f"{short}: {template.title if template else name}{f' ({groups})' if groups else ''}, {HELD}"


def resource_label(resource_id: str, inventory: Inventory) -> tuple[str, str]:
    """The heading's name of a resource and its short id: as discovered, or from its id alone when
    discovery no longer sees it."""
    for resource in inventory.resources:
        if resource.resource_id == resource_id:
            named = f" ({resource.name})" if resource.name else ""
            return f"{resource.kind.value} {resource.short_id}{named}", resource.short_id
    if resource_id.startswith("arn:"):  # a load balancer: .../loadbalancer/<net|gwy>/<name>/<id>
        kind, name, lb_id = resource_id.rsplit("/", 3)[-3:]
        return f"{resource_id} (not discovered)", f"{kind}-{name}-{lb_id}"
    return f"{resource_id} (not discovered)", resource_id


def counted(deletes: Sequence[Delete]) -> str:
    """What the deletions given delete, counted: "3 rules and 4 alarms"."""
    alarms = sum(1 for d in deletes if d.kind is ALARMS)
    rules = len(deletes) - alarms
    return " and ".join(plural(n, what) for n, what in ((rules, "rule"), (alarms, "alarm")) if n)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
