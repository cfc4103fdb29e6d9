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
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from functools import cache
from importlib.resources import files

from lark import Lark, Token, Transformer, Tree
from lark.exceptions import UnexpectedInput, VisitError

from derive.claim_parser import ClaimSyntaxError, _syntax_error
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
    Hadamard,
    LogSoftmax,
    MatMul,
    MeanAxis,
    Ref,
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
REDUCTIONS = ("sum", "mean", "softmax", "log_softmax")
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
    return Lark(
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
        positional = [a for a in arguments if not isinstance(a, tuple)]
        keywords = dict(a for a in arguments if isinstance(a, tuple))
        if written in REDUCTIONS:
            return self.reduction(token, written, positional, keywords)
        name = activation_named(written) or elementary_named(written)
        if name is None or name in ("reciprocal", "power"):
            raise self.error(
                token,
                f"a function of: {', '.join(ELEMENTWISE)}, {', '.join(REDUCTIONS)}; received '{written}'",
            )
        if len(positional) != 1 or keywords:
            raise self.error(token, f"{written}(x) with one argument; received {len(arguments)}")
        parameter = registry_function(name).parameter
        return Apply(
            Function(name, None if parameter is None else parameter.default), self.tensor(positional[0])
        )

    def reduction(self, token: Token, written: str, positional: list, keywords: dict) -> Formula:
        usage = f"{written}(x, axis=0) or {written}(x, axis=1)"
        if written in ("sum", "mean"):
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
        return LogSoftmax(x, k)

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
