"""Progress for long loads: a bar on stderr for files over ~50,000 rows, silence otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

THRESHOLD = 50_000

# progress(label, done, total): called by the loaders as work advances.
ProgressFn = Callable[[str, int, int], None]


def no_progress(label: str, done: int, total: int) -> None:
    """The default: libraries stay quiet."""


class BarProgress:
    """click.progressbar on stderr, one bar per label, only when the work is big."""

    def __init__(self, threshold: int = THRESHOLD) -> None:
        self.threshold = threshold
        self._bar = None
        self._label: str | None = None
        self._done = 0

    def __call__(self, label: str, done: int, total: int) -> None:
        if total < self.threshold:
            return
        if label != self._label:
            self.close()
            self._bar = click.progressbar(length=total, label=label, file=sys.stderr)
            self._bar.__enter__()
            self._label, self._done = label, 0
        self._bar.update(max(0, done - self._done))
        self._done = done
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
        self._bar, self._label = None, None
