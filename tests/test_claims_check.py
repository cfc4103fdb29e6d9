"""`derivcheck check`'s verdicts: the seed's claims proved, planted slips refuted and named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from derive.claims_file import load
from derive.proof import Status
from derive.slips import SlipKind
from verify import Reason, Verdict, check_document
from verify import run as pipeline
from verify.results import ForwardStatus

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SEED_DOCUMENT = EXAMPLES / "seed-notes.md"  # a copy of ../shared/seeds/000_9304d0c198fe79ef.txt
SHARED_SEED = ROOT.parent / "shared" / "seeds" / "000_9304d0c198fe79ef.txt"
POINTS = 200


def check(path: Path, **options):
    return check_document(load(path, options), points=POINTS, seed=3)


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
        (17, "z1"), (20, "z1"), (27, "a1"), (28, "z1"), (28, "z1"), (29, "W1"), (30, "b1"),
    ]  # fmt: skip
    # δ_1 = ∂L/∂z_1 on line 28 defines δ_1: a definition, not a claim
    assert [(d.line, d.wrt_name) for d in run.definitions] == [(28, "z1")]
    assert all(r.verdict == Verdict.PROVED for r in run.claims)
    assert all(r.proved_for_every_f for r in run.claims)  # every activation f and loss ℓ
    assert all(r.agreement.disagreeing == 0 and r.agreement.points == POINTS for r in run.claims)
    statuses = [f.status for f in run.forward_equations]
    assert statuses.count(ForwardStatus.CONSISTENT) == 8
    assert statuses.count(ForwardStatus.NOT_READ) == 0  # a_1 = [a_11 …]^T names entries: not counted
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
    assert [r.verdict for r in run.claims] == [Verdict.PROVED] * 6, [
        (r.verdict, r.reason) for r in run.claims
    ]


def test_general_layer_claims_are_proved_for_every_layer(tmp_path):
    path = write(
        tmp_path,
        r"$\delta_l = W_l^T \delta_{l+1} \circ f'(z_l)$ and $\frac{\partial L}{\partial W_l} = \delta_{l+1} a_l^T$",  # noqa: E501
    )
    run = check(path, sizes=(3, 4, 2))
    assert [(r.claim.wrt_name, r.claim.layer, r.verdict) for r in run.claims] == [
        ("z1", 1, "proved"), ("z2", 2, "proved"), ("W1", 1, "proved"), ("W2", 2, "proved"),
    ]  # fmt: skip


# each planted mistake of examples/mistakes.md, by its text → the slip it must be diagnosed as
PLANTED = {
    r"\delta_1 = W_1 \delta_2 \circ f'(z_1)": SlipKind.W_FOR_WT,
    r"\delta_1 = W_1^T \delta_2": SlipKind.MISSING_FPRIME,
    r"\delta_1 = W_1^T \delta_2 \circ f'(z_2)": SlipKind.FPRIME_WRONG_LAYER,
    r"\frac{\partial L}{\partial W_1} = a_1 \delta_2^T": SlipKind.OUTER_ORDER,
    r"\frac{\partial L}{\partial W_1} = (\delta_2 a_1^T)^T": SlipKind.TRANSPOSED,
    r"\nabla_{b_1} L = -\delta_2": SlipKind.SIGN,
    r"\frac{\partial L}{\partial a_1} = 2 W_1^\top \delta_2": SlipKind.TWICE,
    r"\frac{\partial L}{\partial z_1} = \frac{1}{2} W_1^T \frac{\partial L}{\partial z_2} \odot \sigma'(z_1)": SlipKind.HALF,  # noqa: E501
}
CORRECT = r"\frac{\partial L}{\partial a_1} = W_1^T \delta_2"


def by_text(run) -> dict:
    return {r.claim.written: r for r in run.claims}


def test_the_planted_mistakes_are_all_there():
    text = (EXAMPLES / "mistakes.md").read_text(encoding="utf-8")
    assert all(f"${claim}$" in text for claim in PLANTED) and f"$${CORRECT}$$" in text


def test_planted_mistakes_are_refuted_with_a_counterexample_and_the_right_diagnosis():
    run = check(EXAMPLES / "mistakes.md", sizes=(3, 3))
    found = by_text(run)
    assert set(found) == {CORRECT, *PLANTED}
    assert found[CORRECT].verdict == Verdict.PROVED
    for text, kind in PLANTED.items():
        r = found[text]
        assert r.verdict == Verdict.REFUTED, (text, r.verdict, r.reason)
        assert r.slip is not None and r.slip.kind == kind, (text, r.slip)
        assert r.generic.status == Status.REFUTED and r.concrete.status == Status.REFUTED
        assert r.agreement.disagreeing > POINTS // 2  # not one unlucky point
        assert r.agreement.disagreement.blamed == ("sympy", "numpy")
        c = r.counterexample
        assert c is not None and c.entries
        for claimed, true in zip(c.claimed_sympy, c.true_sympy, strict=True):
            assert abs(float(claimed) - float(true)) > 1e-9  # SymPy, at 50 digits, confirms
        np.testing.assert_allclose(
            np.array(c.claimed_sympy, dtype=float), c.claimed_jax, rtol=1e-12, atol=1e-15
        )
        np.testing.assert_allclose(np.array(c.true_sympy, dtype=float), c.true_jax, rtol=1e-12, atol=1e-15)
    assert found[r"\delta_1 = W_1^T \delta_2 \circ f'(z_2)"].slip.other == 2  # f' of layer 2 for 1
    assert not run.passed and run.exit_code == 1


SHAPE_SLIPS = (
    r"\delta_1 = W_1 \delta_2 \circ f'(z_1)",
    r"\delta_1 = W_1^T \delta_2 \circ f'(z_2)",
    r"\frac{\partial L}{\partial W_1} = a_1 \delta_2^T",
    r"\frac{\partial L}{\partial W_1} = (\delta_2 a_1^T)^T",
)


def test_on_the_seed_network_shape_slips_are_shape_errors_named_by_structure():
    found = by_text(check(EXAMPLES / "mistakes.md"))  # 4 → 3: W_1 for W_1^T cannot even be multiplied
    for text in SHAPE_SLIPS:
        r = found[text]
        assert r.verdict == Verdict.SHAPE_ERROR, (text, r.verdict)
        assert r.slip is not None and r.slip.kind == PLANTED[text]
    assert "matrix product of 3×4 and 3×1" in found[SHAPE_SLIPS[0]].shape_problem
    outer = found[SHAPE_SLIPS[2]].shape_problem
    assert "4×3" in outer and "3×4" in outer
    assert {found[t].verdict for t in PLANTED if t not in SHAPE_SLIPS} == {Verdict.REFUTED}


def test_batch_claims_missing_one_over_B_and_the_wrong_axis():
    run = check(EXAMPLES / "batch.toml")
    verdicts = {r.claim.name: (r.verdict, r.slip.kind if r.slip else None) for r in run.claims}
    assert verdicts == {
        "weight gradient": (Verdict.PROVED, None),
        "bias gradient": (Verdict.PROVED, None),
        "backprop through the layer": (Verdict.PROVED, None),
        "weight gradient, 1/B forgotten": (Verdict.REFUTED, SlipKind.MISSING_MEAN),
        "bias gradient, wrong axis": (Verdict.REFUTED, SlipKind.SUM_OVER_NEURONS_T),
    }
    assert next(r for r in run.claims if r.claim.name == "weight gradient, 1/B forgotten").slip.batch == 3


def test_wrong_axis_on_a_non_square_batch_is_a_shape_error_with_its_diagnosis(tmp_path):
    # columns stated: without a layout, rows would be chosen (only they make these shapes fit;
    # tests/test_course_conventions.py)
    path = write(
        tmp_path,
        '[network]\nsizes = [4, 3]\nbatch = 5\nlayout = "columns"\n'
        '[[claim]]\nwrt = "b1"\nformula = "delta2.sum(axis=0) / B"\n',
        "claims.toml",
    )
    (r,) = check(path).claims
    assert r.verdict == Verdict.SHAPE_ERROR and "1×5" in r.shape_problem
    assert r.slip.kind == SlipKind.SUM_OVER_NEURONS


def test_a_claim_true_only_for_the_chosen_activation_says_so(tmp_path):
    path = write(tmp_path, r"$\delta_1 = W_1^T \delta_2$")  # f' = 1 for the identity
    (r,) = check(path, activation="identity").claims
    assert r.verdict == Verdict.PROVED and not r.proved_for_every_f
    assert r.generic.status == Status.REFUTED and r.concrete.status == Status.PROVED
    assert (r.concrete.setting.activation, r.concrete.setting.loss) == ("identity", "mse")


def test_forward_equations_that_disagree_with_the_network_fail_the_check(tmp_path):
    text = r"""
