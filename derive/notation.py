"""The seed's notation for results: derived matrices written with `a_l`, `z_l`, `δ_l`, and each
identity's entry-wise (index) form, e.g. `∂L/∂w_ij = δ_2i a_1j`.

Derived gradients are expressions of the inputs (`f(z_11)`, `∂_1ℓ(b_11 + w_11 f(z_11) + …)`);
`readable` puts the names back: every subexpression that *is* `a_l`, `z_l` or `δ_l` entry by
entry is replaced by that entry's symbol.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from derive.formula import (
    Add,
    Formula,
    FPrime,
    Hadamard,
    MatMul,
    Scale,
    ShapeMismatch,
    Transpose,
    Var,
    shape,
)
from derive.forward import derived_gradient, symbolic_forward
from derive.generic import f_prime
from derive.identities import Identity
from derive.model import Setting
from derive.symbols import _index, network_symbols


@dataclass(frozen=True)
class Display:
    """Symbols for `a_l`, `z_l`, `δ_l` entries (`a_11`, `z_21`, `delta_21`) and their LaTeX."""

    a: tuple[sp.ImmutableMatrix, ...]
    z: tuple[sp.ImmutableMatrix, ...]
    delta: tuple[sp.ImmutableMatrix, ...]
    latex_names: dict[sp.Symbol, str]


@cache
def display_symbols(sizes: tuple[int, ...]) -> Display:
    s = network_symbols(sizes)
    latex = dict(s.latex_names)

    def column(stem: str, tex: str, layer: int, n: int) -> sp.ImmutableMatrix:
        out = []
        for i in range(1, n + 1):
            sym = sp.Symbol(f"{stem}_{_index(layer, i)}", real=True)
            latex[sym] = f"{tex}_{{{_index(layer, i)}}}"
            out.append(sym)
        return sp.ImmutableMatrix(out)

    layers = list(enumerate(sizes, start=1))
    return Display(
        a=tuple(column("a", "a", l, n) for l, n in layers),  # noqa: E741
        z=(s.z1, *(column("z", "z", l, n) for l, n in layers[1:])),  # noqa: E741
        delta=tuple(column("delta", r"\delta", l, n) for l, n in layers),  # noqa: E741
        latex_names=latex,
    )


def entry_symbols(var: Var, sizes: tuple[int, ...]) -> sp.ImmutableMatrix:
    """The symbols naming each entry of `var` (`w_11 …`, `a_11 …`, `delta_21 …`)."""
    s, d = network_symbols(sizes), display_symbols(sizes)
    return {"W": s.W, "b": s.b, "a": d.a, "z": d.z, "delta": d.delta}[var.kind][var.layer - 1]


@cache
def _names(key: Setting, keep_delta: int | None) -> dict[sp.Expr, sp.Symbol]:
    d, fw = display_symbols(key.sizes), symbolic_forward(key)
    names: dict[sp.Expr, sp.Symbol] = {}
    for layer in range(len(key.sizes), 0, -1):
        if layer != keep_delta:
            names.update(zip(derived_gradient(key, "z", layer), d.delta[layer - 1], strict=True))
    for layer in range(1, len(key.sizes) + 1):
        names.update(zip(fw.a[layer - 1], d.a[layer - 1], strict=True))
        if layer > 1:
            names.update(zip(fw.z[layer - 1], d.z[layer - 1], strict=True))
    return names


def readable(matrix: sp.ImmutableMatrix, key: Setting, keep_delta: int | None = None) -> sp.ImmutableMatrix:
    """`matrix` with every whole `a_l`, `z_l`, `δ_l` entry written as its symbol.

    `keep_delta=l` leaves `δ_l` spelled out: the derived `dL/dz_l` *is* `δ_l`, and showing it
    as such would hide the derivation.
    """
    return sp.ImmutableMatrix(matrix.xreplace(_names(key, keep_delta)))


# --- index form -------------------------------------------------------------------------------

_SUM_INDICES = ("i", "k", "m", "p", "q")


def _base(var: Var, deep: bool) -> sp.IndexedBase:
    if var.kind == "W":
        return sp.IndexedBase(f"w{var.layer}" if deep else "w", real=True)
    return sp.IndexedBase(f"{var.kind}_{var.layer}", real=True)


def entrywise(identity: Identity, sizes: tuple[int, ...]) -> tuple[sp.Expr, sp.Expr | None]:
    """(target entry, formula entry) with symbolic indices: `(w[i, j], delta_2[i]*a_1[j])`.

    Matrix targets use (i, j); `a_l`, `z_l` use j and `b_l` uses i, as the seed does. Products
    with an inner dimension above 1 become `Sum`s over a fresh index. The formula entry is None
    when the formula's shapes do not fit.
    """
    deep = len(sizes) > 2
    i, j = sp.symbols("i j", integer=True, positive=True)
    one = sp.Integer(1)
    target = identity.target
    row, col = {"W": (i, j), "b": (i, one)}.get(target.kind, (j, one))

    def entry(node: Formula, r: sp.Expr, c: sp.Expr, used: frozenset[str]) -> sp.Expr:
        match node:
            case Var():
                shape(node, sizes)  # the layer must exist
                if node.kind == "W":  # a matrix keeps both indices, whatever its shape
                    return _base(node, deep)[r, c]
                return _base(node, deep)[r]  # a column vector: its row
            case Transpose(x):
                return entry(x, c, r, used)
            case MatMul(left, right):
                inner = shape(left, sizes)[1]
                if inner == 1:
                    return entry(left, r, one, used) * entry(right, one, c, used)
                name = next(n for n in _SUM_INDICES if n not in used)
                k = sp.Symbol(name, integer=True, positive=True)
                body = entry(left, r, k, used | {name}) * entry(right, k, c, used | {name})
                return sp.Sum(body, (k, 1, inner))
            case Hadamard(left, right):
                return entry(left, r, c, used) * entry(right, r, c, used)
            case Add(left, right):
                return entry(left, r, c, used) + entry(right, r, c, used)
            case Scale(factor, x):
                return sp.Rational(factor.numerator, factor.denominator) * entry(x, r, c, used)
            case FPrime(x):
                return f_prime(entry(x, r, c, used))
        raise TypeError(f"not a formula node: {node!r}")

    used = frozenset(str(s) for s in (row, col) if s.is_Symbol)
    try:
        formula = entry(identity.formula, row, col, used)
    except ShapeMismatch:
        formula = None
    return entry(target, row, col, used), formula
