"""Wrong variants of the seed's identities: the slips people make, as formulas and as NumPy code.

Each formula variant must be refuted by SymPy and rejected numerically, as a claim through
`verify.check`, with the witnesses of its right side (SymPy, NumPy) blamed against jax.grad and,
where the slip catalogue has it, the slip named (`SLIP_KINDS`); each NumPy variant, as the
implementation under test, must fail on exactly its variable and name the NumPy witness.
"""

from __future__ import annotations

from fractions import Fraction

from derive.claims import Claim
from derive.formula import Add, FPrime, Hadamard, MatMul, Ones, Scale, Transpose, Var
from derive.identities import Identity
from derive.slip_search import Move
from derive.slips import Slip, SlipKind

W, a1, z1, b1 = Var("W", 1), Var("a", 1), Var("z", 1), Var("b", 1)
delta2, z2 = Var("delta", 2), Var("z", 2)
back = MatMul(Transpose(W), delta2)
a2, y = Var("a", 2), Var("y", 2)


def neg(x):
    return Scale(Fraction(-1), x)


# the seed's output layer under mse: δ_2 = (a_2 − y) ∘ f'(z_2)
error2 = Add(a2, neg(y))
output2 = Hadamard(error2, FPrime(z2))


# (identity name, slip, wrong formula, does the slip keep the shape?)
FORMULA_VARIANTS = [
    ("dL/da1", "W instead of Wᵀ", MatMul(W, delta2), False),
    ("dL/da1", "sign flip", neg(back), True),
    ("dL/da1", "extra f'(z1) (dL/dz1 for dL/da1)", Hadamard(back, FPrime(z1)), True),
    ("dL/da1", "factor 2", Scale(Fraction(2), back), True),
    ("dL/dz1", "missing f'", back, True),
    ("dL/dz1", "f' of a1 instead of z1", Hadamard(back, FPrime(a1)), True),
    ("dL/dz1", "W instead of Wᵀ", Hadamard(MatMul(W, delta2), FPrime(z1)), False),
    ("dL/dz1", "sign flip", neg(Hadamard(back, FPrime(z1))), True),
    ("dL/dW1", "a1 a1ᵀ", MatMul(a1, Transpose(a1)), False),
    ("dL/dW1", "outer product in the wrong order (a1 δ2ᵀ)", MatMul(a1, Transpose(delta2)), False),
    ("dL/dW1", "z1 instead of a1", MatMul(delta2, Transpose(z1)), True),
    ("dL/dW1", "factor 1/2", Scale(Fraction(1, 2), MatMul(delta2, Transpose(a1))), True),
    ("dL/dW1", "f'(z2) applied twice", MatMul(Hadamard(delta2, FPrime(z2)), Transpose(a1)), True),
    ("dL/db1", "f'(z2) applied twice", Hadamard(delta2, FPrime(z2)), True),
    ("dL/db1", "sign flip", neg(delta2), True),
    ("dL/db1", "plus b1", Add(delta2, b1), True),
    # the output layer's δ_2 (the seed's mse, sigmoid): appended, so the indices above stay; only
    # generic functions, so a generic counterexample is exact (another loss's δ: test_output_delta)
    ("dL/dz2", "missing f'(z2)", error2, True),
    ("dL/dz2", "sign flip (y − a2)", Hadamard(Add(y, neg(a2)), FPrime(z2)), True),
    ("dL/dz2", "factor 2 (sse's δ under mse)", Scale(Fraction(2), output2), True),
    ("dL/dz2", "f' of a2 instead of z2", Hadamard(error2, FPrime(a2)), True),
    ("dL/dz2", "transposed", Transpose(output2), False),
]

# (identity name, slip) → the slip diagnosis must name: a catalogue kind, or the search's first
# step (derive/slip_search.py); None where neither has such a transformation (then no slip may
# be claimed either)
SLIP_KINDS: dict[tuple[str, str], SlipKind | Move | None] = {
    ("dL/da1", "W instead of Wᵀ"): SlipKind.W_FOR_WT,
    ("dL/da1", "sign flip"): SlipKind.SIGN,
    ("dL/da1", "extra f'(z1) (dL/dz1 for dL/da1)"): SlipKind.OTHER_GRADIENT,
    ("dL/da1", "factor 2"): SlipKind.TWICE,
    ("dL/dz1", "missing f'"): SlipKind.MISSING_FPRIME,
    ("dL/dz1", "f' of a1 instead of z1"): Move.A_FOR_Z,
    ("dL/dz1", "W instead of Wᵀ"): SlipKind.W_FOR_WT,
    ("dL/dz1", "sign flip"): SlipKind.SIGN,
    ("dL/dW1", "a1 a1ᵀ"): None,
    ("dL/dW1", "outer product in the wrong order (a1 δ2ᵀ)"): SlipKind.OUTER_ORDER,
    ("dL/dW1", "z1 instead of a1"): Move.Z_FOR_A,
    ("dL/dW1", "factor 1/2"): SlipKind.HALF,
    ("dL/dW1", "f'(z2) applied twice"): Move.EXTRA_FPRIME,
    ("dL/db1", "f'(z2) applied twice"): Move.EXTRA_FPRIME,
    ("dL/db1", "sign flip"): SlipKind.SIGN,
    ("dL/db1", "plus b1"): Move.EXTRA_TERM,
    ("dL/dz2", "missing f'(z2)"): SlipKind.MISSING_FPRIME,
    ("dL/dz2", "sign flip (y − a2)"): SlipKind.SIGN,
    ("dL/dz2", "factor 2 (sse's δ under mse)"): SlipKind.TWICE,
    ("dL/dz2", "f' of a2 instead of z2"): Move.A_FOR_Z,
    ("dL/dz2", "transposed"): SlipKind.TRANSPOSED,
}


