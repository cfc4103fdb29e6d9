"""`derivcheck report`: the .tex, the figure, the PDF (read back with pdftotext), and failures."""

import os
import shutil
import subprocess
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from derive import Network
from reports.cli import app
from reports.i18n import STRINGS
from reports.latex import ReportInput, render_report, tex
from reports.output import LatexError, compile_pdf
from verify import verify

runner = CliRunner()
HAVE_TEX = all(shutil.which(p) for p in ("latexmk", "pdflatex", "pdftotext"))
needs_tex = pytest.mark.skipif(
    not HAVE_TEX and not os.environ.get("DERIVCHECK_REQUIRE_TEX"),
    reason="TeX or poppler not installed (CI installs them and sets DERIVCHECK_REQUIRE_TEX)",
)


def pdf_text(path):
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def report(tmp_path, *args):
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "--out", str(out), "--points", "200", *args])
    return result, out


@needs_tex
def test_english_report_shows_every_identity_verdict_and_number(tmp_path):
    result, out = report(tmp_path)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} >= {"report.tex", "report.pdf", "figures"}
    assert (out / "figures" / "agreement.pdf").read_bytes().startswith(b"%PDF")
    text = pdf_text(out / "report.pdf")
    for name in ("dL/da1", "dL/dz1", "dL/dW1", "dL/db1"):
        assert name in text
    assert text.count("proved") >= 16  # 4 identities × (generic, concrete) × (section, summary)
    assert "All identities are proved and all three witnesses agree" in text
    run = verify(Network(), 200, 0)
    for r in run.results:  # the witnesses' values at point 0, as the run computed them
        for witness in r.per_witness.values():
            assert f"{witness.sample[0][0]:.16e}" in text
    assert "Random seed" in text and "1,000" not in text.split("Sample points")[1][:40]
    assert "sympy 1." in text and "jax 0." in text


@needs_tex
def test_korean_report_is_in_korean(tmp_path):
    result, out = report(tmp_path, "--lang", "ko", "--activation", "tanh")
    assert result.exit_code == 0, result.output
    text = pdf_text(out / "report.pdf")
    assert "역전파 공식의 세 가지 독립 검증" in text
    assert "증명됨" in text and "통과" in text
    assert "dL/dW1" in text


@needs_tex
def test_report_of_a_failing_check_says_so(tmp_path, monkeypatch):
    from verify.witnesses import jax_witness, numpy_witness, sympy_witness

    from verify import numpy_backprop

    def wrong(cache, *args):
        grads = numpy_backprop.backward(cache, *args)
        grads["dL/dW1"] = grads["dL/db1"] @ cache["z1"].mT  # z1 where a1 belongs
        return grads

    monkeypatch.setattr(
        "verify.witnesses.DEFAULT_WITNESSES",
        (sympy_witness, partial(numpy_witness, backward=wrong), jax_witness),
    )
    result, out = report(tmp_path)
    assert result.exit_code == 1
    text = pdf_text(out / "report.pdf")
    assert "A CHECK FAILED" in text
    assert "off: numpy" in text


