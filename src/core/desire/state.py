"""Inventory + Settings -> DesiredState: the rules, alarms and dashboards each resource should have,
or why it has none (pure).

Rules are shared by default: the resources read from one log group with one field layout share its
rules, ten ENIs to a rule (shared_rules.py). A resource that needs rules of its own (the tag
plinsights:dedicated-rules, or a per-resource threshold or period of a rule alarm, which a shared
alarm cannot keep) gets them within a share of the quota (the dedicated_rule_share setting); past
that share it is served by shared rules, with a note. Resources are served in priority order while
the quota lasts; the rest keep their PrivateLink-metric alarms and are reported with what to do.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol, TypeVar

from core.artifacts import ALARMS, DASHBOARDS, MANAGED_RULES, RULES
from core.desire.alarms import render_alarms, wanted_templates
from core.desire.dashboards import render_dashboards
from core.desire.existing import indexed
from core.desire.flow_logs import flow_logs_by_attachment
from core.desire.health_alarms import QueryAlarmBudget, render_health_alarms
from core.desire.managed_rules import desired_managed_rules, reservation, with_notes
from core.desire.monitoring import with_carriers
from core.desire.resource_rules import (
    Candidate,
    assess,
    existing_dedicated,
    incomplete_notes,
    is_live,
    render_dedicated,
)
from core.desire.selection import RULE_ALARM_TAGS, exclusion_reason, tag_is_set
from core.desire.shared_alarms import render_shared_alarms
from core.desire.shared_rules import SharedRequest, allocate, existing_chunks, render_shared
from core.model import (
    AlarmSpec,
    Coverage,
    DesiredState,
    Inventory,
    ObservedRule,
    Resource,
    RuleQuota,
    RuleSpec,
)
from core.settings import Settings

PRIORITY_TAG = "plinsights:priority"
DEFAULT_PRIORITY = 1000.0
DEDICATED_TAG = "plinsights:dedicated-rules"
QUOTA_ADVICE = (
    "raise the Region's Contributor Insights rule quota (Service Quotas, CloudWatch, code L-DBD11BCC), "
    "or give more important resources a lower plinsights:priority"
)


class ServesResources(Protocol):
    """A rule or alarm spec: its own resource, or the resources a shared one serves."""

    @property
    def resource_id(self) -> str: ...

    @property
    def served(self) -> tuple[str, ...]: ...


SpecT = TypeVar("SpecT", bound=ServesResources)


def desired_state(
    inventory: Inventory,
    settings: Settings,
    quota: RuleQuota | None = None,
    existing: Mapping[str, ObservedRule] | None = None,
) -> DesiredState:
    """Without a quota every monitorable resource gets its rules; with one, resources are served in
    priority order (see `priority`) while rules are left, and the rest are reported. `existing`,
    our rules as they are, keeps names stable: a shared rule's chunks keep their members, and a
    rule made under an earlier naming scheme keeps its name (resource_rules.adopt_earlier_names)."""
    existing = indexed(existing or {})
    # The managed rules of our endpoint services, when on, take their share of the quota first.
    managed, managed_notes = desired_managed_rules(
        inventory, settings, sorted(inventory.resources, key=priority), quota.available if quota else None
    )
    quota = replace(quota, reserved=reservation(managed)) if quota else None
    left = quota.available if quota else None
    flow_logs = flow_logs_by_attachment(inventory.flow_logs)
    coverage: dict[str, Coverage] = {}
    candidates: list[Candidate] = []
    for resource in sorted(inventory.resources, key=priority):
        if reason := exclusion_reason(resource, dict(inventory.vpc_tags.get(resource.vpc_id, ())), settings):
            coverage[resource.resource_id] = Coverage(resource, unmonitorable=reason, excluded=True)
        elif isinstance(assessed := assess(resource, flow_logs, settings, existing), Candidate):
            candidates.append(assessed)
        else:
            coverage[resource.resource_id] = assessed

    rules: dict[str, RuleSpec] = {}
    live = [c for c in candidates if not c.pending]
    dedicated, shared, notes = split_dedicated(live, settings, existing, left)
    for candidate in dedicated:
        specs, rule_notes = render_dedicated(candidate, settings, existing)
        if left is not None and len(specs) > left:
            coverage[candidate.resource.resource_id] = over_quota(candidate, len(specs), left, "of its own")
            continue
        left = None if left is None else left - len(specs)
        rules.update((spec.name, spec) for spec in specs)
        coverage[candidate.resource.resource_id] = covered(candidate, specs, rule_notes, notes, dedicated=True)

    chunks = existing_chunks(existing, settings.prefix)
    # Pending resources keep their place in the chunks that read them now, and gain none.
    reading = {eni for enis in chunks.values() for eni in enis}
    kept = [kept_request(c.shared_request(), reading) for c in candidates if c.pending]
    allocation = allocate([c.shared_request() for c in shared] + [r for r in kept if r.wants], chunks, left)
    shared_specs = render_shared(allocation, settings, {e: fl for c in candidates for e, fl in c.flow_logs.items()})
    rules.update((spec.name, spec) for spec in shared_specs)
    shared_serving = serving(shared_specs)
    for candidate in shared:
        rid = candidate.resource.resource_id
        if rid in allocation.refused:
            needed, then_left = allocation.refused[rid]
            coverage[rid] = over_quota(candidate, needed, then_left, "shared")
            continue
        specs = shared_serving.get(rid, [])
        rule_notes = [n for t, chosen in candidate.choices for n in incomplete_notes(t, chosen, specs)]
        coverage[rid] = covered(candidate, specs, rule_notes, notes)
    for candidate in candidates:
        if candidate.pending:
            coverage[candidate.resource.resource_id] = Coverage(
                candidate.resource,
                unmonitorable=f"{candidate.resource.state}: the next event or scheduled run picks it up",
                pending=True,
            )

    alarms, alarm_notes = render_all_alarms(coverage, rules, shared_specs, inventory, settings)
    alarms = with_carriers(alarms, coverage.values(), rules)  # where each resource's monitoring is remembered
    alarms_serving = serving(alarms.values())
    ordered = tuple(
        with_notes(
            (
                alarms_named(coverage[rid], alarms_serving.get(rid, []), alarm_notes.get(rid, ()))
                for rid in sorted(coverage)
            ),
            managed_notes,
        )
    )
    usage = replace(quota, ours=len(rules)) if quota else None
    desired = DesiredState({RULES.name: rules, MANAGED_RULES.name: managed, ALARMS.name: alarms}, ordered, usage)
    # The dashboards show the coverage, rules and alarms desired, and the quota's use; none for an empty account.
    dashboards = render_dashboards(desired.coverage, rules, alarms, inventory, settings, usage) if ordered else {}
    return replace(desired, artifacts={**desired.artifacts, DASHBOARDS.name: dashboards})


def priority(resource: Resource) -> tuple[float, str, str]:
    """The order in which resources get rules when the quota runs short: the tag
    plinsights:priority (a number, lower first; untagged resources rank 1000), then the
    oldest first, then by id."""
    try:
        rank = float(resource.tag_map.get(PRIORITY_TAG, DEFAULT_PRIORITY))
    except ValueError:
        rank = DEFAULT_PRIORITY
    return (rank if math.isfinite(rank) else DEFAULT_PRIORITY, resource.created or "~", resource.resource_id)


def dedicated_reason(resource: Resource) -> str:
    """Why the resource needs rules of its own, or "" when shared rules serve it."""
    tags = resource.tag_map
    if tag_is_set(tags, DEDICATED_TAG):
        return f"tagged {DEDICATED_TAG}"
    if overrides := sorted(tag for tag in RULE_ALARM_TAGS if tag in tags):
        return f"tagged {', '.join(overrides)}: a per-resource rule-alarm setting needs rules of its own"
    return ""


def split_dedicated(
    candidates: Sequence[Candidate], settings: Settings, existing: Mapping[str, ObservedRule], left: int | None
) -> tuple[list[Candidate], list[Candidate], dict[str, list[str]]]:
    """Which candidates get rules of their own (in priority order), which share, and the notes that
    say why. Rules of their own take at most `dedicated_rule_share` of the quota. A resource that
    had rules of its own and now shares moves over in batches that keep each run's deletions
    within the deletion limit: until its batch comes it keeps its rules."""
    share = None if left is None else math.floor(settings.dedicated_rule_share * left)
    moves_left = settings.max_deletes
    per_rule_alarms = len([t for t in wanted_templates(settings) if t.rule_kind is not None])
    dedicated: list[Candidate] = []
    shared: list[Candidate] = []
    notes: dict[str, list[str]] = {}
    for candidate in candidates:
        resource = candidate.resource
        if reason := dedicated_reason(resource):
            wanted = len(render_dedicated(candidate, settings, existing)[0])
            if share is None or wanted <= share:
                share = None if share is None else share - wanted
                dedicated.append(candidate)
                continue
            notes[resource.resource_id] = [
                f"shared rules, not its own ({reason}): the dedicated share of the quota "
                f"({settings.dedicated_rule_share:g}) is used; a per-resource rule-alarm tag is not kept"
            ]
        elif own := existing_dedicated(resource, existing):
            # Its rules and their alarms go once the shared rules serve it (they replace them).
            moving = len(own) + per_rule_alarms
            if moving > moves_left:
                dedicated.append(candidate)
                notes[resource.resource_id] = [
                    f"keeps its {len(own)} rules of its own this run: it moves to shared rules in a coming "
                    f"run, within the deletion limit of {settings.max_deletes}"
                ]
                continue
            moves_left -= moving
        shared.append(candidate)
    return dedicated, shared, notes


def kept_request(request: SharedRequest, reading: Collection[str]) -> SharedRequest:
    """A pending resource's ENIs, only where a shared rule reads them now (`reading`: every ENI they read)."""
    wants = tuple((key, tuple(e for e in enis if e in reading)) for key, enis in request.wants)
    return replace(request, wants=tuple((key, enis) for key, enis in wants if enis))


