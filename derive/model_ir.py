"""The model IR: named tensors with a shape and a role, and forward equations `name = expression`.

A `Model` is what a derivation is about, whoever wrote it: the seed's network (`network_model`),
a document's forward equations, a model file. Its equations are in the one expression IR of
`derive/formula.py`, leaves being tensors by name (`Ref`). The seed's network reads

    a_l = f_l(z_l)                 Apply(Function(f_l), Ref("z_l"))
    z_{l+1} = W_l a_l + b_l 1ᵀ     Add(MatMul(Ref(W_l), Ref(a_l)), MatMul(Ref(b_l), Transpose(Ones())))
    L = mean_b ℓ(z_L, y)           MeanAxis(ExampleLoss(ℓ, Ref(z_L), Ref(y), Function(f_L)), 1)
      + (λ'/2) Σ_l ‖W_l‖_F²        Add(…, Scale(λ'/2, Add(MatrixApply("sqnorm", Ref(W_1)), …)))

(the L2 penalty only where the network has one, `Network.l2`; biases are not penalized)

with `z_1` the input, `y` the target and `L` (1 × 1) the objective. A loss that reads the
output activation (mse, `reads == "a"` in the registry) reads it as a tensor of its own,
`a_L = f_L(z_L)` and `L = mean_b ℓ(a_L, y)` through the identity, so `∂L/∂a_L` is a gradient
like any other (`jax.grad` through a tap on `a_L`); softmax-ce and bce read the logits `z_L`.

A model is frozen and hashable: it is the cache key of symbolic work and of the oracle's
compilations. It is checked on creation: every operand is defined before it is used, and every
equation's shapes fit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

from derive.errors import InputError
from derive.formula import (
    Add,
    Apply,
    Dims,
    ExampleLoss,
    Formula,
    Function,
    MatMul,
    MatrixApply,
    MeanAxis,
    Ones,
    Ref,
    Scale,
    ShapeMismatch,
    SumAxis,
    Transpose,
    Var,
    rewrite,
    shape,
    to_latex,
    to_text,
)
from derive.registry import activation as _activation
from derive.registry import loss as _loss
from derive.registry import reads_output_activation

if TYPE_CHECKING:
    from derive.network import Network


class Role(StrEnum):
    INPUT = "input"
    TARGET = "target"
    PARAMETER = "parameter"
    INTERMEDIATE = "intermediate"
    OBJECTIVE = "objective"


GIVEN = (Role.INPUT, Role.TARGET, Role.PARAMETER)  # what a forward pass is given, not computes


@dataclass(frozen=True)
class Tensor:
    """`name` is how equations refer to it (`z2`), `written` how the user wrote it (`z^{[2]}`)."""

    name: str
    shape: tuple[int, int]
    role: Role
    written: str = ""


@dataclass(frozen=True)
class Equation:
    """`target = expr`."""

    target: str
    expr: Formula

    def __str__(self) -> str:
        return f"{self.target} = {to_text(self.expr)}"


class ModelError(ValueError):
    """A model that does not hold together; the message names the equation (or tensor)."""


def refs(expr: Formula) -> Iterator[str]:
    """The tensor names `expr` reads, in order of appearance (repeats included)."""
    found: list[str] = []
    rewrite(expr, lambda node: found.append(node.name) if isinstance(node, Ref) else None)
    return iter(found)


@dataclass(frozen=True)
class Model:
    """Tensors and the equations computing the intermediates and the objective from the given
    ones (inputs, targets, parameters). `batch` is B, the length of `Ones` (`1`)."""

    tensors: tuple[Tensor, ...]
    equations: tuple[Equation, ...]
    batch: int = 1

    def __post_init__(self) -> None:
        _validate(self)

    def tensor(self, name: str) -> Tensor:
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(name)

    def named(self, *roles: Role) -> tuple[str, ...]:
        """Names of the tensors with one of `roles`, in the model's order."""
        return tuple(t.name for t in self.tensors if t.role in roles)

    @property
    def objective(self) -> str:
        return self.named(Role.OBJECTIVE)[0]

    @property
    def shapes(self) -> dict[str, tuple[int, int]]:
        return {t.name: t.shape for t in self.tensors}

    def describe(self) -> str:
        """The equations, one per line."""
        return "\n".join(map(str, self.equations))


def _validate(m: Model) -> None:
    names = [t.name for t in m.tensors]
    if dup := sorted({n for n in names if names.count(n) > 1}):
        raise ModelError(f"tensor {dup[0]!r} is declared twice")
    roles = {t.name: t.role for t in m.tensors}
    shapes = m.shapes
    for t in m.tensors:
        if len(t.shape) != 2 or any(not isinstance(n, int) or n < 1 for n in t.shape):
            raise ModelError(f"tensor {t.name!r}: expected a shape of two positive ints, not {t.shape}")
    objectives = [t for t in m.tensors if t.role == Role.OBJECTIVE]
    if len(objectives) != 1:
        raise ModelError(f"a model has one objective tensor; this one has {len(objectives)}")
    if (objective := objectives[0]).shape != (1, 1):
        raise ModelError(f"the objective {objective.name!r} must be 1×1; it is declared {objective.shape}")
    defined = {t.name for t in m.tensors if t.role in GIVEN}
    for k, eq in enumerate(m.equations, start=1):
        where = f"equation {k} ({eq})"
        role = roles.get(eq.target)
        if role is None:
            raise ModelError(f"{where}: no tensor called {eq.target!r} is declared")
        if role in GIVEN:
            raise ModelError(f"{where}: {eq.target!r} is given ({role}), not computed")
        if eq.target in defined:
            raise ModelError(f"{where}: {eq.target!r} is defined twice")
        for name in refs(eq.expr):
            if name not in roles:
                raise ModelError(f"{where}: {name!r} is not a tensor of the model")
            if name not in defined:
                raise ModelError(f"{where}: {name!r} is used before it is defined")
        try:
            got = shape(eq.expr, Dims((), 1, m.batch), shapes)
        except ShapeMismatch as e:
            raise ModelError(f"{where}: shapes do not fit: {e}") from None
        if got != shapes[eq.target]:
            want = shapes[eq.target]
            raise ModelError(
                f"{where}: the right-hand side is {got[0]}×{got[1]}, but {eq.target!r} is {want[0]}×{want[1]}"
            )
        defined.add(eq.target)
    if missing := [t.name for t in m.tensors if t.name not in defined]:
        raise ModelError(f"no equation defines {', '.join(map(repr, missing))}")


