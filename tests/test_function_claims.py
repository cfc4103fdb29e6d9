"""Derivatives of a stated function (derive/function_claims.py): the objective is written inline,
`\\frac{d}{dz}\\sigma(z) = …`; jax.grad differentiates the function's forward definition."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.claims import is_claim
from derive.claims_file import load
from derive.function_claims import function_claim
from verify import Verdict, check_document

CLAIMS = [
    (r"\frac{d}{dz}\sigma(z) = \sigma(z)(1 - \sigma(z))", Verdict.PROVED),
    (r"\frac{\partial}{\partial x}\tanh(x) = 1 - \tanh^2(x)", Verdict.PROVED),
    (r"\sigma'(z) = \sigma(z) (1 - \sigma(z))", Verdict.PROVED),
    (r"\frac{d \tanh(u)}{du} = 1 - \tanh(u)^2", Verdict.PROVED),
    (r"\frac{d}{dz}\operatorname{softplus}(z) = \sigma(z)", Verdict.PROVED),
    # slips: a sign, a missing square, the function for its derivative, ReLU' = 1 everywhere
    (r"\sigma'(z) = \sigma(z)(1 + \sigma(z))", Verdict.REFUTED),
    (r"\frac{d \tanh(u)}{du} = 1 - \tanh(u)", Verdict.REFUTED),
    (r"\frac{d}{dz}\operatorname{softplus}(z) = \operatorname{softplus}(z)", Verdict.REFUTED),
    (r"\frac{d}{dz}\text{ReLU}(z) = 1", Verdict.REFUTED),
]


@pytest.mark.parametrize(("claim", "verdict"), CLAIMS, ids=[c for c, _ in CLAIMS])
def test_the_derivative_of_a_stated_function(tmp_path: Path, claim: str, verdict: Verdict):
    path = tmp_path / "notes.md"
    path.write_text(f"$${claim}$$\n", encoding="utf-8")
    (result,) = check_document(load(path, {}), points=200, seed=2).claims
    assert result.verdict == verdict
    assert result.claim.written == claim  # reported as written, not as rewritten for the network


def test_only_derivatives_of_one_variable_are_function_claims():
    assert is_claim(r"\frac{d}{dz}\sigma(z) = \sigma(z)(1 - \sigma(z))")
    assert function_claim(r"\frac{d}{dz}\sigma(x) = 1") is None  # differentiated by another variable
    assert function_claim(r"\sigma(z) = \frac{1}{1 + e^{-z}}") is None  # a definition, not a derivative
    assert not is_claim(r"\sigma(z) = \frac{1}{1 + e^{-z}}")
