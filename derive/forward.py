"""The symbolic forward pass and the gradients SymPy derives from it, entry by entry.

The setting's model (`derive/model_ir.py`: `z_{l+1} = W_l a_l + b_l 1ᵀ`, `a_l = f_l(z_l)`,
`L = loss(z_L, y)`, the mean or sum over the examples of a mini-batch, plus the L2 penalty
`(λ'/2) Σ_l ‖W_l‖_F²` where the setting has one) interpreted in SymPy.
For `dL/da_l` and `dL/dz_l` a zero "tap" is added to that one quantity, and the derivative is
taken w.r.t. the tap symbols at tap = 0. SymPy's matrix-level
derivatives are never used (they return 0 silently in known cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from derive.budget import shared_derivation
from derive.formula import (
    Add,
    Apply,
    ExampleLoss,
    Formula,
    Function,
    MatMul,
    MatrixApply,
    MeanAxis,
    Ones,
    Ref,
    Scale,
    SumAxis,
    Transpose,
)
from derive.model import (
    Model,
    Setting,
    drop_point_masses,
    layer_functions,
    model,
    setting_model,
    sympy_activation,
)
from derive.registry import MATRIX
from derive.symbols import network_symbols


@dataclass(frozen=True)
class SymbolicForward:
    """`a[k]`, `z[k]` are `a_l`, `z_l` for the setting's k-th layer (`a_L = f(z_L)` included)."""

    a: tuple[sp.ImmutableMatrix, ...]
    z: tuple[sp.ImmutableMatrix, ...]
    loss: sp.Expr


def _value(node: Formula, env: dict[str, sp.ImmutableMatrix], m: Model, batch: int) -> sp.ImmutableMatrix:
    """A forward equation's right-hand side in SymPy, its tensors' matrices in `env`."""

    def at(x: Formula) -> sp.ImmutableMatrix:
        return _value(x, env, m, batch)

    match node:
        case Ref(name):
            return env[name]
        case Apply(function, x):  # the layer's f_l: the generic f, or a registry one
            return at(x).applyfunc(sympy_activation(function)[0])
        case MatMul(left, Transpose(Ones())):  # b 1ᵀ
            return at(left) * sp.ones(1, batch)
        case MatMul(left, right):
            return at(left) * at(right)
        case Add(left, right):
            return at(left) + at(right)
        case ExampleLoss(_, output, target, Function(read_name) as function):
            # the setting's loss of its output read through f_L (z_L) or the identity (a_L = f(z_L))
            z, y = at(output), at(target)
            read = (lambda x: x) if read_name == "identity" else sympy_activation(function)[0]
            assert m.example_loss is not None
            return sp.ImmutableMatrix(
                [[m.example_loss(list(z[:, b]), list(y[:, b]), read) for b in range(batch)]]
            )
        case MeanAxis(x, 1) | SumAxis(x, 1):
            # L = (1/B) sum_b loss(z^(b), y^(b))  (or without 1/B for reduction "sum")
            factor = sp.Rational(1, batch) if isinstance(node, MeanAxis) else sp.Integer(1)
            return sp.ImmutableMatrix([[factor * sum(at(x))]])
        case Scale(factor, x):  # the L2 penalty's λ'/2
            return sp.ImmutableMatrix(sp.Rational(factor.numerator, factor.denominator) * at(x))
        case MatrixApply(name, x):  # ‖W_l‖_F² = Σ_ij w_ij², the registry's SymPy forward
            return sp.ImmutableMatrix(MATRIX[name].sympy(sp, at(x)))
    raise TypeError(f"not a node of a setting's forward equations: {node!r}")


def _build(key: Setting, tap: tuple[str, int] | None) -> SymbolicForward:
    """The setting's forward equations (`derive/model_ir.py`) in SymPy, with the tap symbols
    of `tap = (kind, layer)` added there."""
    m, s, ir = model(key), network_symbols(key), setting_model(key)

    def tapped(name: str, x: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
        if tap is None or name != f"{tap[0]}{tap[1]}":
            return x
        return x + (s.tap_a if tap[0] == "a" else s.tap_z)[s.at(tap[1])]

    first = f"z{key.first_layer}"
    env = {first: tapped(first, s.z1), "y": s.y}
    for layer, W, b in zip(key.layers, s.W, s.b, strict=False):
        env[f"W{layer}"], env[f"b{layer}"] = W, b
    for eq in ir.equations:
        env[eq.target] = tapped(eq.target, _value(eq.expr, env, m, key.batch))
    last = key.layers[-1]
    a = [env[f"a{layer}"] for layer in key.layers[:-1]]
    # a_L = f_L(z_L), the output activation (a tensor of the model when the loss reads it)
    f_last = layer_functions(key, last)[0]
    a.append(env[f"a{last}"] if f"a{last}" in env else env[f"z{last}"].applyfunc(f_last))
    return SymbolicForward(tuple(a), tuple(env[f"z{layer}"] for layer in key.layers), env["L"][0, 0])


@cache
def symbolic_forward(key: Setting) -> SymbolicForward:
    return _build(key, None)


@cache
def derived_gradient(key: Setting, kind: str, layer: int) -> sp.ImmutableMatrix:
    """`dL/dX` for X = `a_l`, `z_l`, `W_l` or `b_l` (kind "a", "z", "W", "b"; `layer` absolute),
    entry by entry. Same shape as X: `[dL/dW]_ij = dL/dw_ij`.

    Within the old budget (`derive/budget.py`) `sp.diff` of the whole loss per entry, the forms
    the reports have always shown; beyond it, reverse accumulation over the forward equations
    (`derive/reverse_mode.py`), each layer's derivatives derived once for all its entries."""
    if shared_derivation(key):
        from derive.reverse_mode import gradient

        if (shared := gradient(key, f"{kind}{layer}")) is not None:
            return shared
    s = network_symbols(key)
    if kind in ("W", "b"):
        variable = (s.W if kind == "W" else s.b)[s.at(layer)]
        loss = symbolic_forward(key).loss
        return sp.ImmutableMatrix(variable.applyfunc(lambda x: drop_point_masses(sp.diff(loss, x))))
    taps = (s.tap_a if kind == "a" else s.tap_z)[s.at(layer)]
    loss = _build(key, (kind, layer)).loss
    zero = dict.fromkeys(taps, 0)
    return sp.ImmutableMatrix(taps.applyfunc(lambda t: drop_point_masses(sp.diff(loss, t)).xreplace(zero)))
