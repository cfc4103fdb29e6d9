"""The numeric comparison: witnesses agree on the truth and the pipeline rejects every slip —
in a claim (its right side by SymPy and NumPy against jax.grad) and in the implementation
under test (the hand-written NumPy backward against jax.grad) — and names who is wrong."""

from fractions import Fraction

import numpy as np
import pytest
from conftest import ALL_PAIRS
from variants import (
    BATCH_VARIANTS,
    FORMULA_VARIANTS,
    NUMPY_VARIANTS,
    SLIP_KINDS,
    B,
    as_claim,
    is_named,
    variant_claim,
)

from derive import Network, Var, seed_identities
from derive.formula import Scale
from derive.identities import Identity
from derive.proof import Status
from derive.slip_search import Move
from derive.slips import SlipKind
from verify import Code, Reason, Verdict, check, numpy_backprop, sample, verify_network
from verify.results import WITNESSES

POINTS = 64


def test_all_three_witnesses_agree_for_every_pair(pair):
    _witnesses_agree(*pair)


@pytest.mark.slow
@pytest.mark.parametrize(("activation", "loss"), ALL_PAIRS, ids=[f"{act}-{loss}" for act, loss in ALL_PAIRS])
def test_all_three_witnesses_agree_for_every_registered_pair(activation, loss):
    _witnesses_agree(activation, loss)


def _witnesses_agree(activation, loss):
    # a few ULPs of gradients of order 1 (twice that for sse, ‖f(z_L) − y‖², whose gradients are
    # twice mse's)
    bound = 2e-14 if loss == "sse" else 1e-14
    run = verify_network(Network(activation=activation, loss=loss), points=500, seed=1)
    assert run.forward.agree, run.forward
    assert run.passed and run.exit_code == 0
    assert run.implementation is not None and run.implementation.agree
    for r in run.claims:
        assert r.verdict == Verdict.PROVED, (r.claim.name, r.verdict, r.reason)
        a = r.agreement
        assert set(a.witnesses) == set(WITNESSES)
        assert a.points == a.compared == 500 and a.disagreeing == 0
        assert a.max_abs_err < bound
        assert set(a.pair_errors) == {"sympy–numpy", "sympy–jax", "numpy–jax"}
        for pair, errors in a.pair_errors.items():
            assert (errors <= a.allowed).all(), pair
    for name, a in run.implementation.gradients.items():
        assert a.agree and a.max_abs_err < bound, name


@pytest.mark.parametrize(
    ("name", "slip", "formula", "same_shape"),
    FORMULA_VARIANTS,
    ids=[f"{n}: {s}" for n, s, _, _ in FORMULA_VARIANTS],
)
def test_wrong_formula_is_refuted_blamed_and_named(name, slip, formula, same_shape):
    run = check(Network(), [variant_claim(name, formula)], points=POINTS)
    (r,) = run.claims
    assert not run.passed and run.exit_code == 1
    expected = SLIP_KINDS[(name, slip)]
    assert is_named(r.slip, expected), r.slip
    if same_shape:
        # SymPy and NumPy evaluate the (wrong) right side; jax.grad computes the true gradient
        assert r.verdict == Verdict.REFUTED, (r.verdict, r.reason)
        assert r.generic.status == Status.REFUTED
        d = r.agreement.disagreement
        assert d is not None and d.blamed == ("sympy", "numpy")
        assert d.values["sympy"] != pytest.approx(d.values["jax"])
        assert r.agreement.witnesses["jax"].vs_oracle == 0
        assert r.agreement.disagreeing >= 2
        assert r.counterexample is not None and r.counterexample.entries
    else:
        assert r.verdict == Verdict.SHAPE_ERROR and r.shape_problem
        assert r.agreement is None


def _mutant(name, wrong):
    """The hand-written backward with one gradient replaced by a slip."""

    def backward(cache, weights, y, activation, loss, slope=0.01, reduction="mean"):
        grads = numpy_backprop.backward(cache, weights, y, activation, loss, slope, reduction)
        _, f_prime = numpy_backprop.activation_functions(activation, slope)
        grads[name] = wrong(cache, weights[0], grads["dL/db1"], f_prime)  # dL/db1 = delta2
        return grads

    return Code(backward=backward)


@pytest.mark.parametrize(
    ("name", "slip", "wrong"), NUMPY_VARIANTS, ids=[f"{n}: {s}" for n, s, _ in NUMPY_VARIANTS]
)
def test_wrong_numpy_code_is_rejected_and_blamed(name, slip, wrong):
    run = verify_network(Network(), points=POINTS, implementation=_mutant(name, wrong))
    assert run.forward.agree  # the forward pass is untouched
    assert all(r.verdict == Verdict.PROVED for r in run.claims)  # the claims are not the code
    code = run.implementation
    assert not code.agree and not run.passed and run.exit_code == 1
    if code.failures and all(why.startswith("ValueError: matmul") for why in code.failures.values()):
        return  # a backward that raises (W @ δ2 cannot be multiplied) gives no gradient at all
    if code.failures:  # a gradient of the wrong shape: that variable, and no other
        assert set(code.failures) == {name} and code.failures[name].startswith("shape 4×")
        assert all(a.agree for a in code.gradients.values())
        return
    failing = {n for n, a in code.gradients.items() if not a.agree}
    assert failing == {name}
    assert code.gradients[name].disagreement.blamed == ("numpy",)
    assert code.gradients[name].witnesses["jax"].vs_oracle == 0


