"""Matrix identities as the Matrix Cookbook prints them: `\\frac{\\partial f(X)}{\\partial X} = G`
(also `\\frac{\\partial}{\\partial X} f(X) = G` and `\\nabla_X f = G`), `f` a scalar objective of
matrices and vectors written inline — `\\operatorname{Tr}(AXB)`, `x^T B x`, `\\|AXB + C\\|_F^2`,
`\\ln|\\det X|`, `\\operatorname{Tr}(X^{-1} A)`.

Such a claim is about its objective alone (like a function claim): the objective is a `Model`
of its own (`derive/model_ir.py`), its letters the given tensors and `f` (1 × 1) the objective.
Letters: a capital is a matrix, a lowercase letter a column vector; `X`/`x` (the letter after
`\\partial` below) is the variable. Text is parsed by `grammars/matrix.lark`, never evaluated.

Shapes are not written in the Cookbook, so they are chosen: every dimension the objective ties
together (`AXB` inside a trace: A's columns are X's rows, B's columns A's rows) is one class, and
each class gets its own size — 3, 2, 4, 5, … — so matrices are non-square wherever the objective
allows; a class tied to 1 (a vector's columns, a scalar's sides) is 1. A Kronecker product's
side (`A ⊗ B` is r_A·r_B × c_A·c_B) is a class of its own that is the product of its factors'
classes: a letter multiplied against it gets the product size (`x` in `xᵀ (A ⊗ B) x`), and two
product classes tied together (the quadratic form's square `A ⊗ B`) tie their factors pairwise —
one choice that fits, stated with the shapes. A product's side tied to one of its own factors
(`xᵀ (x ⊗ B) y`) is not inferred: the reader says so. Gradients are in
denominator layout, as the Cookbook prints them: ∂f/∂X has X's shape, `[∂f/∂X]_ij = ∂f/∂X_ij`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cache
from importlib.resources import files
from itertools import count

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedInput, VisitError

from derive.claim_parser import MAX_EQUATION_CHARS, ClaimSyntaxError, _syntax_error
from derive.claims import Claim, ClaimNote
from derive.disk_cache import lark_parser
from derive.formula import (
    Add,
    Broadcast,
    Dims,
    Formula,
    Kron,
    MatMul,
    MatrixApply,
    Ref,
    Scale,
    ShapeMismatch,
    Transpose,
    rewrite,
    shape,
)
from derive.model_file import Layout, ModelClaim, ModelFile
from derive.model_ir import Equation, Model, Role, Tensor
from derive.registry import MATRIX, matrix_function_named

OBJECTIVE = "f"  # the objective's tensor name in the model (no letter of a claim: f is reserved)
SIZES = (3, 2, 4, 5, 6, 7)  # one per class of tied dimensions, in order of appearance
SQUARE_SIZE = 3  # every class, where a right side fits only square matrices
Shapes = tuple[tuple[str, tuple[int, int]], ...]  # letter → (rows, cols), in order of appearance

# --- which equations are matrix identities -----------------------------------------------------

_VARIABLE = r"(?:\\(?:mathbf|boldsymbol|bm|mathit|vec)\s*\{\s*)?[A-Za-z]\s*\}?"
_HEAD = re.compile(
    rf"^\s*(?:\\[dt]?frac\s*\{{\s*\\partial(?P<ratio>.+?)\}}\s*\{{\s*\\partial\s*{_VARIABLE}\s*\}}"
    rf"|\\[dt]?frac\s*\{{\s*\\partial\s*\}}\s*\{{\s*\\partial\s*{_VARIABLE}\s*\}}(?P<operator>.+?)"
    rf"|\\nabla\s*_\s*(?:\{{\s*{_VARIABLE}\s*\}}|{_VARIABLE})(?P<nabla>.+?))\s*=",
    re.S,
)
# what only a matrix objective writes: a trace, a determinant, a norm, a transpose, an inverse
_MARKER = re.compile(
    r"\\operatorname\s*\{\s*(Tr|tr|trace|det)\s*\}|\\(mathrm|text)\s*\{\s*(Tr|tr)\s*\}|\\(det|Tr|tr)(?![A-Za-z])"
    r"|\\\||\\[lr]?Vert|\||\^\s*\{?\s*(T|\\top|\\intercal|-\s*1)(?![A-Za-z])|\\otimes(?![A-Za-z])"
)


def is_matrix_identity(text: str) -> bool:
    """A derivative `∂f/∂X = …` whose objective f writes a trace, a determinant, a norm, a
    transpose, an inverse or a Kronecker product (not a network's loss `L`, not a stated function `σ(z)`)."""
    head = _HEAD.match(text)
    if head is None:
        return False
    objective = next(g for g in (head.group("ratio"), head.group("operator"), head.group("nabla")) if g)
    return _MARKER.search(objective) is not None


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixIdentity:
    """`∂objective/∂variable = right`, with the shapes chosen for its letters (`shapes`) and,
    where the right side fits only square matrices, `square` set (every letter then square or
    a column of that size)."""

    objective: Formula
    variable: str
    right: Formula
    shapes: Shapes
    square: bool = False

    @property
    def shape_of(self) -> dict[str, tuple[int, int]]:
        return dict(self.shapes)

    @property
    def model(self) -> Model:
        """The objective as a model: its letters given (inputs), `f = objective` (1 × 1)."""
        tensors = tuple(Tensor(name, s, Role.INPUT, name) for name, s in self.shapes)
        return Model(
            (*tensors, Tensor(OBJECTIVE, (1, 1), Role.OBJECTIVE, "f")), (Equation(OBJECTIVE, self.objective),)
        )

    def describe(self) -> str:
        """The shapes as the output states them: `A 3×2, X 2×4, B 4×3`."""
        return describe(self.shapes)


def describe(shapes: Shapes) -> str:
    return ", ".join(f"{name} {r}×{c}" for name, (r, c) in shapes)


@cache
def _parser() -> Lark:
    text = files(__package__ or "derive").joinpath("grammars", "matrix.lark").read_text(encoding="utf-8")
    return lark_parser(text, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def _scalar(node: Formula) -> bool:
    """Written as a scalar: a number's scaling, tr, det, ln|det|, ‖·‖² (a product with it scales)."""
    match node:
        case MatrixApply(name, _):
            return MATRIX[name].scalar
        case Scale(_, x) | Transpose(x):
            return _scalar(x)
        case Add(left, right) | MatMul(left, right) | Broadcast(left, right):
            return _scalar(left) and _scalar(right)
    return False


class _Number:
    """A number as written, before it scales what follows it."""

    def __init__(self, value: Fraction) -> None:
        self.value = value


def _product(left, right, text: str):
    """Juxtaposition: a number scales, a scalar function scales (`det(X) (X^{-1})^T`), else the
    matrix product."""
    if isinstance(left, _Number) and isinstance(right, _Number):
        return _Number(left.value * right.value)
    if isinstance(left, _Number):
        return Scale(left.value, right)
    if isinstance(right, _Number):
        return Scale(right.value, left)
    if _scalar(left) or _scalar(right):
        return Broadcast(left, right) if _scalar(left) else Broadcast(right, left)
    return MatMul(left, right)


class _Abs:
    """`|s|` of a scalar `s`: read only as `\\ln|\\det X|`."""

    def __init__(self, operand: Formula) -> None:
        self.operand = operand


def _formula(x, text: str) -> Formula:
    if isinstance(x, _Abs):
        raise ClaimSyntaxError(
            text,
            0,
            "expected |…| of a matrix (its determinant), or \\ln|\\det X|; |·| of a scalar is not read",
        )
    if isinstance(x, _Number):
        raise ClaimSyntaxError(
            text, 0, f"expected a matrix or vector expression; received the number {x.value} alone"
        )
    return x


class _ToFormula(Transformer):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def _error(self, token_or_tree, expected: str):
        position = getattr(token_or_tree, "start_pos", None)
        if position is None:
            meta = getattr(token_or_tree, "meta", None)
            position = getattr(meta, "start_pos", 0) if meta is not None and not meta.empty else 0
        return ClaimSyntaxError(self.text, position or 0, f"expected {expected}")

    def letter(self, items):
        token = items[-1]
        if str(token) == OBJECTIVE:
            raise self._error(token, f"a letter other than {OBJECTIVE} (the objective's name)")
        return Ref(str(token))

    def variable(self, items):
        return items[0].name

    def number(self, items):
        return _Number(Fraction(str(items[0])))

    def add(self, items):
        left, right = (i for i in items if not isinstance(i, Token))
        return Add(_formula(left, self.text), _formula(right, self.text))

    def sub(self, items):
        left, right = (i for i in items if not isinstance(i, Token))
        return Add(_formula(left, self.text), Scale(Fraction(-1), _formula(right, self.text)))

    def neg(self, items):
        (x,) = (i for i in items if not isinstance(i, Token))
        return _Number(-x.value) if isinstance(x, _Number) else Scale(Fraction(-1), x)

    def mul(self, items):
        left, right = (i for i in items if not isinstance(i, Token))
        return _product(left, right, self.text)

    def kron(self, items):
        left, right = (i for i in items if not isinstance(i, Token))
        return Kron(_formula(left, self.text), _formula(right, self.text))

    def over(self, items):
        _, x, n = items
        if n.value == 0:
            raise self._error(items[0], "a nonzero denominator")
        return _Number(x.value / n.value) if isinstance(x, _Number) else Scale(1 / n.value, x)

    def sup(self, items):
        base, power = items
        if power == "T":
            return Transpose(_formula(base, self.text))
        if power == -1:
            return MatrixApply("inverse", _formula(base, self.text))
        if isinstance(base, _Number):
            return _Number(base.value**power)
        out = base
        for _ in range(power - 1):  # X² = X X
            out = MatMul(out, base)
        return out

    def power(self, items):
        """`T` (a transpose), -1 (the inverse) or a small positive power."""
        tokens = [t for t in items if isinstance(t, Token)]
        if tokens[0].type == "SUP_T":
            return "T"
        if tokens[0].type == "MINUS":
            if tokens[1] != "1":
                raise self._error(tokens[1], "^{-1} (the inverse); no other negative power")
            return -1
        if not tokens[0].isdigit() or not 1 <= int(tokens[0]) <= 4:
            raise self._error(tokens[0], "^T, ^\\top, ^{-1} or a small power such as ^2")
        return int(tokens[0])

    def bars(self, items):
        (x,) = (i for i in items if not isinstance(i, Token))
        x = _formula(x, self.text)
        return _Abs(x) if _scalar(x) else MatrixApply("det", x)  # |X| is det X; |det X| an absolute value

    def norm_kind(self, items):
        kind = str(items[0])
        if kind not in ("F", "2"):
            raise self._error(items[0], "a Frobenius norm \\|·\\|_F or a 2-norm \\|·\\|_2 (squared)")
        return kind

    def norm_tail(self, items):
        powers = [i for i in items if isinstance(i, int) or i == "T"]
        if powers != [2]:
            raise ClaimSyntaxError(
                self.text, 0, "expected a squared norm \\|·\\|_F^2 or \\|·\\|_2^2; other powers are not read"
            )
        return "squared"

    def unsquared(self, items):
        raise ClaimSyntaxError(self.text, 0, "expected a squared norm \\|·\\|_F^2, \\|·\\|_2^2 or \\|·\\|^2")

    def norm(self, items):
        (x,) = (i for i in items if not isinstance(i, Token | str))
        return MatrixApply("sqnorm", _formula(x, self.text))

    def call(self, items):
        token, x = items
        written = re.sub(r"\s+", "", str(token))
        name = matrix_function_named(written)
        if name is None or not MATRIX[name].scalar or name == "sqnorm":
            raise self._error(token, f"\\operatorname{{Tr}}, \\mathrm{{tr}} or \\det; received {written}")
        return MatrixApply(name, _formula(x, self.text))

    def log(self, items):
        token, x = items
        if isinstance(x, _Abs):  # ln|det X|
            x = x.operand
        if isinstance(x, MatrixApply) and x.function == "det":  # ln|det X|, ln det X, ln|X|
            return MatrixApply("logabsdet", x.operand)
        raise self._error(token, "\\ln|\\det X|, \\ln \\det X or \\ln|X| (the log-determinant)")

    def ratio(self, items):
        objective, variable = (i for i in items if not isinstance(i, Token))
        return _formula(objective, self.text), variable

    def operator(self, items):
        variable, objective = (i for i in items if not isinstance(i, Token))
        return _formula(objective, self.text), variable

    def nabla(self, items):
        variable, objective = (i for i in items if not isinstance(i, Token))
        return _formula(objective, self.text), variable

    def start(self, items):
        (objective, variable), right = items
        return objective, variable, _formula(right, self.text)


def parse_identity(text: str) -> tuple[Formula, str, Formula]:
    """(objective, variable, right side) of `text`. Raises `ClaimSyntaxError` naming what was
    expected there."""
    if len(text) > MAX_EQUATION_CHARS:
        raise ClaimSyntaxError(
            text[:80], 80, f"expected an equation of at most {MAX_EQUATION_CHARS} characters"
        )
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as e:
        raise _syntax_error(text, e) from None
    try:
        return _ToFormula(text).transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, ClaimSyntaxError):
            raise e.orig_exc from None
        raise


# --- shapes -------------------------------------------------------------------------------------

_ONE = ("1",)  # the dimension class of size 1


class ShapeNotInferred(ValueError):
    """Dimensions that union-find over classes cannot size: a Kronecker product's side tied to
    one of its own factors, or to a product of other factors."""


class _Classes:
    """Union-find over dimensions: ("r", letter), ("c", letter), `_ONE`, and a Kronecker
    product's sides ("⊗", k, "r"|"c"), each the product of two classes (`factors`)."""

    def __init__(self) -> None:
        self.parent: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.factors: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}  # by root

    def find(self, d: tuple[str, ...]) -> tuple[str, ...]:
        self.parent.setdefault(d, d)
        while self.parent[d] != d:
            self.parent[d] = self.parent[self.parent[d]]
            d = self.parent[d]
        return d

    def product(self, first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
        """A new class whose size is `first`'s times `second`'s."""
        d = ("⊗", str(len(self.parent)), "")
        self.factors[self.find(d)] = (first, second)
        return d

    def tie(self, a: tuple[str, ...], b: tuple[str, ...]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        one = self.find(_ONE)
        root, other = (rb, ra) if rb == one else (ra, rb)
        self.parent[other] = root
        here, there = self.factors.pop(root, None), self.factors.pop(other, None)
        kept = here or there
        if kept is not None and root != one:
            self.factors[root] = kept
        if here is not None and there is not None:  # (r1 r2) tied to (s1 s2): r1 ~ s1, r2 ~ s2
            self.tie(here[0], there[0])
            self.tie(here[1], there[1])
        elif kept is not None and root == one:  # r1 r2 = 1: both are 1
            self.tie(kept[0], _ONE)
            self.tie(kept[1], _ONE)

    def size(self, d: tuple[str, ...], sizes: dict[tuple[str, ...], int], new: Callable[[], int]) -> int:
        """`d`'s size: its class's, a new one (`new()`) for a class not sized yet, or its
        factors' product for a Kronecker product's side."""
        seen: set[tuple[str, ...]] = set()

        def of(x: tuple[str, ...]) -> int:
            root = self.find(x)
            if root in sizes:
                return sizes[root]
            if root in seen:
                raise ShapeNotInferred("a Kronecker product's side is tied to one of its own factors")
            seen.add(root)
            if root in self.factors:
                first, second = self.factors[root]
                sizes[root] = of(first) * of(second)
            else:
                sizes[root] = new()
            return sizes[root]

        return of(d)


def _dims(node: Formula, tied: _Classes, order: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(rows, cols) of `node` as dimension classes, tying what its operations require."""
    match node:
        case Ref(name):
            if name not in order:
                order.append(name)
            if name.islower():  # a column vector
                tied.tie(("c", name), _ONE)
            return ("r", name), ("c", name)
        case Transpose(x):
            r, c = _dims(x, tied, order)
            return c, r
        case MatMul(left, right):
            (r1, c1), (r2, c2) = _dims(left, tied, order), _dims(right, tied, order)
            tied.tie(c1, r2)
            return r1, c2
        case Kron(left, right):  # r1·r2 × c1·c2: classes of their own, products of the factors'
            (r1, c1), (r2, c2) = _dims(left, tied, order), _dims(right, tied, order)
            return tied.product(r1, r2), tied.product(c1, c2)
        case Add(left, right):
            (r1, c1), (r2, c2) = _dims(left, tied, order), _dims(right, tied, order)
            tied.tie(r1, r2)
            tied.tie(c1, c2)
            return r1, c1
        case Scale(_, x):
            return _dims(x, tied, order)
        case Broadcast(scalar, x):  # a scalar times a matrix
            r, c = _dims(scalar, tied, order)
            tied.tie(r, _ONE)
            tied.tie(c, _ONE)
            return _dims(x, tied, order)
        case MatrixApply(name, x):
            r, c = _dims(x, tied, order)
            if MATRIX[name].square:
                tied.tie(r, c)
            return (_ONE, _ONE) if MATRIX[name].scalar else (r, c)
    raise ClaimSyntaxError(
        str(node), 0, "a matrix expression"
    )  # pragma: no cover  (the reader makes no other node)


def choose_shapes(objective: Formula, square: bool = False) -> Shapes:
    """A shape for every letter of the scalar `objective`: each class of tied dimensions its own
    size from `SIZES` (all `SQUARE_SIZE` when `square`), a class tied to 1 of size 1, a
    Kronecker product's side the product of its factors' sizes. Raises `ShapeNotInferred` where
    a product's side is tied to one of its own factors."""
    tied, order = _Classes(), []
    rows, cols = _dims(objective, tied, order)
    tied.tie(rows, _ONE)  # the objective is a scalar
    tied.tie(cols, _ONE)
    sizes: dict[tuple[str, ...], int] = {tied.find(_ONE): 1}
    fresh = count()

    def new() -> int:
        return SQUARE_SIZE if square else SIZES[min(next(fresh), len(SIZES) - 1)]

    # the letters' own classes first, in order of appearance, then the products they make
    plain = [d for name in order for d in (("r", name), ("c", name)) if tied.find(d) not in tied.factors]
    for d in plain:
        tied.size(d, sizes, new)
    return tuple(
        (name, (tied.size(("r", name), sizes, new), tied.size(("c", name), sizes, new))) for name in order
    )


def _letters(node: Formula) -> list[str]:
    found: list[str] = []

    def visit(n: Formula) -> None:
        match n:
            case Ref(name):
                found.append(name)
            case Transpose(x) | Scale(_, x) | MatrixApply(_, x):
                visit(x)
            case MatMul(a, b) | Add(a, b) | Broadcast(a, b) | Kron(a, b):
                visit(a)
                visit(b)

    visit(node)
    return list(dict.fromkeys(found))


def read_identity(text: str) -> MatrixIdentity:
    """The identity `text` states, with shapes for its letters: non-square where the objective
    allows, square (every class `SQUARE_SIZE`) where only square ones fit the right side.
    Raises `ClaimSyntaxError` (also for a right side with a letter the objective does not name,
    or an objective without the variable or that is not a scalar)."""
    objective, variable, right = parse_identity(text)
    named = _letters(objective)
    if variable not in named:
        raise ClaimSyntaxError(
            text, 0, f"expected an objective of {variable}; {variable} does not appear in it"
        )
    if extra := [x for x in _letters(right) if x not in named]:
        raise ClaimSyntaxError(
            text,
            0,
            f"expected a right side in the objective's letters ({', '.join(named)});"
            f" received {', '.join(extra)}",
        )
    try:
        shapes = choose_shapes(objective)
    except ShapeNotInferred as e:
        raise ClaimSyntaxError(
            text, 0, f"expected shapes that can be chosen for every letter; {e}: such a shape is not inferred"
        ) from None
    try:
        got = shape(objective, Dims(()), dict(shapes))
    except ShapeMismatch as e:
        raise ClaimSyntaxError(text, 0, f"expected an objective whose shapes fit ({e.reason})") from None
    if got != (1, 1):
        raise ClaimSyntaxError(
            text,
            0,
            f"expected a scalar objective (1×1); with {describe(shapes)} it is {got[0]}×{got[1]}",
        )
    if _fits(right, shapes, variable):
        return MatrixIdentity(objective, variable, right, shapes)
    try:
        square = choose_shapes(objective, square=True)
        shape(objective, Dims(()), dict(square))
    except (ShapeMismatch, ShapeNotInferred):  # the objective needs its vectors: no square reading
        return MatrixIdentity(objective, variable, right, shapes)
    if _fits(right, square, variable):
        return MatrixIdentity(objective, variable, right, square, square=True)
    return MatrixIdentity(objective, variable, right, shapes)


def _fits(right: Formula, shapes: Shapes, variable: str) -> bool:
    """The right side has the variable's shape or its transpose's (the other layout)."""
    try:
        got = shape(right, Dims(()), dict(shapes))
    except ShapeMismatch:
        return False
    r, c = dict(shapes)[variable]
    return got in ((r, c), (c, r))


# --- as a model file --------------------------------------------------------------------------


def model_file(claim: Claim, identity: MatrixIdentity) -> ModelFile:
    """The identity as a model file of one claim, checked by the one pipeline
    (verify/model_check.py): its objective's model, `∂f/∂X = right` about the variable. A right
    side with Xᵀ's shape (X not square) is the numerator layout's, checked as its transpose and
    noted; one with neither shape is a shape error. The page states denominator layout, so a
    claim right only as the transpose depends on convention (`Layout.DENOMINATOR`), and a claim
    refuted in general is tried with its square letters symmetric (`symmetric_tries`)."""
    X = identity.variable
    claim = replace(claim, wrt_written=X)
    got = right_shape(identity)
    want = identity.shape_of[X]
    right: Formula = identity.right
    problem = None
    if isinstance(got, ShapeMismatch):
        problem = got.reason
    elif got != want and got == want[::-1]:  # Xᵀ's shape: the claim in numerator layout
        claim = replace(claim, notes=(*claim.notes, ClaimNote.OTHER_LAYOUT))
        right = Transpose(right)
    elif got != want:
        problem = f"the right side is {got[0]}×{got[1]}, but ∂f/∂{X} is {want[0]}×{want[1]}"
    return ModelFile(
        identity.model,
        (ModelClaim(claim, X, right, problem),),
        conditions=symmetric_tries(identity),
        layout=Layout.DENOMINATOR,
    )


def symmetric_tries(identity: MatrixIdentity) -> tuple[tuple[str, ...], ...]:
    """The letters a claim may hold for only when symmetric, in the order they are tried: each
    square letter (other than the variable) alone, then the letters of each Kronecker product of
    the objective together (`2 (A ⊗ B) x` holds when A ⊗ B is symmetric, as when A and B both
    are). Only a product's factors are tried together: with every letter symmetric at once, a
    dropped transpose (`A B` for `Aᵀ Bᵀ`) would hold too."""
    square = {name for name, (r, c) in identity.shapes if name != identity.variable and r == c >= 2}
    tries: list[tuple[str, ...]] = [(name,) for name, _ in identity.shapes if name in square]
    kron: list[Kron] = []
    rewrite(identity.objective, lambda n: kron.append(n) if isinstance(n, Kron) else None)
    for node in kron:
        letters = tuple(_letters(node))
        if len(letters) > 1 and all(x in square for x in letters) and letters not in tries:
            tries.append(letters)
    return tuple(tries)


def right_shape(identity: MatrixIdentity) -> tuple[int, int] | ShapeMismatch:
    """The right side's shape with the identity's shapes, or where it breaks."""
    try:
        return shape(identity.right, Dims(()), identity.shape_of)
    except ShapeMismatch as e:
        return e
