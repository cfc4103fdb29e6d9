"""Build hook (hatchling runs it for `pip install .`, `pip install -e .` and `python -m build`).

The repository keeps `derive/`, `verify/` and `reports/` at its top (the design card fixes the
layout), and they import one another by those names. Installed side by side in site-packages,
three such generic names would collide with anyone's module called `verify` or `reports`. So:

- the **standard** wheel ships them as `derivcheck.derive`, `derivcheck.verify` and
  `derivcheck.reports`: each file is copied into a temporary tree with every
  `from derive…` / `from verify…` / `from reports…` / `import …` statement (indented lazy imports
  included) rewritten to `derivcheck.…`, plus a generated `derivcheck/__init__.py` (the public
  API, `derivcheck.reports.api`), `derivcheck/testing.py` and `derivcheck/__main__.py` (the
  console script); the tree is force-included and nothing else is selected;
- the **editable** wheel (`pip install -e .`) puts the repository on `sys.path` (a `.pth`, as
  `dev-mode-dirs = ["."]` says) and adds the same three `derivcheck` files as shims that import
  the top-level names: in dev mode `derive`, `verify`, `reports` are importable by their bare
  names, as they are when running from the checkout.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

NAMESPACE = "derivcheck"
PACKAGES = ("derive", "verify", "reports")
_NAMES = "|".join(PACKAGES)
# a statement at the start of a line (any indentation): `from verify.run import check`,
# `from verify import tolerance`, `import verify.jax_oracle as oracle`
FROM = re.compile(rf"^(\s*)from\s+({_NAMES})(?=[.\s])", re.MULTILINE)
IMPORT = re.compile(rf"^(\s*)import\s+({_NAMES})(?=[.\s])", re.MULTILINE)
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


def rewrite(source: str) -> str:
    """`source` with every import of the three packages moved under the namespace. A bare
    `import verify.x` (which would bind `derivcheck`, not `verify`) is refused: write
    `from verify import x` or `import verify.x as x`."""
    bare = re.search(rf"^\s*import\s+({_NAMES})(\.\w+)*\s*$", source, re.MULTILINE)
    if bare:
        raise ValueError(f"hatch_build: write `from … import …` instead of {bare.group(0).strip()!r}")
    source = FROM.sub(rf"\1from {NAMESPACE}.\2", source)
    return IMPORT.sub(rf"\1import {NAMESPACE}.\2", source)


def _forwarding(module: str, doc: str, testing: bool = False) -> str:
    """A module that is `module`'s public names, each loaded on first use (PEP 562), so that
    `import derivcheck` stays fast: `derivcheck.check`, `from derivcheck import check`."""
    return (
        f'"""{doc}"""\n\n'
        "from importlib import import_module as _import_module\n\n"
        f'_api = _import_module("{module}")\n'
        "__doc__ = _api.__doc__\n"
        "__all__ = list(_api.__all__)\n\n\n"
        "def __getattr__(name: str) -> object:\n"
        "    if name in __all__:\n"
        "        return getattr(_api, name)\n"
        + (
            '    if name == "testing":\n        return _import_module(".testing", __name__)\n'
            if testing
            else ""
        )
        + '    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")\n\n\n'
        "def __dir__() -> list[str]:\n"
        + ('    return [*__all__, "testing"]\n' if testing else "    return list(__all__)\n")
    )


def shims(prefix: str) -> dict[str, str]:
    """The `derivcheck` package's own files; `prefix` is where the three packages live."""
    return {
        "__init__.py": _forwarding(
            f"{prefix}reports.api", "derivcheck: check gradient derivations and backward code.", testing=True
        ),
        "testing.py": _forwarding(f"{prefix}reports.testing", "Assertions for tests: `assert_backward`."),
        "__main__.py": (
            '"""`derivcheck …` and `python -m derivcheck …`: the command line."""\n\n'
            f"from {prefix}reports.cli import main\n\n"
            'if __name__ == "__main__":\n'
            "    main()\n"
        ),
    }


def namespaced_tree(root: Path, out: Path) -> Path:
    """Write `out/derivcheck/` (the three packages, rewritten, and the shims); return it."""
    package = out / NAMESPACE
    for name in PACKAGES:
        shutil.copytree(root / name, package / name, ignore=IGNORED)
        for module in (package / name).rglob("*.py"):
            module.write_text(rewrite(module.read_text(encoding="utf-8")), encoding="utf-8")
    for name, text in shims(f"{NAMESPACE}.").items():
        (package / name).write_text(text, encoding="utf-8")
    return package


class CustomBuildHook(BuildHookInterface):
    """See the module docstring."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        self._temporary = Path(tempfile.mkdtemp(prefix="derivcheck-build-"))
        if version == "editable":
            package = self._temporary / NAMESPACE
            package.mkdir()
            for name, text in shims("").items():
                (package / name).write_text(text, encoding="utf-8")
            build_data["force_include_editable"][str(package)] = NAMESPACE
        else:
            package = namespaced_tree(Path(self.root), self._temporary)
            build_data["force_include"][str(package)] = NAMESPACE

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        temporary = getattr(self, "_temporary", None)
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
