"""Softmax in claims, Ng's slide notation, and groupings the shapes decide (../shared/cases:
output-layer, FC-05, FC-06, and notes like them), each with its right verdict and wrong variants
caught and named.

- `\\operatorname{softmax}(z_2)`, `\\text{softmax}(z_2)`, `softmax(z_2)` and plain `softmax(z2)`
  are the column-wise softmax (each example's column): `δ_L = softmax(z_L) − y` is proved under
  softmax cross-entropy and, under the squared error, refuted as another loss's output error.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive import Network
from derive.claim_parser import ClaimSyntaxError
from derive.claims import ClaimNote, bind_sides
from derive.claims_file import load
from derive.evaluate import evaluate
from derive.formula import (
    Add,
    Column,
    Dims,
    Hadamard,
    Scale,
    Softmax,
    SumAxis,
    Transpose,
    Var,
    shape,
    to_latex,
    to_text,
)
from derive.grouping import regrouped
from derive.model import setting
from derive.reading import NG as NG_READING
from derive.slip_search import Move
from derive.slips import SlipKind
from derive.symbols import network_symbols
from reports.json_report import to_dict, validate
from reports.terminal import render_run
from verify import Verdict, check_document
from verify.claim_values import oracle_values, value
from verify.results import BatchReading
from verify.sampling import sample

POINTS = 60
FOUND = SlipKind.FOUND
PROVED, REFUTED = Verdict.PROVED, Verdict.REFUTED
SHAPE, CONVENTION = Verdict.SHAPE_ERROR, Verdict.CONVENTION


def check(tmp_path: Path, text: str, name: str = "notes.md", **options):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_document(load(path, options), points=POINTS, seed=3)


def verdicts(run) -> list[tuple[Verdict, SlipKind | None]]:
    return [(r.verdict, r.slip.kind if r.slip else None) for r in run.claims]


# --- 1. softmax ---------------------------------------------------------------------------------

SOFTMAX_DELTA = Add(Softmax(Var("z", 2)), Scale(Fraction(-1), Var("y", 2)))


@pytest.mark.parametrize(
    "text, syntax",
    [
        (r"\delta_2 = \operatorname{softmax}(z_2) - y", "latex"),
        (r"\delta_2 = \text{softmax}(z_2) - y", "latex"),
        (r"\delta_2 = \mathrm{softmax}\left(z_2\right) - y", "latex"),
        (r"\delta_2 = softmax(z_2) - y", "latex"),
        ("delta2 == softmax(z2) - y", "plain"),
    ],
)
def test_softmax_is_read_in_every_spelling(text, syntax):
    ((_, sides),) = bind_sides(text, syntax, Network())
    assert sides == [Var("delta", 2), SOFTMAX_DELTA]


@pytest.mark.parametrize(
    "text, syntax, message",
    [
        (r"\delta_2 = \operatorname{softmax}'(z_2)", "latex", "Jacobian"),
        ("softmax(z2, z1)", "plain", "1 argument"),
        (r"\delta_2 = \operatorname{softmax}(2)", "latex", "matrix or vector"),
    ],
)
def test_softmax_misuse_is_a_clear_error(text, syntax, message):
    with pytest.raises(ClaimSyntaxError, match=message):
        bind_sides(text, syntax, Network())


def test_softmax_is_taken_column_by_column_in_every_witness():
    """Each example's column sums to 1: SymPy's matrix and the oracle-side NumPy value agree with
    a softmax over axis 0 of each example, not over the batch."""
    network = Network(sizes=(3, 3), batch=4, loss="softmax-ce")
    key = setting(network, generic=False)
    node = Softmax(Var("z", 2))
    assert shape(node, Dims(network.sizes, 1, 4)) == (3, 4)
    assert to_text(node, batched=True) == "softmax(Z2)"
    assert to_latex(node) == r"\operatorname{softmax}\!\left(z_{2}\right)"
    z1 = network_symbols(key).z1  # the input: each column is one example
    symbolic = evaluate(Softmax(Var("z", 1)), key)
    for b in range(4):
        column = z1[:, b].applyfunc(sp.exp)
        assert sp.simplify(symbolic[:, b] - column / sum(column)) == sp.zeros(3, 1)
    points = sample(network, 5, seed=1)
    oracle = oracle_values(network, points)
    numeric = value(node, oracle)
    z2 = oracle.forward["z2"]
    by_column = np.exp(z2) / np.exp(z2).sum(axis=1, keepdims=True)
    assert np.allclose(numeric, by_column, rtol=1e-14, atol=0)
    assert np.allclose(numeric.sum(axis=1), 1.0)
    assert not np.allclose(numeric, np.exp(z2) / np.exp(z2).sum(axis=2, keepdims=True))


OUTPUT_LAYER = r"""<!-- output deltas with the target y -->
1. $\delta_2 = (f(z_2) - y) \circ f'(z_2)$
2. $\frac{\partial L}{\partial z_2} = (a_2 - y) \circ f'(z_2)$
3. $\delta_2 = \operatorname{softmax}(z_2) - y$
"""


def test_output_layer_under_the_squared_error(tmp_path):
    """output-layer.md: the softmax cross-entropy's δ with a squared-error loss is a named slip."""
    run = check(tmp_path, OUTPUT_LAYER)
    assert verdicts(run) == [(PROVED, None), (PROVED, None), (REFUTED, SlipKind.OTHER_LOSS)]
    slip = run.claims[2].slip
    assert slip is not None and slip.loss == "softmax-ce"


