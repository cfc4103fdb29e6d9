"""A small expression language for right-hand sides of gradient identities.

Nodes are frozen dataclasses: network quantities (`Var`), the ones vector of a mini-batch,
transpose, matrix product, Hadamard product `∘`, `f'(·)` applied elementwise, sums and scalar
factors. The seed's identities are written in it (`derive/identities.py`), and so will be users'
parsed claims. Matrix products bind tighter than `∘`, as the seed intends in `W_1^T δ_2 ∘ f'(z_1)`.
With a mini-batch, `a_l`, `z_l`, `δ_l` are written `A_l`, `Z_l`, `Δ_l` (columns = examples).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple, Protocol, runtime_checkable

from derive.registry import MATRIX
from derive.unicode_tex import math_name

KINDS = ("a", "z", "W", "b", "delta", "y")


@dataclass(frozen=True)
class Var:
    """A network quantity: `a_l`, `z_l`, `W_l`, `b_l`, `delta_l`, or the target `y`.

    `delta_l` is `dL/dz_l` for one example; for a mini-batch it is `Δ_l`, the per-example
    `δ_l^{(b)}` side by side (so `dL/dZ_l = Δ_l / B` for the mean). The target `y` (`Y` for a
    batch) is n_L × B like `a_L`, and belongs to the last layer: `Var("y", L)`, written `y`.
    """

    kind: str
    layer: int

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {KINDS}; received {self.kind!r}")


@dataclass(frozen=True)
class Ones:
    """`1`, the B × 1 column of ones of a mini-batch (`Δ 1` sums over the examples)."""


@dataclass(frozen=True)
class Column:
    """A column of numbers written out: `(1, 1, 1)`, the inline `(1, 1, 1)^T`, or
    `\\begin{bmatrix}1\\\\1\\\\1\\end{bmatrix}` (n × 1, the same for every example)."""

    entries: tuple[Fraction, ...]


@dataclass(frozen=True)
class Transpose:
    operand: Formula


@dataclass(frozen=True)
class MatMul:
    left: Formula
    right: Formula


@dataclass(frozen=True)
class Hadamard:
    left: Formula
    right: Formula


@dataclass(frozen=True)
class Add:
    left: Formula
    right: Formula


@dataclass(frozen=True)
class Scale:
    factor: Fraction
    operand: Formula


@dataclass(frozen=True)
class FPrime:
    """`f'(x)`, the activation's derivative applied elementwise."""

    operand: Formula


@dataclass(frozen=True)
class Activate:
    """`f(x)`, the activation applied elementwise (`a_l = f(z_l)`)."""

    operand: Formula


@dataclass(frozen=True)
class Softmax:
    """`softmax(x)`, column by column (each example's column): `exp(x_i) / Σ_j exp(x_j)`."""

    operand: Formula


@dataclass(frozen=True)
class Grad:
    """`∂L/∂X`, the true gradient of the loss w.r.t. `a_l`, `z_l`, `W_l` or `b_l` (what SymPy or
    jax.grad computes, never a formula): in users' claims `∂L/∂z_2` stands for `δ_2`. Over a
    model (derive/model_ir.py) the target is a tensor, `Grad(Ref("z"))`: its value comes from
    the witness's own derivative (SymPy) or the oracle's (NumPy), under `gradient_key`."""

    target: Var | Ref


@dataclass(frozen=True)
class Diag:
    """`diag(v)`: the n × n matrix with the column `v` on its diagonal."""

    operand: Formula


@dataclass(frozen=True)
class SumAxis:
    """NumPy's `x.sum(axis=k, keepdims=True)`: axis 1 sums each row (r × 1), axis 0 each column
    (1 × c)."""

    operand: Formula
    axis: int


@dataclass(frozen=True)
class Broadcast:
    """NumPy's `x * y` on arrays of different shapes: a dimension of size 1 is repeated to the
    other's (`delta2 * a1.T` is the outer product δ₂ a₁ᵀ). Equal shapes: the Hadamard product."""

    left: Formula
    right: Formula


@dataclass(frozen=True)
class Fill:
    """A number written where a matrix belongs, as in `1 - a_1`: the matrix of `value`s with the
    shape of `like` (the other operand)."""

    value: Fraction
    like: Formula


# --- forward-equation nodes (the model IR, derive/model_ir.py) --------------------------------


@dataclass(frozen=True)
class Ref:
    """A tensor of a model by its name (`z2`, `W1`, `y`): the leaf of forward equations."""

    name: str


@dataclass(frozen=True)
class Function:
    """A registry function by name, with its parameter where it has one (leaky-relu's α).
    Not a node: what `Apply` and `ExampleLoss` name."""

    name: str
    parameter: Fraction | None = None


@dataclass(frozen=True)
class Apply:
    """`relu(z_2)`: a registry function applied elementwise (per layer, unlike `Activate`'s one
    `f` of the whole network)."""

    function: Function
    operand: Formula


