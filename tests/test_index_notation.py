"""Index notation (../shared/cases: min-index, FC-08, and claims like them from other books).

Per-neuron claims (`∂E/∂w_{jk} = δ_k o_j`, Nielsen's `∂C/∂w^l_{jk} = a^{l-1}_k δ^l_j`) are read
as the matrix claim they state for every entry, in the reading of `w_{jk}` the notes settle (from
neuron j to neuron k, or into j from k); where they do not, a verdict that differs between the two
depends on the convention. The notes' own squared error, with or without ½, is the loss.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.claim_parser import ClaimSyntaxError
from derive.claims import bind_sides
from derive.claims_file import load
from derive.document import Equation
from derive.formula import Grad, MatMul, Transpose, Var
from derive.network import Network
from derive.notes_loss import notes_loss
from derive.reading import NIELSEN, Reading
from derive.slips import SlipKind
from reports.i18n import STRINGS
from reports.json_report import to_dict, validate
from reports.terminal import render_run
from verify.results import Verdict
from verify.run import check_document

NET = Network(sizes=(4, 3, 2))
MIN_INDEX = r"$$\frac{\partial E}{\partial w_{jk}} = \delta_k o_j$$"


def checked(tmp_path: Path, text: str, name: str = "notes.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_document(load(path, {}), points=40)


def verdict_of(run, line: int) -> Verdict:
    (found,) = [r for r in run.claims if r.claim.line == line]
    return found.verdict


# --- reading the notation ---------------------------------------------------------------------


def test_an_entrywise_claim_is_the_matrix_claim_for_every_entry():
    ((_, (lhs, rhs)),) = bind_sides(MIN_INDEX.strip("$"), "latex", NET, Reading(index="from"))
    assert lhs == Grad(Var("W", 2))  # w_{jk} from j (layer 2) to k (the output, layer 3): W_2[k, j]
    assert rhs == MatMul(Var("delta", 3), Transpose(Var("a", 2)))


def test_the_other_reading_of_w_jk_swaps_the_layers_of_the_letters():
    ((_, (lhs, rhs)),) = bind_sides(MIN_INDEX.strip("$"), "latex", NET, Reading(index="to"))
    assert lhs == Grad(Var("W", 2))  # into j (the output) from k: W_2[j, k], and δ_k is layer 2's
    assert rhs == MatMul(Var("a", 3), Transpose(Var("delta", 2)))


def test_a_sum_over_an_index_is_a_matrix_product():
    text = r"\delta_j = o_j (1 - o_j) \sum_k \delta_k w_{jk}"
    ((_, (lhs, rhs)),) = bind_sides(text, "latex", NET, Reading(index="from"))
    assert lhs == Var("delta", 2)
    assert MatMul(Transpose(Var("W", 2)), Var("delta", 3)) in _nodes(rhs)


def test_nielsen_layers_are_superscripts_and_indices_are_entries():
    text = r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j"
    found = bind_sides(text, "latex", NET, Reading(1, "in", "to"))
    assert [layer for layer, _ in found] == [2, 3]
    assert found[0][1] == [Grad(Var("W", 1)), MatMul(Var("delta", 2), Transpose(Var("a", 1)))]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (r"\frac{\partial E}{\partial w_{jk}} = \delta_k p_j", "w_{jk} (a weight), o_j"),
        (r"\frac{\partial E}{\partial w_{jk}} = \sum w_{jk} o_j", r"write \sum_j"),
        (r"\frac{\partial E}{\partial w_{jk}} = \delta_k o_i", r"sum over it (\sum_i)"),
        (r"\frac{\partial E}{\partial w_{jk}} = \delta_k o_j + t_k", "same free indices"),
        (r"\frac{\partial E}{\partial o_k} = o_k w_k", "e.g. w_{jk}"),
    ],
)
def test_an_index_claim_that_cannot_be_read_says_what_spelling_works(text, says):
    with pytest.raises(ClaimSyntaxError) as error:
        bind_sides(text, "latex", NET, Reading(index="from"))
    assert says in error.value.message


def test_without_index_markers_a_letter_subscript_is_still_a_layer():
    found = bind_sides(r"\frac{\partial L}{\partial W_l} = \delta_{l+1} a_l^T", "latex", NET)
    assert [layer for layer, _ in found] == [1, 2]


# --- the loss the notes define ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "loss"),
    [
        (r"E = \sum_k (t_k - o_k)^2", "sse"),
        (r"E = \frac{1}{2}\sum_k (t_k - o_k)^2", "mse"),
        (r"C = \frac12 \|y - a^L\|^2", "mse"),
        (r"J = \frac{1}{2}\sum (y - \hat y)^2", "mse"),
        (r"L = \left\lVert a - y \right\rVert^2", "sse"),
        (r"E = \frac{1}{n}\sum_k (t_k - o_k)^2", None),
        (r"E = -\sum_j t_j \log o_j", "softmax-ce"),  # a cross-entropy: the categorical one
    ],
)
def test_the_notes_loss(text, loss):
    found = notes_loss([Equation(3, 1, text)])
    assert (found.loss if found else None) == loss
    assert found is None or found.line == 3


# --- verdicts ------------------------------------------------------------------------------------


def test_min_index_is_proved_and_says_which_reading(tmp_path):
    run = checked(tmp_path, MIN_INDEX)
    assert [r.verdict for r in run.claims] == [Verdict.PROVED]
    assert run.reading.index == "from"
    assert STRINGS["en"]["reading_index_from"] in render_run(run, "en")


# FC-08 ("Make Your Own Neural Network", erratum thread): no ½, no biases
FC08 = r"""# Output-layer derivative

