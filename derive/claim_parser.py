"""Parse a user's equation — LaTeX or NumPy-style plain text — into lark trees, one per side.

Two grammars (`derive/grammars/*.lark`, LALR, so parsing is linear in the length of the text):
LaTeX as backprop notes write it, and the expressions a person codes in NumPy. User text is only
ever parsed, never evaluated. A problem is a `ClaimSyntaxError` that knows where it is and what
was expected there, and can draw a caret under it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib.resources import files

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from derive.disk_cache import lark_parser

MAX_EQUATION_CHARS = 2_000  # one equation; longer text is not a claim anyone writes by hand
MAX_DEPTH = 60  # nesting of the parse tree: `a + a + …` or `((…))`; binding recurses over it

# what a terminal means, for "expected …" messages
_READABLE = {
    "EQUALS": "'='",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "SLASH": "'/'",
    "UNDERSCORE": "'_' (a subscript)",
    "CARET": "'^' (a superscript)",
    "PRIME": "a prime (')",
    "LPAR": "'('",
    "RPAR": "')'",
    "LBRACK": "'['",
    "RBRACK": "']'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "HADAMARD": r"'\circ'",
    "TIMES": r"'\cdot'",
    "OTIMES": r"'\otimes'",
    "GREATER": "'>'",
    "LESS": "'<'",
    "ESC_LBRACE": r"'\{'",
    "ESC_RBRACE": r"'\}'",
    "ONE_CALL": "the 1 of an indicator 1(x > 0)",
    "EULER": "e^{…}",
    "NUMPY": "np.sum, np.dot, np.matmul or np.multiply",
    "KEYWORD": "axis= or keepdims=",
    "BOOLEAN": "True or False",
    "TOP": r"'\top'",
    "PRIME_CMD": r"'\prime'",
    "FRAC": r"'\frac'",
    "PARTIAL": r"'\partial'",
    "NABLA": r"'\nabla'",
    "SUM": r"'\sum'",
    "FONT": r"a font command such as '\mathbf'",
    "HAT": r"'\hat'",
    "BAR": r"'\bar'",
    "GREEK": r"'\delta'",
    "FUNC_GREEK": r"'\sigma'",
    "FUNC_LETTER": "'f'",
    "NAMED_FUNCTION": r"a function such as '\operatorname{diag}'",
    "LETTER": "a letter",
    "NUMBER": "a number",
    "AT": "'@'",
    "STAR": "'*'",
    "POW": "'**'",
    "AMP": "'&'",
    "ROW_SEP": r"'\\'",
    "BEGIN_MATRIX": r"'\begin{bmatrix}'",
    "END_MATRIX": r"'\end{bmatrix}'",
    "D_PREFIX": "'d' (dZ^{[l]})",
    "COMMA": "','",
    "DOT": "'.'",
    "DOT_T": "'.T'",
    "ASSIGN": "'='",
    "GRADIENT": "dL/dX",
    "NAME": "a name",
    "$END": "the end of the formula",
    # the matrix identities' grammar (derive/grammars/matrix.lark)
    "CIRCUMFLEX": "'^' (a superscript)",
    "EQUAL": "'='",
    "VBAR": "'|'",
    "NORM": r"'\|'",
    "LEFT_NORM": r"'\left\|'",
    "RIGHT_NORM": r"'\right\|'",
    "LEFT_BAR": r"'\left|'",
    "RIGHT_BAR": r"'\right|'",
    "LVERT": r"'\lVert'",
    "RVERT": r"'\rVert'",
    "MATRIX_FUNCTION": r"a function such as '\operatorname{Tr}' or '\det'",
    "LOG": r"'\ln'",
    "SUP_T": "'T' (a transpose)",
    "LEFT_PAR": r"'\left('",
    "RIGHT_PAR": r"'\right)'",
}


# commands people write that are not read, and the spelling that is
_HINTS = {
    r"\sum": r"write a sum over examples as a matrix product, e.g. \Delta_2 \mathbf{1} or np.sum(…, axis=1)",
    r"\exp": r"write the activation by name, e.g. \sigma(z_1) or f(z_1), and its derivative f'(z_1)",
    r"\log": r"state the loss with --loss (mse, bce, softmax-ce) and write δ_L or ∂L/∂z_L",
    r"\lVert": "state the loss with --loss (mse is ½‖a_L − y‖²)",
    r"\|": "state the loss with --loss (mse is ½‖a_L − y‖²)",
    r"\cdots": "write whole vectors and matrices: a claim about every entry is read as one",
    r"\dots": "write whole vectors and matrices: a claim about every entry is read as one",
    r"\in": r"a declaration such as W \in \mathbb{R}^{3 \times 4} goes in the prose, not in a claim",
}


class ClaimSyntaxError(ValueError):
    """Text that is not a formula we can read: `position` is the 0-based offset in `text`."""

    def __init__(self, text: str, position: int, message: str) -> None:
        self.text = text
        self.position = max(0, min(position, len(text)))
        self.message = message
        super().__init__(message)

    @property
    def caret(self) -> str:
        """The text on one line and a caret under the problem."""
        flat = self.text.replace("\n", " ").replace("\t", " ")
        return f"{flat}\n{' ' * self.position}^"

    def __str__(self) -> str:
        return f"{self.message} (at character {self.position + 1})"


@cache
def _parser(grammar: str) -> Lark:
    text = files(__package__ or "derive").joinpath("grammars", f"{grammar}.lark").read_text(encoding="utf-8")
    return lark_parser(text, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def _expected(names: Iterable[str]) -> str:
    readable = sorted({_READABLE.get(n, n.lower()) for n in names if not n.startswith("__")})
    if not readable:
        return "a formula"
    return ", ".join(readable[:-1]) + (" or " if len(readable) > 1 else "") + readable[-1]


def _syntax_error(text: str, e: UnexpectedInput) -> ClaimSyntaxError:
    if isinstance(e, UnexpectedCharacters):
        found = text[e.pos_in_stream : e.pos_in_stream + 1]
        allowed = set(e.allowed or ())
        if found == "\\":
            match = re.match(r"\\([A-Za-z]+|.?)", text[e.pos_in_stream :])
            command = match.group(0) if match else found
            hint = f"; {_HINTS[command]}" if command in _HINTS else ""
            return ClaimSyntaxError(
                text, e.pos_in_stream, f"unknown command '{command}'{hint}; expected {_expected(allowed)}"
            )
        return ClaimSyntaxError(text, e.pos_in_stream, f"unexpected '{found}'; expected {_expected(allowed)}")
    if isinstance(e, UnexpectedEOF):
        return ClaimSyntaxError(
            text, len(text.rstrip()), f"the formula ends early; expected {_expected(e.expected)}"
        )
    if isinstance(e, UnexpectedToken):
        token = e.token
        if token.type == "$END":
            return ClaimSyntaxError(
                text, len(text.rstrip()), f"the formula ends early; expected {_expected(e.expected)}"
            )
        position = token.start_pos if token.start_pos is not None else 0
        return ClaimSyntaxError(text, position, f"unexpected '{token!s}'; expected {_expected(e.expected)}")
    return ClaimSyntaxError(text, 0, str(e))  # pragma: no cover  (lark raises only the three above)


@lru_cache(maxsize=4096)
def parse(text: str, syntax: str) -> tuple[Tree | Token, ...]:
    """The sides of `A = B = …` written in `syntax` ("latex" or "plain"), as lark trees (cached:
    notes repeat their equations, and a claim is bound once per layer; never mutate them)."""
    if len(text) > MAX_EQUATION_CHARS:
        raise ClaimSyntaxError(
            text[:80], 80, f"an equation of at most {MAX_EQUATION_CHARS} characters; received {len(text)}"
        )
    if not text.strip():
        raise ClaimSyntaxError(text, 0, "an empty formula; expected a formula")
    try:
        tree = _parser(syntax).parse(text)
    except UnexpectedInput as e:
        raise _syntax_error(text, e) from None
    _check_depth(tree, text)
    return tuple(
        child for child in tree.children if not (isinstance(child, Token) and child.type == "EQUALS")
    )


def _check_depth(tree: Tree, text: str) -> None:
    """Refuse trees deeper than `MAX_DEPTH` (iteratively: the check itself must not recurse)."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            position = node.meta.start_pos if not node.meta.empty else 0
            raise ClaimSyntaxError(
                text, position, f"a formula nested at most {MAX_DEPTH} levels deep (terms, parentheses)"
            )
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))


def guess_syntax(text: str) -> str:
    """LaTeX when the text has a backslash, a caret or a brace; NumPy-style plain text otherwise."""
    return "latex" if any(c in text for c in "\\^{}") else "plain"
