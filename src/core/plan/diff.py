"""DesiredState + ActualState -> Plan: creates, updates, state changes and deletes, each with its reason (pure).

Changes come in the order they are applied, so that a run cut short anywhere leaves no dangling
reference: each kind's creates and updates in the registry's order (rules before the alarms and
widgets that read them), then the deletes in core.artifacts.DELETE_ORDER (readers before the rules
they read).

A rule or alarm whose resource stays served by a wanted one of the same kind (a resource's own
rules giving way to shared ones, a rule under an earlier name) is replaced, not lost: those
deletions come first, alarms before rules, so that the Region's rule quota has room for what
replaces them, and they do not count toward the deletion limit, which guards against losing
monitoring. How many such moves one run makes is bounded where they are decided (core/desire).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import replace

from core.artifacts import ALARMS, ARTIFACTS, DELETE_ORDER, RULES
from core.artifacts.kind import Action, Change, Create, Delete, Plan, release_advice
from core.model import ActualState, DesiredState, Observed

WRITE_PHASES = (Action.CREATE, Action.UPDATE)


def phase(change: Change, replaced: Set[tuple[str, str]] = frozenset()) -> tuple[int, int]:
    """Where a change goes in the plan: replaced artifacts' deletes first, then every write, then the
    other deletes."""
    if isinstance(change, Delete):
        first = (change.kind.name, change.name) in replaced
        return -1 if first else len(ARTIFACTS), DELETE_ORDER.index(change.kind)
    return ARTIFACTS.index(change.kind), WRITE_PHASES.index(change.action)


def replaced_artifacts(desired: DesiredState, actual: ActualState) -> dict[tuple[str, str], list[str]]:
    """(kind's name, name) of each rule or alarm of ours not wanted any more whose resource a wanted
    one of the same rule or alarm kind serves -> the names of those that serve it."""
    serving: dict[tuple[str, str, str], list[str]] = {}
    for artifact, specs in ((RULES.name, desired.rules), (ALARMS.name, desired.alarms)):
        for spec in specs.values():
            for rid in (spec.resource_id, *spec.served):
                if rid:
                    serving.setdefault((artifact, spec.kind.value, rid), []).append(spec.name)
    replaced: dict[tuple[str, str], list[str]] = {}
    observed: list[tuple[str, str, str, str]] = [
        (RULES.name, n, r.kind, r.resource_id) for n, r in actual.rules.items()
    ]
    observed += [(ALARMS.name, n, a.kind, a.resource_id) for n, a in actual.alarms.items()]
    for artifact, name, kind, rid in observed:
        if (
            rid
            and name not in desired.artifacts.get(artifact, {})
            and (successors := serving.get((artifact, kind, rid)))
        ):
            replaced[artifact, name] = sorted(successors)
    return replaced


def make_plan(
    desired: DesiredState, actual: ActualState, max_deletes: int | None = None, *, held_before: int = 0
) -> Plan:
    """`max_deletes` is the deletion limit: a plan that would delete more deletes nothing (its
    deletions are held), so that a discovery glitch (an empty answer, a half-visible account) can
    never wipe the monitoring. `held_before`: what a first plan of this run held back, when the
    desired state was then given the dashboard sections of what it holds (core/desire/held.py);
    those sections may keep a dashboard that plan deleted, and that must never let the rest through."""
    gone = {c.resource.resource_id: c.unmonitorable for c in desired.coverage}
    pending = {c.resource.resource_id for c in desired.coverage if c.pending}
    changes: list[Change] = []
    notes: list[str] = list(actual.notes)
    unchanged = 0
    for kind in ARTIFACTS:
        want, have = desired.of(kind), actual.of(kind)
        lookalikes = set(actual.lookalikes.get(kind.name, ()))
        for name in sorted(want.keys() - have.keys()):
            if name in lookalikes:
                notes.append(f"{kind.name} {name} exists without our ownership mark: left alone, so not created")
                continue
            changes.append(Create(kind, name, "newly needed", want[name]))
        for name in sorted(want.keys() & have.keys()):
            if change := kind.compare(kind, want[name], have[name]):
                changes.append(change)
            else:
                unchanged += 1
        for name in sorted(have.keys() - want.keys()):
            resource_id = have[name].resource_id
            if resource_id in pending:
                # An endpoint being modified goes back to pending: its monitoring must survive that.
                notes.append(f"{kind.name} {name} kept while {resource_id} is pending")
                unchanged += 1
                continue
            changes.append(Delete(kind, name, delete_reason(have[name], gone), resource_id))
    replaced = replaced_artifacts(desired, actual)
    changes = [replaced_reason(c, changes, actual, replaced) for c in changes]
    changes.sort(key=lambda c: phase(c, replaced.keys()))
    deletes = tuple(c for c in changes if isinstance(c, Delete) and (c.kind.name, c.name) not in replaced)
    held: tuple[Delete, ...] = ()
    held_back = max(len(deletes), held_before)
    if max_deletes is not None and held_back > max_deletes:
        held = deletes
        changes = [c for c in changes if c not in held]
        notes.append(
            f"{held_back} deletions held back: more than the deletion limit of {max_deletes} per run; the "
            f"resources they belong to keep their dashboard sections, marked held. {release_advice(held_back)}"
        )
    else:
        held_back = 0
    return Plan(tuple(changes), unchanged, tuple(notes), held_deletions=held, held_back=held_back)


def replaced_reason(
    change: Change,
    changes: Sequence[Change],
    actual: ActualState,
    replaced: Mapping[tuple[str, str], Sequence[str]],
) -> Change:
    """A rule or alarm replaced by others that serve its resource (shared rules, a rule under a
    stable name whose definition changed): the plan says by what."""
    if not isinstance(change, Delete):
        return change
    if successors := replaced.get((change.kind.name, change.name)):
        return replace(change, reason=f"replaced by {', '.join(successors)}")
    if change.kind is not RULES or change.name not in actual.rules:
        return change
    resource_id = actual.rules[change.name].resource_id
    created = sorted(
        c.name for c in changes if isinstance(c, Create) and c.kind is RULES and c.spec.resource_id == resource_id
    )
    if not resource_id or not created:
        return change
    return replace(change, reason=f"replaced by {', '.join(created)} (its definition changed)")


def delete_reason(have: Observed, gone: Mapping[str, str]) -> str:
    resource_id = have.resource_id
    if not resource_id:
        return "no longer needed"
    if resource_id not in gone:
        return f"{resource_id} no longer exists"
    if gone[resource_id]:
        return f"{resource_id}: {gone[resource_id]}"
    return f"{resource_id} no longer needs it"
