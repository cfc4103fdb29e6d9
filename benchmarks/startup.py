"""Where the time of a cold `derivcheck check` and `derivcheck verify` goes.

1. Cold start, side by side in one run, each command in a new process, all of them alternating
   round by round (so drift in the machine's load hits each alike), medians of REPEAT rounds:
   - the import floor, `python -c "import jax, sympy, numpy"`;
   - `derivcheck check examples/seed-notes.md` and `derivcheck verify` (the seed network,
     1,000 points) on a RERUN: the disk cache (derive/disk_cache.py) filled by an earlier run,
     the realistic case (a student reruns after each edit);
   - the same two on a FIRST-EVER run: an empty cache folder for every timed run.
   The ratios to the import floor are printed for all four.
2. In-process stages of one cold run (`--stages`): symbolic derivation and proofs, sampling,
   each witness, the high-precision reference, the comparison.

The commands run the code of `--tree` (default: this checkout) by `python -c` from its root, so
two checkouts can be compared with the same script; the cache lives in a temporary folder
(`DERIVCHECK_CACHE_DIR`), never the user's.

Run: .venv/bin/python benchmarks/startup.py [--repeat 5] [--tree PATH] [--versus PATH] [--stages]
(`--versus` times a second checkout's commands in the same rounds, e.g. the code before a change).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmarks.timing, run as a script
from benchmarks.timing import machine  # noqa: E402

CLI = "import sys; from reports.cli import main; sys.argv[0] = 'derivcheck'; main()"
COMMANDS = {
    "check": ["check", "examples/seed-notes.md"],
    "verify": ["verify"],
}


def wall(cmd: list[str], tree: Path, cache: Path) -> float:
    env = {**os.environ, "DERIVCHECK_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd[3:])} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return elapsed


def cold_start(repeat: int, trees: list[Path]) -> None:
    """Each round: the floor, then every tree's commands, rerun and first run, in turn."""
    floor_cmd = [sys.executable, "-c", "import jax, sympy, numpy"]
    runs = {name: [sys.executable, "-c", CLI, *args] for name, args in COMMANDS.items()}
    floor: list[float] = []
    times: dict[tuple[Path, str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="derivcheck-bench-") as scratch:
        warm = {tree: Path(scratch) / f"warm{k}" for k, tree in enumerate(trees)}
        empty = Path(scratch) / "empty"
        for tree in trees:
            for cmd in runs.values():  # fill the cache the reruns read (untimed)
                wall(cmd, tree, warm[tree])
        for _ in range(repeat):
            floor.append(wall(floor_cmd, ROOT, empty))
            for tree in trees:
                for name, cmd in runs.items():
                    times.setdefault((tree, name, "rerun"), []).append(wall(cmd, tree, warm[tree]))
                    shutil.rmtree(empty, ignore_errors=True)
                    times.setdefault((tree, name, "first run"), []).append(wall(cmd, tree, empty))
    base = statistics.median(floor)
    print(f"cold start, median of {repeat} rounds, alternating ({machine()} at the end):")
    floor_label = "python -c 'import jax, sympy, numpy'"
    print(f"  {floor_label:<66} {base:6.2f} s")
    for (tree, name, case), values in times.items():
        m = statistics.median(values)
        what = f"derivcheck {' '.join(COMMANDS[name])} ({case})"
        where = f" [{tree.name}]" if len(trees) > 1 else ""
        print(f"  {what + where:<66} {m:6.2f} s   ratio {m / base:5.2f}")
    print("  (rerun: the disk cache filled by an earlier run; first run: an empty cache folder)")


def stages() -> None:
    t0 = time.perf_counter()
    from derive import Network
    from derive.claims import builtin_claims
    from verify import run, sample
    from verify.run import HAND_WRITTEN, Reason, prepare

    timings = {"imports (derive, verify)": time.perf_counter() - t0}

    def timed(label, fn, *args):
        start = time.perf_counter()
        out = fn(*args)
        timings[label] = time.perf_counter() - start
        return out

    network = Network()
    claims = builtin_claims(network)
    prepared = timed(
        "derive: symbolic forward, derivatives, proofs", lambda: [prepare(c, network) for c in claims]
    )
    points = timed("sample 1,000 points", sample, network, 1000, 0)
    live = list(range(len(claims)))
    timed(
        "witnesses (import, jit, lambdify) + compare",
        run._check_slice, network, prepared, live, points, "float64", Reason.NONE, HAND_WRITTEN, True, None,
    )  # fmt: skip
    from verify import reference

    targets = [(c.wrt.kind, c.wrt.layer) for c in claims]
    timed("reference: arb, 50 digits, 1,000 points", reference.compute, network, targets, points, 1000)
    total = sum(timings.values())
    print("\nin-process stages of one cold run (4 → 3, sigmoid, mse, 1,000 points):")
    for label, seconds in timings.items():
        print(f"  {label:<48} {seconds:6.3f} s  {100 * seconds / total:5.1f} %")
    print(f"  {'total':<48} {total:6.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose code runs")
    parser.add_argument("--versus", type=Path, help="another checkout, timed in the same rounds")
    parser.add_argument("--stages", action="store_true", help="also time one run's stages")
    args = parser.parse_args()
    trees = [args.tree.resolve()] + ([args.versus.resolve()] if args.versus else [])
    cold_start(args.repeat, trees)
    if args.stages:
        stages()


if __name__ == "__main__":
    main()