def test_forward_mismatch_is_reported_as_such_and_names_the_witness():
    def typo_forward(z1, weights, biases, y, *args):
        cache = numpy_backprop.forward(z1, weights, biases, y, *args)
        cache["a1"] = 1.0 / (1.0 + np.exp(z1))  # sigmoid with the sign of z lost
        return cache

    run = verify_network(Network(), points=POINTS, implementation=Code(forward=typo_forward))
    assert not run.forward.agree and not run.passed
    assert run.forward.quantity == "a1"
    assert run.forward.blamed == ("numpy",) and run.forward.others == ("sympy", "jax")
    assert run.implementation.forward == run.forward and not run.implementation.agree
    assert all(r.verdict == Verdict.PROVED for r in run.claims)


def _nudged(name, size):
    def backward(*args):
        grads = numpy_backprop.backward(*args)
        grads[name] = grads[name] + size
        return grads

    return Code(backward=backward)


@pytest.mark.parametrize("size", [1e-11, 1e-13])
def test_tolerance_is_tight_enough_to_catch_tiny_errors(size):
    run = verify_network(Network(), points=POINTS, implementation=_nudged("dL/dW1", size))
    assert not run.passed
    code = run.implementation
    assert {n for n, a in code.gradients.items() if not a.agree} == {"dL/dW1"}
    assert code.gradients["dL/dW1"].disagreement.blamed == ("numpy",)
    assert code.gradients["dL/dW1"].disagreeing == POINTS


def test_rounding_noise_is_not_a_false_alarm():
    rng = np.random.default_rng(7)

    def noisy(*args):
        grads = numpy_backprop.backward(*args)
        # perturb every entry by up to 4 ulp, the size of honest rounding differences
        return {k: v + 4 * np.spacing(v) * rng.uniform(-1, 1, v.shape) for k, v in grads.items()}

    run = verify_network(Network(), points=2000, implementation=Code(backward=noisy))
    assert run.passed, {n: a.worst_ratio for n, a in run.implementation.gradients.items()}
    assert max(a.max_abs_err for a in run.implementation.gradients.values()) > 0  # the noise is there


@pytest.mark.parametrize("numpy_factor", [2.0, 3.0])
def test_blame_goes_to_every_witness_that_differs_from_the_oracle(numpy_factor):
    """The claim ∂L/∂b1 = 2 δ2 is wrong, and the implementation under test is miscoded the same
    way (2 δ2) or another (3 δ2): SymPy, NumPy and the code all agree against jax.grad where the
    factor is 2, and still the blame must not shift onto the oracle — it is right."""

    def scaled(*args):
        grads = numpy_backprop.backward(*args)
        grads["dL/db1"] = numpy_factor * grads["dL/db1"]
        return grads

    wrong = variant_claim("dL/db1", Scale(Fraction(2), Var("delta", 2)))
    run = check(Network(), [wrong], points=POINTS, implementation=Code(backward=scaled))
    (r,) = run.claims
    assert r.verdict == Verdict.REFUTED and r.slip.kind == SlipKind.TWICE
    assert r.agreement.disagreement.blamed == ("sympy", "numpy")
    assert r.agreement.witnesses["jax"].vs_oracle == 0
    code = run.implementation.gradients["dL/db1"]
    assert not code.agree and code.disagreement.blamed == ("numpy",)
    assert code.witnesses["jax"].vs_oracle == 0
    if numpy_factor == 2.0:  # the code computes exactly the wrong claim
        np.testing.assert_allclose(
            r.agreement.witnesses["numpy"].sample, code.witnesses["numpy"].sample, rtol=1e-15
        )
    assert all(a.agree for n, a in run.implementation.gradients.items() if n != "dL/db1")


def test_sampling_is_seeded_and_targets_follow_the_loss():
    net = Network(loss="softmax-ce")
    a, b, c = sample(net, 50, 3), sample(net, 50, 3), sample(net, 50, 4)
    assert np.array_equal(a.W[0], b.W[0]) and not np.array_equal(a.W[0], c.W[0])
    assert a.z1.shape == (50, 4, 1) and a.W[0].shape == (50, 3, 4) and a.b[0].shape == (50, 3, 1)
    assert np.all(a.y.sum(axis=1) == 1) and set(np.unique(a.y)) == {0.0, 1.0}
    real = sample(Network(loss="mse"), 50, 3).y
    assert ((real > 0) & (real < 1)).all()


