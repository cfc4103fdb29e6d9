"""The wheel maps derive/, verify/, reports/ under the `derivcheck` namespace (hatch_build.py):
no bare top-level package in site-packages, every import rewritten, every module compiling."""

import importlib.util
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("hatchling", reason="hatch_build.py needs hatchling (pip install '.[test]')")


def _hook():
    spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BARE = re.compile(r"^\s*(from|import)\s+(derive|verify|reports)\b", re.MULTILINE)


def test_rewrite_moves_every_import_statement_under_the_namespace():
    hook = _hook()
    source = (
        "from derive import Network\n"
        "from verify.results import (\n    Run,\n)\n"
        "def f():\n    from reports.terminal import render_run\n    import verify.jax_oracle as oracle\n"
        "text = 'from derive import x'  # not a statement: left alone\n"
    )
    out = hook.rewrite(source)
    assert "from derivcheck.derive import Network" in out
    assert "from derivcheck.verify.results import (" in out
    assert "    from derivcheck.reports.terminal import render_run" in out
    assert "    import derivcheck.verify.jax_oracle as oracle" in out
    assert "'from derive import x'" in out and not BARE.search(out)
    with pytest.raises(ValueError, match="from … import"):
        hook.rewrite("import verify.run\n")  # would bind `derivcheck`, not `verify`


def test_the_namespaced_tree_compiles_and_imports_nothing_bare(tmp_path):
    package = _hook().namespaced_tree(ROOT, tmp_path)
    modules = sorted(package.rglob("*.py"))
    assert len(modules) > 50
    for module in modules:
        text = module.read_text(encoding="utf-8")
        compile(text, str(module), "exec")
        assert not BARE.search(text), module
    assert sorted(p.name for p in (package / "derive" / "grammars").glob("*.lark"))
    assert (package / "reports" / "templates" / "report.tex.j2").is_file()
    assert {"__init__.py", "testing.py", "__main__.py"} <= {p.name for p in package.iterdir()}


def test_the_wheel_ships_only_the_derivcheck_package(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("derivcheck-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"derivcheck", wheel.name.split("-py3")[0] + ".dist-info"}
    assert "derivcheck/reports/api.py" in names and "derivcheck/derive/grammars/latex.lark" in names
    entry = zipfile.ZipFile(wheel).read(wheel.name.split("-py3")[0] + ".dist-info/entry_points.txt").decode()
    assert "derivcheck = derivcheck.__main__:main" in entry
