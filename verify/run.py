"""The one pipeline: claims about a network → proofs → values at sample points → agreement →
verdicts → a `Run`. `derivcheck verify`, `check` and `report` all come through `check`.

For every claim `lhs = rhs` the witnesses are: its right side by SymPy (lambdified, within the
symbolic budget) and by NumPy (interpreted over the oracle's forward values), and its left side
by `jax.grad` of the forward pass (the oracle, which never sees a claim). The forward passes of
SymPy, JAX and — when there is one — the implementation under test are compared first. The
implementation under test (the hand-written NumPy backward for the built-in network) is then
compared with `jax.grad` variable by variable, apart from the claims.

Points are drawn and checked chunk by chunk (`verify/sampling.py`), each chunk in slices that
stay in a core's cache, so memory stays flat; chunk 0 runs here beside the later chunks on
`WORKERS` threads (NumPy and XLA release the GIL) and the 50-digit reference. In each slice
the oracle's call is dispatched first (`verify/jax_oracle.dispatch`): XLA computes it on its own
threads, split over every device JAX has, while the SymPy and NumPy witnesses run here. All
SymPy work (proofs, compilations) is done first, in the main thread, within its time limits.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from derive import InputError, Network
from derive.budget import over_budget
from derive.claims import Claim, ForwardEquation, builtin_claims
from derive.course import CodeReading
from derive.formula import Grad, Var
from derive.model import setting
from verify import agreement as agree
from verify import numpy_backprop, tolerance, verdict
from verify import reference as high_precision
from verify.claim_values import OracleValues, Unavailable, value
from verify.claim_values import dispatch as dispatch_oracle
from verify.forward_equations import check_forward_equation
from verify.results import (
    ORACLE,
    Agreement,
    ClaimResult,
    ForwardAgreement,
    Implementation,
    Kinks,
    Reason,
    ReferenceInfo,
    Run,
    Settings,
    Verdict,
)
from verify.sampling import SLICE, Points, check_dtype, check_points, chunks, sample
from verify.sympy_numeric import forward_and_formulas
from verify.time_limit import ProofTimeout, time_limit
from verify.verdict import Prepared, judge, prepare, terms_of

if TYPE_CHECKING:  # the notes reader (lark and its grammars, 50 ms) is imported by check_document
    from derive.claims_file import Document

Progress = Callable[[int, int], None]  # (points done, points in all)
WORKERS = min(2, os.cpu_count() or 1)  # threads checking chunks side by side
# the implementation under test: (z1, W, b, y, activation, loss, slope, reduction) → forward,
# then (forward, W, y, activation, loss, slope, reduction) → {"dL/dW1": …}; `activation` is a
# name, or a tuple of names f_1 … f_L for a network of per-layer activations; with an L2 penalty
# both also get `l2=λ'` (a keyword, only then: an implementation without one is unchanged). A
# gradient the implementation could not give may be a string saying why (verify/user_backward.py)
Forward = Callable[..., dict[str, np.ndarray]]
Backward = Callable[..., dict[str, np.ndarray | str]]


@dataclass(frozen=True)
class Code:
    """An implementation under test: a forward pass and a backward pass in the (P, n, B)
    layout of `verify/numpy_backprop.py` (whose functions are the defaults)."""

    name: str = "numpy"
    forward: Forward | None = None  # None: numpy_backprop.forward, looked up at call time
    backward: Backward | None = None  # None: numpy_backprop.backward


HAND_WRITTEN = Code()


def _validate(points: int, seed: int, dtype: str) -> None:
    check_dtype(dtype)
    if not 0 <= seed < 2**63:
        raise InputError("seed", "an integer from 0 to 2^63 − 1", seed)
    if isinstance(points, bool) or not isinstance(points, int):
        raise InputError("points", "an integer", points)


@dataclass(frozen=True, eq=False)
class _Slice:
    """One slice's per-claim agreements, implementation agreements and forward agreement."""

    claims: list[Agreement | None]
    code: dict[str, Agreement]
    code_failures: dict[str, str]
    forward: ForwardAgreement
    code_forward: ForwardAgreement | None
    kinks: int


