"""When the progress bar first appears, and when the run ends, for `derivcheck verify --points N`
run in a pseudo-terminal (the bar shows only on a terminal). Prints seconds from the command's
start; measured, never asserted.

    python benchmarks/progress_bar.py 1e6
"""

from __future__ import annotations

import os
import pty
import select
import sys
import time


def measure(points: str) -> tuple[float | None, float]:
    command = [sys.executable, "-c", "from reports.cli import main; main()", "verify", "--points", points]
    began = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(sys.executable, command)
    first, seen = None, b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if first is None and b"\x1b[2Kpoints " in seen:  # the bar's first line
                first = time.perf_counter() - began
    os.waitpid(pid, 0)
    return first, time.perf_counter() - began


if __name__ == "__main__":
    for points in sys.argv[1:] or ["1e6"]:
        first, total = measure(points)
        shown = "never" if first is None else f"{first:.2f} s"
        print(f"verify --points {points}: bar first drawn at {shown}; run ended at {total:.2f} s")
