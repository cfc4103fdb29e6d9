"""Groupings the shapes decide: `(a − y) ⊙ a ⊙ (1 − a) a_2ᵀ`.

The LaTeX grammar binds juxtaposition tighter than ⊙, as the seed writes `W_1ᵀ δ_2 ∘ f'(z_1)`;
but notes also write the ⊙-chain first and its trailing matrix product after it, meaning
`((a − y) ⊙ a ⊙ (1 − a)) a_2ᵀ`. When the parsed grouping is a shape error and pulling the chain
into the product's first factor fits — and gives the claim's shape — that grouping is the one
the shapes allow, and the claim says it was read so (`ClaimNote.REGROUPED`, derive/claims.py).
"""

from __future__ import annotations

from derive.formula import Dims, Formula, Hadamard, MatMul, ShapeMismatch, rewrite, shape


def _fits(formula: Formula, dims: Dims) -> tuple[int, int] | None:
    try:
        return shape(formula, dims)
    except ShapeMismatch:
        return None


def _into_first_factor(chain: Formula, product: Formula) -> Formula:
    """`(chain ⊙ C) M_1 … M_k` for the product `C M_1 … M_k` (left-associated)."""
    if isinstance(product, MatMul):
        return MatMul(_into_first_factor(chain, product.left), product.right)
    return Hadamard(chain, product)


def regrouped(formula: Formula, dims: Dims, target: tuple[int, int] | None = None) -> Formula | None:
    """`formula` with each ⊙-chain that ends in a matrix product regrouped as `(chain ⊙ C) M…`
    where the parsed `chain ⊙ (C M…)` does not fit and the regrouped one does; None when the
    formula fits as parsed, or when no regrouping makes all of it fit (with `target`'s shape)."""
    if _fits(formula, dims) is not None:
        return None

    def rule(node: Formula) -> Formula | None:
        match node:
            case Hadamard(chain, MatMul() as product) if _fits(node, dims) is None:
                candidate = _into_first_factor(chain, product)
                return candidate if _fits(candidate, dims) is not None else None
        return None

    result = rewrite(formula, rule)
    fitted = _fits(result, dims)
    if fitted is None or (target is not None and fitted != target):
        return None
    return result
