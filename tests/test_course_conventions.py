"""Claims files written the way courses write backward code (../shared/cases: FC-03, FC-06,
min-ng-dZ, min-ng-names, min-rowmajor, and wrong variants of them).

- Ng's names (`X`, `A1`, `dZ2`, `m`) are read with X as layer 0, and Ng's per-example dZ claimed
  as ∂J/∂Z under the mean is `depends on convention`, never a bare "missing 1/B";
- CS231n's rows-as-examples code (`x.dot(theta) + b`, `np.sum(dz, axis=0)`) is read in that
  layout, stated in the file or chosen because only it makes the shapes fit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from derive.claim_parser import parse
from derive.claims import bind
from derive.claims_file import load
from derive.course import Basis, CodeReading, Layout, course_name, numbering_of
from derive.errors import InputError
from derive.formula import Hadamard, Var
from derive.network import Network
from derive.reading import NG as NG_NUMBERING
from derive.reading import SEED
from reports.cli import app
from reports.json_report import validate
from reports.terminal import render_run
from verify.results import BatchReading, Verdict
from verify.run import check_document

NG = """
[network]
sizes = [2, 4, 1]
activation = "tanh"
loss = "bce"
batch = 3
"""
CS231N = """
[network]
sizes = [3, 4, 2]
activation = "sigmoid"
loss = "mse"
batch = 5
reduction = "sum"
"""


def claims(*pairs: tuple[str, str]) -> str:
    return "".join(f'\n[[claim]]\nwrt = "{wrt}"\nformula = "{formula}"\n' for wrt, formula in pairs)


def checked(tmp_path: Path, text: str, name: str = "claims.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_document(load(path, {}), points=40)


def verdicts(run) -> list[Verdict]:
    return [r.verdict for r in run.claims]


# --- reading names --------------------------------------------------------------------------
def test_course_names_switch_to_layer_zero_numbering():
    assert numbering_of(["np.dot(dZ2, A1.T) / m"]) == NG_NUMBERING
    assert numbering_of(["X.T", "theta2", "h1"]) == NG_NUMBERING
    assert numbering_of(["np.dot(W2.T, Delta3) * (1 - A2 * A2)", "W1.T @ delta2"]) == SEED
    assert numbering_of(["np.transpose(delta2)"]) == SEED  # attributes are no names


def test_course_name_meanings():
    assert course_name("dZ1") is not None and course_name("dZ1").symbol == "Δ"  # per example
    assert course_name("dA2").meaning == "per_example"  # type: ignore[union-attr]
    assert course_name("dW1").meaning == "grad" and course_name("db2").meaning == "grad"  # type: ignore[union-attr]
    assert course_name("theta2").symbol == "W" and course_name("h1").symbol == "a"  # type: ignore[union-attr]
    assert course_name("X").layer == 0  # type: ignore[union-attr]
    assert course_name("delta2") is None and course_name("np") is None


def test_ng_names_bind_one_layer_up():
    network = Network(sizes=(2, 4, 1), activation="tanh", loss="bce", batch=3)
    reading = CodeReading(numbering=NG_NUMBERING)
    text = "A1 ** 2"
    value = bind(parse(text, "plain")[0], text, "plain", _binding(network), reading)
    assert value == Hadamard(Var("a", 2), Var("a", 2))  # Ng's A1 is our a_2
    text = "np.power(X, 2)"
    assert bind(parse(text, "plain")[0], text, "plain", _binding(network), reading) == Hadamard(
        Var("a", 1), Var("a", 1)
    )


def _binding(network: Network):
    from derive.claims import binding

    return binding(network)


# --- the cases ------------------------------------------------------------------------------
def test_min_ng_names_is_proved(tmp_path):
    run = checked(tmp_path, NG + claims(("W2", "np.dot(dZ2, A1.T) / m")))
    assert verdicts(run) == [Verdict.PROVED]
    assert run.code is not None and run.code.numbering == NG_NUMBERING


def test_ng_dw_without_1_over_m_is_a_real_slip(tmp_path):
    run = checked(tmp_path, NG + claims(("W1", "np.dot(dZ1, X.T)"), ("b2", "np.sum(dZ2, axis=1)")))
    assert verdicts(run) == [Verdict.REFUTED, Verdict.REFUTED]
    assert all(r.slip is not None and r.slip.kind == "missing 1/B" for r in run.claims)


def test_min_ng_dz_depends_on_convention(tmp_path):
    """Ng's per-example dZ claimed as ∂J/∂Z under the mean: never a bare missing 1/B."""
    run = checked(tmp_path, NG + claims(("Z2", "np.dot(W2.T, Delta3) * (1 - A2 * A2)")))
    (result,) = run.claims
    assert result.verdict == Verdict.CONVENTION
    assert result.readings is not None
    assert result.readings.holds == BatchReading.PER_EXAMPLE
    assert result.readings.fails == BatchReading.MEAN_GRADIENT
    assert result.readings.slip is not None and result.readings.slip.kind == "missing 1/B"


