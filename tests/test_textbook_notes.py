"""Notes as new users wrote them from textbooks (found wrong or refused in trials, each now a test):
the output the loss reads, a linear output layer, sized parentheses, an inline derivative that
cannot be read."""

from __future__ import annotations

from pathlib import Path

from derive.claims_file import load
from verify import Verdict, check_document


def run(tmp_path: Path, text: str, **options):
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    return check_document(load(path, options), points=200, seed=4)


def verdicts(found) -> list[Verdict]:
    return [r.verdict for r in found.claims]


def test_the_softmax_output_error_is_y_hat_minus_y(tmp_path):
    notes = r"""
$$z_2 = W_1 a_1 + b_1, \quad \hat{y} = \operatorname{softmax}(z_2)$$
$$L = -\sum_k y_k \log \hat{y}_k$$
$$\frac{\partial L}{\partial z_2} = \hat{y} - y$$
$$\frac{\partial L}{\partial z_2} = y - \hat{y}$$
"""
    found = run(tmp_path, notes, activation="relu")
    assert found.network.loss == "softmax-ce"  # the notes' cross-entropy
    assert verdicts(found) == [Verdict.PROVED, Verdict.REFUTED]


def test_a_linear_output_layer_is_the_identity(tmp_path):
    notes = r"""
$$z^{[1]} = W^{[1]} x + b^{[1]}$$
$$a^{[1]} = \sigma(z^{[1]})$$
$$z^{[2]} = W^{[2]} a^{[1]} + b^{[2]}$$
$$\hat{y} = z^{[2]}$$
$$J = \frac{1}{2} (\hat{y} - y)^2$$
$$\frac{\partial J}{\partial z^{[2]}} = \hat{y} - y$$
$$\frac{\partial J}{\partial z^{[2]}} = (\hat{y} - y) \odot \sigma'(z^{[2]})$$
"""
    found = run(tmp_path, notes)
    assert found.network.layer_activations[-1] == "identity"
    assert verdicts(found) == [Verdict.PROVED, Verdict.REFUTED]


def test_sized_parentheses_in_a_forward_equation(tmp_path):
    notes = r"""
$w_{jk}$ is the weight from hidden unit $j$ to output unit $k$.
$$o_k = \sigma\Big(\sum_j w_{jk} a_j\Big)$$
$$E = \frac{1}{2} \sum_k (t_k - o_k)^2$$
$$\delta_k = (o_k - t_k)\, o_k (1 - o_k)$$
"""
    assert verdicts(run(tmp_path, notes)) == [Verdict.PROVED]


def test_an_inline_derivative_of_an_expression_says_how_to_write_it(tmp_path):
    notes = r"""
$$\frac{d}{dx}\ln(1 + e^x) = \frac{1}{1 + e^{x}}$$
$$\frac{d}{dx}\operatorname{softplus}(x) = \sigma(x)$$
"""
    first, second = run(tmp_path, notes).claims
    assert first.verdict == Verdict.UNPARSED and "softplus" in first.claim.problem.message
    assert second.verdict == Verdict.PROVED


def test_notes_of_one_layer_that_number_none(tmp_path):
    """A forum question: `z = Wx + b`, `a = σ(z)`, with the outer product in the wrong order."""
    notes = r"""
Input $x \in \mathbb{R}^4$, $W \in \mathbb{R}^{3\times 4}$, $b \in \mathbb{R}^3$:
$$z = Wx + b, \qquad a = \sigma(z), \qquad L = \frac{1}{2}\|a - y\|^2$$
$$\frac{\partial L}{\partial z} = (a - y) \odot \sigma'(z)$$
$$\frac{\partial L}{\partial W} = x \left[ (a - y) \odot \sigma'(z) \right]^T$$
$$\frac{\partial L}{\partial W} = \left[ (a - y) \odot \sigma'(z) \right] x^T$$
"""
    found = run(tmp_path, notes)
    # no layer numbered: a model of its own (derive/notes_model.py), with the declared sizes
    assert found.model is not None and found.model.model.tensor("W").shape == (3, 4)
    # the outer product in the wrong order is the transpose of the notes' own layout
    assert verdicts(found) == [Verdict.PROVED, Verdict.SHAPE_ERROR, Verdict.PROVED]
    assert found.claims[1].slip is not None


