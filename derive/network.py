"""The network a check is about: layer sizes, activation, loss, batch, validated on creation."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction

from derive.errors import InputError
from derive.model_ir import Model, network_model
from derive.registry import GENERIC, NUMERIC_STAND_IN, SLOPE
from derive.registry import activation as _activation
from derive.registry import loss as _loss

MAX_WIDTH = 4096  # neurons per layer (memory per point is what limits a run: verify/sampling.py)
MAX_LAYERS = 12  # entries of sizes
MAX_BATCH = 1024  # examples per mini-batch
MAX_L2 = 1000  # the L2 penalty's λ: a larger one buries the loss's gradient under λ W
REDUCTIONS = ("mean", "sum")


@dataclass(frozen=True)
class Network:
    """A fully connected network `z_{l+1} = W_l a_l + b_l`, `a_l = f_l(z_l)`, loss on `z_L`.

    `sizes[l-1]` is the width of layer `l`; the seed's network is `sizes=(4, 3)`, so `W_1` is
    3x4. Layer 1's pre-activation `z_1` is the input. With `batch = B > 1` every `a_l`, `z_l`
    is an n_l × B matrix whose columns are examples, and the loss is the mean (or the sum) of
    the per-example losses. `slope` is the activation's parameter, if it takes one (leaky-ReLU's α).

    `activations` names `f_1 … f_L`, one per layer (a ReLU hidden layer, a sigmoid output);
    None means `activation` on every layer. Given, `activation` becomes the output layer's `f_L`
    (the one mse reads), and names all the same collapse to `activation` alone.

    `l2` is the L2 penalty's coefficient λ' (weight decay) in
    `L = reduction_b ℓ + (λ'/2) Σ_l ‖W_l‖_F²`, biases not penalized, so that
    `dL/dW_l = (1/B) Δ_{l+1} A_lᵀ + λ' W_l`. It is the coefficient of the objective, whatever a
    course calls λ: CS231n's `loss += 0.5 * reg * np.sum(W * W)` is λ' = reg; Ng's
    `J = (1/m) Σ_i ℓ + (λ/2m) Σ_l ‖W^{[l]}‖_F²` is λ' = λ/m, which `l2_batch` records (the
    notes' λ is then `l2 · B`, `written_l2`). 0, the default, is no penalty at all.
    """

    sizes: tuple[int, ...] = (4, 3)
    activation: str = "sigmoid"
    loss: str = "mse"
    batch: int = 1
    reduction: str = "mean"
    slope: Fraction = SLOPE.default
    activations: tuple[str, ...] | None = None
    biases: bool = True  # False: every b_l = 0 (notes whose forward equations write no bias)
    l2: Fraction = Fraction(0)  # λ' of (λ'/2) Σ_l ‖W_l‖_F² added to the loss (weight decay)
    l2_batch: bool = False  # the penalty written λ/(2B) Σ_l ‖W_l‖² (Ng): the written λ is l2 · B

    def __post_init__(self) -> None:
        sizes = self.sizes
        if not isinstance(sizes, tuple) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in sizes
        ):
            raise InputError("sizes", "a tuple of integers", sizes)
        if not 2 <= len(sizes) <= MAX_LAYERS:
            raise InputError("sizes", f"between 2 and {MAX_LAYERS} layer widths", ",".join(map(str, sizes)))
        if any(not 1 <= n <= MAX_WIDTH for n in sizes):
            raise InputError("sizes", f"widths from 1 to {MAX_WIDTH}", ",".join(map(str, sizes)))
        _activation(self.activation)  # raises with the valid names
        if self.activations is not None:
            names = self.activations
            if not isinstance(names, tuple) or not all(isinstance(n, str) for n in names):
                raise InputError("activations", "a tuple of activation names, one per layer", names)
            if len(names) != len(sizes):
                expected = f"{len(sizes)} activation names, one per layer"
                raise InputError("activations", expected, ",".join(names))
            for name in names:
                _activation(name)  # raises with the valid names
            # one name on every layer is the network of that activation; else f_L is `activation`
            object.__setattr__(self, "activation", names[-1])
            if len(set(names)) == 1:
                object.__setattr__(self, "activations", None)
        loss = _loss(self.loss)
        if sizes[-1] < loss.min_outputs:
            raise InputError(
                "sizes",
                f"at least {loss.min_outputs} outputs for {loss.name} ({loss.why_min_outputs})",
                ",".join(map(str, sizes)),
            )
        if (
            isinstance(self.batch, bool)
            or not isinstance(self.batch, int)
            or not 1 <= self.batch <= MAX_BATCH
        ):
            raise InputError("batch", f"an integer from 1 to {MAX_BATCH}", self.batch)
        if self.reduction not in REDUCTIONS:
            raise InputError("reduction", "one of: " + ", ".join(REDUCTIONS), self.reduction)
        if not isinstance(self.slope, Fraction) or not SLOPE.low < self.slope < SLOPE.high:
            expected = (
                f"a number between {SLOPE.low} and {SLOPE.high} (exclusive), e.g. {float(SLOPE.default)}"
            )
            raise InputError("slope", expected, str(self.slope))
        if isinstance(self.l2, int) and not isinstance(self.l2, bool):
            object.__setattr__(self, "l2", Fraction(self.l2))
        if not isinstance(self.l2, Fraction) or self.l2 < 0 or self.l2 > MAX_L2:
            expected = f"a number from 0 to {MAX_L2}, e.g. 0.1 or 1/10 (the L2 penalty's λ)"
            raise InputError("l2", expected, str(self.l2))

    @property
    def layer_activations(self) -> tuple[str, ...]:
        """`f_1 … f_L` by name, one per layer."""
        return self.activations if self.activations is not None else (self.activation,) * len(self.sizes)

    @property
    def mixed(self) -> bool:
        """Layers of different activations."""
        return self.activations is not None

    def activation_of(self, layer: int) -> str:
        """`f_l`'s name (layers 1 … L)."""
        return self.layer_activations[layer - 1]

    @property
    def activation_text(self) -> str:
        """`sigmoid`, or per layer `relu then sigmoid` (runs of one activation named once)."""
        runs: list[str] = []
        for name in self.layer_activations:
            if not runs or runs[-1] != name:
                runs.append(name)
        return " then ".join(runs)

    @property
    def depth(self) -> int:
        """Number of weight matrices `W_1 … W_{L-1}`."""
        return len(self.sizes) - 1

    @property
    def numeric(self) -> Network:
        """The network the numeric witnesses run: the generic loss replaced by a concrete one."""
        return replace(self, loss=NUMERIC_STAND_IN) if self.loss == GENERIC else self

    @property
    def factor(self) -> Fraction:
        """The batch reduction's factor on the summed per-example gradients: 1/B or 1."""
        return Fraction(1, self.batch) if self.reduction == "mean" else Fraction(1)

    @property
    def written_l2(self) -> Fraction:
        """The penalty's λ as the loss writes it: λ' (`(λ/2) Σ‖W‖²`), or λ' · B for Ng's `λ/(2m)`."""
        return self.l2 * self.batch if self.l2_batch else self.l2

    @property
    def model(self) -> Model:
        """The network's forward equations as a model (`derive/model_ir.py`)."""
        return network_model(self)

    def shape(self, kind: str, layer: int) -> tuple[int, int]:
        """Shape of a quantity: `W_l` is n_{l+1} × n_l, `b_l` n_{l+1} × 1, and `a_l`, `z_l`,
        `delta_l` are n_l × B."""
        if kind == "W":
            return (self.sizes[layer], self.sizes[layer - 1])
        if kind == "b":
            return (self.sizes[layer], 1)
        return (self.sizes[layer - 1], self.batch)

    def describe(self) -> str:
        """One line, e.g. `4 → 3, sigmoid, mse` or `4 → 3 → 2, relu then sigmoid, mse` (plus the
        batch when there is one)."""
        text = f"{' → '.join(map(str, self.sizes))}, {self.activation_text}, {self.loss}"
        for name in dict.fromkeys(self.layer_activations):
            if (parameter := _activation(name).parameter) is not None:
                text = text.replace(name, f"{name} ({parameter.symbol} = {self.slope})", 1)
        if self.batch > 1:
            text += f", batch {self.batch} ({self.reduction})"
        if not self.biases:
            text += ", no biases"
        if self.l2:
            text += f", L2 penalty λ = {self.written_l2}"
        return text


