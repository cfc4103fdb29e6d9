"""The slips the field cases name (tests/cases, a copy of ../shared/cases; README there), named
by `derivcheck check` in the notes' own notation, in English and Korean — each family on at
least two conventions (the seed's numbering and Nielsen's, columns and rows as examples)."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.claims_file import load
from derive.slip_search import Move
from derive.slips import Slip, SlipKind
from reports.cli import given_options
from reports.terminal import render_run
from reports.wording import Words
from verify.results import Verdict
from verify.run import check_document

CASES = Path(__file__).parent / "cases"
WRONG = (Verdict.REFUTED, Verdict.SHAPE_ERROR)


def run_of(path: Path, **options: str):
    return check_document(load(path, given_options(**options)), points=120, seed=0)


def named(slip: Slip | None) -> set[SlipKind | Move]:
    """Every kind and step the slip (and its alternatives) names."""
    if slip is None:
        return set()
    out: set[SlipKind | Move] = set()
    for s in (slip, *slip.alternatives):
        out |= {s.kind, *(step.move for step in s.steps)}
    return out


def slips_by_line(run) -> dict[int, set[SlipKind | Move]]:
    out: dict[int, set[SlipKind | Move]] = {}
    for r in run.claims:
        assert r.verdict in WRONG or r.slip is None, (r.claim.line, r.verdict)
        out.setdefault(r.claim.line, set()).update(named(r.slip))
    return out


# (file, options, line or claim number, a kind or step the diagnosis must name)
FIELD = [
    ("min-unnamed-slips.md", {"sizes": "3,3,3", "activation": "tanh"}, 2, Move.GRAD_A_FOR_Z),  # f' inside
    ("min-unnamed-slips.md", {"sizes": "3,3,3", "activation": "tanh"}, 3, Move.LAYER),  # the wrong W
    ("min-unnamed-slips.md", {"sizes": "3,3,3", "activation": "tanh"}, 4, Move.Z_FOR_A),  # 1 − z∘z
    ("min-unnamed-slips.md", {"sizes": "3,3,3", "activation": "tanh"}, 5, Move.MATMUL_FOR_HADAMARD),
    ("ta-notes.md", {}, 9, Move.LAYER),  # the activation of the wrong layer
    ("ta-notes.md", {}, 10, Move.SIGN),  # a(1 + a) for a(1 − a)
    ("ta-notes.md", {}, 11, SlipKind.OTHER_GRADIENT),  # ∂L/∂z claimed as ∂L/∂a: an extra σ'
    ("FC-01.md", {}, 15, Move.GRAD_A_FOR_Z),  # σ'(z^L) missing: ∂C/∂a^L where ∂C/∂z^L belongs
    ("FC-02.md", {}, 8, SlipKind.MISSING_FPRIME),  # the cross-entropy's a − y with a squared error
    ("FC-03.toml", {}, 15, Move.GRAD_FOR_VALUE),  # σ' taken of the error dh2, not the activation
    ("FC-03.toml", {}, 30, SlipKind.NOT_SUMMED),  # shape error: sum over the examples, axis 0
    ("FC-06.toml", {}, 15, Move.MATMUL_FOR_HADAMARD),  # np.dot where * belongs, A1ᵀA1 for A1²
    ("FC-05.md", {}, 14, Move.MISSING_TRANSPOSE),  # W^(3) for W^(3)T, in the wrong place: a shape error
    ("FC-05.md", {}, 14, Move.ORDER),
    ("FC-08.md", {}, 8, SlipKind.HALF),  # a factor 2 missing
    ("FC-08.md", {}, 12, Move.SIGN),  # 2(t − o) o for −2(t − o): the sign and an extra o
    ("FC-08.md", {}, 12, Move.EXTRA_FACTOR),
    ("FC-10.md", {}, 8, SlipKind.SOFTMAX_DIAGONAL),
    ("FC-10.md", {}, 12, SlipKind.SOFTMAX_DIAGONAL),  # the same slip, carried back into ∂E/∂w_ij
    ("min-mixed.md", {}, 3, SlipKind.OUTPUT_FPRIME_ON_HIDDEN),
    ("min-target.md", {}, 2, SlipKind.MISSING_FPRIME),
    ("output-layer.md", {}, 4, SlipKind.OTHER_LOSS),
]


@pytest.mark.parametrize(
    ("file", "options", "line", "slip"), FIELD, ids=[f"{f} {n} {s}" for f, _, n, s in FIELD]
)
def test_the_field_cases_slips_are_named(file, options, line, slip):
    found = slips_by_line(run_of(CASES / file, **options))
    assert slip in found.get(line, set()), found.get(line)


SEED_NOTES = r"""$z_{l+1} = W_l a_l + b_l$, $a_l = \sigma(z_l)$, loss $L = \frac12\|a_3 - y\|^2$.

