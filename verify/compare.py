"""Compare the witnesses: forward passes first, then every entry of every gradient.

Each quantity is compared pairwise at every point under the one tolerance policy
(`verify/tolerance.py`). A disagreement is blamed on the witnesses that differ from the oracle,
`jax.grad` of the forward pass: it never sees a formula, so a wrong formula cannot move it.
Points placed exactly on a kink of the activation are compared apart: there the witnesses may
differ by their conventions for f' at the kink, which is reported, not failed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from itertools import combinations

import numpy as np

from derive import Identity, InputError, Network, network_identities, prove
from verify import reference as high_precision
from verify import tolerance
from verify import witnesses as witness_registry
from verify.results import (
    CheckResult,
    Disagreement,
    ForwardCheck,
    Kinks,
    ReferenceInfo,
    VerifyRun,
    Witness,
)
from verify.sampling import SLICE, Points, check_dtype, check_points, chunks, sample
from verify.witnesses import WitnessFn, WitnessValues

ACCEPTED = ("proved", "skipped")  # symbolic statuses that let an identity pass
ORACLE = "jax"
Progress = Callable[[int, int], None]  # (points done, points in all)
WORKERS = min(2, os.cpu_count() or 1)  # threads checking chunks side by side


def verify(
    network: Network,
    points: int = 1000,
    seed: int = 0,
    *,
    identities: Sequence[Identity] | None = None,
    witnesses: Sequence[WitnessFn] | None = None,
    include_kinks: bool = False,
    dtype: str = "float64",
    progress: Progress | None = None,
) -> VerifyRun:
    """Prove and numerically check `identities` (default: the seed's, for every layer) with
    `witnesses` (default: sympy, numpy, jax) in `dtype`, and measure each witness against the
    high-precision reference.

    The points are drawn and checked chunk by chunk (`verify/sampling.py`), so memory stays
    bounded however many there are; `progress(done, total)` is called after each chunk."""
    check_dtype(dtype)
    check_points(points)
    if not 0 <= seed < 2**63:
        raise InputError("seed", "an integer from 0 to 2^63 − 1", seed)
    identities = tuple(identities or network_identities(network))
    witnesses = witnesses or witness_registry.DEFAULT_WITNESSES
    targets = [(i.target.kind, i.target.layer) for i in identities]
    per_identity: list[list[CheckResult]] = [[] for _ in identities]
    plan = chunks(network, points)

    def check_chunk(k: int):
        start, count = plan[k]
        pts = sample(network, count, seed, include_kinks, dtype, chunk=k)
        # in slices of SLICE points, each reduced to maxima before the next
        forwards, sliced = [], []
        for s in range(0, count, SLICE):
            part = pts.part(s, s + SLICE)
            values = [v for v in (w(network, part, identities) for w in witnesses) if v.skipped is None]
            forwards.append(check_forward(values, network, dtype))
            sliced.append(
                [_chunk_result(i, network, values, part.at_kink, dtype, start + s) for i in identities]
            )
        fwd = next((f for f in forwards if not f.passed), None) or ForwardCheck(
            True, max(f.max_abs_err for f in forwards)
        )
        return fwd, int(pts.at_kink.sum()), [_merge(list(r)) for r in zip(*sliced, strict=True)]

    # chunk 0 keeps its arrays (the figure, the values at point 0, the reference's points)
    pts = sample(network, plan[0][1], seed, include_kinks, dtype, chunk=0)
    first = first_point(pts)
    reason = high_precision.skipped(network)
    n_ref = 0 if reason else min(plan[0][1], high_precision.MAX_POINTS)
    # all SymPy work here, before any thread (mpmath's and flint's precisions are global, and the
    # reference sets them): the proofs, the reference's compilation, and each witness's (on one point)
    for identity in identities:
        prove(identity, network, generic=False), prove(identity, network, generic=True)
    if not reason:
        high_precision.prepare(network, targets)
    for w in witnesses:
        w(network, pts.part(0, 1), identities)
    # the reference (arb or mpmath, one point at a time in Python) and the later chunks on
    # WORKERS threads (NumPy and XLA release the GIL), chunk 0 here beside them; results merged
    # in chunk order
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        ref_job = (
            None if reason else pool.submit(_timed, high_precision.compute, network, targets, pts, n_ref)
        )
        later_jobs = pool.map(check_chunk, range(1, len(plan)))
        ran = [w(network, pts, identities) for w in witnesses]
        skipped = {v.name: v.skipped for v in ran if v.skipped}
        values = [v for v in ran if v.skipped is None]
        forward_checks = [check_forward(values, network, dtype)]
        kink_points = int(pts.at_kink.sum())
        if progress is not None:
            progress(plan[0][1], points)
        ref, ref_seconds = ref_job.result() if ref_job else (None, 0.0)
        for bucket, identity in zip(per_identity, identities, strict=True):
            bucket.append(check_identity(identity, network, values, pts.at_kink, dtype, ref))
        del pts, ran, values
        for k, (fwd, kinks_here, results) in enumerate(later_jobs, start=1):
            forward_checks.append(fwd)
            kink_points += kinks_here
            for bucket, result in zip(per_identity, results, strict=True):
                bucket.append(result)
            if progress is not None:
                progress(plan[k][0] + plan[k][1], points)
    ref_info = ReferenceInfo(
        high_precision.DIGITS, n_ref, reason, ref_seconds, ref.library if ref else high_precision.LIBRARY
    )
    results = tuple(_merge(chunked) for chunked in per_identity)
    kinks = None
    if kink_points:
        from verify.kinks import conventions

        worst = max((r.at_kinks or 0.0) for r in results)
        limit = 10 * tolerance.K * tolerance.eps(dtype)
        kinks = Kinks(
            kink_points, conventions(network), worst, all((r.at_kinks or 0.0) <= limit for r in results)
        )
    failed = next((f for f in forward_checks if not f.passed), None)
    forward = failed or ForwardCheck(True, max(f.max_abs_err for f in forward_checks))
    return VerifyRun(
        network=network,
        seed=seed,
        points=points,
        forward=forward,
        results=results,
        tolerance=tolerance.policy(dtype),
        first_point=first,
        kinks=kinks,
        skipped=skipped,
        dtype=dtype,
        reference=ref_info,
        chunks=len(forward_checks),
    )


def _timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def _chunk_result(identity, network, values, at_kink, dtype, start) -> CheckResult:
    """A later chunk's result: the quick check when it settles the chunk, else the full one."""
    quick = None if at_kink.any() else _quick_check(identity, network, values, dtype)
    if quick is None:
        return _shift(check_identity(identity, network, values, at_kink, dtype), start, keep_arrays=False)
    ratio, largest, errors = quick
    proof, generic = prove(identity, network, generic=False), prove(identity, network, generic=True)
    return CheckResult(
        identity.name,
        proof,
        generic,
        largest,
        {name: Witness(name, err, None) for name, err in errors.items()},
        at_kink.size,
        proof.status in ACCEPTED and generic.status in ACCEPTED,
        worst_ratio=ratio,
    )


def _shift(result: CheckResult, start: int, keep_arrays: bool = True) -> CheckResult:
    """A chunk's result with its counterexample's point numbered within the whole run, and
    without its per-point arrays unless `keep_arrays` (memory stays bounded)."""
    if not keep_arrays:
        result = replace(result, pair_errors={}, allowed=None)
    if result.counterexample is None or start == 0:
        return result
    cx = result.counterexample
    return replace(result, counterexample=replace(cx, point=cx.point + start))


def _merge(chunked: list[CheckResult]) -> CheckResult:
    """One identity's results over all chunks. The per-point arrays (for the figure) and the
    values at point 0 come from the first chunk; maxima and the verdict cover every chunk; the
    counterexample is the worst one of the first chunk that has one."""
    head = chunked[0]
    if len(chunked) == 1:
        return head
    per_witness = {}
    for name, w in head.per_witness.items():
        worst = max(c.per_witness[name].err_vs_oracle for c in chunked)
        per_witness[name] = replace(w, err_vs_oracle=worst)
    kinks = [c.at_kinks for c in chunked if c.at_kinks is not None]
    return replace(
        head,
        max_abs_err=max(c.max_abs_err for c in chunked),
        per_witness=per_witness,
        points=sum(c.points for c in chunked),
        passed=all(c.passed for c in chunked),
        counterexample=next((c.counterexample for c in chunked if c.counterexample), None),
        at_kinks=max(kinks) if kinks else None,
        worst_ratio=max(c.worst_ratio for c in chunked),
    )


def first_point(points: Points) -> dict[str, np.ndarray]:
    """The inputs at point 0, which the report prints beside the witnesses' values there."""
    out = {"z1": points.z1[0]}
    for layer, (W, b) in enumerate(zip(points.W, points.b, strict=True), start=1):
        out[f"W{layer}"], out[f"b{layer}"] = W[0], b[0]
    out["y"] = points.y[0]
    return out


def _as_matrix(x: np.ndarray) -> np.ndarray:
    return x.reshape(x.shape[0], 1, 1) if x.ndim == 1 else x


_per_point = tolerance.max_abs_per_point  # max |entry| at each point: (P, ...) → (P,)


def _spread(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Per point, the largest difference between any two of the arrays in any entry (max − min
    entry by entry): the largest pairwise difference, in one reduction instead of one a pair."""
    top, bottom = (
        np.maximum(arrays[0], arrays[1], dtype=np.float64),
        np.minimum(arrays[0], arrays[1], dtype=np.float64),
    )
    for a in arrays[2:]:
        np.maximum(top, a, out=top)
        np.minimum(bottom, a, out=bottom)
    return _per_point(np.subtract(top, bottom, out=top))


def _largest_abs(a: np.ndarray, b: np.ndarray) -> float:
    """max |a − b| over every entry of every point (NaN if there is a NaN), in float64: two
    read-only reductions of the difference instead of an absolute value and a third pass."""
    d = np.subtract(a, b, dtype=np.float64)
    top, bottom = float(d.max()), float(d.min())
    return top if top >= -bottom else -bottom if top < -bottom else float("nan")


def _quick_check(identity: Identity, network: Network, values: Sequence[WitnessValues], dtype: str):
    """The verdict of one chunk without its details, or None when it needs `check_identity`
    (a failure, a kink, a witness without values): agreement from the spread of the witnesses,
    each witness's largest difference from the oracle over the whole chunk.

    The largest spread is the largest pairwise difference, so one subtraction a pair gives it
    and each witness's difference from the oracle. Where every |oracle entry| of the chunk is
    at most 1 (the common case: gradients of O(1) inputs) the tolerance is the same at every
    point, `tolerance.allowed_floor`, and the worst ratio is the largest difference over it,
    exactly; elsewhere the scales are computed point by point (`_quick_check_scaled`)."""
    arrays = {v.name: v.gradients[identity.name] for v in values}
    expected = network.shape(identity.target.kind, identity.target.layer)
    if len(arrays) < 2 or ORACLE not in arrays:
        return None
    if any(isinstance(a, str) or a.shape[1:] != expected for a in arrays.values()):
        return None
    oracle = arrays[ORACLE]
    n = tolerance.terms(network.sizes, network.batch, identity.target.layer)
    if not (float(oracle.max()) <= 1.0 and float(oracle.min()) >= -1.0):  # also False on NaN
        return _quick_check_scaled(arrays, n, dtype)
    pairs = {(a, b): _largest_abs(arrays[a], arrays[b]) for a, b in combinations(arrays, 2)}
    largest = max(pairs.values())
    ratio = largest / tolerance.allowed_floor(n, dtype)
    if not (ratio <= 1.0 and all(d == d for d in pairs.values())):  # NaN: the full check says
        return None
    errors = {ORACLE: 0.0}
    for (a, b), d in pairs.items():
        if ORACLE in (a, b):
            errors[a if b == ORACLE else b] = d
    return ratio, largest, errors


def _quick_check_scaled(arrays: dict[str, np.ndarray], n: int, dtype: str):
    """`_quick_check` with a tolerance that varies from point to point."""
    oracle = arrays[ORACLE]
    spread = _spread(list(arrays.values()))
    ratio = float((spread / tolerance.allowed(oracle, n, dtype)).max())
    if not ratio <= 1.0:
        return None
    errors = {ORACLE: 0.0}
    for name, a in arrays.items():
        if name != ORACLE:
            diff = np.subtract(a, oracle, dtype=np.float64)
            errors[name] = float(np.abs(diff, out=diff).max())
    return ratio, float(spread.max()), errors


def _reference(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """The oracle's values; if it gave none, the entrywise median of the others."""
    if ORACLE in arrays:
        return arrays[ORACLE]
    return np.median(np.stack(list(arrays.values())), axis=0)


def _blamed(arrays: dict[str, np.ndarray], allowed: np.ndarray) -> tuple[str, ...]:
    """The witnesses that differ from the oracle (`jax.grad`, which sees only the forward pass)
    by more than the tolerance at some point."""
    reference = _reference(arrays)
    return tuple(n for n, a in arrays.items() if n != ORACLE and (_per_point(a - reference) > allowed).any())


def check_forward(
    values: Sequence[WitnessValues], network: Network | None = None, dtype: str = "float64"
) -> ForwardCheck:
    """All witnesses must agree on `z_l`, `a_l` and `L` before gradients mean anything.

    When every difference from the reference is within the least tolerance of any point
    (`tolerance.allowed_floor`), all points pass and the worst is that largest difference: two
    reductions a quantity and witness; otherwise the tolerance is computed point by point."""
    n = 1 if network is None else tolerance.terms(network.sizes, network.batch, 0)
    floor = tolerance.allowed_floor(n, dtype)
    worst = 0.0
    for quantity in values[0].forward:
        reference = _reference({v.name: v.forward[quantity] for v in values})
        for v in values:
            if v.forward[quantity] is not reference:
                largest = _largest_abs(v.forward[quantity], reference)
                if not largest <= floor:  # NaN too
                    return _check_forward_per_point(values, n, dtype)
                worst = max(worst, largest)
    return ForwardCheck(True, worst)


def _check_forward_per_point(values: Sequence[WitnessValues], n: int, dtype: str) -> ForwardCheck:
    """`check_forward` with each point's own tolerance, and the first quantity that fails."""
    names = [v.name for v in values]
    worst = 0.0
    for quantity in values[0].forward:
        arrays = {v.name: _as_matrix(v.forward[quantity]) for v in values}
        reference = _reference(arrays)
        allowed = tolerance.allowed(reference, n, dtype)
        errors = {
            name: _per_point(np.subtract(a, reference, dtype=np.float64))
            for name, a in arrays.items()
            if a is not reference
        }
        largest = max((float(e.max()) for e in errors.values()), default=0.0)
        worst = max(worst, largest)
        if blamed := tuple(name for name, e in errors.items() if (e > allowed).any()):
            others = [n for n in names if n not in blamed]
            return ForwardCheck(
                False,
                worst,
                f"{quantity}: {', '.join(blamed)} disagree{'s' if len(blamed) == 1 else ''} with "
                f"{', '.join(others)} (max abs err {largest:.3g})",
            )
    return ForwardCheck(True, worst)


def check_identity(
    identity: Identity,
    network: Network,
    values: Sequence[WitnessValues],
    at_kink: np.ndarray | None = None,
    dtype: str = "float64",
    ref: high_precision.Reference | None = None,
) -> CheckResult:
    proof = prove(identity, network, generic=False)
    generic_proof = prove(identity, network, generic=True)
    expected = network.shape(identity.target.kind, identity.target.layer)
    arrays: dict[str, np.ndarray] = {}
    failures: dict[str, str] = {}
    for v in values:
        got = v.gradients[identity.name]
        if isinstance(got, str):
            failures[v.name] = got
        elif got.shape[1:] != expected:
            failures[v.name] = (
                f"shape error: {got.shape[1]}×{got.shape[2]}, expected {expected[0]}×{expected[1]}"
            )
        else:
            arrays[v.name] = got
    names = list(arrays)
    count = values[0].forward["z1"].shape[0]
    per_witness = {n: Witness(n, float("nan"), None, msg) for n, msg in failures.items()}
    if len(arrays) < 2:
        return CheckResult(identity.name, proof, generic_proof, float("nan"), per_witness, count, False)

    judged = np.ones(count, dtype=bool) if at_kink is None else ~at_kink
    everywhere = bool(judged.all())  # no kink points: skip the masks (copies) below

    def on(x: np.ndarray) -> np.ndarray:
        return x if everywhere else x[judged]

    reference = _reference(arrays)
    n = tolerance.terms(network.sizes, network.batch, identity.target.layer)
    allowed = tolerance.allowed(reference, n, dtype)
    pair_errors = {
        f"{a}–{b}": _per_point(np.subtract(arrays[a], arrays[b], dtype=np.float64))
        for a, b in combinations(names, 2)
    }
    at_kinks = None
    if not everywhere:
        at_kinks = max(float(e[~judged].max()) for e in pair_errors.values())
    worst_pair = max(pair_errors, key=lambda p: on(pair_errors[p]).max(initial=0.0))
    max_abs_err = float(on(pair_errors[worst_pair]).max(initial=0.0))
    worst_ratio = max(float(on(e / allowed).max(initial=0.0)) for e in pair_errors.values())
    agree = worst_ratio <= 1.0
    target = (identity.target.kind, identity.target.layer)
    ulps = {}
    for name in names:
        vs_ref = {}
        if ref is not None:
            absolute, relative, ulp = high_precision.errors(arrays[name], ref, target, dtype)
            ok = judged[: ref.points]
            ulps[name] = ulp[ok].ravel()
            one_budget = tolerance.budget(ref.hi[target], n, dtype)
            vs_ref = {
                "budget_used": float((_per_point(absolute) / one_budget)[ok].max(initial=0.0)),
                "max_abs_vs_ref": float(absolute[ok].max(initial=0.0)),
                "max_rel_vs_ref": float(relative[ok].max(initial=0.0)),
                "max_ulp": float(ulp[ok].max(initial=0.0)),
                "ulp_per_entry": tuple(map(tuple, ulp[ok].max(axis=0, initial=0.0).tolist())),
                "abs_per_entry": tuple(map(tuple, absolute[ok].max(axis=0, initial=0.0).tolist())),
                "rel_per_entry": tuple(map(tuple, relative[ok].max(axis=0, initial=0.0).tolist())),
            }
        vs_oracle = pair_errors.get(f"{name}–{ORACLE}")
        if vs_oracle is None:  # the oracle itself, or no oracle: against the reference values
            vs_oracle = _per_point(np.subtract(arrays[name], reference, dtype=np.float64))
        per_witness[name] = Witness(
            name,
            float(on(vs_oracle).max(initial=0.0)),
            tuple(map(tuple, arrays[name][0].tolist())),
            **vs_ref,
        )
    counterexample = None
    if not agree:
        ratio = np.where(judged, pair_errors[worst_pair] / allowed, -np.inf)
        point = int(np.argmax(ratio))
        stack = np.stack([arrays[n][point] for n in names])
        spread = stack.max(axis=0) - stack.min(axis=0)
        row, col = np.unravel_index(int(np.argmax(spread)), spread.shape)
        judged_arrays = {n: a[judged] for n, a in arrays.items()}
        counterexample = Disagreement(
            point,
            (int(row) + 1, int(col) + 1),
            {n: float(arrays[n][point, row, col]) for n in names},
            _blamed(judged_arrays, allowed[judged]),
        )
    passed = agree and not failures and proof.status in ACCEPTED and generic_proof.status in ACCEPTED
    return CheckResult(
        identity.name,
        proof,
        generic_proof,
        max_abs_err,
        per_witness,
        count,
        passed,
        counterexample,
        pair_errors,
        allowed,
        at_kinks,
        worst_ratio,
        ulps,
    )
