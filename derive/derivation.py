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
    entry_formula: sp.Expr | None  # e.g. delta_2[i]*a_1[j]; None when shapes do not fit
    derived: sp.ImmutableMatrix
    assembled: sp.ImmutableMatrix | None  # None when the formula's shapes do not fit
    generic: Proof
    concrete: Proof


@dataclass(frozen=True)
class Derivation:
    network: Network
    steps: tuple[Step, ...]
    latex_names: dict[sp.Symbol, str]


@cache
def derivation_step(identity: Identity, network: Network) -> Step:
    """One identity's step: index form, readable matrices and both proofs (cached)."""
    key = setting(network, generic=True)
    generic = prove(identity, network, generic=True)
    keep = identity.target.layer if identity.target.kind == "z" else None
    target, formula = entrywise(identity, network.sizes)
    return Step(
        identity,
        target,
        formula,
        readable(generic.derived, key, keep),
        readable(generic.claimed, key, keep) if generic.claimed is not None else None,
        generic,
        prove(identity, network, generic=False),
    )


def derivation(network: Network, identities: tuple[Identity, ...] | None = None) -> Derivation:
    """The steps for `identities` (default: the seed's, for every layer)."""
    identities = identities or seed_identities(network.depth)
    steps = tuple(derivation_step(i, network) for i in identities)
    return Derivation(network, steps, display_symbols(network.sizes).latex_names)