def test_ufldl_numbers_the_output_layer_n_l(tmp_path):
    notes = r"""
$$\delta^{(n_l)} = -(y - a^{(n_l)}) \bullet f'(z^{(n_l)})$$
$$\delta^{(n_l - 1)} = (W^{(n_l - 1)})^T \delta^{(n_l)} \bullet f'(z^{(n_l - 1)})$$
$$\delta^{(n_l)} = (y - a^{(n_l)}) \bullet f'(z^{(n_l)})$$
"""
    assert verdicts(run(tmp_path, notes)) == [Verdict.PROVED, Verdict.PROVED, Verdict.REFUTED]


def test_a_loss_written_in_the_output_s_pre_activation_makes_it_linear(tmp_path):
    """CS229: `o = W^{[2]} a^{[1]} + b^{[2]}` and `J = ½(o − y)²`: the output layer is linear."""
    notes = r"""
$$z^{[1]} = W^{[1]} x + b^{[1]}$$
$$a^{[1]} = \sigma(z^{[1]})$$
$$o = W^{[2]} a^{[1]} + b^{[2]}$$
$$J = \frac{1}{2} (o - y)^2$$
$$\frac{\partial J}{\partial o} = o - y$$
$$\frac{\partial J}{\partial W^{[2]}} = (o - y) a^{[1]T}$$
$$\frac{\partial J}{\partial W^{[2]}} = (y - o) a^{[1]T}$$
"""
    found = run(tmp_path, notes)
    assert found.network.layer_activations[-1] == "identity"
    assert verdicts(found) == [Verdict.PROVED, Verdict.PROVED, Verdict.REFUTED]


def test_a_chain_whose_middle_cannot_be_read_is_judged_by_its_conclusion(tmp_path):
    """stats.stackexchange 235528: the softmax Jacobian's off-diagonal terms dropped."""
    notes = r"""
$E = -\sum_j t_j \log o_j$, $o_j = \frac{e^{z_j}}{\sum_k e^{z_k}}$.
$$\frac{\partial E}{\partial z_j} = \frac{\partial E}{\partial o_j} \frac{\partial o_j}{\partial z_j}
  = -t_j(1 - o_j)$$
$$\frac{\partial E}{\partial z_j} = \frac{\partial E}{\partial o_j} \frac{\partial o_j}{\partial z_j}
  = o_j - t_j$$
"""
    found = run(tmp_path, notes)
    unread, wrong, _, right = found.claims
    assert unread.verdict == Verdict.UNPARSED
    assert wrong.verdict == Verdict.REFUTED and "the chain's conclusion" in wrong.claim.notes
    assert right.verdict == Verdict.PROVED


def test_outer_products_and_adjoint_bars(tmp_path):
    """`δ ⊗ a` is δ aᵀ (the order is the slip); reverse mode's `\\bar{x}` is ∂L/∂x."""
    notes = r"""
$$\frac{\partial L}{\partial W_1} = \delta_2 \otimes a_1$$
$$\frac{\partial L}{\partial W_1} = a_1 \otimes \delta_2$$
$$\bar{z}_1 = W_1^T \bar{z}_2 \circ f'(z_1)$$
$$\overline{a_1} = W_1 \bar{z}_2$$
"""
    assert verdicts(run(tmp_path, notes, sizes=(4, 3))) == [
        Verdict.PROVED,
        Verdict.SHAPE_ERROR,
        Verdict.PROVED,
        Verdict.SHAPE_ERROR,
    ]


def test_a_quantity_the_notes_name_themselves(tmp_path):
    """`k := …`: the notes' own name for an error vector, read where the claims use it."""
    notes = r"""
Let $k := (a_2 - y) \circ f'(z_2)$ be the output error.
$$\frac{\partial L}{\partial W_1} = k a_1^T$$
$$\frac{\partial L}{\partial b_1} = -k$$
"""
    assert verdicts(run(tmp_path, notes)) == [Verdict.PROVED, Verdict.REFUTED]


def test_the_indicator_of_a_positive_entry_is_relu_s_derivative(tmp_path):
    indicator = r"$$\delta_1 = W_1^T \delta_2 \circ \mathbb{1}[z_1 > 0]$$"
    slip = r"$$\delta_1 = W_1^T \delta_2 \circ \mathbb{1}(z_1 > 0) \circ z_1$$"
    notes = f"{indicator}\n{slip}\n"
    assert verdicts(run(tmp_path, notes, activation="relu")) == [Verdict.PROVED, Verdict.REFUTED]
    # on a sigmoid network the indicator is not its derivative
    assert verdicts(run(tmp_path, indicator)) == [Verdict.REFUTED]
