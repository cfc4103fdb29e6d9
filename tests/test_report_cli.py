"""`derivcheck report` on the command line: one run rendered (the built-in one, or the claims of
`--claims FILE` on its network), and its failures."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reports.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
needs_engine = pytest.mark.skipif(
    importlib.util.find_spec("verify.run") is None, reason="needs verify/run.py (the lead's engine)"
)
HAVE_TEX = all(shutil.which(p) for p in ("latexmk", "pdflatex", "pdftotext"))
needs_tex = pytest.mark.skipif(
    not HAVE_TEX and not os.environ.get("DERIVCHECK_REQUIRE_TEX"),
    reason="TeX or poppler not installed (CI installs them and sets DERIVCHECK_REQUIRE_TEX)",
)


def report(tmp_path, *args):
    out = tmp_path / "out"
    return runner.invoke(app, ["report", "--out", str(out), "--points", "100", *args]), out


def test_unknown_language(tmp_path):
    result, out = report(tmp_path, "--lang", "fr")
    assert result.exit_code == 2
    assert "lang: expected one of: en, ko; received 'fr'" in result.output
    assert not out.exists()


def test_bad_source_date_epoch_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    result, _ = report(tmp_path, "--no-pdf")
    assert result.exit_code == 2
    assert "SOURCE_DATE_EPOCH: expected an integer of seconds since 1970-01-01 UTC" in result.output
    assert "received 'yesterday'" in result.output


@needs_engine
def test_output_folder_that_is_a_file(tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    result = runner.invoke(app, ["report", "--out", str(target), "--points", "50"])
    assert result.exit_code == 2
    assert "--out: expected a folder (existing or to be created); received" in result.output


@needs_engine
def test_builtin_report_without_tex(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr("reports.output.shutil.which", lambda name: None)
    result, out = report(tmp_path, "--dtype", "float32")
    assert result.exit_code == 0, result.output
    assert "no PDF: TeX is not installed" in result.output
    tex_text = (out / "report.tex").read_text()
    assert "2023-11-14" in tex_text and r"\varepsilon = 2^{-23}" in tex_text
    assert r"\section{The implementation under test}" in tex_text


@needs_engine
@needs_tex
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_report_of_claims_renders_that_run(tmp_path, lang):
    result, out = report(
        tmp_path, "--claims", str(EXAMPLES / "mistakes.md"), "--sizes", "3,3", "--lang", lang
    )
    assert result.exit_code == 1, result.output  # the planted mistakes are findings
    assert (out / "report.pdf").exists()
    tex_text = (out / "report.tex").read_text()
    assert "mistakes.md" in tex_text and "implementation under test" not in tex_text


@needs_engine
def test_users_latex_never_reaches_the_report_unescaped(tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text(r"$\frac{\partial L}{\partial W_1} = \input{/etc/passwd}$ and $\delta_2 = \delta_2$")
    result, out = report(tmp_path, "--claims", str(notes), "--no-pdf")
    assert result.exit_code == 2  # the first claim does not parse
    tex_text = (out / "report.tex").read_text()
    assert r"\input{/etc/passwd}" not in tex_text
    assert r"\textbackslash{}input\{/etc/passwd\}" in tex_text
