"""The seed's notation for results: derived matrices written with `a_l`, `z_l`, `δ_l`, and each
identity's entry-wise (index) form, e.g. `∂L/∂w_ij = δ_2i a_1j`.

Derived gradients are expressions of the inputs (`f(z_11)`, `∂_1ℓ(b_11 + w_11 f(z_11) + …)`);
`readable` puts the names back: every subexpression that *is* an entry of `a_l`, `z_l` or `δ_l`
is replaced by that entry's symbol.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from derive.evaluate import quantity
from derive.formula import (
    Add,
    Apply,
    Dims,
    Formula,
    FPrime,
    Hadamard,
    MatMul,
    Ones,
    Scale,
    ShapeMismatch,
    Softmax,
    Transpose,
    Unsupported,
    Var,
    shape,
)
from derive.forward import symbolic_forward
from derive.generic import f_prime
from derive.identities import Identity
from derive.model import Setting
from derive.registry import function as registry_function
from derive.symbols import Namer, network_symbols


@dataclass(frozen=True)
class Display:
    """Symbols for `a_l`, `z_l`, `δ_l` entries (`a_11`, `z_21`, `delta_21`) and their LaTeX."""

    a: tuple[sp.ImmutableMatrix, ...]
    z: tuple[sp.ImmutableMatrix, ...]
    delta: tuple[sp.ImmutableMatrix, ...]
    latex_names: dict[sp.Symbol, str]


@cache
def display_symbols(key: Setting) -> Display:
    s = network_symbols(key)
    names = Namer()
    names.latex.update(s.latex_names)
    n, batch = key.sizes, key.batch
    layers = list(zip(key.layers, n, strict=True))
    return Display(
        a=tuple(names.per_example("a", "a", layer, width, batch) for layer, width in layers),
        z=(s.z1, *(names.per_example("z", "z", layer, width, batch) for layer, width in layers[1:])),
        delta=tuple(names.per_example("delta", r"\delta", layer, width, batch) for layer, width in layers),
        latex_names=names.latex,
    )


def entry_symbols(var: Var, key: Setting) -> sp.ImmutableMatrix:
    """The symbols naming each entry of `var` (`w_11 …`, `a_11 …`, `delta_21 …`)."""
    s, d = network_symbols(key), display_symbols(key)
    return {"W": s.W, "b": s.b, "a": d.a, "z": d.z, "delta": d.delta}[var.kind][s.at(var.layer)]


@cache
def _names(key: Setting, keep_delta: int | None) -> dict[sp.Expr, sp.Symbol]:
    d, fw = display_symbols(key), symbolic_forward(key)
    names: dict[sp.Expr, sp.Symbol] = {}
    for k, layer in reversed(list(enumerate(key.layers))):
        if layer != keep_delta:  # Δ_l = δ_l for one example; the per-example δ's for a batch
            names.update(zip(quantity(key, Var("delta", layer)), d.delta[k], strict=True))
    for k in range(len(key.sizes)):
        names.update(zip(fw.a[k], d.a[k], strict=True))
        if k > 0:
            names.update(zip(fw.z[k], d.z[k], strict=True))
    return names


def readable(matrix: sp.ImmutableMatrix, key: Setting, keep_delta: int | None = None) -> sp.ImmutableMatrix:
    """`matrix` with every whole `a_l`, `z_l`, `δ_l` entry written as its symbol.

    `keep_delta=l` leaves `δ_l` spelled out: the derived `dL/dz_l` *is* `δ_l` (up to the batch
    factor), and showing it as such would hide the derivation.
    """
    return sp.ImmutableMatrix(matrix.xreplace(_names(key, keep_delta)))


# --- index form -------------------------------------------------------------------------------

_SUM_INDICES = ("i", "k", "m", "p", "q")


def _base(var: Var, layered: bool) -> sp.IndexedBase:
    if var.kind == "W":
        return sp.IndexedBase(f"w{var.layer}" if layered else "w", real=True)
    if var.kind == "y":  # the target: y_j (y_je for a batch), no layer
        return sp.IndexedBase("y", real=True)
    return sp.IndexedBase(f"{var.kind}_{var.layer}", real=True)


@cache
def _named(name: str) -> type[sp.Function]:
    """A registry function for display: `\\sigma(z_{2,j})` in LaTeX, `sigmoid(z_2j)` in text."""
    tex = registry_function(name).tex

    def as_latex(self: sp.Function, printer: sp.printing.latex.LatexPrinter, exp: object = None) -> str:
        return rf"{tex}\!\left({printer._print(self.args[0])}\right)"

    def as_text(self: sp.Function, printer: sp.printing.str.StrPrinter) -> str:
        return f"{name}({printer._print(self.args[0])})"

    return type(name, (sp.Function,), {"nargs": 1, "_latex": as_latex, "_sympystr": as_text})


def entrywise(identity: Identity, dims: Dims, layered: bool = False) -> tuple[sp.Expr, sp.Expr | None]:
    """(target entry, formula entry) with symbolic indices: `(w[i, j], delta_2[i]*a_1[j])`.

    Matrix targets use (i, j); `a_l`, `z_l` use j and `b_l` uses i, as the seed does; with a
    mini-batch, per-example quantities carry the example index e as well. Products over an inner
    dimension above 1 become `Sum`s over a fresh index (e over the examples). The formula entry
    is None when the formula's shapes do not fit. Sizes may be SymPy symbols.
    """
    i, j, e = sp.symbols("i j e", integer=True, positive=True)
    one = sp.Integer(1)
    batched = dims.batch != 1
    target = identity.target
    row, col = {"W": (i, j), "b": (i, one)}.get(target.kind, (j, e if batched else one))

    def entry(node: Formula, r: sp.Expr, c: sp.Expr, used: frozenset[str]) -> sp.Expr:
        match node:
            case Var():
                shape(node, dims)  # the layer must exist
                base = _base(node, layered)
                if node.kind == "W" or (batched and node.kind != "b"):
                    return base[r, c]  # a matrix keeps both indices, whatever its shape
                return base[r]  # a column vector: its row
            case Ones():
                return one
            case Transpose(x):
                return entry(x, c, r, used)
            case MatMul(left, right):
                inner = shape(left, dims)[1]
                if inner == 1:
                    return entry(left, r, one, used) * entry(right, one, c, used)
                name = (
                    "e"
                    if batched and inner == dims.batch and "e" not in used
                    else next(n for n in _SUM_INDICES if n not in used)
                )
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
            case Apply(function, x):  # σ(z_2j) of bce's output error: the named function, unexpanded
                return _named(function.name)(entry(x, r, c, used))
            case Softmax(x):  # softmax(z)_j = e^{z_j} / Σ_k e^{z_k}, within each example's column
                name = next(n for n in _SUM_INDICES if n not in used)
                k = sp.Symbol(name, integer=True, positive=True)
                total = sp.Sum(sp.exp(entry(x, k, c, used | {name})), (k, 1, shape(x, dims)[0]))
                return sp.exp(entry(x, r, c, used)) / total
        raise Unsupported(node, "entrywise")

    used = frozenset(str(s) for s in (row, col) if s.is_Symbol)
    try:
        formula = entry(identity.formula, row, col, used)
    except ShapeMismatch:
        formula = None
    return entry(target, row, col, used), formula
