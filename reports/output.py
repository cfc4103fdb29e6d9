"""File and process work for reports: the output folder, atomic writes, publishing a report's
files as one set, running latexmk, and ending on SIGINT/SIGTERM without half a report.

How a report is published (`work_folder`, `publish`):

- everything of a run (figures, report.tex, LaTeX's run, report.pdf) is built in a fresh private
  folder `--out/.derivcheck-XXXXXXXX.partial` (`tempfile.mkdtemp`: a unique name, mode 0700), so
  two runs into one folder never share a temporary and a planted symlink is never written through;
- only when all of it was built are the files renamed into `--out` (`os.replace`, which replaces a
  symlink at the final name rather than following it), under an exclusive `flock` on the output
  folder (a second run's publishing waits the moment the first one's takes), with SIGINT/SIGTERM
  held until the set is in place; `report.pdf` (and its log) is removed first and renamed into
  place last, so at no moment does a report.pdf stand beside a report.tex it was not built from;
  a run without a PDF (`--no-pdf`, no TeX) removes the earlier one;
- a run that fails or is interrupted publishes nothing: the earlier report stays whole, and the
  private folder is removed. When LaTeX fails, only this run's .tex and log are kept, as
  `report.failed.tex` and `report.failed.log`, for reading.

`figures` in `--out` must be a folder, not a symlink (`check_folder`). A SIGKILL or a power cut
can still leave a `.derivcheck-*.partial` folder behind (never a file under a final name).
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import IO

from derive import InputError

LATEX_TIMEOUT = 180  # seconds; the seed's report compiles in ~5 s (two or three pdflatex runs)
TEX_PACKAGES = "texlive-latex-base texlive-latex-recommended texlive-pictures latexmk"
WORK_PREFIX, PARTIAL = ".derivcheck-", ".partial"  # the private folder and temporary files' names
SIGNALS = (signal.SIGINT, signal.SIGTERM)
_RETRY_SECONDS = 0.02  # how soon a signal comes again that could not be raised where it landed


class LatexError(RuntimeError):
    """LaTeX failed or ran too long; the message carries the first error lines of its log."""

    def __init__(
        self, message: str, log: Path | None = None, excerpt: str = "", what: str = "LaTeX failed"
    ) -> None:
        super().__init__(message)
        self.log = log  # LaTeX's log of the failed run, where there is one
        self.excerpt = excerpt  # the log's first error lines
        self.what = what  # what went wrong, in a few words


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: the run ends with 128 + the signal's number (130, 143).
    A BaseException, as KeyboardInterrupt is, so no `except Exception` swallows it."""

    def __init__(self, signum: int, written: Sequence[Path] = ()) -> None:
        super().__init__(signum)
        self.signum, self.written = signum, tuple(written)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def line(self) -> str:
        """The one line the command prints."""
        name = signal.Signals(self.signum).name
        if self.written:
            written = ", ".join(map(str, self.written))
            return f"interrupted ({name}) after the report was written in full: {written}"
        return f"interrupted ({name}): nothing written"


# --- signals: SIGINT/SIGTERM raise `Interrupted`; held while a report set is being put in place

_held = {"depth": 0, "pending": 0}


def _in_import(frame) -> bool:
    """Whether `frame` runs inside an import: a module half imported (a C extension's init, as
    jaxlib's) may crash the process when an exception goes through it."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _again(signum: int) -> None:
    """Send `signum` to this process again in a moment (from a timer thread)."""
    timer = threading.Timer(_RETRY_SECONDS, os.kill, (os.getpid(), signum))
    timer.daemon = True
    timer.start()


def _on_signal(signum: int, frame) -> None:
    if _held["depth"]:  # publishing or cleaning up: raised when that is done
        _held["pending"] = _held["pending"] or signum
        return
    if _in_import(frame):  # raised once the import is done
        _again(signum)
        return
    raise Interrupted(signum)


def _on_unraisable(previous, unraisable) -> None:
    """Python drops an exception raised in a garbage-collector callback (JAX has one), a weakref
    callback or a `__del__`: an `Interrupted` dropped there is sent again a moment later, so the
    signal is never lost."""
    error = unraisable.exc_value
    if isinstance(error, Interrupted):
        _again(error.signum)
    else:
        previous(unraisable)


def handle_signals() -> None:
    """SIGINT and SIGTERM end the run with `Interrupted` (main thread only; the CLI calls it)."""
    if threading.current_thread() is threading.main_thread():
        for s in SIGNALS:
            signal.signal(s, _on_signal)
        if getattr(sys.unraisablehook, "func", None) is not _on_unraisable:
            sys.unraisablehook = partial(_on_unraisable, sys.unraisablehook)


@contextmanager
def signals_held(written: Sequence[Path] = ()) -> Iterator[None]:
    """SIGINT/SIGTERM that arrive inside are raised as `Interrupted` when it ends (naming
    `written`, what was put in place), not in the middle. Nests."""
    _held["depth"] += 1
    try:
        yield
    finally:
        _held["depth"] -= 1
        pending = _held["pending"]
        if not _held["depth"] and pending:
            _held["pending"] = 0
            raise Interrupted(pending, written)


# --- the output folder


_FIGURES = "a folder whose figures/ is a folder in it, not a symlink"


def check_folder(out: Path) -> None:
    """`out` can be a report's folder: absent, or a folder whose `figures` entry, if any, is a
    folder and not a symlink (which would send the figures out of it). Creates nothing."""
    if out.exists() and not out.is_dir():
        raise InputError("--out", "a folder (existing or to be created)", f"{out} (a file)")
    figures = out / "figures"
    if figures.is_symlink():
        raise InputError("--out", _FIGURES, f"{figures} (a symlink to {os.readlink(figures)})")
    if figures.exists() and not figures.is_dir():
        raise InputError("--out", _FIGURES, f"{figures} (a file)")


def prepare_folder(out: Path) -> Path:
    """Create `out` (and parents) or fail with a clear `InputError`."""
    check_folder(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError("--out", "a folder derivcheck can create", f"{out} ({e.strerror})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError("--out", "a folder derivcheck can write to", f"{out} (permission denied)")
    return out


def _file_mode() -> int:
    """The mode `open` would give a new file (0o666 less the umask), for `mkstemp`'s 0o600 ones."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """A binary file that becomes `path` when the block ends without an exception: written under
    a unique temporary name beside it (created with O_EXCL, never through a symlink), then renamed
    over `path` (a symlink there is replaced, its target untouched). Nothing is left on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PARTIAL, dir=path.parent)
    try:
        os.fchmod(fd, _file_mode())
        with os.fdopen(fd, "wb") as file:
            yield file
        os.replace(temporary, path)
    except BaseException:
        with signals_held():
            Path(temporary).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: str | bytes) -> Path:
    with atomic_file(path) as file:
        file.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path


