"""A model file's formulas read into the model IR: forward lines `h = tanh(W1 @ x + b1)` and
claims `(p - y) @ h.T / 3`, in NumPy style (`grammars/model.lark`), never evaluated.

What each operation becomes (`derive/formula.py`), with the shapes of the tensors known so far:

    x + y, x - y     Add (equal shapes) or BroadcastAdd (NumPy broadcasting: b n×1 + Z n×B)
    x * y, x / y     Hadamard (equal shapes) or Broadcast; x / y is x * reciprocal(y)
    c * x, x / c     Scale(c, x) for a number c;  x + c: BroadcastAdd(x, [c]) (a 1 × 1 number)
    x ** p           Apply(power, x), p a number (the Function's parameter)
    x @ y, x.T       MatMul, Transpose
    f(x)             Apply(f, x), f any elementwise function of the registry (tanh, exp, log,
                     sqrt, sigmoid, relu, …)
    sum(x)           sum of every entry (1 × 1): SumAxis(SumAxis(x, 0), 1)
    sum(x, axis=k)   SumAxis(x, k), keepdims: axis 0 sums each column (1 × c), axis 1 each row
    mean(x[, axis])  MeanAxis, as sum
    softmax(x, axis=k)       Softmax (axis 0, each column); axis 1: (softmax(xᵀ, axis=0))ᵀ
    log_softmax(x, axis=k)   LogSoftmax
    x > 0            claims only: relu'(x), the indicator of a positive entry (ApplyPrime(relu))
    x == y           claims only: Equal, 1 where equal (the argmax mask `x == max(x, axis=0)`)
    conv1d(x, w, stride=1, padding=0, dilation=1)   Correlate along the vector x (n×1 or 1×n),
                     w k×1 or 1×k: cross-correlation, as PyTorch's F.conv1d on one channel
    conv2d(X, K, stride=1, padding=0, dilation=1)   Correlate, X H×W, K kh×kw; a keyword is one
                     number for both axes or a pair (2, 1)
    flip(x)          Flip, reversed along both axes (np.flip); repeat(x, k, axis=…) Repeat (np.repeat)
    max(x[, axis])   MaxAxis, as sum
    maxpool1d(x, size, stride=size), maxpool2d(X, size, stride=size)   MaxPool (no padding)
    kron(A, B)       Kron, the Kronecker product (np.kron): A r1×c1, B r2×c2 give r1·r2 × c1·c2
    outer(x, y)      np.outer of two vectors (each n×1 or 1×n): the n×m matrix x yᵀ, read as
                     MatMul(x, Transpose(y)) of the columns (a row is transposed first) — an
                     outer product is that product, no node of its own
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from functools import cache
from importlib.resources import files

from lark import Lark, Token, Transformer, Tree
from lark.exceptions import UnexpectedInput, VisitError

from derive.claim_parser import ClaimSyntaxError, _syntax_error
from derive.disk_cache import lark_parser
from derive.formula import (
    Add,
    Apply,
    ApplyPrime,
    Broadcast,
    BroadcastAdd,
    Column,
    Correlate,
    Dims,
    Equal,
    Flip,
    Formula,
    Function,
    Hadamard,
    Kron,
    LogSoftmax,
    MatMul,
    MaxAxis,
    MaxPool,
    MeanAxis,
    Ref,
    Repeat,
    Scale,
    ShapeMismatch,
    Softmax,
    SumAxis,
    Transpose,
    shape,
    to_text,
)
from derive.registry import ACTIVATIONS, ELEMENTARY, activation_named, elementary_named
from derive.registry import function as registry_function

MAX_FORMULA_CHARS = 2000
REDUCTIONS = ("sum", "mean", "softmax", "log_softmax", "max")
WINDOWS = ("conv1d", "conv2d", "flip", "repeat", "maxpool1d", "maxpool2d")
PRODUCTS = ("kron", "outer")
# how each window function is called, as the error messages state it
USAGE = {
    "conv1d": "conv1d(x, w, stride=1, padding=0, dilation=1) with x n×1 and w k×1 (or both rows)",
    "conv2d": "conv2d(X, K, stride=1, padding=0, dilation=1), each keyword a number or a pair (2, 1)",
    "flip": "flip(x)",
    "repeat": "repeat(x, k, axis=0) or repeat(x, k, axis=1), k a whole number ≥ 1",
    "maxpool1d": "maxpool1d(x, size, stride=size) with x n×1 or 1×n",
    "maxpool2d": "maxpool2d(X, size, stride=size), each a number or a pair (2, 2)",
    "kron": "kron(A, B), the Kronecker product of two tensors",
    "outer": "outer(x, y) of two vectors, each n×1 or 1×n",
}
_KEYWORDS = {
    "conv1d": ("stride", "padding", "dilation"),
    "conv2d": ("stride", "padding", "dilation"),
    "flip": (),
    "repeat": ("axis",),
    "maxpool1d": ("size", "stride"),
    "maxpool2d": ("size", "stride"),
}


class Pair(tuple):
    """`(2, 1)` as written: a window keyword's two values (rows, columns)."""


