"""Progress of `apply`, `destroy` and `plan` on a terminal: one live line on stderr, erased when the run ends.

Shown only when stderr is a terminal (as git shows its progress) and the output is text: stdout
then holds nothing but the result, and `2>/dev/null`, a pipe on stderr or `--output json` leave
the run silent but for its result. rich decides what a terminal is (FORCE_COLOR or
TTY_COMPATIBLE=1 force one, TTY_COMPATIBLE=0 denies it); a terminal that cannot redraw a line
(TERM=dumb) gets none.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from core.artifacts.kind import Change, Failure

REFRESHES_PER_SECOND = 4  # enough for a countdown in tenths of seconds to look alive


@dataclass
class RunState:
    """What the line shows; the times are readings of the monotonic clock."""

    status: str = ""
    total: int | None = None  # None until the writes start
    done: int = 0
    failed: int = 0
    left_alone: int = 0
    deferred: int = 0
    waiting_for: str = ""
    waiting_until: float = 0.0
    seconds_left: float = 0.0
    estimated_at: float = 0.0

    @property
    def settled(self) -> int:
        return self.done + self.failed + self.left_alone + self.deferred


def progress_line(state: RunState, now: float) -> str:
    """The line under the bar: `12/329 done, 1 failed, 316 left; waiting 0.6 s for PutInsightRule;
    about 5 min 16 s left`. Before any write, the status of the step under way."""
    if state.total is None:
        return f"{state.status}..."
    parts = [f"{state.done}/{state.total} done"]
    counts = ((state.failed, "failed"), (state.left_alone, "left alone"), (state.deferred, "deferred"))
    parts += [f"{n} {what}" for n, what in counts if n]
    parts.append(f"{state.total - state.settled} left")
    line = ", ".join(parts)
    if state.waiting_until > now:
        line += f"; waiting {state.waiting_until - now:.1f} s for {state.waiting_for} (pacing)"
    if state.settled < state.total:
        line += f"; about {duration(max(state.seconds_left - (now - state.estimated_at), 0.0))} left"
    return line


def duration(seconds: float) -> str:
    """`5 min 16 s`, `42 s`, `under 1 s`."""
    whole = round(seconds)
    if whole < 1:
        return "under 1 s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


class TerminalProgress:
    """A core.progress.Progress that keeps RunState; `render` draws it for rich's Live."""

    def __init__(self, verb: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.verb, self.clock, self.state = verb, clock, RunState()

    def status(self, text: str) -> None:
        self.state.status = text

    def started(self, total: int, seconds_left: float) -> None:
        self.state.total = total
        self.estimate(seconds_left)

    def waiting(self, operation: str, seconds: float) -> None:
        self.state.waiting_for, self.state.waiting_until = operation, self.clock() + seconds

    def done(self, change: Change) -> None:
        self.state.done += 1

    def failed(self, failure: Failure) -> None:
        self.state.failed += 1

    def left_alone(self, change: Change) -> None:
        self.state.left_alone += 1

    def deferred(self, changes: Sequence[Change]) -> None:
        self.state.deferred += len(changes)

    def estimate(self, seconds_left: float) -> None:
        self.state.seconds_left, self.state.estimated_at = seconds_left, self.clock()

    def render(self) -> RenderableType:
        line = Text(progress_line(self.state, self.clock()))
        if self.state.total is None:
            return line
        row = Table.grid(padding=(0, 1))
        row.add_row(
            Text(self.verb, style="bold"),
            ProgressBar(total=max(self.state.total, 1), completed=self.state.settled, width=30),
        )
        return Group(row, line)


SHOWN_WRITTEN = 5  # changes named in the line Ctrl-C leaves; the rest are counted


class WrittenChanges:
    """A core.progress.Progress that remembers what a run wrote, so that Ctrl-C can say it, and
    passes every event on to the terminal's progress when one is drawn (`shown`)."""

    def __init__(self) -> None:
        self.shown: TerminalProgress | None = None
        self.written: list[Change] = []
        self.total: int | None = None  # None until the writes start
        self.settled = 0

    def status(self, text: str) -> None:
        if self.shown:
            self.shown.status(text)

    def started(self, total: int, seconds_left: float) -> None:
        self.total = total
        if self.shown:
            self.shown.started(total, seconds_left)

    def waiting(self, operation: str, seconds: float) -> None:
        if self.shown:
            self.shown.waiting(operation, seconds)

    def done(self, change: Change) -> None:
        self.written.append(change)
        self.settled += 1
        if self.shown:
            self.shown.done(change)

    def failed(self, failure: Failure) -> None:
        self.settled += 1
        if self.shown:
            self.shown.failed(failure)

    def left_alone(self, change: Change) -> None:
        self.settled += 1
        if self.shown:
            self.shown.left_alone(change)

    def deferred(self, changes: Sequence[Change]) -> None:
        self.settled += len(changes)
        if self.shown:
            self.shown.deferred(changes)

    def estimate(self, seconds_left: float) -> None:
        if self.shown:
            self.shown.estimate(seconds_left)

    def interrupted(self) -> tuple[str, str]:
        """What Ctrl-C leaves on stderr: what was written, and what to do next."""
        if self.total is None:
            return "interrupted before any change was written", ""
        count = len(self.written)
        line = f"interrupted after {count} of {self.total} changes were written"
        if self.settled < self.total:  # a call was under way: AWS may have made it
            line += "; the one under way may have been written too"
        names = [f"{c.action.name.lower()} {c.artifact} {c.name}" for c in self.written[:SHOWN_WRITTEN]]
        more = f" and {count - SHOWN_WRITTEN} more" if count > SHOWN_WRITTEN else ""
        written = f"written: {', '.join(names)}{more}; " if names else ""
        return line, f"{written}run plinsights plan to see what is left"


@contextmanager
def progress_for(output: str, verb: str, written: WrittenChanges) -> Iterator[WrittenChanges]:
    """`written`, drawing a live progress on stderr when it is a terminal and the output is text."""
    console = Console(stderr=True)
    if output != "text" or not console.is_terminal or console.is_dumb_terminal:  # dumb: cannot redraw a line
        yield written
        return
    written.shown = TerminalProgress(verb)
    live = Live(
        console=console,
        get_renderable=written.shown.render,
        refresh_per_second=REFRESHES_PER_SECOND,
        transient=True,  # the result follows on stdout; the progress has served its purpose
        redirect_stdout=False,  # stdout is for the result, printed after the line is gone
        redirect_stderr=True,  # a warning logged meanwhile is printed above the line, not through it
    )
    with live:
        yield written
