"""Output any stdout can take: where the terminal's encoding (PYTHONIOENCODING=latin-1, cp1252,
a C locale) lacks a character we print (—, →, −, ᵀ, Greek, box drawing, Hangul), an ASCII
spelling of it (-, ->, -, ^T, delta, +-|, \\uXXXX) instead of a UnicodeEncodeError traceback.

Light on purpose (the CLI installs it before anything else is imported).
"""

from __future__ import annotations

import codecs
import contextlib
import sys
import unicodedata

HANDLER = "derivcheck-ascii"

_SPELLING = {
    "—": "-", "–": "-", "−": "-", "‐": "-", "→": "->", "←": "<-", "↔": "<->", "⇒": "=>",
    "ᵀ": "^T", "∘": "o", "⊙": "(.)", "⊗": "(x)", "⊕": "(+)", "×": "x", "·": "*", "•": "*",
    "≤": "<=", "≥": ">=", "≠": "!=", "≈": "~", "±": "+-", "…": "...", "‖": "||", "∂": "d",
    "∇": "grad ", "Σ": "Sum", "∑": "sum", "√": "sqrt", "∈": " in ", "ℝ": "R", "ℓ": "l", "½": "1/2",
    "‘": "'", "’": "'", "“": '"', "”": '"', "′": "'", "″": "''", "✓": "ok", "✗": "x", "✔": "ok",
    "✘": "x", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
}  # fmt: skip


def spell(ch: str) -> str:
    """An ASCII spelling of one character: ours from the table, a Greek letter by its name
    (δ → delta), a box-drawing line as +, - or |, a sub/superscript by its digit (² → ^2), an
    accented letter without its accent, anything else as \\uXXXX (never lost silently)."""
    if ch.isascii():
        return ch
    if ch in _SPELLING:
        return _SPELLING[ch]
    name = unicodedata.name(ch, "")
    if name.startswith(("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER ")) and name.count(" ") == 3:
        word = name.rsplit(" ", 1)[1].lower().replace("lamda", "lambda")
        return word.capitalize() if "CAPITAL" in name else word
    if name.startswith(("BOX DRAWINGS ", "HEAVY ", "LIGHT ")) or "\u2500" <= ch <= "\u259f":
        horizontal, vertical = "HORIZONTAL" in name, "VERTICAL" in name
        return "-" if horizontal and not vertical else "|" if vertical and not horizontal else "+"
    plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    if plain.isprintable() and plain:
        return f"^{plain}" if "SUPERSCRIPT" in name or name.startswith("MODIFIER LETTER") else plain
    return ch.encode("ascii", "backslashreplace").decode()


def _handler(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return "".join(spell(ch) for ch in error.object[error.start : error.end]), error.end


def install() -> None:
    """Make sys.stdout and sys.stderr spell in ASCII what their encoding cannot encode."""
    try:
        codecs.lookup_error(HANDLER)
    except LookupError:
        codecs.register_error(HANDLER, _handler)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) != HANDLER:
            with contextlib.suppress(ValueError, OSError):  # closed, or not a stream we can change
                reconfigure(errors=HANDLER)


def can_show(text: str, stream=None) -> bool:
    """Whether `stream` (stdout) encodes `text` as it is (Hangul on a latin-1 terminal: no)."""
    encoding = getattr(stream or sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