# elementwise functions a model file may name: the registry's, but not the claims' internals
ELEMENTWISE = tuple(sorted((*ACTIVATIONS, *(e for e in ELEMENTARY if e not in ("reciprocal", "power")))))
_DIMS = Dims((), 1, 1)

Value = Formula | Fraction  # a number stays a number until it meets a tensor


class FormulaShapeError(ClaimSyntaxError):
    """A formula that reads, but whose shapes do not fit: `reason` names the operation and the
    shapes (`matrix product of 2×3 and 5×3 in (p - y) h`)."""

    def __init__(self, text: str, position: int, reason: str) -> None:
        self.reason = reason
        super().__init__(text, position, f"expected shapes that fit; received {reason}")


@cache
def _parser() -> Lark:
    text = files("derive").joinpath("grammars", "model.lark").read_text(encoding="utf-8")
    return lark_parser(
        text, parser="lalr", propagate_positions=True, maybe_placeholders=False, start=["equation", "formula"]
    )


def _position(item: object) -> int:
    if isinstance(item, Token) and item.start_pos is not None:
        return item.start_pos
    meta = getattr(item, "meta", None)
    return getattr(meta, "start_pos", 0) if meta is not None and not meta.empty else 0


def _number(value: Fraction) -> Column:
    """A number where a tensor belongs: the 1 × 1 matrix [value] (broadcast against the other)."""
    return Column((value,))