def test_fc06_without_the_slide_claim(tmp_path):
    run = checked(
        tmp_path,
        NG
        + claims(
            ("Z1", "np.dot(np.dot(W2.T, dZ2), (1 - np.dot(A1.T, A1)))"),  # matrix product for ∘
            ("Z1", "np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))"),  # the course's dZ1
            ("W1", "1 / m * np.dot(dZ1, X.T)"),
            ("Z1", "np.dot(W2.T, dZ2) * (1 - np.power(A1, 2)) / m"),  # the mean's own gradient
        ),
    )
    assert verdicts(run) == [Verdict.REFUTED, Verdict.CONVENTION, Verdict.PROVED, Verdict.PROVED]


def test_the_convention_needs_the_mean(tmp_path):
    """Under the sum the course's dZ is the gradient itself: proved, no convention."""
    text = NG.replace("batch = 3", 'batch = 3\nreduction = "sum"')
    run = checked(tmp_path, text + claims(("Z1", "np.dot(W2.T, dZ2) * (1 - A1 ** 2)")))
    assert verdicts(run) == [Verdict.PROVED]


def test_a_wrong_per_example_dz_is_refuted_not_convention(tmp_path):
    run = checked(tmp_path, NG + claims(("Z1", "np.dot(W2.T, dZ2) * (1 + A1 ** 2)")))
    assert verdicts(run) == [Verdict.REFUTED]


def test_fc03_rows_as_examples(tmp_path):
    run = checked(
        tmp_path,
        CS231N.replace("[network]", '[network]\nlayout = "rows"')
        + claims(
            ("theta2", "np.dot(np.transpose(h1), dz2)"),
            ("b2", "np.sum(dz2, axis=0, keepdims=True)"),
            ("b2", "dz2"),
            ("b2", "np.sum(dz2, axis=1, keepdims=True)"),
            ("theta2", "np.dot(dz2.T, h1)"),  # our column-layout formula: transposed here
        ),
    )
    assert run.code == CodeReading(Layout.ROWS, NG_NUMBERING, Basis.STATED)
    assert verdicts(run) == [
        Verdict.PROVED,
        Verdict.PROVED,
        Verdict.SHAPE_ERROR,
        Verdict.SHAPE_ERROR,
        Verdict.SHAPE_ERROR,
    ]
    unsummed = run.claims[2]
    assert unsummed.shape_problem == "5×2 against 1×2"  # the user's layout, not ours
    assert unsummed.slip is not None and unsummed.slip.kind == "not summed over the examples"
    assert unsummed.slip.rows


def test_rows_are_chosen_when_only_they_fit(tmp_path):
    """min-rowmajor: no layout key, and only rows make `np.sum(delta3, axis=0)` a bias gradient."""
    run = checked(tmp_path, CS231N + claims(("b2", "np.sum(delta3, axis=0, keepdims=True)")))
    assert verdicts(run) == [Verdict.PROVED]
    assert run.code == CodeReading(Layout.ROWS, SEED, Basis.SHAPES)


def test_columns_stay_the_default(tmp_path):
    run = checked(tmp_path, CS231N + claims(("b2", "np.sum(delta3, axis=1, keepdims=True)")))
    assert verdicts(run) == [Verdict.PROVED]
    assert run.code == CodeReading(Layout.COLUMNS, SEED, Basis.DEFAULT)


def test_stated_columns_make_the_rows_formula_a_shape_error(tmp_path):
    text = CS231N.replace("[network]", '[network]\nlayout = "columns"')
    run = checked(tmp_path, text + claims(("b2", "np.sum(delta3, axis=0, keepdims=True)")))
    assert verdicts(run) == [Verdict.SHAPE_ERROR]


