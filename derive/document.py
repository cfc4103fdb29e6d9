"""Find the equations in a Markdown or LaTeX document: every math segment with an `=` in it.

Math is `$…$` (one line break allowed), `$$…$$`, `\\(…\\)`, `\\[…\\]` and the equation
environments (`equation`, `align`, `gather`, `multline`, `eqnarray`, starred or not). Inside a
segment, rows (`\\\\`, also of inner `aligned`/`split`) and pieces joined by prose (`\\quad`,
`\\text{and}`, `\\intertext{…}`, `;`) are separate equations, except inside braces, parentheses
and matrices (UFLDL's `J(W,b;x,y)`, `L_{\\text{MSE}}`, a `bmatrix`'s rows); a row that starts with
`&=` continues the chain of the row before (`A &= B \\\\ &= C` is `A = B = C`). Fenced and inline
code and HTML comments in Markdown, `%` comments in LaTeX, are skipped. Layout that is not math (`&`,
`\\label{…}`, `\\tag{…}`, trailing punctuation) is blanked out with spaces, so a column in the
equation is still a column in the line.

The scan is linear in the length of the document: each opening delimiter looks for its closer
once, and a kind of delimiter that has no closer left is not searched for again.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

MAX_DOCUMENT_CHARS = 2_000_000  # about 40,000 lines of notes

_FENCE = re.compile(r"^(```|~~~).*?(^\1[^\n]*$|\Z)", re.M | re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_HTML_COMMENT = re.compile(r"<!--.*?(-->|\Z)", re.S)
_TEX_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_ENVIRONMENTS = "equation|align|gather|multline|eqnarray|displaymath|math|flalign|alignat"
_OPENER = re.compile(rf"\$\$|\\\[|\\\(|\\begin\{{({_ENVIRONMENTS})(\*?)\}}(\{{[^{{}}\n]*\}})?|(?<!\\)\$")
_INNER = r"\\(begin|end)\{(aligned|split|gathered|alignedat|array|cases)\}(\{[^{}\n]*\})?"
# what separates one equation from the next inside a segment
_SEPARATOR = re.compile(
    r"\\\\(\[[^\]\n]*\])?"  # a row break
    r"|\\(intertext|shortintertext)\s*\{[^{}]*\}"
    r"|\\q?quad(?![A-Za-z])"
    r"|\\(text|textrm|mbox)\s*\{[^{}\n]*\}(?!\s*'?\s*(\(|\\left))"  # prose, not a function name
    r"|(?<!\\);"
)
_LAYOUT = re.compile(rf"\\(label|tag\*?)\s*\{{[^{{}}\n]*\}}|\\(nonumber|notag)(?![A-Za-z])|&|{_INNER}")
_MATRIX = r"\{\s*[pbvBV]?matrix\s*\}"
# what nests: an escaped brace (`\{`) is a set's brace, not a group's
_NESTING = re.compile(rf"\\[{{}}]|(?P<open>\\begin\s*{_MATRIX}|[{{(])|(?P<close>\\end\s*{_MATRIX}|[}})])")
# an algorithm's update step, `g \leftarrow …` (derive/steps.py): kept though it has no `=`
_STEP_ARROW = re.compile(r"\\leftarrow(?![A-Za-z])|\\gets(?![A-Za-z])|←")
_TRAILING = re.compile(r"(\s|[.,;:]|\\[,;:! ])+$")


@dataclass(frozen=True)
class Equation:
    """One equation with an `=`: `text` (layout blanked) at `line`, `column` (1-based)."""

    line: int
    column: int
    text: str


def _blank(match: re.Match) -> str:
    """The matched text as spaces, newlines kept (positions stay where they were)."""
    return re.sub(r"[^\n]", " ", match.group(0))


def strip_non_math(text: str, latex: bool) -> str:
    """Code blocks and HTML comments (Markdown) or comments (LaTeX) blanked out, so their `$`
    are not math."""
    if latex:
        return _TEX_COMMENT.sub(_blank, text)
    return _INLINE_CODE.sub(_blank, _HTML_COMMENT.sub(_blank, _FENCE.sub(_blank, text)))


def _closer(match: re.Match) -> tuple[str, str]:
    """(kind of delimiter, its closing string)."""
    opener = match.group(0)
    if opener == "$$":
        return "$$", "$$"
    if opener == "$":
        return "$", "$"
    if opener == r"\[":
        return opener, r"\]"
    if opener == r"\(":
        return opener, r"\)"
    env = f"{match.group(1)}{match.group(2)}"
    return env, f"\\end{{{env}}}"


def segments(source: str) -> list[tuple[int, str]]:
    """(offset, body) of every math segment, in one left-to-right pass."""
    found, position, exhausted = [], 0, set()
    while (match := _OPENER.search(source, position)) is not None:
        kind, closer = _closer(match)
        start = match.end()
        if kind in exhausted:
            position = start
            continue
        end = source.find(closer, start)
        while kind == "$" and end > 0 and source[end - 1] == "\\":  # \$ is a dollar sign
            end = source.find(closer, end + 1)
        if end < 0:
            exhausted.add(kind)  # no closer anywhere after: none after later openers either
            position = start
            continue
        body = source[start:end]
        if kind == "$" and (body.count("\n") > 1 or "\n\n" in body or not body.strip()):
            position = start  # a lone dollar sign, not inline math
            continue
        found.append((start, body))
        position = end + len(closer)
    return found


def _pieces(body: str) -> list[tuple[int, str]]:
    """(offset, text) of each equation in a segment: split at rows and prose separators that
    stand outside every brace, parenthesis and matrix (`J(W,b;x,y)`, `L_{\\text{MSE}}` and the
    rows of a `bmatrix` are one equation's)."""
    out, at, depth, scanned = [], 0, 0, 0
    for m in _SEPARATOR.finditer(body):
        depth = _nesting(body, scanned, m.start(), depth)
        scanned = m.end()
        if depth > 0:
            continue
        out.append((at, body[at : m.start()]))
        at = m.end()
    out.append((at, body[at:]))
    return out


def _nesting(body: str, start: int, end: int, depth: int) -> int:
    """The depth of braces, parentheses and matrices at `end`, from `depth` at `start` (never
    below 0: a stray closer is not a new outer level)."""
    for m in _NESTING.finditer(body, start, end):
        opener = m.group("open")
        if opener is not None:
            depth += 1
        elif m.group("close") is not None:
            depth = max(0, depth - 1)
    return depth


def find_equations(text: str, latex: bool = False) -> list[Equation]:
    """Every equation of `text` that contains an `=`."""
    source = strip_non_math(text, latex)
    line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
    found = []
    for start, body in segments(source):
        rows: list[Equation] = []
        for offset, piece in _pieces(body):
            cleaned = _TRAILING.sub(lambda m: " " * len(m.group(0)), _LAYOUT.sub(_blank, piece))
            text = cleaned.strip()
            if rows and text.startswith("="):  # `A &= B \\ &= C`: one chain, A = B = C
                last = rows[-1]
                rows[-1] = Equation(last.line, last.column, f"{last.text} {text}")
            elif text:
                lead = len(cleaned) - len(cleaned.lstrip())
                position = start + offset + lead
                line = bisect.bisect_right(line_starts, position)
                rows.append(Equation(line, position - line_starts[line - 1] + 1, text))
        found.extend(row for row in rows if "=" in row.text or _STEP_ARROW.search(row.text))
    return found
