"""Loss registry: each entry's forward definition in SymPy, as a function of the last `z`.

As for activations, only forward definitions live here; each witness differentiates (or
hand-codes the derivative) on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from derive.errors import choose_one

# loss(z_L entries, target entries, output activation) -> scalar expression
LossForward = Callable[[Sequence[sp.Expr], Sequence[sp.Expr], Callable[[sp.Expr], sp.Expr]], sp.Expr]


@dataclass(frozen=True)
class Loss:
    """A loss `L = loss(z_L, y)`; `target` says how the sampler draws `y` ("real" or "one-hot")."""

    name: str
    definition: str  # LaTeX, as the report states it
    convention: str  # the choice a reader must know (the 1/2, what the target is)
    forward: LossForward
    target: str
    min_outputs: int = 1
    why_min_outputs: str = ""


def _mse(z: Sequence[sp.Expr], y: Sequence[sp.Expr], f: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
    # L = 1/2 sum_k (f(z_k) - y_k)^2
    return sp.Rational(1, 2) * sum((f(zk) - yk) ** 2 for zk, yk in zip(z, y, strict=True))


def _softmax_ce(z: Sequence[sp.Expr], y: Sequence[sp.Expr], f: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
    # L = -sum_k y_k log softmax(z)_k = -sum_k y_k (z_k - log sum_j e^{z_j})
    log_sum_exp = sp.log(sum(sp.exp(zj) for zj in z))
    return -sum(yk * (zk - log_sum_exp) for zk, yk in zip(z, y, strict=True))


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "mse",
            r"L = \tfrac{1}{2}\,\lVert f(z_L) - y \rVert^2",
            "squared error with the factor 1/2, taken on the output activation f(z) of the last"
            " layer (the same f as the hidden layers)",
            _mse,
            "real",
        ),
        Loss(
            "softmax-ce",
            r"L = -\sum_k y_k \log \operatorname{softmax}(z_L)_k",
            "softmax cross-entropy on the last layer's z as logits (no output activation), one-hot target y",
            _softmax_ce,
            "one-hot",
            min_outputs=2,
            why_min_outputs="the softmax of one logit is 1, so the loss and every gradient are 0",
        ),
    )
}


def loss(name: str) -> Loss:
    """The registry entry called `name`; an `InputError` listing the valid names otherwise."""
    try:
        return LOSSES[name]
    except KeyError:
        raise choose_one("loss", name, list(LOSSES)) from None
