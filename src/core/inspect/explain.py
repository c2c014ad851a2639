"""One resource explained from a dry-run reconcile: what it is, which flow logs feed which rule and why (pure)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.artifacts.kind import Change, Delete, StateChange
from core.desire.alarms import ALARM_TEMPLATES
from core.desire.cost import CostEstimate, IncomingEvents, charged_alarm_metrics, resource_cost
from core.desire.flow_logs import flow_logs_by_attachment, flow_logs_covering, unusable_reason
from core.desire.health_alarms import HEALTH_TEMPLATES
from core.desire.resource_rules import EMPTY_RULE_KINDS
from core.desire.rules import RULE_TEMPLATES, RuleTemplate
from core.desire.sources import Source, flow_log_source, preferred_sources, source_choice
from core.inspect.alarm_contributors import AlarmContributors
from core.inspect.resource_ids import find_resource as find_any_resource
from core.model import Coverage, FlowLog, Resource, RuleKind, RuleSpec
from core.reconcile import Outcome
from core.settings import Settings


@dataclass(frozen=True, slots=True)
class Choice:
    """What one flow log gives one kind of rule for some of the resource's ENIs, and why."""

    kind: RuleKind
    chosen: bool
    eni_ids: tuple[str, ...]
    reason: str
    rules: tuple[str, ...] = ()  # the rules that read it for these ENIs


@dataclass(frozen=True, slots=True)
class FlowLogRole:
    """A flow log over some of the resource's ENIs, attached to their VPC, subnet or the ENI itself."""

    flow_log: FlowLog
    attached_to: str  # VPC | subnet | ENI
    eni_ids: tuple[str, ...]  # the resource's ENIs it covers
    unusable: str  # why it feeds no rule at all; empty when it can
    choices: tuple[Choice, ...]


@dataclass(frozen=True, slots=True)
class PendingChange:
    action: str  # create | update | delete, as in the plan's JSON
    reason: str


@dataclass(frozen=True, slots=True)
class RuleFacts:
    name: str
    kind: RuleKind
    title: str
    log_group: str
    eni_ids: tuple[str, ...]
    state: str  # ENABLED | DISABLED, as wanted
    exists: bool
    change: PendingChange | None


@dataclass(frozen=True, slots=True)
class AlarmFacts:
    name: str
    kind: str
    measures: str
    statistic: str  # how each datapoint is taken: Sum, or MaxContributorValue (the top contributor)
    threshold: float
    period: int  # seconds
    evaluation_periods: int
    metrics: int  # the metrics it evaluates (each rule or native metric it reads)
    rules: tuple[str, ...]
    exists: bool
    change: PendingChange | None


@dataclass(frozen=True, slots=True)
class ManagedRuleFacts:
    """A managed Contributor Insights rule of one of its endpoint services (the managed_rules setting)."""

    name: str  # AWS's, once it exists
    template: str
    service_id: str
    exists: bool
    change: PendingChange | None


@dataclass(frozen=True, slots=True)
class DashboardFacts:
    name: str
    exists: bool
    change: PendingChange | None


@dataclass(frozen=True, slots=True)
class Explanation:
    resource: Resource
    coverage: Coverage
    region: str
    matched_by: str  # what the id given was taken as
    flow_logs: tuple[FlowLogRole, ...]
    rules: tuple[RuleFacts, ...]
    alarms: tuple[AlarmFacts, ...]
    dashboards: tuple[DashboardFacts, ...]
    changes: tuple[Change, ...]  # the plan's pending changes of its rules, alarms and dashboard sections
    cost: CostEstimate  # what its rules and alarms cost a month; its dashboard section is shared
    # Its consumer alarms' series in ALARM, read live (core/inspect/alarm_contributors.py); None: not read
    contributors: AlarmContributors | None = None
    managed_rules: tuple[ManagedRuleFacts, ...] = ()


