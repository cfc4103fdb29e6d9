"""Bind a parsed side of an equation to a network: lark tree → `Formula`.

What a name means is decided here, with the network at hand: `W_1` is layer 1's weight matrix
(an error if the network has no layer 1), `\\delta_2` / `delta2` is `δ_2`, `\\frac{\\partial L}
{\\partial z_2}` / `dL/dz2` the true gradient, `B` the batch size, `f`, `\\sigma` the network's
activation. A subscript `l` is bound to `Binding.layer` (the caller tries every layer); `L` is the
last layer. Every problem is a `ClaimSyntaxError` pointing at the token that caused it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from lark import Token, Tree

from derive.claim_parser import ClaimSyntaxError
from derive.formula import (
    Activate,
    Add,
    Broadcast,
    Diag,
    Fill,
    Formula,
    FPrime,
    Grad,
    Hadamard,
    MatMul,
    Ones,
    Scale,
    SumAxis,
    Transpose,
    Var,
)

MAX_SCRIPTS = 6  # sub- and superscripts on one symbol: `W^T_1` has 2
MAX_NUMBER_DIGITS = 12  # digits of a number written in a formula
KNOWN = "W_l, b_l, a_l, z_l, δ_l (A_l, Z_l, Δ_l for a batch), ∂L/∂X, f(·), f'(·), diag(·), numbers and B"
LOSS_NAMES = ("L", "E", "J", "C", "ℓ")
BATCH_NAMES = ("B", "m")
_KINDS = {"W": "W", "b": "b", "a": "a", "A": "a", "z": "z", "Z": "z", "δ": "delta", "Δ": "delta"}
_GREEK = {r"\delta": "δ", r"\Delta": "Δ", r"\ell": "ℓ"}
# activation names as people write them → the registry's names
_ACTIVATION_NAMES = {
    "sigmoid": "sigmoid",
    "logistic": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "ReLU": "relu",
    "leaky-relu": "leaky-relu",
    "LeakyReLU": "leaky-relu",
    "leaky_relu": "leaky-relu",
    "elu": "elu",
    "ELU": "elu",
    "softplus": "softplus",
    "gelu": "gelu",
    "GELU": "gelu",
    "silu": "silu",
    "SiLU": "silu",
    "swish": "silu",
}


@dataclass(frozen=True)
class Binding:
    """What names mean: the layer widths, the batch size, the activation's name, and the value
    of `l` (None until the caller chooses one)."""

    sizes: tuple[int, ...]
    batch: int = 1
    activation: str = "sigmoid"
    layer: int | None = None

    @property
    def last(self) -> int:
        return len(self.sizes)


@dataclass(frozen=True)
class Scalar:
    """A number (or B) while binding; it becomes a `Scale` factor when it meets a matrix."""

    value: Fraction


Value = Formula | Scalar


class LayerOutOfRange(ClaimSyntaxError):
    """`l` chosen such that a layer the formula names does not exist (the caller tries another)."""


class ActivationMismatch(ClaimSyntaxError):
    """A named activation (`\\tanh`, `relu(…)`) that is not the network's."""


class NeedsLayer(ClaimSyntaxError):
    """The formula is written for a general layer `l` and no layer was chosen."""


def position(node: Tree | Token) -> int:
    if isinstance(node, Token):
        return node.start_pos or 0
    meta = node.meta
    return 0 if meta.empty else meta.start_pos


def _is_top(text: str) -> bool:
    """`\\top`, `\\intercal`, `\\mathsf{T}`, `\\mathrm{T}` (one TOP token)."""
    return re.fullmatch(r"\\(top|intercal|math(sf|rm)\s*\{\s*T\s*\})", text) is not None


