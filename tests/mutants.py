"""A hand-written NumPy backward with one gradient replaced by a slip (tests/variants.py's
NUMPY_VARIANTS): the wrong code a checker must catch. Used by the tests and by
benchmarks/versus_checkers.py."""

from __future__ import annotations

from collections.abc import Callable

from verify import numpy_backprop


def mutant_backward(name: str | None, wrong: Callable | None) -> Callable:
    """`numpy_backprop.backward` with the gradient `name` (e.g. "dL/dW1") computed by
    `wrong(cache, W1, delta2, f_prime)` instead; `name=None` leaves it correct."""

    def backward(cache, weights, y, activation, *args):
        grads = numpy_backprop.backward(cache, weights, y, activation, *args)
        if name is not None and wrong is not None:
            _, f_prime = numpy_backprop.ACTIVATIONS[activation]
            grads[name] = wrong(cache, weights[0], grads["dL/db1"], f_prime)  # dL/db1 = δ2
        return grads

    return backward
