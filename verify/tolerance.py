"""The one tolerance rule every numeric comparison uses: an error budget, not a magic number.

No witness is a finite difference: each evaluates a closed form (or its exact derivative) in the
run's dtype, so a witness differs from the truth only by rounding. An entry of a gradient at
layer l is built by the backward pass from the output down: each layer it passes sums
`n_{k+1}` products (`W_kᵀ δ_{k+1}`), and `dL/dW_l`, `dL/db_l` sum over the B examples. Each
term is a product of a few values that were each rounded a few times (exp, tanh, log and erf are
within 1–2 ulp), so by the standard bound for a computed sum (|fl(Σ tᵢ) − Σ tᵢ| ≤ γ_n Σ|tᵢ|,
γ_n ≈ n·eps) one witness's error is at most

    budget = K · eps · n · scale        per point, per gradient

- eps: the dtype's machine epsilon (2^-52 for float64, 2^-23 for float32);
- n: the number of terms summed on the way to the entry, `B + Σ_{k=l+1..L} n_k` (the seed's
  `dL/da_1 = W_1ᵀ δ_2`: n = 1 + 3 = 4); for the output layer's `δ_L` itself, `B + n_L`: the
  loss sums its n_L outputs (softmax's normaliser; gelu-tanh's f' near saturation, with n = B
  alone, used 1.36 of 2·budget over 10^5 points);
- scale: `max(1, Σ|tᵢ|)`, the magnitude of the terms both sides of a claim sum (every quantity by
  its absolute value, `verify/claim_values.value(absolute=True)`); it is of the order of the largest entry,
  or of 1 where an entry is small through cancellation: δ_L subtracts O(1) quantities
  (f(z) − y, softmax − y, σ − y), and the sampler keeps inputs and parameters O(1);
- K = 8: the rounding errors one term carries, in eps: a product of 2–3 rounded factors, one of
  them an elementary function, which XLA's tanh gets within 5 ulp (NumPy within 1), and f'
  can amplify (gelu-tanh's `z/2 (1 − tanh²u) u'` near saturation).

Two witnesses may each be off by a budget in opposite directions, so two witnesses are
compared with `2 · budget`; a witness is compared with the high-precision reference
(`verify/reference.py`) with `budget`. Measured (seed network, 10^5 points per activation,
`tests/test_error_budget.py`, seed 2026): the worst witness error against the reference used
0.27 of its budget in float64 (gelu-tanh) and 0.18 in float32 (gelu); the worst pair 0.43 of
2·budget in float64 and 0.33 in float32 (both gelu-tanh, where JAX's tanh is 5 ulp off).
"""

from __future__ import annotations

import numpy as np

K = 8


def eps(dtype: str = "float64") -> float:
    return float(np.finfo(dtype).eps)


def terms(sizes: tuple[int, ...], batch: int, layer: int) -> int:
    """n for a gradient at `layer` (1-based): B plus the widths of layers l+1 … L, each a sum
    the backward pass takes on the way down. For forward quantities pass `layer = 0`: the
    widths summed on the way up, plus B for the loss's mean."""
    if layer == 0:
        return batch + sum(sizes)
    if layer == len(sizes):  # δ_L itself: the loss's sum over the n_L outputs (softmax's normaliser)
        return batch + sizes[-1]
    return batch + sum(sizes[layer:])


def max_abs_per_point(x: np.ndarray) -> np.ndarray:
    """max |entry| at each point: (P, ...) → (P,) float64. For a few entries a point, a running
    maximum over the entries (NumPy reduces a short last axis 5–10× slower)."""
    flat = x.reshape(x.shape[0], -1)
    if flat.shape[1] > 32:
        return np.abs(flat).max(axis=1).astype(np.float64, copy=False)
    out = np.abs(flat[:, 0]).astype(np.float64, copy=False)
    for j in range(1, flat.shape[1]):
        np.maximum(out, np.abs(flat[:, j]), out=out)
    return out


def scale(reference: np.ndarray) -> np.ndarray:
    """Per point: max(1, largest |entry|) over every axis but the first, in float64."""
    return np.maximum(1.0, max_abs_per_point(reference))


def budget(reference: np.ndarray, n: int, dtype: str = "float64") -> np.ndarray:
    """One witness's admissible |x − truth| at each point, shape (P,)."""
    return K * eps(dtype) * n * scale(reference)


def allowed(reference: np.ndarray, n: int, dtype: str = "float64") -> np.ndarray:
    """The largest admissible |x − y| between two witnesses at each point, shape (P,)."""
    return 2.0 * budget(reference, n, dtype)


def allowed_floor(n: int, dtype: str = "float64") -> float:
    """`allowed` at a point whose scale is 1 (every |entry| ≤ 1), to the last bit: the least
    it is anywhere. A difference within it passes at every point without computing scales."""
    return float(allowed(np.zeros((1, 1)), n, dtype)[0])


def at_kink_limit(dtype: str = "float64") -> float:
    """At points placed exactly on a kink, witnesses may differ by their conventions for f'
    there (relu'(0) = 0, 1/2 or 1); beyond that they should agree to rounding. Below this limit
    they "agree even there": ten single-witness budgets at unit scale."""
    return 10 * K * eps(dtype)
