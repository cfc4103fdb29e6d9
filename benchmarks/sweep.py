"""Sweeps: points per second of the whole three-way check, end to end, each stage's share, and
peak memory — of this tree and, with `--versus DIR`, of another checkout side by side.

Every measurement runs in a fresh process that imports the tree measured (its folder first on
`sys.path`, and its working directory): `verify(Network(), points)` on the seed network after one
warm-up run of 1,000 points (so SymPy's proofs and the compilations are not counted; the
high-precision reference on the first 1,000 points is). End to end means sampling, the three
witnesses, the comparison and the reference, on `verify.run.WORKERS` threads. Peak memory is the
process's maximum resident set size; with chunked points it should not grow with the number of
points. The trees' processes alternate, `--repeat` rounds; medians are printed, with the load
average before and after (other work on the machine slows both alike), and the CPU time a point
took (the process's, every thread's): what the points a second would be on idle cores.

Then the stages of one slice (the unit a chunk is checked in), one thread, each timed alone in
CPU time (the process's, XLA's threads included; robust to other load, unlike wall time): the
sampling (per point of a whole chunk), the three witnesses, the claims' right sides over the
oracle's values, the comparisons; "glue" is the whole slice less its timed parts (Python work per
slice). A stage's share is its part of one point's CPU time (sampling + the whole slice).

Run: .venv/bin/python benchmarks/sweep.py [--points 100000 4000000] [--versus ../wt-before]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

END_TO_END = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
from derive import Network
from verify import verify_network
points, dtype = int(sys.argv[1]), sys.argv[2]
verify_network(Network(), points=1000, dtype=dtype)
start, cpu = time.perf_counter(), time.process_time()
run = verify_network(Network(), points=points, seed=1, dtype=dtype)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
import jax
print(json.dumps({"seconds": seconds, "cpu": cpu, "passed": run.passed, "chunks": run.settings.chunks,
                  "reference": run.reference.seconds, "devices": [str(d) for d in jax.devices()],
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

STAGES = """
import json, statistics, sys, time
sys.path.insert(0, sys.argv[2])
from derive import Network
from derive.claims import builtin_claims
from verify import agreement as agree, numpy_backprop, run, sampling, tolerance
from verify.claim_values import oracle_values, value
from verify.run import HAND_WRITTEN, Reason, prepare
from verify.sampling import SLICE, sample
from verify.sympy_numeric import forward_and_formulas
from verify.verdict import terms_of

dtype = sys.argv[1]
net = Network()
numeric = net.numeric
prepared = [prepare(c, net) for c in builtin_claims(net)]
live = list(range(len(prepared)))
identities = [p.identity for p in prepared]
args = (numeric.activation, numeric.loss, float(numeric.slope), numeric.reduction)
size, chunk = SLICE, sampling.block(numeric)
times = {}

def timed(label, fn, *a):  # CPU time of the process (XLA's threads too): other work on the
    start = time.process_time()  # machine does not count, as it does in wall time
    out = fn(*a)
    times.setdefault(label, []).append(time.process_time() - start)
    return out

for k in range(9):
    pts = timed("sample", sample, numeric, chunk, 0, False, dtype, k + 1).part(0, size)
    oracle = timed("jax.grad (oracle)", oracle_values, net, pts)
    forward, right = timed("sympy", forward_and_formulas, numeric, identities, pts)
    cache = timed("numpy forward", numpy_backprop.forward, pts.z1, pts.W, pts.b, pts.y, *args)
    grads = timed("numpy backward", numpy_backprop.backward, cache, pts.W, pts.y, *args)
    sides = timed(
        "claims' right sides", lambda: [(value(p.left, oracle), value(p.right, oracle)) for p in prepared]
    )
    n0 = tolerance.terms(net.sizes, net.batch, 0)
    forwards = {"sympy": forward, "numpy": cache, "jax": oracle.forward}
    timed("compare forward", agree.forward, forwards, n0, dtype)
    def claims():
        for p, (left, r), s in zip(prepared, sides, right):
            arrays = {"sympy": s, "numpy": r, "jax": left}
            if agree.quick(arrays, terms_of(p.claim, net), dtype) is None:
                raise SystemExit("a slice needed the full comparison")
    timed("compare claims", claims)
    def code():
        for name, truth in oracle.gradients.items():
            if name not in grads:  # an intermediate's gradient the implementation need not give
                continue
            layer = int(name[5:])
            n = tolerance.terms(net.sizes, net.batch, layer)
            if agree.quick({"numpy": grads[name], "jax": truth}, n, dtype) is None:
                raise SystemExit("a slice needed the full comparison")
    timed("compare implementation", code)
    fresh = sample(numeric, size, 0, False, dtype, k + 100)  # not in the caches, as the parts' were not
    timed(
        "whole slice", run._check_slice,
        net, prepared, live, fresh, dtype, Reason.NONE, HAND_WRITTEN, False, None,
    )
