"""Notes as people really write them, and inputs meant to break the checker (found in review)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from derive.claims_file import load
from derive.document import find_equations
from derive.formula import to_text
from derive.proof import Method, Status
from derive.slips import SlipKind
from reports.cli import app
from verify import Reason, Verdict, check_document, verdict
from verify import run as pipeline
from verify.results import ForwardStatus

runner = CliRunner()
POINTS = 60


def write(tmp_path: Path, text: str, name: str = "notes.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def check(path: Path, points: int = POINTS, **options):
    return check_document(load(path, options), points=points, seed=5)


def verdicts(run) -> list[str]:
    return [r.verdict for r in run.claims]


def problem(result) -> str:
    """Why a claim was not read (the parser's or binder's message)."""
    return result.claim.problem.message


# --- how equations are found ----------------------------------------------------------------
def test_prose_inside_math_separates_equations():
    text = (
        r"$\delta_1 = W_1^T \delta_2 \circ f'(z_1) \quad\text{and}\quad \frac{\partial L}{\partial W_1}"
        r" = \delta_2 a_1^T$, $\delta_1 = W_1^T\delta_2\circ f'(z_1), \text{ where } f'(z_1) = 1$"
    )
    found = [e.text for e in find_equations(text)]
    assert found == [
        r"\delta_1 = W_1^T \delta_2 \circ f'(z_1)",
        r"\frac{\partial L}{\partial W_1} = \delta_2 a_1^T",
        r"\delta_1 = W_1^T\delta_2\circ f'(z_1)",
        "f'(z_1) = 1",
    ]


def test_inner_environments_intertext_comments_and_line_breaks():
    text = "\n".join(
        [
            r"$$\begin{aligned} \delta_1 &= W_1^T \delta_2 \circ f'(z_1) \\",
            r"\frac{\partial L}{\partial W_1} &= \delta_2 a_1^T \end{aligned}$$",
            r"\begin{align} \nabla_{b_1} L &= \delta_2 \\ \intertext{and} \partial L/\partial a_1 &= W_1^T\delta_2 \end{align}",  # noqa: E501
            r"<!-- $\delta_1 = W_1 \delta_2$ (an old mistake, commented out) -->",
            r"Inline math may break once: $\frac{\partial L}{\partial b_1}",
            r"= \delta_2$, and trailing spacing is layout: $\frac{\partial L}{\partial W_1} = \delta_2 a_1^{\top}\,.$",  # noqa: E501
        ]
    )
    found = [(e.line, " ".join(e.text.split())) for e in find_equations(text)]
    assert found == [
        (1, r"\delta_1 = W_1^T \delta_2 \circ f'(z_1)"),
        (2, r"\frac{\partial L}{\partial W_1} = \delta_2 a_1^T"),
        (3, r"\nabla_{b_1} L = \delta_2"),
        (3, r"\partial L/\partial a_1 = W_1^T\delta_2"),
        (5, r"\frac{\partial L}{\partial b_1} = \delta_2"),
        (6, r"\frac{\partial L}{\partial W_1} = \delta_2 a_1^{\top}"),
    ]


@pytest.mark.parametrize("opener", [r"\[ x ", r"\( x ", r"\begin{equation} x ", "$$ x ", "$ x\n\n"])
def test_unclosed_delimiters_are_not_math(opener):
    """Each opener looks for its closer once (the scan stays linear: benchmarks/scan_documents.py)."""
    found = find_equations(opener * 5000 + r"$\delta_1 = W_1^T \delta_2$")
    assert [e.text for e in found] == [r"\delta_1 = W_1^T \delta_2"]  # only the real equation
    assert find_equations(opener * 5000) == []


def test_prose_that_mentions_gradients_is_listed_not_claimed(tmp_path):
    text = r"""
Step size $\delta = 10^{-5}$; the update $\Delta W_1 = -\eta \frac{\partial L}{\partial W_1}$.
$$\frac{\partial L}{\partial b_1} = \delta_2$$
"""
    run = check(write(tmp_path, text))
    assert verdicts(run) == ["proved"]
    assert [line for line, _ in run.not_claims] == [2, 2]


# --- notation ---------------------------------------------------------------------------------
def test_bracketed_layers_with_a_transpose_and_named_functions(tmp_path):
    text = r"""
