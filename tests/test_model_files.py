"""Model files (derive/model_file.py, verify/model_check.py): a model written as a TOML file of
its own, its forward pass in NumPy style read by a grammar and never executed, its claims proved
by SymPy entry by entry, evaluated as written by NumPy and compared with jax.grad of the model.

Each worked example in examples/models/ is proved claim by claim and its planted slip refuted
and named; wrong variants (W for Wᵀ, a missing 1/B, a sign) are refuted; malformed files give
one line saying what was expected and what was received."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import get_args

import numpy as np
import pytest
import sympy as sp

from derive import InputError
from derive.claims_file import load
from derive.formula import (
    Apply,
    BroadcastAdd,
    Column,
    Formula,
    Function,
    LogSoftmax,
    MeanAxis,
    Ref,
    Softmax,
    SumAxis,
    Transpose,
    Unsupported,
)
from derive.ir_sympy import sympy_value
from derive.model_file import is_model_file
from derive.slip_search import Move
from derive.slips import SlipKind
from reports.json_report import to_dict, validate
from reports.terminal import render_run
from reports.wording import Words
from verify import Verdict, check_document, model_check
from verify.ir_numpy import numpy_value
from verify.results import Draw, Run

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "examples" / "models"
POINTS = 40

# example → the move that names its planted slip (the last claim of each file)
PLANTED = {
    "softmax_ce": Move.MISSING_MEAN,
    "layernorm": Move.SIGN,
    "attention": Move.MISSING_TRANSPOSE,
    "rnn": Move.MISSING_TRANSPOSE,
    "residual": Move.SIGN,
}


@pytest.fixture(scope="module")
def runs() -> dict[str, Run]:
    return {
        name: check_document(load(MODELS / f"{name}.toml", {}), points=POINTS, seed=0) for name in PLANTED
    }


@pytest.mark.parametrize("name", list(PLANTED))
def test_each_example_is_proved_and_its_planted_slip_refuted_and_named(runs, name):
    run = runs[name]
    assert run.model is not None and run.forward.agree
    *right, planted = run.claims
    assert right and all(r.verdict == Verdict.PROVED for r in right), [
        (r.claim.written, r.verdict, r.reason) for r in right
    ]
    assert all(r.agreement is not None and r.agreement.agree for r in right)
    assert "planted slip" in (planted.claim.name or "")
    assert planted.verdict == Verdict.REFUTED
    assert planted.slip is not None and planted.slip.kind == SlipKind.FOUND
    assert planted.slip.steps[0].move == PLANTED[name]
    cx = planted.counterexample
    assert cx is not None and cx.true_sympy[0] is not None
    # SymPy's derivative at 50 digits and jax.grad give the same true value; the claim differs
    assert float(cx.true_sympy[0]) == pytest.approx(cx.true_jax[0], rel=1e-9, abs=1e-12)
    assert abs(cx.claimed_jax[0] - cx.true_jax[0]) > 1e-6
    assert run.exit_code == 1


def test_softmax_cross_entropy_output_error_is_proved_for_one_hot_targets(runs):
    run = runs["softmax_ce"]
    first = run.claims[0]
    assert first.claim.written == "dL/dz = (p - y) / 3" and first.verdict == Verdict.PROVED
    assert dict(run.model.drawn)["y"] == Draw.ONE_HOT  # type: ignore[union-attr]
    assert "Σ_i y_ij = 1" in Words("en").reading(run).claim_scope(first)


def _model_file(claims: list[tuple[str, str]], forward: str | None = None) -> str:
    """The softmax cross-entropy example's model with `claims` (wrt, formula)."""
    text = (MODELS / "softmax_ce.toml").read_text(encoding="utf-8").split("[[claim]]")[0]
    if forward is not None:
        head, _, _ = text.partition('forward = """')
        text = f'{head}forward = """\n{forward}\n"""\n'
    return text + "".join(f'\n[[claim]]\nwrt = "{w}"\nformula = "{f}"\n' for w, f in claims)


def _check(tmp_path, text: str, points: int = 20) -> Run:
    path = tmp_path / "model.toml"
    path.write_text(text, encoding="utf-8")
    return check_document(load(path, {}), points=points, seed=0)


@pytest.mark.parametrize(
    ("wrt", "formula", "move"),
    [
        ("W2", "(p - y) @ h.T", Move.MISSING_MEAN),  # the mean's 1/B
        ("z", "(y - p) / 3", Move.SIGN),  # the sign
        ("b2", "-sum(p - y, axis=1) / 3", Move.SIGN),
    ],
)
def test_wrong_variants_are_refuted_and_named(tmp_path, wrt, formula, move):
    (result,) = _check(tmp_path, _model_file([(wrt, formula)])).claims
    assert result.verdict == Verdict.REFUTED
    assert result.slip is not None and result.slip.steps[0].move == move


