"""The seed's four backpropagation identities, for every layer boundary of a network.

For one example (the seed): `dL/da_l = W_l^T δ_{l+1}`, `dL/dz_l = W_l^T δ_{l+1} ∘ f'(z_l)`,
`dL/dW_l = δ_{l+1} a_l^T`, `dL/db_l = δ_{l+1}`. For a mini-batch of B examples with the mean
loss, `Δ_l` holds the per-example `δ_l` as columns and every gradient carries `1/B`:
`dL/dW_l = (1/B) Δ_{l+1} A_l^T`, `dL/db_l = (1/B) Δ_{l+1} 1` (no `1/B` for the sum).
With the L2 penalty `(λ'/2) Σ_l ‖W_l‖_F²` in the loss (`Network.l2`), `dL/dW_l` gains `+ λ' W_l`;
the others are unchanged (the penalty depends on the weights alone).

Besides those, each network with a concrete loss has the output layer's own identity, where the
backward pass starts: `dL/dz_L = δ_L`, the loss's output error (`(a_L − y) ∘ f'(z_L)` under mse,
`softmax(z_L) − y` under softmax-ce, …), stated once, in the registry (`Loss.delta`); `(1/B) (…)`
with matrices for a mini-batch mean. The generic `ℓ` has none: its `δ_L` is `∂ℓ/∂z_L` by definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from derive import formula as F
from derive.formula import (
    Add,
    Formula,
    FPrime,
    Grad,
    Hadamard,
    MatMul,
    Ones,
    Scale,
    Transpose,
    Var,
    Written,
    to_latex,
    to_text,
)
from derive.registry import LOSSES


@dataclass(frozen=True)
class Identity:
    """A statement `lhs = formula` about the gradient w.r.t. `target`: `∂L/∂W1 = δ2 a1ᵀ` (the
    left side defaults to the true gradient `Grad(target)`), or a link `B = C` of a chain
    `δ_1 = B = C` about `target`. `batched` renders per-example quantities as matrices
    (`A`, `Z`, `Δ`)."""

    name: str
    target: Var
    formula: Formula
    batched: bool = False
    lhs: Formula = None  # type: ignore[assignment]  # Grad(target) when not given

    def __post_init__(self) -> None:
        if self.lhs is None:
            object.__setattr__(self, "lhs", Grad(self.target))

    @property
    def latex(self) -> str:
        return self.latex_in(None)

    @property
    def text(self) -> str:
        return self.text_in(None)

    def latex_in(self, written: Written | None) -> str:
        """Both sides in LaTeX, in the notes' own layer numbers where `written` maps them."""
        return (
            f"{to_latex(self.lhs, self.batched, written)} = {to_latex(self.formula, self.batched, written)}"
        )

    def text_in(self, written: Written | None) -> str:
        """Both sides as text, in the notes' own layer numbers where `written` maps them."""
        return f"{to_text(self.lhs, self.batched, written)} = {to_text(self.formula, self.batched, written)}"

    @property
    def formula_text(self) -> str:
        return to_text(self.formula, self.batched)


def identity_name(kind: str, layer: int) -> str:
    return f"dL/d{kind}{layer}"


def layer_identities(
    layer: int, batch: int = 1, factor: Fraction = Fraction(1), l2: Fraction = Fraction(0)
) -> tuple[Identity, ...]:
    """The seed's identities at the boundary between layer l and l+1; `factor` is the batch
    reduction's (1/B for the mean, 1 for the sum), `l2` the L2 penalty's λ' (0: none)."""
    W, a, z, delta_next = Var("W", layer), Var("a", layer), Var("z", layer), Var("delta", layer + 1)
    back = MatMul(Transpose(W), delta_next)
    batched = batch > 1

    def scaled(x: Formula) -> Formula:
        return x if factor == 1 else Scale(factor, x)

    def decayed(x: Formula) -> Formula:
        # + λ' W_l: the gradient of (λ'/2) ‖W_l‖_F² (no term at all without a penalty)
        return x if not l2 else Add(x, W if l2 == 1 else Scale(l2, W))

    return (
        # dL/da_l = (1/B) W_l^T Δ_{l+1}
        Identity(identity_name("a", layer), a, scaled(back), batched),
        # dL/dz_l = (1/B) W_l^T Δ_{l+1} ∘ f'(z_l)   (δ_l = W_l^T δ_{l+1} ∘ f'(z_l) per example)
        Identity(identity_name("z", layer), z, scaled(Hadamard(back, FPrime(z))), batched),
        # dL/dW_l = (1/B) Δ_{l+1} A_l^T + λ' W_l
        Identity(identity_name("W", layer), W, decayed(scaled(MatMul(delta_next, Transpose(a)))), batched),
        # dL/db_l = (1/B) Δ_{l+1} 1
        Identity(
            identity_name("b", layer),
            Var("b", layer),
            scaled(MatMul(delta_next, Ones()) if batched else delta_next),
            batched,
        ),
    )


def seed_identities(
    depth: int = 1, batch: int = 1, factor: Fraction = Fraction(1), l2: Fraction = Fraction(0)
) -> tuple[Identity, ...]:
    """All four identities for each of the `depth` weight layers, layer 1 first."""
    return tuple(i for layer in range(1, depth + 1) for i in layer_identities(layer, batch, factor, l2))


def output_error(loss: str, layer: int) -> Formula | None:
    """`δ_L = ∂ℓ/∂z_L` of one example under the registry's loss `loss`, with `L = layer` (None for
    the generic `ℓ`, whose δ_L is ∂ℓ/∂z_L itself)."""
    delta = LOSSES[loss].delta
    return None if delta is None else delta(F, layer)


def output_identity(loss: str, last: int, batch: int = 1, factor: Fraction = Fraction(1)) -> Identity | None:
    """`dL/dz_L = (1/B) Δ_L` for the output layer `last` under `loss`, with Δ_L written out (the
    loss's output error, `factor` the batch reduction's); None for the generic loss."""
    error = output_error(loss, last)
    if error is None:
        return None
    if isinstance(error, Scale):  # sse's 2 (a_L − y) ∘ f'(z_L): one factor, (2/B)
        factor, error = factor * error.factor, error.operand
    formula = error if factor == 1 else Scale(factor, error)  # dL/dZ_L = (1/B) Δ_L, δ_L side by side
    return Identity(identity_name("z", last), Var("z", last), formula, batch > 1)


def network_identities(network) -> tuple[Identity, ...]:
    """The output layer's `dL/dz_L` first (where the backward pass starts; none for the generic
    loss), then the four of each layer boundary, layer 1 first."""
    output = output_identity(network.loss, len(network.sizes), network.batch, network.factor)
    layers = seed_identities(network.depth, network.batch, network.factor, network.l2)
    return layers if output is None else (output, *layers)
