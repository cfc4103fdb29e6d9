"""ruff and pyright are part of the test suite, so the README's one test command also lints and
type-checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_format_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--quiet", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, "run `ruff format .`:\n" + result.stdout + result.stderr


def test_ruff_check_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--quiet", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pyright_is_clean():
    """pyright (basic mode, configured in pyproject.toml) on derive, verify and reports.

    The `pyright` wheel bundles pyright's JavaScript and `pyright[nodejs]` a node binary, so
    this needs neither npm nor a system node. `PYRIGHT_PYTHON_IGNORE_WARNINGS` stops its check
    of PyPI for a newer release; `--pythonpath` points it at this interpreter's packages.
    """
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--pythonpath", sys.executable, "--project", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
