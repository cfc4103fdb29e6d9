"""Prove an identity: `derived − formula` must vanish in every entry.

The test is staged, cheapest first, and the proof says which stage settled it:
1. identical expressions — SymPy cancels equal terms when it subtracts (most entries);
2. evaluation at a random rational point — exact for generic functions (every function value a
   free rational), at 50 digits for concrete ones. A non-zero value is a counterexample
   (`refuted`) and costs milliseconds, where expanding a wrong residual costs seconds;
3. `expand` with function applications held as atoms (fast: rational arithmetic only), then in
   full — this settles every registered pair;
4. `expand` with the concrete activation's definition written out (a user's formula may leave
   out a factor that is 1 for this activation, such as f' of the identity);
5. more random points, then `cancel(together(·))` for rational residues `expand` leaves.
With symengine (derive/symengine_backend.py) stage 3's expansion with atoms runs in C++ before
stage 2, so a right formula at size never evaluates its entries at a point; a wrong one goes on
to stage 2's counterexample as before.
Zeros at every point only make the result `undecided`: sampling never proves.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache

import sympy as sp
from sympy.core.function import Application

from derive.budget import Budget, over_budget
from derive.dag import substitute
from derive.evaluate import dims, evaluate
from derive.formula import Formula, Grad, ShapeMismatch, Var, layers_of, rewrite, shape
from derive.forward import derived_gradient, symbolic_forward
from derive.identities import Identity
from derive.model import Setting, explicit, setting, slice_setting
from derive.network import Network
from derive.registry import LOSSES
from derive.symbols import network_symbols
from derive.symengine_backend import expands_to_zero

PROBES = 8  # random points tried when algebra cannot settle a residual
DIGITS = 50  # working precision for concrete residuals
NONZERO = sp.Float("1e-30")  # relative: a 50-digit difference above this is not rounding


@dataclass(frozen=True)
class Counterexample:
    """A point where the formula and SymPy's derivative differ, in entry `entry` (1-based)."""

    entry: tuple[int, int]
    claimed: str
    derived: str
    assignment: tuple[tuple[str, str], ...]  # (symbol or function value, value)
    exact: bool


class Status(StrEnum):
    """What SymPy established about an identity in one scope."""

    PROVED = "proved"
    REFUTED = "refuted"
    UNDECIDED = "undecided"
    SKIPPED = "skipped"  # beyond the symbolic budget (`budget` says how far)


class Method(StrEnum):
    """What settled a proof (the stage of the zero test, or why there is none)."""

    IDENTICAL = "identical"
    EXPAND_ATOMS = "expand, atoms"
    EXPAND = "expand"
    EXPAND_DEFINITIONS = "expand, definitions"
    CANCEL = "cancel(together)"
    RANDOM_POINT = "random point"
    SAMPLED = "sampled"  # undecided: vanished at every random point, algebra could not show it
    SHAPE = "shape"
    LEFT_SHAPE = "left shape"
    ALL_ZERO = "all-zero derivative"
    SIZE = "size"
    TIME = "time limit"


@dataclass(frozen=True)
class Proof:
    """What SymPy established about one identity in one scope, as data (reports/ words it).

    `status` and `method` say what settled it; `entries` is the number of entries compared and
    `left` how many algebra could not settle (undecided); `shape` holds a `ShapeMismatch`'s
    text; `budget` why it was skipped. `derived`, `claimed` and `residual` are the matrices the
    report shows. `setting` is what was derived: the generic proof of layer l's identities is
    done on the slice of layers l, l+1 with a generic ℓ for the rest of the network.
    """

    identity: Identity
    status: Status
    method: Method
    derived: sp.ImmutableMatrix | None
    claimed: sp.ImmutableMatrix | None = None
    residual: sp.ImmutableMatrix | None = None
    counterexample: Counterexample | None = None
    setting: Setting | None = None
    entries: int = 0
    left: int = 0
    shape: str | None = None
    budget: Budget | None = None
    seconds: float = 0.0  # the time limit that ran out (method TIME)
    # proved only as the loss assumes its targets (softmax cross-entropy: Σ_k y_k = 1 in each
    # example): where targets break that, the sides differ, as here
    condition: Counterexample | None = None


def reads_the_loss(identity: Identity, last: int) -> bool:
    """The identity names the target `y` or `∂L/∂a_L`: it is about the network's own loss, which
    a generic `ℓ(z_L)` does not stand for (it reads neither `y` nor `a_L`)."""
    found: list[Formula] = []

    def note(node: Formula) -> None:
        if node in (Var("y", last), Grad(Var("a", last))):
            found.append(node)

    rewrite(identity.formula, note)
    rewrite(identity.lhs, note)
    return bool(found) or identity.target == Var("a", last)


