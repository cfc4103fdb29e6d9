"""Every feature reaches every claim: each feature of a run (float32, kinks, the 50-digit
reference, progress, diagnosis, the SymPy time limit, definitions, chunked sweeps) is checked
on the built-in claims (`verify_network`) AND on a user's claims (`check_document`)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from variants import FORMULA_VARIANTS, variant_claim

from derive import Network
from derive.claims_file import load
from derive.proof import Method
from derive.slips import SlipKind
from verify import Reason, Verdict, check, check_document, sampling, tolerance, verdict, verify_network
from verify import run as pipeline
from verify.results import WITNESSES

# a user's notes: a definition, a true claim about W1, a true one about z1, a wrong one about b1
NOTES = r"""
$\delta_1 = \frac{\partial L}{\partial z_1}$ defines δ.
$$\frac{\partial L}{\partial W_1} = \delta_2 a_1^T$$
$$\delta_1 = W_1^T \delta_2 \circ f'(z_1)$$
$$\nabla_{b_1} L = -\delta_2$$
"""
RIGHT = (r"\frac{\partial L}{\partial W_1} = \delta_2 a_1^T", r"\delta_1 = W_1^T \delta_2 \circ f'(z_1)")
WRONG = r"\nabla_{b_1} L = -\delta_2"
SIGN_FLIP = FORMULA_VARIANTS[1]  # dL/da1 = −W1ᵀ δ2
assert SIGN_FLIP[1] == "sign flip"


@pytest.fixture
def notes(tmp_path) -> Path:
    path = tmp_path / "notes.md"
    path.write_text(NOTES, encoding="utf-8")
    return path


def user_run(path: Path, points: int = 100, options: dict | None = None, **settings):
    return check_document(load(path, options or {}), points=points, seed=4, **settings)


def by_text(run) -> dict:
    return {r.claim.written: r for r in run.claims}


def assert_user_verdicts(run) -> None:
    found = by_text(run)
    assert set(found) == {*RIGHT, WRONG}
    assert all(found[t].verdict == Verdict.PROVED for t in RIGHT), [(t, found[t].verdict) for t in RIGHT]
    assert found[WRONG].verdict == Verdict.REFUTED


def wrong_builtin_variant(**settings):
    name, _, formula, _ = SIGN_FLIP
    (r,) = check(Network(), [variant_claim(name, formula)], points=100, **settings).claims
    return r


# --- float32 ------------------------------------------------------------------------------------
def _float32_tolerance_is_float32s(run) -> None:
    """Differences far beyond float64's budget, within float32's: the tolerance is float32's."""
    assert run.settings.dtype == "float32"
    for r in run.claims:
        if r.verdict != Verdict.PROVED:
            continue
        n = pipeline.terms_of(r.claim, run.network)
        assert r.agreement.worst_ratio < 1
        assert r.agreement.max_abs_err <= tolerance.allowed_floor(n, "float32") * 10
    worst = max(r.agreement.max_abs_err for r in run.claims if r.verdict == Verdict.PROVED)
    assert worst > tolerance.allowed_floor(1_000, "float64")  # float64's eps would refuse it


def test_float32_built_in():
    run = verify_network(Network(), points=200, dtype="float32")
    assert run.passed and all(r.verdict == Verdict.PROVED for r in run.claims)
    _float32_tolerance_is_float32s(run)
    wrong = wrong_builtin_variant(dtype="float32")
    assert wrong.verdict == Verdict.REFUTED and wrong.agreement.disagreement.blamed == ("sympy", "numpy")


def test_float32_users_claims(notes):
    run = user_run(notes, points=200, dtype="float32")
    assert_user_verdicts(run)
    _float32_tolerance_is_float32s(run)


# --- kinks ----------------------------------------------------------------------------------------
RELU_CONVENTIONS = {"sympy": "f'(0) = 1/2", "numpy": "f'(0) = 0", "jax": "f'(0) = 0"}


def test_kinks_built_in():
    run = verify_network(Network(activation="relu"), points=100, include_kinks=True)
    assert run.settings.include_kinks and run.kinks is not None
    assert run.kinks.points == 50 and run.kinks.conventions == RELU_CONVENTIONS
    assert all(r.verdict == Verdict.PROVED for r in run.claims) and run.passed


