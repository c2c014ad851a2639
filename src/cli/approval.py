"""Nothing is deleted without a yes: `destroy`, and an `apply` whose plan deletes, show what they
would delete and ask on a terminal; without one they delete nothing unless `--auto-approve`
(terraform's word and rule: only `yes` approves)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from core.artifacts.kind import Change, Delete, Plan
from core.errors import PlinsightsError

SHOWN_DELETES = 50  # named before the question; the rest are counted


class NotApprovedError(PlinsightsError):
    """Deletions were not approved: nothing was written."""


def deletions(plan: Plan) -> list[Change]:
    return [change for change in plan.changes if isinstance(change, Delete)]


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or no stream at all
        return False


def approve_deletions(
    changes: Sequence[Change],
    *,
    what: str,
    auto_approve: bool,
    stdin: TextIO | None = None,
    stderr: TextIO | None = None,
) -> None:
    """Returns when the deletions may go ahead: there are none, --auto-approve was given, or a
    person typed `yes` on the terminal. Raises NotApprovedError otherwise, before any write."""
    if not changes or auto_approve:
        return
    stdin, stderr = stdin or sys.stdin, stderr or sys.stderr
    count = f"{len(changes)} artifact{'s' if len(changes) != 1 else ''}"
    if not is_terminal(stdin):
        raise NotApprovedError(
            f"{what} deletes {count} and there is no terminal to confirm it: nothing was written",
            "run it on a terminal to be asked, or add --auto-approve (plan shows what it deletes)",
        )
    print(f"plinsights: {what} deletes {count}:", file=stderr)
    for change in changes[:SHOWN_DELETES]:
        print(f"  - {change.artifact} {change.name}  ({change.reason})", file=stderr)
    if len(changes) > SHOWN_DELETES:
        print(f"  ... and {len(changes) - SHOWN_DELETES} more", file=stderr)
    print("plinsights: only 'yes' approves. Delete them? ", end="", file=stderr, flush=True)
    if stdin.readline().strip() != "yes":
        raise NotApprovedError(f"{what} cancelled: nothing was written")