def proof_setting(identity: Identity, network: Network, generic: bool) -> Setting:
    """Where to prove: the whole network with its own functions, or — generic — the slice of
    layers the identity touches, whose generic ℓ stands for the loss and all later layers (a
    generic f with the network's own loss on the slice up to the last layer, for an identity
    that reads the loss: `δ_L = (a_L − y) ∘ f'(z_L)` holds for every f under mse)."""
    if not generic:
        return setting(network, generic=False)
    t = identity.target
    touched = layers_of(identity.formula) | layers_of(identity.lhs) | {t.layer, t.layer + 1}
    first = max(min(touched), 1)
    last = len(network.sizes)
    if reads_the_loss(identity, last):
        return slice_setting(network, first, last, network.loss)
    return slice_setting(network, first, min(max(touched), last))


def prove(identity: Identity, network: Network, generic: bool) -> Proof:
    """Prove `identity` with a generic `f`, `ℓ` or with the network's own activation and loss."""
    return _prove(identity, proof_setting(identity, network, generic))


@cache
def _prove(identity: Identity, key: Setting) -> Proof:
    if budget := over_budget(key):
        return Proof(identity, Status.SKIPPED, Method.SIZE, None, setting=key, budget=budget)
    if identity.lhs == Grad(identity.target):
        t = identity.target
        derived = derived_gradient(key, t.kind, t.layer)
    else:  # a link of a chain: its left side, evaluated (true gradients by SymPy)
        try:
            shape(identity.lhs, dims(key))
        except ShapeMismatch as e:
            return Proof(identity, Status.REFUTED, Method.LEFT_SHAPE, None, setting=key, shape=str(e))
        derived = evaluate(identity.lhs, key)

    def verdict(status: Status, method: Method, **fields) -> Proof:
        proof = Proof(identity, status, method, derived, setting=key, entries=len(derived), **fields)
        if status == Status.PROVED and (condition := _needs_targets(identity, key, derived)) is not None:
            return replace(proof, condition=condition)
        return proof

    if all(e == 0 for e in derived):
        return verdict(Status.UNDECIDED, Method.ALL_ZERO)
    try:
        rows, cols = shape(identity.formula, dims(key))
    except ShapeMismatch as e:
        return verdict(Status.REFUTED, Method.SHAPE, shape=str(e))
    if (rows, cols) != derived.shape:
        sides = f"{rows}×{cols} against {derived.shape[0]}×{derived.shape[1]}"
        return verdict(Status.REFUTED, Method.SHAPE, shape=sides)
    given = _given(key)  # what the model assumes of y and b, in both sides (the shown sides as written)
    claimed = _replace(evaluate(identity.formula, key), given)
    derived_given = _replace(derived, given)
    residual = sp.ImmutableMatrix(derived_given - claimed)
    matrices = {"claimed": claimed, "residual": residual}

    def refuted(entries: list[int], probes: range) -> Proof | None:
        for probe in probes:
            if found := _counterexample(derived_given, claimed, entries, probe):
                return verdict(Status.REFUTED, Method.RANDOM_POINT, counterexample=found, **matrices)
        return None

    # 1. identical expressions: SymPy cancels equal terms as it subtracts
    left = [k for k, e in enumerate(residual) if e != 0]
    if not left:
        return verdict(Status.PROVED, Method.IDENTICAL, **matrices)
    # 3. expand, first with every function application (exp, tanh, H, f', ∂ℓ …) held as an
    #    opaque atom — a rational function that vanishes identically vanishes for every value
    #    of its atoms — then in full for what needs identities between the functions.
    #    With symengine the atoms' expansion is C++ and goes first: a right formula at size
    #    spends nothing on step 2 (evaluating every entry at a point in SymPy), a wrong one
    #    goes on to step 2's counterexample as before.
    atoms = dict(_quantity_atoms(key))
    zero = expands_to_zero([residual[k] for k in left], atoms)
    if zero is not None:
        left = [k for k, z in zip(left, zero, strict=True) if not z]
        if not left:
            return verdict(Status.PROVED, Method.EXPAND_ATOMS, **matrices)
    # 2. one random point refutes a wrong formula in milliseconds
    if wrong := refuted(left, range(1)):
        return wrong
    if zero is None:  # 3. without symengine, in SymPy
        left = [k for k in left if sp.expand(_atomize(residual[k].xreplace(atoms), atoms)) != 0]
        if not left:
            return verdict(Status.PROVED, Method.EXPAND_ATOMS, **matrices)
    # 3b. the activations' definitions, each argument an atom: `σ' = σ(1 − σ)` needs them, and
    #     one small rational function cancels in a second where expanding the whole residual
    #     takes minutes (δ_1 = W_1ᵀ δ_2 ∘ a_1 ∘ (1 − a_1) on 2,3,2 ran past its time limit)
    if any(_defined_functions(residual[k]) for k in left):
        left = [k for k in left if sp.cancel(sp.together(_defined_atoms(residual[k]))) != 0]
        if not left:
            return verdict(Status.PROVED, Method.CANCEL, **matrices)
    left = [k for k in left if sp.expand(residual[k]) != 0]
    if not left:
        return verdict(Status.PROVED, Method.EXPAND, **matrices)
    # 4. with the concrete activation's definition written out (f'(x) = 1 for the identity:
    #    a user's formula may omit a factor the definition makes 1)
    left = [k for k in left if sp.expand(explicit(residual[k])) != 0]
    if not left:
        return verdict(Status.PROVED, Method.EXPAND_DEFINITIONS, **matrices)
    # 5. more points, then heavier algebra
    if wrong := refuted(left, range(1, PROBES)):
        return wrong
    left = [k for k in left if _cancel(explicit(residual[k])) != 0]
    if not left:
        return verdict(Status.PROVED, Method.CANCEL, **matrices)
    # zeros at PROBES random points (exactly for generic f, ℓ, else to DIGITS digits): not a proof
    return verdict(Status.UNDECIDED, Method.SAMPLED, left=len(left), **matrices)