class _Binder:
    """Shared rules: names, layers, and the arithmetic of scalars and matrices."""

    def __init__(self, text: str, binding: Binding) -> None:
        self.text = text
        self.binding = binding
        self.uses_layer = False
        self.last_from_l = False

    def error(self, node: Tree | Token | int, message: str) -> ClaimSyntaxError:
        return ClaimSyntaxError(self.text, node if isinstance(node, int) else position(node), message)

    # --- layers and names -----------------------------------------------------------------
    def layer(self, at: Tree | Token, letter: str | None, offset: int) -> int:
        """`l + offset`, `L + offset` or a number (letter None)."""
        if letter is None:
            return offset
        if letter == "L":
            return self.binding.last + offset
        if letter == "l":
            self.uses_layer = True
            if self.binding.layer is None:
                raise NeedsLayer(self.text, position(at), "written for a general layer l")
            return self.binding.layer + offset
        raise self.error(at, f"a layer number, l or L as subscript; received '{letter}'")

    def variable(self, at: Tree | Token, symbol: str, layer: int | None, from_l: bool) -> Var:
        self.last_from_l = from_l
        kind = _KINDS[symbol]
        if layer is None:
            raise self.error(at, f"{symbol} needs a layer: write {symbol}_1 (or {symbol}_l)")
        top = self.binding.last - 1 if kind in ("W", "b") else self.binding.last
        if not 1 <= layer <= top:
            cls = LayerOutOfRange if from_l else ClaimSyntaxError
            sizes = ",".join(map(str, self.binding.sizes))
            raise cls(
                self.text,
                position(at),
                f"{symbol}_{layer} does not exist: {symbol}_l has layers 1…{top} "
                f"in this network (sizes {sizes})",
            )
        return Var(kind, layer)

    def gradient(self, at: Tree | Token, var: Var) -> Grad:
        """`∂L/∂X`: the loss is a function of `z_L` (through `f` for mse), so `a_L` has none here."""
        if var.kind == "a" and var.layer == self.binding.last:
            cls = LayerOutOfRange if self.last_from_l else ClaimSyntaxError  # l = L: try another l
            raise cls(
                self.text,
                position(at),
                f"∂L/∂a_{var.layer}: the loss is taken as a function of z_{var.layer} here; "
                f"write ∂L/∂z_{var.layer} (δ_{var.layer}) instead",
            )
        return Grad(var)

    def symbol(self, at: Tree | Token, symbol: str) -> None:
        """Reject symbols that are not network quantities, with the list of what is."""
        if symbol not in _KINDS:
            raise self.error(at, f"unknown symbol '{symbol}'; expected {KNOWN}")

    def activation(self, at: Tree | Token, written: str, prime: bool) -> type:
        """`f`, `σ`, `φ` are the network's activation; a named one must be the network's."""
        if written in ("f", "g", "σ", "φ", "act"):
            return FPrime if prime else Activate
        name = _ACTIVATION_NAMES.get(written)
        if name is None:
            raise self.error(
                at, f"unknown function '{written}'; expected f, f', σ, σ', diag or an activation"
            )
        if name != self.binding.activation:
            raise ActivationMismatch(
                self.text,
                position(at),
                f"the formula applies {name}, but the network's activation is {self.binding.activation} "
                f"(choose it with --activation {name})",
            )
        return FPrime if prime else Activate

    # --- arithmetic -------------------------------------------------------------------------
    def matrix(self, at: Tree | Token, value: Value, what: str) -> Formula:
        if isinstance(value, Scalar):
            raise self.error(at, f"{what} needs a matrix or vector; received the number {value.value}")
        return value

    def product(self, at: Tree | Token, left: Value, right: Value) -> Value:
        """Juxtaposition / `@`: numbers scale, matrices multiply."""
        if isinstance(left, Scalar) and isinstance(right, Scalar):
            return Scalar(left.value * right.value)
        if isinstance(left, Scalar):
            return scale(left.value, right)
        if isinstance(right, Scalar):
            return scale(right.value, left)
        return MatMul(left, right)

    def elementwise(self, at: Tree | Token, left: Value, right: Value) -> Value:
        """`∘`, `⊙` and NumPy's `*`: numbers scale, matrices multiply entry by entry."""
        if isinstance(left, Scalar) or isinstance(right, Scalar):
            return self.product(at, left, right)
        return Hadamard(left, right)

    def divide(self, at: Tree | Token, left: Value, right: Value) -> Value:
        if not isinstance(right, Scalar):
            raise self.error(at, "a number (or B) to divide by; received a matrix")
        if right.value == 0:
            raise self.error(at, "a non-zero number to divide by; received 0")
        return self.product(at, left, Scalar(1 / right.value))

    def add(self, at: Tree | Token, left: Value, right: Value) -> Value:
        """`+`; a number added to a matrix means that number in every entry (`1 - a_1`)."""
        if isinstance(left, Scalar) and isinstance(right, Scalar):
            return Scalar(left.value + right.value)
        if isinstance(left, Scalar):
            left = Fill(left.value, right)
        if isinstance(right, Scalar):
            right = Fill(right.value, left)
        return Add(left, right)

    def negate(self, value: Value) -> Value:
        return Scalar(-value.value) if isinstance(value, Scalar) else scale(Fraction(-1), value)

    def transpose(self, value: Value) -> Value:
        return value if isinstance(value, Scalar) else Transpose(value)

    def number(self, token: Token) -> Scalar:
        digits = str(token).replace(".", "").lstrip("0")
        if len(digits) > MAX_NUMBER_DIGITS:
            raise self.error(token, f"a number of at most {MAX_NUMBER_DIGITS} digits; received {len(digits)}")
        return Scalar(Fraction(str(token)))

    def batch_size(self) -> Scalar:
        return Scalar(Fraction(self.binding.batch))


