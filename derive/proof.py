"""Prove an identity: `derived − formula` must vanish in every entry.

The test is staged, cheapest first, and the proof says which stage settled it:
1. identical expressions — SymPy cancels equal terms when it subtracts (most entries);
2. evaluation at a random rational point — exact for generic functions (every function value a
   free rational), at 50 digits for concrete ones. A non-zero value is a counterexample
   (`refuted`) and costs milliseconds, where expanding a wrong residual costs seconds;
3. `expand` — settles the rest of the seed's identities for every registered pair;
4. more random points, then `cancel(together(·))` for rational residues `expand` leaves.
Zeros at every point only make the result `undecided`: sampling never proves.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

import mpmath
import sympy as sp

from derive.evaluate import evaluate
from derive.formula import ShapeMismatch, shape
from derive.forward import derived_gradient
from derive.identities import Identity
from derive.model import Setting, model, setting
from derive.network import Network

PROBES = 8  # random points tried when algebra cannot settle a residual
DIGITS = 50  # working precision for concrete residuals
NONZERO = mpmath.mpf("1e-30")  # relative: a 50-digit difference above this is not rounding


@dataclass(frozen=True)
class Counterexample:
    """A point where the formula and SymPy's derivative differ, in entry `entry` (1-based)."""

    entry: tuple[int, int]
    claimed: str
    derived: str
    assignment: tuple[tuple[str, str], ...]  # (symbol or function value, value)
    exact: bool


@dataclass(frozen=True)
class Proof:
    """What SymPy established about one identity in one scope (generic or a concrete pair).

    `method` names what settled it ("expand", "random point", "shape", …) and `reason` says it
    in a sentence; `derived`, `claimed` and `residual` are the matrices the report shows.
    """

    identity: Identity
    scope: str
    status: str  # "proved" | "refuted" | "undecided"
    method: str
    reason: str
    derived: sp.ImmutableMatrix
    claimed: sp.ImmutableMatrix | None = None
    residual: sp.ImmutableMatrix | None = None
    counterexample: Counterexample | None = None


def prove(identity: Identity, network: Network, generic: bool) -> Proof:
    """Prove `identity` for the network's sizes with a generic `f`, `ℓ` or its concrete pair."""
    return _prove(identity, setting(network, generic))


@cache
def _prove(identity: Identity, key: Setting) -> Proof:
    t = identity.target
    derived = derived_gradient(key, t.kind, t.layer)
    scope = model(key).scope

    def verdict(status: str, method: str, reason: str, **matrices: object) -> Proof:
        return Proof(identity, scope, status, method, reason, derived, **matrices)

    if all(e == 0 for e in derived):
        return verdict(
            "undecided", "all-zero derivative", "SymPy derived an all-zero gradient: suspicious, not trusted"
        )
    try:
        rows, cols = shape(identity.formula, key.sizes)
    except ShapeMismatch as e:
        return verdict("refuted", "shape", f"shape error: {e}")
    if (rows, cols) != derived.shape:
        return verdict(
            "refuted",
            "shape",
            f"shape error: the formula is {rows}×{cols} but "
            f"{identity.name} is {derived.shape[0]}×{derived.shape[1]}",
        )
    claimed = evaluate(identity.formula, key)
    residual = sp.ImmutableMatrix(derived - claimed)
    matrices = {"claimed": claimed, "residual": residual}

    def refuted(entries: list[int], probes: range) -> Proof | None:
        for probe in probes:
            if found := _counterexample(derived, claimed, entries, key.generic, probe):
                return verdict(
                    "refuted",
                    "random point",
                    f"derived − formula ≠ 0 in entry {found.entry}",
                    counterexample=found,
                    **matrices,
                )
        return None

    # 1. identical expressions: SymPy cancels equal terms as it subtracts
    left = [k for k, e in enumerate(residual) if e != 0]
    if not left:
        return verdict(
            "proved",
            "identical",
            f"derived − formula = 0 in all {len(residual)} entries (identical expressions)",
            **matrices,
        )
    # 2. one random point refutes a wrong formula in milliseconds
    if wrong := refuted(left, range(1)):
        return wrong
    # 3. expand settles the true identities that are not identical as written
    left = [k for k in left if sp.expand(residual[k]) != 0]
    if not left:
        return verdict(
            "proved", "expand", f"derived − formula = 0 in all {len(residual)} entries (expand)", **matrices
        )
    # 4. more points, then heavier algebra
    if wrong := refuted(left, range(1, PROBES)):
        return wrong
    left = [k for k in left if sp.cancel(sp.together(residual[k])) != 0]
    if not left:
        return verdict(
            "proved",
            "expand, cancel(together)",
            f"derived − formula = 0 in all {len(residual)} entries (expand, then cancel(together))",
            **matrices,
        )
    return verdict(
        "undecided",
        "sampled",
        f"expand and cancel(together) left {len(left)} entries "
        f"non-zero, yet they vanished at {PROBES} random points "
        f"({'exactly' if key.generic else f'to {DIGITS} digits'})",
        **matrices,
    )