$$\delta_2 = W_1^T \delta_3 \circ \sigma'(z_2)$$
$$\delta_2 = W_2^T \delta_3 \circ a_2 \circ (1 + a_2)$$
$$\frac{\partial L}{\partial a_1} = W_1^T \frac{\partial L}{\partial a_2}$$
"""
NIELSEN_NOTES = r"""$z^l = w^l a^{l-1} + b^l$, $a^l = \sigma(z^l)$, cost $C = \frac12\|a^3 - y\|^2$.

$$\delta^2 = (w^2)^T \delta^3 \odot \sigma'(z^2)$$
$$\delta^2 = (w^3)^T \delta^3 \odot a^2 \odot (1 + a^2)$$
$$\frac{\partial C}{\partial a^1} = (w^2)^T \frac{\partial C}{\partial a^2}$$
"""


@pytest.mark.parametrize(
    ("notes", "wrong_layer"),
    [(SEED_NOTES, "W1 where W2 belongs"), (NIELSEN_NOTES, "W² where W³ belongs")],
    ids=["seed numbering", "Nielsen numbering"],
)
def test_the_same_slips_in_two_conventions_are_named_in_the_notes_numbering(tmp_path, notes, wrong_layer):
    path = tmp_path / "notes.md"
    path.write_text(notes, encoding="utf-8")
    run = run_of(path, sizes="3,3,3")
    found = [named(r.slip) for r in run.claims]
    assert [Move.LAYER in found[0], Move.SIGN in found[1], Move.GRAD_A_FOR_Z in found[2]] == [True] * 3
    text = render_run(run)
    assert wrong_layer in text
    # precision is measured on the claims the witnesses agree on, not on the refuted ones
    used = next(line for line in text.splitlines() if "agreeing witnesses" in line)
    assert float(used.split(": ")[1].split(" of")[0]) < 1
    assert run.first_wrong is not None and run.first_wrong.claim.line == 3


def test_slips_are_named_in_korean(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text(SEED_NOTES, encoding="utf-8")
    run = run_of(path, sizes="3,3,3")
    words = Words("ko").reading(run)
    worded = [words.slip(r.slip) for r in run.claims if r.slip is not None]
    assert len(worded) == 3
    assert "다른 층: W2 자리에 W1" in worded[0] and "부호가 반대" in worded[1]
    assert "처음 틀린 단계: 3행" in render_run(run, "ko")


def test_a_row_major_slip_is_named_in_rows(tmp_path):
    """Rows as examples (`Z = A W + b`): the slip is named in the claim's own layout."""
    path = tmp_path / "rows.toml"
    path.write_text(
        '[network]\nsizes = [3, 4, 2]\nbatch = 5\nreduction = "sum"\nlayout = "rows"\n\n'
        '[[claim]]\nwrt = "b2"\nformula = "np.sum(delta3, axis=1, keepdims=True)"\n',
        encoding="utf-8",
    )
    run = run_of(path)
    (r,) = run.claims
    assert r.verdict in WRONG and r.slip is not None and r.slip.fix is not None
    assert named(r.slip) & {Move.SUM_AXIS, SlipKind.SUM_OVER_NEURONS, SlipKind.SUM_OVER_NEURONS_T}


# a new user's notes (the slip trial): each slip named, and never a diagnosis that misleads
TRIAL = {
    "ng-two-slips": (
        r"""$Z^{[1]} = W^{[1]} X + b^{[1]}$, $A^{[1]} = \sigma(Z^{[1]})$,
$Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}$, $A^{[2]} = \sigma(Z^{[2]})$.

$$dW^{[1]} = dZ^{[1]} A^{[1]T}$$
""",
        {"sizes": "3,3,3"},
        {Move.MISSING_MEAN, Move.LAYER},  # the mean's 1/m and X (A⁰) for A¹, at once
    ),
    "missing-sigma-prime-in-dW": (
        r"""Forward: $z_2 = W_1 a_1 + b_1$, $a_2 = \sigma(z_2)$, $L = \frac{1}{2}\|a_2 - y\|^2$.

$$\frac{\partial L}{\partial W_1} = (a_2 - y) a_1^T$$
""",
        {},
        {Move.MISSING_FPRIME},  # δ_2 written out without σ'(z_2)
    ),
    "dL/da-claimed-where-dL/dz-is-right": (
        r"""Forward: $z_{l+1} = W_l a_l + b_l$, $a_l = \tanh(z_l)$.

$$\frac{\partial L}{\partial a_1} = W_1^T \delta_2 \circ (1 - a_1 \circ a_1)$$
""",
        {"sizes": "3,3,3"},
        {SlipKind.OTHER_GRADIENT},  # the right side is ∂L/∂z_1 (δ_1)
    ),
}


