"""The error-budget tolerance, the high-precision reference, float32 and chunked sweeps.

The reference is arb (or mpmath) at 50 digits or more on SymPy's own derivative of the forward
pass; the sweeps check that correct gradients never trip the budget (10^5 points per activation, float64 and
float32) while every wrong variant does.
"""

import numpy as np
import pytest
from variants import FORMULA_VARIANTS, NUMPY_VARIANTS, SLIP_KINDS, is_named, variant_claim

from derive import ACTIVATIONS, InputError, Network, seed_identities
from verify import (
    Code,
    Reason,
    Verdict,
    agreement,
    check,
    numpy_backprop,
    reference,
    sampling,
    tolerance,
    verify_network,
)
from verify import run as pipeline
from verify.claim_values import oracle_values, value
from verify.results import ORACLE, WITNESSES
from verify.sympy_numeric import forward_and_formulas

DTYPES = ("float64", "float32")


def test_budget_is_eps_times_terms_times_scale():
    ref = np.array([[[0.5], [-3.0]], [[0.1], [0.2]]])  # two points
    n = tolerance.terms((4, 3), 1, 1)
    assert n == 1 + 3
    expected = tolerance.K * np.finfo(np.float64).eps * n * np.array([3.0, 1.0])
    np.testing.assert_array_equal(tolerance.budget(ref, n), expected)
    np.testing.assert_array_equal(tolerance.allowed(ref, n, "float32") / tolerance.allowed(ref, n), 2.0**29)
    assert tolerance.terms((8, 16, 16, 4), 4, 1) == 4 + 16 + 16 + 4
    from reports.wording import Words

    assert "2^-23 (float32)" in Words("en", False).policy("float32")


def _nudged(name, size):
    def backward(*args):
        grads = numpy_backprop.backward(*args)
        grads[name] = grads[name] + size
        return grads

    return Code(backward=backward)


def _claim(run, name):
    return next(r for r in run.claims if r.claim.name == name)


def test_reference_says_which_witness_is_off():
    """The implementation off by 3e-14 in every entry of dL/dW1: far inside the old 64-eps
    habits of comparison, yet the reference measures it on NumPy alone."""
    run = verify_network(Network(), points=200, implementation=_nudged("dL/dW1", 3e-14))
    assert run.reference.points == 200 and run.reference.digits == 50
    code = run.implementation.gradients["dL/dW1"].witnesses
    assert code["numpy"].max_abs_vs_ref >= 3e-14 - 1e-16
    assert code["jax"].max_abs_vs_ref < 1e-15
    assert code["numpy"].max_ulp > 10 * code["jax"].max_ulp
    claim = _claim(run, "dL/dW1").agreement.witnesses  # the claim's witnesses are untouched
    assert all(claim[w].max_abs_vs_ref < 1e-15 for w in WITNESSES)


def test_reference_is_the_derivative_not_the_claimed_formula():
    name, _, formula, _ = FORMULA_VARIANTS[1]  # dL/da1 with a sign flip
    (r,) = check(Network(), [variant_claim(name, formula)], points=100).claims
    w = r.agreement.witnesses
    for right_side in ("sympy", "numpy"):  # -x against x
        assert w[right_side].max_rel_vs_ref == pytest.approx(2.0)
    assert w[ORACLE].max_rel_vs_ref < 1e-10
    assert len(w[ORACLE].ulp_per_entry) == 4  # a1 has 4 entries


def test_reference_is_skipped_beyond_the_symbolic_budget():
    run = verify_network(Network((8, 32, 32, 4), "tanh", "mse"), points=50)
    assert run.passed and run.reference.points == 0
    assert run.reference.reason == Reason.SIZE and run.reference.budget is not None
    assert all(w.max_ulp is None for r in run.claims for w in r.agreement.witnesses.values())


def test_reference_covers_the_first_points_only(monkeypatch):
    monkeypatch.setattr(reference, "MAX_POINTS", 30)
    run = verify_network(Network(), points=80)
    assert run.reference.points == 30
    for r in run.claims:
        entries = np.size(r.agreement.witnesses[ORACLE].sample)
        assert all(r.agreement.ulps[w].size == 30 * entries for w in WITNESSES)


