"""What one resource's ENIs offer each rule kind: the sources chosen for them, the notes on what
is left out, and the rules of its own when it has them (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from core.desire.existing import indexed
from core.desire.flow_logs import flow_logs_covering, unusable_reason
from core.desire.rules import MAX_IN_VALUES, RULE_TEMPLATES, RuleTemplate, render_rule_definition, rule_name, rule_stem
from core.desire.shared_rules import PoolKey, SharedRequest
from core.desire.sources import Source, source_choice, why_no_source, with_aggregation
from core.model import Coverage, FlowLog, ObservedRule, Resource, ResourceKind, RuleKind, RuleSpec
from core.settings import Settings

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


def is_live(resource: Resource) -> bool:
    """Neither pending nor on its way out: its PrivateLink metrics are worth an alarm."""
    return resource.kind not in NOT_PRIVATELINK and resource.state.lower() in ACTIVE_STATES


@dataclass(frozen=True, slots=True)
class Candidate:
    """A resource whose ENIs flow logs can feed: for each rule kind it gets, the sources chosen
    (source -> the ENIs read from it); what is left out, in `notes`."""

    resource: Resource
    flow_logs: Mapping[str, Sequence[FlowLog]]  # ENI -> the flow logs covering it
    choices: tuple[tuple[RuleTemplate, Mapping[Source, list[str]]], ...]
    notes: tuple[str, ...] = ()
    pending: bool = False  # being created or modified: it keeps what it has, and gains nothing

    def shared_request(self) -> SharedRequest:
        wants = [
            (PoolKey(template.kind, source), tuple(enis))
            for template, chosen in self.choices
            for source, enis in sorted(chosen.items())
        ]
        return SharedRequest(self.resource.resource_id, tuple(wants))


def assess(
    resource: Resource,
    flow_logs: Mapping[str, Sequence[tuple[int, FlowLog]]],
    settings: Settings,
    existing: Mapping[str, ObservedRule],
) -> Coverage | Candidate:
    """The resource's candidacy for rules, or its coverage when it can have none."""
    if none := no_candidacy(resource):
        return none
    pending = resource.state.lower() in PENDING_STATES
    candidates = {eni.eni_id: flow_logs_covering(eni, flow_logs) for eni in resource.enis}
    choices: list[tuple[RuleTemplate, Mapping[Source, list[str]]]] = []
    notes: list[str] = []
    for template in RULE_TEMPLATES.values():
        if template.kind not in settings.rule_kinds:
            continue  # left out by the rule_kinds setting: no rule, no alarm on it, no note
        if empty := EMPTY_RULE_KINDS.get(resource.kind, {}).get(template.kind):
            notes.append(f"no {template.title} rule: {empty}")
            continue
        choice = source_choice(resource, template, candidates, settings, existing)
        if not choice.chosen:
            notes.append(f"no {template.title} rule: {why_no_source(template, candidates)}")
            continue
        uncovered = sorted(eni for eni, sources in choice.options.items() if not sources)
        if uncovered:
            notes.append(f"{template.title}: {', '.join(uncovered)} not covered by a usable flow log")
        choices.append((template, choice.chosen))
    if not choices:
        if pending:
            return pending_coverage(resource)
        return Coverage(resource, unmonitorable=why_unmonitorable(candidates, notes))
    return Candidate(resource, candidates, tuple(choices), tuple(notes), pending)


def no_candidacy(resource: Resource) -> Coverage | None:
    """Coverage for a resource no flow-log rule can serve whatever its flow logs; None for the others."""
    if resource.kind in NOT_PRIVATELINK:
        return Coverage(resource, unmonitorable=NOT_PRIVATELINK[resource.kind])
    state = resource.state.lower()
    if state not in PENDING_STATES and state not in ACTIVE_STATES:
        return Coverage(resource, unmonitorable=f"state is {resource.state}")
    if not resource.enis:
        if state in PENDING_STATES:
            return pending_coverage(resource)
        return Coverage(resource, unmonitorable="no network interfaces found")
    return None


def pending_coverage(resource: Resource) -> Coverage:
    reason = f"{resource.state}: the next event or scheduled run picks it up"
    return Coverage(resource, unmonitorable=reason, pending=True)


def render_dedicated(
    candidate: Candidate, settings: Settings, existing: Mapping[str, ObservedRule]
) -> tuple[list[RuleSpec], list[str]]:
    """The resource's own rules: one per source and chunk of ten of its ENIs, keyed as they always
    were (a rule kept is a rule whose history stays); with the notes on incomplete sources."""
    resource = candidate.resource
    specs: list[RuleSpec] = []
    notes: list[str] = []
    for template, chosen in candidate.choices:
        stem = rule_stem(settings.prefix, resource.short_id, template.kind)
        rendered = adopt_earlier_names(render_specs(resource, template, chosen, settings), existing, stem)
        rendered = [with_aggregation(spec, candidate.flow_logs) for spec in rendered]
        notes += incomplete_notes(template, chosen, rendered)
        specs += rendered
    return specs, notes


def existing_dedicated(resource: Resource, existing: Mapping[str, ObservedRule]) -> list[str]:
    """Our rules of this resource's own, as they are (their resource-id tag names it; a shared
    rule's names none)."""
    return indexed(existing).of_resource(resource.resource_id)


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
                    title=template.title_for(dict(source.layout)),
                )
            )
    return specs


def adopt_earlier_names(specs: Sequence[RuleSpec], existing: Mapping[str, ObservedRule], stem: str) -> list[RuleSpec]:
    """A rule of ours made under an earlier naming scheme (`<stem>` alone, or `<stem>-<hash><n>`)
    whose definition is exactly the one wanted keeps its name, and so its history: renaming would
    mean a new rule. It moves to its stable name only when its definition has to change anyway
    (a rewrite loses the history too), and then the plan deletes the old one."""
    taken = {spec.name for spec in specs}
    rules = indexed(existing)
    earlier = {rules[name].definition: name for name in rules.with_stem(stem) if name not in taken}
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
