"""The Kronecker product (derive/formula.py's `Kron`) and the outer product: in the IR and every
interpreter, in model files (`kron(A, B)`, `outer(x, y)`), in the Matrix Cookbook's identities
(`A \\otimes B`), and the worked examples examples/models/kron.toml and conv2d_channels.toml.

Each witness is held to `np.kron` (an independent reference: NumPy's own, not our einsum) and
`np.outer`; each worked example's claims are proved and its planted slip refuted and named;
wrong variants are refuted; a malformed call says what was expected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive import InputError
from derive.claim_parser import ClaimSyntaxError
from derive.claims_file import load
from derive.formula import (
    Add,
    Dims,
    Hadamard,
    Kron,
    MatMul,
    Ref,
    Transpose,
    layers_of,
    rewrite,
    shape,
    to_latex,
    to_text,
)
from derive.ir_sympy import sympy_value
from derive.matrix_identity import choose_shapes, read_identity
from derive.model_formula import read_formula
from derive.slip_search import Move
from derive.slips import SlipKind
from reports.terminal import render_run
from reports.wording import Words
from verify import Verdict, check_document
from verify.ir_numpy import numpy_value
from verify.results import Run

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "examples" / "models"
A, B, C, x = Ref("A"), Ref("B"), Ref("C"), Ref("x")
RNG = np.random.default_rng(7)
ARRAYS = {  # non-square, and each factor of a different shape
    "A": RNG.normal(size=(2, 3)),
    "B": RNG.normal(size=(4, 2)),
    "x": RNG.normal(size=(5, 1)),
    "r": RNG.normal(size=(1, 3)),
}
SHAPES = {k: v.shape for k, v in ARRAYS.items()}


# --- the node ---------------------------------------------------------------------------------


def test_the_shape_is_the_product_of_the_factors_shapes():
    assert shape(Kron(A, B), Dims(()), SHAPES) == (8, 6)
    assert shape(Kron(B, A), Dims(()), SHAPES) == (8, 6)
    assert shape(Kron(A, x), Dims(()), SHAPES) == (10, 3)
    assert shape(Transpose(Kron(A, Ref("r"))), Dims(()), SHAPES) == (9, 2)


@pytest.mark.parametrize(
    "node", [Kron(A, B), Kron(B, A), Kron(A, x), Kron(Transpose(A), Ref("r"))], ids=to_text
)
def test_each_witness_agrees_with_np_kron(node):
    from jax import numpy as jnp

    from verify.jax_oracle import _value

    def at(f):
        return ARRAYS[f.name] if isinstance(f, Ref) else ARRAYS[f.operand.name].T

    want = np.kron(at(node.left), at(node.right))
    symbolic = sympy_value(node, {k: sp.Matrix(v) for k, v in ARRAYS.items()})
    assert np.array(symbolic.evalf(), dtype=float) == pytest.approx(want, rel=1e-13)
    # NumPy at three points at once (P, r, c): each point's own np.kron
    stacked = {k: np.stack([v, 2 * v, -v]) for k, v in ARRAYS.items()}
    got = numpy_value(node, stacked)
    assert got.shape == (3, *want.shape)
    for p, factor in enumerate((1, 4, 1)):  # both factors scaled: 2·2, (−1)·(−1)
        assert got[p] == pytest.approx(factor * want, rel=1e-13)
    j = np.asarray(_value(node, {k: jnp.asarray(v) for k, v in ARRAYS.items()}, 1, jnp.float64))
    assert j == pytest.approx(want, rel=1e-13)


def test_a_number_broadcasts_against_points():
    """A factor without the points axis (a number of a claim, (r, c)) against one with it."""
    got = numpy_value(Kron(A, B), {"A": ARRAYS["A"], "B": np.stack([ARRAYS["B"]] * 2)})
    assert got.shape == (2, 8, 6) and got[1] == pytest.approx(np.kron(ARRAYS["A"], ARRAYS["B"]))


@pytest.mark.parametrize(
    ("node", "text", "latex"),
    [
        (Kron(A, B), "A ⊗ B", r"A \otimes B"),
        (MatMul(Kron(A, B), x), "(A ⊗ B) x", r"\left(A \otimes B\right) x"),
        (
            Add(Kron(A, B), Kron(Transpose(A), Transpose(B))),
            "A ⊗ B + Aᵀ ⊗ Bᵀ",
            r"A \otimes B + A^{T} \otimes B^{T}",
        ),
        (Kron(MatMul(A, C), B), "A C ⊗ B", r"A C \otimes B"),  # a product binds tighter
        (Kron(Add(A, C), B), "(A + C) ⊗ B", r"\left(A + C\right) \otimes B"),
        (Hadamard(Kron(A, B), C), "(A ⊗ B) ∘ C", r"\left(A \otimes B\right) \circ C"),  # never A ⊗ B ∘ C
        (Transpose(Kron(A, B)), "(A ⊗ B)ᵀ", r"\left(A \otimes B\right)^{T}"),
    ],
)
def test_text_and_latex_say_which_factor_is_which(node, text, latex):
    assert to_text(node) == text
    assert to_latex(node) == latex


def test_rewrite_and_layers_reach_both_factors():
    swapped = rewrite(Kron(A, B), lambda n: Ref("B") if n == A else Ref("A") if n == B else None)
    assert swapped == Kron(B, A)
    assert layers_of(Kron(A, B)) == set()


# --- model files ------------------------------------------------------------------------------


def test_kron_and_outer_read_as_numpy_computes_them():
    kron = read_formula("kron(A, B)", SHAPES)
    assert kron == Kron(A, B)
    points = {k: v[None] for k, v in ARRAYS.items()}
    for text, want in [
        ("outer(x, r)", np.outer(ARRAYS["x"], ARRAYS["r"])),  # a column and a row
        ("outer(r, x)", np.outer(ARRAYS["r"], ARRAYS["x"])),
        ("outer(x, x)", np.outer(ARRAYS["x"], ARRAYS["x"])),
        ("outer(r.T, x.T)", np.outer(ARRAYS["r"], ARRAYS["x"])),
    ]:
        node = read_formula(text, SHAPES)
        assert isinstance(node, MatMul)  # x yᵀ: no node of its own
        assert numpy_value(node, points)[0] == pytest.approx(want, rel=1e-14), text
    assert to_text(read_formula("outer(x, r)", SHAPES)) == "x r"
    assert to_text(read_formula("outer(x, x)", SHAPES)) == "x xᵀ"


@pytest.mark.parametrize(
    ("text", "expected", "received"),
    [
        ("kron(A)", "kron(A, B), the Kronecker product of two tensors", "received 1 argument"),
        ("kron(A, B, x)", "kron(A, B)", "received 3 argument"),
        ("kron(A, B, axis=0)", "kron(A, B)", "the keyword axis"),
        ("outer(x)", "outer(x, y) of two vectors, each n×1 or 1×n", "received 1 argument"),
        ("outer(A, x)", "outer(x, y) of two vectors", "a 2×3 matrix"),
        ("kron(A, B) @ A", "expected shapes that fit", "matrix product of 8×6 and 2×3"),
    ],
)
def test_a_malformed_product_says_what_was_expected(text, expected, received):
    with pytest.raises(ClaimSyntaxError) as caught:
        read_formula(text, SHAPES)
    assert expected in str(caught.value) and received in str(caught.value), str(caught.value)


def test_a_malformed_product_in_a_model_file_is_one_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        "[model]\ninputs = { x = [6, 1] }\nparameters = { A = [2, 3] }\n"
        'forward = """\nW = kron(A)\nL = sum(W)\n"""\n[[claim]]\nwrt = "A"\nformula = "A"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load(path, {})
    message = str(caught.value)
    assert "\n" not in message and "forward line 1" in message
    assert "kron(A, B), the Kronecker product of two tensors" in message


@pytest.fixture(scope="module")
def kron_run() -> Run:
    return check_document(load(MODELS / "kron.toml", {}), points=30, seed=0)


def test_the_kronecker_layer_is_proved_and_its_planted_slip_named(kron_run):
    assert kron_run.forward.agree
    *right, planted = kron_run.claims
    assert len(right) == 5 and all(r.verdict == Verdict.PROVED for r in right), [
        (r.claim.written, r.verdict) for r in right
    ]
    assert "planted slip" in (planted.claim.name or "") and planted.verdict == Verdict.REFUTED
    assert planted.slip is not None and planted.slip.kind == SlipKind.FOUND
    (step,) = planted.slip.steps
    assert step.move == Move.ORDER and isinstance(step.where, Kron)
    assert to_text(step.fix) == "Aᵀ ⊗ Bᵀ"
    cx = planted.counterexample
    assert cx is not None and cx.true_sympy[0] is not None
    assert float(cx.true_sympy[0]) == pytest.approx(cx.true_jax[0], rel=1e-9, abs=1e-12)
    assert kron_run.reference.points > 0  # the 50-digit reference ran through the Kron node too
    assert "W = A ⊗ B" in " ".join(render_run(kron_run).split())


def _kron_model(claims: list[tuple[str, str]]) -> str:
    text = (MODELS / "kron.toml").read_text(encoding="utf-8").split("[[claim]]")[0]
    return text + "".join(f'\n[[claim]]\nwrt = "{w}"\nformula = "{f}"\n' for w, f in claims)


DELTA = "(G * (1 - h ** 2))"


@pytest.mark.parametrize(
    ("wrt", "formula", "verdict", "move"),
    [
        ("x", f"kron(A, B).T @ {DELTA}", Verdict.PROVED, None),  # (A ⊗ B)ᵀ, the same as Aᵀ ⊗ Bᵀ
        ("x", f"kron(A, B) @ {DELTA}", Verdict.REFUTED, Move.MISSING_TRANSPOSE),  # 6×6: fits, wrongly
        ("A", f"conv2d({DELTA} @ x.T, B, stride=(2, 3))", Verdict.SHAPE_ERROR, None),  # 2×2, not 2×3
        ("B", f"conv2d({DELTA} @ x.T, A, stride=(3, 2))", Verdict.SHAPE_ERROR, None),  # stride, not dilation
        ("B", f"conv2d({DELTA} @ x.T, flip(A), dilation=(3, 2))", Verdict.REFUTED, Move.EXTRA_FLIP),
    ],
)
def test_wrong_kronecker_claims_are_caught(tmp_path, wrt, formula, verdict, move):
    path = tmp_path / "m.toml"
    path.write_text(_kron_model([(wrt, formula)]), encoding="utf-8")
    (result,) = check_document(load(path, {}), points=20, seed=0).claims
    assert result.verdict == verdict, (result.verdict, result.shape_problem)
    if move is not None:
        assert result.slip is not None and move in {s.move for s in result.slip.steps}


# --- channels ---------------------------------------------------------------------------------


def _channels(claim: str) -> str:
    text = (MODELS / "conv2d_channels.toml").read_text(encoding="utf-8").split("[[claim]]")[0]
    return text + f'\n[[claim]]\nwrt = "X1"\nformula = "{claim}"\n'


def test_an_input_channel_missing_an_output_channel_is_refuted(tmp_path):
    """X1 feeds both output channels: its gradient without the second channel's term is wrong."""
    path = tmp_path / "m.toml"
    path.write_text(_channels("conv2d(G1 * (1 - H1 ** 2), flip(K11), padding=(1, 2))"), encoding="utf-8")
    (result,) = check_document(load(path, {}), points=20, seed=0).claims
    assert result.verdict == Verdict.REFUTED
    assert result.counterexample is not None


