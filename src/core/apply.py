"""Plan -> writes, in the plan's order; one failed change never stops the rest.

An alarm whose rule failed to be written in this run is not written either (it would read a rule
that does not exist); it is reported as failed and the next reconcile writes both.

Each write waits for its turn at its API's rate (core/pacing.py). With a deadline, no call starts
that could not start before it: that change and every one after it are deferred, in order, so
that nothing is written before what it depends on (a deferred rule defers its alarms, which come
later in the plan). Nothing is lost: the next reconcile plans them again from the account.

Paced, a run can write minutes after it observed the account. So right before an update or a
delete, when its turn has come, the artifact's owner mark is read again (`ownership`): one that is
no longer ours is left alone; one deleted meanwhile needs no delete, and an update recreates it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from core.model import Action, AlarmSpec, Change, DashboardSpec, Failure, Ownership, Plan, Result, RuleSpec
from core.pacing import Pacer
from core.settings import KIND_TAG, RESOURCE_TAG, Settings

if TYPE_CHECKING:
    from core.clients import Clients

LOGGER = logging.getLogger(__name__)
NAMES_PER_DELETE = 100  # DeleteAlarms takes at most 100 names; the other deletes take lists too
WRITE_OPERATIONS = {"rule": "PutInsightRule", "alarm": "PutMetricAlarm", "dashboard": "PutDashboard"}
DELETE_OPERATIONS = {"rule": "DeleteInsightRules", "alarm": "DeleteAlarms", "dashboard": "DeleteDashboards"}


@dataclass(frozen=True, slots=True)
class Call:
    """One API call of the plan: the changes it makes and the operation it is paced as. `send`
    makes the call for those of its changes that are still to be made."""

    operation: str
    changes: Sequence[Change]
    send: Callable[[Sequence[Change]], dict[str, str]]


def apply_plan(
    plan: Plan,
    clients: Clients,
    settings: Settings,
    *,
    pacer: Pacer | None = None,
    deadline: float | None = None,
    ownership: Callable[[Change], Ownership] | None = None,
) -> Result:
    """`deadline` is a time on the pacer's clock after which no call may start. `ownership` reads
    an artifact's owner mark as it is now; without it, updates and deletes go as planned."""
    pacer = pacer or Pacer({})
    waited_before = pacer.waited  # a pacer may serve several runs
    result = Result()
    failed_rules: set[str] = set()
    remaining = list(calls(plan, clients, settings, result.notes))
    for index, call in enumerate(remaining):
        waiting = sorted({name for c in call.changes for name in getattr(c.spec, "rule_names", ())} & failed_rules)
        if waiting:
            result.failed += [Failure(c, f"waits for rule {', '.join(waiting)}, which failed") for c in call.changes]
            continue
        if deadline is not None and pacer.clock.now() + pacer.delay(call.operation) >= deadline:
            result.deferred = [change for later in remaining[index:] for change in later.changes]
            break
        pacer.wait(call.operation)
        changes = still_to_make(call.changes, ownership, result) if ownership else call.changes
        if changes:
            run(result, changes, partial(call.send, changes))
        failed_rules |= {f.change.name for f in result.failed if f.change.artifact == "rule"}
    result.paced_seconds = pacer.waited - waited_before
    return result


def still_to_make(changes: Sequence[Change], ownership: Callable[[Change], Ownership], result: Result) -> list[Change]:
    """The changes whose artifact is still ours, or gone and to be written again; the rest are
    recorded: left alone, done (a delete of what is gone) or failed (the mark could not be read)."""
    kept: list[Change] = []
    for change in changes:
        if change.action is Action.CREATE:
            kept.append(change)
            continue
        try:
            owner = ownership(change)
        except (BotoCoreError, ClientError) as err:
            result.failed.append(Failure(change, f"its owner mark could not be read: {err}"))
            continue
        if owner is Ownership.NOT_OURS:
            result.left_alone.append(change)
        elif owner is Ownership.GONE and change.action is Action.DELETE:
            result.done.append(change)
        else:
            kept.append(change)
    return kept


def calls(plan: Plan, clients: Clients, settings: Settings, notes: list[str]) -> Iterator[Call]:
    """The plan's changes as calls, in order: one per write, deletions in batches. What AWS says
    about a write that succeeded goes to `notes`."""
    for (artifact, action), group in groupby(plan.changes, key=lambda c: (c.artifact, c.action)):
        changes = list(group)
        if action is Action.DELETE:
            for start in range(0, len(changes), NAMES_PER_DELETE):
                batch = changes[start : start + NAMES_PER_DELETE]
                yield Call(DELETE_OPERATIONS[artifact], batch, partial(delete, DELETERS[artifact], clients))
            continue
        writer = partial(write_dashboard, notes=notes) if artifact == "dashboard" else WRITERS[artifact]
        for change in changes:
            yield Call(operation(change), [change], partial(write, writer, clients, settings))


