"""LaTeX expressions of notes read into the model IR (derive/formula.py) while their shapes are
still unknown: each tensor's rows and columns are dimension classes, tied by the operations that
use them (`Classes`), and sized once every equation is read (derive/notes_model.py).

- **Names**: a letter with its scripts — `W_1`, `W^{[1]}`, `W^{(1)}` are `W1`; `\\hat{y}` is ŷ,
  `\\mathbf{x}` is x. A lowercase letter is a column vector, a capital a matrix (the Matrix
  Cookbook's convention); λ, α, η, ε are numbers; `m`, `N`, `B` that no equation defines are the
  number of examples (`Number.batch`).
- **Products**: juxtaposition and `\\cdot` are the matrix product, or a scaling where one side is
  a number or 1 × 1; `\\circ`, `\\odot` entrywise; `x^2` squares entrywise, `X^T` transposes,
  `X^{-1}` inverts; `\\|v\\|^2`, `\\|W\\|_F^2` are squared norms; `A \\mathbf{1}` sums each row.
- **Index notation**: a subscript letter that a sum (`\\sum_k`) or the left side (`z_i = …`,
  `∂L/∂W_{ij}`) makes an index names an entry, and an expression in entries is read as the
  matrix expression that computes all of them: `u_i v_j` is `u vᵀ`, `\\sum_k W_{ki} d_k` is the
  column sum of `W ∘ d` (that is, `Wᵀd`), `\\sum_k y_k \\log p_k` the sum of `y ∘ log p`.
- **Gradients**: `\\frac{\\partial L}{\\partial z}` on a claim's right side (or a δ defined as it)
  is the true gradient, `Grad(Ref("z"))`.

Text is parsed by the notes' grammar (grammars/latex.lark), never evaluated; what cannot be read
is a `ClaimSyntaxError` saying what was expected, a shape that cannot fit a `ShapeProblem`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import reduce
from typing import cast

from lark import Token, Tree

from derive.claim_binding import GENERIC_FUNCTIONS, LOSS_NAMES, scale
from derive.claim_parser import ClaimSyntaxError
from derive.formula import (
    Add,
    Apply,
    ApplyPrime,
    Broadcast,
    BroadcastAdd,
    Column,
    Diag,
    Fill,
    Formula,
    Function,
    Grad,
    Hadamard,
    MatMul,
    MatrixApply,
    Ref,
    Scale,
    Softmax,
    SumAxis,
    Transpose,
)
from derive.model_ir import Role
from derive.registry import activation_named, elementary_named, key

BATCH_LETTERS = ("m", "N", "B")
SCALAR_LETTERS = ("λ", "α", "η", "ε", "d", "d_k")  # numbers: a penalty, a step, ε, attention's d
PARAMETER_LETTERS = ("W", "w", "b", "c", "θ", "Θ", "V", "U", "v", "u", "β", "γ")
TARGET_LETTERS = ("y", "Y", "t", "T")
LOSS_LETTERS = (*LOSS_NAMES, "𝓛", "l")  # d2l.ai's l(y, ŷ), as the head of the last forward equation
_GREEK = {
    r"\delta": "δ", r"\Delta": "Δ", r"\ell": "ℓ", r"\Theta": "Θ", r"\theta": "θ", r"\lambda": "λ",
    r"\alpha": "α", r"\eta": "η", r"\epsilon": "ε", r"\varepsilon": "ε", r"\beta": "β", r"\gamma": "γ",
    r"\mu": "μ", r"\Phi": "Φ", r"\Psi": "Ψ", r"\Gamma": "Γ", r"\Omega": "Ω", r"\omega": "ω", r"\psi": "ψ",
    r"\xi": "ξ", r"\tau": "τ", r"\rho": "ρ", r"\nu": "ν", r"\kappa": "κ", r"\zeta": "ζ", r"\Lambda": "Λ",
    r"\Sigma": "Σ", r"\Pi": "Π",
}  # fmt: skip
ONE = ("1",)

Dim = tuple[str, ...]


class Mismatch(ValueError):
    pass


class UnknownTensor(ClaimSyntaxError):
    """A claim about a tensor the model does not have (`∂E/∂w_{jk}` where the notes define only E
    of o): perhaps a network's claim, which the network reading may read."""


class ShapeProblem(ClaimSyntaxError):
    """A formula that reads but whose shapes do not fit (a claim's shape error, not unparsed)."""


class Classes:
    """Union-find over dimensions, each class with its size once known (the class `ONE` is 1)."""

    def __init__(self) -> None:
        self.parent: dict[Dim, Dim] = {ONE: ONE}
        self.size: dict[Dim, int] = {ONE: 1}

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
            raise Mismatch(f"a dimension of size {sa} against one of size {sb}")
        keep, drop = (rb, ra) if rb == self.find(ONE) or (sa is None and sb is not None) else (ra, rb)
        self.parent[drop] = keep
        if (s := sa if sa is not None else sb) is not None:
            self.size[keep] = s

    def one(self, d: Dim) -> bool:
        return self.size.get(self.find(d)) == 1

    def same(self, a: Dim, b: Dim) -> bool:
        return self.find(a) == self.find(b)