$\frac{\partial \mathcal{L}}{\partial W^{[1]}} = \delta^{[2]} a^{[1]T}$
$a_1 = \text{ReLU}(z_1)$ and $\delta_1 = W_1^T \delta_2 \circ \operatorname{ReLU}'(z_1)$
"""
    run = check(write(tmp_path, text), activation="relu")
    assert verdicts(run) == ["proved", "proved"]
    assert [f.status for f in run.forward_equations] == [ForwardStatus.CONSISTENT]


def test_general_layer_gradient_of_a_skips_the_last_layer(tmp_path):
    run = check(write(tmp_path, r"$\frac{\partial L}{\partial a_l} = W_l^T \delta_{l+1}$"), sizes=(3, 4, 2))
    assert [(r.claim.layer, r.verdict) for r in run.claims] == [(1, "proved"), (2, "proved")]


def test_toml_plain_syntax_edge_cases(tmp_path):
    toml = '''[network]
sizes = [3, 4, 2]
[[claim]]
wrt = "z1"
formula = "W_l^T \\\\delta_{l+1} \\\\circ f'(z_l)"
[[claim]]
wrt = "z_l"
formula = "W1.T @ delta2"
[[claim]]
wrt = "W1"
formula = """delta2 @
   a1.T"""
[[claim]]
wrt = "b1"
formula = "δ2"
[[claim]]
wrt = "b1"
formula = "delta2.sum(1)"
'''
    run = check(write(tmp_path, toml, "claims.toml"))
    assert verdicts(run) == ["unparsed", "unparsed", "proved", "proved", "proved"]
    assert "the formula uses l" in problem(run.claims[0])
    assert "not z_l" in problem(run.claims[1])


# --- hostile input: a clear verdict, never a traceback --------------------------------------------
@pytest.mark.parametrize(
    ("claim", "says"),
    [
        (r"\delta_1 = " + "9" * 400 + r" W_1^T \delta_2 \circ f'(z_1)", "at most 12 digits"),
        (r"\delta_1 = W_1" + "^T" * 900 + r" \delta_2 \circ f'(z_1)", "at most 6 sub- and superscripts"),
        (
            r"\frac{\partial L}{\partial W_1} = (\delta_2 a_1^T)" + "^T" * 900,
            "at most 6 sub- and superscripts",
        ),
    ],
)
def test_numbers_and_scripts_are_bounded(tmp_path, claim, says):
    (r,) = check(write(tmp_path, f"${claim}$")).claims
    assert r.verdict == Verdict.UNPARSED and says in problem(r)


def test_user_text_is_not_rich_markup(tmp_path):
    toml = '[[claim]]\nname = "[/]"\nwrt = "b1"\nformula = "delta2"\n'
    result = runner.invoke(app, ["check", str(write(tmp_path, toml, "c.toml")), "--points", "20"])
    assert result.exit_code == 0, result.output
    assert "([/])" in result.output


def test_sympy_has_a_time_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(verdict, "PROOF_SECONDS", 0.001)  # any proof takes longer
    a = "(W_1 + W_1^T)"
    claim = rf"\delta_1 = W_1^T \delta_2 \circ f'(z_1) + (({a} {a}) {a}) \delta_2 - ({a} ({a} {a})) \delta_2"
    (r,) = check(write(tmp_path, f"${claim}$"), sizes=(4, 4)).claims
    assert r.generic.method == Method.TIME and r.generic.status == Status.UNDECIDED and r.concrete is None
    assert r.verdict == Verdict.UNDECIDED and r.reason == Reason.TIME
    assert r.agreement.disagreeing == 0  # jax.grad agrees, but numbers never prove


def test_non_finite_values_are_not_agreement(tmp_path, monkeypatch):
    original = pipeline.value

    def overflowing(formula, values, absolute=False):  # the right side is inf − inf everywhere
        out = original(formula, values, absolute)
        return out if formula.__class__.__name__ == "Grad" else np.full_like(out, np.nan)

    monkeypatch.setattr(pipeline, "value", overflowing)
    path = write(tmp_path, r"$\frac{\partial L}{\partial b_1} = \delta_2 + 0 b_1$")
    (r,) = check(path).claims
    assert r.generic.status == Status.PROVED
    assert r.verdict == Verdict.UNDECIDED and r.reason == Reason.NOT_COMPARED
    assert r.agreement.points == POINTS and r.agreement.compared == 0
    assert math.isfinite(r.agreement.max_abs_err)  # a JSON report can hold it


def test_one_point_never_refutes_on_its_own(tmp_path):
    path = write(tmp_path, r"$\delta_1 = W_1 \delta_2 \circ f'(z_1)$")  # wrong: W_1 for W_1^T
    (r,) = check(path, points=1, sizes=(70, 70)).claims  # beyond the 4,096 budget: numbers only
    assert r.generic.status == Status.SKIPPED
    assert r.verdict == Verdict.UNDECIDED and r.reason == Reason.ONE_POINT
    (r,) = check(path, points=20, sizes=(70, 70)).claims
    assert r.verdict == Verdict.REFUTED and r.agreement.disagreeing == 20
    assert r.slip.kind == SlipKind.W_FOR_WT


def test_big_cancelling_terms_do_not_fake_a_disagreement(tmp_path):
    claim = r"\delta_1 = W_1^T \delta_2 \circ f'(z_1) + 1000000 W_1^T \delta_2 - 1000000 W_1^T \delta_2"
    path = write(tmp_path, f"${claim}$")
    assert verdicts(check(path, sizes=(3, 3))) == ["proved"]
    (r,) = check(path, sizes=(70, 70)).claims  # SymPy skipped: the numbers alone agree
    assert r.verdict == Verdict.UNDECIDED and r.reason == Reason.SIZE and r.agreement.disagreeing == 0


# --- batches and forward equations -----------------------------------------------------------------
def test_batch_diagnoses_prefer_the_missing_one_over_B(tmp_path):
    text = r"$\frac{\partial L}{\partial W_1} = \Delta_2 A_1^T$ and $\Delta_1 = W_1^T \Delta_2$"
    run = check(write(tmp_path, text), sizes=(3, 3), batch=2)
    assert [(r.verdict, r.slip.kind) for r in run.claims] == [
        (Verdict.REFUTED, SlipKind.MISSING_MEAN),
        (Verdict.REFUTED, SlipKind.MISSING_FPRIME),
    ]
    assert run.claims[0].slip.batch == 2  # the mean over the batch of 2


def test_forward_equations_per_example_and_for_the_identity(tmp_path):
    text = r"$z_2 = W_1 a_1 + b_1$, $a_1 = z_1$, $\frac{\partial L}{\partial b_1} = \frac{1}{B}\Delta_2 \mathbf{1}$"  # noqa: E501
    run = check(write(tmp_path, text), batch=2, activation="identity")
    assert [(f.status, f.per_example) for f in run.forward_equations] == [
        (ForwardStatus.CONSISTENT, True),  # one column of Z_2 = W_1 A_1 + b_1 1ᵀ
        (ForwardStatus.CONSISTENT, False),
    ]
    assert verdicts(run) == ["proved"]


def test_a_number_beside_a_matrix_fills_it_as_in_sigmoid_derivatives(tmp_path):
    text = r"""
