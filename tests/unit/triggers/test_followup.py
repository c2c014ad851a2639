"""When a reconcile follows itself up, and when a batch is already covered: the pure decisions."""

from dataclasses import replace

import pytest

from core.model import EndpointConnection
from core.triggers.events import Trigger
from core.triggers.followup import (
    BACKOFF_SECONDS,
    CONSISTENCY_MARGIN_SECONDS,
    DEBOUNCE_SECONDS,
    RESTART_STEP,
    backoff_index,
    covered_by_earlier_read,
    debounced,
    decide_debounce,
    decide_follow_up,
    pending_connections,
)
from tests.builders import endpoint, load_balancer

EVENT = Trigger("event", name="CreateVpcEndpoint")
SCHEDULE = Trigger("schedule")
BACKFILL = Trigger("backfill", name="Backfill")


def follow_up(step: int) -> Trigger:
    return Trigger("follow-up", name="FollowUp", step=step)


def test_nothing_pending_or_deferred_needs_no_follow_up() -> None:
    decision = decide_follow_up([EVENT], pending=0, deferred=0)
    assert decision.follow_up is None and decision.reason == "nothing pending or deferred"


def test_pending_resources_are_looked_at_again_after_each_backoff_step_then_left_to_the_schedule() -> None:
    triggers, delays = [EVENT], []
    while (decision := decide_follow_up(triggers, pending=2, deferred=0)).follow_up:
        delays.append(decision.follow_up.seconds)
        triggers = [follow_up(decision.follow_up.step)]
    assert delays == list(BACKOFF_SECONDS)
    assert delays == sorted(delays) and "left to the schedule" in decision.reason


@pytest.mark.parametrize(
    ("read_seconds_ago", "due_in"),
    [(0.0, BACKOFF_SECONDS[0]), (45.5, BACKOFF_SECONDS[0] - 45), (BACKOFF_SECONDS[0], 0), (600.0, 0)],
)
def test_a_step_counts_from_when_the_reconcile_began_reading_not_from_its_end(
    read_seconds_ago: float, due_in: int
) -> None:
    """Paced writes can take minutes: a resource that became available just after the read waits one
    step at most, not the writes and a step on top; a run longer than its step follows up at once."""
    decision = decide_follow_up([EVENT], pending=1, deferred=0, read_seconds_ago=read_seconds_ago)
    assert decision.follow_up is not None and decision.follow_up.seconds == due_in


# Endpoints and load balancers are pending for up to this long (the figures); the debounced
# follow-up comes DEBOUNCE_SECONDS after the event reached the queue, which is at or after creation.
LONGEST_PENDING = 300
LONGEST_WAIT_ONCE_AVAILABLE = 120


def test_the_steps_are_capped_and_together_outlast_the_longest_pending() -> None:
    assert max(BACKOFF_SECONDS) <= LONGEST_WAIT_ONCE_AVAILABLE
    assert DEBOUNCE_SECONDS + sum(BACKOFF_SECONDS) > LONGEST_PENDING
    # Joined part-way: events restart the steps from RESTART_STEP at the pending due time.
    assert sum(BACKOFF_SECONDS[RESTART_STEP:]) > LONGEST_PENDING


def test_only_batches_of_event_hints_alone_are_debounced() -> None:
    ignored = Trigger("ignored", reason="junk")
    assert debounced([EVENT, EVENT, ignored])
    assert (
        not debounced([EVENT, SCHEDULE]) and not debounced([EVENT, BACKFILL]) and not debounced([EVENT, follow_up(1)])
    )
    assert not debounced([ignored]) and not debounced([])


def test_events_with_nothing_pending_arm_a_follow_up_from_the_first_step() -> None:
    decision = decide_debounce(None, None)
    assert decision.follow_up is not None
    assert (decision.follow_up.seconds, decision.follow_up.step) == (DEBOUNCE_SECONDS, 0)


@pytest.mark.parametrize("pending_in", [DEBOUNCE_SECONDS - 0.5, 1.0, 0.0, -3.0])
@pytest.mark.parametrize("step", range(RESTART_STEP + 1))
def test_events_with_an_early_follow_up_pending_add_nothing(pending_in: float, step: int) -> None:
    decision = decide_debounce(pending_in, step)
    assert decision.follow_up is None and "already pending" in decision.reason


