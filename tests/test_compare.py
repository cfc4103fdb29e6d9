"""The numeric comparison: witnesses agree on the truth and the checker rejects every slip."""

from fractions import Fraction
from functools import partial

import numpy as np
import pytest
from conftest import ALL_PAIRS
from mutants import mutant_backward
from variants import BATCH_VARIANTS, FORMULA_VARIANTS, NUMPY_VARIANTS, B, variant_identity
from verify.witnesses import jax_witness, numpy_witness, sympy_witness

from derive import Network, Var, seed_identities
from verify import numpy_backprop, sample, verify

POINTS = 64


def test_all_three_witnesses_agree_for_every_pair(pair):
    _witnesses_agree(*pair)


@pytest.mark.slow
@pytest.mark.parametrize(("activation", "loss"), ALL_PAIRS, ids=[f"{act}-{loss}" for act, loss in ALL_PAIRS])
def test_all_three_witnesses_agree_for_every_registered_pair(activation, loss):
    _witnesses_agree(activation, loss)


def _witnesses_agree(activation, loss):
    run = verify(Network(activation=activation, loss=loss), points=500, seed=1)
    assert run.forward.passed, run.forward.mismatch
    assert run.passed
    for r in run.results:
        assert set(r.per_witness) == {"sympy", "numpy", "jax"}
        assert r.max_abs_err < 1e-14
        assert (r.pair_errors["numpy–jax"] <= r.allowed).all()


@pytest.mark.parametrize(
    ("name", "slip", "formula", "same_shape"),
    FORMULA_VARIANTS,
    ids=[f"{n}: {s}" for n, s, _, _ in FORMULA_VARIANTS],
)
def test_wrong_formula_is_rejected_numerically(name, slip, formula, same_shape):
    run = verify(Network(), POINTS, identities=[variant_identity(name, formula)])
    (r,) = run.results
    assert not r.passed and not run.passed
    if same_shape:
        # SymPy evaluates the (wrong) formula; NumPy and JAX compute the true gradient
        assert r.counterexample is not None
        assert r.counterexample.blamed == ("sympy",)
    else:
        assert "shape error" in r.per_witness["sympy"].error


@pytest.mark.parametrize(
    ("name", "slip", "wrong"), NUMPY_VARIANTS, ids=[f"{n}: {s}" for n, s, _ in NUMPY_VARIANTS]
)
def test_wrong_numpy_code_is_rejected_and_blamed(name, slip, wrong):
    witnesses = (sympy_witness, partial(numpy_witness, backward=mutant_backward(name, wrong)), jax_witness)
    run = verify(Network(), POINTS, witnesses=witnesses)
    assert run.forward.passed  # the forward pass is untouched
    results = {r.identity: r for r in run.results}
    assert not results[name].passed and not run.passed
    bad = results[name]
    if bad.per_witness["numpy"].error is None:
        assert bad.counterexample.blamed == ("numpy",)
        assert all(r.passed for n, r in results.items() if n != name)
    else:  # a shape slip: a gradient of the wrong shape, or a backward that raises
        error = bad.per_witness["numpy"].error
        assert error.startswith(("shape error: 4×", "numpy backward failed: matmul")), error


def test_forward_mismatch_is_reported_as_such_and_names_the_witness():
    def typo_forward(z1, weights, biases, y, *args):
        cache = numpy_backprop.forward(z1, weights, biases, y, *args)
        cache["a1"] = 1.0 / (1.0 + np.exp(z1))  # sigmoid with the sign of z lost
        return cache

    run = verify(
        Network(),
        POINTS,
        witnesses=(sympy_witness, partial(numpy_witness, forward=typo_forward), jax_witness),
    )
    assert not run.forward.passed and not run.passed
    assert run.forward.mismatch.startswith("a1: numpy disagrees with sympy, jax")


@pytest.mark.parametrize("size", [1e-11, 1e-13])
def test_tolerance_is_tight_enough_to_catch_tiny_errors(size):
    def nudged(*args):
        grads = numpy_backprop.backward(*args)
        grads["dL/dW1"] = grads["dL/dW1"] + size
        return grads

    run = verify(
        Network(), POINTS, witnesses=(sympy_witness, partial(numpy_witness, backward=nudged), jax_witness)
    )
    assert not run.passed
    assert next(r for r in run.results if r.identity == "dL/dW1").counterexample.blamed == ("numpy",)


def test_rounding_noise_is_not_a_false_alarm():
    rng = np.random.default_rng(7)

    def noisy(*args):
        grads = numpy_backprop.backward(*args)
        # perturb every entry by up to 4 ulp, the size of honest rounding differences
        return {k: v + 4 * np.spacing(v) * rng.uniform(-1, 1, v.shape) for k, v in grads.items()}

    run = verify(
        Network(), 2000, witnesses=(sympy_witness, partial(numpy_witness, backward=noisy), jax_witness)
    )
    assert run.passed


