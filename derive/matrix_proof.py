"""SymPy's witness for a matrix identity (derive/matrix_identity.py): a real symbol for every
entry of every letter, the objective by the registry's SymPy forwards, its derivative entry by
entry (`[∂f/∂X]_ij = sp.diff(f, X_ij)`, never a matrix-level derivative), and a proof that
claim − derivative ≡ 0.

Every objective the reader builds (traces, products, squared norms, det, ln|det| as ½ ln det²,
the inverse as adj/det) is a rational function of the entries once differentiated, so `cancel`
decides: a residual that cancels to 0 is proved, any other is refuted. Where it is 0 only for
the transpose of the derivative, the claim is right in the other (numerator) layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial

import sympy as sp

from derive.formula import Formula, Kron, Ref, rewrite
from derive.ir_sympy import sympy_value
from derive.matrix_identity import MatrixIdentity, right_shape

__all__ = ["MatrixProof", "MatrixStatus", "derivative", "letter_symbols", "objective", "prove", "sympy_value"]


class MatrixStatus(StrEnum):
    PROVED = "proved"  # claim − ∂f/∂X ≡ 0 (denominator layout: the Cookbook's)
    OTHER_LAYOUT = "other layout"  # claim − (∂f/∂X)ᵀ ≡ 0 only: right in numerator layout
    REFUTED = "refuted"  # neither: some entry of the residual is a nonzero rational function
    SHAPE = "shape"  # the right side has neither X's shape nor Xᵀ's


@dataclass(frozen=True)
class MatrixProof:
    """The verdict of the algebra; `entry` (1-based) the first entry that differs when refuted,
    `residual` claim − derivative there (SymPy's text)."""

    status: MatrixStatus
    entries: int
    entry: tuple[int, int] | None = None
    residual: str = ""
    # proved only for these letters symmetric (the Cookbook's `∂xᵀBx/∂x = 2Bx` "if B is
    # symmetric"): `entry` and `residual` then say where it fails for a letter that is not
    symmetric: tuple[str, ...] = ()


def letter_symbols(identity: MatrixIdentity) -> dict[str, sp.Matrix]:
    """`X` → the matrix of real symbols `X_11 … X_rc` (a vector's `x_1 … x_n`)."""
    out = {}
    for name, (r, c) in identity.shapes:
        if c == 1:
            out[name] = sp.Matrix(r, 1, lambda i, _j, n=name: sp.Symbol(f"{n}_{i + 1}", real=True))
        else:
            out[name] = sp.Matrix(r, c, lambda i, j, n=name: sp.Symbol(f"{n}_{i + 1}{j + 1}", real=True))
    return out


def objective(identity: MatrixIdentity, env: dict[str, sp.Matrix]) -> sp.Expr:
    return sympy_value(identity.objective, env)[0, 0]


def derivative(identity: MatrixIdentity, env: dict[str, sp.Matrix]) -> sp.Matrix:
    """∂f/∂X in denominator layout, entry by entry: X's shape, `[∂f/∂X]_ij = ∂f/∂X_ij`."""
    f = objective(identity, env)
    X = env[identity.variable]
    return X.applyfunc(partial(sp.diff, f))


def _first_nonzero(residual: sp.Matrix) -> tuple[tuple[int, int], sp.Expr] | None:
    for i in range(residual.rows):
        for j in range(residual.cols):
            if (e := sp.cancel(sp.together(residual[i, j]))) != 0:
                return (i + 1, j + 1), e
    return None


def prove(identity: MatrixIdentity) -> MatrixProof:
    """claim − ∂f/∂X ≡ 0 (proved), else claim − (∂f/∂X)ᵀ ≡ 0 (the other layout), else refuted
    at the first entry that does not cancel. Untimed: the caller runs it under a time limit."""
    got = right_shape(identity)
    env = letter_symbols(identity)
    D = derivative(identity, env)
    if not isinstance(got, tuple) or got not in (D.shape, D.T.shape):
        return MatrixProof(MatrixStatus.SHAPE, D.rows * D.cols)
    C = sympy_value(identity.right, env)
    wrong = _first_nonzero(C - D) if C.shape == D.shape else ((0, 0), sp.Integer(1))
    if wrong is None:
        return MatrixProof(MatrixStatus.PROVED, D.rows * D.cols)
    if C.shape == D.T.shape and _first_nonzero(C - D.T) is None:
        return MatrixProof(MatrixStatus.OTHER_LAYOUT, D.rows * D.cols)
    if C.shape != D.shape:  # Xᵀ's shape, and not its transpose either: compare as transposed
        found = _first_nonzero(C - D.T)
        assert found is not None
        (i, j), e = found
        return MatrixProof(MatrixStatus.REFUTED, D.rows * D.cols, (j, i), sp.sstr(e))
    (i, j), e = wrong
    refuted = MatrixProof(MatrixStatus.REFUTED, D.rows * D.cols, (i, j), sp.sstr(e))
    for letters in _symmetric_holds(identity, env):  # true under a condition the model can state
        return replace(refuted, status=MatrixStatus.PROVED, symmetric=letters)
    return refuted


def symmetric_symbols(n: int, name: str) -> sp.Matrix:
    """An n × n symmetric matrix of real symbols: `S_ij` for i ≤ j, mirrored below."""
    return sp.Matrix(n, n, lambda i, j: sp.Symbol(f"{name}_{min(i, j) + 1}{max(i, j) + 1}", real=True))


def _symmetric_holds(identity: MatrixIdentity, env: dict[str, sp.Matrix]) -> Iterator[tuple[str, ...]]:
    """The square letters (other than the variable) for which the claim holds once they are
    symmetric: claim − ∂f/∂X ≡ 0 with `B = Bᵀ`; each letter alone, then the letters of each
    Kronecker product of the objective together (`2 (A ⊗ B) x` holds when A ⊗ B is symmetric,
    as when A and B both are). Only a product's factors are tried together: with every letter
    symmetric at once, a dropped transpose (`A B` for `Aᵀ Bᵀ`) would hold too."""
    square = {name: r for name, (r, c) in identity.shapes if name != identity.variable and r == c >= 2}
    tries: list[tuple[str, ...]] = [(name,) for name in square]
    for node in _products(identity.objective):
        letters = tuple(dict.fromkeys(_refs(node)))
        if len(letters) > 1 and all(x in square for x in letters) and letters not in tries:
            tries.append(letters)
    for letters in tries:
        symmetric = env | {name: symmetric_symbols(square[name], name) for name in letters}
        D = derivative(identity, symmetric)
        C = sympy_value(identity.right, symmetric)
        if C.shape == D.shape and _first_nonzero(C - D) is None:
            yield letters


def _products(formula: Formula) -> list[Kron]:
    found: list[Kron] = []
    rewrite(formula, lambda n: found.append(n) if isinstance(n, Kron) else None)
    return found


def _refs(formula: Formula) -> list[str]:
    found: list[str] = []
    rewrite(formula, lambda n: found.append(n.name) if isinstance(n, Ref) else None)
    return found
