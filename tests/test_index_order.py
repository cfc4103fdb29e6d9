"""The order of w's indices, as the notes' forward equation states it.

Bishop (PRML §5.3) writes `a_j = \\sum_i w_{ji} z_i`: w_{ji} goes into unit j from unit i (the
free index, the layer above, first), with letters running up the layers (i → j → k). Nielsen
writes `z^l_j = \\sum_k w^l_{jk} a^{l-1}_k + b^l_j` (into j from k too, j above k), and "Make
Your Own Neural Network" `o_k = σ(\\sum_j w_{jk} o_j)` (from j to k). The forward equation settles
which index receives; each claim's letters are placed by its own quantities (t_k, x_i, δ_j).
"""

from __future__ import annotations

from pathlib import Path

from derive.claims import bind_sides
from derive.claims_file import load
from derive.formula import Grad, MatMul, Transpose, Var
from derive.network import Network
from derive.reading import Reading
from reports.i18n import STRINGS
from reports.terminal import render_run
from verify.results import Verdict
from verify.run import check_document

WRONG = {Verdict.REFUTED, Verdict.SHAPE_ERROR}

BISHOP = r"""Each unit: $$a_j = \sum_i w_{ji} z_i$$ and $$z_j = h(a_j)$$
For one pattern, $E_n = \frac{1}{2}\sum_k (y_{nk} - t_{nk})^2$ with linear outputs:

$$\delta_k = y_k - t_k$$

$$\delta_j = h'(a_j) \sum_k w_{kj} \delta_k$$

$$\frac{\partial E_n}{\partial w_{ji}} = \delta_j z_i$$

$$\delta_j = h'(a_j) \sum_k w_{jk} \delta_k$$

$$\frac{\partial E_n}{\partial w_{ji}} = \delta_i z_j$$
"""


def checked(tmp_path: Path, text: str):
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    return check_document(load(path, {}), points=40)


def verdicts(run) -> dict[int, Verdict]:
    return {r.claim.line: r.verdict for r in run.claims}


def test_bishops_forward_equation_says_w_ji_goes_into_j_from_i(tmp_path):
    run = checked(tmp_path, BISHOP)
    assert run.reading.index == "to"
    found = verdicts(run)
    assert found[6] == found[8] == Verdict.PROVED  # (5.56) and (5.53)
    assert found[10] == Verdict.REFUTED  # w_{jk}: the missing transpose
    assert found[12] == Verdict.REFUTED  # δ_i z_j: the indices swapped
    assert STRINGS["en"]["reading_index_to"] in render_run(run, "en")


def test_the_into_from_order_with_letters_running_up():
    # into j (the layer above) from i: W_2[j, i], and j above i, as Bishop's letters run
    text = r"\frac{\partial E}{\partial w_{ji}} = \delta_j o_i"
    ((_, (lhs, rhs)),) = bind_sides(text, "latex", Network(sizes=(4, 3, 2)), Reading(index="to"))
    assert lhs == Grad(Var("W", 2))
    assert rhs == MatMul(Var("delta", 3), Transpose(Var("a", 2)))


def test_a_weight_into_the_layer_below_is_a_transposition_not_unread(tmp_path):
    # t_k puts k at the output: w_{jk}, into j from k, is W's entry [k, j] written as [j, k]
    text = BISHOP.split("$$\\delta_j")[0] + r"$$\frac{\partial E_n}{\partial w_{jk}} = (y_k - t_k) z_j$$"
    run = checked(tmp_path, text)
    (result,) = [r for r in run.claims if r.claim.line == 6]
    assert result.verdict in WRONG
    assert result.claim.problem is None


def test_nielsens_way_is_into_j_from_k(tmp_path):
    notes = r"""Cost $C = \frac{1}{2}\|y - a^L\|^2$, $z^l_j = \sum_k w^l_{jk} a^{l-1}_k + b^l_j$.

$$\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j$$

$$\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_j \delta^l_k$$
"""
    run = checked(tmp_path, notes)
    assert run.reading.index == "to"
    found = verdicts(run)
    assert found[3] == Verdict.PROVED
    assert found[5] in WRONG


def test_nielsens_letters_without_layers_run_down(tmp_path):
    # z_j = Σ_k w_{jk} a_k + b_j: j the layer above k
    notes = r"""$z_j = \sum_k w_{jk} a_k + b_j$

$$\frac{\partial C}{\partial w_{jk}} = a_k \delta_j$$

$$\frac{\partial C}{\partial w_{jk}} = a_j \delta_k$$
"""
    run = checked(tmp_path, notes)
    assert run.reading.index == "to"
    found = verdicts(run)
    assert found[3] == Verdict.PROVED
    assert found[5] in WRONG


