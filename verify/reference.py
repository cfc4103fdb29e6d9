"""The high-precision reference: SymPy's own derivative of the forward pass, entry by entry
(`derive.forward.derived_gradient`, never a claimed formula), evaluated with mpmath at
`DIGITS` significant digits at the run's sample points.

mpmath works one point at a time in Python, so the reference covers the first
`MAX_POINTS` points of a run (all of them for the default 1,000); beyond the symbolic budget
(`derive/budget.py`) there is no SymPy derivative to evaluate and the reference is skipped.
Each value is kept as a pair of float64 numbers `hi + lo` (hi the nearest float64, lo the
rest), so a witness's error `(x − hi) − lo` is computed to about 16 digits of itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import mpmath
import numpy as np
import sympy as sp

from derive import Network, network_symbols, setting
from derive.budget import over_budget
from derive.forward import derived_gradient
from derive.model import Setting, explicit
from verify.sampling import Points

DIGITS = 50
MAX_POINTS = 1000


@dataclass(frozen=True, eq=False)
class Reference:
    """`hi[(kind, layer)] + lo[(kind, layer)]` is the true gradient at the first `points` points,
    each (points, rows, cols)."""

    points: int
    hi: dict[tuple[str, int], np.ndarray]
    lo: dict[tuple[str, int], np.ndarray]


def _heaviside(x, h0=None):
    """SymPy's Heaviside(x, 1/2) in mpmath (the value at 0 is SymPy's convention)."""
    if x == 0:
        return mpmath.mpf(1) / 2 if h0 is None else mpmath.mpf(h0)
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0)


@cache
def _compiled(key: Setting, targets: tuple[tuple[str, int], ...]):
    inputs = network_symbols(key).inputs
    plain = sp.symbols(f"x0:{len(inputs)}", real=True)
    rename = dict(zip(inputs, plain, strict=True))
    matrices = [derived_gradient(key, kind, layer) for kind, layer in targets]
    with sp.evaluate(False):
        flat = [explicit(e).xreplace(rename) for m in matrices for e in m]
    fn = sp.lambdify(plain, flat, modules=[{"Heaviside": _heaviside}, "mpmath"], cse=True)
    return fn, [m.shape for m in matrices]


def skipped(network: Network) -> str | None:
    """Why there is no reference for this network, or None."""
    if reason := over_budget(setting(network.numeric, generic=False)):
        return f"skipped (size): {reason}"
    return None


def prepare(network: Network, targets: Sequence[tuple[str, int]]) -> None:
    """Compile the reference's function now (SymPy work, best done before any thread starts)."""
    _compiled(setting(network.numeric, generic=False), tuple(dict.fromkeys(targets)))


def compute(network: Network, targets: Sequence[tuple[str, int]], points: Points, count: int) -> Reference:
    """The true gradients of `targets` ((kind, layer), e.g. ("W", 1)) at the first `count` points."""
    from verify.sympy_numeric import columns

    key = setting(network.numeric, generic=False)
    targets = tuple(dict.fromkeys(targets))
    fn, shapes = _compiled(key, targets)
    columns = np.stack(columns(points), axis=1)[:count].astype(np.float64).tolist()
    values = []
    with mpmath.workdps(DIGITS):
        for row in columns:  # float → mpf is exact
            values.append(fn(*map(mpmath.mpf, row)))
        # Python floats for hi (mpf − np.float64 takes a slower conversion than mpf − float)
        hi = [[float(v) for v in point] for point in values]
        lo = [
            [float(v - h) for v, h in zip(point, hs, strict=True)]
            for point, hs in zip(values, hi, strict=True)
        ]
        hi, lo = np.array(hi), np.array(lo)
    out_hi, out_lo, k = {}, {}, 0
    for target, (rows, cols) in zip(targets, shapes, strict=True):
        size = rows * cols
        out_hi[target] = hi[:, k : k + size].reshape(count, rows, cols)
        out_lo[target] = lo[:, k : k + size].reshape(count, rows, cols)
        k += size
    return Reference(count, out_hi, out_lo)


def errors(x: np.ndarray, ref: Reference, target: tuple[str, int], dtype: str):
    """A witness's values at the reference points against the truth: (absolute, relative, ulp),
    each (points, rows, cols) float64. ULPs are of `dtype` at the true value: an entry that is
    small through cancellation shows many ULPs for an error that is tiny against the gradient's
    scale, which the tolerance budgets for."""
    hi, lo = ref.hi[target], ref.lo[target]
    x = x[: ref.points].astype(np.float64)
    absolute = np.abs((x - hi) - lo)
    truth = np.abs(hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(truth > 0, absolute / truth, np.where(absolute > 0, np.inf, 0.0))
    # the ULP at the true value; a true 0 counts with the ULP of the smallest normal number
    floor = np.finfo(dtype).tiny
    with np.errstate(over="ignore"):  # a wrong value where the truth is 0: infinitely many ULPs
        ulp = absolute / np.spacing(np.maximum(truth, floor).astype(dtype)).astype(np.float64)
    return absolute, relative, ulp