def test_the_other_channels_kernel_is_refuted(tmp_path):
    """K12 (input 2 → output 1) where K21 (input 1 → output 2) belongs: the channels' order."""
    wrong = (
        "conv2d(G1 * (1 - H1 ** 2), flip(K11), padding=(1, 2))"
        " + conv2d(G2 * (1 - H2 ** 2), flip(K12), padding=(1, 2))"
    )
    path = tmp_path / "m.toml"
    path.write_text(_channels(wrong), encoding="utf-8")
    (result,) = check_document(load(path, {}), points=20, seed=0).claims
    assert result.verdict == Verdict.REFUTED


# --- the Matrix Cookbook ------------------------------------------------------------------------

QUADRATIC = r"\frac{\partial x^T (A \otimes B) x}{\partial x} = (A \otimes B + A^T \otimes B^T) x"
SYMMETRIC = r"\frac{\partial x^T (A \otimes B) x}{\partial x} = 2 (A \otimes B) x"
HALVED = r"\frac{\partial x^T (A \otimes B) x}{\partial x} = (A \otimes B) x"
SWAPPED = r"\frac{\partial x^T (A \otimes B) x}{\partial x} = (A \otimes B + B^T \otimes A^T) x"
PLAIN_SQUARE = r"\frac{\partial}{\partial X} \operatorname{Tr}(AXB) = A B"  # right for A, B symmetric too


