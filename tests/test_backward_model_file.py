"""`check_backward(backward, model="file.toml")`: a user's NumPy backward against jax.grad of a
model file's forward (verify/user_model.py), never against the file's claims."""

from pathlib import Path

import numpy as np
import pytest

from derive import InputError
from reports import api
from verify.value_slips import ValueSlip

ROOT = Path(__file__).resolve().parent.parent
SOFTMAX_CE = ROOT / "examples" / "models" / "softmax_ce.toml"  # x 3×3, y 2×3 one-hot, B = 3


def softmax_ce_backward(variant=None):
    """h = tanh(W1 x + b1), p = softmax(W2 h + b2), L = −Σ y log p / 3: the file's forward by hand."""

    def backward(params, x, y):
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        B = x.shape[1]
        h = np.tanh(W1 @ x + b1)
        z = W2 @ h + b2
        p = np.exp(z - z.max(axis=0))
        p /= p.sum(axis=0)
        dz = (p - y) / B
        if variant == "missing 1/B":
            dz = dz * B
        dh = (W2.T @ dz) * (1 - h**2)
        dW1 = x @ dh.T if variant == "transposed" else dh @ x.T  # W1 is 3×3: the shapes fit
        grads = {"W1": dW1, "db1": dh.sum(axis=1, keepdims=True), "dL/dW2": dz @ h.T}
        if variant != "no b2":
            grads["b2"] = dz.sum(axis=1, keepdims=True)
        return {**grads, "loss": -(y * np.log(p)).sum() / B}

    return backward


def test_a_correct_backward_of_a_model_file_passes_loss_first():
    found = api.check_backward(softmax_ce_backward(), model=str(SOFTMAX_CE))
    assert found.passed, str(found)
    assert [g.name for g in found.gradients] == ["W1", "b1", "W2", "b2"]
    assert [c.witness for c in found.losses] == ["yours"] and found.losses[0].compared == 200
    assert found.run is None and "softmax_ce.toml" in str(found)


def test_the_arguments_are_the_files_tensors_one_hot_as_the_file_says():
    seen = {}

    def spy(params, x, y):
        seen.update(params=sorted(params), x=x.shape, y=y)
        return softmax_ce_backward()(params, x, y)

    api.check_backward(spy, model=SOFTMAX_CE, points=3)  # a Path too
    assert seen["params"] == ["W1", "W2", "b1", "b2"] and seen["x"] == (3, 3)
    assert (
        seen["y"].shape == (2, 3) and (seen["y"].sum(axis=0) == 1).all() and set(seen["y"].ravel()) <= {0, 1}
    )


@pytest.mark.parametrize(
    ("variant", "wrong", "slip"),
    [
        ("missing 1/B", {"W1", "b1", "W2", "b2"}, (ValueSlip.MISSING_MEAN,)),
        ("transposed", {"W1"}, (ValueSlip.TRANSPOSED,)),
    ],
)
def test_a_wrong_backward_fails_naming_the_gradient_and_the_slip(variant, wrong, slip):
    found = api.check_backward(softmax_ce_backward(variant), model=SOFTMAX_CE, points=50)
    assert not found.passed and {g.name for g in found.failed} == wrong
    for g in found.failed:
        assert g.slip is not None and g.slip.kinds == slip, (g.name, g.slip)
        assert g.worst is not None and g.differing > 0
    assert found.losses[0].passed  # the forward was right: only the gradients are named


def test_a_missing_gradient_is_a_named_failure():
    found = api.check_backward(softmax_ce_backward("no b2"), model=SOFTMAX_CE, points=20)
    by_name = {g.name: g for g in found.gradients}
    assert by_name["b2"].failure == "no gradient" and by_name["W1"].passed
    assert "dL/db2: no gradient" in str(found)


@pytest.mark.parametrize(
    ("model", "words"),
    [
        (ROOT / "no-such-model.toml", "a model file"),
        (ROOT / "examples" / "batch.toml", "[model] table"),
    ],
)
def test_a_path_that_is_no_model_file_is_an_input_error(model, words):
    with pytest.raises(InputError) as caught:
        api.check_backward(softmax_ce_backward(), model=model)
    assert words in str(caught.value)


def test_a_key_that_names_no_parameter_is_an_input_error():
    with pytest.raises(InputError) as caught:
        api.check_backward(lambda p, x, y: {"W3": 0}, model=SOFTMAX_CE, points=2)
    assert "keys among: W1, b1, W2, b2, loss" in str(caught.value)
