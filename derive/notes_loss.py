"""The loss the notes define, where it is a squared error: with the ½ (`mse`) or without (`sse`).

Notes state their loss before differentiating it, and a factor 2 in every claim hangs on the ½:
`E = \\sum_k (t_k - o_k)^2` is `sse`, `E = \\frac{1}{2}\\sum_k (t_k - o_k)^2`,
`C = \\frac12 \\|y - a^L\\|^2` and `J = \\frac{1}{2}\\sum (y - \\hat y)^2` are `mse`. The text is
matched against that one shape (a loss name, an optional ½, an optional sum, a squared difference
in parentheses or a norm), never evaluated; any other loss (a mean over n, a cross-entropy) leaves
the network's loss as the command line or the default sets it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from derive.claim_parser import MAX_EQUATION_CHARS
from derive.document import Equation

SquaredLoss = Literal["mse", "sse"]

_LAYOUT = re.compile(
    r"\s+|\\left(?![A-Za-z])|\\right(?![A-Za-z])|\\[,;:!]|\\(big|Big|bigg|Bigg)[lr]?(?![A-Za-z])"
)
_HEAD = r"(E|C|J|L|\\ell|\\mathcal\{L\})(_\{?[A-Za-z0-9]*\}?)?(\([^()=]*\))?="
_HALF = r"(?P<half>\\[dt]?frac\{1\}\{2\}|\\[dt]?frac12|1/2|0\.5)(\\cdot)?"
_SUM = r"(\\sum(_\{[^{}]*\}|_[A-Za-z])?(\^\{[^{}]*\}|\^[A-Za-z0-9])?)?"
_INNER = r"[^()]*(\([^()]*\)[^()]*)*"  # one level of parentheses inside: (y - a^{(L)})
_SQUARED = (
    rf"(\((?P<paren>{_INNER})\)|\\\|(?P<norm>.+)\\\||\\lVert(?P<lvert>.+)\\rVert|\|\|(?P<bars>.+)\|\|)"
    r"\^\{?2\}?"
)
_LOSS = re.compile(rf"{_HEAD}(?:{_HALF})?{_SUM}{_SQUARED}")


@dataclass(frozen=True)
class NotesLoss:
    """The squared error the notes define at `line`: `mse` with the ½, `sse` without."""

    loss: SquaredLoss
    line: int


def notes_loss(equations: Sequence[Equation]) -> NotesLoss | None:
    """The first equation that defines a squared-error loss, or None."""
    for equation in equations:
        if len(equation.text) > MAX_EQUATION_CHARS:
            continue
        text = _LAYOUT.sub("", equation.text)
        match = _LOSS.fullmatch(text)
        if match is None:
            continue
        inside = next(g for g in ("paren", "norm", "lvert", "bars") if match.group(g) is not None)
        if "-" not in match.group(inside):  # a squared difference: the output and the target
            continue
        return NotesLoss("mse" if match.group("half") else "sse", equation.line)
    return None
