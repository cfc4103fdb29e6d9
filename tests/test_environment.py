"""Issue 16, what the environment and a user's whitespace did: every kind ends in exit 0, 1 or 2
with at most one line on stderr, never a traceback.

- stdout in latin-1 or cp1252 (`—`, `→`, `δ` are not in it): ASCII spellings, no UnicodeEncodeError;
- SOURCE_DATE_EPOCH that is no date (`²`, 10^20, year 10000): one line, exit 2;
- a report that cannot be written (/sys, /proc, a read-only figures/, a full disk): one line, exit 2;
- a user's string with blank lines, tabs, NFD Hangul, lone jamo, TeX specials or 10^5 characters
  without a break: `tex()`/`code_tex()` give TeX no blank line, no overlong line, NFC, and the PDF
  builds with no glyph missing;
- LaTeX's error excerpt is its `!` line and `l.NN` context, not the log's tail.
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from reports.cli import app
from reports.encoding import spell
from reports.output import LatexError, compile_pdf, first_errors
from reports.tex import LINE, MAX_CHARS, code_tex, tex
from tests.test_report_layout import _MISSING, needs_tex

ROOT = Path(__file__).resolve().parent.parent
RELIABILITY = ROOT / "tests" / "cases" / "reliability"
CASE = ROOT / "tests" / "cases" / "min-target.md"
runner = CliRunner()


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The CLI in a fresh interpreter, as a terminal would run it (its own stdout encoding)."""
    return subprocess.run(
        [sys.executable, "-c", "from reports.cli import main; main()", *args],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=300,
    )


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("derivcheck: error:")]
    assert len(lines) == 1, stderr
    return lines[0]


# --- stdout that is not UTF-8


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
@pytest.mark.parametrize("args", [("check", str(CASE)), ("verify",)], ids=["check", "verify"])
def test_any_stdout_encoding_prints_without_a_traceback(encoding, args):
    done = cli(*args, "--points", "20", env={"PYTHONIOENCODING": encoding})
    stdout, stderr = done.stdout.decode(encoding), done.stderr.decode(encoding)
    assert done.returncode == (1 if args[0] == "check" else 0), stderr
    assert "Traceback" not in stderr and "UnicodeEncodeError" not in stderr
    assert "->" in stdout and "claims:" in stdout  # 4 -> 3: the arrow spelled, the table there
    table = [line for line in stdout.splitlines() if line.startswith("|")]
    assert table and len({len(line) for line in table}) == 1  # spelled before Rich measured


def test_korean_on_a_stdout_without_hangul_is_english_with_a_note():
    done = cli("check", str(CASE), "--points", "20", "--lang", "ko", env={"PYTHONIOENCODING": "latin-1"})
    stderr = done.stderr.decode("latin-1")
    assert done.returncode == 1 and "Traceback" not in stderr
    assert "has no Hangul" in stderr and "claims:" in done.stdout.decode("latin-1")


def test_ascii_spellings():
    assert [spell(c) for c in "—→−ᵀ∘δΣ²₁é"] == ["-", "->", "-", "^T", "o", "delta", "Sum", "^2", "1", "e"]
    assert spell("│") == "|" and spell("─") == "-" and spell("┼") == "+"
    assert spell("가") == "\\uac00"  # never lost silently
    assert spell("\udcff") == "\\udcff"  # a file name's undecodable byte (surrogateescape)


# --- SOURCE_DATE_EPOCH


@pytest.mark.parametrize("epoch", ["²", "99999999999999999999", "253402300800", "-1", "1e9", ""])
def test_source_date_epoch_that_is_no_date_is_one_line(epoch, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    result = runner.invoke(app, ["report", "--no-pdf", "--out", str(tmp_path / "r"), "--points", "20"])
    assert result.exit_code == 2, result.output
    line = one_error_line(result.output)
    assert "SOURCE_DATE_EPOCH: expected an integer of seconds since 1970" in line and "9999-12-31" in line
    assert f"received {epoch!r}" in line


def test_the_last_date_there_is():
    from reports.tex import report_date

    assert report_date("253402300799") == "9999-12-31" and report_date(" 0 ") == "1970-01-01"


# --- a report that cannot be written


def report_args(out: Path | str) -> list[str]:
    return ["report", "--no-pdf", "--out", str(out), "--points", "20"]


@pytest.mark.parametrize("out", ["/sys/kernel", "/proc", "/proc/derivcheck"])
def test_out_under_sys_or_proc_is_one_line(out):
    if not Path(out).parent.exists():
        pytest.skip("no /sys or /proc here")
    result = runner.invoke(app, report_args(out))
    assert result.exit_code == 2, result.output
    line = one_error_line(result.output)
    assert out in line


def test_read_only_figures_folder_is_one_line(tmp_path, monkeypatch):
    folder = tmp_path / "r"
    (folder / "figures").mkdir(parents=True)
    (folder / "figures").chmod(0o555)
    if os.access(folder / "figures", os.W_OK):  # root writes anyway: what the OS would raise
        import reports.figures

        def read_only(run, path, lang):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))

        monkeypatch.setattr(reports.figures, "agreement_figure", read_only)
    result = runner.invoke(app, report_args(folder))
    (folder / "figures").chmod(0o755)
    assert result.exit_code == 2, result.output
    line = one_error_line(result.output)
    assert str(folder / "figures") in line and "ermission denied" in line


def test_full_disk_is_one_line(tmp_path, monkeypatch):
    import reports.build

    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(reports.build, "write_atomically", full)
    result = runner.invoke(app, report_args(tmp_path / "r"))
    assert result.exit_code == 2, result.output
    line = one_error_line(result.output)
    assert str(tmp_path / "r" / "report.tex") in line and "No space left on device" in line


