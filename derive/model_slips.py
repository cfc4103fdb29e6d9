"""A model file's slips in its own vocabulary: fixes of a claim that put back what the model's
forward pass has and the claim lacks or has wrong.

The moves of derive/slip_search.py rewrite what a claim writes (a transpose, a sign, an axis);
a model file's wrong claim more often leaves out something the forward pass holds, which no
rewrite of the claim alone can invent. Each move here takes its material from the model:

- a factor missing: `x` where `x ∘ g` belongs, `g` one of the forward pass's local factors: the
  derivative `f'(u)` of each `f(u)`, the argmax mask `(x == m)` of each `m = max(x)` and of each
  max-pooling, the other operand `y` of each product `x ∘ y` (`γ` of `γ ∘ x̂`);
- a term missing: `t` where `t + c` belongs, `t + c` with a constant `c` in the forward pass
  (`var` where `var + 1e-5` belongs: the ε);
- a constant: the claim without a constant of the forward pass (`/ sqrt(2)`), or a constant of
  the claim written wrong: `c (n − 1)/n` or `c n/(n − 1)` for `c`, `n` a size of the model (the
  unbiased variance's 1/(m − 1) for the biased one's 1/m), another of the forward's constants;
- the other axis at every sum and mean at once (a normalization over the wrong axis);
- a tensor for another of its shape: `h1` where `h2` belongs (a step or layer shifted, names
  that differ in their number only), `relu'(x)` where `relu'(u)` belongs.

The same factor or tensor left out at several places (`γ` at each `G`) is also put back at all
of them at once. verify/model_check.py keeps the first fix whose value agrees with jax.grad.

A whole term left out (the skip connection's in `h = x + relu(u)`, a recurrence's first step)
has no formula in the claim to fix: `uses` lists the uses of tensors on the way from the
claim's tensor to the objective, each of which adds one term to the true gradient, and
verify/model_check.py asks jax.grad for the gradient with one use cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction

from derive.formula import (
    Add,
    Apply,
    ApplyPrime,
    Broadcast,
    BroadcastAdd,
    Column,
    Dims,
    Equal,
    Fill,
    Formula,
    Function,
    Hadamard,
    MaxAxis,
    MaxPool,
    MeanAxis,
    Ref,
    Repeat,
    Scale,
    ShapeMismatch,
    SumAxis,
    Unsupported,
    rewrite,
    shape,
)
from derive.model_ir import Model, refs
from derive.slip_search import Move, Step, replace_at, sites

_NUMBERED = re.compile(r"([A-Za-z_]*?)(\d+)")


def model_fixes(claim: Formula, model: Model) -> Iterator[tuple[Formula, Step]]:
    """Every formula one model-vocabulary move away from `claim`, with the slip it undoes (the
    place is what is written, the rewrite what belongs). Shapes are checked by the caller; a factor goes
    first where it has the shape of its place."""
    places = list(sites(claim))
    counts: dict[Formula, int] = {}
    for _, node in places:
        counts[node] = counts.get(node, 0) + 1
    insertions = [
        (path, node, factor, derivative)
        for factor, derivative in factors(model)
        for path, node in places
        if not _constant(node)
    ]
    # x where x ∘ g belongs: first where g has x's shape, then broadcast (`g` where `g ∘ (x == m)`)
    insertions.sort(key=lambda i: _shape(i[1], model) != _shape(i[2], model) or _shape(i[1], model) is None)
    for path, node, factor, derivative in insertions:
        move = Move.MISSING_FPRIME if derivative else Move.MISSING_FACTOR
        fixed = Broadcast(node, factor)
        yield replace_at(claim, path, fixed), Step(move, node, fixed)
        if counts[node] > 1:
            yield _everywhere(claim, node, fixed), Step(move, node, fixed, counts[node])
    for term in _constant_terms(model):  # var where var + 1e-5 belongs
        written = term.left if isinstance(term.left, Ref) else term.right
        for path, node in places:
            if node == written:
                yield replace_at(claim, path, term), Step(Move.MISSING_TERM, node, term)
        if counts.get(written, 0) > 1:
            yield _everywhere(claim, written, term), Step(Move.MISSING_TERM, written, term, counts[written])
    yield from _constant_fixes(claim, places, model)
    flipped = _axes_flipped(claim)
    if flipped is not None:  # every sum and mean over the other axis
        fixed, n, move = flipped
        yield fixed, Step(move, claim, fixed, n)
    shapes = model.shapes
    for path, node in places:  # a tensor for another of its shape
        if not isinstance(node, Ref) or node.name not in shapes:
            continue
        for other in model.tensors:
            if other.name != node.name and other.shape == shapes[node.name]:
                move = Move.SHIFTED if _neighbours(node.name, other.name) else Move.WRONG_TENSOR
                new = Ref(other.name)
                yield replace_at(claim, path, new), Step(move, node, new)
                if counts[node] > 1:
                    yield _everywhere(claim, node, new), Step(move, node, new, counts[node])


def uses(model: Model, wrt: str) -> tuple[tuple[str, str], ...]:
    """The uses of tensors on the paths from `wrt` to the objective, as (tensor, the target of
    the equation using it): each adds one term to ∂L/∂wrt. `wrt`'s own uses first."""
    after, out = {wrt}, []
    for eq in model.equations:
        used = [name for name in dict.fromkeys(refs(eq.expr)) if name in after]
        if used:
            after.add(eq.target)
            out += [(name, eq.target) for name in used]
    return tuple(sorted(out, key=lambda use: use[0] != wrt))


