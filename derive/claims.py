"""A user's equations, bound to a network: gradient claims and forward equations.

An equation whose first side is a gradient (`\\frac{\\partial L}{\\partial X}`, `\\nabla_X L`,
`\\partial L/\\partial X`, `\\delta_l`) is a claim; a chain `A = B = C` gives one claim per link
(`A = B`, `B = C`), each about the head's variable (`wrt`). An equation whose first side is
`z_…` or `a_…` is a forward equation: context, checked against the network. Written for a general
layer `l`, an equation stands for every layer where all its quantities exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from lark import Token, Tree

from derive.claim_binding import (
    Binding,
    LayerOutOfRange,
    NeedsLayer,
    NoSuchLayer,
    Scalar,
    Value,
    own_functions,
    scale,
)
from derive.claim_parser import ClaimSyntaxError, parse
from derive.course import DEFAULT, CodeReading, rows_formula
from derive.document import Equation
from derive.formula import (
    Apply,
    Dims,
    Fill,
    Formula,
    Function,
    Grad,
    ShapeMismatch,
    Transpose,
    Var,
    rewrite,
    shape,
)
from derive.function_claims import OPERATOR, function_claim, unread_derivative
from derive.grouping import regrouped
from derive.identities import Identity, identity_name
from derive.index_notation import (
    bind_index_sides,
    entrywise_text,
    index_letters,
    letter_layers,
    might_be_entrywise,
    uses_index_notation,
)
from derive.latex_binding import LatexBinder
from derive.network import Network
from derive.plain_binding import PlainBinder
from derive.reading import SEED, Reading
from derive.roles import OURS, Notation, function_letters, loss_letter, with_entries
from derive.steps import step_of, unread_step

MAX_CLAIMS = 1_000

_GRADIENT_HEAD = re.compile(
    r"\s*(\\[dt]?frac\s*\{\s*(\\partial|(d|\\mathrm\s*\{\s*d\s*\})\s*(L|E|J|C|\\ell|\\mathcal))"
    r"|\\partial|\\nabla"
    r"|(\\(mathbf|boldsymbol|bm)\s*\{?\s*)?\\[dD]elta\s*\}?\s*[_^]"  # δ_l, δ^{(l)}: not δ = 10^-5
    r"|d\s*[ZzAaWb]\s*\^\s*\{\s*\["  # Ng's slides: dZ^{[2]}, dW^{[1]}
    r"|\\(bar|overline)(?![A-Za-z]))"  # reverse mode's adjoints: \bar{z}_1 = ∂L/∂z_1
)
_MENTIONS_GRADIENT = re.compile(r"\\(partial|nabla|delta|Delta)(?![A-Za-z])")
_FONT = r"(\\(mathbf|boldsymbol|bm|vec)\s*\{?\s*)?"
_FORWARD_HEAD = re.compile(rf"\s*{_FONT}[aAzZ]\s*[_^}}]")
# o_k = σ(Σ_j w_{jk} o_j): an output in index notation; \hat{y} = z^{[2]}: the prediction
_OUTPUT_HEAD = re.compile(r"\s*(o\s*_|\\(hat|widehat)\s*\{?\s*(\\(mathbf|boldsymbol)\s*\{?\s*)?[yY])")


class ClaimNote(StrEnum):
    """How a claim was read, where a reader should know it (reports/ words it)."""

    REGROUPED = "regrouped by shapes"  # ⊙-chain then a matrix product: the only grouping that fits
    # the sides differ by terms that sum to zero once the forward equations are substituted
    # (Σ(x_i − μ_B) = 0 in batch normalization): proved, yet not the same expression
    VANISHING_TERMS = "terms that sum to zero"
    # a chain A = B = … = Z whose middle cannot be read (a Jacobian ∂o_j/∂z_j): its conclusion A = Z
    CONCLUSION = "the chain's conclusion"
    # a matrix identity right in numerator layout (∂f/∂X with Xᵀ's shape), the transpose of the
    # Cookbook's denominator layout
    OTHER_LAYOUT = "numerator layout"
    # a matrix identity whose right side fits only square matrices: checked with every size 3
    SQUARE_ONLY = "square shapes only"
    # an indicator `1(z ≥ 0)` for relu': the same off the kink, 1 where jax.grad takes 0 at z = 0
    KINK_ONE = "1 at the kink"
    # a matrix identity true only for a symmetric letter (`Claim.symmetric`): checked so
    SYMMETRIC = "holds for a symmetric letter"


@dataclass(frozen=True)
class Claim:
    """One link `lhs = rhs` of a user's equation, as found at `source:line:column`.

    `written` is the user's text of the link (never trusted: escape it to show it); `identity`
    holds the bound sides, `wrt` the variable the chain is about, `layer` the value of `l`
    when the equation was written for a general layer. `problem` is why it could not be read.
    """

    source: str
    line: int
    column: int
    written: str
    syntax: str
    wrt: Var | None = None
    identity: Identity | None = None
    layer: int | None = None
    problem: ClaimSyntaxError | None = None
    name: str | None = None
    wrt_written: str | None = None  # a claims file's `wrt` as written (`Z1`, `theta2`)
    notes: tuple[ClaimNote, ...] = ()  # how it was read (`ClaimNote`)
    # what a proof of it covers: a network's gradient, a function's derivative in one variable
    # (`d/dz σ(z) = …`, for every real z) or scalar notes' gradient (batch norm's, ε > 0)
    # or a matrix identity's (the Matrix Cookbook's ∂ tr(AXB)/∂X, for the shapes in `shapes`)
    # or a model file's (derive/model_file.py: its model, for the shapes of its given tensors)
    about: Literal["network", "function", "scalar", "matrix", "model"] = "network"
    shapes: tuple[tuple[str, tuple[int, int]], ...] = ()  # a matrix identity's letters, as checked
    symmetric: tuple[str, ...] = ()  # a matrix identity's letters it holds for only when symmetric
    invertible: tuple[str, ...] = ()  # a matrix identity's letters under det, ln|det| or an inverse
    # index notation: how it writes each vector's entry, (kind, layer, symbol, index): `o_k` for a_3
    letters: tuple[tuple[str, int, str, str], ...] = ()
    # a model's claim (about="model"): the tensor and the right side as read, for display
    model_wrt: str | None = None
    model_right: Formula | None = None

    @property
    def wrt_name(self) -> str | None:
        return None if self.wrt is None else f"{self.wrt.kind}{self.wrt.layer}"


@dataclass(frozen=True)
class ForwardEquation:
    """`z_2 = W_1 a_1 + b_1`, `a_1 = f(z_1)`: context. `problem` says why it was not read;
    `mismatch` why it cannot hold for this network (a different activation)."""

    source: str
    line: int
    written: str
    identity: Identity | None = None
    layer: int | None = None
    problem: str | None = None
    mismatch: str | None = None
    missing_layer: bool = False  # not read because a layer it names does not exist
    activation: str = ""  # the activation it names where that is not the network's
    named: tuple[tuple[int, str], ...] = ()  # (layer, activation) of each `a_l = g(z_l)`, g named


def is_claim(text: str) -> bool:
    """A gradient equation (`∂L/∂X = …`, `δ_l = …`) or the derivative of a stated function."""
    return (
        _GRADIENT_HEAD.match(text) is not None
        or OPERATOR.match(text) is not None
        or function_claim(text) is not None
        or step_of(text) is not None  # an update step left unread (derive/steps.py): it says why
    )


def mentions_gradient(text: str) -> bool:
    """An equation with ∂, ∇ or δ in it: when it is not a claim, the user hears it was skipped."""
    return _MENTIONS_GRADIENT.search(text) is not None


# `a_1 = [a_{11} \; a_{12} \; a_{13}]^T`, `W_1 = \begin{bmatrix} w_{11} & w_{12} \\ … \end{bmatrix}`
_LISTED_HEAD = re.compile(rf"\s*{_FONT}(?P<letter>[A-Za-z])\s*\}}?\s*[_^][^=]*=(?P<rhs>.*)$", re.S)
_WRAPPER = re.compile(
    r"^\s*(\\left\s*)?[\[(]|\\begin\s*\{\s*[pbvBV]?matrix\s*\}"
    r"|(\\right\s*)?[\])]\s*(\^\s*(\{\s*)?(T|\\top|\\intercal|\\mathsf\s*\{\s*T\s*\})\s*\}?)?\s*$"
    r"|\\end\s*\{\s*[pbvBV]?matrix\s*\}\s*(\^\s*(\{\s*)?(T|\\top)\s*\}?)?\s*$"
)
_LISTING_LAYOUT = re.compile(r"\\[,;:! ]|\\q?quad(?![A-Za-z])|\\\\|,|\\[cvdl]?dots(?![A-Za-z])|\s+")


def names_entries(text: str) -> bool:
    """Whether `text` lists the entries of a vector or matrix, each named after it (`a_1 = [a_{11}
    \\; a_{12}]^T`, entry j of a_l written a_{lj}; `W_1 = \\begin{bmatrix} w_{11} & … \\end{bmatrix}`):
    it names them, it is neither a claim nor a forward equation."""
    head = _LISTED_HEAD.match(text)
    if head is None:
        return False
    letter = head.group("letter")
    rhs, wrapped = _WRAPPER.subn("", head.group("rhs"))
    if wrapped != 2:
        return False
    entry = re.compile(
        rf"{_FONT}[{letter.lower()}{letter.upper()}]\s*\}}?(\s*[_^]\s*(\{{[^{{}}]*\}}|[A-Za-z0-9]))+"
    )
    rest, entries = entry.subn(" ", rhs)
    return entries >= 2 and not _LISTING_LAYOUT.sub("", rest)


def is_forward(text: str, notation: Notation = OURS) -> bool:
    """`z_l = …`, `a_l = …`, or an equation whose head is a letter the notes make an activation
    or pre-activation (`h^{(k)} = f(a^{(k)})`, D2L's `O = H W + b`: derive/roles.py); not a
    listing of entries (`names_entries`)."""
    if names_entries(text):
        return False
    if _FORWARD_HEAD.match(text) is not None or _OUTPUT_HEAD.match(text) is not None:
        return True
    letters = "".join(x for x, role in notation.names if role.kind in ("a", "z", "output"))
    return bool(letters) and re.match(rf"\s*{_FONT}[{letters}]\s*[_^}}=]", text) is not None


def bind(
    tree: Tree | Token,
    text: str,
    syntax: str,
    binding: Binding,
    code: CodeReading = DEFAULT,
    factor: Fraction = Fraction(1),
) -> Value:
    """The value of one side, in its notation's binder (`NeedsLayer` when it uses a free l);
    `code` is a claims file's numbering for plain formulas (derive/course.py), `factor`
    the batch reduction's (the course's per-example dA is ∂L/∂A / factor)."""
    if syntax == "latex":
        return LatexBinder(text, binding, factor).bind(tree)
    return PlainBinder(text, binding, code, factor).bind(tree)


def binding(
    network: Network, layer: int | None = None, reading: Reading = SEED, notation: Notation = OURS
) -> Binding:
    return Binding(
        network.sizes,
        network.batch,
        network.activation,
        layer,
        reading,
        network.loss,
        network.activations,
        network.slope,
        names=notation.names,
        defined=notation.defined,
        penalty=network.written_l2 if network.l2 else None,
        letters=notation.letters,
    )


def _in_rows(formula: Formula) -> Formula:
    """A side written with rows as examples as one in ours (`rows_formula`), with `(Xᵀ)ᵀ = X`:
    the notes' `A_1^\top` is our a_1."""

    def collapse(node: Formula) -> Formula | None:
        match node:
            case Transpose(Transpose(inner)):
                return inner
        return None

    return rewrite(rows_formula(formula), collapse)


