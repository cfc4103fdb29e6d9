"""A user's test of their own NumPy backward pass, as it would sit in their test suite:
`pytest examples/test_my_backward.py`. The backward has a planted bug (dW2 transposed)."""

import derivcheck
import numpy as np


def backward(params, x, y):
    """A 4 → 3 → 2 sigmoid network, mean squared error over the columns of x (z_1 = x)."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a1 = 1 / (1 + np.exp(-x))
    a2 = 1 / (1 + np.exp(-(W1 @ a1 + b1)))
    a3 = 1 / (1 + np.exp(-(W2 @ a2 + b2)))
    m = x.shape[1]
    delta3 = (a3 - y) * a3 * (1 - a3)
    delta2 = (W2.T @ delta3) * a2 * (1 - a2)
    return {
        "W1": delta2 @ a1.T / m,
        "b1": delta2.sum(axis=1, keepdims=True) / m,
        "W2": (delta3 @ a2.T / m).T,  # the planted bug: transposed
        "b2": delta3.sum(axis=1, keepdims=True) / m,
    }


def test_my_backward_matches_jax_grad():
    derivcheck.testing.assert_backward(backward, model={"sizes": (4, 3, 2), "batch": 5})
