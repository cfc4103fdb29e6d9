"""Activation registry: each entry's forward definition in SymPy, one line each.

Only forward definitions live here. SymPy differentiates them itself; the NumPy witness
(`verify/numpy_backprop.py`) writes its own derivatives by hand and the JAX oracle
(`verify/jax_oracle.py`) uses `jax.nn`. `verify/registry.py` lines the three up by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from derive.errors import choose_one


@dataclass(frozen=True)
class Activation:
    """An elementwise activation `a = f(z)`.

    `forward` maps a SymPy expression to one; `kinks` lists the points where `f` is not
    differentiable (samplers keep away from them).
    """

    name: str
    definition: str  # LaTeX, as the report states it
    forward: Callable[[sp.Expr], sp.Expr]
    kinks: tuple[float, ...] = ()


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        # sigma(z) = 1 / (1 + e^{-z})
        Activation("sigmoid", r"\sigma(z) = \frac{1}{1 + e^{-z}}", lambda z: 1 / (1 + sp.exp(-z))),
        # tanh(z)
        Activation("tanh", r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}", sp.tanh),
    )
}


def activation(name: str) -> Activation:
    """The registry entry called `name`; an `InputError` listing the valid names otherwise."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise choose_one("activation", name, list(ACTIVATIONS)) from None