def test_chunks_cover_every_point_and_number_them(monkeypatch):
    monkeypatch.setattr(sampling, "CHUNK", 50)

    def late_slip(cache, *args):  # wrong only in the third chunk (points 100–119)
        grads = numpy_backprop.backward(cache, *args)
        if cache["z1"].shape[0] == 20:
            grads["dL/db1"] = -grads["dL/db1"]
        return grads

    seen = []
    run = verify_network(
        Network(), points=120, implementation=Code(backward=late_slip), progress=lambda *p: seen.append(p)
    )
    assert run.settings.chunks == 3 and seen == [(0, 120), (50, 120), (100, 120), (120, 120)]
    bad = run.implementation.gradients["dL/db1"]
    assert not bad.agree and bad.points == 120 and bad.disagreeing == 20
    assert 100 <= bad.disagreement.point < 120 and bad.disagreement.blamed == ("numpy",)
    assert bad.pair_errors["numpy–jax"].size == 50  # the figure keeps the first chunk
    assert all(a.agree for n, a in run.implementation.gradients.items() if n != "dL/db1")
    assert all(r.verdict == Verdict.PROVED and r.agreement.points == 120 for r in run.claims)


def test_slices_of_a_chunk_cover_every_point_and_number_them(monkeypatch):
    monkeypatch.setattr(sampling, "CHUNK", 50)
    monkeypatch.setattr(pipeline, "SLICE", 20)  # chunk 1: points 50–69, 70–89, 90–99

    def late_slip(cache, *args):  # wrong only in the last slice of chunk 1 (points 90–99)
        grads = numpy_backprop.backward(cache, *args)
        if cache["z1"].shape[0] == 10:
            grads["dL/dW1"] = 1.01 * grads["dL/dW1"]
        return grads

    run = verify_network(Network(), points=120, implementation=Code(backward=late_slip))
    bad = run.implementation.gradients["dL/dW1"]
    assert not bad.agree and bad.points == 120 and bad.disagreeing == 10
    assert 90 <= bad.disagreement.point < 100
    assert all(a.agree for n, a in run.implementation.gradients.items() if n != "dL/dW1")


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
    a, b = verify_network(Network(), points=100, seed=5), verify_network(Network(), points=100, seed=5)
    assert a.settings.chunks == 3
    assert [r.agreement.max_abs_err for r in a.claims] == [r.agreement.max_abs_err for r in b.claims]
    big = Network((1024, 1024))
    size = sampling.block(big)
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
        verify_network(Network(), points=10, dtype="float16")


def test_float32_runs_every_witness_in_float32():
    network = Network(activation="gelu")
    points = sampling.sample(network, 20, 0, dtype="float32")
    assert points.z1.dtype == np.float32 and points.W[0].dtype == np.float32
    oracle = oracle_values(network, points)
    sympy_forward, sympy_right = forward_and_formulas(network, seed_identities(), points)
    code = numpy_backprop.forward(points.z1, points.W, points.b, points.y, "gelu", "mse")
    for name, values in {"jax": oracle.forward, "sympy": sympy_forward, "numpy": code}.items():
        assert {np.asarray(v).dtype for v in values.values()} == {np.dtype(np.float32)}, name
    rights = [value(i.formula, oracle) for i in seed_identities()] + sympy_right
    grads = [
        *oracle.gradients.values(),
        *numpy_backprop.backward(code, points.W, points.y, "gelu", "mse").values(),
    ]
    assert {x.dtype for x in rights + grads} == {np.dtype(np.float32)}


def test_float32_gives_per_witness_ulps_within_the_budget():
    """What the JSON report shows per witness (reports/ renders it): ULPs against the reference
    in float32's units, entry by entry, and the share of the budget used."""
    run = verify_network(Network(), points=100, dtype="float32")
    assert run.passed and run.settings.dtype == "float32" and run.reference.points == 100
    sizes = {"dL/dz2": 3, "dL/da1": 4, "dL/dz1": 4, "dL/dW1": 12, "dL/db1": 3}
    assert [r.claim.name for r in run.claims] == list(sizes)
    for r in run.claims:
        for w in WITNESSES:
            errors = r.agreement.witnesses[w]
            entries = [x for row in errors.ulp_per_entry for x in row]
            assert len(entries) == sizes[r.claim.name]
            assert errors.max_ulp >= 0 and max(entries) == errors.max_ulp
            assert len([x for row in errors.abs_per_entry for x in row]) == sizes[r.claim.name]
            assert 0 <= errors.budget_used < 1, (r.claim.name, w, errors.budget_used)