@dataclass(frozen=True)
class Term:
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
class Number:
    """A number as written; `batch` is the power of the number of examples m in it (1/(2m): -1)."""

    value: Fraction
    batch: int = 0


@dataclass(frozen=True)
class Ones:
    """`\\mathbf{1}` (a column of ones, `row` once transposed), sized by the matrix beside it."""

    row: bool = False


@dataclass(frozen=True)
class Eye:
    """The identity `I` (scaled by `c` and a 1 × 1 `factor`, as in `\\lambda I`), sized by the
    square matrix it is added to (`X^T X + \\lambda I`); beside a product it is the product."""

    c: Fraction = Fraction(1)
    factor: Formula | None = None


Value = Term | Number | Ones | Eye


@dataclass(frozen=True)
class Name:
    """A name as read: the tensor it names, its index letters, transposes and powers."""

    name: str
    written: str
    indices: tuple[str, ...] = ()
    transpose: bool = False
    power: int | None = None
    inverse: bool = False


@dataclass
class Tensors:
    """What the equations read so far know: each tensor's dimension classes, in order."""

    classes: Classes = field(default_factory=Classes)
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


def script_text(node: Tree | Token) -> str:
    """The source text of a script's argument, without braces or spaces."""
    if isinstance(node, Token):
        return str(node)
    return "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)))