$z_2 = W_1^T a_1 + b_1$ (the other convention), $a_1 = \tanh(z_1)$, $a_1 = f(z_1)$.
$$\frac{\partial L}{\partial b_1} = \delta_2$$
"""
    run = check(write(tmp_path, text), activation="sigmoid")  # the command line against the notes
    status = {f.equation.written: (f.status, f.problem) for f in run.forward_equations}
    assert status[r"z_2 = W_1^T a_1 + b_1"][0] == ForwardStatus.INCONSISTENT
    assert "matrix product of 4×3 and 4×1" in status[r"z_2 = W_1^T a_1 + b_1"][1]
    tanh = status[r"a_1 = \tanh(z_1)"]
    assert tanh[0] == ForwardStatus.INCONSISTENT and "tanh" in tanh[1] and "sigmoid" in tanh[1]
    assert status["a_1 = f(z_1)"][0] == ForwardStatus.CONSISTENT
    assert [r.verdict for r in run.claims] == [Verdict.PROVED]
    assert not run.passed and run.exit_code == 1


def test_the_notes_name_the_activation_when_the_command_line_does_not(tmp_path):
    text = r"""
$a_1 = \tanh(z_1)$, $z_2 = W_1 a_1 + b_1$.
$$\delta_1 = W_1^T \delta_2 \circ (1 - a_1^2)$$
"""
    run = check(write(tmp_path, text))
    assert run.network.activation == "tanh"
    assert {f.status for f in run.forward_equations} == {ForwardStatus.CONSISTENT}
    assert [r.verdict for r in run.claims] == [Verdict.PROVED]
    # the same claim in a sigmoid network (chosen on the command line) is refuted
    assert [r.verdict for r in check(write(tmp_path, text), activation="sigmoid").claims] == [Verdict.REFUTED]


def test_a_symbolic_proof_is_not_enough_when_the_numbers_disagree(tmp_path, monkeypatch):
    """Every witness must agree for `proved`: corrupt NumPy's value of the right side."""
    path = write(tmp_path, r"$\frac{\partial L}{\partial b_1} = \delta_2$")
    original = pipeline.value

    def corrupted(formula, values, absolute=False):
        out = original(formula, values, absolute)
        return out + 1e-6 if formula.__class__.__name__ == "Var" and not absolute else out

    monkeypatch.setattr(pipeline, "value", corrupted)
    (r,) = check(path).claims
    assert r.generic.status == Status.PROVED
    assert r.verdict == Verdict.UNDECIDED and r.reason == Reason.WITNESSES_DISAGREE
    assert r.agreement.disagreement.blamed == ("numpy",)


def test_an_unparsed_claim_makes_the_run_unusable(tmp_path):
    run = check(
        write(
            tmp_path,
            r"$\frac{\partial L}{\partial W_1} = \delta_2 a_1^T +$ and $\delta_1 = W_1^T\delta_2 \circ f'(z_1)$",  # noqa: E501
        )
    )
    assert [r.verdict for r in run.claims] == [Verdict.UNPARSED, Verdict.PROVED]
    assert "ends early" in run.claims[0].claim.problem.message
    assert run.exit_code == 2
