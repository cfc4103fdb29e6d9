"""The symbolic forward pass and the gradients SymPy derives from it, entry by entry.

`z_{l+1} = W_l a_l + b_l`, `a_l = f(z_l)`, `L = loss(z_L, y)`. Zero taps are added to every
`a_l` and `z_l`, so `dL/da_l` and `dL/dz_l` are plain derivatives w.r.t. tap symbols taken at
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
    """`a[l-1]`, `z[l-1]` are `a_l`, `z_l` with taps at 0; `tapped_loss` keeps the taps."""

    a: tuple[sp.ImmutableMatrix, ...]
    z: tuple[sp.ImmutableMatrix, ...]
    loss: sp.Expr
    tapped_loss: sp.Expr


@cache
def symbolic_forward(key: Setting) -> SymbolicForward:
    m, s = model(key), network_symbols(key.sizes)
    z = s.z1 + s.tap_z[0]
    a_list, z_list = [], [z]
    for layer, (W, b) in enumerate(zip(s.W, s.b, strict=True)):
        a = z.applyfunc(m.f) + s.tap_a[layer]  # a_l = f(z_l)
        a_list.append(a)
        z = W * a + b + s.tap_z[layer + 1]  # z_{l+1} = W_l a_l + b_l
        z_list.append(z)
    a_list.append(z.applyfunc(m.f))  # a_L = f(z_L), the output activation
    tapped = m.loss(list(z), list(s.y))
    zero = dict.fromkeys(s.taps, 0)

    def untap(x: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
        return sp.ImmutableMatrix(x.xreplace(zero))

    return SymbolicForward(
        a=tuple(map(untap, a_list)),
        z=tuple(map(untap, z_list)),
        loss=tapped.xreplace(zero),
        tapped_loss=tapped,
    )


@cache
def derived_gradient(key: Setting, kind: str, layer: int) -> sp.ImmutableMatrix:
    """`dL/dX` for X = `a_l`, `z_l`, `W_l` or `b_l` (kind "a", "z", "W", "b"), entry by entry.

    Same shape as X: `[dL/dW]_ij = dL/dw_ij`.
    """
    s = network_symbols(key.sizes)
    variable = {"a": s.tap_a, "z": s.tap_z, "W": s.W, "b": s.b}[kind][layer - 1]
    forward = symbolic_forward(key)
    zero = dict.fromkeys(s.taps, 0)
    return sp.ImmutableMatrix(variable.applyfunc(lambda x: sp.diff(forward.tapped_loss, x).xreplace(zero)))
