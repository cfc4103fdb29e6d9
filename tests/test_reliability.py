"""Issue 16: never a traceback, a hang, or a verdict that depends on what came before.

Each kind of fault is tested as a kind: chains whose links change shape (every link judged on its
own sides), every SymPy step under its limit (a limit reached is said), the symbolic budget
checked before anything is built, and results cached by content (the same claim, the same
verdict, computed once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.claims_file import load
from verify import Verdict, check_document

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
@pytest.mark.parametrize("sizes", ["2048,2048", "4096,4096", "64,2048,64"])
def test_derive_beyond_the_budget_builds_nothing(sizes):
    """`derive --sizes 2048,2048` built four million symbols (150 s, 3 GB) only to print
    "skipped (size)": the budget is checked first, and the answer comes at once."""
    import time

    from typer.testing import CliRunner

    from reports.cli import app

    start = time.perf_counter()
    result = CliRunner().invoke(app, ["derive", "--sizes", sizes])
    assert time.perf_counter() - start < 15
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "skipped" in result.output


def test_derive_within_the_budget_still_names_its_entries():
    from derive.derivation import derivation
    from derive.network import Network

    steps = derivation(Network(sizes=(3, 2))).steps
    assert all(step.latex_names for step in steps)
