"""A progress bar with rate and ETA, shown on stderr only when it is a terminal.

rich's progress classes are imported only when a bar is drawn, so piped runs and short commands
do not pay for them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from childguard.cli.common import err_console

T = TypeVar("T")


def stderr_is_terminal() -> bool:
    """Whether progress can be drawn (stderr is a terminal)."""
    return sys.stderr.isatty()


def progress_bar(*columns: Any) -> Any:
    """A transient rich ``Progress`` on stderr with ``columns`` and then the rate."""
    from rich.progress import Progress, ProgressColumn, Task
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Items per second."""

        def render(self, task: Task) -> Text:
            """Render the task's speed as ``N.N/s``."""
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.1f}/s" if speed else "-/s", style="progress.data.speed")

    return Progress(*columns, RateColumn(), console=err_console.console, transient=True)


def track(items: Iterable[T], total: int, label: str) -> Iterator[T]:
    """Yield ``items``, drawing a progress bar when stderr is a terminal."""
    if not stderr_is_terminal() or total <= 1:
        yield from items
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with progress_bar(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    ) as progress:
        task = progress.add_task(label, total=total)
        for item in items:
            yield item
            progress.advance(task)


class RunningCount:
    """The callbacks of a ``counter``: ``advance(n)`` adds to the count, ``phase(label)`` renames
    it (a step after the counting, e.g. moving imported rows into place). Both do nothing when
    nothing is drawn."""

    def __init__(self, progress: Any = None, task: Any = None) -> None:
        self._progress = progress
        self._task = task

    def advance(self, n: int) -> None:
        """Add ``n`` to the count."""
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def phase(self, label: str) -> None:
        """Show ``label`` in place of the count's description."""
        if self._progress is not None:
            self._progress.update(self._task, description=label)


@contextmanager
def counter(label: str) -> Iterator[RunningCount]:
    """A ``RunningCount`` drawing a running count with rate on a terminal (no total)."""
    if not stderr_is_terminal():
        yield RunningCount()
        return
    from rich.progress import TextColumn, TimeElapsedColumn

    with progress_bar(
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.completed:,.0f}"),
        TimeElapsedColumn(),
    ) as progress:
        yield RunningCount(progress, progress.add_task(label, total=None))