def test_output_layer_under_softmax_cross_entropy(tmp_path):
    run = check(tmp_path, OUTPUT_LAYER, loss="softmax-ce")
    # line 2's a_2 is the softmax output under softmax-ce: (softmax(z_2) − y) ∘ f'(z_2), refuted
    assert [r.verdict for r in run.claims] == [REFUTED, REFUTED, PROVED]
    assert run.claims[0].slip is not None and run.claims[0].slip.kind == SlipKind.OTHER_LOSS
    assert run.claims[0].slip.loss == "mse"


def test_wrong_softmax_deltas_are_refuted_and_named(tmp_path):
    text = "\n".join(
        [
            r"$$\delta_2 = y - \operatorname{softmax}(z_2)$$",  # sign
            r"$$\delta_2 = 2 (\operatorname{softmax}(z_2) - y)$$",  # factor 2
            r"$$\delta_2 = (\operatorname{softmax}(z_2) - y) \circ f'(z_2)$$",  # an f' too many
            r"$$\delta_2 = \operatorname{softmax}(z_2) + y$$",
        ]
    )
    run = check(tmp_path, text, loss="softmax-ce")
    assert verdicts(run)[:2] == [(REFUTED, SlipKind.SIGN), (REFUTED, SlipKind.TWICE)]
    assert [r.verdict for r in run.claims[2:]] == [REFUTED, REFUTED]


def test_softmax_on_a_batch_is_per_example(tmp_path):
    """Δ_2 (per example) is softmax(Z_2) − Y; ∂L/∂Z_2 of the mean is that over B."""
    text = "\n".join(
        [
            r"$$\Delta_2 = \operatorname{softmax}(Z_2) - Y$$",
            r"$$\frac{\partial L}{\partial Z_2} = \frac{1}{B} (\operatorname{softmax}(Z_2) - Y)$$",
            r"$$\frac{\partial L}{\partial Z_2} = \operatorname{softmax}(Z_2) - Y$$",
        ]
    )
    run = check(tmp_path, text, loss="softmax-ce", batch=3)
    assert verdicts(run) == [(PROVED, None), (PROVED, None), (REFUTED, SlipKind.MISSING_MEAN)]


# --- 2. Ng's slide notation ---------------------------------------------------------------------

NG = """
[network]
sizes = [2, 4, 1]
activation = "tanh"
loss = "bce"
batch = 3
reduction = "mean"
"""


def claims(*pairs: tuple[str, str]) -> str:
    return "".join(f"\n[[claim]]\nwrt = '{wrt}'\nformula = '''{formula}'''\n" for wrt, formula in pairs)


