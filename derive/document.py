"""Find the equations in a Markdown or LaTeX document: every math segment with an `=` in it.

Math is `$…$`, `$$…$$`, `\\(…\\)`, `\\[…\\]` and the equation environments (`equation`, `align`,
`gather`, `multline`, starred or not; align rows split at `\\\\`). Fenced and inline code in
Markdown and `%` comments in LaTeX are skipped. Layout that is not math (`&`, `\\label{…}`,
`\\tag{…}`, `\\text{…}`, trailing punctuation) is blanked out with spaces, so a column in the
equation is still a column in the line. One pass of regular expressions: linear in the length
of the document.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

MAX_DOCUMENT_CHARS = 2_000_000  # about 40,000 lines of notes

_FENCE = re.compile(r"^(```|~~~).*?(^\1[^\n]*$|\Z)", re.M | re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_TEX_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_ENVIRONMENTS = "equation|align|gather|multline|eqnarray|displaymath|math"
_MATH = re.compile(
    r"\$\$(?P<dd>.+?)\$\$"
    r"|\\\[(?P<bracket>.+?)\\\]"
    r"|\\\((?P<paren>.+?)\\\)"
    rf"|\\begin\{{(?P<env>{_ENVIRONMENTS})(?P<star>\*?)\}}(?P<body>.+?)\\end\{{(?P=env)(?P=star)\}}"
    r"|(?<![\\$])\$(?P<single>[^$\n]+?)(?<!\\)\$",
    re.S,
)
_ROW_BREAK = re.compile(r"\\\\(\[[^\]\n]*\])?")
_LAYOUT = re.compile(
    r"\\(label|tag\*?|text|textrm|mbox|mathrm\{\s*(?:for|where|and)\s*\})\s*\{[^{}\n]*\}"
    r"|\\(nonumber|notag)(?![A-Za-z])|&"
)
_TRAILING = re.compile(r"[\s.,;:]+$")


@dataclass(frozen=True)
class Equation:
    """One math segment with an `=`: `text` (layout blanked) at `line`, `column` (1-based)."""

    line: int
    column: int
    text: str
    display: bool


def _blank(match: re.Match) -> str:
    """The matched text as spaces, newlines kept (positions stay where they were)."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _keep_diag(match: re.Match) -> str:
    return match.group(0) if re.fullmatch(r"\\text\s*\{\s*diag\s*\}", match.group(0)) else _blank(match)


def strip_non_math(text: str, latex: bool) -> str:
    """Code blocks (Markdown) or comments (LaTeX) blanked out, so their `$` are not math."""
    if latex:
        return _TEX_COMMENT.sub(_blank, text)
    return _INLINE_CODE.sub(_blank, _FENCE.sub(_blank, text))


def find_equations(text: str, latex: bool = False) -> list[Equation]:
    """Every math segment of `text` that contains an `=`, one per align row."""
    source = strip_non_math(text, latex)
    line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
    found = []
    for match in _MATH.finditer(source):
        group = next(g for g in ("dd", "bracket", "paren", "body", "single") if match.group(g) is not None)
        start = match.start(group)
        body = match.group(group)
        rows = [(0, body)]
        if group == "body":
            rows, at = [], 0
            for m in _ROW_BREAK.finditer(body):
                rows.append((at, body[at : m.start()]))
                at = m.end()
            rows.append((at, body[at:]))
        for offset, row in rows:
            if "=" not in row:
                continue
            cleaned = _TRAILING.sub(lambda m: " " * len(m.group(0)), _LAYOUT.sub(_keep_diag, row))
            lead = len(cleaned) - len(cleaned.lstrip())
            position = start + offset + lead
            line = bisect.bisect_right(line_starts, position)
            column = position - line_starts[line - 1] + 1
            found.append(Equation(line, column, cleaned.strip(), group != "single"))
    return found