@pytest.mark.parametrize(
    ("name", "slip", "formula", "same_shape"),
    FORMULA_VARIANTS,
    ids=[f"{n}: {s}" for n, s, _, _ in FORMULA_VARIANTS],
)
def test_wrong_formula_is_rejected_in_float32(name, slip, formula, same_shape):
    (r,) = check(Network(), [variant_claim(name, formula)], points=64, dtype="float32").claims
    assert is_named(r.slip, SLIP_KINDS[(name, slip)]), r.slip
    if same_shape:
        assert r.verdict == Verdict.REFUTED
        assert r.agreement.disagreement.blamed == ("sympy", "numpy")
    else:
        assert r.verdict == Verdict.SHAPE_ERROR


def _mutant(name, wrong):
    def backward(cache, weights, y, activation, loss, slope=0.01, reduction="mean"):
        grads = numpy_backprop.backward(cache, weights, y, activation, loss, slope, reduction)
        _, f_prime = numpy_backprop.activation_functions(activation, slope)
        grads[name] = wrong(cache, weights[0], grads["dL/db1"], f_prime)
        return grads

    return Code(backward=backward)


@pytest.mark.parametrize(
    ("name", "slip", "wrong"), NUMPY_VARIANTS, ids=[f"{n}: {s}" for n, s, _ in NUMPY_VARIANTS]
)
def test_wrong_numpy_code_is_rejected_in_float32(name, slip, wrong):
    run = verify_network(Network(), points=64, implementation=_mutant(name, wrong), dtype="float32")
    code = run.implementation
    assert run.forward.agree and not code.agree
    if not code.failures:
        assert {n for n, a in code.gradients.items() if not a.agree} == {name}
        assert code.gradients[name].disagreement.blamed == ("numpy",)


SWEEP = 100_000


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_no_false_alarm_over_100k_points(activation, dtype):
    """Correct gradients never trip the budget: every pair of witnesses within 2·budget at
    every point, and every witness within one budget of the reference at its points."""
    network = Network(activation=activation)
    run = verify_network(network, points=SWEEP, seed=2026, dtype=dtype)
    assert run.passed and run.forward.agree, [(r.claim.name, r.agreement.worst_ratio) for r in run.claims]
    assert run.settings.points == SWEEP and run.settings.chunks == 2
    for r in run.claims:
        assert r.agreement.worst_ratio < 1
        for w in r.agreement.witnesses.values():
            assert w.budget_used < 1, (r.claim.name, w.name, w.budget_used)


@pytest.mark.slow
def test_a_million_points_in_bounded_chunks():
    seen = []
    run = verify_network(Network(), points=10**6, seed=7, progress=lambda done, total: seen.append(done))
    assert run.passed and run.settings.points == 10**6 and run.settings.chunks == 16
    assert seen == sorted(seen) and seen[-1] == 10**6 and len(seen) == 17  # 0, then each chunk
    # only the first chunk keeps per-point arrays; the rest were reduced to maxima
    assert all(r.agreement.pair_errors["numpy–jax"].size == sampling.CHUNK for r in run.claims)
    assert run.reference.points == reference.MAX_POINTS


