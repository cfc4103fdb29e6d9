"""The report's layout, looked at: each report the suite builds fits the page (no overfull box
wider than 1 pt in pdflatex's log), has every glyph (no "Missing character"), and its first page
rendered to PNG (pdftoppm) is not blank.

One TeX run per report. The built-in networks (the seed, 3,4,2, 6,5,4,3 with a batch of 8, the
Korean seed) and one claims file of each kind run by default; every other case file, example
and model file is a slow sweep."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reports.cli import app

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"  # the field's cases (../shared/cases), kept with the tests
EXAMPLES = ROOT / "examples"
HAVE_TEX = all(shutil.which(p) for p in ("latexmk", "pdflatex"))
needs_tex = pytest.mark.skipif(
    not HAVE_TEX and not os.environ.get("DERIVCHECK_REQUIRE_TEX"),
    reason="TeX not installed (CI installs it and sets DERIVCHECK_REQUIRE_TEX)",
)
SLACK_PT = 1.0  # TeX's own \hfuzz is 0.1 pt; anything over 1 pt is visible on the page

_OVERFULL = re.compile(r"^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)(.*)$", re.MULTILINE)
_MISSING = re.compile(r"^Missing character: .*$", re.MULTILINE)


def overfull(log: str, slack: float = SLACK_PT) -> list[str]:
    """The overfull \\hbox lines of a pdflatex log wider than `slack` points."""
    return [m.group(0) for m in _OVERFULL.finditer(log) if float(m.group(1)) > slack]


def missing_glyphs(log: str) -> list[str]:
    return _MISSING.findall(log)


def ink(png: Path) -> float:
    """The share of a page's pixels that are not white (0 for a blank page)."""
    from PIL import Image

    with Image.open(png) as image:
        gray = image.convert("L")
        histogram = gray.histogram()
    return 1 - sum(histogram[245:]) / sum(histogram)


# --- the checks themselves can fail ---

_LOG = r"""
Overfull \hbox (676.99985pt too wide) detected at line 175
\OML/cmm/m/it/10.95 W[] \OT1/cmr/m/n/10.95 = []
Overfull \hbox (0.6pt too wide) in paragraph at lines 10--12
Overfull \vbox (3.0pt too high) has occurred while \output is active
Missing character: There is no ^^A in font cmr10!
"""


def test_the_log_checks_find_what_is_wrong():
    assert overfull(_LOG) == [r"Overfull \hbox (676.99985pt too wide) detected at line 175"]
    assert overfull("Overfull \\hbox (1.5pt too wide) in alignment at lines 3--9")
    assert not overfull("Underfull \\hbox (badness 10000) in paragraph at lines 1--2")
    assert missing_glyphs(_LOG) == ["Missing character: There is no ^^A in font cmr10!"]


def test_a_blank_page_has_no_ink(tmp_path):
    from PIL import Image, ImageDraw

    blank, written = tmp_path / "blank.png", tmp_path / "written.png"
    Image.new("L", (100, 140), 255).save(blank)
    page = Image.new("L", (100, 140), 255)
    ImageDraw.Draw(page).rectangle((10, 10, 90, 40), fill=0)
    page.save(written)
    assert ink(blank) == 0
    assert ink(written) > 0.1


# --- the reports ---

NETWORKS = {
    "seed": ["--sizes", "4,3"],
    "3,4,2": ["--sizes", "3,4,2"],
    "6,5,4,3-batch-8": ["--sizes", "6,5,4,3", "--batch", "8"],
    "seed-ko": ["--lang", "ko"],
}
# one claims file of each kind by default: notes (the widest raw statement), a claims table,
# a model file (convolutions: the widest formulas)
FAST_FILES = [CASES / "FC-12.md", CASES / "FC-03.toml", EXAMPLES / "models" / "conv2d_channels.toml"]
ALL_FILES = sorted(
    [p for p in CASES.iterdir() if p.suffix in (".md", ".toml") and p.name != "expected.toml"]
    + [p for p in EXAMPLES.iterdir() if p.suffix in (".md", ".toml")]
    + list((EXAMPLES / "models").glob("*.toml"))
)
SLOW_FILES = [p for p in ALL_FILES if p not in FAST_FILES]
# the agreement figure of some model files (conv2d_channels) warns that matplotlib's
# constrained layout collapsed; the figure's own issue, not the page's
figure_warning = pytest.mark.filterwarnings("ignore:constrained_layout not applied:UserWarning")


