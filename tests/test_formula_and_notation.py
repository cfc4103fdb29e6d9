"""Formula rendering, shapes, and the entry-wise rules the derivation prints."""

from fractions import Fraction

import pytest
import sympy as sp

from derive import Network, network_identities, prove
from derive.formula import (
    Add,
    Dims,
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
from derive.notation import display_symbols, entrywise, readable
from derive.symbols import network_symbols

W, a1, z1, d2 = Var("W", 1), Var("a", 1), Var("z", 1), Var("delta", 2)


def test_matrix_product_binds_tighter_than_hadamard():
    seed = Hadamard(MatMul(Transpose(W), d2), FPrime(z1))
    assert to_text(seed) == "W1ᵀ δ2 ∘ f'(z1)"
    assert to_latex(seed) == r"W_{1}^{T} \delta_{2} \circ f'\!\left(z_{1}\right)"
    assert to_text(MatMul(Transpose(W), Hadamard(d2, d2))) == "W1ᵀ (δ2 ∘ δ2)"
    assert to_text(MatMul(d2, Transpose(a1)), batched=True) == "Δ2 A1ᵀ"


def test_scalars_and_sums_render():
    assert to_text(Scale(Fraction(-1), d2)) == "-δ2"
    assert to_text(Add(d2, Scale(Fraction(-1, 2), d2))) == "δ2 - 1/2 δ2"
    assert to_latex(Scale(Fraction(1, 2), d2)) == r"\tfrac{1}{2} \delta_{2}"


def test_shapes():
    dims = Dims((4, 3))
    assert shape(MatMul(d2, Transpose(a1)), dims) == (3, 4)
    assert shape(MatMul(Transpose(W), d2), dims) == (4, 1)
    with pytest.raises(ShapeMismatch, match="3×4 and 3×1"):
        shape(MatMul(W, d2), dims)
    with pytest.raises(ShapeMismatch, match="'∘' of 4×1 and 3×1"):
        shape(Hadamard(a1, d2), dims)
    with pytest.raises(ShapeMismatch, match="layer 3 does not exist"):
        shape(Var("delta", 3), dims)
    batch = Dims((4, 3), 1, 5)
    assert shape(MatMul(d2, Transpose(a1)), batch) == (3, 4)  # Δ2 A1ᵀ sums over the 5 examples
    assert shape(Var("a", 1), batch) == (4, 5)


def _entry_symbol(indexed: sp.Indexed, key) -> sp.Symbol:
    """The display symbol of an index-form entry such as delta_2[1], w1[2, 3] or y[1]."""
    s, d = network_symbols(key), display_symbols(key)
    name, idx = str(indexed.base.label), [int(k) - 1 for k in indexed.indices]
    if name.startswith("w"):
        return s.W[s.at(int(name[1:] or key.first_layer))][idx[0], idx[1]]
    if name == "y":  # the target (the output layer's δ_L reads it)
        return s.y[idx[0], idx[1]] if len(idx) == 2 else s.y[idx[0]]
    kind, layer = name.split("_")
    table = {"a": d.a, "z": d.z, "delta": d.delta, "b": s.b}[kind][s.at(int(layer))]
    return table[idx[0], idx[1]] if len(idx) == 2 else table[idx[0]]


@pytest.mark.parametrize(
    ("sizes", "batch"), [((4, 3), 1), ((2, 3, 2), 1), ((4, 1), 1), ((1, 4), 1), ((1, 1), 1), ((3, 2), 2)]
)
def test_entrywise_rule_matches_every_entry_of_the_formula(sizes, batch):
    """The printed index form, evaluated at each index, is the formula's matrix entry."""
    network = Network(sizes, batch=batch)
    i, j, e = sp.symbols("i j e", integer=True, positive=True)
    for identity in network_identities(network):
        proof = prove(identity, network, generic=True)
        key = proof.setting  # the slice of layers l, l+1
        keep = identity.target.layer if identity.target.kind == "z" else None  # as the report does
        assembled = readable(proof.claimed, key, keep)
        target, rule = entrywise(identity, Dims(sizes, 1, batch), layered=network.depth > 1)
        free = {x for x in rule.free_symbols if x in (i, j, e)}
        assert free == {x for x in target.free_symbols if x in (i, j, e)}, (identity.name, target, rule)
        rows, cols = assembled.shape
        for r in range(rows):
            for c in range(cols):
                index = {"W": {i: r + 1, j: c + 1}, "b": {i: r + 1}}.get(
                    identity.target.kind, {j: r + 1, e: c + 1}
                )
                value = rule.subs(index).doit()
                value = value.xreplace({x: _entry_symbol(x, key) for x in value.atoms(sp.Indexed)})
                assert sp.expand(value - assembled[r, c]) == 0, (identity.name, r, c)
