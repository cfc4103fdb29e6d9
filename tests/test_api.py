"""The public Python API (reports/api.py, what `import derivcheck` gives) and
`derivcheck.testing.assert_backward` (reports/testing.py).

The backward functions here are written by hand with NumPy, as a user would; each wrong
variant must fail, naming the gradient and (where a simple rewrite explains it) the slip.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from derive import InputError
from reports import api
from reports.testing import assert_backward
from verify.results import Verdict
from verify.value_slips import ValueSlip

ROOT = Path(__file__).resolve().parent.parent
MODEL = {"sizes": (4, 3, 2), "activation": "tanh", "loss": "mse", "batch": 3}


def tanh_mse_backward(variant=None):
    """dL/dW_l, dL/db_l of z_{l+1} = W_l a_l + b_l, a_l = tanh(z_l), L = (1/B) Σ ½‖a_3 − y‖²."""

    def backward(params, x, y):
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        B = x.shape[1]
        a1 = np.tanh(x)
        a2 = np.tanh(W1 @ a1 + b1)
        a3 = np.tanh(W2 @ a2 + b2)
        loss = 0.5 * ((a3 - y) ** 2).sum() / B
        d3 = (a3 - y) * (1 - a3**2) / B  # δ_3 = (a_3 − y) ∘ f'(z_3), with the mean's 1/B
        if variant == "missing 1/B":
            d3 = d3 * B
        dW2 = d3 @ a2.T  # dL/dW_2 = δ_3 a_2ᵀ
        if variant == "transposed":
            dW2 = a2 @ d3.T
        f_prime = (1 - a3**2) if variant == "wrong layer's f'" else (1 - a2**2)
        d2 = (W2.T @ d3) * f_prime  # δ_2 = W_2ᵀ δ_3 ∘ f'(z_2)
        dW1 = d2 @ a1.T
        if variant == "sign":
            dW1 = -dW1
        grads = {
            "W1": dW1,
            "b1": d2.sum(axis=1, keepdims=True),
            "W2": dW2,
            "b2": d3.sum(axis=1, keepdims=True),
        }
        if variant == "dL/d keys":
            grads = {"dL/d" + k: v for k, v in grads.items()}
        if variant == "wrong loss":
            loss = 2 * loss
        return {**grads, "loss": loss}

    return backward


# --- check, verify, report --------------------------------------------------------------------


def test_check_a_file_and_the_text_of_notes():
    run = api.check(ROOT / "examples" / "seed-notes.md", points=50)
    assert run.passed and run.exit_code == 0
    assert all(r.verdict == Verdict.PROVED for r in run.claims)
    wrong = api.check(
        "$$z_2 = W_1 a_1 + b_1$$\n$$\\frac{\\partial L}{\\partial W_1} = a_1 \\delta_2^T$$\n", points=50
    )
    assert not wrong.passed and wrong.source == "<text>"
    (result,) = wrong.claims
    assert result.verdict in (Verdict.REFUTED, Verdict.SHAPE_ERROR) and result.slip is not None


def test_check_a_toml_text_is_read_as_a_claims_file():
    text = (ROOT / "examples" / "batch.toml").read_text(encoding="utf-8")
    from_text = api.check(text, points=50)
    from_file = api.check(str(ROOT / "examples" / "batch.toml"), points=50)
    assert [r.verdict for r in from_text.claims] == [r.verdict for r in from_file.claims]
    assert from_text.claims


def test_verify_and_report(tmp_path):
    run = api.verify(sizes="4,3,2", activation="tanh", points=50)
    assert run.passed and run.implementation is not None and run.implementation.agree
    written = api.report(run, tmp_path / "out", pdf=False)
    assert tmp_path / "out" / "report.tex" in written
    assert "\\documentclass" in (tmp_path / "out" / "report.tex").read_text(encoding="utf-8")


def test_a_run_prints_its_terminal_summary_in_a_notebook_too():
    run = api.verify(points=20)
    text = str(run)
    assert "proved" in text and "W1" in text
    assert run._repr_markdown_().startswith("```") and api.summary(run) == text


# --- check_backward on the built-in network -----------------------------------------------------


def test_a_correct_backward_passes_with_its_loss_compared_first():
    found = api.check_backward(tanh_mse_backward(), model=MODEL)
    assert found.passed, str(found)
    assert [g.name for g in found.gradients] == ["W1", "b1", "W2", "b2"]
    assert found.losses[0].witness == "yours" and found.losses[0].passed
    assert found.run is not None and found.run.implementation is not None
    assert found.points == 200 and found.sympy_reference
    assert api.check_backward(tanh_mse_backward("dL/d keys"), model=MODEL, points=20).passed


@pytest.mark.parametrize(
    ("variant", "wrong", "slip"),
    [
        ("transposed", {"W2"}, (ValueSlip.TRANSPOSED,)),
        ("missing 1/B", {"W1", "b1", "W2", "b2"}, (ValueSlip.MISSING_MEAN,)),
        ("sign", {"W1"}, (ValueSlip.SIGN,)),
    ],
)
def test_a_wrong_backward_fails_naming_the_gradient_and_the_slip(variant, wrong, slip):
    found = api.check_backward(tanh_mse_backward(variant), model=MODEL, points=50)
    assert not found.passed
    assert {g.name for g in found.failed} == wrong
    for g in found.failed:
        assert g.slip is not None and g.slip.kinds == slip, (g.name, g.slip)


def test_the_wrong_layers_activation_fails_the_layers_below_without_a_simple_slip():
    found = api.check_backward(
        tanh_mse_backward("wrong layer's f'"), model={**MODEL, "sizes": (3, 3, 3)}, points=50
    )
    assert {g.name for g in found.failed} == {"W1", "b1"}
    assert all(g.slip is None and g.worst is not None and g.differing > 0 for g in found.failed)


def test_a_wrong_loss_fails_the_forward_check_first():
    found = api.check_backward(tanh_mse_backward("wrong loss"), model=MODEL, points=50)
    assert not found.passed and not found.losses[0].passed
    assert all(g.passed for g in found.gradients)


def test_missing_misshaped_and_raising_gradients_are_named_failures():
    right = tanh_mse_backward()

    def missing(params, x, y):
        out = right(params, x, y)
        del out["b2"]
        return out

    def misshaped(params, x, y):
        out = right(params, x, y)
        out["b1"] = out["b1"].ravel()  # (3,) for (3, 1)
        return out

    def raising(params, x, y):
        raise ZeroDivisionError("oops")

    by_name = {g.name: g for g in api.check_backward(missing, model=MODEL, points=20).gradients}
    assert by_name["b2"].failure == "no gradient" and by_name["W1"].passed
    by_name = {g.name: g for g in api.check_backward(misshaped, model=MODEL, points=20).gradients}
    assert by_name["b1"].failure == "shape (3,), expected (3, 1)"
    found = api.check_backward(raising, model=MODEL, points=20)
    assert all("ZeroDivisionError: oops" in (g.failure or "") for g in found.gradients)


# --- check_backward against loss(xp, params, x, y) -----------------------------------------------


def mlp_loss(xp, params, x, y):
    """A 2-layer MLP with softmax cross-entropy, mean over the B columns."""
    h = xp.tanh(params["W1"] @ x + params["b1"])
    z = params["W2"] @ h + params["b2"]
    z = z - z.max(axis=0, keepdims=True)
    log_p = z - xp.log(xp.exp(z).sum(axis=0, keepdims=True))
    return -(y * log_p).sum() / x.shape[1]


def mlp_backward(variant=None):
    def backward(params, x, y):
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        B = x.shape[1]
        h = np.tanh(W1 @ x + b1)
        z = W2 @ h + b2
        p = np.exp(z - z.max(axis=0))
        p /= p.sum(axis=0)
        dz = (p - y) / B  # softmax − y (one-hot y), with the mean's 1/B
        if variant == "missing 1/B":
            dz = dz * B
        dW2 = dz @ h.T
        dh = W2 @ dz if variant == "W for Wᵀ" else W2.T @ dz  # W₂ is square here: the shapes fit
        dz1 = dh * (1 - h**2)
        return {
            "dW1": dz1 @ x.T,
            "db1": dz1.sum(axis=1, keepdims=True),
            "dW2": dW2,
            "db2": dz.sum(axis=1, keepdims=True),
        }

    return backward


def one_hot(rng):
    return np.eye(4)[:, rng.integers(0, 4, size=5)]  # 4 classes, B = 5 columns


SHAPES = {"params": {"W1": (4, 6), "b1": (4, 1), "W2": (4, 4), "b2": (4, 1)}, "x": (6, 5), "y": one_hot}


def test_the_loss_path_passes_a_correct_backward_and_compares_numpy_first():
    found = api.check_backward(mlp_backward(), loss=mlp_loss, **SHAPES)
    assert found.passed, str(found)
    assert [c.witness for c in found.losses] == ["numpy"] and found.run is None


def test_the_loss_path_names_the_wrong_gradients_and_slips():
    found = api.check_backward(mlp_backward("missing 1/B"), loss=mlp_loss, points=50, **SHAPES)
    assert {g.name for g in found.failed} == {"W1", "b1", "W2", "b2"}
    assert all(g.slip is not None and g.slip.kinds == (ValueSlip.MISSING_MEAN,) for g in found.failed)
    found = api.check_backward(mlp_backward("W for Wᵀ"), loss=mlp_loss, points=50, **SHAPES)
    assert {g.name for g in found.failed} == {"W1", "b1"}


def test_a_loss_that_differs_between_numpy_and_jax_fails_the_forward():
    def unstable(xp, params, x, y):
        extra = 1e-3 if xp is np else 0.0  # NumPy's forward is not jax's
        return mlp_loss(xp, params, x, y) + extra

    found = api.check_backward(mlp_backward(), loss=unstable, points=20, **SHAPES)
    assert not found.passed and not found.losses[0].passed and found.losses[0].worst is not None


# --- assert_backward ---------------------------------------------------------------------------


def test_assert_backward_returns_the_check_when_right():
    assert assert_backward(tanh_mse_backward(), model=MODEL, points=20).passed


def test_assert_backward_message_is_short_and_says_everything():
    with pytest.raises(AssertionError) as caught:
        assert_backward(tanh_mse_backward("missing 1/B"), model=MODEL)
    message = str(caught.value)
    lines = message.splitlines()
    assert len(lines) < 15, message
    first = next(line for line in lines if line.lstrip().startswith("dL/dW1"))
    assert "200 of 200 points differ" in first and "worst entry (" in first
    assert "at point " in first and "(seed 0)" in first and "yours " in first and "true " in first
    assert "the mean's 1/B missing" in message and "yours = 3 × true" in message
    assert "GradientCheck(" not in message and "array(" not in message


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: api.check_backward(tanh_mse_backward(), model={"activation": "sigmod"}), "sigmoid"),
        (lambda: api.check_backward(tanh_mse_backward(), model={"size": (4, 3)}), "options among"),
        (lambda: api.check_backward(lambda p, x, y: [1, 2], model=MODEL), "a dict of gradients"),
        (lambda: api.check_backward(lambda p, x, y: {"W3": 0}, model=MODEL), "keys among: W1, b1, W2, b2"),
        (lambda: api.check_backward(tanh_mse_backward(), model=MODEL, points=0), "points"),
        (lambda: api.check_backward(tanh_mse_backward(), model=MODEL, loss=mlp_loss), "not both"),
        (
            lambda: api.check_backward(mlp_backward(), loss=mlp_loss, params={"W1": (4, 6)}),
            "params=, x= and y=",
        ),
        (
            lambda: api.check_backward(mlp_backward(), loss=lambda xp, p, x, y: p["W1"] @ x, **SHAPES),
            "a scalar",
        ),
        (
            lambda: api.check_backward(mlp_backward(), loss=lambda xp, p, x, y: p["nope"], **SHAPES),
            "KeyError",
        ),
        (lambda: api.check_backward("not a function"), "a function backward(params, x, y)"),
        (lambda: api.check("no-such-notes.md"), "an existing file"),
        (lambda: api.check("   "), "a path, or the text"),
        (lambda: api.check("x", syntax="rst"), "syntax"),  # type: ignore[arg-type]
        (lambda: api.verify(dtype="float16"), "float32, float64"),
        (lambda: api.report(None, out=ROOT / "README.md", pdf=False), "a folder"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_is_an_input_error_with_a_clear_message(call, words):
    with pytest.raises(InputError) as caught:
        call()
    assert words in str(caught.value)


def test_importing_the_api_loads_no_heavy_library():
    heavy = ("jax", "sympy", "matplotlib")
    code = f"import sys; import reports.api; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_check_backward_takes_the_l2_penalty_of_the_model():
    """`model={"l2": λ}` puts (λ/2) Σ‖W‖² in the oracle's loss: a backward with `+ λ W` passes
    there and fails on the unpenalized network (and the other way round)."""
    import derivcheck
    import numpy as np

    def backward(params, x, y):
        W1, b1 = params["W1"], params["b1"]
        a1 = 1 / (1 + np.exp(-x))
        a2 = 1 / (1 + np.exp(-(W1 @ a1 + b1)))
        delta = (a2 - y) * a2 * (1 - a2)  # dL/dz2 under mse
        return {"W1": delta @ a1.T + 0.1 * W1, "b1": delta.sum(axis=1, keepdims=True)}  # + λ W1

    assert derivcheck.check_backward(backward, model={"sizes": (4, 3), "l2": 0.1}, points=30).passed
    plain = derivcheck.check_backward(backward, model={"sizes": (4, 3)}, points=30)
    assert not plain.passed and "dL/dW1" in str(plain)


def test_a_returned_input_gradient_is_checked_too():
    """ "x" (∂L/∂z_1) is optional; returned, a wrong one fails the check, not only the run."""

    def backward(sign):
        def run(params, x, y):
            W1, b1 = params["W1"], params["b1"]
            a1 = 1 / (1 + np.exp(-x))
            a2 = 1 / (1 + np.exp(-(W1 @ a1 + b1)))
            delta = (a2 - y) * a2 * (1 - a2)
            return {"W1": delta @ a1.T, "b1": delta, "x": sign * (W1.T @ delta) * a1 * (1 - a1)}

        return run

    assert [g.name for g in api.check_backward(backward(1), points=20).gradients] == ["W1", "b1", "x"]
    found = api.check_backward(backward(-1), points=20)
    assert not found.passed and [g.name for g in found.failed] == ["x"]
    assert found.failed[0].slip is not None and found.failed[0].slip.kinds == (ValueSlip.SIGN,)
