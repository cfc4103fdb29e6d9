"""Bind a parsed side of an equation to a network: the rules both notations share.

What a name means is decided here, with the network at hand: `W_1` is layer 1's weight matrix
(an error if the network has no layer 1), `\\delta_2` / `delta2` is `δ_2`, `\\frac{\\partial L}
{\\partial z_2}` / `dL/dz2` the true gradient, `B` the batch size, `f`, `\\sigma` the network's
activation. A subscript `l` is bound to `Binding.layer` (the caller tries every layer); `L` is the
last layer. Every problem is a `ClaimSyntaxError` pointing at the token that caused it. The two
notations walk their trees in `latex_binding.py` and `plain_binding.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

from lark import Token, Tree

from derive.claim_parser import ClaimSyntaxError
from derive.course import CourseName
from derive.formula import (
    Activate,
    Add,
    Apply,
    ApplyPrime,
    Dims,
    Fill,
    Formula,
    FPrime,
    Function,
    Grad,
    Hadamard,
    MatMul,
    Scale,
    ShapeMismatch,
    Softmax,
    Transpose,
    Var,
    activation_layer,
    rewrite,
    shape,
)
from derive.reading import SEED, Reading
from derive.registry import (
    ACTIVATIONS,
    ELEMENTARY,
    GENERIC,
    activation_named,
    elementary_named,
    reads_output_activation,
)
from derive.registry import function as registry_function
from derive.roles import FUNCTION, OUTPUT, Role

MAX_SCRIPTS = 6  # sub- and superscripts on one symbol: `W^T_1` has 2
MAX_NUMBER_DIGITS = 12  # digits of a number written in a formula
KNOWN = (
    "W_l, b_l, a_l, z_l, δ_l (A_l, Z_l, Δ_l for a batch), the target y, ∂L/∂X, f(·), f'(·), diag(·), "
    "softmax(·), numbers and B"
)
SOFTMAX = "softmax"  # column by column: not an elementwise activation, so not in the registry
# the activation of the layer they are applied to, whatever it is; named ones come from the
# registry and are themselves (σ is the sigmoid: on a relu layer σ'(z_l) is the sigmoid's f')
GENERIC_FUNCTIONS = ("f", "g", "φ", "act")
LOSS_NAMES = ("L", "E", "J", "C", "ℓ")
BATCH_NAMES = ("B", "m", "N")  # ours, Ng's, CS231n's
# the L2 penalty's strength as notes and code name it: Ng's λ, CS231n's reg (derive/network.py)
PENALTY_NAMES = ("λ", "reg", "lam", "lambd", "lmbda")
# weights as textbooks name them: Nielsen's w, Ng's Θ (Octave course), θ
_KINDS = {
    "W": "W", "w": "W", "Θ": "W", "θ": "W",
    "b": "b", "a": "a", "A": "a", "z": "z", "Z": "z", "δ": "delta", "Δ": "delta",
}  # fmt: skip
INPUT_NAMES = ("x", "X")  # the input: a_1 of the network, Ng's a^{[0]}, Nielsen's a^1
TARGET_NAMES = ("y", "t", "Y", "T")  # the target y (n_L × B, like a_L): no layer written
_KINDS |= dict.fromkeys(TARGET_NAMES, "y")


@dataclass(frozen=True)
class Binding:
    """What names mean: the layer widths, the batch size, the activation's name, the value
    of `l` (as written; None until the caller chooses one), how the notes number layers, the
    loss (whether it reads `a_L`), the activations per layer (None: `activation` on every
    one) and the activation's parameter (leaky-relu's α)."""

    sizes: tuple[int, ...]
    batch: int = 1
    activation: str = "sigmoid"
    layer: int | None = None
    reading: Reading = SEED
    loss: str = "mse"
    activations: tuple[str, ...] | None = None
    slope: Fraction | None = None
    scalar: bool = False  # a function of one variable (derive/function_claims.py): products entrywise
    # the notes' own letters (derive/roles.py): Bishop's a is our z, Goodfellow's h our a; before _KINDS
    names: tuple[tuple[str, Role], ...] = ()
    defined: tuple[tuple[str, str], ...] = ()  # `k := …`: the notes' own quantities (derive/roles.py)
    penalty: Fraction | None = None  # λ as the loss writes its L2 penalty (None: the loss has none)
    # index notation: the layer each neuron index names in the notes' forward equations (`y_k =
    # \sum_j w_{kj} z_j`: k the output's, j the layer below), letter → internal layer
    letters: tuple[tuple[str, int], ...] = ()

    def role(self, symbol: str) -> Role | None:
        """What the notes make of `symbol` (None: the network's own meaning, `_KINDS`)."""
        role = dict(self.names).get(symbol)
        return None if role is None or role.kind == FUNCTION else role

    @property
    def layer_activations(self) -> tuple[str, ...]:
        return self.activations if self.activations is not None else (self.activation,) * len(self.sizes)

    @property
    def last(self) -> int:
        return len(self.sizes)


@dataclass(frozen=True)
class Scalar:
    """A number (or B) while binding; it becomes a `Scale` factor when it meets a matrix."""

    value: Fraction


Value = Formula | Scalar
_V = TypeVar("_V", bound=Value)


MAX_POWER = 4  # `a^2`, `(1 - a)^3`: entrywise powers people write


class NoSuchLayer(ClaimSyntaxError):
    """A layer the formula names does not exist in the network (or not in this reading of it)."""


class Unlayered(ClaimSyntaxError):
    """A network quantity written without a layer (`W`, `z`) where the notes number layers."""


class LayerOutOfRange(NoSuchLayer):
    """`l` chosen such that a layer the formula names does not exist (the caller tries another)."""


class NeedsLayer(ClaimSyntaxError):
    """The formula is written for a general layer `l` and no layer was chosen."""


def position(node: Tree | Token) -> int:
    if isinstance(node, Token):
        return node.start_pos or 0
    meta = node.meta
    return 0 if meta.empty else meta.start_pos


class Binder:
    """Shared rules: names, layers, and the arithmetic of scalars and matrices."""

    def __init__(self, text: str, binding: Binding, factor: Fraction = Fraction(1)) -> None:
        self.text = text
        self.binding = binding
        self.factor = factor  # the batch reduction's: 1/B for the mean, 1 for the sum
        self.last_from_l = False

    def error(self, node: Tree | Token | int, message: str) -> ClaimSyntaxError:
        return ClaimSyntaxError(self.text, node if isinstance(node, int) else position(node), message)

    # --- layers and names -----------------------------------------------------------------
    def layer(self, at: Tree | Token, letter: str | None, offset: int) -> int:
        """The written layer `l + offset` (any lowercase letter: `k`, `i` as well), `L + offset`
        (L, the output layer, as the notes number it) or a number (letter None)."""
        if letter is None:
            return offset
        if letter == "L":
            return self.binding.reading.written("a", self.binding.last) + offset
        if letter.islower():
            if self.binding.layer is None:
                raise NeedsLayer(self.text, position(at), f"written for a general layer {letter}")
            return self.binding.layer + offset
        raise self.error(at, f"a layer number, l or L as subscript; received '{letter}'")

    def output(self, value: Var) -> Formula:
        """`a_L` as the loss reads it: under softmax-ce the output is `softmax(z_L)` (the
        registry's softmax-ce takes the logits), so `ŷ − y` is its output error; else `a_L`."""
        if value == Var("a", self.binding.last) and self.binding.loss == "softmax-ce":
            return Softmax(Var("z", self.binding.last))
        return value

    def unread_output(self, value: _V) -> _V | Var:
        """The inverse of `output`: `softmax(z_L)` back to the quantity `a_L` (for `∂L/∂a_L`,
        which the binder then refuses where the loss reads the logits)."""
        if value == Softmax(Var("z", self.binding.last)):
            return Var("a", self.binding.last)
        return value

    def written_variable(self, at: Tree | Token, symbol: str, layer: int | None, from_l: bool) -> Var:
        """A letter as the notes write it: its role in the notes (`Binding.names`), else `_KINDS`'s."""
        role = self.binding.role(symbol)
        if role is None:
            return self.variable(at, symbol, layer, from_l)
        if role.kind == OUTPUT:  # Bishop's y_k beside the target t_k: the output a_L
            return Var("a", self.binding.last)
        if role.below_last is not None and layer is None:  # D2L's H, O: the layer their equations give
            return self._unlayered(at, symbol, role.kind, self.binding.last - role.below_last)
        return self.variable(at, symbol, layer, from_l, role.kind)

    def variable(
        self, at: Tree | Token, symbol: str, layer: int | None, from_l: bool, kind: str | None = None
    ) -> Var:
        """`symbol` of the written `layer`, as the network's quantity (`Binding.reading`); `kind`
        where the notes give the letter a role of its own."""
        self.last_from_l = from_l
        kind = kind or _KINDS[symbol]
        if kind == "y":
            if layer is not None:
                raise self.error(
                    at, f"the target {symbol} takes no layer: write {symbol} (n_L × B, like a_L)"
                )
            if self.binding.loss == GENERIC:  # ℓ(z_L) reads no target
                raise self.error(at, "the target y with a loss that reads it (--loss mse, bce or softmax-ce)")
            return Var("y", self.binding.last)
        if layer is None and self.binding.reading.single:  # z = Wx + b: W_1, b_1 and the output's z, a
            return Var(kind, 1 if kind in ("W", "b") else self.binding.last)
        if layer is None:
            raise Unlayered(
                self.text, position(at), f"{symbol} needs a layer: write {symbol}_1 (or {symbol}_l)"
            )
        reading = self.binding.reading
        internal = reading.internal(kind, layer)
        top = self.binding.last - 1 if kind in ("W", "b") else self.binding.last
        if not 1 <= internal <= top:
            cls = LayerOutOfRange if from_l else NoSuchLayer
            sizes = ",".join(map(str, self.binding.sizes))
            low, high = reading.written(kind, 1), reading.written(kind, top)
            raise cls(
                self.text,
                position(at),
                f"{symbol}_{layer} does not exist: {symbol}_l has layers {low}…{high} "
                f"in this network (sizes {sizes})",
            )
        return Var(kind, internal)

    def _unlayered(self, at: Tree | Token, symbol: str, kind: str, internal: int) -> Var:
        """A letter the notes write without a layer, at the layer their equations give it."""
        if not 1 <= internal <= self.binding.last:
            sizes = ",".join(map(str, self.binding.sizes))
            raise NoSuchLayer(
                self.text, position(at), f"{symbol} has no layer in this network (sizes {sizes})"
            )
        return Var(kind, internal)

    def course(self, at: Tree | Token, name: CourseName, layer: int, from_l: bool) -> Value:
        """A course's name (derive/course.py) with its `layer` as written: the quantity (`A1`,
        `dZ1`: our Δ), the gradient of the cost (`dW1`, `db1`) or the per-example ∂L/∂A (`dA1`)."""
        var = self.variable(at, name.symbol, layer, from_l)
        if name.meaning == "grad":
            return self.gradient(at, var)
        if name.meaning == "per_example":  # the course's dA = ∂L/∂A without the batch's factor
            return scale(1 / self.factor, self.gradient(at, var))
        return self.output(var)

    def input(self) -> Var:
        """`x`, `X`: the network's input (the activation of its first layer)."""
        return Var("a", 1)

    def gradient(self, at: Tree | Token, var: Var) -> Grad:
        """`∂L/∂X`; `∂L/∂a_L` only where the loss reads `a_L = f(z_L)` (mse), not the logits."""
        if var.kind == "y":
            raise self.error(
                at, "∂L/∂X with X one of W_l, b_l, a_l, z_l; the target y is given, not a variable"
            )
        output = var.kind == "a" and var.layer == self.binding.last
        if output and not reads_output_activation(self.binding.loss):
            cls = LayerOutOfRange if self.last_from_l else ClaimSyntaxError  # l = L: try another l
            raise cls(
                self.text,
                position(at),
                f"∂L/∂a_{var.layer}: the loss ({self.binding.loss}) is a function of the logits "
                f"z_{var.layer}, not of a_{var.layer}; write ∂L/∂z_{var.layer} (δ_{var.layer}) instead",
            )
        return Grad(var)

    def symbol(self, at: Tree | Token, symbol: str) -> None:
        """Reject symbols that are not network quantities, with the list of what is."""
        if symbol not in _KINDS and self.binding.role(symbol) is None:
            raise self.error(at, f"unknown symbol '{symbol}'; expected {KNOWN}")

    def softmax(self, at: Tree | Token, argument: Value, prime: bool) -> Softmax:
        """`softmax(x)`: each column's softmax (each example's), as softmax cross-entropy reads z_L."""
        if prime:
            raise self.error(
                at, "softmax without a prime: its derivative is a Jacobian, diag(s) − s sᵀ for s = softmax(z)"
            )
        return Softmax(self.matrix(at, argument, SOFTMAX))

    def activation(self, at: Tree | Token, written: str, prime: bool) -> Callable[[Formula], Formula]:
        """`f`, `g`, `φ` are the activation of the layer they are applied to (`FPrime`,
        `Activate`); a named one (any name or alias in the registry: `σ`, `relu`, `ReLU`,
        `\\text{sigm}`, `gelu_tanh`) is that function itself (`ApplyPrime`, `Apply`)."""
        if written in GENERIC_FUNCTIONS:
            return FPrime if prime else Activate
        name = activation_named(written) or elementary_named(written)
        if name is None or name == "power":  # power is a model file's x ** p, with its exponent
            raise self.error(
                at,
                f"unknown function '{written}'; expected f, f', σ, σ', diag, softmax or an activation: "
                + ", ".join(sorted(ACTIVATIONS))
                + "; or "
                + ", ".join(e for e in ELEMENTARY if e not in ("reciprocal", "power")),
            )
        parameter = self.binding.slope if registry_function(name).parameter is not None else None
        function = Function(name, parameter)
        return (lambda x: ApplyPrime(function, x)) if prime else (lambda x: Apply(function, x))

    def indicator(self, at: Tree | Token, argument: Value) -> Formula:
        """`1(x > 0)`: relu'(x) entry by entry (0 at the kink, as jax.grad takes it). On a relu
        layer's output `a_l = relu(z_l)` it is relu'(z_l), since relu(z) > 0 exactly where z > 0."""
        x = self.matrix(at, argument, "an indicator (x > 0)")
        names = self.binding.layer_activations
        if (
            isinstance(x, Var)
            and x.kind == "a"
            and 1 < x.layer <= len(names)
            and names[x.layer - 1] == "relu"
        ):
            x = Var("z", x.layer)
        return ApplyPrime(Function("relu"), x)

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
            return scale(left.value, self.matrix(at, right, "a product"))
        if isinstance(right, Scalar):
            return scale(right.value, left)
        if self.binding.scalar:  # σ(z)(1 − σ(z)) of a scalar z: the product of two numbers
            return Hadamard(left, right)
        return MatMul(left, right)

    def dot(self, at: Tree | Token, left: Value, right: Value) -> Value:
        """`x \\cdot y` as the shapes decide: the matrix product where it fits, else the entrywise
        product of two same-shape matrices (UFLDL's δ = (Wᵀ δ') · f'(z) of two columns)."""
        product = self.product(at, left, right)
        if not isinstance(product, MatMul):
            return product
        dims = Dims(self.binding.sizes, 1, self.binding.batch)
        try:
            shape(product, dims)
            return product
        except ShapeMismatch:
            pass
        try:
            same = shape(product.left, dims) == shape(product.right, dims)
        except ShapeMismatch:
            same = False
        return Hadamard(product.left, product.right) if same else product

    def power(self, at: Tree | Token, value: Value, exponent: int) -> Value:
        """`x^n` entry by entry (`a_2^2 = a_2 ∘ a_2`, as in tanh' = 1 − a²)."""
        if not 1 <= exponent <= MAX_POWER:
            raise self.error(at, f"a power from 1 to {MAX_POWER} (entry by entry); received {exponent}")
        if isinstance(value, Scalar):
            return Scalar(value.value**exponent)
        result = value
        for _ in range(exponent - 1):
            result = Hadamard(result, value)
        return result

    def elementwise(self, at: Tree | Token, left: Value, right: Value) -> Value:
        """`∘`, `⊙` and NumPy's `*`: numbers scale, matrices multiply entry by entry."""
        if isinstance(left, Scalar) or isinstance(right, Scalar):
            return self.product(at, left, right)
        return Hadamard(left, right)

    def divide(self, at: Tree | Token, left: Value, right: Value) -> Value:
        """`x / c` scales; of a function of one variable `x / y` divides, x ∘ (1/y) (σ = 1/(1 + e^{-z}))."""
        if not isinstance(right, Scalar) and self.binding.scalar:
            reciprocal = Apply(Function("reciprocal"), right)
            return (
                self.product(at, left, reciprocal) if isinstance(left, Scalar) else Hadamard(left, reciprocal)
            )
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
            left = Fill(left.value, self.matrix(at, right, "a sum"))
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

    def penalty(self, at: Tree | Token) -> Scalar:
        """λ (`reg`): the L2 penalty's strength as the loss writes it, `λ/(2m) Σ‖W‖²` or
        `(λ/2) Σ‖W‖²` (derive/network.py); an error where the loss has no penalty."""
        if self.binding.penalty is None:
            raise self.error(
                at,
                "λ is the L2 penalty's strength, and this loss has none: write the penalty in the "
                "loss (J = … + \\frac{\\lambda}{2m}\\sum_l \\|W^{[l]}\\|_F^2) or give --l2",
            )
        return Scalar(self.binding.penalty)


def own_functions(formula: Formula, binding: Binding) -> Formula:
    """`formula` with every named function that is the own activation of the layer it is
    applied to written as that layer's generic `f` (`σ'(z_3)` → `f'(z_3)` on a sigmoid layer):
    the same function, and the form the seed's formulas, the slips and the generic proofs use.
    On a network of one activation every application of it is `f`'s."""
    dims = Dims(binding.sizes, 1, binding.batch)
    names = binding.layer_activations

    def rule(node: Formula) -> Formula | None:
        match node:
            case Apply(Function(name), x) | ApplyPrime(Function(name), x):
                own = names[0] if len(set(names)) == 1 else None
                if own is None:
                    layer = activation_layer(x, dims)
                    own = names[layer - 1] if 1 <= layer <= len(names) else None
                if name == own:
                    return FPrime(x) if isinstance(node, ApplyPrime) else Activate(x)
        return None

    return rewrite(formula, rule)


def scale(factor: Fraction, x: Formula) -> Formula:
    """`factor · x`, merging nested factors (`2 (½ x)` is `x`)."""
    if isinstance(x, Scale):
        factor, x = factor * x.factor, x.operand
    return x if factor == 1 else Scale(factor, x)
