"""When a reconcile runs again on its own, and whether a batch of hints needs a reconcile at all: pure."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.model import Resource
from core.triggers.events import Trigger

# Seconds before each follow-up while resources stay pending, counted from when the reconcile began
# reading: endpoints and load balancers take from seconds to about five minutes to become available.
# Capped at 90 s, so a resource waits at most that, plus the reconcile that catches it, once available
# (the benchmark's p99 goal is 180 s); together (510 s) they outlast 300 s of pending counted from the
# event's arrival, plus the debounce (docs/reliability.md). After the last, the schedule takes over.
BACKOFF_SECONDS = (60, 90, 90, 90, 90, 90)

# The step that events joining a follow-up part-way through its backoff restart it from: the steps
# from there (450 s) still outlast 300 s of pending after the event, and each is the 90 s cap, so a
# burst whose events arrive over minutes is read every 90 s, not every minute.
RESTART_STEP = 1

# Seconds a batch of CloudTrail events waits for the reconcile it arms: CloudTrail itself delivers
# 0 to 120 s late, so a burst's events reach the queue over minutes; waiting half a minute lets one
# reconcile cover most of them, and adds just that half minute to the time to monitored.
DEBOUNCE_SECONDS = 30

# A batch is covered by an earlier reconcile only if each message reached the queue at least this
# long before that reconcile began reading: EC2 and ELB Describe calls are eventually consistent.
CONSISTENCY_MARGIN_SECONDS = 5.0

# A consumer connection in this state was accepted and is being provisioned (DescribeVpcEndpointConnections'
# VpcEndpointState); pendingAcceptance waits for a person, whose AcceptVpcEndpointConnections is an event.
PROVISIONING_CONNECTION = "pending"


@dataclass(frozen=True, slots=True)
class FollowUp:
    seconds: int  # from now; 0 = at once
    step: int  # the backoff index the follow-up's own reconcile starts from
    reason: str


@dataclass(frozen=True, slots=True)
class FollowUpDecision:
    follow_up: FollowUp | None
    reason: str  # why there is one, or why not: for the log


def backoff_index(triggers: Sequence[Trigger]) -> int:
    """Fresh hints (events, the schedule, a backfill) start the backoff again: what they announce
    has its own minutes to become available. A batch of follow-ups alone goes on from theirs."""
    follow_ups = [t.step for t in triggers if t.kind == "follow-up"]
    if not follow_ups or any(t.kind not in ("follow-up", "ignored") for t in triggers):
        return 0
    return min(follow_ups)


def pending_connections(resources: Iterable[Resource]) -> int:
    """Consumer endpoints of our endpoint services that a provider accepted and AWS still provisions,
    in other accounts (one here is a pending resource already): until they are available, the
    dashboard's consumer table and the consumer alarms' series count them as without traffic."""
    resources = list(resources)
    own = {r.resource_id for r in resources}
    return len(
        {
            (c.service_id, c.endpoint_id)
            for r in resources
            for c in r.consumers
            if c.state.lower() == PROVISIONING_CONNECTION and c.endpoint_id not in own
        }
    )


def decide_follow_up(
    triggers: Sequence[Trigger], pending: int, deferred: int, read_seconds_ago: float = 0.0, connections: int = 0
) -> FollowUpDecision:
    """One follow-up at most, whatever the reconcile saw: writes deferred past the deadline are handed
    over at once (the run made progress, the rest is planned again from the account); pending
    resources, and accepted consumer `connections` still provisioning, are looked at again after
    the next backoff step, until the steps run out. A step counts from when the reconcile began
    reading the account, `read_seconds_ago`, not from its end: paced writes can take minutes, and a
    resource that became available just after the read must not wait for them and a whole step on top."""
    index = backoff_index(triggers)
    if deferred:
        reason = f"{deferred} changes deferred past the deadline: the next reconcile follows at once"
        return FollowUpDecision(FollowUp(0, index, reason), reason)
    if not pending and not connections:
        return FollowUpDecision(None, "nothing pending or deferred")
    waiting = f"{pending} resources" + (f" and {connections} consumer connections" if connections else "")
    if index >= len(BACKOFF_SECONDS):
        waited = sum(BACKOFF_SECONDS)
        steps = len(BACKOFF_SECONDS)
        reason = f"{waiting} still pending after {steps} follow-ups ({waited} s): left to the schedule"
        return FollowUpDecision(None, reason)
    seconds = max(0, math.ceil(BACKOFF_SECONDS[index] - read_seconds_ago))
    reason = f"{waiting} pending: follow-up {index + 1} of {len(BACKOFF_SECONDS)} in {seconds} s"
    return FollowUpDecision(FollowUp(seconds, index + 1, reason), reason)


def debounced(triggers: Sequence[Trigger]) -> bool:
    """A queue batch of CloudTrail event hints alone waits for the deployment's one follow-up; the
    schedule, a backfill or a follow-up among them reconcile at once."""
    acted = [t for t in triggers if t.kind != "ignored"]
    return bool(acted) and all(t.kind == "event" for t in acted)


def decide_debounce(pending_in: float | None, pending_step: int | None) -> FollowUpDecision:
    """The follow-up an event batch needs. `pending_in`: seconds until the pending one is due (None:
    none pending; 0 or less: firing now); `pending_step`: the backoff step it carries (None: unreadable).
    None pending: one after DEBOUNCE_SECONDS. One pending: it covers these events and keeps its due
    time (never postponed, so a steady stream of events cannot starve the reconcile; never brought
    forward, never doubled); if it was further through its backoff than RESTART_STEP, it is restated
    from that step at that same time, so the resources the events announce get the steps they need."""
    if pending_in is None:
        reason = f"events: a reconcile follows in {DEBOUNCE_SECONDS} s, covering whatever arrives meanwhile"
        return FollowUpDecision(FollowUp(DEBOUNCE_SECONDS, 0, reason), reason)
    due_in = due_in_seconds(pending_in)
    if (pending_step is not None and pending_step <= RESTART_STEP) or due_in == 0:
        return FollowUpDecision(None, f"events: covered by the follow-up already pending, due in {due_in} s")
    reason = (
        f"events: the follow-up pending in {due_in} s covers them, its backoff restarted at step {RESTART_STEP + 1}"
    )
    return FollowUpDecision(FollowUp(due_in, RESTART_STEP, reason), reason)


def due_in_seconds(pending_in: float) -> int:
    """Whole seconds until a pending follow-up is due, rounded up: restated at now plus this, it
    lands on the same second (schedules have whole seconds), never earlier."""
    return max(math.ceil(pending_in), 0)


def covered_by_earlier_read(
    sent_at: Sequence[float], read_started_at: float | None, triggers: Sequence[Trigger]
) -> bool:
    """True when every message of the batch reached the queue before a reconcile that finished
    without failures began reading the account: that reconcile saw what they announce, and arranged
    its own follow-up. `read_started_at` is None when unknown (a new container): never skip then.
    A backfill is a person asking for a run, and is never skipped."""
    if read_started_at is None or not sent_at or any(t.kind == "backfill" for t in triggers):
        return False
    return max(sent_at) < read_started_at - CONSISTENCY_MARGIN_SECONDS