def test_tex_is_byte_identical_for_the_same_inputs(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    run = verify(Network(), 100, 3)
    first = render_report(ReportInput(run, "en", "figures/agreement.pdf"))
    second = render_report(ReportInput(verify(Network(), 100, 3), "en", "figures/agreement.pdf"))
    assert first == second
    assert "2023-11-14" in first  # the date of SOURCE_DATE_EPOCH, not today


def test_bad_source_date_epoch_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    result, _ = report(tmp_path, "--no-pdf")
    assert result.exit_code == 2
    assert "SOURCE_DATE_EPOCH: expected a non-negative integer" in result.output


def test_output_folder_that_is_a_file(tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    result = runner.invoke(app, ["report", "--out", str(target)])
    assert result.exit_code == 2
    assert "--out: expected a folder (existing or to be created); received" in result.output
    nested = runner.invoke(app, ["report", "--out", str(target / "sub")])
    assert nested.exit_code == 2 and "--out: expected a folder derivcheck can create" in nested.output


def test_unknown_language(tmp_path):
    result, out = report(tmp_path, "--lang", "fr")
    assert result.exit_code == 2
    assert "lang: expected one of: en, ko; received 'fr'" in result.output
    assert not out.exists()


def test_missing_tex_writes_the_tex_and_says_how_to_get_the_pdf(tmp_path, monkeypatch):
    monkeypatch.setattr("reports.output.shutil.which", lambda name: None)
    result, out = report(tmp_path)
    assert result.exit_code == 0  # the verification's code
    assert (
        "no PDF: TeX is not installed; to get one: apt-get install --no-install-recommends" in result.output
    )
    assert (out / "report.tex").exists() and not (out / "report.pdf").exists()


@needs_tex
def test_latex_error_shows_the_log_and_leaves_no_pdf(tmp_path, monkeypatch):
    _, out = report(tmp_path)  # a good report first: its PDF must not survive a failed rebuild
    assert (out / "report.pdf").exists()
    monkeypatch.setattr(
        "reports.latex.render_report",
        lambda report: "\\documentclass{article}\\begin{document}\\nosuchmacro\\end{document}",
    )
    result, out = report(tmp_path)
    assert result.exit_code == 2
    assert "LaTeX failed on" in result.output and "Undefined control sequence" in result.output
    assert not (out / "report.pdf").exists()
    assert not list(out.glob(".*.partial"))


@needs_tex
def test_latex_runs_under_a_time_limit(tmp_path):
    (tmp_path / "loop.tex").write_text("\\def\\x{\\x}\\x")
    with pytest.raises(LatexError, match="did not finish within 3 s"):
        compile_pdf(tmp_path, "loop.tex", timeout=3)


def test_tex_escapes_outside_text():
    assert tex(r"\input{/etc/passwd}") == r"\textbackslash{}input\{/etc/passwd\}"
    assert tex("50% & $x_1$ #2 ~^") == r"50\% \& \$x\_1\$ \#2 \textasciitilde{}\textasciicircum{}"
    assert tex("a − b ≠ c") == "a $-$ b $\\neq$ c"
    assert tex("증명") == "??" and tex("증명", hangul=True) == "증명"


def test_every_string_exists_in_both_languages():
    assert STRINGS["en"].keys() == STRINGS["ko"].keys()


@needs_tex
def test_a_timed_out_latex_leaves_no_process_behind(tmp_path):
    (tmp_path / "loop.tex").write_text("\\def\\x{\\x}\\x")
    with pytest.raises(LatexError):
        compile_pdf(tmp_path, "loop.tex", timeout=2)
    left = subprocess.run(
        ["pgrep", "-f", f"{tmp_path.name}|loop.tex"], capture_output=True, text=True, check=False
    )
    mine = [pid for pid in left.stdout.split() if str(tmp_path) in _cwd(pid)]
    assert not mine


def _cwd(pid: str) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""


def test_report_has_the_precision_section_and_the_ulp_figure(tmp_path):
    result, out = report(tmp_path, "--no-pdf", "--dtype", "float32")
    assert result.exit_code == 0, result.output
    assert (out / "figures" / "ulp.pdf").read_bytes().startswith(b"%PDF")
    tex_text = (out / "report.tex").read_text()
    assert r"\section{Precision against a high-precision reference}" in tex_text
    assert "figures/ulp.pdf" in tex_text and "float32" in tex_text
    assert r"\varepsilon = 2^{-23}" in tex_text
    assert "dL/dW1 & jax" in tex_text


def test_report_without_a_reference_says_why(tmp_path):
    result, out = report(tmp_path, "--no-pdf", "--sizes", "8,16,16,4", "--points", "20")
    assert result.exit_code == 0, result.output
    assert not (out / "figures" / "ulp.pdf").exists()
    tex_text = (out / "report.tex").read_text()
    assert "No high-precision reference for this network" in tex_text


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@needs_tex
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_report_of_checked_claims_lists_every_verdict_and_counterexample(tmp_path, lang):
    result, out = report(
        tmp_path, "--claims", str(EXAMPLES / "mistakes.md"), "--sizes", "3,3", "--lang", lang
    )
    assert result.exit_code == 1, result.output  # the planted mistakes are findings
    text = pdf_text(out / "report.pdf")
    t = STRINGS[lang]
    assert t["claims_title"] in text and t["claims_verdict_fail"][:20] in text
    assert text.count("refuted") >= 8 and "proved" in text
    assert text.count(t["claims_counterexample"].format(point=0)) == 8
    for slip in ("missing f", "sign flipped", "transposed", "a factor 2 too large", "W1 where W1"):
        assert slip in text


@needs_tex
def test_claims_from_a_toml_file_set_the_reported_network(tmp_path):
    result, out = report(tmp_path, "--claims", str(EXAMPLES / "batch.toml"), "--no-pdf")
    assert result.exit_code == 1
    tex_text = (out / "report.tex").read_text()
    assert "tanh" in tex_text and "weight gradient, 1/B forgotten" in tex_text
    assert "missing 1/B" in tex_text and "summed over the wrong axis" in tex_text


def test_users_latex_never_reaches_the_report_unescaped(tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text(r"$\frac{\partial L}{\partial W_1} = \input{/etc/passwd}$ and $\delta_2 = \delta_2$")
    result, out = report(tmp_path, "--claims", str(notes), "--no-pdf")
    assert result.exit_code == 2  # the first claim does not parse
    tex_text = (out / "report.tex").read_text()
    assert r"\input{/etc/passwd}" not in tex_text
    assert r"\textbackslash{}input\{/etc/passwd\}" in tex_text
