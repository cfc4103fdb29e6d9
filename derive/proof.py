"""Prove an identity: `derived − formula` must vanish in every entry.

The test is staged, cheapest first, and the proof says which stage settled it:
1. evaluation at a random rational point — exact for generic functions (every function value a
   free rational), at 50 digits for concrete ones. A non-zero value is a counterexample
   (`refuted`) and costs milliseconds, where expanding a wrong residual costs seconds;
2. `expand` — settles the seed's identities, generic and for every registered pair;
3. more random points, then `cancel(together(·))` for rational residues `expand` leaves.
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
NONZERO = mpmath.mpf("1e-30")  # a 50-digit residual above this is not rounding (values are O(1))


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
            for index in entries:
                found = _counterexample(residual, derived, claimed, index, key.generic, probe)
                if found is not None:
                    return verdict(
                        "refuted",
                        "random point",
                        f"derived − formula ≠ 0 in entry {found.entry}",
                        counterexample=found,
                        **matrices,
                    )
        return None

    # 1. one random point refutes a wrong formula in milliseconds
    if wrong := refuted(list(range(len(residual))), range(1)):
        return wrong
    # 2. expand settles every true identity of the registry
    left = [k for k, e in enumerate(residual) if sp.expand(e) != 0]
    if not left:
        return verdict(
            "proved", "expand", f"derived − formula = 0 in all {len(residual)} entries (expand)", **matrices
        )
    # 3. more points, then heavier algebra
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


def _counterexample(
    residual: sp.ImmutableMatrix,
    derived: sp.ImmutableMatrix,
    claimed: sp.ImmutableMatrix,
    index: int,
    generic: bool,
    seed: int,
) -> Counterexample | None:
    rng = random.Random(seed)

    def rational() -> sp.Rational:
        return sp.Rational(rng.choice([-1, 1]) * rng.randint(1, 9), rng.randint(1, 9))

    both = sp.Tuple(derived[index], claimed[index])  # (their difference may have lost symbols)
    if generic:
        # every function value is a free rational: a function with these values exists since
        # its arguments are distinct symbols (or sums of them)
        # (in the generic setting every function is an undefined one: f, f', ∂_k ℓ)
        apps = {a: rational() for a in sorted(both.atoms(sp.Function), key=sp.default_sort_key)}
        symbols = {s: rational() for s in sorted(both.free_symbols, key=sp.default_sort_key)}
        values = {**apps, **symbols}

        def at(e: sp.Expr) -> sp.Expr:
            return e.xreplace(apps).xreplace(symbols)  # outermost applications first

        d, c = at(derived[index]), at(claimed[index])
        if not (d.is_Rational and c.is_Rational):
            raise AssertionError(f"a generic gradient did not evaluate to a rational: {d}, {c}")
        if d == c:
            return None
        exact = True
    else:
        # fixed-precision mpmath (evalf would raise its precision chasing a true zero)
        values = {s: rational() for s in sorted(both.free_symbols, key=sp.default_sort_key)}
        fn = sp.lambdify(list(values), [derived[index], claimed[index]], modules="mpmath")
        with mpmath.workdps(DIGITS):
            d, c = fn(*(mpmath.mpf(v.p) / v.q for v in values.values()))
            if abs(d - c) <= NONZERO:
                return None
            d, c = sp.Float(d, DIGITS), sp.Float(c, DIGITS)
        exact = False
    cols = residual.shape[1]
    return Counterexample(
        entry=(index // cols + 1, index % cols + 1),
        claimed=_show(c),
        derived=_show(d),
        assignment=tuple((sp.sstr(k), sp.sstr(v)) for k, v in values.items()),
        exact=exact,
    )


def _show(x: sp.Expr) -> str:
    return sp.sstr(x) if x.is_Rational else sp.sstr(sp.Float(x, 17))
