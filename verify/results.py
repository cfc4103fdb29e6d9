"""What a run found, as data: `verify/` hands these frozen records to `reports/`, which alone
turns them into sentences (in English or Korean). No prose is built here.

One `Run` holds every claim's `ClaimResult` — built-in (the seed's identities) or a user's —
the agreement of the witnesses' forward passes, and, for `derivcheck verify`, the result of the
implementation under test (the hand-written NumPy backward) against `jax.grad`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import numpy as np

from derive import Network, Proof
from derive.budget import Budget
from derive.claims import Claim, ForwardEquation
from derive.course import CodeReading
from derive.declarations import SizeConflict
from derive.formula import Formula
from derive.model_ir import Model
from derive.reading import SEED, Reading
from derive.slips import Slip

Dtype = Literal["float64", "float32"]
ORACLE = "jax"
# the witnesses of a claim: its right side by SymPy and by NumPy, its left side by jax.grad
WITNESSES = ("sympy", "numpy", ORACLE)


# reports/ registers its text renderers here (reports/api.py, on import), so `str(run)` and a
# notebook show the terminal summary while verify imports nothing from reports
TEXT: dict[type, Callable[[Any], str]] = {}


class Shown:
    """`str(x)` is the terminal summary and a notebook shows it, once reports/ is loaded."""

    def __str__(self) -> str:
        render = TEXT.get(type(self))
        return render(self) if render is not None else object.__repr__(self)

    def _repr_markdown_(self) -> str:
        return "```text\n" + str(self).rstrip("\n") + "\n```\n"


class Verdict(StrEnum):
    """The verdict on one claim (DESIGN §5)."""

    PROVED = "proved"  # SymPy proves it and every witness agrees at every point
    REFUTED = "refuted"  # SymPy refutes it, or ≥ 2 points differ and SymPy's 50 digits agree
    SHAPE_ERROR = "shape-error"  # a side does not fit, or the two sides differ in shape
    CONVENTION = "depends on convention"  # true under one reading of the notes, not another
    UNDECIDED = "undecided"  # the witnesses do not settle it together (see `Reason`)
    UNPARSED = "unparsed"  # the claim could not be read


class Reason(StrEnum):
    """Why a claim got its verdict, where the verdict alone does not say."""

    NONE = ""
    SIZE = "size"  # beyond SymPy's budget: only the numbers speak
    TIME = "time limit"  # SymPy did not finish in time
    WITNESSES_DISAGREE = "witnesses disagree"  # SymPy proves it, a numeric witness differs
    KINK_CONVENTION = "kink convention"  # holds only up to f' at a kink
    ONE_POINT = "one point"  # one point differs: not enough to refute
    NOT_COMPARED = "not compared"  # no point had finite values
    UNAVAILABLE = "unavailable"  # a quantity the oracle does not compute (∂L/∂a_L)
    SAMPLED = "sampled"  # SymPy could neither prove nor refute; the numbers agree


class BatchReading(StrEnum):
    """What a per-example name means over a mini-batch, where the notes leave it open."""

    PER_EXAMPLE = "per-example"  # the course's dZ_l = B ∂J/∂Z_l (our Δ_l), no 1/B
    MEAN_GRADIENT = "gradient of the mean"  # ∂J/∂Z_l of J = (1/B) Σ_b ℓ_b


@dataclass(frozen=True)
class Readings:
    """The readings of a `Verdict.CONVENTION` claim: it holds under `holds` and fails under
    `fails`, where it is `slip` (e.g. missing 1/B)."""

    holds: BatchReading
    fails: BatchReading
    slip: Slip | None = None


class ForwardStatus(StrEnum):
    """A forward equation of the notes against the network's forward pass."""

    CONSISTENT = "consistent"
    INCONSISTENT = "inconsistent"
    NOT_READ = "not read"