def test_a_bad_layout_names_the_choices(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(CS231N.replace("[network]", '[network]\nlayout = "diagonal"') + claims(("b2", "delta3")))
    with pytest.raises(InputError, match='"columns" or "rows"'):
        load(path, {})


def test_an_unknown_course_layer_is_a_clear_error(tmp_path):
    run = checked(tmp_path, NG + claims(("W1", "np.dot(dZ1, A5.T) / m")))
    assert verdicts(run) == [Verdict.UNPARSED]
    assert "A5 does not exist" in run.claims[0].claim.problem.message  # type: ignore[union-attr]


# --- reports ----------------------------------------------------------------------------------
def test_convention_and_reading_in_json_and_text(tmp_path):
    path = tmp_path / "ng.toml"
    path.write_text(NG + claims(("Z1", "np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))")), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--points", "40", str(path)])
    assert result.exit_code == 1, result.output
    assert "depends on convention" in result.output and "X is layer 0" in result.output
    # a course that writes the batch as m is answered in m
    assert "per-example dZ1 = m ∂J/∂Z1" in result.output and "missing 1/m" in result.output
    korean = render_run(check_document(load(path, {}), points=40), "ko")
    assert "규약에 따라 다름" in korean and "강의의 예제별 dZ1 = m ∂J/∂Z1" in korean
    data = json.loads(CliRunner().invoke(app, ["check", "--points", "40", "--json", str(path)]).output)
    validate(data)
    (claim,) = data["claims"]
    assert claim["verdict"] == "depends on convention"
    assert claim["readings"]["holds"] == "per-example"
    assert claim["readings"]["fails"] == "gradient of the mean"
    assert claim["readings"]["slip"]["kind"] == "missing 1/B"
    assert data["code"]["numbering"] == "in/0" and data["code"]["layout"] == "columns"


CS231N_NET = """
[network]
sizes = [4, 5, 3]
activation = "relu"
loss = "softmax-ce"
batch = 6
layout = "rows"

[[claim]]
wrt = "scores"
formula = "(probs - y) / N"

[[claim]]
wrt = "W2"
formula = "np.dot(hidden_layer.T, dscores)"

[[claim]]
wrt = "b2"
formula = "np.sum(dscores, axis=0, keepdims=True)"

[[claim]]
wrt = "hidden_layer"
formula = "np.dot(dscores, W2.T)"

[[claim]]
wrt = "W2"
formula = "np.dot(dscores.T, hidden_layer)"

[[claim]]
wrt = "scores"
formula = "probs - y"
"""


def test_cs231n_names_and_its_dscores_of_the_mean_loss(tmp_path):
    """CS231n divides dscores by N before it flows back: its d-names are gradients of the cost."""
    run = checked(tmp_path, CS231N_NET)
    # probs − y before its /N is the per-example dscores: right as that, wrong as ∂L/∂scores
    assert verdicts(run) == [Verdict.PROVED] * 4 + [Verdict.SHAPE_ERROR, Verdict.CONVENTION]


def test_cs231n_s_n_is_the_batch_and_the_slip_says_1_over_n(tmp_path):
    """CS231n writes the batch N (`\\frac{1}{N}`): read in LaTeX claims as in code, and the missing
    mean is "missing 1/N", in the notes' letter."""
    from reports.cli import given_options
    from reports.terminal import render_run

    notes = (
        "Rows are examples: $S = H W_2 + b_2$, $P = \\operatorname{softmax}(S)$, "
        "$L = -\\frac{1}{N}\\sum_i \\log P_{i, y_i}$.\n\n"
        "$$\\frac{\\partial L}{\\partial S} = \\frac{1}{N}(P - Y)$$\n\n"
        "$$\\frac{\\partial L}{\\partial S} = P - Y$$\n"
    )
    path = tmp_path / "cs231n.md"
    path.write_text(notes, encoding="utf-8")
    run = check_document(load(path, given_options(loss="softmax-ce", sizes="4,3")), points=40)
    right, wrong = run.claims
    assert right.verdict == Verdict.PROVED, right
    assert wrong.verdict == Verdict.REFUTED and "missing 1/N" in render_run(run)


def test_ng_s_notes_are_answered_in_ng_s_names(tmp_path):
    """Ng's `dZ^{[l]}`, `X` and `\\frac{1}{m}`: a slip and its correction say dZ¹, X and 1/m,
    not our Δ¹, A⁰ and 1/3."""
    from reports.cli import given_options
    from reports.terminal import render_run

    notes = (
        "$Z^{[1]} = W^{[1]} X + b^{[1]}$, $A^{[1]} = \\tanh(Z^{[1]})$, "
        "$Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}$, "
        "$A^{[2]} = \\sigma(Z^{[2]})$.\n\n"
        "$$dW^{[1]} = dZ^{[1]} X^T$$\n"
    )
    path = tmp_path / "ng.md"
    path.write_text(notes, encoding="utf-8")
    run = check_document(load(path, given_options(loss="bce")), points=40)
    (result,) = run.claims
    assert result.verdict == Verdict.REFUTED
    text = render_run(run)
    assert "corrected: dL/dW¹ = 1/m dZ¹ Xᵀ" in text, text
