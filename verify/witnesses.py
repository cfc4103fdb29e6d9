"""The three witnesses behind one interface: values of the forward pass and of each identity.

- sympy: each identity's formula as SymPy evaluates it (proved equal to SymPy's own
  entry-by-entry derivative in `derive/`), lambdified; skipped beyond the symbolic budget;
- numpy: the hand-written backward pass (`verify/numpy_backprop.py`);
- jax: `jax.grad` of the forward pass (`verify/jax_oracle.py`), the oracle.
A witness that cannot produce a gradient gives a message instead of an array. All of them run
`network.numeric`: with the generic loss, its stand-in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from derive import Identity, Network
from derive.budget import over_budget
from derive.identities import identity_name
from derive.model import setting
from verify import numpy_backprop, sympy_numeric
from verify.sampling import Points


@dataclass(frozen=True, eq=False)
class WitnessValues:
    name: str
    forward: dict[str, np.ndarray]  # "z1", "a1", "z2", …, "L"; empty when skipped
    gradients: dict[str, np.ndarray | str]  # identity name → (P, rows, cols), or why not
    skipped: str | None = None  # why the witness did not run (not a failure)


WitnessFn = Callable[[Network, Points, Sequence[Identity]], WitnessValues]


def sympy_witness(network: Network, points: Points, identities: Sequence[Identity]) -> WitnessValues:
    network = network.numeric
    if reason := over_budget(setting(network, generic=False)):
        return WitnessValues("sympy", {}, {}, f"skipped (size): {reason}")
    return WitnessValues("sympy", *sympy_numeric.forward_and_formulas(network, identities, points))


def numpy_witness(
    network: Network,
    points: Points,
    identities: Sequence[Identity],
    *,
    forward: Callable = numpy_backprop.forward,
    backward: Callable = numpy_backprop.backward,
) -> WitnessValues:
    """The hand-written pass; `forward`/`backward` can be swapped for a mutant in tests."""
    network = network.numeric
    args = (network.activation, network.loss, float(network.slope), network.reduction)
    cache = forward(points.z1, points.W, points.b, points.y, *args)
    try:
        grads = backward(cache, points.W, points.y, *args)
    except ValueError as e:  # e.g. a matrix product whose shapes do not fit
        return WitnessValues("numpy", cache, {i.name: f"numpy backward failed: {e}" for i in identities})
    return WitnessValues(
        "numpy",
        cache,
        {i.name: grads.get(i.name, f"no hand-written formula for {i.name}") for i in identities},
    )


def jax_witness(network: Network, points: Points, identities: Sequence[Identity]) -> WitnessValues:
    from verify import jax_oracle  # imported on use: JAX takes a second to load

    network = network.numeric
    fw, grads = jax_oracle.gradients(
        points.z1, points.W, points.b, points.y, network.activation, network.loss, float(network.slope),
        network.reduction,
    )  # fmt: skip
    # the oracle knows gradients by variable, so each identity gets its target's gradient
    return WitnessValues(
        "jax", fw, {i.name: grads[identity_name(i.target.kind, i.target.layer)] for i in identities}
    )


DEFAULT_WITNESSES: tuple[WitnessFn, ...] = (sympy_witness, numpy_witness, jax_witness)