MAX_REWRITTEN_OPS = 60  # a function's derivative, not a network's gradient


def _cancel(expr: sp.Expr) -> sp.Expr:
    """`expr` as one cancelled fraction; if that is not 0 and `expr` is small, once more with its
    hyperbolic functions written in exponentials (tanh' = 1 − tanh² against sech² = 4/(eᶻ + e⁻ᶻ)²:
    no identity between them is needed then)."""
    cancelled = sp.cancel(sp.together(expr))
    if cancelled == 0 or not expr.has(sp.tanh, sp.sinh, sp.cosh, sp.sech):
        return cancelled
    if sp.count_ops(expr) > MAX_REWRITTEN_OPS:  # a network's whole gradient: too slow in exponentials
        return cancelled
    return sp.cancel(sp.together(sp.expand(expr.rewrite(sp.exp))))


def _needs_targets(identity: Identity, key: Setting, derived: sp.ImmutableMatrix) -> Counterexample | None:
    """Where the proof took the loss's assumption of its targets (Σ_k y_k = 1), a point whose
    targets do not sum to 1 at which the sides differ; None where it holds without it."""
    targets = _targets(key)
    if not targets:
        return None
    biases = _biases(key)
    claimed = _replace(evaluate(identity.formula, key), biases)
    return _counterexample(_replace(derived, biases), claimed, list(range(len(derived))), 0)


def _replace(matrix: sp.ImmutableMatrix, mapping: dict[sp.Symbol, sp.Expr]) -> sp.ImmutableMatrix:
    """`matrix.xreplace(mapping)`, each distinct subtree once (a gradient at size shares its
    subtrees: `xreplace` walks them as a tree, 42 million nodes for dL/da_1 of 6,5,4,3 B8)."""
    if not mapping:
        return sp.ImmutableMatrix(matrix)
    memo: dict[sp.Expr, sp.Expr] = {}
    return sp.ImmutableMatrix(matrix.applyfunc(lambda e: substitute(e, mapping, memo)))


def _biases(key: Setting) -> dict[sp.Symbol, sp.Expr]:
    """Without biases, every b_l is 0."""
    return {} if key.biases else {s: sp.Integer(0) for b in network_symbols(key).b for s in b}


def _targets(key: Setting) -> dict[sp.Symbol, sp.Expr]:
    """Softmax cross-entropy's targets are distributions: the last entry is 1 − Σ_{k<n} y_k."""
    if key.loss not in LOSSES or LOSSES[key.loss].target != "one-hot":
        return {}
    y = network_symbols(key).y
    return {y[-1, e]: 1 - sum(y[:-1, e]) for e in range(y.cols)}


@cache
def _given(key: Setting) -> dict[sp.Symbol, sp.Expr]:
    """What the model takes for granted: without biases every b_l is 0 (the gradients are
    taken at b = 0); softmax cross-entropy's targets are distributions (one-hot as sampled),
    Σ_k y_k = 1 in each example, so its last entry is 1 − Σ_{k<n} y_k (`softmax(z_L) − y` is
    its gradient only then). Nothing for the other losses."""
    return _biases(key) | _targets(key)


@cache
def _quantity_atoms(key: Setting) -> dict[sp.Expr, sp.Dummy]:
    """A dummy for each entry of each `a_l` and each computed `z_l`: both derivative and formula
    contain these whole, and keeping them whole keeps `expand` from multiplying them out."""
    forward = symbolic_forward(key)
    entries = [e for m in (*forward.a, *forward.z[1:]) for e in m if not e.is_Symbol]
    return {e: sp.Dummy() for e in entries}


