"""Activation registry: each entry's forward definition in SymPy, one line each.

Only forward definitions live here. SymPy differentiates them itself; the NumPy witness
(`verify/numpy_backprop.py`) writes its own derivatives by hand and the JAX oracle
(`verify/jax_oracle.py`) uses `jax.nn`. `verify/registry.py` lines the three up by name.
`forward(z, slope)` takes the leaky-ReLU slope; the others ignore it.

Every activation here is continuous, which `drop_point_masses` relies on: differentiating a
Heaviside step gives DiracDelta terms such as `z·δ(z)` or `(eᶻ − 1)·δ(z)`, whose factor vanishes
at the step, so they are zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from derive.errors import choose_one


@dataclass(frozen=True)
class Activation:
    """An elementwise activation `a = f(z)`.

    `kinks` lists the points where `f` is not differentiable: the sampler keeps away from them
    unless asked to hit them, and each witness's convention there is reported.
    """

    name: str
    definition: str  # LaTeX, as the report states it
    forward: Callable[[sp.Expr, sp.Rational], sp.Expr]
    kinks: tuple[int, ...] = ()


def _gelu_tanh(z: sp.Expr) -> sp.Expr:
    # 1/2 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))
    return z / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (z + sp.Rational(44715, 10**6) * z**3)))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("identity", r"f(z) = z", lambda z, s: z),
        Activation("sigmoid", r"\sigma(z) = \frac{1}{1 + e^{-z}}", lambda z, s: 1 / (1 + sp.exp(-z))),
        Activation("tanh", r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}", lambda z, s: sp.tanh(z)),
        Activation("relu", r"\mathrm{relu}(z) = \max(0, z)", lambda z, s: sp.Max(0, z), kinks=(0,)),
        Activation(
            "leaky-relu",
            r"f(z) = \max(z, \alpha z),\ 0 < \alpha < 1",
            lambda z, s: sp.Max(z, s * z),
            kinks=(0,),
        ),
        Activation(
            "elu",
            r"\mathrm{elu}(z) = z \text{ for } z > 0,\ e^{z} - 1 \text{ otherwise}",
            # with Heaviside H, not Piecewise: nested Piecewise makes SymPy crawl (minutes for 4 → 3)
            lambda z, s: z * sp.Heaviside(z) + (sp.exp(z) - 1) * (1 - sp.Heaviside(z)),
        ),
        Activation("softplus", r"\mathrm{softplus}(z) = \log(1 + e^{z})", lambda z, s: sp.log(1 + sp.exp(z))),
        Activation(
            "gelu",
            r"\mathrm{gelu}(z) = \tfrac{z}{2}\left(1 + \operatorname{erf}(z/\sqrt{2})\right)",
            lambda z, s: z / 2 * (1 + sp.erf(z / sp.sqrt(2))),
        ),
        Activation(
            "gelu-tanh",
            r"f(z) = \tfrac{z}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(z + 0.044715 z^3)\right)\right)",
            lambda z, s: _gelu_tanh(z),
        ),
        Activation(
            "silu",
            r"\mathrm{silu}(z) = z\,\sigma(z) = \frac{z}{1 + e^{-z}}",
            lambda z, s: z / (1 + sp.exp(-z)),
        ),
    )
}


def drop_point_masses(expr: sp.Expr) -> sp.Expr:
    """`expr` without DiracDelta terms. Valid for continuous activations only (all of ours): there
    every δ(x) comes from a step H(x) and multiplies a factor that is 0 at x = 0."""
    if not expr.has(sp.DiracDelta):
        return expr
    return expr.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)


def activation(name: str) -> Activation:
    """The registry entry called `name`; an `InputError` listing the valid names otherwise."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise choose_one("activation", name, list(ACTIVATIONS)) from None
