"""Notes whose forward equations are a model of their own (derive/notes_model.py): linear,
logistic and softmax regression as course notes write them, with no layer numbered. They are read
into the model IR, their shapes chosen, and checked by the model pipeline (verify/model_check.py).

Before this reading, a correct linear-regression gradient was refuted (the notes were forced
into a sigmoid network); each right claim here is proved, each planted slip refuted or a shape
error with its slip named, and notes that are a layered network keep the network reading."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive import InputError
from derive.claim_parser import ClaimSyntaxError, parse
from derive.claims import ClaimNote, is_claim
from derive.claims_file import load
from derive.document import find_equations
from derive.formula import Grad, Ref, Softmax, gradients_in
from derive.model_ir import Role
from derive.notes_model import NotAModel, notes_spelling, read_notes_model
from derive.slip_search import Move
from reports.json_report import to_dict, validate
from reports.terminal import render_run
from verify import Verdict, check_document

ROOT = Path(__file__).resolve().parent.parent
POINTS = 40

LINEAR = r"""Linear regression: $\hat{y} = X w$, $L = \frac{1}{2m} \|X w - y\|^2$.

$$\nabla_w L = \frac{1}{m} X^T (X w - y)$$

$$\nabla_w L = X^T (X w - y)$$

$$\nabla_w L = \frac{1}{m} X (X w - y)$$
"""

LOGISTIC = r"""Logistic regression: $z = w^T x + b$, $a = \sigma(z)$,
$J(w, b) = -(y \log a + (1-y)\log(1-a))$.

$$\frac{\partial J}{\partial z} = a - y$$

$$\frac{\partial J}{\partial w} = (a - y) x$$

$$\frac{\partial J}{\partial b} = a - y$$

$$\frac{\partial J}{\partial w} = (y - a) x$$

$$\frac{\partial J}{\partial z} = (a - y) \sigma'(z)$$
"""

SOFTMAX = r"""$z = W x + b$, $p = \mathrm{softmax}(z)$, $L = -\sum_k y_k \log p_k$,
$\delta = \frac{\partial L}{\partial z}$.

$$\frac{\partial L}{\partial z_k} = p_k - y_k$$

$$\frac{\partial L}{\partial W_{ij}} = (p_i - y_i) x_j$$

$$\frac{\partial L}{\partial W} = \frac{\partial L}{\partial z} x^T$$

$$\frac{\partial L}{\partial x_j} = \sum_k W_{kj} \delta_k$$

$$\frac{\partial L}{\partial x} = W \delta$$

$$\frac{\partial L}{\partial W_{ij}} = (p_j - y_j) x_i$$

