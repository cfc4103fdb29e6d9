"""The renderers over a `Run`: every sentence in both languages, the Korean report free of
English, the one JSON schema, the LaTeX report (and its PDF when TeX is installed)."""

from __future__ import annotations

import json
import os
import re
import shutil
import string
import subprocess
from pathlib import Path

import pytest
from run_fixtures import builtin_run, claims_run, slip_of_every_kind

from derive.formula import Transpose, Var
from derive.proof import Method, Status
from derive.slip_search import Move, Step
from derive.slips import Slip, SlipKind
from reports.build import build_report, report_input
from reports.i18n import LATEX, SAME_IN_BOTH, STRINGS, strings
from reports.json_report import SCHEMA_VERSION, render_json, validate
from reports.latex import ReportInput, render_report
from reports.output import LatexError, compile_pdf
from reports.terminal import render_run
from reports.tex import report_date, tex
from reports.wording import Words
from verify.results import Reason, Verdict

HAVE_TEX = all(shutil.which(p) for p in ("latexmk", "pdflatex", "pdftotext"))
needs_tex = pytest.mark.skipif(
    not HAVE_TEX and not os.environ.get("DERIVCHECK_REQUIRE_TEX"),
    reason="TeX or poppler not installed (CI installs them and sets DERIVCHECK_REQUIRE_TEX)",
)


@pytest.fixture(scope="module")
def runs():
    return {"builtin": builtin_run(broken=True), "claims": claims_run()}


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


# --- i18n ---


def _fields(template: str) -> set[str]:
    """The placeholders (in LaTeX values, braces that are not placeholders are left out)."""
    return {f for _, f, _, _ in string.Formatter().parse(template) if f and f.isidentifier()}


def test_both_languages_have_the_same_keys_and_placeholders():
    assert STRINGS["en"].keys() == STRINGS["ko"].keys()
    for key, en in STRINGS["en"].items():
        assert _fields(en) == _fields(STRINGS["ko"][key]), key


def test_every_korean_sentence_is_translated():
    for key, en in STRINGS["en"].items():
        if key not in SAME_IN_BOTH:
            assert STRINGS["ko"][key] != en, key


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("latex", [False, True])
def test_every_vocabulary_value_has_a_sentence(lang, latex):
    w = Words(lang, latex)
    for v in Verdict:
        assert w.verdict(v)
    for r in Reason:
        assert w.reason(r) or r == Reason.NONE
    for s in Status:
        assert w.status(s)
    for m in Method:
        assert w.method(m)
    kinds = {s.kind: w.slip(s) for s in slip_of_every_kind()}
    assert set(kinds) == set(SlipKind) and all(kinds.values())
    W1, W2 = Var("W", 1), Var("W", 2)
    for m in Move:  # every step of the search, with where and fix put in
        worded = w.step(Step(m, W2, W1), batched=False)
        assert ("W_{2}" in worded and "W_{1}" in worded) if latex else ("W2" in worded and "W1" in worded)


def test_found_slips_are_worded_in_the_notes_numbering():
    """A found slip names its places as the notes number them (W^(3) where the seed has W_2)."""
    from derive.reading import NIELSEN

    slip = Slip(
        SlipKind.FOUND,
        Var("z", 2),
        2,
        steps=(Step(Move.MISSING_TRANSPOSE, Var("W", 2), Transpose(Var("W", 2))),),
    )
    w = Words("en")
    assert w.slip(slip) == "transpose missing: W2 where W2ᵀ belongs"
    w.written = NIELSEN.written
    assert "W³" in w.slip(slip) and "W2" not in w.slip(slip)


def test_slips_are_worded_with_their_layers_in_the_notes_notation():
    w = Words("en")
    by_kind = {s.kind: w.slip(s) for s in slip_of_every_kind(batch=4)}
    assert by_kind[SlipKind.W_FOR_WT] == "W1 where W1ᵀ belongs"
    assert by_kind[SlipKind.FPRIME_WRONG_LAYER] == "f' of the wrong layer (f'(Z2) for f'(Z1))"  # a batch
    assert by_kind[SlipKind.MISSING_MEAN] == "missing 1/B (the mean over the batch of 4)"
    w_for_wt = next(s for s in slip_of_every_kind() if s.kind == SlipKind.W_FOR_WT)
    assert "$W_{1}^{T}$" in Words("ko", latex=True).slip(w_for_wt)


