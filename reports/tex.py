"""TeX text: escaping, numbers for math mode, the report's date and the library versions.

Every string that is not our own LaTeX passes through `tex()`; `fill()` puts already-rendered
math into an escaped sentence (`{W}` → `$W_{1}$`).
"""

from __future__ import annotations

import math
import os
import platform
from datetime import UTC, datetime
from importlib import metadata
from string import Formatter

from derive.errors import InputError
from derive.unicode_tex import letter

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}
# the non-ASCII characters our own messages use
_UNICODE = {
    "−": "$-$",
    "≠": r"$\neq$",
    "×": r"$\times$",
    "ℓ": r"$\ell$",
    "∘": r"$\circ$",
    "→": r"$\to$",
    "·": r"$\cdot$",
    "ᵀ": r"$^{T}$",
    "δ": r"$\delta$",
    "≤": r"$\le$",
    "≥": r"$\ge$",
    "—": "---",
    "–": "--",
    "…": r"\ldots{}",
    "∂": r"$\partial$",
    "∇": r"$\nabla$",
    "Σ": r"$\Sigma$",
    "σ": r"$\sigma$",
    "α": r"$\alpha$",
    "Δ": r"$\Delta$",
    "|": r"\textbar{}",
    "½": r"$\frac12$",
    "‖": r"$\Vert$",
    "λ": r"$\lambda$",
    "²": r"$^2$",
    "′": "'",
}


def hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f"


def tex(text: object, hangul_ok: bool = False) -> str:
    """Escape plain text for LaTeX. Characters TeX cannot typeset here become `?`."""
    out = []
    for ch in str(text):
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch in _UNICODE:
            out.append(_UNICODE[ch])
        elif (ch.isascii() and (ch.isprintable() or ch in "\n\t")) or (hangul_ok and hangul(ch)):
            out.append(ch)
        elif (command := letter(ch)) is not None:  # θ, ŷ in a tensor's name from notes
            out.append(f"${command}$")
        else:
            out.append("?")
    return "".join(out)


_BREAK_AFTER = set(",;=+*)]}")  # where long typewriter text (a user's formula) may wrap


def code_tex(text: object, hangul_ok: bool = False) -> str:
    """Like `tex()`, for text shown as written (typewriter): a line may also break after
    `, ; = + * ) ] }`, so a long formula without spaces wraps instead of running off the page."""
    return "".join(tex(ch, hangul_ok) + (r"\allowbreak{}" if ch in _BREAK_AFTER else "") for ch in str(text))


def fill(template: str, escape, values: dict[str, object]) -> str:
    """`template.format(**values)` with the template's own text passed through `escape` and the
    values inserted as they are (already rendered: math, escaped user text)."""
    out = []
    for literal, field, spec, conversion in Formatter().parse(template):
        out.append(escape(literal))
        if field is not None:
            value = values[field]
            if conversion:
                value = repr(value) if conversion == "r" else str(value)
            out.append(format(value, spec or ""))
    return "".join(out)


def sci(x: float | None) -> str:
    """A number for math mode: `1.1 \\times 10^{-16}`, `0`, or a dash for None/NaN."""
    if x is None or math.isnan(x):
        return r"\text{--}"
    if math.isinf(x):
        return r"\infty"
    if x == 0:
        return "0"
    mantissa, exponent = f"{x:.1e}".split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def report_date(epoch: str | None = None) -> str:
    """Today (UTC), or the date of `epoch` (SOURCE_DATE_EPOCH: reproducible builds)."""
    if epoch is None:
        return datetime.now(UTC).date().isoformat()
    if not epoch.strip().isdigit():
        raise InputError("SOURCE_DATE_EPOCH", "a non-negative integer (seconds since 1970)", epoch)
    return datetime.fromtimestamp(int(epoch), UTC).date().isoformat()


def source_date() -> str:
    """The report's date from the environment: read once, by the CLI or the build."""
    return report_date(os.environ.get("SOURCE_DATE_EPOCH"))


def versions() -> str:
    names = ("sympy", "numpy", "jax", "jaxlib")
    return ", ".join(f"{n} {metadata.version(n)}" for n in names) + f", Python {platform.python_version()}"


def own_version() -> str:
    return metadata.version("derivcheck")
