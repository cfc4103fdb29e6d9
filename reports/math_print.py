"""SymPy printers in the seed's notation: `δ_2i`, `w_ij`, `∂L/∂w_ij` in text, and
`\\delta_{2,i}`, `w_{ij}` in LaTeX."""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

_VECTOR = re.compile(r"^(a|z|b|delta)_(\d+)$")
_WEIGHT = re.compile(r"^w(\d*)$")


def _parts(indexed: sp.Indexed) -> tuple[str, str, tuple[sp.Expr, ...]]:
    """(stem, layer, indices) of `delta_2[i]`, `w1[i, j]` or the target `y[j]` (layer "")."""
    name = str(indexed.base.label)
    if m := _VECTOR.match(name):
        return m.group(1), m.group(2), indexed.indices
    if m := _WEIGHT.match(name):
        return "w", m.group(1), indexed.indices
    if name == "y":  # the target: no layer
        return "y", "", indexed.indices
    raise ValueError(f"unexpected indexed name {name!r}")


class TextPrinter(StrPrinter):
    """One-line text: `Σ_i w_ij δ_2i`, `f'(z_1j)`."""

    def _print(self, expr: object, **kwargs: object) -> str:
        if isinstance(expr, sp.Indexed):  # Indexed's own _sympystr would win otherwise
            return self._print_Indexed(expr)
        return super()._print(expr, **kwargs)

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        stem, layer, idx = _parts(expr)
        stem = "δ" if stem == "delta" else stem
        if stem == "w":
            return f"w{layer}_{''.join(map(str, idx))}" if layer else f"w_{''.join(map(str, idx))}"
        return f"{stem}_{layer}{''.join(map(str, idx))}"  # y_j: no layer

    def _print_Sum(self, expr: sp.Sum) -> str:
        ((k, _, _),) = expr.limits
        return f"Σ_{k} {self.parenthesize(expr.function, 50)}"

    def _print_Mul(self, expr: sp.Mul) -> str:
        return super()._print_Mul(expr).replace("*", " ")

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return str(expr.name).replace("delta", "δ")


class SeedLatexPrinter(LatexPrinter):
    """LaTeX with `\\delta_{2,i}`, `w_{ij}`, `w^{(1)}_{ij}` for indexed entries."""

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        stem, layer, idx = _parts(expr)
        sub = "".join(map(self._print, idx))
        if stem == "w":
            return f"w^{{({layer})}}_{{{sub}}}" if layer else f"w_{{{sub}}}"
        stem = r"\delta" if stem == "delta" else stem
        return f"{stem}_{{{layer},{sub}}}" if layer else f"{stem}_{{{sub}}}"


def text(expr: sp.Expr) -> str:
    return TextPrinter().doprint(expr)


def latex(expr: sp.Basic, names: dict[sp.Symbol, str] | None = None) -> str:
    settings = {"symbol_names": names or {}, "mat_delim": "", "mat_str": "bmatrix"}
    return SeedLatexPrinter(settings).doprint(expr)


def partial_text(target: sp.Expr) -> str:
    """`∂L/∂w_ij` for the target entry `w[i, j]`."""
    return f"∂L/∂{text(target)}"


def partial_latex(target: sp.Expr) -> str:
    return rf"\frac{{\partial L}}{{\partial {latex(target)}}}"