def check(
    network: Network,
    claims: Sequence[Claim],
    *,
    points: int = 1000,
    seed: int = 0,
    dtype: str = "float64",
    include_kinks: bool = False,
    implementation: Code | None = None,
    progress: Progress | None = None,
    source: str | None = None,
    forward_equations: Sequence[ForwardEquation] = (),
    definitions: Sequence[Claim] = (),
    not_claims: Sequence[tuple[int, str]] = (),
    code_reading: CodeReading | None = None,
) -> Run:
    """Prove and numerically check every claim about `network` at `points` seeded sample points
    in `dtype`, and compare `implementation` (if any) with jax.grad.

    Raises `InputError` for bad settings (dtype, seed, points, a network too large to sample)."""
    _validate(points, seed, dtype)
    check_points(points)
    if progress is not None:
        progress(0, points)  # the bar can show from the start: the proofs come before any point
    numeric = network.numeric
    prepared = [prepare(c, network) for c in claims]  # SymPy, main thread, time-limited
    live = [k for k, p in enumerate(prepared) if p.final is None]
    plan = chunks(numeric, points)
    pts = sample(numeric, plan[0][1], seed, include_kinks, dtype, chunk=0)
    # the SymPy witness: every live right side, compiled once (main thread, time-limited)
    budget = over_budget(setting(numeric, generic=False))
    sympy_skip = Reason.SIZE if budget else Reason.NONE
    identities = [prepared[k].identity for k in live]
    if not sympy_skip:
        try:
            with time_limit(verdict.PROOF_SECONDS):  # read at run time: one limit for all SymPy work
                forward_and_formulas(numeric, identities, pts.part(0, 1))
        except ProofTimeout:
            sympy_skip = Reason.TIME
    # the reference: SymPy's own derivative of each claim's variable, at 50 digits
    targets = _reference_targets(prepared, live, network)
    ref_skip = Reason.SIZE if budget else Reason.NONE if targets else Reason.UNAVAILABLE
    n_ref = 0 if ref_skip else min(plan[0][1], high_precision.MAX_POINTS)
    if not ref_skip:
        high_precision.prepare(network, targets)

    def slice_of(part: Points, keep: bool, ref=None) -> tuple[_Slice, OracleValues, list]:
        return _check_slice(network, prepared, live, part, dtype, sympy_skip, implementation, keep, ref)

    def check_chunk(k: int) -> list[_Slice]:
        count = plan[k][1]
        chunk_points = sample(numeric, count, seed, include_kinks, dtype, chunk=k)
        return [slice_of(chunk_points.part(s, s + SLICE), keep=False)[0] for s in range(0, count, SLICE)]

    slice_of(pts.part(0, 1), keep=False)  # compile JAX and warm f, f' before the threads
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        ref_job = (
            None if ref_skip else pool.submit(_timed, high_precision.compute, network, targets, pts, n_ref)
        )
        later = {pool.submit(check_chunk, k): k for k in range(1, len(plan))}
        ref, ref_seconds = ref_job.result() if ref_job else (None, 0.0)
        first, values0, sides0 = slice_of(pts, keep=True, ref=ref)
        done = plan[0][1]
        if progress is not None:
            progress(done, points)
        for job in later:  # in order: the counts a run reports are the same every time
            job.result()
            done += plan[later[job]][1]
            if progress is not None:
                progress(done, points)
        slices = [[first], *(job.result() for job in later)]
    flat = [s for chunk in slices for s in chunk]
    starts = _slice_starts(plan, slices)
    merged = [_merge_claim([s.claims[i] for s in flat], starts) for i in range(len(live))]
    results = [p.final for p in prepared]
    for i, k in enumerate(live):
        results[k] = judge(prepared[k], network, merged[i], sides0[i], values0)
    for k, p in enumerate(prepared):
        if p.final is not None and p.final.verdict == Verdict.SHAPE_ERROR:
            results[k] = verdict.shape_fix(p, network, values0)  # the search needs the values
    code = None
    if implementation is not None:
        failures = {}  # the first reason each gradient failed, in any slice
        for s in flat:
            failures = {**s.code_failures, **failures}
        compared = [
            name for name in flat[0].code if name not in failures and all(name in s.code for s in flat)
        ]
        code = Implementation(
            implementation.name,
            agree.merge_forward([s.code_forward for s in flat if s.code_forward is not None]),
            {name: agree.merge([s.code[name] for s in flat], starts) for name in compared},
            failures,
        )
    kink_points = sum(s.kinks for s in flat)
    return Run(
        network=network,
        source=source,
        settings=Settings(points, seed, dtype, include_kinks, len(plan)),  # type: ignore[arg-type]
        claims=tuple(r for r in results if r is not None),
        forward=agree.merge_forward([s.forward for s in flat]),
        reference=ReferenceInfo(
            high_precision.DIGITS,
            n_ref,
            ref_skip,
            budget,
            ref_seconds,
            ref.library if ref else high_precision.LIBRARY,
        ),
        implementation=code,
        kinks=_kinks(network, results, code, kink_points, dtype),
        forward_equations=tuple(check_forward_equation(f, network) for f in forward_equations),
        definitions=tuple(definitions),
        not_claims=tuple(not_claims),
        sympy_skipped=sympy_skip,
        budget=budget,
        first_point=_first_point(pts),
        code=code_reading,
    )