def test_w_for_w_transpose_is_refuted_where_it_fits_and_a_shape_error_where_not(tmp_path):
    text = (MODELS / "rnn.toml").read_text(encoding="utf-8").split("[[claim]]")[0]
    text += '\n[[claim]]\nwrt = "h1"\nformula = "Wh @ ((h2 - y) * (1 - h2 ** 2))"\n'
    (square,) = _check(tmp_path, text).claims
    assert square.verdict == Verdict.REFUTED
    assert square.slip is not None and square.slip.steps[0].move == Move.MISSING_TRANSPOSE
    (wide,) = _check(tmp_path, _model_file([("W1", "((W2 @ (p - y)) * (1 - h ** 2)) @ x.T / 3")])).claims
    assert wide.verdict == Verdict.SHAPE_ERROR
    assert "2×3 and 2×3" in (wide.shape_problem or "")  # the shapes named


def test_a_claim_of_the_wrong_shape_is_a_shape_error_naming_both(tmp_path):
    (result,) = _check(tmp_path, _model_file([("W2", "h @ (p - y).T / 3")])).claims
    assert result.verdict == Verdict.SHAPE_ERROR
    assert result.shape_problem == "the right side is 3×2, but ∂L/∂W2 is 2×3"


def test_a_claim_that_cannot_be_read_is_unparsed_with_what_was_expected(tmp_path):
    run = _check(tmp_path, _model_file([("W2", "(p - y) @@ h.T"), ("q", "p")]))
    assert [r.verdict for r in run.claims] == [Verdict.UNPARSED, Verdict.UNPARSED]
    assert all("expected" in (r.claim.problem.message if r.claim.problem else "") for r in run.claims)
    assert run.exit_code == 2


