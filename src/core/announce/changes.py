"""What changed in each resource's monitoring since it was last announced (pure).

A resource is announced when its monitoring line (core/desire/monitoring.py) differs from the one
its carrier alarm was tagged with when it was last told: it lost rule kinds (its flow log deleted
or changed to a format without the fields, the quota, an exclusion), or got them back. A resource
never told before (a new one, or one from before announcements) is announced only when it cannot
have any rule; otherwise its carrier just starts remembering its line. A resource with no alarm
of its own to carry the line (never watched) is never announced, nor one still being created.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from core.artifacts.kind import Change, Create, Plan
from core.desire.monitoring import EXCLUDED, FOR_QUOTA, monitoring_line, rule_kinds_of
from core.model import ActualState, AlarmSpec, Coverage, DesiredState, ObservedArtifact, Resource

FLOW_LOG_ADVICE = (
    "give its network interfaces a VPC flow log to CloudWatch Logs whose format has the fields the rules read "
    "(docs/monitoring.md); `plinsights explain {id}` says what is missing"
)
HELD_ADVICE = (
    "{held} of its rules and alarms stay for now: this run's deletions were more than the deletion limit and "
    "are held; `plinsights plan` lists them, `plinsights apply --max-deletes {held_back}` lets them through once"
)
MAX_LISTED = 100  # resources described in one message; the rest are counted (an SNS message holds 256 KB)


@dataclass(frozen=True, slots=True)
class Announcement:
    """One resource's change of monitoring. `carrier` is the alarm that remembers `now` once told;
    `carrier_exists`: it exists already and is tagged after telling (a new one is created tagged)."""

    resource: Resource
    before: str  # "" when never told
    now: str
    why: str
    carrier: str
    carrier_exists: bool
    held: int = 0  # of its artifacts whose deletion is held this run
    held_back: int = 0  # the run's held deletions in all: a deletion limit that lets them through

    @property
    def lost(self) -> tuple[str, ...]:
        """The rule kinds it had and has no more: all of them when it is excluded."""
        kept = () if self.now == EXCLUDED else rule_kinds_of(self.now)
        return tuple(kind.value for kind in rule_kinds_of(self.before) if kind not in kept)

    @property
    def regained(self) -> tuple[str, ...]:
        had = rule_kinds_of(self.before)
        return tuple(kind.value for kind in rule_kinds_of(self.now) if kind not in had)

    @property
    def to_tell(self) -> bool:
        """Worth a message: a change from what was told, or a resource that cannot have any rule."""
        return bool(self.before) or not rule_kinds_of(self.now)

    @property
    def is_loss(self) -> bool:
        return self.to_tell and (bool(self.lost) or not rule_kinds_of(self.now))

    def text(self) -> str:
        resource = self.resource
        named = f" {resource.name}" if resource.name else ""
        head = f"{resource.short_id} ({resource.kind.value}{named}, {resource.vpc_id or 'no VPC'})"
        now_kinds = ", ".join(kind.value for kind in rule_kinds_of(self.now))
        if self.now == EXCLUDED:
            text = f"{head}: no longer monitored: excluded ({self.why}). To monitor it again, remove that tag."
        elif not now_kinds:
            what = f"lost its flow-log rules ({', '.join(self.lost)})" if self.lost else "cannot have flow-log rules"
            advice = "" if self.now == FOR_QUOTA else FLOW_LOG_ADVICE.format(id=resource.resource_id)
            text = f"{head}: {what}; only PrivateLink's own metrics are watched now. Why: {self.why}." + (
                f" What to do: {advice}." if advice else ""
            )
        elif self.lost:
            text = f"{head}: lost its {', '.join(self.lost)} rules; still watched: {now_kinds}. Why: {self.why}."
        else:
            text = f"{head}: monitored again: flow-log rules {now_kinds}."
        if self.held:
            text += " " + HELD_ADVICE.format(held=self.held, held_back=self.held_back) + "."
        return text


def announcements(desired: DesiredState, actual: ActualState, plan: Plan) -> tuple[Announcement, ...]:
    """Every resource whose monitoring line differs from what its carrier remembers, in the order of
    the coverage: those to tell, and those whose carrier only starts remembering (`to_tell` False)."""
    observed = own_alarms(actual.alarms)
    carriers = {spec.resource_id: spec for spec in desired.alarms.values() if spec.monitoring}
    held = held_by_resource(plan)
    found: list[Announcement] = []
    for entry in desired.coverage:
        rid = entry.resource.resource_id
        now = monitoring_line(entry, desired.rules)
        theirs = observed.get(rid, [])
        spec = carriers.get(rid)
        remembered = actual.alarms.get(spec.name) if spec else None
        # The carrier's own memory first; another alarm's, when the carrier is new (its alarms changed)
        before = (remembered.announced if remembered else "") or next((a.announced for a in theirs if a.announced), "")
        if not now or now == before:
            continue
        if entry.excluded:  # nothing is wanted for it: the alarm that remembers is one it still has
            if not theirs:
                continue
            carrier, exists = theirs[0].name, True
        elif spec:
            carrier, exists = spec.name, spec.name in actual.alarms
        else:
            continue
        found.append(
            Announcement(entry.resource, before, now, why(entry), carrier, exists, held.get(rid, 0), plan.held_back)
        )
    return tuple(found)


def own_alarms(alarms: Mapping[str, ObservedArtifact]) -> dict[str, list[ObservedArtifact]]:
    """Resource id -> its own alarms as they are, by name; the one that remembers first."""
    found: dict[str, list[ObservedArtifact]] = {}
    for name in sorted(alarms):
        if rid := alarms[name].resource_id:
            found.setdefault(rid, []).append(alarms[name])
    for theirs in found.values():
        theirs.sort(key=lambda alarm: not alarm.announced)  # stable: by name within each
    return found


def held_by_resource(plan: Plan) -> dict[str, int]:
    counts: dict[str, int] = {}
    for change in plan.held_deletions:
        if change.resource_id:
            counts[change.resource_id] = counts.get(change.resource_id, 0) + 1
    return counts


def why(entry: Coverage) -> str:
    if entry.unmonitorable:
        return entry.unmonitorable
    return "; ".join(entry.notes) or "its flow logs changed"


def to_tell(found: Iterable[Announcement]) -> list[Announcement]:
    return [announcement for announcement in found if announcement.to_tell]


def subject(found: Sequence[Announcement], prefix: str, region: str) -> str:
    """At most 99 characters, one line: SNS's limit for an e-mail's subject."""
    lost = sum(1 for a in found if a.is_loss)
    parts = [f"{lost} lost monitoring"] if lost else []
    if regained := len(found) - lost:
        parts.append(f"{regained} monitored again")
    return f"PrivateLink {prefix} {region}: {', '.join(parts)}"[:99]


def message(found: Sequence[Announcement], prefix: str, region: str) -> str:
    lines = [
        f"The monitoring of {len(found)} PrivateLink resource{'s' if len(found) != 1 else ''} changed "
        f"(deployment {prefix}, {region}):",
        "",
        *(f"- {announcement.text()}" for announcement in found[:MAX_LISTED]),
    ]
    if len(found) > MAX_LISTED:
        lines.append(f"- and {len(found) - MAX_LISTED} more: `plinsights plan` lists every resource's monitoring.")
    lines += ["", "Each change is told once. `plinsights explain <id>` shows what watches a resource now."]
    return "\n".join(lines)


def untold(plan: Plan, found: Iterable[Announcement]) -> Plan:
    """The plan with the carriers it creates forgetting the line they were to remember: what could
    not be told is told by the next run."""
    carriers = {announcement.carrier for announcement in found if announcement.to_tell}

    def forgetting(change: Change) -> Change:
        if isinstance(change, Create) and change.name in carriers and isinstance(change.spec, AlarmSpec):
            return replace(change, spec=replace(change.spec, monitoring=""))
        return change

    return replace(plan, changes=tuple(forgetting(change) for change in plan.changes))
