"""Sizes the notes declare: `W^{(1)} \\in \\mathbb{R}^{3 \\times 4}`, `a^{(2)} \\in \\mathbb{R}^{3}`.

A declaration fixes layer widths in the notes' own numbering (`derive/reading.py`): `W_k` is
n_{k+1} × n_k, `b_k` is n_{k+1} × 1, `a_k`, `z_k`, `δ_k` have n_k rows. Declarations that
contradict one another are an `InputError` naming both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.claim_binding import Binding
from derive.claim_parser import ClaimSyntaxError, parse
from derive.document import segments, strip_non_math
from derive.errors import InputError
from derive.formula import Transpose, Var
from derive.reading import Reading

_SPACE = r"\\mathbb\s*\{\s*R\s*\}|\\R(?![A-Za-z])|ℝ"
_DIMS = r"\^\s*\{?\s*(?P<rows>[0-9]{1,4})\s*(?:(?:\\times|×|\\cdot|x)\s*(?P<cols>[0-9]{1,4}))?\s*\}?"
_DECLARATION = re.compile(rf"(?:\\in(?![A-Za-z])|∈)\s*(?:{_SPACE})\s*{_DIMS}")
_SEPARATOR = re.compile(r"[=,;:]|\\(?:quad|qquad|text\s*\{[^{}]*\})")


@dataclass(frozen=True)
class Declaration:
    """`written ∈ ℝ^{rows × cols}` at `line` (cols 1 for a vector)."""

    line: int
    written: str
    rows: int
    cols: int


def find_declarations(text: str, latex: bool = False) -> tuple[Declaration, ...]:
    """Every `X \\in \\mathbb{R}^{m \\times n}` in the document's math."""
    if "\\in" not in text and "∈" not in text:  # most notes declare nothing: no second scan
        return ()
    source = strip_non_math(text, latex)
    found = []
    for start, body in segments(source):
        at = 0  # the name is what stands between the previous separator and `\in`
        for m in _DECLARATION.finditer(body):
            before = body[at : m.start()]
            name = _SEPARATOR.split(before)[-1].strip()
            at = m.end()
            if name:
                line = source.count("\n", 0, start + m.start()) + 1
                found.append(Declaration(line, name, int(m.group("rows")), int(m.group("cols") or 1)))
    return tuple(found)


def widths(declared: tuple[Declaration, ...], reading: Reading, depth: int) -> dict[int, int]:
    """Layer (the network's numbering) → width, from the declarations read in `reading` on a
    network of `depth` layers; declarations of names that are not layer quantities are ignored."""
    return {layer: width for layer, (width, _) in _fixed(declared, reading, depth).items()}


@dataclass(frozen=True)
class SizeConflict:
    """A declaration against the sizes given on the command line: layer `layer` (the network's
    numbering) is `given` wide, the notes declare `declared`."""

    declaration: Declaration
    layer: int
    declared: int
    given: int


def conflicts(
    declared: tuple[Declaration, ...], reading: Reading, sizes: tuple[int, ...]
) -> tuple[SizeConflict, ...]:
    """Where the notes' declarations and the given sizes differ."""
    return tuple(
        SizeConflict(d, layer, width, sizes[layer - 1])
        for layer, (width, d) in sorted(_fixed(declared, reading, len(sizes)).items())
        if layer <= len(sizes) and sizes[layer - 1] != width
    )


def _fixed(
    declared: tuple[Declaration, ...], reading: Reading, depth: int
) -> dict[int, tuple[int, Declaration]]:
    out: dict[int, tuple[int, Declaration]] = {}

    def fix(layer: int, width: int, declaration: Declaration) -> None:
        if layer in out and out[layer][0] != width:
            other = out[layer][1]
            raise InputError(
                "declarations",
                f"one width for layer {layer}",
                f"{width} (line {declaration.line}: {declaration.written}) and "
                f"{out[layer][0]} (line {other.line}: {other.written})",
            )
        out.setdefault(layer, (width, declaration))

    from derive.latex_binding import LatexBinder  # the binder imports this package's modules

    binding = Binding(tuple([1] * depth), reading=reading)
    for d in declared:
        try:
            (tree,) = parse(d.written, "latex")
            value = LatexBinder(d.written, binding).bind(tree)
        except (ClaimSyntaxError, ValueError):
            continue
        transposed = isinstance(value, Transpose)
        var = value.operand if isinstance(value, Transpose) else value
        if not isinstance(var, Var) or var.kind == "y":
            continue
        rows, cols = (d.cols, d.rows) if transposed else (d.rows, d.cols)
        if var.kind == "W":
            fix(var.layer + 1, rows, d)
            fix(var.layer, cols, d)
        elif var.kind == "b":
            fix(var.layer + 1, rows, d)
        else:
            fix(var.layer, rows, d)
    return out
