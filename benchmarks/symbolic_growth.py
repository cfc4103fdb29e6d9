"""How the symbolic witness's cost grows with the network, to set `derive/budget.py`.

For each size: the time to derive and prove the identities of layer 1 entry by entry (generic
f and ℓ on an n × m slice), or of every layer (a whole network with its own activation and
loss), with the budget lifted, two ways side by side, each in a fresh process (no caches shared):
- `sp.diff`: SymPy alone, `sp.diff` of the whole loss once per entry (the path within the old
  budget, and the only one before symengine: `derive.budget.SHARED_FROM_*` set out of reach,
  `derive.symengine_backend.se` None);
- `reverse+se`: reverse accumulation over the forward equations (`derive/reverse_mode.py`), its
  polynomial partials and the zero test's atoms expanded by symengine — the path beyond the
  old budget.
A row over `--max-seconds` prints `>N`. The last column is their ratio.

Run: .venv/bin/python benchmarks/symbolic_growth.py [--max-seconds 300] [--only-new]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from itertools import pairwise

CHILD = """
import sys, time
import derive.budget as budget
import derive.symengine_backend as backend
budget.GENERIC_WEIGHTS = budget.CONCRETE_COST = 10**9  # measure beyond the budget
if sys.argv[5] == "sp.diff":
    budget.SHARED_FROM_GENERIC = budget.SHARED_FROM_CONCRETE = 10**9
    backend.se = None
else:
    budget.SHARED_FROM_GENERIC = budget.SHARED_FROM_CONCRETE = -1
from derive import Network, network_identities, prove
sizes = tuple(int(n) for n in sys.argv[1].split(","))
activation, loss, batch = sys.argv[2], sys.argv[3], int(sys.argv[4])
generic = activation == "generic"
network = Network(sizes, "sigmoid" if generic else activation, "mse" if generic else loss, batch=batch)
identities = network_identities(network)
if generic:
    identities = [i for i in identities if i.target.layer == 1]  # the slice 1, 2
start = time.perf_counter()
statuses = {prove(i, network, generic).status for i in identities}
print(time.perf_counter() - start, ",".join(sorted(statuses)))
"""

CASES = [  # (sizes, activation ("generic": f and ℓ undefined, layer 1's slice), loss, batch)
    ((4, 3), "generic", "generic", 1),
    ((8, 8), "generic", "generic", 1),
    ((16, 16), "generic", "generic", 1),
    ((24, 24), "generic", "generic", 1),
    ((32, 32), "generic", "generic", 1),
    ((64, 64), "generic", "generic", 1),
    ((4, 3), "generic", "generic", 16),
    ((4, 3), "sigmoid", "mse", 1),
    ((8, 8), "sigmoid", "mse", 1),
    ((16, 16), "sigmoid", "mse", 1),
    ((64, 64), "sigmoid", "mse", 1),
    ((4, 3), "sigmoid", "mse", 16),
    ((8, 8), "sigmoid", "mse", 4),
    ((3, 3, 3), "sigmoid", "mse", 1),
    ((8, 8, 8), "sigmoid", "mse", 1),
    ((4, 4, 4, 4), "sigmoid", "mse", 1),
    ((6, 5, 4, 3), "tanh", "softmax-ce", 8),
]
ENGINES = ("sp.diff", "reverse+se")
ROW = "{:<10} {:<20} {:>3} {:>6} {:>10} {:>13} {:>6}  {}"


def measure(sizes, activation, loss, batch, engine, limit) -> tuple[float | None, str]:
    env = {**os.environ, "PYTHONPATH": os.getcwd() + os.pathsep + os.environ.get("PYTHONPATH", "")}
    args = [",".join(map(str, sizes)), activation, loss, str(batch), engine]
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, *args],
            capture_output=True,
            text=True,
            timeout=limit,
            check=True,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return None, ""
    seconds, status = done.stdout.split()
    return float(seconds), status


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-seconds", type=float, default=300, help="time limit per row and engine")
    parser.add_argument("--only-new", action="store_true", help="the reverse+se column only")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    columns = ("sizes", "functions", "B", "cost", "sp.diff s", "reverse+se s", "ratio")
    print(ROW.format(*columns, "status"))
    for sizes, activation, loss, batch in CASES:
        weights = sum(a * b for a, b in pairwise(sizes)) * batch
        cost = weights if activation == "generic" else weights * (len(sizes) - 1)
        seconds: dict[str, float | None] = {}
        status = ""
        engines = ENGINES[1:] if args.only_new else ENGINES
        for engine in reversed(engines):  # the fast one first: a timed-out slow one says less
            seconds[engine], found = measure(sizes, activation, loss, batch, engine, args.max_seconds)
            status = status or found
        shown = [
            "-"
            if e not in seconds
            else f">{args.max_seconds:.0f}"
            if seconds[e] is None
            else f"{seconds[e]:.2f}"
            for e in ENGINES
        ]
        old, new = seconds.get("sp.diff"), seconds.get("reverse+se")
        ratio = (
            f"{old / new:.0f}×"
            if old and new
            else f">{args.max_seconds / new:.0f}×"
            if new and "sp.diff" in seconds
            else ""
        )
        functions = "generic f, ℓ (1,2)" if activation == "generic" else f"{activation}, {loss}"
        shape = "x".join(map(str, sizes))
        print(ROW.format(shape, functions, batch, cost, *shown, ratio, status), flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}; {time.strftime('%Y-%m-%d %H:%M')}")


if __name__ == "__main__":
    main()