@pytest.mark.parametrize("step", [RESTART_STEP + 1, len(BACKOFF_SECONDS), None])
def test_events_joining_a_follow_up_part_way_restart_its_steps_at_the_same_time(step: int | None) -> None:
    decision = decide_debounce(BACKOFF_SECONDS[1] - 0.25, step)
    assert decision.follow_up is not None
    # rounded up, never earlier
    assert (decision.follow_up.seconds, decision.follow_up.step) == (BACKOFF_SECONDS[1], RESTART_STEP)


@pytest.mark.parametrize("fresh", [EVENT, SCHEDULE, BACKFILL])
def test_a_fresh_hint_starts_the_backoff_again(fresh: Trigger) -> None:
    assert backoff_index([follow_up(3), fresh]) == 0
    decision = decide_follow_up([follow_up(3), fresh], pending=1, deferred=0)
    assert decision.follow_up is not None and decision.follow_up.seconds == BACKOFF_SECONDS[0]


def test_follow_ups_alone_go_on_from_the_earliest_step() -> None:
    assert backoff_index([follow_up(2), follow_up(3)]) == 2
    assert backoff_index([follow_up(2), Trigger("ignored", reason="junk")]) == 2


def test_deferred_writes_are_handed_over_at_once_keeping_the_backoff_place() -> None:
    decision = decide_follow_up([follow_up(2)], pending=3, deferred=4)
    assert decision.follow_up is not None
    assert (decision.follow_up.seconds, decision.follow_up.step) == (0, 2)
    assert "4 changes deferred" in decision.reason


def test_a_batch_is_covered_only_when_every_message_came_before_the_last_read_by_the_margin() -> None:
    read = 1_000.0
    early = read - CONSISTENCY_MARGIN_SECONDS - 1
    assert covered_by_earlier_read([early, early - 30], read, [EVENT, SCHEDULE])
    assert not covered_by_earlier_read([early, read - CONSISTENCY_MARGIN_SECONDS / 2], read, [EVENT, EVENT])
    assert not covered_by_earlier_read([early], None, [EVENT])  # a new container knows of no read
    assert not covered_by_earlier_read([early], read, [BACKFILL])  # a person asked for this run
    assert not covered_by_earlier_read([], read, [EVENT])


def consumer(endpoint_id: str, state: str, service: str = "vpce-svc-1") -> EndpointConnection:
    return EndpointConnection(service, endpoint_id, "210987654321", state, "us-east-1")


def test_accepted_connections_still_provisioning_count_once_and_waiting_or_settled_ones_do_not() -> None:
    """pendingAcceptance waits for a person (whose answer is an event); available and rejected are settled."""
    connections = tuple(
        consumer(f"vpce-{state}", state) for state in ("pending", "pendingAcceptance", "available", "rejected")
    )
    behind_two = [replace(load_balancer(name), consumers=connections) for name in ("a", "b")]
    assert pending_connections(behind_two) == 1  # one service behind two load balancers lists it twice


def test_a_connection_of_an_endpoint_in_this_account_is_that_endpoints_pending_already() -> None:
    own = endpoint("vpce-own", state="pending")
    provider = replace(load_balancer(), consumers=(consumer("vpce-own", "pending"),))
    assert pending_connections([own, provider]) == 0


def test_an_accepted_connection_still_provisioning_is_followed_up_like_a_pending_resource() -> None:
    """The provider's reconcile after AcceptVpcEndpointConnections sees the connection pending: its
    dashboard's consumer table and its consumer alarms' series wait for it to become available."""
    triggers, delays = [EVENT], []
    while (decision := decide_follow_up(triggers, pending=0, deferred=0, connections=1)).follow_up:
        delays.append(decision.follow_up.seconds)
        triggers = [follow_up(decision.follow_up.step)]
    assert delays == list(BACKOFF_SECONDS)
    assert "0 resources and 1 consumer connections still pending" in decision.reason