def find_resource(query: str, outcome: Outcome) -> tuple[Resource, str]:
    """The resource an id names (core/inspect/resource_ids.py), one of our rule or alarm names
    included; with what it matched."""

    def owner(name: str) -> tuple[str, str] | None:
        for kind in ("rule", "alarm"):
            if (found := artifact_owner(name, outcome, kind)) is not None:
                return kind, found
        return None

    names = [name for kind in ("rule", "alarm") for name in artifact_names(outcome, kind)]
    return find_any_resource(query, outcome.inventory.resources, outcome.inventory.region, owner, names)


def artifact_owner(name: str, outcome: Outcome, kind: str) -> str | None:
    """The resource an artifact of ours belongs to, wanted or as it exists; None when it is not ours."""
    wanted = outcome.desired.artifacts.get(kind, {})
    if name in wanted:
        return wanted[name].resource_id
    existing = outcome.actual.artifacts.get(kind, {})
    return existing[name].resource_id if name in existing else None


def artifact_names(outcome: Outcome, kind: str) -> set[str]:
    return set(outcome.desired.artifacts.get(kind, {})) | set(outcome.actual.artifacts.get(kind, {}))


def explain(
    query: str,
    outcome: Outcome,
    settings: Settings,
    incoming: IncomingEvents | None = None,
    contributors: AlarmContributors | None = None,
) -> Explanation:
    """The explanation of the resource `query` names, from a dry run's outcome and its settings;
    `incoming`, the log groups' incoming events, prices the log events its rules may match;
    `contributors`, its consumer alarms' series in ALARM, names the consumers in ALARM."""
    resource, matched_by = find_resource(query, outcome)
    coverage = next(c for c in outcome.desired.coverage if c.resource.resource_id == resource.resource_id)
    changes = resource_changes(resource, outcome)
    rules = [spec for spec in outcome.desired.rules.values() if spec.serves(resource.resource_id)]
    return Explanation(
        resource=resource,
        coverage=coverage,
        region=outcome.inventory.region,
        matched_by=matched_by,
        flow_logs=flow_log_roles(resource, outcome, settings, rules),
        rules=tuple(rule_facts(rules, outcome, changes)),
        alarms=tuple(alarm_facts(coverage, outcome, changes)),
        dashboards=tuple(dashboard_facts(resource, outcome, changes)),
        changes=tuple(changes),
        cost=resource_cost(outcome.desired, resource.resource_id, settings, incoming),
        contributors=contributors,
        managed_rules=tuple(
            ManagedRuleFacts(
                spec.name,
                spec.template,
                spec.service_id,
                spec.name in outcome.actual.artifacts.get("managed-rule", {}),
                pending(spec.name, changes),
            )
            for spec in sorted(outcome.desired.managed_rules.values(), key=lambda spec: spec.name)
            if spec.resource_id == resource.resource_id
        ),
    )


def flow_log_roles(
    resource: Resource, outcome: Outcome, settings: Settings, rules: Sequence[RuleSpec]
) -> tuple[FlowLogRole, ...]:
    """Each flow log over the resource's ENIs, and for each rule kind and ENI whether the rule reads
    it, and why not: the same choice desired_state makes (desired.source_choice), read back."""
    index = flow_logs_by_attachment(outcome.inventory.flow_logs)
    candidates = {eni.eni_id: flow_logs_covering(eni, index) for eni in resource.enis}
    verdicts: dict[str, list[tuple[RuleKind, str, bool, str, tuple[str, ...]]]] = {}
    for template in RULE_TEMPLATES.values():
        if template.kind not in settings.rule_kinds:
            continue  # left out by PLINSIGHTS_RULE_KINDS: no rule of this kind reads any flow log
        empty = EMPTY_RULE_KINDS.get(resource.kind, {}).get(template.kind)
        choice = source_choice(resource, template, candidates, settings, outcome.actual.rules)
        read_from = {eni: source for source, enis in choice.chosen.items() for eni in enis}
        for eni, flow_logs in candidates.items():
            for flow_log in flow_logs:
                names: tuple[str, ...] = ()
                if empty:
                    chosen, reason = False, f"no {template.kind} rule for a {resource.kind.value}: {empty}"
                else:
                    chosen, reason, names = verdict(
                        template, flow_log, eni, choice.options, choice.in_use, read_from, rules
                    )
                verdicts.setdefault(flow_log.flow_log_id, []).append((template.kind, eni, chosen, reason, names))
    by_id = {fl.flow_log_id: fl for logs in candidates.values() for fl in logs}
    roles = []
    for flow_log_id in sorted(by_id):
        flow_log = by_id[flow_log_id]
        covered = tuple(sorted(eni for eni, logs in candidates.items() if flow_log in logs))
        roles.append(
            FlowLogRole(
                flow_log=flow_log,
                attached_to=attachment(flow_log, resource),
                eni_ids=covered,
                unusable=unusable_reason(flow_log),
                choices=tuple(grouped(verdicts[flow_log_id])),
            )
        )
    return tuple(roles)


