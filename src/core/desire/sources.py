"""Which log group, with which field layout, feeds each rule kind of a resource, and why a flow log
cannot (pure): the greedy choice of the fewest sources that read each ENI once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from core.desire.existing import indexed, log_groups_of
from core.desire.flow_logs import field_positions, missing_fields, unusable_reason
from core.desire.rules import RuleTemplate, rule_stem, shared_rule_stem
from core.model import FlowLog, ObservedRule, Resource, RuleSpec
from core.settings import Settings


@dataclass(frozen=True, slots=True, order=True)
class Source:
    """One log group read with one field layout: one rule can serve every ENI that shares it."""

    log_group: str
    layout: tuple[tuple[str, int], ...]  # (field, 1-based position) for the fields a rule reads
    complete: bool = True  # a flow log feeding it records every record the rule counts (see complete_traffic)


def with_aggregation(spec: RuleSpec, candidates: Mapping[str, Sequence[FlowLog]]) -> RuleSpec:
    """The rule reads every record its log group gets for its ENIs: its data is as late as the
    largest aggregation interval among the flow logs that deliver them."""
    feeding = [
        fl.max_aggregation_interval for eni in spec.eni_ids for fl in candidates[eni] if fl.log_group == spec.log_group
    ]
    return replace(spec, aggregation_interval=max(feeding, default=spec.aggregation_interval))


@dataclass(frozen=True, slots=True)
class SourceChoice:
    """How one resource's ENIs are read for one kind of rule: each ENI's usable sources, the log
    groups its rules of that kind read now, and the sources chosen, each with the ENIs it reads."""

    options: Mapping[str, Sequence[Source]]
    in_use: frozenset[str]
    chosen: Mapping[Source, list[str]]


def source_choice(
    resource: Resource,
    template: RuleTemplate,
    candidates: Mapping[str, Sequence[FlowLog]],
    settings: Settings,
    existing: Mapping[str, ObservedRule],
) -> SourceChoice:
    """The choice of sources behind a resource's rules of one kind (`candidates`: the flow logs
    covering each ENI); desire_resource renders rules from it, and `plinsights explain` reads it."""
    options = {eni: usable_sources(template, logs) for eni, logs in candidates.items()}
    in_use = log_groups_in_use(existing, rule_stem(settings.prefix, resource.short_id, template.kind))
    in_use |= shared_groups_in_use(existing, shared_rule_stem(settings.prefix, template.kind), candidates.keys())
    return SourceChoice(options, in_use, choose_sources(options, in_use))


def flow_log_source(template: RuleTemplate, flow_log: FlowLog) -> Source | str:
    """The source this flow log offers a rule of this kind (complete when the flow log alone
    records everything the rule counts), or why it offers none."""
    layout = flow_log_layout(template, flow_log)
    if isinstance(layout, str):
        return layout
    return Source(flow_log.log_group, layout, flow_log.traffic_type in template.complete_traffic)


def flow_log_layout(template: RuleTemplate, flow_log: FlowLog) -> tuple[tuple[str, int], ...] | str:
    """Where a rule of this kind finds its fields in this flow log's records, or why it cannot read them."""
    if reason := unusable_reason(flow_log):
        return reason
    if flow_log.traffic_type not in template.traffic_types:
        wanted = " or ".join(sorted(template.traffic_types))
        return f"records {flow_log.traffic_type} traffic only; a {template.kind} rule needs {wanted}"
    positions = field_positions(flow_log.log_format)
    if lacking := missing_fields(positions, template.fields):
        return f"its format lacks {', '.join(lacking)}, which a {template.kind} rule reads"
    used = list(template.fields) + (["log-status"] if template.ok_records_only else [])
    used += [field_id for field_id, _, _ in template.sharpened_by]  # read where the format has them
    return tuple((name, positions[name]) for name in used if name in positions)


def usable_sources(template: RuleTemplate, flow_logs: Sequence[FlowLog]) -> list[Source]:
    """The sources among these flow logs that can feed this kind of rule for one ENI. A source is
    complete when a flow log feeding it records all the traffic the rule counts."""
    complete: dict[tuple[str, tuple[tuple[str, int], ...]], bool] = {}
    for flow_log in flow_logs:
        layout = flow_log_layout(template, flow_log)
        if isinstance(layout, str):
            continue
        key = (flow_log.log_group, layout)
        complete[key] = complete.get(key, False) or flow_log.traffic_type in template.complete_traffic
    return sorted(Source(group, layout, whole) for (group, layout), whole in complete.items())


def preferred_sources(sources: Sequence[Source]) -> list[Source]:
    """The sources an ENI may be read from: its complete ones when it has any (a rule never saves
    itself a source by dropping rejected records), else all of them."""
    return [source for source in sources if source.complete] or list(sources)


def choose_sources(
    options: Mapping[str, Sequence[Source]], in_use: frozenset[str] = frozenset()
) -> dict[Source, list[str]]:
    """Greedy set cover: each ENI is read from exactly one source (so no traffic is counted twice),
    complete sources first (an ENI with one is only read from one: a rule never saves itself a
    source by dropping rejected records), and the fewest sources are used (each one costs a rule
    against the Region's quota). Between sources that reach as many ENIs, one whose log group a rule
    already reads (`in_use`) wins: a new flow log that saves no rule moves no rule."""
    best_options = {eni: preferred_sources(sources) for eni, sources in options.items()}
    uncovered = {eni for eni, sources in best_options.items() if sources}
    chosen: dict[Source, list[str]] = {}
    while uncovered:
        reach: dict[Source, set[str]] = defaultdict(set)
        for eni in uncovered:
            for source in best_options[eni]:
                reach[source].add(eni)
        best = min(reach, key=lambda source: (-len(reach[source]), source.log_group not in in_use, source))
        chosen[best] = sorted(reach[best])
        uncovered -= reach[best]
    return chosen


def log_groups_in_use(existing: Mapping[str, ObservedRule], stem: str) -> frozenset[str]:
    """The log groups our rules of this resource and kind read now."""
    rules = indexed(existing)
    return frozenset(group for name in rules.with_stem(stem) for group in log_groups_of(rules[name].definition))


def shared_groups_in_use(existing: Mapping[str, ObservedRule], stem: str, eni_ids: Iterable[str]) -> frozenset[str]:
    """The log groups our shared rules of this kind read the resource's ENIs from now."""
    return indexed(existing).shared_groups(stem, set(eni_ids))


def why_no_source(template: RuleTemplate, candidates: Mapping[str, Sequence[FlowLog]]) -> str:
    usable = [fl for logs in candidates.values() for fl in logs if not unusable_reason(fl)]
    if not usable:
        return "no usable flow log"
    traffic = sorted({fl.traffic_type for fl in usable})
    if not any(t in template.traffic_types for t in traffic):
        return f"its flow logs record {' and '.join(traffic)} traffic only"
    lacking = sorted(
        {name for fl in usable for name in missing_fields(field_positions(fl.log_format), template.fields)}
    )
    return f"its flow-log formats lack {', '.join(lacking)}"