def _merge_claim(chunked: list[Agreement | None], starts: list[int]) -> Agreement | None:
    """A claim's agreement over all slices (None: the oracle cannot compute a side)."""
    found = [a for a in chunked if a is not None]
    return agree.merge(found, starts) if len(found) == len(chunked) else None


def _slice_starts(plan: list[tuple[int, int]], slices: list[list[_Slice]]) -> list[int]:
    return [
        start + SLICE * j for (start, _), chunk in zip(plan, slices, strict=True) for j in range(len(chunk))
    ]


def _kinks(network, results, code, points: int, dtype: str) -> Kinks | None:
    if not points:
        return None
    from verify.kinks import conventions

    agreements = [r.agreement for r in results if r is not None and r.agreement is not None]
    if code is not None:
        agreements += list(code.gradients.values())
    worst = max((a.at_kinks or 0.0) for a in agreements) if agreements else 0.0
    limit = tolerance.at_kink_limit(dtype)
    return Kinks(points, conventions(network), worst, worst <= limit)


def _left_is_gradient(prepared: Prepared, network: Network) -> bool:
    """The claim's left side is the true gradient ∂L/∂X — also when written `δ_l`, which is
    ∂L/∂z_l itself unless a mean over the batch scales it (Δ_l = B ∂L/∂Z_l)."""
    claim = prepared.claim
    assert claim.wrt is not None
    if prepared.left == Grad(claim.wrt):
        return True
    return claim.wrt.kind == "z" and prepared.left == Var("delta", claim.wrt.layer) and network.factor == 1


def _reference_targets(
    prepared: list[Prepared], live: list[int], network: Network
) -> tuple[tuple[str, int], ...]:
    """The variables of the claims whose left side is the true gradient (what the reference
    computes), in order, once each."""
    found = []
    for k in live:
        claim = prepared[k].claim
        assert claim.wrt is not None
        if _left_is_gradient(prepared[k], network):  # ∂L/∂a_L too, where the loss reads a_L
            found.append((claim.wrt.kind, claim.wrt.layer))
    return tuple(dict.fromkeys(found))


