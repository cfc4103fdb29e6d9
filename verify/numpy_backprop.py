"""Hand-written NumPy forward and backward pass, coded from the seed's formulas.

This is the witness "as a person would code it": it imports NumPy and nothing else — none of
our SymPy or JAX code — and writes every derivative by hand. Arrays carry a leading axis of
sample points: a column vector is (P, n, 1) and W_l is (P, n_{l+1}, n_l); `@` and `.mT` act on
the last two axes, so each line reads like the seed's formula above it.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def log_softmax(z: np.ndarray) -> np.ndarray:
    # log softmax(z)_k = z_k - log sum_j e^{z_j}, shifted by max z for stability
    shifted = z - z.max(axis=-2, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-2, keepdims=True))


# name: (f, f') — the derivatives written by hand
ACTIVATIONS = {
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1.0 - sigmoid(z))),  # σ' = σ (1 − σ)
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),  # tanh' = 1 − tanh²
}


def _mse(z, y, f):
    # L = 1/2 ||f(z_L) - y||^2
    return 0.5 * ((f(z) - y) ** 2).sum(axis=(-2, -1))


def _mse_delta(z, y, f, f_prime):
    # delta_L = dL/dz_L = (f(z_L) - y) ∘ f'(z_L)
    return (f(z) - y) * f_prime(z)


def _softmax_ce(z, y, f):
    # L = -sum_k y_k log softmax(z_L)_k
    return -(y * log_softmax(z)).sum(axis=(-2, -1))


def _softmax_ce_delta(z, y, f, f_prime):
    # delta_L = softmax(z_L) - y   (y one-hot, so sum_k y_k = 1)
    return np.exp(log_softmax(z)) - y


# name: (L, delta_L)
LOSSES = {
    "mse": (_mse, _mse_delta),
    "softmax-ce": (_softmax_ce, _softmax_ce_delta),
}


def forward(z1, weights, biases, y, activation: str, loss: str) -> dict[str, np.ndarray]:
    """`a_l`, `z_l` for every layer and `L`, keyed "a1", "z1", …, "L"."""
    f, _ = ACTIVATIONS[activation]
    loss_fn, _ = LOSSES[loss]
    out = {"z1": z1}
    z = z1
    for layer, (W, b) in enumerate(zip(weights, biases, strict=True), start=1):
        a = f(z)  # a_l = f(z_l)
        z = W @ a + b  # z_{l+1} = W_l a_l + b_l
        out[f"a{layer}"], out[f"z{layer + 1}"] = a, z
    out["L"] = loss_fn(z, y, f)
    return out


def backward(cache, weights, y, activation: str, loss: str) -> dict[str, np.ndarray]:
    """Every gradient the seed derives, keyed "dL/da1", "dL/dz1", "dL/dW1", "dL/db1", …"""
    f, f_prime = ACTIVATIONS[activation]
    _, loss_delta = LOSSES[loss]
    depth = len(weights)
    delta = loss_delta(cache[f"z{depth + 1}"], y, f, f_prime)  # delta_L = dL/dz_L
    grads = {}
    for layer in range(depth, 0, -1):
        W, a, z = weights[layer - 1], cache[f"a{layer}"], cache[f"z{layer}"]
        grads[f"dL/dW{layer}"] = delta @ a.mT  # dL/dW_l = delta_{l+1} a_l^T
        grads[f"dL/db{layer}"] = delta  # dL/db_l = delta_{l+1}
        grads[f"dL/da{layer}"] = W.mT @ delta  # dL/da_l = W_l^T delta_{l+1}
        delta = grads[f"dL/da{layer}"] * f_prime(z)  # delta_l = W_l^T delta_{l+1} ∘ f'(z_l)
        grads[f"dL/dz{layer}"] = delta
    return grads
