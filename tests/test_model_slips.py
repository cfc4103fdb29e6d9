"""A model file's wrong claims named in the model's own vocabulary (derive/model_slips.py and
verify/model_check.py): a term of one path left out (jax.grad with that use of a tensor cut), a
factor or a constant of the forward pass missing or wrong, the other axis of a mean, a
neighbouring step's tensor, another tensor of the same shape.

Each kind has a planted wrong claim in a small model that must be refuted and named with that
kind, next to the right claim, which stays proved; a claim with two slips gets no name."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from derive.claims_file import load
from derive.formula import Equal, Ref, Scale, to_text
from derive.slip_search import Move
from derive.slips import SlipKind
from reports.json_report import to_dict, validate
from reports.terminal import render_run
from verify import Verdict, check_document
from verify.results import ClaimResult, Run

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "examples" / "models"
POINTS = 20

RESIDUAL = """\
[model]
inputs = { x = [3, 2], G = [3, 2] }
parameters = { W = [3, 3] }
forward = \"\"\"
u = W @ x
h = x + relu(u)
L = sum(G * h)
\"\"\"
"""

RNN = """\
[model]
inputs = { x1 = [2, 1], x2 = [2, 1], h0 = [2, 1], G = [2, 1] }
parameters = { Wh = [2, 2] }
forward = \"\"\"
h1 = tanh(Wh @ h0 + x1)
h2 = tanh(Wh @ h1 + x2)
L = sum(G * h2)
\"\"\"
"""

# batch normalization over a batch of 4 (rows), one γ per feature; ε = 1e-5
NORM = """\
[model]
inputs = { x = [4, 2], G = [4, 2] }
parameters = { gamma = [1, 2] }
forward = \"\"\"
mu = mean(x, axis=0)
xc = x - mu
var = mean(xc ** 2, axis=0)
xhat = xc / sqrt(var + 1e-5)
L = sum(G * (gamma * xhat))
\"\"\"
"""
NORM_DX = "gamma / sqrt(var + 1e-5) * (4 * G - sum(G, axis=0) - xhat * sum(G * xhat, axis=0)) / 4"
NORM_DX_MEANS = (
    "(gamma * G - mean(gamma * G, axis=0) - xhat * mean(gamma * G * xhat, axis=0)) / sqrt(var + 1e-5)"
)

# a scaled score s = x w / √2 (attention's 1/√d, d = 2); x has 2 columns, but nothing is a mean
SCALED = """\
[model]
inputs = { x = [3, 2], G = [3, 1] }
parameters = { w = [2, 1] }
forward = \"\"\"
s = x @ w / sqrt(2)
a = tanh(s)
L = sum(G * a)
\"\"\"
"""
SCALED_DW = "x.T @ (G * (1 - a ** 2)) / sqrt(2)"


def _check(tmp_path, model: str, claims: list[tuple[str, str]]) -> list[ClaimResult]:
    path = tmp_path / "model.toml"
    text = model + "".join(f'\n[[claim]]\nwrt = "{w}"\nformula = "{f}"\n' for w, f in claims)
    path.write_text(text, encoding="utf-8")
    return list(check_document(load(path, {}), points=POINTS, seed=0).claims)


def _run(tmp_path, model: str, claims: list[tuple[str, str]]) -> Run:
    path = tmp_path / "model.toml"
    text = model + "".join(f'\n[[claim]]\nwrt = "{w}"\nformula = "{f}"\n' for w, f in claims)
    path.write_text(text, encoding="utf-8")
    return check_document(load(path, {}), points=POINTS, seed=0)


def _right_and_wrong(tmp_path, model: str, wrt: str, right: str, wrong: str) -> ClaimResult:
    """The right claim proved, the wrong one refuted: the wrong one's result."""
    good, bad = _check(tmp_path, model, [(wrt, right), (wrt, wrong)])
    assert good.verdict == Verdict.PROVED, (good.verdict, good.reason)
    assert good.slip is None
    assert bad.verdict == Verdict.REFUTED, (bad.verdict, bad.reason)
    return bad


def _move(result: ClaimResult) -> Move:
    assert result.slip is not None and result.slip.kind == SlipKind.FOUND, result.slip
    (step,) = result.slip.steps
    return step.move