class Reader:
    """A side of an equation (a lark tree of grammars/latex.lark) → `Value`."""

    def __init__(self, text: str, tensors: Tensors, indices: Sequence[str] = ()) -> None:
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

    def tie(self, at: Tree | Token, a: Dim, b: Dim, what: str, *terms: Term) -> None:
        try:
            self.t.classes.tie(a, b)
        except Mismatch as e:
            if terms:
                reason = f"{what} of {' and '.join(self.size_text(x) for x in terms)}"
            else:
                reason = what if what.startswith("the index") else f"{what}: {e}"
            if self.t.frozen:  # a claim: read on (the first mismatch is its shape error), to name its slip
                self.mismatch = self.mismatch or reason
                return
            position = getattr(at, "start_pos", None) or getattr(getattr(at, "meta", None), "start_pos", 0)
            raise ShapeProblem(self.text, position or 0, reason) from None

    def size_text(self, x: Term) -> str:
        c = self.t.classes
        return "×".join(str(c.size.get(c.find(d), "?")) for d in (x.rows, x.cols))

    def plain(self, at: Tree | Token, value: Value) -> Term | Number:
        """`value` where only a tensor or a number may stand (the vector of ones and the
        identity are read only beside what sizes them)."""
        return value if isinstance(value, Term | Number) else self.term(at, value)

    def term(self, at: Tree | Token, value: Value) -> Term:
        if isinstance(value, Eye):
            raise self.error(at, "the identity I added to a square matrix (X^T X + \\lambda I)")
        if isinstance(value, Ones):
            raise self.error(at, "the vector of ones beside a matrix it multiplies (A \\mathbf{1})")
        if isinstance(value, Number):
            return Term(Column((self.number(value),)), ONE, ONE)
        return value

    def number(self, value: Number) -> Fraction:
        if value.batch == 0:
            return value.value
        self.t.batch_used = True
        if self.t.batch is None and self.t.frozen:  # a claim's m with no examples to count
            raise ClaimSyntaxError(
                self.text, 0, "expected m to count examples: no tensor of the model has a dimension for them"
            )
        m = self.t.batch if self.t.batch is not None else 1
        return value.value * Fraction(m) ** value.batch

    def scalar(self, x: Term) -> bool:
        return not x.indexed and self.t.classes.one(x.rows) and self.t.classes.one(x.cols)

    def bind(self, node: Tree | Token) -> Value:
        if isinstance(node, Token):
            raise self.error(node, f"a formula; received '{node!s}'")
        handler = getattr(self, f"_{node.data}", None)
        if handler is None:
            raise self.error(node, f"a formula of a model; '{node.data.replace('_', ' ')}' is not read here")
        return handler(node)

    def sides(self, node: Tree) -> list[Tree]:
        return [c for c in node.children if isinstance(c, Tree)]

    # --- arithmetic --------------------------------------------------------------------------
    def _group(self, node: Tree) -> Value:
        return self.bind(self.sides(node)[0])

    def _number(self, node: Tree) -> Value:
        return Number(Fraction(str(node.children[0])))

    def _fraction_digits(self, node: Tree) -> Value:
        digits = re.sub(r"\D", "", str(node.children[-1]))
        if len(digits) != 2 or digits[1] == "0":
            raise self.error(node, "\\frac12 (two digits, the second nonzero)")
        return Number(Fraction(int(digits[0]), int(digits[1])))

    def _pos(self, node: Tree) -> Value:
        return self.bind(node.children[-1])

    def _neg(self, node: Tree) -> Value:
        x = self.bind(node.children[-1])
        return (
            Number(-x.value, x.batch)
            if isinstance(x, Number)
            else self.scale(Fraction(-1), self.term(node, x))
        )

    def scale(self, c: Fraction, x: Term) -> Term:
        return Term(Scale(c, x.formula), x.rows, x.cols, x.index)

    def _add(self, node: Tree) -> Value:
        left, right = self.sides(node)
        return self.add(node, self.bind(left), self.bind(right))

    def _sub(self, node: Tree) -> Value:
        left, right = self.sides(node)
        a, b = self.bind(left), self.bind(right)
        if isinstance(b, Number):
            return self.add(node, a, Number(-b.value, b.batch))
        return self.add(node, a, self.scale(Fraction(-1), self.term(node, b)))

    def add(self, at: Tree, left: Value, right: Value) -> Value:
        if isinstance(left, Eye) or isinstance(right, Eye):
            return self.plus_identity(at, left, right)
        a, b = self.plain(at, left), self.plain(at, right)
        if isinstance(a, Number) and isinstance(b, Number):
            if a.batch != b.batch:
                raise self.error(at, "numbers added to numbers; received m added to a number")
            return Number(a.value + b.value, a.batch)
        if isinstance(a, Number) or isinstance(b, Number):  # x + c: c added to every entry
            x, c = (b, a) if isinstance(a, Number) else (a, b)
            x, number = cast(Term, x), Column((self.number(cast(Number, c)),))
            added = (
                BroadcastAdd(number, x.formula) if isinstance(a, Number) else BroadcastAdd(x.formula, number)
            )
            return Term(added, x.rows, x.cols, x.index)
        if a.indexed or b.indexed:
            b = self.aligned(at, a, b)
            return Term(Add(a.formula, b.formula), a.rows, a.cols, a.index)
        c = self.t.classes
        broadcast = False
        for da, db in ((a.rows, b.rows), (a.cols, b.cols)):
            if not c.same(da, db) and (c.one(da) != c.one(db)):  # b (n × 1) added to each column
                broadcast = True
                continue
            self.tie(at, da, db, "'+'", a, b)
        rows = b.rows if c.one(a.rows) and not c.one(b.rows) else a.rows
        cols = b.cols if c.one(a.cols) and not c.one(b.cols) else a.cols
        return Term((BroadcastAdd if broadcast else Add)(a.formula, b.formula), rows, cols)

    def aligned(self, at: Tree, a: Term, b: Term) -> Term:
        """`b` with `a`'s free indices in `a`'s order (transposed where they are swapped)."""
        if b.index == a.index:
            self.tie(at, a.rows, b.rows, "'+'")
            self.tie(at, a.cols, b.cols, "'+'")
            return b
        if b.index == a.index[::-1] and a.index[1] is not None:
            self.tie(at, a.rows, b.cols, "'+'")
            return Term(Transpose(b.formula), b.cols, b.rows, a.index)
        raise self.error(at, f"terms with the same free indices; received {_indices(a)} and {_indices(b)}")

    def _product(self, node: Tree) -> Value:
        """Factors left to right; Ng's `d` before a name (`x \\, dz`) is that name's gradient."""
        factors, values = _factors(node), []
        k = 0
        while k < len(factors):
            named = _named(factors[k + 1]) if k + 1 < len(factors) else None
            if _is_d(factors[k]) and named is not None and "d" not in self.t.dims and self.t.objective:
                values.append(self._d_name(Tree("d_name", [Token("D_PREFIX", "d"), named[0], *named[1]])))
                k += 2
                continue
            values.append(self.bind(factors[k]))
            k += 1
        return reduce(lambda a, b: self.product(node, a, b), values)

    def _d_name(self, node: Tree) -> Value:
        """Ng's `dz`, `dW^{[2]}`: ∂L/∂z, ∂L/∂W2 (the true gradient)."""
        if self.t.objective is None:
            raise self.error(node, "a forward equation in the model's tensors; received a gradient (d…)")
        name, scripts = cast(tuple[Tree, list[Tree]], differential(node))
        read = read_name(name, scripts, self.indices, self.text)
        tensor = self.t.spelled.get(read.name, read.name)
        if tensor not in self.t.dims or role_of(tensor) == Role.TARGET:
            raise self.error(node, f"d and a tensor of the model (Ng's dz = ∂L/∂z); received d{read.written}")
        x = self.gradient(node, tensor, read.indices)
        return Term(Transpose(x.formula), x.cols, x.rows, _swapped(x.index)) if read.transpose else x

    def _hadamard(self, node: Tree) -> Value:
        left, right = self.sides(node)
        a, b = self.plain(node, self.bind(left)), self.plain(node, self.bind(right))
        if isinstance(a, Number) or isinstance(b, Number):
            return self.product(node, a, b)
        if a.indexed or b.indexed:
            return self.entries_times(node, a, b)
        if self.scalar(a) or self.scalar(b):
            return self.product(node, a, b)
        self.tie(node, a.rows, b.rows, "'∘'", a, b)
        self.tie(node, a.cols, b.cols, "'∘'", a, b)
        return Term(Hadamard(a.formula, b.formula), a.rows, a.cols)

    def product(self, at: Tree, a: Value, b: Value) -> Value:
        if isinstance(a, Eye) or isinstance(b, Eye):
            return self.identity_product(at, a, b)
        if isinstance(a, Ones) or isinstance(b, Ones):
            return self.ones_product(at, a, b)
        if isinstance(a, Number) and isinstance(b, Number):
            return Number(a.value * b.value, a.batch + b.batch)
        if isinstance(a, Number) or isinstance(b, Number):
            c, x = (a, b) if isinstance(a, Number) else (b, a)
            return self.scale(self.number(cast(Number, c)), cast(Term, x))
        if a.indexed or b.indexed:
            return self.entries_times(at, a, b)
        if self.scalar(a) and not self.scalar(b):
            return Term(Broadcast(a.formula, b.formula), b.rows, b.cols)
        if self.scalar(b) and not self.scalar(a):
            return Term(Broadcast(b.formula, a.formula), a.rows, a.cols)
        self.tie(at, a.cols, b.rows, "a matrix product", a, b)
        return Term(_outside(MatMul, a.formula, b.formula), a.rows, b.cols)

    def entries_times(self, at: Tree, a: Term, b: Term) -> Term:
        """The product of entries (index notation): `u_i v_i` u ∘ v, `u_i v_j` u vᵀ, `W_{ij} v_j`
        W ∘ (1 vᵀ), `W_{ij} V_{ji}` W ∘ Vᵀ; a scalar scales."""
        for x, y in ((a, b), (b, a)):
            if not x.indexed:
                if not self.scalar(x):
                    raise self.error(
                        at,
                        "entries (W_{ij}, x_j) or numbers among entries; received a whole matrix",
                    )
                return Term(Broadcast(x.formula, y.formula), y.rows, y.cols, y.index)
        (i, j), (k, m) = a.index, b.index
        if j is None and m is None:
            if i == k:
                self.tie(at, a.rows, b.rows, "a product of entries")
                return Term(Hadamard(a.formula, b.formula), a.rows, a.cols, a.index)
            return Term(MatMul(a.formula, Transpose(b.formula)), a.rows, b.rows, (i, k))
        if j is not None and m is not None:
            b = self.aligned(at, a, b)
            return Term(Hadamard(a.formula, b.formula), a.rows, a.cols, a.index)
        matrix, vector = (a, b) if j is not None else (b, a)
        letter = vector.index[0]
        if letter == matrix.index[0]:
            self.tie(at, matrix.rows, vector.rows, "a product of entries")
            return Term(Broadcast(matrix.formula, vector.formula), matrix.rows, matrix.cols, matrix.index)
        if letter == matrix.index[1]:
            self.tie(at, matrix.cols, vector.rows, "a product of entries")
            return Term(
                Broadcast(matrix.formula, Transpose(vector.formula)), matrix.rows, matrix.cols, matrix.index
            )
        raise self.error(at, f"at most two free indices; received {_indices(matrix)} and {_indices(vector)}")

    def _divide(self, node: Tree) -> Value:
        left, right = self.sides(node)
        return self.divide(node, self.bind(left), self.bind(right))

    def _fraction(self, node: Tree) -> Value:
        numerator, denominator = self.sides(node)
        return self.divide(node, self.bind(numerator), self.bind(denominator))

    def divide(self, at: Tree, left: Value, right: Value) -> Value:
        a, b = self.plain(at, left), self.plain(at, right)
        if isinstance(b, Number):
            if b.value == 0:
                raise self.error(at, "a nonzero denominator")
            inverse = Number(1 / b.value, -b.batch)
            return self.product(at, a, inverse)
        reciprocal = Term(Apply(Function("reciprocal"), b.formula), b.rows, b.cols, b.index)
        if isinstance(a, Number):
            return self.product(at, a, reciprocal) if a != Number(Fraction(1)) else reciprocal
        if a.indexed or b.indexed:
            return self.entries_times(at, a, reciprocal)
        if self.scalar(b):  # x / s: every entry of x divided by the number s
            return Term(Broadcast(a.formula, reciprocal.formula), a.rows, a.cols)
        if self.scalar(a):  # s / x, entry by entry
            return Term(Broadcast(a.formula, reciprocal.formula), b.rows, b.cols)
        self.tie(at, a.rows, b.rows, "a division entry by entry")
        self.tie(at, a.cols, b.cols, "a division entry by entry")
        return Term(Hadamard(a.formula, reciprocal.formula), a.rows, a.cols)

    # --- functions ---------------------------------------------------------------------------
    def _application(self, node: Tree) -> Value:
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
            return Term(Softmax(x.formula), x.rows, x.cols)
        if written in GENERIC_FUNCTIONS:
            raise self.error(token, f"a named function (σ, \\tanh, ReLU, …); {written} is generic")
        name = activation_named(written) or elementary_named(written)
        if name is None or name in ("power", "reciprocal"):
            raise self.error(
                token, f"a known function (σ, \\tanh, ReLU, \\exp, \\log, softmax, …); received '{written}'"
            )
        f = Function(name)
        return Term((ApplyPrime if prime else Apply)(f, x.formula), x.rows, x.cols, x.index)

    def _application_power(self, node: Tree) -> Value:
        power = next(c for c in node.children if isinstance(c, Tree) and c.data == "power")
        exponent = int(re.sub(r"\D", "", script_text(power)))
        plain = Tree("application", [c for c in node.children if c is not power], node.meta)
        return self.power(self.term(node, self._application(plain)), exponent)

    def power(self, x: Term, exponent: int) -> Term:
        if exponent == 1:
            return x
        return Term(Apply(Function("power", Fraction(exponent)), x.formula), x.rows, x.cols, x.index)

    def _log_of(self, node: Tree) -> Value:
        x = self.term(node, self.bind(node.children[1]))
        return Term(Apply(Function("log"), x.formula), x.rows, x.cols, x.index)

    def _indicator(self, node: Tree) -> Value:
        """`\\mathbb{1}(x > c)`, `1(y s < 1)`: 1 where it holds, relu'(x − c) (0 at the kink, as
        jax.grad takes relu'(0))."""
        (condition,) = self.sides(node)
        argument, op, bound = condition.children
        x = self.term(node, self.bind(argument))
        c = Number(Fraction(str(bound)))
        if cast(Token, op).type == "LESS":  # x < c: c − x > 0
            margin = self.add(node, c, self.product(node, Number(Fraction(-1)), x))
        else:
            margin = self.add(node, x, Number(-c.value)) if c.value else x
        m = self.term(node, margin)
        return Term(ApplyPrime(Function("relu"), m.formula), m.rows, m.cols, m.index)

    def _sqrt_of(self, node: Tree) -> Value:
        x = self.term(node, self.bind(self.sides(node)[0]))
        return Term(Apply(Function("sqrt"), x.formula), x.rows, x.cols, x.index)

    def _maximum(self, node: Tree) -> Value:
        """`\\max(0, x)` relu(x); `\\max(a, b)` relu(a − b) + b, entry by entry (its kink where a = b)."""
        left, right = (self.bind(t) for t in self.sides(node))
        for zero, x in ((left, right), (right, left)):
            if zero == Number(Fraction(0)):
                t = self.term(node, x)
                return Term(Apply(Function("relu"), t.formula), t.rows, t.cols, t.index)
        difference = self.term(node, self.add(node, left, self.product(node, Number(Fraction(-1)), right)))
        hinge = Term(
            Apply(Function("relu"), difference.formula), difference.rows, difference.cols, difference.index
        )
        return self.add(node, hinge, right)

    def _exponential(self, node: Tree) -> Value:
        """`e^{x}`, `e^z`: exp, entry by entry."""
        argument = node.children[-1]
        if isinstance(argument, Token):
            argument = Tree("number" if argument.type == "NUMBER" else "letter", [argument])
        x = self.term(node, self.bind(argument))
        return Term(Apply(Function("exp"), x.formula), x.rows, x.cols, x.index)

    def _summation(self, node: Tree) -> Value:
        """`\\sum_k body`: the sum over the index k of the body's entries."""
        limits = next(c for c in node.children if isinstance(c, Tree) and c.data == "sum_limits")
        letter = next(str(t) for t in limits.children if isinstance(t, Token) and t.type == "LETTER")
        if list(node.find_data("example_mark")):
            raise self.error(
                node,
                "a sum over an index (\\sum_k y_k \\log p_k); a sum over examples x^{(i)} is not read",
            )
        self.indices.append(letter)
        try:  # a product of entries, each bound on its own (they commute)
            factors = [self.bind(f) for f in _factors(self.sides(node)[-1])]
        finally:
            self.indices.pop()
        entries = all(
            isinstance(v, Number) or (isinstance(v, Term) and (v.indexed or self.scalar(v))) for v in factors
        )
        inner = [v for v in factors if isinstance(v, Term) and letter in v.index]
        if len(factors) == 1 or not entries or not inner:
            body = self.term(node, reduce(lambda a, b: self.product(node, a, b), factors))
            return self.sum_over(node, letter, body)
        # Σ_k V_ki d_k h_i x_j = (Σ_k V_ki d_k) h_i x_j: the factors without k stay outside the sum
        outer = [v for v in factors if not (isinstance(v, Term) and letter in v.index)]
        summed = self.sum_over(
            node, letter, self.term(node, reduce(lambda a, b: self.product(node, a, b), inner))
        )
        return reduce(lambda a, b: self.product(node, a, b), outer, summed)

    def sum_over(self, node: Tree, letter: str, body: Term) -> Term:
        """Σ_letter of `body`'s entries: over its rows or columns, whichever `letter` indexes."""
        i, j = body.index
        if letter == i and j is None:  # Σ_k v_k
            return Term(SumAxis(SumAxis(body.formula, 0), 1), ONE, ONE)
        if letter == i:  # Σ_k A_{kj}: a column of the sums of A's columns
            return Term(Transpose(SumAxis(body.formula, 0)), body.cols, ONE, (j, None))
        if letter == j:  # Σ_k A_{ik}
            return Term(SumAxis(body.formula, 1), body.rows, ONE, (i, None))
        raise self.error(
            node, f"a sum over {letter} of entries indexed by {letter}; its body has no {letter}"
        )

    def _sum_examples(self, node: Tree) -> Value:
        raise self.error(node, "a sum with its index (\\sum_k y_k \\log p_k)")

    def _gradient(self, node: Tree) -> Value:
        """`∂L/∂z` on a claim's right side: the true gradient (`Grad`), as each witness has it."""
        if self.t.objective is None:
            raise self.error(node, "a forward equation in the model's tensors; received a gradient")
        written = {n: self.t.written[n] for n in self.t.dims if role_of(n) != Role.TARGET}
        name, indices = target_of(node, self.text, self.t.objective, written, self.t.spelled)
        return self.gradient(node, name, indices)

    def gradient(self, at: Tree, name: str, indices: Sequence[str]) -> Term:
        rows, cols = self.t.dims[name]
        x = Term(Grad(Ref(name)), rows, cols)
        return self.entries(at, x, Name(name, name, tuple(indices))) if indices else x

    # --- names -------------------------------------------------------------------------------
    def _letter(self, node: Tree) -> Value:
        return self.name(node, [])

    _greek = _font_letter = _font_greek = _hat_letter = _bar_letter = _letter

    def _scripted(self, node: Tree) -> Value:
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

    def _ones(self, node: Tree) -> Value:
        """`\\mathbf{1}`: the vector of ones, read beside a matrix (`A 1` sums each row)."""
        if str(node.children[-1]) != "1":
            raise self.error(node, "\\mathbf{1}, the vector of ones")
        return Ones()

    def identity_product(self, at: Tree, a: Value, b: Value) -> Value:
        """c I, λ I (an `Eye`), and A I = I A = A."""
        eye, other = (a, b) if isinstance(a, Eye) else (b, a)
        eye = cast(Eye, eye)
        if isinstance(other, Eye):
            return Eye(eye.c * other.c, _times(eye.factor, other.factor))
        if isinstance(other, Number):
            return Eye(eye.c * self.number(other), eye.factor)
        x = self.term(at, other)
        if self.scalar(x):
            return Eye(eye.c, _times(eye.factor, x.formula))
        return self.scaled_by(eye, x)

    def scaled_by(self, eye: Eye, x: Term) -> Term:
        formula = x.formula if eye.factor is None else Broadcast(eye.factor, x.formula)
        return Term(scale(eye.c, formula), x.rows, x.cols, x.index)

    def plus_identity(self, at: Tree, a: Value, b: Value) -> Term:
        """A + c I: A square, I the identity of its size (diag of a column of ones)."""
        eye, other = (a, b) if isinstance(a, Eye) else (b, a)
        x = self.term(at, other)
        if x.indexed:
            raise self.error(at, "the identity I added to a whole square matrix")
        self.tie(at, x.rows, x.cols, "the identity added to a square matrix", x)
        identity = Term(Diag(Fill(Fraction(1), SumAxis(x.formula, 1))), x.rows, x.cols)
        return Term(Add(x.formula, self.scaled_by(cast(Eye, eye), identity).formula), x.rows, x.cols)

    def ones_product(self, at: Tree, a: Value, b: Value) -> Term:
        """`A 1` (each row's sum, `np.sum(A, axis=1, keepdims=True)`) and `1ᵀ A` (each column's)."""
        if isinstance(b, Ones) and not b.row and isinstance(a, Term) and not a.indexed:
            return Term(SumAxis(a.formula, 1), a.rows, ONE)
        if isinstance(a, Ones) and a.row and isinstance(b, Term) and not b.indexed:
            return Term(SumAxis(b.formula, 0), ONE, b.cols)
        raise self.error(at, "the vector of ones after a matrix (A \\mathbf{1}) or, transposed, before one")

    def postfix(self, script: Tree, value: Value) -> Value:
        """`(…)^T` or `(…)^2` after an expression."""
        text = script_text(script.children[-1]) if script.data != "prime_script" else "'"
        if isinstance(value, Ones) and script.data == "sup_script" and _is_transpose(text):
            return Ones(not value.row)
        if script.data == "sup_script" and _is_transpose(text):
            x = self.term(script, value)
            return Term(Transpose(x.formula), x.cols, x.rows, _swapped(x.index))
        if script.data == "sup_script" and text.isdigit():
            if isinstance(value, Number):
                return Number(value.value ** int(text), value.batch * int(text))
            return self.power(self.term(script, value), int(text))
        raise self.error(script, f"^T or a power such as ^2 after an expression; received {text}")

    def _norm(self, node: Tree) -> Value:
        return self.norm(node, [])

    def norm(self, node: Tree, scripts: list[Tree]) -> Value:
        """`\\|v\\|^2`, `\\|v\\|_2^2`, `\\|W\\|_F^2`: the sum of squares; without ^2 its root."""
        x = self.term(node, self.bind(self.sides(node)[0]))
        if x.indexed:
            raise self.error(node, "the norm of a whole vector or matrix")
        kinds = [script_text(s.children[-1]) for s in scripts if s.data == "sub_script"]
        powers = [script_text(s.children[-1]) for s in scripts if s.data == "sup_script"]
        if any(k not in ("2", "F") for k in kinds) or powers not in ([], ["2"]):
            raise self.error(node, "a norm \\|v\\|, \\|v\\|_2^2 or \\|W\\|_F^2")
        squares = Term(MatrixApply("sqnorm", x.formula), ONE, ONE)
        return squares if powers else Term(Apply(Function("sqrt"), squares.formula), ONE, ONE)

    def name(self, node: Tree, scripts: list[Tree]) -> Value:
        read = read_name(node, scripts, self.indices, self.text)
        if read.name in BATCH_LETTERS and read.name not in self.t.dims and not read.indices:
            return Number(Fraction(1), 1)
        if read.written == "I" and "I" not in self.t.dims:  # the identity, sized where it is added
            return Eye()
        if read.name in self.t.aliases:  # δ := ∂L/∂z
            x = self.gradient(node, self.t.aliases[read.name], ())
        else:
            x = self.tensor(node, read.name, read.written)
        if read.indices:
            x = self.entries(node, x, read)
        if read.inverse:
            self.tie(node, x.rows, x.cols, "an inverse (a square matrix)")
            x = Term(MatrixApply("inverse", x.formula), x.rows, x.cols, x.index)
        if read.transpose:
            x = Term(Transpose(x.formula), x.cols, x.rows, _swapped(x.index))
        if read.power is not None:
            x = self.power(x, read.power)
        return x

    def tensor(self, at: Tree, name: str, written: str) -> Term:
        t = self.t
        name = t.spelled.get(name, name)
        if name not in t.dims:
            if t.frozen:
                problem = self.error(at, f"a tensor of the forward equations; {written} is not one of them")
                raise UnknownTensor(problem.text, problem.position, problem.message)
            rows, cols = ("r", name), ("c", name)
            t.dims[name], t.written[name] = (rows, cols), written
            t.given.append(name)
            if name in SCALAR_LETTERS:
                t.classes.tie(rows, ONE)
            if name in SCALAR_LETTERS or name[0].islower() or name[0] in "αβγδεηθλμσφω":
                t.classes.tie(cols, ONE)
        rows, cols = t.dims[name]
        return Term(Ref(name), rows, cols)

    def entries(self, at: Tree, x: Term, read: Name) -> Term:
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
        index = (read.indices[0], None) if vector else (read.indices[0], read.indices[1])
        return Term(x.formula, x.rows, x.cols, index)

    def index_dim(self, letter: str) -> Dim:
        return self.index_dims.setdefault(letter, ("index", str(id(self)), letter))