def verdict(
    template: RuleTemplate,
    flow_log: FlowLog,
    eni: str,
    options: Mapping[str, Sequence[Source]],
    in_use: frozenset[str],
    read_from: Mapping[str, Source],
    rules: Sequence[RuleSpec],
) -> tuple[bool, str, tuple[str, ...]]:
    """Whether the rule of this kind reads this flow log's records of this ENI, and why (not)."""
    offered = flow_log_source(template, flow_log)
    if isinstance(offered, str):
        return False, offered, ()
    chosen = read_from.get(eni)
    if chosen is None:  # cannot happen while it offers a source; said plainly rather than hidden
        return False, "no source was chosen for this ENI", ()
    if same_source(chosen, offered):
        names = tuple(sorted(r.name for r in rules if r.kind is template.kind and eni in r.eni_ids))
        return True, f"read from {offered.log_group}", names
    instead = f"read from {chosen.log_group} instead"
    if not offered.complete and chosen.complete:
        why = f"this flow log records {flow_log.traffic_type} traffic only and misses records the rule counts"
        return False, f"{instead}: {why}; that one records them all", ()
    chosen_reach, own_reach = reach(chosen, options), reach(offered, options)
    if chosen_reach > own_reach:
        why = (
            f"it covers {chosen_reach} of the resource's ENIs, this flow log's log group {own_reach}: "
            "fewer rules cover them all"
        )
    elif chosen.log_group in in_use and offered.log_group not in in_use:
        why = "an existing rule reads it already, and this one would save no rule"
    elif chosen.log_group == offered.log_group:
        why = "the log group gets records in two formats; the other format covers as many ENIs and comes first"
    else:
        why = "it covers as many ENIs and comes first by name"
    return False, f"{instead}: {why} (each ENI is read from one source only, so no traffic counts twice)", ()


def same_source(a: Source, b: Source) -> bool:
    """The same log group read with the same layout: what flow logs share, whatever their traffic type."""
    return (a.log_group, a.layout) == (b.log_group, b.layout)


def reach(source: Source, options: Mapping[str, Sequence[Source]]) -> int:
    """The resource's ENIs that may be read from this source (desired.preferred_sources)."""
    return sum(1 for sources in options.values() if any(same_source(source, s) for s in preferred_sources(sources)))


def grouped(verdicts: Iterable[tuple[RuleKind, str, bool, str, tuple[str, ...]]]) -> list[Choice]:
    """One choice per kind, verdict and reason, with the ENIs it holds for, in rule-kind order."""
    merged: dict[tuple[RuleKind, bool, str], tuple[list[str], set[str]]] = {}
    for kind, eni, chosen, reason, names in verdicts:
        enis, rules = merged.setdefault((kind, chosen, reason), ([], set()))
        enis.append(eni)
        rules.update(names)
    order = list(RULE_TEMPLATES)
    return [
        Choice(kind, chosen, tuple(sorted(enis)), reason, tuple(sorted(rules)))
        for (kind, chosen, reason), (enis, rules) in sorted(
            merged.items(), key=lambda item: (order.index(item[0][0]), not item[0][1], item[0][2])
        )
    ]


def attachment(flow_log: FlowLog, resource: Resource) -> str:
    for eni in resource.enis:
        if flow_log.resource_id == eni.eni_id:
            return "ENI"
        if flow_log.resource_id == eni.subnet_id:
            return "subnet"
        if flow_log.resource_id == eni.vpc_id:
            return "VPC"
    return "unknown"