def test_kinks_users_claims(notes):
    run = user_run(notes, options={"activation": "relu"}, include_kinks=True)
    assert run.kinks is not None and run.kinks.points == 50 and run.kinks.conventions == RELU_CONVENTIONS
    assert any(r.agreement.at_kinks for r in run.claims)  # f' differs there, by convention
    assert_user_verdicts(run)


# --- the 50-digit reference -------------------------------------------------------------------------
def _every_witness_measured(run, results) -> None:
    assert run.reference.points > 0 and run.reference.digits == 50
    for r in results:
        for w in WITNESSES:
            errors = r.agreement.witnesses[w]
            assert errors.max_ulp is not None and errors.max_abs_vs_ref is not None, (r.claim.written, w)


def test_reference_built_in():
    run = verify_network(Network(), points=100)
    _every_witness_measured(run, run.claims)
    assert run.reference.points == 100


def test_reference_users_claims(notes):
    run = user_run(notes)
    _every_witness_measured(run, run.claims)
    wrong = by_text(run)[WRONG].agreement.witnesses
    assert wrong["jax"].max_rel_vs_ref < 1e-10  # the claim is what is off: −x against x
    assert wrong["numpy"].max_rel_vs_ref == pytest.approx(2.0)


# --- progress -------------------------------------------------------------------------------------
def _three_chunks(monkeypatch) -> list:
    monkeypatch.setattr(sampling, "CHUNK", 40)  # 100 points: 40, 40, 20
    return []


def test_progress_built_in(monkeypatch):
    seen = _three_chunks(monkeypatch)
    run = verify_network(Network(), points=100, progress=lambda done, total: seen.append((done, total)))
    assert run.settings.chunks == 3 and seen == [
        (0, 100),
        (40, 100),
        (80, 100),
        (100, 100),
    ]  # opened at 0, then each chunk


def test_progress_users_claims(monkeypatch, notes):
    seen = _three_chunks(monkeypatch)
    run = user_run(notes, progress=lambda done, total: seen.append((done, total)))
    assert run.settings.chunks == 3 and seen == [
        (0, 100),
        (40, 100),
        (80, 100),
        (100, 100),
    ]  # opened at 0, then each chunk
    assert_user_verdicts(run)


# --- diagnosis ------------------------------------------------------------------------------------
def test_diagnosis_built_in():
    r = wrong_builtin_variant()
    assert r.verdict == Verdict.REFUTED and r.slip is not None
    assert r.slip.kind == SlipKind.SIGN and r.slip.layer == 1


def test_diagnosis_users_claims(notes):
    r = by_text(user_run(notes))[WRONG]
    assert r.slip is not None and r.slip.kind == SlipKind.SIGN and r.slip.layer == 1


# --- the SymPy time limit -------------------------------------------------------------------------
@pytest.fixture
def slow_sympy(monkeypatch):
    """Every proof takes 30 s; the limit is 0.05 s."""

    def slow(*args, **kwargs):
        time.sleep(30)
        raise AssertionError("the time limit did not stop the proof")

    monkeypatch.setattr(verdict, "PROOF_SECONDS", 0.05)
    monkeypatch.setattr(verdict, "prove", slow)


def test_time_limit_built_in(slow_sympy):
    run = verify_network(Network(), points=50)
    for r in run.claims:
        assert r.generic.method == Method.TIME and r.concrete is None
        assert r.verdict == Verdict.UNDECIDED and r.reason == Reason.TIME


def test_time_limit_users_claims(slow_sympy, notes):
    run = user_run(notes, points=50)
    found = by_text(run)
    for text in RIGHT:
        assert found[text].verdict == Verdict.UNDECIDED and found[text].reason == Reason.TIME
    # the numbers still refute a wrong claim without SymPy's proof (SymPy's 50 digits confirm)
    assert found[WRONG].verdict == Verdict.REFUTED and found[WRONG].generic.method == Method.TIME


@pytest.mark.parametrize("kind", ["built-in", "user"])
def test_the_sympy_witness_obeys_the_same_time_limit(monkeypatch, notes, kind):
    """Compiling the SymPy witness is SymPy work too: PROOF_SECONDS limits it as well."""
    monkeypatch.setattr(verdict, "PROOF_SECONDS", 0.05)
    real = pipeline.forward_and_formulas

    def slow_once(*args):
        monkeypatch.setattr(pipeline, "forward_and_formulas", real)
        time.sleep(10)
        return real(*args)

    monkeypatch.setattr(pipeline, "forward_and_formulas", slow_once)
    # Reason.TIME proves the limit fired: without it the slow step would finish and run
    run = verify_network(Network(), points=50) if kind == "built-in" else user_run(notes, points=50)
    assert run.sympy_skipped == Reason.TIME
    assert all("sympy" not in r.agreement.witnesses for r in run.claims)


