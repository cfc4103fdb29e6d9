"""The terminal (issue 15): `--lang ko` for check and verify with no English sentence, `--points`
written as 1e6 / 10_000 / 1,000, a sample point that is the same whatever `--points` is,
thousands separators and a progress bar that shows before any chunk is done, tables that fit 80
columns (Hangul two columns wide), and JSON's own result wording."""

from __future__ import annotations

import io
import json
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from rich.cells import cell_len
from run_fixtures import builtin_run, claims_run
from test_report import english_words
from typer.testing import CliRunner

from derive import Network
from derive.errors import InputError
from derive.model_file import read_model
from derive.network import parse_count
from reports import progress
from reports.cli import app, run_builtin, run_document
from reports.json_report import render_json
from reports.terminal import render_run
from reports.wording import Words
from verify import model_check, sampling

EXAMPLES = Path(__file__).parent.parent / "examples"
runner = CliRunner()


def _document(name: str, model: str | None = None, points: int = 50):
    path = EXAMPLES / name
    return run_document(path, {}, points, 0, "float64", False, EXAMPLES / model if model else None)


@pytest.fixture(scope="module")
def real_runs():
    """Runs of the engine: the built-in network with a batch, planted mistakes (shape errors,
    slips), a notes model (examples/regression.md) and a model file's claims."""
    return {
        "builtin": run_builtin({"sizes": (3, 4, 2), "batch": 3}, 50, 0, "float64", False),
        "mistakes": _document("mistakes.md"),
        "notes-model": _document("regression.md"),
        "model-file": _document("softmax-backprop.md", "models/softmax_ce.toml"),
    }


def _without_user_text(out: str, run) -> str:
    """The output less what the user wrote (a claim as written, in its details' first line)."""
    for r in run.claims:
        out = out.replace(r.claim.written.strip(), " ")
    return out


# --- 1. --lang ko: every sentence in Korean ---


@pytest.mark.parametrize("kind", ["builtin", "mistakes", "notes-model", "model-file"])
def test_korean_terminal_has_no_english_sentence(real_runs, kind):
    run = real_runs[kind]
    out = _without_user_text(render_run(run, "ko"), run)
    assert english_words(out) == []
    assert "결과:" in out and "result:" not in out


def test_the_terminal_english_check_can_fail(real_runs):
    run = real_runs["mistakes"]
    found = english_words(_without_user_text(render_run(run, "en"), run))
    assert any("the shapes do not fit" in words for words in found)


def test_korean_words_shapes_batch_and_gradient_in_korean(real_runs):
    out = render_run(real_runs["mistakes"], "ko")
    assert "행렬" in out and "against" not in out  # 4×3 against 3×4: 주장은 4×3 행렬, 기울기는 3×4 행렬
    title = render_run(real_runs["builtin"], "ko").splitlines()[0]
    assert title.endswith("배치 3 (평균)")
    words = Words("ko")
    assert words.shape_text("matrix product of 3×2 and 3×1") == "3×2 행렬과 3×1 행렬의 행렬곱"
    assert "그래디언트" not in " ".join(words.t.values())  # 기울기, one word for gradient


def test_check_and_verify_take_lang_and_json_stays_neutral():
    seed = str(EXAMPLES / "seed-notes.md")
    ko = runner.invoke(app, ["check", seed, "--lang", "ko", "--points", "20"])
    assert ko.exit_code == 0, ko.output
    assert "결과: 통과" in ko.output and "result:" not in ko.output
    en_json = runner.invoke(app, ["check", seed, "--json", "--points", "20"])
    ko_json = runner.invoke(app, ["check", seed, "--json", "--lang", "ko", "--points", "20"])
    a, b = json.loads(en_json.output), json.loads(ko_json.output)
    for key in ("claims", "result", "passed", "settings", "network"):  # not the timings
        assert a[key] == b[key], key
    assert a["result"].startswith("PASSED")
    bad = runner.invoke(app, ["verify", "--lang", "fr"])
    assert bad.exit_code == 2 and "lang: expected one of: en, ko; received 'fr'" in bad.output


# --- 2. --points 1e6, 10_000, 1,000 ---


@pytest.mark.parametrize(
    ("text", "value"),
    [("1000", 1000), ("1e6", 10**6), ("1E3", 1000), ("10_000", 10_000), ("1,000", 1000), ("2.5e3", 2500)],
)
def test_points_written_as_people_write_them(text, value):
    assert parse_count("points", text) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5", "points: expected a whole number such as 1000, 1e6, 10_000 or 1,000 (not a fraction); "
         "received '1.5'"),
        ("1e-3", "(not a fraction); received '1e-3'"),
        ("many", "points: expected a whole number such as 1000, 1e6, 10_000 or 1,000; received 'many'"),
        ("1,00", "received '1,00'"),
        ("-5", "points: expected an integer from 1 to 100,000,000; received -5"),
    ],
)  # fmt: skip
def test_points_not_whole_or_negative_is_one_clear_line(text, expected):
    result = runner.invoke(app, ["verify", "--points", text])
    assert result.exit_code == 2
    assert expected in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Usage" not in result.output


