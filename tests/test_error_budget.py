"""The error-budget tolerance, the high-precision reference, float32 and chunked sweeps.

The reference is arb (or mpmath) at 50 digits or more on SymPy's own derivative of the forward
pass; the sweeps check that correct gradients never trip the budget (10^5 points per activation, float64 and
float32) while every wrong variant does.
"""

import json
from functools import partial

import numpy as np
import pytest
from mutants import mutant_backward
from typer.testing import CliRunner
from variants import FORMULA_VARIANTS, NUMPY_VARIANTS, variant_identity
from verify.witnesses import jax_witness, numpy_witness, sympy_witness

from derive import ACTIVATIONS, InputError, Network
from reports.cli import app
from verify import numpy_backprop, reference, sampling, tolerance, verify

DTYPES = ("float64", "float32")


def test_budget_is_eps_times_terms_times_scale():
    ref = np.array([[[0.5], [-3.0]], [[0.1], [0.2]]])  # two points
    n = tolerance.terms((4, 3), 1, 1)
    assert n == 1 + 3
    expected = tolerance.K * np.finfo(np.float64).eps * n * np.array([3.0, 1.0])
    np.testing.assert_array_equal(tolerance.budget(ref, n), expected)
    np.testing.assert_array_equal(tolerance.allowed(ref, n, "float32") / tolerance.allowed(ref, n), 2.0**29)
    assert tolerance.terms((8, 16, 16, 4), 4, 1) == 4 + 16 + 16 + 4
    assert "2^-23 (float32)" in tolerance.policy("float32")


def _nudged(name, size):
    def backward(*args):
        grads = numpy_backprop.backward(*args)
        grads[name] = grads[name] + size
        return grads

    return backward


def test_reference_says_which_witness_is_off():
    """NumPy off by 3e-14 in every entry of dL/dW1: far inside the old 64-eps habits of
    comparison, yet the reference measures it on NumPy alone."""
    witnesses = (sympy_witness, partial(numpy_witness, backward=_nudged("dL/dW1", 3e-14)), jax_witness)
    run = verify(Network(), 200, witnesses=witnesses)
    r = next(r for r in run.results if r.identity == "dL/dW1")
    assert run.reference.points == 200 and run.reference.digits == 50
    assert r.per_witness["numpy"].max_abs_vs_ref >= 3e-14 - 1e-16
    for w in ("sympy", "jax"):
        assert r.per_witness[w].max_abs_vs_ref < 1e-15
    assert r.per_witness["numpy"].max_ulp > 10 * max(r.per_witness[w].max_ulp for w in ("sympy", "jax"))


def test_reference_is_the_derivative_not_the_claimed_formula():
    name, _, formula, _ = FORMULA_VARIANTS[1]  # dL/da1 with a sign flip
    (r,) = verify(Network(), 100, identities=[variant_identity(name, formula)]).results
    assert r.per_witness["sympy"].max_rel_vs_ref == pytest.approx(2.0)  # -x against x
    assert r.per_witness["numpy"].max_rel_vs_ref < 1e-10
    assert len(r.per_witness["numpy"].ulp_per_entry) == 4  # a1 has 4 entries


def test_reference_is_skipped_beyond_the_symbolic_budget():
    run = verify(Network((8, 16, 16, 4), "tanh", "mse"), 50)
    assert run.passed and run.reference.points == 0
    assert run.reference.skipped.startswith("skipped (size)")
    assert all(w.max_ulp is None for r in run.results for w in r.per_witness.values())


def test_reference_covers_the_first_points_only(monkeypatch):
    monkeypatch.setattr(reference, "MAX_POINTS", 30)
    run = verify(Network(), 80)
    assert run.reference.points == 30
    assert all(r.ulps["jax"].size == 30 * np.size(r.per_witness["jax"].sample) for r in run.results)


def test_chunks_cover_every_point_and_number_them(monkeypatch):
    monkeypatch.setattr(sampling, "CHUNK", 50)

    def late_slip(cache, *args):  # wrong only in the third chunk (points 100–119)
        grads = numpy_backprop.backward(cache, *args)
        if cache["z1"].shape[0] == 20:
            grads["dL/db1"] = -grads["dL/db1"]
        return grads

    seen = []
    witnesses = (sympy_witness, partial(numpy_witness, backward=late_slip), jax_witness)
    run = verify(Network(), 120, witnesses=witnesses, progress=lambda done, total: seen.append((done, total)))
    assert run.chunks == 3 and seen == [(50, 120), (100, 120), (120, 120)]
    r = next(r for r in run.results if r.identity == "dL/db1")
    assert not r.passed and r.points == 120 and r.counterexample.point >= 100
    assert r.counterexample.blamed == ("numpy",)
    assert r.pair_errors["numpy–jax"].size == 50  # the figure keeps the first chunk
    assert all(x.passed for x in run.results if x is not r)


