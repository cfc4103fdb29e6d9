"""Claims files written the way courses write backward code: how such a file is *read*.

Two choices a claims file may leave to its names and shapes, both resolved here, once per file:

- the layout (`Layout`): our columns-are-examples (`Z = W A + b`, A is n × B), or rows as
  examples as in CS231n (`Z = X W + b`: X is B × n, W is n_l × n_{l+1}, b is 1 × n_{l+1}). A
  rows-layout quantity is the transpose of ours, so a claim read in rows is translated by
  transposing its leaves (`X_rows = X_colsᵀ`) and stated as `(∂L/∂wrt)ᵀ = formula`; the
  witnesses never change, and the shapes a claim is checked with are the user's own.
- the layer numbers (`Numbering`): ours (`z_1` is the input, `W_l` feeds layer l + 1), or the
  courses' (Ng, CS231n: `X` is layer 0, `W1`, `b1` feed layer 1): internal layer = course
  layer + 1 for activations, pre-activations and per-example errors, the same number for W, b.

Course names (plain formulas): `X`/`x` the input, `A1`/`a1`/`h1` activations, `Z1`/`z1`,
`W1`/`theta1`, `b1`; `dZ1`/`dz1` the course's per-example error (our Δ), `dA1`/`dh1` the
per-example ∂L/∂A (B ∂L/∂A for the mean), `dW1`/`dtheta1`/`db1` the gradients of the cost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from derive.formula import Formula, Grad, Softmax, Transpose, Var, rewrite
from derive.reading import NG, SEED, Reading


class Layout(StrEnum):
    """Which axis holds the examples of a mini-batch."""

    COLUMNS = "columns"  # ours: A_l is n_l × B, z_{l+1} = W_l a_l + b_l
    ROWS = "rows"  # CS231n: X is B × n, z = x W + b


class Basis(StrEnum):
    """Why a file was read in its layout."""

    DEFAULT = "default"  # the file does not say; both layouts fit as well: ours
    STATED = "stated"  # [network] layout = "…"
    SHAPES = "shapes"  # the file does not say; only that layout makes the claims' shapes fit
    FORWARD = "forward equations"  # notes whose forward equations put the weight on the right (X W + b)


@dataclass(frozen=True)
class CodeReading:
    """How a claims file's formulas are read (`derive/claims_file.py` decides it)."""

    layout: Layout = Layout.COLUMNS
    numbering: Reading = SEED  # the layer numbers (derive/reading.py): ours, or Ng's (X is layer 0)
    basis: Basis = Basis.DEFAULT

    @property
    def offset(self) -> int:
        """Internal layer − written layer for a, z and per-example errors."""
        return self.numbering.internal("a", 0)  # a layer written 0 is ours 1 in Ng's numbering

    @property
    def is_default(self) -> bool:
        return self.layout == Layout.COLUMNS and self.numbering == SEED


DEFAULT = CodeReading()
LAYOUTS = tuple(str(x) for x in Layout)

# the course names that say "X is layer 0": the input itself, d-prefixed per-example names,
# CS231n's theta (weights) and h (hidden activations)
_INPUT_ZERO_NAME = re.compile(r"[Xx]|d[ZzAah][0-9]+|d(W|w|b|theta|Theta)[0-9]+|(theta|Theta|h)[0-9]+")
_BRACKET_LAYER = re.compile(r"\^\s*\{\s*\[")  # Ng's slides: Z^{[1]}, W^{[2]T}
_IDENTIFIER = re.compile(r"(?<![.A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*")


def numbering_of(texts: Iterable[str]) -> Reading:
    """The course numbering when any name in `texts` is one only a course uses (`X`, `dZ1`,
    `theta2`, `h1`) or a layer is written in Ng's brackets (`W^{[2]}`); ours otherwise. Attribute
    names (`np.dot`, `.T`) are not names."""
    for text in texts:
        if _BRACKET_LAYER.search(text):
            return NG
        if any(_INPUT_ZERO_NAME.fullmatch(m.group(0)) for m in _IDENTIFIER.finditer(text)):
            return NG
    return SEED


@dataclass(frozen=True)
class CourseName:
    """What a course name stands for: `kind` of our `Var` (or "grad"/"per-example grad" of
    `of`), at the course's `layer` (None: the input, layer 0)."""

    meaning: str  # "var" (a, z, W, b, delta), "grad" (∂L/∂X), "per_example" (∂L/∂A / factor)
    symbol: str  # the claim binder's symbol: W, b, a, z, Δ
    layer: int