def test_a_point_count_beyond_one_chunk_is_not_refused():
    result = runner.invoke(app, ["verify", "--points", "1e8", "--dtype", "float16"])
    assert "points:" not in result.output  # the memory check is per chunk: the dtype is the error
    assert "dtype: expected one of" in result.output
    with pytest.raises(InputError):
        parse_count("points", "1e")


# --- 3. sample point k is the same point whatever --points is ---


@pytest.mark.parametrize(
    ("network", "kinks"),
    [
        (Network(), False),
        (Network(sizes=(3, 4, 2), activation="relu", loss="softmax-ce", batch=2), False),  # kink redraws
        (Network(sizes=(3, 4, 2), activation="relu"), True),
    ],
)
def test_point_k_is_the_same_whatever_the_count(monkeypatch, network, kinks):
    monkeypatch.setattr(sampling, "CHUNK", 64)  # several chunks in either run

    def points(count: int):
        parts = [
            sampling.sample(network, n, 3, kinks, chunk=k)
            for k, (_, n) in enumerate(sampling.chunks(network, count))
        ]
        return {
            name: np.concatenate([getattr(p, name) if name != "W" else p.W[0] for p in parts])
            for name in ("z1", "y", "W", "at_kink")
        }

    small, large = points(100), points(1000)
    for name in small:
        assert np.array_equal(small[name][5], large[name][5]), name
        assert np.array_equal(small[name], large[name][:100]), name


def test_point_k_of_a_model_file_is_the_same_whatever_the_count():
    path = EXAMPLES / "models" / "softmax_ce.toml"
    mf = read_model(path, path.read_text())
    drawn = model_check.draws(mf)
    small = model_check.sample(mf.model, drawn, 100, 0, "float64")
    large = model_check.sample(mf.model, drawn, 1000, 0, "float64")
    for name in small:
        assert np.array_equal(small[name][5], large[name][5]), name


# --- 4. thousands separators, the progress bar ---


def test_counts_have_thousands_separators():
    run = builtin_run()
    out = render_run(replace(run, settings=replace(run.settings, points=1_234_567)))
    assert "1,234,567" in out and "1234567" not in out
    budget = Words("en").say("budget_concrete", weights=448, batch=4, depth=3, cost=5376, limit=384)
    assert "5,376" in budget
    assert Words("en").say("cx_title", point=1234, seed=12345).count(",") == 0  # an index, a seed: as is


def test_progress_bar_shows_before_any_chunk_is_done(monkeypatch):
    monkeypatch.setattr(progress, "DELAY", 0.01)
    out = io.StringIO()
    shown = threading.Event()
    with progress.progress_bar(force=True, file=out) as update:
        update(0, 1_000_000)  # the run began; no chunk has finished
        for _ in range(500):  # shown by its timer, not by a later update
            if "1,000,000" in out.getvalue():
                shown.set()
                break
            threading.Event().wait(0.01)
    assert shown.is_set(), out.getvalue()


def test_progress_bar_stays_off_pipes():
    out = io.StringIO()  # not a terminal
    with progress.progress_bar(file=out) as update:
        update(0, 10)
        update(10, 10)
    assert out.getvalue() == ""


# --- 5. tables fit 80 columns ---


def table_width(out: str) -> int:
    """The widest line of the table (title to bottom rule), in terminal columns (Hangul: 2)."""
    lines = out.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("└"))
    return max(cell_len(line) for line in lines[: end + 1])


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("kind", ["builtin", "mistakes", "notes-model", "model-file"])
def test_tables_fit_80_columns(real_runs, kind, lang):
    assert table_width(render_run(real_runs[kind], lang)) <= 80


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_fixture_tables_fit_80_columns(lang):
    assert table_width(render_run(builtin_run(broken=True), lang)) <= 80
    assert table_width(render_run(claims_run(), lang)) <= 80


def test_the_width_check_counts_hangul_twice():
    line = "│" + "가" * 40 + "│"
    assert len(line) == 42 and table_width(line + "\n└\n") == 82


# --- 6. JSON's result has its own wording ---


def test_json_result_says_where_to_look_in_json():
    run = claims_run()
    data = json.loads(render_json(run))
    assert not data["passed"]
    assert "above" not in data["result"] and '"claims"' in data["result"]
    assert "result: FAILED: see the claims above" in render_run(run)  # the terminal keeps its own
