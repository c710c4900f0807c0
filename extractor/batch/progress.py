"""A progress bar on a terminal (documents done, docs/s, errors, ETA), nothing otherwise."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable


class Progress:
    def __init__(self, enabled: bool | None = None, *, done_before: int = 0) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.done = 0
        self.errors = 0
        self.start = time.monotonic()
        self._bar = None
        self._task = None
        self._last = 0.0
        self._done_before = done_before
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("coopx batch"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:.1f} docs/s"),
                TextColumn("errors {task.fields[errors]}"),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._task = self._bar.add_task("batch", total=None, rate=0.0, errors=0)
            self._bar.start()

    def count_in_background(self, counter: Callable[[], int | None]) -> None:
        """Learn the total (for the ETA) without delaying the start."""
        if not self.enabled:
            return

        def run() -> None:
            total = counter()
            if total is not None and self._bar is not None:
                self._bar.update(self._task, total=max(total - self._done_before, self.done))

        threading.Thread(target=run, daemon=True).start()

    def advance(self, error: bool = False) -> None:
        self.done += 1
        self.errors += bool(error)
        if self._bar is None:
            return
        now = time.monotonic()
        if now - self._last >= 0.2:
            self._last = now
            rate = self.done / max(now - self.start, 1e-9)
            self._bar.update(self._task, completed=self.done, rate=rate, errors=self.errors)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
