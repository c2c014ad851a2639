"""The Lambda handler on generated events that parse_trigger ignores: it never raises, answers that
it ignored the event and why, and makes no AWS call (a before-call hook on every client records
any). Accepted events are left to test_handler.py: each of them costs a whole reconcile."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from hypothesis import event, example, given, settings

from core.clients import Clients
from core.triggers.events import parse_trigger
from demo.local import lambda_context
from handlers import reconcile
from tests.event_strategies import HARD_CASES, PROFILE, Shown, ignorable_events
from tests.profiles import examples
from tests.recording import recording_session


def with_hard_cases(test: Callable[..., None]) -> Callable[..., None]:
    for case in HARD_CASES:
        test = example(shown=Shown(case))(test)
    return test


def ignored_by_the_handler(event_: object) -> bool:
    """A batch from the queue is ignored only when every message in it is; anything else as parsed."""
    region = os.environ["AWS_REGION"]
    if isinstance(event_, dict) and isinstance(event_.get("Records"), list):
        return all(trigger.ignored for trigger in reconcile.read_batch(event_["Records"], region)[0])
    return parse_trigger(event_, region).ignored


@settings(PROFILE, max_examples=examples(500))
@given(shown=ignorable_events.map(Shown))
@with_hard_cases
def test_the_handler_never_raises_on_an_ignored_event_and_calls_no_aws_api(moto_endpoint: str, shown: Shown) -> None:
    event_ = shown.value
    if not ignored_by_the_handler(event_):
        event("accepted: a reconcile, not this test's business")
        return
    event("ignored")
    calls: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reconcile, "cached_clients", lambda region: Clients(session=recording_session(calls)))
        result = reconcile.handler(event_, lambda_context())
    assert result["ignored"] is True and isinstance(result["reason"], str) and result["reason"]
    assert calls == []
