"""The symbolic derivation, step by step, as `derivcheck derive` and the report show it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from derive.identities import Identity, seed_identities
from derive.model import setting
from derive.network import Network
from derive.notation import display_symbols, entrywise, readable
from derive.proof import Proof, prove


@dataclass(frozen=True)
class Step:
    """One identity: its index form, SymPy's entry-by-entry derivative and the formula's matrix
    (both in the seed's notation, generic `f`, `ℓ`), and the two proofs."""

    identity: Identity
    entry_target: sp.Expr  # e.g. w[i, j]
    entry_formula: sp.Expr  # e.g. delta_2[i]*a_1[j]
    derived: sp.ImmutableMatrix
    assembled: sp.ImmutableMatrix
    generic: Proof
    concrete: Proof


@dataclass(frozen=True)
class Derivation:
    network: Network
    steps: tuple[Step, ...]
    latex_names: dict[sp.Symbol, str]


@cache
def derivation(network: Network) -> Derivation:
    key = setting(network, generic=True)
    steps = []
    for identity in seed_identities(network.depth):
        generic = prove(identity, network, generic=True)
        keep = identity.target.layer if identity.target.kind == "z" else None
        target, formula = entrywise(identity, network.sizes)
        steps.append(
            Step(
                identity,
                target,
                formula,
                readable(generic.derived, key, keep),
                readable(generic.claimed, key, keep)
                if generic.claimed is not None
                else sp.ImmutableMatrix([]),
                generic,
                prove(identity, network, generic=False),
            )
        )
    return Derivation(network, tuple(steps), display_symbols(network.sizes).latex_names)