@dataclass(frozen=True)
class ApplyPrime:
    """`relu'(z_2)`: a registry function's derivative applied elementwise. In a claim a named
    function is itself (`σ'` the sigmoid's), where `FPrime` is the derivative of the layer's own."""

    function: Function
    operand: Formula


@dataclass(frozen=True)
class ExampleLoss:
    """`ℓ(z_L, y)` for each example (column): the 1 × B row of a registry loss. `activation` is
    the output activation the loss reads (mse's `½‖f(z_L) − y‖²`; softmax-ce and bce read none)."""

    loss: str
    output: Formula
    target: Formula
    activation: Function = Function("identity")


@dataclass(frozen=True)
class MeanAxis:
    """`x.mean(axis=k, keepdims=True)`, as `SumAxis`: a mini-batch's mean of per-example losses."""

    operand: Formula
    axis: int


@dataclass(frozen=True)
class MatrixApply:
    """`tr(X)`, `det(X)`, `ln|det X|`, `X⁻¹`, `‖X‖²`: a function of the whole matrix from the
    registry's matrix functions (`derive/registry.py`, `MATRIX`), by name."""

    function: str
    operand: Formula


@dataclass(frozen=True)
class BroadcastAdd:
    """NumPy's `x + y` on arrays of different shapes (a model file's `W @ x + b`, b n × 1
    against n × B): a dimension of size 1 is repeated to the other's; `x - y` is `x + (−1) y`.
    Equal shapes: `Add`."""

    left: Formula
    right: Formula


@dataclass(frozen=True)
class LogSoftmax:
    """`log_softmax(x, axis=k)`: `x − log Σ_k exp(x)` along `axis` (0: each column, 1: each row),
    as `scipy.special.log_softmax` and `jax.nn.log_softmax` compute it."""

    operand: Formula
    axis: int = 0


# --- windows, maxima and indicators (a model file's convolution and pooling) -------------------


@dataclass(frozen=True)
class Correlate:
    """`conv1d(x, w, stride=s, padding=p, dilation=d)` and `conv2d(X, K, …)` as the field writes
    convolution: a cross-correlation (Goodfellow, Bengio & Courville, *Deep Learning*, §9.1, eq.
    9.6; PyTorch's `conv2d`, `jax.lax.conv_general_dilated`), one channel, zero padding:

        Y[i, j] = Σ_{a, b} K[a, b] · X[i·s_r + a·d_r − p_r, j·s_c + b·d_c − p_c]   (0 outside X)

    X is H × W, K kh × kw; Y is ⌊(H + 2p_r − d_r(kh − 1) − 1)/s_r⌋ + 1 rows by the same in
    columns (`(n + 2p − k)//s + 1` for d = 1). `axis` is None for conv2d; for conv1d it is the
    axis the vector runs along (0: x n × 1 and w k × 1; 1: rows 1 × n), and the other axis's
    stride, padding and dilation are 1, 0, 1."""

    operand: Formula
    kernel: Formula
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    axis: int | None = None


@dataclass(frozen=True)
class Flip:
    """`flip(w)`: the entries in reverse order along both axes (`np.flip(w)`, a kernel rotated by
    180°): `flip(K)[a, b] = K[kh − 1 − a, kw − 1 − b]`. The full convolution's kernel."""

    operand: Formula


@dataclass(frozen=True)
class Repeat:
    """`repeat(x, k, axis=…)`: NumPy's `np.repeat`: each row (axis 0) or column (axis 1) written
    `times` times in a row (`[1, 2] → [1, 1, 2, 2]`); an upstream gradient spread over pooling
    windows."""

    operand: Formula
    times: int
    axis: int


@dataclass(frozen=True)
class MaxAxis:
    """`max(x, axis=k)` with keepdims (axis 0: each column's max, 1 × c; axis 1: each row's,
    r × 1); `axis` None: the largest entry (1 × 1). Differentiable off ties, where the argmax is
    locally constant: ∂ max_k x_k / ∂x_i = [i is the argmax]."""

    operand: Formula
    axis: int | None = None


@dataclass(frozen=True)
class MaxPool:
    """`maxpool1d(x, size, stride)` / `maxpool2d(X, size, stride)`: each window's largest entry
    (no padding; the stride defaults to the size, as in PyTorch):

        Y[i, j] = max_{a < k_r, b < k_c} X[i·s_r + a, j·s_c + b]

    Y is ⌊(H − k_r)/s_r⌋ + 1 by ⌊(W − k_c)/s_c⌋ + 1. `axis` as `Correlate`'s."""

    operand: Formula
    size: tuple[int, int]
    stride: tuple[int, int]
    axis: int | None = None


