"""The progress line the CLI draws on a terminal, read at given moments of a clock the test holds."""

import pytest

from cli.progress import TerminalProgress, WrittenChanges, duration, progress_for, progress_line
from core.artifacts import ALARMS
from core.artifacts.kind import Delete, Failure

START = 100.0
CHANGE = Delete(ALARMS, "plinsights-vpce-1-drops", "nothing left to monitor")


class Moment:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def test_before_any_write_the_line_is_the_step_under_way() -> None:
    progress = TerminalProgress("apply", clock=Moment())
    progress.status("discovering endpoints")
    assert progress_line(progress.state, START) == "discovering endpoints..."


def test_the_line_counts_done_failed_and_left_and_counts_down_the_wait_and_the_time_left() -> None:
    clock = Moment()
    progress = TerminalProgress("apply", clock=clock)
    total, done, failed = 329, 12, 1
    progress.started(total, seconds_left=200.0)
    for _ in range(done):
        progress.done(CHANGE)
    progress.failed(Failure(CHANGE, "InternalServiceError: try again"))
    progress.estimate(160.0)
    progress.waiting("PutInsightRule", 0.6)
    clock.now += 0.2  # the line is drawn again a moment later
    left = total - done - failed
    assert progress_line(progress.state, clock.now) == (
        f"{done}/{total} done, {failed} failed, {left} left; waiting 0.4 s for PutInsightRule (pacing); "
        "about 2 min 40 s left"  # 160 s estimated 0.2 s ago: 159.8 s, rounded
    )
    clock.now += 1.0  # the wait is over
    assert "waiting" not in progress_line(progress.state, clock.now)


def test_once_everything_is_settled_no_time_left_is_shown() -> None:
    progress = TerminalProgress("destroy", clock=Moment())
    progress.started(2, seconds_left=1.0)
    progress.done(CHANGE)
    progress.left_alone(CHANGE)
    assert progress_line(progress.state, START) == "1/2 done, 1 left alone, 0 left"


def test_what_the_deadline_defers_is_shown_and_no_longer_left() -> None:
    progress = TerminalProgress("apply", clock=Moment())
    progress.started(3, seconds_left=3.0)
    progress.done(CHANGE)
    progress.deferred([CHANGE, CHANGE])
    assert progress_line(progress.state, START) == "1/3 done, 2 deferred, 0 left"


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0.4, "under 1 s"), (42.4, "42 s"), (59.6, "1 min 0 s"), (316.0, "5 min 16 s")]
)
def test_durations_read_as_minutes_and_seconds(seconds: float, shown: str) -> None:
    assert duration(seconds) == shown


@pytest.mark.parametrize(
    ("environment", "output", "drawn"),
    [
        ({"FORCE_COLOR": "1", "TERM": "xterm-256color"}, "text", True),
        ({"FORCE_COLOR": "1", "TERM": "xterm-256color"}, "json", False),  # JSON is for scripts
        ({"FORCE_COLOR": "1", "TERM": "dumb"}, "text", False),  # cannot redraw a line
        ({"TTY_COMPATIBLE": "0", "TERM": "xterm-256color"}, "text", False),
        ({"TERM": "xterm-256color"}, "text", False),  # pytest's capture of stderr: a pipe
    ],
)
def test_progress_is_drawn_only_on_a_terminal_that_can_redraw_and_only_for_text(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], output: str, drawn: bool
) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with progress_for(output, "apply", WrittenChanges()) as progress:
        assert (progress.shown is not None) is drawn
