"""What `derivcheck check` found, passed from verify/ to reports/ (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass

from derive import Network, Proof
from derive.claims import Claim, ForwardEquation
from derive.slips import Slip

VERDICTS = ("proved", "refuted", "shape-error", "undecided", "unparsed")


@dataclass(frozen=True)
class NumericCheck:
    """The claim's two sides at `points` sample points (jax.grad for every true gradient)."""

    points: int
    disagreeing: int
    max_abs_err: float


@dataclass(frozen=True)
class Counterexample:
    """A sample point where the two sides differ: the inputs, and for each differing entry
    (1-based) the claimed (right side) and true (left side) values by SymPy (50 digits,
    None beyond the symbolic budget) and by JAX."""

    point: int
    inputs: dict[str, list]
    entries: tuple[tuple[int, int], ...]
    claimed_sympy: tuple[str | None, ...]
    true_sympy: tuple[str | None, ...]
    claimed_jax: tuple[float, ...]
    true_jax: tuple[float, ...]


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    verdict: str
    evidence: str
    scope: str | None = None  # for a proof: what it covers
    diagnosis: str | None = None
    slip: Slip | None = None  # the slip the diagnosis names
    generic: Proof | None = None
    concrete: Proof | None = None
    numeric: NumericCheck | None = None
    counterexample: Counterexample | None = None


@dataclass(frozen=True)
class ForwardResult:
    """A forward equation of the document: "consistent", "inconsistent" or "not read"."""

    equation: ForwardEquation
    status: str
    message: str


@dataclass(frozen=True)
class CheckRun:
    source: str
    network: Network
    claims: tuple[ClaimResult, ...]
    forward: tuple[ForwardResult, ...]
    points: int
    seed: int
    skipped: tuple[tuple[int, str], ...] = ()  # equations with ∂, ∇ or δ that are not claims

    @property
    def passed(self) -> bool:
        return all(r.verdict == "proved" for r in self.claims) and not any(
            f.status == "inconsistent" for f in self.forward
        )

    @property
    def exit_code(self) -> int:
        """0 all proved, 2 a claim could not be read, 1 otherwise (a finding)."""
        if any(r.verdict == "unparsed" for r in self.claims):
            return 2
        return 0 if self.passed else 1