def sigmoid_output(network: Network) -> Network:
    """`network` with the sigmoid as its output activation when its loss is bce: the binary
    cross-entropy is that of a sigmoid output (derive/registry.py), so `a_L = σ(z_L)` whatever
    the hidden layers' activation (Ng's `A2 = sigmoid(Z2)` over tanh hidden units)."""
    if network.loss != "bce" or network.layer_activations[-1] == "sigmoid":
        return network
    return replace(network, activations=(*network.layer_activations[:-1], "sigmoid"))


_WIDTH = re.compile(r"[0-9]{1,7}")  # ASCII digits only: int() would take '٤' or '４' too
_NUMBER = re.compile(r"[0-9]{1,9}(\.[0-9]{1,9})?|[0-9]{1,9}/[0-9]{1,9}")


def parse_sizes(text: str) -> tuple[int, ...]:
    """`"4,3"` → `(4, 3)`; anything else an `InputError` naming the expected form."""
    parts = [p.strip() for p in text.split(",")]
    if not all(_WIDTH.fullmatch(p) for p in parts):
        raise InputError("sizes", "comma-separated positive integers such as 4,3", text)
    sizes = tuple(int(p) for p in parts)
    if any(n == 0 for n in sizes):
        raise InputError("sizes", "positive integers (a layer needs at least one neuron)", text)
    return sizes