def test_fc08s_from_to_order_stays(tmp_path):
    notes = r"""Error $E = \sum_k (t_k - o_k)^2$, outputs $o_k = \text{sigmoid}(\sum_j w_{jk} o_j)$.

$$\frac{\partial E}{\partial w_{jk}} = -2(t_k - o_k) o_k (1 - o_k) o_j$$

$$\frac{\partial E}{\partial w_{kj}} = -2(t_k - o_k) o_k (1 - o_k) o_j$$
"""
    run = checked(tmp_path, notes)
    assert run.reading.index == "from"
    found = verdicts(run)
    assert found[3] == Verdict.PROVED
    assert found[5] in WRONG  # the other way round: a transposition, not unread


def test_without_a_forward_equation_the_order_is_a_convention(tmp_path):
    # Bishop's (5.56) and (5.53) with no forward equation: into-from proves them, from-to not
    notes = r"""$$\delta_j = \sigma'(z_j) \sum_k w_{kj} \delta_k$$

$$\frac{\partial E}{\partial w_{ji}} = \delta_j o_i$$
"""
    run = checked(tmp_path, notes)
    for result in run.claims:
        assert result.verdict == Verdict.CONVENTION
        holds = {r.index for r, v in result.numberings if v == Verdict.PROVED}
        assert holds == {"to"}
    assert STRINGS["en"]["reading_index_to"] in render_run(run, "en")


def test_an_input_index_is_the_input_layer(tmp_path):
    notes = r"""$$z_j = \sum_i w_{ji} x_i + b_j$$

$$\frac{\partial E}{\partial w_{ji}} = \delta_j x_i$$
"""
    run = checked(tmp_path, notes)
    assert run.reading.index == "to"
    assert verdicts(run)[3] == Verdict.PROVED


def test_claims_read_their_indices_as_the_forward_equations_place_them(tmp_path):
    """Bishop's `a_j = Σ_i w_ji z_i`, `y_k = Σ_j w_kj z_j` place i, j, k on the input, hidden and
    output layers; a claim `δ_j = h'(a_j) Σ_k w_jk δ_k` then has the weight's indices swapped
    (the transpose missing), not a claim about another layer."""
    from derive.claims_file import load
    from derive.slip_search import Move
    from reports.cli import given_options
    from verify.results import Verdict
    from verify.run import check_document

    notes = (
        r"$a_j = \sum_i w_{ji} z_i$, $z_j = h(a_j)$, $y_k = \sum_j w_{kj} z_j$, "
        r"$E_n = \frac{1}{2}\sum_k (y_k - t_k)^2$."
        "\n\n$$\\delta_j = h'(a_j) \\sum_k w_{kj} \\delta_k$$\n\n"
        "$$\\delta_j = h'(a_j) \\sum_k w_{jk} \\delta_k$$\n"
    )
    path = tmp_path / "bishop.md"
    path.write_text(notes, encoding="utf-8")
    right, swapped = check_document(load(path, given_options()), points=60, seed=0).claims
    assert right.verdict == Verdict.PROVED and right.claim.wrt is not None and right.claim.wrt.layer == 2
    assert swapped.claim.wrt == right.claim.wrt  # the same δ_j: the hidden layer's
    assert swapped.verdict in (Verdict.REFUTED, Verdict.SHAPE_ERROR) and swapped.slip is not None
    assert Move.MISSING_TRANSPOSE in {s.move for s in swapped.slip.steps}


def test_bishop_s_generic_h_is_not_the_linear_output_s_identity(tmp_path):
    """`z_j = h(a_j)` with a linear output `y_k = a_k`: h is not the identity, so a δ_j without
    h'(a_j) is refuted (it was proved for identity everywhere); `a_j = Σ_i w_ji z_i` sits below
    the output's k (i → j → k), so `∂E_n/∂w_ji` is about the first layer's weights."""
    from derive.claims_file import load
    from reports.cli import given_options
    from verify.results import Verdict
    from verify.run import check_document

    notes = (
        r"Each unit computes $a_j = \sum_i w_{ji} z_i$ and $z_j = h(a_j)$. Output units are linear, "
        r"$y_k = a_k$, and $E_n = \frac{1}{2}\sum_k (y_k - t_k)^2$."
        "\n\n$$\\delta_j = \\sum_k w_{kj} \\delta_k$$\n\n"
        "$$\\frac{\\partial E_n}{\\partial w_{ji}} = \\delta_j z_i$$\n\n"
        "$$\\delta_k = y_k - t_k$$\n"
    )
    path = tmp_path / "bishop.md"
    path.write_text(notes, encoding="utf-8")
    document = load(path, given_options())
    assert document.network.layer_activations[-1] == "identity"
    assert document.network.layer_activations[1] != "identity"
    missing, first, output = check_document(document, points=60, seed=0).claims
    assert missing.verdict == Verdict.REFUTED
    assert first.verdict == Verdict.PROVED and first.claim.wrt is not None and first.claim.wrt.layer == 1
    assert output.verdict == Verdict.PROVED
