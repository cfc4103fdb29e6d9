"""Issue 16: never a traceback, a hang, or a verdict that depends on what came before.

Each kind of fault is tested as a kind: chains whose links change shape (every link judged on its
own sides), every SymPy step under its limit (a limit reached is said), the symbolic budget
checked before anything is built, and results cached by content (the same claim, the same
verdict, computed once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.claims_file import load
from derive.proof import Method
from verify import Reason, Verdict, check_document
from verify import verdict as verdict_module

POINTS = 12


def write(tmp_path: Path, text: str, name: str = "notes.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_notes(tmp_path: Path, text: str, points: int = POINTS, **options):
    return check_document(load(write(tmp_path, text), options), points=points, seed=3)


# --- 1. chains whose links change shape ---------------------------------------------------------
CHAINS = [
    # (the chain, options, the verdict of each link)
    (
        r"$$\frac{\partial L}{\partial b_1} = \frac{\partial L}{\partial a_1} = 2 W_1^T \delta_2$$",
        {},
        [Verdict.SHAPE_ERROR, Verdict.REFUTED],
    ),
    (
        r"$$\frac{\partial L}{\partial b_1} = \frac{\partial L}{\partial a_1} = W_1^T \delta_2"
        r" = 2 W_1^T \delta_2$$",
        {},
        [Verdict.SHAPE_ERROR, Verdict.PROVED, Verdict.REFUTED],
    ),
    (
        r"$$\frac{\partial L}{\partial b_1} = \frac{\partial L}{\partial a_1} = 2 W_1^T \delta_2$$",
        {"sizes": (4, 3, 2), "batch": 3},
        [Verdict.SHAPE_ERROR, Verdict.REFUTED],
    ),
    (
        r"$$\frac{\partial L}{\partial W_1} = \frac{\partial L}{\partial z_2} = 3 \delta_2$$",
        {"sizes": (4, 3)},
        [Verdict.SHAPE_ERROR, Verdict.REFUTED],
    ),
    (
        r"$$\delta_1 = \frac{\partial L}{\partial a_1} = 2 W_1^T \delta_2$$",
        {"sizes": (3, 3, 2), "activation": "tanh"},
        [None, Verdict.REFUTED],
    ),
]


@pytest.mark.parametrize(("text", "options", "expected"), CHAINS)
def test_each_link_of_a_chain_is_judged_on_its_own_sides(tmp_path, text, options, expected):
    """A link compared with the chain's head (∂L/∂b_1, 3×1) instead of its own sides (∂L/∂a_1,
    4×1) made NumPy broadcast 3×1 against 4×1; a link whose sides differ in shape is a shape
    error that names both shapes."""
    run = run_notes(tmp_path, text, **options)
    got = [r.verdict for r in run.claims]
    assert len(got) == len(expected)
    for verdict, want in zip(got, expected, strict=True):
        if want is not None:
            assert verdict == want
    for result in run.claims:
        if result.verdict == Verdict.SHAPE_ERROR:
            assert result.shape_problem and "against" in result.shape_problem
        if result.verdict == Verdict.REFUTED and result.slip is not None:
            assert result.slip.fix is not None


# --- 2. limits: the budget before anything is built ---------------------------------------------
@pytest.mark.parametrize("sizes", ["2048,2048", "4096,4096", "64,2048,96"])
def test_derive_beyond_the_budget_builds_nothing(sizes, monkeypatch):
    """`derive --sizes 2048,2048` built four million symbols (150 s, 3 GB) only to print
    "skipped (size)": the budget is checked first, and nothing is built — neither SymPy's
    gradient nor the display symbols (either would fail the run here)."""
    from typer.testing import CliRunner

    import derive.derivation
    import derive.proof
    from reports.cli import app

    def built(*args, **kwargs):
        raise AssertionError("built beyond the budget")

    monkeypatch.setattr(derive.proof, "derived_gradient", built)
    monkeypatch.setattr(derive.derivation, "display_symbols", built)
    result = CliRunner().invoke(app, ["derive", "--sizes", sizes])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "skipped" in result.output


def test_derive_within_the_budget_still_names_its_entries():
    from derive.derivation import derivation
    from derive.network import Network

    steps = derivation(Network(sizes=(3, 2))).steps
    assert all(step.latex_names for step in steps)


# --- 2. limits: every SymPy step within its limit, a limit reached said ------------------------
HANG = r"$$\delta_2 = \delta_3$$"


@pytest.mark.parametrize("activation", ["gelu", "gelu-tanh"])
def test_the_counterexample_and_the_sympy_witness_finish_within_their_limits(tmp_path, activation):
    """gelu on 2,2,2,2: the 50-digit counterexample wrote the definitions out through every
    layer around a symbolic erf(x·√2) (minutes in evalf, cut at 20 s, SymPy's values missing),
    and gelu-tanh's SymPy witness did not compile within its limit. Both are computed now, each
    node a number before its parent is built, each activation compiled once."""
    run = run_notes(tmp_path, HANG, sizes=(2, 2, 2, 2), activation=activation)
    (result,) = run.claims
    assert result.verdict == Verdict.REFUTED
    example = result.counterexample
    assert example is not None and example.sympy_limit == Reason.NONE
    assert None not in example.claimed_sympy and None not in example.true_sympy
    for sympy_value, jax_value in zip(example.true_sympy, example.true_jax, strict=True):
        assert float(sympy_value) == pytest.approx(jax_value, rel=1e-9, abs=1e-12)
    assert run.sympy_skipped == Reason.NONE


def test_a_counterexample_past_its_limit_says_so(tmp_path, monkeypatch):
    """A counterexample whose 50-digit values run out of time keeps the numbers, and the claim
    says which limit was hit."""
    from reports.terminal import render_run
    from verify.time_limit import ProofTimeout

    def out_of_time(*args):
        raise ProofTimeout

    monkeypatch.setattr(verdict_module, "_entry", out_of_time)
    run = run_notes(tmp_path, HANG, sizes=(2, 2, 2), activation="tanh")
    (result,) = run.claims
    assert result.verdict == Verdict.REFUTED
    assert result.counterexample is not None and result.counterexample.sympy_limit == Reason.TIME
    assert "SymPy did not finish within its time limit" in render_run(run)


# --- 3. the same claim, the same verdict -------------------------------------------------------
SAME = "\n\n".join([r"$$\delta_1 = W_1^T \delta_2 \circ a_1 \circ (1 - a_1)$$"] * 3)


def test_the_same_claim_three_times_is_proved_three_times_computed_once(tmp_path, monkeypatch):
    """`undecided`, `undecided`, `proved` for one claim written three times (the time limit hit
    twice, then SymPy's caches answered): σ' = σ(1 − σ) is now proved in a second with the
    definitions over atoms, and proofs are cached by content."""
    calls = []
    real = verdict_module.prove

    def counted(identity, network, generic):
        calls.append((identity, generic))
        return real(identity, network, generic=generic)

    monkeypatch.setattr(verdict_module, "_PROOFS", {})
    monkeypatch.setattr(verdict_module, "prove", counted)
    run = run_notes(tmp_path, SAME, sizes=(2, 3, 2))
    assert [r.verdict for r in run.claims] == [Verdict.PROVED] * 3
    assert len(calls) == len(set(calls))  # each (claim, scope) proved once
    first = run.claims[0]
    assert all(r.concrete is first.concrete and r.generic is first.generic for r in run.claims)


def test_a_time_limit_verdict_does_not_depend_on_what_came_before(tmp_path, monkeypatch):
    """A proof past its limit the first time and quick the next (caches warmed by the first
    attempt) gives every copy of the claim the first answer, not a later, luckier one."""
    from verify.time_limit import ProofTimeout

    attempts = []
    real = verdict_module.prove

    def slow_then_fast(identity, network, generic):
        attempts.append(generic)
        if len(attempts) <= 2:
            raise ProofTimeout
        return real(identity, network, generic=generic)

    monkeypatch.setattr(verdict_module, "_PROOFS", {})
    monkeypatch.setattr(verdict_module, "prove", slow_then_fast)
    run = run_notes(tmp_path, SAME, sizes=(2, 3, 2))
    verdicts = {(r.verdict, r.reason) for r in run.claims}
    assert len(verdicts) == 1
    assert run.claims[0].generic is not None and run.claims[0].generic.method == Method.TIME
