"""`derivcheck --help` stays fast: it imports none of the heavy libraries."""

import subprocess
import sys

import pytest

HEAVY = ("jax", "sympy", "matplotlib", "mpmath", "scipy", "numpy")


@pytest.mark.parametrize("args", [["--help"], ["verify", "--help"], ["report", "--help"]])
def test_help_imports_no_heavy_library(args):
    code = (
        "import sys; from typer.testing import CliRunner; from reports.cli import app; "
        f"result = CliRunner().invoke(app, {args!r}); assert result.exit_code == 0, result.output; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_check_itself_can_fail():
    """The same probe sees a heavy import when there is one."""
    code = "import sys, sympy; print(sorted(m for m in ('sympy',) if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['sympy']"