# --- a user's strings on their way to TeX

NASTY = "\\{}$&#^_%~<>\n\t\r \u00a0\u1100\u1161\u11a8\u1100가xé"
user_text = st.one_of(
    st.text(),
    st.text(alphabet=NASTY),
    st.builds(
        lambda c, n, t: c * n + t, st.sampled_from(list("x\\가{\u1100")), st.integers(1, 10**5), st.text()
    ),
)


@settings(max_examples=150, deadline=None)
@given(text=user_text, hangul_ok=st.booleans(), code=st.booleans())
def test_user_text_reaches_tex_as_one_safe_paragraph(text, hangul_ok, code):
    out = (code_tex if code else tex)(text, hangul_ok)
    assert not re.search(r"\n[ \t]*\n", out)  # no blank line: no \par inside a command or a cell
    assert max(map(len, out.split("\n"))) <= LINE + 2000 < 10_000  # TeX's buffer is 200,000 bytes
    assert unicodedata.is_normalized("NFC", out)
    assert not any("\u1100" <= ch <= "\u11ff" for ch in out)  # no conjoining jamo: no glyph for it
    unescaped = re.sub(r"\\[{}]", "", out)
    assert unescaped.count("{") == unescaped.count("}")
    if len(text) > MAX_CHARS * 2:
        assert "생략" in out if hangul_ok else "more characters" in out


def test_whitespace_and_hangul_normalised():
    assert tex("a\n\nb\t c") == "a b c"
    assert tex("\u1100\u1161", hangul_ok=True) == "가" and tex("\u1100", hangul_ok=True) == "ㄱ"
    assert r"\allowbreak{}" in tex("x" * 100)


def name_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "claims.toml"
    quoted = name.encode("unicode_escape").decode().replace('"', '\\"')
    claim = f'[[claim]]\nname = "{quoted}"\nwrt = "W1"\nformula = "delta2 @ a1.T"\n'
    path.write_text(claim, encoding="utf-8")
    return path


def built(out: Path, *args: str) -> None:
    """`report` ended well (exit 0/1), its PDF built, and TeX lost no glyph."""
    result = runner.invoke(app, ["report", "--out", str(out), "--points", "20", *args])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output and (out / "report.pdf").exists()
    log = (out / "report.log").read_text(errors="replace")
    assert not _MISSING.findall(log)


@needs_tex
@pytest.mark.parametrize(
    ("case", "lang"),
    [
        ("name-blank-line.toml", "en"),
        ("forward-blank-line.md", "en"),
        ("ko-latex-output-decode-traceback.toml", "ko"),
    ],
)
def test_reliability_cases_build_their_pdf(case, lang, tmp_path):
    built(tmp_path / "r", "--claims", str(RELIABILITY / case), "--lang", lang)


@needs_tex
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_nasty_claim_name_builds(lang, tmp_path):
    name = "a\n\nb\tc " + unicodedata.normalize("NFD", "가각") + "\u1100 {x}$&#^_%~ " + "n" * 200_000
    built(tmp_path / "r", "--claims", str(name_file(tmp_path, name)), "--lang", lang)
    text = (tmp_path / "r" / "report.tex").read_text(encoding="utf-8")
    assert max(map(len, text.splitlines())) < 10_000


# --- LaTeX's error excerpt

LOG = """(./report.aux)
./report.tex:58: Paragraph ended before \\text@command was complete.
<to be read again>
                   \\par
l.58 \\end{tabularx}

I suspect you've forgotten a `}', causing me to apply this
Here is how much of TeX's memory you used:
 8911 strings out of 476025
"""


def test_first_errors_is_the_error_and_where():
    excerpt = first_errors(LOG)
    assert excerpt.splitlines()[0].startswith("./report.tex:58: Paragraph ended")
    assert excerpt.splitlines()[-1] == "l.58 \\end{tabularx}" and "memory" not in excerpt


def test_first_errors_finds_a_fatal_error_only_the_terminal_shows():
    output = "(/usr/share/texlive/l3backend-pdftex.def)! Unable to read an entire line---bufsize=200000.\n"
    output += "Please increase buf_size in texmf.cnf.\n\nNo file report.aux.\n"
    excerpt = first_errors("LaTeX Font Info: ... okay on input line 2.\n", output)
    assert excerpt.splitlines() == [
        "! Unable to read an entire line---bufsize=200000.",
        "Please increase buf_size in texmf.cnf.",
    ]


@needs_tex
def test_a_real_failing_log_shows_its_bang_line(tmp_path):
    (tmp_path / "report.tex").write_text(
        "\\documentclass{article}\n\\newcommand*{\\x}[1]{#1}\n\\begin{document}\n"
        "\\x{a\n\nb}\n\\end{document}\n"
    )
    with pytest.raises(LatexError) as failed:
        compile_pdf(tmp_path, timeout=120)
    message = str(failed.value)
    assert "Paragraph ended before \\x was complete" in message and re.search(r"\nl\.5\b", message)
    assert "memory you used" not in message


@needs_tex
def test_a_file_named_in_nfd_hangul_builds_its_korean_report(tmp_path):
    folder = tmp_path / unicodedata.normalize("NFD", "노트")  # as macOS writes file names
    folder.mkdir()
    notes = folder / unicodedata.normalize("NFD", "증명.md")
    notes.write_text(CASE.read_text(encoding="utf-8"), encoding="utf-8")
    built(tmp_path / "r", "--claims", str(notes), "--lang", "ko")
    assert "노트/증명.md" in (tmp_path / "r" / "report.tex").read_text(encoding="utf-8")