def _claim_arrays(network, points, dtype):
    """Each seed identity's witnesses on the same points, as the pipeline builds them: its right
    side by SymPy and by NumPy, its left side by jax.grad; and the magnitude (Σ|terms|)."""
    oracle = oracle_values(network, points)
    _, sympy_right = forward_and_formulas(network, seed_identities(), points)
    for identity, by_sympy in zip(seed_identities(), sympy_right, strict=True):
        arrays = {
            "sympy": by_sympy,
            "numpy": value(identity.formula, oracle),
            ORACLE: value(identity.lhs, oracle),
        }
        magnitude = np.maximum(
            value(identity.lhs, oracle, absolute=True), value(identity.formula, oracle, absolute=True)
        )
        n = tolerance.terms(network.sizes, network.batch, identity.target.layer)
        yield identity, arrays, magnitude, n


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "identity"])  # |gradients| ≤ 1, or not
def test_quick_check_agrees_with_the_full_one(dtype, activation):
    """The fast path on slices of 25 points (some with every oracle entry ≤ 1, some not) gives
    what the full comparison gives wherever it answers, and answers only where it may."""
    network = Network(activation=activation)
    points = sampling.sample(network, 500, 3, dtype=dtype)
    answered = handed_on = 0
    for identity, whole, whole_magnitude, n in _claim_arrays(network, points, dtype):
        for s in range(0, 500, 25):
            arrays = {w: a[s : s + 25] for w, a in whole.items()}
            magnitude = whole_magnitude[s : s + 25]
            quick = agreement.quick(arrays, n, dtype)
            full = agreement.compare(arrays, n, dtype, magnitude=magnitude)
            assert full.agree, (identity.name, full.worst_ratio)
            if quick is None:  # only where an oracle entry is above 1: the scale varies by point
                assert np.abs(arrays[ORACLE]).max() > 1, identity.name
                handed_on += 1
                continue
            answered += 1
            assert quick.pair_errors == {} and full.pair_errors  # the quick path kept no arrays
            assert quick.agree == full.agree
            assert (quick.points, quick.compared, quick.disagreeing) == (full.points, full.compared, 0)
            assert quick.max_abs_err == full.max_abs_err
            # with Σ|terms| as the scale the full check allows as much or more; with the oracle's
            # own values (all ≤ 1: scale 1) exactly the same
            assert quick.worst_ratio >= full.worst_ratio
            unscaled = agreement.compare(arrays, n, dtype)
            assert quick.worst_ratio == pytest.approx(unscaled.worst_ratio, rel=1e-12)
            for name, w in full.witnesses.items():
                assert quick.witnesses[name].vs_oracle == w.vs_oracle
    if activation == "identity":  # gradients above 1 in every slice: the full check each time
        assert handed_on > 0 and answered == 0
    else:
        assert answered > 0  # the differential test must exercise the fast path


