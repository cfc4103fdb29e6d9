"""The functions a symbolic forward pass is built from: generic (`f`, `ℓ`) or a registered pair.

Symbolic work is cached per `Setting` — layer sizes plus activation and loss names, with
`"generic"` for both in the generic case — so the generic derivation is done once per size,
whatever concrete pair the user picked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import sympy as sp

from derive.activations import activation
from derive.generic import f, f_prime, generic_loss
from derive.losses import loss
from derive.network import Network

GENERIC = "generic"


class Setting(NamedTuple):
    """What a symbolic derivation depends on, and nothing more (the cache key)."""

    sizes: tuple[int, ...]
    activation: str
    loss: str

    @property
    def generic(self) -> bool:
        return self.activation == GENERIC


def setting(network: Network, generic: bool) -> Setting:
    if generic:
        return Setting(network.sizes, GENERIC, GENERIC)
    return Setting(network.sizes, network.activation, network.loss)


@dataclass(frozen=True)
class Model:
    """`f`, `f'` and the loss as SymPy callables; `scope` says what a proof with them covers."""

    scope: str
    f: Callable[[sp.Expr], sp.Expr]
    f_prime: Callable[[sp.Expr], sp.Expr]
    loss: Callable[[Sequence[sp.Expr], Sequence[sp.Expr]], sp.Expr]


@cache
def model(key: Setting) -> Model:
    """The generic model (every activation and loss at once) or a registered pair."""
    if key.generic:
        ell, _ = generic_loss(key.sizes[-1])
        return Model("generic f, generic ℓ(z_L)", f, f_prime, lambda z, y: ell(*z))
    act, lss = activation(key.activation), loss(key.loss)
    x = sp.Dummy("x", real=True)
    derivative = sp.diff(act.forward(x), x)  # f'(x), differentiated by SymPy

    def f_prime_concrete(arg: sp.Expr) -> sp.Expr:
        return derivative.xreplace({x: arg})

    return Model(
        f"{act.name}, {lss.name}",
        act.forward,
        f_prime_concrete,
        lambda z, y: lss.forward(z, y, act.forward),
    )
