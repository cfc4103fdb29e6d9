"""TeX text: escaping, numbers for math mode, the report's date and the library versions.

Every string that is not our own LaTeX passes through `tex()`; `fill()` puts already-rendered
math into an escaped sentence (`{W}` → `$W_{1}$`).
"""

from __future__ import annotations

import math
import os
import platform
import re
import unicodedata
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
    return "\uac00" <= ch <= "\ud7a3" or "\u3130" <= ch <= "\u318f"


def _jamo(ch: str) -> bool:
    """A conjoining jamo (NFD Hangul, as macOS writes file names): kotex's fonts have no glyph."""
    return "\u1100" <= ch <= "\u11ff" or "\ua960" <= ch <= "\ua97f" or "\ud7b0" <= ch <= "\ud7ff"


def _jamo_letter(ch: str) -> str | None:
    """A jamo NFC could not join as its compatibility letter (ᄀ → ㄱ), which the fonts have."""
    try:
        kind = unicodedata.name(ch).split(" ", 2)  # HANGUL CHOSEONG KIYEOK
        return unicodedata.lookup(f"HANGUL LETTER {kind[2]}")
    except (ValueError, KeyError, IndexError):
        return None


MAX_CHARS = 4000  # of one user string in the report: a longer one is cut, with a note saying so
RUN = 40  # characters without a space after which a line may break (\allowbreak)
LINE = 2000  # about the longest line tex() writes; TeX reads lines into a buffer of 200,000 bytes
_WHITESPACE = re.compile(r"\s+")


def plain(text: object, hangul_ok: bool = False) -> str:
    """User text as TeX can take it: NFC (NFD Hangul joined into syllables), every run of
    whitespace (newlines, blank lines, tabs) one space — a blank line would end TeX's paragraph
    inside a table cell or a command — and at most `MAX_CHARS` characters, with a note."""
    s = _WHITESPACE.sub(" ", unicodedata.normalize("NFC", str(text)))
    if len(s) > MAX_CHARS:
        cut = len(s) - MAX_CHARS
        s = s[:MAX_CHARS] + (f"… ({cut}자 생략)" if hangul_ok else f"… ({cut} more characters)")
    return s


def _char(ch: str, hangul_ok: bool) -> str:
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    if ch in _UNICODE:
        return _UNICODE[ch]
    if ch.isascii() and ch.isprintable():
        return ch
    if hangul_ok and hangul(ch):
        return ch
    if hangul_ok and _jamo(ch):
        return _jamo_letter(ch) or rf"\texttt{{U+{ord(ch):04X}}}"
    if (command := letter(ch)) is not None:  # θ, ŷ in a tensor's name from notes
        return f"${command}$"
    return "?"


def _escape(text: object, hangul_ok: bool, break_after: set[str] | frozenset[str] = frozenset()) -> str:
    """`plain(text)` escaped character by character; a line may break after `break_after` and
    within any run of `RUN` characters without a space, and the output's lines stay near `LINE`
    characters (a newline right after a control word or in place of a space is no space in TeX)."""
    out: list[str] = []
    line = run = 0
    for ch in plain(text, hangul_ok):
        piece = _char(ch, hangul_ok)
        run = 0 if ch == " " else run + 1
        if ch in break_after or run >= RUN:
            piece += r"\allowbreak{}"
            run = 0
        if line + len(piece) > LINE and (piece.endswith("{}") or ch == " "):
            piece = "\n" if ch == " " else piece[:-2] + "\n"
            line = 0
        else:
            line += len(piece)
        out.append(piece)
    return "".join(out)


def tex(text: object, hangul_ok: bool = False) -> str:
    """Escape plain text for LaTeX (after `plain()`). Characters TeX cannot typeset here become `?`."""
    return _escape(text, hangul_ok)


_BREAK_AFTER = frozenset(",;=+*)]}")  # where long typewriter text (a user's formula) may wrap


def code_tex(text: object, hangul_ok: bool = False) -> str:
    """Like `tex()`, for text shown as written (typewriter): a line may also break after
    `, ; = + * ) ] }`, so a long formula without spaces wraps instead of running off the page."""
    return _escape(text, hangul_ok, _BREAK_AFTER)


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


LAST_EPOCH = 253402300799  # 9999-12-31 23:59:59 UTC, the last second a date of four digits holds
EPOCH_EXPECTED = f"an integer of seconds since 1970-01-01 UTC, 0 to {LAST_EPOCH} (9999-12-31)"


def report_date(epoch: str | None = None) -> str:
    """Today (UTC), or the date of `epoch` (SOURCE_DATE_EPOCH: reproducible builds)."""
    if epoch is None:
        return datetime.now(UTC).date().isoformat()
    seconds = epoch.strip()
    # ASCII digits only ("²".isdigit() holds, int() refuses it), and a date datetime can hold
    if not re.fullmatch(r"[0-9]{1,20}", seconds) or int(seconds) > LAST_EPOCH:
        raise InputError("SOURCE_DATE_EPOCH", EPOCH_EXPECTED, epoch)
    return datetime.fromtimestamp(int(seconds), UTC).date().isoformat()


def source_date() -> str:
    """The report's date from the environment: read once, by the CLI or the build."""
    return report_date(os.environ.get("SOURCE_DATE_EPOCH"))


def versions() -> str:
    names = ("sympy", "numpy", "jax", "jaxlib")
    return ", ".join(f"{n} {metadata.version(n)}" for n in names) + f", Python {platform.python_version()}"


def own_version() -> str:
    return metadata.version("derivcheck")