@dataclass(frozen=True)
class Equal:
    """`(x == y)`, claims only: 1 where the entries are equal, else 0, with NumPy's broadcasting;
    `(x == max(x, axis=0))` is the indicator of each column's argmax (every tied entry gets 1)."""

    left: Formula
    right: Formula


# --- products of whole matrices ----------------------------------------------------------------


@dataclass(frozen=True)
class Kron:
    """`kron(A, B)`, `A ⊗ B`: the Kronecker product (`np.kron`), every entry of A times the whole
    of B. A r1 × c1 and B r2 × c2 give the r1·r2 × c1·c2 matrix

        (A ⊗ B)[i·r2 + k, j·c2 + l] = A[i, j] · B[k, l]

    (the Matrix Cookbook, §10.2). `outer(x, y)` of a model file is no node: it is `x yᵀ`."""

    left: Formula
    right: Formula


Formula = (
    Var
    | Ones
    | Column
    | Transpose
    | MatMul
    | Hadamard
    | Add
    | Scale
    | FPrime
    | Activate
    | Softmax
    | Grad
    | Diag
    | SumAxis
    | Broadcast
    | Fill
    | Ref
    | Apply
    | ApplyPrime
    | ExampleLoss
    | MeanAxis
    | MatrixApply
    | BroadcastAdd
    | LogSoftmax
    | Correlate
    | Flip
    | Repeat
    | MaxAxis
    | MaxPool
    | Equal
    | Kron
)


class Unsupported(TypeError):
    """An interpreter of formulas (`shape`, `evaluate`, `entrywise`, …) met a node it has no case
    for: `node_type` names the node, `interpreter` the function. A `TypeError`, as a wrong argument
    type is; tests/test_interpreters.py checks that every interpreter handles or names every node."""

    def __init__(self, node: object, interpreter: str) -> None:
        self.node_type = type(node)
        self.interpreter = interpreter
        super().__init__(f"{interpreter}: no case for {type(node).__name__} nodes ({node!r})")


class Dims(NamedTuple):
    """What shapes depend on: the layer widths, the absolute number of the first layer, B."""

    sizes: tuple[int, ...]
    first_layer: int = 1
    batch: int = 1


class ShapeMismatch(ValueError):
    """A formula whose shapes do not fit; `node` is the subexpression where it breaks."""

    def __init__(self, node: Formula, message: str) -> None:
        self.node = node
        self.reason = message  # without the subexpression: reports name it in the notes' numbering
        super().__init__(f"{message} in {to_text(node)}")


def var_shape(v: Var, dims: Dims) -> tuple[int, int]:
    """`W_l`: n_{l+1} × n_l, `b_l`: n_{l+1} × 1, `a_l`, `z_l`, `delta_l`: n_l × B, `y`: n_L × B."""
    first, last = dims.first_layer, dims.first_layer + len(dims.sizes) - 1
    if v.kind == "y" and v.layer != last:
        raise ShapeMismatch(v, f"the target y belongs to the last layer ({last}), not to layer {v.layer}")
    top = last - 1 if v.kind in ("W", "b") else last
    if not first <= v.layer <= top:
        raise ShapeMismatch(v, f"layer {v.layer} does not exist (layers {first}…{top})")
    k = v.layer - first
    if v.kind == "W":
        return (dims.sizes[k + 1], dims.sizes[k])
    if v.kind == "b":
        return (dims.sizes[k + 1], 1)
    return (dims.sizes[k], dims.batch)


def gradient_key(name: str) -> str:
    """How an environment holds ∂L/∂name for `Grad(Ref(name))`: as jax.grad's results are keyed."""
    return f"dL/d{name}"


def gradients_in(formula: Formula) -> tuple[str, ...]:
    """The tensors whose true gradient `formula` uses (`Grad(Ref(name))`), in order."""
    found: list[str] = []
    rewrite(
        formula,
        lambda n: found.append(n.target.name) if isinstance(n, Grad) and isinstance(n.target, Ref) else None,
    )
    return tuple(dict.fromkeys(found))