out = {label: statistics.median(v[3:]) / (chunk if label == "sample" else size) for label, v in times.items()}
print(json.dumps(out))
"""


def child(code: str, tree: Path, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args, str(tree)], capture_output=True, text=True, cwd=tree, check=False
    )
    if out.returncode:
        raise SystemExit(f"{tree}: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--points", type=int, nargs="+", default=[100_000, 4_000_000])
    parser.add_argument("--dtype", default="float64")
    parser.add_argument("--versus", type=Path, help="another checkout, measured side by side (before)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of alternating processes")
    args = parser.parse_args()
    trees = {"this": HERE}
    if args.versus is not None:
        trees = {"before": args.versus.resolve(), "after": HERE}
    print(f"seed network 4 → 3, sigmoid, mse, {args.dtype}; {os.cpu_count()} cores, load average {load()}")
    for name, tree in trees.items():
        head = subprocess.run(
            ["git", "-C", str(tree), "log", "-1", "--format=%h %s"], capture_output=True, text=True
        )
        print(f"  {name}: {tree} at {head.stdout.strip()[:70]}")
    rates: dict[str, dict[int, list[float]]] = {name: {p: [] for p in args.points} for name in trees}
    cpus: dict[str, dict[int, list[float]]] = {name: {p: [] for p in args.points} for name in trees}
    last: dict[tuple[str, int], dict] = {}
    for _ in range(args.repeat):
        for points in args.points:
            for name, tree in trees.items():
                r = child(END_TO_END, tree, str(points), args.dtype)
                rates[name][points].append(points / r["seconds"])
                cpus[name][points].append(r["cpu"] / points)
                last[name, points] = r
    print(f"end to end (median of {args.repeat}, alternating), load average now {load()}:")
    for points in args.points:
        for name in trees:
            r, rate = last[name, points], statistics.median(rates[name][points])
            cpu = statistics.median(cpus[name][points])
            spread = ", ".join(f"{x / 1e6:.2f}" for x in rates[name][points])
            print(
                f"  {name:>6} {points:>11,} points: {rate / 1e6:5.2f} M points/s ({spread}), "
                f"CPU {1e9 * cpu:.0f} ns a point; "
                f"{r['chunks']} chunks, reference {r['reference']:.2f} s, peak RSS {r['rss']:.0f} MiB, "
                f"{'passed' if r['passed'] else 'FAILED'}; devices {', '.join(r['devices'])}"
            )
        if len(trees) == 2:
            before, after = (statistics.median(rates[n][points]) for n in trees)
            cpu_before, cpu_after = (statistics.median(cpus[n][points]) for n in trees)
            print(
                f"  {'':>6} {points:>11,} points: after / before = {after / before:.2f} in points a second, "
                f"{cpu_before / cpu_after:.2f} in points a CPU second (load moves the first far more)"
            )
    stages = {name: [] for name in trees}
    for _ in range(args.repeat):
        for name, tree in trees.items():
            stages[name].append(child(STAGES, tree, args.dtype))
    medians = {
        name: {label: statistics.median(r[label] for r in runs) for label in runs[0]}
        for name, runs in stages.items()
    }
    print(f"stages, CPU ns per point, one thread (median of {args.repeat} processes), share of a point's:")
    header = "".join(f"{name:>19}" for name in trees)
    print(f"  {'stage':<26}{header}")
    for name in trees:
        m = medians[name]
        parts = sum(v for k, v in m.items() if k not in ("sample", "whole slice"))
        m["glue (slice less parts)"] = m["whole slice"] - parts
        m["one point (sample + slice)"] = m["sample"] + m["whole slice"]
    labels = [k for k in medians[next(iter(trees))] if k != "whole slice"]
    for label in labels:
        row = ""
        for name in trees:
            value, total = medians[name][label], medians[name]["one point (sample + slice)"]
            row += f"{1e9 * value:9.0f} ns {100 * value / total:4.0f} %  "
        print(f"  {label:<26}{row}")
    for name in trees:
        total = medians[name]["one point (sample + slice)"]
        cores = os.cpu_count() or 1
        rate = f"one thread {1 / total / 1e6:.2f} M points/s; {cores} cores at most {cores / total / 1e6:.2f}"
        print(f"  {name}: {rate}")
    print(f"load average at the end {load()}")


if __name__ == "__main__":
    main()
