"""What a long run tells whoever watches it, as it goes: the observer's protocol and the time-left estimate.

The CLI draws it on a terminal (src/cli/progress.py); the Lambda function passes no observer, so
it computes nothing of this. Everything here is pure: the caller brings the counts and the clock's readings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from core.artifacts.kind import Change, Failure


class Progress(Protocol):
    """Called in order: any number of `status` lines while there is nothing to count yet (discovery,
    observation), then `started` once for the writes, then per call `waiting` (when the pacer holds
    it back) and its changes' outcomes (`done`, `failed`, `left_alone`) followed by `estimate`;
    `deferred` once with whatever the deadline left for the next run."""

    def status(self, text: str) -> None: ...

    def started(self, total: int, seconds_left: float) -> None: ...

    def waiting(self, operation: str, seconds: float) -> None: ...

    def done(self, change: Change) -> None: ...

    def failed(self, failure: Failure) -> None: ...

    def left_alone(self, change: Change) -> None: ...

    def deferred(self, changes: Sequence[Change]) -> None: ...

    def estimate(self, seconds_left: float) -> None: ...


def seconds_left(calls_left: Mapping[str, int], rates: Mapping[str, float], seconds_per_call: float) -> float:
    """The time the calls still to make will take. Calls to one API start 1/rate seconds apart, and
    a call slower than that interval is not made to wait (core/apply/pacing.py), so each takes the longer
    of the two; the run makes its calls one after the other, so their times add up. It errs high by
    at most one interval per API: the first call to an API after calls to others may not wait."""
    total = 0.0
    for operation, count in calls_left.items():
        rate = rates.get(operation, 0.0)
        interval = 1.0 / rate if rate > 0 else 0.0
        total += count * max(interval, seconds_per_call)
    return total
