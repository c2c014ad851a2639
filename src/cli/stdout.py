"""A reader that stops reading (`plinsights plan --output json | head -1`) ends the output, never the
run: no BrokenPipeError traceback, and the command's own exit status."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO


class ReaderTolerantStdout:
    """sys.stdout for one command. Once the reader has gone, the rest of the output is dropped: what
    was decided or written does not depend on who reads about it. The stream's descriptor is then
    pointed at the null device, so that the flush Python makes at exit cannot fail either."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                return self.stream.write(text)
            except BrokenPipeError:
                self.drop_the_rest()
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self.drop_the_rest()

    def drop_the_rest(self) -> None:
        self.reader_gone = True
        try:
            null = os.open(os.devnull, os.O_WRONLY)
        except OSError:
            return
        try:
            os.dup2(null, self.stream.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):  # a stream without a descriptor of its own
            pass
        finally:
            os.close(null)

    def __getattr__(self, name: str) -> Any:  # isatty, encoding, fileno ... as the stream has them
        return getattr(self.stream, name)


@contextmanager
def tolerating_a_closed_pipe() -> Iterator[ReaderTolerantStdout]:
    """sys.stdout wrapped for the block, flushed at its end while a closed pipe is still tolerated."""
    original = sys.stdout
    wrapped = ReaderTolerantStdout(original)
    sys.stdout = wrapped  # a TextIO in all a writer uses
    try:
        yield wrapped
    finally:
        wrapped.flush()
        sys.stdout = original