def _atomize(expr: sp.Expr, atoms: dict[sp.Expr, sp.Dummy]) -> sp.Expr:
    """`expr` with each outermost function application, and each sum raised to a power, replaced
    by a dummy (equal subexpressions by the same dummy), leaving `expand` only the distribution of
    products over the remaining sums. Replacing subexpressions consistently is sound: an
    expression that vanishes identically in the dummies vanishes for every value they stand for."""
    if isinstance(expr, Application):
        return atoms.setdefault(expr, sp.Dummy())
    if expr.is_Pow and expr.base.is_Add:
        return atoms.setdefault(expr.base, sp.Dummy()) ** expr.exp
    if not expr.args:
        return expr
    return expr.func(*(_atomize(a, atoms) for a in expr.args))


def _defined_functions(expr: sp.Expr) -> bool:
    """Whether `expr` applies a concrete activation (or its derivative) held whole."""
    return any(hasattr(a.func, "definition") for a in expr.atoms(Application))


def _defined_atoms(expr: sp.Expr) -> sp.Expr:
    """`expr` with each concrete activation (and derivative) written as its definition in a
    dummy standing for its argument (equal arguments, the same dummy), and every other function
    application a dummy too, `exp(k·u)` written `E_u^k` (so `eᵘ e⁻ᵘ = 1` stays visible): a
    rational function of independent dummies. Sound: what vanishes identically in the dummies
    vanishes for every value they stand for."""
    arguments: dict[sp.Expr, sp.Dummy] = {}
    applications: dict[object, sp.Dummy] = {}

    def atom(e: sp.Expr) -> sp.Expr:
        if e.func is sp.exp:
            power, rest = e.args[0].as_coeff_Mul()
            if power.is_Integer:
                return applications.setdefault((sp.exp, rest), sp.Dummy()) ** power
        return applications.setdefault(e, sp.Dummy())

    def plain(e: sp.Expr) -> sp.Expr:
        if isinstance(e, Application):
            return atom(e.func(*(plain(a) for a in e.args)))
        return e.func(*(plain(a) for a in e.args)) if e.args else e

    def walk(e: sp.Expr) -> sp.Expr:
        if isinstance(e, Application):
            if hasattr(e.func, "definition"):
                return plain(e.func.definition(arguments.setdefault(e.args[0], sp.Dummy())))
            return applications.setdefault(e, sp.Dummy())
        return e.func(*(walk(a) for a in e.args)) if e.args else e

    return walk(expr)


def _rational(rng: random.Random) -> sp.Rational:
    return sp.Rational(rng.choice([-1, 1]) * rng.randint(1, 9), rng.randint(1, 9))


class _Point:
    """A random rational point: every symbol gets a rational, every generic function (f, f',
    ∂_k ℓ) a rational at each *value* of its arguments, and every concrete function (exp, tanh,
    Max, …) is applied to its evaluated arguments, exactly where that stays rational and in
    50-digit floats from there on.

    Arguments are evaluated first (innermost first) and generic values are memoised by the
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
                # memoised by value (floats to 30 digits: equal values computed two ways agree)
                key = tuple(a if a.is_Rational else sp.Float(a, 30) for a in args)
                out = self.functions.setdefault((expr.func, key), _rational(self.rng))
            else:
                out = expr.func(*args)
                if not (out.is_Rational or out.is_Float):  # exp(1/3), tanh(2): go to 50 digits
                    out = out.evalf(DIGITS)
        self._seen[expr] = out
        return out

    def assignment(self) -> tuple[tuple[str, str], ...]:
        rows = [(sp.sstr(s), sp.sstr(v)) for s, v in self.symbols.items()]
        rows += [(sp.sstr(func(*args)), sp.sstr(v)) for (func, args), v in self.functions.items()]
        return tuple(rows)


def _counterexample(
    derived: sp.ImmutableMatrix, claimed: sp.ImmutableMatrix, entries: list[int], seed: int
) -> Counterexample | None:
    """The first of `entries` where formula and derivative differ at random point `seed`:
    exactly when both evaluate to rationals (generic f and ℓ), else in 50-digit floats."""
    cols = derived.shape[1]
    point = _Point(seed)
    for index in entries:
        d, c = point.value(derived[index]), point.value(claimed[index])
        if d.is_Rational and c.is_Rational:
            if d == c:
                continue
            exact = True
        else:
            if abs(d - c) <= NONZERO * max(1, abs(d), abs(c)):  # relative: terms may be large
                continue
            exact = False
        return Counterexample(
            (index // cols + 1, index % cols + 1), _show(c), _show(d), point.assignment(), exact
        )
    return None


def _show(x: sp.Expr) -> str:
    return sp.sstr(x) if x.is_Rational else sp.sstr(sp.Float(x, 17))