def _swapped(index: tuple[str | None, str | None]) -> tuple[str | None, str | None]:
    """A transpose's indices: a matrix's (i, j) become (j, i); a vector's entry keeps its one."""
    return (index[1], index[0]) if index[1] is not None else index


def _times(a: Formula | None, b: Formula | None) -> Formula | None:
    return b if a is None else a if b is None else Broadcast(a, b)


def _factors(tree: Tree | Token) -> list[Tree | Token]:
    """The factors of a juxtaposed product (`V_{ki} d_k h_i`), left to right; a non-product is one."""
    if isinstance(tree, Tree) and tree.data == "product":
        return [f for child in tree.children if isinstance(child, Tree) for f in _factors(child)]
    return [tree]


NAME_KINDS = ("letter", "greek", "font_letter", "font_greek", "hat_letter", "bar_letter")


def _named(tree: Tree | Token) -> tuple[Tree, list[Tree]] | None:
    """(the name, its scripts) of a name as the grammar reads it, or None."""
    if isinstance(tree, Tree) and tree.data in NAME_KINDS:
        return tree, []
    if isinstance(tree, Tree) and tree.data == "scripted":
        base = tree.children[0]
        if isinstance(base, Tree) and base.data in NAME_KINDS:
            return base, cast(list[Tree], tree.children[1:])
    return None


