"""Notes whose forward equations are a model of their own — linear, logistic or softmax
regression, any chain `name = expression` that ends in a scalar loss — read into the model IR
(derive/model_ir.py), so that their claims go through the model pipeline (verify/model_check.py)
exactly as a model file's do.

    \\hat{y} = X w,   L = \\frac{1}{2m} \\|X w - y\\|^2,   \\nabla_w L = \\frac{1}{m} X^T (X w - y)
    z = W x + b,   p = \\mathrm{softmax}(z),   L = -\\sum_k y_k \\log p_k
    \\frac{\\partial L}{\\partial z_k} = p_k - y_k,   \\frac{\\partial L}{\\partial W_{ij}} = (p_i - y_i) x_j

Text is parsed by the notes' grammar (grammars/latex.lark), never evaluated.

- **Names**: a letter with its scripts — `W_1`, `W^{[1]}`, `W^{(1)}` are `W1`; `\\hat{y}` is ŷ,
  `\\mathbf{x}` is x. A lowercase letter is a column vector, a capital a matrix (the Matrix
  Cookbook's convention); λ, α, η, ε are numbers. `m`, `N`, `B` that no equation defines are the
  number of examples.
- **Products**: juxtaposition and `\\cdot` are the matrix product, or a scaling where one side is
  a number or 1 × 1; `\\circ`, `\\odot` entrywise; `x^2` squares entrywise, `X^T` transposes,
  `X^{-1}` inverts; `\\|v\\|^2`, `\\|W\\|_F^2` are squared norms.
- **Index notation**: a subscript letter that a sum (`\\sum_k`) or the left side (`z_i = …`,
  `∂L/∂W_{ij}`) makes an index names an entry, and an expression in entries is read as the
  matrix expression that computes all of them: `u_i v_j` is `u vᵀ`, `\\sum_k W_{ki} d_k` is the
  column sum of `W ∘ d` (that is, `Wᵀd`), `\\sum_k y_k \\log p_k` the sum of `y ∘ log p`.
- **Shapes** are not written, so they are chosen as for the Cookbook (derive/matrix_identity.py):
  dimensions the equations tie together form a class, each class its own size (3, 2, 4, …), the
  loss 1 × 1. `m` is the size of the one class that data tensors have and no parameter has.
- **Roles** by letter: `W`, `w`, `b`, `θ`, `V`, `U` parameters; `y`, `t` targets (one-hot, each
  column summing to 1, when the model has a softmax); every other letter an input.

The reading fails (`NotAModel`, with the reason) on anything else — a generic `f`, an
equation that does not read — and the notes are then read as a network (derive/notes.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import cast

from lark import Token, Tree

from derive.claim_binding import GENERIC_FUNCTIONS, LOSS_NAMES
from derive.claim_parser import ClaimSyntaxError, parse
from derive.claims import Claim, ClaimNote
from derive.document import Equation as NotesEquation
from derive.formula import (
    Add,
    Apply,
    ApplyPrime,
    Broadcast,
    BroadcastAdd,
    Column,
    Dims,
    Formula,
    Function,
    Grad,
    Hadamard,
    MatMul,
    MatrixApply,
    Ref,
    Scale,
    ShapeMismatch,
    Softmax,
    SumAxis,
    Transpose,
    rewrite,
    shape,
)
from derive.model_file import ModelClaim, ModelFile
from derive.model_ir import Equation, Model, ModelError, Role, Tensor
from derive.registry import activation_named, elementary_named, key

SIZES = (3, 2, 4, 5, 6, 7)  # one per class of tied dimensions, in order of appearance
BATCH_LETTERS = ("m", "N", "B")
SCALAR_LETTERS = ("λ", "α", "η", "ε")
PARAMETER_LETTERS = ("W", "w", "b", "θ", "Θ", "V", "U", "v", "u")
TARGET_LETTERS = ("y", "Y", "t", "T")
LOSS_LETTERS = (*LOSS_NAMES, "𝓛")
_GREEK = {
    r"\delta": "δ", r"\Delta": "Δ", r"\ell": "ℓ", r"\Theta": "Θ", r"\theta": "θ", r"\lambda": "λ",
    r"\alpha": "α", r"\eta": "η", r"\epsilon": "ε", r"\varepsilon": "ε",
}  # fmt: skip
_DIMS = Dims((), 1, 1)
_ONE = ("1",)

Dim = tuple[str, ...]


class NotAModel(ValueError):
    """Why the notes' equations are not read as a model (the network reading is used instead)."""


class _Mismatch(ValueError):
    pass


class _ShapeProblem(ClaimSyntaxError):
    """A formula that reads but whose shapes do not fit (a claim's shape error, not unparsed)."""


class _Classes:
    """Union-find over dimensions, each class with its size once known (the class `_ONE` is 1)."""

    def __init__(self) -> None:
        self.parent: dict[Dim, Dim] = {_ONE: _ONE}
        self.size: dict[Dim, int] = {_ONE: 1}

    def find(self, d: Dim) -> Dim:
        self.parent.setdefault(d, d)
        while self.parent[d] != d:
            self.parent[d] = self.parent[self.parent[d]]
            d = self.parent[d]
        return d

    def tie(self, a: Dim, b: Dim) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        sa, sb = self.size.get(ra), self.size.get(rb)
        if sa is not None and sb is not None and sa != sb:
            raise _Mismatch(f"a dimension of size {sa} against one of size {sb}")
        keep, drop = (rb, ra) if rb == self.find(_ONE) or (sa is None and sb is not None) else (ra, rb)
        self.parent[drop] = keep
        if (s := sa if sa is not None else sb) is not None:
            self.size[keep] = s

    def one(self, d: Dim) -> bool:
        return self.size.get(self.find(d)) == 1

    def same(self, a: Dim, b: Dim) -> bool:
        return self.find(a) == self.find(b)


@dataclass(frozen=True)
class _Term:
    """A bound expression: its formula, its dimension classes, and in index notation the index
    letter of its rows and of its columns (None: not indexed)."""

    formula: Formula
    rows: Dim
    cols: Dim
    index: tuple[str | None, str | None] = (None, None)

    @property
    def indexed(self) -> bool:
        return self.index != (None, None)


@dataclass(frozen=True)
class _Number:
    """A number as written; `batch` is the power of the number of examples m in it (1/(2m): -1)."""

    value: Fraction
    batch: int = 0


