"""The single-layer identities for symbolic sizes n → m: one proof for every size at once.

Index notation (`IndexedBase`, `Sum`, `KroneckerDelta`), a generic activation `f`, and a generic
loss that is a sum over the output entries, `L = Σ_i ℓ(z_2i)`. SymPy differentiates w.r.t. an
entry `w_pq`, `b_1p`, `a_1q` or `z_1q`, and resolves the Kronecker sums itself: the sizes are
written `m = p + r`, `n = q + s` with `r, s ≥ 0`, which says `1 ≤ p ≤ m`, `1 ≤ q ≤ n` in a form
SymPy's summation can use.

Not covered here: a loss that does not split into a sum over the outputs (softmax
cross-entropy, or the later layers of a deep network seen from an earlier one). For those the
exact-size proofs, which use a general `ℓ(z_2)`, are the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from derive.formula import Dims
from derive.generic import f
from derive.identities import Identity, layer_identities
from derive.notation import entrywise

SCOPE = "any sizes n → m, generic f, any loss of the form L = Σ_i ℓ(z_2i)"


class ell(sp.Function):
    """A generic per-output loss ℓ with declared derivative ℓ'."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return ell_prime(self.args[0])

    def _latex(self, printer: sp.printing.latex.LatexPrinter, exp: object = None) -> str:
        return rf"\ell\left({printer._print(self.args[0])}\right)"


class ell_prime(sp.Function):
    nargs = 1

    def _latex(self, printer: sp.printing.latex.LatexPrinter, exp: object = None) -> str:
        return rf"\ell'\left({printer._print(self.args[0])}\right)"


@dataclass(frozen=True)
class DimensionFreeProof:
    identity: Identity
    status: str  # "proved" or "not proved"
    target: sp.Expr  # the entry differentiated by, e.g. w[p, q]
    derived: sp.Expr  # SymPy's ∂L/∂(target), Kronecker sums resolved (sizes shown as m, n)
    formula: sp.Expr  # the identity's entry with δ_2 written out as ℓ'(z_2·)
    scope: str = SCOPE


_p, _q = sp.symbols("p q", integer=True, positive=True)
_r, _s = sp.symbols("r s", integer=True, nonnegative=True)
_k = sp.Symbol("k", integer=True, positive=True)
M, N = _p + _r, _q + _s  # outputs m ≥ p, inputs n ≥ q
_m, _n = sp.symbols("m n", integer=True, positive=True)


def _sizes_named(expr: sp.Expr) -> sp.Expr:
    """For display: the limits p + r, q + s written as m, n again."""
    return expr.subs({_r: _m - _p, _s: _n - _q})


@cache
def dimension_free_proofs() -> tuple[DimensionFreeProof, ...]:
    """The four identities of one layer boundary, proved for every n, m."""
    return tuple(prove_dimension_free(identity) for identity in layer_identities(1))


def prove_dimension_free(identity: Identity) -> DimensionFreeProof:
    """`proved` when SymPy shows derivative − formula = 0 for symbolic n, m; otherwise
    `not proved` (a wrong formula, or one this form cannot settle)."""
    w, a, z1, b, delta = (sp.IndexedBase(name, real=True) for name in ("w", "a_1", "z_1", "b_1", "delta_2"))
    through_z = identity.target.kind == "z"  # dL/dz_1: a_1 = f(z_1) inside the forward pass

    def a_of(index: sp.Expr) -> sp.Expr:
        return f(z1[index]) if through_z else a[index]

    def z2(index: sp.Expr) -> sp.Expr:
        # z_2i = Σ_k w_ik a_1k + b_1i
        return sp.Sum(w[index, _k] * a_of(_k), (_k, 1, N)) + b[index]

    i = sp.Symbol("i", integer=True, positive=True)
    loss = sp.Sum(ell(z2(i)), (i, 1, M))  # L = Σ_i ℓ(z_2i)
    target = {"W": w[_p, _q], "b": b[_p], "a": a[_q], "z": z1[_q]}[identity.target.kind]
    derived = sp.diff(loss, target).doit()

    # the formula's entry, from the same index form the report prints, with sizes m, n
    entry_target, entry = entrywise(identity, Dims((N, M)))
    if entry is None:
        raise ValueError(f"{identity.name}: the formula's shapes do not fit")
    rows = {s for s in entry_target.free_symbols if s.name in ("i", "j")}
    rename = {s: (_p if s.name == "i" else _q) for s in rows}
    entry = entry.xreplace(rename)
    # δ_2 = ∂L/∂z_2 = ℓ'(z_2·) for this loss; a_1 = f(z_1) when differentiating by z_1
    entry = entry.replace(
        lambda e: isinstance(e, sp.Indexed) and e.base == delta, lambda e: ell_prime(z2(e.indices[0]))
    )
    if through_z:
        entry = entry.replace(
            lambda e: isinstance(e, sp.Indexed) and e.base == a, lambda e: f(z1[e.indices[0]])
        )
    entry = entry.doit()
    residual = (derived - entry).doit()
    # constant factors may sit inside or outside a sum: factor_terms pulls them out on both sides
    zero = sp.expand(residual) == 0 or sp.expand(sp.factor_terms(residual)) == 0 or sp.simplify(residual) == 0
    return DimensionFreeProof(
        identity, "proved" if zero else "not proved", target, _sizes_named(derived), _sizes_named(entry)
    )