Error $E = \sum_k (t_k - o_k)^2$, outputs $o_k = \text{sigmoid}(\sum_j w_{jk} o_j)$.

The book:

$$\frac{\partial E}{\partial w_{jk}} = -(t_k - o_k) \cdot \text{sigmoid}(\sum_j w_{jk} o_j)
(1 - \text{sigmoid}(\sum_j w_{jk} o_j)) \cdot o_j$$

My reading: differentiating the error with respect to $o_k$ should give

$$\frac{\partial E}{\partial o_k} = 2(t_k - o_k) o_k$$
"""


def test_fc08_both_claims_are_refuted_under_the_notes_loss(tmp_path):
    run = checked(tmp_path, FC08)
    assert run.network.loss == "sse" and run.loss_line == 3
    assert verdict_of(run, 7) == Verdict.REFUTED
    assert verdict_of(run, 12) == Verdict.REFUTED


SSE = r"""Error $E = \sum_k (t_k - o_k)^2$.

$$\frac{\partial E}{\partial o_k} = -2(t_k - o_k)$$

$$\frac{\partial E}{\partial o_k} = -(t_k - o_k)$$

$$\frac{\partial E}{\partial w_{jk}} = -2(t_k - o_k) o_k (1 - o_k) o_j$$
"""


def test_without_the_half_the_factor_2_belongs_and_its_absence_is_named(tmp_path):
    run = checked(tmp_path, SSE)
    assert run.network.loss == "sse"
    assert verdict_of(run, 3) == Verdict.PROVED
    assert verdict_of(run, 7) == Verdict.PROVED
    (half,) = [r for r in run.claims if r.claim.line == 5]
    assert half.verdict == Verdict.REFUTED
    assert half.slip is not None and half.slip.kind == SlipKind.HALF


def test_with_the_half_the_same_claims_swap_verdicts(tmp_path):
    run = checked(tmp_path, SSE.replace(r"E = \sum", r"E = \frac{1}{2}\sum"))
    assert run.network.loss == "mse"
    assert verdict_of(run, 3) == Verdict.REFUTED
    assert verdict_of(run, 5) == Verdict.PROVED


NIELSEN_NOTES = r"""Cost $C = \frac{1}{2}\|y - a^L\|^2$, $z^l_j = \sum_k w^l_{jk} a^{l-1}_k + b^l_j$.

$$\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j$$

$$\frac{\partial C}{\partial b^l_j} = \delta^l_j$$

$$\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_j \delta^l_k$$

$$\delta^l_j = \sum_k w^{l+1}_{kj} \delta^{l+1}_k \sigma'(z^l_j)$$
"""


def test_nielsen_in_index_notation(tmp_path):
    run = checked(tmp_path, NIELSEN_NOTES)
    assert (run.reading.weights, run.reading.index) == ("in", "to")  # his forward equation says so
    by_line: dict[int, set[Verdict]] = {}
    for r in run.claims:
        by_line.setdefault(r.claim.line, set()).add(r.verdict)
    assert by_line[3] == {Verdict.PROVED}
    assert by_line[5] == {Verdict.PROVED}
    assert by_line[7] and by_line[7] <= {Verdict.REFUTED, Verdict.SHAPE_ERROR}  # j and k swapped
    assert by_line[9] == {Verdict.PROVED}


def test_a_verdict_that_hangs_on_the_reading_of_w_jk_depends_on_convention(tmp_path):
    run = checked(tmp_path, r"$$\frac{\partial E}{\partial w_{jk}} = \delta_j o_k$$")
    (result,) = run.claims
    assert result.verdict == Verdict.CONVENTION
    holds = [reading for reading, v in result.numberings if v == Verdict.PROVED]
    assert holds and all(reading.index == "to" for reading in holds)


def test_the_notes_forward_equation_settles_the_reading_of_w_jk(tmp_path):
    # o_j = σ(Σ_k w_{jk} o_k): w_{jk} goes into j from k, so δ_k o_j is the wrong way round
    run = checked(tmp_path, r"$o_j = \sigma(\sum_k w_{jk} o_k)$" + "\n\n" + MIN_INDEX)
    assert run.reading.index == "to"
    assert [r.verdict for r in run.claims] == [Verdict.REFUTED]


def test_the_reading_is_in_the_json_report(tmp_path):
    run = checked(tmp_path, MIN_INDEX)
    data = to_dict(run)
    validate(data)
    assert data["notation"]["reading"]["index"] == "from"


def test_nielsens_reading_is_his():
    assert NIELSEN.index is None  # readings of notes without index notation stay as they were


def _nodes(formula):
    from derive.formula import rewrite

    found = []
    rewrite(formula, lambda node: found.append(node) or None)
    return found