$$\frac{\partial L}{\partial b} = 2 \delta$$
"""


def _run(tmp_path: Path, text: str, name: str = "notes.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    document = load(path, {})
    return document, check_document(document, points=POINTS, seed=0)


def _verdicts(run) -> list[Verdict]:
    return [r.verdict for r in run.claims]


def test_linear_regression_is_a_model_with_m_the_rows_of_X(tmp_path):
    document, run = _run(tmp_path, LINEAR)
    model = document.model
    assert model is not None and model.from_notes
    shapes = {t.name: t.shape for t in model.model.tensors}
    assert shapes["X"][0] == shapes["y"][0] == model.examples  # m: the examples, X's rows
    assert shapes["X"][1] == shapes["w"][0] != model.examples  # non-square where it can be
    assert model.model.tensor("w").role == Role.PARAMETER and model.model.tensor("y").role == Role.TARGET
    assert _verdicts(run) == [Verdict.PROVED, Verdict.REFUTED, Verdict.SHAPE_ERROR]
    missing = run.claims[1].slip
    assert missing is not None and missing.steps[0].move == Move.MISSING_MEAN


def test_logistic_regression_loss_with_arguments_and_sigma_prime(tmp_path):
    _, run = _run(tmp_path, LOGISTIC)
    assert _verdicts(run) == [
        Verdict.PROVED,
        Verdict.PROVED,
        Verdict.PROVED,
        Verdict.REFUTED,
        Verdict.REFUTED,
    ]
    assert run.claims[3].slip is not None and run.claims[3].slip.steps[0].move == Move.SIGN


def test_softmax_regression_entries_and_upstream_gradients(tmp_path):
    document, run = _run(tmp_path, SOFTMAX)
    model = document.model
    assert model is not None and model.one_hot == ("y",)  # softmax: each target column sums to 1
    assert any(isinstance(e.expr, Softmax) for e in model.model.equations)
    verdicts = _verdicts(run)
    assert verdicts[:4] == [Verdict.PROVED] * 4
    assert verdicts[4:6] == [Verdict.SHAPE_ERROR] * 2
    assert verdicts[6] == Verdict.REFUTED  # the factor 2
    # W δ where Wᵀ δ belongs: the shape error's slip is named
    slip = run.claims[4].slip
    assert slip is not None and slip.steps[0].move == Move.MISSING_TRANSPOSE
    # swapped indices: i runs over W's rows, so p_j x_i does not fit
    assert "the index" in (run.claims[5].shape_problem or "")


def test_a_claim_through_the_upstream_gradient_reads_it_as_the_true_gradient(tmp_path):
    document, _ = _run(tmp_path, SOFTMAX)
    through = document.model.claims[2]  # ∂L/∂W = ∂L/∂z xᵀ
    assert through.right is not None and gradients_in(through.right) == ("z",)
    aliased = document.model.claims[3]  # Σ_k W_kj δ_k
    assert aliased.right is not None and gradients_in(aliased.right) == ("z",)


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (r"\frac{\partial L}{\partial x} = W^T (p - y)", Verdict.PROVED),
        (r"\frac{\partial L}{\partial x} = W^T (y - p)", Verdict.REFUTED),  # a sign
        (r"\frac{\partial L}{\partial b} = \frac{1}{2} (p - y)", Verdict.REFUTED),  # a factor
        (r"\frac{\partial L}{\partial W} = (p - y) x^T \circ (p - y) x^T", Verdict.REFUTED),
        (r"\frac{\partial L}{\partial W} = W", Verdict.REFUTED),  # the wrong tensor
    ],
)
def test_wrong_variants_are_caught(tmp_path, claim, verdict):
    forward = r"$z = W x + b$, $p = \mathrm{softmax}(z)$, $L = -\sum_k y_k \log p_k$."
    _, run = _run(tmp_path, f"{forward}\n\n$${claim}$$\n")
    assert _verdicts(run) == [verdict]


def test_numerator_layout_is_the_transpose_and_said(tmp_path):
    forward = r"$\hat{y} = X w$, $L = \frac{1}{2m} \|X w - y\|^2$."
    document, run = _run(tmp_path, f"{forward}\n\n$$\\nabla_w L = \\frac{{1}}{{m}} (X w - y)^T X$$\n")
    assert ClaimNote.OTHER_LAYOUT in document.model.claims[0].claim.notes
    assert _verdicts(run) == [Verdict.PROVED]


def test_softmax_written_out_in_entries(tmp_path):
    """p_k = e^{z_k} / Σ_j e^{z_j}: index notation in a forward equation."""
    text = (
        r"$z = W x$, $p_k = \frac{e^{z_k}}{\sum_j e^{z_j}}$, $L = -\sum_k y_k \log p_k$."
        "\n\n$$\\frac{\\partial L}{\\partial z} = p - y$$\n"
    )
    document, run = _run(tmp_path, text)
    assert document.model is not None
    assert _verdicts(run) == [Verdict.PROVED]


def test_squared_norms_of_matrices_and_a_penalty(tmp_path):
    text = (
        r"$\hat{y} = W x$, $L = \frac{1}{2}\|\hat{y} - y\|_2^2 + \frac{\lambda}{2} \|W\|_F^2$."
        "\n\n$$\\frac{\\partial L}{\\partial W} = (W x - y) x^T + \\lambda W$$\n"
        "\n$$\\frac{\\partial L}{\\partial W} = (W x - y) x^T$$\n"
    )
    document, run = _run(tmp_path, text)
    assert document.model.model.tensor("λ").shape == (1, 1)
    assert _verdicts(run) == [Verdict.PROVED, Verdict.REFUTED]


@pytest.mark.parametrize(
    "example",
    ["seed-notes.md", "index-notation.md", "nielsen-notes.md", "slips.md"],
)
def test_layered_notes_keep_the_network_reading(example):
    """Numbered layers, one letter for several layers (o_j, o_k), or a generic f: a network."""
    document = load(ROOT / "examples" / example, {})
    assert document.model is None


def test_a_generic_function_is_not_a_model():
    equations = find_equations(
        "$z = W x + b$, $a = f(z)$, $L = \\frac12 \\|a - y\\|^2$\n\n"
        "$$\\frac{\\partial L}{\\partial z} = a - y$$",
        False,
    )
    with pytest.raises(NotAModel, match="generic"):
        read_notes_model("notes.md", equations, is_claim)


def test_a_loss_is_needed():
    equations = find_equations("$z = W x$\n\n$$\\frac{\\partial L}{\\partial W} = x$$", False)
    with pytest.raises(NotAModel, match="no loss"):
        read_notes_model("notes.md", equations, is_claim)


def test_the_grammar_reads_logs_and_norms_without_breaking_claims():
    for text in (r"L = \frac{1}{2m}\left\|X w - y\right\|^2", r"L = -\sum_k y_k \ln p_k", r"J = \|W\|_F^2"):
        assert len(parse(text, "latex")) == 2
    with pytest.raises(ClaimSyntaxError):
        parse(r"L = \|a", "latex")  # an open norm says where it ends early


def test_the_run_says_where_the_model_came_from(tmp_path):
    _, run = _run(tmp_path, LINEAR)
    text = " ".join(render_run(run).split())
    assert "read from the notes' forward equations (line 1)" in text
    assert "m = 3 examples" in text
    data = to_dict(run)
    validate(data)
    assert data["model"]["read_from"] == "notes" and data["model"]["examples"] == 3


def test_grad_nodes_render_and_shape():
    from derive.formula import Dims, shape, to_latex, to_text

    g = Grad(Ref("z"))
    assert to_text(g) == "dL/dz" and to_latex(g) == r"\frac{\partial L}{\partial z}"
    assert shape(g, Dims((), 1, 1), {"z": (3, 1)}) == (3, 1)


@pytest.mark.parametrize("example", ["regression.md", "linear-regression.md"])
def test_worked_examples(example):
    document = load(ROOT / "examples" / example, {})
    run = check_document(document, points=POINTS, seed=0)
    verdicts = _verdicts(run)
    assert Verdict.PROVED in verdicts
    wrong = [r for r in run.claims if r.verdict in (Verdict.REFUTED, Verdict.SHAPE_ERROR)]
    assert wrong and all(r.slip is not None for r in wrong)  # every planted slip is named
    assert len(wrong) + verdicts.count(Verdict.PROVED) == len(verdicts)


ATOMS = [
    "W",
    "x",
    "b",
    "y",
    "z",
    "p",
    r"\delta",
    "m",
    "2",
    r"\frac{1}{m}",
    r"\mathbf{1}",
    "x_j",
    "W_{ij}",
    "p_k",
]
UNARY = [r"\sigma({})", r"\log {}", r"\mathrm{{softmax}}({})", r"\tanh({})", "({})^T", "({})^2"]
UNARY += [r"\|{}\|^2", r"\sum_k {}", r"\frac{{\partial L}}{{\partial {}}}", "e^{{{}}}", "({})^{{-1}}"]
UNARY += [r"\sigma'({})"]
BINARY = ["{} + {}", "{} - {}", r"{} \circ {}", "{} {}", r"{} \cdot {}", r"\frac{{{}}}{{{}}}"]
EXPRESSIONS = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(UNARY), inner).map(lambda t: t[0].format(t[1])),
        st.tuples(st.sampled_from(BINARY), inner, inner).map(lambda t: t[0].format(t[1], t[2])),
    ),
    max_leaves=5,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(EXPRESSIONS, EXPRESSIONS, st.sampled_from(["W", "x", "b", "z", "W_{ij}", "z_k", "y"]))
def test_any_expressions_read_or_give_a_clear_error(tmp_path, forward, claim, wrt):
    """Softmax-regression notes with random right sides: read as a model or a network, each claim
    read or unparsed with its reason, or an InputError — never another exception."""
    text = (
        f"$z = {forward}$, $p = \\mathrm{{softmax}}(z)$, $L = -\\sum_k y_k \\log p_k$,"
        f" $\\delta = \\frac{{\\partial L}}{{\\partial z}}$.\n\n"
        f"$$\\frac{{\\partial L}}{{\\partial {wrt}}} = {claim}$$\n"
    )
    path = tmp_path / "fuzz.md"
    path.write_text(text, encoding="utf-8")
    try:
        document = load(path, {})
    except InputError:
        return
    if document.model is not None:  # read as a model: each claim read, a shape error, or unparsed
        for c in document.model.claims:
            assert c.right is not None or c.shape_problem is not None or c.claim.problem is not None


def test_a_documents_claims_about_a_model_file(tmp_path):
    """`check notes.md --model model.toml`: the notes' letters (W_2, δ_2 := ∂L/∂z, 𝟏) for the
    file's tensors; right claims proved, W_2 for W_2ᵀ a shape error with its slip."""
    document = load(
        ROOT / "examples" / "softmax-backprop.md", {}, model=ROOT / "examples/models/softmax_ce.toml"
    )
    assert document.model is not None and document.model.path.endswith("softmax_ce.toml")
    run = check_document(document, points=POINTS, seed=0)
    assert _verdicts(run) == [Verdict.PROVED] * 4 + [Verdict.SHAPE_ERROR]
    slip = run.claims[-1].slip
    assert slip is not None and slip.steps[0].move == Move.MISSING_TRANSPOSE
    assert to_dict(run)["model"]["model_file"].endswith("softmax_ce.toml")


