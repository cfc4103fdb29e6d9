"""`derivcheck check`'s verdicts: the seed's claims proved, planted slips refuted and named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from verify.claim_check import check_document

from derive.claims_file import load
from verify import claim_check

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SEED_DOCUMENT = EXAMPLES / "seed-notes.md"  # a copy of ../shared/seeds/000_9304d0c198fe79ef.txt
SHARED_SEED = ROOT.parent / "shared" / "seeds" / "000_9304d0c198fe79ef.txt"
POINTS = 200


def check(path: Path, **options):
    return check_document(load(path, options), POINTS, seed=3)


def write(tmp_path: Path, text: str, name: str = "notes.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="../shared is not next to this checkout")
def test_the_example_is_the_seed_document_unchanged():
    assert SEED_DOCUMENT.read_bytes() == SHARED_SEED.read_bytes()


def test_the_seed_document_is_proved_claim_by_claim():
    run = check(SEED_DOCUMENT)
    assert [(r.claim.line, r.claim.wrt_name) for r in run.claims] == [
        (17, "z1"), (20, "z1"), (27, "a1"), (28, "z1"), (28, "z1"), (28, "z1"), (29, "W1"), (30, "b1"),
    ]  # fmt: skip
    assert all(r.verdict == "proved" for r in run.claims)
    assert all(r.scope == "every activation f and loss ℓ" for r in run.claims)
    assert all(r.numeric.disagreeing == 0 and r.numeric.points == POINTS for r in run.claims)
    statuses = [f.status for f in run.forward]
    assert statuses.count("consistent") == 8 and statuses.count("not read") == 4  # a_1 = [a_11 …]^T
    assert run.passed and run.exit_code == 0


TRUE_NOTES = r"""
# Notes, every claim true, in many notations

$$\frac{\partial L}{\partial W_1} = \delta_2 a_1^\top$$
$\nabla_{b_1} L = \boldsymbol{\delta}_2$, and $\partial L/\partial a_1 = \mathbf{W}_1^{\mathsf T}\delta_2$.

