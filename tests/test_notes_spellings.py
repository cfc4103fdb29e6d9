"""Notes as their authors write them, at the level of the document: entry listings, the loss's
own name, aligned rows, indexed definitions, algorithm steps, per-example sums. Each spelling has
a correct claim proved and a wrong variant refuted."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.claims import names_entries
from derive.claims_file import load
from derive.document import find_equations
from derive.notes_loss import notes_loss
from verify import Verdict, check_document

_SEED = Path(__file__).parent.parent / "examples" / "seed-notes.md"
_FORWARD = r"""
$$z^{(2)} = W^{(1)} x + b^{(1)}, \quad a^{(2)} = f(z^{(2)}), \quad z^{(3)} = W^{(2)} a^{(2)} + b^{(2)},
\quad a^{(3)} = f(z^{(3)})$$
"""


def run(tmp_path: Path, text: str, **options):
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    return check_document(load(path, options), points=200, seed=4)


def verdicts(found) -> list[Verdict]:
    return [r.verdict for r in found.claims]


# --- entry listings ---------------------------------------------------------------------------
def test_the_seed_notes_entry_listings_name_entries():
    """`a_1 = [a_{11} \\; … ]^T` names a_1's entries: not an unread forward equation."""
    found = check_document(load(_SEED, {}), points=200, seed=4)
    assert verdicts(found) == [Verdict.PROVED] * 7
    document = load(_SEED, {})
    assert all(f.problem is None for f in document.forward)
    assert {f.line for f in document.forward}.isdisjoint({7, 8, 11, 12})


@pytest.mark.parametrize(
    "text",
    [
        r"a_1 = [a_{11} \; a_{12} \; a_{13} \; a_{14}]^T",
        r"z_2 = \begin{bmatrix} z_{21} \\ z_{22} \\ z_{23} \end{bmatrix}",
        r"W_1 = \begin{bmatrix} w_{11} & w_{12} \\ w_{21} & w_{22} \end{bmatrix}",
        r"\mathbf{a}^{(1)} = \left( a^{(1)}_1, \ldots, a^{(1)}_n \right)^\top",
    ],
)
def test_a_listing_of_entries_is_recognised(text):
    (equation,) = find_equations(f"$${text}$$")
    assert names_entries(equation.text)


@pytest.mark.parametrize(
    "text", [r"z_2 = W_1 a_1 + b_1", r"a_1 = [1, 1]^T", r"a_1 = (a_{11} - a_{12})", r"a_1 = [a_{11}]^T + b_1"]
)
def test_an_equation_is_not_a_listing(text):
    assert not names_entries(text)


def test_a_listing_beside_a_wrong_claim(tmp_path):
    notes = r"""
$$a_1 = [a_{11} \; a_{12} \; a_{13} \; a_{14}]^T, \quad z_2 = W_1 a_1 + b_1, \quad a_2 = f(z_2)$$
$$\frac{\partial L}{\partial W_1} = \delta_2 a_1^T$$
$$\frac{\partial L}{\partial W_1} = a_1 \delta_2^T$$
"""
    assert verdicts(run(tmp_path, notes)) == [Verdict.PROVED, Verdict.SHAPE_ERROR]
    path = tmp_path / "notes.md"
    assert [f.line for f in load(path, {}).forward if f.problem is None] == [2, 2]


# --- the loss's own name ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "loss", "name"),
    [
        (r"J(W,b;x,y) = \frac12\|h_{W,b}(x) - y\|^2", "mse", "J"),
        (r"J(W,b;x,y) = \|h_{W,b}(x) - y\|^2", "sse", "J"),
        (r"L_{\text{MSE}} = \frac{1}{2}\|a^{(3)} - y\|^2", "mse", r"L_{\text{MSE}}"),
        (r"L = \frac{1}{2}\|a^{(3)} - y\|^2 \;(\text{MSE})", "mse", "L"),
        (r"(MSE)\; L = \|a^{(3)} - y\|^2", "sse", "L"),
        (r"E_n = \frac{1}{2}\sum_k (y_{nk} - t_{nk})^2", "mse", "E_n"),
        (r"\mathcal{L}(\hat y, y) = -\sum_k y_k \log \hat{y}_k", "softmax-ce", r"\mathcal{L}"),
    ],
)
def test_the_loss_as_people_name_it(line, loss, name):
    stated = notes_loss(find_equations(f"$${line}$$"))
    assert stated is not None
    assert (stated.loss, stated.name) == (loss, name)


def test_ufldl_cost_without_the_half_sets_sse(tmp_path):
    notes = (
        _FORWARD
        + r"""
$$J(W,b;x,y) = \|a^{(3)} - y\|^2$$
$$\frac{\partial J}{\partial W^{(2)}} = 2 (a^{(3)} - y) \circ f'(z^{(3)}) (a^{(2)})^T$$
$$\frac{\partial J}{\partial W^{(2)}} = (a^{(3)} - y) \circ f'(z^{(3)}) (a^{(2)})^T$$
"""
    )
    found = run(tmp_path, notes)
    assert found.network.loss == "sse"
    assert verdicts(found) == [Verdict.PROVED, Verdict.REFUTED]