def _is_d(tree: Tree | Token) -> bool:
    return isinstance(tree, Tree) and tree.data == "letter" and str(tree.children[-1]) == "d"


def differential(tree: Tree | Token) -> tuple[Tree, list[Tree]] | None:
    """Ng's `dz`, `dW^{[2]}` — ∂L/∂z, ∂L/∂W2 — as (the name, its scripts), or None: a bare `d`
    juxtaposed with a name (`d_name` where the grammar reads `dZ^{[l]}` at once)."""
    if isinstance(tree, Tree) and tree.data == "d_name":
        _, name, *scripts = tree.children
        return cast(Tree, name), cast(list[Tree], scripts)
    factors = _factors(tree)
    if len(factors) == 2 and _is_d(factors[0]):
        return _named(factors[1])
    return None


def _with_arguments(tree: Tree) -> bool:
    """`∂J/∂θ (θ)` as the grammar reads `\\nabla_\\theta J(\\theta)`: a gradient, then its loss's
    arguments in parentheses."""
    left, right = tree.children[0], tree.children[-1]
    return (
        isinstance(left, Tree)
        and left.data == "gradient"
        and isinstance(right, Tree)
        and right.data in ("group", "vector")
    )


def _outside(node: type, left: Formula, right: Formula) -> Formula:
    """`node(left, right)` with a number factor of either side in front: (c A) B is c (A B), so
    that a slip's fix reads 1/m Xᵀ r, not (1/m Xᵀ) r."""
    c = Fraction(1)
    if isinstance(left, Scale):
        c, left = c * left.factor, left.operand
    if isinstance(right, Scale):
        c, right = c * right.factor, right.operand
    return scale(c, node(left, right))


