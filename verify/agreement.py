"""Compare witnesses: forward passes first, then every entry of a quantity at every point.

Every comparison uses the one tolerance policy (`verify/tolerance.py`). A disagreement is
blamed on the witnesses that differ from the oracle, `jax.grad` of the forward pass: it never
sees a formula, so a wrong formula cannot move it. Points placed exactly on a kink of the
activation are compared apart: there the witnesses may differ by their conventions for f' at
the kink, which is reported, not failed.

Two fast paths keep a sweep quick; both are pinned to the full comparison by differential
tests (tests/test_error_budget.py): where every difference is within the least tolerance of
any point, all points agree without computing per-point scales.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from itertools import combinations

import numpy as np

from verify import reference as high_precision
from verify import tolerance
from verify.results import ORACLE, Agreement, Disagreement, ForwardAgreement, WitnessErrors

_per_point = tolerance.max_abs_per_point  # max |entry| at each point: (P, ...) → (P,)
_floor = cache(tolerance.allowed_floor)  # a dozen NumPy calls, once per (n, dtype) instead of per slice


def _as_matrix(x: np.ndarray) -> np.ndarray:
    return x.reshape(x.shape[0], 1, 1) if x.ndim == 1 else x


# numbers of a difference computed at once: 256 KiB of float64, which stays in a core's L2
# cache while it is reduced (a whole slice's 1.5 MiB difference did not: 1.15 ns a number
# subtracted and reduced, against 0.81 in blocks)
_BLOCK = 1 << 15
_scratch = threading.local()  # each thread's reused buffer for differences


def _buffer(size: int) -> np.ndarray:
    buffer = getattr(_scratch, "buffer", None)
    if buffer is None or buffer.size < size:
        buffer = _scratch.buffer = np.empty(max(size, _BLOCK), dtype=np.float64)
    return buffer[:size]


def _largest_abs(a: np.ndarray, b: np.ndarray) -> float:
    """max |a − b| over every entry of every point (NaN if there is a NaN), in float64: the
    difference taken a block of points at a time into a reused buffer, and two read-only
    reductions of it (its max and min) instead of an absolute value and a third pass."""
    if a.shape != b.shape or a.ndim == 0 or a.size == 0:
        d = np.subtract(a, b, dtype=np.float64)
        top, bottom = float(d.max()), float(d.min())
        return top if top >= -bottom else -bottom if top < -bottom else float("nan")
    count = a.shape[0]
    step = max(1, _BLOCK // max(1, a.size // count))  # points a block
    top, bottom = -np.inf, np.inf
    for start in range(0, count, step):
        x, y = a[start : start + step], b[start : start + step]
        d = np.subtract(x, y, dtype=np.float64, out=_buffer(x.size).reshape(x.shape))
        high, low = float(d.max()), float(d.min())
        if high != high:  # a NaN: the min is NaN too
            return float("nan")
        top, bottom = max(top, high), min(bottom, low)
    return top if top >= -bottom else -bottom


def _truth(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """The oracle's values; if it gave none, the entrywise median of the others."""
    if ORACLE in arrays:
        return arrays[ORACLE]
    return np.median(np.stack(list(arrays.values())), axis=0)


def finite(x: np.ndarray) -> np.ndarray:
    """Per point: every entry is finite (NaN and ±inf are never agreement)."""
    return np.asarray(np.isfinite(x).reshape(x.shape[0], -1).all(axis=1))


def quick(arrays: dict[str, np.ndarray], n: int, dtype: str) -> Agreement | None:
    """The agreement of one slice without its details, or None when it needs `compare` (a
    disagreement, a NaN, an oracle entry above 1 in size, fewer than two witnesses).

    Where every |oracle entry| is at most 1 (the common case), the tolerance is the same at
    every point, `tolerance.allowed_floor`; any magnitude scale is at least 1, so a difference
    within it passes at every point and the worst ratio is the largest difference over it."""
    if len(arrays) < 2 or ORACLE not in arrays:
        return None
    oracle = arrays[ORACLE]
    if not (float(oracle.max()) <= 1.0 and float(oracle.min()) >= -1.0):  # also False on NaN
        return None
    pairs = {(a, b): _largest_abs(arrays[a], arrays[b]) for a, b in combinations(arrays, 2)}
    largest = max(pairs.values())
    ratio = largest / _floor(n, dtype)
    if not (ratio <= 1.0 and all(d == d for d in pairs.values())):  # NaN: the full check says
        return None
    errors = {ORACLE: 0.0}
    for (a, b), d in pairs.items():
        if ORACLE in (a, b):
            errors[a if b == ORACLE else b] = d
    count = oracle.shape[0]
    witnesses = {name: WitnessErrors(name, errors.get(name, 0.0), None) for name in arrays}
    return Agreement(count, count, 0, largest, ratio, witnesses)


