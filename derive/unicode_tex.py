"""Letters a tensor's name may carry from notes (derive/latex_model.py reads `\\theta` as θ and
`\\hat{y}` as ŷ) written back as TeX math: θ `\\theta`, Θ `\\Theta`, ŷ `\\hat{y}`, x̄ `\\bar{x}`.
Any other character is left alone (the text escaper of reports/tex.py decides about it)."""

from __future__ import annotations

import unicodedata

# capitals TeX has a command for; the others are Latin letters (Alpha is A)
_CAPITALS = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}
_ACCENTS = {"\u0302": "hat", "\u0304": "bar", "\u0303": "tilde"}


def letter(ch: str) -> str | None:
    """The TeX math command for one Greek or accented letter, or None."""
    decomposed = unicodedata.normalize("NFD", ch)
    if len(decomposed) == 2 and decomposed[1] in _ACCENTS:
        base = letter(decomposed[0]) or (decomposed[0] if decomposed[0].isascii() else None)
        return None if base is None else rf"\{_ACCENTS[decomposed[1]]}{{{base}}}"
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    for case, prefix in (("small", "GREEK SMALL LETTER "), ("capital", "GREEK CAPITAL LETTER ")):
        if name.startswith(prefix) and " " not in name[len(prefix) :]:
            word = name[len(prefix) :].capitalize()
            if case == "small":
                word = {"Lamda": "lambda", "Epsilon": "epsilon"}.get(word, word.lower())
                return rf"\{word}"
            word = {"Lamda": "Lambda"}.get(word, word)
            return rf"\{word}" if word in _CAPITALS else None
    return None


def math_name(text: str) -> str:
    """`text` with each Greek or accented letter as its TeX command (`θ2` → `\\theta 2`)."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if ch in _ACCENTS and out:  # x̄: the accent over the letter before it
            out[-1] = rf"\{_ACCENTS[ch]}{{{out[-1].strip()}}} "
            continue
        command = letter(ch)
        out.append(f"{command} " if command is not None else ch)
    return "".join(out).strip()