@contextmanager
def work_folder(out: Path) -> Iterator[Path]:
    """A fresh private folder in `out` for one run's files; removed when the block ends."""
    work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, suffix=PARTIAL, dir=out))
    try:
        yield work
    finally:
        with signals_held():
            shutil.rmtree(work, ignore_errors=True)


def _folder_fd(name: str, parent: int, out: Path) -> int:
    """A descriptor of the folder `name` in `parent` (created if absent), never through a symlink."""
    with suppress(FileExistsError):
        os.mkdir(name, dir_fd=parent)
    try:
        return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=parent)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOTDIR):
            raise InputError("--out", _FIGURES, f"{out / name} (not a folder)") from None
        raise


def _parent(name: str) -> str:
    """`figures/ulp.pdf` → `figures`; `report.tex` → `` (the output folder itself)."""
    parent = Path(name).parent.as_posix()
    return "" if parent == "." else parent


def publish(work: Path, out: Path, files: Sequence[str], remove: Sequence[str] = ()) -> tuple[Path, ...]:
    """Rename `work/name` to `out/name` for each of `files` (paths relative to both, in order)
    after removing `out/name` for each of `remove` that is there, holding an exclusive lock on
    `out` and SIGINT/SIGTERM until all of it is done. The final paths of `files`."""
    final = tuple(out / name for name in files)
    done: list[Path] = []  # what a signal that arrived meanwhile reports as written
    top = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    folders: dict[str, int] = {"": top}
    name = ""
    try:
        fcntl.flock(top, fcntl.LOCK_EX)  # another run publishing into `out`: wait for it (a moment)
        with signals_held(done):
            try:
                for name in (*remove, *files):
                    if _parent(name) not in folders:
                        folders[_parent(name)] = _folder_fd(_parent(name), top, out)
                for name in remove:
                    with suppress(FileNotFoundError):
                        os.unlink(Path(name).name, dir_fd=folders[_parent(name)])
                for name in files:
                    os.replace(work / name, Path(name).name, dst_dir_fd=folders[_parent(name)])
            except OSError as e:
                raise InputError(
                    "--out", "a folder derivcheck can write its report in", f"{out / name} ({e.strerror})"
                ) from None
            done.extend(final)
    finally:
        for fd in folders.values():
            os.close(fd)  # closing `top` releases the lock
    return final


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


def _stop(process: subprocess.Popen) -> None:
    """Kill latexmk and the pdflatex it started (their own process group) and reap them."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def compile_pdf(folder: Path, tex_name: str = "report.tex", timeout: int = LATEX_TIMEOUT) -> Path:
    """Build `folder/report.pdf` from `folder/report.tex` with latexmk (pdflatex, no shell
    escape, non-interactive, stop at the first error, time-limited), in `folder` itself (a run's
    private folder, `work_folder`: its aux files go with it). No PDF is left when LaTeX fails;
    SIGINT/SIGTERM (`Interrupted`) and the time limit stop pdflatex too."""
    stem = Path(tex_name).stem
    final, log_path = folder / f"{stem}.pdf", folder / f"{stem}.log"
    cmd = [
        "latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
        "-file-line-error", tex_name,
    ]  # fmt: skip
    # its own process group, so a time-out stops pdflatex too, not only latexmk
    with subprocess.Popen(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", start_new_session=True) as process:  # fmt: skip
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(process)
            final.unlink(missing_ok=True)
            message = f"LaTeX did not finish within {timeout} s"
            log = log_path if log_path.exists() else None
            raise LatexError(f"{message} on {folder / tex_name}", log, what=message) from None
        except BaseException:  # Interrupted
            _stop(process)
            raise
    if process.returncode != 0 or not final.exists():
        final.unlink(missing_ok=True)
        log = log_path.read_text(errors="replace") if log_path.exists() else output
        excerpt = first_errors(log, output)  # the log's first error, or a fatal one only on the terminal
        raise LatexError(f"LaTeX failed on {folder / tex_name}:\n{excerpt}\n(full log: {log_path})",
                         log_path if log_path.exists() else None, excerpt)  # fmt: skip
    return final
