"""Where the time of `derivcheck verify` goes.

1. Cold start, side by side in one run: `derivcheck verify` (seed network, 1,000 points) against
   `python -c "import jax, sympy, numpy"`, each run REPEAT times alternately; medians and their
   ratio are printed.
2. In-process stages of one cold run: symbolic derivation and proofs, sampling, each witness,
   the high-precision reference, the comparison.

Run: .venv/bin/python benchmarks/startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def cold_start(repeat: int) -> None:
    verify_cmd = [str(BIN / "derivcheck"), "verify"]
    import_cmd = [sys.executable, "-c", "import jax, sympy, numpy"]
    verify_t, import_t = [], []
    for _ in range(repeat):  # alternate, so drift in machine load hits both alike
        verify_t.append(wall(verify_cmd))
        import_t.append(wall(import_cmd))
    v, i = statistics.median(verify_t), statistics.median(import_t)
    print(f"cold start, median of {repeat}:")
    print(f"  python -c 'import jax, sympy, numpy'  {i:6.2f} s")
    print(f"  derivcheck verify                     {v:6.2f} s")
    print(f"  ratio verify / imports                {v / i:6.2f}")


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
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]} on {sys.platform}")
    cold_start(args.repeat)
    stages()


if __name__ == "__main__":
    main()
