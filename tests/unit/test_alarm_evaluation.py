"""The local server's alarm evaluator decides as the CloudWatch user guide says ("Evaluating an
alarm", "How alarm state is evaluated when data is missing"), its two tables included."""

from __future__ import annotations

import json

import pytest

from demo.local_server.alarm_evaluation import (
    ALARM,
    EXTRA_PERIODS,
    INSUFFICIENT_DATA,
    OK,
    Criteria,
    UnevaluableAlarmError,
    evaluate,
)

PERIOD = 300
NOW = 1_700_000_123  # inside the period that starts at NEWEST
NEWEST = NOW // PERIOD * PERIOD
BREACH, CALM = 10.0, 0.0
THRESHOLD = 5.0


def criteria(n: int = 3, m: int = 3, treat: str = "missing", comparison: str = "GreaterThanThreshold") -> Criteria:
    return Criteria(PERIOD, n, m, THRESHOLD, comparison, treat)


def points(pattern: str) -> dict[int, float]:
    """The guide's notation, oldest first: X breaching, 0 within the threshold, - missing; the last
    one is the current period."""
    marks = pattern.split()
    start = NEWEST - (len(marks) - 1) * PERIOD
    values = {"X": BREACH, "0": CALM}
    return {start + i * PERIOD: values[mark] for i, mark in enumerate(marks) if mark != "-"}


KEPT = "kept"  # "Retain current state"
TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")
# (datapoints, M) -> the state for missing, ignore, breaching, notBreaching; EvaluationPeriods 3.
GUIDE_TABLES = [
    ("0 - X - X", 3, (OK, OK, OK, OK)),
    ("0 - - - -", 3, (OK, OK, OK, OK)),
    ("- - - - -", 3, (INSUFFICIENT_DATA, KEPT, ALARM, OK)),
    ("0 X X - X", 3, (ALARM, ALARM, ALARM, ALARM)),
    ("- - - - X", 3, (INSUFFICIENT_DATA, KEPT, ALARM, OK)),
    # The guide's "X - - - -" gives ALARM under missing; not modelled (alarm_evaluation's docstring).
    ("X - - - -", 3, (None, KEPT, ALARM, OK)),
    ("0 - X - X", 2, (ALARM, ALARM, ALARM, ALARM)),
    ("0 0 X 0 X", 2, (ALARM, ALARM, ALARM, ALARM)),
    ("0 - X - -", 2, (OK, OK, ALARM, OK)),
    ("- - - - 0", 2, (OK, OK, ALARM, OK)),
    ("- - - - X", 2, (INSUFFICIENT_DATA, KEPT, ALARM, OK)),
]
CASES = [
    pytest.param(pattern, m, treat, state, id=f"{pattern.replace(' ', '')}-M{m}-{treat}")
    for pattern, m, states in GUIDE_TABLES
    for treat, state in zip(TREATMENTS, states, strict=True)
    if state is not None
]


@pytest.mark.parametrize(("pattern", "m", "treat", "expected"), CASES)
def test_the_user_guides_missing_data_tables(pattern: str, m: int, treat: str, expected: str) -> None:
    assert len(pattern.split()) == 3 + EXTRA_PERIODS  # the guide retrieves 5 datapoints for 3 periods
    before = "OK-before"  # a state the evaluator could not invent: it is kept only when nothing decides
    state = evaluate(criteria(3, m, treat), points(pattern), NOW, before).state
    assert state == (before if expected == KEPT else expected)


@pytest.mark.parametrize(
    ("comparison", "below", "at", "above"),
    [
        ("GreaterThanOrEqualToThreshold", OK, ALARM, ALARM),
        ("GreaterThanThreshold", OK, OK, ALARM),
        ("LessThanThreshold", ALARM, OK, OK),
        ("LessThanOrEqualToThreshold", ALARM, ALARM, OK),
    ],
)
def test_each_comparison_operator(comparison: str, below: str, at: str, above: str) -> None:
    rule = criteria(1, 1, comparison=comparison)
    found = [evaluate(rule, {NEWEST: value}, NOW, OK).state for value in (THRESHOLD - 1, THRESHOLD, THRESHOLD + 1)]
    assert found == [below, at, above]


