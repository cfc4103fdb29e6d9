"""The registries side by side: each activation and loss with its SymPy, NumPy and JAX forward
definitions, lined up by name.

Each witness keeps its own table (independence: the NumPy witness imports nothing of ours, the
oracle uses `jax.nn`); this module joins them and fails loudly when a name is missing from one.
Derivatives never appear here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from derive import ACTIVATIONS, GENERIC, LOSSES
from verify import jax_oracle, numpy_backprop

CONCRETE_LOSSES = {name: entry for name, entry in LOSSES.items() if name != GENERIC}  # generic: symbolic only


@dataclass(frozen=True)
class Entry:
    name: str
    sympy: Callable
    numpy: Callable
    jax: Callable


def _join(what: str, sympy_table: dict, numpy_table: dict, jax_table: dict) -> dict[str, tuple]:
    names = (set(sympy_table), set(numpy_table), set(jax_table))
    if not names[0] == names[1] == names[2]:
        raise RuntimeError(
            f"{what} registries differ: sympy {sorted(names[0])}, numpy {sorted(names[1])}, "
            f"jax {sorted(names[2])}"
        )
    return {n: (sympy_table[n], numpy_table[n], jax_table[n]) for n in sorted(names[0])}


def activations() -> dict[str, Entry]:
    numpy_table = {
        n: numpy_backprop.activation_functions(n)
        for n in ACTIVATIONS
        if n in numpy_backprop.ACTIVATIONS or n == "leaky-relu"
    }
    joined = _join("activation", ACTIVATIONS, numpy_table, jax_oracle.ACTIVATIONS)
    return {n: Entry(n, s.forward, np_pair[0], j) for n, (s, np_pair, j) in joined.items()}


def losses() -> dict[str, Entry]:
    joined = _join("loss", CONCRETE_LOSSES, numpy_backprop.LOSSES, jax_oracle.LOSSES)
    return {n: Entry(n, s.forward, np_pair[0], j) for n, (s, np_pair, j) in joined.items()}