_COURSE = re.compile(r"(d?)(A|a|h|Z|z|W|w|theta|Theta|b)([0-9]+)")
_SYMBOL = {"A": "a", "a": "a", "h": "a", "Z": "z", "z": "z", "W": "W", "w": "W", "theta": "W", "Theta": "W"}


def course_name(written: str) -> CourseName | None:
    """`dZ1` → per-example Δ at course layer 1, `theta2` → W2, `X` → a at layer 0; None when
    `written` is not a course name (our `delta2`, `W_1` are read by the binder itself)."""
    if written in ("X", "x"):
        return CourseName("var", "a", 0)
    match = _COURSE.fullmatch(written)
    if not match:
        return None
    d, stem, digits = match.groups()
    return d_name(stem, int(digits)) if d else CourseName("var", _SYMBOL.get(stem, stem), int(digits))


def d_name(stem: str, layer: int) -> CourseName:
    """A course's `d`-prefixed name of `stem` at `layer`: `dZ1` in code, `dZ^{[1]}` on Ng's slides."""
    symbol = _SYMBOL.get(stem, stem)
    if symbol == "z":  # dZ_l: the course's per-example error, our Δ (B ∂L/∂Z for the mean)
        return CourseName("var", "Δ", layer)
    if symbol == "a":  # dA_l: per example as well (B ∂L/∂A for the mean)
        return CourseName("per_example", "a", layer)
    return CourseName("grad", symbol, layer)  # dW, db: the gradients of the cost itself


def of_the_cost(name: CourseName) -> CourseName:
    """`name` read as CS231n reads its d-names: the gradients of the cost itself (its `dscores`
    is divided by N before it flows back), not Ng's per-example `dZ`."""
    if name.symbol == "Δ":
        return CourseName("grad", "z", name.layer)
    if name.meaning == "per_example":
        return CourseName("grad", name.symbol, name.layer)
    return name


# CS231n's two-layer net (rows as examples): the class scores z_L, their softmax, the hidden layer
CS231N_NAMES = {
    "scores": ("var", "z", 0),
    "dscores": ("grad", "z", 0),
    "probs": ("var", "a", 0),
    "hidden_layer": ("var", "a", 1),
    "dhidden": ("grad", "a", 1),
}


def cs231n_name(written: str, last: int) -> CourseName | None:
    """CS231n's `scores`, `dscores`, `probs`, `hidden_layer`, `dhidden` in a network whose output
    layer is `last` in the course's numbering; None for any other name."""
    if written not in CS231N_NAMES:
        return None
    meaning, symbol, below = CS231N_NAMES[written]
    return CourseName(meaning, symbol, last - below)


def internal_layer(name: CourseName, reading: CodeReading) -> int:
    """The layer of our `Var`: W, b keep their number; a, z, Δ shift by the reading's offset."""
    return name.layer if name.symbol in ("W", "b") else name.layer + reading.offset


def rows_formula(formula: Formula) -> Formula:
    """A formula bound in the rows layout as one in ours: each quantity (W, b, a, z, Δ, ∂L/∂X)
    is the transpose of ours (`X_rows = X_colsᵀ`); every operation then means what it says on
    the rows-layout matrices (`np.sum(x, axis=0)` sums over the examples), and a softmax is
    each example's, a row's: `softmax_rows(X) = softmax(Xᵀ)ᵀ`."""

    def rule(node: Formula) -> Formula | None:
        if isinstance(node, Var | Grad):
            return Transpose(node)
        if isinstance(node, Softmax):
            return Transpose(Softmax(Transpose(node.operand)))
        return None

    return rewrite(formula, rule)


def written_name(var: Var, reading: CodeReading, batched: bool) -> str:
    """Our `Var` in the file's numbering, for messages: z3 → `Z2` when X is layer 0."""
    if var.kind in ("W", "b"):
        return f"{var.kind}{var.layer}"
    layer = var.layer - reading.offset
    if reading.numbering == NG and var.kind == "a" and layer == 0:
        return "X"
    stem = {"a": "A", "z": "Z", "delta": "dZ" if reading.offset else "Delta"}[var.kind]
    return f"{stem if batched else stem.lower()}{layer}"
