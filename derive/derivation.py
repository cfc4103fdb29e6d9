"""The symbolic derivation, step by step, as `derivcheck derive` and the report show it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from derive.budget import over_budget
from derive.formula import Dims
from derive.identities import Identity, network_identities
from derive.network import Network
from derive.notation import display_symbols, entrywise, readable
from derive.proof import Proof, prove


@dataclass(frozen=True)
class Step:
    """One identity: its index form, SymPy's entry-by-entry derivative and the formula's matrix
    (both in the seed's notation, generic `f`, `ℓ`), and the two proofs."""

    identity: Identity
    entry_target: sp.Expr  # e.g. w[i, j]
    entry_formula: sp.Expr | None  # e.g. delta_2[i]*a_1[j]; None when shapes do not fit
    derived: sp.ImmutableMatrix | None  # None when the proof was skipped (size)
    assembled: sp.ImmutableMatrix | None  # None when the formula's shapes do not fit
    generic: Proof
    concrete: Proof
    latex_names: dict[sp.Symbol, str]


@dataclass(frozen=True)
class Derivation:
    network: Network
    steps: tuple[Step, ...]


@cache
def derivation_step(identity: Identity, network: Network) -> Step:
    """One identity's step: index form, readable matrices and both proofs (cached)."""
    generic = prove(identity, network, generic=True)
    key = generic.setting
    keep = identity.target.layer if identity.target.kind == "z" else None
    target, formula = entrywise(identity, Dims(network.sizes, 1, network.batch), layered=network.depth > 1)
    derived = (
        readable(generic.derived, key, keep) if generic.derived is not None and key is not None else None
    )
    assembled = (
        readable(generic.claimed, key, keep) if generic.claimed is not None and key is not None else None
    )
    return Step(
        identity,
        target,
        formula,
        derived,
        assembled,
        generic,
        prove(identity, network, generic=False),
        # beyond the budget nothing is shown entry by entry: no symbols are built (2048×2048
        # would be four million of them, minutes and gigabytes, only to print "skipped (size)")
        display_symbols(key).latex_names if key is not None and not over_budget(key) else {},
    )


def derivation(network: Network, identities: tuple[Identity, ...] | None = None) -> Derivation:
    """The steps for `identities` (default: the seed's, for every layer)."""
    identities = identities or network_identities(network)
    return Derivation(network, tuple(derivation_step(i, network) for i in identities))