def test_a_loss_named_with_a_subscript_is_read_in_the_claims(tmp_path):
    notes = r"""
$$z^{[1]} = W^{[1]} x + b^{[1]}, \quad a^{[1]} = \sigma(z^{[1]}), \quad z^{[2]} = W^{[2]} a^{[1]} + b^{[2]},
\quad \hat{y} = \sigma(z^{[2]})$$
$$\mathcal{L}_{\text{MSE}}(\hat y, y) = \frac{1}{2}\|\hat y - y\|^2$$
$$\frac{\partial \mathcal{L}_{\text{MSE}}}{\partial W^{[2]}} = (\hat y - y) \circ \sigma'(z^{[2]}) a^{[1]T}$$
$$\frac{\partial \mathcal{L}_{\text{MSE}}}{\partial W^{[2]}} = (\hat y - y) a^{[1]T}$$
"""
    assert verdicts(run(tmp_path, notes)) == [Verdict.PROVED, Verdict.REFUTED]


def test_bishops_per_example_error(tmp_path):
    notes = r"""
$$E_n = \frac{1}{2}\sum_k (t_k - o_k)^2$$
$$\frac{\partial E_n}{\partial w_{jk}} = \delta_k o_j$$
$$\frac{\partial E_n}{\partial w_{jk}} = 2 \delta_k o_j$$
"""
    assert verdicts(run(tmp_path, notes)) == [Verdict.PROVED, Verdict.REFUTED]


# --- aligned rows -----------------------------------------------------------------------------
def test_aligned_rows_and_a_continued_chain(tmp_path):
    notes = (
        _FORWARD
        + r"""
$$\begin{aligned} \delta^{(3)} &= \frac{\partial J}{\partial a^{(3)}} \circ f'(z^{(3)}) \\
\frac{\partial J}{\partial W^{(2)}} &= \delta^{(3)} (a^{(2)})^T \\
\frac{\partial J}{\partial W^{(1)}} &= (a^{(2)})^T \delta^{(3)} \end{aligned}$$

\begin{align*}
\frac{\partial J}{\partial z^{(2)}} &= (W^{(2)})^T \delta^{(3)} \circ f'(z^{(2)}) \\
  &= (W^{(2)})^T \delta^{(3)} \\
  &= \delta^{(2)}
\end{align*}
"""
    )
    found = run(tmp_path, notes)
    assert [(r.claim.line, r.verdict) for r in found.claims] == [
        (5, Verdict.PROVED),
        (6, Verdict.PROVED),
        (7, Verdict.SHAPE_ERROR),  # each row a claim at its own line
        (10, Verdict.PROVED),  # a row `&= …` a link of the chain its first row starts
        (10, Verdict.REFUTED),  # f'(z) dropped
        (10, Verdict.REFUTED),
    ]


# --- indexed definitions ----------------------------------------------------------------------
def test_a_quantity_defined_entry_by_entry(tmp_path):
    """`k_j := (a_j - y_j) f'(z_j)`, used as `k_j` in the claims: read as its definition."""
    notes = r"""
$$E = \frac{1}{2}\sum_j (a_j - y_j)^2$$
Define $k_j := (a_j - y_j) f'(z_j)$.
$$\frac{\partial E}{\partial w_{ij}} = k_j a_i$$
$$\frac{\partial E}{\partial w_{ij}} = k_j a_j$$
$$\frac{\partial E}{\partial b_j} = k_j$$
$$\frac{\partial E}{\partial b_j} = 2 k_j$$
"""
    assert verdicts(run(tmp_path, notes)) == [Verdict.PROVED, Verdict.REFUTED] * 2


def test_an_error_named_with_an_equals_sign_and_another_index(tmp_path):
    """`e_k = (o_k - t_k)` names e; used as `e_k` (and `e_i` renamed from the definition's k)."""
    notes = r"""
$$E = \frac{1}{2}\sum_k (t_k - o_k)^2$$
Let $e_i = (o_i - t_i)$ be the output error.
$$\frac{\partial E}{\partial w_{jk}} = e_k \sigma'(z_k) o_j$$
$$\frac{\partial E}{\partial w_{jk}} = -e_k \sigma'(z_k) o_j$$
"""
    assert verdicts(run(tmp_path, notes)) == [Verdict.PROVED, Verdict.REFUTED]


def test_entry_definitions_are_names_not_values():
    from derive.roles import entry_definitions, with_entries

    texts = [r"k_i := (a_i - y_i) f'(z_i)", r"e_j = t_j - o_j", "s_1 = 3", r"o_k = \sigma(z_k)"]
    found = entry_definitions(texts)
    assert found == (("k", "i", "(a_i - y_i) f'(z_i)"), ("e", "j", "t_j - o_j"))
    assert with_entries(r"k_j o_i + e_{k}", found) == r"((a_j - y_j) f'(z_j)) o_i + (t_k - o_k)"


