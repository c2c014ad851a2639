"""DesiredState + ActualState -> Plan: creates, updates and deletes, each with its reason (pure).

Changes come in the order they are applied, so that a run cut short anywhere leaves no dangling
reference: rules before the alarms and widgets that read them; alarms and widgets removed before
the rules they read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from core.model import Action, ActualState, AlarmSpec, Change, DashboardSpec, DesiredState, Plan, RuleSpec

Spec = RuleSpec | AlarmSpec | DashboardSpec
PHASES = (
    ("rule", Action.CREATE), ("rule", Action.UPDATE),
    ("alarm", Action.CREATE), ("alarm", Action.UPDATE),
    ("dashboard", Action.CREATE), ("dashboard", Action.UPDATE),
    ("alarm", Action.DELETE), ("dashboard", Action.DELETE), ("rule", Action.DELETE),
)  # fmt: skip


def make_plan(desired: DesiredState, actual: ActualState, max_deletes: int | None = None) -> Plan:
    """`max_deletes` is the safety valve: a plan that would delete more deletes nothing, so that a
    discovery glitch (an empty answer, a half-visible account) can never wipe the monitoring."""
    gone = {c.resource.resource_id: c.unmonitorable for c in desired.coverage}
    pending = {c.resource.resource_id for c in desired.coverage if c.pending}
    changes: list[Change] = []
    notes: list[str] = list(actual.notes)
    unchanged = 0
    artifacts: Sequence[tuple[str, Mapping[str, Spec], Mapping[str, object]]] = (
        ("rule", desired.rules, actual.rules),
        ("alarm", desired.alarms, actual.alarms),
        ("dashboard", desired.dashboards, actual.dashboards),
    )
    for artifact, want, have in artifacts:
        lookalikes = set(actual.lookalikes.get(artifact, ()))
        for name in sorted(want.keys() - have.keys()):
            if name in lookalikes:
                notes.append(f"{artifact} {name} exists without our ownership mark: left alone, so not created")
                continue
            changes.append(Change(Action.CREATE, artifact, name, "newly needed", spec=want[name]))
        for name in sorted(want.keys() & have.keys()):
            change = update(artifact, want[name], have[name])
            if change:
                changes.append(change)
            else:
                unchanged += 1
        for name in sorted(have.keys() - want.keys()):
            resource_id = getattr(have[name], "resource_id", "")
            if resource_id in pending:
                # An endpoint being modified goes back to pending: its monitoring must survive that.
                notes.append(f"{artifact} {name} kept while {resource_id} is pending")
                unchanged += 1
                continue
            changes.append(Change(Action.DELETE, artifact, name, delete_reason(have[name], gone)))
    changes = [replaced_reason(c, changes, actual) for c in changes]
    order = {phase: index for index, phase in enumerate(PHASES)}
    changes.sort(key=lambda c: order[(c.artifact, c.action)])
    deletes = [c for c in changes if c.action is Action.DELETE]
    held: tuple[Change, ...] = ()
    if max_deletes is not None and len(deletes) > max_deletes:
        held = tuple(deletes)
        changes = [c for c in changes if c.action is not Action.DELETE]
        notes.append(
            f"{len(deletes)} deletions held back: more than the maximum of {max_deletes} per run. If the "
            "account really lost that much, raise the maximum (PLINSIGHTS_MAX_DELETES) or delete with "
            "`plinsights apply` and a higher --max-deletes; otherwise check what discovery sees."
        )
    return Plan(changes=tuple(changes), unchanged=unchanged, notes=tuple(notes), held=held)


def update(artifact: str, want: Spec, have: object) -> Change | None:
    body = getattr(have, "body", None)
    if want.body != body:
        # A rewrite of a rule loses its history: only when the definition really differs.
        return Change(
            Action.UPDATE, artifact, want.name, f"{'definition' if artifact == 'rule' else 'body'} differs", spec=want
        )
    state = getattr(have, "state", None)
    if isinstance(want, RuleSpec) and want.state != state:
        return Change(
            Action.UPDATE, artifact, want.name, f"state is {state}, want {want.state}", spec=want, state_only=True
        )
    return None


def replaced_reason(change: Change, changes: Sequence[Change], actual: ActualState) -> Change:
    """A rule deleted while rules are created for the same resource is replaced (a rule under an
    earlier name whose definition changes, or a source that moved): the plan says by what."""
    if change.artifact != "rule" or change.action is not Action.DELETE or change.name not in actual.rules:
        return change
    resource_id = actual.rules[change.name].resource_id
    created = sorted(
        c.name
        for c in changes
        if c.artifact == "rule" and c.action is Action.CREATE and getattr(c.spec, "resource_id", None) == resource_id
    )
    if not resource_id or not created:
        return change
    return replace(change, reason=f"replaced by {', '.join(created)} (its definition changed)")


def delete_reason(have: object, gone: Mapping[str, str]) -> str:
    resource_id = getattr(have, "resource_id", "")
    if not resource_id:
        return "no longer needed"
    if resource_id not in gone:
        return f"{resource_id} no longer exists"
    if gone[resource_id]:
        return f"{resource_id}: {gone[resource_id]}"
    return f"{resource_id} no longer needs it"