@dataclass(frozen=True)
class _Ones:
    """`\\mathbf{1}` (a column of ones, `row` once transposed), sized by the matrix beside it."""

    row: bool = False


_Value = _Term | _Number | _Ones


@dataclass(frozen=True)
class _Name:
    """A name as read: the tensor it names, its index letters, transposes and powers."""

    name: str
    written: str
    indices: tuple[str, ...] = ()
    transpose: bool = False
    power: int | None = None
    inverse: bool = False


@dataclass
class _Tensors:
    """What the equations read so far know: each tensor's dimension classes, in order."""

    classes: _Classes = field(default_factory=_Classes)
    dims: dict[str, tuple[Dim, Dim]] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)
    given: list[str] = field(default_factory=list)
    defined: list[str] = field(default_factory=list)
    batch: int | None = None  # m, once the sizes are chosen
    batch_used: bool = False
    frozen: bool = False  # claims: no new given tensors
    formulas: dict[str, Formula] = field(default_factory=dict)  # each defined tensor's
    objective: str | None = None  # the loss, once the forward equations are read (claims)
    aliases: dict[str, str] = field(default_factory=dict)  # δ := ∂L/∂z: δ → z
    spelled: dict[str, str] = field(default_factory=dict)  # the notes' W_1, ŷ → a model file's W1, y_hat


def _token(node: Tree | Token) -> Token:
    return (
        node if isinstance(node, Token) else next(t for t in node.scan_values(lambda v: isinstance(v, Token)))
    )


def _text(node: Tree | Token) -> str:
    """The source text of a script's argument, without braces or spaces."""
    if isinstance(node, Token):
        return str(node)
    return "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)))