def resource_changes(resource: Resource, outcome: Outcome) -> list[Change]:
    """The plan's changes to the rules and alarms of this resource, deletions of ones it no longer
    needs included, and to the dashboards that hold its section."""
    holding = set(section_dashboards(resource, outcome))
    mine = []
    for change in (*outcome.plan.changes, *outcome.plan.held_deletions):
        if isinstance(change, Delete):
            owner = outcome.actual.artifacts.get(change.kind.name, {}).get(change.name)
            belongs = owner is not None and owner.resource_id == resource.resource_id
        else:
            belongs = change.spec.serves(resource.resource_id)
        if belongs or change.name in holding:
            mine.append(change)
    return mine


def pending(name: str, changes: Sequence[Change]) -> PendingChange | None:
    for change in changes:
        if change.name == name:
            action = "switch" if isinstance(change, StateChange) else change.action.name.lower()
            return PendingChange(action, change.reason)
    return None


def rule_facts(rules: Sequence[RuleSpec], outcome: Outcome, changes: Sequence[Change]) -> list[RuleFacts]:
    return [
        RuleFacts(
            name=spec.name,
            kind=spec.kind,
            title=spec.title or RULE_TEMPLATES[spec.kind].title,
            log_group=spec.log_group,
            eni_ids=spec.eni_ids,
            state=spec.state,
            exists=spec.name in outcome.actual.rules,
            change=pending(spec.name, changes),
        )
        for spec in sorted(rules, key=lambda spec: spec.name)
    ]


def alarm_facts(coverage: Coverage, outcome: Outcome, changes: Sequence[Change]) -> list[AlarmFacts]:
    """Each alarm as its PutMetricAlarm parameters (the spec's body) set it."""
    facts = []
    for name in coverage.alarm_names:
        spec = outcome.desired.alarms[name]
        body = json.loads(spec.body)
        template = ALARM_TEMPLATES.get(spec.kind) or HEALTH_TEMPLATES[spec.kind]
        queries = body.get("Metrics", [])
        # Expressions carry Period themselves, metric queries inside MetricStat (core/desire/alarms.with_period).
        periods = [q.get("Period") or q.get("MetricStat", {}).get("Period", 0) for q in queries]
        facts.append(
            AlarmFacts(
                name=name,
                kind=spec.kind.value,
                measures=template.measures,
                statistic=template.statistic,
                threshold=float(body.get("Threshold", 0)),
                period=int(max(periods, default=0)),
                evaluation_periods=int(body.get("EvaluationPeriods", 1)),
                metrics=charged_alarm_metrics(spec),
                rules=spec.rule_names,
                exists=name in outcome.actual.alarms,
                change=pending(name, changes),
            )
        )
    return facts


# Rule and alarm names (core/desire/rules.NAME_PATTERN), as they sit in alarm ARNs and metric expressions
ARTIFACT_NAME = re.compile(r"[A-Za-z0-9._-]+")


def section_dashboards(resource: Resource, outcome: Outcome) -> list[str]:
    """The dashboards that hold the resource's section: those with a widget that shows its rules or
    alarms and no other resource's (a widget across resources, like a summary, is no section)."""
    owner_of: dict[str, str] = {}
    for kind in ("rule", "alarm"):
        owner_of |= {name: spec.resource_id for name, spec in outcome.desired.artifacts.get(kind, {}).items()}
    if resource.resource_id not in owner_of.values():
        return []
    holding = []
    for name, spec in sorted(outcome.desired.dashboards.items()):
        for widget in json.loads(spec.body).get("widgets", []):
            # A shared rule or alarm belongs to no one resource ("")
            owners = {owner_of[t] for t in ARTIFACT_NAME.findall(json.dumps(widget)) if t in owner_of} - {""}
            if owners == {resource.resource_id}:
                holding.append(name)
                break
    return holding


def dashboard_facts(resource: Resource, outcome: Outcome, changes: Sequence[Change]) -> list[DashboardFacts]:
    return [
        DashboardFacts(name, name in outcome.actual.dashboards, pending(name, changes))
        for name in section_dashboards(resource, outcome)
    ]