def shape(
    formula: Formula, dims: Dims, tensors: Mapping[str, tuple[int, int]] | None = None
) -> tuple[int, int]:
    """The (rows, cols) of `formula`, or `ShapeMismatch` naming the node that does not fit;
    `tensors` gives the shapes of a model's tensors (`Ref`) by name."""

    def walk(node: Formula) -> tuple[int, int]:
        match node:
            case Ref(name):
                if tensors is None or name not in tensors:
                    raise ShapeMismatch(node, f"no tensor called {name!r}")
                return tensors[name]
            case Apply(_, x) | ApplyPrime(_, x):
                return walk(x)
            case ExampleLoss(_, output, target, _):
                s1, s2 = walk(output), walk(target)
                if s1 != s2:
                    sizes = f"a {s1[0]}×{s1[1]} output and a {s2[0]}×{s2[1]} target"
                    raise ShapeMismatch(node, f"loss of {sizes}")
                return (1, s1[1])
            case MeanAxis(x, axis):
                r, c = walk(x)
                return (r, 1) if axis == 1 else (1, c)
            case MatrixApply(name, x):
                r, c = walk(x)
                if MATRIX[name].square and r != c:
                    raise ShapeMismatch(node, f"{name} of a {r}×{c} matrix (expected a square one)")
                return (1, 1) if MATRIX[name].scalar else (r, c)
            case Var():
                return var_shape(node, dims)
            case Ones():
                return (dims.batch, 1)
            case Column(entries):
                return (len(entries), 1)
            case Transpose(x):
                r, c = walk(x)
                return (c, r)
            case MatMul(left, right):
                (r1, c1), (r2, c2) = walk(left), walk(right)
                if c1 != r2:
                    raise ShapeMismatch(node, f"matrix product of {r1}×{c1} and {r2}×{c2}")
                return (r1, c2)
            case Hadamard(left, right) | Add(left, right):
                s1, s2 = walk(left), walk(right)
                if s1 != s2:
                    op = "∘" if isinstance(node, Hadamard) else "+"
                    raise ShapeMismatch(node, f"'{op}' of {s1[0]}×{s1[1]} and {s2[0]}×{s2[1]}")
                return s1
            case Scale(_, x) | FPrime(x) | Activate(x) | Softmax(x):
                return walk(x)
            case Grad(Ref() as r):
                return walk(r)
            case Grad(Var() as v):
                return var_shape(v, dims)
            case Fill(_, like):
                return walk(like)
            case Broadcast(left, right) | BroadcastAdd(left, right):
                s1, s2 = walk(left), walk(right)
                if any(a != b and 1 not in (a, b) for a, b in zip(s1, s2, strict=True)):
                    op = "*" if isinstance(node, Broadcast) else "+"
                    raise ShapeMismatch(node, f"'{op}' (broadcast) of {s1[0]}×{s1[1]} and {s2[0]}×{s2[1]}")
                return (max(s1[0], s2[0]), max(s1[1], s2[1]))
            case LogSoftmax(x, _) | Flip(x):
                return walk(x)
            case Correlate() | MaxPool():
                return _window_shape(
                    node, walk(node.operand), walk(node.kernel) if isinstance(node, Correlate) else None
                )
            case Repeat(x, times, axis):
                r, c = walk(x)
                return (r * times, c) if axis == 0 else (r, c * times)
            case MaxAxis(x, axis):
                r, c = walk(x)
                return (1, 1) if axis is None else (r, 1) if axis == 1 else (1, c)
            case Equal(left, right):
                s1, s2 = walk(left), walk(right)
                if any(a != b and 1 not in (a, b) for a, b in zip(s1, s2, strict=True)):
                    raise ShapeMismatch(node, f"'==' (broadcast) of {s1[0]}×{s1[1]} and {s2[0]}×{s2[1]}")
                return (max(s1[0], s2[0]), max(s1[1], s2[1]))
            case Kron(left, right):
                (r1, c1), (r2, c2) = walk(left), walk(right)
                return (r1 * r2, c1 * c2)
            case Diag(x):
                r, c = walk(x)
                if c != 1:
                    raise ShapeMismatch(node, f"diag of a {r}×{c} matrix (expected a column)")
                return (r, r)
            case SumAxis(x, axis):
                r, c = walk(x)
                return (r, 1) if axis == 1 else (1, c)
        raise Unsupported(node, "shape")

    return walk(formula)


def window_output(n: int, k: int, stride: int, padding: int = 0, dilation: int = 1) -> int:
    """The standard output length ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1 (`(n + 2p − k)//s + 1` for
    d = 1; Dumoulin & Visin, *A guide to convolution arithmetic*, 2016, relationship 6);
    0 or less: no window fits."""
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1


def _window_shape(
    node: Correlate | MaxPool, operand: tuple[int, int], kernel: tuple[int, int] | None
) -> tuple[int, int]:
    """The output shape of a convolution (`kernel` its shape) or pooling, or `ShapeMismatch`."""
    name = ("conv" if isinstance(node, Correlate) else "maxpool") + ("2d" if node.axis is None else "1d")
    r, c = operand
    if node.axis is not None and (r, c)[1 - node.axis] != 1:
        raise ShapeMismatch(node, f"{name} of a {r}×{c} matrix (expected a vector, n×1 or 1×n)")
    if isinstance(node, Correlate):
        assert kernel is not None
        size, padding, dilation = kernel, node.padding, node.dilation
        if node.axis is not None and kernel[1 - node.axis] != 1:
            want = "k×1" if node.axis == 0 else "1×k"
            raise ShapeMismatch(
                node, f"{name} with a {kernel[0]}×{kernel[1]} kernel (expected {want}, as the input)"
            )
    else:
        size, padding, dilation = node.size, (0, 0), (1, 1)
    out = tuple(
        window_output(n, k, s, p, d)
        for n, k, s, p, d in zip((r, c), size, node.stride, padding, dilation, strict=True)
    )
    if min(out) < 1:
        raise ShapeMismatch(
            node,
            f"{name} of a {r}×{c} input with a {size[0]}×{size[1]} window, stride {node.stride}, "
            f"padding {padding} (no window fits)",
        )
    return (out[0], out[1])