def build(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", "--out", str(out), "--points", "20", *args])
    # 1: a claim refuted, 2: a claim unparsed; the report is written all the same
    assert result.exit_code in (0, 1, 2), result.output
    assert (out / "report.pdf").exists(), result.output
    return out


def assert_fits(out: Path) -> None:
    log = (out / "report.log").read_text(errors="replace")  # published beside the PDF
    assert not overfull(log), "\n".join(overfull(log))
    assert not missing_glyphs(log), "\n".join(missing_glyphs(log))


def first_page_has_ink(out: Path) -> None:
    """The first page rendered to PNG has text on it (and is not a page of black)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler's pdftoppm not installed: the page was not looked at")
    subprocess.run(
        ["pdftoppm", "-f", "1", "-l", "1", "-r", "30", "-png", "-singlefile", str(out / "report.pdf"),
         str(out / "page1")],
        check=True,
        timeout=60,
    )  # fmt: skip
    assert 0.01 < ink(out / "page1.png") < 0.6


@needs_tex
@pytest.mark.parametrize("args", NETWORKS.values(), ids=NETWORKS.keys())
def test_a_network_report_fits_the_page(tmp_path, args):
    out = build(tmp_path, *args)
    assert_fits(out)
    first_page_has_ink(out)


@needs_tex
@figure_warning
@pytest.mark.parametrize("path", FAST_FILES, ids=lambda p: p.name)
def test_a_claims_report_fits_the_page(tmp_path, path):
    assert_fits(build(tmp_path, "--claims", str(path)))


@needs_tex
@figure_warning
@pytest.mark.slow
@pytest.mark.parametrize("path", SLOW_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_claims_report_fits_the_page_and_its_korean_has_no_english(tmp_path, path):
    """One run per file, two renderings: the English PDF fits the page, and the Korean .tex has
    no English sentence of ours (one check of the file, not two: the sweep is CI time)."""
    from reports.api import check, report
    from tests.test_report import english_runs

    run = check(path, points=20)
    report(run, tmp_path / "out", lang="en")
    assert_fits(tmp_path / "out")
    report(run, tmp_path / "ko", lang="ko", pdf=False)
    assert english_runs((tmp_path / "ko" / "report.tex").read_text()) == []


# --- Korean throughout: every case and example, the .tex only (no TeX needed) ---


def korean_tex(tmp_path: Path, path: Path) -> str:
    out = tmp_path / "out"
    args = ["report", "--out", str(out), "--points", "20", "--no-pdf", "--lang", "ko", "--claims", str(path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1, 2), result.output
    return (out / "report.tex").read_text()


@figure_warning
@pytest.mark.parametrize("path", FAST_FILES, ids=lambda p: p.name)
def test_a_korean_claims_report_has_no_english_sentence(tmp_path, path):
    from tests.test_report import english_runs

    tex_source = korean_tex(tmp_path, path)
    assert english_runs(tex_source) == []


def test_a_users_own_words_are_set_apart_not_checked_as_ours(tmp_path):
    """A claim's name is the user's (FC-03's English names stay English, in \\usertext); without
    that mark the check would find them: the English check can fail on this file."""
    from tests.test_report import english_runs

    tex_source = korean_tex(tmp_path, CASES / "FC-03.toml")
    assert r"\usertext{output bias, as in the code found online}" in tex_source
    assert english_runs(tex_source.replace(r"\usertext{", "{")) != []