_COUNT = re.compile(
    r"(?P<sign>[+-]?)(?P<digits>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+(?:_[0-9]+)*)"
    r"(?:\.(?P<fraction>[0-9]+))?(?:[eE](?P<exponent>[+-]?[0-9]{1,2}))?"
)
COUNT_FORMS = "a whole number such as 1000, 1e6, 10_000 or 1,000"


def parse_count(what: str, text: str) -> int:
    """`"1e6"`, `"10_000"`, `"1,000"`, `"2.5e3"` → the whole number they write, exactly (read by a
    pattern, never evaluated); a number that is not whole, or no number, an `InputError`. The sign
    is kept: the range is the caller's to check (`-5` is received as -5)."""
    m = _COUNT.fullmatch(text.strip())
    if m is None:
        raise InputError(what, COUNT_FORMS, text)
    digits = m["digits"].replace(",", "").replace("_", "") + (m["fraction"] or "")
    shift = int(m["exponent"] or 0) - len(m["fraction"] or "")
    value = Fraction(int(digits)) * Fraction(10) ** shift
    if value.denominator != 1:
        raise InputError(what, COUNT_FORMS + " (not a fraction)", text)
    return -int(value) if m["sign"] == "-" else int(value)


def parse_l2(text: str) -> Fraction:
    """`"0.1"` or `"1/10"` → `Fraction(1, 10)`, the L2 penalty's λ, exactly (never evaluated)."""
    if not _NUMBER.fullmatch(text.strip()):
        raise InputError("l2", "a non-negative decimal or fraction, such as 0.1 or 1/10", text)
    try:
        value = Fraction(text.strip())
    except ZeroDivisionError:
        raise InputError("l2", "a fraction with a non-zero denominator", text) from None
    if value > MAX_L2:
        raise InputError("l2", f"a number from 0 to {MAX_L2}, such as 0.1 or 1/10", text)
    return value


def parse_slope(text: str) -> Fraction:
    """`"0.01"` or `"1/100"` → `Fraction(1, 100)`, exactly (no float rounding)."""
    if not _NUMBER.fullmatch(text.strip()):
        raise InputError("slope", "a decimal or fraction between 0 and 1, such as 0.01 or 1/100", text)
    try:
        return Fraction(text.strip())
    except ZeroDivisionError:
        raise InputError("slope", "a fraction with a non-zero denominator", text) from None
