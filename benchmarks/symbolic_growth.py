"""How the symbolic witness's cost grows with the network, to set `derive/budget.py`.

For each size: the time SymPy takes to derive and prove the four identities of one layer
boundary, entry by entry, with the budget lifted — generic f and ℓ on an n × m slice, and
sigmoid with mse on whole networks. Each row is measured in a fresh process (no caches shared).

Run: .venv/bin/python benchmarks/symbolic_growth.py [--max-seconds 600]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from itertools import pairwise

CHILD = """
import sys, time
import derive.budget as budget
budget.GENERIC_WEIGHTS = budget.CONCRETE_COST = 10**9  # measure beyond the budget
from derive import Network, network_identities, prove
sizes = tuple(int(n) for n in sys.argv[1].split(","))
generic, batch = sys.argv[2] == "generic", int(sys.argv[3])
network = Network(sizes, "sigmoid", "mse", batch=batch)
identities = [i for i in network_identities(network) if i.target.layer == 1]  # the slice 1, 2 if generic
start = time.perf_counter()
statuses = {prove(i, network, generic).status for i in identities}
print(time.perf_counter() - start, ",".join(sorted(statuses)))
"""

CASES = [  # (sizes, "generic" | "concrete", batch)
    ((4, 3), "generic", 1),
    ((8, 8), "generic", 1),
    ((16, 16), "generic", 1),
    ((24, 24), "generic", 1),
    ((32, 32), "generic", 1),
    ((4, 3), "generic", 16),
    ((4, 3), "concrete", 1),
    ((8, 8), "concrete", 1),
    ((16, 16), "concrete", 1),
    ((4, 3), "concrete", 16),
    ((8, 8), "concrete", 4),
    ((3, 3, 3), "concrete", 1),
    ((8, 8, 8), "concrete", 1),
    ((4, 4, 4, 4), "concrete", 1),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-seconds", type=float, default=600, help="time limit per row")
    args = parser.parse_args()
    print(
        f"{'sizes':<14} {'functions':<22} {'batch':>5} {'weights×B':>10} {'seconds':>9} {'× 4→3':>7}  status"
    )
    base: dict[str, float] = {}
    for sizes, kind, batch in CASES:
        weights = sum(a * b for a, b in pairwise(sizes)) * batch
        shown = "x".join(map(str, sizes))
        functions = "generic f, ℓ (slice 1,2)" if kind == "generic" else "sigmoid, mse (whole)"
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-c", CHILD, repr(sizes), kind, str(batch)],
                capture_output=True,
                text=True,
                timeout=args.max_seconds,
                check=True,
            )
            seconds, status = done.stdout.split()
            seconds = float(seconds)
        except subprocess.TimeoutExpired:
            seconds, status = time.perf_counter() - start, f"over {args.max_seconds:.0f} s"
        ratio = seconds / base.setdefault(kind, seconds)
        row = f"{shown:<14} {functions:<22} {batch:>5} {weights:>10} {seconds:>9.2f} {ratio:>7.1f}  {status}"
        print(row, flush=True)


if __name__ == "__main__":
    main()