def _entrywise(text: str, notation: Notation) -> bool:
    """Whether a LaTeX equation is in index notation (entries: the same in either layout)."""
    return entrywise_text(function_letters(text, notation.functions))


def _span(side: Tree | Token) -> tuple[int, int]:
    if isinstance(side, Token):
        return side.start_pos or 0, side.end_pos or 0
    return side.meta.start_pos, side.meta.end_pos


def bind_sides(
    text: str,
    syntax: str,
    network: Network,
    reading: Reading = SEED,
    code: CodeReading = DEFAULT,
    own: bool = True,
    scalar: bool = False,
    notation: Notation = OURS,
) -> list[tuple[int | None, list[Formula]]]:
    """Each side of `text` bound to `network` in `reading` (a document's layer numbering) and
    `code` (a claims file's layout and course names): one list for the equation, or one per
    layer `l` (as written) when it is written for a general layer. Raises `ClaimSyntaxError`.
    With `own`, a named function that is its layer's own activation is written as `f`
    (`own_functions`); without, as written. `notation` is the notes' own letters (derive/roles.py):
    a letter they apply as the activation (`h(a_j)`) is parsed as `f`."""
    text, sides, entrywise = _parsed(text, syntax, notation)

    def bound(layer: int | None) -> list[Formula]:
        if entrywise:  # ∂E/∂w_{jk} = δ_k o_j: the matrix equation for every entry
            return bind_index_sides(text, sides, binding(network, layer, reading, notation))
        names = replace(binding(network, layer, reading, notation), scalar=scalar)
        bound_sides = [bind(side, text, syntax, names, code, network.factor) for side in sides]
        like = next((v for v in bound_sides if not isinstance(v, Scalar)), None)
        values = []
        for side, value in zip(sides, bound_sides, strict=True):
            if isinstance(value, Scalar) and scalar and like is not None:
                value = Fill(value.value, like)  # d/dz ReLU(z) = 1: the number in every entry
            if isinstance(value, Scalar):
                start, _ = _span(side)
                raise ClaimSyntaxError(text, start, f"a matrix or vector; received the number {value.value}")
            values.append(own_functions(value, names) if own else value)
        return values

    try:
        return [(None, bound(None))]
    except NeedsLayer as general:
        found = []
        written = [reading.written("a", k) for k in range(1, len(network.sizes) + 1)]
        for layer in range(written[0] - 1, written[-1] + 2):  # those where every quantity exists
            try:
                found.append((layer, bound(layer)))
            except LayerOutOfRange:
                continue
        if not found:
            raise NoSuchLayer(
                text, general.position, "a layer l for which every quantity exists in this network"
            ) from None
        return found


