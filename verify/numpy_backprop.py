"""Hand-written NumPy forward and backward pass, coded from the seed's formulas.

This is the witness "as a person would code it": it imports NumPy (and `math.erf`) and nothing
else — none of our SymPy or JAX code — and writes every derivative by hand. Arrays carry a
leading axis of sample points: `a_l`, `z_l` are (P, n, B) with one column per example of the
mini-batch (B = 1 for the seed) and W_l is (P, n_{l+1}, n_l); `@` and `.mT` act on the last two
axes, so each line reads like the formula above it.
"""

from __future__ import annotations

import math

import numpy as np

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_erf = np.frompyfunc(math.erf, 1, 1)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)  # σ' = σ (1 − σ)


def erf(z):
    # math.erf in float64, rounded to z's dtype
    return np.asarray(_erf(z)).astype(z.dtype)


def log_softmax(z):
    # log softmax(z)_k = z_k - log sum_j e^{z_j} over the outputs (axis -2), shifted for stability
    shifted = z - z.max(axis=-2, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-2, keepdims=True))


def _gelu_tanh(z):
    # f(z) = z/2 (1 + tanh(u)),  u = sqrt(2/pi) (z + 0.044715 z^3)
    return 0.5 * z * (1.0 + np.tanh(SQRT_2_OVER_PI * (z + 0.044715 * z**3)))


def _gelu_tanh_prime(z):
    # f'(z) = 1/2 (1 + tanh u) + z/2 (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 z^2)
    t = np.tanh(SQRT_2_OVER_PI * (z + 0.044715 * z**3))
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t**2) * SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * z**2)


# name: (f, f') — the derivatives written by hand; both take (z, α), α the slope of leaky-relu,
# which the others ignore
ACTIVATIONS = {
    "identity": (lambda z, α: z, lambda z, α: np.ones_like(z)),  # f' = 1
    "sigmoid": (lambda z, α: sigmoid(z), lambda z, α: sigmoid_prime(z)),
    "tanh": (lambda z, α: np.tanh(z), lambda z, α: 1.0 - np.tanh(z) ** 2),  # tanh' = 1 − tanh²
    "relu": (lambda z, α: np.maximum(z, 0.0), lambda z, α: (z > 0).astype(z.dtype)),  # relu' = [z > 0]
    "leaky-relu": (
        lambda z, α: np.where(z > 0, z, α * z),
        lambda z, α: np.where(z > 0, 1.0, α).astype(z.dtype),  # leaky' = 1 or α
    ),
    "elu": (
        lambda z, α: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
        lambda z, α: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0))),  # elu' = 1 or e^z
    ),
    "softplus": (lambda z, α: np.logaddexp(0.0, z), lambda z, α: sigmoid(z)),  # softplus' = σ
    "gelu": (
        lambda z, α: 0.5 * z * (1.0 + erf(z / math.sqrt(2.0))),
        # gelu' = Φ(z) + z φ(z)
        lambda z, α: (
            0.5 * (1.0 + erf(z / math.sqrt(2.0))) + z * np.exp(-0.5 * z**2) / math.sqrt(2.0 * math.pi)
        ),
    ),
    "gelu-tanh": (lambda z, α: _gelu_tanh(z), lambda z, α: _gelu_tanh_prime(z)),
    "silu": (
        lambda z, α: z * sigmoid(z),
        lambda z, α: sigmoid(z) * (1.0 + z * (1.0 - sigmoid(z))),
    ),  # silu' = σ(1 + z(1 − σ))
}


def activation_functions(name: str, slope: float = 0.01):
    """(f, f') by name, each a function of z alone (α bound to `slope`)."""
    f, f_prime = ACTIVATIONS[name]
    return (lambda z: f(z, slope)), (lambda z: f_prime(z, slope))


def _mse(z, y, f):
    # ℓ = 1/2 ||f(z) - y||^2 per example (column)
    return 0.5 * ((f(z) - y) ** 2).sum(axis=-2)


def _mse_delta(z, y, f, f_prime):
    # δ = dℓ/dz = (f(z) - y) ∘ f'(z)
    return (f(z) - y) * f_prime(z)


def _sse(z, y, f):
    # ℓ = ||f(z) - y||^2 per example (column), no 1/2
    return ((f(z) - y) ** 2).sum(axis=-2)


def _sse_delta(z, y, f, f_prime):
    # δ = dℓ/dz = 2 (f(z) - y) ∘ f'(z)
    return 2.0 * (f(z) - y) * f_prime(z)


def _softmax_ce(z, y, f):
    # ℓ = -sum_k y_k log softmax(z)_k
    return -(y * log_softmax(z)).sum(axis=-2)


