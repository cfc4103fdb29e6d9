"""No false alarm at 10^5 points: a correct hand-written backward passes `check_backward` at
100,000 seeded points on each path (the built-in network, `loss(xp, …)`, a model file), so the
error budget (verify/tolerance.py) is wide enough for a right backward's rounding everywhere.

Measured on 2 cores (float64): the built-in network ~4 s, the `loss(xp, …)` path ~15 s (one
compiled jax call per point), the model file ~4 s (jax.grad vmapped over all points); 23 s in all."""

from pathlib import Path

import numpy as np
import pytest

from reports import api
from tests.test_backward_model_file import softmax_ce_backward

POINTS = 100_000
ROOT = Path(__file__).resolve().parent.parent


def sigmoid_mse_backward(params, x, y):
    """a_1 = σ(x), a_2 = σ(W1 a_1 + b1), L = (1/B) Σ ½‖a_2 − y‖²: dL/dW1 = δ a_1ᵀ, dL/db1 = δ 1."""
    W1, b1 = params["W1"], params["b1"]
    a1 = 1 / (1 + np.exp(-x))
    a2 = 1 / (1 + np.exp(-(W1 @ a1 + b1)))
    delta = (a2 - y) * a2 * (1 - a2) / x.shape[1]
    loss = 0.5 * ((a2 - y) ** 2).sum() / x.shape[1]
    return {"W1": delta @ a1.T, "b1": delta.sum(axis=1, keepdims=True), "loss": loss}


def sigmoid_mse_loss(xp, params, x, y):
    a1 = 1 / (1 + xp.exp(-x))
    a2 = 1 / (1 + xp.exp(-(params["W1"] @ a1 + params["b1"])))
    return 0.5 * ((a2 - y) ** 2).sum() / x.shape[1]


@pytest.mark.slow
def test_no_false_alarm_on_the_built_in_network_at_100000_points():
    found = api.check_backward(sigmoid_mse_backward, model={"sizes": (4, 3), "batch": 2}, points=POINTS)
    assert found.passed, str(found)
    assert all(g.compared == POINTS for g in found.gradients)


@pytest.mark.slow
def test_no_false_alarm_on_the_loss_path_at_100000_points():
    found = api.check_backward(
        sigmoid_mse_backward,
        loss=sigmoid_mse_loss,
        params={"W1": (3, 4), "b1": (3, 1)},
        x=(4, 2),
        y=(3, 2),
        points=POINTS,
    )
    assert found.passed, str(found)
    assert all(g.compared == POINTS for g in found.gradients) and len(found.losses) == 2


@pytest.mark.slow
def test_no_false_alarm_on_a_model_file_at_100000_points():
    model = ROOT / "examples" / "models" / "softmax_ce.toml"
    found = api.check_backward(softmax_ce_backward(), model=model, points=POINTS)
    assert found.passed, str(found)
    assert all(g.compared == POINTS for g in found.gradients) and found.losses[0].compared == POINTS