def is_named(slip: Slip | None, expected: SlipKind | Move | None) -> bool:
    """`slip` is the expected diagnosis: a catalogue kind, or the search's first step."""
    if isinstance(expected, Move):
        return slip is not None and slip.kind == SlipKind.FOUND and slip.steps[0].move == expected
    return (slip.kind if slip else None) == expected


TARGETS = {"dL/da1": a1, "dL/dz1": z1, "dL/dW1": W, "dL/db1": b1, "dL/dz2": z2}


def variant_identity(name: str, formula) -> Identity:
    return Identity(name, TARGETS[name], formula)


def as_claim(identity: Identity) -> Claim:
    """An identity as a claim `∂L/∂X = formula`, as the pipeline takes a user's claim."""
    return Claim(
        "variants", 0, 0, identity.latex, "latex", wrt=identity.target, identity=identity, name=identity.name
    )


def variant_claim(name: str, formula) -> Claim:
    return as_claim(variant_identity(name, formula))


# NumPy slips: (identity name, slip, wrong gradient from (cache, W, delta2, f'))
NUMPY_VARIANTS = [
    ("dL/da1", "W instead of W.T", lambda c, W, d, fp: W @ d),
    ("dL/da1", "sign flip", lambda c, W, d, fp: -(W.mT @ d)),
    ("dL/da1", "extra f'(z1)", lambda c, W, d, fp: (W.mT @ d) * fp(c["z1"])),
    ("dL/dz1", "missing f'", lambda c, W, d, fp: W.mT @ d),
    ("dL/dz1", "f'(a1) for f'(z1)", lambda c, W, d, fp: (W.mT @ d) * fp(c["a1"])),
    ("dL/dz1", "W instead of W.T", lambda c, W, d, fp: (W @ d) * fp(c["z1"])),
    ("dL/dW1", "a1 a1ᵀ", lambda c, W, d, fp: c["a1"] @ c["a1"].mT),
    ("dL/dW1", "wrong order a1 δ2ᵀ", lambda c, W, d, fp: c["a1"] @ d.mT),
    ("dL/dW1", "z1 for a1", lambda c, W, d, fp: d @ c["z1"].mT),
    ("dL/db1", "f'(z2) twice", lambda c, W, d, fp: d * fp(c["z2"])),
    ("dL/db1", "sign flip", lambda c, W, d, fp: -d),
    ("dL/db1", "times 2", lambda c, W, d, fp: 2 * d),
]


# the per-layer identities of a deeper network (3 → 4 → 2): slips at layer 2 and across layers
W2, a2, z2_, z3, delta3 = Var("W", 2), Var("a", 2), Var("z", 2), Var("z", 3), Var("delta", 3)
LAYER_VARIANTS = [
    (
        "dL/dz2",
        Var("z", 2),
        "f' of the next layer, f'(z3)",
        Hadamard(MatMul(Transpose(W2), delta3), FPrime(z3)),
    ),
    ("dL/dz2", Var("z", 2), "W of the wrong layer, W1ᵀ", Hadamard(MatMul(Transpose(W), delta3), FPrime(z2_))),
    ("dL/dW2", W2, "a of the wrong layer, δ3 a1ᵀ", MatMul(delta3, Transpose(a1))),
    ("dL/dW1", W, "δ of the wrong layer, δ3 a1ᵀ", MatMul(delta3, Transpose(a1))),
    ("dL/db2", Var("b", 2), "δ of the layer itself, δ2", Var("delta", 2)),
]

# mini-batch identities (B = 3, mean): slips with the batch
B = 3
third = Fraction(1, B)
BATCH_VARIANTS = [  # (identity name, target, slip, wrong formula)
    ("dL/dW1", W, "1/B forgotten", MatMul(delta2, Transpose(a1))),
    ("dL/db1", b1, "1/B forgotten", MatMul(delta2, Ones())),
    (
        "dL/db1",
        b1,
        "summed over the wrong axis (1ᵀ Δ2ᵀ)",
        Scale(third, MatMul(Transpose(Ones()), Transpose(delta2))),
    ),
    ("dL/da1", a1, "1/B forgotten", MatMul(Transpose(W), delta2)),
    (
        "dL/dz1",
        z1,
        "1/B applied twice",
        Scale(third * third, Hadamard(MatMul(Transpose(W), delta2), FPrime(z1))),
    ),
    ("dL/dW1", W, "1/B² instead of 1/B", Scale(third * third, MatMul(delta2, Transpose(a1)))),
]
