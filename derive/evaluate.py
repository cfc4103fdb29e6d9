"""Evaluate a `Formula` in SymPy: every quantity as an expression of the network's inputs."""

from __future__ import annotations

from functools import cache

import sympy as sp

from derive.formula import Add, Formula, FPrime, Hadamard, MatMul, Scale, Transpose, Var, shape
from derive.forward import derived_gradient, symbolic_forward
from derive.model import Setting, model
from derive.symbols import network_symbols


def quantity(key: Setting, var: Var) -> sp.ImmutableMatrix:
    """`a_l`, `z_l`, `W_l`, `b_l` or `delta_l = dL/dz_l` (derived by SymPy) as a matrix."""
    s, forward = network_symbols(key.sizes), symbolic_forward(key)
    match var.kind:
        case "a":
            return forward.a[var.layer - 1]
        case "z":
            return forward.z[var.layer - 1]
        case "W":
            return s.W[var.layer - 1]
        case "b":
            return s.b[var.layer - 1]
        case _:
            return derived_gradient(key, "z", var.layer)


@cache
def evaluate(formula: Formula, key: Setting) -> sp.ImmutableMatrix:
    """The matrix a formula stands for; `ShapeMismatch` (before any algebra) if it does not fit."""
    shape(formula, key.sizes)
    f_prime = model(key).f_prime

    def walk(node: Formula) -> sp.ImmutableMatrix:
        match node:
            case Var():
                return quantity(key, node)
            case Transpose(x):
                return walk(x).T
            case MatMul(left, right):
                return walk(left) * walk(right)
            case Hadamard(left, right):
                return walk(left).multiply_elementwise(walk(right))
            case Add(left, right):
                return walk(left) + walk(right)
            case Scale(factor, x):
                return sp.Rational(factor.numerator, factor.denominator) * walk(x)
            case FPrime(x):
                return walk(x).applyfunc(f_prime)
        raise TypeError(f"not a formula node: {node!r}")

    return sp.ImmutableMatrix(walk(formula))
