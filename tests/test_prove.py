"""SymPy proves the seed's identities, per layer and per batch, and refutes every wrong variant."""

from fractions import Fraction

import pytest
from conftest import ALL_PAIRS
from variants import BATCH_VARIANTS, FORMULA_VARIANTS, LAYER_VARIANTS, B, variant_identity

from derive import Network, network_identities, prove, seed_identities
from derive.dimension_free import dimension_free_proofs, prove_dimension_free
from derive.formula import FPrime, Hadamard, MatMul, Scale, Transpose, Var
from derive.identities import Identity
from derive.proof import Method, Status


def identity_entries(identity: Identity) -> int:
    """Entries of the seed network's (4 → 3) gradient of `identity`'s variable."""
    return {"a": 4, "z": 4, "W": 12, "b": 3}[identity.target.kind]


@pytest.mark.parametrize("identity", seed_identities(), ids=lambda i: i.name)
def test_generic_proof_holds_for_every_activation_and_loss(identity):
    proof = prove(identity, Network(), generic=True)
    assert proof.status == Status.PROVED, proof.method
    # generic f and ℓ, on the slice of layers 1, 2 (ℓ of z_2 stands for the loss)
    assert proof.setting.generic and proof.setting.sizes == (4, 3) and proof.setting.first_layer == 1
    assert proof.method in (Method.IDENTICAL, Method.EXPAND_ATOMS, Method.EXPAND)
    assert proof.entries == identity_entries(identity) and proof.left == 0
    assert all(e == 0 for e in proof.residual.applyfunc(lambda e: e.expand()))


def _concrete_proofs_hold(activation, loss):
    network = Network(activation=activation, loss=loss)
    for identity in seed_identities():
        proof = prove(identity, network, generic=False)
        assert proof.status == Status.PROVED, (identity.name, proof.method, proof.left)
        assert proof.setting.activation == activation and proof.setting.loss == loss
        assert not proof.setting.generic and proof.setting.sizes == network.sizes


def test_concrete_proofs_for_registered_pairs(pair):
    _concrete_proofs_hold(*pair)


@pytest.mark.slow
@pytest.mark.parametrize(("activation", "loss"), ALL_PAIRS, ids=[f"{act}-{loss}" for act, loss in ALL_PAIRS])
def test_concrete_proofs_for_every_registered_pair(activation, loss):
    _concrete_proofs_hold(activation, loss)


def test_identities_hold_for_other_sizes():
    network = Network((2, 5), "tanh", "softmax-ce")
    for identity in seed_identities():
        assert prove(identity, network, generic=True).status == Status.PROVED
        assert prove(identity, network, generic=False).status == Status.PROVED


def test_deep_network_every_layer_generic_and_concrete():
    network = Network((3, 4, 2), "softplus", "bce")
    identities = network_identities(network)
    assert [i.name for i in identities] == [
        "dL/dz3",  # the output layer's δ_3 = σ(z_3) − y first, where the backward pass starts
        *("dL/da1", "dL/dz1", "dL/dW1", "dL/db1"),
        *("dL/da2", "dL/dz2", "dL/dW2", "dL/db2"),
    ]
    for identity in identities:
        generic = prove(identity, network, generic=True)
        assert generic.status == Status.PROVED, (identity.name, generic.method)
        if identity.name == "dL/dz3":  # δ_3 is bce's own: the output layer alone, generic f, bce
            assert generic.setting.activation == "generic" and generic.setting.loss == "bce"
            assert generic.setting.first_layer == 3 and generic.setting.sizes == (2,)
            assert prove(identity, network, generic=False).status == Status.PROVED
            continue
        layer = identity.target.layer  # the slice l, l+1 with a generic ℓ(z_{l+1})
        assert generic.setting.generic and generic.setting.first_layer == layer
        assert generic.setting.sizes == network.sizes[layer - 1 : layer + 1]
        assert prove(identity, network, generic=False).status == Status.PROVED


def test_beyond_the_budget_the_concrete_proof_is_skipped_not_failed():
    network = Network((8, 32, 32, 4), "relu", "mse")
    identity = next(i for i in network_identities(network) if i.name == "dL/dW1")
    concrete = prove(identity, network, generic=False)
    assert concrete.status == Status.SKIPPED and concrete.method == Method.SIZE
    assert concrete.derived is None and concrete.budget is not None
    assert not concrete.budget.generic and concrete.budget.cost > concrete.budget.limit
    assert prove(identity, network, generic=True).status == Status.PROVED  # the 8 × 16 slice


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_batch_identities(reduction):
    network = Network((3, 2), "tanh", "softmax-ce", batch=B, reduction=reduction)
    for identity in network_identities(network):
        assert identity.batched
        for generic in (True, False):
            proof = prove(identity, network, generic=generic)
            assert proof.status == Status.PROVED, (identity.name, generic, proof.method)
    texts = [i.formula_text for i in network_identities(network)]
    if reduction == "mean":
        assert texts == [
            "1/3 (softmax(Z2) - Y)",
            *("1/3 W1ᵀ Δ2", "1/3 (W1ᵀ Δ2 ∘ f'(Z1))", "1/3 Δ2 A1ᵀ", "1/3 Δ2 1"),
        ]
    else:
        assert texts == ["softmax(Z2) - Y", "W1ᵀ Δ2", "W1ᵀ Δ2 ∘ f'(Z1)", "Δ2 A1ᵀ", "Δ2 1"]