def head_variable(head: Formula) -> Var | None:
    """What a chain is about: `∂L/∂X` → X, `δ_l` → z_l."""
    if isinstance(head, Grad) and isinstance(head.target, Var):
        return head.target
    if isinstance(head, Var) and head.kind == "delta":
        return Var("z", head.layer)
    return None


def link_identity(wrt: Var, lhs: Formula, rhs: Formula, batched: bool) -> Identity:
    """`lhs = rhs` as an identity about `wrt`: a plain gradient identity when `lhs` is `∂L/∂wrt`."""
    name = identity_name(wrt.kind, wrt.layer)
    if lhs == Grad(wrt):
        return Identity(name, wrt, rhs, batched)
    return Identity(name, wrt, rhs, batched, lhs=lhs)


def _conclusion(
    text: str, where: dict, network: Network, wrt: Var | None, reading: Reading, notation: Notation
) -> list[Claim]:
    """`A = Z`, the conclusion of a chain `A = B = … = Z` of three sides or more whose middle
    could not be read (`∂E/∂z_j = ∂E/∂o_j ∂o_j/∂z_j = … = −t_j(1 − o_j)`): the claim its author
    draws, checked on its own and marked so; none when its ends cannot be read either."""
    try:
        sides = parse(as_read(text, where["syntax"], notation), where["syntax"])
    except ClaimSyntaxError:
        return []
    if len(sides) < 3:
        return []
    (first, _), (_, last) = _span(sides[0]), _span(sides[-1])
    start = _span(sides[-1])[0]
    ends = f"{text[first : _span(sides[0])[1]]} = {text[start:last]}"
    try:
        found = claims_of_text(ends, where, network, wrt, reading, notation=notation)
    except ClaimSyntaxError:
        return []
    if any(c.problem is not None for c in found):
        return []
    return [replace(c, notes=(*c.notes, ClaimNote.CONCLUSION)) for c in found]


