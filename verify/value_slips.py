"""The likely slip of a wrong gradient, found from values alone: which simple rewrite of the
true gradient `T` the claimed one `C` equals at every point.

No SymPy and no model is needed, so this names the slips of any code under test (a user's
backward): `C = s·T` or `C = s·Tᵀ` for a factor `s` in {−1, 2, ½, −2, −½, B, 1/B} (a sign, a
factor 2 from a squared loss's ½, a missing or extra 1/B of a mean over the batch), `C = Tᵀ`,
and `C = 0`. A rewrite counts only where it differs from `T` itself at some point (a symmetric
`T` cannot show a transpose) and matches `C` within the error budget at every point.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from verify import tolerance


class ValueSlip(StrEnum):
    """A rewrite of the true gradient `T` (reports/ words each)."""

    TRANSPOSED = "transposed"  # C = Tᵀ
    SIGN = "sign"  # C = −T
    TIMES_2 = "times 2"  # C = 2T: a ½ dropped (squared loss) or a term counted twice
    HALF = "half"  # C = T/2
    MISSING_MEAN = "missing 1/B"  # C = B·T: the mean's 1/B left out
    EXTRA_MEAN = "extra 1/B"  # C = T/B: 1/B taken twice, or for a sum
    ZERO = "zero"  # C = 0


@dataclass(frozen=True)
class FoundSlip:
    """`claimed = factor · (Tᵀ if transposed else T)`, named by `kinds` (one or two)."""

    kinds: tuple[ValueSlip, ...]
    factor: float
    transposed: bool


_FACTORS: tuple[tuple[float, tuple[ValueSlip, ...]], ...] = (
    (1.0, ()),
    (-1.0, (ValueSlip.SIGN,)),
    (2.0, (ValueSlip.TIMES_2,)),
    (0.5, (ValueSlip.HALF,)),
    (-2.0, (ValueSlip.SIGN, ValueSlip.TIMES_2)),
    (-0.5, (ValueSlip.SIGN, ValueSlip.HALF)),
)


def _candidates(batches: tuple[int, ...]) -> list[tuple[float, tuple[ValueSlip, ...]]]:
    found = list(_FACTORS)
    for batch in dict.fromkeys(b for b in batches if b > 1):
        found += [(float(batch), (ValueSlip.MISSING_MEAN,)), (1.0 / batch, (ValueSlip.EXTRA_MEAN,))]
    return found


def find_slip(
    claimed: np.ndarray,
    truth: np.ndarray,
    *,
    batch: int | tuple[int, ...] = 1,
    n: int = 1,
    dtype: str = "float64",
) -> FoundSlip | None:
    """The simplest rewrite of `truth` that `claimed` equals at every point, or None.

    `claimed`, `truth`: (P, rows, cols) — `claimed` may be (P, cols, rows), which only a
    transpose can match. `batch`: B of a mean over the batch (1/B candidates where B > 1), or
    the sizes that may be the batch (a user's model: x's first and last axes); `n`:
    the error budget's term count (`verify/tolerance.py`). Points with a non-finite value are
    left out; with none left, None."""
    ok = np.isfinite(claimed).reshape(len(claimed), -1).all(axis=1)
    ok &= np.isfinite(truth).reshape(len(truth), -1).all(axis=1)
    if not ok.any():
        return None
    claimed, truth = claimed[ok], truth[ok]
    # a rewrite may scale the truth by up to B: the budget grows with it
    batches = (batch,) if isinstance(batch, int) else batch
    allowed = 2.0 * max(*batches, 2) * tolerance.allowed(truth, n, dtype)

    def matches(candidate: np.ndarray) -> bool:
        if candidate.shape != claimed.shape:
            return False
        return bool((tolerance.max_abs_per_point(claimed - candidate) <= allowed).all())

    def differs(candidate: np.ndarray) -> bool:  # the rewrite is visible at some point
        return candidate.shape != truth.shape or not bool(
            (tolerance.max_abs_per_point(candidate - truth) <= allowed).all()
        )

    if matches(np.zeros_like(truth)) and differs(np.zeros_like(truth)):
        return FoundSlip((ValueSlip.ZERO,), 0.0, False)
    transposed = np.swapaxes(truth, -1, -2)
    for flip in (False, True):
        base = transposed if flip else truth
        for factor, kinds in _candidates(batches):
            if not flip and factor == 1.0:
                continue  # the truth itself
            candidate = factor * base
            if differs(candidate) and matches(candidate):
                return FoundSlip(((ValueSlip.TRANSPOSED,) if flip else ()) + kinds, factor, flip)
    return None