class _Reader:
    """A side of an equation (a lark tree of grammars/latex.lark) → `_Value`."""

    def __init__(self, text: str, tensors: _Tensors, indices: Sequence[str] = ()) -> None:
        self.text = text
        self.t = tensors
        self.indices = list(indices)
        self.index_dims: dict[str, Dim] = {}
        self.mismatch: str | None = None  # a claim's first shape mismatch (it reads on)

    # --- errors and helpers ------------------------------------------------------------------
    def error(self, at: Tree | Token, expected: str) -> ClaimSyntaxError:
        position = getattr(at, "start_pos", None)
        if position is None:
            meta = getattr(at, "meta", None)
            position = getattr(meta, "start_pos", 0) if meta is not None and not meta.empty else 0
        return ClaimSyntaxError(self.text, position or 0, f"expected {expected}")

    def tie(self, at: Tree | Token, a: Dim, b: Dim, what: str, *terms: _Term) -> None:
        try:
            self.t.classes.tie(a, b)
        except _Mismatch as e:
            if terms:
                reason = f"{what} of {' and '.join(self.size_text(x) for x in terms)}"
            else:
                reason = what if what.startswith("the index") else f"{what}: {e}"
            if self.t.frozen:  # a claim: read on (the first mismatch is its shape error), to name its slip
                self.mismatch = self.mismatch or reason
                return
            position = getattr(at, "start_pos", None) or getattr(getattr(at, "meta", None), "start_pos", 0)
            raise _ShapeProblem(self.text, position or 0, reason) from None

    def size_text(self, x: _Term) -> str:
        c = self.t.classes
        return "×".join(str(c.size.get(c.find(d), "?")) for d in (x.rows, x.cols))

    def term(self, at: Tree | Token, value: _Value) -> _Term:
        if isinstance(value, _Ones):
            raise self.error(at, "the vector of ones beside a matrix it multiplies (A \\mathbf{1})")
        if isinstance(value, _Number):
            return _Term(Column((self.number(value),)), _ONE, _ONE)
        return value

    def number(self, value: _Number) -> Fraction:
        if value.batch == 0:
            return value.value
        self.t.batch_used = True
        m = self.t.batch if self.t.batch is not None else 1
        return value.value * Fraction(m) ** value.batch

    def scalar(self, x: _Term) -> bool:
        return not x.indexed and self.t.classes.one(x.rows) and self.t.classes.one(x.cols)

    def bind(self, node: Tree | Token) -> _Value:
        if isinstance(node, Token):
            raise self.error(node, f"a formula; received '{node!s}'")
        handler = getattr(self, f"_{node.data}", None)
        if handler is None:
            raise self.error(node, f"a formula of a model; '{node.data.replace('_', ' ')}' is not read here")
        return handler(node)

    def sides(self, node: Tree) -> list[Tree]:
        return [c for c in node.children if isinstance(c, Tree)]

    # --- arithmetic --------------------------------------------------------------------------
    def _group(self, node: Tree) -> _Value:
        return self.bind(self.sides(node)[0])

    def _number(self, node: Tree) -> _Value:
        return _Number(Fraction(str(node.children[0])))

    def _fraction_digits(self, node: Tree) -> _Value:
        digits = re.sub(r"\D", "", str(node.children[-1]))
        if len(digits) != 2 or digits[1] == "0":
            raise self.error(node, "\\frac12 (two digits, the second nonzero)")
        return _Number(Fraction(int(digits[0]), int(digits[1])))

    def _pos(self, node: Tree) -> _Value:
        return self.bind(node.children[-1])

    def _neg(self, node: Tree) -> _Value:
        x = self.bind(node.children[-1])
        return (
            _Number(-x.value, x.batch)
            if isinstance(x, _Number)
            else self.scale(Fraction(-1), self.term(node, x))
        )

    def scale(self, c: Fraction, x: _Term) -> _Term:
        return _Term(Scale(c, x.formula), x.rows, x.cols, x.index)

    def _add(self, node: Tree) -> _Value:
        left, right = self.sides(node)
        return self.add(node, self.bind(left), self.bind(right))

    def _sub(self, node: Tree) -> _Value:
        left, right = self.sides(node)
        a, b = self.bind(left), self.bind(right)
        if isinstance(b, _Number):
            return self.add(node, a, _Number(-b.value, b.batch))
        return self.add(node, a, self.scale(Fraction(-1), self.term(node, b)))

    def add(self, at: Tree, a: _Value, b: _Value) -> _Value:
        if isinstance(a, _Ones) or isinstance(b, _Ones):
            a, b = self.term(at, a), self.term(at, b)
        if isinstance(a, _Number) and isinstance(b, _Number):
            if a.batch != b.batch:
                raise self.error(at, "numbers added to numbers; received m added to a number")
            return _Number(a.value + b.value, a.batch)
        if isinstance(a, _Number) or isinstance(b, _Number):  # x + c: c added to every entry
            x, c = (b, a) if isinstance(a, _Number) else (a, b)
            x, number = cast(_Term, x), Column((self.number(cast(_Number, c)),))
            added = (
                BroadcastAdd(number, x.formula) if isinstance(a, _Number) else BroadcastAdd(x.formula, number)
            )
            return _Term(added, x.rows, x.cols, x.index)
        if a.indexed or b.indexed:
            b = self.aligned(at, a, b)
            return _Term(Add(a.formula, b.formula), a.rows, a.cols, a.index)
        c = self.t.classes
        broadcast = False
        for da, db in ((a.rows, b.rows), (a.cols, b.cols)):
            if not c.same(da, db) and (c.one(da) != c.one(db)):  # b (n × 1) added to each column
                broadcast = True
                continue
            self.tie(at, da, db, "'+'", a, b)
        rows = b.rows if c.one(a.rows) and not c.one(b.rows) else a.rows
        cols = b.cols if c.one(a.cols) and not c.one(b.cols) else a.cols
        return _Term((BroadcastAdd if broadcast else Add)(a.formula, b.formula), rows, cols)

    def aligned(self, at: Tree, a: _Term, b: _Term) -> _Term:
        """`b` with `a`'s free indices in `a`'s order (transposed where they are swapped)."""
        if b.index == a.index:
            self.tie(at, a.rows, b.rows, "'+'")
            self.tie(at, a.cols, b.cols, "'+'")
            return b
        if b.index == a.index[::-1] and a.index[1] is not None:
            self.tie(at, a.rows, b.cols, "'+'")
            return _Term(Transpose(b.formula), b.cols, b.rows, a.index)
        raise self.error(at, f"terms with the same free indices; received {_indices(a)} and {_indices(b)}")

    def _product(self, node: Tree) -> _Value:
        left, right = self.sides(node)
        return self.product(node, self.bind(left), self.bind(right))

    def _hadamard(self, node: Tree) -> _Value:
        left, right = self.sides(node)
        a, b = self.bind(left), self.bind(right)
        if isinstance(a, _Ones) or isinstance(b, _Ones):
            a, b = self.term(node, a), self.term(node, b)
        if isinstance(a, _Number) or isinstance(b, _Number):
            return self.product(node, a, b)
        if a.indexed or b.indexed:
            return self.entries_times(node, a, b)
        if self.scalar(a) or self.scalar(b):
            return self.product(node, a, b)
        self.tie(node, a.rows, b.rows, "'∘'", a, b)
        self.tie(node, a.cols, b.cols, "'∘'", a, b)
        return _Term(Hadamard(a.formula, b.formula), a.rows, a.cols)

    def product(self, at: Tree, a: _Value, b: _Value) -> _Value:
        if isinstance(a, _Ones) or isinstance(b, _Ones):
            return self.ones_product(at, a, b)
        if isinstance(a, _Number) and isinstance(b, _Number):
            return _Number(a.value * b.value, a.batch + b.batch)
        if isinstance(a, _Number) or isinstance(b, _Number):
            c, x = (a, b) if isinstance(a, _Number) else (b, a)
            return self.scale(self.number(cast(_Number, c)), cast(_Term, x))
        if a.indexed or b.indexed:
            return self.entries_times(at, a, b)
        if self.scalar(a) and not self.scalar(b):
            return _Term(Broadcast(a.formula, b.formula), b.rows, b.cols)
        if self.scalar(b) and not self.scalar(a):
            return _Term(Broadcast(b.formula, a.formula), a.rows, a.cols)
        self.tie(at, a.cols, b.rows, "a matrix product", a, b)
        return _Term(MatMul(a.formula, b.formula), a.rows, b.cols)

    def entries_times(self, at: Tree, a: _Term, b: _Term) -> _Term:
        """The product of entries (index notation): `u_i v_i` u ∘ v, `u_i v_j` u vᵀ, `W_{ij} v_j`
        W ∘ (1 vᵀ), `W_{ij} V_{ji}` W ∘ Vᵀ; a scalar scales."""
        for x, y in ((a, b), (b, a)):
            if not x.indexed:
                if not self.scalar(x):
                    raise self.error(
                        at,
                        "entries (W_{ij}, x_j) or numbers among entries; received a whole matrix",
                    )
                return _Term(Broadcast(x.formula, y.formula), y.rows, y.cols, y.index)
        (i, j), (k, m) = a.index, b.index
        if j is None and m is None:
            if i == k:
                self.tie(at, a.rows, b.rows, "a product of entries")
                return _Term(Hadamard(a.formula, b.formula), a.rows, a.cols, a.index)
            return _Term(MatMul(a.formula, Transpose(b.formula)), a.rows, b.rows, (i, k))
        if j is not None and m is not None:
            b = self.aligned(at, a, b)
            return _Term(Hadamard(a.formula, b.formula), a.rows, a.cols, a.index)
        matrix, vector = (a, b) if j is not None else (b, a)
        letter = vector.index[0]
        if letter == matrix.index[0]:
            self.tie(at, matrix.rows, vector.rows, "a product of entries")
            return _Term(Broadcast(matrix.formula, vector.formula), matrix.rows, matrix.cols, matrix.index)
        if letter == matrix.index[1]:
            self.tie(at, matrix.cols, vector.rows, "a product of entries")
            return _Term(
                Broadcast(matrix.formula, Transpose(vector.formula)), matrix.rows, matrix.cols, matrix.index
            )
        raise self.error(at, f"at most two free indices; received {_indices(matrix)} and {_indices(vector)}")

    def _divide(self, node: Tree) -> _Value:
        left, right = self.sides(node)
        return self.divide(node, self.bind(left), self.bind(right))

    def _fraction(self, node: Tree) -> _Value:
        numerator, denominator = self.sides(node)
        return self.divide(node, self.bind(numerator), self.bind(denominator))

    def divide(self, at: Tree, a: _Value, b: _Value) -> _Value:
        if isinstance(a, _Ones) or isinstance(b, _Ones):
            a, b = self.term(at, a), self.term(at, b)
        if isinstance(b, _Number):
            if b.value == 0:
                raise self.error(at, "a nonzero denominator")
            inverse = _Number(1 / b.value, -b.batch)
            return self.product(at, a, inverse)
        reciprocal = _Term(Apply(Function("reciprocal"), b.formula), b.rows, b.cols, b.index)
        if isinstance(a, _Number):
            return self.product(at, a, reciprocal) if a != _Number(Fraction(1)) else reciprocal
        if a.indexed or b.indexed or self.scalar(b) or self.scalar(a):
            return (
                self.entries_times(at, a, reciprocal)
                if (a.indexed or b.indexed)
                else self.product(at, a, reciprocal)
            )
        self.tie(at, a.rows, b.rows, "a division entry by entry")
        self.tie(at, a.cols, b.cols, "a division entry by entry")
        return _Term(Hadamard(a.formula, reciprocal.formula), a.rows, a.cols)

    # --- functions ---------------------------------------------------------------------------
    def _application(self, node: Tree) -> _Value:
        function = cast(Tree, node.children[0])
        token = cast(Token, function.children[0])
        prime = any(isinstance(c, Tree) and c.data == "prime" for c in node.children)
        if any(isinstance(c, Tree) and c.data == "layer_script" for c in node.children):
            raise self.error(token, "a function without a layer script")
        written = str(token)
        if token.type == "NAMED_FUNCTION":
            inner = re.search(r"\{\s*([A-Za-z-]+)\s*\}", written)
            written = inner.group(1) if inner else written.lstrip("\\")
        written = {r"\sigma": "σ", r"\phi": "φ", r"\varphi": "φ"}.get(written, written)
        x = self.term(token, self.bind(self.sides(node)[-1]))
        if key(written) == "softmax":
            if prime or x.indexed:
                raise self.error(token, "softmax of a whole vector, softmax(z), without a prime")
            return _Term(Softmax(x.formula), x.rows, x.cols)
        if written in GENERIC_FUNCTIONS:
            raise self.error(token, f"a named function (σ, \\tanh, ReLU, …); {written} is generic")
        name = activation_named(written) or elementary_named(written)
        if name is None or name in ("power", "reciprocal"):
            raise self.error(
                token, f"a known function (σ, \\tanh, ReLU, \\exp, \\log, softmax, …); received '{written}'"
            )
        f = Function(name)
        return _Term((ApplyPrime if prime else Apply)(f, x.formula), x.rows, x.cols, x.index)

    def _application_power(self, node: Tree) -> _Value:
        power = next(c for c in node.children if isinstance(c, Tree) and c.data == "power")
        exponent = int(re.sub(r"\D", "", _text(power)))
        plain = Tree("application", [c for c in node.children if c is not power], node.meta)
        return self.power(self.term(node, self._application(plain)), exponent)

    def power(self, x: _Term, exponent: int) -> _Term:
        if exponent == 1:
            return x
        return _Term(Apply(Function("power", Fraction(exponent)), x.formula), x.rows, x.cols, x.index)

    def _log_of(self, node: Tree) -> _Value:
        x = self.term(node, self.bind(node.children[1]))
        return _Term(Apply(Function("log"), x.formula), x.rows, x.cols, x.index)

    def _exponential(self, node: Tree) -> _Value:
        """`e^{x}`, `e^z`: exp, entry by entry."""
        argument = node.children[-1]
        if isinstance(argument, Token):
            argument = Tree("number" if argument.type == "NUMBER" else "letter", [argument])
        x = self.term(node, self.bind(argument))
        return _Term(Apply(Function("exp"), x.formula), x.rows, x.cols, x.index)

    def _summation(self, node: Tree) -> _Value:
        """`\\sum_k body`: the sum over the index k of the body's entries."""
        limits = next(c for c in node.children if isinstance(c, Tree) and c.data == "sum_limits")
        letter = next(str(t) for t in limits.children if isinstance(t, Token) and t.type == "LETTER")
        if list(node.find_data("example_mark")):
            raise self.error(
                node,
                "a sum over an index (\\sum_k y_k \\log p_k); a sum over examples x^{(i)} is not read",
            )
        self.indices.append(letter)
        try:
            body = self.term(node, self.bind(self.sides(node)[-1]))
        finally:
            self.indices.pop()
        i, j = body.index
        if letter == i and j is None:  # Σ_k v_k
            return _Term(SumAxis(SumAxis(body.formula, 0), 1), _ONE, _ONE)
        if letter == i:  # Σ_k A_{kj}: a column of the sums of A's columns
            return _Term(Transpose(SumAxis(body.formula, 0)), body.cols, _ONE, (j, None))
        if letter == j:  # Σ_k A_{ik}
            return _Term(SumAxis(body.formula, 1), body.rows, _ONE, (i, None))
        raise self.error(
            node, f"a sum over {letter} of entries indexed by {letter}; its body has no {letter}"
        )

    def _sum_examples(self, node: Tree) -> _Value:
        raise self.error(node, "a sum with its index (\\sum_k y_k \\log p_k)")

    def _gradient(self, node: Tree) -> _Value:
        """`∂L/∂z` on a claim's right side: the true gradient (`Grad`), as each witness has it."""
        if self.t.objective is None:
            raise self.error(node, "a forward equation in the model's tensors; received a gradient")
        written = {n: self.t.written[n] for n in self.t.dims if _role(n) != Role.TARGET}
        name, indices = _target(node, self.text, self.t.objective, written, self.t.spelled)
        return self.gradient(node, name, indices)

    def gradient(self, at: Tree, name: str, indices: Sequence[str]) -> _Term:
        rows, cols = self.t.dims[name]
        x = _Term(Grad(Ref(name)), rows, cols)
        return self.entries(at, x, _Name(name, name, tuple(indices))) if indices else x

    # --- names -------------------------------------------------------------------------------
    def _letter(self, node: Tree) -> _Value:
        return self.name(node, [])

    _greek = _font_letter = _font_greek = _hat_letter = _bar_letter = _letter

    def _scripted(self, node: Tree) -> _Value:
        base, *scripts = node.children
        base = cast(Tree, base)
        if base.data == "norm":
            return self.norm(base, cast(list[Tree], scripts))
        if base.data in ("letter", "greek", "font_letter", "font_greek", "hat_letter", "bar_letter"):
            return self.name(base, cast(list[Tree], scripts))
        value = self.bind(base)
        for script in cast(list[Tree], scripts):
            value = self.postfix(script, value)
        return value

    def _ones(self, node: Tree) -> _Value:
        """`\\mathbf{1}`: the vector of ones, read beside a matrix (`A 1` sums each row)."""
        if str(node.children[-1]) != "1":
            raise self.error(node, "\\mathbf{1}, the vector of ones")
        return _Ones()

    def ones_product(self, at: Tree, a: _Value, b: _Value) -> _Term:
        """`A 1` (each row's sum, `np.sum(A, axis=1, keepdims=True)`) and `1ᵀ A` (each column's)."""
        if isinstance(b, _Ones) and not b.row and isinstance(a, _Term) and not a.indexed:
            return _Term(SumAxis(a.formula, 1), a.rows, _ONE)
        if isinstance(a, _Ones) and a.row and isinstance(b, _Term) and not b.indexed:
            return _Term(SumAxis(b.formula, 0), _ONE, b.cols)
        raise self.error(at, "the vector of ones after a matrix (A \\mathbf{1}) or, transposed, before one")

    def postfix(self, script: Tree, value: _Value) -> _Value:
        """`(…)^T` or `(…)^2` after an expression."""
        text = _text(script.children[-1]) if script.data != "prime_script" else "'"
        if isinstance(value, _Ones) and script.data == "sup_script" and _is_transpose(text):
            return _Ones(not value.row)
        if script.data == "sup_script" and _is_transpose(text):
            x = self.term(script, value)
            return _Term(Transpose(x.formula), x.cols, x.rows, x.index[::-1] if x.index[1] else x.index)
        if script.data == "sup_script" and text.isdigit():
            if isinstance(value, _Number):
                return _Number(value.value ** int(text), value.batch * int(text))
            return self.power(self.term(script, value), int(text))
        raise self.error(script, f"^T or a power such as ^2 after an expression; received {text}")

    def _norm(self, node: Tree) -> _Value:
        return self.norm(node, [])

    def norm(self, node: Tree, scripts: list[Tree]) -> _Value:
        """`\\|v\\|^2`, `\\|v\\|_2^2`, `\\|W\\|_F^2`: the sum of squares; without ^2 its root."""
        x = self.term(node, self.bind(self.sides(node)[0]))
        if x.indexed:
            raise self.error(node, "the norm of a whole vector or matrix")
        kinds = [_text(s.children[-1]) for s in scripts if s.data == "sub_script"]
        powers = [_text(s.children[-1]) for s in scripts if s.data == "sup_script"]
        if any(k not in ("2", "F") for k in kinds) or powers not in ([], ["2"]):
            raise self.error(node, "a norm \\|v\\|, \\|v\\|_2^2 or \\|W\\|_F^2")
        squares = _Term(MatrixApply("sqnorm", x.formula), _ONE, _ONE)
        return squares if powers else _Term(Apply(Function("sqrt"), squares.formula), _ONE, _ONE)

    def name(self, node: Tree, scripts: list[Tree]) -> _Value:
        read = read_name(node, scripts, self.indices, self.text)
        if read.name in BATCH_LETTERS and read.name not in self.t.dims and not read.indices:
            return _Number(Fraction(1), 1)
        if read.name in self.t.aliases:  # δ := ∂L/∂z
            x = self.gradient(node, self.t.aliases[read.name], ())
        else:
            x = self.tensor(node, read.name, read.written)
        if read.indices:
            x = self.entries(node, x, read)
        if read.inverse:
            self.tie(node, x.rows, x.cols, "an inverse (a square matrix)")
            x = _Term(MatrixApply("inverse", x.formula), x.rows, x.cols, x.index)
        if read.transpose:
            x = _Term(Transpose(x.formula), x.cols, x.rows, x.index[::-1] if x.index[1] else x.index)
        if read.power is not None:
            x = self.power(x, read.power)
        return x

    def tensor(self, at: Tree, name: str, written: str) -> _Term:
        t = self.t
        name = t.spelled.get(name, name)
        if name not in t.dims:
            if t.frozen:
                raise self.error(at, f"a tensor of the forward equations; {written} is not one of them")
            rows, cols = ("r", name), ("c", name)
            t.dims[name], t.written[name] = (rows, cols), written
            t.given.append(name)
            if name in SCALAR_LETTERS:
                t.classes.tie(rows, _ONE)
            if name in SCALAR_LETTERS or name[0].islower() or name[0] in "αβγδεηθλμσφω":
                t.classes.tie(cols, _ONE)
        rows, cols = t.dims[name]
        return _Term(Ref(name), rows, cols)

    def entries(self, at: Tree, x: _Term, read: _Name) -> _Term:
        c = self.t.classes
        vector = c.one(x.cols)
        axes = (x.rows,) if vector else (x.rows, x.cols)
        if len(read.indices) != len(axes):
            what = (
                "a vector's entry with one index (x_j)"
                if vector
                else "a matrix entry with two indices (W_{ij})"
            )
            raise self.error(at, f"{what}; received {read.written}")
        for letter, axis in zip(read.indices, axes, strict=True):
            index = self.index_dim(letter)
            size, runs = c.size.get(c.find(axis)), c.size.get(c.find(index))
            reason = f"the index {letter}: {size} entries of {read.written} where {letter} runs over {runs}"
            self.tie(at, axis, index, reason if size and runs and size != runs else "an index")
        return _Term(x.formula, x.rows, x.cols, (*read.indices, None)[:2] if vector else read.indices)  # type: ignore[arg-type]

    def index_dim(self, letter: str) -> Dim:
        return self.index_dims.setdefault(letter, ("index", str(id(self)), letter))


