"""File and process work for reports: the output folder, atomic writes, running latexmk.

Nothing half-written is ever left under a final name: files are written to a hidden partial
name and renamed; the PDF is built in a side folder and moved into place only on success.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

from derive import InputError

LATEX_TIMEOUT = 180  # seconds; the seed's report compiles in ~5 s (two or three pdflatex runs)
TEX_PACKAGES = "texlive-latex-base texlive-latex-recommended texlive-pictures latexmk"


class LatexError(RuntimeError):
    """LaTeX failed or ran too long; the message carries the first error lines of its log."""


def prepare_folder(out: Path) -> Path:
    """Create `out` (and parents) or fail with a clear `InputError`."""
    if out.exists() and not out.is_dir():
        raise InputError("--out", "a folder (existing or to be created)", f"{out} (a file)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError("--out", "a folder derivcheck can create", f"{out} ({e.strerror})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError("--out", "a folder derivcheck can write to", f"{out} (permission denied)")
    return out


def write_atomically(path: Path, data: str | bytes) -> Path:
    partial = path.with_name(f".{path.name}.partial")
    if isinstance(data, str):
        partial.write_text(data, encoding="utf-8")
    else:
        partial.write_bytes(data)
    os.replace(partial, path)
    return path


def missing_tex(lang: str) -> str | None:
    """None when TeX can build this report, else a one-line hint on what to install."""
    packages = TEX_PACKAGES + (" texlive-lang-korean" if lang == "ko" else "")
    hint = f"apt-get install --no-install-recommends {packages}"
    if not (shutil.which("latexmk") and shutil.which("pdflatex")):
        return f"no PDF: TeX is not installed; to get one: {hint}"
    if lang == "ko" and shutil.which("kpsewhich"):
        found = subprocess.run(["kpsewhich", "kotex.sty"], capture_output=True, text=True, check=False)
        if not found.stdout.strip():
            return f"no PDF: the Korean report needs kotex; to get it: {hint}"
    return None


# "! …" or, with -file-line-error, "file.tex:12: …"; on the terminal a fatal error ("! Unable to
# read an entire line---bufsize=200000.") may follow a file's closing parenthesis on its line
_ERROR_LINE = re.compile(r"(?:^|(?<=\)))(?:! |\S+\.tex:\d+: )")
_CONTEXT_LINE = re.compile(r"^l\.\d+( |$)")  # "l.58 \end{tabularx}": where in the .tex TeX stopped
_LOG_END = ("Here is how much", "No pages of output", "Output written on")


def first_errors(log: str, output: str = "", lines: int = 12) -> str:
    """The first error of a LaTeX log (or, when the log has none, of latexmk's output): its `! …`
    (or `file.tex:NN: …`) line through the `l.NN …` line that shows where TeX stopped and the
    line after it (what TeX had not read yet); a fatal error without one, through its paragraph;
    at most `lines` lines. Neither holding an error line: the log's last lines."""
    for text in (log, output):
        rows = text.splitlines()
        for i, row in enumerate(rows):
            if (m := _ERROR_LINE.search(row)) is None:
                continue
            excerpt = [row[m.start() :]]
            for j in range(i + 1, min(i + lines, len(rows))):
                if rows[j].startswith(_LOG_END):
                    break
                excerpt.append(rows[j])
                if _CONTEXT_LINE.match(rows[j]):
                    if j + 1 < len(rows) and rows[j + 1].strip():
                        excerpt.append(rows[j + 1])
                    break
            else:  # no "l.NN": the error's own paragraph
                if "" in (blank := [r.strip() for r in excerpt]):
                    excerpt = excerpt[: blank.index("")]
            return "\n".join(r.rstrip() for r in excerpt if r.strip())
    return "\n".join(log.splitlines()[-lines // 2 :])


def compile_pdf(folder: Path, tex_name: str = "report.tex", timeout: int = LATEX_TIMEOUT) -> Path:
    """Build `folder/report.pdf` from `folder/report.tex` with latexmk (pdflatex, no shell
    escape, non-interactive, stop at the first error, time-limited)."""
    build = folder / ".latex-build"
    stem = Path(tex_name).stem
    final = folder / f"{stem}.pdf"
    cmd = [
        "latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
        "-file-line-error", f"-outdir={build.name}", tex_name,
    ]  # fmt: skip
    # its own process group, so a time-out stops pdflatex too, not only latexmk
    with subprocess.Popen(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", start_new_session=True) as process:  # fmt: skip
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            final.unlink(missing_ok=True)
            raise LatexError(f"LaTeX did not finish within {timeout} s on {folder / tex_name}") from None
    built = build / f"{stem}.pdf"
    if process.returncode != 0 or not built.exists():
        final.unlink(missing_ok=True)  # an older PDF would no longer match the .tex
        log_path = build / f"{stem}.log"
        log = log_path.read_text(errors="replace") if log_path.exists() else output
        excerpt = first_errors(log, output)  # the log's first error, or a fatal one only on the terminal
        raise LatexError(f"LaTeX failed on {folder / tex_name}:\n{excerpt}\n(full log: {log_path})")
    os.replace(built, final)
    return final