def _is_transpose(text: str) -> bool:
    return re.fullmatch(r"T|\\top|\\intercal|\\mathsf\{?T\}?|\\mathrm\{?T\}?", text) is not None


def _indices(x: Term) -> str:
    return "".join(i for i in x.index if i) or "none"


def read_name(node: Tree, scripts: list[Tree], indices: Sequence[str], text: str) -> Name:
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
        argument = script_text(script.children[-1])
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
        elif (m := re.fullmatch(r"\((\w)\)", argument)) and m.group(1) in indices:
            found.append(m.group(1))  # CS229's h^{(i)}: example i's entry, i a sum's index
        elif m := re.fullmatch(r"[\[(](\w+)[\])]", argument):
            name += m.group(1)
            written += f"^{{{argument}}}"
        else:
            raise ClaimSyntaxError(
                text,
                _token(script).start_pos or 0,
                f"expected a layer ^{{[1]}}, ^T, ^{{-1}} or a power; received ^{argument}",
            )
    return Name(name, written, tuple(found), transpose, power, inverse)


def role_of(name: str) -> Role:
    base = name[0]
    if base in TARGET_LETTERS:
        return Role.TARGET
    if base in PARAMETER_LETTERS:
        return Role.PARAMETER
    return Role.INPUT


def _parts(head: Tree) -> tuple[Tree, Tree, list[Tree]]:
    """(the loss's name, the variable's name, its scripts) of `∂L/∂X` or `∇_X L`."""
    trees = [c for c in head.children if isinstance(c, Tree)]
    at = next(k for k, t in enumerate(trees) if t.data == "loss_name")
    if at == len(trees) - 1:  # ∇_X L
        return cast(Tree, trees[at].children[0]), trees[0], trees[1:at]
    return cast(Tree, trees[at].children[0]), trees[at + 1], trees[at + 2 :]