def over_quota(candidate: Candidate, needed: int, left: int | None, what: str) -> Coverage:
    reason = (
        f"not monitored for lack of Contributor Insights quota: needs {needed} more rules ({what}), "
        f"{left or 0} left; {QUOTA_ADVICE}"
    )
    return Coverage(candidate.resource, unmonitorable=reason, over_quota=needed, notes=candidate.notes)


def covered(
    candidate: Candidate,
    specs: Sequence[RuleSpec],
    rule_notes: Sequence[str],
    notes: Mapping[str, Sequence[str]],
    *,
    dedicated: bool = False,
) -> Coverage:
    return Coverage(
        candidate.resource,
        rule_names=tuple(sorted(spec.name for spec in specs)),
        log_groups=tuple(sorted({spec.log_group for spec in specs})),
        notes=(*notes.get(candidate.resource.resource_id, ()), *candidate.notes, *rule_notes),
        dedicated=dedicated,
    )


def render_all_alarms(
    coverage: Mapping[str, Coverage],
    rules: Mapping[str, RuleSpec],
    shared_specs: Sequence[RuleSpec],
    inventory: Inventory,
    settings: Settings,
) -> tuple[dict[str, AlarmSpec], dict[str, list[str]]]:
    """Each live resource's own alarms (on its own rules, and on PrivateLink's metrics, whatever the
    quota), with their notes by resource, and a top-contributor alarm per shared rule."""
    alarms: dict[str, AlarmSpec] = {}
    notes: dict[str, list[str]] = {}
    by_id = {r.resource_id: r for r in inventory.resources}
    # Metrics Insights query alarms are limited per Region: served in priority order.
    query_alarms = QueryAlarmBudget(settings.query_alarm_limit)
    for entry in sorted(coverage.values(), key=lambda c: priority(c.resource)):
        rid = entry.resource.resource_id
        if entry.excluded or not is_live(entry.resource):
            continue
        own = [rules[name] for name in entry.rule_names if rules[name].resource_id == rid]
        specs, notes[rid] = render_alarms(entry.resource, own, settings, inventory.region)
        # Health alarms whatever the rule quota: PrivateLink's metrics are free.
        health, health_notes = render_health_alarms(entry.resource, settings, inventory.region, query_alarms)
        notes[rid] += health_notes
        alarms.update((spec.name, spec) for spec in [*specs, *health])
    alarms.update((spec.name, spec) for spec in render_shared_alarms(shared_specs, by_id, settings))
    return alarms, notes


def serving(specs: Iterable[SpecT]) -> dict[str, list[SpecT]]:
    """Resource id -> the specs that serve it (`serves`: its own, and the shared ones that name it),
    in the order given: one pass over the specs, not one per resource."""
    found: dict[str, list[SpecT]] = {}
    for spec in specs:
        for rid in dict.fromkeys([spec.resource_id, *spec.served]):  # each once, in order
            if rid:
                found.setdefault(rid, []).append(spec)
    return found


def alarms_named(entry: Coverage, alarms: Sequence[AlarmSpec], notes: Sequence[str]) -> Coverage:
    """The coverage with the names of every alarm that watches the resource (`alarms`: those that
    serve it, its own and shared), and the notes its own alarms carry (bad override tags, metrics
    AWS does not publish)."""
    if entry.excluded or not is_live(entry.resource):
        return entry
    names = tuple(sorted(spec.name for spec in alarms))
    return replace(entry, alarm_names=names, notes=entry.notes + tuple(n for n in notes if n not in entry.notes))