def _is_transpose(text: str) -> bool:
    return re.fullmatch(r"T|\\top|\\intercal|\\mathsf\{?T\}?|\\mathrm\{?T\}?", text) is not None


def _indices(x: _Term) -> str:
    return "".join(i for i in x.index if i) or "none"


def read_name(node: Tree, scripts: list[Tree], indices: Sequence[str], text: str) -> _Name:
    """The tensor a name names (`W_1` W1, `W^{[1]}` W1, `\\hat{y}` ŷ), with the index letters,
    transposes and powers its scripts add."""
    tokens = [c for c in node.children if isinstance(c, Token)]
    inner = [c for c in node.children if isinstance(c, Tree)]
    symbol = _GREEK.get(str(tokens[-1]), str(tokens[-1]))
    if node.data == "hat_letter":
        symbol = unicodedata.normalize("NFC", symbol + "\u0302")
    elif node.data == "bar_letter":
        symbol = unicodedata.normalize("NFC", symbol + "\u0304")
    name, written = symbol, symbol
    found: list[str] = []
    transpose, power, inverse = False, None, False
    for script in [*inner, *scripts]:
        if script.data == "prime_script":
            raise ClaimSyntaxError(text, _token(script).start_pos or 0, "expected a name without a prime")
        argument = _text(script.children[-1])
        if script.data == "sub_script":
            letters = argument.replace(",", "")
            if letters.isalpha() and all(x in indices for x in letters):
                found.extend(letters)
                continue
            name += argument if argument.isdigit() else f"_{argument}"
            written += f"_{argument}" if len(argument) == 1 else f"_{{{argument}}}"
        elif _is_transpose(argument):
            transpose = not transpose
        elif argument == "-1":
            inverse = True
        elif argument.isdigit():
            power = int(argument)
        elif m := re.fullmatch(r"[\[(](\w+)[\])]", argument):
            name += m.group(1)
            written += f"^{{{argument}}}"
        else:
            raise ClaimSyntaxError(
                text,
                _token(script).start_pos or 0,
                f"expected a layer ^{{[1]}}, ^T, ^{{-1}} or a power; received ^{argument}",
            )
    return _Name(name, written, tuple(found), transpose, power, inverse)