def _softmax_ce_delta(z, y, f, f_prime):
    # δ = softmax(z) - y   (y one-hot, so sum_k y_k = 1)
    return np.exp(log_softmax(z)) - y


def _bce(z, y, f):
    # ℓ = sum_k [y_k log(1 + e^{-z_k}) + (1 - y_k) log(1 + e^{z_k})]
    return (y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)).sum(axis=-2)


def _bce_delta(z, y, f, f_prime):
    # δ = σ(z) - y
    return sigmoid(z) - y


# name: (ℓ per example, δ_L per example)
LOSSES = {
    "mse": (_mse, _mse_delta),
    "sse": (_sse, _sse_delta),
    "softmax-ce": (_softmax_ce, _softmax_ce_delta),
    "bce": (_bce, _bce_delta),
}


def layer_functions(activation, layers: int, slope: float = 0.01):
    """[(f_l, f_l') for l = 1 … layers]: `activation` is one name for every layer, or one per layer."""
    names = [activation] * layers if isinstance(activation, str) else list(activation)
    if len(names) != layers:
        raise ValueError(f"activation: one name or {layers} names (one per layer); received {len(names)}")
    return [activation_functions(name, slope) for name in names]


def forward(
    z1,
    weights,
    biases,
    y,
    activation,
    loss: str,
    slope: float = 0.01,
    reduction: str = "mean",
    l2: float = 0.0,
):
    """`a_l`, `z_l` for every layer and `L`, keyed "a1", "z1", …, "L"; L is (P,). `activation`
    names f for every layer, or is a sequence of names f_1 … f_L; `l2` is the L2 penalty's λ'
    (weight decay, `L += (λ'/2) Σ_l ‖W_l‖_F²`; 0: none)."""
    functions = layer_functions(activation, len(weights) + 1, slope)
    loss_fn, _ = LOSSES[loss]
    out = {"z1": z1}
    z = z1
    for layer, (W, b) in enumerate(zip(weights, biases, strict=True), start=1):
        a = functions[layer - 1][0](z)  # a_l = f_l(z_l)
        z = W @ a + b  # z_{l+1} = W_l a_l + b_l  (b broadcast over the examples)
        out[f"a{layer}"], out[f"z{layer + 1}"] = a, z
    per_example = loss_fn(z, y, functions[-1][0])  # (P, B), mse reads f_L(z_L)
    out["L"] = per_example.mean(axis=-1) if reduction == "mean" else per_example.sum(axis=-1)
    if l2:
        # L += λ'/2 Σ_l ‖W_l‖_F²  (CS231n: loss += 0.5 * reg * np.sum(W * W); biases not penalized)
        out["L"] = out["L"] + 0.5 * l2 * sum((W**2).sum(axis=(-2, -1)) for W in weights)
    return out


def backward(
    cache, weights, y, activation, loss: str, slope: float = 0.01, reduction: str = "mean", l2: float = 0.0
):
    """Every gradient the seed derives, keyed "dL/dz{L}" (the output layer's, where it starts),
    "dL/da1", "dL/dz1", "dL/dW1", "dL/db1", …
    (`activation` as in `forward`: one name, or one per layer; `l2` the L2 penalty's λ')."""
    depth = len(weights)
    functions = layer_functions(activation, depth + 1, slope)
    _, loss_delta = LOSSES[loss]
    batch = cache["z1"].shape[-1]
    factor = 1.0 / batch if reduction == "mean" else 1.0  # L = (1/B) sum_b ℓ_b for the mean
    delta = loss_delta(cache[f"z{depth + 1}"], y, *functions[-1])  # Δ_L: per-example δ_L as columns
    grads = {f"dL/dz{depth + 1}": factor * delta}  # dL/dZ_L = (1/B) Δ_L
    for layer in range(depth, 0, -1):
        W, a, z = weights[layer - 1], cache[f"a{layer}"], cache[f"z{layer}"]
        grads[f"dL/dW{layer}"] = factor * (delta @ a.mT)  # dL/dW_l = (1/B) Δ_{l+1} A_l^T
        if l2:
            grads[f"dL/dW{layer}"] += l2 * W  # + λ' W_l, the penalty's (CS231n: dW += reg * W)
        grads[f"dL/db{layer}"] = factor * delta.sum(axis=-1, keepdims=True)  # dL/db_l = (1/B) Δ_{l+1} 1
        back = W.mT @ delta
        grads[f"dL/da{layer}"] = factor * back  # dL/dA_l = (1/B) W_l^T Δ_{l+1}
        delta = back * functions[layer - 1][1](z)  # Δ_l = W_l^T Δ_{l+1} ∘ f_l'(Z_l)
        grads[f"dL/dz{layer}"] = factor * delta  # dL/dZ_l = (1/B) Δ_l
    return grads
