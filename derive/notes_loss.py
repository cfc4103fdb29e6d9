"""The loss the notes define: a squared error with the ½ (`mse`) or without (`sse`), or a
cross-entropy (`bce` for the binary one, `softmax-ce` for the categorical one).

Notes state their loss before differentiating it, and a factor 2 in every claim hangs on the ½:
`E = \\sum_k (t_k - o_k)^2` is `sse`, `E = \\frac{1}{2}\\sum_k (t_k - o_k)^2`,
`C = \\frac12 \\|y - a^L\\|^2` and `J = \\frac{1}{2}\\sum (y - \\hat y)^2` are `mse`. The text is
matched against that one shape (a loss name, an optional ½, an optional sum, a squared difference
in parentheses or a norm), never evaluated. A cross-entropy is a loss name, a minus, an optional
mean and sum, and logarithms: two of them, one of `1 − …`, make the binary one
(`C = -\\sum_j [y_j \\ln a^L_j + (1 - y_j) \\ln(1 - a^L_j)]`), one the categorical one
(`E = -\\sum_j t_j \\log o_j`). Any other loss leaves the network's as the command line or the default
sets it. The loss's name may carry a subscript (`L_{\\text{MSE}}`, Bishop's per-example `E_n`),
arguments (UFLDL's `J(W,b;x,y)`, `\\mathcal{L}(\\hat y, y)`) and a tag (`(MSE)`) before or after
it; the name as written is kept, so that the claims' `∂E_n/∂w_{ji}` read it (derive/roles.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from derive.claim_parser import MAX_EQUATION_CHARS
from derive.document import Equation
from derive.notes_penalty import without_penalty

NotesLossName = Literal["mse", "sse", "bce", "softmax-ce"]

_LAYOUT = re.compile(
    r"\s+|\\left(?![A-Za-z])|\\right(?![A-Za-z])|\\[,;:!]|\\(big|Big|bigg|Bigg)[lr]?(?![A-Za-z])"
)
# the loss's name: a letter, a subscript naming it or the example (`L_{MSE}`, Bishop's `E_n`), its
# arguments (UFLDL's `J(W,b;x,y)`, `\\mathcal{L}(\\hat y, y)`)
_SUBSCRIPT = r"_(\{(?:[^{}]|\{[^{}]*\})*\}|[A-Za-z0-9])"
_HEAD = rf"(?P<name>(E|C|J|L|\\ell|\\mathcal\{{L\}})({_SUBSCRIPT})?)(\([^()=]*\))?="
# a tag naming the loss before or after it: (MSE), (\text{MSE}), \text{(cross-entropy)}
_WORDS = r"[A-Za-z][A-Za-z -]+"
_ACRONYM = r"[A-Z][A-Z-]+"  # bare in parentheses only an acronym, (MSE), (BCE): not (xy), a product
_ONE_TAG = (
    rf"\((\\(text|textrm|mathrm)\{{{_WORDS}\}}|{_ACRONYM})\)|\\(text|textrm|mathrm)\{{\(?{_WORDS}\)?\}}"
)
_TAG = re.compile(rf"^(?:{_ONE_TAG})|(?:{_ONE_TAG})$")
_HALF = r"(?P<half>\\[dt]?frac\{1\}\{2\}|\\[dt]?frac12|1/2|0\.5)(\\cdot)?"
_SUM = r"(\\sum(_\{[^{}]*\}|_[A-Za-z])?(\^\{[^{}]*\}|\^[A-Za-z0-9])?)?"
_INNER = r"[^()]*(\([^()]*\)[^()]*)*"  # one level of parentheses inside: (y - a^{(L)})
_SQUARED = (
    rf"(\((?P<paren>{_INNER})\)|\\\|(?P<norm>.+)\\\||\\lVert(?P<lvert>.+)\\rVert|\|\|(?P<bars>.+)\|\|)"
    r"\^\{?2\}?"
)
_LOSS = re.compile(rf"{_HEAD}(?:{_HALF})?{_SUM}{_SQUARED}")
_MEAN = r"(\\[dt]?frac\{1\}\{[A-Za-z]\}|\\[dt]?frac1[A-Za-z]|1/[A-Za-z])?"
_CROSS_ENTROPY = re.compile(rf"{_HEAD}-{_MEAN}{_SUM}(?P<body>.*)")
_LOG = re.compile(r"\\(ln|log)(?![A-Za-z])")
_ONE_MINUS = re.compile(r"\(1-")


@dataclass(frozen=True)
class NotesLoss:
    """The loss the notes define at `line`: `mse` with the ½, `sse` without, `bce`, `softmax-ce`."""

    loss: NotesLossName
    line: int
    name: str = "L"  # as written, layout removed: `E_n`, `L_{\\text{MSE}}`, `J`


def notes_loss(equations: Sequence[Equation]) -> NotesLoss | None:
    """The first equation that defines a squared error or a cross-entropy, or None."""
    for equation in equations:
        if len(equation.text) > MAX_EQUATION_CHARS:
            continue
        text = without_penalty(_untagged(_LAYOUT.sub("", equation.text)))  # its L2 penalty aside
        written = _LAYOUT.sub(" ", equation.text)  # spaces kept: `\\ln a` is not `\\lna`
        if (entropy := _CROSS_ENTROPY.fullmatch(text)) is not None and _LOG.search(written):
            # two logarithms and a 1 − y: the binary cross-entropy; one: the categorical one
            logs = len(_LOG.findall(written))
            binary = logs >= 2 and _ONE_MINUS.search(text) is not None
            return NotesLoss("bce" if binary else "softmax-ce", equation.line, entropy.group("name"))
        match = _LOSS.fullmatch(text)
        if match is None:
            continue
        inside = next(g for g in ("paren", "norm", "lvert", "bars") if match.group(g) is not None)
        if "-" not in match.group(inside):  # a squared difference: the output and the target
            continue
        return NotesLoss("mse" if match.group("half") else "sse", equation.line, match.group("name"))
    return None


def _untagged(text: str) -> str:
    """`text` (layout removed) without a tag naming the loss before or after it: `(MSE) L = …`,
    `L = … (\\text{MSE})`."""
    for _ in range(2):  # one before, one after
        text = _TAG.sub("", text)
    return text