def factors(model: Model) -> list[tuple[Formula, bool]]:
    """The forward pass's local factors, each once: (g, whether g is a derivative or a mask)."""
    out: dict[Formula, bool] = {}
    for eq in model.equations:

        def visit(node: Formula, target: str = eq.target, whole: Formula = eq.expr) -> None:
            match node:
                case Apply(function, x) if not _constant(x):
                    prime = _derivative(function, x, Ref(target) if node == whole else node)
                    if prime is not None:
                        out.setdefault(prime, True)
                case MaxAxis(x, _):  # the argmax's indicator
                    out.setdefault(Equal(x, Ref(target) if node == whole else node), True)
                case MaxPool(x, size, stride) if size == stride:  # each window's argmax
                    at: Formula = Ref(target) if node == whole else node
                    for axis, times in enumerate(size):
                        if times > 1:
                            at = Repeat(at, times, axis)
                    out.setdefault(Equal(x, at), True)
                case Hadamard(x, y) | Broadcast(x, y):
                    for operand in (x, y):
                        if not _constant(operand):
                            out.setdefault(operand, False)

        rewrite(eq.expr, visit)
    return list(out.items())


def _derivative(function: Function, x: Formula, y: Formula) -> Formula | None:
    """`f'(x)` as a person writes it, from the output `y = f(x)` where it can be (the registry
    holds forward definitions only): relu's `x > 0`, tanh's `1 - y**2`, the sigmoid's
    `y * (1 - y)`, exp's `y`; None for the others."""
    one = Column((Fraction(1),))
    match function.name:
        case "relu":
            return ApplyPrime(function, x)
        case "tanh":
            return BroadcastAdd(one, Scale(Fraction(-1), Apply(Function("power", Fraction(2)), y)))
        case "sigmoid":
            return Broadcast(y, BroadcastAdd(one, Scale(Fraction(-1), y)))
        case "exp":
            return y
    return None


def _shape(node: Formula, model: Model) -> tuple[int, int] | None:
    try:
        return shape(node, Dims((), 1, model.batch), model.shapes)
    except (ShapeMismatch, Unsupported, KeyError):
        return None


def _constant(node: Formula) -> bool:
    """No tensor in it: a number, `sqrt(2)`."""
    return next(refs(node), None) is None


