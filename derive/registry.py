"""The function registry: every activation and loss once, with its names, its LaTeX and its
SymPy, NumPy and JAX *forward* definitions side by side — never a derivative a witness uses.
The one derivative here, each loss's output error `δ_L = ∂ℓ/∂z_L` (`Loss.delta`, a formula), is
a *claim*: the built-in identity `dL/dz_L` that the three witnesses check, never their input.

SymPy differentiates its forward (`derive/model.py`), `jax.grad` the JAX one (the oracle), and
the hand-written NumPy backward (`verify/numpy_backprop.py`, the implementation under test)
keeps its own f, f' table, whose names a test holds equal to these. The claim reader's
vocabulary, the CLI's help, the TeX names and the reports' definitions are all read from here.

This module imports nothing numeric: `derivcheck --help` lists its names without loading SymPy,
and `derive/` stays free of NumPy and JAX. So each forward receives its namespace first:
- `sympy=lambda sp, z, α: …`: `sp` is the `sympy` module;
- `numpy=lambda np, z, α: …`: `np` is `numpy` with an `erf` ufunc added (NumPy has none);
- `jax=lambda jax, z, α: …`: `jax` is the `jax` module (with `jax.numpy` loaded); the oracle's
  numerics are `jax.nn`'s own (exact and tanh gelu, `log_softmax`, `log_sigmoid`).
`α` is the entry's declared `parameter` (leaky-relu's slope); the other entries ignore it.
Losses are per example, `(ns, z, y, f)`: `z`, `y` the last layer's pre-activation and target
(SymPy: lists of entries; NumPy: outputs on axis -2; JAX: outputs on axis 0), `f` the network's
activation with its namespace bound.

`check` runs at import: every entry has its three forwards, names and aliases are unique
across all entries as the claim reader compares them (`key`), and every kink states the
convention there. That the three forwards agree numerically is a test's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, get_args

from derive.errors import InputError, choose_one

Target = Literal["real", "one-hot", "binary"]  # how the sampler draws y
Reads = Literal["a", "z"]  # what a loss reads: the output activation a_L = f(z_L), or the logits z_L
Forward = Callable[..., Any]  # (namespace, z, α) for activations, (namespace, z, y, f) for losses


@dataclass(frozen=True)
class Parameter:
    """A number an activation takes besides `z`, with the range it must lie in (exclusive)."""

    symbol: str  # as text and CLI help write it
    tex: str
    meaning: str
    default: Fraction
    low: Fraction
    high: Fraction


@dataclass(frozen=True)
class Activation:
    """An elementwise activation `a = f(z)`.

    `kinks` lists the points where `f` is not differentiable: the sampler keeps away from them
    unless asked to hit them, and each witness's value of `f'` there is reported; `at_kink`
    states the mathematics a reader needs there."""

    name: str
    aliases: tuple[str, ...]  # as people write it: r"\operatorname{relu}", "ReLU", …
    tex: str  # the name in formulas: r"\sigma", r"\tanh", r"\operatorname{relu}"
    definition: str  # LaTeX, as the report states it
    sympy: Forward
    numpy: Forward
    jax: Forward
    kinks: tuple[int, ...] = ()
    at_kink: str = ""
    parameter: Parameter | None = None


@dataclass(frozen=True)
class Loss:
    """A per-example loss; a mini-batch's loss is the mean (or sum) of the per-example losses.

    `generic` has no forwards: it is an undefined `ℓ(z_L)` (`derive/generic.py`), symbolic
    only, and the numeric witnesses use `stand_in` in its place."""

    name: str
    aliases: tuple[str, ...]
    definition: str  # LaTeX, as the report states it
    convention: str  # the choice a reader must know (the 1/2, what the target is)
    target: Target
    sympy: Forward | None
    numpy: Forward | None
    jax: Forward | None
    min_outputs: int = 1
    why_min_outputs: str = ""
    stand_in: str = ""  # generic only: the loss the numeric witnesses use
    reads: Reads = "z"  # "a": ℓ(a_L, y) with a_L = f(z_L) (its forwards apply f); "z": the logits
    # the output error δ_L = ∂ℓ/∂z_L of one example, `(F, L) → Formula`: `F` is derive/formula.py
    # (which imports this module, so it comes as a namespace, as `sp` does to the forwards) and `L`
    # the last layer. The one statement of each loss's δ_L: the built-in identity `dL/dz_L`
    # (derive/identities.py) and the slips' "another loss's output error" read it. None for generic.
    delta: Forward | None = None


SLOPE = Parameter("α", r"\alpha", "the slope for z < 0", Fraction(1, 100), Fraction(0), Fraction(1))
RELU_KINK = "no derivative at 0: the one-sided slopes are 0 (left) and 1 (right), each witness takes its own"
LEAKY_KINK = "no derivative at 0: the one-sided slopes are α (left) and 1 (right), each witness takes its own"


def _gelu_tanh_sympy(sp, z):
    # 1/2 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))
    return z / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (z + sp.Rational(44715, 10**6) * z**3)))


_ACTIVATIONS = (
    # --- smooth -------------------------------------------------------------------------------
    Activation(
        "identity",
        ("linear", "id", r"\operatorname{id}", r"\mathrm{identity}"),
        r"\operatorname{identity}",
        r"f(z) = z",
        sympy=lambda sp, z, α: z,
        numpy=lambda np, z, α: z,
        jax=lambda jax, z, α: z,
    ),
    Activation(
        "sigmoid",
        (r"\sigma", "σ", r"\operatorname{sigmoid}", r"\text{sigm}", "logistic", "expit"),
        r"\sigma",
        r"\sigma(z) = \frac{1}{1 + e^{-z}}",
        sympy=lambda sp, z, α: 1 / (1 + sp.exp(-z)),
        numpy=lambda np, z, α: 1 / (1 + np.exp(-z)),
        jax=lambda jax, z, α: jax.nn.sigmoid(z),
    ),
    Activation(
        "tanh",
        (r"\tanh", r"\operatorname{tanh}"),
        r"\tanh",
        r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
        sympy=lambda sp, z, α: sp.tanh(z),
        numpy=lambda np, z, α: np.tanh(z),
        jax=lambda jax, z, α: jax.numpy.tanh(z),
    ),
    Activation(
        "softplus",
        (r"\operatorname{softplus}", "SoftPlus"),
        r"\operatorname{softplus}",
        r"\mathrm{softplus}(z) = \log(1 + e^{z})",
        sympy=lambda sp, z, α: sp.log(1 + sp.exp(z)),
        numpy=lambda np, z, α: np.logaddexp(0, z),
        jax=lambda jax, z, α: jax.nn.softplus(z),
    ),
    Activation(
        "silu",
        ("SiLU", "swish", r"\operatorname{silu}"),
        r"\operatorname{silu}",
        r"\mathrm{silu}(z) = z\,\sigma(z) = \frac{z}{1 + e^{-z}}",
        sympy=lambda sp, z, α: z / (1 + sp.exp(-z)),
        numpy=lambda np, z, α: z / (1 + np.exp(-z)),
        jax=lambda jax, z, α: jax.nn.silu(z),
    ),
    # --- gelu: exact (erf) and its tanh approximation -------------------------------------------
    Activation(
        "gelu",
        ("GELU", r"\operatorname{gelu}", "exact gelu"),
        r"\operatorname{gelu}",
        r"\mathrm{gelu}(z) = \tfrac{z}{2}\left(1 + \operatorname{erf}(z/\sqrt{2})\right)",
        sympy=lambda sp, z, α: z / 2 * (1 + sp.erf(z / sp.sqrt(2))),
        numpy=lambda np, z, α: z / 2 * (1 + np.erf(z / np.sqrt(2))),
        jax=lambda jax, z, α: jax.nn.gelu(z, approximate=False),
    ),
    Activation(
        "gelu-tanh",
        ("gelu_tanh", r"\operatorname{gelu-tanh}", "approximate gelu", "gelu-approx", "gelu_new"),
        r"\operatorname{gelu-tanh}",
        r"f(z) = \tfrac{z}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(z + 0.044715 z^3)\right)\right)",
        sympy=lambda sp, z, α: _gelu_tanh_sympy(sp, z),
        numpy=lambda np, z, α: z / 2 * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3))),
        jax=lambda jax, z, α: jax.nn.gelu(z, approximate=True),
    ),
    # --- piecewise: relu and leaky-relu have a kink at 0; elu is C¹ there (no kink) -------------
    Activation(
        "relu",
        ("ReLU", r"\mathrm{ReLU}", r"\operatorname{relu}"),
        r"\operatorname{relu}",
        r"\mathrm{relu}(z) = \max(0, z)",
        sympy=lambda sp, z, α: sp.Max(0, z),
        numpy=lambda np, z, α: np.maximum(z, 0),
        jax=lambda jax, z, α: jax.nn.relu(z),
        kinks=(0,),
        at_kink=RELU_KINK,
    ),
    Activation(
        "leaky-relu",
        ("LeakyReLU", "leaky_relu", r"\operatorname{leaky-relu}", "lrelu"),
        r"\operatorname{leaky-relu}",
        r"f(z) = \max(z, \alpha z),\ 0 < \alpha < 1",
        sympy=lambda sp, z, α: sp.Max(z, α * z),
        numpy=lambda np, z, α: np.where(z > 0, z, α * z),
        jax=lambda jax, z, α: jax.nn.leaky_relu(z, negative_slope=α),
        kinks=(0,),
        at_kink=LEAKY_KINK,
        parameter=SLOPE,
    ),
    Activation(
        "elu",
        ("ELU", r"\operatorname{elu}"),
        r"\operatorname{elu}",
        r"\mathrm{elu}(z) = z \text{ for } z > 0,\ e^{z} - 1 \text{ otherwise}",
        # with Heaviside H, not Piecewise: nested Piecewise makes SymPy crawl (minutes for 4 → 3)
        sympy=lambda sp, z, α: z * sp.Heaviside(z) + (sp.exp(z) - 1) * (1 - sp.Heaviside(z)),
        numpy=lambda np, z, α: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
        jax=lambda jax, z, α: jax.nn.elu(z),
    ),
)

# Elementary functions a claim writes out (σ' = e^{-z}/(1 + e^{-z})², tanh' = sech²): used inside
# claims only, never a network's activation (so neither the CLI nor the hand-written backward
# lists them). `reciprocal` is the claims' elementwise division, x / y = x ∘ reciprocal(y).
_ELEMENTARY = (
    Activation(
        "exp",
        (r"\exp", "e"),
        r"\exp",
        r"\exp(z) = e^{z}",
        sympy=lambda sp, z, α: sp.exp(z),
        numpy=lambda np, z, α: np.exp(z),
        jax=lambda jax, z, α: jax.numpy.exp(z),
    ),
    Activation(
        "sinh",
        (r"\sinh",),
        r"\sinh",
        r"\sinh(z) = \frac{e^{z} - e^{-z}}{2}",
        sympy=lambda sp, z, α: sp.sinh(z),
        numpy=lambda np, z, α: np.sinh(z),
        jax=lambda jax, z, α: jax.numpy.sinh(z),
    ),
    Activation(
        "cosh",
        (r"\cosh",),
        r"\cosh",
        r"\cosh(z) = \frac{e^{z} + e^{-z}}{2}",
        sympy=lambda sp, z, α: sp.cosh(z),
        numpy=lambda np, z, α: np.cosh(z),
        jax=lambda jax, z, α: jax.numpy.cosh(z),
    ),
    Activation(
        "sech",
        (r"\sech", r"\operatorname{sech}"),
        r"\operatorname{sech}",
        r"\operatorname{sech}(z) = \frac{1}{\cosh z}",
        sympy=lambda sp, z, α: sp.sech(z),
        numpy=lambda np, z, α: 1 / np.cosh(z),
        jax=lambda jax, z, α: 1 / jax.numpy.cosh(z),
    ),
    # log and sqrt need a positive operand: model files take them of softmaxes, variances + ε, or
    # inputs the sampler draws positive (verify/model_check.py)
    Activation(
        "log",
        (r"\log", r"\ln", "ln"),
        r"\log",
        r"\log(z),\ z > 0",
        sympy=lambda sp, z, α: sp.log(z),
        numpy=lambda np, z, α: np.log(z),
        jax=lambda jax, z, α: jax.numpy.log(z),
    ),
    Activation(
        "sqrt",
        (r"\sqrt",),
        r"\sqrt",
        r"\sqrt{z},\ z > 0",
        sympy=lambda sp, z, α: sp.sqrt(z),
        numpy=lambda np, z, α: np.sqrt(z),
        jax=lambda jax, z, α: jax.numpy.sqrt(z),
    ),
    # `x ** p` of a model file: the exponent p (a number) is the `Function`'s parameter
    Activation(
        "power",
        (),
        r"\operatorname{power}",
        r"\operatorname{power}_p(z) = z^p",
        sympy=lambda sp, z, α: z**α,
        numpy=lambda np, z, α: z**α,
        jax=lambda jax, z, α: z**α,
    ),
    Activation(
        "reciprocal",
        (),
        r"\operatorname{reciprocal}",
        r"\operatorname{reciprocal}(z) = \frac{1}{z}",
        sympy=lambda sp, z, α: 1 / z,
        numpy=lambda np, z, α: 1 / z,
        jax=lambda jax, z, α: 1 / z,
    ),
)


def _mse_sympy(sp, z, y, f):
    # L = 1/2 sum_k (f(z_k) - y_k)^2
    return sp.Rational(1, 2) * sum((f(zk) - yk) ** 2 for zk, yk in zip(z, y, strict=True))


def _sse_sympy(sp, z, y, f):
    # L = sum_k (f(z_k) - y_k)^2, no 1/2
    return sum((f(zk) - yk) ** 2 for zk, yk in zip(z, y, strict=True))


def _softmax_ce_sympy(sp, z, y, f):
    # L = -sum_k y_k log softmax(z)_k = -sum_k y_k (z_k - log sum_j e^{z_j})
    log_sum_exp = sp.log(sum(sp.exp(zj) for zj in z))
    return -sum(yk * (zk - log_sum_exp) for zk, yk in zip(z, y, strict=True))


def _bce_sympy(sp, z, y, f):
    # L = -sum_k [y_k log sigma(z_k) + (1 - y_k) log(1 - sigma(z_k))]
    #   =  sum_k [y_k log(1 + e^{-z_k}) + (1 - y_k) log(1 + e^{z_k})]
    return sum(
        yk * sp.log(1 + sp.exp(-zk)) + (1 - yk) * sp.log(1 + sp.exp(zk)) for zk, yk in zip(z, y, strict=True)
    )


def _error(F, output, L):
    # output − y, the difference every output error holds
    return F.Add(output, F.Scale(Fraction(-1), F.Var("y", L)))


GENERIC = "generic"
NUMERIC_STAND_IN = "mse"  # what the numeric witnesses use for the generic loss

_LOSSES = (
    Loss(
        "mse",
        ("MSE", "squared error", "L2", "half squared error"),
        r"L = \tfrac{1}{2}\,\lVert f(z_L) - y \rVert^2",
        "squared error with the factor 1/2, taken on the output activation f(z) of the last"
        " layer (the same f as the hidden layers)",
        "real",
        sympy=_mse_sympy,
        # ℓ = 1/2 ||f(z) - y||^2
        numpy=lambda np, z, y, f: 0.5 * ((f(z) - y) ** 2).sum(axis=-2),
        jax=lambda jax, z, y, f: 0.5 * jax.numpy.sum((f(z) - y) ** 2, axis=0),
        reads="a",
        # δ_L = (a_L − y) ∘ f'(z_L)
        delta=lambda F, L: F.Hadamard(_error(F, F.Var("a", L), L), F.FPrime(F.Var("z", L))),
    ),
    Loss(
        "sse",
        ("SSE", "sum of squared errors", "squared error without 1/2"),
        r"L = \lVert f(z_L) - y \rVert^2",
        "squared error without the factor 1/2 (the sum of squared errors, as notes write"
        " E = sum_k (t_k - o_k)^2), taken on the output activation f(z) of the last layer (the same"
        " f as the hidden layers)",
        "real",
        sympy=_sse_sympy,
        # ℓ = ||f(z) - y||^2
        numpy=lambda np, z, y, f: ((f(z) - y) ** 2).sum(axis=-2),
        jax=lambda jax, z, y, f: jax.numpy.sum((f(z) - y) ** 2, axis=0),
        reads="a",
        # δ_L = 2 (a_L − y) ∘ f'(z_L)
        delta=lambda F, L: F.Scale(
            Fraction(2), F.Hadamard(_error(F, F.Var("a", L), L), F.FPrime(F.Var("z", L)))
        ),
    ),
    Loss(
        "softmax-ce",
        (
            "cross-entropy",
            "softmax cross-entropy",
            "softmax_cross_entropy",
            "categorical cross-entropy",
            "CE",
        ),
        r"L = -\sum_k y_k \log \operatorname{softmax}(z_L)_k",
        "softmax cross-entropy on the last layer's z as logits (no output activation), one-hot target y",
        "one-hot",
        sympy=_softmax_ce_sympy,
        # ℓ = -sum_k y_k log softmax(z)_k = -sum_k y_k (z_k - log sum_j e^{z_j})
        numpy=lambda np, z, y, f: -(y * (z - np.logaddexp.reduce(z, axis=-2, keepdims=True))).sum(axis=-2),
        jax=lambda jax, z, y, f: -jax.numpy.sum(y * jax.nn.log_softmax(z, axis=0), axis=0),
        min_outputs=2,
        why_min_outputs="the softmax of one logit is 1, so the loss and every gradient are 0",
        # δ_L = softmax(z_L) − y (as the targets sum to 1 in each example)
        delta=lambda F, L: _error(F, F.Softmax(F.Var("z", L)), L),
    ),
    Loss(
        "bce",
        ("BCE", "binary cross-entropy", "sigmoid cross-entropy", "sigmoid_binary_cross_entropy", "log loss"),
        r"L = -\sum_k \left[y_k \log \sigma(z_{L,k}) + (1 - y_k) \log(1 - \sigma(z_{L,k}))\right]",
        "binary cross-entropy of a sigmoid on each output (no other output activation),"
        " one 0/1 target per output",
        "binary",
        sympy=_bce_sympy,
        # ℓ = sum_k [y_k log(1 + e^{-z_k}) + (1 - y_k) log(1 + e^{z_k})] = -sum_k [y_k log σ(z_k) + …]
        numpy=lambda np, z, y, f: (y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)).sum(axis=-2),
        jax=lambda jax, z, y, f: (
            -jax.numpy.sum(y * jax.nn.log_sigmoid(z) + (1 - y) * jax.nn.log_sigmoid(-z), axis=0)
        ),
        # δ_L = σ(z_L) − y, on the logits whatever the output activation f_L
        delta=lambda F, L: _error(F, F.Apply(F.Function("sigmoid"), F.Var("z", L)), L),
    ),
    Loss(
        GENERIC,
        ("ℓ",),
        r"L = \ell(z_L)",
        "an undefined function of the last layer's z: the proof holds for every loss; the"
        f" numeric witnesses need numbers and use {NUMERIC_STAND_IN} in its place",
        "real",
        sympy=None,
        numpy=None,
        jax=None,
        stand_in=NUMERIC_STAND_IN,
    ),
)


@dataclass(frozen=True)
class MatrixFunction:
    """A function of a whole matrix (the Matrix Cookbook's tr, det, ln|det|, inverse, squared
    norms): `scalar` ones give a 1 × 1 result, the others a matrix of the operand's shape;
    `square` ones need a square operand. Forwards take the namespace and one matrix:
    SymPy an `sp.Matrix` (→ an `sp.Matrix`, 1 × 1 when `scalar`), NumPy and JAX an array
    `(..., r, c)` (→ `(..., 1, 1)` when `scalar`), so the same forward serves one point or many.
    `tex`/`text` print it around its operand (`{}`); `postfix` ones after it (`X^{-1}`)."""

    name: str
    aliases: tuple[str, ...]
    tex: str
    text: str
    definition: str
    scalar: bool
    square: bool
    sympy: Forward
    numpy: Forward
    jax: Forward
    postfix: bool = False


def _keep(xp, v):
    """A scalar per matrix as a 1 × 1 matrix: (...,) → (..., 1, 1)."""
    return v[..., None, None]


_MATRIX = (
    MatrixFunction(
        "trace",
        ("tr", r"\operatorname{Tr}", r"\mathrm{tr}", r"\text{tr}", r"\operatorname{trace}"),
        r"\operatorname{tr}\left({}\right)",
        "tr({})",
        r"\operatorname{tr}(X) = \sum_i X_{ii}",
        scalar=True,
        square=True,
        # tr X = Σ_i X_ii
        sympy=lambda sp, M: sp.Matrix([[M.trace()]]),
        numpy=lambda np, M: _keep(np, np.trace(M, axis1=-2, axis2=-1)),
        jax=lambda jax, M: _keep(jax, jax.numpy.trace(M, axis1=-2, axis2=-1)),
    ),
    MatrixFunction(
        "det",
        (r"\det", "determinant", r"\operatorname{det}"),
        r"\det\left({}\right)",
        "det({})",
        r"\det(X) = \sum_{\pi} \operatorname{sgn}(\pi) \prod_i X_{i\pi(i)}",
        scalar=True,
        square=True,
        sympy=lambda sp, M: sp.Matrix([[M.det(method="berkowitz")]]),
        numpy=lambda np, M: _keep(np, np.linalg.det(M)),
        jax=lambda jax, M: _keep(jax, jax.numpy.linalg.det(M)),
    ),
    MatrixFunction(
        "logabsdet",
        ("log-abs-det", r"\ln|\det|", "logdet"),
        r"\ln\left|\det\left({}\right)\right|",
        "ln|det({})|",
        r"\ln|\det(X)|,\ \det X \neq 0",
        scalar=True,
        square=True,
        # ln|d| = ½ ln(d²): the same function for real d ≠ 0, and SymPy differentiates it to d'/d
        sympy=lambda sp, M: sp.Matrix([[sp.log(M.det(method="berkowitz") ** 2) / 2]]),
        numpy=lambda np, M: _keep(np, np.linalg.slogdet(M)[1]),
        jax=lambda jax, M: _keep(jax, jax.numpy.linalg.slogdet(M)[1]),
    ),
    MatrixFunction(
        "inverse",
        ("inv", r"^{-1}"),
        r"{}^{-1}",
        "{}⁻¹",
        r"X^{-1} X = I,\ \det X \neq 0",
        scalar=False,
        square=True,
        sympy=lambda sp, M: M.inv(method="ADJ"),
        numpy=lambda np, M: np.linalg.inv(M),
        jax=lambda jax, M: jax.numpy.linalg.inv(M),
        postfix=True,
    ),
    MatrixFunction(
        "sqnorm",
        ("frobenius-squared", r"\|\|_F^2", r"\|\|_2^2", r"\|\|^2"),
        r"\left\|{}\right\|^2",
        "‖{}‖²",
        r"\|X\|_F^2 = \sum_{ij} X_{ij}^2 = \operatorname{tr}(X^T X)"
        r"\ (\|x\|_2^2 \text{ for a vector})",
        scalar=True,
        square=False,
        # ‖X‖_F² = Σ_ij X_ij²
        sympy=lambda sp, M: sp.Matrix([[sum(x**2 for x in M)]]),
        numpy=lambda np, M: _keep(np, (M**2).sum(axis=(-2, -1))),
        jax=lambda jax, M: _keep(jax, jax.numpy.sum(M**2, axis=(-2, -1))),
    ),
)


# --- names as the claim reader compares them ----------------------------------------------------
_WRAPPED = re.compile(r"\\(?:operatorname\*?|mathrm|text|textrm|mathit|textit)\s*\{\s*(.*?)\s*\}")


def key(written: str) -> str:
    """How a written name is compared: LaTeX wrappers and a leading backslash dropped, case
    folded, `_` and spaces read as `-` (`\\mathrm{ReLU}`, `relu`; `gelu_tanh`, `gelu-tanh`)."""
    text = written.strip()
    wrapped = _WRAPPED.fullmatch(text)
    if wrapped:
        text = wrapped.group(1)
    return re.sub(r"[\s_]+", "-", text.lstrip("\\").casefold())


class RegistryError(RuntimeError):
    """The registry contradicts itself (raised at import: a programming error, not bad input)."""


def check(
    activations: Iterable[Activation], losses: Iterable[Loss], matrix: Iterable[MatrixFunction] = ()
) -> None:
    """Structural consistency, cheap enough for every import (as sympy2jax checks its table)."""
    activations, losses, matrix = tuple(activations), tuple(losses), tuple(matrix)
    seen: dict[str, str] = {}
    for entry in (*activations, *losses, *matrix):
        if entry.name != key(entry.name):
            raise RegistryError(f"{entry.name!r}: a registry name is written as its key {key(entry.name)!r}")
        for written in (entry.name, *entry.aliases):
            owner = seen.setdefault(key(written), entry.name)
            if owner != entry.name:
                raise RegistryError(f"alias {written!r} of {entry.name!r} is already a name of {owner!r}")
    for a in (*activations, *matrix):
        missing = [w for w in ("sympy", "numpy", "jax") if not callable(getattr(a, w))]
        if missing:
            raise RegistryError(f"{a.name!r} lacks its {', '.join(missing)} forward")
        if isinstance(a, MatrixFunction):
            if a.tex.count("{}") != 1 or a.text.count("{}") != 1:
                raise RegistryError(
                    f"matrix function {a.name!r}: tex and text hold one '{{}}' for the operand"
                )
            continue
        if bool(a.kinks) != bool(a.at_kink):
            raise RegistryError(f"activation {a.name!r}: kinks {a.kinks} need the convention there (at_kink)")
    concrete = {loss.name for loss in losses if loss.sympy is not None}
    for loss in losses:
        forwards = [loss.sympy, loss.numpy, loss.jax]
        if loss.target not in get_args(Target):
            raise RegistryError(
                f"loss {loss.name!r}: target {loss.target!r} is not one of {get_args(Target)}"
            )
        if loss.reads not in get_args(Reads):
            raise RegistryError(f"loss {loss.name!r}: reads {loss.reads!r} is not one of {get_args(Reads)}")
        if all(callable(f) for f in forwards):
            if not callable(loss.delta):
                raise RegistryError(f"loss {loss.name!r} needs its output error delta (δ_L = ∂ℓ/∂z_L)")
            continue
        if any(f is not None for f in (*forwards, loss.delta)) or loss.stand_in not in concrete:
            raise RegistryError(
                f"loss {loss.name!r} needs its sympy, numpy and jax forwards, or none and a stand-in"
                f" among {sorted(concrete)} (received {loss.stand_in!r})"
            )


check((*_ACTIVATIONS, *_ELEMENTARY), _LOSSES, _MATRIX)
MATRIX: dict[str, MatrixFunction] = {f.name: f for f in _MATRIX}
_MATRIX_KEYS = {key(w): f.name for f in _MATRIX for w in (f.name, *f.aliases)}
ACTIVATIONS: dict[str, Activation] = {a.name: a for a in _ACTIVATIONS}
ELEMENTARY: dict[str, Activation] = {e.name: e for e in _ELEMENTARY}
LOSSES: dict[str, Loss] = {loss.name: loss for loss in _LOSSES}
CONCRETE_LOSSES = tuple(name for name, loss in LOSSES.items() if loss.sympy is not None)  # with forwards
_ACTIVATION_KEYS = {key(w): a.name for a in _ACTIVATIONS for w in (a.name, *a.aliases)}
_ELEMENTARY_KEYS = {key(w): e.name for e in _ELEMENTARY for w in (e.name, *e.aliases)}
_LOSS_KEYS = {key(w): loss.name for loss in _LOSSES for w in (loss.name, *loss.aliases)}


def reads_output_activation(name: str) -> bool:
    """The loss `name` reads `a_L = f(z_L)` (mse), so `∂L/∂a_L` exists; else it reads the logits `z_L`."""
    return LOSSES[name].reads == "a" if name in LOSSES else False


def activation_named(written: str) -> str | None:
    """The activation `written` names (`\\operatorname{sigmoid}`, `ReLU`, `gelu_tanh`), or None."""
    return _ACTIVATION_KEYS.get(key(written))


def elementary_named(written: str) -> str | None:
    """The elementary function `written` names (`\\exp`, `\\operatorname{sech}`), or None."""
    return _ELEMENTARY_KEYS.get(key(written))


def matrix_function_named(written: str) -> str | None:
    """The matrix function `written` names (`\\operatorname{Tr}`, `\\mathrm{tr}`, `\\det`), or None."""
    return _MATRIX_KEYS.get(key(written))


def function(name: str) -> Activation:
    """An activation or an elementary function of claims by its name (what `Apply` names)."""
    return ELEMENTARY[name] if name in ELEMENTARY else activation(name)


def _unknown(what: str, name: str, table: dict[str, Any], keys: dict[str, str]) -> InputError:
    error = choose_one(what, name, list(table))
    meant = keys.get(key(name))
    if meant is not None:
        return InputError(error.what, error.expected, name, f"'{name}' is written {meant} here")
    return error


def activation(name: str) -> Activation:
    """The entry called `name`; an `InputError` listing the valid names otherwise."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise _unknown("activation", name, ACTIVATIONS, _ACTIVATION_KEYS) from None


def loss(name: str) -> Loss:
    """The entry called `name`; an `InputError` listing the valid names otherwise."""
    try:
        return LOSSES[name]
    except KeyError:
        raise _unknown("loss", name, LOSSES, _LOSS_KEYS) from None