def test_m_out_of_n_needs_m_breaching_datapoints_not_consecutive_ones() -> None:
    two_of_three = criteria(3, 2)
    assert evaluate(two_of_three, points("X 0 X"), NOW, OK).state == ALARM
    assert evaluate(two_of_three, points("0 0 X"), NOW, OK).state == OK


def test_with_enough_datapoints_only_the_most_recent_n_count() -> None:
    """Older datapoints of the evaluation range, breaching or not, are not evaluated."""
    assert evaluate(criteria(2, 1), points("X X 0 0"), NOW, OK).state == OK
    assert evaluate(criteria(2, 2), points("0 0 X X"), NOW, OK).state == ALARM


def test_datapoints_outside_the_evaluation_range_are_not_read() -> None:
    old = {NEWEST - (3 + EXTRA_PERIODS) * PERIOD: BREACH}  # one period before the range
    assert evaluate(criteria(3, 1, "missing"), old, NOW, OK).state == INSUFFICIENT_DATA


def test_a_late_datapoint_within_the_window_raises_a_one_of_n_alarm() -> None:
    """The flow-log alarms' shape: 1 of N over a window that covers the delivery delay; a period
    that filled late, early in the window, still breaches."""
    late = criteria(17, 1, "notBreaching", "GreaterThanOrEqualToThreshold")
    assert evaluate(late, {NEWEST - 12 * PERIOD: THRESHOLD}, NOW, OK).state == ALARM
    assert evaluate(late, {}, NOW, OK).state == OK


def test_the_reason_names_the_breaching_datapoint_and_the_threshold() -> None:
    found = evaluate(criteria(3, 1, "notBreaching", "GreaterThanOrEqualToThreshold"), {NEWEST: 12.5}, NOW, OK)
    assert found.state == ALARM and found.breaching == 1 and found.filled == 2
    assert found.reason.startswith("Threshold Crossed: 1 out of the last 3 datapoints [12.5 (")
    assert "was greater than or equal to the threshold (5.0)" in found.reason
    assert found.reason.endswith("and 2 missing datapoints were treated as [NonBreaching].")
    data = json.loads(found.reason_data(criteria()))
    assert data["recentDatapoints"] == [12.5] and data["threshold"] == THRESHOLD


def test_the_reason_of_no_data_says_how_it_was_treated() -> None:
    found = evaluate(criteria(3, 1, "notBreaching"), {}, NOW, ALARM)
    assert found.state == OK
    assert found.reason == (
        "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as "
        "[NonBreaching]."
    )
    assert evaluate(criteria(3, 1, "missing"), {}, NOW, OK).reason == "Insufficient Data: 3 datapoints were unknown."


def test_an_ok_reason_names_the_datapoints_within_the_threshold() -> None:
    found = evaluate(criteria(3, 2), points("0 0 X"), NOW, OK)
    assert found.state == OK
    assert "2 out of the last 3 datapoints [0.0 (" in found.reason and "1 breaching, fewer than the 2" in found.reason


@pytest.mark.parametrize(
    ("comparison", "treat", "n", "m"),
    [
        ("GreaterThanUpperThreshold", "missing", 1, 1),  # an anomaly detection band
        ("GreaterThanThreshold", "sometimes", 1, 1),
        ("GreaterThanThreshold", "missing", 2, 3),
    ],
)
def test_what_is_not_modelled_is_refused_not_guessed(comparison: str, treat: str, n: int, m: int) -> None:
    with pytest.raises(UnevaluableAlarmError):
        Criteria(PERIOD, n, m, THRESHOLD, comparison, treat)