def test_unknown_language_names_the_valid_ones():
    with pytest.raises(Exception, match="lang: expected one of: en, ko; received 'fr'"):
        strings("fr")


def test_tex_escapes_outside_text():
    assert tex(r"\input{/etc/passwd}") == r"\textbackslash{}input\{/etc/passwd\}"
    assert tex("50% & $x_1$ #2 ~^") == r"50\% \& \$x\_1\$ \#2 \textasciitilde{}\textasciicircum{}"
    assert tex("a − b ≠ c") == "a $-$ b $\\neq$ c"
    assert tex("증명") == "??" and tex("증명", hangul_ok=True) == "증명"


def test_bad_source_date_epoch_is_a_clear_error():
    assert report_date("1700000000") == "2023-11-14"
    with pytest.raises(Exception, match="SOURCE_DATE_EPOCH: expected an integer of seconds since 1970"):
        report_date("yesterday")


# --- terminal ---


def test_terminal_table_and_details_of_a_claims_run(runs):
    out = render_run(runs["claims"])
    assert "line 13" in out and "W1 where W1ᵀ belongs" in out
    assert "probably: W1 where W1ᵀ belongs" in out
    assert "counterexample at sample point 0 (seed 7)" in out
    assert "claimed: 0.0123456789, — (SymPy), 0.0123456789, 0.75 (NumPy, as written)" in out
    assert "a1: numpy disagrees with sympy, jax" in out
    lines = out.splitlines()  # the caret sits under the problem
    caret = next(i for i, line in enumerate(lines) if line.strip() == "^")
    assert lines[caret].index("^") == lines[caret - 1].index(r"\circ a_1")
    assert "result: FAILED" in out


def test_terminal_of_a_builtin_run_blames_the_implementation(runs):
    out = render_run(runs["builtin"])
    for name in ("dL/da1", "dL/dz1", "dL/dW1", "dL/db1"):
        assert name in out
    assert "W1ᵀ δ2 ∘ f'(z1)" in out and "every activation f and loss ℓ" in out
    assert "dL/db1: differs from jax.grad at 64 of 64 points" in out and "off: numpy" in out
    assert "dL/dW1: gave no values" in out


def test_terminal_in_korean_has_no_english_sentence(runs):
    out = render_run(runs["claims"], "ko")
    assert "반증됨" in out and "추정 원인: W1ᵀ 자리에 W1" in out
    assert "probably" not in out and "refuted" not in out


def test_terminal_table_fits_80_columns(runs):
    lines = render_run(runs["builtin"]).splitlines()
    table = lines[1 : next(i for i, line in enumerate(lines) if line.startswith("└")) + 1]
    assert max(len(line) for line in table) <= 80


# --- JSON ---


@pytest.mark.parametrize("kind", ["builtin", "claims"])
def test_json_of_any_run_follows_the_one_schema(runs, kind):
    data = json.loads(render_json(runs[kind]))
    validate(data)
    assert data["schema"] == SCHEMA_VERSION
    assert all({"line", "verdict"} <= set(c) for c in data["claims"])  # what the cases scorer reads
    assert data["exit_code"] == runs[kind].exit_code


def test_json_of_a_claims_run_says_verdict_slip_and_counterexample(runs):
    data = json.loads(render_json(runs["claims"]))
    claim = data["claims"][1]
    assert claim["line"] == 13 and claim["wrt"] == "z1" and claim["verdict"] == "refuted"
    assert claim["slip"]["kind"] == "W for W^T" and claim["slip"]["text"] == "W1 where W1ᵀ belongs"
    assert set(claim["counterexample"]["inputs"]) == {"z1", "W1", "b1", "y"}
    assert data["claims"][2]["problem"]["message"] == "unexpected '\\circ'"
    assert data["source"] == "notes.md" and data["implementation"] is None


def test_the_schema_check_can_fail(runs):
    data = json.loads(render_json(runs["claims"]))
    del data["claims"][0]["verdict"]
    with pytest.raises(ValueError, match=r"\$\.claims\[0\]: expected keys"):
        validate(data)
    data = json.loads(render_json(runs["builtin"]))
    data["passed"] = "yes"
    with pytest.raises(ValueError, match=r"\$\.passed: expected bool"):
        validate(data)


# --- LaTeX ---