\begin{align}
\delta_1 &= \operatorname{diag}\left(\sigma'(z_1)\right) W_1^T \delta_2 \label{eq:d1} \\
\nabla_{z_1} L &= (W_1^T \nabla_{z_2} L) \odot f'(z_1) = \frac{\partial L}{\partial a_1} \circ f'(z_1).
\end{align}

```python
# code is not math: $\delta_1 = 0$
```
"""


def test_true_claims_in_several_notations_are_all_proved(tmp_path):
    run = check(write(tmp_path, TRUE_NOTES))
    assert len(run.claims) == 6
    assert [r.verdict for r in run.claims] == ["proved"] * 6, [r.evidence for r in run.claims]


def test_general_layer_claims_are_proved_for_every_layer(tmp_path):
    path = write(
        tmp_path,
        r"$\delta_l = W_l^T \delta_{l+1} \circ f'(z_l)$ and $\frac{\partial L}{\partial W_l} = \delta_{l+1} a_l^T$",  # noqa: E501
    )
    run = check(path, sizes=(3, 4, 2))
    assert [(r.claim.wrt_name, r.claim.layer, r.verdict) for r in run.claims] == [
        ("z1", 1, "proved"), ("z2", 2, "proved"), ("W1", 1, "proved"), ("W2", 2, "proved"),
    ]  # fmt: skip


# a claim of examples/mistakes.md, as written → the slip it must be diagnosed as
PLANTED = {
    r"\delta_1 = W_1 \delta_2 \circ f'(z_1)": "W1 where W1ᵀ belongs",
    r"\delta_1 = W_1^T \delta_2": "missing f'(z1)",
    r"\delta_1 = W_1^T \delta_2 \circ f'(z_2)": "f' of the wrong layer",
    r"\frac{\partial L}{\partial W_1} = a_1 \delta_2^T": "outer product in the wrong order",
    r"\frac{\partial L}{\partial W_1} = (\delta_2 a_1^T)^T": "transposed",
    r"\nabla_{b_1} L = -\delta_2": "sign flipped",
    r"\frac{\partial L}{\partial a_1} = 2 W_1^\top \delta_2": "a factor 2 too large",
    (
        r"\frac{\partial L}{\partial z_1} = "
        r"\frac{1}{2} W_1^T \frac{\partial L}{\partial z_2} \odot \sigma'(z_1)"
    ): "a factor ½",
}
CLAIM_OF = {slip: claim for claim, slip in PLANTED.items()}
CORRECT = r"\frac{\partial L}{\partial a_1} = W_1^T \delta_2"


def test_planted_mistakes_are_refuted_with_a_counterexample_and_the_right_diagnosis():
    run = check(EXAMPLES / "mistakes.md", sizes=(3, 3))
    by_text = {r.claim.written: r for r in run.claims}
    assert set(by_text) == {CORRECT, *PLANTED}  # every planted claim is read, nothing else
    assert by_text[CORRECT].verdict == "proved"
    for claim, slip in PLANTED.items():
        r = by_text[claim]
        assert r.verdict == "refuted", (claim, r.evidence)
        assert r.diagnosis is not None and r.diagnosis.startswith(slip), (claim, r.diagnosis)
        assert r.generic.status == "refuted" and r.concrete.status == "refuted"
        assert r.numeric.disagreeing > POINTS // 2  # not one unlucky point
        c = r.counterexample
        assert c is not None and c.entries
        for claimed, true in zip(c.claimed_sympy, c.true_sympy, strict=True):
            assert abs(float(claimed) - float(true)) > 1e-9  # SymPy, at 50 digits, confirms
        np.testing.assert_allclose(
            np.array(c.claimed_sympy, dtype=float), c.claimed_jax, rtol=1e-12, atol=1e-15
        )
        np.testing.assert_allclose(np.array(c.true_sympy, dtype=float), c.true_jax, rtol=1e-12, atol=1e-15)
    assert not run.passed and run.exit_code == 1


def test_on_the_seed_network_shape_slips_are_shape_errors_named_by_structure():
    run = check(EXAMPLES / "mistakes.md")  # 4 → 3: W_1 for W_1^T cannot even be multiplied
    by_text = {r.claim.written: r for r in run.claims}
    shape_slips = (
        "W1 where W1ᵀ belongs", "f' of the wrong layer", "outer product in the wrong order", "transposed",
    )  # fmt: skip
    for slip in shape_slips:
        r = by_text[CLAIM_OF[slip]]
        assert r.verdict == "shape-error", (slip, r.evidence)
        assert r.diagnosis.startswith(slip)
    assert "matrix product of 3×4 and 3×1" in by_text[CLAIM_OF["W1 where W1ᵀ belongs"]].evidence
    outer = by_text[CLAIM_OF["outer product in the wrong order"]].evidence
    assert "4×3" in outer and "3×4" in outer
    others = [claim for claim, slip in PLANTED.items() if slip not in shape_slips]
    assert {by_text[claim].verdict for claim in others} == {"refuted"}


def test_batch_claims_missing_one_over_B_and_the_wrong_axis():
    run = check(EXAMPLES / "batch.toml")
    verdicts = {r.claim.name: (r.verdict, r.diagnosis) for r in run.claims}
    assert verdicts["weight gradient"][0] == "proved"
    assert verdicts["bias gradient"][0] == "proved"
    assert verdicts["backprop through the layer"][0] == "proved"
    assert verdicts["weight gradient, 1/B forgotten"][0] == "refuted"
    assert verdicts["weight gradient, 1/B forgotten"][1].startswith("missing 1/B")
    assert verdicts["bias gradient, wrong axis"][0] == "refuted"
    assert verdicts["bias gradient, wrong axis"][1].startswith("summed over the wrong axis")


def test_wrong_axis_on_a_non_square_batch_is_a_shape_error_with_its_diagnosis(tmp_path):
    path = write(
        tmp_path,
        '[network]\nsizes = [4, 3]\nbatch = 5\n[[claim]]\nwrt = "b1"\nformula = "delta2.sum(axis=0) / B"\n',
        "claims.toml",
    )
    (r,) = check(path).claims
    assert r.verdict == "shape-error" and "1×5" in r.evidence
    assert r.diagnosis.startswith("summed over the wrong axis")


def test_a_claim_true_only_for_the_chosen_activation_says_so(tmp_path):
    path = write(tmp_path, r"$\delta_1 = W_1^T \delta_2$")  # f' = 1 for the identity
    (r,) = check(path, activation="identity").claims
    assert r.verdict == "proved"
    assert r.generic.status == "refuted" and r.concrete.status == "proved"
    assert r.scope == "identity, mse only (with a generic f, ℓ: refuted)"


def test_forward_equations_that_disagree_with_the_network_fail_the_check(tmp_path):
    text = r"""
$z_2 = W_1^T a_1 + b_1$ (the other convention), $a_1 = \tanh(z_1)$, $a_1 = f(z_1)$.
$$\frac{\partial L}{\partial b_1} = \delta_2$$
"""
    run = check(write(tmp_path, text))
    status = {f.equation.written: (f.status, f.message) for f in run.forward}
    assert status[r"z_2 = W_1^T a_1 + b_1"][0] == "inconsistent"
    assert "matrix product of 4×3 and 4×1" in status[r"z_2 = W_1^T a_1 + b_1"][1]
    assert status[r"a_1 = \tanh(z_1)"] == (
        "inconsistent",
        "the formula applies tanh, but the network's activation is sigmoid (choose it with --activation tanh)",  # noqa: E501
    )
    assert status["a_1 = f(z_1)"][0] == "consistent"
    assert [r.verdict for r in run.claims] == ["proved"]
    assert not run.passed and run.exit_code == 1


def test_a_symbolic_proof_is_not_enough_when_the_numbers_disagree(tmp_path, monkeypatch):
    """Both witnesses must agree for `proved`: corrupt the oracle's value of one side."""
    path = write(tmp_path, r"$\frac{\partial L}{\partial b_1} = \delta_2$")
    original = claim_check.value

    def corrupted(formula, values, absolute=False):
        out = original(formula, values, absolute)
        return out + 1e-6 if formula.__class__.__name__ == "Var" and not absolute else out

    monkeypatch.setattr(claim_check, "value", corrupted)
    (r,) = check(path).claims
    assert r.generic.status == "proved"
    assert r.verdict == "undecided" and "witnesses disagree" in r.evidence


def test_an_unparsed_claim_makes_the_run_unusable(tmp_path):
    run = check(
        write(
            tmp_path,
            r"$\frac{\partial L}{\partial W_1} = \delta_2 a_1^T +$ and $\delta_1 = W_1^T\delta_2 \circ f'(z_1)$",  # noqa: E501
        )
    )
    assert [r.verdict for r in run.claims] == ["unparsed", "proved"]
    assert "ends early" in run.claims[0].evidence
    assert run.exit_code == 2