@pytest.mark.parametrize(
    ("forward", "expected"),
    [
        (
            "h = tanh(W1 @ q + b1)\nL = sum(h)",
            "forward line 1 (file line 9): h = tanh(W1 @ q + b1): expected a tensor",
        ),
        (
            "h = tanh(W1 @ x + b1)\nz = W1 @ W2\nL = sum(z)",
            "forward line 2 (file line 10): z = W1 @ W2: expected shapes",
        ),
        ("h = frobnicate(W1 @ x)\nL = sum(h)", "received 'frobnicate at character 5'"),
        ('h = __import__("os")\nL = sum(h)', "forward line 1"),
        ("h = tanh(W1 @ x + b1)", "expected the objective (a 1×1 scalar"),
        ("x = tanh(x)\nL = sum(x)", "expected a new name on the left"),
        ("h = softmax(W1 @ x)\nL = sum(h)", "softmax(x, axis=0)"),
    ],
)
def test_a_malformed_model_file_says_what_was_expected_on_one_line(tmp_path, forward, expected):
    path = tmp_path / "bad.toml"
    path.write_text(_model_file([("W2", "h")], forward), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load(path, {})
    message = str(caught.value)
    assert expected in message and "\n" not in message
    assert "expected" in message and "received" in message


def test_the_cli_checks_a_model_file_and_gives_one_line_for_a_bad_one(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(_model_file([("W2", "h")], 'h = __import__("os")\nL = sum(h)'), encoding="utf-8")
    runs = {}
    for path in (MODELS / "residual.toml", bad):
        runs[path.name] = subprocess.run(
            [
                sys.executable,
                "-c",
                "from reports.cli import main; main()",
                "check",
                str(path),
                "--points",
                "10",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
    good, broken = runs["residual.toml"], runs["bad.toml"]
    assert good.returncode == 1 and "planted slip: the sign" in good.stdout and "Traceback" not in good.stderr
    assert broken.returncode == 2 and "Traceback" not in broken.stdout + broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1 and "forward line 1" in broken.stderr


def test_the_forward_values_are_compared_first_and_name_the_witness(tmp_path, monkeypatch):
    real = model_check.numpy_forward

    def off(model, given):  # a NumPy forward pass whose objective is off by one
        env = real(model, given)
        return {**env, "L": env["L"] + 1.0}

    monkeypatch.setattr(model_check, "numpy_forward", off)
    run = _check(tmp_path, _model_file([("z", "(p - y) / 3")]))
    assert not run.forward.agree
    assert run.forward.quantity == "L" and run.forward.blamed == ("numpy",)
    assert not run.passed


def test_positive_and_one_hot_tensors_are_drawn_so_and_stated(tmp_path):
    text = _model_file([("s", "1 / (2 * sqrt(s))")], "r = sqrt(s)\nL = sum(r)")
    text = text.replace("inputs = { x = [3, 3] }", "inputs = { x = [3, 3], s = [2, 2] }")
    run = _check(tmp_path, text)
    drawn = dict(run.model.drawn)  # type: ignore[union-attr]
    assert drawn["s"] == Draw.POSITIVE and drawn["y"] == Draw.ONE_HOT and drawn["x"] == Draw.NORMAL
    assert run.first_point["s"].min() > 0
    (result,) = run.claims
    assert result.verdict == Verdict.PROVED
    text_out = " ".join(render_run(run).split())
    assert "s positive" in text_out and "y one-hot" in text_out


def test_renderers_report_a_model_run_in_both_languages(runs):
    run = runs["attention"]
    text = " ".join(render_run(run).split())
    assert "inputs Q 3×2, K 3×2, V 3×2, G 3×2" in text
    assert "softmax(S, axis=1)" in text  # the forward pass as read
    assert "transpose missing: A where Aᵀ belongs" in text
    assert "points: 40 (seed 0)" in text
    assert "순전파" in render_run(run, "ko")
    data = to_dict(run)
    validate(data)
    json.dumps(data)
    assert data["model"]["equations"][1] == "A = softmax(S, axis=1)"
    assert data["claims"][0]["about"] == "model"


def test_only_a_toml_with_a_model_table_is_a_model_file():
    assert is_model_file((MODELS / "rnn.toml").read_text(encoding="utf-8"))
    assert not is_model_file((ROOT / "examples" / "batch.toml").read_text(encoding="utf-8"))


# --- the model IR's SymPy and NumPy interpreters: every node, or Unsupported -------------------


def test_the_ir_interpreters_handle_every_node_or_say_they_do_not():
    """A node either has a value or raises `Unsupported` naming a node (never a bare error)."""
    from tests.test_interpreters import INSTANCES

    for node_type in get_args(Formula):
        for interpret in (
            lambda n: sympy_value(n, {"z1": sp.ones(4, 1)}),
            lambda n: numpy_value(n, {"z1": np.ones((1, 4, 1))}),
        ):
            try:
                interpret(INSTANCES[node_type])
            except Unsupported as e:
                assert e.node_type in get_args(Formula)
    # the model files' nodes on a model's tensors, in both: the same numbers
    z = Ref("z")
    nodes = [
        BroadcastAdd(z, Column((Fraction(1, 2),))),
        LogSoftmax(z, 1),
        LogSoftmax(z, 0),
        Transpose(Softmax(Transpose(z))),
        Apply(Function("power", Fraction(3)), z),
        MeanAxis(SumAxis(z, 1), 0),
    ]
    values = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
    for node in nodes:
        exact = np.array(sympy_value(node, {"z": sp.Matrix(values)}).evalf(), dtype=float)
        assert numpy_value(node, {"z": np.array([values])})[0] == pytest.approx(exact, rel=1e-12)


def test_numbers_and_broadcasting_read_as_numpy_computes_them(tmp_path):
    text = _model_file([("b1", "sum(W2.T @ (p - y) * (1 - h ** 2), axis=1) / 3")])
    (result,) = _check(tmp_path, text).claims
    assert result.verdict == Verdict.PROVED
    assert Fraction("1e-5") == Fraction(1, 100000)


def test_the_50_digit_reference_measures_every_witness_of_a_model(runs):
    """As on the built-in network: SymPy's own derivative at 50 digits on the first points, each
    witness's error against it in ULPs and within the error budget for the claims proved."""
    run = runs["softmax_ce"]
    assert run.reference.points == 20 and not run.reference.skipped
    proved = [r for r in run.claims if r.verdict == Verdict.PROVED]
    assert proved
    for r in proved:
        assert r.agreement is not None
        for name in ("sympy", "numpy", "jax"):
            w = r.agreement.witnesses[name]
            assert w.max_ulp is not None and w.budget_used is not None and w.budget_used <= 1, (name, w)
    assert "reference: SymPy's derivative in mpmath at 50 digits" in render_run(run)


def test_the_latex_report_of_a_model_says_what_was_checked(runs):
    """A model run's report describes the model's witnesses and its tolerance's n, not the
    built-in network's (no undefined activation f, no n = B + Σ widths)."""
    from reports.latex import ReportInput, render_report

    source = render_report(ReportInput(runs["softmax_ce"]))
    assert "runs the model's forward equations" in source
    assert "undefined activation" not in source
    assert r"\#\mathrm{entries\ given}" in source and r"n = B +" not in source


def test_a_model_is_checked_in_float32_too(runs):
    """float32 in every witness, the error budget at float32's eps: the same verdicts as in
    float64 (the planted slip still refuted), and the reference still measures each witness."""
    run = check_document(load(MODELS / "softmax_ce.toml", {}), points=POINTS, seed=0, dtype="float32")
    assert run.settings.dtype == "float32"
    assert [r.verdict for r in run.claims] == [r.verdict for r in runs["softmax_ce"].claims]
    assert run.reference.points > 0 and "eps = 2^-23 (float32)" in render_run(run)