def test_the_shapes_of_a_kronecker_product_are_chosen_as_products():
    identity = read_identity(QUADRATIC)
    assert identity.describe() == "x 6×1, A 3×3, B 2×2"  # 3·2 = 6, the factors' pairwise tie
    objective = read_identity(r"\frac{\partial a^T (A \otimes X) b}{\partial X} = a b^T").objective
    assert choose_shapes(objective) == (("a", (12, 1)), ("A", (3, 2)), ("X", (4, 5)), ("b", (10, 1)))


def test_a_side_tied_to_its_own_factor_is_not_inferred():
    with pytest.raises(ClaimSyntaxError, match="not inferred"):
        read_identity(r"\frac{\partial x^T (x \otimes B) y}{\partial x} = y")


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Run:
    path = tmp_path_factory.mktemp("kron") / "page.md"
    claims = [QUADRATIC, SYMMETRIC, HALVED, SWAPPED, PLAIN_SQUARE]
    path.write_text("Kronecker.\n\n" + "\n\n".join(f"$${c}$$" for c in claims) + "\n", encoding="utf-8")
    return check_document(load(path, {}), points=50, seed=0)


def _result(run: Run, claim: str):
    (found,) = [r for r in run.claims if r.claim.written == claim]
    return found


def test_the_quadratic_form_of_a_kronecker_product_is_proved(page):
    result = _result(page, QUADRATIC)
    assert result.verdict == Verdict.PROVED and result.agreement is not None and result.agreement.agree
    assert "x 6×1, A 3×3, B 2×2" in Words("en").claim_scope(result)


def test_twice_the_product_holds_only_for_symmetric_factors(page):
    result = _result(page, SYMMETRIC)
    assert result.verdict == Verdict.CONVENTION and result.claim.symmetric == ("A", "B")
    assert result.agreement is not None and result.agreement.agree  # at points with A, B symmetric
    assert Words("en").matrix_note(result) == "right when A, B are each symmetric, not in general"
    assert "대칭" in Words("ko").matrix_note(result)


def test_the_factor_dropped_and_the_factors_swapped_are_refuted(page):
    halved = _result(page, HALVED)
    assert halved.verdict == Verdict.REFUTED and not halved.claim.symmetric
    swapped = _result(page, SWAPPED)
    assert swapped.verdict == Verdict.REFUTED
    assert swapped.slip is not None and swapped.slip.steps[0].move == Move.ORDER


def test_letters_outside_a_kronecker_product_are_not_made_symmetric_together(page):
    """`A B` for `Aᵀ Bᵀ` holds with A and B both symmetric, but no Kronecker product ties them:
    a dropped transpose, not a convention."""
    result = _result(page, PLAIN_SQUARE)
    assert result.verdict == Verdict.REFUTED and not result.claim.symmetric
