"""SymPy proves the seed's identities and refutes every wrong variant."""

from fractions import Fraction

import pytest
from variants import FORMULA_VARIANTS, variant_identity

from derive import Network, prove, seed_identities
from derive.formula import MatMul, Transpose, Var
from derive.identities import Identity


@pytest.mark.parametrize("identity", seed_identities(), ids=lambda i: i.name)
def test_generic_proof_holds_for_every_activation_and_loss(identity):
    proof = prove(identity, Network(), generic=True)
    assert proof.status == "proved", proof.reason
    assert proof.scope.startswith("generic")
    assert all(e == 0 for e in proof.residual.applyfunc(lambda e: e.expand()))


def test_concrete_proofs_for_every_registered_pair(pair):
    network = Network(activation=pair[0], loss=pair[1])
    for identity in seed_identities():
        proof = prove(identity, network, generic=False)
        assert proof.status == "proved", (identity.name, proof.reason)
        assert proof.scope == f"{pair[0]}, {pair[1]}"


def test_identities_hold_for_other_sizes():
    network = Network((2, 5), "tanh", "softmax-ce")
    for identity in seed_identities():
        assert prove(identity, network, generic=True).status == "proved"


@pytest.mark.parametrize("generic", [True, False], ids=["generic", "sigmoid-mse"])
@pytest.mark.parametrize(
    ("name", "slip", "formula", "same_shape"),
    FORMULA_VARIANTS,
    ids=[f"{n}: {s}" for n, s, _, _ in FORMULA_VARIANTS],
)
def test_wrong_variant_is_refuted(name, slip, formula, same_shape, generic):
    proof = prove(variant_identity(name, formula), Network(), generic=generic)
    assert proof.status == "refuted", proof.reason
    if same_shape:
        cx = proof.counterexample
        assert cx is not None
        assert cx.claimed != cx.derived
        assert cx.exact is generic
    else:
        assert proof.reason.startswith("shape error")


def test_every_identity_has_at_least_three_wrong_variants():
    counts = {i.name: sum(v[0] == i.name for v in FORMULA_VARIANTS) for i in seed_identities()}
    assert min(counts.values()) >= 3, counts


def test_generic_counterexample_is_exact_and_self_consistent():
    # missing f': dL/dz1 claimed as W^T delta2; the derivative carries f'(z_1j) as a factor
    wrong = Identity("dL/dz1", Var("z", 1), MatMul(Transpose(Var("W", 1)), Var("delta", 2)))
    cx = prove(wrong, Network(), generic=True).counterexample
    values = dict(cx.assignment)
    # derived = claimed * f'(z_1j) entrywise, so their ratio is the value f' was given at z_11
    ratio = Fraction(cx.derived) / Fraction(cx.claimed)
    assert ratio == Fraction(values[f"f'({values['z_11']})"])


@pytest.mark.parametrize("generic", [True, False], ids=["generic", "sigmoid-mse"])
def test_true_identity_with_equal_arguments_written_differently_stays_proved(generic):
    """f' at (z1 + a1) ∘ (z1 - a1) and at z1 ∘ z1 - a1 ∘ a1 is one function at one point: a
    counterexample must not give it two values."""
    from derive.formula import Add, FPrime, Hadamard, Scale

    z1, a1 = Var("z", 1), Var("a", 1)
    seed_rule = Hadamard(MatMul(Transpose(Var("W", 1)), Var("delta", 2)), FPrime(z1))
    same = Add(
        FPrime(Hadamard(Add(z1, a1), Add(z1, Scale(Fraction(-1), a1)))),
        Scale(Fraction(-1), FPrime(Add(Hadamard(z1, z1), Scale(Fraction(-1), Hadamard(a1, a1))))),
    )
    proof = prove(Identity("dL/dz1", z1, Add(seed_rule, same)), Network(), generic=generic)
    assert proof.status == "proved", proof.reason


def test_shape_error_names_the_subexpression():
    wrong = Identity("dL/da1", Var("a", 1), MatMul(Var("W", 1), Var("delta", 2)))
    proof = prove(wrong, Network(), generic=True)
    assert proof.status == "refuted"
    assert "3×4 and 3×1" in proof.reason and "W1 δ2" in proof.reason


def test_all_zero_derivative_is_not_trusted(monkeypatch):
    import sympy as sp

    import derive.proof as prove_module

    monkeypatch.setattr(prove_module, "derived_gradient", lambda key, kind, layer: sp.zeros(3, 1))
    prove_module._prove.cache_clear()
    try:
        proof = prove_module.prove(seed_identities()[3], Network(), generic=True)
    finally:
        prove_module._prove.cache_clear()
    assert proof.status == "undecided"
    assert "all-zero" in proof.reason