@dataclass(frozen=True)
class Disagreement:
    """The worst disagreeing entry between the witnesses: point, entry (1-based), each witness's
    value there, and the witnesses that differ from the oracle (`jax.grad`)."""

    point: int
    entry: tuple[int, int]
    values: dict[str, float]
    blamed: tuple[str, ...]


@dataclass(frozen=True)
class WitnessErrors:
    """One witness on one quantity: its largest |difference| from the oracle over every point
    and entry, its values at point 0, and — where the 50-digit reference ran — its errors
    against the truth."""

    name: str
    vs_oracle: float
    sample: tuple[tuple[float, ...], ...] | None  # point 0, as rows
    failure: str | None = None  # why it gave no values (a shape error, an exception's text)
    max_abs_vs_ref: float | None = None
    max_rel_vs_ref: float | None = None
    max_ulp: float | None = None  # in ULPs of the run's dtype at the true value
    ulp_per_entry: tuple[tuple[float, ...], ...] | None = None
    abs_per_entry: tuple[tuple[float, ...], ...] | None = None
    rel_per_entry: tuple[tuple[float, ...], ...] | None = None
    budget_used: float | None = None  # largest error against the truth / one witness's budget


@dataclass(frozen=True, eq=False)
class Agreement:
    """The witnesses of one quantity compared at every sample point under the error budget.

    `points` were drawn, `compared` of them had finite values; `disagreeing` points differ
    beyond the tolerance. `worst_ratio` is the largest difference over the tolerance there.
    `pair_errors` / `allowed` are per-point arrays of the first chunk (for the figure)."""

    points: int
    compared: int
    disagreeing: int
    max_abs_err: float
    worst_ratio: float
    witnesses: dict[str, WitnessErrors]
    disagreement: Disagreement | None = None
    at_kinks: float | None = None  # largest difference at kink points (reported, not failed)
    pair_errors: dict[str, np.ndarray] = field(default_factory=dict)  # "numpy–jax": (P,)
    allowed: np.ndarray | None = None  # the tolerance at each point, (P,)
    ulps: dict[str, np.ndarray] = field(default_factory=dict)  # witness → ULPs vs reference

    @property
    def agree(self) -> bool:
        return self.compared > 0 and self.disagreeing == 0


@dataclass(frozen=True)
class Counterexample:
    """A sample point where the sides of a claim differ: its inputs, and for each differing
    entry (1-based) the claimed (right side) and true (left side) values by SymPy at 50 digits
    (None beyond the symbolic budget) and by JAX."""

    point: int
    inputs: dict[str, list]
    entries: tuple[tuple[int, int], ...]
    claimed_sympy: tuple[str | None, ...]
    true_sympy: tuple[str | None, ...]
    claimed_jax: tuple[float, ...]
    true_jax: tuple[float, ...]
    # why SymPy's values are missing: beyond the budget (SIZE) or past the time limit (TIME)
    sympy_limit: Reason = Reason.NONE


@dataclass(frozen=True, eq=False)
class ClaimResult:
    """Everything known about one claim: the verdict, the two proofs (generic f, ℓ and the
    network's own functions), the numeric agreement, and for a wrong claim its slip."""

    claim: Claim
    verdict: Verdict
    reason: Reason = Reason.NONE
    generic: Proof | None = None
    concrete: Proof | None = None
    agreement: Agreement | None = None
    slip: Slip | None = None
    counterexample: Counterexample | None = None
    shape_problem: str | None = None  # where the shapes break (ShapeMismatch's text)
    shape_node: Formula | None = None  # the subexpression where they break (rendered by reports)
    readings: Readings | None = None  # Verdict.CONVENTION: under which reading it holds, fails
    numberings: tuple[tuple[Reading, Verdict], ...] = ()  # CONVENTION: the verdict per layer numbering

    @property
    def proved_for_every_f(self) -> bool:
        return self.generic is not None and self.generic.status == "proved"


