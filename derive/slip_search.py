"""Slips found by search: one-place rewrites ("moves") of a formula in the model IR.

A wrong claim is the true formula with a few slips in it. `neighbours` applies every move at
every place of a formula — transpose a factor or drop its transpose, swap a product's operands,
write `∘` as a matrix product or back, drop a derivative factor `∘ f'(z)`, take `f` for `f'`,
another activation's `f'`, a neighbouring layer's tensor, `z` where `a` belongs, flip a sign,
sum (or mean) over the other axis or not at all, a convolution's kernel flipped or its operands
swapped, a Kronecker product's factors swapped, a maximum over the other axis — and records each
as a `Step`: what is written (`where`) where what belongs (`fix`). verify/diagnosis.py searches
from both ends: slips applied to the true formula and fixes applied to the claim, up to two steps
in all, and keeps the rewrites whose values equal the other end's.

A move is read in the direction it is applied: rewriting the truth `x` into `y` is the slip
"y where x belongs"; rewriting the claim `y` into `x` finds the same slip, so each move names
its kind for the truth side and `INVERSE` gives the claim side's.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from derive.formula import (
    Activate,
    Add,
    ApplyPrime,
    BroadcastAdd,
    Column,
    Correlate,
    Fill,
    Flip,
    Formula,
    FPrime,
    Function,
    Grad,
    Hadamard,
    Kron,
    MatMul,
    MaxAxis,
    MeanAxis,
    Ones,
    Ref,
    Scale,
    SumAxis,
    Transpose,
    Var,
    rewrite,
)
from derive.network import Network
from derive.registry import activation as registry_activation


class Move(StrEnum):
    """One slip at one place: `where` is written where `fix` belongs."""

    EXTRA_TRANSPOSE = "transposed"  # xᵀ where x belongs
    MISSING_TRANSPOSE = "transpose missing"  # x where xᵀ belongs
    ORDER = "factors in the wrong order"  # y x where x y belongs
    MATMUL_FOR_HADAMARD = "matrix product where ∘ belongs"
    HADAMARD_FOR_MATMUL = "∘ where a matrix product belongs"
    MISSING_FPRIME = "derivative factor missing"  # x where x ∘ f'(z) belongs
    EXTRA_FPRIME = "derivative factor too many"  # x ∘ f'(z) where x belongs
    F_FOR_FPRIME = "f where f' belongs"
    FPRIME_FOR_F = "f' where f belongs"
    OTHER_ACTIVATION = "another activation's derivative"
    LAYER = "the wrong layer"  # W_1 where W_2 belongs
    Z_FOR_A = "z where a belongs"
    A_FOR_Z = "a where z belongs"
    GRAD_A_FOR_Z = "∂L/∂a where ∂L/∂z belongs"  # f' missing inside a backpropagated term
    GRAD_Z_FOR_A = "∂L/∂z where ∂L/∂a belongs"
    GRAD_FOR_VALUE = "the gradient where the quantity belongs"  # ∂L/∂a (an error `dh`) where a belongs
    VALUE_FOR_GRAD = "the quantity where its gradient belongs"
    SIGN = "sign"
    MISSING_MEAN = "the mean's 1/B missing"  # x where (1/B) x belongs
    EXTRA_MEAN = "1/B where no mean belongs"
    MISSING_FACTOR = "a factor missing"  # x where x ∘ y belongs
    EXTRA_FACTOR = "a factor too many"  # x ∘ y where x belongs
    MISSING_TERM = "a term missing"  # x where x + y belongs
    EXTRA_TERM = "a term too many"  # x + y where x belongs
    MISSING_PENALTY = "the regularization term missing"  # x where x + λ' W belongs (L2 penalty)
    EXTRA_PENALTY = "a regularization term where none belongs"  # x + λ' b where x belongs
    PENALTY_MISSING_MEAN = "the regularization term's 1/B missing"  # λ W where (λ/B) W belongs
    NOT_SUMMED = "not summed over the examples"
    EXTRA_SUM = "summed where no sum belongs"
    SUM_AXIS = "summed over the other axis"
    MISSING_FLIP = "the kernel not flipped"  # w where flip(w) belongs (the full convolution's kernel)
    EXTRA_FLIP = "a kernel flipped where none belongs"  # flip(w) where w belongs
    MAX_AXIS = "the maximum over the other axis"  # max(x, axis=1) where max(x, axis=0) belongs
    MEAN_AXIS = "the mean over the other axis"  # mean(x, axis=1) where mean(x, axis=0) belongs
    # a model file's own vocabulary (derive/model_slips.py): its constants, tensors and names
    MISSING_CONSTANT = "a constant factor missing"  # x where x / sqrt(2) belongs (a constant of the model)
    WRONG_CONSTANT = "the wrong constant"  # x / 3 where x / 4 belongs (n − 1 for n), sqrt(2) for 1/sqrt(2)
    SHIFTED = "the neighbouring step or layer"  # h1 where h2 belongs (names that differ in their number)
    WRONG_TENSOR = "another tensor of the same shape"  # relu'(x) where relu'(u) belongs


# slips that delete part of a formula: two of them, one from each end, could meet anywhere
DELETIONS = frozenset(
    {
        Move.MISSING_FPRIME,
        Move.EXTRA_FPRIME,
        Move.MISSING_TERM,
        Move.EXTRA_TERM,
        Move.MISSING_PENALTY,
        Move.EXTRA_PENALTY,
        Move.MISSING_FACTOR,
        Move.EXTRA_FACTOR,
    }
)

# the same slip seen from the claim: rewriting the claim's `y` back into `x`
INVERSE: dict[Move, Move] = {
    Move.EXTRA_TRANSPOSE: Move.MISSING_TRANSPOSE,
    Move.MISSING_TRANSPOSE: Move.EXTRA_TRANSPOSE,
    Move.MATMUL_FOR_HADAMARD: Move.HADAMARD_FOR_MATMUL,
    Move.HADAMARD_FOR_MATMUL: Move.MATMUL_FOR_HADAMARD,
    Move.MISSING_FPRIME: Move.EXTRA_FPRIME,
    Move.EXTRA_FPRIME: Move.MISSING_FPRIME,
    Move.F_FOR_FPRIME: Move.FPRIME_FOR_F,
    Move.FPRIME_FOR_F: Move.F_FOR_FPRIME,
    Move.Z_FOR_A: Move.A_FOR_Z,
    Move.A_FOR_Z: Move.Z_FOR_A,
    Move.GRAD_A_FOR_Z: Move.GRAD_Z_FOR_A,
    Move.GRAD_Z_FOR_A: Move.GRAD_A_FOR_Z,
    Move.GRAD_FOR_VALUE: Move.VALUE_FOR_GRAD,
    Move.VALUE_FOR_GRAD: Move.GRAD_FOR_VALUE,
    Move.NOT_SUMMED: Move.EXTRA_SUM,
    Move.MISSING_MEAN: Move.EXTRA_MEAN,
    Move.EXTRA_MEAN: Move.MISSING_MEAN,
    Move.MISSING_TERM: Move.EXTRA_TERM,
    Move.MISSING_FACTOR: Move.EXTRA_FACTOR,
    Move.EXTRA_FACTOR: Move.MISSING_FACTOR,
    Move.EXTRA_TERM: Move.MISSING_TERM,
    Move.MISSING_PENALTY: Move.EXTRA_PENALTY,
    Move.EXTRA_PENALTY: Move.MISSING_PENALTY,
    # the claim's λ' W rewritten to λ' B W: the claim has a 1/B too many
    Move.PENALTY_MISSING_MEAN: Move.EXTRA_MEAN,
    Move.EXTRA_SUM: Move.NOT_SUMMED,
    Move.MISSING_FLIP: Move.EXTRA_FLIP,
    Move.EXTRA_FLIP: Move.MISSING_FLIP,
} | {
    m: m
    for m in (
        Move.ORDER,
        Move.OTHER_ACTIVATION,
        Move.LAYER,
        Move.SIGN,
        Move.SUM_AXIS,
        Move.MAX_AXIS,
        Move.MEAN_AXIS,
        Move.WRONG_CONSTANT,
        Move.SHIFTED,
        Move.WRONG_TENSOR,
    )
}


@dataclass(frozen=True)
class Step:
    """`where` (as the claim writes it) where `fix` belongs (as the truth has it)."""

    move: Move
    where: Formula
    fix: Formula
    places: int = 1  # how many places it was made at (`1 − z ∘ z`: twice)


Path = tuple[str, ...]
_LEAVES = Var | Grad | Ones | Column | Ref | Fill
_FUNCTIONS = FPrime | Activate | ApplyPrime  # rewritten as a whole: `f'(z_3)` where `f'(z_2)` belongs


def sites(formula: Formula, path: Path = ()) -> Iterator[tuple[Path, Formula]]:
    """Every place of `formula` (pre-order), as the path of field names that reaches it; a
    function of one tensor (`f'(z_2)`) is one place."""
    yield path, formula
    if isinstance(formula, _LEAVES) or (isinstance(formula, _FUNCTIONS) and isinstance(formula.operand, Var)):
        return
    for field in dataclasses.fields(formula):
        child = getattr(formula, field.name)
        if isinstance(child, Formula):
            yield from sites(child, (*path, field.name))


def replace_at(formula: Formula, path: Path, new: Formula) -> Formula:
    if not path:
        return new
    head = getattr(formula, path[0])
    return dataclasses.replace(formula, **{path[0]: replace_at(head, path[1:], new)})


def _is_derivative(x: Formula) -> bool:
    """A factor that is an activation's derivative: `f'(z)`, `σ'(z)`, or one written out of
    the activation (`a ∘ (1 − a)`, `1 − a ∘ a`)."""
    match x:
        case FPrime() | ApplyPrime():
            return True
        case Add(Fill(), _) | Add(_, Fill()):
            return True
        case Hadamard(left, right):
            return _is_derivative(left) or _is_derivative(right)
    return False


def _layers(network: Network, kind: str, layer: int) -> Iterator[int]:
    """The neighbouring layers where `kind` exists."""
    last = len(network.sizes)
    top = last - 1 if kind in ("W", "b") else last
    for other in (layer - 1, layer + 1):
        if 1 <= other <= top:
            yield other


def _var_moves(v: Var, network: Network) -> Iterator[tuple[Formula, Move]]:
    if v.kind == "y":
        return
    for other in _layers(network, v.kind, v.layer):
        yield Var(v.kind, other), Move.LAYER
    if v.kind in ("a", "z"):
        yield Grad(v), Move.GRAD_FOR_VALUE
    if v.kind == "a":
        yield Var("z", v.layer), Move.Z_FOR_A
    elif v.kind == "z":
        yield Var("a", v.layer), Move.A_FOR_Z


def _moves(node: Formula, network: Network) -> Iterator[tuple[Formula, Move]]:
    """Each rewrite of `node` alone, with the slip it is when the truth is rewritten."""
    if isinstance(node, Transpose):
        yield node.operand, Move.MISSING_TRANSPOSE
    elif not isinstance(node, Scale | Fill | Ones):
        yield Transpose(node), Move.EXTRA_TRANSPOSE
    match node:
        case Var():
            yield from _var_moves(node, network)
        case Grad(Var(kind, layer)):
            if kind == "z":
                yield Grad(Var("a", layer)), Move.GRAD_A_FOR_Z
            elif kind == "a":
                yield Grad(Var("z", layer)), Move.GRAD_Z_FOR_A
            for other in _layers(network, kind, layer):
                yield Grad(Var(kind, other)), Move.LAYER
            if kind in ("a", "z"):
                yield Var(kind, layer), Move.VALUE_FOR_GRAD
        case MatMul(x, y):
            yield MatMul(y, x), Move.ORDER
            yield Hadamard(x, y), Move.HADAMARD_FOR_MATMUL
            if isinstance(x, Transpose):  # aᵀ a where a ∘ a belongs
                yield Hadamard(x.operand, y), Move.HADAMARD_FOR_MATMUL
            if isinstance(y, Transpose):
                yield Hadamard(x, y.operand), Move.HADAMARD_FOR_MATMUL
            if isinstance(y, Ones):  # Δ 1, the sum over the examples
                yield x, Move.NOT_SUMMED
                yield SumAxis(x, 0), Move.SUM_AXIS
        case Hadamard(x, y):
            yield MatMul(x, y), Move.MATMUL_FOR_HADAMARD
            yield MatMul(Transpose(x), y), Move.MATMUL_FOR_HADAMARD
            yield MatMul(x, Transpose(y)), Move.MATMUL_FOR_HADAMARD
            yield x, Move.MISSING_FPRIME if _is_derivative(y) else Move.MISSING_FACTOR
            yield y, Move.MISSING_FPRIME if _is_derivative(x) else Move.MISSING_FACTOR
        case FPrime(x) | ApplyPrime(_, x) | Activate(x):
            yield from _function_moves(node, x, network)
        case Add(x, y) | BroadcastAdd(x, y):  # BroadcastAdd: a model file's NumPy `+`
            for kept, dropped in ((x, y), (y, x)):  # never a bare number left (`W1ᵀ δ2 ∘ 1`)
                if not isinstance(kept, Fill | Column):
                    yield kept, Move.MISSING_PENALTY if _is_penalty(dropped, network) else Move.MISSING_TERM
            if not (isinstance(y, Scale) and y.factor < 0):  # 1 + a where 1 − a belongs
                yield type(node)(x, Scale(Fraction(-1), y)), Move.SIGN
        case Scale(c, x) if c != 0:
            yield (x if c == -1 else Scale(-c, x)), Move.SIGN
            if c == network.factor != 1:  # the mean's 1/B dropped
                yield x, Move.MISSING_MEAN
            if network.factor != 1 and _is_penalty(node, network):  # (λ/B) W → λ W (Ng's λ/m)
                yield Scale(c / network.factor, x), Move.PENALTY_MISSING_MEAN
        case SumAxis(x, axis):
            yield x, Move.NOT_SUMMED
            yield SumAxis(x, 1 - axis), Move.SUM_AXIS
        case Correlate(x, k):  # a convolution's kernel flipped; its operands swapped
            if isinstance(k, Flip):
                yield dataclasses.replace(node, kernel=k.operand), Move.MISSING_FLIP
            else:
                yield dataclasses.replace(node, kernel=Flip(k)), Move.EXTRA_FLIP
            yield dataclasses.replace(node, operand=k, kernel=x), Move.ORDER
        case MaxAxis(x, axis) if axis is not None:
            yield MaxAxis(x, 1 - axis), Move.MAX_AXIS
        case Kron(x, y):  # B ⊗ A where A ⊗ B belongs: the same entries, permuted
            yield Kron(y, x), Move.ORDER
        case MeanAxis(x, axis):
            yield MeanAxis(x, 1 - axis), Move.MEAN_AXIS


def _is_penalty(node: Formula, network: Network) -> bool:
    """`λ' W_l` or `λ' b_l` with the network's L2 penalty λ' (≠ 0): the penalty's gradient term,
    or that term where it does not belong (the biases are not penalized)."""
    if not network.l2:
        return False
    match node:
        case Transpose(x):  # in rows (CS231n's reg * W): our W_lᵀ
            return _is_penalty(x, network)
        case Scale(c, Var("W" | "b") | Transpose(Var("W" | "b"))) if c == network.l2:
            return True
        case Var("W" | "b"):
            return network.l2 == 1
    return False


def _function_moves(node: Formula, x: Formula, network: Network) -> Iterator[tuple[Formula, Move]]:
    """`f'(z_l)`: `f(z_l)`, another activation's `g'(z_l)`, `f'` of another layer or of `a_l`."""
    if isinstance(node, FPrime):
        yield Activate(x), Move.F_FOR_FPRIME
        own = network.activation_of(x.layer) if isinstance(x, Var) else None
        for used in dict.fromkeys(network.layer_activations):
            if used != own:
                parameter = network.slope if registry_activation(used).parameter is not None else None
                yield ApplyPrime(Function(used, parameter), x), Move.OTHER_ACTIVATION
    elif isinstance(node, ApplyPrime):
        yield FPrime(x), Move.OTHER_ACTIVATION
    else:
        yield FPrime(x), Move.FPRIME_FOR_F
    if isinstance(x, Var):
        for other, move in _var_moves(x, network):
            yield dataclasses.replace(node, operand=other), move  # type: ignore[call-arg]