def rewrite(formula: Formula, rule: Callable[[Formula], Formula | None]) -> Formula:
    """`formula` with `rule` applied bottom-up wherever it returns a replacement.

    Generic over the nodes: every field that holds a formula is rewritten, numbers and axes are
    kept. `Grad`'s variable is not a subformula (`∂L/∂z_1` is no expression of `z_1`)."""
    if not isinstance(formula, Formula):
        raise Unsupported(formula, "rewrite")
    if not isinstance(formula, Var | Grad | Ones | Column | Ref):  # leaves: nothing inside to rewrite
        changes = {
            f.name: rewrite(child, rule)
            for f in dataclasses.fields(formula)
            if isinstance(child := getattr(formula, f.name), Formula)
        }
        formula = dataclasses.replace(formula, **changes)
    replaced = rule(formula)
    return formula if replaced is None else replaced


def layers_of(formula: Formula) -> set[int]:
    """The layers a formula refers to (W_l and b_l reach into layer l + 1)."""
    match formula:
        case Var(kind, layer):
            return {layer, layer + 1} if kind in ("W", "b") else {layer}
        case Ones() | Ref() | Column():
            return set()
        case Apply(_, x) | ApplyPrime(_, x) | MeanAxis(x, _) | MatrixApply(_, x):
            return layers_of(x)
        case ExampleLoss(_, output, target, _):
            return layers_of(output) | layers_of(target)
        case Grad(Ref()):
            return set()
        case Grad(Var(kind, layer)):
            # ∂L/∂X reaches from X's layer to the next one (W_l, b_l, a_l feed z_{l+1})
            return {layer} if kind == "z" else {layer, layer + 1}
        case Transpose(x) | Scale(_, x) | FPrime(x) | Activate(x) | Diag(x) | SumAxis(x, _) | Fill(_, x):
            return layers_of(x)
        case Softmax(x) | LogSoftmax(x, _) | Flip(x) | Repeat(x, _, _) | MaxAxis(x, _) | MaxPool(x, _, _, _):
            return layers_of(x)
        case Correlate(x, k):
            return layers_of(x) | layers_of(k)
        case Equal(left, right) | Kron(left, right):
            return layers_of(left) | layers_of(right)
        case (
            MatMul(left, right)
            | Hadamard(left, right)
            | Add(left, right)
            | Broadcast(left, right)
            | BroadcastAdd(left, right)
        ):
            return layers_of(left) | layers_of(right)
    raise Unsupported(formula, "layers_of")


def activation_layer(formula: Formula, dims: Dims) -> int:
    """The layer whose own activation a generic `f(x)`, `f'(x)` means: `x`'s layer for `z_l`,
    `a_l`, `δ_l`, `∂L/∂z_l`; otherwise the layer among those `x` names whose width is `x`'s
    number of rows (the last such: `f(W_1 a_1 + b_1)` is layer 2's), else the last it names."""
    match formula:
        case Var(kind, layer) | Grad(Var(kind, layer)) if kind in ("a", "z", "delta", "y"):
            return layer
    layers = sorted(layers_of(formula))
    if not layers:
        return dims.first_layer + len(dims.sizes) - 1
    try:
        rows = shape(formula, dims)[0]
    except ShapeMismatch:
        return layers[-1]
    first = dims.first_layer
    fitting = [k for k in layers if 0 <= k - first < len(dims.sizes) and dims.sizes[k - first] == rows]
    return (fitting or layers)[-1]


# --- rendering --------------------------------------------------------------------------------
# Precedence: + (1) < ∘ (2) < product / scalar factor (3) < transpose, atoms (4).

_TEX_BASE = {"a": "a", "z": "z", "W": "W", "b": "b", "delta": r"\delta", "y": "y"}
_TEX_BATCH = {"a": "A", "z": "Z", "W": "W", "b": "b", "delta": r"\Delta", "y": "Y"}
_TEXT_BASE = {"a": "a", "z": "z", "W": "W", "b": "b", "delta": "δ", "y": "y"}
_TEXT_BATCH = {"a": "A", "z": "Z", "W": "W", "b": "b", "delta": "Δ", "y": "Y"}


Written = Callable[[str, int], int]  # (kind, the network's layer) → the notes' layer


