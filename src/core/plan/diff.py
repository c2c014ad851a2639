"""DesiredState + ActualState -> Plan: creates, updates, state changes and deletes, each with its reason (pure).

Changes come in the order they are applied, so that a run cut short anywhere leaves no dangling
reference: each kind's creates and updates in the registry's order (rules before the alarms and
widgets that read them), then the deletes in core.artifacts.DELETE_ORDER (readers before the rules
they read).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from core.artifacts import ARTIFACTS, DELETE_ORDER, RULES
from core.artifacts.kind import Action, Change, Create, Delete, Plan
from core.model import ActualState, DesiredState, Observed

WRITE_PHASES = (Action.CREATE, Action.UPDATE)


def phase(change: Change) -> tuple[int, int]:
    """Where a change goes in the plan: all writes before any delete."""
    if isinstance(change, Delete):
        return len(ARTIFACTS), DELETE_ORDER.index(change.kind)
    return ARTIFACTS.index(change.kind), WRITE_PHASES.index(change.action)


def make_plan(desired: DesiredState, actual: ActualState, max_deletes: int | None = None) -> Plan:
    """`max_deletes` is the deletion limit: a plan that would delete more deletes nothing (its
    deletions are held), so that a discovery glitch (an empty answer, a half-visible account) can
    never wipe the monitoring."""
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
            changes.append(Delete(kind, name, delete_reason(have[name], gone)))
    changes = [replaced_reason(c, changes, actual) for c in changes]
    changes.sort(key=phase)
    deletes = tuple(c for c in changes if isinstance(c, Delete))
    held: tuple[Delete, ...] = ()
    if max_deletes is not None and len(deletes) > max_deletes:
        held = deletes
        changes = [c for c in changes if not isinstance(c, Delete)]
        notes.append(
            f"{len(deletes)} deletions held back: more than the maximum of {max_deletes} per run. If the "
            "account really lost that much, raise the maximum (PLINSIGHTS_MAX_DELETES) or delete with "
            "`plinsights apply` and a higher --max-deletes; otherwise check what discovery sees."
        )
    return Plan(changes=tuple(changes), unchanged=unchanged, notes=tuple(notes), held_deletions=held)


def replaced_reason(change: Change, changes: Sequence[Change], actual: ActualState) -> Change:
    """A rule deleted while rules are created for the same resource is replaced (a rule under an
    earlier name whose definition changes, or a source that moved): the plan says by what."""
    if change.kind is not RULES or not isinstance(change, Delete) or change.name not in actual.rules:
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
