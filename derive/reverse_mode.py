"""Gradients entry by entry by reverse accumulation over the setting's forward equations, each
layer's derivatives derived once and shared by every entry that reads them.

The forward equations (`derive/model_ir.py`) are run with every computed tensor's entries held
as fresh symbols: `z_2 = W_1 a_1 + b_1 1ᵀ` becomes `h_z2[i,b] = Σ_j w_ij h_a1[j,b] + b_i`, each
right-hand side in the held symbols of its inputs only. Then, from `L` back, each held entry's
adjoint `∂L/∂h` (the sum over its readers `g` of `∂L/∂g · ∂g/∂h`) is formed once, and each
local partial `∂g/∂h` is a `diff` of one small right-hand side (symengine for the polynomial
ones, `derive/symengine_backend.py`; SymPy for every function: `f → f'`, the loss). Nothing
here knows a backpropagation formula: it is the chain rule over whatever equations the model
has, as `jax.grad` applies it to the JAX forward. Finally every held symbol is replaced by its
forward expression (the same objects `derive.forward.symbolic_forward` builds), so the result
reads in the network's own symbols and is the derivative `sp.diff` gives, in another form.

`sp.diff` of the whole loss once per entry re-derives every later layer's derivative for every
weight ((n·m)² work for an n × m layer); this is n·m·B partials of sums of n terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from derive.dag import substitute
from derive.model import Setting, drop_point_masses, model, setting_model
from derive.symbols import network_symbols
from derive.symengine_backend import partials


@dataclass(frozen=True)
class Tape:
    """`held[name]`: the symbols standing for tensor `name`'s entries (the inputs `z_first`, `W_l`,
    `b_l`, `y` are their own); `adjoint[symbol]` its `∂L/∂symbol` in the held symbols; `full`
    each held symbol's forward expression in the network's symbols."""

    held: dict[str, sp.ImmutableMatrix]
    adjoint: dict[sp.Symbol, sp.Expr]
    full: dict[sp.Symbol, sp.Expr]


@cache
def tape(key: Setting) -> Tape:
    from derive.forward import _value  # one interpreter of the equations in SymPy

    m, s, ir = model(key), network_symbols(key), setting_model(key)
    first = f"z{key.first_layer}"
    held: dict[str, sp.ImmutableMatrix] = {first: s.z1, "y": s.y}
    full: dict[str, sp.ImmutableMatrix] = {first: s.z1, "y": s.y}
    for layer, W, b in zip(key.layers, s.W, s.b, strict=False):
        held[f"W{layer}"] = full[f"W{layer}"] = W
        held[f"b{layer}"] = full[f"b{layer}"] = b
    steps: list[tuple[sp.ImmutableMatrix, sp.ImmutableMatrix]] = []
    forward: dict[sp.Symbol, sp.Expr] = {}
    for eq in ir.equations:
        rhs = _value(eq.expr, held, m, key.batch)
        full[eq.target] = _value(eq.expr, full, m, key.batch)
        h = sp.ImmutableMatrix(*rhs.shape, lambda i, j, t=eq.target: sp.Dummy(f"{t}_{i}_{j}"))
        held[eq.target] = h
        steps.append((h, rhs))
        forward.update(zip(h, full[eq.target], strict=True))
    sums: dict[sp.Symbol, list[sp.Expr]] = {held["L"][0, 0]: [sp.Integer(1)]}
    adjoint: dict[sp.Symbol, sp.Expr] = {}
    for h, rhs in reversed(steps):
        # what the chain rule goes through: held entries and parameters, never the targets y
        variables = set().union(*(e.free_symbols for e in rhs)) - set(s.y)
        for target, g in zip(h, rhs, strict=True):
            if target not in sums:
                continue
            outer = adjoint[target] = sp.Add(*sums.pop(target))
            if outer == 0:
                continue
            for u, d in partials(g, variables):
                sums.setdefault(u, []).append(outer * drop_point_masses(d))
    adjoint.update((u, sp.Add(*terms)) for u, terms in sums.items())
    return Tape(held, adjoint, forward)


def gradient(key: Setting, name: str) -> sp.ImmutableMatrix | None:
    """`∂L/∂X` for tensor `name` (`W1`, `z2`, `a1`) entry by entry, in the network's symbols;
    None where the tensor is not one the equations compute or read."""
    t = tape(key)
    if name not in t.held:
        return None
    memo: dict[sp.Expr, sp.Expr] = {}
    zero = sp.Integer(0)
    return sp.ImmutableMatrix(
        t.held[name].applyfunc(lambda h: substitute(t.adjoint.get(h, zero), t.full, memo))
    )
