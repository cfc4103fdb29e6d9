"""A Rich progress bar on stderr for runs that take more than about a second.

`verify` calls `progress(done, total)` after each chunk of points; the bar appears only once
`DELAY` seconds have passed, so short runs print nothing extra, and only on a terminal (or
when `force=True`), so pipes and `--json` output stay clean.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

DELAY = 1.0  # seconds before the bar appears


@contextmanager
def progress_bar(force: bool = False, file=None) -> Iterator[Callable[[int, int], None]]:
    file = file or sys.stderr
    shown = force or file.isatty()
    began = time.perf_counter()
    state: dict = {}

    def update(done: int, total: int) -> None:
        if not shown or (time.perf_counter() - began < DELAY and "bar" not in state):
            return
        if "bar" not in state:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            bar = Progress(
                TextColumn("points"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(file=file, force_terminal=force or None),
                transient=True,
            )
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task("points", total=total)
        state["bar"].update(state["task"], completed=done)

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].stop()