# --- a term of one path missing ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("model", "wrt", "right", "wrong", "path"),
    [
        # the skip connection's term, then the relu path's
        (RESIDUAL, "x", "G + W.T @ (G * (u > 0))", "W.T @ (G * (u > 0))", ("x", "x", "h")),
        (RESIDUAL, "x", "G + W.T @ (G * (u > 0))", "G", ("x", "x", "u")),
        # the shared weight's first step left out
        (
            RNN,
            "Wh",
            "(G * (1 - h2 ** 2)) @ h1.T + ((Wh.T @ (G * (1 - h2 ** 2))) * (1 - h1 ** 2)) @ h0.T",
            "(G * (1 - h2 ** 2)) @ h1.T",
            ("Wh", "Wh", "h1"),
        ),
        # batch norm's ∂ℓ/∂x without the mean's term (μ depends on x), then without the variance's
        (
            NORM,
            "x",
            NORM_DX,
            "gamma / sqrt(var + 1e-5) * (4 * G - xhat * sum(G * xhat, axis=0)) / 4",
            ("x", "x", "mu"),
        ),
        (NORM, "x", NORM_DX, "gamma / sqrt(var + 1e-5) * (4 * G - sum(G, axis=0)) / 4", ("x", "xc", "var")),
    ],
)
def test_a_term_of_one_path_missing_is_named_by_the_use_it_leaves_out(
    tmp_path, model, wrt, right, wrong, path
):
    bad = _right_and_wrong(tmp_path, model, wrt, right, wrong)
    assert bad.slip is not None and bad.slip.kind == SlipKind.MISSING_PATH, bad.slip
    assert bad.slip.path == path
    assert bad.slip.fix is None  # no formula for the missing term: the path is named instead


def test_the_missing_path_is_worded_with_the_models_equation_in_both_languages(tmp_path):
    run = _run(tmp_path, RESIDUAL, [("x", "W.T @ (G * (u > 0))")])
    english = " ".join(render_run(run).split())
    assert "probably: a term missing: the path through x in h = x + relu(u)" in english
    korean = " ".join(render_run(run, "ko").split())
    assert "항 누락: h = x + relu(u)에서 x를 거치는 경로" in korean
    data = to_dict(run)
    validate(data)
    json.dumps(data)
    assert data["claims"][0]["slip"]["kind"] == str(SlipKind.MISSING_PATH)


# --- a factor of the forward pass missing -----------------------------------------------------
def test_a_derivative_factor_missing_is_put_back_as_the_forward_pass_has_it(tmp_path):
    relu = _right_and_wrong(tmp_path, RESIDUAL, "W", "(G * (u > 0)) @ x.T", "G @ x.T")
    assert _move(relu) == Move.MISSING_FPRIME
    assert relu.slip is not None and relu.slip.fix is not None
    assert to_text(relu.slip.fix) == "(G * relu'(u)) xᵀ"
    tanh = _right_and_wrong(tmp_path, RNN, "h1", "Wh.T @ (G * (1 - h2 ** 2))", "Wh.T @ G")
    assert _move(tanh) == Move.MISSING_FPRIME
    assert tanh.slip is not None and tanh.slip.fix is not None
    assert to_text(tanh.slip.fix) == "Whᵀ (G * (1 - h2**2))"  # in the output h2, where it belongs


def test_an_argmax_mask_missing_is_put_back(tmp_path):
    head = (MODELS / "maxpool.toml").read_text(encoding="utf-8").split("[[claim]]")[0]
    pool = "(x == repeat(repeat(p, 2, axis=0), 2, axis=1)) * repeat(repeat(G, 2, axis=0), 2, axis=1)"
    bad = _right_and_wrong(tmp_path, head, "x", f"{pool} + (x == m) * g", f"{pool} + g")
    assert _move(bad) == Move.MISSING_FPRIME
    assert bad.slip is not None and bad.slip.steps[0].fix.right == Equal(Ref("x"), Ref("m"))  # type: ignore[union-attr]


def test_a_factor_of_a_product_missing_is_put_back(tmp_path):
    bad = _right_and_wrong(
        tmp_path,
        NORM,
        "x",
        NORM_DX_MEANS,
        "(G - mean(G, axis=0) - xhat * mean(G * xhat, axis=0)) / sqrt(var + 1e-5)",
    )
    assert _move(bad) == Move.MISSING_FACTOR
    step = bad.slip.steps[0]  # type: ignore[union-attr]
    # γ of γ ∘ x̂, where it commutes with the rest: at the per-column 1/sqrt(var + ε)
    assert "gamma" in to_text(step.fix) and "gamma" not in to_text(step.where)


