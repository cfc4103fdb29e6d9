"""Frozen results `verify/` hands to `reports/`: one `CheckResult` per identity, one `VerifyRun`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from derive import Network, Proof

WITNESSES = ("sympy", "numpy", "jax")


@dataclass(frozen=True)
class Disagreement:
    """The worst disagreeing entry: at which point, which entry, and each witness's value."""

    point: int
    entry: tuple[int, int]  # 1-based (row, col)
    values: dict[str, float]
    blamed: tuple[str, ...]  # the witnesses that differ from the oracle (jax)


@dataclass(frozen=True)
class Witness:
    """One witness's numbers for one gradient: its largest difference from the oracle (jax)
    over all points and entries, and its values at point 0."""

    name: str
    err_vs_oracle: float
    sample: tuple[tuple[float, ...], ...] | None  # point 0, as rows; None when it failed
    error: str | None = None  # why the witness gave no values (e.g. a shape error)
    skipped: str | None = None  # why the witness did not run (beyond the symbolic budget)
    # against the high-precision reference, over its points (None without a reference)
    max_abs_vs_ref: float | None = None
    max_rel_vs_ref: float | None = None
    max_ulp: float | None = None  # in ULPs of the run's dtype at the true value
    ulp_per_entry: tuple[tuple[float, ...], ...] | None = None  # the largest, entry by entry
    abs_per_entry: tuple[tuple[float, ...], ...] | None = None  # the largest, entry by entry
    rel_per_entry: tuple[tuple[float, ...], ...] | None = None  # the largest, entry by entry
    budget_used: float | None = None  # largest error against the truth as a fraction of one budget


@dataclass(frozen=True, eq=False)
class CheckResult:
    """Everything known about one identity."""

    identity: str
    proof: Proof  # concrete activation and loss
    generic_proof: Proof  # generic f and ℓ
    max_abs_err: float  # over all witness pairs, points and entries
    per_witness: dict[str, Witness]
    points: int
    passed: bool
    counterexample: Disagreement | None = None
    pair_errors: dict[str, np.ndarray] = field(default_factory=dict)  # "numpy–jax": (P,)
    allowed: np.ndarray | None = None  # the tolerance at each point, (P,)
    at_kinks: float | None = None  # largest difference between witnesses at kink points, if any
    worst_ratio: float = 0.0  # the largest pair difference as a fraction of the tolerance there
    ulps: dict[str, np.ndarray] = field(default_factory=dict)  # witness → ULPs vs reference, flat


@dataclass(frozen=True)
class ForwardCheck:
    """Do the witnesses' forward passes agree? Checked before any gradient."""

    passed: bool
    max_abs_err: float
    mismatch: str | None = None  # e.g. "a1: numpy disagrees with sympy, jax (max abs err 0.1)"


@dataclass(frozen=True)
class Kinks:
    """Points placed exactly on a kink of the activation, and how the witnesses treat them."""

    points: int
    conventions: dict[str, str]  # witness → "f'(0) = 1/2"
    max_abs_err: float  # largest difference between witnesses at those points
    agree: bool  # whether they agree even there


@dataclass(frozen=True)
class ReferenceInfo:
    """The high-precision reference: at least `digits` digits on the first `points` points,
    evaluated with `library` ("arb": ball arithmetic with rigorous bounds; "mpmath")."""

    digits: int
    points: int
    skipped: str | None = None  # why there is none (beyond the symbolic budget)
    seconds: float = 0.0
    library: str = "arb"


@dataclass(frozen=True, eq=False)
class VerifyRun:
    network: Network
    seed: int
    points: int
    forward: ForwardCheck
    results: tuple[CheckResult, ...]
    tolerance: str  # the policy, as text
    first_point: dict[str, np.ndarray] = field(default_factory=dict)  # "z1", "W1", "b1", "y" at point 0
    kinks: Kinks | None = None  # present when points were placed on kinks
    skipped: dict[str, str] = field(default_factory=dict)  # witness → why it did not run
    dtype: str = "float64"
    reference: ReferenceInfo | None = None
    chunks: int = 1  # how many chunks the points were drawn and checked in

    @property
    def passed(self) -> bool:
        return self.forward.passed and all(r.passed for r in self.results)
