"""Sweeps: points per second of the whole three-way check, end to end, and its peak memory.

Each size runs in a fresh process: `verify(Network(), points)` on the seed network after one
warm-up run of 1,000 points (so SymPy's proofs and the compilations are not counted; the
high-precision reference on the first 1,000 points is). End to end means sampling, the three
witnesses, the comparison and the reference. Peak memory is the process's maximum resident
set size; with chunked points it should not grow with the number of points. Then the stages
of one slice of 16,384 points (the unit a later chunk of 65,536 is checked in), timed alone.

Run: .venv/bin/python benchmarks/sweep.py [--points 100000 1000000 4000000] [--dtype float64]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CHILD = """
import json, resource, sys, time
from derive import Network
from verify import verify_network
points, dtype = int(sys.argv[1]), sys.argv[2]
verify_network(Network(), points=1000, dtype=dtype)
start = time.perf_counter()
run = verify_network(Network(), points=points, seed=1, dtype=dtype)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "passed": run.passed, "chunks": run.settings.chunks,
                  "reference": run.reference.seconds,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def stages(dtype: str) -> None:
    import numpy as np

    from derive import Network
    from derive.claims import builtin_claims
    from verify import run, sample
    from verify.run import HAND_WRITTEN, Reason, prepare
    from verify.sampling import SLICE

    net, size = Network(), SLICE
    prepared = [prepare(c, net) for c in builtin_claims(net)]
    live = list(range(len(prepared)))
    timings: dict[str, list[float]] = {}

    def timed(label, fn, *args, **kwargs):
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        timings.setdefault(label, []).append(time.perf_counter() - start)
        return out

    for k in range(7):
        pts = timed("sample", sample, net, size, 0, False, dtype, k + 1)
        timed(
            "witnesses + compare",
            run._check_slice, net, prepared, live, pts, dtype, Reason.NONE, HAND_WRITTEN, False, None,
        )  # fmt: skip
    print(f"\nstages of one slice of {size:,} points (median of the last 5 of 7), one thread:")
    total = 0.0
    for label, values in timings.items():
        seconds = float(np.median(values[2:]))
        total += seconds
        print(f"  {label:<20} {1e3 * seconds:7.1f} ms  {size / seconds / 1e6:6.1f} M points/s")
    print(f"  {'all':<20} {1e3 * total:7.1f} ms  {size / total / 1e6:6.2f} M points/s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--points", type=int, nargs="+", default=[100_000, 1_000_000, 4_000_000])
    parser.add_argument("--dtype", default="float64")
    args = parser.parse_args()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"seed network 4 → 3, sigmoid, mse, {args.dtype}; {os.cpu_count()} cores, load average {load}")
    for points in args.points:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(points), args.dtype], capture_output=True, text=True, check=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"  {points:>11,} points: {r['seconds']:6.2f} s = {points / r['seconds'] / 1e6:5.2f} M points/s "
            f"end to end ({r['chunks']} chunks, reference {r['reference']:.2f} s), "
            f"peak RSS {r['rss']:.0f} MiB, "
            f"{'passed' if r['passed'] else 'FAILED'}"
        )
    stages(args.dtype)


if __name__ == "__main__":
    main()
