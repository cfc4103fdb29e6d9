"""A Rich progress bar on stderr for runs that take more than a moment.

`verify` calls `progress(done, total)` at the start of a run and after each chunk of points. The
bar appears `DELAY` seconds after it was opened, from a timer, whether or not a chunk has finished
by then (the proofs and the first chunk can take seconds before any count moves), so short runs
print nothing extra and a long one shows its bar at once; only on a terminal (or when
`force=True`), so pipes and `--json` output stay clean. Counts are printed with thousands
separators (1,000,000).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

DELAY = 0.25  # seconds from opening the bar (before the engine is imported) to showing it


def _bar(file, force: bool, total: int, done: int):
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("points"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
        console=Console(file=file, force_terminal=force or None),
        transient=True,
    )
    bar.start()
    return bar, bar.add_task("points", total=total, completed=done)


@contextmanager
def progress_bar(force: bool = False, file=None) -> Iterator[Callable[[int, int], None]]:
    file = file or sys.stderr
    shown = force or file.isatty()
    began = time.perf_counter()
    state: dict = {}
    lock = threading.Lock()

    def show() -> None:
        with lock:
            if "bar" not in state and "total" in state and not state.get("closed"):
                state["bar"], state["task"] = _bar(file, force, state["total"], state["done"])

    def update(done: int, total: int) -> None:
        if not shown:
            return
        with lock:
            first = "total" not in state
            state["done"], state["total"] = done, total
            if "bar" in state:
                state["bar"].update(state["task"], completed=done)
        wait = DELAY - (time.perf_counter() - began)
        if wait <= 0:
            show()
        elif first:  # the timer shows the bar at DELAY even if no chunk finishes by then
            state["timer"] = timer = threading.Timer(wait, show)
            timer.daemon = True
            timer.start()

    try:
        yield update
    finally:
        with lock:
            state["closed"] = True
        if "timer" in state:
            state["timer"].cancel()
        if "bar" in state:
            state["bar"].stop()
