"""NumPy-style trees (`grammars/plain.lark`) → `Formula`: `W1.T @ delta2 * fprime(z1)`, with
NumPy's broadcasting for `*` and a fixed set of functions (`np.outer`, `np.diag`, `.sum(axis=…)`)."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import cast

from lark import Token, Tree

from derive.claim_binding import (
    BATCH_NAMES,
    PENALTY_NAMES,
    SOFTMAX,
    TARGET_NAMES,
    Binder,
    Binding,
    Scalar,
    Value,
)
from derive.course import (
    DEFAULT,
    CodeReading,
    CourseName,
    Layout,
    course_name,
    cs231n_name,
    internal_layer,
    of_the_cost,
)
from derive.formula import (
    ApplyPrime,
    Broadcast,
    Diag,
    Formula,
    Hadamard,
    MatMul,
    Ones,
    SumAxis,
    Transpose,
)

_PLAIN_NAME = re.compile(r"(W|b|a|A|z|Z|delta|Delta|δ|Δ)_?([0-9]+|l|L)")
_PLAIN_GREEK = {"delta": "δ", "Delta": "Δ"}
_PRIME_SUFFIXES = ("_prime", "prime", "_grad", "_deriv")
MAX_POWER = 4  # `x ** n`, `np.power(x, n)`: n a whole number from 1 to this
COURSE_BATCH_NAMES = ("N",)  # CS231n's batch size (Ng's m is one of BATCH_NAMES)


class PlainBinder(Binder):
    """Binds in `reading`'s numbering (`X` is layer 0 when the file uses course names); the
    layout is the caller's (`derive/course.py`: rows are translated after binding)."""

    def __init__(
        self, text: str, binding: Binding, reading: CodeReading = DEFAULT, factor: Fraction = Fraction(1)
    ) -> None:
        super().__init__(text, binding, factor)
        self.reading = reading

    def bind(self, node: Tree | Token) -> Value:
        handler = getattr(self, f"_{node.data}", None) if isinstance(node, Tree) else None
        if handler is None:  # pragma: no cover  (every rule of plain.lark has a handler)
            raise self.error(node, "unexpected input")
        return handler(node)

    def _operands(self, node: Tree) -> tuple[Tree, Token, Tree]:
        left, op, right = node.children
        return cast(Tree, left), cast(Token, op), cast(Tree, right)

    def _add(self, node: Tree) -> Value:
        left, op, right = self._operands(node)
        return self.add(op, self.bind(left), self.bind(right))

    def _sub(self, node: Tree) -> Value:
        left, op, right = self._operands(node)
        return self.add(op, self.bind(left), self.negate(self.bind(right)))

    def _neg(self, node: Tree) -> Value:
        return self.negate(self.bind(node.children[1]))

    def _pos(self, node: Tree) -> Value:
        return self.bind(node.children[1])

    def _matmul(self, node: Tree) -> Value:
        left, op, right = self._operands(node)
        a, b = self.bind(left), self.bind(right)
        if isinstance(a, Scalar) or isinstance(b, Scalar):
            raise self.error(op, "'@' between two matrices; use '*' to scale by a number")
        return MatMul(a, b)

    def _times(self, node: Tree) -> Value:
        """NumPy's `*`: scales by a number, else multiplies entry by entry, broadcasting."""
        left, op, right = self._operands(node)
        return self._broadcast(op, self.bind(left), self.bind(right))

    def _divide(self, node: Tree) -> Value:
        left, op, right = self._operands(node)
        return self.divide(op, self.bind(left), self.bind(right))

    def _power(self, node: Tree) -> Value:
        base, op, exponent = self._operands(node)
        return self.power(op, self.bind(base), self.bind(exponent))

    def power(self, at: Tree | Token, base: Value, exponent: Value) -> Value:
        """`x ** n` (NumPy: entry by entry), n a whole number: x ∘ x ∘ … (n factors)."""
        n = exponent.value if isinstance(exponent, Scalar) else None
        if n is None or n.denominator != 1 or not 1 <= n <= MAX_POWER:
            raise self.error(at, f"a whole exponent from 1 to {MAX_POWER} (x ** 2); received another")
        if isinstance(base, Scalar):
            return Scalar(base.value ** int(n))
        out: Formula = base
        for _ in range(int(n) - 1):
            out = Hadamard(out, base)
        return out

    def _compare(self, node: Tree) -> Value:
        """`z1 > 0` (a boolean mask, 1 where true): relu'(z1), 0 at the kink as jax.grad takes it."""
        left, op, right = self._operands(node)
        bound = self.bind(right)
        if not (isinstance(bound, Scalar) and bound.value == 0):
            raise self.error(
                op, "a mask of positive entries, (z1 > 0); received a comparison with another bound"
            )
        return self.indicator(op, self.bind(left))

    def _where(self, at: Tree, args: list[Value]) -> Value:
        """`np.where(z1 > 0, dh1, 0)`: dh1 where z1 is positive, else 0, i.e. (z1 > 0) * dh1."""
        if len(args) != 3 or not (isinstance(args[2], Scalar) and args[2].value == 0):
            raise self.error(at, "where(mask, x, 0) with the mask (z1 > 0); received other arguments")
        mask, x = args[0], args[1]
        if not isinstance(mask, ApplyPrime):
            raise self.error(at, "where(z1 > 0, x, 0): a mask of positive entries as its first argument")
        return mask if isinstance(x, Scalar) and x.value == 1 else self._broadcast(at, mask, x)

    def _broadcast(self, at: Tree | Token, a: Value, b: Value) -> Value:
        if isinstance(a, Scalar) or isinstance(b, Scalar):
            return self.product(at, a, b)
        return Broadcast(a, b)

    def _transpose(self, node: Tree) -> Value:
        return self.transpose(self.bind(node.children[0]))

    def _number(self, node: Tree) -> Value:
        return self.number(cast(Token, node.children[0]))

    def _group(self, node: Tree) -> Value:
        return self.bind(node.children[1])

    def _name(self, node: Tree) -> Value:
        token = node.children[0]
        written = str(token)
        if written in BATCH_NAMES or written in COURSE_BATCH_NAMES:
            return self.batch_size()
        if written in PENALTY_NAMES:  # CS231n's reg: the L2 penalty's strength
            return self.penalty(cast(Token, token))
        if written == "ones":
            return Ones()
        if written in TARGET_NAMES:
            return self.variable(token, written, None, False)
        if (course := course_name(written)) is not None:
            return self._course(cast(Token, token), written, course)
        if (course := cs231n_name(written, self.binding.last - self.reading.offset)) is not None:
            return self._course(cast(Token, token), written, course)
        match = _PLAIN_NAME.fullmatch(written)
        if not match:
            raise self.error(
                token,
                f"unknown name '{written}'; expected W1, b1, a1, z1, delta2, y, dL/dW1, B, ones "
                "or a course's X, A1, Z1, dZ1, dW1, db1, dA1, theta1, h1, m",
            )
        symbol = _PLAIN_GREEK.get(match.group(1), match.group(1))
        layer_text = match.group(2)
        if layer_text.isdigit():
            layer, from_l = self.layer(token, None, self._shifted(symbol, int(layer_text))), False
        else:
            layer, from_l = self.layer(token, layer_text, 0), layer_text == "l"
        return self.output(self.variable(token, symbol, layer, from_l))

    def _shifted(self, symbol: str, layer: int) -> int:
        """A written layer number in ours (W, b keep theirs)."""
        return layer if symbol in ("W", "b") else layer + self.reading.offset

    def _course(self, token: Token, written: str, course: CourseName) -> Value:
        """`X`, `dZ1`, `theta2`, `h1`, `dW1`: see derive/course.py. With rows as examples the
        d-names are CS231n's, gradients of the cost (`of_the_cost`)."""
        if self.reading.layout == Layout.ROWS:
            course = of_the_cost(course)
        layer = internal_layer(course, self.reading)
        if not 1 <= layer <= self.binding.last:
            raise self.error(token, f"{written} does not exist in this network ({self._layers()})")
        return self.course(token, course, layer, False)

    def _layers(self) -> str:
        last = self.binding.last - self.reading.offset
        first = 1 - self.reading.offset
        inputs = "X, " if first == 0 else ""
        return f"activations {inputs}A{max(first, 1)}…A{last}, W1…W{self.binding.last - 1}"

    def _gradient(self, node: Tree) -> Value:
        token = node.children[0]
        written = str(token)[len("dL/d") :]
        match = _PLAIN_NAME.fullmatch(written)
        if not match or match.group(1) in ("delta", "Delta", "δ", "Δ") or not match.group(2).isdigit():
            raise self.error(token, f"dL/dX with X one of W1, b1, a1, z1; received '{token!s}'")
        layer = self._shifted(match.group(1), int(match.group(2)))
        return self.gradient(token, self.variable(token, match.group(1), layer, False))

    def _attribute(self, node: Tree) -> Value:
        raise self.error(node.children[1], f"unknown attribute '{node.children[2]!s}'; expected .T")

    def _callee(self, node: Tree) -> tuple[str, Tree | None]:
        """(function name, the object of a method call or None)."""
        if node.data == "name":
            return str(node.children[0]), None
        if node.data == "attribute":
            owner, _, attribute = node.children
            if owner.data == "name" and str(owner.children[0]) in ("np", "numpy", "jnp"):
                return str(attribute), None
            return str(attribute), owner
        raise self.error(node, "a function name before '('")

    def _call(self, node: Tree) -> Value:
        callee = node.children[0]
        name, owner = self._callee(callee)
        arguments = next((c for c in node.children if isinstance(c, Tree) and c.data == "arguments"), None)
        positional: list[Value] = [] if owner is None else [self.bind(owner)]
        keywords: dict[str, Tree] = {}
        for argument in [] if arguments is None else [c for c in arguments.children if isinstance(c, Tree)]:
            if argument.data == "keyword":
                keywords[str(argument.children[0])] = argument.children[2]
            else:
                positional.append(self.bind(argument))
        return self._function(callee, name, positional, keywords)

    def _arity(self, at: Tree, name: str, args: list[Value], count: int) -> list[Formula]:
        if len(args) != count:
            raise self.error(
                at, f"{name} takes {count} argument{'s' if count > 1 else ''}; received {len(args)}"
            )
        return [self.matrix(at, a, name) for a in args]

    def _function(self, at: Tree, name: str, args: list[Value], keywords: dict[str, Tree]) -> Value:
        if name == "sum":
            keywords.pop("keepdims", None)  # always kept: vectors are columns here
            axis = keywords.pop("axis", None)
            if axis is None and len(args) == 2 and isinstance(last := args[1], Scalar):  # sum(x, 1), x.sum(1)
                args.pop()
                axis_value = last.value
            elif axis is not None and axis.data == "number":
                axis_value = Fraction(str(axis.children[0]))
            else:
                axis_value = None
            if axis_value not in (0, 1) or keywords:
                raise self.error(at, "sum(x, axis=0) or sum(x, axis=1) (the axis is required)")
            (x,) = self._arity(at, name, args, 1)
            return SumAxis(x, int(axis_value))
        if keywords:
            raise self.error(at, f"{name} takes no keyword arguments; received {', '.join(keywords)}")
        if name == "where":
            return self._where(at, args)
        if name == "diag":
            return Diag(*self._arity(at, name, args, 1))
        if name in ("transpose",):
            return Transpose(*self._arity(at, name, args, 1))
        if name in ("outer",):
            u, v = self._arity(at, name, args, 2)
            return MatMul(u, Transpose(v))  # outer(u, v) = u v^T
        if name in ("dot", "matmul"):
            return MatMul(*self._arity(at, name, args, 2))
        if name == "multiply":
            return Broadcast(*self._arity(at, name, args, 2))
        if name == "power":  # np.power(x, 2): entry by entry
            if len(args) != 2:
                raise self.error(at, f"power takes 2 arguments (x, n); received {len(args)}")
            return self.power(at, args[0], args[1])
        if name == "square":
            (x,) = self._arity(at, name, args, 1)
            return self.power(at, x, Scalar(Fraction(2)))
        if name == SOFTMAX:
            (x,) = self._arity(at, name, args, 1)
            return self.softmax(at, x, prime=False)
        prime = name.endswith(_PRIME_SUFFIXES) or (name.startswith("d") and name[1:] in ("f", "sigma", "act"))
        base = name
        if name.endswith(_PRIME_SUFFIXES):
            base = next(name[: -len(s)] for s in _PRIME_SUFFIXES if name.endswith(s))
        elif prime:
            base = name[1:]
        base = {"sigma": "σ", "phi": "φ", "σ": "σ"}.get(base, base)
        node_type = self.activation(at, base, prime)
        return node_type(*self._arity(at, name, args, 1))