class _Reader(Transformer):
    """Lark tree → model IR. `shapes`: the tensors known (given, and intermediates defined above)."""

    def __init__(self, text: str, shapes: Mapping[str, tuple[int, int]], claim: bool) -> None:
        super().__init__()
        self.text, self.shapes, self.claim = text, shapes, claim

    def error(self, at: object, message: str) -> ClaimSyntaxError:
        return ClaimSyntaxError(self.text, _position(at), f"expected {message}")

    def shape(self, node: Formula, at: object) -> tuple[int, int]:
        try:
            return shape(node, _DIMS, self.shapes)
        except ShapeMismatch as e:
            reason = f"{e.reason} in {to_text(e.node)}"
            raise FormulaShapeError(self.text, _position(at), reason) from None

    def tensor(self, value: Value) -> Formula:
        if isinstance(value, Pair):
            raise ClaimSyntaxError(self.text, 0, "expected a tensor or a number; received a pair (a, b)")
        return _number(value) if isinstance(value, Fraction) else value

    # --- leaves ---------------------------------------------------------------------------
    def name(self, items: list) -> Formula:
        (token,) = items
        if str(token) not in self.shapes:
            known = ", ".join(self.shapes) or "none yet"
            raise self.error(token, f"a tensor defined above ({known}); received '{token}'")
        return Ref(str(token))

    def number(self, items: list) -> Fraction:
        return Fraction(str(items[0]))

    def group(self, items: list) -> Value:
        return items[1]

    def pair(self, items: list) -> Pair:
        return Pair(i for i in items if not isinstance(i, Token))

    # --- elementwise, with NumPy's broadcasting ---------------------------------------------
    def _elementwise(self, left: Value, right: Value, at: Token, add: bool) -> Formula:
        x, y = self.tensor(left), self.tensor(right)
        equal = self.shape(x, at) == self.shape(y, at)
        node = (Add if equal else BroadcastAdd)(x, y) if add else (Hadamard if equal else Broadcast)(x, y)
        self.shape(node, at)
        return node

    def add(self, items: list) -> Value:
        left, op, right = items
        if isinstance(left, Fraction) and isinstance(right, Fraction):
            return left + right
        return self._elementwise(left, right, op, add=True)

    def sub(self, items: list) -> Value:
        left, op, right = items
        return self.add([left, op, -right if isinstance(right, Fraction) else _negate(right)])

    def times(self, items: list) -> Value:
        left, op, right = items
        if isinstance(left, Fraction) and isinstance(right, Fraction):
            return left * right
        if isinstance(left, Fraction):
            return _scale(left, right)
        if isinstance(right, Fraction):
            return _scale(right, left)
        return self._elementwise(left, right, op, add=False)

    def divide(self, items: list) -> Value:
        left, op, right = items
        if isinstance(right, Fraction):
            if right == 0:
                raise self.error(op, "a nonzero divisor; received 0")
            return left / right if isinstance(left, Fraction) else _scale(1 / right, left)
        inverse = Apply(Function("reciprocal"), right)
        if isinstance(left, Fraction):
            return _scale(left, inverse)
        return self._elementwise(left, inverse, op, add=False)

    def neg(self, items: list) -> Value:
        x = items[-1]
        return -x if isinstance(x, Fraction) else _negate(x)

    def pos(self, items: list) -> Value:
        return items[-1]

    def power(self, items: list) -> Value:
        base, op, exponent = items
        if not isinstance(exponent, Fraction):
            raise self.error(op, "a number as the exponent (x ** 2); received a tensor")
        if isinstance(base, Fraction) and exponent.denominator == 1 and (base != 0 or exponent >= 0):
            return base**exponent.numerator
        if exponent == 1:
            return base
        return Apply(Function("power", exponent), self.tensor(base))

    # --- matrices ---------------------------------------------------------------------------
    def matmul(self, items: list) -> Formula:
        left, op, right = items
        if isinstance(left, Fraction) or isinstance(right, Fraction):
            raise self.error(
                op, "a matrix on each side of @; received a number (write * for a scalar factor)"
            )
        node = MatMul(left, right)
        self.shape(node, op)
        return node

    def transpose(self, items: list) -> Value:
        x = items[0]
        if isinstance(x, Fraction):
            return x
        return x.operand if isinstance(x, Transpose) else Transpose(x)

    # --- functions --------------------------------------------------------------------------
    def keyword(self, items: list) -> tuple[str, Value]:
        name, _, value = items
        return str(name), value

    def arguments(self, items: list) -> list:
        return [i for i in items if not (isinstance(i, Token) and i.type == "COMMA")]

    def call(self, items: list) -> Formula:
        token, _, arguments, _ = items
        written = str(token)
        positional = [a for a in arguments if not _is_keyword(a)]
        keywords = dict(a for a in arguments if _is_keyword(a))
        if written in REDUCTIONS:
            return self.reduction(token, written, positional, keywords)
        if written in WINDOWS:
            return self.window(token, written, positional, keywords)
        if written in PRODUCTS:
            return self.product(token, written, positional, keywords)
        name = activation_named(written) or elementary_named(written)
        if name is None or name in ("reciprocal", "power"):
            raise self.error(
                token,
                f"a function of: {', '.join(ELEMENTWISE)}, {', '.join(REDUCTIONS)}, {', '.join(WINDOWS)},"
                f" {', '.join(PRODUCTS)};"
                f" received '{written}'",
            )
        if len(positional) != 1 or keywords:
            raise self.error(token, f"{written}(x) with one argument; received {len(arguments)}")
        parameter = registry_function(name).parameter
        return Apply(
            Function(name, None if parameter is None else parameter.default), self.tensor(positional[0])
        )

    def reduction(self, token: Token, written: str, positional: list, keywords: dict) -> Formula:
        usage = f"{written}(x, axis=0) or {written}(x, axis=1)"
        if written in ("sum", "mean", "max"):
            usage = f"{written}(x), " + usage
        if extra := sorted(set(keywords) - {"axis"}):
            raise self.error(token, f"{usage}; received the keyword {extra[0]}")
        if len(positional) == 2 and "axis" not in keywords:
            keywords["axis"] = positional.pop()
        if len(positional) != 1:
            raise self.error(token, f"{usage}; received {len(positional)} arguments")
        x = self.tensor(positional[0])
        axis = keywords.get("axis")
        if axis is None:
            if written in ("softmax", "log_softmax"):
                raise self.error(token, f"{usage} (the axis it normalizes along); received no axis")
            if written == "max":  # the largest entry
                return MaxAxis(x, None)
            inner = SumAxis(SumAxis(x, 0), 1) if written == "sum" else MeanAxis(MeanAxis(x, 0), 1)
            return inner
        if axis not in (Fraction(0), Fraction(1)):
            raise self.error(token, f"{usage}; received axis={axis}")
        k = int(axis)
        match written:
            case "sum":
                return SumAxis(x, k)
            case "mean":
                return MeanAxis(x, k)
            case "softmax":  # along axis 1: each row's, the transposed columns'
                return Softmax(x) if k == 0 else Transpose(Softmax(Transpose(x)))
            case "max":
                return MaxAxis(x, k)
        return LogSoftmax(x, k)

    def window(self, token: Token, written: str, positional: list, keywords: dict) -> Formula:
        """conv1d, conv2d, flip, repeat, maxpool1d, maxpool2d: their tensors, then their whole
        numbers (by keyword; pooling's size and stride and repeat's count also by position)."""
        usage = USAGE[written]
        tensors = 2 if written.startswith("conv") else 1
        if extra := sorted(set(keywords) - set(_KEYWORDS[written])):
            raise self.error(token, f"{usage}; received the keyword {extra[0]}")
        named = (
            ("size", "stride") if written.startswith("maxpool") else ("times",) if written == "repeat" else ()
        )
        if len(positional) > tensors + len(named):
            raise self.error(token, f"{usage}; received {len(positional)} arguments")
        if len(positional) < tensors:
            raise self.error(token, f"{usage}; received {len(positional)} tensor(s)")
        for word, value in zip(named, positional[tensors:], strict=False):
            if word in keywords:
                raise self.error(token, f"{usage}; received {word} twice")
            keywords[word] = value
        operands = [self.tensor(v) for v in positional[:tensors]]
        x = operands[0]
        if written == "flip":
            return Flip(x)
        if written == "repeat":
            if "times" not in keywords or "axis" not in keywords:
                raise self.error(
                    token, f"{usage}; received no {'count' if 'times' not in keywords else 'axis'}"
                )
            times = self.count(keywords["times"], token, usage, "the count", 1)
            axis = keywords["axis"]
            if axis not in (Fraction(0), Fraction(1)):
                raise self.error(token, f"{usage}; received axis={_show(axis)}")
            return Repeat(x, times, int(axis))
        two = written.endswith("2d")
        r, c = self.shape(x, token)
        axis = None if two else (0 if c == 1 else 1)
        if not two and r != 1 and c != 1:
            raise self.error(token, f"{usage}; received a {r}×{c} matrix")

        def numbers(word: str, default: int, low: int) -> tuple[int, int]:
            value = keywords.get(word, Fraction(default))
            if isinstance(value, Pair):
                if not two or len(value) != 2:
                    raise self.error(token, f"{usage}; received {word}={_show(value)}")
                return (
                    self.count(value[0], token, usage, word, low),
                    self.count(value[1], token, usage, word, low),
                )
            n = self.count(value, token, usage, word, low)
            if two:
                return (n, n)
            rest = 1 if low == 1 else 0  # the other axis: stride 1, padding 0, dilation 1
            return (n, rest) if axis == 0 else (rest, n)

        if written.startswith("maxpool"):
            if "size" not in keywords:
                raise self.error(token, f"{usage}; received no size")
            if not two:  # the window spans the vector's axis only
                keywords.setdefault("stride", keywords["size"])
            size = numbers("size", 1, 1)
            stride = numbers("stride", 1, 1) if "stride" in keywords else size
            node: Formula = MaxPool(x, size, stride, axis)
        else:
            node = Correlate(
                x,
                operands[1],
                numbers("stride", 1, 1),
                numbers("padding", 0, 0),
                numbers("dilation", 1, 1),
                axis,
            )
        self.shape(node, token)
        return node

    def product(self, token: Token, written: str, positional: list, keywords: dict) -> Formula:
        """kron(A, B): the Kronecker product; outer(x, y): x yᵀ of two vectors (np.outer)."""
        usage = USAGE[written]
        if keywords:
            raise self.error(token, f"{usage}; received the keyword {sorted(keywords)[0]}")
        if len(positional) != 2:
            raise self.error(token, f"{usage}; received {len(positional)} argument(s)")
        x, y = (self.tensor(v) for v in positional)
        if written == "kron":
            node: Formula = Kron(x, y)
        else:  # x yᵀ of the columns: a row is transposed to a column first
            column = []
            for v in (x, y):
                r, c = self.shape(v, token)
                if r != 1 and c != 1:
                    raise self.error(token, f"{usage}; received a {r}×{c} matrix")
                column.append(v if c == 1 else _transposed(v))
            node = MatMul(column[0], _transposed(column[1]))
        self.shape(node, token)
        return node

    def count(self, value: object, token: Token, usage: str, word: str, low: int) -> int:
        """A keyword's whole number, at least `low` (stride 1, padding 0), as written."""
        if not isinstance(value, Fraction) or value.denominator != 1 or value < low:
            want = "≥ 1" if low == 1 else "≥ 0"
            raise self.error(token, f"{usage} ({word} a whole number {want}); received {word}={_show(value)}")
        return int(value)

    def equal(self, items: list) -> Formula:
        left, op, right = items
        if not self.claim:
            raise self.error(op, "a forward formula; a comparison (x == y) is read in claims only, as a mask")
        x, y = self.tensor(left), self.tensor(right)
        node = Equal(x, y)
        self.shape(node, op)
        return node

    def compare(self, items: list) -> Formula:
        left, op, right = items
        if not self.claim:
            raise self.error(
                op, "a forward formula; a comparison (x > 0) is read in claims only, as relu'(x)"
            )
        if right != 0 or isinstance(left, Fraction):
            raise self.error(op, "x > 0 (relu'(x), the indicator of a positive entry)")
        return ApplyPrime(Function("relu"), left)

    # --- the two kinds of line --------------------------------------------------------------
    def equation(self, items: list) -> tuple[str, Formula]:
        target, _, value = items
        return str(target), self.whole(value)

    def formula(self, items: list) -> Formula:
        return self.whole(items[0])

    def whole(self, value: Value) -> Formula:
        node = self.tensor(value)
        self.shape(node, 0)
        return node


