"""Notes whose forward equations write no bias (`o_k = σ(Σ_j w_{jk} o_j)`, `z^L = w^L a^{L-1}`)
describe a network with every b_l = 0: claims that spell the forward pass out without a bias
are proved at b = 0 — never refuted by biases the notes do not have (FC-08's kind)."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.claims_file import load
from verify.results import Verdict
from verify.run import check_document

NO_BIAS = r"""Error $E = \sum_k (t_k - o_k)^2$, outputs $o_k = \text{sigmoid}(\sum_j w_{jk} o_j)$.

$$\frac{\partial E}{\partial w_{jk}} = {claim}$$
"""
RIGHT = (
    r"-2(t_k - o_k) \cdot \text{sigmoid}(\sum_j w_{jk} o_j)(1 - \text{sigmoid}(\sum_j w_{jk} o_j)) \cdot o_j"
)
HALF = (
    r"-(t_k - o_k) \cdot \text{sigmoid}(\sum_j w_{jk} o_j)(1 - \text{sigmoid}(\sum_j w_{jk} o_j)) \cdot o_j"
)


def run_of(tmp_path: Path, text: str):
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    document = load(path, {})
    return document, check_document(document, points=60)


@pytest.mark.parametrize(("claim", "verdict"), [(RIGHT, Verdict.PROVED), (HALF, Verdict.REFUTED)])
def test_a_claim_without_biases_is_checked_at_b_zero(tmp_path, claim, verdict):
    document, run = run_of(tmp_path, NO_BIAS.replace("{claim}", claim))
    assert not document.network.biases and "no biases" in document.network.describe()
    assert [r.verdict for r in run.claims] == [verdict]


def test_notes_with_biases_keep_them(tmp_path):
    text = "$z_{l+1} = W_l a_l + b_l$, $a_l = f(z_l)$\n\n$$\\frac{\\partial L}{\\partial b_1} = \\delta_2$$\n"
    document, run = run_of(tmp_path, text)
    assert document.network.biases and [r.verdict for r in run.claims] == [Verdict.PROVED]


def test_the_same_claim_with_biases_in_the_network_is_refuted(tmp_path):
    """The check can fail: with the biases the notes omit, σ(W a) is not the output a."""
    text = NO_BIAS.replace("{claim}", RIGHT).replace(
        r"o_k = \text{sigmoid}(\sum_j w_{jk} o_j)", r"o_k = \text{sigmoid}(\sum_j w_{jk} o_j + b_k)"
    )
    document, run = run_of(tmp_path, text)
    assert document.network.biases and [r.verdict for r in run.claims] == [Verdict.REFUTED]