def write(
    writer: Callable[[Clients, Settings, Change], dict[str, str]],
    clients: Clients,
    settings: Settings,
    changes: Sequence[Change],
) -> dict[str, str]:
    (change,) = changes
    return writer(clients, settings, change)


def delete(
    deleter: Callable[[Clients, list[str]], dict[str, str]], clients: Clients, changes: Sequence[Change]
) -> dict[str, str]:
    return deleter(clients, [change.name for change in changes])


def operation(change: Change) -> str:
    if change.artifact == "rule" and change.state_only and isinstance(change.spec, RuleSpec):
        return "EnableInsightRules" if change.spec.state == "ENABLED" else "DisableInsightRules"
    return WRITE_OPERATIONS[change.artifact]


def run(result: Result, changes: Sequence[Change], call: Callable[[], dict[str, str]]) -> None:
    """Records each change as done or failed. `call` returns the per-name failures that batch APIs
    report inside a successful response; botocore has already retried throttling."""
    try:
        failures = call()
    except (BotoCoreError, ClientError) as err:
        code = (
            err.response.get("Error", {}).get("Code", "Error") if isinstance(err, ClientError) else type(err).__name__
        )
        failures = {change.name: f"{code}: {err}" for change in changes}
    for change in changes:
        if change.name in failures:
            result.failed.append(Failure(change, failures[change.name]))
        else:
            result.done.append(change)


def tags(settings: Settings, resource_id: str, kind: str) -> list[Any]:
    # Tags are only taken at creation (PutInsightRule and PutMetricAlarm ignore them on update);
    # ours never change, since the name already carries the resource and the kind.
    values = {**settings.owner_tags, RESOURCE_TAG: resource_id, KIND_TAG: kind}
    return [{"Key": key, "Value": value} for key, value in sorted(values.items())]


def write_rule(clients: Clients, settings: Settings, change: Change) -> dict[str, str]:
    rule = change.spec
    assert isinstance(rule, RuleSpec)
    if change.state_only:
        # Enabling or disabling keeps the rule's history, which a rewrite would lose.
        toggle = (
            clients.cloudwatch.enable_insight_rules
            if rule.state == "ENABLED"
            else clients.cloudwatch.disable_insight_rules
        )
        return failures_from_api(toggle(RuleNames=[rule.name]).get("Failures", []))
    clients.cloudwatch.put_insight_rule(
        RuleName=rule.name,
        RuleState=rule.state,
        RuleDefinition=rule.definition,
        Tags=tags(settings, rule.resource_id, rule.kind.value),
    )
    return {}


def write_alarm(clients: Clients, settings: Settings, change: Change) -> dict[str, str]:
    alarm = change.spec
    assert isinstance(alarm, AlarmSpec)
    parameters: dict[str, Any] = json.loads(alarm.body)
    clients.cloudwatch.put_metric_alarm(**parameters, Tags=tags(settings, alarm.resource_id, alarm.kind.value))
    return {}


def write_dashboard(
    clients: Clients, settings: Settings, change: Change, notes: list[str] | None = None
) -> dict[str, str]:
    """PutDashboard answers DashboardValidationMessages for a body it accepted with warnings (some
    widgets may not render): each one becomes a note of the run and a log line, never dropped."""
    dashboard = change.spec
    assert isinstance(dashboard, DashboardSpec)
    answer = clients.cloudwatch.put_dashboard(DashboardName=dashboard.name, DashboardBody=dashboard.body)
    for message in answer.get("DashboardValidationMessages") or []:
        note = (
            f"dashboard {dashboard.name} written with a warning at {message.get('DataPath') or 'its body'}: "
            f"{message.get('Message') or 'no message'}"
        )
        LOGGER.warning(note)
        if notes is not None:
            notes.append(note)
    return {}


def delete_rules(clients: Clients, names: list[str]) -> dict[str, str]:
    return failures_from_api(clients.cloudwatch.delete_insight_rules(RuleNames=names).get("Failures", []))


def delete_alarms(clients: Clients, names: list[str]) -> dict[str, str]:
    clients.cloudwatch.delete_alarms(AlarmNames=names)
    return {}


def delete_dashboards(clients: Clients, names: list[str]) -> dict[str, str]:
    clients.cloudwatch.delete_dashboards(DashboardNames=names)
    return {}


WRITERS: dict[str, Callable[[Clients, Settings, Change], dict[str, str]]] = {
    "rule": write_rule,
    "alarm": write_alarm,
    "dashboard": write_dashboard,
}
DELETERS: dict[str, Callable[[Clients, list[str]], dict[str, str]]] = {
    "rule": delete_rules,
    "alarm": delete_alarms,
    "dashboard": delete_dashboards,
}


def failures_from_api(failures: Sequence[Any]) -> dict[str, str]:
    """DeleteInsightRules and Enable/DisableInsightRules report per-name failures in a 200 response."""
    return {
        str(f.get("FailureResource", "")): f"{f.get('FailureCode', 'Failure')}: {f.get('FailureDescription', '')}"
        for f in failures
        if isinstance(f, dict)
    }