@pytest.mark.parametrize("dtype", DTYPES)
def test_quick_check_never_passes_a_disagreement(dtype):
    """One entry off by a little more than the floor tolerance at one point: the fast path must
    hand it to the full check, which finds that one point and blames NumPy."""
    network = Network(activation="tanh")
    points = sampling.sample(network, 200, 3, dtype=dtype)
    _, arrays, magnitude, n = next(_claim_arrays(network, points, dtype))
    off = arrays["numpy"].copy()
    off[17, 0, 0] += 3 * tolerance.allowed_floor(n, dtype) * max(1.0, float(magnitude[17].max()))
    arrays = {**arrays, "numpy": off}
    assert agreement.quick(arrays, n, dtype) is None
    full = agreement.compare(arrays, n, dtype, magnitude=magnitude)
    assert full.disagreeing == 1 and full.disagreement.point == 17
    assert full.disagreement.blamed == ("numpy",) and full.disagreement.entry == (1, 1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_forward_check_without_scales_agrees_with_the_per_point_one(dtype):
    network = Network(activation="identity")  # z_2 beyond 1: scales above 1 at some points
    points = sampling.sample(network, 500, 3, dtype=dtype)
    sympy_forward, _ = forward_and_formulas(network, (), points)
    code = numpy_backprop.forward(points.z1, points.W, points.b, points.y, "identity", "mse")
    values = {"sympy": sympy_forward, "numpy": code, ORACLE: oracle_values(network, points).forward}
    n = tolerance.terms(network.sizes, network.batch, 0)
    quantities = [q for q in values["sympy"] if all(q in v for v in values.values())]
    fast = agreement.forward(values, n, dtype)
    assert fast == agreement._forward_per_point(values, quantities, n, dtype)
    assert fast.agree and fast.max_abs_err > 0
    # and a forward slip: both paths name the same quantity and witness
    wrong = {**values, "numpy": {**code, "z2": code["z2"] * (1 + 1e-9)}}
    slow = agreement._forward_per_point(wrong, quantities, n, dtype)
    assert agreement.forward(wrong, n, dtype) == slow
    if dtype == "float64":  # 1e-9 relative is rounding in float32
        assert not slow.agree and slow.quantity == "z2" and slow.blamed == ("numpy",)


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
    run = verify_network(Network(), points=20)
    assert run.reference.library == "mpmath" and run.reference.points == 20 and run.passed


def test_merged_chunks_blame_every_witness_that_differs_in_any_chunk():
    """SymPy is off in the first chunk, NumPy in the second: the run's disagreement is the first
    chunk's (its point numbered within the run) and blames both."""
    rng = np.random.default_rng(0)
    truth = [rng.uniform(-1, 1, (30, 3, 1)) for _ in range(2)]
    first = {"sympy": truth[0] + 1e-6, "numpy": truth[0].copy(), ORACLE: truth[0]}
    second = {"sympy": truth[1].copy(), "numpy": truth[1] - 1e-6, ORACLE: truth[1]}
    chunks = [agreement.compare(arrays, 4, "float64", keep_arrays=False) for arrays in (first, second)]
    assert [c.disagreement.blamed for c in chunks] == [("sympy",), ("numpy",)]
    merged = agreement.merge(chunks, [0, 30])
    assert merged.points == 60 and merged.disagreeing == 60
    assert merged.disagreement.point == chunks[0].disagreement.point
    assert merged.disagreement.blamed == ("sympy", "numpy")
    later = agreement.merge([agreement.compare(truth_only, 4, "float64") for truth_only in (
        {"numpy": truth[0], ORACLE: truth[0]}, second)], [0, 30])  # fmt: skip
    assert later.disagreement.point == 30 + chunks[1].disagreement.point


@pytest.mark.parametrize("dtype", DTYPES)
def test_largest_difference_in_blocks_is_the_plain_one(dtype):
    """The comparisons take a slice's differences a block of points at a time: the largest
    |a − b| over several blocks is the one computed whole, wherever it lies, and a NaN in the
    last block only still gives NaN (never agreement)."""
    rng = np.random.default_rng(5)
    count = 3 * agreement._BLOCK // 12 + 7  # three blocks of (3, 4) entries and a partial one
    a = rng.standard_normal((count, 3, 4)).astype(dtype)
    b = (a + rng.standard_normal(a.shape) * 1e-6).astype(dtype)
    for point, sign in ((count - 1, 1.0), (count // 2, -1.0), (0, 1.0)):
        off = b.copy()
        off[point, 2, 3] += sign * 0.5
        plain = float(np.abs(np.subtract(a, off, dtype=np.float64)).max())
        assert agreement._largest_abs(a, off) == plain > 0.4
    swapped = a.transpose(0, 2, 1)  # a view, not contiguous: blocks of its own points
    assert agreement._largest_abs(swapped, b.transpose(0, 2, 1)) == float(
        np.abs(np.subtract(a, b, dtype=np.float64)).max()
    )
    for bad in (np.nan, np.inf):
        off = b.copy()
        off[count - 1, 0, 0] = bad
        twice = off.copy() if bad == np.inf else a
        with np.errstate(invalid="ignore"):  # inf − inf is NaN too
            result = agreement._largest_abs(twice, off)
        assert result != result


def test_a_subformula_shared_by_claims_is_computed_once_and_magnitudes_are_not_memoized():
    """`value` keeps each subformula's value for the other claims at the same points, never a
    magnitude (Σ|terms|) for a value or the other way round."""
    from derive.formula import MatMul, Transpose, Var

    oracle64 = oracle_values(Network(), sampling.sample(Network(), 200, 1))
    shared = MatMul(Transpose(Var("W", 1)), Var("delta", 2))
    signed = value(shared, oracle64)
    assert value(shared, oracle64) is signed  # the second claim's W_1ᵀ δ_2: the first one's
    magnitude = value(shared, oracle64, absolute=True)
    assert (signed < 0).any() and (magnitude >= np.abs(signed)).all()
    W, delta = oracle64.points.W[0], oracle64.gradients["dL/dz2"]
    np.testing.assert_allclose(signed, np.swapaxes(W, 1, 2) @ delta, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(magnitude, np.abs(np.swapaxes(W, 1, 2)) @ np.abs(delta), rtol=1e-13)
    fresh = oracle_values(Network(), oracle64.points)  # other values: a memo of their own
    assert value(shared, fresh) is not signed


def test_the_slip_search_judges_a_float32_run_by_float32_rounding():
    from verify.diagnosis import differing

    exact = np.full((4, 3, 1), 1.0, dtype=np.float32)
    rounded = exact + 3 * np.finfo(np.float32).eps  # three float32 roundings away: agreeing
    magnitude = np.ones(4)
    assert not differing(exact, rounded, 4, magnitude).any()
    # the same gap between float64 values is far beyond float64 rounding
    assert differing(exact.astype(np.float64), rounded.astype(np.float64), 4, magnitude).all()
