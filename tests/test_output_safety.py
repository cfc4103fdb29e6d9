"""Issue 16: a report run never writes outside `--out`, never leaves half a report, and ends on
SIGINT/SIGTERM with one line and 130/143; a user's file is checked before it is read.

A fake `latexmk` (a shell script on PATH) stands in for TeX where TeX is not the point: its PDF
is the SHA-256 of the .tex it was given, so a test can tell whether a report.pdf matches the
report.tex beside it; it can also fail, or hang until killed."""

from __future__ import annotations

import gc
import hashlib
import os
import signal
import subprocess
import sys
import time
import weakref
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reports.cli import app
from reports.output import Interrupted, handle_signals, signals_held

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 60  # seconds: only to catch a hang
FAKE_LATEXMK = r"""#!/bin/sh
for last; do :; done
stem=${last%.tex}
case "${FAKE_LATEX:-ok}" in
  ok) sha256sum "$last" | cut -d' ' -f1 > "$stem.pdf"; echo "fake log" > "$stem.log" ;;
  fail) printf '%s\n' "./$last:12: Undefined control sequence." 'l.12 \oops' > "$stem.log"; exit 12 ;;
  slow) echo $$ > "$FAKE_MARK.tmp"; mv "$FAKE_MARK.tmp" "$FAKE_MARK"; exec sleep 60 ;;
esac
"""


@pytest.fixture
def fake_tex(tmp_path, monkeypatch) -> dict[str, str]:
    """A PATH whose latexmk and pdflatex are the fake; the environment for a subprocess."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("latexmk", "pdflatex"):
        (bin_dir / name).write_text(FAKE_LATEXMK)
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def report(out: Path, *args: str):
    return CliRunner().invoke(app, ["report", "--out", str(out), "--points", "20", *args])


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (symlinks as their target's name), by relative path."""
    found = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            found[p.relative_to(folder).as_posix()] = b"-> " + os.readlink(p).encode()
        elif p.is_file():
            found[p.relative_to(folder).as_posix()] = p.read_bytes()
    return found


def no_temporaries(folder: Path, planted: tuple[str, ...] = ()) -> None:
    left = [
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.name.endswith(".partial") or p.name.startswith(".derivcheck-")
    ]
    assert sorted(left) == sorted(planted)


def matches(folder: Path) -> bool:
    """The fake PDF is the SHA-256 of the report.tex it was built from."""
    tex = hashlib.sha256((folder / "report.tex").read_bytes()).hexdigest()
    return (folder / "report.pdf").read_text().strip() == tex


# --- files outside the output folder


def test_planted_symlinks_are_replaced_never_followed(tmp_path, fake_tex):
    out, outside = tmp_path / "out", tmp_path / "outside"
    (out / "figures").mkdir(parents=True)
    outside.mkdir()
    names = [".report.tex.partial", "report.tex", "report.pdf", "report.log", "figures/agreement.pdf",
             "figures/.agreement.pdf.partial", "report.failed.tex"]  # fmt: skip
    for i, name in enumerate(names):
        (outside / f"victim{i}").write_bytes(f"precious {i}\n".encode())
        (out / name).symlink_to(outside / f"victim{i}")
    before = snapshot(outside)
    result = report(out)
    assert result.exit_code == 0, result.output
    assert snapshot(outside) == before  # byte for byte
    for name in ("report.tex", "report.pdf", "report.log", "figures/agreement.pdf"):
        assert not (out / name).is_symlink() and (out / name).is_file(), name
    assert not (out / "report.failed.tex").exists()  # a stale failure's .tex is removed: the link itself
    assert matches(out)
    no_temporaries(out, planted=(".report.tex.partial", "figures/.agreement.pdf.partial"))  # not ours: left


@pytest.mark.parametrize("target", ["outside", "file"])
def test_a_figures_entry_that_is_no_folder_is_refused(tmp_path, target):
    out = tmp_path / "out"
    out.mkdir()
    if target == "outside":
        (tmp_path / "elsewhere").mkdir()
        (out / "figures").symlink_to(tmp_path / "elsewhere")
    else:
        (out / "figures").write_text("a file")
    result = report(out, "--no-pdf")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "--out: expected a folder whose figures/ is a folder in it" in lines[0], lines
    assert not any((tmp_path / "elsewhere").iterdir()) if target == "outside" else True
    assert sorted(p.name for p in out.iterdir()) == ["figures"]


