"""A progress line on stderr for long runs."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Counts finished items and shows done/total, rate and time left on a stream.

    Parameters
    ----------
    total : int
        Items to do.
    label : str
        What is counted, e.g. ``"customers"``.
    verb : str
        What is done to them, e.g. ``"planned"``.
    stream : file, optional
        Where to write; stderr by default.
    """

    def __init__(self, total: int, label: str = "customers", stream: TextIO | None = None,
                 verb: str = "planned"):
        self.total = total
        self.label = label
        self.verb = verb
        self.stream = stream or sys.stderr
        self.done = 0
        self.skipped = 0
        self.start = time.monotonic()
        self.last_shown = 0.0
        self.interactive = self.stream.isatty()

    def skip(self, count: int) -> None:
        """Record ``count`` items done earlier (resumed); they do not count towards the rate."""
        if count:
            self.skipped += count
            self.advance(count)

    def advance(self, count: int = 1) -> None:
        """Record ``count`` more finished items and refresh the line when due."""
        self.done += count
        now = time.monotonic()
        every = 0.2 if self.interactive else 5.0
        if self.done >= self.total or now - self.last_shown >= every:
            self.last_shown = now
            self._show(now)

    def _show(self, now: float) -> None:
        elapsed = max(now - self.start, 1e-9)
        rate = (self.done - self.skipped) / elapsed
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        text = (f"{self.verb} {self.done}/{self.total} {self.label} "
                f"({rate:.1f}/s, {elapsed:.0f} s elapsed, ~{left:.0f} s left)")
        end = "" if self.interactive and self.done < self.total else "\n"
        prefix = "\r" if self.interactive else ""
        self.stream.write(f"{prefix}{text}{end}")
        self.stream.flush()