def test_generic_loss_with_a_concrete_activation():
    network = Network(activation="gelu", loss="generic")
    for identity in seed_identities():
        proof = prove(identity, network, generic=False)
        assert proof.status == Status.PROVED
        assert (proof.setting.activation, proof.setting.loss) == ("gelu", "generic")


@pytest.mark.parametrize("generic", [True, False], ids=["generic", "sigmoid-mse"])
@pytest.mark.parametrize(
    ("name", "slip", "formula", "same_shape"),
    FORMULA_VARIANTS,
    ids=[f"{n}: {s}" for n, s, _, _ in FORMULA_VARIANTS],
)
def test_wrong_variant_is_refuted(name, slip, formula, same_shape, generic):
    proof = prove(variant_identity(name, formula), Network(), generic=generic)
    assert proof.status == Status.REFUTED, proof.method
    if same_shape:
        assert proof.method == Method.RANDOM_POINT and proof.shape is None
        cx = proof.counterexample
        assert cx is not None
        assert cx.claimed != cx.derived
        assert cx.exact is generic
    else:
        assert proof.method == Method.SHAPE and proof.shape and proof.counterexample is None


@pytest.mark.parametrize("generic", [True, False], ids=["generic", "tanh-mse"])
@pytest.mark.parametrize(
    ("name", "target", "slip", "formula"), LAYER_VARIANTS, ids=[v[2] for v in LAYER_VARIANTS]
)
def test_wrong_per_layer_variant_is_refuted(name, target, slip, formula, generic):
    proof = prove(Identity(name, target, formula), Network((3, 4, 2), "tanh", "mse"), generic=generic)
    assert proof.status == Status.REFUTED, proof.method


@pytest.mark.parametrize("generic", [True, False], ids=["generic", "sigmoid-mse"])
@pytest.mark.parametrize(
    ("name", "target", "slip", "formula"), BATCH_VARIANTS, ids=[v[2] for v in BATCH_VARIANTS]
)
def test_wrong_batch_variant_is_refuted(name, target, slip, formula, generic):
    proof = prove(Identity(name, target, formula, batched=True), Network((4, 3), batch=B), generic=generic)
    assert proof.status == Status.REFUTED, proof.method


def test_every_identity_has_at_least_three_wrong_variants():
    # the seed's built-in identities: the four of layer 1 and the output layer's dL/dz2
    counts = {i.name: sum(v[0] == i.name for v in FORMULA_VARIANTS) for i in network_identities(Network())}
    assert len(counts) == 5
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
    from derive.formula import Add

    z1, a1 = Var("z", 1), Var("a", 1)
    seed_rule = Hadamard(MatMul(Transpose(Var("W", 1)), Var("delta", 2)), FPrime(z1))
    same = Add(
        FPrime(Hadamard(Add(z1, a1), Add(z1, Scale(Fraction(-1), a1)))),
        Scale(Fraction(-1), FPrime(Add(Hadamard(z1, z1), Scale(Fraction(-1), Hadamard(a1, a1))))),
    )
    proof = prove(Identity("dL/dz1", z1, Add(seed_rule, same)), Network(), generic=generic)
    assert proof.status == Status.PROVED, proof.method


def test_shape_error_names_the_subexpression():
    wrong = Identity("dL/da1", Var("a", 1), MatMul(Var("W", 1), Var("delta", 2)))
    proof = prove(wrong, Network(), generic=True)
    assert proof.status == Status.REFUTED and proof.method == Method.SHAPE
    assert "3×4 and 3×1" in proof.shape and "W1 δ2" in proof.shape


def test_all_zero_derivative_is_not_trusted(monkeypatch):
    import sympy as sp

    import derive.proof as prove_module

    monkeypatch.setattr(prove_module, "derived_gradient", lambda key, kind, layer: sp.zeros(3, 1))
    prove_module._prove.cache_clear()
    try:
        proof = prove_module.prove(seed_identities()[3], Network(), generic=True)
    finally:
        prove_module._prove.cache_clear()
    assert proof.status == Status.UNDECIDED and proof.method == Method.ALL_ZERO


def test_dimension_free_proofs_hold_and_wrong_variants_do_not():
    assert [p.status for p in dimension_free_proofs()] == ["proved"] * 4
    for name, _, formula, same_shape in FORMULA_VARIANTS:
        # this form covers one layer boundary's four identities, not the output layer's δ_L
        if same_shape and name != "dL/dz2":
            assert prove_dimension_free(variant_identity(name, formula)).status == "not proved", name
