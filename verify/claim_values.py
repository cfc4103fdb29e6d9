"""A formula's values at the sample points, from the oracle's side only.

Network quantities come from the JAX forward pass, true gradients (`∂L/∂X`, `δ_l`) from
`jax.grad`, and `f'` from `jax.grad` of the activation's JAX forward (`derive/registry.py`) — nothing of
the hand-written NumPy backward or of SymPy. A generic `f'(x)` is the derivative of the own
activation of x's layer (`f'(z_l)` → `f_l'`), a named one (`σ'`, `relu'`) that function's.
Arrays are (P, rows, cols) float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from derive import Network
from derive.formula import (
    Activate,
    Add,
    Apply,
    ApplyPrime,
    Broadcast,
    Column,
    Diag,
    Dims,
    Fill,
    Formula,
    FPrime,
    Grad,
    Hadamard,
    MatMul,
    Ones,
    Scale,
    Softmax,
    SumAxis,
    Transpose,
    Unsupported,
    Var,
    activation_layer,
)
from derive.registry import function as registry_function
from verify.sampling import Points


class Unavailable(ValueError):
    """A quantity the oracle does not compute (e.g. `∂L/∂a_L`, which only the loss reads)."""


@dataclass(frozen=True, eq=False)
class OracleValues:
    network: Network
    points: Points
    forward: dict[str, np.ndarray]
    gradients: dict[str, np.ndarray]
    # each subformula's value, computed once for all claims at these points (the seed's
    # W_1ᵀ δ_2 in two claims, δ_2 in four); read-only, as the oracle's own arrays are
    memo: dict[Formula, np.ndarray] = field(default_factory=dict, repr=False)


def dispatch(network: Network, points: Points) -> Callable[[], OracleValues]:
    """`oracle_values`, started (`jax_oracle.dispatch`): XLA computes while the caller runs the
    other witnesses; call the function returned for the values. The one place the oracle's
    arguments are listed (`verify/run.py` checks every slice through it)."""
    from verify import jax_oracle  # imported on use: JAX takes a second to load

    numeric = network.numeric
    pending = jax_oracle.dispatch_gradients(
        points.z1, points.W, points.b, points.y, numeric.activation, numeric.loss, float(numeric.slope),
        numeric.reduction, numeric.activations, numeric.l2,
    )  # fmt: skip

    def values() -> OracleValues:
        forward, gradients = pending()
        return OracleValues(numeric, points, forward, gradients)

    return values


def oracle_values(network: Network, points: Points) -> OracleValues:
    return dispatch(network, points)()


@cache
def activation_function(name: str, slope: float, derivative: bool):
    """f, or f' by jax.grad of the registry's JAX forward, vectorised and compiled once."""
    import jax

    from verify import jax_oracle

    f = jax_oracle.activation(name, slope)
    return jax.jit(jax.vmap(jax.grad(f) if derivative else f))


def derivative(name: str, parameter, x: np.ndarray) -> np.ndarray:
    """f'(x) entry by entry, for a claim that names a derivative (`σ'(z)`): jax.grad of the
    registry's JAX forward, as a network claim's f' is — a derivative a person looks up."""
    entry = registry_function(name)
    slope = parameter if parameter is not None else entry.parameter.default if entry.parameter else 0
    return np.asarray(activation_function(name, float(slope), True)(x.reshape(-1))).reshape(x.shape)


def _elementwise(values: OracleValues, name: str, x: np.ndarray, derivative: bool) -> np.ndarray:
    """The activation `name` (or its derivative) entry by entry."""
    function = activation_function(name, float(values.network.slope), derivative)
    return np.asarray(function(x.reshape(-1))).reshape(x.shape)


def _matmul(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Point by point matrix products. An outer product (one term a sum: the seed's δ_2 a_1ᵀ)
    by einsum, 15 against `@`'s 18 ns a point, the same bits (one product each). A longer sum
    keeps `@`: einsum's own loops take half its time on the seed's W_1ᵀ δ_2 (13 against 28 ns a
    point), but they sum in another order, and the report's "largest difference between two
    agreeing witnesses" moved (0.012 → 0.0098 of the tolerance on the README's run); and in
    float32 `verify/diagnosis.differing` measures with float64's tolerance, so the slip search
    found W_1ᵀ δ_2 equal to jax.grad's ∂L/∂a_1 only because `@` gives XLA's bits."""
    if left.shape[-1] == 1 and left.dtype == right.dtype:
        return np.einsum("pij,pjk->pik", left, right)
    return left @ right


def value(formula: Formula, values: OracleValues, absolute: bool = False) -> np.ndarray:
    """The formula at every point; shapes must already fit (`derive.formula.shape`).

    `absolute=True` gives each entry's Σ|terms| instead: every quantity and factor by its
    absolute value, so sums no longer cancel — the magnitude rounding errors scale with."""
    network, points = values.network, values.points
    factor = float(network.factor)
    dims = Dims(network.sizes, 1, network.batch)

    def leaf(x: np.ndarray) -> np.ndarray:
        return np.abs(x) if absolute else x

    def walk(node: Formula) -> np.ndarray:
        functions = Var | Grad | FPrime | Activate | Apply | ApplyPrime | Softmax
        if absolute:
            return leaf(_walk(node)) if isinstance(node, functions) else _walk(node)
        found = values.memo.get(node)
        if found is None:
            found = values.memo[node] = _walk(node)
        return found

    def _walk(node: Formula) -> np.ndarray:
        match node:
            case Var("W", layer):
                return points.W[layer - 1]
            case Var("b", layer):
                return points.b[layer - 1]
            case Var("y"):
                return points.y  # the sampled targets, n_L × B at each point
            case Var("delta", layer):
                # Δ_l: the per-example δ_l side by side, dL/dZ_l without the batch's factor
                gradient = values.gradients[f"dL/dz{layer}"]
                return gradient if factor == 1.0 else gradient / factor
            case Var(kind, layer):
                if f"{kind}{layer}" in values.forward:
                    return values.forward[f"{kind}{layer}"]
                z, f_l = values.forward[f"z{layer}"], network.activation_of(layer)
                return _elementwise(values, f_l, z, derivative=False)  # a_L = f_L(z_L)
            case Grad(Var(kind, layer)):
                name = f"dL/d{kind}{layer}"
                if name not in values.gradients:
                    raise Unavailable(f"jax.grad gives no {name} (a_{layer} feeds only the loss)")
                return values.gradients[name]
            case Ones():
                return np.ones((points.count, network.batch, 1))
            case Column(entries):
                column = np.array([float(abs(e) if absolute else e) for e in entries])[:, None]
                return np.broadcast_to(column, (points.count, len(entries), 1))
            case Transpose(x):
                return np.swapaxes(walk(x), 1, 2)
            case MatMul(left, right):
                return _matmul(walk(left), walk(right))
            case Hadamard(left, right) | Broadcast(left, right):
                return walk(left) * walk(right)  # NumPy broadcasts size-1 dimensions
            case Add(left, Scale(c, right)) if c == -1 and not absolute:
                return walk(left) - walk(right)  # a − y: the same bits as a + (−1)·y, one pass fewer
            case Add(left, right):
                return walk(left) + walk(right)
            case Scale(c, x):
                try:
                    number = float(abs(c) if absolute else c)
                except OverflowError:
                    raise Unavailable(f"a factor beyond float64's range ({len(str(c))} digits)") from None
                return number * walk(x)
            case FPrime(x) | Activate(x):  # f's argument by value, even for magnitudes
                name = network.activation_of(activation_layer(x, dims))  # x's layer's own f
                return _elementwise(values, name, value(x, values), derivative=isinstance(node, FPrime))
            case Apply(function, x) | ApplyPrime(function, x):  # a named function: itself
                derivative = isinstance(node, ApplyPrime)
                return _elementwise(values, function.name, value(x, values), derivative=derivative)
            case Fill(c, like):
                return np.full_like(value(like, values), float(abs(c) if absolute else c))
            case Softmax(x):  # its argument by value, even for magnitudes; each column alone
                logits = value(x, values)
                shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
                return shifted / shifted.sum(axis=1, keepdims=True)
            case Diag(x):
                column = walk(x)[:, :, 0]
                return column[:, :, None] * np.eye(column.shape[1])
            case SumAxis(x, axis):
                return walk(x).sum(axis=2 if axis == 1 else 1, keepdims=True)
        raise Unsupported(node, "value")

    return walk(formula)
