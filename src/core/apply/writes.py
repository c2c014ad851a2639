"""Plan -> writes, in the plan's order; one failed change never stops the rest.

An alarm whose rule failed to be written in this run is not written either (it would read a rule
that does not exist); it is reported as failed and the next reconcile writes both.

Each write waits for its turn at its API's rate (core/apply/pacing.py). With a deadline, no call starts
that could not start before it: that change and every one after it are deferred, in order, so
that nothing is written before what it depends on (a deferred rule defers its alarms, which come
later in the plan). Nothing is lost: the next reconcile plans them again from the account.

An optional observer (core/progress.py) hears each pacing wait and each change's outcome, with the
time left; without one (the Lambda function) nothing of it is computed.

Paced, a run can write minutes after it observed the account. So right before an update or a
delete, when its turn has come, the artifact's owner mark is read again (`ownership`): one that is
no longer ours is left alone; one deleted meanwhile needs no delete, and an update recreates it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from core.apply.pacing import Pacer
from core.artifacts.kind import Change, Create, Delete, Failure, Plan, Result
from core.model import Ownership
from core.progress import Progress, seconds_left
from core.settings import Settings

if TYPE_CHECKING:
    from core.clients import Clients


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
    progress: Progress | None = None,
) -> Result:
    """`deadline` is a time on the pacer's clock after which no call may start. `ownership` reads
    an artifact's owner mark as it is now; without it, updates and deletes go as planned.
    `progress` hears the run as it goes."""
    pacer = pacer or Pacer({})
    waited_before = pacer.waited  # a pacer may serve several runs
    result = Result()
    failed: set[tuple[str, str]] = set()  # (kind's name, name)
    remaining = list(calls(plan, clients, settings, result.notes))
    tracker = Tracker(progress, pacer, remaining) if progress is not None else None
    for index, call in enumerate(remaining):
        if waiting := failed_prerequisites(call.changes, failed):
            result.failed += [Failure(c, f"waits for {waiting}, which failed") for c in call.changes]
            if tracker:
                tracker.settled(call, result, made=False)
            continue
        if deadline is not None and pacer.clock.now() + pacer.delay(call.operation) >= deadline:
            result.deferred = [change for later in remaining[index:] for change in later.changes]
            if tracker:
                tracker.progress.deferred(result.deferred)
            break
        if tracker and (delay := pacer.delay(call.operation)) > 0:
            tracker.progress.waiting(call.operation, delay)
        pacer.wait(call.operation)
        changes = still_to_make(call.changes, ownership, result) if ownership else call.changes
        if changes:
            run(result, changes, partial(call.send, changes))
        failed |= {(f.change.kind.name, f.change.name) for f in result.failed}
        if tracker:
            tracker.settled(call, result, made=bool(changes))
    result.paced_seconds = pacer.waited - waited_before
    return result


class Tracker:
    """Tells `progress` what each call settled and the time left: the calls still to make at the
    pacer's rates, each taking at least as long as the calls made so far took on average."""

    def __init__(self, progress: Progress, pacer: Pacer, remaining: Sequence[Call]) -> None:
        self.progress, self.pacer = progress, pacer
        self.calls_left = Counter(call.operation for call in remaining)
        self.calls_made = 0
        self.started_at, self.waited_before = pacer.clock.now(), pacer.waited
        self.reported = (0, 0, 0)  # how many done, failed and left alone have been told
        progress.started(sum(len(call.changes) for call in remaining), self.seconds_left())

    def seconds_left(self) -> float:
        working = self.pacer.clock.now() - self.started_at - (self.pacer.waited - self.waited_before)
        per_call = working / self.calls_made if self.calls_made else 0.0
        return seconds_left(self.calls_left, self.pacer.rates, per_call)

    def settled(self, call: Call, result: Result, *, made: bool) -> None:
        """`made`: an API call was sent (not when prerequisites failed or nothing was left to make)."""
        done, failed, left_alone = self.reported
        for change in result.done[done:]:
            self.progress.done(change)
        for failure in result.failed[failed:]:
            self.progress.failed(failure)
        for change in result.left_alone[left_alone:]:
            self.progress.left_alone(change)
        self.reported = (len(result.done), len(result.failed), len(result.left_alone))
        self.calls_left[call.operation] -= 1
        self.calls_made += made
        self.progress.estimate(self.seconds_left())


def failed_prerequisites(changes: Sequence[Change], failed: set[tuple[str, str]]) -> str:
    """The artifacts these changes read that failed to be written in this run ("rule a, b"), or ""."""
    needed = {need for c in changes if not isinstance(c, Delete) for need in c.kind.prerequisites(c.spec)}
    missing = sorted(needed & failed)
    return "; ".join(
        f"{kind} {', '.join(name for _, name in group)}" for kind, group in groupby(missing, key=lambda n: n[0])
    )


def still_to_make(changes: Sequence[Change], ownership: Callable[[Change], Ownership], result: Result) -> list[Change]:
    """The changes whose artifact is still ours, or gone and to be written again; the rest are
    recorded: left alone, done (a delete of what is gone) or failed (the mark could not be read)."""
    kept: list[Change] = []
    for change in changes:
        if isinstance(change, Create):
            kept.append(change)
            continue
        try:
            owner = ownership(change)
        except (BotoCoreError, ClientError) as err:
            result.failed.append(Failure(change, f"its owner mark could not be read: {err}"))
            continue
        if owner is Ownership.NOT_OURS:
            result.left_alone.append(change)
        elif owner is Ownership.GONE and isinstance(change, Delete):
            result.done.append(change)
        else:
            kept.append(change)
    return kept


def calls(plan: Plan, clients: Clients, settings: Settings, notes: list[str]) -> Iterator[Call]:
    """The plan's changes as calls, in order: one per write, deletions in batches. What AWS says
    about a write that succeeded goes to `notes`."""
    for (kind, _action), group in groupby(plan.changes, key=lambda c: (c.kind, c.action)):
        changes = list(group)
        deletes = [c for c in changes if isinstance(c, Delete)]
        for start in range(0, len(deletes), kind.names_per_delete):
            batch = deletes[start : start + kind.names_per_delete]
            yield Call(kind.delete_operation, batch, partial(delete, clients))
        for change in changes:
            if not isinstance(change, Delete):
                yield Call(kind.operation(change), [change], partial(write, clients, settings, notes))


def write(clients: Clients, settings: Settings, notes: list[str], changes: Sequence[Change]) -> dict[str, str]:
    (change,) = changes
    assert not isinstance(change, Delete)
    return change.kind.write(clients, settings, change, notes)


def delete(clients: Clients, changes: Sequence[Change]) -> dict[str, str]:
    return changes[0].kind.delete(clients, [change.name for change in changes])


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