def test_slices_of_a_chunk_cover_every_point_and_number_them(monkeypatch):
    from verify import compare

    monkeypatch.setattr(sampling, "CHUNK", 50)
    monkeypatch.setattr(compare, "SLICE", 20)  # chunk 1: points 50–69, 70–89, 90–99

    def late_slip(cache, *args):  # wrong only in the last slice of chunk 1 (points 90–99)
        grads = numpy_backprop.backward(cache, *args)
        if cache["z1"].shape[0] == 10:
            grads["dL/dW1"] = 1.01 * grads["dL/dW1"]
        return grads

    witnesses = (sympy_witness, partial(numpy_witness, backward=late_slip), jax_witness)
    run = verify(Network(), 120, witnesses=witnesses)
    r = next(r for r in run.results if r.identity == "dL/dW1")
    assert not r.passed and r.points == 120 and 90 <= r.counterexample.point < 100
    assert all(x.passed for x in run.results if x is not r)


def test_the_oracle_in_blocks_gives_the_same_values(monkeypatch):
    from verify import jax_oracle

    points = sampling.sample(Network(), 150, 4)
    args = (points.z1, points.W, points.b, points.y, "sigmoid", "mse")
    whole = jax_oracle.gradients(*args)
    monkeypatch.setattr(jax_oracle, "BLOCK", 64)  # three blocks, the last one padded
    assert jax_oracle._block(8) == 64
    blocks = jax_oracle.gradients(*args)
    for one, other in zip(whole, blocks, strict=True):
        assert one.keys() == other.keys()
        for key in one:
            assert one[key].shape == other[key].shape and one[key].shape[0] == 150
            np.testing.assert_allclose(one[key], other[key], rtol=1e-15, atol=1e-300)


def test_chunks_are_reproducible_and_bounded(monkeypatch):
    monkeypatch.setattr(sampling, "CHUNK", 40)
    a, b = verify(Network(), 100, seed=5), verify(Network(), 100, seed=5)
    assert [r.max_abs_err for r in a.results] == [r.max_abs_err for r in b.results]
    big = Network((1024, 1024))
    size = sampling.chunk_size(big, 10**6)
    assert size >= 1 and size * 8 * sampling.COPIES * sampling.floats_per_point(big) <= sampling.CHUNK_BYTES


def test_progress_bar_appears_after_the_delay_only(monkeypatch):
    import io

    from reports import progress

    quiet = io.StringIO()
    with progress.progress_bar(force=True, file=quiet) as update:
        update(1, 2)
    assert quiet.getvalue() == ""  # under a second: nothing
    monkeypatch.setattr(progress, "DELAY", 0.0)
    shown = io.StringIO()
    with progress.progress_bar(force=True, file=shown) as update:
        update(1, 2)
        update(2, 2)
    assert "points" in shown.getvalue()


def test_dtype_is_checked():
    with pytest.raises(InputError, match="dtype: expected one of: float32, float64; received 'float16'"):
        verify(Network(), 10, dtype="float16")


def test_float32_runs_every_witness_in_float32():
    points = sampling.sample(Network(activation="gelu"), 20, 0, dtype="float32")
    assert points.z1.dtype == np.float32 and points.W[0].dtype == np.float32
    for witness in (sympy_witness, numpy_witness, jax_witness):
        values = witness(Network(activation="gelu"), points, [])
        assert {np.asarray(v).dtype for v in values.forward.values()} == {np.dtype(np.float32)}, values.name


