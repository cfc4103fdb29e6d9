"""Slips a person makes with the Matrix Cookbook's identities: rewrites of a claimed right side
that make it true, as fixes of any model's claim (verify/model_check.py's `name_slip` tries them
after the moves of derive/slip_search.py and derive/model_slips.py).

Each is read from the claim side (what is written, what belongs), one rewrite deep:
- the sign (`−R`), a factor 2 or ½;
- a letter transposed or not (`A` where `Aᵀ` belongs, every occurrence at once), or both of
  a claim's two letters;
- a product's operands swapped (`B A` where `A B` belongs, `B ⊗ A` where `A ⊗ B` belongs);
- a sum's second term's sign;
- a term missing that is the claim with a letter transposed (`B x` where `B x + Bᵀ x` belongs,
  the quadratic form's);
- a determinant factor missing (`X^{-T}` where `det(X) X^{-T}` belongs, Jacobi's formula), for a
  square tensor the forward pass uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from fractions import Fraction

from derive.formula import Add, Broadcast, Formula, Kron, MatMul, MatrixApply, Ref, Scale, Transpose, rewrite
from derive.model_ir import GIVEN, Model
from derive.slip_search import Move, Step
from derive.slips import Slip, SlipKind


def _letters(formula: Formula) -> list[str]:
    found: list[str] = []
    rewrite(formula, lambda n: found.append(n.name) if isinstance(n, Ref) else None)
    return list(dict.fromkeys(found))


def _transposed(formula: Formula, letter: str) -> Formula:
    """`formula` with `letter` transposed everywhere (`(Aᵀ)ᵀ` written `A`)."""

    def rule(node: Formula) -> Formula | None:
        if isinstance(node, Transpose) and node.operand == Ref(letter):
            return node.operand
        if node == Ref(letter):
            return Transpose(node)
        return None

    return rewrite(formula, rule)


def _swaps(formula: Formula) -> Iterator[tuple[Formula, Formula, Formula]]:
    """(the formula with one product's operands swapped, the product as written, as swapped):
    a matrix product's or a Kronecker product's."""
    if isinstance(formula, MatMul | Kron):
        swapped = type(formula)(formula.right, formula.left)
        yield swapped, formula, swapped
    for field in dataclasses.fields(formula):
        child = getattr(formula, field.name)
        if isinstance(child, Formula):
            for new, where, fix in _swaps(child):
                yield dataclasses.replace(formula, **{field.name: new}), where, fix


def matrix_fixes(right: Formula, model: Model) -> Iterator[tuple[Formula, Slip]]:
    """Each candidate true formula with the slip the claim `right` would then be, most plausible
    first."""

    def found(move: Move, where: Formula, fix: Formula) -> Slip:
        return Slip(SlipKind.FOUND, right, 0, steps=(Step(move, where, fix),))

    yield Scale(Fraction(-1), right), found(Move.SIGN, right, Scale(Fraction(-1), right))
    yield Scale(Fraction(2), right), Slip(SlipKind.HALF, right, 0)
    yield Scale(Fraction(1, 2), right), Slip(SlipKind.TWICE, right, 0)
    for letter in _letters(right):
        yield (
            _transposed(right, letter),
            Slip(SlipKind.FOUND, right, 0, steps=(_transpose_step(right, letter),)),
        )
    letters = _letters(right)
    if len(letters) == 2:  # both letters' transposes dropped (`A B` where `Aᵀ Bᵀ` belongs)
        both = _transposed(_transposed(right, letters[0]), letters[1])
        steps = tuple(_transpose_step(right, letter) for letter in letters)
        yield both, Slip(SlipKind.FOUND, right, 0, steps=steps)
    for new, where, fix in _swaps(right):
        yield new, found(Move.ORDER, where, fix)
    for new, where, fix in _signs(right):
        yield new, found(Move.SIGN, where, fix)
    for letter in _letters(right):
        other = _transposed(right, letter)
        yield Add(right, other), found(Move.MISSING_TERM, right, Add(right, other))
    used = {name for eq in model.equations for name in _letters(eq.expr)}
    for letter in model.named(*GIVEN):
        r, c = model.tensor(letter).shape
        if r == c and letter in used:
            det = Broadcast(MatrixApply("det", Ref(letter)), right)
            yield det, found(Move.MISSING_FACTOR, right, det)


def _transpose_step(right: Formula, letter: str) -> Step:
    """`A` where `Aᵀ` belongs, or `Aᵀ` where `A` belongs where the claim writes only `Aᵀ`."""
    plain = Ref(letter)
    if _count(right, Transpose(plain)) == _count(right, plain):  # written only as Aᵀ
        return Step(Move.EXTRA_TRANSPOSE, Transpose(plain), plain)
    return Step(Move.MISSING_TRANSPOSE, plain, Transpose(plain))


def _signs(formula: Formula) -> Iterator[tuple[Formula, Formula, Formula]]:
    """(the formula with one sum's second term negated, the sum as written, as negated)."""
    if isinstance(formula, Add):
        negated = Add(formula.left, Scale(Fraction(-1), formula.right))
        if isinstance(formula.right, Scale) and formula.right.factor < 0:
            negated = Add(formula.left, Scale(-formula.right.factor, formula.right.operand))
        yield negated, formula, negated
    for field in dataclasses.fields(formula):
        child = getattr(formula, field.name)
        if isinstance(child, Formula):
            for new, where, fix in _signs(child):
                yield dataclasses.replace(formula, **{field.name: new}), where, fix


def _count(formula: Formula, node: Formula) -> int:
    hits: list[Formula] = []
    rewrite(formula, lambda n: hits.append(n) if n == node else None)
    return len(hits)