def compare(
    arrays: dict[str, np.ndarray],
    n: int,
    dtype: str,
    *,
    magnitude: np.ndarray | None = None,
    at_kink: np.ndarray | None = None,
    failures: dict[str, str] | None = None,
    ref: high_precision.Reference | None = None,
    target: tuple[str, int] | None = None,
    keep_arrays: bool = True,
) -> Agreement:
    """Every pair of witnesses at every point, entry by entry, under `tolerance.allowed`.

    `arrays` are (P, rows, cols) by witness name; `magnitude` the entries' Σ|terms| (the scale
    rounding errors grow with; default the oracle's own values). Points `at_kink` are reported
    apart. With `ref`, each witness is also measured against the 50-digit truth of `target`."""
    failures = failures or {}
    witnesses = {name: WitnessErrors(name, float("nan"), None, why) for name, why in failures.items()}
    names = list(arrays)
    count = next(iter(arrays.values())).shape[0] if arrays else 0
    if len(arrays) < 2:
        return Agreement(count, 0, 0, float("nan"), float("nan"), witnesses)
    truth = _truth(arrays)
    scale_from = truth if magnitude is None else magnitude
    allowed = tolerance.allowed(scale_from, n, dtype)
    ok = np.ones(count, dtype=bool)  # points where every value is finite: the ones compared
    for a in (*arrays.values(), scale_from):
        ok &= finite(a)
    judged = ok if at_kink is None else ok & ~at_kink
    everywhere = bool(judged.all())  # no kink, no NaN: skip the masks (copies) below

    def on(x: np.ndarray) -> np.ndarray:
        return x if everywhere else x[judged]

    pair_errors = {
        f"{a}–{b}": _per_point(np.subtract(arrays[a], arrays[b], dtype=np.float64))
        for a, b in combinations(names, 2)
    }
    at_kinks = None
    if at_kink is not None and at_kink.any():
        at_kinks = max(float(e[at_kink & ok].max(initial=0.0)) for e in pair_errors.values())
    worst_pair = max(pair_errors, key=lambda p: on(pair_errors[p]).max(initial=0.0))
    max_abs_err = float(on(pair_errors[worst_pair]).max(initial=0.0))
    ratios = [np.where(judged, e / allowed, 0.0) for e in pair_errors.values()]
    worst_ratio = max(float(r.max(initial=0.0)) for r in ratios)
    differs = np.zeros(count, dtype=bool)
    for r in ratios:
        differs |= r > 1.0
    ulps = {}
    for name in names:
        vs_ref = {}
        if ref is not None and target is not None:
            vs_ref, ulps[name] = _against_reference(arrays[name], ref, target, n, dtype, judged)
        vs_oracle = pair_errors.get(f"{name}–{ORACLE}")
        if vs_oracle is None:  # the oracle itself, or no oracle: against the truth's values
            vs_oracle = _per_point(np.subtract(arrays[name], truth, dtype=np.float64))
        witnesses[name] = WitnessErrors(
            name, float(on(vs_oracle).max(initial=0.0)), tuple(map(tuple, arrays[name][0].tolist())), **vs_ref
        )
    disagreement = None
    if differs.any():
        ratio = np.where(judged, pair_errors[worst_pair] / allowed, -np.inf)
        point = int(np.argmax(ratio))
        stack = np.stack([arrays[name][point] for name in names])
        spread = stack.max(axis=0) - stack.min(axis=0)
        row, col = np.unravel_index(int(np.argmax(spread)), spread.shape)
        blamed = tuple(
            name
            for name, a in arrays.items()
            if name != ORACLE and (on(_per_point(a - truth)) > on(allowed)).any()
        )
        disagreement = Disagreement(
            point,
            (int(row) + 1, int(col) + 1),
            {name: float(arrays[name][point, row, col]) for name in names},
            blamed,
        )
    return Agreement(
        count,
        int(ok.sum()),
        int(differs.sum()),
        max_abs_err,
        worst_ratio,
        witnesses,
        disagreement,
        at_kinks,
        pair_errors if keep_arrays else {},
        allowed if keep_arrays else None,
        ulps,
    )


