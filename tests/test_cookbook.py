"""Matrix Cookbook identities (derive/matrix_identity.py, each a model of its own checked by
verify/model_check.py): stated as Petersen & Pedersen print them (§2), proved by SymPy entry
by entry, evaluated as written by NumPy, and compared with jax.grad of the objective alone.
Wrong variants are refuted with a counterexample; the transpose of a right answer (numerator
layout) depends on convention; text that cannot be read says what was expected."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive.claims import ClaimNote
from derive.claims_file import load
from derive.matrix_identity import is_matrix_identity, read_identity
from derive.registry import MATRIX
from derive.slip_search import Move
from derive.slips import SlipKind
from reports.json_report import to_dict, validate
from reports.terminal import render_run
from reports.wording import Words
from verify import Verdict, check_document
from verify.results import Run

ROOT = Path(__file__).resolve().parent.parent

# (as printed, the shapes chosen): non-square wherever the objective allows
AS_PRINTED = [
    (r"\frac{\partial}{\partial X} \operatorname{Tr}(AXB) = A^T B^T", "A 3×2, X 2×4, B 4×3"),
    (r"\frac{\partial \operatorname{Tr}(X^T A)}{\partial X} = A", "X 3×2, A 3×2"),
    (r"\frac{\partial x^T a}{\partial x} = a", "x 3×1, a 3×1"),
    (r"\frac{\partial x^T B x}{\partial x} = (B + B^T) x", "x 3×1, B 3×3"),
    (r"\frac{\partial a^T X b}{\partial X} = a b^T", "a 3×1, X 3×2, b 2×1"),
    (r"\frac{\partial a^T X^T b}{\partial X} = b a^T", "a 3×1, X 2×3, b 2×1"),
    (r"\frac{\partial}{\partial X}\|X\|_F^2 = 2X", "X 3×2"),
    (r"\frac{\partial}{\partial X} \|AXB + C\|_F^2 = 2A^T(AXB + C)B^T", "A 3×2, X 2×4, B 4×5, C 3×5"),
    (r"\frac{\partial \det(X)}{\partial X} = \det(X) (X^{-1})^T", "X 3×3"),
    (r"\frac{\partial \ln|\det X|}{\partial X} = (X^{-1})^T", "X 3×3"),
    (r"\frac{\partial \operatorname{Tr}(X^{-1} A)}{\partial X} = -(X^{-1} A X^{-1})^T", "X 3×3, A 3×3"),
    (r"\frac{\partial b^T X^T X c}{\partial X} = X(b c^T + c b^T)", "b 3×1, X 2×3, c 3×1"),
    (r"\frac{\partial \operatorname{Tr}(X^T B X)}{\partial X} = BX + B^T X", "X 3×2, B 3×3"),
    (r"\frac{\partial \operatorname{Tr}(X^2)}{\partial X} = 2X^T", "X 3×3"),
    (r"\frac{\partial \|x - a\|_2^2}{\partial x} = 2(x-a)", "x 3×1, a 3×1"),
    (
        r"\frac{\partial\, \operatorname{Tr}(A X^{-1} B)}{\partial X} = -(X^{-1} B A X^{-1})^T",
        "A 3×2, X 2×2, B 2×3",
    ),
    # the same identities in other spellings people use
    (r"\nabla_X \mathrm{tr}(A X B) = A^\top B^\top", "A 3×2, X 2×4, B 4×3"),
    (r"\frac{\partial \text{tr}(X^{\top} A)}{\partial X} = A", "X 3×2, A 3×2"),
    (r"\frac{\partial |X|}{\partial X} = |X| (X^{-1})^T", "X 3×3"),
    (r"\frac{\partial \log \det X}{\partial X} = (X^{-1})^{T}", "X 3×3"),
    (
        r"\nabla_{\mathbf{x}} \left\| \mathbf{x} - \mathbf{a} \right\|^2 = 2 (\mathbf{x} - \mathbf{a})",
        "x 3×1, a 3×1",
    ),
    (r"\frac{\partial \lVert X \rVert_F^2}{\partial X} = 2 \cdot X", "X 3×2"),
]
# slips a person makes, each refuted with a counterexample
WRONG = [
    r"\frac{\partial}{\partial X} \operatorname{Tr}(AXB) = A B",  # transposes dropped (fits square only)
    r"\frac{\partial}{\partial X}\|X\|_F^2 = X",  # the factor 2 missing
    r"\frac{\partial x^T B x}{\partial x} = B x",  # the Bᵀx term missing
    r"\frac{\partial \det(X)}{\partial X} = (X^{-1})^T",  # det(X) missing
    r"\frac{\partial \operatorname{Tr}(X^{-1} A)}{\partial X} = (X^{-1} A X^{-1})^T",  # the sign
    r"\frac{\partial \|x - a\|_2^2}{\partial x} = 2(x+a)",  # the sign of a
    r"\frac{\partial}{\partial X} \|AXB + C\|_F^2 = 2A^T(AXB)B^T",  # C dropped
]
# right in numerator layout (∂f/∂X with Xᵀ's shape): the transpose of the Cookbook's
OTHER_LAYOUT = [
    r"\frac{\partial \operatorname{Tr}(X^2)}{\partial X} = 2X",
    r"\frac{\partial a^T X b}{\partial X} = b a^T",
    r"\frac{\partial}{\partial X} \operatorname{Tr}(AXB) = B A",
]


def _page(claims: list[str]) -> str:
    return "Matrix identities.\n\n" + "\n\n".join(f"$${c}$$" for c in claims) + "\n"


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Run:
    """Every claim above on one page, checked once."""
    path = tmp_path_factory.mktemp("cookbook") / "page.md"
    path.write_text(_page([c for c, _ in AS_PRINTED] + WRONG + OTHER_LAYOUT), encoding="utf-8")
    return check_document(load(path, {}), points=100, seed=3)


def _result(run: Run, claim: str):
    (found,) = [r for r in run.claims if r.claim.written == claim]
    return found


@pytest.mark.parametrize(("claim", "shapes"), AS_PRINTED, ids=[c for c, _ in AS_PRINTED])
def test_identities_as_printed_are_proved(page, claim, shapes):
    result = _result(page, claim)
    assert result.verdict == Verdict.PROVED, result
    assert result.agreement is not None and result.agreement.agree
    assert Words("en").shapes(result.claim) == shapes  # the shapes checked, stated
    assert shapes in Words("en").claim_scope(result)
    assert Words("ko").claim_scope(result)


@pytest.mark.parametrize("claim", WRONG)
def test_wrong_variants_are_refuted_with_a_counterexample(page, claim):
    result = _result(page, claim)
    assert result.verdict == Verdict.REFUTED
    cx = result.counterexample
    assert cx is not None and cx.entries
    # SymPy's derivative and jax.grad give the same true value there; the claim differs from it
    assert float(cx.true_sympy[0]) == pytest.approx(cx.true_jax[0], rel=1e-9, abs=1e-12)
    assert abs(cx.claimed_jax[0] - cx.true_jax[0]) > 1e-6


@pytest.mark.parametrize("claim", OTHER_LAYOUT)
def test_the_other_layout_depends_on_convention(page, claim):
    result = _result(page, claim)
    assert result.verdict == Verdict.CONVENTION
    for lang in ("en", "ko"):
        assert Words(lang).matrix_note(result)
    assert "numerator layout" in Words("en").matrix_note(result)


def test_the_forward_values_are_compared_first_and_agree(page):
    assert page.forward.agree
    assert page.matrix


def test_renderers_report_the_page_in_both_languages(page):
    text = " ".join(render_run(page).split())  # the table wraps its cells
    assert "denominator layout, ∂f/∂X with X's shape" in text and "X 2×4" in text
    assert "분모 배치" in " ".join(render_run(page, "ko").split())
    data = to_dict(page)
    validate(data)
    json.dumps(data)
    shapes = data["claims"][0]["shapes"]
    assert data["claims"][0]["about"] == "matrix"
    assert [(s["letter"], s["rows"], s["cols"]) for s in shapes] == [("A", 3, 2), ("X", 2, 4), ("B", 4, 3)]


def test_the_example_page_catches_its_planted_slip():
    run = check_document(load(ROOT / "examples" / "cookbook.md", {}), points=50, seed=0)
    verdicts = [r.verdict for r in run.claims]
    assert len(verdicts) >= 10
    assert verdicts.count(Verdict.REFUTED) == 1 and verdicts.count(Verdict.PROVED) == len(verdicts) - 1
    (slip,) = [r for r in run.claims if r.verdict == Verdict.REFUTED]
    assert slip.claim.written == r"\frac{\partial x^T B x}{\partial x} = B x"


def test_a_right_side_that_fits_no_shape_is_a_shape_error(tmp_path):
    path = tmp_path / "shape.md"
    path.write_text(_page([r"\frac{\partial a^T X b}{\partial X} = a"]), encoding="utf-8")
    (result,) = check_document(load(path, {}), points=20, seed=0).claims
    assert result.verdict == Verdict.SHAPE_ERROR
    assert "3×1" in (result.shape_problem or "")


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        (r"\frac{\partial \|X\|_F}{\partial X} = X", "'^'"),  # a norm, not squared
        (r"\frac{\partial \operatorname{logit}(X^T A)}{\partial X} = A", r"\operatorname{Tr}"),
        (r"\frac{\partial \operatorname{Tr}(X}{\partial X} = X", "')'"),
        (r"\frac{\partial \operatorname{Tr}(X)}{\partial X} = Y", "letters (X); received Y"),
        (r"\frac{\partial \ln \operatorname{Tr}(X)}{\partial X} = X", r"\ln|\det X|"),
        (r"\frac{\partial \operatorname{Tr}(X^{-2})}{\partial X} = X", "^{-1}"),
        (r"\frac{\partial \|X\|_Q^2}{\partial X} = X", "Frobenius"),
        (r"\frac{\partial \operatorname{Tr}(A)}{\partial X} = A", "X does not appear"),
    ],
)
def test_what_cannot_be_read_says_what_was_expected(tmp_path, claim, expected):
    path = tmp_path / "bad.md"
    path.write_text(_page([claim]), encoding="utf-8")
    run = check_document(load(path, {}), points=10, seed=0)
    (result,) = run.claims
    assert result.verdict == Verdict.UNPARSED
    assert result.claim.problem is not None
    assert expected in result.claim.problem.message
    assert "expected" in Words("en").problem(result.claim.problem)
    assert run.exit_code == 2


def test_the_cli_gives_one_message_and_no_traceback(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text(_page([r"\frac{\partial \|X\|_F}{\partial X} = X"]), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "from reports.cli import main; main()", "check", str(path), "--points", "10"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert "unparsed" in done.stdout


def test_only_matrix_objectives_are_matrix_identities():
    assert is_matrix_identity(r"\frac{\partial x^T a}{\partial x} = a")
    assert is_matrix_identity(r"\nabla_X \ln|\det X| = X^{-T}")
    assert not is_matrix_identity(r"\frac{\partial L}{\partial W_1} = \delta_2 a_1^T")  # a network's loss
    assert not is_matrix_identity(r"\frac{d}{dz}\sigma(z) = \sigma(z)(1 - \sigma(z))")  # a stated function
    assert not is_matrix_identity(r"\frac{\partial}{\partial x}\tanh(x) = 1 - \tanh^2(x)")


def test_shapes_are_square_only_where_the_right_side_needs_it():
    assert read_identity(r"\frac{\partial}{\partial X} \operatorname{Tr}(AXB) = A^T B^T").square is False
    square = read_identity(r"\frac{\partial}{\partial X} \operatorname{Tr}(AXB) = A B")
    assert square.square and square.describe() == "A 3×3, X 3×3, B 3×3"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_the_three_forwards_of_each_matrix_function_agree(name):
    """The registry's SymPy, NumPy and JAX forwards of one function, at one well-conditioned point."""
    import jax

    jax.config.update("jax_enable_x64", True)
    entry = MATRIX[name]
    rng = np.random.default_rng(0)
    m = np.eye(3) + 0.3 * rng.normal(size=(3, 3))
    by_numpy = entry.numpy(np, m[None])[0]
    by_jax = np.asarray(entry.jax(jax, jax.numpy.asarray(m)))
    exact = sp.Matrix(3, 3, lambda i, j: sp.Rational(float(m[i, j])))
    by_sympy = np.array(entry.sympy(sp, exact).evalf(30).tolist(), dtype=float)
    assert by_numpy.shape == by_jax.shape == by_sympy.shape == ((1, 1) if entry.scalar else (3, 3))
    np.testing.assert_allclose(by_numpy, by_sympy, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(by_jax, by_sympy, rtol=1e-12, atol=1e-13)


# true only for a symmetric letter, as the Cookbook prints them ("if B is symmetric")
SYMMETRIC_ONLY = [
    (r"\frac{\partial x^T B x}{\partial x} = 2 B x", "B"),
    (r"\frac{\partial \operatorname{Tr}(X^T A X)}{\partial X} = 2 A X", "A"),
]


@pytest.mark.parametrize(("claim", "letter"), SYMMETRIC_ONLY)
def test_a_claim_true_only_for_a_symmetric_letter_says_so(tmp_path, claim, letter):
    """Right under a condition the model can state (the letter symmetric) that the notes do not:
    `depends on convention`, checked at points where it holds and said in both languages; its
    wrong variant (a factor 2 dropped) is still refuted under that condition."""
    wrong = claim.replace("= 2 ", "= ")
    path = tmp_path / "page.md"
    path.write_text(_page([claim, wrong]), encoding="utf-8")
    right, dropped = check_document(load(path, {}), points=50, seed=0).claims
    assert right.verdict == Verdict.CONVENTION and right.claim.symmetric == (letter,)
    assert right.agreement is not None and right.agreement.agree
    assert f"right only when {letter} is symmetric" == Words("en").matrix_note(right)
    assert f"holds only when {letter} is symmetric" in Words("en").claim_note(
        ClaimNote.SYMMETRIC, right.claim
    )
    assert "대칭" in Words("ko").matrix_note(right)
    assert dropped.verdict == Verdict.REFUTED and not dropped.claim.symmetric


def test_a_letter_under_det_or_an_inverse_is_scoped_invertible(page):
    """`∂ det X/∂X = det(X) X^{-T}` holds for invertible X only: the scope says so."""
    det = next(r for r in page.claims if r.claim.invertible)
    assert det.verdict == Verdict.PROVED
    assert f"{det.claim.invertible[0]} invertible" in Words("en").claim_scope(det)
    plain = next(r for r in page.claims if r.verdict == Verdict.PROVED and "det" not in r.claim.written)
    assert "invertible" not in Words("en").claim_scope(plain)


# each wrong variant with the slip it is named by (a step's move, or a catalogue kind)
NAMED = [
    (WRONG[0], Move.MISSING_TRANSPOSE),  # A B where Aᵀ Bᵀ belongs
    (WRONG[1], SlipKind.HALF),
    (WRONG[2], Move.MISSING_TERM),  # B x where B x + Bᵀ x belongs
    (WRONG[3], Move.MISSING_FACTOR),  # det(X) missing
    (WRONG[4], Move.SIGN),
    (WRONG[5], Move.SIGN),  # x + a where x − a belongs
]


@pytest.mark.parametrize(("claim", "slip"), NAMED, ids=[c for c, _ in NAMED])
def test_a_wrong_matrix_identity_names_its_slip(page, claim, slip):
    result = _result(page, claim)
    assert result.slip is not None
    assert slip in {result.slip.kind, *(s.move for s in result.slip.steps)}
    for lang in ("en", "ko"):
        assert Words(lang).slip(result.slip)


def test_a_matrix_shape_error_names_the_transposes_that_fit(tmp_path):
    path = tmp_path / "page.md"
    path.write_text(_page([r"\frac{\partial a^T X b}{\partial X} = a^T b"]), encoding="utf-8")
    (result,) = check_document(load(path, {}), points=50, seed=0).claims
    assert result.verdict == Verdict.SHAPE_ERROR and result.slip is not None
    assert "b where bᵀ belongs" in Words("en").slip(result.slip)


def test_a_true_identity_gets_no_slip(page):
    assert all(r.slip is None for r in page.claims if r.verdict == Verdict.PROVED)


# one pipeline: each identity is a model of its own checked by verify/model_check.py, so what a
# model's claims get (the 50-digit reference, float32, NumPy's forward pass) an identity gets


def test_the_page_gets_the_50_digit_reference_of_every_model(page):
    assert page.reference.points > 0 and page.reference.skipped is None
    proved = [r for r in page.claims if r.verdict == Verdict.PROVED]
    assert proved and all(
        e.max_ulp is not None for r in proved if r.agreement for e in r.agreement.witnesses.values()
    )
    assert "reference: SymPy's derivative" in " ".join(render_run(page).split())


def test_a_page_is_checked_in_float32(tmp_path):
    path = tmp_path / "page.md"
    right = [AS_PRINTED[0][0], AS_PRINTED[9][0]]  # Tr(AXB), ln|det X|
    path.write_text(_page([*right, WRONG[2]]), encoding="utf-8")
    run = check_document(load(path, {}), points=50, seed=0, dtype="float32")
    assert run.settings.dtype == "float32"
    assert [r.verdict for r in run.claims] == [Verdict.PROVED, Verdict.PROVED, Verdict.REFUTED]


def test_any_models_square_tensor_under_an_inverse_is_drawn_near_the_identity():
    """Not an identity's feature: a model file's or notes' tensor under det, ln|det| or an inverse
    is drawn I + 0.5 N/n too, and its claims are scoped invertible."""
    from derive.formula import MatMul, MatrixApply, Ref
    from derive.model_file import ModelFile
    from derive.model_ir import Equation, Model, Role, Tensor
    from verify.model_check import draws, sample
    from verify.results import Draw

    tensors = (Tensor("A", (3, 3), Role.PARAMETER, "A"), Tensor("x", (3, 1), Role.INPUT, "x"))
    objective = MatrixApply("sqnorm", MatMul(MatrixApply("inverse", Ref("A")), Ref("x")))
    model = Model((*tensors, Tensor("L", (1, 1), Role.OBJECTIVE, "L")), (Equation("L", objective),))
    drawn = draws(ModelFile(model, ()))
    assert drawn == {"A": Draw.CONDITIONED, "x": Draw.NORMAL}
    A = sample(model, drawn, 200, 0, "float64")["A"]
    assert np.abs(A - np.eye(3)).max() < 1.5 and np.linalg.cond(A).max() < 10
