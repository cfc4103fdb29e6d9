"""A shape error read as the right factors in the wrong order: the slips of a product whose
shapes do not chain.

A person who writes `(a − y) ∘ a ∘ (1 − a) W (1,1,1)ᵀ a_1ᵀ` for `((Wᵀ δ) ∘ f'(z)) a_1ᵀ` has
every factor, but one of them untransposed and in the wrong place. No value can be compared (the
shapes do not fit), so the match is by structure: both sides flattened into their sequence of
factors (matrix products and Hadamard products alike, any grouping), compared as multisets up to
transposes. Where they are equal, the slips are the factors transposed differently and, when the
order differs too, the order. The true side is written out as notes write it: every `δ_l`
expanded by the backward recursion, `σ'`/`tanh'` in the layer's output, and ReLU's derivative as
the vector of ones the notes may write for it (true where every `z_l > 0`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from fractions import Fraction

from derive.formula import (
    Column,
    Fill,
    Formula,
    FPrime,
    Hadamard,
    MatMul,
    Ones,
    Scale,
    Transpose,
    Var,
    rewrite,
)
from derive.network import Network
from derive.slip_search import Move, Step, written_out

_SPELLINGS = 8  # the spellings of the truth tried (δ's expanded a layer at a time)
_Flat = tuple[Fraction, tuple[tuple[str | None, Formula], ...]]  # the coefficient, (op, factor)…


def flatten(formula: Formula) -> _Flat:
    """`formula` as a scalar coefficient and its product's factors, each with the operator that
    joins it to the one before (`·` a matrix product, `∘` a Hadamard product; None first)."""
    match formula:
        case Scale(factor, operand):
            c, seq = flatten(operand)
            return factor * c, seq
        case MatMul(left, right) | Hadamard(left, right):
            op = "·" if isinstance(formula, MatMul) else "∘"
            cl, left_seq = flatten(left)
            cr, right_seq = flatten(right)
            return cl * cr, (*left_seq, (op, right_seq[0][1]), *right_seq[1:])
    return Fraction(1), ((None, formula),)


def _plain(node: Formula) -> Formula:
    """A factor compared by what it is: `1 − a` is `1 − a` whatever shape its `1` was given."""
    return rewrite(node, lambda n: Fill(n.value, Ones()) if isinstance(n, Fill) else None)


def _base(node: Formula) -> tuple[Formula, bool]:
    """(the factor without a transpose, whether it was transposed)."""
    return (_plain(node.operand), True) if isinstance(node, Transpose) else (_plain(node), False)


def _expanded_once(formula: Formula, network: Network) -> Formula:
    """Each `δ_l` replaced by its recursion once: `W_lᵀ δ_{l+1} ∘ f'(z_l)`, `δ_L` the output error."""
    from derive.slips import true_formula  # the slips' catalogue, which imports the search

    def expand(node: Formula) -> Formula | None:
        if isinstance(node, Var) and node.kind == "delta":
            return true_formula(Var("z", node.layer), network)
        return None

    return rewrite(formula, expand)


def _relu_ones(formula: Formula, network: Network) -> Formula:
    """ReLU's `f'(z_l)` as the column of ones: its value where every `z_l > 0`."""

    def rule(node: Formula) -> Formula | None:
        if isinstance(node, FPrime) and isinstance(node.operand, Var) and node.operand.kind == "z":
            layer = node.operand.layer
            if network.activation_of(layer) == "relu":
                return Column((Fraction(1),) * network.sizes[layer - 1])
        return None

    return rewrite(formula, rule)


def spellings(formula: Formula, network: Network) -> Iterator[tuple[Formula, Formula]]:
    """`formula` as notes may write it, the least written out first, each as (the form, the
    form with ReLU's `f'` as ones): as it is, then with `δ`'s expanded by the recursion one more
    layer each time, each also with `f'` in the layer's output (`σ'(z) = a ∘ (1 − a)`)."""
    seen: set[Formula] = set()
    while formula not in seen:
        seen.add(formula)
        for form in dict.fromkeys((formula, written_out(formula, network))):
            yield form, _relu_ones(form, network)
        formula = _expanded_once(formula, network)


def _has_ones(formula: Formula) -> bool:
    found: list[Formula] = []
    rewrite(formula, lambda n: found.append(n) if isinstance(n, Column) and set(n.entries) == {1} else None)
    return bool(found)


def regrouped(side: Formula, truth: Formula, network: Network) -> tuple[tuple[Step, ...], Formula] | None:
    """The slips that make `side` of `truth`'s factors, and the truth as far written out as
    the claim is; None when its factors are not the truth's (up to transposes) in any spelling,
    or it is the truth. A transpose slip per factor transposed the other way, then one for the
    order where it differs (the claim as written where the true arrangement belongs), or for
    the first operator that differs."""
    ones = _has_ones(side)
    for level, (form, with_ones) in enumerate(spellings(truth, network)):
        if level > _SPELLINGS:
            break
        for claimed, _ in spellings(side, network):
            if steps := _slips(side, claimed, with_ones if ones else form):
                return steps, form
    return None


def _slips(side: Formula, claimed: Formula, true: Formula) -> tuple[Step, ...] | None:
    c_side, seq_side = flatten(claimed)
    c_true, seq_true = flatten(true)
    if c_side != c_true or len(seq_side) != len(seq_true) or len(seq_side) < 3:
        return None
    bases_side = [_base(f) for _, f in seq_side]
    bases_true = [_base(f) for _, f in seq_true]
    if Counter(b for b, _ in bases_side) != Counter(b for b, _ in bases_true):
        return None
    steps: list[Step] = []
    transposed_side = Counter(b for b, t in bases_side if t)
    transposed_true = Counter(b for b, t in bases_true if t)
    for base in dict.fromkeys(b for b, _ in bases_side):
        if transposed_side[base] < transposed_true[base]:  # written plain where its transpose belongs
            steps.append(Step(Move.MISSING_TRANSPOSE, base, Transpose(base)))
        elif transposed_side[base] > transposed_true[base]:
            steps.append(Step(Move.EXTRA_TRANSPOSE, Transpose(base), base))
    if [b for b, _ in bases_side] != [b for b, _ in bases_true]:
        steps.append(Step(Move.ORDER, side, true))
    else:  # the factors in order: the operators that differ
        for (op_s, _), (op_t, _) in zip(seq_side, seq_true, strict=True):
            if op_s != op_t and op_s is not None:
                move = Move.MATMUL_FOR_HADAMARD if op_s == "·" else Move.HADAMARD_FOR_MATMUL
                steps.append(Step(move, side, true))
                break
    return tuple(steps) or None