# --- the notes' equations → a model file ----------------------------------------------------

INDEX_LETTERS = ("i", "j", "k")  # free indices on a left side: z_i = …, ∂L/∂W_{ij} = …
_NAMES = ("letter", "greek", "font_letter", "font_greek", "hat_letter", "bar_letter")


@dataclass(frozen=True)
class _Forward:
    equation: NotesEquation
    head: _Name
    right: Tree


def _head(tree: Tree | Token, text: str) -> _Name | None:
    """The name a forward equation defines (`z`, `z_i`, `\\hat{y}`, `J(w, b)`), or None."""
    if not isinstance(tree, Tree):
        return None
    if tree.data in _NAMES:
        return read_name(tree, [], INDEX_LETTERS, text)
    if tree.data == "scripted" and isinstance(tree.children[0], Tree) and tree.children[0].data in _NAMES:
        return read_name(tree.children[0], cast(list[Tree], tree.children[1:]), INDEX_LETTERS, text)
    if tree.data == "product":  # J(w, b), L(\hat y, y): a loss with its arguments
        left, right = tree.children[0], tree.children[-1]
        if (
            isinstance(left, Tree)
            and left.data in _NAMES
            and isinstance(right, Tree)
            and right.data in ("vector", "group")
        ):
            read = read_name(left, [], (), text)
            return read if read.name in LOSS_LETTERS else None
    return None