def _check_slice(
    network: Network,
    prepared: list[Prepared],
    live: list[int],
    part: Points,
    dtype: str,
    sympy_skip: Reason,
    code: Code | None,
    keep: bool,
    ref,
) -> tuple[_Slice, OracleValues, list]:
    """Every witness on one slice of points, compared."""
    numeric = network.numeric
    oracle_pending = dispatch_oracle(numeric, part)  # XLA computes while NumPy runs the others
    forwards: dict[str, dict[str, np.ndarray]] = {}
    sympy_right: list = [None] * len(live)
    if not sympy_skip:
        sympy_forward, sympy_right = forward_and_formulas(numeric, [prepared[k].identity for k in live], part)
        forwards["sympy"] = sympy_forward
    code_grads: dict[str, np.ndarray | str] = {}
    code_failures: dict[str, str] = {}
    code_forward = None
    if code is not None:
        # one name, or f_1 … f_L for a network of per-layer activations
        act = numeric.layer_activations if numeric.mixed else numeric.activation
        args = (act, numeric.loss, float(numeric.slope), numeric.reduction)
        penalty = {"l2": float(numeric.l2)} if numeric.l2 else {}  # λ' as a keyword: only with a penalty
        cache = (code.forward or numpy_backprop.forward)(part.z1, part.W, part.b, part.y, *args, **penalty)
        forwards[code.name] = cache
        try:
            code_grads = (code.backward or numpy_backprop.backward)(cache, part.W, part.y, *args, **penalty)
        except (ValueError, TypeError, KeyError, IndexError) as e:  # a shape slip, a missing key
            code_failures = {"": f"{type(e).__name__}: {e}"}
    oracle = oracle_pending()
    if "" in code_failures:  # every gradient failed, for the one reason
        code_failures = {name: code_failures[""] for name in oracle.gradients}
    forwards[ORACLE] = oracle.forward
    # the forward passes first: a disagreement there names the witness that is wrong
    n_forward = tolerance.terms(network.sizes, network.batch, 0)
    forward = agree.forward(forwards, n_forward, dtype) if len(forwards) > 1 else ForwardAgreement(True, 0.0)
    if code is not None:
        code_forward = forward if code.name in forward.blamed else ForwardAgreement(True, forward.max_abs_err)
    at_kink = part.at_kink if part.at_kink.any() else None
    claim_agreements: list[Agreement | None] = []
    sides: list = []
    for i, k in enumerate(live):
        p = prepared[k]
        claim = p.claim
        assert claim.wrt is not None
        n = terms_of(claim, network)
        try:
            left, right = value(p.left, oracle), value(p.right, oracle)
        except Unavailable:
            claim_agreements.append(None)
            sides.append(None)
            continue
        arrays = {"numpy": right, ORACLE: left}
        failures = {}
        if not sympy_skip:
            if isinstance(sympy_right[i], str):
                failures["sympy"] = sympy_right[i]
            else:
                arrays = {"sympy": sympy_right[i], **arrays}
        found = None if (keep or at_kink is not None) else agree.quick(arrays, n, dtype)
        magnitude = None
        if found is None:
            magnitude = np.maximum(
                value(p.left, oracle, absolute=True), value(p.right, oracle, absolute=True)
            )
            target = (claim.wrt.kind, claim.wrt.layer)
            use_ref = ref if ref is not None and target in ref.hi and _left_is_gradient(p, network) else None
            found = agree.compare(
                arrays, n, dtype, magnitude=magnitude, at_kink=at_kink, failures=failures,
                ref=use_ref, target=target, keep_arrays=keep,
            )  # fmt: skip
        claim_agreements.append(found)
        sides.append((left, right, magnitude) if keep else None)
    code_agreements: dict[str, Agreement] = {}
    if code is not None and not code_failures:
        for name, truth in oracle.gradients.items():
            got = code_grads.get(name)
            if got is None:  # every parameter's gradient is due; intermediates are optional
                if name[4] in "Wb":
                    code_failures[name] = "no gradient"
                continue
            if isinstance(got, str):  # why the implementation gave none
                code_failures[name] = got
                continue
            if got.shape != truth.shape:
                code_failures[name] = (
                    f"shape {got.shape[1]}×{got.shape[2]}, expected {truth.shape[1]}×{truth.shape[2]}"
                )
                continue
            layer = int(name[5:])
            n = tolerance.terms(network.sizes, network.batch, layer)
            arrays = {code.name: got, ORACLE: truth}
            found = None if (keep or at_kink is not None) else agree.quick(arrays, n, dtype)
            if found is None:
                target = (name[4], layer)
                use_ref = ref if ref is not None and target in ref.hi else None
                found = agree.compare(
                    arrays, n, dtype, at_kink=at_kink, ref=use_ref, target=target, keep_arrays=keep
                )
            code_agreements[name] = found
    kinks = int(part.at_kink.sum())
    return (
        _Slice(claim_agreements, code_agreements, code_failures, forward, code_forward, kinks),
        oracle,
        sides,
    )


