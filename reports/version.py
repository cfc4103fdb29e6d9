"""derivcheck's version, from the installed distribution's metadata (pyproject.toml's)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _installed


def version() -> str:
    """The installed version, e.g. "0.1.0"; "unknown" in a checkout that is not installed."""
    try:
        return _installed("derivcheck")
    except PackageNotFoundError:
        return "unknown"