def scale(factor: Fraction, x: Formula) -> Formula:
    """`factor · x`, merging nested factors (`2 (½ x)` is `x`)."""
    if isinstance(x, Scale):
        factor, x = factor * x.factor, x.operand
    return x if factor == 1 else Scale(factor, x)


# --- LaTeX -------------------------------------------------------------------------------------
class LatexBinder(_Binder):
    def bind(self, node: Tree | Token) -> Value:
        if isinstance(node, Token):  # a bare letter or number reduced to its token
            raise self.error(node, f"unexpected '{node!s}'")
        handler = getattr(self, f"_{node.data}", None)
        if handler is None:  # pragma: no cover  (every rule of latex.lark has a handler)
            raise self.error(node, f"unexpected {node.data}")
        return handler(node)

    def _sides(self, node: Tree) -> list[Tree | Token]:
        return [c for c in node.children if isinstance(c, Tree)]

    def _add(self, node: Tree) -> Value:
        left, right = self._sides(node)
        return self.add(node.children[1], self.bind(left), self.bind(right))

    def _sub(self, node: Tree) -> Value:
        left, right = self._sides(node)
        return self.add(node.children[1], self.bind(left), self.negate(self.bind(right)))

    def _neg(self, node: Tree) -> Value:
        return self.negate(self.bind(node.children[1]))

    def _pos(self, node: Tree) -> Value:
        return self.bind(node.children[1])

    def _hadamard(self, node: Tree) -> Value:
        left, right = self._sides(node)
        return self.elementwise(node.children[1], self.bind(left), self.bind(right))

    def _product(self, node: Tree) -> Value:
        left, right = self._sides(node)
        return self.product(right, self.bind(left), self.bind(right))

    def _divide(self, node: Tree) -> Value:
        left, right = self._sides(node)
        return self.divide(node.children[1], self.bind(left), self.bind(right))

    def _number(self, node: Tree) -> Value:
        return self.number(node.children[0])

    def _group(self, node: Tree) -> Value:
        return self.bind(self._sides(node)[0])

    def _ones(self, node: Tree) -> Value:
        font, number = node.children
        if str(number) != "1":
            raise self.error(number, f"{font}{{1}}, the vector of ones; received {font}{{{number}}}")
        return Ones()

    # names: a base symbol with sub- and superscripts in any order
    def _letter(self, node: Tree) -> Value:
        return self._name(node, [])

    _greek = _font_letter = _font_greek = _letter

    def _scripted(self, node: Tree) -> Value:
        atom, *scripts = node.children
        if isinstance(atom, Tree) and atom.data in ("letter", "greek", "font_letter", "font_greek"):
            return self._name(atom, scripts)
        value = self.bind(atom)
        self._count(scripts)
        transposes = 0
        for script in scripts:
            if script.data != "sup_script" or self._superscript(script) != (None, 1):
                raise self.error(script, "only a transpose (^T) may follow a parenthesis or function")
            transposes += 1
        return self.transpose(value) if transposes % 2 else value

    def _count(self, scripts: list[Tree]) -> None:
        if len(scripts) > MAX_SCRIPTS:
            raise self.error(scripts[MAX_SCRIPTS], f"at most {MAX_SCRIPTS} sub- and superscripts in a row")

    def _base(self, node: Tree) -> tuple[str, Token, list[Tree]]:
        """(symbol, its token, the scripts written inside a font's braces)."""
        tokens = [c for c in node.children if isinstance(c, Token)]
        token = tokens[-1]
        inner = [c for c in node.children if isinstance(c, Tree)]
        return _GREEK.get(str(token), str(token)), token, inner

    def _name(self, node: Tree, scripts: list[Tree]) -> Value:
        symbol, token, inner = self._base(node)
        scripts = inner + list(scripts)
        if symbol in BATCH_NAMES and not scripts:
            return self.batch_size()
        self.symbol(token, symbol)
        layer, from_l, transposes = None, False, 0
        self._count(scripts)
        for script in scripts:
            if script.data == "prime_script":
                raise self.error(
                    script, f"a prime on {symbol}: write f'(z_l) for the activation's derivative"
                )
            if script.data == "sub_script":
                found = self._layer(script.children[1])
            else:
                found, marks = self._superscript(script)
                transposes += marks
                if found is None:
                    continue
            if layer is not None:
                raise self.error(script, f"one layer for {symbol}; received a second one")
            layer, from_l = found[0], found[1]
        value: Value = self.variable(token, symbol, layer, from_l)
        return self.transpose(value) if transposes % 2 else value

    def _layer(self, arg: Tree | Token) -> tuple[int, bool]:
        """A subscript (or a `^{(l)}` superscript) → (layer, whether it involves l)."""
        if isinstance(arg, Token):
            return self._layer_parts(arg, [arg])
        if arg.data == "sub_arg":
            if isinstance(arg.children[0], Token):
                return self._layer_parts(arg, arg.children)
            arg = arg.children[0]
        if arg.data == "sub_inner":
            arg = arg.children[0]
        return self._layer_parts(arg, arg.children)

    def _layer_parts(self, at: Tree | Token, parts: list) -> tuple[int, bool]:
        texts = [str(p) for p in parts]
        if len(texts) == 1 and texts[0].isdigit():
            return self.layer(at, None, int(texts[0])), False
        if len(texts) == 1 and texts[0].isalpha():
            return self.layer(at, texts[0], 0), texts[0] == "l"
        if len(texts) == 3 and texts[0].isalpha() and texts[2].isdigit():
            offset = int(texts[2]) * (1 if texts[1] == "+" else -1)
            return self.layer(at, texts[0], offset), texts[0] == "l"
        raise self.error(at, f"a layer (1, l, l+1, L) as subscript; received '{''.join(texts)}'")

    def _superscript(self, script: Tree) -> tuple[tuple[int, bool] | None, int]:
        """(the layer of `^{(l)}` / `^{[l]}` with whether it involves l, or None; transposes)."""
        if script.data != "sup_script":
            raise self.error(script, "a transpose (^T) here")
        arg = script.children[1]
        parts = arg.children
        if len(parts) == 1 and isinstance(parts[0], Tree):  # {…}
            parts = parts[0].children
        texts = [str(p) for p in parts if isinstance(p, Token)]
        if len(texts) == 1 and (texts[0] == "T" or _is_top(texts[0])):
            return None, 1
        if len(texts) == 2 and texts[0] in (r"\mathsf", r"\mathrm") and texts[1] == "T":
            return None, 1
        layers = [p for p in parts if isinstance(p, Tree) and p.data == "layer_expr"]
        if len(layers) == 1:  # ^{(1)}, ^{[l]}, ^{[1]T}
            marks = [str(p.children[0]) for p in parts if isinstance(p, Tree) and p.data == "sup_mark"]
            if marks and not (marks[0] == "T" or _is_top(marks[0])):
                raise self.error(script, f"a transpose (T) after the layer; received '{marks[0]}'")
            return self._layer_parts(layers[0], layers[0].children), len(marks)
        written = "".join(texts)
        raise self.error(
            script, f"a transpose (^T, ^\\top) or a layer (^{{(1)}}) as superscript; received '{written}'"
        )

    # ∂L/∂X
    def _gradient(self, node: Tree) -> Value:
        trees = [c for c in node.children if isinstance(c, Tree)]
        loss = next(t for t in trees if t.data == "loss_name")
        name = next(t for t in trees if t.data != "loss_name" and t is not loss)
        scripts = [t for t in trees if t.data.endswith("_script")]
        loss_symbol, loss_token, _ = self._base(loss.children[0])
        if loss_symbol not in LOSS_NAMES:
            raise self.error(
                loss_token, f"the loss ({', '.join(LOSS_NAMES)}) in ∂L/∂X; received '{loss_symbol}'"
            )
        value = self._name(name, scripts)
        if not isinstance(value, Var) or value.kind == "delta":
            raise self.error(name, "∂L/∂X with X one of W_l, b_l, a_l, z_l (untransposed)")
        return self.gradient(name, value)

    def _fraction(self, node: Tree) -> Value:
        numerator, denominator = self._sides(node)
        return self.divide(denominator, self.bind(numerator), self.bind(denominator))

    def _fraction_digits(self, node: Tree) -> Value:
        digits = str(node.children[1])
        if len(digits) != 2 or not digits.isdigit() or digits[1] == "0":
            raise self.error(
                node.children[1], f"\\frac with braces, e.g. \\frac{{1}}{{2}}; received \\frac{digits}"
            )
        return Scalar(Fraction(int(digits[0]), int(digits[1])))

    def _application(self, node: Tree) -> Value:
        function = node.children[0]
        prime = any(isinstance(c, Tree) and c.data == "prime" for c in node.children)
        argument = self.bind(self._sides(node)[-1])
        token = function.children[0]
        written = str(token)
        if token.type == "NAMED_FUNCTION":
            inner = re.search(r"\{\s*([A-Za-z-]+)\s*\}", written)
            written = inner.group(1) if inner else written.lstrip("\\")
        written = {r"\sigma": "σ", r"\phi": "φ", r"\varphi": "φ"}.get(written, written)
        if written == "diag":
            if prime:
                raise self.error(token, "diag takes no prime")
            return Diag(self.matrix(token, argument, "diag"))
        node_type = self.activation(token, written, prime)
        return node_type(self.matrix(token, argument, written))


