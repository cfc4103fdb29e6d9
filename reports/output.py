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


_ERROR_LINE = re.compile(r"^(!|\S+\.tex:\d+: )")  # "! …" or, with -file-line-error, "file.tex:12: …"


def first_errors(log: str, lines: int = 6) -> str:
    """The first error of a LaTeX log and the lines after it (or the log's tail)."""
    rows = log.splitlines()
    for i, row in enumerate(rows):
        if _ERROR_LINE.match(row):
            return "\n".join(rows[i : i + lines])
    return "\n".join(rows[-lines:])


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
        raise LatexError(f"LaTeX failed on {folder / tex_name}:\n{first_errors(log)}\n(full log: {log_path})")
    os.replace(built, final)
    return final