def _forward(
    equations: Sequence[NotesEquation], is_claim
) -> tuple[list[_Forward], list[NotesEquation], list[tuple[_Name, Tree, str]]]:
    """(forward equations: a name on the left; claims: a gradient on the left; definitions
    `δ = ∂L/∂z`: the name, the gradient, the text) of the notes."""
    forward, claims, definitions = [], [], []
    for e in equations:
        try:
            sides = parse(e.text, "latex")
            head = _head(sides[0], e.text) if len(sides) >= 2 else None
        except ClaimSyntaxError:
            head, sides = None, ()
        if (
            head is not None
            and len(sides) == 2
            and isinstance(sides[1], Tree)
            and sides[1].data == "gradient"
        ):
            definitions.append((head, sides[1], e.text))
            continue
        if is_claim(e.text):
            claims.append(e)
            continue
        if head is not None and not head.transpose and head.power is None:
            forward.append(_Forward(e, head, cast(Tree, sides[1])))
    return forward, claims, definitions


def _define(tensors: _Tensors, f: _Forward) -> None:
    """Bind `f`'s right side and record the tensor it defines (its classes, in pass A)."""
    reader = _Reader(f.equation.text, tensors, f.head.indices)
    value = reader.bind(f.right)
    if isinstance(value, _Ones):
        raise NotAModel(f"line {f.equation.line}: {f.head.written} is the vector of ones alone")
    if isinstance(value, _Number):
        raise NotAModel(f"line {f.equation.line}: {f.head.written} is a number, not a tensor")
    if f.head.indices:
        if set(i for i in value.index if i) != set(f.head.indices):
            raise NotAModel(f"line {f.equation.line}: the right side's free indices are not the left side's")
        if value.index[0] != f.head.indices[0]:
            value = _Term(Transpose(value.formula), value.cols, value.rows, value.index[::-1])
    elif value.indexed:
        raise NotAModel(f"line {f.equation.line}: free indices on the right only")
    if f.head.name in tensors.given:  # o_k = σ(Σ_j w_jk o_j): one letter for several layers
        raise NotAModel(f"line {f.equation.line}: {f.head.written} is used before it is defined")
    tensors.dims[f.head.name] = (value.rows, value.cols)
    tensors.written[f.head.name] = f.head.written
    tensors.formulas[f.head.name] = value.formula


def _role(name: str) -> Role:
    base = name[0]
    if base in TARGET_LETTERS:
        return Role.TARGET
    if base in PARAMETER_LETTERS:
        return Role.PARAMETER
    return Role.INPUT


def _choose_sizes(tensors: _Tensors, order: Sequence[str]) -> None:
    c, k = tensors.classes, 0
    for name in order:
        for d in tensors.dims[name]:
            root = c.find(d)
            if root not in c.size:
                c.size[root] = SIZES[min(k, len(SIZES) - 1)]
                k += 1


def _batch(tensors: _Tensors) -> int:
    """The number of examples m: the size of the one class data tensors have and no parameter has."""
    c = tensors.classes
    owned = {c.find(d) for n in tensors.given if _role(n) == Role.PARAMETER for d in tensors.dims[n]}
    data = [
        c.find(d)
        for n in tensors.given
        if _role(n) != Role.PARAMETER
        for d in tensors.dims[n]
        if c.find(d) not in owned and not c.one(d)
    ]
    if not data:
        raise NotAModel("the notes divide by m, but no data tensor has a dimension for the examples")
    return c.size[data[0]]