def written_out(formula: Formula, network: Network) -> Formula:
    """`formula` with each `f'(z_l)` in the layer's output, as notes write it: `σ'(z_l) = a_l ∘
    (1 − a_l)`, `tanh'(z_l) = 1 − a_l ∘ a_l` (other activations' `f'` stay). A start of the
    search only: a match through it is confirmed like any other."""

    def rule(node: Formula) -> Formula | None:
        match node:
            case FPrime(Var("z", layer)):
                a, name = Var("a", layer), network.activation_of(layer)
                if name == "sigmoid":  # a ∘ (1 − a)
                    return Hadamard(a, Add(Fill(Fraction(1), a), Scale(Fraction(-1), a)))
                if name == "tanh":  # 1 − a ∘ a
                    squared = Hadamard(a, a)
                    return Add(Fill(Fraction(1), squared), Scale(Fraction(-1), squared))
        return None

    return rewrite(formula, rule)


def neighbours(formula: Formula, network: Network) -> Iterator[tuple[Formula, Step]]:
    """Every formula one move away from `formula`, with the step read as a slip of it (the
    rewrite is what is written, the place what belongs). A tensor written the same wrong way
    in several places (`1 − z ∘ z`, or `1 − aᵀa` whose `1` has the shape of `aᵀa`) is also
    rewritten everywhere at once."""
    counts = _occurrences(formula)
    for path, node in sites(formula):
        for new, move in _moves(node, network):
            if move == Move.EXTRA_TRANSPOSE and _in_transpose(formula, path):
                continue  # (xᵀ)ᵀ is x: the transpose dropped, which MISSING_TRANSPOSE names
            yield replace_at(formula, path, new), Step(move, new, node)
            if counts[node] > 1:
                yield _replace_all(formula, node, new), Step(move, new, node, counts[node])


