"""How CloudWatch decides a metric alarm's state from its datapoints, and the reason it gives (pure).

As the user guide has it ("Evaluating an alarm", "How alarm state is evaluated when data is
missing"): the alarm looks at its datapoints, one per Period, the current period included (as
the local server's Metrics Insights alarms do); CloudWatch retrieves more datapoints than
EvaluationPeriods, the *evaluation range* (the guide's example: 5 for 3; here always 2 more).
- With at least EvaluationPeriods datapoints in the range, the most recent EvaluationPeriods of
  them are evaluated, missing periods skipped, and TreatMissingData is not used.
- With fewer, the missing ones are filled as TreatMissingData says, as few times as possible:
  `breaching` and `notBreaching` fill them as breaching or not; `missing` and `ignore` fill none:
  with DatapointsToAlarm of the real ones breaching it is ALARM, with any real one not breaching
  OK, else INSUFFICIENT_DATA (`missing`) or the current state kept (`ignore`).
- ALARM when at least DatapointsToAlarm of the evaluated datapoints breach, else OK.
Not modelled: the guide's one table row where a single breaching datapoint at the oldest end of
the range gives ALARM under `missing` (here INSUFFICIENT_DATA, as the row beside it with the
datapoint at the newest end); anomaly detection bands (ThresholdMetricId); percentile statistics'
low sample counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

EXTRA_PERIODS = 2  # the evaluation range beyond EvaluationPeriods (the guide: 5 datapoints retrieved for 3)
SHOWN = 5  # datapoints a reason lists, most recent first

ALARM, OK, INSUFFICIENT_DATA = "ALARM", "OK", "INSUFFICIENT_DATA"

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}
WORDS = {
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "GreaterThanThreshold": "greater than",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}
TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")
FILLED = {"breaching": "Breaching", "notBreaching": "NonBreaching"}  # as CloudWatch's reasons name them


class UnevaluableAlarmError(ValueError):
    """An alarm whose comparison or missing-data treatment this evaluator does not know."""


@dataclass(frozen=True, slots=True)
class Criteria:
    """What PutMetricAlarm says about evaluation: the period of one datapoint, N, M, the comparison."""

    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: str
    treat_missing: str = "missing"  # PutMetricAlarm's default when TreatMissingData is omitted

    def __post_init__(self) -> None:
        if self.comparison not in COMPARISONS:
            raise UnevaluableAlarmError(f"the comparison {self.comparison} (anomaly detection bands are not modelled)")
        if self.treat_missing not in TREATMENTS:
            raise UnevaluableAlarmError(f"TreatMissingData {self.treat_missing!r}")
        if self.period <= 0 or not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise UnevaluableAlarmError("a period above 0 and 1 <= DatapointsToAlarm <= EvaluationPeriods")


@dataclass(frozen=True, slots=True)
class Verdict:
    state: str  # ALARM, OK or INSUFFICIENT_DATA
    reason: str  # as CloudWatch words it, naming the datapoints
    evaluated: tuple[tuple[int, float], ...]  # the real datapoints evaluated: (period start, value), newest first
    breaching: int  # evaluated datapoints that breach, filled ones included
    filled: int = 0  # missing datapoints filled as TreatMissingData says

    def reason_data(self, criteria: Criteria) -> str:
        """StateReasonData, the JSON form of the reason CloudWatch keeps beside it."""
        return json.dumps(
            {
                "version": "1.0",
                "period": criteria.period,
                "threshold": criteria.threshold,
                "recentDatapoints": [value for _, value in self.evaluated],
                "evaluatedDatapoints": [
                    {"timestamp": stamp(moment), "value": value} for moment, value in self.evaluated
                ],
            }
        )


def evaluate(criteria: Criteria, points: Mapping[int, float], now: float, current_state: str) -> Verdict:
    """The state CloudWatch would set at `now` from `points` (period start in epoch seconds ->
    value); `current_state` is kept when missing data is ignored and nothing decides."""
    n, m = criteria.evaluation_periods, criteria.datapoints_to_alarm
    newest = int(now) // criteria.period * criteria.period
    periods = [newest - k * criteria.period for k in range(n + EXTRA_PERIODS)]
    existing = [(moment, float(points[moment])) for moment in periods if moment in points]
    breaches = COMPARISONS[criteria.comparison]
    if len(existing) >= n:
        evaluated = tuple(existing[:n])
        breaching = sum(breaches(value, criteria.threshold) for _, value in evaluated)
        return verdict(criteria, ALARM if breaching >= m else OK, evaluated, breaching, 0)
    missing = n - len(existing)
    evaluated = tuple(existing)
    real = sum(breaches(value, criteria.threshold) for _, value in evaluated)
    if criteria.treat_missing in FILLED:
        breaching = real + (missing if criteria.treat_missing == "breaching" else 0)
        return verdict(criteria, ALARM if breaching >= m else OK, evaluated, breaching, missing)
    if real >= m:
        return verdict(criteria, ALARM, evaluated, real, 0)
    if real < len(evaluated):  # a real datapoint within the threshold
        return verdict(criteria, OK, evaluated, real, 0)
    unknown = f"{missing} datapoint{'s were' if missing > 1 else ' was'} unknown"
    if criteria.treat_missing == "ignore":
        kept = f"Insufficient Data: {unknown}; missing data is ignored, so the state stays {current_state}."
        return Verdict(current_state, kept, evaluated, real)
    return Verdict(INSUFFICIENT_DATA, f"Insufficient Data: {unknown}.", evaluated, real)


def verdict(
    criteria: Criteria, state: str, evaluated: Sequence[tuple[int, float]], breaching: int, filled: int
) -> Verdict:
    """The reason in CloudWatch's words, naming the datapoints that decided: those that breach for
    ALARM, those within the threshold for OK."""
    words = WORDS[criteria.comparison]
    breaches = COMPARISONS[criteria.comparison]
    m = criteria.datapoints_to_alarm
    n = len(evaluated) + filled  # the datapoints evaluated: EvaluationPeriods, unless missing ones were not filled
    threshold = f"the threshold ({float(criteria.threshold)})"
    if state == ALARM:
        shown = [(moment, value) for moment, value in evaluated if breaches(value, criteria.threshold)]
        reason = (
            f"Threshold Crossed: {breaching} out of the last {n} datapoints {listed(shown)}"
            f"{'was' if breaching == 1 else 'were'} {words} {threshold} "
            f"(minimum {m} datapoint{'s' if m > 1 else ''} for OK -> ALARM transition)."
        )
    elif not evaluated:
        periods = criteria.evaluation_periods
        reason = f"Threshold Crossed: no datapoints were received for {periods} period{'s' if periods > 1 else ''}."
    else:
        shown = [(moment, value) for moment, value in evaluated if not breaches(value, criteria.threshold)]
        within = n - breaching
        reason = (
            f"Threshold Crossed: {within} out of the last {n} datapoints {listed(shown)}"
            f"{'was' if within == 1 else 'were'} not {words} {threshold}"
        )
        reason += f"; {breaching} breaching, fewer than the {m} that raise it." if breaching else "."
    if filled and criteria.treat_missing in FILLED:
        were = "s were" if filled > 1 else " was"
        reason = reason.removesuffix(".") + f" and {filled} missing datapoint{were} treated as "
        reason += f"[{FILLED[criteria.treat_missing]}]."
    return Verdict(state, reason, tuple(evaluated), breaching, filled)


def listed(points: Sequence[tuple[int, float]]) -> str:
    """`[value (dd/mm/yy HH:MM:SS), ...] ` (with its space), as CloudWatch lists datapoints in a reason."""
    if not points:
        return ""
    shown = ", ".join(
        f"{float(value)} ({datetime.fromtimestamp(moment, UTC):%d/%m/%y %H:%M:%S})" for moment, value in points[:SHOWN]
    )
    return f"[{shown}{', ...' if len(points) > SHOWN else ''}] "


def stamp(moment: int) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
