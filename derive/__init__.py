"""derive: the symbolic witness (SymPy only). Network spec, registries, identities, proofs.

The names below load on first use (PEP 562), so `import derive.registry` or `derive.errors`
does not load SymPy: `derivcheck --help` reads the registry's names without it.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from derive.errors import InputError
    from derive.evaluate import evaluate
    from derive.formula import Formula, ShapeMismatch, Var
    from derive.forward import derived_gradient, symbolic_forward
    from derive.identities import Identity, network_identities, seed_identities
    from derive.network import Network, parse_l2, parse_sizes, parse_slope
    from derive.proof import Counterexample, Proof, prove
    from derive.registry import ACTIVATIONS, GENERIC, LOSSES, Activation, Loss
    from derive.symbols import network_symbols

# submodule (relative to this package, so it loads under any package name) → names
_SOURCES = {
    ".errors": ("InputError",),
    ".evaluate": ("evaluate",),
    ".formula": ("Formula", "ShapeMismatch", "Var"),
    ".forward": ("derived_gradient", "symbolic_forward"),
    ".identities": ("Identity", "network_identities", "seed_identities"),
    ".network": ("Network", "parse_l2", "parse_sizes", "parse_slope"),
    ".proof": ("Counterexample", "Proof", "prove"),
    ".registry": ("ACTIVATIONS", "GENERIC", "LOSSES", "Activation", "Loss"),
    ".symbols": ("network_symbols",),
}
_MODULE_OF = {name: module for module, names in _SOURCES.items() for name in names}


class _Package(ModuleType):
    """Loading submodule `derive.evaluate` must not hide the exported function `evaluate`, as
    the import system would by setting the package's attribute of that name."""

    def __setattr__(self, name: str, value: object) -> None:
        if not (isinstance(value, ModuleType) and name in _MODULE_OF):
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> object:
    try:
        module = _MODULE_OF[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "ACTIVATIONS",
    "GENERIC",
    "LOSSES",
    "Activation",
    "Counterexample",
    "Formula",
    "Identity",
    "InputError",
    "Loss",
    "Network",
    "Proof",
    "ShapeMismatch",
    "Var",
    "derived_gradient",
    "evaluate",
    "network_identities",
    "network_symbols",
    "parse_l2",
    "parse_sizes",
    "parse_slope",
    "prove",
    "seed_identities",
    "symbolic_forward",
]
