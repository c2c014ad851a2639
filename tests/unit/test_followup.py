"""When a reconcile follows itself up, and when a batch is already covered: the pure decisions."""

from itertools import pairwise

import pytest

from core.followup import (
    BACKOFF_SECONDS,
    CONSISTENCY_MARGIN_SECONDS,
    backoff_index,
    covered_by_earlier_read,
    decide_follow_up,
)
from core.triggers import Trigger

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
    assert delays == sorted(delays) and all(b == 2 * a for a, b in pairwise(delays))
    assert "left to the schedule" in decision.reason


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
