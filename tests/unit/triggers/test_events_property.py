"""parse_trigger on thousands of generated events (see tests/event_strategies.py): it never raises,
an ignored event always says why, and an accepted one names its resources by non-empty ids."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import partial
from typing import Any

from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from core.triggers.events import MAX_ID_CHARS, TRIGGERS, Trigger, parse_trigger
from tests.event_strategies import (
    ACCEPTED,
    HARD_CASES,
    PROFILE,
    Shown,
    any_events,
    ignorable_events,
    mutated_events,
    paths,
    replaced,
)
from tests.profiles import examples

REGIONS = (None, "us-east-1", "eu-west-1")


def check(trigger: object) -> Trigger:
    assert isinstance(trigger, Trigger)
    assert trigger.kind in ("event", "schedule", "backfill", "follow-up", "ignored")
    assert isinstance(trigger.dry_run, bool)
    assert trigger.dry_run is False or trigger.kind == "backfill"
    if trigger.ignored:
        assert isinstance(trigger.reason, str) and trigger.reason.strip()
    else:
        assert trigger.reason == ""
    if trigger.kind == "event":
        assert trigger.name in TRIGGERS  # its ids may be unreadable: events are hints
    else:
        assert trigger.ids == ()
    event(trigger.kind)  # hypothesis statistics: how the examples were split
    return trigger


def with_hard_cases(test: Callable[..., None]) -> Callable[..., None]:
    for case in HARD_CASES:
        test = example(shown=Shown(case), region="us-east-1")(test)
    return test


@settings(PROFILE, max_examples=examples(2000))
@given(shown=(any_events | ignorable_events).map(Shown), region=st.sampled_from(REGIONS))
@with_hard_cases
def test_parse_trigger_never_raises_and_an_ignored_event_always_says_why(shown: Shown, region: str | None) -> None:
    check(parse_trigger(shown.value, region))


@settings(PROFILE, max_examples=examples(1000))
@given(mutated_events(tuple(ACCEPTED)).map(Shown), st.sampled_from(REGIONS))
def test_an_accepted_event_names_each_resource_by_a_non_empty_id(shown: Shown, region: str | None) -> None:
    for resource_id in check(parse_trigger(shown.value, region)).ids:
        assert isinstance(resource_id, str)
        assert resource_id == resource_id.strip() and 0 < len(resource_id) <= MAX_ID_CHARS


SHAPES = ("collapse", "expand one", "toggle wrapping")


def reshape(value: Any, *, shape: str) -> Any:
    """A change of shape that CloudTrail makes between events and that names the same resources."""
    if shape == "collapse":
        return value[0] if isinstance(value, list) and len(value) == 1 else value
    if shape == "expand one":
        return [value]
    if isinstance(value, dict) and set(value) == {"tag", "content"}:
        return value["content"]
    return {"tag": 1, "content": value} if isinstance(value, str | int) and not isinstance(value, bool) else value


def payload_paths(sample: Any) -> list[tuple[Any, ...]]:
    return [p for p in paths(sample) if p[:2] in (("detail", "requestParameters"), ("detail", "responseElements"))]


@settings(PROFILE, max_examples=examples(1000))
@given(st.sampled_from(ACCEPTED), st.data())
def test_lists_collapsed_or_expanded_and_wrapping_toggled_name_the_same_resources(
    sample: dict[str, Any], data: st.DataObject
) -> None:
    reshaped = copy.deepcopy(sample)
    for _ in range(data.draw(st.integers(1, 6))):
        if not payload_paths(reshaped):
            break
        path = data.draw(st.sampled_from(payload_paths(reshaped)))
        shape = data.draw(st.sampled_from(SHAPES))
        reshaped = replaced(reshaped, path, partial(reshape, shape=shape))
    before, after = parse_trigger(sample), parse_trigger(reshaped)
    assert (after.kind, after.name, after.ids, after.dry_run) == (
        before.kind,
        before.name,
        before.ids,
        before.dry_run,
    )
