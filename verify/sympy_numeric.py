"""SymPy's values at the sample points: its forward pass and each identity's formula, lambdified.

`lambdify` with common-subexpression elimination turns all their entries into one NumPy
function; every symbol receives a (P,) array, so all points are evaluated in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import sympy as sp

from derive import (
    Identity,
    Network,
    ShapeMismatch,
    evaluate,
    network_symbols,
    symbolic_forward,
)
from derive.budget import shared_derivation
from derive.dag import applications, lambdify_shared, rewrite
from derive.model import Setting, explicit, setting
from verify.sampling import Points


def columns(points: Points) -> list[np.ndarray]:
    """One (P,) array per input symbol, in `NetworkSymbols.inputs` order (matrices by rows)."""
    cols = [points.z1[:, i, b] for i in range(points.z1.shape[1]) for b in range(points.z1.shape[2])]
    for W, bias in zip(points.W, points.b, strict=True):
        cols += [W[:, i, j] for i in range(W.shape[1]) for j in range(W.shape[2])]
        cols += [bias[:, i, 0] for i in range(bias.shape[1])]
    return cols + [points.y[:, k, b] for k in range(points.y.shape[1]) for b in range(points.y.shape[2])]


def _erf(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf  # a ufunc: math.erf one element at a time is 50× slower

    return erf(x)


def _constants_as_floats(expr: sp.Expr) -> sp.Expr:
    """Constant subexpressions (sqrt(2), 1/sqrt(pi), …) as Python floats: NumPy would evaluate
    them as float64 scalars and lift a float32 run to float64."""
    return expr.replace(
        lambda e: e.is_number and not e.is_Rational and not e.is_Float and e.free_symbols == set(),
        lambda e: e.evalf(17),
    )


@cache
def _compiled(key: Setting, matrices: tuple[sp.ImmutableMatrix, ...]):
    """One function for all entries of all matrices, with common subexpressions computed once.

    The entries go to `cse` as one flat list (SymPy's lambdify(cse=True) does not look inside
    nested lists), so the seed's four gradients share their sigmoids and δ's."""
    inputs = network_symbols(key).inputs
    # symbols renamed x0, x1, … in one pass: names such as z_11[2] are not Python identifiers,
    # and lambdify would otherwise rewrite every expression once per such symbol
    plain = sp.symbols(f"x0:{len(inputs)}", real=True)
    rename = dict(zip(inputs, plain, strict=True))
    memo: dict[sp.Expr, sp.Expr] = {}  # each shared subtree once (derive/dag.py)
    with sp.evaluate(False):  # rebuilding Max(…) of big arguments evaluated would query assumptions
        constant: dict[sp.Expr, bool] = {}
        flat = [
            rewrite(e, lambda x: rename.get(x) or _constant_as_float(x, constant), memo)
            for m in matrices
            for e in m
        ]
    # Heaviside(x, 1/2) → numpy.heaviside (SymPy 1.14 prints a numpy.select that NumPy 2 rejects);
    # erf → scipy.special.erf (NumPy has none)
    modules = [{**_NUMPY, **_definitions(flat)}, "numpy"]
    fn = lambdify_shared(plain, flat, modules, canonical=not shared_derivation(key))
    return fn, [m.shape for m in matrices]


def _constant_as_float(e: sp.Expr, constant: dict[sp.Expr, bool]) -> sp.Expr | None:
    """`_constants_as_floats` at one node, its arguments done; `constant` remembers which nodes
    have no free symbols (`free_symbols` walks the tree each time)."""
    if not _free_of_symbols(e, constant) or e.is_Rational or e.is_Float:
        return None
    return e.evalf(17) if e.is_number else None


def _free_of_symbols(e: sp.Expr, constant: dict[sp.Expr, bool]) -> bool:
    if e not in constant:
        constant[e] = not e.is_Symbol if not e.args else all(_free_of_symbols(a, constant) for a in e.args)
    return constant[e]


_NUMPY = {"Heaviside": np.heaviside, "erf": _erf}


def _definitions(exprs: Sequence[sp.Expr]) -> dict[str, object]:
    """Each concrete activation held whole (`F`, `F'`), as NumPy code of its SymPy definition,
    compiled once: written out (`explicit`) through every layer instead, gelu-tanh's definition
    nested its tanh in every later layer's, and 2,2,2,2 did not compile within the time limit."""
    found: dict[str, object] = {}
    for app in applications(exprs):
        name = type(app).__name__
        if hasattr(app.func, "definition") and name not in found:
            t = sp.Symbol("t", real=True)
            body = explicit(_constants_as_floats(app.func.definition(t)))
            # cse: sigmoid's F' = e^-t / (1 + e^-t)^2 computes e^-t once (the same values)
            found[name] = sp.lambdify(t, _constants_as_floats(body), modules=[_NUMPY, "numpy"], cse=True)
    return found