$\delta_1 = W_1^T \delta_2 \circ a_1 \circ (1 - a_1)$
$\delta_1 = W_1^T \delta_2 \circ \sigma(z_1) \circ (1 - \sigma(z_1))$
$\delta_1 = W_1^T \delta_2 \circ a_1 \circ (2 - a_1)$
"""
    path = write(tmp_path, text)
    run = check(path)  # sigmoid: σ' = σ (1 − σ)
    assert verdicts(run) == ["proved", "proved", "refuted"]
    first = run.claims[0]  # sigmoid and mse only, not for every f
    assert not first.proved_for_every_f and first.concrete.setting.activation == "sigmoid"
    # σ is the sigmoid (as Nielsen writes it), not whatever the network's activation is: on a
    # tanh network σ(z_1)(1 − σ(z_1)) is a claim about the sigmoid, and wrong there
    tanh = check(path, activation="tanh")
    assert verdicts(tanh) == ["refuted", "refuted", "refuted"]
    assert "sigmoid(z1)" in to_text(tanh.claims[1].claim.identity.formula)
    toml = '[[claim]]\nwrt = "z1"\nformula = "(W1.T @ delta2) * sigmoid(z1) * (1 - sigmoid(z1))"\n'
    assert verdicts(check(write(tmp_path, toml, "c.toml"))) == ["proved"]


def test_numpy_broadcasting_in_plain_formulas(tmp_path):
    toml = "".join(
        f'[[claim]]\nwrt = "{wrt}"\nformula = "{formula}"\n'
        for wrt, formula in [
            ("W1", "delta2 * a1.T"),  # the outer product, by broadcasting
            ("z1", "fprime(z1) * W1.T @ delta2"),  # (f' * W1ᵀ) @ δ2: rows scaled, then the product
            ("W1", "a1 * delta2.T"),  # 4×3: the transpose
            ("W1", "delta2 * a1"),  # 3×1 * 4×1 do not broadcast
        ]
    )
    run = check(write(tmp_path, toml, "c.toml"))
    assert verdicts(run) == ["proved", "proved", "shape-error", "shape-error"]
    assert "broadcast" in run.claims[3].shape_problem


def test_a_claim_true_only_by_the_kink_convention_is_undecided(tmp_path):
    """f'(a_1) for relu: a_1 = 0 wherever z_1 < 0, so f' is taken at the kink — JAX's relu'(0) = 0
    makes it agree everywhere, SymPy's Heaviside(0) = 1/2 does not."""
    (r,) = check(write(tmp_path, r"$\delta_1 = W_1^T \delta_2 \circ f'(a_1)$"), activation="relu").claims
    assert r.concrete.status == Status.REFUTED
    # SymPy's witness takes Heaviside(0) = 1/2 where a_1 = 0; NumPy's reading agrees with jax.grad
    assert r.agreement.disagreement.blamed == ("sympy",)
    assert r.agreement.witnesses["numpy"].vs_oracle < 1e-14
    assert r.verdict == Verdict.UNDECIDED and r.reason == Reason.KINK_CONVENTION
    (r,) = check(write(tmp_path, r"$\delta_1 = W_1^T \delta_2$"), activation="relu").claims
    assert r.verdict == Verdict.REFUTED  # relu, and a real mistake: NumPy differs too
    (r,) = check(write(tmp_path, r"$\delta_1 = W_1^T \delta_2 \circ f'(a_1)$"), activation="tanh").claims
    assert r.verdict == Verdict.REFUTED  # no kink: a real mistake