def as_read(text: str, syntax: str, notation: Notation = OURS) -> str:
    """A LaTeX equation with the notes' own names written as ours, the same length: a letter they
    apply as the activation as `f` (`h(a_j)`), their loss's name as its letter (`E_n` as `E`)."""
    if syntax != "latex":
        return text
    return loss_letter(function_letters(text, notation.functions), notation.loss)


def _link_texts(text: str, syntax: str, notation: Notation = OURS) -> list[str]:
    """The user's text of each link `A = B` of a chain (positions as read: `as_read`)."""
    sides = parse(as_read(text, syntax, notation), syntax)
    spans = [_span(s) for s in sides]
    return [text[spans[k][0] : spans[k + 1][1]] for k in range(len(spans) - 1)]


def claims_of(
    equation: Equation, source: str, network: Network, reading: Reading = SEED, notation: Notation = OURS
) -> list[Claim]:
    """The claims of one gradient equation (or one unparsed claim saying why)."""
    where = {"source": source, "line": equation.line, "column": equation.column, "syntax": "latex"}
    if (why := unread_step(equation.text)) is not None:  # g \leftarrow g ⊙ f'(a) with g unknown
        return [Claim(**where, written=equation.text, problem=ClaimSyntaxError(equation.text, 0, why))]
    stated = function_claim(equation.text)
    if stated is None and (why := unread_derivative(equation.text)) is not None:  # d/dx of an expression
        return [Claim(**where, written=equation.text, problem=ClaimSyntaxError(equation.text, 0, why))]
    if stated is not None:  # d/dz σ(z) = …: F'(z_1) = …
        variable = Var("z", max(1, reading.internal("z", 1)))  # z_1 as the notes number it
        found = claims_of_text(stated.text, where, network, wrt=variable, reading=reading, scalar=True)
        return [replace(c, written=equation.text, about="function") for c in found]
    return claims_of_text(equation.text, where, network, reading=reading, notation=notation)