def _constant_terms(model: Model) -> list[Add | BroadcastAdd]:
    """`t + c` in the forward pass, `t` a tensor and `c` a constant (`var + 1e-5`)."""
    out: list[Add | BroadcastAdd] = []

    def visit(node: Formula) -> None:
        match node:
            case Add(Ref(), c) | BroadcastAdd(Ref(), c) | Add(c, Ref()) | BroadcastAdd(c, Ref()):
                if _constant(c) and node not in out:
                    out.append(node)  # type: ignore[arg-type]

    for eq in model.equations:
        rewrite(eq.expr, visit)
    return out


def _constants(model: Model) -> list[Formula]:
    """The forward pass's constant factors, each once: `1/sqrt(2)` of `S = Q Kᵀ / sqrt(2)`, and
    each scalar factor ≠ ±1 (the `1/2` of `/ 2`) as a number."""
    out: list[Formula] = []

    def visit(node: Formula) -> None:
        match node:
            case Broadcast(x, y) | Hadamard(x, y):
                for c in (x, y):
                    if _constant(c) and not isinstance(c, Fill) and c not in out:
                        out.append(c)
            case Scale(q, _) if abs(q) != 1 and Column((abs(q),)) not in out:  # the sign is SIGN's
                out.append(Column((abs(q),)))

    for eq in model.equations:
        rewrite(eq.expr, visit)
    return out


def _sizes(model: Model) -> list[int]:
    """The model's sizes above 1 (rows and columns of its tensors), each once."""
    return sorted({n for t in model.tensors for n in t.shape if n > 1})


def _constant_fixes(
    claim: Formula, places: list[tuple[tuple[str, ...], Formula]], model: Model
) -> Iterator[tuple[Formula, Step]]:
    constants = _constants(model)
    for c in constants:  # the claim without one of the model's constants
        fixed = Broadcast(claim, c)
        yield fixed, Step(Move.MISSING_CONSTANT, claim, fixed)
    for path, node in places:
        match node:
            case Scale(q, x) if abs(q) != 1:  # 1/3 where 1/4 belongs: n − 1 for n
                for n in _sizes(model):
                    for ratio in (Fraction(n - 1, n), Fraction(n, n - 1)):
                        new = Scale(q * ratio, x)
                        yield replace_at(claim, path, new), Step(Move.WRONG_CONSTANT, node, new)
            case Broadcast(x, c) | Hadamard(x, c) if _constant(c) and not _constant(x):  # x * sqrt(2)
                for other in constants:  # for x / sqrt(2), shown with its operand
                    if other != c:
                        new = Broadcast(x, other)
                        yield replace_at(claim, path, new), Step(Move.WRONG_CONSTANT, node, new)


def _axes_flipped(claim: Formula) -> tuple[Formula, int, Move] | None:
    """`claim` with every sum and mean over the other axis, how many there are, and the move
    (a mean's where there is one); None where there are fewer than two."""
    found: list[Formula] = []

    def flip(node: Formula) -> Formula | None:
        match node:
            case SumAxis(x, axis):
                found.append(node)
                return SumAxis(x, 1 - axis)
            case MeanAxis(x, axis):
                found.append(node)
                return MeanAxis(x, 1 - axis)
        return None

    fixed = rewrite(claim, flip)
    if len(found) < 2:  # one alone is slip_search's SUM_AXIS or MEAN_AXIS
        return None
    move = Move.MEAN_AXIS if any(isinstance(n, MeanAxis) for n in found) else Move.SUM_AXIS
    return fixed, len(found), move


def _neighbours(name: str, other: str) -> bool:
    """Two names of one quantity at different steps or layers: `h1`, `h2`; `W1`, `W2`."""
    a, b = _NUMBERED.fullmatch(name), _NUMBERED.fullmatch(other)
    return a is not None and b is not None and a[1] == b[1] and a[2] != b[2]


def _everywhere(formula: Formula, node: Formula, new: Formula) -> Formula:
    return rewrite(formula, lambda n: new if n == node else None)
