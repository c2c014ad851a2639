"""DesiredState + ActualState -> Plan: creates, updates and deletes, each with its reason (pure)."""

from __future__ import annotations

from core.model import Action, ActualState, Change, DesiredState, Plan


def make_plan(desired: DesiredState, actual: ActualState) -> Plan:
    changes: list[Change] = []
    notes: list[str] = []
    unchanged = 0
    lookalikes = set(actual.lookalikes)
    for name in sorted(desired.rules.keys() - actual.rules.keys()):
        if name in lookalikes:
            notes.append(f"rule {name} exists without our ownership tag: left alone, so not created")
            continue
        changes.append(Change(Action.CREATE, "rule", name, "newly monitorable", rule=desired.rules[name]))
    for name in sorted(desired.rules.keys() & actual.rules.keys()):
        want, have = desired.rules[name], actual.rules[name]
        if want.definition != have.definition:
            # PutInsightRule rewrites the rule and loses its history: only when the definition differs.
            changes.append(Change(Action.UPDATE, "rule", name, "definition differs", rule=want))
        elif want.state != have.state:
            reason = f"state is {have.state}, want {want.state}"
            changes.append(Change(Action.UPDATE, "rule", name, reason, rule=want, state_only=True))
        else:
            unchanged += 1
    reasons = {c.resource.resource_id: c.unmonitorable for c in desired.coverage}
    for name in sorted(actual.rules.keys() - desired.rules.keys()):
        resource_id = actual.rules[name].resource_id
        if resource_id not in reasons:
            reason = f"{resource_id or 'its resource'} no longer exists"
        elif reasons[resource_id]:
            reason = f"{resource_id} is not monitorable: {reasons[resource_id]}"
        else:
            reason = f"{resource_id} no longer needs this rule"
        changes.append(Change(Action.DELETE, "rule", name, reason))
    return Plan(changes=tuple(changes), unchanged=unchanged, notes=tuple(notes))