def test_sampling_is_seeded_and_targets_follow_the_loss():
    net = Network(loss="softmax-ce")
    a, b, c = sample(net, 50, 3), sample(net, 50, 3), sample(net, 50, 4)
    assert np.array_equal(a.W[0], b.W[0]) and not np.array_equal(a.W[0], c.W[0])
    assert a.z1.shape == (50, 4, 1) and a.W[0].shape == (50, 3, 4) and a.b[0].shape == (50, 3, 1)
    assert np.all(a.y.sum(axis=1) == 1) and set(np.unique(a.y)) == {0.0, 1.0}
    real = sample(Network(loss="mse"), 50, 3).y
    assert ((real > 0) & (real < 1)).all()


def test_deeper_network_checks_every_layer():
    run = verify(Network((3, 4, 2), "tanh", "mse"), 200)
    assert run.passed
    assert [r.identity for r in run.results] == [i.name for i in seed_identities(2)]


def test_deep_network_beyond_the_budget_runs_numpy_and_jax():
    run = verify(Network((8, 16, 16, 4), "silu", "softmax-ce"), 100)
    assert run.passed
    assert "sympy" in run.skipped and run.skipped["sympy"].startswith("skipped (size)")
    assert len(run.results) == 12
    for r in run.results:
        assert set(r.per_witness) == {"numpy", "jax"}
        assert r.generic_proof.status == "proved" and r.proof.status == "skipped"


@pytest.mark.parametrize(("reduction", "batch"), [("mean", 4), ("sum", 3)])
def test_batches_agree(reduction, batch):
    run = verify(Network((4, 3), "elu", "bce", batch=batch, reduction=reduction), 200)
    assert run.passed, [(r.identity, r.max_abs_err) for r in run.results]


@pytest.mark.parametrize(
    ("name", "target", "slip", "formula"), BATCH_VARIANTS, ids=[v[2] for v in BATCH_VARIANTS]
)
def test_wrong_batch_formula_is_rejected_numerically(name, target, slip, formula):
    from derive.identities import Identity

    run = verify(Network((4, 3), batch=B), POINTS, identities=[Identity(name, target, formula, batched=True)])
    (r,) = run.results
    assert not r.passed
    if r.per_witness["sympy"].error is None:
        assert r.counterexample.blamed == ("sympy",)


def test_numpy_forgetting_one_over_b_is_caught():
    def no_mean(cache, weights, y, activation, loss, slope, reduction):
        return numpy_backprop.backward(cache, weights, y, activation, loss, slope, "sum")

    run = verify(
        Network(batch=4),
        POINTS,
        witnesses=(sympy_witness, partial(numpy_witness, backward=no_mean), jax_witness),
    )
    assert not run.passed
    assert all(r.counterexample.blamed == ("numpy",) for r in run.results)


def test_kinks_are_avoided_by_default():
    from verify.sampling import KINK_MARGIN

    network = Network((4, 5, 3), "relu", "mse")
    points = sample(network, 2000, 5)
    cache = numpy_backprop.forward(points.z1, points.W, points.b, points.y, "relu", "mse")
    for layer in (1, 2):
        assert np.abs(cache[f"z{layer}"]).min() >= KINK_MARGIN
    assert not points.at_kink.any()


@pytest.mark.parametrize("activation", ["relu", "leaky-relu"])
def test_kinks_on_request_are_reported_as_conventions_not_failures(activation):
    run = verify(Network(activation=activation), 200, include_kinks=True)
    assert run.passed
    k = run.kinks
    assert k.points == 100 and not k.agree and k.max_abs_err > 0.1
    expected = {"relu": ("1/2", "0", "0"), "leaky-relu": ("101/200", "0.01", "1")}[activation]
    assert [k.conventions[w] for w in ("sympy", "numpy", "jax")] == [f"f'(0) = {v}" for v in expected]
    assert any(r.at_kinks for r in run.results)


def test_a_wrong_formula_is_still_caught_when_kinks_are_included():
    run = verify(
        Network(activation="relu"),
        200,
        include_kinks=True,
        identities=[variant_identity("dL/dz1", FORMULA_VARIANTS[4][2])],
    )  # missing f'
    assert not run.passed


def test_generic_loss_runs_the_numbers_with_its_stand_in():
    run = verify(Network(loss="generic"), 100)
    assert run.passed
    assert all(r.proof.scope == "sigmoid, generic ℓ(z_2)" for r in run.results)


def test_memory_guard():
    from derive import InputError

    with pytest.raises(InputError, match="points: expected at most"):
        sample(Network((1024, 1024)), 1000, 0)


@pytest.mark.parametrize("numpy_factor", [2.0, 3.0])
def test_blame_goes_to_every_witness_that_differs_from_the_oracle(numpy_factor):
    """SymPy evaluates a wrong claim (2 δ2) and NumPy is miscoded too: agreeing with each other
    must not shift the blame onto jax.grad."""
    from derive.formula import Scale

    def scaled(*args):
        grads = numpy_backprop.backward(*args)
        grads["dL/db1"] = numpy_factor * grads["dL/db1"]
        return grads

    wrong = variant_identity("dL/db1", Scale(Fraction(2), Var("delta", 2)))
    witnesses = (sympy_witness, partial(numpy_witness, backward=scaled), jax_witness)
    (r,) = verify(Network(), POINTS, identities=[wrong], witnesses=witnesses).results
    assert r.counterexample.blamed == ("sympy", "numpy")
    assert r.per_witness["jax"].err_vs_oracle == 0
