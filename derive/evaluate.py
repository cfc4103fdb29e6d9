"""Evaluate a `Formula` in SymPy: every quantity as an expression of the setting's inputs."""

from __future__ import annotations

from functools import cache

import sympy as sp

from derive.formula import (
    Activate,
    Add,
    Apply,
    ApplyPrime,
    Broadcast,
    Column,
    Diag,
    Dims,
    Fill,
    Formula,
    FPrime,
    Grad,
    Hadamard,
    MatMul,
    Ones,
    Scale,
    Softmax,
    SumAxis,
    Transpose,
    Unsupported,
    Var,
    activation_layer,
    shape,
)
from derive.forward import derived_gradient, symbolic_forward
from derive.model import Setting, layer_functions, sympy_activation
from derive.symbols import network_symbols


def dims(key: Setting) -> Dims:
    return Dims(key.sizes, key.first_layer, key.batch)


def quantity(key: Setting, var: Var) -> sp.ImmutableMatrix:
    """`a_l`, `z_l`, `W_l`, `b_l`, the target `y` or `delta_l` (SymPy's derivative) as a matrix.

    `delta_l` is `Δ_l`, the per-example δ's side by side: `dL/dZ_l` divided by the batch
    reduction's factor (1/B for the mean), so for one example it is `dL/dz_l` itself.
    """
    s, forward = network_symbols(key), symbolic_forward(key)
    k = s.at(var.layer)
    match var.kind:
        case "a":
            return forward.a[k]
        case "z":
            return forward.z[k]
        case "W":
            return s.W[k]
        case "b":
            return s.b[k]
        case "y":  # the target: the inputs' y symbols (y_1 … y_n, one column per example)
            return s.y
        case _:
            gradient = derived_gradient(key, "z", var.layer)
            if key.factor == 1:
                return gradient
            return sp.ImmutableMatrix(gradient * sp.Rational(key.factor.denominator, key.factor.numerator))


@cache
def evaluate(formula: Formula, key: Setting) -> sp.ImmutableMatrix:
    """The matrix a formula stands for; `ShapeMismatch` (before any algebra) if it does not fit."""
    shape(formula, dims(key))

    def walk(node: Formula) -> sp.ImmutableMatrix:
        match node:
            case Var():
                return quantity(key, node)
            case Ones():
                return sp.ImmutableMatrix(sp.ones(key.batch, 1))
            case Column(entries):
                return sp.ImmutableMatrix([sp.Rational(e.numerator, e.denominator) for e in entries])
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
            case FPrime(x) | Activate(x):  # the generic f: the own f_l of x's layer
                f_l, f_l_prime = layer_functions(key, activation_layer(x, dims(key)))
                return walk(x).applyfunc(f_l_prime if isinstance(node, FPrime) else f_l)
            case Apply(function, x) | ApplyPrime(function, x):  # a named function: itself
                g, g_prime = sympy_activation(function)
                return walk(x).applyfunc(g_prime if isinstance(node, ApplyPrime) else g)
            case Grad(Var(kind, layer)):
                return derived_gradient(key, kind, layer)  # SymPy's, entry by entry
            case Broadcast(left, right):
                a, b = walk(left), walk(right)
                rows, cols = max(a.rows, b.rows), max(a.cols, b.cols)

                def spread(m: sp.ImmutableMatrix) -> sp.Matrix:
                    return sp.Matrix(rows, cols, lambda i, j: m[i % m.rows, j % m.cols])

                return spread(a).multiply_elementwise(spread(b))
            case Fill(value, like):
                rows, cols = shape(like, dims(key))
                return sp.ImmutableMatrix(
                    sp.ones(rows, cols) * sp.Rational(value.numerator, value.denominator)
                )
            case Softmax(x):
                m = walk(x).applyfunc(sp.exp)  # each column divided by its own sum
                return sp.ImmutableMatrix(m.rows, m.cols, lambda i, j: m[i, j] / sum(m[:, j]))
            case Diag(x):
                return sp.ImmutableMatrix(sp.diag(*walk(x)))
            case SumAxis(x, axis):
                m = walk(x)
                ones = sp.ones(m.shape[1], 1) if axis == 1 else sp.ones(1, m.shape[0])
                return m * ones if axis == 1 else ones * m
        raise Unsupported(node, "evaluate")

    return sp.ImmutableMatrix(walk(formula))