_AT_LEAST = re.compile(r"\\geq?(?![A-Za-z])|≥|>=")  # an indicator 1(z ≥ 0): 1 at the kink


def _parsed(text: str, syntax: str, notation: Notation) -> tuple[str, tuple, bool]:
    """(the text as read, its parsed sides, whether it is in index notation)."""
    text = as_read(text, syntax, notation)
    if syntax == "latex" and notation.entries:  # k_j, defined as k_i := …: its definition
        text = with_entries(text, notation.entries)
    sides = parse(text, syntax)
    return text, sides, syntax == "latex" and might_be_entrywise(text) and uses_index_notation(sides)


def entry_letters(
    text: str, syntax: str, network: Network, reading: Reading, notation: Notation, layer: int | None
) -> tuple[tuple[str, int, str, str], ...]:
    """How an equation in index notation writes each vector's entry (`o_k`, `t_k`); () for
    any other equation."""
    text, sides, entrywise = _parsed(text, syntax, notation)
    return index_letters(text, sides, binding(network, layer, reading, notation)) if entrywise else ()


def forward_letters(
    equations: Iterable[str], network: Network, reading: Reading, notation: Notation
) -> tuple[tuple[str, int], ...]:
    """The layer each neuron index names in forward equations written in index notation (`a_j =
    \\sum_i w_{ji} z_i`, `y_k = \\sum_j w_{kj} z_j`: i, j, k the input's, the hidden and the
    output layer's), where every equation that uses a letter places it alike; the claims then read
    their indices so (Bishop's `\\sum_k w_{jk} δ_k`: k above j, the weight's indices swapped).
    An equation with the target's or the input's letter places its letters; one without only
    says how far apart they are, and is placed by a letter placed before."""
    placed: list[tuple[dict[str, int], bool]] = []
    for text in equations:
        try:
            read, sides, entrywise = _parsed(text, "latex", notation)
            if entrywise:
                placed.append(letter_layers(read, sides, binding(network, None, reading, notation)))
        except (ClaimSyntaxError, NeedsLayer):
            continue
    seen: dict[str, set[int]] = {}
    for layers, anchored in placed:
        if anchored:
            for letter, layer in layers.items():
                seen.setdefault(letter, set()).add(layer)
    relative = [layers for layers, anchored in placed if not anchored and layers]
    while relative:
        known = next((r for r in relative if any(len(seen.get(x, ())) == 1 for x in r)), None)
        if known is not None:
            letter = next(x for x in known if len(seen.get(x, ())) == 1)
            shift = next(iter(seen[letter])) - known[letter]
        else:  # no letter shared: one next in the alphabet to a placed one (i → j → k run up)
            known, shift = _beside(relative, seen)
            if known is None:
                break
        relative.remove(known)
        for x, layer in known.items():
            seen.setdefault(x, set()).add(layer + shift)
    return tuple((letter, layers.pop()) for letter, layers in sorted(seen.items()) if len(layers) == 1)


def _beside(relative: list[dict[str, int]], seen: dict[str, set[int]]) -> tuple[dict[str, int] | None, int]:
    """An equation whose letters are not placed but run up to a placed one (`a_j = Σ_i w_ji z_i`
    beside `y_k = a_k`: j the layer below k), and the shift that places it so."""
    for layers in relative:
        top = max(layers, key=lambda x: layers[x])
        above = chr(ord(top) + 1)
        if len(seen.get(above, ())) == 1:
            return layers, next(iter(seen[above])) - 1 - layers[top]
    return None, 0


