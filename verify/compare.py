"""Compare the witnesses: forward passes first, then every entry of every gradient.

Each quantity is compared pairwise at every point under the one tolerance policy
(`verify/tolerance.py`). A disagreement is blamed on the witnesses that differ from the oracle,
`jax.grad` of the forward pass: it never sees a formula, so a wrong formula cannot move it.
Points placed exactly on a kink of the activation are compared apart: there the witnesses may
differ by their conventions for f' at the kink, which is reported, not failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np

from derive import Identity, Network, network_identities, prove
from verify import tolerance
from verify import witnesses as witness_registry
from verify.results import CheckResult, Disagreement, ForwardCheck, Kinks, VerifyRun, Witness
from verify.sampling import Points, sample
from verify.witnesses import WitnessFn, WitnessValues

ACCEPTED = ("proved", "skipped")  # symbolic statuses that let an identity pass
ORACLE = "jax"


def verify(
    network: Network,
    points: int = 1000,
    seed: int = 0,
    *,
    identities: Sequence[Identity] | None = None,
    witnesses: Sequence[WitnessFn] | None = None,
    include_kinks: bool = False,
) -> VerifyRun:
    """Prove and numerically check `identities` (default: the seed's, for every layer) with
    `witnesses` (default: sympy, numpy, jax)."""
    identities = tuple(identities or network_identities(network))
    witnesses = witnesses or witness_registry.DEFAULT_WITNESSES
    pts = sample(network, points, seed, include_kinks)
    ran = [w(network, pts, identities) for w in witnesses]
    values = [v for v in ran if v.skipped is None]
    results = tuple(check_identity(i, network, values, pts.at_kink) for i in identities)
    kinks = None
    if pts.at_kink.any():
        from verify.kinks import conventions

        worst = max((r.at_kinks or 0.0) for r in results)
        kinks = Kinks(
            int(pts.at_kink.sum()),
            conventions(network),
            worst,
            all((r.at_kinks or 0.0) <= tolerance.K * tolerance.EPS * 10 for r in results),
        )
    return VerifyRun(
        network=network,
        seed=seed,
        points=points,
        forward=check_forward(values),
        results=results,
        tolerance=tolerance.POLICY,
        first_point=first_point(pts),
        kinks=kinks,
        skipped={v.name: v.skipped for v in ran if v.skipped},
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


def _per_point(diff: np.ndarray) -> np.ndarray:
    """max |entry| at each point: (P, ...) → (P,)."""
    return np.abs(diff).reshape(diff.shape[0], -1).max(axis=1)


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


def check_forward(values: Sequence[WitnessValues]) -> ForwardCheck:
    """All witnesses must agree on `z_l`, `a_l` and `L` before gradients mean anything."""
    names = [v.name for v in values]
    worst = 0.0
    for quantity in values[0].forward:
        arrays = {v.name: _as_matrix(v.forward[quantity]) for v in values}
        reference = _reference(arrays)
        allowed = tolerance.allowed(reference)
        largest = max(float(_per_point(a - reference).max()) for a in arrays.values())
        worst = max(worst, largest)
        if blamed := _blamed(arrays, allowed):
            others = [n for n in names if n not in blamed]
            return ForwardCheck(
                False,
                worst,
                f"{quantity}: {', '.join(blamed)} disagree{'s' if len(blamed) == 1 else ''} with "
                f"{', '.join(others)} (max abs err {largest:.3g})",
            )
    return ForwardCheck(True, worst)


def check_identity(
    identity: Identity, network: Network, values: Sequence[WitnessValues], at_kink: np.ndarray | None = None
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
    reference = _reference(arrays)
    allowed = tolerance.allowed(reference)
    pair_errors = {f"{a}–{b}": _per_point(arrays[a] - arrays[b]) for a, b in combinations(names, 2)}
    at_kinks = None
    if not judged.all():
        at_kinks = max(float(e[~judged].max()) for e in pair_errors.values())
    worst_pair = max(pair_errors, key=lambda p: pair_errors[p][judged].max(initial=0.0))
    max_abs_err = float(pair_errors[worst_pair][judged].max(initial=0.0))
    agree = all((e[judged] <= allowed[judged]).all() for e in pair_errors.values())
    for n in names:
        per_witness[n] = Witness(
            n,
            float(np.abs(arrays[n] - reference)[judged].max(initial=0.0)),
            tuple(map(tuple, arrays[n][0].tolist())),
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
    )
