"""Notes in their own letters (derive/roles.py): the forward equations say which letter is the
activation, the pre-activation, the output and the target (Bishop's a is our z, Goodfellow's h our
a, D2L's H and O), and whether rows are examples (`Z_2 = A_1 W_1 + b_1`, D2L's `X W + b`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.claims_file import load
from derive.course import Layout
from derive.roles import OUTPUT, Role, notation_of
from reports.terminal import render_run
from verify import Verdict, check_document

POINTS = 100

BISHOP = r"""
$a_j = \sum_i w_{ji} z_i$, $z_j = h(a_j)$,
linear outputs $y_k = a_k$, $E_n = \frac{1}{2}\sum_k (y_k - t_k)^2$.
$$\delta_k = y_k - t_k$$
"""
GOODFELLOW = r"""
$a^{(k)} = b^{(k)} + W^{(k)} h^{(k-1)}$, $h^{(k)} = f(a^{(k)})$.
$$\nabla_{b^{(k)}} J = \nabla_{a^{(k)}} J$$
"""
ROWS = r"""
Rows are examples: $Z_2 = A_1 W_1 + b_1$, $A_2 = f(Z_2)$.
$$\frac{\partial L}{\partial W_1} = A_1^\top \frac{\partial L}{\partial Z_2}$$
$$\frac{\partial L}{\partial W_1} = \frac{\partial L}{\partial Z_2} A_1^\top$$
"""
D2L = r"""
$H = \phi(X W^{(1)} + b^{(1)})$, $O = H W^{(2)} + b^{(2)}$.
$$\frac{\partial L}{\partial W^{(2)}} = H^\top \frac{\partial L}{\partial O}$$
$$\frac{\partial L}{\partial W^{(2)}} = \frac{\partial L}{\partial O} H^\top$$
"""
WRONG = (Verdict.SHAPE_ERROR, Verdict.REFUTED)


def run(tmp_path: Path, text: str, **options):
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    document = load(path, options)
    return document, check_document(document, points=POINTS, seed=1)


def verdicts(found) -> list[Verdict]:
    return [r.verdict for r in found.claims]


def test_bishop_letters_are_read_from_his_forward_equations():
    names = dict(notation_of([r"a_j = \sum_i w_{ji} z_i", r"z_j = h(a_j)", r"E = (y_k - t_k)^2"]).names)
    assert names["a"].kind == "z" and names["z"].kind == "a"
    assert names["h"].kind == "f" and names["y"] == Role(OUTPUT)


def test_bishop_output_error_is_proved_with_a_linear_output(tmp_path):
    _, found = run(tmp_path, BISHOP, activation="identity")
    assert verdicts(found) == [Verdict.PROVED]  # y_k the output a_L, t_k the target: not y − y
    assert "letters read from the forward equations" in render_run(found)


def test_goodfellow_bias_gradient_is_the_pre_activation_gradient(tmp_path):
    document, found = run(tmp_path, GOODFELLOW)
    assert dict(document.notation.names)["h"].kind == "a"
    assert verdicts(found) and all(v == Verdict.PROVED for v in verdicts(found))


def test_row_major_notes_are_read_with_rows_as_examples(tmp_path):
    document, found = run(tmp_path, ROWS)
    assert document.notation.layout == Layout.ROWS
    assert verdicts(found)[0] == Verdict.PROVED  # A_1ᵀ ∂L/∂Z_2 in rows
    assert verdicts(found)[1] in WRONG  # the column habit ∂L/∂Z_2 A_1ᵀ
    assert {str(f.status) for f in found.forward_equations} == {"consistent"}
    assert "forward equations put the weight on the right" in render_run(found)


def test_column_notes_stay_in_columns(tmp_path):
    document, found = run(tmp_path, ROWS.replace("A_1 W_1", "W_1 A_1").replace("Rows", "Columns"))
    assert document.notation.layout == Layout.COLUMNS
    assert verdicts(found)[0] in WRONG and verdicts(found)[1] == Verdict.PROVED


@pytest.mark.parametrize("batch", [1, 3])
def test_d2l_two_layer_net(tmp_path, batch):
    document, found = run(tmp_path, D2L, batch=batch)
    names = dict(document.notation.names)
    assert names["H"] == Role("a", 1) and names["O"] == Role("z", 0)
    assert document.notation.layout == Layout.ROWS
    assert verdicts(found)[0] == Verdict.PROVED  # Hᵀ ∂L/∂O
    assert verdicts(found)[1] in WRONG