def test_a_wrong_claim_about_a_model_file_is_refuted(tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("$$\\frac{\\partial L}{\\partial W_2} = (p - y) h^T$$\n", encoding="utf-8")
    run = check_document(load(notes, {}, model=ROOT / "examples/models/softmax_ce.toml"), points=POINTS)
    assert _verdicts(run) == [Verdict.REFUTED]  # the mean's 1/3 missing
    assert run.claims[0].slip is not None and run.claims[0].slip.steps[0].move == Move.MISSING_MEAN


def test_model_option_errors(tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("no math here\n", encoding="utf-8")
    with pytest.raises(InputError, match="a model file"):
        load(notes, {}, model=ROOT / "examples" / "seed-notes.md")
    with pytest.raises(InputError, match="claims"):
        load(notes, {}, model=ROOT / "examples/models/softmax_ce.toml")


@pytest.mark.parametrize(
    ("name", "spelled"),
    [
        ("W1", "W1"),
        ("W_1", "W1"),
        ("y_hat", "ŷ"),
        ("yhat", "ŷ"),
        ("theta2", "θ2"),
        ("gamma", "γ"),
        ("h", "h"),
    ],
)
def test_model_file_names_as_notes_spell_them(name, spelled):
    assert notes_spelling(name) == spelled


def test_greek_and_hatted_names_reach_tex_as_commands():
    """θ and ŷ from notes: `\\theta`, `\\hat{y}` in math and in text (the report failed on them)."""
    from derive.formula import to_latex
    from reports.tex import tex

    assert to_latex(Ref("θ2")) == r"\theta_{2}" and to_latex(Ref("ŷ")) == r"\hat{y}"
    assert tex("θ 2×1, ŷ") == r"$\theta$ 2$\times$1, $\hat{y}$"


def test_the_report_typesets_a_model_claim_from_what_was_read(tmp_path):
    from reports.latex import ReportInput, render_report

    _, run = _run(tmp_path, LINEAR.replace("w", r"\theta"))
    source = render_report(ReportInput(run))
    assert r"\frac{\partial L}{\partial \theta}" in source  # the statement, from the read formula
    assert "θ" not in source and r"parameters $\theta$" in source


# --- found by a new user's trial --------------------------------------------------------------


def test_a_claims_m_is_the_number_of_examples_even_where_the_loss_has_none(tmp_path):
    """J = ½ Σ (h_i − y_i)² has no 1/m: a claim with one is wrong (it was read with m = 1)."""
    text = (
        r"$h = X\theta$, $J = \frac{1}{2} \sum_i (h_i - y_i)^2$."
        "\n\n$$\\nabla_\\theta J = X^T (X\\theta - y)$$\n"
        "\n$$\\nabla_\\theta J = \\frac{1}{m} X^T (X\\theta - y)$$\n"
    )
    _, run = _run(tmp_path, text)
    assert _verdicts(run) == [Verdict.PROVED, Verdict.REFUTED]
    assert run.claims[1].slip is not None and run.claims[1].slip.steps[0].move == Move.EXTRA_MEAN


def test_a_loss_with_arguments_in_the_claim(tmp_path):
    text = (
        r"$J(\theta) = \frac{1}{2}\|X\theta - y\|^2$."
        "\n\n$$\\nabla_\\theta J(\\theta) = X^T X \\theta - X^T y$$\n"
    )
    _, run = _run(tmp_path, text)
    assert _verdicts(run) == [Verdict.PROVED]


def test_a_chain_of_names_defines_each(tmp_path):
    """ŷ = a = σ(z) (deeplearning.ai): a is σ(z), not an input."""
    text = (
        r"$z = w^T x + b$, $\hat{y} = a = \sigma(z)$, $L = -(y \log a + (1 - y) \log(1 - a))$."
        "\n\n$$\\frac{\\partial L}{\\partial z} = a - y$$\n"
        "\n$$\\frac{\\partial L}{\\partial z} = -\\frac{y}{a} + \\frac{1-y}{1-a}$$\n"
    )
    document, run = _run(tmp_path, text)
    assert document.model.model.tensor("a").role == Role.INTERMEDIATE
    assert document.model.one_hot == ()  # a sigmoid's cross-entropy holds for every y
    assert _verdicts(run) == [Verdict.PROVED, Verdict.REFUTED]  # the second: σ' missing


def test_ridge_with_the_identity_and_a_positive_lambda(tmp_path):
    text = (
        r"$L = \frac{1}{2}\|X w - y\|^2 + \frac{\lambda}{2}\|w\|^2$."
        "\n\n$$\\nabla_w L = (X^T X + \\lambda I) w - X^T y$$\n"
        "\n$$\\nabla_w L = (X^T X + 2 \\lambda I) w - X^T y$$\n"
        "\n$$\\nabla_w L = I w$$\n"
    )
    document, run = _run(tmp_path, text)
    assert document.model.positive == ("λ",)
    assert _verdicts(run) == [Verdict.PROVED, Verdict.REFUTED, Verdict.REFUTED]


def test_a_sums_factors_without_its_index_stay_outside(tmp_path):
    text = (
        r"$h = \sigma(W x)$, $\hat{y} = V h$, $L = \frac{1}{2}\|\hat{y} - y\|^2$,"
        r" $\delta = \frac{\partial L}{\partial \hat{y}}$."
        "\n\n$$\\frac{\\partial L}{\\partial W_{ij}} = \\sum_k V_{ki} \\delta_k h_i (1 - h_i) x_j$$\n"
        "\n$$\\frac{\\partial L}{\\partial W_{ij}} = \\sum_k V_{ik} \\delta_k h_i (1 - h_i) x_j$$\n"
    )
    _, run = _run(tmp_path, text)
    assert _verdicts(run) == [Verdict.PROVED, Verdict.SHAPE_ERROR]  # V_ik: k runs over V's columns


def test_one_unread_claim_leaves_notes_without_layers_a_model(tmp_path):
    text = (
        r"$\hat{y} = X w$, $L = \frac{1}{2}\|X w - y\|^2$."
        "\n\n$$\\nabla_w L = X^T (X w - y)$$\n"
        "\n$$\\partial_{w} L = X^T (X w - y)$$\n"
    )
    document, run = _run(tmp_path, text)
    assert document.model is not None
    assert _verdicts(run) == [Verdict.PROVED, Verdict.UNPARSED]


def test_ngs_differentials_are_claims_and_gradients(tmp_path):
    """deeplearning.ai's dz = a − y, dw = x dz, db = dz: d before a tensor is ∂L/∂ of it."""
    text = (
        r"$z = w^T x + b$, $a = \sigma(z)$, $\mathcal{L}(a, y) = -(y \log(a) + (1 - y) \log(1 - a))$."
        "\n\n$$dz = a - y$$\n\n$$dw = x \\, dz$$\n\n$$db = dz$$\n\n$$dw = x^T dz$$\n\n$$dz = y - a$$\n"
    )
    _, run = _run(tmp_path, text)
    verdicts = _verdicts(run)
    assert verdicts[:3] == [Verdict.PROVED] * 3  # the chain's float values are stable (cancelled)
    assert verdicts[4] == Verdict.REFUTED
    assert [r.claim.model_wrt for r in run.claims] == ["z", "w", "b", "w", "z"]


# --- a second trial: chains, CS229's sums over examples, hinge, attention's √d -----------------


def test_every_link_of_a_chain_is_checked(tmp_path):
    """∂L/∂x = W ∂L/∂u = Wᵀ(…): the middle link's W for Wᵀ is caught (it passed as a conclusion)."""
    text = (
        r"$u = W x$, $v = \sigma(u)$, $L = \frac{1}{2}\|v - y\|^2$."
        "\n\n$$\\frac{\\partial L}{\\partial x} = W \\frac{\\partial L}{\\partial u}"
        " = W^T ((v - y) \\circ v \\circ (1 - v))$$\n"
    )
    _, run = _run(tmp_path, text)
    assert _verdicts(run) == [Verdict.SHAPE_ERROR, Verdict.PROVED]
    assert run.claims[0].claim.written.endswith(r"= W \frac{\partial L}{\partial u}")
    assert not run.passed


def test_a_sum_over_examples_written_with_superscripts(tmp_path):
    """CS229: J = 1/(2m) Σ_i (h^{(i)} − y^{(i)})², h = Xθ: entry i of the column h."""
    text = (
        r"$h = X \theta$ and $J(\theta) = \frac{1}{2m} \sum_{i=1}^{m} (h^{(i)} - y^{(i)})^2$."
        "\n\n$$\\nabla_\\theta J = \\frac{1}{m} X^T (X \\theta - y)$$\n"
        "\n$$\\nabla_\\theta J = X^T (X \\theta - y)$$\n"
    )
    _, run = _run(tmp_path, text)
    assert _verdicts(run) == [Verdict.PROVED, Verdict.REFUTED]


def test_a_hinge_loss_and_its_indicator(tmp_path):
    text = (
        r"Forward: $s = w^T x$, $L = \max(0, 1 - y s)$."
        "\n\n$$\\frac{\\partial L}{\\partial w} = -y x \\, \\mathbb{1}(y s < 1)$$\n"
        "\n$$\\frac{\\partial L}{\\partial s} = -y$$\n"
    )
    _, run = _run(tmp_path, text)
    assert _verdicts(run) == [Verdict.PROVED, Verdict.REFUTED]  # -y alone misses the indicator
    assert run.claims[1].slip is not None


def test_attention_with_its_square_root(tmp_path):
    text = (
        r"$S = \frac{Q K^T}{\sqrt{d}}$, $P = \mathrm{softmax}(S)$, $L = \frac{1}{2}\|P - Y\|_F^2$."
        "\n\n$$\\frac{\\partial L}{\\partial Q} = \\frac{1}{\\sqrt{d}} \\frac{\\partial L}{\\partial S} K$$\n"
        "\n$$\\frac{\\partial L}{\\partial Q} = \\frac{\\partial L}{\\partial S} K$$\n"
    )
    document, run = _run(tmp_path, text)
    assert document.model.model.tensor("d").shape == (1, 1) and "d" in document.model.positive
    right, wrong = run.claims
    # a softmax of 3×4 scores: `expand` cancels SymPy's own ∂L/∂S term by term (cancel took 50 s)
    assert right.verdict == Verdict.PROVED
    assert wrong.verdict == Verdict.REFUTED
