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
from derive.claims import bind_sides
from derive.claims_file import load
from derive.evaluate import evaluate
from derive.formula import Add, Dims, Scale, Softmax, Var, shape, to_latex, to_text
from derive.model import setting
from derive.slips import SlipKind
from derive.symbols import network_symbols
from verify import Verdict, check_document
from verify.claim_values import oracle_values, value
from verify.sampling import sample

POINTS = 60
CASES = Path(__file__).parent / "cases"
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
    assert verdicts(run) == [(REFUTED, SlipKind.OTHER_LOSS), (REFUTED, SlipKind.OTHER_LOSS), (PROVED, None)]
    assert {r.slip.loss for r in run.claims[:2] if r.slip} == {"mse"}


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
