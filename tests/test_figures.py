"""The report's figures are set in the report's fonts: Computer Modern (cmr10, math in cmmi10
and cmsy10) as the body, and for Korean kotex's UnBatang for the Hangul; no glyph is missing;
the captions say what the figures were drawn from."""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import replace
from pathlib import Path

import pytest
from run_fixtures import builtin_run, claims_run

from reports import figures
from reports.build import report_input
from reports.figures import agreement_figure, hangul_font, ulp_figure
from reports.i18n import strings
from reports.latex import render_report

CM = {"cmr10", "cmmi10", "cmsy10", "cmex10"}  # matplotlib's Computer Modern, as pdflatex's body
BODY = {"en": CM, "ko": CM | {"unbatang"}}
_BASEFONT = re.compile(rb"/BaseFont /(?:[A-Z]{6}\+)?([^\s/<>\[\]()]+)")


def pdf_fonts(path: Path) -> set[str]:
    """The fonts a PDF embeds, lower case, without the subset's `ABCDEF+` tag (matplotlib writes
    its font dictionaries uncompressed)."""
    return {m.decode().lower() for m in _BASEFONT.findall(path.read_bytes())}


def not_the_body(path: Path, lang: str) -> set[str]:
    return pdf_fonts(path) - BODY[lang]


@pytest.fixture(scope="module")
def runs():
    return {"builtin": builtin_run(broken=True), "claims": claims_run()}


def _draw(run, folder: Path, lang: str, caplog) -> list[Path]:
    """Both figures, failing on any missing glyph (matplotlib warns for text, logs for math)."""
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING, "matplotlib"):
        warnings.simplefilter("always")
        paths = [
            agreement_figure(run, folder / "agreement.pdf", lang),
            ulp_figure(run, folder / "ulp.pdf", lang),
        ]
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    missing += [r.getMessage() for r in caplog.records if "does not have a glyph" in r.getMessage()]
    assert missing == []
    return [p for p in paths if p is not None]


@pytest.mark.parametrize("kind", ["builtin", "claims"])
def test_english_figures_are_in_computer_modern(tmp_path, runs, kind, caplog):
    for path in _draw(runs[kind], tmp_path, "en", caplog):
        fonts = pdf_fonts(path)
        assert fonts <= CM and "cmr10" in fonts, (path.name, fonts)
    assert "cmmi10" in pdf_fonts(tmp_path / "agreement.pdf")  # math: ∂L/∂W_1, |x - y|


@pytest.mark.parametrize("kind", ["builtin", "claims"])
def test_korean_figures_set_hangul_in_unbatang(tmp_path, runs, kind, caplog):
    if hangul_font() != "UnBatang":
        pytest.skip("UnBatang not installed (fonts-unfonts-core; CI has it through texlive-lang-korean)")
    for path in _draw(runs[kind], tmp_path, "ko", caplog):
        fonts = pdf_fonts(path)
        assert fonts <= BODY["ko"] and {"cmr10", "unbatang"} <= fonts, (path.name, fonts)


def test_the_font_check_can_fail(tmp_path, runs, monkeypatch):
    """A figure in matplotlib's default DejaVu Sans is caught."""
    monkeypatch.setattr(figures, "BODY_RC", {"font.family": "DejaVu Sans"})
    path = agreement_figure(runs["builtin"], tmp_path / "agreement.pdf", "en")
    assert "dejavusans" in not_the_body(path, "en")


def test_figures_are_byte_identical(tmp_path, runs):
    for lang in ("en", "ko"):
        first = agreement_figure(runs["claims"], tmp_path / f"a-{lang}.pdf", lang).read_bytes()
        assert agreement_figure(runs["claims"], tmp_path / f"b-{lang}.pdf", lang).read_bytes() == first


def test_a_dollar_in_a_claims_name_is_no_math(tmp_path, runs, caplog):
    run = runs["claims"]  # a claim with no line is drawn by its name
    named = replace(run.claims[0], claim=replace(run.claims[0].claim, name="cost $5", line=None))
    _draw(replace(run, claims=(named, *run.claims[1:])), tmp_path, "en", caplog)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_claim_on_a_line_is_drawn_by_its_line_not_its_name(tmp_path, runs, caplog, lang):
    """A model file's names hold ⊗ and ᵀ, which the body's fonts lack: the tick is the line."""
    run = runs["claims"]
    named = replace(run.claims[0], claim=replace(run.claims[0].claim, name="dL/dW = A ⊗ Bᵀ", line=13))
    _draw(replace(run, claims=(named, *run.claims[1:])), tmp_path, lang, caplog)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_captions_state_the_points_seed_and_reference_of_the_run(runs, lang):
    run = runs["builtin"]
    many = replace(run, settings=replace(run.settings, points=100_000, seed=42))
    tex_source = render_report(
        report_input(many, lang, "2023-11-14", "figures/agreement.pdf", "figures/ulp.pdf")
    )
    figure, ulp = re.findall(r"\\caption\{(.*)\}", tex_source)
    shown = run.claims[0].agreement.pair_errors["numpy–jax"].size  # the first chunk's points
    assert f"{shown:,}" in figure and "100,000" in figure and "42" in figure
    assert "arb" in ulp and "50" in ulp and f"{run.reference.points:,}" in ulp and "float64" in ulp
    assert "65,536" not in figure


def test_without_a_hangul_font_korean_figures_keep_english_labels(monkeypatch):
    monkeypatch.setattr(figures, "hangul_font", lambda: None)
    words, rc = figures.figure_strings("ko")
    assert words is strings("en") and rc == figures.BODY_RC
