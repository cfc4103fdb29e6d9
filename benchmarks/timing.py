"""What the side-by-side benchmarks share: a warm median time and the machine they ran on."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object], repeat: int) -> float:
    """The median of `repeat` timed calls of `fn`, in seconds, after one untimed (warm: compiled)."""
    fn()  # warm: compilation, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def machine() -> str:
    """`python 3.11.7, 2 cores, load average 0.52, 0.61, 0.70`: what a ratio was measured on."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"python {platform.python_version()}, {os.cpu_count()} cores, load average {load}"
