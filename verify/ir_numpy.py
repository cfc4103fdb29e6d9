"""The model IR (derive/formula.py) in NumPy, as a person codes it: `numpy_value(node, env)` at
every sample point, tensors (P, rows, cols) in `env`, functions by the registry's NumPy forwards
(`derive/registry.py`). NumPy's broadcasting is the model files' own. Used by every model's
claims (verify/model_check.py): model files, notes read as a model, the Matrix Cookbook's
identities.

A claim's `x > 0` (`ApplyPrime(relu)`) is the indicator a person writes, `(x > 0) * 1.0`: 0 at
the kink, as `jax.grad` takes relu'(0). Softmax is computed as `exp(x − max) / Σ exp(x − max)`,
log-softmax as `x − max − log Σ exp(x − max)` (each column, or each row for axis 1).
Convolution (cross-correlation, zero padding) is a sum over the kernel's taps of strided slices
of the padded input; max-pooling `sliding_window_view` with the stride sliced; `(x == y)` the
indicator `(x == y) * 1.0`, which gives every tied entry a 1. The Kronecker product is an
outer product of the two matrices at each point, `einsum('…ij,…kl->…ikjl')`, its (i, k) and
(j, l) axes merged.
"""

from __future__ import annotations

import numpy as np

from derive.formula import (
    Add,
    Apply,
    ApplyPrime,
    Broadcast,
    BroadcastAdd,
    Column,
    Correlate,
    Diag,
    Equal,
    Fill,
    Flip,
    Formula,
    Grad,
    Hadamard,
    Kron,
    LogSoftmax,
    MatMul,
    MatrixApply,
    MaxAxis,
    MaxPool,
    MeanAxis,
    Ref,
    Repeat,
    Scale,
    Softmax,
    SumAxis,
    Transpose,
    Unsupported,
    gradient_key,
)
from derive.registry import MATRIX
from derive.registry import function as registry_function
from verify.numpy_backprop import erf


class _NumPy:
    """`numpy` with the `erf` the registry's gelu needs (NumPy has none): the registry's namespace."""

    erf = staticmethod(erf)

    def __getattr__(self, name: str):
        return getattr(np, name)


NP = _NumPy()


def elementwise(name: str, parameter, x: np.ndarray) -> np.ndarray:
    entry = registry_function(name)
    if parameter is None and entry.parameter is not None:
        parameter = entry.parameter.default
    return entry.numpy(NP, x, None if parameter is None else float(parameter))


def _axis(axis: int) -> int:
    return -2 if axis == 0 else -1  # (P, rows, cols): axis 0 is the rows, each column's entries


def correlate(x: np.ndarray, k: np.ndarray, node: Correlate) -> np.ndarray:
    """Y[i, j] = Σ_ab K[a, b] X[i s_r + a d_r − p_r, j s_c + b d_c − p_c] at every point, X zero
    padded: for each tap (a, b), the strided slice of the padded X it multiplies."""
    (sr, sc), (pr, pc), (dr, dc) = node.stride, node.padding, node.dilation
    *_, kh, kw = k.shape
    xp = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(pr, pr), (pc, pc)])
    rows = (xp.shape[-2] - dr * (kh - 1) - 1) // sr + 1
    cols = (xp.shape[-1] - dc * (kw - 1) - 1) // sc + 1
    out = 0.0
    for a in range(kh):
        for b in range(kw):
            window = xp[
                ..., a * dr : a * dr + sr * (rows - 1) + 1 : sr, b * dc : b * dc + sc * (cols - 1) + 1 : sc
            ]
            out = out + k[..., a : a + 1, b : b + 1] * window
    return np.asarray(out)


def maxpool(x: np.ndarray, node: MaxPool) -> np.ndarray:
    """Each window's largest entry: all kr × kc windows, every s-th kept."""
    (kr, kc), (sr, sc) = node.size, node.stride
    windows = np.lib.stride_tricks.sliding_window_view(x, (kr, kc), axis=(-2, -1))
    return windows[..., ::sr, ::sc, :, :].max(axis=(-2, -1))


def kron(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`np.kron` of the last two axes at every point: (…, r1, c1) and (…, r2, c2) give
    (…, r1·r2, c1·c2), entry [i·r2 + k, j·c2 + l] = a[i, j] · b[k, l]."""
    (r1, c1), (r2, c2) = a.shape[-2:], b.shape[-2:]
    out = np.einsum("...ij,...kl->...ikjl", a, b)
    return out.reshape(*out.shape[:-4], r1 * r2, c1 * c2)


def numpy_value(node: Formula, env: dict[str, np.ndarray]) -> np.ndarray:
    """`node` at every point: tensors (P, r, c) in `env`; a number is (1, 1) and broadcasts."""

    def at(x: Formula) -> np.ndarray:
        return numpy_value(x, env)

    match node:
        case Ref(name):
            return env[name]
        case Grad(Ref(name)):  # the oracle's ∂L/∂name, given in env (verify/model_check.py)
            return env[gradient_key(name)]
        case Transpose(x):
            return np.swapaxes(at(x), -1, -2)
        case MatMul(left, right):
            return at(left) @ at(right)
        case Add(left, right) | BroadcastAdd(left, right):
            return at(left) + at(right)
        case Hadamard(left, right) | Broadcast(left, right):
            return at(left) * at(right)
        case Scale(factor, x):
            return float(factor) * at(x)
        case Column(entries):
            return np.array([[float(e)] for e in entries])
        case Fill(value, like):
            return np.full_like(at(like), float(value))
        case Diag(x):  # (P, n, 1) → (P, n, n): the column on the diagonal
            column = at(x)
            return column * np.eye(column.shape[-2])
        case Apply(function, x):
            return elementwise(function.name, function.parameter, at(x))
        case ApplyPrime(function, x) if function.name == "relu":  # x > 0, as a person codes relu'
            return (at(x) > 0) * 1.0
        case SumAxis(x, axis):
            return at(x).sum(axis=_axis(axis), keepdims=True)
        case MeanAxis(x, axis):
            return at(x).mean(axis=_axis(axis), keepdims=True)
        case Softmax(x):
            v = at(x)
            shifted = np.exp(v - v.max(axis=-2, keepdims=True))
            return shifted / shifted.sum(axis=-2, keepdims=True)
        case LogSoftmax(x, axis):
            v = at(x)
            shifted = v - v.max(axis=_axis(axis), keepdims=True)
            return shifted - np.log(np.exp(shifted).sum(axis=_axis(axis), keepdims=True))
        case MatrixApply(name, x):
            return MATRIX[name].numpy(np, at(x))
        case Correlate(x, k):
            return correlate(at(x), at(k), node)
        case Flip(x):
            return np.flip(at(x), axis=(-2, -1))
        case Repeat(x, times, axis):
            return np.repeat(at(x), times, axis=_axis(axis))
        case MaxAxis(x, axis):  # None: the largest entry of all
            return at(x).max(axis=(-2, -1) if axis is None else _axis(axis), keepdims=True)
        case MaxPool(x):
            return maxpool(at(x), node)
        case Equal(left, right):  # as a person codes the argmax mask: every tied entry 1
            return (at(left) == at(right)) * 1.0
        case Kron(left, right):
            return kron(at(left), at(right))
    raise Unsupported(node, "numpy_value")
