"""The model IR (derive/formula.py) in SymPy: `sympy_value(node, env)` is `node`'s matrix of
expressions, its tensors' matrices in `env` (symbols for the given ones, expressions for the
intermediates). Functions are the registry's SymPy forwards (`derive/registry.py`), so a
derivative is SymPy's own, never ours. Shared by the Matrix Cookbook's identities
(derive/matrix_proof.py) and model files (verify/model_check.py).

Broadcasting is NumPy's: a dimension of size 1 is repeated to the other operand's. Softmax
and log-softmax are taken per column (axis 0) or per row (axis 1):
`softmax(x)_i = e^{x_i} / Σ_j e^{x_j}`, `log_softmax(x)_i = x_i − log Σ_j e^{x_j}`.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derive.formula import (
    Add,
    Apply,
    ApplyPrime,
    Broadcast,
    BroadcastAdd,
    Column,
    Fill,
    Formula,
    Hadamard,
    LogSoftmax,
    MatMul,
    MatrixApply,
    MeanAxis,
    Ref,
    Scale,
    Softmax,
    SumAxis,
    Transpose,
    Unsupported,
)
from derive.registry import MATRIX
from derive.registry import function as registry_function


def _rational(q) -> sp.Rational:
    return sp.Rational(q.numerator, q.denominator)


def broadcast(a: sp.Matrix, b: sp.Matrix, op: Callable[[sp.Expr, sp.Expr], sp.Expr]) -> sp.Matrix:
    """`op` entry by entry, a size-1 dimension repeated to the other's (NumPy's rule)."""
    rows, cols = max(a.rows, b.rows), max(a.cols, b.cols)

    def entry(m: sp.Matrix, i: int, j: int) -> sp.Expr:
        return m[i if m.rows > 1 else 0, j if m.cols > 1 else 0]

    return sp.Matrix(rows, cols, lambda i, j: op(entry(a, i, j), entry(b, i, j)))


def elementwise(name: str, parameter, derivative: bool = False) -> Callable[[sp.Expr], sp.Expr]:
    """The registry's SymPy forward of `name` (or SymPy's derivative of it), its parameter bound
    (leaky-relu's α, power's exponent; the default where the function has one and none is given)."""
    entry = registry_function(name)
    if parameter is None and entry.parameter is not None:
        parameter = entry.parameter.default
    alpha = None if parameter is None else _rational(parameter)
    if not derivative:
        return lambda z: entry.sympy(sp, z, alpha)
    t = sp.Dummy("t", real=True)
    prime = sp.diff(entry.sympy(sp, t, alpha), t)  # relu: Heaviside(t)
    return lambda z: prime.xreplace({t: z})


def _softmax_columns(m: sp.Matrix, log: bool) -> sp.Matrix:
    out = sp.zeros(m.rows, m.cols)
    for j in range(m.cols):
        if log:  # x_i − log Σ_k e^{x_k}
            total = sp.log(sum(sp.exp(m[k, j]) for k in range(m.rows)))
            for i in range(m.rows):
                out[i, j] = m[i, j] - total
        else:  # e^{x_i} / Σ_k e^{x_k}
            exps = [sp.exp(m[k, j]) for k in range(m.rows)]
            total = sum(exps)
            for i in range(m.rows):
                out[i, j] = exps[i] / total
    return out


def sympy_value(node: Formula, env: dict[str, sp.Matrix]) -> sp.Matrix:
    """`node` in SymPy; raises `Unsupported` for a node of the network's claims (`Var`, `Grad`, …)."""

    def at(x: Formula) -> sp.Matrix:
        return sympy_value(x, env)

    match node:
        case Ref(name):
            return env[name]
        case Transpose(x):
            return at(x).T
        case MatMul(left, right):
            return at(left) * at(right)
        case Add(left, right) | BroadcastAdd(left, right):
            return broadcast(at(left), at(right), lambda a, b: a + b)
        case Hadamard(left, right) | Broadcast(left, right):
            return broadcast(at(left), at(right), lambda a, b: a * b)
        case Scale(factor, x):
            return _rational(factor) * at(x)
        case Column(entries):
            return sp.Matrix([[_rational(e)] for e in entries])
        case Fill(value, like):
            m = at(like)
            return sp.Matrix(m.rows, m.cols, lambda i, j: _rational(value))
        case Apply(function, x) | ApplyPrime(function, x):
            f = elementwise(function.name, function.parameter, isinstance(node, ApplyPrime))
            return at(x).applyfunc(f)
        case SumAxis(x, axis) | MeanAxis(x, axis):
            m = at(x)
            if axis == 0:  # each column: 1 × c
                total = sp.Matrix(1, m.cols, lambda _i, j: sum(m[:, j]))
                n = m.rows
            else:  # each row: r × 1
                total = sp.Matrix(m.rows, 1, lambda i, _j: sum(m[i, :]))
                n = m.cols
            return total if isinstance(node, SumAxis) else total / n
        case Softmax(x):
            return _softmax_columns(at(x), log=False)
        case LogSoftmax(x, axis):
            m = at(x)
            return _softmax_columns(m, log=True) if axis == 0 else _softmax_columns(m.T, log=True).T
        case MatrixApply(name, x):
            return MATRIX[name].sympy(sp, at(x))
    raise Unsupported(node, "sympy_value")
