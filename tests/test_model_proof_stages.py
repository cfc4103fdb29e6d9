"""The model proof's cheap stages (derive/model_proof.py): a random point only ever refutes, and
`expand` only ever proves; neither may turn a right claim wrong or a wrong one right."""

from __future__ import annotations

import sympy as sp

from derive.model_proof import differ_at, expands_to_zero, random_point

x, y = sp.symbols("x y", real=True)
d = sp.Symbol("d", positive=True)


def test_a_random_point_sees_a_wrong_factor_and_not_an_identity():
    point = random_point({x, y, d})
    assert point[d] > 0  # √d stays real
    assert differ_at(2 * sp.tanh(x) * y, sp.tanh(x) * y, point)
    # zero through a relation between atoms that cancel cannot see: equal at every point
    assert not differ_at(sp.tanh(x) ** 2 + 1 / sp.cosh(x) ** 2, sp.Integer(1), point)
    assert not differ_at(sp.exp(x) / sp.sqrt(d), sp.exp(x) * d ** sp.Rational(-1, 2), point)


def test_a_value_that_is_not_a_real_number_decides_nothing():
    point = {x: sp.Integer(0), y: sp.Integer(1)}
    assert not differ_at(1 / x, y, point)  # a pole
    assert not differ_at(sp.sqrt(x - 1), y, point)  # imaginary there


def test_expand_proves_term_by_term_cancellation_and_not_a_nonzero_residual():
    softmax = sp.exp(x) / (sp.exp(x) + sp.exp(y))
    assert expands_to_zero((x + 1) * softmax * y - x * softmax * y - y * softmax)
    assert not expands_to_zero(softmax * (1 - softmax) - softmax)
    # zero, but only over one denominator: expand leaves it to cancel
    assert not expands_to_zero(softmax + sp.exp(y) / (sp.exp(x) + sp.exp(y)) - 1)
