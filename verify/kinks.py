"""What each witness takes as the derivative at a kink (relu, leaky-relu at 0).

There the derivative does not exist, and each witness follows its own convention: SymPy's
`Heaviside(0) = 1/2`, the hand-written NumPy `z > 0`, JAX's `relu'(0) = 0`. At points placed on a
kink the witnesses may differ by exactly that, which is reported, never counted as a failure.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from derive import ACTIVATIONS, Network
from derive.model import concrete_activation
from verify import numpy_backprop


def conventions(network: Network) -> dict[str, str]:
    """`{"sympy": "f'(0) = 1/2", "numpy": "f'(0) = 0", "jax": "f'(0) = 0"}` for the network's
    activation with a kink, or {} when none has one."""
    from verify import jax_oracle  # imported on use: JAX takes a second to load

    # the first of the network's activations with a kink (a relu hidden layer under a sigmoid)
    name = next((n for n in network.layer_activations if ACTIVATIONS[n].kinks), None)
    if name is None:
        return {}
    k = ACTIVATIONS[name].kinks[0]
    slope = network.slope if ACTIVATIONS[name].parameter else None
    _, sympy_prime = concrete_activation(name, slope)
    _, numpy_prime = numpy_backprop.activation_functions(name, float(network.slope))
    jax_f = jax_oracle.activation(name, float(network.slope))
    values = {
        "sympy": sp.sstr(sympy_prime(sp.Integer(k))),
        "numpy": _number(float(numpy_prime(np.array(float(k))))),
        "jax": _number(float(jax_oracle.jax.grad(jax_f)(float(k)))),
    }
    return {w: f"f'({k}) = {v}" for w, v in values.items()}


def _number(x: float) -> str:
    return str(int(x)) if x == int(x) else repr(x)