# --- a constant: ε, 1/(m − 1), 1/√d ------------------------------------------------------------
def test_the_epsilon_missing_is_a_term_missing(tmp_path):
    wrong = NORM_DX.replace("sqrt(var + 1e-5)", "sqrt(var)")
    bad = _right_and_wrong(tmp_path, NORM, "x", NORM_DX, wrong)
    assert _move(bad) == Move.MISSING_TERM
    assert bad.slip is not None and bad.slip.steps[0].where == Ref("var")


def test_the_unbiased_variances_constant_is_the_wrong_constant(tmp_path):
    bad = _right_and_wrong(tmp_path, NORM, "x", NORM_DX, NORM_DX.removesuffix("/ 4") + "/ 3")
    assert _move(bad) == Move.WRONG_CONSTANT
    step = bad.slip.steps[0]  # type: ignore[union-attr]
    assert isinstance(step.where, Scale) and isinstance(step.fix, Scale)
    assert (step.where.factor, step.fix.factor) == (Fraction(1, 3), Fraction(1, 4))


def test_a_constant_of_the_model_missing_or_inverted_is_named_and_no_mean_is_invented(tmp_path):
    missing = _right_and_wrong(tmp_path, SCALED, "w", SCALED_DW, "x.T @ (G * (1 - a ** 2))")
    assert _move(missing) == Move.MISSING_CONSTANT
    # sqrt(2) for 1/sqrt(2): x has 2 columns, but the forward pass takes no mean over them
    inverted = _right_and_wrong(tmp_path, SCALED, "w", SCALED_DW, "x.T @ (G * (1 - a ** 2)) * sqrt(2)")
    assert _move(inverted) == Move.WRONG_CONSTANT


# --- the other axis ----------------------------------------------------------------------------
def test_a_mean_over_the_other_axis_is_named_at_one_place_or_at_all(tmp_path):
    one = NORM_DX_MEANS.replace("mean(gamma * G, axis=0)", "mean(gamma * G, axis=1)")
    bad = _right_and_wrong(tmp_path, NORM, "x", NORM_DX_MEANS, one)
    assert _move(bad) == Move.MEAN_AXIS and bad.slip is not None and bad.slip.steps[0].places == 1
    every = NORM_DX_MEANS.replace("axis=0", "axis=1")  # normalized over the wrong axis
    bad = _right_and_wrong(tmp_path, NORM, "x", NORM_DX_MEANS, every)
    assert _move(bad) == Move.MEAN_AXIS and bad.slip is not None and bad.slip.steps[0].places == 2


# --- a tensor for another -----------------------------------------------------------------------
def test_the_neighbouring_step_is_named_so(tmp_path):
    bad = _right_and_wrong(tmp_path, RNN, "h1", "Wh.T @ (G * (1 - h2 ** 2))", "Wh.T @ (G * (1 - h1 ** 2))")
    assert _move(bad) == Move.SHIFTED
    step = bad.slip.steps[0]  # type: ignore[union-attr]
    assert (step.where, step.fix) == (Ref("h1"), Ref("h2"))


def test_a_mask_of_the_wrong_tensor_is_another_tensor_of_its_shape(tmp_path):
    bad = _right_and_wrong(tmp_path, RESIDUAL, "W", "(G * (u > 0)) @ x.T", "(G * (x > 0)) @ x.T")
    assert _move(bad) == Move.WRONG_TENSOR
    step = bad.slip.steps[0]  # type: ignore[union-attr]
    assert (step.where, step.fix) == (Ref("x"), Ref("u"))


# --- no false name ------------------------------------------------------------------------------
def test_a_claim_with_two_slips_gets_no_name(tmp_path):
    """Both of batch norm's terms missing (the mean's and the variance's): refuted, and neither
    single path nor any one move explains it, so no slip is named."""
    bad = _right_and_wrong(tmp_path, NORM, "x", NORM_DX, "G * gamma / sqrt(var + 1e-5)")
    assert bad.slip is None