def claims_of_text(
    text: str,
    where: dict,
    network: Network,
    wrt: Var | None = None,
    reading: Reading = SEED,
    scalar: bool = False,
    notation: Notation = OURS,
) -> list[Claim]:
    """The claims of one equation; in notes read with rows as examples (`notation.rows`) each
    matrix side is translated as a claims file's rows layout is (`rows_formula`: X_rows = X_colsᵀ),
    `(∂L/∂W_1)ᵀ = A_1ᵀ (∂L/∂Z_2)ᵀ`; index notation names entries and needs no translation."""
    syntax = where["syntax"]
    try:
        instances = bind_sides(text, syntax, network, reading, scalar=scalar, notation=notation)
        rows = notation.rows and not (syntax == "latex" and _entrywise(text, notation))
        links = _link_texts(text, syntax, notation)
        letters = {
            layer: entry_letters(text, syntax, network, reading, notation, layer) for layer, _ in instances
        }
    except ClaimSyntaxError as e:
        unread = Claim(**where, written=text, problem=e)
        return [unread, *_conclusion(text, where, network, wrt, reading, notation)]
    claims = []
    for layer, sides in instances:
        head = wrt or head_variable(sides[0]) or next(iter(_gradients(sides[0])), None)
        if len(sides) < 2:
            problem = ClaimSyntaxError(text, len(text), "an equation 'gradient = formula'; there is no '='")
            return [Claim(**where, written=text, problem=problem)]
        if head is None:
            problem = ClaimSyntaxError(text, 0, "a gradient (∂L/∂X or δ_l) on the left")
            return [Claim(**where, written=text, problem=problem)]
        if rows:
            sides = [_in_rows(side) for side in sides]
        changed = [False] * len(sides)
        if syntax == "latex":
            sides, changed = shape_grouped(sides, Grad(head), network)
        for k in range(len(sides) - 1):
            identity = link_identity(head, sides[k], sides[k + 1], network.batch > 1)
            notes = (ClaimNote.REGROUPED,) if changed[k] or changed[k + 1] else ()
            if _AT_LEAST.search(links[k]):
                notes = (*notes, ClaimNote.KINK_ONE)
            claims.append(
                Claim(
                    **where,
                    written=links[k],
                    wrt=head,
                    identity=identity,
                    layer=layer,
                    notes=notes,
                    letters=letters[layer],
                )
            )
    return claims


def shape_grouped(sides: list[Formula], lhs: Formula, network: Network) -> tuple[list[Formula], list[bool]]:
    """Each side, regrouped where only another grouping of a ⊙-chain and a trailing matrix
    product fits (with the shape of `lhs`, the claim's gradient; derive/grouping.py), and
    whether it was."""
    dims = Dims(network.sizes, 1, network.batch)
    try:
        target: tuple[int, int] | None = shape(lhs, dims)
    except ShapeMismatch:
        target = None
    grouped = [regrouped(side, dims, target) for side in sides]
    return [side if g is None else g for side, g in zip(sides, grouped, strict=True)], [
        g is not None for g in grouped
    ]


def _gradients(formula: Formula) -> list[Var]:
    """The variables of the `∂L/∂X` in `formula`, innermost first."""
    found: list[Var] = []
    rewrite(
        formula,
        lambda node: (
            found.append(node.target) if isinstance(node, Grad) and isinstance(node.target, Var) else None
        ),
    )
    return found