@dataclass(frozen=True)
class ForwardResult:
    """A forward equation of the notes (`z_2 = W_1 a_1 + b_1`) against the network."""

    equation: ForwardEquation
    status: ForwardStatus
    method: str = ""  # what settled it (a proof method), when consistent
    generic: bool = False  # consistent for every f (else for the network's own)
    per_example: bool = False  # holds per example (one column of a mini-batch)
    without_bias: bool = False  # holds with the network's bias b_l = 0 (the notes write none)
    problem: str = ""  # why not read / why inconsistent (a parser's or binder's message)


@dataclass(frozen=True)
class ForwardAgreement:
    """Do the witnesses' forward passes agree? Checked before any gradient: when one witness
    disagrees on `quantity`, that witness is `blamed`."""

    agree: bool
    max_abs_err: float
    quantity: str | None = None
    blamed: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    largest: float = 0.0


@dataclass(frozen=True)
class Implementation:
    """The implementation under test (the hand-written NumPy backward, or a user's function)
    against `jax.grad`, variable by variable, its forward pass first."""

    name: str
    forward: ForwardAgreement
    gradients: dict[str, Agreement]  # "dL/dW1" → NumPy vs jax.grad
    failures: dict[str, str] = field(default_factory=dict)  # "dL/dW1" → why it gave none

    @property
    def agree(self) -> bool:
        return self.forward.agree and not self.failures and all(a.agree for a in self.gradients.values())


@dataclass(frozen=True)
class Kinks:
    """Points placed exactly on a kink of the activation, and each witness's f' there."""

    points: int
    conventions: dict[str, str]  # witness → "f'(0) = 1/2"
    max_abs_err: float
    agree: bool


@dataclass(frozen=True)
class ReferenceInfo:
    """The 50-digit reference: `digits` digits on the first `points` points, by `library`.
    `points == 0`: none, because of `budget` (beyond SymPy's) or because no claim's left
    side is a true gradient (`Reason.UNAVAILABLE`)."""

    digits: int
    points: int
    reason: Reason = Reason.NONE
    budget: Budget | None = None
    seconds: float = 0.0
    library: str = "arb"

    @property
    def skipped(self) -> Reason | None:
        """Why there is no reference, or None."""
        return self.reason or None


class Draw(StrEnum):
    """How a model file's given tensor is drawn at the sample points (verify/model_check.py)."""

    NORMAL = "standard normal"
    POSITIVE = "positive"  # exp(N(0, 1) / 2): under log or sqrt, or declared positive
    ONE_HOT = "one-hot"  # a random class per column
    # I + 0.5 N / n: a square tensor under det, ln|det| or an inverse, well conditioned, so its
    # inverse is O(1) and no witness's rounding is amplified
    CONDITIONED = "near the identity"


@dataclass(frozen=True)
class ModelRun:
    """A model file's model as checked: its tensors and equations, and how each given tensor was
    drawn (name → `Draw`, in the model's order)."""

    model: Model
    drawn: tuple[tuple[str, Draw], ...]
    notes_lines: tuple[int, ...] = ()  # read from the notes' forward equations on these lines
    examples: int | None = None  # the notes' m (1/m, 1/(2m)), the number of examples
    model_file: str | None = None  # the model file the document's claims are about (--model)


@dataclass(frozen=True)
class Settings:
    """How the run sampled and compared: the same for every claim."""

    points: int
    seed: int
    dtype: Dtype = "float64"
    include_kinks: bool = False
    chunks: int = 1


