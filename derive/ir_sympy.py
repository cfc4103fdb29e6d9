"""The model IR (derive/formula.py) in SymPy: `sympy_value(node, env)` is `node`'s matrix of
expressions, its tensors' matrices in `env` (symbols for the given ones, expressions for the
intermediates). Functions are the registry's SymPy forwards (`derive/registry.py`), so a
derivative is SymPy's own, never ours. Used by every model's proof (derive/model_proof.py): model
files, notes read as a model, and the Matrix Cookbook's identities.

Convolution is cross-correlation, entry by entry (`Y_ij = Σ_ab K_ab X_{i s + a d − p, j s + b d − p}`,
zero outside X). A maximum is `MaxOf(a_1, …, a_n)`, whose derivative w.r.t. a_k is
`ArgmaxIndicator(k, a_1, …, a_n)`: 1 where a_k is the largest, a constant off ties (its own
derivative is 0 there). The proof therefore holds at every point without ties, whichever entry
is the argmax; at a tie the indicator gives the first largest entry (row-major in a window) the
whole gradient. Its last index is written 1 − the others (the indicators sum to 1), as a one-hot
target's last row is. A claim's `(x == max(x, axis=0))` is the same indicator where `x`'s entry is
an argument of that maximum (so it is proved, not only sampled).

The Kronecker product is its entry formula, `(A ⊗ B)[i r₂ + k, j c₂ + l] = A_ij B_kl`.

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
    Correlate,
    Diag,
    Equal,
    Fill,
    Flip,
    Formula,
    Grad,
    Hadamard,
    Kron,
    LogSoftmax,
    MatMul,
    MatrixApply,
    MaxAxis,
    MaxPool,
    MeanAxis,
    Ref,
    Repeat,
    Scale,
    Softmax,
    SumAxis,
    Transpose,
    Unsupported,
    gradient_key,
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


class ArgmaxIndicator(sp.Function):
    """`ArgmaxIndicator(k, a_0, …, a_{n−1})`: 1 where a_k is the first largest of the a's, else 0.

    Piecewise constant: off ties its derivative is 0 (`fdiff`). The last index is 1 − the others,
    so that the indicators of one maximum sum to 1 identically. With numbers for arguments it is
    evaluated (a counterexample's exact point)."""

    @classmethod
    def eval(cls, k, *args):  # type: ignore[override]  # sympy's Function.eval takes the arguments
        n = len(args)
        if n == 1:
            return sp.S.One
        index = int(k)
        if index == n - 1:
            return 1 - sum(cls(sp.Integer(j), *args) for j in range(n - 1))
        if all(a.is_number and a.is_comparable for a in args):
            best = max(range(n), key=lambda j: (args[j], -j))  # the first largest
            return sp.S.One if best == index else sp.S.Zero
        return None

    def fdiff(self, argindex=1):
        return sp.S.Zero  # a step function of its arguments: 0 off ties

    def as_piecewise(self) -> sp.Expr:
        """1 where a_k is larger than each earlier a and at least each later one (the first max)."""
        k, *args = self.args
        index = int(k)
        conditions = [args[index] > a for a in args[:index]] + [args[index] >= a for a in args[index + 1 :]]
        return sp.Piecewise((1, sp.And(*conditions)), (0, True))


class MaxOf(sp.Function):
    """`MaxOf(a_0, …, a_{n−1})`: the largest a. Its derivative w.r.t. a_k is
    `ArgmaxIndicator(k, a…)` (the argmax, locally constant off ties), unlike `sp.Max`, whose
    derivative SymPy writes with Heaviside steps of nested maxima that the claims' indicators
    cannot be matched with."""

    @classmethod
    def eval(cls, *args):  # type: ignore[override]
        if len(args) == 1:
            return args[0]
        if all(a.is_number and a.is_comparable for a in args):
            return sp.Max(*args)
        return None

    def fdiff(self, argindex=1):
        return ArgmaxIndicator(sp.Integer(argindex - 1), *self.args)


def numeric(m: sp.Matrix) -> sp.Matrix:
    """`m` for lambdify: each `MaxOf` as `Max`, each indicator as its `Piecewise`."""

    def one(e: sp.Expr) -> sp.Expr:
        e = e.replace(lambda x: isinstance(x, ArgmaxIndicator), lambda x: x.as_piecewise())
        return e.replace(lambda x: isinstance(x, MaxOf), lambda x: sp.Max(*x.args))

    return m.applyfunc(one)


def _indicator(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """`a == b` as 1 or 0: the argmax indicator where `b` is a maximum `a` is an argument of."""
    if a == b:
        return sp.S.One
    for x, m in ((a, b), (b, a)):
        if isinstance(m, MaxOf) and x in m.args:
            return ArgmaxIndicator(sp.Integer(m.args.index(x)), *m.args)
    return sp.Piecewise((1, sp.Eq(a, b)), (0, True))


def _padded(m: sp.Matrix, rows: int, cols: int) -> Callable[[int, int], sp.Expr]:
    """X[i, j], 0 outside X (zero padding)."""
    return lambda i, j: m[i, j] if 0 <= i < m.rows and 0 <= j < m.cols else sp.S.Zero


def _correlate(x: sp.Matrix, k: sp.Matrix, node: Correlate) -> sp.Matrix:
    """Y_ij = Σ_ab K_ab X[i s_r + a d_r − p_r, j s_c + b d_c − p_c], zero outside X."""
    (sr, sc), (pr, pc), (dr, dc) = node.stride, node.padding, node.dilation
    rows = (x.rows + 2 * pr - dr * (k.rows - 1) - 1) // sr + 1
    cols = (x.cols + 2 * pc - dc * (k.cols - 1) - 1) // sc + 1
    X = _padded(x, x.rows, x.cols)

    def entry(i: int, j: int) -> sp.Expr:
        return sp.Add(
            *(
                k[a, b] * X(i * sr + a * dr - pr, j * sc + b * dc - pc)
                for a in range(k.rows)
                for b in range(k.cols)
            )
        )

    return sp.Matrix(rows, cols, entry)


def _maxpool(x: sp.Matrix, node: MaxPool) -> sp.Matrix:
    """Y_ij = max_{a < k_r, b < k_c} X[i s_r + a, j s_c + b], the window row-major."""
    (kr, kc), (sr, sc) = node.size, node.stride
    rows, cols = (x.rows - kr) // sr + 1, (x.cols - kc) // sc + 1
    return sp.Matrix(
        rows,
        cols,
        lambda i, j: MaxOf(*(x[i * sr + a, j * sc + b] for a in range(kr) for b in range(kc))),
    )


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
        case Grad(Ref(name)):  # SymPy's own ∂L/∂name (derive/model_proof.py puts it in env)
            return env[gradient_key(name)]
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
        case Diag(x):  # the column x on the diagonal
            column = at(x)
            return sp.diag(*[column[i, 0] for i in range(column.rows)])
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
        case Correlate(x, k):
            return _correlate(at(x), at(k), node)
        case Flip(x):  # flip(K)[a, b] = K[kh − 1 − a, kw − 1 − b]
            m = at(x)
            return sp.Matrix(m.rows, m.cols, lambda i, j: m[m.rows - 1 - i, m.cols - 1 - j])
        case Repeat(x, times, axis):  # each row (axis 0) or column written `times` times
            m = at(x)
            if axis == 0:
                return sp.Matrix(m.rows * times, m.cols, lambda i, j: m[i // times, j])
            return sp.Matrix(m.rows, m.cols * times, lambda i, j: m[i, j // times])
        case MaxAxis(x, axis):
            m = at(x)
            if axis is None:  # every entry, row-major
                return sp.Matrix([[MaxOf(*m)]])
            if axis == 0:  # each column
                return sp.Matrix(1, m.cols, lambda _i, j: MaxOf(*m[:, j]))
            return sp.Matrix(m.rows, 1, lambda i, _j: MaxOf(*m[i, :]))
        case MaxPool(x):
            return _maxpool(at(x), node)
        case Equal(left, right):
            return broadcast(at(left), at(right), _indicator)
        case Kron(left, right):  # (A ⊗ B)[i r2 + k, j c2 + l] = A[i, j] B[k, l]
            a, b = at(left), at(right)
            return sp.Matrix(
                a.rows * b.rows,
                a.cols * b.cols,
                lambda i, j: a[i // b.rows, j // b.cols] * b[i % b.rows, j % b.cols],
            )
    raise Unsupported(node, "sympy_value")
