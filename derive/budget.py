"""The symbolic budget: how big a setting SymPy is asked to derive entry by entry.

Measured on this project's 2-core machine with `benchmarks/symbolic_growth.py` (all four
identities of layer 1, each row in a fresh process), seconds:

    generic f, ℓ on an n × m slice:  4×3 0.07   8×8 0.30   16×16 2.4   24×24 10   32×32 85
                                     4×3 with batch 16: 1.6
    sigmoid, mse, whole network:     4,3 0.16   8,8 0.63   16,16 3.0   3,3,3 0.37   8,8,8 5.9
                                     4,4,4,4 2.4   4,3 batch 16: 3.0   8,8 batch 4: 3.0

The generic slice grows like (n·m)² (32×32 is 8× the time of 24×24); the whole network grows
with its weights, the batch and the depth. The limits keep every proof around ten seconds at
most; beyond them it is "skipped (size)" and the numeric witnesses still run.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.model import Setting

GENERIC_WEIGHTS = 4096  # n_l × n_{l+1} × B of a generic slice: up to 64×64 for one example
CONCRETE_COST = 4096  # Σ n_l n_{l+1} × B × depth of a whole network with its own f and loss
# up to these `sp.diff` of the whole loss per entry (the forms reports have always shown)
SHARED_FROM_GENERIC = 576
SHARED_FROM_CONCRETE = 384


def weights(key: Setting) -> int:
    """Σ n_l n_{l+1} × B; a slice of the output layer alone (the output δ_L's) has no weights but
    n_L entries each reading up to n_L outputs (softmax), so it counts n_L² × B."""
    if len(key.sizes) == 1:
        return key.sizes[0] ** 2 * key.batch
    return sum(a * b for a, b in zip(key.sizes, key.sizes[1:], strict=False)) * key.batch


@dataclass(frozen=True)
class Budget:
    """Why SymPy is not asked to derive a setting: its `cost` (weights × batch, × depth for a
    whole network with concrete functions) is above `limit`."""

    weights: int  # Σ n_l n_{l+1}
    batch: int
    depth: int
    cost: int
    limit: int
    generic: bool  # a generic slice (else a whole network with its own functions)


def _depth(key: Setting) -> int:
    return max(len(key.sizes) - 1, 1)  # the output layer alone (δ_L's slice) counts as one


def cost(key: Setting) -> int:
    """What the limits are compared with: weights × batch, × depth for a whole network."""
    return weights(key) if key.generic else weights(key) * _depth(key)


def shared_derivation(key: Setting) -> bool:
    """Whether to derive by reverse accumulation (`derive/reverse_mode.py`) rather than by
    `sp.diff` of the whole loss per entry: beyond the sizes `sp.diff` took ≤ 10 s for."""
    return cost(key) > (SHARED_FROM_GENERIC if key.generic else SHARED_FROM_CONCRETE)


def over_budget(key: Setting) -> Budget | None:
    """Why SymPy should not be asked to derive this setting entry by entry, or None."""
    limit = GENERIC_WEIGHTS if key.generic else CONCRETE_COST
    if cost(key) > limit:
        return Budget(weights(key) // key.batch, key.batch, _depth(key), cost(key), limit, key.generic)
    return None