def read_notes_model(source: str, equations: Sequence[NotesEquation], is_claim) -> ModelFile:
    """The model the notes' forward equations define, with their claims, as a model file would
    state them. Raises `NotAModel` naming why not."""
    forward, claim_equations, definitions = _forward(equations, is_claim)
    losses = [
        k
        for k, f in enumerate(forward)
        if f.head.name in LOSS_LETTERS or f.head.name.rstrip("0123456789") in LOSS_LETTERS
    ]
    if not losses:
        raise NotAModel("no loss is defined (L = …)")
    seen: set[str] = set()
    kept = []
    for f in forward[: losses[-1] + 1]:  # the first definition of each name (a second restates it)
        if f.head.name not in seen:
            seen.add(f.head.name)
            kept.append(f)
    objective = kept[-1].head.name
    shapes, tensors = _read(kept, objective, with_batch=None)
    examples = None
    if late := [f for f in forward[losses[-1] + 1 :] if f.head.name in tensors.given]:
        # E = Σ_k (t_k − o_k)², then o_k = σ(…): the loss's inputs are defined below it
        raise NotAModel(f"line {late[0].equation.line}: {late[0].head.written} is defined after the loss")
    if tensors.batch_used:
        examples = _batch(tensors)
        shapes, tensors = _read(kept, objective, with_batch=examples)
    given = [Tensor(n, shapes[n], _role(n), tensors.written[n]) for n in tensors.given]
    defined = [f.head.name for f in kept]
    inter = [Tensor(n, shapes[n], Role.INTERMEDIATE, tensors.written[n]) for n in defined[:-1]]
    out = Tensor(objective, (1, 1), Role.OBJECTIVE, tensors.written[objective])
    try:
        equations = tuple(Equation(n, tensors.formulas[n]) for n in defined)
        model = Model((*given, *inter, out), equations, batch=examples or 1)
    except ModelError as e:
        raise NotAModel(str(e)) from None
    # a cross-entropy (a softmax, or a log of a vector against targets): each target column is
    # one class, one-hot (Σ_k y_k = 1, which ∂L/∂z = p − y needs; the scope says so)
    logs = any(
        _has(e.expr, lambda n: isinstance(n, Apply) and n.function.name == "log") for e in model.equations
    )
    one_hot = tuple(
        t.name
        for t in given
        if t.role == Role.TARGET
        and (
            any(_has(e.expr, lambda n: isinstance(n, Softmax)) for e in model.equations)
            or (logs and t.shape[0] > 1)
        )
    )
    tensors.frozen, tensors.objective = True, objective
    for head, gradient, text in definitions:  # δ = ∂L/∂z: δ stands for the true gradient
        try:
            tensors.aliases[head.name] = _target(gradient, text, objective, dict(tensors.written))[0]
        except ClaimSyntaxError as e:
            raise NotAModel(f"{e.message} in {text.strip()}") from None
    claims = tuple(_claim(source, e, model, tensors, shapes) for e in claim_equations)
    if not claims:
        raise NotAModel("no claim about the model's gradients")
    if unread := [c for c in claims if c.claim.problem is not None]:  # perhaps a network's claim
        raise NotAModel(f"line {unread[0].claim.line}: {unread[0].claim.problem}")
    lines = tuple(f.equation.line for f in kept)
    return ModelFile(model, claims, one_hot, (), lines, from_notes=True, examples=examples)


def _read(
    kept: list[_Forward], objective: str, with_batch: int | None
) -> tuple[dict[str, tuple[int, int]], _Tensors]:
    tensors = _Tensors(batch=with_batch)
    try:
        for f in kept:
            _define(tensors, f)
        rows, cols = tensors.dims[objective]
        tensors.classes.tie(rows, _ONE)
        tensors.classes.tie(cols, _ONE)
    except ClaimSyntaxError as e:
        raise NotAModel(f"{e.message} in {e.text.strip()}") from None
    except _Mismatch as e:
        raise NotAModel(f"the loss {objective} is not a scalar ({e})") from None
    order = [*tensors.given, *(f.head.name for f in kept)]
    _choose_sizes(tensors, order)
    c = tensors.classes
    shapes = {
        n: (c.size[c.find(r)], c.size[c.find(k)]) for n, (r, k) in ((n, tensors.dims[n]) for n in order)
    }
    return shapes, tensors


def _has(node: Formula, test) -> bool:
    found = []
    rewrite(node, lambda n: found.append(n) if test(n) else None)
    return bool(found)


def _claim(source: str, e: NotesEquation, model: Model, tensors: _Tensors, shapes: dict) -> ModelClaim:
    where = Claim(source, e.line, e.column, e.text, "latex", about="model")
    wrt = ""
    try:
        sides = parse(e.text, "latex")
        wrt, indices = _wrt(sides[0], e.text, model, tensors.spelled)
        where = replace_claim(where, wrt_written=tensors.written.get(wrt, wrt))
        reader = _Reader(e.text, tensors, indices)
        if indices:  # ∂L/∂W_{ij}: i runs over W's rows, j over its columns
            reader.entries(sides[0], reader.tensor(sides[0], wrt, wrt), _Name(wrt, wrt, indices))
        value = reader.bind(sides[-1])
        right = _entries_as_matrix(value, indices, e.text, tensors)
        if reader.mismatch is not None:  # read, but its shapes do not fit: a shape error
            return ModelClaim(where, wrt, right, reader.mismatch)
    except _ShapeProblem as problem:
        return ModelClaim(where, wrt, None, problem.message)
    except ClaimSyntaxError as problem:
        return ModelClaim(replace_claim(where, problem=problem), "", None)
    if len(sides) > 2:
        where = replace_claim(where, notes=(ClaimNote.CONCLUSION,))
    try:
        got = shape(right, _DIMS, shapes)
    except ShapeMismatch as mismatch:
        return ModelClaim(where, wrt, None, mismatch.reason)
    want = shapes[wrt]
    if got == want:
        return ModelClaim(where, wrt, right)
    if got == want[::-1]:  # ∂L/∂W with Wᵀ's shape: numerator layout, checked as the transpose
        return ModelClaim(
            replace_claim(where, notes=(*where.notes, ClaimNote.OTHER_LAYOUT)), wrt, Transpose(right)
        )
    return ModelClaim(
        where, wrt, right, f"the right side is {got[0]}×{got[1]}, but ∂L/∂{wrt} is {want[0]}×{want[1]}"
    )


