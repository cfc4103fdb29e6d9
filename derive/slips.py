"""The usual slips of a backprop derivation, as rewrites of the true formula.

A wrong claim is diagnosed by finding the slip whose formula it equals: structurally (after
`normal`, which also covers shape errors that cannot be evaluated) or by value at the sample
points (verify/claim_check.py). Each slip is written once, as a rewrite of the seed's formula
for the claim's variable, so the catalogue works for every layer, batch and network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from fractions import Fraction

from derive.claim_binding import scale
from derive.formula import (
    Activate,
    Add,
    Apply,
    ApplyPrime,
    Broadcast,
    Fill,
    Formula,
    FPrime,
    Function,
    Grad,
    Hadamard,
    Kron,
    MatMul,
    Ones,
    Scale,
    Softmax,
    SumAxis,
    Transpose,
    Var,
    rewrite,
)
from derive.identities import layer_identities, output_error, output_identity
from derive.network import Network
from derive.registry import CONCRETE_LOSSES
from derive.registry import activation as registry_activation
from derive.slip_search import Step


class SlipKind(StrEnum):
    """A transformation of the true gradient that a derivation commonly makes by mistake."""

    MISSING_MEAN = "missing 1/B"
    EXTRA_MEAN = "1/B twice"
    SIGN = "sign flipped"
    TWICE = "factor 2"
    HALF = "factor 1/2"
    TRANSPOSED = "transposed"
    W_FOR_WT = "W for W^T"
    MISSING_FPRIME = "missing f'"
    F_FOR_FPRIME = "f for f'"
    FPRIME_WRONG_LAYER = "f' of the wrong layer"
    OUTPUT_FPRIME_ON_HIDDEN = "the output activation's f' on a hidden layer"
    OTHER_ACTIVATION_FPRIME = "another layer's activation's f'"
    OUTER_ORDER = "outer product order"
    OUTER_AS_INNER = "outer product as a^T delta"
    SUM_OVER_NEURONS = "summed over neurons"
    SUM_OVER_NEURONS_T = "summed over neurons, transposed"
    NOT_SUMMED = "not summed over the examples"
    OTHER_LOSS = "another loss's output error"
    SOFTMAX_DIAGONAL = "softmax Jacobian's off-diagonal terms dropped"
    OTHER_GRADIENT = "the gradient of the other quantity"  # ∂L/∂z_l (δ_l) written for ∂L/∂a_l
    FOUND = "found by search"  # the steps say it (derive/slip_search.py)
    MISSING_PATH = "a path's term missing"  # a model file's: one use of a tensor left out (`path`)


@dataclass(frozen=True)
class Slip:
    """`kind` says the mistake, at `layer` (and `other`, the layer it was confused with);
    `formula` is what the true formula becomes with it. reports/ words it."""

    kind: SlipKind
    formula: Formula
    layer: int
    other: int | None = None
    batch: int = 1
    rows: bool = False  # stated with rows as examples: `formula` is ours transposed
    used: str = ""  # the activation whose f' was taken (another layer's), where that is the slip
    own: str = ""  # the activation of `layer`, whose f' belongs there
    loss: str = ""  # OTHER_LOSS: the loss whose output error `formula` is (the network has another)
    steps: tuple[Step, ...] = ()  # FOUND: each slip at its place, the first first
    fix: Formula | None = None  # the corrected formula, as the claim would read without the slip
    confirmed: bool | None = None  # SymPy's word that the slip is exact (None: by value only)
    alternatives: tuple[Slip, ...] = ()  # other slips that fit as well, the more plausible first
    lhs: Formula | None = None  # what `fix` equals where not the claim's left side (Ng's dZ: B ∂J/∂Z)
    # MISSING_PATH: (the claim's tensor, the tensor whose use is left out, the equation using it),
    # and that equation's right side
    path: tuple[str, ...] = ()
    equation: Formula | None = None


_SQUARED = {"mse": Fraction(1), "sse": Fraction(2)}  # the squared errors: the factor on a_L − y


def true_formula(target: Var, network: Network) -> Formula:
    """The seed's formula for `∂L/∂target`; for the last layer's `z_L` the built-in output
    identity, the registry's output error of the loss (Nielsen's BP1 under mse, softmax(z_L) − y
    under softmax-ce, σ(z_L) − y under bce), for `a_L` the squared errors' `a_L − y`; else the
    gradient itself (the generic ℓ: it depends on the loss)."""
    last = len(network.sizes)
    if target.layer < last:
        for identity in layer_identities(target.layer, network.batch, network.factor, network.l2):
            if identity.target == target:
                return identity.formula
    elif network.loss in _SQUARED and target.kind == "a":
        # mse, ℓ = ½‖a_L − y‖²: dL/da_L = (1/B)(A_L − Y) (twice that for sse, ℓ = ‖a_L − y‖²)
        error = Add(Var("a", last), Scale(Fraction(-1), Var("y", last)))
        return scale(network.factor * _SQUARED[network.loss], error)
    elif target.kind == "z" and (
        output := output_identity(network.loss, last, network.batch, network.factor)
    ):
        # the built-in dL/dz_L: (1/B)(A_L − Y) ∘ f'(Z_L) under mse (twice that for sse),
        # (1/B)(softmax(Z_L) − Y) under softmax-ce, (1/B)(σ(Z_L) − Y) under bce
        return output.formula
    return Grad(target)


def slips(target: Var, network: Network) -> tuple[Slip, ...]:
    truth = true_formula(target, network)
    layer, factor = target.layer, network.factor
    out = []

    def slip(kind: SlipKind, formula: Formula, other: int | None = None) -> Slip:
        return Slip(kind, formula, layer, other, network.batch)

    def add(kind: SlipKind, rule: Callable[[Formula], Formula | None], other: int | None = None) -> None:
        changed = rewrite(truth, rule)
        if changed != truth:
            out.append(slip(kind, changed, other))

    if factor != 1:  # first: with B = 2 it is also "a factor 2 too large"
        # the batch's factor only: the output error's `a_L − y` holds a Scale(−1) of its own
        add(
            SlipKind.MISSING_MEAN,
            lambda n: n.operand if isinstance(n, Scale) and n.factor == factor else None,
        )
        out.append(slip(SlipKind.EXTRA_MEAN, scale(factor, truth)))  # (1/B)(1/B) Σ: the mean taken twice
    out += [
        slip(SlipKind.SIGN, scale(Fraction(-1), truth)),
        slip(SlipKind.TWICE, scale(Fraction(2), truth)),
        slip(SlipKind.HALF, scale(Fraction(1, 2), truth)),
        slip(SlipKind.TRANSPOSED, Transpose(truth)),
    ]
    add(SlipKind.W_FOR_WT, _untranspose_w)
    add(SlipKind.MISSING_FPRIME, _drop_f_prime)
    add(SlipKind.F_FOR_FPRIME, lambda n: Activate(n.operand) if isinstance(n, FPrime) else None)
    for other in (layer + 1, layer - 1):
        if 1 <= other <= len(network.sizes):
            add(
                SlipKind.FPRIME_WRONG_LAYER,
                lambda n, o=other: FPrime(Var("z", o)) if n == FPrime(Var("z", layer)) else None,
                other,
            )
    out += _other_activations(truth, layer, network)
    add(SlipKind.OUTER_ORDER, _outer_reversed)
    add(SlipKind.OUTER_AS_INNER, _outer_as_inner)
    # Δ 1 sums each row (over the examples); Δ's column sums go over the neurons instead
    add(SlipKind.SUM_OVER_NEURONS, lambda n: SumAxis(x, 0) if (x := _row_summed(n)) is not None else None)
    add(
        SlipKind.SUM_OVER_NEURONS_T,
        lambda n: Transpose(SumAxis(x, 0)) if (x := _row_summed(n)) is not None else None,
    )
    # Δ 1 → Δ: the per-example columns left side by side (a bias gradient as B columns)
    add(SlipKind.NOT_SUMMED, _row_summed)
    if target.kind in ("a", "z") and (target.layer < len(network.sizes) or target.kind == "a"):
        # ∂L/∂z_l claimed as ∂L/∂a_l (an extra f') or back (f' missing): the other one's gradient
        other = Var("z" if target.kind == "a" else "a", target.layer)
        out.append(Slip(SlipKind.OTHER_GRADIENT, Grad(other), layer, None, network.batch))
    if target == Var("z", len(network.sizes)) and network.loss == "softmax-ce":
        # only ∂o_j/∂z_j = o_j (1 − o_j) of the softmax Jacobian kept: (−y_j / o_j) o_j (1 − o_j)
        s, y = Softmax(target), Var("y", target.layer)
        diagonal = Scale(Fraction(-1), Hadamard(y, Add(Fill(Fraction(1), s), Scale(Fraction(-1), s))))
        out.append(slip(SlipKind.SOFTMAX_DIAGONAL, scale(factor, diagonal)))
    if target == Var("z", len(network.sizes)) and network.loss in CONCRETE_LOSSES:
        # the output error of another loss, as notes copy it from a network that had that loss;
        # not one that applies the network's own output activation (bce's σ(z_L) − y with a sigmoid
        # output is a_L − y: f' left out, which the catalogue and the search name as such)
        own = Apply(Function(network.activation_of(target.layer)), target)
        for loss in CONCRETE_LOSSES:
            error = output_error(loss, target.layer)
            if loss != network.loss and error is not None and not _contains(error, own):
                formula = scale(factor, error)
                out.append(Slip(SlipKind.OTHER_LOSS, formula, layer, None, network.batch, loss=loss))
    last = Var("z", len(network.sizes))
    if target != last:  # the output error's slips, carried back through δ_L (FC-10's ∂E/∂w_ij)
        delta = Var("delta", last.layer)
        for s in slips(last, network):
            # sse's output error is mse's doubled: carried back, that is "a factor 2", not a loss
            if s.kind in (SlipKind.OTHER_LOSS, SlipKind.SOFTMAX_DIAGONAL) and s.loss != "sse":
                error = scale(1 / factor, s.formula)  # Δ_L: the per-example errors side by side
                carried = rewrite(truth, lambda n, e=error: e if n == delta else None)
                if carried != truth:
                    out.append(replace(s, formula=carried, layer=layer))
    return tuple(out)


def _contains(formula: Formula, node: Formula) -> bool:
    found: list[Formula] = []
    rewrite(formula, lambda n: found.append(n) if n == node else None)
    return bool(found)


def in_rows(slip: Slip) -> Slip:
    """`slip` stated with rows as examples: its formula transposed (derive/course.py)."""
    return replace(slip, formula=Transpose(slip.formula), rows=True)


def _other_activations(truth: Formula, layer: int, network: Network) -> list[Slip]:
    """`f_l'(z_l)` → `g'(z_l)` for each activation g of another layer (`σ'` of the sigmoid
    output on a relu hidden layer): the output's when it is g, else the nearest layer's."""
    own, last = network.activation_of(layer), len(network.sizes)
    out = []
    for used in dict.fromkeys(network.layer_activations):
        if used == own:
            continue
        layers = [k for k in range(1, last + 1) if network.activation_of(k) == used]
        other = last if last in layers else min(layers, key=lambda k: (abs(k - layer), k))
        kind = SlipKind.OUTPUT_FPRIME_ON_HIDDEN if other == last else SlipKind.OTHER_ACTIVATION_FPRIME
        parameter = network.slope if registry_activation(used).parameter is not None else None
        wrong = ApplyPrime(Function(used, parameter), Var("z", layer))
        changed = rewrite(truth, lambda n, g=wrong: g if n == FPrime(Var("z", layer)) else None)
        if changed != truth:
            out.append(Slip(kind, changed, layer, other, network.batch, used=used, own=own))
    return out


def _untranspose_w(node: Formula) -> Formula | None:
    """`W_lᵀ` → `W_l`."""
    match node:
        case Transpose(Var("W") as w):
            return w
    return None


def _drop_f_prime(node: Formula) -> Formula | None:
    """`x ∘ f'(z)` → `x`."""
    match node:
        case Hadamard(x, FPrime()):
            return x
    return None


def _outer_reversed(node: Formula) -> Formula | None:
    """`δ_{l+1} a_lᵀ` (a column times a transposed column) → `a_l δ_{l+1}ᵀ`."""
    match node:
        case MatMul(Var("delta") as delta, Transpose(Var() as a)):
            return MatMul(a, Transpose(delta))
    return None


def _outer_as_inner(node: Formula) -> Formula | None:
    """`δ_{l+1} a_lᵀ` → `a_lᵀ δ_{l+1}`."""
    match node:
        case MatMul(Var("delta") as delta, Transpose(Var()) as a_t):
            return MatMul(a_t, delta)
    return None


def _row_summed(node: Formula) -> Formula | None:
    """`x` of `x 1`, the row sums (over the examples of a mini-batch)."""
    match node:
        case MatMul(x, Ones()):
            return x
    return None


def normal(formula: Formula, factor: Fraction) -> Formula:
    """A normal form for comparing formulas by structure: `∂L/∂z_l` as `(factor) δ_l`, scalar
    factors pulled to the front, `x 1` as a row sum, NumPy's `*` as `∘`, double transposes
    dropped."""

    def rule(node: Formula) -> Formula | None:
        match node:
            case Broadcast(x, y):  # NumPy's * reads as ∘ where the shapes are equal
                return Hadamard(x, y)
            case Grad(Var("z", layer)):
                return scale(factor, Var("delta", layer))
            case Transpose(Transpose(x)):
                return x
            case Transpose(Scale(c, x)):
                return scale(c, Transpose(x))
            case MatMul(x, Ones()):
                return SumAxis(x, 1)
            case MatMul(Scale(c, x), y) | MatMul(x, Scale(c, y)):
                return scale(c, MatMul(x, y))
            case Hadamard(Scale(c, x), y) | Hadamard(x, Scale(c, y)):
                return scale(c, Hadamard(x, y))
            case Kron(Scale(c, x), y) | Kron(x, Scale(c, y)):
                return scale(c, Kron(x, y))
            case SumAxis(Scale(c, x), axis):
                return scale(c, SumAxis(x, axis))
            case Scale(c, x):
                return scale(c, x)
        return None

    while True:  # rewrites can expose new ones (a scale pulled out twice)
        rewritten = rewrite(formula, rule)
        if rewritten == formula:
            return formula
        formula = rewritten


def matching(formula: Formula, candidates: tuple[Slip, ...], factor: Fraction) -> list[Slip]:
    """The slips whose formula is structurally `formula`."""
    shape = normal(formula, factor)
    return [s for s in candidates if normal(s.formula, factor) == shape]
