"""Loss registry: each entry's forward definition in SymPy, per example, as a function of the
last layer's `z` (a column), its target `y` and the activation `f`.

As for activations, only forward definitions live here; each witness differentiates (or
hand-codes the derivative) on its own. `generic` is an undefined function `ℓ(z_L)`: symbolic
only, so the numeric witnesses use `mse` in its place and say so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from derive.errors import choose_one

# loss(z_L entries, target entries, output activation) -> scalar expression, for one example
LossForward = Callable[[Sequence[sp.Expr], Sequence[sp.Expr], Callable[[sp.Expr], sp.Expr]], sp.Expr]

GENERIC = "generic"
NUMERIC_STAND_IN = "mse"  # what the numeric witnesses use for the generic loss


@dataclass(frozen=True)
class Loss:
    """A per-example loss; `target` says how the sampler draws `y` ("real", "one-hot", "binary").

    A mini-batch's loss is the mean (or sum) of the per-example losses.
    """

    name: str
    definition: str  # LaTeX, as the report states it
    convention: str  # the choice a reader must know (the 1/2, what the target is)
    forward: LossForward | None  # None: the generic loss
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


def _bce(z: Sequence[sp.Expr], y: Sequence[sp.Expr], f: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
    # L = -sum_k [y_k log sigma(z_k) + (1 - y_k) log(1 - sigma(z_k))]
    #   =  sum_k [y_k log(1 + e^{-z_k}) + (1 - y_k) log(1 + e^{z_k})]
    return sum(
        yk * sp.log(1 + sp.exp(-zk)) + (1 - yk) * sp.log(1 + sp.exp(zk)) for zk, yk in zip(z, y, strict=True)
    )


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
        Loss(
            "bce",
            r"L = -\sum_k \left[y_k \log \sigma(z_{L,k}) + (1 - y_k) \log(1 - \sigma(z_{L,k}))\right]",
            "binary cross-entropy of a sigmoid on each output (no other output activation),"
            " one 0/1 target per output",
            _bce,
            "binary",
        ),
        Loss(
            GENERIC,
            r"L = \ell(z_L)",
            "an undefined function of the last layer's z: the proof holds for every loss; the"
            f" numeric witnesses need numbers and use {NUMERIC_STAND_IN} in its place",
            None,
            "real",
        ),
    )
}


def loss(name: str) -> Loss:
    """The registry entry called `name`; an `InputError` listing the valid names otherwise."""
    try:
        return LOSSES[name]
    except KeyError:
        raise choose_one("loss", name, list(LOSSES)) from None