@pytest.mark.parametrize("name", list(TRIAL))
def test_the_trial_s_slips_are_named(tmp_path, name):
    text, options, expected = TRIAL[name]
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    (result,) = run_of(path, **options).claims
    assert result.verdict in WRONG
    assert expected <= named(result.slip), named(result.slip)
    fix = result.slip.fix if result.slip is not None else None
    assert fix is not None and "∘ 1" not in str(fix)


def test_a_function_claim_gets_no_backprop_diagnosis(tmp_path):
    """σ'(z) = σ(z)(1 + σ(z)) is refuted; a slip of the network's gradient would mislead."""
    path = tmp_path / "notes.md"
    path.write_text(r"$$\sigma'(z) = \sigma(z)(1 + \sigma(z))$$" + "\n", encoding="utf-8")
    (result,) = run_of(path).claims
    assert result.verdict == Verdict.REFUTED and result.slip is None


ROWS = r"""$H = \text{ReLU}(X W_1 + b_1)$, $S = H W_2 + b_2$.

$$\frac{\partial L}{\partial H} = \frac{\partial L}{\partial S} W_2^T$$
$$\frac{\partial L}{\partial H} = \frac{\partial L}{\partial S} W_2$$
"""


def test_row_major_notes_are_diagnosed_in_their_own_orientation(tmp_path):
    """CS231n's `dH = dS W_2` for `dS W_2ᵀ`: the transpose is missing *in the notes' layout* (our
    W_2 is their W_2ᵀ), said with their letters H and S; `H = ReLU(X W_1 + b_1)` names the hidden
    layer's activation."""
    path = tmp_path / "rows.md"
    path.write_text(ROWS, encoding="utf-8")
    run = run_of(path)
    assert run.network.activation_of(2) == "relu"
    right, wrong = run.claims
    assert right.verdict == Verdict.PROVED and wrong.verdict in WRONG
    text = render_run(run)
    assert "transpose missing: W2 where W2ᵀ belongs" in text
    assert "corrected: dL/dH = dL/dS W2ᵀ" in text  # in the notes' own letters


def test_no_alternative_transposes_a_transpose(tmp_path):
    """`W1 δ2 ∘ σ'(z2)` for δ1: W1 where W1ᵀ belongs — never "W1ᵀ where W1 belongs" beside it."""
    path = tmp_path / "notes.md"
    path.write_text(
        "$z_{l+1} = W_l a_l + b_l$, $a_l = \\sigma(z_l)$\n"
        "$$\\delta_1 = W_1 \\delta_2 \\circ \\sigma'(z_2)$$\n",
        encoding="utf-8",
    )
    run = run_of(path, sizes="3,3,3")
    text = Words().reading(run).slip(run.claims[0].slip)
    assert "W1ᵀ where W1 belongs" not in text, text