def _timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def _first_point(points: Points) -> dict[str, np.ndarray]:
    """The inputs at point 0, which the report prints beside the witnesses' values there."""
    out = {"z1": points.z1[0]}
    for layer, (W, b) in enumerate(zip(points.W, points.b, strict=True), start=1):
        out[f"W{layer}"], out[f"b{layer}"] = W[0], b[0]
    out["y"] = points.y[0]
    return out


def verify_network(
    network: Network,
    *,
    points: int = 1000,
    seed: int = 0,
    dtype: str = "float64",
    include_kinks: bool = False,
    progress: Progress | None = None,
    implementation: Code = HAND_WRITTEN,
) -> Run:
    """The built-in claims (the output layer's δ_L and the seed's four identities per layer) and
    the hand-written NumPy backward as the implementation under test."""
    return check(
        network,
        builtin_claims(network),
        points=points,
        seed=seed,
        dtype=dtype,
        include_kinks=include_kinks,
        implementation=implementation,
        progress=progress,
    )


def check_document(
    document: Document,
    *,
    points: int = 1000,
    seed: int = 0,
    dtype: str = "float64",
    include_kinks: bool = False,
    progress: Progress | None = None,
) -> Run:
    """A user's claims (a document or claims file, read by `derive.claims_file.load`), in the
    reading of its notation that its forward equations settle; where they leave several open
    (`Document.alternatives`), in each, and a claim true in one and false in another depends on
    the convention. Scalar notes over a mini-batch (batch normalization) go to
    verify/scalar_check.py, matrix identities (the Matrix Cookbook's) to verify/model_check.py."""
    if document.scalar is not None:
        from verify.scalar_check import check_scalar

        return check_scalar(document, points=points, seed=seed, dtype=dtype)
    if document.model is not None:  # a model file: its own model and claims
        from verify.model_check import check_model

        return check_model(document, points=points, seed=seed, dtype=dtype)
    if document.matrix is not None:  # a page of matrix identities: each a model of its own
        from verify.model_check import check_identities

        return check_identities(document, points=points, seed=seed, dtype=dtype)

    def run(d: Document) -> Run:
        found = check(
            d.network,
            d.claims,
            points=points,
            seed=seed,
            dtype=dtype,
            include_kinks=include_kinks,
            progress=progress if d is document else None,  # the bar follows the reading shown
            source=d.source,
            forward_equations=d.forward,
            definitions=d.definitions,
            not_claims=d.skipped,
            code_reading=d.code,
        )
        return replace(
            found,
            reading=d.reading,
            basis=str(d.basis),
            sizes=str(d.sizes),
            conflicts=d.conflicts,
            unnamed_activations=d.unnamed_activations,
            loss_line=d.loss_line,
            penalty_line=d.penalty_line,
            l2_chosen=d.l2_chosen,
            batch_from_notes=d.batch_from_notes,
            symbols=tuple((x, r.kind, r.below_last) for x, r in d.notation.names),
        )

    primary = run(document)
    if not any(r.verdict in _WRONG for r in primary.claims):
        return primary
    from derive.claims_file import alternatives

    others = alternatives(document)
    return with_conventions(primary, [run(d) for d in others]) if others else primary


_WRONG = (Verdict.REFUTED, Verdict.SHAPE_ERROR)


def with_conventions(primary: Run, others: Sequence[Run]) -> Run:
    """`primary` where each claim wrong in it but proved in another reading the notes leave
    open is `CONVENTION`, with its verdict in every reading (a claim proved in the reading
    chosen stays proved: that reading is stated in the output)."""

    def key(r: ClaimResult) -> tuple:
        return (r.claim.line, r.claim.column, r.claim.written, r.claim.layer)

    alternatives = [{key(r): r for r in other.claims} for other in others]
    merged = []
    for result in primary.claims:
        seen = [(primary.reading, result.verdict)] + [
            (other.reading, found[key(result)].verdict)
            for other, found in zip(others, alternatives, strict=True)
            if key(result) in found
        ]
        if result.verdict in _WRONG and any(v == Verdict.PROVED for _, v in seen):
            result = replace(result, verdict=Verdict.CONVENTION, numberings=tuple(seen))
        merged.append(result)
    return replace(primary, claims=tuple(merged))
