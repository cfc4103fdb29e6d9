"""Formula rendering, shapes, and the entry-wise rules the derivation prints."""

from fractions import Fraction

import pytest
import sympy as sp

from derive import Network, seed_identities
from derive.formula import (
    Add,
    FPrime,
    Hadamard,
    MatMul,
    Scale,
    ShapeMismatch,
    Transpose,
    Var,
    shape,
    to_latex,
    to_text,
)
from derive.model import setting
from derive.notation import display_symbols, entrywise, readable
from derive.proof import prove

W, a1, z1, d2 = Var("W", 1), Var("a", 1), Var("z", 1), Var("delta", 2)


def test_matrix_product_binds_tighter_than_hadamard():
    seed = Hadamard(MatMul(Transpose(W), d2), FPrime(z1))
    assert to_text(seed) == "W1ᵀ δ2 ∘ f'(z1)"
    assert to_latex(seed) == r"W_{1}^{T} \delta_{2} \circ f'\!\left(z_{1}\right)"
    other = MatMul(Transpose(W), Hadamard(d2, d2))
    assert to_text(other) == "W1ᵀ (δ2 ∘ δ2)"


def test_scalars_and_sums_render():
    assert to_text(Scale(Fraction(-1), d2)) == "-δ2"
    assert to_text(Add(d2, Scale(Fraction(-1, 2), d2))) == "δ2 - 1/2 δ2"
    assert to_latex(Scale(Fraction(1, 2), d2)) == r"\tfrac{1}{2} \delta_{2}"


def test_shapes():
    sizes = (4, 3)
    assert shape(MatMul(d2, Transpose(a1)), sizes) == (3, 4)
    assert shape(MatMul(Transpose(W), d2), sizes) == (4, 1)
    with pytest.raises(ShapeMismatch, match="3×4 and 3×1"):
        shape(MatMul(W, d2), sizes)
    with pytest.raises(ShapeMismatch, match="'∘' of 4×1 and 3×1"):
        shape(Hadamard(a1, d2), sizes)
    with pytest.raises(ShapeMismatch, match="layer 3 does not exist"):
        shape(Var("delta", 3), sizes)


@pytest.mark.parametrize("sizes", [(4, 3), (2, 3, 2), (4, 1), (1, 4), (1, 1)])
def test_entrywise_rule_matches_every_entry_of_the_formula(sizes):
    """The printed index form, evaluated at each index, is the formula's matrix entry."""
    network = Network(sizes)
    key = setting(network, generic=True)
    d = display_symbols(sizes)
    from derive.symbols import network_symbols

    s = network_symbols(sizes)
    for identity in seed_identities(network.depth):
        proof = prove(identity, network, generic=True)
        keep = identity.target.layer if identity.target.kind == "z" else None  # as the report does
        assembled = readable(proof.claimed, key, keep)
        target, rule = entrywise(identity, sizes)
        i, j = sp.symbols("i j", integer=True, positive=True)
        free = {x for x in rule.free_symbols if x in (i, j)}
        assert free == {x for x in target.free_symbols if x in (i, j)}, (identity.name, target, rule)
        rows, cols = assembled.shape
        for r in range(rows):
            for c in range(cols):
                index = (
                    {i: r + 1, j: c + 1}
                    if identity.target.kind == "W"
                    else ({i: r + 1} if identity.target.kind == "b" else {j: r + 1})
                )
                value = rule.subs(index).doit()

                def concrete(x):
                    name = str(x.base.label)
                    idx = [int(k) - 1 for k in x.indices]
                    if name.startswith("w"):
                        layer = int(name[1:] or 1)
                        return s.W[layer - 1][idx[0], idx[1]]
                    kind, layer = name.split("_")
                    table = {"a": d.a, "z": d.z, "delta": d.delta, "b": s.b}[kind]
                    return table[int(layer) - 1][idx[0]]

                value = value.replace(lambda x: isinstance(x, sp.Indexed), concrete)
                assert sp.expand(value - assembled[r, c]) == 0, (identity.name, r, c)