def test_softmax_is_shown_in_the_notes_numbering(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text(
        r"""$z^{[1]} = W^{[1]} x + b^{[1]}$, $a^{[1]} = \sigma(z^{[1]})$,
$z^{[2]} = W^{[2]} a^{[1]} + b^{[2]}$, $\hat{y} = \operatorname{softmax}(z^{[2]})$,
$L = -\sum_k y_k \log \hat{y}_k$.

$$\frac{\partial L}{\partial z^{[2]}} = \hat{y} - y$$
""",
        encoding="utf-8",
    )
    run = run_of(path)
    assert run.claims[0].verdict == Verdict.PROVED
    assert "softmax(z²)" in render_run(run) and "softmax(z3)" not in render_run(run)


def test_letters_that_clash_with_ours_are_not_used():
    """Bishop's `a` is the pre-activation and `z` the activation: rendering our a₂ as `z` would
    make one letter mean two things, so his letters are left out (layer numbers stay his)."""
    from derive.reading import SEED
    from derive.roles import naming

    bishop = naming(SEED.written, (("a", "z", None), ("z", "a", 1)), 3)
    assert bishop.letter("z", 2) is None and bishop.letter("a", 2) is None
    cs231n = naming(SEED.written, (("H", "a", 1), ("S", "z", 0)), 3, superscripts=False)
    assert cs231n.letter("a", 2) == ("H", False) and cs231n.letter("z", 3) == ("S", False)
    assert cs231n.letter("a", 1) is None  # X, the input: no letter of the notes' own here


REGROUPED = {
    "seed": r"""$z_{l+1} = W_l a_l + b_l$, $a_l = \sigma(z_l)$.

$$\frac{\partial L}{\partial W_1} = \delta_3 W_2 \sigma'(z_2) a_1^T$$
$$\frac{\partial L}{\partial W_1} = \delta_3 W_2 \sigma'(z_2) a_2^T$$
""",
    "Nielsen": r"""$z^l = w^l a^{l-1} + b^l$, $a^l = \sigma(z^l)$, cost $C = \frac12\|a^3 - y\|^2$.

$$\frac{\partial C}{\partial w^2} = \delta^3 w^3 \sigma'(z^2) (a^1)^T$$
$$\frac{\partial C}{\partial w^2} = \delta^3 w^3 \sigma'(z^2) (a^2)^T$$
""",
}


@pytest.mark.parametrize("convention", REGROUPED)
def test_a_product_whose_shapes_do_not_chain_names_the_transpose_and_the_order(tmp_path, convention):
    """Three slips at once (W for Wᵀ, δ on the wrong side, a product for ∘) leave no value to
    compare: the factors are matched as written, any grouping. The same product with another
    layer's `a` has factors the truth does not: no such diagnosis."""
    path = tmp_path / "notes.md"
    path.write_text(REGROUPED[convention], encoding="utf-8")
    run = run_of(path, sizes="4,3,2")
    right, other = run.claims
    assert right.verdict == other.verdict == Verdict.SHAPE_ERROR
    assert {Move.MISSING_TRANSPOSE, Move.ORDER} <= named(right.slip)
    assert right.slip is not None and right.slip.confirmed is None  # by structure, not by value
    assert Move.ORDER not in named(other.slip)
    w = "W2" if convention == "seed" else "W³"
    assert f"transpose missing: {w} where {w}ᵀ belongs" in render_run(run)


INDEX_NOTES = {
    # Make Your Own Neural Network's t_k, o_k (FC-08), and a_k, y_k: each claim's own letters
    "t_k, o_k": (
        r"""Error $E = \sum_k (t_k - o_k)^2$, outputs $o_k = \text{sigmoid}(\sum_j w_{jk} o_j)$.

$$\frac{\partial E}{\partial o_k} = 2(t_k - o_k) o_k$$
""",
        "sign flipped: 2 (t_k - o_k) where -2 (t_k - o_k) belongs",
        "dL/do_k = -2 (t_k - o_k)",
    ),
    "a_k, y_k": (
        r"""Error $E = \frac{1}{2}\sum_k (a_k - y_k)^2$, $a_k = \sigma(z_k)$, $z_k = \sum_j w_{jk} a_j$.

$$\frac{\partial E}{\partial z_k} = (a_k - y_k) a_k$$
""",
        "f(z_k) where f'(z_k) belongs",
        "dL/dz_k = (a_k - y_k) ∘ f'(z_k)",
    ),
}


@pytest.mark.parametrize("letters", INDEX_NOTES)
def test_a_slip_in_index_notation_is_named_in_the_claim_s_own_entries(tmp_path, letters):
    """A claim written entry by entry gets its slip and its correction in its own letters and
    indices, in the terminal, JSON and LaTeX (never `a3`, `y` where the notes write `o_k`, `t_k`)."""
    notes, slip, corrected = INDEX_NOTES[letters]
    path = tmp_path / "notes.md"
    path.write_text(notes, encoding="utf-8")
    run = run_of(path)
    (result,) = run.claims
    assert result.verdict == Verdict.REFUTED and result.slip is not None
    text = render_run(run)
    assert slip in text and corrected in text
    words = Words("en").reading(run)
    own = words.about(result.claim).slip(result.slip)
    assert "3" not in own and own != words.slip(result.slip)  # ours (a3, z3) without the claim
    tex = Words("en", latex=True).reading(run).about(result.claim).corrected(result, result.slip)
    assert "_{k}" in tex and "a_{3}" not in tex


def test_a_formula_with_a_tensor_the_claim_does_not_name_stays_a_matrix_formula():
    """FC-10's ∂E/∂w_ij names o_i, t_j, o_j but no δ: its correction `δ3 a2ᵀ` is shown in the
    network's letters, never half in the claim's."""
    run = run_of(CASES / "FC-10.md")
    text = render_run(run)
    assert "corrected: dL/dz_j = o_j - t_j" in text
    assert "corrected: dL/dW2 = δ3 a2ᵀ" in text