_MATH = re.compile(
    r"\$\$.*?\$\$|\$.*?\$|\\\[.*?\\\]|\\begin\{(align\*|tikzpicture|tabular)\}.*?\\end\{\1\}", re.S
)
_VERBATIM = re.compile(
    r"\\(texttt|usertext|includegraphics|hypersetup|usepackage|definecolor|newcommand)(\[[^\]]*\])?\{"
)


def _drop_verbatim(body: str) -> str:
    """`body` without the arguments of \\texttt{…} and the like (braces balanced, \\{ skipped)."""
    out, k = [], 0
    while m := _VERBATIM.search(body, k):
        out.append(body[k : m.start()])
        depth, j = 1, m.end()
        while j < len(body) and depth:
            if body[j] == "\\":
                j += 2
                continue
            depth += {"{": 1, "}": -1}.get(body[j], 0)
            j += 1
        k = j
    return "".join(out) + body[k:]


_ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ~]+[A-Za-z]{2,}){2,}\b")


def english_words(text: str) -> list[str]:
    """Runs of three or more English words in plain text (the terminal's, or the report's body
    once math and commands are gone)."""
    return _ENGLISH_RUN.findall(text)


def english_runs(tex_source: str) -> list[str]:
    """Runs of three or more English words in the body's text: outside math, typewriter (a
    user's or a library's text), commands and their names, package names."""
    body = tex_source.split(r"\begin{document}", 1)[1]
    body = _MATH.sub(" ", body)
    body = _drop_verbatim(body)
    body = re.sub(r"\\[A-Za-z]+\*?", " ", body)  # command names
    return english_words(body)


@pytest.mark.parametrize("kind", ["builtin", "claims"])
def test_korean_report_has_no_english_sentence(runs, kind):
    tex_source = render_report(report_input(runs[kind], "ko", "2023-11-14", "figures/agreement.pdf"))
    assert "역전파 공식의 세 가지 독립 검증" in tex_source
    assert english_runs(tex_source) == []
    for word in ("identical", "expand", "random point", "refuted", "Probably"):
        assert word not in tex_source


def test_the_english_check_can_fail(runs):
    tex_source = render_report(report_input(runs["claims"], "en", "2023-11-14"))
    assert "where W1" not in english_runs(tex_source)  # math is left out …
    assert any("differ beyond the tolerance" in run for run in english_runs(tex_source))  # … prose is not


def test_every_latex_key_is_used_by_the_report(runs):
    template = (Path(__file__).parent.parent / "reports" / "templates" / "report.tex.j2").read_text()
    code = "".join(
        (Path(__file__).parent.parent / "reports" / m).read_text() for m in ("latex.py", "wording.py")
    )
    for key in LATEX:
        assert f"t.{key}" in template or f'"{key}"' in code or f"'{key}'" in code, key


def test_report_of_a_claims_run_re_typesets_every_claim(runs):
    tex_source = render_report(ReportInput(runs["claims"], "en", date="2023-11-14"))
    assert r"\section{line 13 --- \bad{refuted}}" in tex_source
    assert r"\frac{\partial L}{\partial z_{1}} = W_{1} \delta_{2} \circ f'" in tex_source.replace("\\!", "")
    assert r"probably: $W_{1}$ where $W_{1}^{T}$ belongs" in tex_source
    assert (
        r"\texttt{\textbackslash{}frac\{\textbackslash{}partial L\}" in tex_source
    )  # the unparsed one, escaped
    assert "counterexample at sample point 0 (seed 7)" in tex_source


def test_users_latex_never_reaches_the_report_unescaped(runs):
    run = runs["claims"]
    from dataclasses import replace

    from derive.claim_parser import ClaimSyntaxError

    bad = r"\frac{\partial L}{\partial W_1} = \input{/etc/passwd}"
    claim = replace(
        run.claims[2].claim, written=bad, problem=ClaimSyntaxError(bad, 34, "unexpected '\\input'")
    )
    evil = replace(run, claims=(*run.claims[:2], replace(run.claims[2], claim=claim), *run.claims[3:]))
    tex_source = render_report(ReportInput(evil, "en"))
    assert r"\input{/etc/passwd}" not in tex_source
    assert r"\textbackslash{}input\{/etc/passwd\}" in tex_source


