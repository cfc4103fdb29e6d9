"""Every wrong variant of the hand-written backward (tests/variants.py's NUMPY_VARIANTS), written
as a user's `backward(params, x, y)`, fails `check_backward`; the correct one passes.

The variants are slips of one hidden layer's step (dL/da, dL/dz = δ, dL/dW, dL/db in the seed's
numbering: z1, a1, W, δ2). A user's backward returns parameter gradients only, so the slip is
placed in the hidden layer of a 4 → 3 → 3 network: the variant's (z1, a1, W, δ2, z2) are this
network's (z2, a2, W2, δ3, z3), and a slip of dL/da or dL/dz reaches dL/dW1 and dL/db1 (the
output layer is square, so W for Wᵀ and a a ᵀ keep their shapes and fail on values). Two more
common slips are added: the mean's 1/B missing and the next layer's f'. Every one is checked.
"""

import numpy as np
import pytest

from reports import api
from tests.variants import NUMPY_VARIANTS
from verify.value_slips import ValueSlip

MODEL = {
    "sizes": (4, 3, 3),
    "activation": "sigmoid",
    "loss": "mse",
    "batch": 3,
}  # B = 3: a missing 1/B is not a factor 2


def f(z):
    return 1 / (1 + np.exp(-z))


def f_prime(z):
    return f(z) * (1 - f(z))


def user_backward(name=None, wrong=None):
    """The correct backward of MODEL, or with the gradient `name` (of the hidden layer, in the
    seed's numbering) computed by `wrong(cache, W, delta, f_prime)`."""

    def backward(params, x, y):
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        B = x.shape[1]
        a1 = f(x)
        z2 = W1 @ a1 + b1
        a2 = f(z2)
        z3 = W2 @ a2 + b2
        a3 = f(z3)
        d3 = (a3 - y) * f_prime(z3) / B
        if name == "missing 1/B":
            d3 = d3 * B
        cache = {"z1": z2, "a1": a2, "z2": z3}
        grads = {"dL/dW1": d3 @ a2.T, "dL/db1": d3.sum(axis=1, keepdims=True)}
        g_a2 = W2.T @ d3
        if name == "dL/da1":
            g_a2 = wrong(cache, W2, d3, f_prime)
        d2 = g_a2 * (f_prime(z3) if name == "wrong layer's f'" else f_prime(z2))
        if name == "dL/dz1":
            d2 = wrong(cache, W2, d3, f_prime)
        if name in ("dL/dW1", "dL/db1"):
            grads[name] = wrong(cache, W2, d3, f_prime)
        return {
            "W1": d2 @ a1.T,
            "b1": d2.sum(axis=1, keepdims=True),
            "W2": grads["dL/dW1"],
            "b2": grads["dL/db1"].sum(axis=1, keepdims=True),  # a (3, B) variant, summed as b is
        }

    return backward


VARIANTS = [
    *((name, slip, wrong) for name, slip, wrong in NUMPY_VARIANTS),
    ("missing 1/B", "the mean's 1/B missing", None),
    ("wrong layer's f'", "f'(z3) for f'(z2)", None),
]


# which gradients a slip reaches, and the slip named from values (a rewrite of the truth), if any
REACHES = {
    "dL/da1": {"W1", "b1"},
    "dL/dz1": {"W1", "b1"},
    "wrong layer's f'": {"W1", "b1"},
    "dL/dW1": {"W2"},
    "dL/db1": {"b2"},
    "missing 1/B": {"W1", "b1", "W2", "b2"},
}
SLIPS = {
    "sign flip": (ValueSlip.SIGN,),
    "wrong order a1 δ2ᵀ": (ValueSlip.TRANSPOSED,),
    "times 2": (ValueSlip.TIMES_2,),
    "the mean's 1/B missing": (ValueSlip.MISSING_MEAN,),
}


def test_the_correct_backward_passes():
    found = api.check_backward(user_backward(), model=MODEL, points=100)
    assert found.passed, str(found)


@pytest.mark.parametrize(("name", "slip", "wrong"), VARIANTS, ids=[f"{n}: {s}" for n, s, _ in VARIANTS])
def test_every_wrong_variant_fails_on_the_gradients_it_reaches(name, slip, wrong):
    found = api.check_backward(user_backward(name, wrong), model=MODEL, points=100)
    assert not found.passed, f"{name}: {slip} passed"
    assert {g.name for g in found.failed} == REACHES[name]
    assert all(g.failure is None and g.differing == 100 for g in found.failed)
    named = {g.slip.kinds for g in found.failed if g.slip is not None}
    assert named == ({SLIPS[slip]} if slip in SLIPS else set()), named