@runtime_checkable
class Lettered(Protocol):
    """A `Written` that also knows the notes' own letters: `letter(kind, layer)` is the letter
    the notes write for that quantity and whether they number it (`H` for a_{L−1} in CS231n's
    `H = XW_1 + b_1`: no number), or None for the network's own letter; `superscripts`: whether
    the notes number layers their own way (`W³`) or as the network does (`W_3`)."""

    superscripts: bool
    entrywise: bool  # its letters name entries (`o_k`, index notation)
    batch: tuple[str, int]  # the notes' letter for the batch and its size (`m`, 3): 1/3 shown 1/m

    def __call__(self, kind: str, layer: int) -> int: ...

    def letter(self, kind: str, layer: int) -> tuple[str, bool] | None: ...


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _fraction(q: Fraction, tex: bool) -> str:
    if q.denominator == 1:
        return str(q.numerator)
    return rf"\tfrac{{{q.numerator}}}{{{q.denominator}}}" if tex else f"{q.numerator}/{q.denominator}"


def _render(node: Formula, tex: bool, batched: bool, written: Written | None = None) -> tuple[str, int]:
    """(text, precedence) of a node; `written` maps a layer to the notes' number (then shown as
    a superscript, `W³`, `W^{(3)}`)."""

    def wrap(child: Formula, at_least: int) -> str:
        s, p = _render(child, tex, batched, written)
        if p >= at_least:
            return s
        return rf"\left({s}\right)" if tex else f"({s})"

    match node:
        case Var(kind, layer) if isinstance(written, Lettered) and (named := written.letter(kind, layer)):
            letter, numbered = named  # the notes' own letter, with its layer where they number it
            if not numbered:
                return letter, 4
            if not written.superscripts:
                return (f"{letter}_{{{layer}}}" if tex else f"{letter}{layer}"), 4
            number = written(kind, layer)
            return (
                f"{{{letter}^{{({number})}}}}" if tex else f"{letter}{str(number).translate(_SUPERSCRIPT)}"
            ), 4
        case Var("y"):  # the target: no layer written
            return (_TEX_BATCH if batched else _TEX_BASE)["y"], 4
        case Var(kind, layer) if written is not None and not (
            isinstance(written, Lettered) and not written.superscripts
        ):
            # the notes' own layer numbers
            number = written(kind, layer)
            if tex:
                return f"{{{(_TEX_BATCH if batched else _TEX_BASE)[kind]}^{{({number})}}}}", 4
            return f"{(_TEXT_BATCH if batched else _TEXT_BASE)[kind]}{str(number).translate(_SUPERSCRIPT)}", 4
        case Var(kind, layer):
            if tex:
                return f"{(_TEX_BATCH if batched else _TEX_BASE)[kind]}_{{{layer}}}", 4
            return f"{(_TEXT_BATCH if batched else _TEXT_BASE)[kind]}{layer}", 4
        case Ones():
            return (r"\mathbf{1}" if tex else "1"), 4
        case Column((value,)):  # a number written in a model file's formula (1 × 1)
            return _fraction(value, tex) if value >= 0 else ("(" + _fraction(value, tex) + ")"), 4
        case Column(entries):
            if tex:
                return r"\begin{pmatrix}" + r" \\ ".join(
                    _fraction(e, tex) for e in entries
                ) + r"\end{pmatrix}", 4
            return "[" + "; ".join(_fraction(e, tex) for e in entries) + "]", 4
        case Transpose(Var(kind, layer) as x) if (
            isinstance(written, Lettered) and written.entrywise and written.letter(kind, layer)
        ):  # an entry `o_j` of a vector: its transpose is the same entry
            return _render(x, tex, batched, written)
        case Transpose(Softmax(Transpose(x))):  # each row's softmax
            inner = _render(x, tex, batched, written)[0]
            if tex:
                return rf"\operatorname{{softmax}}_{{\mathrm{{axis}}=1}}\!\left({inner}\right)", 4
            return f"softmax({inner}, axis=1)", 4
        case Transpose(x):
            return wrap(x, 4) + ("^{T}" if tex else "ᵀ"), 4
        case MatMul(left, right):
            return f"{wrap(left, 3)} {wrap(right, 4 if isinstance(right, MatMul) else 3)}", 3
        case Hadamard(left, Apply(Function("reciprocal"), right)) | Broadcast(
            left, Apply(Function("reciprocal"), right)
        ):  # x / y, elementwise
            if tex:
                top, bottom = (
                    _render(left, tex, batched, written)[0],
                    _render(right, tex, batched, written)[0],
                )
                return rf"\frac{{{top}}}{{{bottom}}}", 3
            return f"{wrap(left, 2)} / {wrap(right, 3)}", 2
        case Apply(Function("reciprocal"), x):  # 1 / x, elementwise
            if tex:
                return rf"\frac{{1}}{{{_render(x, tex, batched, written)[0]}}}", 3
            return f"1 / {wrap(x, 3)}", 2
        case Hadamard(left, right):
            op = r" \circ " if tex else " ∘ "
            return wrap(left, 3 if isinstance(left, Kron) else 2) + op + wrap(right, 3), 2
        case Broadcast(left, right):
            op = r" \odot " if tex else " * "
            return wrap(left, 3 if isinstance(left, Kron) else 2) + op + wrap(right, 3), 2
        case Kron(left, right):  # looser than a product, tighter than +: `A C ⊗ B`, `(A ⊗ B) x`
            op = r" \otimes " if tex else " ⊗ "
            return wrap(left, 3) + op + wrap(right, 3), 2
        case BroadcastAdd(left, Scale(factor, right)) if factor < 0:
            return f"{wrap(left, 1)} - {_render(Scale(-factor, right), tex, batched, written)[0]}", 1
        case BroadcastAdd(left, right):
            return f"{wrap(left, 1)} + {wrap(right, 2)}", 1
        case Add(left, Scale(factor, right)) if factor < 0:
            return f"{wrap(left, 1)} - {_render(Scale(-factor, right), tex, batched, written)[0]}", 1
        case Add(left, right):
            return f"{wrap(left, 1)} + {wrap(right, 2)}", 1
        case Scale(factor, x):
            if factor == 1:
                return _render(x, tex, batched, written)
            if factor == -1:
                return "-" + wrap(x, 3), 3
            letter, size = written.batch if isinstance(written, Lettered) else ("", 0)
            if letter and abs(factor) == Fraction(1, size):  # the mean's 1/B in the notes' letter: 1/m
                mean = (r"\tfrac{1}{" + letter + "}") if tex else f"1/{letter}"
                return f"{'-' if factor < 0 else ''}{mean} {wrap(x, 3)}", 3
            return f"{_fraction(factor, tex)} {wrap(x, 3)}", 3
        case FPrime(x) | Activate(x):
            inner = _render(x, tex, batched, written)[0]
            name = "f'" if isinstance(node, FPrime) else "f"
            return (rf"{name}\!\left({inner}\right)" if tex else f"{name}({inner})"), 4
        case Grad(Ref() as r):
            inner = _render(r, tex, batched, written)[0]
            return (rf"\frac{{\partial L}}{{\partial {inner}}}" if tex else f"dL/d{inner}"), 4
        case Grad(Var(kind, layer) as v):
            if tex:
                return rf"\frac{{\partial L}}{{\partial {_render(v, tex, batched, written)[0]}}}", 4
            return f"dL/d{_render(v, tex, batched, written)[0]}", 4
        case Fill(value, _):
            return _fraction(value, tex), 4
        case Ref(name):
            if tex:
                stem, digits = re.fullmatch(r"(.*?)([0-9]*)", name).groups()  # type: ignore[union-attr]  # always matches
                stem = math_name(stem)  # θ from notes: \theta
                return (f"{stem}_{{{digits}}}" if stem and digits else stem or name), 4
            return name, 4
        case Apply(Function("generic"), x):  # the generic activation of symbolic proofs
            return _render(Activate(x), tex, batched, written)
        case ExampleLoss("generic", output, _, _):  # the generic ℓ(z_L) of symbolic proofs
            inner = _render(output, tex, batched, written)[0]
            return (rf"\ell\!\left({inner}\right)" if tex else f"ℓ({inner})"), 4
        case Apply(Function("power", exponent), x) if exponent is not None:  # x ** p, elementwise
            if tex:
                return f"{wrap(x, 4)}^{{{_fraction(exponent, tex)}}}", 4
            return f"{wrap(x, 4)}**{_fraction(exponent, tex)}", 4
        case Apply(Function(name), x):
            inner = _render(x, tex, batched, written)[0]
            return (rf"\operatorname{{{name}}}\!\left({inner}\right)" if tex else f"{name}({inner})"), 4
        case ApplyPrime(Function(name), x):
            inner = _render(x, tex, batched, written)[0]
            if tex:
                return rf"\operatorname{{{name}}}'\!\left({inner}\right)", 4
            return f"{name}'({inner})", 4
        case ExampleLoss(loss, output, target, Function(f)):
            args = f"{_render(output, tex, batched, written)[0]}, {_render(target, tex, batched, written)[0]}"
            if tex:
                return rf"\ell_{{\mathrm{{{loss}}}}}\!\left({args}\right)", 4
            return (f"{loss}({args})" if f == "identity" else f"{loss}[{f}]({args})"), 4
        case MatrixApply(name, x):
            entry = MATRIX[name]
            template = entry.tex if tex else entry.text
            if entry.postfix:  # X⁻¹ after its operand; in TeX a ᵀ then needs braces: (X^{-1})^T
                return template.replace("{}", wrap(x, 4)), 3 if tex else 4
            return template.replace("{}", _render(x, tex, batched, written)[0]), 4
        case SumAxis(SumAxis(x, 0), 1) | MeanAxis(MeanAxis(x, 0), 1):  # every entry: sum(x), mean(x)
            inner = _render(x, tex, batched, written)[0]
            word = "sum" if isinstance(node, SumAxis) else "mean"
            return (rf"\operatorname{{{word}}}\!\left({inner}\right)" if tex else f"{word}({inner})"), 4
        case MeanAxis(x, axis):
            inner = _render(x, tex, batched, written)[0]
            if tex:
                return rf"\operatorname{{mean}}_{{\mathrm{{axis}}={axis}}}\!\left({inner}\right)", 4
            return f"mean({inner}, axis={axis})", 4
        case Softmax(Var("z", layer)) if (
            isinstance(written, Lettered) and written.entrywise and written.letter("a", layer)
        ):  # o_j, the output the claim names so
            return _render(Var("a", layer), tex, batched, written)
        case LogSoftmax(x, axis):
            inner = _render(x, tex, batched, written)[0]
            if tex:
                return rf"\operatorname{{log\_softmax}}_{{\mathrm{{axis}}={axis}}}\!\left({inner}\right)", 4
            return f"log_softmax({inner}, axis={axis})", 4
        case Softmax(x):
            inner = _render(x, tex, batched, written)[0]
            return (rf"\operatorname{{softmax}}\!\left({inner}\right)" if tex else f"softmax({inner})"), 4
        case Correlate() | MaxPool() | Flip() | Repeat() | MaxAxis():
            return _call(node, tex, batched, written), 4
        case Equal(left, right):
            op = r" = " if tex else " == "
            return "(" + _render(left, tex, batched, written)[0] + op + _render(right, tex, batched, written)[
                0
            ] + ")", 4
        case Diag(x):
            inner = _render(x, tex, batched, written)[0]
            return (rf"\operatorname{{diag}}\!\left({inner}\right)" if tex else f"diag({inner})"), 4
        case SumAxis(x, axis):
            inner = _render(x, tex, batched, written)[0]
            if tex:
                return rf"\operatorname{{sum}}_{{\mathrm{{axis}}={axis}}}\!\left({inner}\right)", 4
            return f"sum({inner}, axis={axis})", 4
    raise Unsupported(node, "to_latex" if tex else "to_text")