# --- plain (NumPy-style) ---------------------------------------------------------------------
_PLAIN_NAME = re.compile(r"(W|b|a|A|z|Z|delta|Delta|δ|Δ)_?([0-9]+|l|L)")
_PLAIN_GREEK = {"delta": "δ", "Delta": "Δ"}
_PRIME_SUFFIXES = ("_prime", "prime", "_grad", "_deriv")


class PlainBinder(_Binder):
    def bind(self, node: Tree | Token) -> Value:
        handler = getattr(self, f"_{node.data}", None) if isinstance(node, Tree) else None
        if handler is None:  # pragma: no cover  (every rule of plain.lark has a handler)
            raise self.error(node, "unexpected input")
        return handler(node)

    def _operands(self, node: Tree) -> tuple[Tree, Token, Tree]:
        left, op, right = node.children
        return left, op, right

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
        a, b = self.bind(left), self.bind(right)
        if isinstance(a, Scalar) or isinstance(b, Scalar):
            return self.product(op, a, b)
        return Broadcast(a, b)

    def _divide(self, node: Tree) -> Value:
        left, op, right = self._operands(node)
        return self.divide(op, self.bind(left), self.bind(right))

    def _transpose(self, node: Tree) -> Value:
        return self.transpose(self.bind(node.children[0]))

    def _number(self, node: Tree) -> Value:
        return self.number(node.children[0])

    def _group(self, node: Tree) -> Value:
        return self.bind(node.children[1])

    def _name(self, node: Tree) -> Value:
        token = node.children[0]
        written = str(token)
        if written in BATCH_NAMES:
            return self.batch_size()
        if written == "ones":
            return Ones()
        match = _PLAIN_NAME.fullmatch(written)
        if not match:
            raise self.error(
                token, f"unknown name '{written}'; expected W1, b1, a1, z1, delta2, dL/dW1, B, ones"
            )
        symbol = _PLAIN_GREEK.get(match.group(1), match.group(1))
        layer_text = match.group(2)
        if layer_text.isdigit():
            layer, from_l = self.layer(token, None, int(layer_text)), False
        else:
            layer, from_l = self.layer(token, layer_text, 0), layer_text == "l"
        return self.variable(token, symbol, layer, from_l)

    def _gradient(self, node: Tree) -> Value:
        token = node.children[0]
        written = str(token)[len("dL/d") :]
        match = _PLAIN_NAME.fullmatch(written)
        if not match or match.group(1) in ("delta", "Delta", "δ", "Δ") or not match.group(2).isdigit():
            raise self.error(token, f"dL/dX with X one of W1, b1, a1, z1; received '{token!s}'")
        return self.gradient(token, self.variable(token, match.group(1), int(match.group(2)), False))

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
            if axis is None and len(args) == 2 and isinstance(args[1], Scalar):  # sum(x, 1), x.sum(1)
                axis_value = args.pop().value
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
        prime = name.endswith(_PRIME_SUFFIXES) or (name.startswith("d") and name[1:] in ("f", "sigma", "act"))
        base = name
        if name.endswith(_PRIME_SUFFIXES):
            base = next(name[: -len(s)] for s in _PRIME_SUFFIXES if name.endswith(s))
        elif prime:
            base = name[1:]
        base = {"sigma": "σ", "phi": "φ", "σ": "σ"}.get(base, base)
        node_type = self.activation(at, base, prime)
        return node_type(*self._arity(at, name, args, 1))


def bind(tree: Tree | Token, text: str, syntax: str, binding: Binding) -> tuple[Value, bool]:
    """(the value of one side, whether it is written for a general layer l)."""
    binder = (LatexBinder if syntax == "latex" else PlainBinder)(text, binding)
    value = binder.bind(tree)
    return value, binder.uses_layer
