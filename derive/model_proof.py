"""SymPy's witness for a model file's claims (derive/model_file.py): a real symbol for every entry
of every given tensor, the forward equations run by the registry's SymPy forwards
(derive/ir_sympy.py), the objective differentiated entry by entry — `[∂L/∂X]_ij = ∂L/∂X_ij`,
never a matrix-level derivative — and a proof that claim − derivative ≡ 0.

A gradient w.r.t. an intermediate `h` is taken as `jax.grad` takes it through a tap: `h`'s
entries are fresh symbols in the equations after its own, the objective is differentiated
w.r.t. them, and they are then replaced by `h`'s expressions. A `one_hot` target's columns sum
to 1: its last row is written `1 − Σ` of the others, so a proof covers every distribution. A
symmetric tensor (`ModelFile.symmetric`) has one symbol per pair of mirrored entries.

An entry of the residual is first evaluated at a random rational point at 50 digits: a value
clearly away from 0 there shows it is not identically 0 in milliseconds, where `cancel` of a
wrong softmax residual takes seconds (the sound half of a random test; a zero there proves
nothing and the algebra goes on). An entry is 0 when symengine's `expand`, `cancel` (a rational function in
the exp, log, tanh, √ … atoms) or, failing that, `simplify` says so; a residual that `cancel`
leaves nonzero is not a refutation by itself (atoms can be related: tanh² = 1 − sech²), so the
numbers decide then (verify/model_check.py). Untimed: the caller runs it under `verify.time_limit`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial

import sympy as sp

from derive import symengine_backend
from derive.formula import Formula, gradient_key, gradients_in
from derive.ir_sympy import sympy_value
from derive.model_ir import GIVEN, Model, Role
from derive.proof import DIGITS, NONZERO


class ModelStatus(StrEnum):
    PROVED = "proved"  # every entry of claim − ∂L/∂X is 0
    NONZERO = "nonzero"  # some entry does not cancel to 0 (refuted where the numbers differ)


@dataclass(frozen=True)
class ModelProof:
    """The algebra's word: `entry` (1-based) the first entry that did not cancel, `residual`
    claim − derivative there (SymPy's text)."""

    status: ModelStatus
    entries: int
    entry: tuple[int, int] | None = None
    residual: str = ""


def _symbols(name: str, rows: int, cols: int, positive: bool) -> sp.Matrix:
    def entry(i: int, j: int) -> sp.Symbol:
        return sp.Symbol(
            f"{name}_{i + 1}{j + 1}" if cols > 1 else f"{name}_{i + 1}", real=True, positive=positive or None
        )

    return sp.Matrix(rows, cols, entry)


@dataclass
class Symbolic:
    """A model in SymPy: `given` symbols by tensor, `values` every tensor's matrix of expressions
    (given and computed), `objective` L. Derivatives are cached per tensor."""

    model: Model
    one_hot: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()
    symmetric: tuple[str, ...] = ()  # square given tensors that are symmetric: `S_ij` mirrored
    given: dict[str, sp.Matrix] = field(default_factory=dict)
    values: dict[str, sp.Matrix] = field(default_factory=dict)
    _derivatives: dict[str, sp.Matrix] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.model.named(*GIVEN):
            r, c = self.model.tensor(name).shape
            m = _symbols(name, r, c, name in self.positive)
            if name in self.symmetric:  # S_ij for i ≤ j, mirrored below the diagonal
                m = m.copy()
                for i in range(r):
                    for j in range(i):
                        m[i, j] = m[j, i]
            if name in self.one_hot and r > 1:  # Σ_i y_ij = 1: the last row is 1 − the others
                m = m.copy()
                for j in range(c):
                    m[r - 1, j] = 1 - sum(m[i, j] for i in range(r - 1))
            self.given[name] = m
        self.values = self.run(dict(self.given))

    def run(self, env: dict[str, sp.Matrix], cut: str | None = None, at: sp.Matrix | None = None) -> dict:
        """The equations in order; with `cut`, that tensor's value replaced by `at` (a tap)."""
        for eq in self.model.equations:
            env[eq.target] = at if eq.target == cut and at is not None else sympy_value(eq.expr, env)
        return env

    @property
    def objective(self) -> sp.Expr:
        return self.values[self.model.objective][0, 0]

    def symbols(self) -> list[tuple[sp.Symbol, str, int]]:
        """(symbol, tensor, flat index) of every free symbol of the given tensors, in order, each
        once (a symmetric tensor's `S_12` at its first entry)."""
        out, seen = [], set()
        for name, m in self.given.items():
            for k, e in enumerate(m):
                if isinstance(e, sp.Symbol) and e not in seen:
                    seen.add(e)
                    out.append((e, name, k))
        return out

    def derivative(self, wrt: str) -> sp.Matrix:
        """∂L/∂wrt in denominator layout (wrt's shape), entry by entry."""
        if wrt in self._derivatives:
            return self._derivatives[wrt]
        role = self.model.tensor(wrt).role
        if role == Role.INTERMEDIATE:  # through a tap: fresh symbols in the equations after it
            r, c = self.model.tensor(wrt).shape
            tap = _symbols(f"tap_{wrt}", r, c, False)
            L = self.run(dict(self.given), cut=wrt, at=tap)[self.model.objective][0, 0]
            back = dict(zip(tap, self.values[wrt], strict=True))
            D = tap.applyfunc(lambda s: sp.diff(L, s).xreplace(back))
        else:
            D = self.given[wrt].applyfunc(partial(sp.diff, self.objective))
        self._derivatives[wrt] = D
        return D

    def value(self, formula: Formula, numeric: bool = False) -> sp.Matrix:
        """A claim's right side, its tensors' expressions from the forward equations, and a
        gradient it uses (`∂L/∂z`) SymPy's own — for the proof as derived (it cancels against the
        derivative term by term), for floats (`numeric`) `_stable`."""
        gradients = {
            gradient_key(n): _stable(self.derivative(n)) if numeric else self.derivative(n)
            for n in gradients_in(formula)
        }
        return sympy_value(formula, dict(self.values) | gradients)


STABLE_OPS = 400  # entries up to this size are put over one denominator before they are evaluated


def _stable(D: sp.Matrix) -> sp.Matrix:
    """A derivative as a claim's `∂L/∂z` is evaluated in floats: each small entry `cancel`ed, so
    that `1 − 1/(e + 1)` (a sigmoid's cross-entropy) is not computed as a difference of nearly
    equal numbers. Exact either way; only the rounding differs."""
    return D.applyfunc(lambda e: sp.cancel(sp.together(e)) if sp.count_ops(e) <= STABLE_OPS else e)


def expands_to_zero(e: sp.Expr) -> bool:
    """symengine's `expand(e)` is 0, its function applications and powers of sums held as atoms
    (derive/symengine_backend.py). The terms of a claim built from SymPy's own `∂L/∂z` cancel one
    by one: milliseconds for an attention score's entry, where `cancel(together(·))` takes 50 s
    putting it over one denominator and SymPy's `expand` 0.4–0.8 s. Sound only one way: a
    nonzero answer proves nothing (atoms may be related, tanh² = 1 − sech²)."""
    try:
        return (symengine_backend.expands_to_zero([e], ()) or [False])[0]
    except (RuntimeError, TypeError, NotImplementedError):
        return False


def is_zero(e: sp.Expr, thorough: bool) -> bool:
    """`e` ≡ 0: `cancel` of the rational function in its atoms, then (`thorough`) `simplify`."""
    reduced = sp.cancel(sp.together(e))
    if reduced == 0:
        return True
    return thorough and sp.simplify(reduced) == 0


def random_point(symbols: set[sp.Symbol], seed: int = 0) -> dict[sp.Symbol, sp.Rational]:
    """A rational in ±[1/9, 9] for every symbol, positive for a positive one (`√d`)."""
    rng = random.Random(seed)

    def value(s: sp.Symbol) -> sp.Rational:
        sign = 1 if s.is_positive else rng.choice([-1, 1])
        return sp.Rational(sign * rng.randint(1, 9), rng.randint(1, 9))

    return {s: value(s) for s in sorted(symbols, key=str)}


FLOAT_AGREE = 1e-9  # relative: a float64 gap below this is no evidence of a difference


def differ_at(claimed: sp.Expr, derived: sp.Expr, point: dict[sp.Symbol, sp.Rational]) -> bool:
    """The two differ at `point` beyond 50-digit rounding (relative: the terms may be large).
    False where either is not a real number there (a pole, a function SymPy cannot evaluate).
    A float64 look first (symengine, milliseconds): where the two agree to 1e-9 there, the
    50-digit evaluation (up to a second an entry for a softmax layer) is not asked for, as a
    zero there would prove nothing anyway."""
    gap = _float_gap(claimed, derived, point)
    if gap is not None and gap < FLOAT_AGREE:
        return False
    c, d = (sp.N(e.xreplace(point), DIGITS) for e in (claimed, derived))
    if not (c.is_number and d.is_number and c.is_real and d.is_real):
        return False
    return abs(c - d) > NONZERO * max(1, abs(c), abs(d))


def _float_gap(claimed: sp.Expr, derived: sp.Expr, point: dict[sp.Symbol, sp.Rational]) -> float | None:
    """|claimed − derived| / max(1, |claimed|, |derived|) at `point` in float64, or None where
    symengine cannot evaluate it to a real float (a function it does not know, a pole)."""
    values = symengine_backend.at_point([claimed, derived], point)
    if values is None or not all(math.isfinite(v) for v in values):
        return None
    c, d = values
    return abs(c - d) / max(1.0, abs(c), abs(d))


def prove(symbolic: Symbolic, wrt: str, right: Formula, thorough: bool = True) -> ModelProof:
    """claim − ∂L/∂wrt ≡ 0 entry by entry (PROVED), else the first entry that is not 0 as far as
    SymPy can tell (NONZERO). Cheapest first: symengine's `expand` settles most right entries,
    a random point most wrong ones, and `cancel` (seconds) the rest. The shapes are the reader's
    to check (derive/model_file.py)."""
    D = symbolic.derivative(wrt)
    C = symbolic.value(right)
    entries = [(i, j) for i in range(D.rows) for j in range(D.cols)]
    open_ = [e for e in entries if not expands_to_zero(C[e] - D[e])]
    point = random_point(set().union(*(m.free_symbols for m in symbolic.given.values())))
    wrong = next((e for e in open_ if differ_at(C[e], D[e], point)), None)
    if wrong is None:
        wrong = next((e for e in open_ if not is_zero(C[e] - D[e], thorough)), None)
    if wrong is not None:
        residual = sp.sstr(C[wrong] - D[wrong])[:400]
        return ModelProof(ModelStatus.NONZERO, D.rows * D.cols, (wrong[0] + 1, wrong[1] + 1), residual)
    return ModelProof(ModelStatus.PROVED, D.rows * D.cols)