def test_deeper_network_checks_every_layer():
    run = verify_network(Network((3, 4, 2), "tanh", "mse"), points=200)
    assert run.passed
    # the output layer's dL/dz3 first, then the four of each layer
    assert [r.claim.name for r in run.claims] == ["dL/dz3", *(i.name for i in seed_identities(2))]
    expected = {f"dL/d{k}{layer}" for k in "azWb" for layer in (1, 2)} | {"dL/dz3"}
    assert set(run.implementation.gradients) >= expected


def test_deep_network_beyond_the_budget_runs_numpy_and_jax():
    run = verify_network(Network((8, 32, 32, 4), "silu", "softmax-ce"), points=100)
    assert run.passed
    assert run.sympy_skipped == Reason.SIZE and run.budget is not None
    assert len(run.claims) == 13  # four per layer boundary and the output layer's dL/dz4
    for r in run.claims:
        assert set(r.agreement.witnesses) == {"numpy", "jax"}
        assert r.generic.status == Status.PROVED and r.concrete is None  # the generic slice settles it
        assert r.verdict == Verdict.PROVED


@pytest.mark.parametrize(("reduction", "batch"), [("mean", 4), ("sum", 3)])
def test_batches_agree(reduction, batch):
    run = verify_network(Network((4, 3), "elu", "bce", batch=batch, reduction=reduction), points=200)
    assert run.passed, [(r.claim.name, r.verdict, r.agreement.max_abs_err) for r in run.claims]


BATCH_SLIPS = {  # slip → what diagnosis names: a catalogue kind, or the search's first step
    "1/B forgotten": SlipKind.MISSING_MEAN,
    "summed over the wrong axis (1ᵀ Δ2ᵀ)": Move.MISSING_TRANSPOSE,  # (1ᵀ Δ2ᵀ)ᵀ = Δ2 1
    "1/B applied twice": SlipKind.EXTRA_MEAN,
    "1/B² instead of 1/B": SlipKind.EXTRA_MEAN,
}


@pytest.mark.parametrize(
    ("name", "target", "slip", "formula"), BATCH_VARIANTS, ids=[f"{v[0]}: {v[2]}" for v in BATCH_VARIANTS]
)
def test_wrong_batch_formula_is_rejected_numerically(name, target, slip, formula):
    claim = as_claim(Identity(name, target, formula, batched=True))
    (r,) = check(Network((4, 3), batch=B), [claim], points=POINTS).claims
    assert is_named(r.slip, BATCH_SLIPS[slip]), r.slip
    if r.verdict == Verdict.SHAPE_ERROR:  # 1ᵀ Δ2ᵀ is a row where ∂L/∂b1 is a column
        assert r.shape_problem == "1×3 against 3×1"
    else:
        assert r.verdict == Verdict.REFUTED
        assert r.agreement.disagreement.blamed == ("sympy", "numpy")


def test_numpy_forgetting_one_over_b_is_caught():
    def no_mean(cache, weights, y, activation, loss, slope, reduction):
        return numpy_backprop.backward(cache, weights, y, activation, loss, slope, "sum")

    run = verify_network(Network(batch=4), points=POINTS, implementation=Code(backward=no_mean))
    assert not run.passed and all(r.verdict == Verdict.PROVED for r in run.claims)
    for name, a in run.implementation.gradients.items():
        assert not a.agree and a.disagreement.blamed == ("numpy",), name


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
    run = verify_network(Network(activation=activation), points=200, include_kinks=True)
    assert run.passed and run.settings.include_kinks
    k = run.kinks
    assert k.points == 100 and not k.agree and k.max_abs_err > 0.1
    expected = {"relu": ("1/2", "0", "0"), "leaky-relu": ("101/200", "0.01", "1")}[activation]
    assert [k.conventions[w] for w in WITNESSES] == [f"f'(0) = {v}" for v in expected]
    assert any(r.agreement.at_kinks for r in run.claims)
    assert all(r.verdict == Verdict.PROVED for r in run.claims)


def test_a_wrong_formula_is_still_caught_when_kinks_are_included():
    name, _, formula, _ = FORMULA_VARIANTS[4]  # dL/dz1, missing f'
    run = check(Network(activation="relu"), [variant_claim(name, formula)], points=200, include_kinks=True)
    (r,) = run.claims
    assert r.verdict == Verdict.REFUTED and r.slip.kind == SlipKind.MISSING_FPRIME
    assert not run.passed


def test_generic_loss_runs_the_numbers_with_its_stand_in():
    run = verify_network(Network(loss="generic"), points=100)
    assert run.passed
    for r in run.claims:
        assert r.generic.status == Status.PROVED and r.generic.setting.loss == "generic"
        assert set(r.agreement.witnesses) == set(WITNESSES) and r.agreement.compared == 100


def test_memory_guard():
    from derive import InputError

    with pytest.raises(InputError, match="points: expected at most"):
        sample(Network((1024, 1024)), 1000, 0)
