"""The symbolic forward pass and the gradients SymPy derives from it, entry by entry.

`z_{l+1} = W_l a_l + b_l 1ᵀ`, `a_l = f(z_l)`, `L = loss(z_L, y)` (the mean or sum over the
examples of a mini-batch). For `dL/da_l` and `dL/dz_l` a zero "tap" is added to that one
quantity, and the derivative is taken w.r.t. the tap symbols at tap = 0. SymPy's matrix-level
derivatives are never used (they return 0 silently in known cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from derive.model import Setting, drop_point_masses, model
from derive.symbols import network_symbols


@dataclass(frozen=True)
class SymbolicForward:
    """`a[k]`, `z[k]` are `a_l`, `z_l` for the setting's k-th layer (`a_L = f(z_L)` included)."""

    a: tuple[sp.ImmutableMatrix, ...]
    z: tuple[sp.ImmutableMatrix, ...]
    loss: sp.Expr


def _build(key: Setting, tap: tuple[str, int] | None) -> SymbolicForward:
    """The forward pass, with the tap symbols of `tap = (kind, layer)` added there."""
    m, s = model(key), network_symbols(key)
    ones = sp.ones(1, key.batch)

    def tapped(kind: str, layer: int, x: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
        if tap != (kind, layer):
            return x
        return x + (s.tap_a if kind == "a" else s.tap_z)[s.at(layer)]

    z = tapped("z", key.first_layer, s.z1)
    a_list, z_list = [], [z]
    for layer, W, b in zip(key.layers, s.W, s.b, strict=False):
        a = tapped("a", layer, z.applyfunc(m.f))  # a_l = f(z_l)
        a_list.append(a)
        z = tapped("z", layer + 1, W * a + b * ones)  # z_{l+1} = W_l a_l + b_l 1ᵀ
        z_list.append(z)
    a_list.append(z.applyfunc(m.f))  # a_L = f(z_L), the output activation
    return SymbolicForward(tuple(a_list), tuple(z_list), m.loss(z, s.y))


@cache
def symbolic_forward(key: Setting) -> SymbolicForward:
    return _build(key, None)


@cache
def derived_gradient(key: Setting, kind: str, layer: int) -> sp.ImmutableMatrix:
    """`dL/dX` for X = `a_l`, `z_l`, `W_l` or `b_l` (kind "a", "z", "W", "b"; `layer` absolute),
    entry by entry. Same shape as X: `[dL/dW]_ij = dL/dw_ij`."""
    s = network_symbols(key)
    if kind in ("W", "b"):
        variable = (s.W if kind == "W" else s.b)[s.at(layer)]
        loss = symbolic_forward(key).loss
        return sp.ImmutableMatrix(variable.applyfunc(lambda x: drop_point_masses(sp.diff(loss, x))))
    taps = (s.tap_a if kind == "a" else s.tap_z)[s.at(layer)]
    loss = _build(key, (kind, layer)).loss
    zero = dict.fromkeys(taps, 0)
    return sp.ImmutableMatrix(taps.applyfunc(lambda t: drop_point_masses(sp.diff(loss, t)).xreplace(zero)))