SLIDE = r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * g^{[1]'}(Z^{[1]})"


def test_fc06_with_the_slide_claim(tmp_path):
    """FC-06.toml: the slide's dZ^{[1]} claimed wrt Z1 is Ng's per-example dZ1, like claim 2."""
    run = check(
        tmp_path,
        NG
        + claims(
            ("Z1", "np.dot(np.dot(W2.T, dZ2), (1 - np.dot(A1.T, A1)))"),
            ("Z1", "np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))"),
            ("W1", "1 / m * np.dot(dZ1, X.T)"),
            ("Z1", SLIDE),
        ),
        name="FC-06.toml",
    )
    assert [r.verdict for r in run.claims] == [REFUTED, CONVENTION, PROVED, CONVENTION]
    readings = run.claims[3].readings
    assert readings is not None
    assert (readings.holds, readings.fails) == (BatchReading.PER_EXAMPLE, BatchReading.MEAN_GRADIENT)
    assert readings.slip is not None and readings.slip.kind == SlipKind.MISSING_MEAN


@pytest.mark.parametrize(
    "formula",
    [
        SLIDE,
        r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * g^{[1]\prime}(Z^{[1]})",
        r"dZ^{[1]} = W^{[2]T} dZ^{[2]} \odot g^{[1]'}(Z^{[1]})",
        r"W^{[2]T} dZ^{[2]} * g'(Z^{[1]})",
    ],
)
def test_the_slide_claim_is_read_in_ng_numbering(tmp_path, formula):
    path = tmp_path / "claims.toml"
    path.write_text(NG + claims(("Z1", formula)), encoding="utf-8")
    (claim,) = load(path, {}).claims
    assert claim.problem is None and claim.identity is not None
    assert claim.wrt == Var("z", 2) and claim.wrt_written == "Z1"
    assert to_text(claim.identity.formula, batched=True) == "W2ᵀ Δ3 ∘ f'(Z2)"


def test_wrong_slide_claims_are_caught(tmp_path):
    run = check(
        tmp_path,
        NG
        + claims(
            ("Z1", r"dZ^{[1]} = W^{[2]} dZ^{[2]} * g^{[1]'}(Z^{[1]})"),  # W where Wᵀ belongs
            ("Z1", r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * g^{[1]}(Z^{[1]})"),  # g for g'
            ("Z1", r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * g^{[2]'}(Z^{[2]})"),  # the wrong layer's g'
            # ∂J/∂Z1 written out means the gradient of the mean cost: a missing 1/m is a slip
            ("Z1", r"\frac{\partial J}{\partial Z^{[1]}} = W^{[2]T} dZ^{[2]} * g^{[1]'}(Z^{[1]})"),
        ),
        name="claims.toml",
    )
    # the course's per-example dZ: each slip named as a slip of B ∂J/∂Z (the search's steps)
    assert verdicts(run) == [
        (SHAPE, FOUND),
        (REFUTED, FOUND),
        (SHAPE, FOUND),
        (REFUTED, SlipKind.MISSING_MEAN),
    ]
    steps = [[step.move for step in r.slip.steps] for r in run.claims[:3] if r.slip is not None]
    assert steps == [[Move.MISSING_TRANSPOSE], [Move.F_FOR_FPRIME], [Move.LAYER]]


@pytest.mark.parametrize(
    "formula, message",
    [
        (r"dZ^{[2]} = A^{[2]} - Y", "a left side that names wrt"),  # another variable than wrt
        (r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * g^{[3]'}(Z^{[1]})", "does not exist"),  # no layer 3
        (r"dZ^{[1]} = dZ^{[1]} = W^{[2]T} dZ^{[2]}", "one left side"),
    ],
)
def test_bad_slide_claims_are_unparsed_with_a_reason(tmp_path, formula, message):
    path = tmp_path / "claims.toml"
    path.write_text(NG + claims(("Z1", formula)), encoding="utf-8")
    (claim,) = load(path, {}).claims
    assert claim.problem is not None and message in claim.problem.message


def test_star_is_the_elementwise_product_in_latex():
    ((_, sides),) = bind_sides(r"\delta_1 = W_1^T \delta_2 * f'(z_1)", "latex", Network())
    ((_, circ),) = bind_sides(r"\delta_1 = W_1^T \delta_2 \circ f'(z_1)", "latex", Network())
    assert sides == circ


NG_NOTES = r"""# Ng's slides, two layers

Forward: $Z^{[1]} = W^{[1]} X + b^{[1]}$, $A^{[1]} = g(Z^{[1]})$,
$Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}$, $A^{[2]} = \sigma(Z^{[2]})$.

$$dZ^{[2]} = A^{[2]} - Y$$

$$dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]T}$$

$$db^{[2]} = \frac{1}{m} \sum dZ^{[2]}$$

$$dZ^{[1]} = W^{[2]T} dZ^{[2]} * g^{[1]'}(Z^{[1]})$$

$$dW^{[1]} = \frac{1}{m} dZ^{[1]} X^T$$

Wrong ones:

$$dW^{[2]} = dZ^{[2]} A^{[1]T}$$

$$db^{[2]} = \frac{1}{m} dZ^{[2]}$$

$$dZ^{[2]} = (A^{[2]} - Y) * g'(Z^{[2]})$$

$$dZ^{[2]} = Y - A^{[2]}$$
"""


def test_ng_slide_notes_under_binary_cross_entropy(tmp_path):
    """Ng's Markdown notation: dZ^{[l]} per example, dW and db of the mean cost, Σ over the
    examples; the forward equations give Ng's numbering (X is layer 0, W^{[l]} feeds layer l)."""
    run = check(tmp_path, NG_NOTES, loss="bce", batch=3)
    assert run.reading == NG_READING
    assert verdicts(run) == [
        (PROVED, None),
        (PROVED, None),
        (PROVED, None),
        (PROVED, None),
        (PROVED, None),
        (REFUTED, SlipKind.MISSING_MEAN),
        (SHAPE, SlipKind.NOT_SUMMED),
        (REFUTED, SlipKind.OTHER_LOSS),
        (REFUTED, SlipKind.SIGN),
    ]
    identity = run.claims[2].claim.identity
    assert identity is not None and identity.formula == Scale(Fraction(1, 3), SumAxis(Var("delta", 3), 1))


# --- 3. groupings the shapes decide, vector literals --------------------------------------------

E3 = r"(a^{(3)} - y) \odot a^{(3)} \odot (1 - a^{(3)})"  # the output error, as FC-05 writes it
DW3, DW2 = r"\frac{\partial L}{\partial W^{(3)}}", r"\frac{\partial L}{\partial W^{(2)}}"
FC05_SIGMOID = "\n\n".join(
    [
        "# FC-05 with one activation (sigmoid in every layer): W^{(l)} feeds layer l, no biases",
        r"Loss $L = \frac{1}{2}\sum (\hat{y} - y)^2$; $z^{(2)} = W^{(2)} a^{(1)}$, "
        r"$a^{(2)} = \sigma(z^{(2)})$, $z^{(3)} = W^{(3)} a^{(2)}$, $a^{(3)} = \sigma(z^{(3)})$.",
        rf"$${DW3} = {E3} a^{{(2)T}}$$",
        rf"$${DW2} = {E3} W^{{(3)}} (1,1,1)^T a^{{(1)T}}$$",
        rf"$${DW3} = (a^{{(3)}} - y) \odot a^{{(3)}} \odot a^{{(3)}} a^{{(2)T}}$$",
        rf"$${DW3} = {E3} a^{{(1)T}}$$",
        rf"$${DW2} = W^{{(3)T}} ({E3}) \odot a^{{(2)}} \odot (1 - a^{{(2)}}) a^{{(1)T}}$$",
    ]
)


def test_fc05_grouping_is_decided_by_the_shapes(tmp_path):
    """Line 9 of FC-05: only ((a−y) ⊙ a ⊙ (1−a)) a^{(2)T} fits, and the claim says it was read so;
    line 14 (the vector literal read) stays a shape error, never proved."""
    run = check(tmp_path, FC05_SIGMOID, sizes=(2, 3, 2))
    assert [r.verdict for r in run.claims] == [PROVED, SHAPE, REFUTED, SHAPE, PROVED]
    assert [r.claim.notes for r in run.claims] == [
        (ClaimNote.REGROUPED,),
        (),  # no grouping fits: the parsed one is reported
        (ClaimNote.REGROUPED,),  # fits once regrouped, and is wrong (1 − a missing)
        (),  # a^{(1)T}: regrouped it would fit, but not with ∂L/∂W^{(3)}'s shape
        (ClaimNote.REGROUPED,),  # the hidden layer's δ, chained the same way
    ]
    identity = run.claims[0].claim.identity
    assert identity is not None and to_text(identity.formula) == "((a3 - y) ∘ a3 ∘ (1 - a3)) a2ᵀ"
    text = render_run(run)
    assert "read as ((a3 - y) ∘ a3 ∘ (1 - a3)) a2ᵀ" in text and "only this grouping" in text
    assert "이렇게 묶어야만" in render_run(run, "ko")
    data = to_dict(run)
    validate(data)
    assert data["claims"][0]["notes"][0]["kind"] == "regrouped by shapes"


def test_groupings_that_fit_as_parsed_are_kept():
    dims = Dims((4, 3), 1, 1)
    ((_, sides),) = bind_sides(r"\delta_1 = W_1^T \delta_2 \circ f'(z_1)", "latex", Network())
    assert regrouped(sides[1], dims) is None
    ((_, wrong),) = bind_sides(r"\delta_1 = W_1 \delta_2 \circ f'(z_1)", "latex", Network())
    assert regrouped(wrong[1], dims) is None  # W_1 δ_2 does not fit however ∘ groups


COLUMN = Column((Fraction(1), Fraction(1), Fraction(1)))


@pytest.mark.parametrize(
    "written, expected",
    [
        ("(1,1,1)", COLUMN),
        ("(1, 1, 1)^T", COLUMN),  # the inline column, as FC-05 writes it
        (r"(1,1,1)^{\top}", COLUMN),
        (r"\begin{bmatrix}1\\1\\1\end{bmatrix}", COLUMN),
        (r"\begin{pmatrix} 1 \\ 1 \\ 1 \\ \end{pmatrix}", COLUMN),
        (r"\begin{bmatrix}1 & 1 & 1\end{bmatrix}", Transpose(COLUMN)),  # a row
        ("(1, -1/2, 3)", Column((Fraction(1), Fraction(-1, 2), Fraction(3)))),
    ],
)
def test_vector_literals_are_columns_of_numbers(written, expected):
    ((_, sides),) = bind_sides(rf"\delta_2 = {written} \circ a_2", "latex", Network())
    assert sides[1] == Hadamard(expected, Var("a", 2))


@pytest.mark.parametrize(
    "written, message",
    [
        ("(1, a_1)", "numbers in a vector"),
        (r"\begin{bmatrix}1 & 2\\3 & 4\end{bmatrix}", "a column"),
    ],
)
def test_vector_literals_hold_numbers_only(written, message):
    with pytest.raises(ClaimSyntaxError, match=message):
        bind_sides(rf"\delta_2 = {written} \circ a_2", "latex", Network())


def test_a_vector_literal_is_evaluated_by_every_witness(tmp_path):
    """(1,1,1) ∘ (a − y) ∘ f' is the output δ on the seed network; (1,2,1) ∘ … is not."""
    text = "\n".join(
        [
            r"$$\delta_2 = (1,1,1) \circ (a_2 - y) \circ f'(z_2)$$",
            r"$$\delta_2 = (1,2,1)^T \circ (a_2 - y) \circ f'(z_2)$$",
            r"$$\delta_2 = (1,1,1,1) \circ (a_2 - y) \circ f'(z_2)$$",
        ]
    )
    run = check(tmp_path, text)
    assert [r.verdict for r in run.claims] == [PROVED, REFUTED, SHAPE]