def replace_claim(claim: Claim, **changes) -> Claim:
    return replace(claim, **changes)


def _parts(head: Tree) -> tuple[Tree, Tree, list[Tree]]:
    """(the loss's name, the variable's name, its scripts) of `∂L/∂X` or `∇_X L`."""
    trees = [c for c in head.children if isinstance(c, Tree)]
    at = next(k for k, t in enumerate(trees) if t.data == "loss_name")
    if at == len(trees) - 1:  # ∇_X L
        return cast(Tree, trees[at].children[0]), trees[0], trees[1:at]
    return cast(Tree, trees[at].children[0]), trees[at + 1], trees[at + 2 :]


def _target(
    head: Tree | Token, text: str, objective: str, tensors: dict, spelled: dict | None = None
) -> tuple[str, tuple[str, ...]]:
    """(the tensor, its index letters) of `∂L/∂X` or `∂L/∂W_{ij}`: X one of `tensors` (by the
    name a model file gives it, where `spelled` maps the notes' spelling to it), a subscript
    letter an index where the name without it is the tensor."""
    spelled = spelled or {}
    if not isinstance(head, Tree) or head.data != "gradient":
        raise ClaimSyntaxError(text, 0, "expected ∂L/∂X on the left")
    loss_tree, name, scripts = _parts(head)
    loss = read_name(loss_tree, [], (), text)
    if spelled.get(loss.name, loss.name) != objective:
        raise ClaimSyntaxError(
            text, 0, f"expected ∂{objective}/∂X, the loss the notes define; received ∂{loss.name}"
        )
    plain = read_name(name, scripts, (), text)
    if spelled.get(plain.name, plain.name) in tensors and not plain.transpose:
        return spelled.get(plain.name, plain.name), ()
    letters = "".join(_text(s.children[-1]).replace(",", "") for s in scripts if s.data == "sub_script")
    indexed = read_name(name, scripts, tuple(letters) if letters.isalpha() else (), text)
    if spelled.get(indexed.name, indexed.name) in tensors and indexed.indices and not indexed.transpose:
        return spelled.get(indexed.name, indexed.name), indexed.indices
    written = ", ".join(tensors.values())
    raise ClaimSyntaxError(
        text, 0, f"expected ∂{objective}/∂X with X one of {written}; received {plain.written}"
    )


def _wrt(head: Tree | Token, text: str, model: Model, spelled: dict) -> tuple[str, tuple[str, ...]]:
    """(the tensor, its index letters) of a claim's `∂L/∂X` or `∂L/∂W_{ij}`."""
    differentiable = model.named(Role.INPUT, Role.PARAMETER, Role.INTERMEDIATE)
    written = {n: model.tensor(n).written for n in differentiable}
    return _target(head, text, model.named(Role.OBJECTIVE)[0], written, spelled)


def _entries_as_matrix(value: _Value, indices: tuple[str, ...], text: str, tensors: _Tensors) -> Formula:
    """The right side as a matrix formula in the order of the left side's indices."""
    if isinstance(value, _Ones):
        raise ClaimSyntaxError(text, 0, "expected a formula of the model; received the vector of ones alone")
    if isinstance(value, _Number):
        raise ClaimSyntaxError(text, 0, "expected a formula in the model's tensors; received a number alone")
    free = tuple(i for i in value.index if i)
    if set(free) != set(indices):
        left, right = "".join(indices) or "none", "".join(free) or "none"
        raise ClaimSyntaxError(
            text,
            0,
            f"expected the left side's free indices ({left}) on the right; received {right}",
        )
    if len(indices) == 2 and free != indices:
        return Transpose(value.formula)
    return value.formula


# --- a document's claims about a model file's tensors (check notes.md --model model.toml) ------

_SPELLINGS = {
    "theta": "θ", "Theta": "Θ", "gamma": "γ", "beta": "β", "mu": "μ", "delta": "δ", "lam": "λ",
    "lambda_": "λ", "eps": "ε", "epsilon": "ε", "alpha": "α", "eta": "η",
}  # fmt: skip


def notes_spelling(name: str) -> str:
    """How notes write a model file's tensor: `W_1` W1 (as `W_1` and `W^{[1]}` read), `y_hat` ŷ,
    `theta2` θ2, `gamma` γ."""
    stem, digits = re.fullmatch(r"(.*?)_?([0-9]*)", name).groups()  # type: ignore[union-attr]  # always matches
    if stem.endswith(("_hat", "hat")) and len(stem.removesuffix("_hat").removesuffix("hat")) == 1:
        stem = unicodedata.normalize("NFC", stem[0] + "\u0302")
    return _SPELLINGS.get(stem, stem) + digits


def claims_about(source: str, equations: Sequence[NotesEquation], is_claim, given: ModelFile) -> ModelFile:
    """`given` (a model file) with the claims of the notes' `equations` about its tensors in place
    of its own: names as the notes spell them (`notes_spelling`), ∂L/∂X with any loss letter for
    the model's objective, δ := ∂L/∂z definitions. The notes' forward equations are not read: the
    model file states the model."""
    model = given.model
    objective = model.named(Role.OBJECTIVE)[0]
    tensors = _Tensors(frozen=True, objective=objective)
    for t in model.tensors:
        tensors.dims[t.name] = (("r", t.name), ("c", t.name))
        tensors.classes.size[tensors.classes.find(("r", t.name))] = t.shape[0]
        tensors.classes.size[tensors.classes.find(("c", t.name))] = t.shape[1]
        tensors.written[t.name] = t.written
        tensors.spelled.setdefault(notes_spelling(t.name), t.name)
        (tensors.given if t.role in (Role.INPUT, Role.TARGET, Role.PARAMETER) else tensors.defined).append(
            t.name
        )
    tensors.spelled.update({letter: objective for letter in LOSS_LETTERS})
    _, claim_equations, definitions = _forward(equations, is_claim)
    for head, gradient, text in definitions:
        try:
            tensors.aliases[head.name] = _target(
                gradient, text, objective, dict(tensors.written), tensors.spelled
            )[0]
        except ClaimSyntaxError:
            continue
    shapes = {t.name: t.shape for t in model.tensors}
    claims = tuple(_claim(source, e, model, tensors, shapes) for e in claim_equations)
    return replace(given, claims=claims)