# --- algorithm steps --------------------------------------------------------------------------
_ALGORITHM = r"""
$$a^{(k)} = b^{(k)} + W^{(k)} h^{(k-1)}, \quad h^{(k)} = f(a^{(k)})$$

$g \leftarrow \nabla_{\hat{y}} J$, then for $k = l, l-1, \dots, 1$:
$$g \leftarrow \nabla_{a^{(k)}} J = g \odot f'(a^{(k)})$$
$$\nabla_{b^{(k)}} J = g$$
$$\nabla_{W^{(k)}} J = g \, h^{(k-1)\top}$$
$$\nabla_{W^{(k)}} J = h^{(k-1)} g^\top$$
$$g \leftarrow \nabla_{h^{(k-1)}} J = W^{(k)\top} g$$
"""


def test_goodfellows_algorithm_steps_are_read_in_order(tmp_path):
    """g holds ∇_{h^{(k)}} J at the top of the loop (∇_ŷ J on its first pass), ∇_{a^{(k)}} J after
    the first step: each claim that uses g is checked with it."""
    found = run(tmp_path, _ALGORITHM)
    by_line: dict[int, set[Verdict]] = {}
    for r in found.claims:
        by_line.setdefault(r.claim.line, set()).add(r.verdict)
    assert by_line == {
        5: {Verdict.PROVED},  # ∇_{a^{(k)}} J = ∇_{h^{(k)}} J ⊙ f'(a^{(k)})
        6: {Verdict.PROVED},
        7: {Verdict.PROVED},
        8: {Verdict.SHAPE_ERROR},  # the outer product the wrong way round
        9: {Verdict.PROVED},
    }


def test_a_wrong_step_is_refuted(tmp_path):
    wrong = _ALGORITHM.replace(r"J = W^{(k)\top} g", r"J = -W^{(k)\top} g")  # the sign dropped
    verdicts_9 = {r.verdict for r in run(tmp_path, wrong).claims if r.claim.line == 9}
    assert verdicts_9 == {Verdict.REFUTED}


def test_a_step_whose_variable_holds_nothing_says_so(tmp_path):
    notes = r"""
$$z_2 = W_1 a_1 + b_1, \quad a_2 = f(z_2)$$
$$g \leftarrow g \odot f'(z_2)$$
$$\frac{\partial L}{\partial W_1} = \delta_2 a_1^T$$
"""
    found = run(tmp_path, notes)
    assert [r.verdict for r in found.claims] == [Verdict.UNPARSED, Verdict.PROVED]
    problem = found.claims[0].claim.problem
    assert problem is not None
    message = problem.message
    assert "update step" in message and "g holds nothing yet" in message


@pytest.mark.parametrize("arrow", [r"\leftarrow", r"\gets", "←"])
def test_every_arrow_is_a_step(arrow):
    from derive.steps import step_of

    step = step_of(rf"g {arrow} \nabla_{{a^{{(k)}}}} J = g \odot f'(a^{{(k)}})")
    assert step is not None
    assert (step.letter, step.holds, step.expression) == ("g", r"\nabla_{a^{(k)}} J", r"g \odot f'(a^{(k)})")


# --- per-example sums -------------------------------------------------------------------------
_NG = r"""
$$Z^{[1]} = W^{[1]} X + b^{[1]}, \quad A^{[1]} = \tanh(Z^{[1]}), \quad Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]},
\quad A^{[2]} = \sigma(Z^{[2]})$$
$$J = -\frac{1}{m} \sum_{i=1}^{m} \left(y^{(i)} \log a^{[2](i)} + (1 - y^{(i)}) \log(1 - a^{[2](i)})\right)$$
$$dZ^{[2]} = A^{[2]} - Y$$
"""


def test_a_sum_over_the_examples_written_with_their_index(tmp_path):
    """`\\sum_{i=1}^m dZ^{[l](i)}`: example i's column summed over i, as `\\sum dZ^{[l]}`."""
    notes = (
        _NG
        + r"""
$$\frac{\partial J}{\partial b^{[2]}} = \frac{1}{m} \sum_{i=1}^{m} dZ^{[2](i)}$$
$$db^{[2]} = \sum_{i=1}^{m} dZ^{[2](i)}$$
"""
    )
    found = run(tmp_path, notes, activation="tanh")
    assert found.network.loss == "bce"
    assert verdicts(found) == [Verdict.PROVED, Verdict.PROVED, Verdict.REFUTED]  # the 1/m dropped


def test_an_examples_column_outside_a_sum_says_where_it_belongs(tmp_path):
    notes = _NG + r"$$db^{[2]} = \frac{1}{m} dZ^{[2](i)}$$" + "\n"
    found = run(tmp_path, notes, activation="tanh")
    assert found.claims[-1].verdict == Verdict.UNPARSED
    problem = found.claims[-1].claim.problem
    assert problem is not None and "inside a sum over the examples" in problem.message
