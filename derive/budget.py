"""The symbolic budget: how big a setting SymPy is asked to derive entry by entry.

Two paths (`derive/forward.py`): within `SHARED_FROM_*` (the old budget) `sp.diff` of the
whole loss once per entry, the forms the reports have always shown; beyond, reverse
accumulation over the forward equations (`derive/reverse_mode.py`), symengine for the
polynomial partials and the zero test's expansion (`derive/symengine_backend.py`).
Measured with `benchmarks/symbolic_growth.py` (layer 1's four identities for a generic slice,
every identity of a whole network; each in a fresh process) on this project's 2-core machine,
load average 2–3 from other jobs, seconds, `sp.diff` → reverse + symengine:

    generic f, ℓ on an n × m slice:  4×3 0.08 → 0.04   8×8 0.32 → 0.06   16×16 2.4 → 0.14
                                     24×24 9.9 → 0.32  32×32 76 → 0.60   64×64 >150 → 2.2
                                     4×3 with batch 16: 2.3 → 0.39
    sigmoid, mse, whole network:     4,3 0.22 → 0.14   8,8 0.94 → 0.19   16,16 4.5 → 0.52
                                     4,3 batch 16: 3.1 → 0.80   8,8 batch 4: 3.0 → 0.47
                                     3,3,3 0.45 → 0.07   8,8,8 7.0 → 0.16   4,4,4,4 3.6 → 0.10
                                     64,64 >150 → 4.7
    tanh, softmax-ce, 6,5,4,3, batch 8 (cost 1,488), all 13 identities: 221 → 5.4 (load 4.5)

The proofs now grow slowly; what limits a whole network with its own functions is the rest of
`derivcheck verify` that comes with a concrete proof — the SymPy witness and the 50-digit
reference lambdify every entry of every gradient (cse, then NumPy and arb): end to end, 6,5,4,3
batch 8 tanh softmax-ce 9.8 s, 32,32 batch 2 sigmoid mse (cost 2,048) 71 s, 64,64 sigmoid mse
(4,096) 248 s. So a generic slice may reach 64 × 64 (its proof alone), and a whole network
1,536 (6,5,4,3 with a batch of 8 and a margin). Beyond them it is "skipped (size)" and the
numeric witnesses still run.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.model import Setting

GENERIC_WEIGHTS = 4096  # n_l × n_{l+1} × B of a generic slice: up to 64×64 for one example
CONCRETE_COST = 1536  # Σ n_l n_{l+1} × B × depth of a whole network with its own f and loss
# up to these (the old budget) `sp.diff` of the whole loss per entry, the forms reports have shown
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