def test_builtin_report_has_derivations_witnesses_and_the_implementation(runs):
    run = runs["builtin"]
    tex_source = render_report(report_input(run, "en", "2023-11-14", "figures/agreement.pdf"))
    assert r"\section{The implementation under test}" in tex_source
    assert r"\paragraph{Entry by entry.}" in tex_source and r"\begin{bmatrix}" in tex_source
    for r in run.claims:  # the witnesses' values at point 0
        assert f"{r.agreement.witnesses['jax'].sample[0][0]:.16e}" in tex_source
    assert r"$\partial L/\partial W_{1}$ & jax" in tex_source  # the identity's name typeset
    assert r"\varepsilon = 2^{-52}" in tex_source
    assert "2023-11-14" in tex_source


def test_render_is_pure_and_byte_identical(runs):
    given = report_input(runs["builtin"], "en", "2023-11-14", "figures/agreement.pdf")
    assert render_report(given) == render_report(given)


def test_a_failed_latex_keeps_no_pdf(tmp_path, monkeypatch):
    monkeypatch.setattr("reports.output.shutil.which", lambda name: None)
    built = build_report(claims_run(), tmp_path, "en", "2023-11-14")
    assert built.hint and "TeX is not installed" in built.hint
    assert (tmp_path / "report.tex").exists() and not (tmp_path / "report.pdf").exists()
    assert (tmp_path / "figures" / "agreement.pdf").read_bytes().startswith(b"%PDF")


@needs_tex
@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("kind", ["builtin", "claims"])
def test_the_pdf_builds(tmp_path, runs, lang, kind):
    built = build_report(runs[kind], tmp_path, lang, "2023-11-14")
    assert built.hint is None and (tmp_path / "report.pdf").exists()
    text = pdf_text(tmp_path / "report.pdf")
    assert strings(lang)["title"] in text
    assert strings(lang)["verdict_refuted" if kind == "claims" else "verdict_proved"] in text


@needs_tex
def test_latex_runs_under_a_time_limit(tmp_path):
    (tmp_path / "loop.tex").write_text("\\def\\x{\\x}\\x")
    with pytest.raises(LatexError, match="did not finish within 3 s"):
        compile_pdf(tmp_path, "loop.tex", timeout=3)


# --- only what the run computed: the first page's summary ---


def _summary(tex_source: str) -> str:
    """The first page: from the summary's heading to the run's facts."""
    return tex_source.split(r"\section*{Summary}", 1)[1].split(r"\section*{Run}", 1)[0]


def test_the_summary_counts_what_the_run_proved(runs):
    from dataclasses import replace

    run = runs["builtin"]
    tex_source = render_report(report_input(run, "en", "2023-11-14"))
    n = len(run.claims)
    assert f"The {n} gradient identities" in tex_source and "four" not in tex_source
    assert f"{n} of {n} proved" in _summary(tex_source)
    assert "Not proved" not in _summary(tex_source)
    # one claim left undecided (beyond SymPy's budget): the page says so, and counts it
    undecided = replace(run.claims[0], verdict=Verdict.UNDECIDED, reason=Reason.SIZE)
    tex_source = render_report(
        report_input(replace(run, claims=(undecided, *run.claims[1:])), "en", "2023-11-14")
    )
    summary = _summary(tex_source)
    assert f"{n - 1} of {n} proved" in summary and "Not proved: 1 undecided" in summary
    assert "beyond SymPy" in summary  # the claim's row says why


def test_the_summary_names_the_witnesses_that_compared(runs):
    from dataclasses import replace

    run = runs["builtin"]
    summary = _summary(render_report(report_input(run, "en", "2023-11-14")))
    said = summary.split("Compared by the numbers:", 1)[1]
    assert "at 64 sample points" in said and all(name in said for name in ("sympy", "numpy", "jax"))
    unsampled = tuple(replace(r, agreement=None) for r in run.claims)
    summary = _summary(render_report(report_input(replace(run, claims=unsampled), "en", "2023-11-14")))
    assert "No claim was compared by the numbers." in summary and "sample points" not in summary


def test_a_diagnosis_in_the_summary_is_typeset_and_fits_its_column(runs):
    tex_source = render_report(report_input(runs["claims"], "en", "2023-11-14"))
    summary = _summary(tex_source)
    assert r"\fitinline{" in summary  # the slip's formulas, scaled to the column where too wide
    assert "dL/d" not in summary  # never the ASCII names