@dataclass(frozen=True, eq=False)
class Run(Shown):
    """One run of the one pipeline: the claims of `source` (None: the built-in identities)
    about `network`, checked under `settings`."""

    network: Network
    source: str | None
    settings: Settings
    claims: tuple[ClaimResult, ...]
    forward: ForwardAgreement
    reference: ReferenceInfo
    implementation: Implementation | None = None
    kinks: Kinks | None = None
    # scalar notes (verify/scalar_check.py): their graph's (inputs, parameters, quantities), as
    # written; the network above is then unused
    scalar: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None = None
    # a page of matrix identities (verify/model_check.py's `check_identities`): each claim about its
    # own objective, a model of its own
    matrix: bool = False
    model: ModelRun | None = None  # a model file (verify/model_check.py): its model; network unused
    forward_equations: tuple[ForwardResult, ...] = ()
    definitions: tuple[Claim, ...] = ()  # δ_l = ∂L/∂z_l: definitions, not claims
    not_claims: tuple[tuple[int, str], ...] = ()  # equations with ∂, ∇ or δ that are not claims
    sympy_skipped: Reason = Reason.NONE  # SIZE (see `budget`) or TIME: no SymPy witness
    budget: Budget | None = None  # the whole network with its own functions, beyond SymPy's
    first_point: dict[str, np.ndarray] = field(default_factory=dict)  # inputs at point 0
    reading: Reading = SEED  # how the document numbers its layers (derive/reading.py)
    basis: str = ""  # why that reading (derive.notes.Basis); "" for the built-in identities
    sizes: str = "given"  # where the widths come from (derive.notes.SizesFrom)
    conflicts: tuple[SizeConflict, ...] = ()  # the notes' declarations against the given sizes
    unnamed_activations: tuple[int, ...] = ()  # layers whose f_l the notes do not name (a neighbour's)
    loss_line: int | None = None  # the document's line that defines the loss (a squared error)
    penalty_line: int | None = None  # the document's line that adds an L2 penalty to the loss
    l2_chosen: bool = False  # the document leaves the penalty's λ a symbol: derive.claims_file.NOTES_L2
    batch_from_notes: bool = False  # the notes write a mini-batch and --batch was not given
    # the notes' own letters (derive/roles.py): (letter, role: a, z, output or f, L − n or None)
    symbols: tuple[tuple[str, str, int | None], ...] = ()
    code: CodeReading | None = None  # how a claims file was read (layout, layer numbers)

    @property
    def skipped_witnesses(self) -> dict[str, Reason]:
        """Witness → why it did not run (`Run.budget` says how far beyond SymPy's budget)."""
        return {"sympy": self.sympy_skipped} if self.sympy_skipped else {}

    @property
    def agreeing(self) -> tuple[ClaimResult, ...]:
        """The claims whose witnesses agree: their differences measure precision (a refuted
        claim's differ by the slip, SymPy and NumPy evaluating it and jax.grad the truth)."""
        return tuple(r for r in self.claims if r.agreement is not None and r.agreement.agree)

    @property
    def first_wrong(self) -> ClaimResult | None:
        """Where a derivation goes wrong: the first claim in the notes' order that is refuted or
        a shape error (the lines before it hold), when the run has claims before it."""
        wrong = [r for r in self.claims if r.verdict in (Verdict.REFUTED, Verdict.SHAPE_ERROR)]
        first = min(wrong, key=lambda r: (r.claim.line, r.claim.column), default=None)
        return first if first is not None and len(self.claims) > 1 else None

    @property
    def passed(self) -> bool:
        """Every claim proved (or beyond SymPy's budget with every witness agreeing), the
        forward passes agree, the document's forward equations hold and the implementation
        agrees with jax.grad."""
        return (
            self.forward.agree
            and all(_acceptable(r) for r in self.claims)
            and not any(f.status == ForwardStatus.INCONSISTENT for f in self.forward_equations)
            and (self.implementation is None or self.implementation.agree)
        )

    @property
    def exit_code(self) -> int:
        """0 all proved, 2 a claim could not be read, 1 otherwise (a finding)."""
        if any(r.verdict == Verdict.UNPARSED for r in self.claims):
            return 2
        return 0 if self.passed else 1


def _acceptable(result: ClaimResult) -> bool:
    if result.verdict == Verdict.PROVED:
        return True
    # beyond SymPy's budget: the numbers at every point are all there is, and they agree
    return (
        result.verdict == Verdict.UNDECIDED
        and result.reason == Reason.SIZE
        and result.agreement is not None
        and result.agreement.agree
    )