def fixes(formula: Formula, network: Network) -> Iterator[tuple[Formula, Step]]:
    """Every formula one move away from a claim, with the slip that move undoes (the place is
    what is written, the rewrite what belongs)."""
    counts = _occurrences(formula)
    for path, node in sites(formula):
        for new, move in _moves(node, network):
            if move == Move.EXTRA_TRANSPOSE and _in_transpose(formula, path):
                continue
            yield replace_at(formula, path, new), Step(INVERSE[move], node, new)
            if counts[node] > 1:
                yield _replace_all(formula, node, new), Step(INVERSE[move], node, new, counts[node])
    if not isinstance(formula, Scale):  # the whole claim's sign (a Scale has its own move)
        yield Scale(Fraction(-1), formula), Step(Move.SIGN, formula, Scale(Fraction(-1), formula))
    if network.batch > 1:  # a gradient left per example: sum it over the examples
        for axis in (1, 0):
            yield SumAxis(formula, axis), Step(Move.NOT_SUMMED, formula, SumAxis(formula, axis))


def _in_transpose(formula: Formula, path: Path) -> bool:
    """The place at `path` is a transpose's operand."""
    if not path:
        return False
    parent = formula
    for name in path[:-1]:
        parent = getattr(parent, name)
    return isinstance(parent, Transpose)


def _occurrences(formula: Formula) -> Counter[Formula]:
    """How often each node occurs in `formula`, also where a `Fill` copies its partner's shape."""
    counts: Counter[Formula] = Counter()

    def walk(node: Formula) -> None:
        counts[node] += 1
        if not isinstance(node, Var | Grad | Ones | Column | Ref):
            for field in dataclasses.fields(node):
                if isinstance(child := getattr(node, field.name), Formula):
                    walk(child)

    walk(formula)
    return counts


def _replace_all(formula: Formula, node: Formula, new: Formula) -> Formula:
    return rewrite(formula, lambda n: new if n == node else None)
