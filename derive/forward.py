"""The symbolic forward pass and the gradients SymPy derives from it, entry by entry.

`z_{l+1} = W_l a_l + b_l`, `a_l = f(z_l)`, `L = loss(z_L, y)`. For `dL/da_l` and `dL/dz_l` a
zero "tap" is added to that one quantity, and the derivative is taken w.r.t. the tap symbols at
tap = 0. SymPy's matrix-level derivatives are never used (they return 0 silently in known cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from derive.model import Setting, model
from derive.symbols import network_symbols


@dataclass(frozen=True)
class SymbolicForward:
    """`a[l-1]`, `z[l-1]` are `a_l`, `z_l` (`a_L = f(z_L)` included); `loss` is `L`."""

    a: tuple[sp.ImmutableMatrix, ...]
    z: tuple[sp.ImmutableMatrix, ...]
    loss: sp.Expr


def _build(key: Setting, tap: tuple[str, int] | None) -> SymbolicForward:
    """The forward pass, with the tap symbols of `tap = (kind, layer)` added there."""
    m, s = model(key), network_symbols(key.sizes)

    def tapped(kind: str, layer: int, x: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
        if tap != (kind, layer):
            return x
        return x + (s.tap_a if kind == "a" else s.tap_z)[layer - 1]

    z = tapped("z", 1, s.z1)
    a_list, z_list = [], [z]
    for layer, (W, b) in enumerate(zip(s.W, s.b, strict=True), start=1):
        a = tapped("a", layer, z.applyfunc(m.f))  # a_l = f(z_l)
        a_list.append(a)
        z = tapped("z", layer + 1, W * a + b)  # z_{l+1} = W_l a_l + b_l
        z_list.append(z)
    a_list.append(z.applyfunc(m.f))  # a_L = f(z_L), the output activation
    return SymbolicForward(tuple(a_list), tuple(z_list), m.loss(list(z), list(s.y)))


@cache
def symbolic_forward(key: Setting) -> SymbolicForward:
    return _build(key, None)


@cache
def derived_gradient(key: Setting, kind: str, layer: int) -> sp.ImmutableMatrix:
    """`dL/dX` for X = `a_l`, `z_l`, `W_l` or `b_l` (kind "a", "z", "W", "b"), entry by entry.

    Same shape as X: `[dL/dW]_ij = dL/dw_ij`.
    """
    s = network_symbols(key.sizes)
    if kind in ("W", "b"):
        variable = (s.W if kind == "W" else s.b)[layer - 1]
        loss = symbolic_forward(key).loss
        return sp.ImmutableMatrix(variable.applyfunc(lambda x: sp.diff(loss, x)))
    taps = (s.tap_a if kind == "a" else s.tap_z)[layer - 1]
    loss = _build(key, (kind, layer)).loss
    zero = dict.fromkeys(taps, 0)
    return sp.ImmutableMatrix(taps.applyfunc(lambda t: sp.diff(loss, t).xreplace(zero)))
