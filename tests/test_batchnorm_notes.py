# ruff: noqa: E501  (the cases' equations, copied as written)
"""Batch normalization as notes write it (derive/scalar_model.py, verify/scalar_check.py): the
notes' own scalar forward equations over a mini-batch decide the model; claims about ∂ℓ/∂μ_B,
∂ℓ/∂σ_B², ∂ℓ/∂γ, ∂ℓ/∂x_i are proved or refuted, and a claim whose model is not stated says
which forward equations to add."""

from __future__ import annotations

import pytest

from derive.claims import ClaimNote
from derive.claims_file import load
from derive.scalar_model import ModelNotStated
from reports.wording import Words
from verify import Verdict, check_document

FORWARD = r"""Mini-batch $x_1, \dots, x_m$ of one channel: $\mu_B = \frac{1}{m}\sum_i x_i$,
$\sigma_B^2 = \frac{1}{m}\sum_i (x_i - \mu_B)^2$, $\hat{x}_i = (x_i - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}$.
"""
FC12 = (
    FORWARD
    + r"""
What `mean_delta_cpu` computes:

$$\frac{\partial \ell}{\partial \mu_B} = \sum_{i=1}^{m} \frac{\partial \ell}{\partial \hat{x}_i} \cdot \frac{-1}{\sqrt{\sigma_B^2 + \epsilon}}$$

What the batch-norm paper writes:

$$\frac{\partial \ell}{\partial \mu_B} = \left(\sum_{i=1}^{m} \frac{\partial \ell}{\partial \hat{x}_i} \cdot \frac{-1}{\sqrt{\sigma_B^2 + \epsilon}}\right) + \frac{\partial \ell}{\partial \sigma_B^2} \cdot \frac{\sum_{i=1}^{m} -2(x_i - \mu_B)}{m}$$
"""
)
GAMMA = r"$$\frac{\partial \ell}{\partial \gamma} = \sum_i \frac{\partial \ell}{\partial y_i} \hat{x}_i$$"
Y = r"$$y_i = \gamma \hat{x}_i + \beta$$"
XHAT = r"$$\hat{x}_i = (x_i - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}$$"


def _run(tmp_path, text: str, name: str = "notes.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_document(load(path, {}), points=50, seed=0)


def _verdicts(run) -> list[Verdict]:
    return [r.verdict for r in run.claims]


def test_fc12_both_forms_of_the_mean_gradient_are_proved(tmp_path):
    run = _run(tmp_path, FC12)
    assert [(r.claim.line, r.verdict) for r in run.claims] == [(6, Verdict.PROVED), (10, Verdict.PROVED)]
    first, second = run.claims
    # the first drops ∂ℓ/∂σ² · Σ −2(x_i − μ_B)/m, which sums to zero: said as a note, as data
    assert ClaimNote.VANISHING_TERMS in first.claim.notes
    assert ClaimNote.VANISHING_TERMS not in second.claim.notes
    assert first.agreement is not None and first.agreement.agree
    for lang in ("en", "ko"):
        assert Words(lang).claim_note(ClaimNote.VANISHING_TERMS, first.claim)


@pytest.mark.parametrize(
    "claim",
    [
        # the sign of the direct term
        r"\frac{\partial \ell}{\partial \mu_B} = \sum_{i=1}^{m} \frac{\partial \ell}{\partial \hat{x}_i} \cdot \frac{1}{\sqrt{\sigma_B^2 + \epsilon}}",
        # no square root
        r"\frac{\partial \ell}{\partial \mu_B} = \sum_{i=1}^{m} \frac{\partial \ell}{\partial \hat{x}_i} \cdot \frac{-1}{\sigma_B^2 + \epsilon}",
        # ∂ℓ/∂σ² without its −½ (σ² + ε)^{−3/2}
        r"\frac{\partial \ell}{\partial \sigma_B^2} = \sum_{i=1}^{m} \frac{\partial \ell}{\partial \hat{x}_i} (x_i - \mu_B)",
    ],
)
def test_wrong_variants_are_refuted(tmp_path, claim):
    run = _run(tmp_path, FORWARD + f"\n$${claim}$$\n")
    assert _verdicts(run) == [Verdict.REFUTED]
    assert run.claims[0].counterexample is not None


def test_the_variance_and_input_gradients_of_the_paper_are_proved(tmp_path):
    sigma = (
        r"\frac{\partial \ell}{\partial \sigma_B^2} = \sum_{i=1}^{m} \frac{\partial \ell}{\partial \hat{x}_i}"
        r" \cdot (x_i - \mu_B) \cdot \frac{-1}{2} (\sigma_B^2 + \epsilon)^{-3/2}"
    )
    x = (
        r"\frac{\partial \ell}{\partial x_i} = \frac{\partial \ell}{\partial \hat{x}_i} \cdot \frac{1}{\sqrt{\sigma_B^2 + \epsilon}}"
        r" + \frac{\partial \ell}{\partial \sigma_B^2} \cdot \frac{2(x_i - \mu_B)}{m} + \frac{\partial \ell}{\partial \mu_B} \cdot \frac{1}{m}"
    )
    run = _run(tmp_path, FORWARD + f"\n$${sigma}$$\n\n$${x}$$\n")
    assert _verdicts(run) == [Verdict.PROVED, Verdict.PROVED]


def test_min_batchnorm_names_the_model_to_add(tmp_path):
    run = _run(tmp_path, "<!-- minimal: batch normalization -->\n" + GAMMA + "\n")
    (result,) = run.claims
    assert result.verdict == Verdict.UNPARSED
    problem = result.claim.problem
    assert isinstance(problem, ModelNotStated)
    assert r"y_i = \gamma \hat{x}_i + \beta" in problem.add
    assert any(a.startswith(r"\hat{x}_i =") for a in problem.add)
    for lang in ("en", "ko"):
        assert r"y_i = \gamma \hat{x}_i + \beta" in Words(lang).problem(problem)
    assert "model is not stated" in Words("en").problem(problem)


def test_min_batchnorm_with_its_model_is_proved_and_wrong_variants_refuted(tmp_path):
    model = Y + "\n\n" + XHAT + "\n\n"
    assert _verdicts(_run(tmp_path, model + GAMMA + "\n")) == [Verdict.PROVED]
    no_sum = r"$$\frac{\partial \ell}{\partial \gamma} = \frac{\partial \ell}{\partial y_1} \hat{x}_1$$"
    x_for_xhat = r"$$\frac{\partial \ell}{\partial \gamma} = \sum_i \frac{\partial \ell}{\partial y_i} x_i$$"
    beta = r"$$\frac{\partial \ell}{\partial \beta} = \sum_i \frac{\partial \ell}{\partial y_i}$$"
    run = _run(tmp_path, model + no_sum + "\n\n" + x_for_xhat + "\n\n" + beta + "\n")
    assert _verdicts(run) == [Verdict.REFUTED, Verdict.REFUTED, Verdict.PROVED]


def test_json_gives_line_and_verdict(tmp_path):
    import json

    from typer.testing import CliRunner

    from reports.cli import app

    path = tmp_path / "FC-12.md"
    path.write_text(FC12, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(path), "--json", "--points", "20"])
    assert result.exit_code == 0, result.output
    claims = json.loads(result.output)["claims"]
    assert [(c["line"], c["verdict"]) for c in claims] == [(6, "proved"), (10, "proved")]