def _call(
    node: Correlate | MaxPool | Flip | Repeat | MaxAxis, tex: bool, batched: bool, written: Written | None
) -> str:
    """`conv1d(x, w, stride=2)`, `maxpool2d(X, size=(2, 2))`, `flip(w)`: as a model file writes
    them, the keywords that differ from the defaults stated."""

    def arg(x: Formula) -> str:
        return _render(x, tex, batched, written)[0]

    def pair(values: tuple[int, int], axis: int | None) -> str:
        return str(values[axis]) if axis is not None else f"({values[0]}, {values[1]})"

    match node:
        case Correlate(x, k, stride, padding, dilation, axis):
            name = "conv1d" if axis is not None else "conv2d"
            args = [arg(x), arg(k)]
            for word, values, default in (
                ("stride", stride, (1, 1)),
                ("padding", padding, (0, 0)),
                ("dilation", dilation, (1, 1)),
            ):
                if values != default:
                    args.append(f"{word}={pair(values, axis)}")
        case MaxPool(x, size, stride, axis):
            name = "maxpool1d" if axis is not None else "maxpool2d"
            args = [arg(x), f"size={pair(size, axis)}"]
            if stride != size:
                args.append(f"stride={pair(stride, axis)}")
        case Flip(x):
            name, args = "flip", [arg(x)]
        case Repeat(x, times, axis):
            name, args = "repeat", [arg(x), str(times), f"axis={axis}"]
        case MaxAxis(x, axis):
            name, args = "max", [arg(x)] + ([] if axis is None else [f"axis={axis}"])
        case _:
            raise Unsupported(node, "to_latex" if tex else "to_text")
    if tex:
        return rf"\operatorname{{{name}}}\!\left({', '.join(args)}\right)"
    return f"{name}({', '.join(args)})"


def to_latex(formula: Formula, batched: bool = False, written: Written | None = None) -> str:
    """LaTeX in the seed's notation, e.g. `W_{1}^{T} \\delta_{2} \\circ f'\\!\\left(z_{1}\\right)`;
    with `written`, in the notes' layer numbers (`{W^{(3)}}^{T}`)."""
    return _render(formula, True, batched, written)[0]


def to_text(formula: Formula, batched: bool = False, written: Written | None = None) -> str:
    """Plain text, e.g. `W1ᵀ δ2 ∘ f'(z1)`; with `written` (derive/reading.py's `Reading.written`)
    in the notes' layer numbers, e.g. `(W³)ᵀ δ³ ∘ f'(z²)` for Nielsen's notes."""
    return _render(formula, False, batched, written)[0]