def _evaluate(key: Setting, matrices: Sequence[sp.ImmutableMatrix], points: Points) -> list[np.ndarray]:
    fn, shapes = _compiled(key, tuple(matrices))
    count, dtype = points.count, points.z1.dtype
    with np.errstate(all="ignore"):  # numpy.select evaluates every branch of a Piecewise
        # contiguous copies: the ~100 operations on each column then run 25% faster
        flat = fn(*(np.ascontiguousarray(c) for c in columns(points)))
    out, k = [], 0
    for rows, cols in shapes:
        # entry (i, j) is flat[k + i·cols + j]: stacked along a last axis, one matrix's entries
        # are one point's row-major (rows, cols) block. np.stack writes them 2.6× faster than
        # one strided column at a time (42 against 112 ns a point for the seed's 41 entries)
        entries = [_column(e, count, dtype) for e in flat[k : k + rows * cols]]
        out.append(np.stack(entries, axis=-1, dtype=dtype).reshape(count, rows, cols))
        k += rows * cols
    return out


def _column(entry, count: int, dtype) -> np.ndarray:
    """A (P,) array as it is; a constant (an entry lambdify leaves a number) broadcast to P."""
    if isinstance(entry, np.ndarray) and entry.shape == (count,):
        return entry
    return np.broadcast_to(np.asarray(entry, dtype=dtype), (count,))


def forward_and_formulas(
    network: Network, identities: Sequence[Identity], points: Points
) -> tuple[dict[str, np.ndarray], list[np.ndarray | str]]:
    """The forward pass (`"z1"`, `"a1"`, …, `"a_L"`, `"L"`) and each identity's right side, from one
    compiled function, so the formulas reuse the forward pass's subexpressions (the seed's
    sigmoids are computed once, not twice). A formula whose shapes do not fit gives the
    `ShapeMismatch` text instead of an array."""
    key = setting(network, generic=False)
    names, matrices, fitting, formulas = _symbolic(key, tuple(identities))
    values = _evaluate(key, matrices, points)
    out = dict(zip(names, values[: len(names)], strict=True))
    out["L"] = values[len(names)][:, 0, 0]
    found: list[np.ndarray | str] = list(formulas)
    for k, v in zip(fitting, values[len(names) + 1 :], strict=True):
        found[k] = v
    return out, found


@cache
def _symbolic(
    key: Setting, identities: tuple[Identity, ...]
) -> tuple[list[str], list[sp.ImmutableMatrix], list[int], list[str]]:
    """The SymPy side of `forward_and_formulas`, once per setting and claims, not per slice (a
    1×1 matrix built for L, and the lookups, took ~0.15 ms a slice): the forward quantities'
    names, every matrix to evaluate (the forward pass's, then the fitting formulas'), the
    indices of the identities that fit, and the `ShapeMismatch` text of each (empty: fits)."""
    fw = symbolic_forward(key)
    # a_L = f(z_L) too: the oracle computes it where the loss reads it (mse), and compares it
    names = [f"z{k}" for k in range(1, len(fw.z) + 1)] + [f"a{k}" for k in range(1, len(fw.a) + 1)]
    matrices = [*fw.z, *fw.a, sp.ImmutableMatrix([[fw.loss]])]
    fitting: list[int] = []
    formulas: list[str] = []
    for k, identity in enumerate(identities):
        try:
            matrices.append(evaluate(identity.formula, key))
            fitting.append(k)
            formulas.append("")
        except ShapeMismatch as e:
            formulas.append(str(e))
    return names, matrices, fitting, formulas