def test_json_gives_per_witness_ulps_and_the_dtype():
    result = CliRunner().invoke(app, ["verify", "--json", "--points", "100", "--dtype", "float32"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["dtype"] == "float32" and "2^-23" in data["tolerance"]
    assert set(data["reference"]["max_ulp"]) == {"sympy", "numpy", "jax"}
    for item in data["identities"]:
        for w in ("sympy", "numpy", "jax"):
            errors = item["per_witness"][w]
            assert errors["max_ulp"] >= 0
            for key in ("max_ulp_per_entry", "max_abs_err_per_entry", "max_rel_err_per_entry"):
                entries = [x for row in errors[key] for x in row]
                assert len(entries) == {"dL/da1": 4, "dL/dz1": 4, "dL/dW1": 12, "dL/db1": 3}[item["name"]]
            assert max(x for row in errors["max_ulp_per_entry"] for x in row) == errors["max_ulp"]
        assert 0 <= item["tolerance_used"] < 1


@pytest.mark.parametrize(
    ("name", "slip", "formula", "same_shape"),
    FORMULA_VARIANTS,
    ids=[f"{n}: {s}" for n, s, _, _ in FORMULA_VARIANTS],
)
def test_wrong_formula_is_rejected_in_float32(name, slip, formula, same_shape):
    run = verify(Network(), 64, identities=[variant_identity(name, formula)], dtype="float32")
    (r,) = run.results
    assert not r.passed
    if same_shape:
        assert r.counterexample.blamed == ("sympy",)


@pytest.mark.parametrize(
    ("name", "slip", "wrong"), NUMPY_VARIANTS, ids=[f"{n}: {s}" for n, s, _ in NUMPY_VARIANTS]
)
def test_wrong_numpy_code_is_rejected_in_float32(name, slip, wrong):
    witnesses = (sympy_witness, partial(numpy_witness, backward=mutant_backward(name, wrong)), jax_witness)
    run = verify(Network(), 64, witnesses=witnesses, dtype="float32")
    bad = next(r for r in run.results if r.identity == name)
    assert run.forward.passed and not bad.passed
    if bad.per_witness["numpy"].error is None:
        assert bad.counterexample.blamed == ("numpy",)


SWEEP = 100_000


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_no_false_alarm_over_100k_points(activation, dtype):
    """Correct gradients never trip the budget: every pair of witnesses within 2·budget at
    every point, and every witness within one budget of the reference at its points."""
    network = Network(activation=activation)
    run = verify(network, SWEEP, seed=2026, dtype=dtype)
    assert run.passed and run.forward.passed, [(r.identity, r.worst_ratio) for r in run.results]
    assert run.points == SWEEP and run.chunks == 2
    for r in run.results:
        assert r.worst_ratio < 1
        for w in r.per_witness.values():
            assert w.budget_used < 1, (r.identity, w.name, w.budget_used)


@pytest.mark.slow
def test_a_million_points_in_bounded_chunks():
    seen = []
    run = verify(Network(), 10**6, seed=7, progress=lambda done, total: seen.append(done))
    assert run.passed and run.points == 10**6 and run.chunks == 16
    assert seen == sorted(seen) and seen[-1] == 10**6 and len(seen) == 16
    # only the first chunk keeps per-point arrays; the rest were reduced to maxima
    assert all(r.pair_errors["numpy–jax"].size == sampling.CHUNK for r in run.results)
    assert run.reference.points == reference.MAX_POINTS


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["tanh", "identity"])  # |gradients| ≤ 1 everywhere, or not
def test_quick_chunk_check_agrees_with_the_full_one(dtype, activation):
    from verify.compare import _chunk_result, check_identity

    from derive import seed_identities

    network = Network(activation=activation)
    points = sampling.sample(network, 500, 3, dtype=dtype)
    identities = seed_identities()
    values = [w(network, points, identities) for w in (sympy_witness, numpy_witness, jax_witness)]
    for identity in identities:
        quick = _chunk_result(identity, network, values, points.at_kink, dtype, 0)
        full = check_identity(identity, network, values, points.at_kink, dtype)
        assert quick.pair_errors == {} and full.pair_errors  # the quick path kept no arrays
        assert quick.passed == full.passed
        assert quick.max_abs_err == full.max_abs_err
        assert quick.worst_ratio == pytest.approx(full.worst_ratio, rel=1e-12)
        for name, w in full.per_witness.items():
            assert quick.per_witness[name].err_vs_oracle == w.err_vs_oracle


@pytest.mark.parametrize("dtype", DTYPES)
def test_forward_check_without_scales_agrees_with_the_per_point_one(dtype):
    from verify.compare import _check_forward_per_point, check_forward

    from derive import seed_identities

    network = Network(activation="identity")  # z_2 beyond 1: scales above 1 at some points
    points = sampling.sample(network, 500, 3, dtype=dtype)
    values = [w(network, points, seed_identities()) for w in (sympy_witness, numpy_witness, jax_witness)]
    n = tolerance.terms(network.sizes, network.batch, 0)
    assert check_forward(values, network, dtype) == _check_forward_per_point(values, n, dtype)
    assert check_forward(values, network, dtype).max_abs_err > 0


@pytest.mark.parametrize(
    ("activation", "loss", "kinks"),
    [
        ("sigmoid", "mse", False),
        ("gelu-tanh", "softmax-ce", False),
        ("gelu", "bce", False),
        ("relu", "mse", True),
    ],
)
def test_the_arb_reference_gives_mpmaths_values_to_the_bit(monkeypatch, activation, loss, kinks):
    network = Network(activation=activation, loss=loss)
    targets = [("a", 1), ("z", 1), ("W", 1), ("b", 1)]
    points = sampling.sample(network, 60, 11, include_kinks=kinks)
    arb = reference.compute(network, targets, points, 60)
    monkeypatch.setattr(reference, "_in_arb", lambda fn, rows: None)  # as if a ball were too wide
    mp = reference.compute(network, targets, points, 60)
    assert (arb.library, mp.library) == ("arb", "mpmath")
    for t in targets:
        assert np.array_equal(arb.hi[t], mp.hi[t]) and np.array_equal(arb.lo[t], mp.lo[t])


def test_a_ball_wider_than_the_digits_falls_back_to_mpmath(monkeypatch):
    monkeypatch.setattr(reference, "ARB_BITS", 100)  # 30 digits: every ball too wide for 50
    run = verify(Network(), 20)
    assert run.reference.library == "mpmath" and run.reference.points == 20 and run.passed
