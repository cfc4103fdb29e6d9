"""symengine, SymPy's C++ core, for the pure algebra of a symbolic proof at size.

What goes through which engine, and why:
- **symengine**: (1) the local Jacobians of the polynomial forward equations (`z = W a + b 1ᵀ`,
  `‖W‖_F²`): one `diff` per (entry, variable) of a sum of products, which SymPy does term by
  term in Python (a 64 → 64 layer has 4,096 weights in 64 sums of 65 terms); (2) the zero
  test's "expand, atoms" stage: a residual whose function applications, sums raised to powers
  and computed quantities are opaque symbols is a polynomial, expanded in C++.
- **SymPy**: everything else — every function's derivative (the registry's activations, the
  generic `f`, `ℓ`: symengine's wrapper of a SymPy function differentiates to 0 without a
  word, measured with 0.15), `cancel(together(·))`, definitions written out, Piecewise and
  Heaviside conventions, counterexamples at exact points, and every expression a report shows.

Conversions go only one way for whole expressions (SymPy → symengine, with atoms) and come back
only for the small results of a local Jacobian, whose every node is a symbol, a rational, `+`,
`×` or an integer power. Anything else (a Float, a function where a polynomial was expected)
raises `NotPolynomial` and the caller does that entry in SymPy. Without symengine installed,
`AVAILABLE` is False and every caller does the same work in SymPy: the same results, slower.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sympy as sp

try:
    import symengine as se
except ImportError:  # pragma: no cover - a hard dependency, but SymPy alone gives the same answers
    se = None

AVAILABLE = se is not None


class NotPolynomial(ValueError):
    """An expression holds a node a polynomial conversion does not take."""


class Converter:
    """SymPy → symengine, memoised by node. With `atoms` (SymPy node → nothing yet), every node
    that is not a symbol, a rational, `+`, `×` or a power with a non-sum base — and every
    node listed in `atoms` — becomes an opaque symbol, equal nodes the same symbol (sound: what
    vanishes identically in independent symbols vanishes for every value they stand for).
    Without `atoms` such a node raises `NotPolynomial`."""

    def __init__(self, atoms: Iterable[sp.Expr] | None = None) -> None:
        assert se is not None
        self.opaque = atoms is not None
        self.memo: dict[sp.Expr, Any] = {}
        self.back: dict[Any, Any] = {}  # symengine symbol → SymPy symbol
        for node in atoms or ():
            self.memo[node] = self._symbol(None)

    def _symbol(self, original: sp.Expr | None) -> Any:
        assert se is not None
        s = se.Symbol(f"_x{len(self.back)}")
        self.back[s] = original if original is not None else s
        return s

    def __call__(self, e: sp.Expr) -> Any:  # a symengine expression (no type stubs)
        assert se is not None
        found = self.memo.get(e)
        if found is not None:
            return found
        if e.is_Symbol:
            out = self._symbol(e)
        elif e.is_Integer:
            out = se.Integer(int(e))
        elif e.is_Rational:
            out = se.Integer(int(e.p)) / se.Integer(int(e.q))
        elif e.is_Add:
            out = se.Add(*(self(a) for a in e.args))
        elif e.is_Mul:
            out = se.Mul(*(self(a) for a in e.args))
        elif e.is_Pow and not e.base.is_Add and (e.exp.is_Integer or self.opaque):
            out = se.Pow(self(e.base), self(e.exp))
        elif e.is_Pow and self.opaque:  # a sum raised to a power: its base an atom
            out = se.Pow(self._atom(e.base), self(e.exp))
        elif self.opaque:
            out = self._atom(e)
        else:
            raise NotPolynomial(type(e).__name__)
        self.memo[e] = out
        return out

    def _atom(self, e: sp.Expr) -> Any:
        found = self.memo.get(e)
        if found is None:
            found = self.memo[e] = self._symbol(None)
        return found

    def to_sympy(self, x) -> sp.Expr:
        """A polynomial result back in SymPy (its symbols those converted here)."""
        assert se is not None
        if isinstance(x, se.Symbol):
            back = self.back[x]
            if not isinstance(back, sp.Basic):
                raise NotPolynomial("an atom")
            return back
        if isinstance(x, se.Integer):
            return sp.Integer(int(x))
        if isinstance(x, se.Rational):
            p, q = x.get_num_den()
            return sp.Rational(int(p), int(q))
        if isinstance(x, se.Add):
            return sp.Add(*(self.to_sympy(a) for a in x.args))
        if isinstance(x, se.Mul):
            return sp.Mul(*(self.to_sympy(a) for a in x.args))
        if isinstance(x, se.Pow):
            base, exp = x.args
            return sp.Pow(self.to_sympy(base), self.to_sympy(exp))
        raise NotPolynomial(type(x).__name__)


def partials(expr: sp.Expr, wrt: frozenset[sp.Symbol] | set[sp.Symbol]) -> list[tuple[sp.Symbol, sp.Expr]]:
    """`[(u, ∂expr/∂u)]` for every symbol `u` of `expr` in `wrt` (zeros left out): through
    symengine for a polynomial, else (or without symengine) SymPy's `diff`."""
    if se is not None:
        convert = Converter()
        try:
            x = convert(expr)
            out = []
            for s in x.free_symbols:
                u = convert.back[s]
                if u in wrt:
                    d = x.diff(s)
                    if d != 0:
                        out.append((u, convert.to_sympy(d)))
            return out
        except NotPolynomial:
            pass
    return [(u, d) for u in expr.free_symbols & wrt if (d := sp.diff(expr, u)) != 0]


def expands_to_zero(residuals: list[sp.Expr], atoms: Iterable[sp.Expr]) -> list[bool] | None:
    """For each residual, whether it expands to 0 with `atoms` (and every function application,
    every sum raised to a power) held as opaque symbols; None without symengine."""
    if se is None:
        return None
    convert = Converter(atoms)
    return [se.expand(convert(r)) == 0 for r in residuals]


def at_point(exprs: list[sp.Expr], point: dict[sp.Symbol, sp.Rational]) -> list[float] | None:
    """Each expression's float64 value at `point` (every free symbol given a rational), or None
    without symengine, or where one is not a real number symengine can evaluate (a function it
    does not know stays symbolic, a complex value, a pole)."""
    if se is None:
        return None
    try:
        at = {_from_sympy(k): _from_sympy(v) for k, v in point.items()}
        return [float(_from_sympy(e).subs(at).n(53, real=True)) for e in exprs]
    except (se.SympifyError, RuntimeError, TypeError, ValueError, NotImplementedError, ZeroDivisionError):
        return None


def _from_sympy(e: sp.Basic) -> Any:
    """A SymPy object in symengine, functions included (symengine's converter of SymPy trees;
    never text: anything but a SymPy object is refused)."""
    assert se is not None
    if not isinstance(e, sp.Basic):
        raise TypeError(f"a SymPy expression, not {type(e).__name__}")
    return se.sympify(e)