# --- the seed's network -----------------------------------------------------------------------


def _function(name: str, network: Network) -> Function:
    _activation(name)  # raises with the valid names
    return Function(name, network.slope if name == "leaky-relu" else None)


@lru_cache(maxsize=256)
def network_model(network: Network, activations: tuple[str, ...] | None = None) -> Model:
    """The network `z_{l+1} = W_l a_l + b_l 1ᵀ`, `a_l = f_l(z_l)`, `L = mean_b ℓ(z_L, y)` (or
    the sum), `z_1` the input. `activations` names `f_1 … f_L`, one per layer (`f_L` is the
    output activation the loss reads: mse's `f(z_L)`); by default the network's own, per layer."""
    sizes = network.sizes
    names = tuple(activations) if activations is not None else network.layer_activations
    if len(names) != len(sizes):
        raise InputError("activations", f"{len(sizes)} names, one per layer", ",".join(names))
    fs = tuple(_function(n, network) for n in names)
    _loss(network.loss)  # raises with the valid names
    return layered_model(sizes, fs, network.loss, network.batch, network.reduction, l2=network.l2)


def layered_model(
    sizes: tuple[int, ...],
    functions: tuple[Function, ...],
    loss: str,
    batch: int = 1,
    reduction: str = "mean",
    first_layer: int = 1,
    l2: Fraction = Fraction(0),
) -> Model:
    """Layers `first_layer …` of widths `sizes`: `a_l = f_l(z_l)`, `z_{l+1} = W_l a_l + b_l 1ᵀ`,
    the objective `L` the `reduction` over the examples of `loss(z_last, y)` read through
    `f_last`, plus `(l2/2) Σ_l ‖W_l‖_F²` over these layers' weights when `l2` ≠ 0 (the L2
    penalty; no term at all for 0). Tensors are named by absolute layer: `z3`, `W3`, `b3`, `a3`
    for layer 3."""
    batched, last = batch > 1, first_layer + len(sizes) - 1

    def tensor(kind: str, layer: int, shape: tuple[int, int], role: Role) -> Tensor:
        return Tensor(f"{kind}{layer}", shape, role, to_latex(Var(kind, layer), batched))

    def width(layer: int) -> int:
        return sizes[layer - first_layer]

    tensors = [tensor("z", first_layer, (width(first_layer), batch), Role.INPUT)]
    for layer in range(first_layer, last):
        tensors.append(tensor("W", layer, (width(layer + 1), width(layer)), Role.PARAMETER))
        tensors.append(tensor("b", layer, (width(layer + 1), 1), Role.PARAMETER))
    tensors.append(Tensor("y", (sizes[-1], batch), Role.TARGET, "y"))
    equations = []
    for layer in range(first_layer, last):
        a, z = f"a{layer}", f"z{layer + 1}"
        tensors.append(tensor("a", layer, (width(layer), batch), Role.INTERMEDIATE))
        equations.append(Equation(a, Apply(functions[layer - first_layer], Ref(f"z{layer}"))))
        tensors.append(tensor("z", layer + 1, (width(layer + 1), batch), Role.INTERMEDIATE))
        affine = Add(
            MatMul(Ref(f"W{layer}"), Ref(a)),
            MatMul(Ref(f"b{layer}"), Transpose(Ones())),  # b_l 1ᵀ: the bias of every example
        )
        equations.append(Equation(z, affine))
    if reads_output_activation(loss):  # a_L = f_L(z_L); ℓ(a_L, y) reads it through the identity
        tensors.append(tensor("a", last, (width(last), batch), Role.INTERMEDIATE))
        equations.append(Equation(f"a{last}", Apply(functions[-1], Ref(f"z{last}"))))
        per_example = ExampleLoss(loss, Ref(f"a{last}"), Ref("y"), Function("identity"))
    else:  # ℓ(z_L, y) on the logits (its forwards ignore f_L)
        per_example = ExampleLoss(loss, Ref(f"z{last}"), Ref("y"), functions[-1])
    reduced = MeanAxis(per_example, 1) if reduction == "mean" else SumAxis(per_example, 1)
    if l2 and last > first_layer:  # a slice of one layer has no weights to penalize
        reduced = Add(reduced, penalty(range(first_layer, last), l2))
    tensors.append(Tensor("L", (1, 1), Role.OBJECTIVE, "L"))
    equations.append(Equation("L", reduced))
    return Model(tuple(tensors), tuple(equations), batch)


def penalty(layers: Iterable[int], l2: Fraction) -> Formula:
    """The L2 penalty `(λ'/2) Σ_l ‖W_l‖_F²` over the weights of `layers` (1 × 1): its gradient
    w.r.t. `W_l` is `λ' W_l`, and nothing else depends on it."""
    norms = [MatrixApply("sqnorm", Ref(f"W{layer}")) for layer in layers]
    total = norms[0]
    for norm in norms[1:]:
        total = Add(total, norm)
    return Scale(l2 / 2, total)