# --- definitions ----------------------------------------------------------------------------------
def test_definitions_users_claims(notes):
    run = user_run(notes)
    assert [d.written for d in run.definitions] == [r"\delta_1 = \frac{\partial L}{\partial z_1}"]
    assert all(r.claim.written != run.definitions[0].written for r in run.claims)
    assert len(run.claims) == 3


def test_definitions_built_in():
    run = verify_network(Network(), points=20)
    # the output layer's dL/dz2 and the seed's four identities, all claims
    assert run.definitions == () and len(run.claims) == 5


# --- chunked sweeps -------------------------------------------------------------------------------
SWEEP = 70_000  # > 65,536: two chunks; the second (points 65,536 … 69,999) is one slice of 4,464
LAST = SWEEP - sampling.CHUNK


def _corrupt_in_the_second_chunk(monkeypatch, formula_text: str) -> None:
    """NumPy's reading of the right side `formula_text` off by 1e-6, in the second chunk only."""
    real = pipeline.value

    def value(formula, values, absolute=False):
        out = real(formula, values, absolute)
        if not absolute and out.shape[0] == LAST and str(formula) == formula_text:
            return out + 1e-6
        return out

    monkeypatch.setattr(pipeline, "value", value)


def _chunked_like_one(run, small) -> None:
    assert run.settings.chunks == 2 and small.settings.chunks == 1
    for big, one in zip(run.claims, small.claims, strict=True):
        assert big.claim.written == one.claim.written
        if big.agreement.disagreement is None or big.agreement.disagreement.point < sampling.CHUNK:
            assert (big.verdict, big.reason) == (one.verdict, one.reason), big.claim.written
            assert big.agreement.points == SWEEP


def _numbered_within_the_run(result) -> None:
    d = result.agreement.disagreement
    assert result.verdict == Verdict.UNDECIDED and result.reason == Reason.WITNESSES_DISAGREE
    assert d.blamed == ("numpy",) and sampling.CHUNK <= d.point < SWEEP
    assert result.agreement.disagreeing == LAST


def test_chunked_sweep_built_in(monkeypatch):
    target = next(c for c in pipeline.builtin_claims(Network()) if c.name == "dL/db1").identity.formula
    _corrupt_in_the_second_chunk(monkeypatch, str(target))
    run = verify_network(Network(), points=SWEEP)
    small = verify_network(Network(), points=1000)
    _chunked_like_one(run, small)
    _numbered_within_the_run(next(r for r in run.claims if r.claim.name == "dL/db1"))
    assert all(r.verdict == Verdict.PROVED for r in run.claims if r.claim.name != "dL/db1")
    assert run.implementation.agree


def test_chunked_sweep_users_claims(monkeypatch, notes):
    document = load(notes, {})
    target = next(c for c in document.claims if c.written == RIGHT[0]).identity.formula
    _corrupt_in_the_second_chunk(monkeypatch, str(target))
    run = check_document(document, points=SWEEP, seed=4)
    small = check_document(document, points=1000, seed=4)
    _chunked_like_one(run, small)
    found = by_text(run)
    _numbered_within_the_run(found[RIGHT[0]])
    assert found[RIGHT[1]].verdict == Verdict.PROVED and found[WRONG].verdict == Verdict.REFUTED
    assert found[WRONG].agreement.disagreeing == SWEEP


def test_a_time_limit_that_expires_in_a_gc_callback_is_not_lost():
    """An alarm landing in a garbage-collector callback (JAX registers one) would be swallowed
    ("Exception ignored in gc callback"); the limit defers it and raises in the caller."""
    import gc
    import time

    from verify.time_limit import ProofTimeout, time_limit

    def slow_callback(phase, info):
        time.sleep(0.05)  # the alarm fires in here

    gc.callbacks.append(slow_callback)
    try:
        with pytest.raises(ProofTimeout), time_limit(0.02):
            gc.collect()
            time.sleep(1)
    finally:
        gc.callbacks.remove(slow_callback)