def _rational(rng: random.Random) -> sp.Rational:
    return sp.Rational(rng.choice([-1, 1]) * rng.randint(1, 9), rng.randint(1, 9))


class _GenericPoint:
    """A random point for expressions in generic functions: every symbol gets a rational, and
    every generic function (f, f', ∂_k ℓ) a rational at each *value* of its arguments.

    Arguments are evaluated first (innermost first) and function values are memoised by the
    argument values, so equal arguments always give equal values — the table describes a real
    function, whatever form its arguments were written in.
    """

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.symbols: dict[sp.Symbol, sp.Rational] = {}
        self.functions: dict[tuple[type, tuple[sp.Expr, ...]], sp.Rational] = {}
        self._seen: dict[sp.Expr, sp.Expr] = {}

    def value(self, expr: sp.Expr) -> sp.Expr:
        if expr in self._seen:
            return self._seen[expr]
        if expr.is_Symbol:
            out = self.symbols.setdefault(expr, _rational(self.rng))
        elif not expr.args:
            out = expr
        else:
            args = tuple(self.value(a) for a in expr.args)
            if getattr(expr.func, "generic", False):
                out = self.functions.setdefault((expr.func, args), _rational(self.rng))
            else:
                out = expr.func(*args)
        self._seen[expr] = out
        return out

    def assignment(self) -> tuple[tuple[str, str], ...]:
        rows = [(sp.sstr(s), sp.sstr(v)) for s, v in self.symbols.items()]
        rows += [(sp.sstr(func(*args)), sp.sstr(v)) for (func, args), v in self.functions.items()]
        return tuple(rows)


def _counterexample(
    derived: sp.ImmutableMatrix, claimed: sp.ImmutableMatrix, entries: list[int], generic: bool, seed: int
) -> Counterexample | None:
    """The first of `entries` where formula and derivative differ at random point `seed`."""
    cols = derived.shape[1]
    if generic:
        point = _GenericPoint(seed)
        for index in entries:
            d, c = point.value(derived[index]), point.value(claimed[index])
            if not (d.is_Rational and c.is_Rational):
                raise AssertionError(f"a generic gradient did not evaluate to a rational: {d}, {c}")
            if d != c:
                return Counterexample(
                    (index // cols + 1, index % cols + 1), _show(c), _show(d), point.assignment(), exact=True
                )
        return None
    # concrete: fixed-precision mpmath at one rational point (evalf would raise its precision
    # chasing a true zero), all entries in one lambdified call
    rng = random.Random(seed)
    exprs = [derived[k] for k in entries] + [claimed[k] for k in entries]
    symbols = sorted(sp.Tuple(*exprs).free_symbols, key=sp.default_sort_key)
    values = {s: _rational(rng) for s in symbols}
    fn = sp.lambdify(symbols, exprs, modules="mpmath")
    with mpmath.workdps(DIGITS):
        results = fn(*(mpmath.mpf(v.p) / v.q for v in values.values()))
        for n, index in enumerate(entries):
            d, c = results[n], results[n + len(entries)]
            if abs(d - c) > NONZERO * max(1, abs(d), abs(c)):  # relative: terms may be large
                return Counterexample(
                    (index // cols + 1, index % cols + 1),
                    _show(sp.Float(c, DIGITS)),
                    _show(sp.Float(d, DIGITS)),
                    tuple((sp.sstr(k), sp.sstr(v)) for k, v in values.items()),
                    exact=False,
                )
    return None


def _show(x: sp.Expr) -> str:
    return sp.sstr(x) if x.is_Rational else sp.sstr(sp.Float(x, 17))