def _against_reference(x, ref, target, n, dtype, judged):
    absolute, relative, ulp = high_precision.errors(x, ref, target, dtype)
    ok = judged[: ref.points]
    one_budget = tolerance.budget(ref.hi[target], n, dtype)
    return {
        "budget_used": float((_per_point(absolute) / one_budget)[ok].max(initial=0.0)),
        "max_abs_vs_ref": float(absolute[ok].max(initial=0.0)),
        "max_rel_vs_ref": float(relative[ok].max(initial=0.0)),
        "max_ulp": float(ulp[ok].max(initial=0.0)),
        "ulp_per_entry": tuple(map(tuple, ulp[ok].max(axis=0, initial=0.0).tolist())),
        "abs_per_entry": tuple(map(tuple, absolute[ok].max(axis=0, initial=0.0).tolist())),
        "rel_per_entry": tuple(map(tuple, relative[ok].max(axis=0, initial=0.0).tolist())),
    }, ulp[ok].ravel()


def merge(chunked: Sequence[Agreement], starts: Sequence[int]) -> Agreement:
    """One quantity's agreement over all chunks (chunk k starts at point `starts[k]`): per-point
    arrays and values at point 0 from the first chunk, maxima and counts over every chunk, the
    disagreement of the first chunk that has one (its point numbered within the whole run),
    blaming every witness that differs from the oracle in any chunk."""
    head = chunked[0]
    if len(chunked) == 1:
        return head
    witnesses = {
        name: replace(w, vs_oracle=max(c.witnesses[name].vs_oracle for c in chunked if name in c.witnesses))
        for name, w in head.witnesses.items()
    }
    disagreement = None
    for c, start in zip(chunked, starts, strict=True):
        if c.disagreement is not None:
            disagreement = replace(c.disagreement, point=c.disagreement.point + start)
            break
    if disagreement is not None:  # blamed: every witness that differs anywhere, in any chunk
        blamed = {name for c in chunked if c.disagreement is not None for name in c.disagreement.blamed}
        disagreement = replace(disagreement, blamed=tuple(n for n in disagreement.values if n in blamed))
    kinks = [c.at_kinks for c in chunked if c.at_kinks is not None]
    return replace(
        head,
        points=sum(c.points for c in chunked),
        compared=sum(c.compared for c in chunked),
        disagreeing=sum(c.disagreeing for c in chunked),
        max_abs_err=max(c.max_abs_err for c in chunked),
        worst_ratio=max(c.worst_ratio for c in chunked),
        witnesses=witnesses,
        disagreement=disagreement,
        at_kinks=max(kinks) if kinks else None,
    )


def forward(values: dict[str, dict[str, np.ndarray]], n: int, dtype: str) -> ForwardAgreement:
    """All witnesses must agree on `z_l`, `a_l` and `L` before gradients mean anything.

    When every difference from the oracle is within the least tolerance of any point, all
    points pass and the worst is that largest difference: two reductions a quantity and
    witness; otherwise the tolerance is computed point by point."""
    floor = _floor(n, dtype)
    names = list(values)
    worst = 0.0
    quantities = [q for q in values[names[0]] if all(q in v for v in values.values())]
    for quantity in quantities:
        truth = _truth({w: values[w][quantity] for w in names})
        for w in names:
            if values[w][quantity] is not truth:
                largest = _largest_abs(values[w][quantity], truth)
                if not largest <= floor:  # NaN too
                    return _forward_per_point(values, quantities, n, dtype)
                worst = max(worst, largest)
    return ForwardAgreement(True, worst)


def _forward_per_point(values, quantities, n: int, dtype: str) -> ForwardAgreement:
    """`forward` with each point's own tolerance, naming the first quantity that fails."""
    names = list(values)
    worst = 0.0
    for quantity in quantities:
        arrays = {w: _as_matrix(values[w][quantity]) for w in names}
        truth = _truth(arrays)
        allowed = tolerance.allowed(truth, n, dtype)
        errors = {
            w: _per_point(np.subtract(a, truth, dtype=np.float64))
            for w, a in arrays.items()
            if a is not truth
        }
        largest = max((float(e.max()) for e in errors.values()), default=0.0)
        worst = max(worst, largest)
        if blamed := tuple(w for w, e in errors.items() if not (e <= allowed).all()):
            others = tuple(w for w in names if w not in blamed)
            return ForwardAgreement(False, worst, quantity, blamed, others, largest)
    return ForwardAgreement(True, worst)


def merge_forward(checks: Sequence[ForwardAgreement]) -> ForwardAgreement:
    failed = next((f for f in checks if not f.agree), None)
    return failed or ForwardAgreement(True, max(f.max_abs_err for f in checks))
