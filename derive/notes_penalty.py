"""The L2 penalty a loss definition adds: weight decay as courses write it.

Ng's deep-learning course: `J = \\frac{1}{m}\\sum_i \\mathcal{L}(\\hat y^{(i)}, y^{(i)})
+ \\frac{\\lambda}{2m}\\sum_l \\|W^{[l]}\\|_F^2`; his ML course:
`J(\\Theta) = … + \\frac{\\lambda}{2m}\\sum_{l}\\sum_{i}\\sum_{j}(\\Theta^{(l)}_{ji})^2`; a single-layer
page: `L = … + \\frac{\\lambda}{2}\\|W\\|^2`. The term is matched at the end of a loss definition
(a plus, `\\frac{\\lambda}{2}` or `\\frac{\\lambda}{2m}`, sums, a squared norm or a squared entry of
the weights), never evaluated. Its `1/m` decides what the notes' λ is: the network's coefficient
λ' of `(λ'/2) Σ_l ‖W_l‖_F²` (derive/network.py) is `λ/m`, or `λ` without it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from derive.claim_parser import MAX_EQUATION_CHARS
from derive.document import Equation

_LAYOUT = re.compile(
    r"\s+|\\left(?![A-Za-z])|\\right(?![A-Za-z])|\\[,;:!]|\\(big|Big|bigg|Bigg)[lr]?(?![A-Za-z])"
)
_BATCH = r"(?P<batch>[mBN])"
# λ/(2m) or λ/2: \frac{\lambda}{2m}, \dfrac{\lambda}{2}, \lambda/(2m), \frac{1}{2}\lambda
_COEFFICIENT = (
    rf"(\\[dt]?frac\{{\\lambda\}}\{{2{_BATCH}?\}}"
    rf"|\\lambda/\(?2{_BATCH.replace('batch', 'batch2')}?\)?"
    r"|\\[dt]?frac\{1\}\{2\}\\lambda|\\[dt]?frac12\\lambda)(\\cdot)?"
)
_SUMS = r"(\\sum(_\{[^{}]*\}|_[A-Za-z])?(\^\{[^{}]*\}|\^[A-Za-z0-9])?)*"
_NORM = (
    r"(\\\|(?P<norm>.+)\\\||\\lVert(?P<lvert>.+)\\rVert|\|\|(?P<bars>.+)\|\||\((?P<entry>[^()]*(\([^()]*\)[^()]*)*)\))"
    r"(_\{?(F|2)\}?)?\^\{?2\}?"
)
_PENALTY = re.compile(rf"\+{_COEFFICIENT}{_SUMS}{_NORM}$")
_WEIGHTS = re.compile(r"(?<![A-Za-z])(W|w)(?![A-Za-z])|\\(Theta|theta)(?![A-Za-z])")
_HEAD = re.compile(r"^(E|C|J|L|\\ell|\\mathcal\{L\})(_(\{[^{}]*\}|[A-Za-z0-9]))?(\([^()=]*\))?=")


@dataclass(frozen=True)
class NotesPenalty:
    """The notes' L2 penalty at `line`: `λ/(2m) Σ‖W‖²` (`per_example`, Ng's) or `(λ/2) Σ‖W‖²`."""

    line: int
    per_example: bool  # λ/(2m): the network's λ' is λ/m


def _match(text: str) -> re.Match[str] | None:
    """The penalty term ending `text` (layout removed), if the text defines a loss."""
    if _HEAD.match(text) is None:
        return None
    found = _PENALTY.search(text)
    if found is None:
        return None
    weights = next(found.group(g) for g in ("norm", "lvert", "bars", "entry") if found.group(g) is not None)
    return found if _WEIGHTS.search(weights) else None


def notes_penalty(equations: Sequence[Equation]) -> NotesPenalty | None:
    """The first loss definition that adds an L2 penalty on the weights, or None."""
    for equation in equations:
        if len(equation.text) > MAX_EQUATION_CHARS:
            continue
        found = _match(_LAYOUT.sub("", equation.text))
        if found is not None:
            per_example = bool(found.group("batch") or found.group("batch2"))
            return NotesPenalty(equation.line, per_example)
    return None


def without_penalty(text: str) -> str:
    """`text` (layout removed) without the penalty term that ends it: the loss it regularizes."""
    found = _match(text)
    return text if found is None else text[: found.start()]
