"""Inventory + Settings -> DesiredState: the rules each resource should have, or why it has none (pure)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from core.artifacts import ALARMS, DASHBOARDS, MANAGED_RULES, RULES
from core.desire.alarms import render_alarms
from core.desire.dashboards import render_dashboards
from core.desire.flow_logs import flow_logs_by_attachment, flow_logs_covering, unusable_reason
from core.desire.health_alarms import QueryAlarmBudget, render_health_alarms
from core.desire.managed_rules import desired_managed_rules, reservation, with_notes
from core.desire.rules import MAX_IN_VALUES, RULE_TEMPLATES, RuleTemplate, render_rule_definition, rule_name, rule_stem
from core.desire.selection import exclusion_reason
from core.desire.sources import Source, source_choice, why_no_source, with_aggregation
from core.model import (
    AlarmSpec,
    Coverage,
    DesiredState,
    FlowLog,
    Inventory,
    ObservedRule,
    Resource,
    ResourceKind,
    RuleKind,
    RuleQuota,
    RuleSpec,
)
from core.settings import Settings

PRIORITY_TAG = "plinsights:priority"

DEFAULT_PRIORITY = 1000.0

PENDING_STATES = frozenset({"pending", "pendingacceptance", "provisioning"})

ACTIVE_STATES = frozenset({"available", "active", "active_impaired"})

NOT_PRIVATELINK = {
    ResourceKind.GATEWAY_ENDPOINT: "gateway endpoints have no network interfaces, so no flow log sees them",
    ResourceKind.OTHER_ENDPOINT: (
        "an endpoint type this version does not know (EC2 lists Interface, Gateway, GatewayLoadBalancer, "
        "Resource, ServiceNetwork and Tunnel): not monitored until it is understood"
    ),
}

# Rule kinds that would be empty for a kind of resource, and why (they are left out, with a note).
EMPTY_RULE_KINDS = {
    ResourceKind.TUNNEL_ENDPOINT: {
        RuleKind.TCP_FLOWS: "a tunnel endpoint carries GENEVE over UDP port 6081: its flow-log records are never TCP",
    },
}


def desired_state(
    inventory: Inventory,
    settings: Settings,
    quota: RuleQuota | None = None,
    existing: Mapping[str, ObservedRule] | None = None,
) -> DesiredState:
    """Without a quota every monitorable resource gets its rules; with one, resources are served in
    priority order (see `priority`) while rules are left, and the rest are reported. `existing`,
    our rules as they are, lets a rule made under an earlier naming scheme keep its name (see
    `adopt_earlier_names`)."""
    rules: dict[str, RuleSpec] = {}
    alarms: dict[str, AlarmSpec] = {}
    coverage: list[Coverage] = []
    # The managed rules of our endpoint services, when on, take their share of the quota first.
    managed, managed_notes = desired_managed_rules(
        inventory, settings, sorted(inventory.resources, key=priority), quota.available if quota else None
    )
    quota = replace(quota, reserved=reservation(managed)) if quota else None
    left = quota.available if quota else None
    query_alarms = QueryAlarmBudget(settings.query_alarm_limit)
    flow_logs = flow_logs_by_attachment(inventory.flow_logs)
    for resource in sorted(inventory.resources, key=priority):
        if reason := exclusion_reason(resource, dict(inventory.vpc_tags.get(resource.vpc_id, ())), settings):
            coverage.append(Coverage(resource, unmonitorable=reason, excluded=True))
            continue
        resource_coverage, specs = desire_resource(resource, flow_logs, settings, existing or {})
        if left is not None and specs:
            if len(specs) > left:
                reason = f"not monitored for lack of Contributor Insights quota: needs {len(specs)} rules, {left} left"
                resource_coverage, specs = Coverage(resource, unmonitorable=reason, over_quota=len(specs)), []
            else:
                left -= len(specs)
        if is_live(resource):  # health alarms whatever the rule quota: PrivateLink's metrics are free
            alarm_specs, notes = render_alarms(resource, specs, settings, inventory.region)
            health, health_notes = render_health_alarms(resource, settings, inventory.region, query_alarms)
            alarm_specs, notes = alarm_specs + health, notes + health_notes
            alarms.update((spec.name, spec) for spec in alarm_specs)
            resource_coverage = replace(
                resource_coverage,
                alarm_names=tuple(sorted(spec.name for spec in alarm_specs)),
                notes=resource_coverage.notes + tuple(notes),
            )
        coverage.append(resource_coverage)
        rules.update((spec.name, spec) for spec in specs)
    coverage = with_notes(sorted(coverage, key=lambda c: c.resource.resource_id), managed_notes)
    usage = replace(quota, ours=len(rules)) if quota else None
    desired = DesiredState(
        {RULES.name: rules, MANAGED_RULES.name: managed, ALARMS.name: alarms}, tuple(coverage), usage
    )
    # The dashboards show the coverage, rules and alarms desired, and the quota's use; none for an empty account.
    dashboards = render_dashboards(desired.coverage, rules, alarms, inventory, settings, usage) if coverage else {}
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


def is_live(resource: Resource) -> bool:
    """Neither pending nor on its way out: its PrivateLink metrics are worth an alarm."""
    return resource.kind not in NOT_PRIVATELINK and resource.state.lower() in ACTIVE_STATES


def desire_resource(
    resource: Resource,
    flow_logs: Mapping[str, Sequence[tuple[int, FlowLog]]],
    settings: Settings,
    existing: Mapping[str, ObservedRule],
) -> tuple[Coverage, list[RuleSpec]]:
    if resource.kind in NOT_PRIVATELINK:
        return Coverage(resource, unmonitorable=NOT_PRIVATELINK[resource.kind]), []
    state = resource.state.lower()
    if state in PENDING_STATES:
        reason = f"{resource.state}: the next event or scheduled run picks it up"
        return Coverage(resource, unmonitorable=reason, pending=True), []
    if state not in ACTIVE_STATES:
        return Coverage(resource, unmonitorable=f"state is {resource.state}"), []
    if not resource.enis:
        return Coverage(resource, unmonitorable="no network interfaces found"), []

    candidates = {eni.eni_id: flow_logs_covering(eni, flow_logs) for eni in resource.enis}
    specs: list[RuleSpec] = []
    notes: list[str] = []
    for template in RULE_TEMPLATES.values():
        if template.kind not in settings.rule_kinds:
            continue  # left out by the rule_kinds setting: no rule, no alarm on it, no note
        if empty := EMPTY_RULE_KINDS.get(resource.kind, {}).get(template.kind):
            notes.append(f"no {template.title} rule: {empty}")
            continue
        choice = source_choice(resource, template, candidates, settings, existing)
        options, chosen = choice.options, choice.chosen
        if not chosen:
            notes.append(f"no {template.title} rule: {why_no_source(template, candidates)}")
            continue
        uncovered = sorted(eni for eni, sources in options.items() if not sources)
        if uncovered:
            notes.append(f"{template.title}: {', '.join(uncovered)} not covered by a usable flow log")
        stem = rule_stem(settings.prefix, resource.short_id, template.kind)
        rendered = adopt_earlier_names(render_specs(resource, template, chosen, settings), existing, stem)
        rendered = [with_aggregation(spec, candidates) for spec in rendered]
        notes += incomplete_notes(template, chosen, rendered)
        specs += rendered

    if not specs:
        return Coverage(resource, unmonitorable=why_unmonitorable(candidates, notes)), []
    return (
        Coverage(
            resource,
            rule_names=tuple(sorted(spec.name for spec in specs)),
            log_groups=tuple(sorted({spec.log_group for spec in specs})),
            notes=tuple(notes),
        ),
        specs,
    )


def render_specs(
    resource: Resource, template: RuleTemplate, chosen: Mapping[Source, list[str]], settings: Settings
) -> list[RuleSpec]:
    """One rule per source and chunk of 10 ENIs. The name depends on the log group and the chunk
    only, never on how many other sources there are. Chunks are the ENIs in sorted order: a
    resource has one ENI per Availability Zone, so past 10 is rare, and an ENI that joins or
    leaves changes the In filter of its chunk anyway."""
    groups = [source.log_group for source in chosen]
    specs = []
    for source, enis in sorted(chosen.items()):
        # Two layouts in one log group (two flow logs of different formats) need two rules.
        layout = repr(source.layout) if groups.count(source.log_group) > 1 else ""
        for start in range(0, len(enis), MAX_IN_VALUES):
            eni_ids = enis[start : start + MAX_IN_VALUES]
            specs.append(
                RuleSpec(
                    name=rule_name(
                        settings.prefix,
                        resource.short_id,
                        template.kind,
                        source.log_group,
                        chunk=start // MAX_IN_VALUES,
                        layout=layout,
                    ),
                    resource_id=resource.resource_id,
                    kind=template.kind,
                    log_group=source.log_group,
                    eni_ids=tuple(eni_ids),
                    definition=render_rule_definition(template, dict(source.layout), source.log_group, eni_ids),
                    state=settings.rule_state,
                )
            )
    return specs


def adopt_earlier_names(specs: Sequence[RuleSpec], existing: Mapping[str, ObservedRule], stem: str) -> list[RuleSpec]:
    """A rule of ours made under an earlier naming scheme (`<stem>` alone, or `<stem>-<hash><n>`)
    whose definition is exactly the one wanted keeps its name, and so its history: renaming would
    mean a new rule. It moves to its stable name only when its definition has to change anyway
    (a rewrite loses the history too), and then the plan deletes the old one."""
    taken = {spec.name for spec in specs}
    earlier = {
        rule.definition: name
        for name, rule in sorted(existing.items())
        if (name == stem or name.startswith(stem + "-")) and name not in taken
    }
    adopted = []
    for spec in specs:
        name = earlier.pop(spec.definition, None) if spec.name not in existing else None
        adopted.append(replace(spec, name=name) if name else spec)
    return adopted


def incomplete_notes(
    template: RuleTemplate, chosen: Mapping[Source, list[str]], specs: Sequence[RuleSpec]
) -> list[str]:
    """Where a rule can only read a log that misses records it counts, the plan and dashboard say so."""
    notes = []
    for source in sorted(chosen):
        if source.complete:
            continue
        names = sorted(spec.name for spec in specs if spec.log_group == source.log_group)
        partial_types = " or ".join(sorted(template.traffic_types - template.complete_traffic))
        notes.append(
            f"{template.title}: {', '.join(names)} reads {source.log_group}, whose flow logs record "
            f"{partial_types} traffic only: rejected traffic is not in it ({', '.join(chosen[source])})"
        )
    return notes


def why_unmonitorable(candidates: Mapping[str, Sequence[FlowLog]], notes: Sequence[str]) -> str:
    flow_logs = {fl.flow_log_id: fl for logs in candidates.values() for fl in logs}.values()
    if not flow_logs:
        return "no flow log covers its network interfaces (none on the ENI, its subnet or its VPC)"
    reasons = sorted({unusable_reason(fl) for fl in flow_logs})
    if all(reasons):
        if not any(fl.destination_type == "cloud-watch-logs" for fl in flow_logs):
            kinds = " and ".join(sorted({fl.destination_type for fl in flow_logs}))
            return f"its flow logs deliver to {kinds} only, not to CloudWatch Logs"
        return "; ".join(reasons)
    return "; ".join(note.removeprefix("no ") for note in notes)