def test_an_empty_out_is_an_error():
    result = CliRunner().invoke(app, ["report", "--out", "", "--points", "20", "--no-pdf"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "derivcheck: error: --out: expected a folder's name (e.g. derivcheck-report, or . for the "
        "current folder); received ''"
    )


# --- a report set is published whole, or not at all


def test_a_failing_latex_rerun_keeps_the_earlier_report(tmp_path, fake_tex, monkeypatch):
    out = tmp_path / "out"
    assert report(out).exit_code == 0
    before = snapshot(out)
    monkeypatch.setenv("FAKE_LATEX", "fail")
    result = report(out, "--seed", "1")
    assert result.exit_code == 2
    first = result.output.splitlines()[0]
    assert first.startswith("derivcheck: error: LaTeX failed, so this run's report was not published; ")
    assert f"the earlier report in {out} is kept as it was" in first
    assert "Undefined control sequence" in result.output
    after = snapshot(out)
    assert after.pop("report.failed.log").startswith(b"./report.tex:12: Undefined")
    assert b"--seed" not in after["report.tex"] and after.pop("report.failed.tex") != before["report.tex"]
    assert after == before and matches(out)
    no_temporaries(out)
    monkeypatch.setenv("FAKE_LATEX", "ok")  # a good run clears the failure's files
    assert report(out, "--seed", "1").exit_code == 0
    assert not (out / "report.failed.tex").exists() and not (out / "report.failed.log").exists()


def test_a_first_run_whose_latex_fails_publishes_only_its_tex_and_log(tmp_path, fake_tex, monkeypatch):
    monkeypatch.setenv("FAKE_LATEX", "fail")
    out = tmp_path / "out"
    result = report(out)
    assert result.exit_code == 2 and f"nothing else was written to {out}" in result.output
    assert sorted(snapshot(out)) == ["report.failed.log", "report.failed.tex"]


def test_a_rerun_without_pdf_removes_the_pdf_it_would_not_match(tmp_path, fake_tex):
    out = tmp_path / "out"
    assert report(out).exit_code == 0 and (out / "report.pdf").exists()
    result = report(out, "--no-pdf", "--seed", "3")
    assert result.exit_code == 0
    assert f"derivcheck: removed {out / 'report.pdf'}, {out / 'report.log'}: the earlier PDF" in result.output
    assert not (out / "report.pdf").exists() and not (out / "report.log").exists()
    assert (out / "report.tex").exists() and (out / "figures" / "agreement.pdf").exists()


def test_a_figure_whose_writing_fails_leaves_no_file(tmp_path, monkeypatch):
    """savefig draws into a temporary: a failure halfway leaves nothing under the final name."""
    from matplotlib.figure import Figure

    from reports.figures import _save

    def half(self, file, **kwargs):
        file.write(b"%PDF-1.4 half")
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", half)
    target = tmp_path / "figures" / "agreement.pdf"
    target.parent.mkdir()
    target.write_bytes(b"%PDF earlier, whole")
    with pytest.raises(KeyboardInterrupt):
        _save(Figure(), target)
    assert target.read_bytes() == b"%PDF earlier, whole"
    assert [p.name for p in target.parent.iterdir()] == ["agreement.pdf"]


# --- signals: one line, 130/143, the earlier report whole, no temporary left

SLOW_FIGURE = """
import sys, time
from contextlib import contextmanager
import reports.output as output
real = output.atomic_file
@contextmanager
def slow(path):
    with real(path) as file:
        file.write(b"%PDF-1.4 half a figure")
        file.flush()
        print("MARK", file=sys.stderr, flush=True)
        time.sleep(60)
        yield file
output.atomic_file = slow
from reports.cli import main
main()
"""


def start(script: str | None, env: dict, cwd: Path, *args: str) -> subprocess.Popen:
    code = script or "from reports.cli import main; main()"
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def wait_for(found, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + LIMIT
    while not found():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no marker"
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_figures_are_written(tmp_path, fake_tex, signum):
    out = tmp_path / "out"
    assert report(out).exit_code == 0
    before = snapshot(out)
    process = start(SLOW_FIGURE, fake_tex, tmp_path, "report", "--out", str(out), "--points", "20")
    assert process.stderr is not None
    assert process.stderr.readline().strip() == "MARK", process.communicate()
    process.send_signal(signum)
    _, err = process.communicate(timeout=LIMIT)
    assert process.returncode == 128 + signum
    assert err.strip() == f"derivcheck: interrupted ({signal.Signals(signum).name}): nothing written"
    assert snapshot(out) == before
    no_temporaries(out)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_latex(tmp_path, fake_tex, signum):
    out, mark = tmp_path / "out", tmp_path / "latexmk.pid"
    assert report(out).exit_code == 0
    before = snapshot(out)
    env = {**fake_tex, "FAKE_LATEX": "slow", "FAKE_MARK": str(mark)}
    process = start(None, env, tmp_path, "report", "--out", str(out), "--points", "20", "--seed", "5")
    wait_for(mark.exists, process)
    process.send_signal(signum)
    _, err = process.communicate(timeout=LIMIT)
    assert process.returncode == 128 + signum, err
    assert err.strip() == f"derivcheck: interrupted ({signal.Signals(signum).name}): nothing written"
    assert snapshot(out) == before and matches(out)
    no_temporaries(out)
    with pytest.raises(ProcessLookupError):  # LaTeX was stopped too
        os.kill(int(mark.read_text()), 0)


def test_two_runs_into_one_folder_both_publish_a_whole_report(tmp_path, fake_tex):
    out = tmp_path / "out"
    runs = [
        start(None, fake_tex, tmp_path, "report", "--out", str(out), "--points", "20", "--seed", str(seed))
        for seed in (1, 2)
    ]
    for process in runs:
        _, err = process.communicate(timeout=2 * LIMIT)
        assert process.returncode == 0, err
    assert matches(out)  # the PDF is the one built from the report.tex beside it
    no_temporaries(out)


def test_a_signal_while_publishing_waits_until_the_set_is_in_place():
    previous = signal.getsignal(signal.SIGINT)
    handle_signals()
    reached = False
    try:
        with pytest.raises(Interrupted) as caught, signals_held([Path("report.tex")]):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(100):  # bytecodes, at which Python runs the handler
                time.sleep(0.001)
            reached = True
    finally:
        signal.signal(signal.SIGINT, previous)
    assert reached and caught.value.exit_code == 130
    assert caught.value.line() == "interrupted (SIGINT) after the report was written in full: report.tex"


@pytest.mark.parametrize("where", ["gc callback", "weakref callback"])
def test_a_signal_whose_exception_python_drops_is_not_lost(where):
    """An exception raised in one of gc.callbacks (JAX has one) or a weakref callback is printed
    and dropped ("Exception ignored in"): the signal is sent again a moment later instead."""
    previous, hook = signal.getsignal(signal.SIGINT), sys.unraisablehook
    fired: list[int] = []

    def callback(*args):
        if not fired:
            fired.append(1)
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(50):  # the handler runs here, and its exception is dropped
                time.sleep(0.0002)

    class Cycle:
        pass

    handle_signals()
    cycle = Cycle()
    cycle.itself = cycle  # type: ignore[attr-defined]  # freed only by the collector
    if where == "gc callback":
        gc.callbacks.append(callback)
    else:
        watch = weakref.ref(cycle, callback)  # noqa: F841  # its callback runs when gc frees the cycle
    del cycle
    try:
        with pytest.raises(Interrupted):
            gc.collect()
            for _ in range(2000):
                time.sleep(0.001)
    finally:
        if callback in gc.callbacks:
            gc.callbacks.remove(callback)
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = hook
    assert fired


def test_a_signal_during_an_import_is_raised_once_the_module_is_whole(tmp_path, monkeypatch):
    """An exception through a module's import can leave a C extension half initialised (jaxlib's
    crashed the process): the signal is raised after the import instead."""
    (tmp_path / "slow_module.py").write_text(
        "import os, signal, time\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "for _ in range(50):\n    time.sleep(0.001)\n"
        "WHOLE = True\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    previous = signal.getsignal(signal.SIGINT)
    handle_signals()
    try:
        with pytest.raises(Interrupted):
            import slow_module  # noqa: F401  # type: ignore[import-not-found]

            for _ in range(2000):
                time.sleep(0.001)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert sys.modules.pop("slow_module").WHOLE


# --- a user's file is checked before it is read


def check(tmp_path: Path, path: Path | str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from reports.cli import main; main()", "check", str(path)],
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=tmp_path, capture_output=True,
                          text=True, timeout=LIMIT)  # fmt: skip


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "notes.md"
    os.mkfifo(fifo)
    result = check(tmp_path, fifo)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"derivcheck: error: FILE: expected a regular file; received '{fifo} (a FIFO)'"
    )


def test_a_device_is_refused(tmp_path):
    result = check(tmp_path, "/dev/zero")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "derivcheck: error: FILE: expected a regular file; received '/dev/zero (a character device)'"
    )


def test_a_folder_is_refused(tmp_path):
    result = check(tmp_path, tmp_path)
    assert result.returncode == 2 and "(a folder)" in result.stderr


def test_a_huge_sparse_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "notes.md"
    big.touch()
    os.truncate(big, 1 << 30)
    result = check(tmp_path, big)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "derivcheck: error: FILE: expected a document of at most 2,000,000 bytes; "
        "received '1,073,741,824 bytes'"
    )


def test_the_size_is_checked_before_the_file_is_read(tmp_path, monkeypatch):
    """st_size first: a file over the limit is not read at all."""
    from derive import claims_file
    from derive.errors import InputError

    path = tmp_path / "notes.md"
    path.write_bytes(b"x" * 100)
    monkeypatch.setattr(claims_file, "MAX_DOCUMENT_CHARS", 10)
    with pytest.raises(InputError, match="at most 10 bytes; received '100 bytes'"):
        claims_file.read_text(path)
