"""Wrong variants of the seed's identities: the slips people make, as formulas and as NumPy code.

Each formula variant must be refuted by SymPy and rejected numerically; each NumPy variant
must make the comparison fail and name the NumPy witness.
"""

from __future__ import annotations

from fractions import Fraction

from derive.formula import Add, FPrime, Hadamard, MatMul, Scale, Transpose, Var
from derive.identities import Identity

W, a1, z1, b1 = Var("W", 1), Var("a", 1), Var("z", 1), Var("b", 1)
delta2, z2 = Var("delta", 2), Var("z", 2)
back = MatMul(Transpose(W), delta2)


def neg(x):
    return Scale(Fraction(-1), x)


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
]

TARGETS = {"dL/da1": a1, "dL/dz1": z1, "dL/dW1": W, "dL/db1": b1}


def variant_identity(name: str, formula) -> Identity:
    return Identity(name, TARGETS[name], formula)


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
