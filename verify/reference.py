"""The high-precision reference: SymPy's own derivative of the forward pass, entry by entry
(`derive.forward.derived_gradient`, never a claimed formula), evaluated to at least `DIGITS`
significant digits at the run's sample points.

It is evaluated in arb ball arithmetic (python-flint) at `ARB_BITS` bits: each value comes
with a rigorous error bound, and is accepted only when that bound is within 10^-DIGITS of the
value. Where a ball is wider, or an expression needs a function outside `ARB_FUNCTIONS`, the
whole reference is evaluated with mpmath at `DIGITS` digits instead, as it was before (8× slower
on the seed network: 0.34 s instead of 0.043 s for 1,000 points, median of 5 alternated on a
loaded 2-core machine; the same values to the bit).

Both work one point at a time in Python, so the reference covers the first
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

from derive import Network, network_symbols
from derive.budget import Budget, over_budget, shared_derivation
from derive.dag import lambdify_shared, rewrite
from derive.forward import derived_gradient
from derive.model import Setting, setting
from verify.sampling import Points

DIGITS = 50
MAX_POINTS = 1000
LIBRARY = "arb"  # the library the reference is evaluated with, unless it falls back to mpmath
ARB_BITS = 256  # 50 digits are 167 bits; the rest are guard bits for the ~200 roundings a point
# the names the lambdified derivatives may use in arb (every activation and loss of the registry)
ARB_FUNCTIONS = frozenset({"mpf", "exp", "log", "tanh", "erf", "sqrt", "pi", "Heaviside", "max"})


@dataclass(frozen=True, eq=False)
class Reference:
    """`hi[(kind, layer)] + lo[(kind, layer)]` is the true gradient at the first `points` points,
    each (points, rows, cols)."""

    points: int
    hi: dict[tuple[str, int], np.ndarray]
    lo: dict[tuple[str, int], np.ndarray]
    library: str = "mpmath"  # what evaluated it: "arb" (python-flint) or "mpmath"


def _heaviside(x, h0=None):
    """SymPy's Heaviside(x, 1/2) in mpmath (the value at 0 is SymPy's convention)."""
    if x == 0:
        return mpmath.mpf(1) / 2 if h0 is None else mpmath.mpf(h0)
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0)


class _Wide(ArithmeticError):
    """An arb ball that does not settle a comparison or is wider than 10^-DIGITS."""


def _arb_namespace() -> dict:
    """arb versions of the names the lambdified (mpmath-printed) derivatives use."""
    import flint

    arb = flint.arb

    def heaviside(x, h0=None):  # SymPy's Heaviside(x, 1/2)
        x = arb(x)
        if x == 0:
            return arb(1) / 2 if h0 is None else arb(h0)
        if x > 0:
            return arb(1)
        if x < 0:
            return arb(0)
        raise _Wide("Heaviside of a ball that contains 0")

    def largest(*xs):  # max(): a comparison of overlapping balls decides nothing
        xs = [arb(x) for x in xs]
        top = xs[0]
        for x in xs[1:]:
            if x > top:
                top = x
            elif not (x <= top):
                raise _Wide("max of overlapping balls")
        return top

    def mpf(x):  # mpmath's printer writes a Float as mpf((sign, man, exp, bc)): exact in arb
        if isinstance(x, tuple):
            sign, man, exp, _ = x
            return (-1) ** sign * arb(man) * arb(2) ** exp
        return arb(x)

    return {
        "mpf": mpf,
        "exp": lambda x: arb(x).exp(),
        "log": lambda x: arb(x).log(),
        "tanh": lambda x: arb(x).tanh(),
        "erf": lambda x: arb(x).erf(),
        "sqrt": lambda x: arb(x).sqrt(),
        "pi": arb.pi(),
        "Heaviside": heaviside,
        "max": largest,
    }


@cache
def _compiled(key: Setting, targets: tuple[tuple[str, int], ...]):
    """(mpmath function, arb function or None, shapes): one lambdified function a library."""
    inputs = network_symbols(key).inputs
    plain = sp.symbols(f"x0:{len(inputs)}", real=True)
    rename = dict(zip(inputs, plain, strict=True))
    matrices = [derived_gradient(key, kind, layer) for kind, layer in targets]
    memo: dict[sp.Expr, sp.Expr] = {}

    def written_out(e: sp.Expr) -> sp.Expr | None:  # `explicit` and the renaming, node by node
        if e in rename:
            return rename[e]
        return (
            e.func.definition(e.args[0])
            if isinstance(e, sp.Function) and hasattr(e.func, "definition")
            else None
        )

    with sp.evaluate(False):  # each shared subtree once (derive/dag.py): a gradient at size is a DAG
        flat = [rewrite(e, written_out, memo) for m in matrices for e in m]
    small = not shared_derivation(key)  # within the old budget: the code as it was
    fn = lambdify_shared(plain, flat, [{"Heaviside": _heaviside}, "mpmath"], small)
    names = set(fn.__code__.co_names)
    fn_arb = None
    if names <= ARB_FUNCTIONS:
        with _arb_precision():
            fn_arb = lambdify_shared(plain, flat, [_arb_namespace(), "mpmath"], small)
    return fn, fn_arb, [m.shape for m in matrices]


class _arb_precision:
    """flint's working precision at ARB_BITS (it is global, like mpmath's)."""

    def __enter__(self):
        import flint

        self.old = flint.ctx.prec
        flint.ctx.prec = ARB_BITS

    def __exit__(self, *exc):
        import flint

        flint.ctx.prec = self.old


def _in_arb(fn, rows: list[list[float]]):
    """(hi, lo) lists from arb, or None when some ball is wider than 10^-DIGITS of its value."""
    import flint

    arb, tol = flint.arb, 10.0**-DIGITS
    hi, lo = [], []
    with _arb_precision():
        try:
            for row in rows:  # float → arb is exact
                point = fn(*map(arb, row))
                point = [arb(v) for v in point]  # a constant entry may come back as an int
                if not all(float(v.rad()) <= tol * abs(float(v.mid())) for v in point):
                    return None
                hs = [float(v) for v in point]  # the nearest float64 to the midpoint
                hi.append(hs)
                lo.append([float(v - h) for v, h in zip(point, hs, strict=True)])
        except (_Wide, TypeError, ValueError):  # and mpmath says what is wrong, if anything
            return None
    return hi, lo


def skipped(network: Network) -> Budget | None:
    """Why there is no reference for this network (beyond the symbolic budget), or None."""
    return over_budget(setting(network.numeric, generic=False))


def prepare(network: Network, targets: Sequence[tuple[str, int]]) -> None:
    """Compile the reference's function now (SymPy work, best done before any thread starts)."""
    _compiled(setting(network.numeric, generic=False), tuple(dict.fromkeys(targets)))


def compute(network: Network, targets: Sequence[tuple[str, int]], points: Points, count: int) -> Reference:
    """The true gradients of `targets` ((kind, layer), e.g. ("W", 1)) at the first `count` points."""
    from verify.sympy_numeric import columns

    key = setting(network.numeric, generic=False)
    targets = tuple(dict.fromkeys(targets))
    fn, fn_arb, shapes = _compiled(key, targets)
    columns = np.stack(columns(points), axis=1)[:count].astype(np.float64).tolist()
    pair = None if fn_arb is None else _in_arb(fn_arb, columns)
    library = "arb"
    if pair is None:
        library = "mpmath"
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
        pair = hi, lo
    hi, lo = np.array(pair[0], dtype=np.float64), np.array(pair[1], dtype=np.float64)
    out_hi, out_lo, k = {}, {}, 0
    for target, (rows, cols) in zip(targets, shapes, strict=True):
        size = rows * cols
        out_hi[target] = hi[:, k : k + size].reshape(count, rows, cols)
        out_lo[target] = lo[:, k : k + size].reshape(count, rows, cols)
        k += size
    return Reference(count, out_hi, out_lo, library)


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