def forward_of(
    equation: Equation, source: str, network: Network, reading: Reading = SEED, notation: Notation = OURS
) -> list[ForwardEquation]:
    """A forward equation bound to the network, or why it was not read (a definition of entries
    such as `a_1 = [a_11 … a_14]^T` is not a forward equation). With rows as examples
    (`notation.rows`), `Z_2 = A_1 W_1 + b_1` is `z_2 = (a_1ᵀ W_1ᵀ + b_1ᵀ)ᵀ`: the network's own."""
    where = {"source": source, "line": equation.line, "written": equation.text}
    try:
        instances = bind_sides(equation.text, "latex", network, reading, own=False, notation=notation)
        rows = notation.rows and not _entrywise(equation.text, notation)
    except NoSuchLayer as e:
        return [ForwardEquation(**where, problem=e.message, missing_layer=True)]
    except ClaimSyntaxError as e:
        return [ForwardEquation(**where, problem=e.message)]
    named = tuple(pair for _, sides in instances if (pair := _named_activation(sides)) is not None)
    out = []
    for layer, sides in instances:
        lhs = sides[0]
        if not (isinstance(lhs, Var) and lhs.kind in ("a", "z")) or len(sides) != 2:
            return [ForwardEquation(**where, problem="not of the form z_l = … or a_l = …")]
        names = binding(network, layer, reading, notation)
        rhs = own_functions(sides[1], names)
        if rows:
            rhs = Transpose(_in_rows(rhs))
        if (foreign := _foreign(rhs)) is not None:  # a function that is not its layer's own
            message = _mismatch(foreign, lhs, network, reading)
            return [ForwardEquation(**where, mismatch=message, activation=foreign.name, named=named)]
        identity = Identity(f"{lhs.kind}{lhs.layer}", lhs, rhs, network.batch > 1, lhs=lhs)
        out.append(ForwardEquation(**where, identity=identity, layer=layer, named=named))
    return out


def _named_activation(sides: list[Formula]) -> tuple[int, str] | None:
    """(l, g) of `a_l = g(z_l)` with g a named activation (`a_2 = \\text{ReLU}(z_2)`), also of
    the layer's affine map written inside (`H = \\text{ReLU}(X W_1 + b_1)`), or the identity of a
    linear layer (`\\hat{y} = z^{[2]}`), else None."""
    match sides:
        case [Var("a", layer), Apply(Function(name), Var("z", arg))] if arg == layer:
            return layer, name
        case [Var("a", layer), Apply(Function(name), inner)] if _weighs(inner, layer - 1):
            return layer, name
        case [Var("a", layer), Var("z", arg)] if arg == layer:  # a linear output: a_L = z_L
            return layer, "identity"
    return None


def _weighs(formula: Formula, layer: int) -> bool:
    """`formula` multiplies by `W_layer` (the weight that feeds layer + 1)."""
    found: list[Formula] = []
    rewrite(formula, lambda node: found.append(node) if node == Var("W", layer) else None)
    return bool(found)


def _foreign(formula: Formula) -> Function | None:
    """The first named function left in `formula` after `own_functions`: not its layer's own."""
    found: list[Function] = []
    rewrite(formula, lambda node: found.append(node.function) if isinstance(node, Apply) else None)
    return found[0] if found else None


def _mismatch(function: Function, lhs: Var, network: Network, reading: Reading) -> str:
    name = function.name
    if not network.mixed:
        return (
            f"the formula applies {name}, but the network's activation is {network.activation} "
            f"(choose it with --activation {name})"
        )
    written = reading.written(lhs.kind, lhs.layer)
    return (
        f"the formula applies {name}, but the network's activations are {network.activation_text} "
        f"({network.activation_of(lhs.layer)} on layer {written})"
    )


BUILT_IN = "built-in"


def builtin_claims(network: Network) -> tuple[Claim, ...]:
    """The built-in identities as claims `∂L/∂X = rhs` about `network`: the output layer's
    `dL/dz_L` (its loss's δ_L; none for the generic ℓ), then the seed's four per layer."""
    from derive.identities import network_identities

    return tuple(
        Claim(BUILT_IN, 0, 0, i.latex, "latex", wrt=i.target, identity=i, name=i.name)
        for i in network_identities(network)
    )


def is_definition(claim: Claim, network: Network) -> bool:
    """`δ_l = ∂L/∂z_l` (or `Δ_l = B ∂L/∂Z_l` for the mean over a batch) defines δ_l: it is a
    definition, not a claim to check."""
    identity = claim.identity
    if identity is None:
        return False
    sides = {identity.lhs, identity.formula}
    if all(isinstance(side, Transpose) for side in sides):  # read with rows as examples: (δ_l)ᵀ = (∂L/∂z_l)ᵀ
        sides = {side.operand for side in sides if isinstance(side, Transpose)}
    layer = claim.wrt.layer if claim.wrt else 0
    delta, grad = Var("delta", layer), Grad(Var("z", layer))
    if network.factor == 1:
        return sides == {delta, grad}
    return sides in ({delta, grad}, {delta, scale(1 / network.factor, grad)})