def _is_keyword(argument: object) -> bool:
    """`name=value` (a pair of the name and its value), not a pair of numbers `(2, 1)`."""
    return isinstance(argument, tuple) and not isinstance(argument, Pair)


def _show(value: object) -> str:
    """A keyword's value as written: 2, 1/2, (2, 1), or 'a tensor'."""
    if isinstance(value, Pair):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    if isinstance(value, Fraction):
        return str(value)
    return f"a tensor ({to_text(value)})" if isinstance(value, Formula) else repr(value)


def _transposed(x: Formula) -> Formula:
    """xᵀ, a transpose's operand for a transpose (`(yᵀ)ᵀ` is `y`)."""
    return x.operand if isinstance(x, Transpose) else Transpose(x)


def _scale(factor: Fraction, x: Formula) -> Formula:
    """`factor · x`, one Scale: c (d x) is (c d) x, and 1 x is x."""
    if isinstance(x, Scale):
        factor, x = factor * x.factor, x.operand
    return x if factor == 1 else Scale(factor, x)


def _negate(x: Formula) -> Formula:
    return _scale(Fraction(-1), x)


def _parse(text: str, start: str, shapes: Mapping[str, tuple[int, int]], claim: bool):
    if len(text) > MAX_FORMULA_CHARS:
        raise ClaimSyntaxError(text[:80], 80, f"expected a formula of at most {MAX_FORMULA_CHARS} characters")
    try:
        tree: Tree = _parser().parse(text, start=start)
    except UnexpectedInput as e:
        raise _syntax_error(text, e) from None
    try:
        return _Reader(text, shapes, claim).transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, ClaimSyntaxError):
            raise e.orig_exc from None
        raise


def read_equation(text: str, shapes: Mapping[str, tuple[int, int]]) -> tuple[str, Formula]:
    """`name = expression` → (name, its formula), the names in `shapes` known. Raises
    `ClaimSyntaxError` naming what was expected and where."""
    return _parse(text, "equation", shapes, claim=False)


def read_formula(text: str, shapes: Mapping[str, tuple[int, int]]) -> Formula:
    """A claim's right side (`(p - y) @ h.T / 3`) → its formula; `x > 0` reads as relu'(x)."""
    return _parse(text, "formula", shapes, claim=True)