def target_of(
    head: Tree | Token, text: str, objective: str, tensors: dict, spelled: dict | None = None
) -> tuple[str, tuple[str, ...]]:
    """(the tensor, its index letters) of `∂L/∂X` or `∂L/∂W_{ij}`: X one of `tensors` (by the
    name a model file gives it, where `spelled` maps the notes' spelling to it), a subscript
    letter an index where the name without it is the tensor."""
    spelled = spelled or {}
    if isinstance(head, Tree) and head.data == "product" and _with_arguments(head):
        head = head.children[0]  # ∇_θ J(θ): the loss with its arguments
    if (differentiated := differential(head)) is not None:  # Ng's dw: ∂L/∂w
        name, scripts = differentiated
    else:
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
    letters = "".join(script_text(s.children[-1]).replace(",", "") for s in scripts if s.data == "sub_script")
    indexed = read_name(name, scripts, tuple(letters) if letters.isalpha() else (), text)
    if spelled.get(indexed.name, indexed.name) in tensors and indexed.indices and not indexed.transpose:
        return spelled.get(indexed.name, indexed.name), indexed.indices
    written = ", ".join(tensors.values())
    raise UnknownTensor(
        text, 0, f"expected ∂{objective}/∂X with X one of {written}; received {plain.written}"
    )
