"""A model's claims through the three witnesses, as `ClaimResult`s of one `Run`: a model file's
(derive/model_file.py), notes read as a model (derive/notes_model.py), and each identity of a
page of the Matrix Cookbook (derive/matrix_identity.py: a model of one equation, `f`, and one
claim; `check_identities` merges their runs into the page's). One pipeline:

- SymPy (derive/model_proof.py) proves claim − ∂L/∂X ≡ 0 entry by entry; the claim's right side
  and the objective are also evaluated at the points (lambdified).
- NumPy (verify/ir_numpy.py): the claim as a person codes it, its tensors from the model's
  forward pass in NumPy (registry forwards only); a gradient it uses (`∂L/∂z`) is jax.grad's, as
  a network claim's `δ` is (SymPy uses its own).
- jax.grad (verify/jax_oracle.py): the model's forward equations, differentiated; it never sees
  a claim.
The forward passes are compared first (the objective by all three, every intermediate by NumPy
and JAX), so a disagreement names the witness that is wrong; SymPy's derivative at 50 digits
(verify/model_reference.py) measures every witness's error in ULPs.

Points: every entry standard normal, except a `one_hot` target (a random class per column), a
positive tensor (`positive`, or one the forward pass takes `log` or `sqrt` of directly), drawn
`exp(N(0, 1) / 2)`, a square tensor under a det, ln|det| or inverse, drawn well conditioned as
`I + 0.5 N / n` (its inverse O(1), so no witness's rounding is amplified; the claim's scope says
it is invertible), and a symmetric one (`ModelFile.symmetric`), `(N + Nᵀ)/2`.

Conditions a document leaves unstated: where it states denominator layout (`Layout.DENOMINATOR`,
the Cookbook's), a claim right only as the transpose of the gradient depends on convention; a
claim refuted in general that SymPy proves with some letters symmetric (`ModelFile.conditions`,
the Cookbook's "if B is symmetric") is checked again at points where they are, and depends on
convention too.

A wrong claim is named by one move that makes it agree with jax.grad at the first points: of
derive/slip_search.py, of the model's own vocabulary (derive/model_slips.py: a factor, a
constant, a tensor of the forward pass), of the Cookbook's (derive/matrix_slips.py: a factor 2,
a letter's transpose, a transposed term, a determinant), or a missing or extra 1/B (B a given
tensor's number of columns that the forward pass divides by). Failing those, by the use of a
tensor it leaves out: jax.grad with that one use read as a constant equals the claim (a skip
connection's term, a step of a recurrence).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import chain

import numpy as np
import sympy as sp

from derive import Network
from derive.claim_binding import scale
from derive.claims import ClaimNote
from derive.formula import (
    Apply,
    ApplyPrime,
    Dims,
    Formula,
    MatrixApply,
    MeanAxis,
    Ref,
    Scale,
    ShapeMismatch,
    Transpose,
    Unsupported,
    gradient_key,
    gradients_in,
    rewrite,
    shape,
    to_text,
)
from derive.ir_sympy import numeric
from derive.matrix_identity import model_file
from derive.matrix_slips import matrix_fixes
from derive.model_file import Layout, ModelClaim, ModelFile
from derive.model_ir import GIVEN, Model, Role
from derive.model_proof import ModelProof, ModelStatus, Symbolic, prove
from derive.model_slips import model_fixes, uses
from derive.slip_search import Move, Step, fixes
from derive.slips import Slip, SlipKind
from verify import agreement as agree
from verify import model_reference
from verify import reference as high_precision
from verify.claim_values import derivative
from verify.ir_numpy import numpy_value
from verify.jax_oracle import cut_gradients, model_gradients
from verify.results import (
    ORACLE,
    Agreement,
    ClaimResult,
    Counterexample,
    Draw,
    ForwardAgreement,
    ModelRun,
    Reason,
    ReferenceInfo,
    Run,
    Settings,
    Verdict,
)
from verify.sampling import check_dtype, check_points
from verify.time_limit import ProofTimeout, time_limit
from verify.verdict import PROOF_SECONDS

_POSITIVE_FUNCTIONS = ("log", "sqrt")
_INVERTED = ("det", "logabsdet", "inverse")  # matrix functions whose operand is drawn well conditioned
SLIP_POINTS = 16  # points a candidate slip is tried at


def draws(mf: ModelFile) -> dict[str, Draw]:
    """How each given tensor is drawn: one-hot, positive, or standard normal."""
    under: set[str] = set()
    inverted: set[str] = set()

    def visit(node: Formula) -> None:
        if (
            isinstance(node, Apply)
            and node.function.name in _POSITIVE_FUNCTIONS
            and isinstance(node.operand, Ref)
        ):
            under.add(node.operand.name)
        if isinstance(node, MatrixApply) and node.function in _INVERTED:
            rewrite(node.operand, lambda n: inverted.add(n.name) if isinstance(n, Ref) else None)

    for eq in mf.model.equations:
        rewrite(eq.expr, lambda n: visit(n))
    out = {}
    for name in mf.model.named(*GIVEN):
        r, c = mf.model.tensor(name).shape
        if name in mf.one_hot:
            out[name] = Draw.ONE_HOT
        elif name in mf.positive or name in under:
            out[name] = Draw.POSITIVE
        elif name in inverted and r == c:
            out[name] = Draw.CONDITIONED
        else:
            out[name] = Draw.NORMAL
    return out


def sample(
    model: Model,
    drawn: dict[str, Draw],
    points: int,
    seed: int,
    dtype: str,
    symmetric: tuple[str, ...] = (),
) -> dict[str, np.ndarray]:
    """Every given tensor at `points` points, (P, r, c), seeded, in `dtype`; a `symmetric` one
    as drawn, then (S + Sᵀ)/2. The i-th tensor comes from its own stream `default_rng([seed, i])`,
    point after point, so point p is the same whatever `points` is."""
    out = {}
    for i, (name, how) in enumerate(drawn.items()):
        rng = np.random.default_rng([seed, i])
        r, c = model.tensor(name).shape
        if how == Draw.ONE_HOT:  # a class per column
            classes = rng.integers(0, r, size=(points, c))
            noise = (np.arange(r)[None, :, None] == classes[:, None, :]) * 1.0
        else:
            noise = rng.normal(size=(points, r, c))
        if how == Draw.POSITIVE:
            noise = np.exp(noise / 2)
        elif how == Draw.CONDITIONED:
            noise = np.eye(r) + 0.5 * noise / r
        if name in symmetric:
            noise = (noise + np.swapaxes(noise, -1, -2)) / 2
        out[name] = noise.astype(dtype)
    return out


def numpy_forward(model: Model, given: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every tensor at every point by the model's forward pass in NumPy (float64)."""
    env = {k: v.astype(np.float64) for k, v in given.items()}
    for eq in model.equations:
        env[eq.target] = np.broadcast_to(
            numpy_value(eq.expr, env), (len(next(iter(given.values()))), *model.tensor(eq.target).shape)
        )
    return env


def _lambdified(expr: sp.Matrix, symbolic: Symbolic, given: dict[str, np.ndarray]) -> np.ndarray:
    """SymPy's matrix `expr` at every point, (P, rows, cols), float64; a maximum as `Max` and its
    argmax indicator as a `Piecewise` of comparisons (derive/ir_sympy.py)."""
    expr = numeric(expr)
    triples = symbolic.symbols()
    points = next(iter(given.values())).shape[0]
    values = [given[name].reshape(points, -1)[:, k].astype(np.float64) for _, name, k in triples]
    f = sp.lambdify([s for s, _, _ in triples], list(expr), modules="numpy", cse=True)
    entries = [np.broadcast_to(np.asarray(v, dtype=np.float64), (points,)) for v in f(*values)]
    return np.stack(entries, axis=-1).reshape(points, *expr.shape)


def _terms(model: Model) -> int:
    """n of the error budget: at most every given entry enters a sum of an entry."""
    return max(4, sum(r * c for r, c in (model.tensor(n).shape for n in model.named(*GIVEN))))


@dataclass(frozen=True)
class Checked:
    """One model's claims as checked, before they become a `Run`."""

    claims: tuple[ClaimResult, ...]
    forward: ForwardAgreement
    reference: ReferenceInfo
    drawn: dict[str, Draw]
    sympy_skipped: Reason
    first_point: dict[str, np.ndarray]


def check_model(document, *, points: int, seed: int, dtype: str) -> Run:
    """Every claim of a model file or of notes read as a model (`Document.model`)."""
    check_dtype(dtype)
    check_points(points)
    mf: ModelFile = document.model
    done = check_file(mf, points, seed, dtype)
    return Run(
        network=document.network if document.network is not None else Network(),
        source=document.source,
        settings=Settings(points, seed, dtype, False, 1),  # type: ignore[arg-type]
        claims=done.claims,
        forward=done.forward,
        reference=done.reference,
        model=ModelRun(
            mf.model,
            tuple(done.drawn.items()),
            notes_lines=mf.lines if mf.from_notes else (),
            examples=mf.examples,
            model_file=mf.path,
        ),
        sympy_skipped=done.sympy_skipped,
        first_point=done.first_point,
    )


def check_identities(document, *, points: int, seed: int, dtype: str) -> Run:
    """A page of matrix identities (`Document.matrix`): each identity a model of its own with one
    claim (derive/matrix_identity.py's `model_file`), checked by `check_file`, their results in
    the page's order. The page's forward agreement is the worst identity's; its reference is
    said computed on the fewest points any identity's was, and skipped (why) only where no
    identity's was computed."""
    check_dtype(dtype)
    check_points(points)
    results: list[ClaimResult] = []
    done: list[Checked] = []
    for claim, identity in zip(document.claims, document.matrix, strict=True):
        if identity is None:
            results.append(ClaimResult(claim, Verdict.UNPARSED))
            continue
        one = check_file(model_file(claim, identity), points, seed, dtype)
        results.extend(one.claims)
        done.append(one)
    return Run(
        network=document.network,
        source=document.source,
        settings=Settings(points, seed, dtype, False, 1),  # type: ignore[arg-type]
        claims=tuple(results),
        forward=_worst([d.forward for d in done]),
        reference=_merged([d.reference for d in done]),
        matrix=True,
        sympy_skipped=Reason.TIME if done and all(d.sympy_skipped for d in done) else Reason.NONE,
    )


def _worst(forwards: list[ForwardAgreement]) -> ForwardAgreement:
    """The first that disagrees, else agreement within the largest difference."""
    if bad := [f for f in forwards if not f.agree]:
        return bad[0]
    return ForwardAgreement(True, max((f.max_abs_err for f in forwards), default=0.0))


def _merged(references: list[ReferenceInfo]) -> ReferenceInfo:
    computed = [r for r in references if r.points]
    if not computed:
        reasons = [r.reason for r in references if r.reason]
        return ReferenceInfo(high_precision.DIGITS, 0, reasons[0] if reasons else Reason.UNAVAILABLE)
    return ReferenceInfo(
        high_precision.DIGITS,
        min(r.points for r in computed),
        Reason.NONE,
        None,
        sum(r.seconds for r in computed),
        computed[0].library,
    )


def check_file(mf: ModelFile, points: int, seed: int, dtype: str) -> Checked:
    """Every claim of one model, sampled once."""
    model = mf.model
    drawn = draws(mf)
    given = sample(model, drawn, points, seed, dtype, mf.symmetric)
    values, grads = model_gradients(model, given)
    forward_np = numpy_forward(model, given)
    n = _terms(model)
    positive = tuple(k for k, v in drawn.items() if v == Draw.POSITIVE)
    symbolic: Symbolic | None = None
    sympy_L = None
    try:
        with time_limit(PROOF_SECONDS):
            symbolic = Symbolic(model, mf.one_hot, positive, mf.symmetric)
            sympy_L = _lambdified(sp.Matrix([[symbolic.objective]]), symbolic, given)
    except ProofTimeout:
        symbolic = None
    forward = _forward(model, values, forward_np, sympy_L, n, dtype)
    ref, info = _reference(symbolic, mf, given)
    invertible = tuple(sorted(k for k, v in drawn.items() if v == Draw.CONDITIONED))
    context = _Context(mf, symbolic, given, forward_np, grads, n, dtype, ref, invertible)
    results = []
    for mc in mf.claims:
        result = _check_one(mc, context)
        if result.verdict == Verdict.REFUTED:
            result = _other_layout(result, mc, context)
        if result.verdict == Verdict.REFUTED and mf.conditions:
            result = _under_condition(result, mc, mf, positive, (points, seed, dtype))
        results.append(result)
    return Checked(
        tuple(results),
        forward,
        info,
        drawn,
        Reason.NONE if symbolic is not None else Reason.TIME,
        {k: v[0] for k, v in given.items()},
    )


@dataclass(frozen=True)
class _Context:
    """What every claim of one model is checked with: the model, SymPy's model (None past the
    time limit), the points, the forward pass in NumPy, jax.grad's gradients, the error budget's
    n, the reference, and the tensors drawn near the identity (the claims' scope: invertible)."""

    mf: ModelFile
    symbolic: Symbolic | None
    given: dict[str, np.ndarray]
    forward_np: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]
    n: int
    dtype: str
    ref: high_precision.Reference | None
    invertible: tuple[str, ...]


def _other_layout(result: ClaimResult, mc: ModelClaim, c: _Context) -> ClaimResult:
    """Where the document states denominator layout: a claim about a square tensor refuted as
    written that SymPy proves as the transpose of the gradient, checked as that transpose (the
    numerator layout's, as a non-square one is read: derive/matrix_identity.py's `model_file`)."""
    if c.mf.layout != Layout.DENOMINATOR or c.symbolic is None or mc.right is None or mc.shape_problem:
        return result
    rows, cols = c.mf.model.tensor(mc.wrt).shape
    if rows != cols or rows < 2 or ClaimNote.OTHER_LAYOUT in mc.claim.notes:
        return result
    transposed = Transpose(mc.right)
    try:
        with time_limit(PROOF_SECONDS):
            holds = prove(c.symbolic, mc.wrt, transposed, thorough=False).status == ModelStatus.PROVED
    except ProofTimeout:
        return result
    if not holds:
        return result
    notes = (*mc.claim.notes, ClaimNote.OTHER_LAYOUT)
    return _check_one(ModelClaim(replace(mc.claim, notes=notes), mc.wrt, transposed), c)


def _under_condition(
    result: ClaimResult,
    mc: ModelClaim,
    mf: ModelFile,
    positive: tuple[str, ...],
    sampled: tuple[int, int, str],
) -> ClaimResult:
    """A claim refuted in general that SymPy proves with some letters symmetric (the first group
    of `mf.conditions` that does): checked again, alone, at points where they are symmetric;
    `depends on convention`, the letters said (`Claim.symmetric`, `ClaimNote.SYMMETRIC`)."""
    if mc.right is None or mc.shape_problem:
        return result
    for letters in mf.conditions:
        try:
            with time_limit(PROOF_SECONDS):
                symbolic = Symbolic(mf.model, mf.one_hot, positive, letters)
                holds = prove(symbolic, mc.wrt, mc.right, thorough=False).status == ModelStatus.PROVED
        except ProofTimeout:
            return result
        if not holds:
            continue
        symmetric = replace(mf, claims=(mc,), symmetric=letters, conditions=())
        (again,) = check_file(symmetric, *sampled).claims
        if again.verdict != Verdict.PROVED:
            return result
        claim = replace(again.claim, symmetric=letters, notes=(*again.claim.notes, ClaimNote.SYMMETRIC))
        return replace(again, claim=claim, verdict=Verdict.CONVENTION)
    return result


def _forward(model: Model, values, forward_np, sympy_L, n: int, dtype: str) -> ForwardAgreement:
    """The objective by all three witnesses, then every intermediate by NumPy and JAX."""
    L = model.objective
    objective = {"numpy": {L: forward_np[L]}, ORACLE: {L: np.asarray(values[L]).reshape(-1, 1, 1)}}
    if sympy_L is not None:
        objective["sympy"] = {L: sympy_L}
    first = agree.forward(objective, n, dtype)
    if not first.agree:
        return first
    inner = model.named(Role.INTERMEDIATE)
    second = agree.forward(
        {"numpy": {k: forward_np[k] for k in inner}, ORACLE: {k: values[k] for k in inner}}, n, dtype
    )
    if not second.agree:
        return second
    return ForwardAgreement(True, max(first.max_abs_err, second.max_abs_err))


def _reference(
    symbolic: Symbolic | None, mf: ModelFile, given: dict[str, np.ndarray]
) -> tuple[high_precision.Reference | None, ReferenceInfo]:
    """SymPy's derivative at 50 digits for every gradient the claims are about, within the
    proof's time limit (none without SymPy's model, or past the limit: said why)."""
    targets = [c.wrt for c in mf.claims if c.claim.problem is None and c.right is not None and c.wrt]
    if symbolic is None or not targets:
        return None, ReferenceInfo(high_precision.DIGITS, 0, Reason.TIME if targets else Reason.UNAVAILABLE)
    try:
        with time_limit(PROOF_SECONDS):
            ref, seconds = model_reference.compute(symbolic, targets, given)
    except ProofTimeout:
        return None, ReferenceInfo(high_precision.DIGITS, 0, Reason.TIME)
    except (TypeError, ValueError, ArithmeticError, NameError):  # a function mpmath cannot take
        return None, ReferenceInfo(high_precision.DIGITS, 0, Reason.UNAVAILABLE)
    return ref, ReferenceInfo(high_precision.DIGITS, ref.points, Reason.NONE, None, seconds, ref.library)


def _check_one(mc: ModelClaim, c: _Context) -> ClaimResult:
    mf, symbolic, given, n, dtype, ref = c.mf, c.symbolic, c.given, c.n, c.dtype, c.ref
    shapes = tuple((t, mf.model.tensor(t).shape) for t in mf.model.named(*GIVEN))
    claim = replace(mc.claim, shapes=shapes, invertible=c.invertible)
    if claim.problem is not None:
        return ClaimResult(claim, Verdict.UNPARSED)
    if mc.right is None:
        return ClaimResult(claim, Verdict.SHAPE_ERROR, shape_problem=mc.shape_problem)
    truth = c.grads[gradient_key(mc.wrt)]
    # a gradient the claim uses (∂L/∂z in ∂L/∂W = ∂L/∂z xᵀ) is the oracle's, as for a network's δ
    env = c.forward_np | {gradient_key(g): c.grads[gradient_key(g)] for g in gradients_in(mc.right)}
    if mc.shape_problem is not None:  # read, but its shapes do not fit: the fix that fits, if one does
        slip = name_slip(mc, mf.model, env, truth, n, dtype)
        return ClaimResult(claim, Verdict.SHAPE_ERROR, shape_problem=mc.shape_problem, slip=slip)
    claimed_np = np.broadcast_to(numpy_value(*_with_derivatives(mc.right, env)), truth.shape)
    arrays = {"numpy": claimed_np.astype(dtype), ORACLE: truth}
    proof: ModelProof | None = None
    failures = {}
    if symbolic is not None:  # its values, then its proof: each within its own time limit
        try:
            with time_limit(PROOF_SECONDS):
                claimed = symbolic.value(mc.right, numeric=True)
                arrays = {"sympy": _lambdified(claimed, symbolic, given), **arrays}
        except ProofTimeout:
            failures["sympy"] = "time limit"
        try:
            with time_limit(PROOF_SECONDS):
                proof = prove(symbolic, mc.wrt, mc.right, thorough=False)
        except ProofTimeout:
            proof = None
    else:
        failures["sympy"] = "time limit"
    target = (mc.wrt, 0)
    at_ref = ref if ref is not None and target in ref.hi else None
    found = agree.compare(arrays, n, dtype, failures=failures, ref=at_ref, target=target if at_ref else None)
    if proof is not None and proof.status == ModelStatus.NONZERO and found.agree and symbolic is not None:
        try:  # cancel could not tell; the numbers agree: the thorough simplification, if in time
            with time_limit(PROOF_SECONDS):
                proof = prove(symbolic, mc.wrt, mc.right, thorough=True)
        except ProofTimeout:
            pass
    verdict, reason = _verdict(proof, found)
    transposed = ClaimNote.OTHER_LAYOUT in claim.notes
    if verdict == Verdict.PROVED and transposed and mf.layout == Layout.DENOMINATOR:
        verdict = Verdict.CONVENTION  # right in the layout the document does not state
    if verdict != Verdict.REFUTED:
        return ClaimResult(claim, verdict, reason, agreement=found)
    return ClaimResult(
        claim,
        verdict,
        reason,
        agreement=found,
        slip=name_slip(mc, mf.model, env, truth, n, dtype),
        counterexample=_counterexample(found, given, arrays, mc, symbolic),
    )


def _verdict(proof: ModelProof | None, found: Agreement) -> tuple[Verdict, Reason]:
    if not found.agree and found.disagreeing == 1:
        return Verdict.UNDECIDED, Reason.ONE_POINT
    if proof is None:  # beyond SymPy's time: the numbers alone
        return (Verdict.REFUTED, Reason.TIME) if found.disagreeing >= 2 else (Verdict.UNDECIDED, Reason.TIME)
    if proof.status == ModelStatus.PROVED:
        return (
            (Verdict.PROVED, Reason.NONE) if found.agree else (Verdict.UNDECIDED, Reason.WITNESSES_DISAGREE)
        )
    if found.agree:  # SymPy could not show the residual is 0; every witness agrees at every point
        return Verdict.UNDECIDED, Reason.SAMPLED
    right_side = [w for w in ("sympy", "numpy") if w in found.witnesses]
    blamed = found.disagreement.blamed if found.disagreement is not None else ()
    if found.disagreement is not None and not set(right_side) <= set(blamed):
        return Verdict.UNDECIDED, Reason.WITNESSES_DISAGREE  # the claim's own witnesses differ
    return Verdict.REFUTED, Reason.NONE


def _batches(model: Model) -> list[int]:
    """B candidates for a missing or extra 1/B: the inputs' numbers of columns above 1 that the
    forward pass divides by (a scalar factor 1/k with B | k, or a mean over B entries), and the
    number of examples m of notes read as a model (`Model.batch`), whose claims write 1/m."""
    columns = {model.tensor(n).shape[1] for n in model.named(Role.INPUT, Role.TARGET)} - {1}
    shapes = model.shapes
    divisors: set[int] = set()

    def visit(node: Formula) -> None:
        match node:
            case Scale(q, _):
                divisors.add(q.denominator)
            case MeanAxis(x, axis):
                divisors.add(shape(x, Dims((), 1, model.batch), shapes)[axis])

    for eq in model.equations:
        rewrite(eq.expr, visit)
    found = {B for B in columns if any(d % B == 0 for d in divisors)}
    return sorted(found | ({model.batch} - {1}))


def name_slip(mc: ModelClaim, model: Model, forward_np, truth: np.ndarray, n: int, dtype: str) -> Slip | None:
    """The one-move slip whose fix agrees with jax.grad at the first points: a move of
    derive/slip_search.py, of the model's own vocabulary (derive/model_slips.py), or of the
    Cookbook's (derive/matrix_slips.py); else one use of a tensor on the way to the objective
    left out (`_missing_path`); else None."""
    right = mc.right
    assert right is not None
    shapes = {t.name: t.shape for t in model.tensors}
    env = {k: v[:SLIP_POINTS] for k, v in forward_np.items()}
    want = truth[:SLIP_POINTS]
    candidates: list[tuple[Formula, Step | Slip]] = []
    for B in _batches(model):
        for move, q in ((Move.MISSING_MEAN, Fraction(1, B)), (Move.EXTRA_MEAN, Fraction(B))):
            fixed = scale(q, right)
            candidates.append((fixed, Step(move, right, fixed)))
    tried: set[Formula] = set()
    moves = chain(candidates, fixes(right, Network()), model_fixes(right, model), matrix_fixes(right, model))
    for fixed, step in moves:
        if fixed in tried:
            continue
        tried.add(fixed)
        try:
            if shape(fixed, Dims((), 1, 1), shapes) != want.shape[1:]:
                continue
            with np.errstate(all="ignore"):  # a candidate's sqrt or log of a negative: NaN, no match
                value = np.broadcast_to(numpy_value(*_with_derivatives(fixed, env)), want.shape)
        except (ShapeMismatch, Unsupported, KeyError, ValueError, TypeError):
            continue
        if _agrees(value, want, n, dtype):
            if isinstance(step, Slip):  # a catalogue kind (a factor 2 or ½), or steps of its own
                return replace(step, fix=fixed)
            return Slip(SlipKind.FOUND, right, 0, steps=(step,), fix=fixed)
    return _missing_path(mc, model, env, want, n, dtype)


def _with_derivatives(formula: Formula, env: dict) -> tuple[Formula, dict]:
    """`formula` for NumPy: each `σ'(z)` it names (not relu's, which NumPy codes as `z > 0`) a
    tensor of its values in `env`, by `claim_values.derivative` — so verify/ir_numpy.py stays
    NumPy alone."""
    env = dict(env)

    def rule(node: Formula) -> Formula | None:
        if not isinstance(node, ApplyPrime) or node.function.name == "relu":
            return None
        key = f"{node.function.name}'({to_text(node.operand)})"
        if key not in env:
            env[key] = derivative(node.function.name, node.function.parameter, numpy_value(node.operand, env))
        return Ref(key)

    return rewrite(formula, rule), env


def _agrees(value: np.ndarray, want: np.ndarray, n: int, dtype: str) -> bool:
    return agree.compare({"numpy": value.astype(dtype), ORACLE: want}, n, dtype, keep_arrays=False).agree


def _missing_path(mc: ModelClaim, model: Model, env, want: np.ndarray, n: int, dtype: str) -> Slip | None:
    """The claim is ∂L/∂X without the term of one use of a tensor (the skip connection's `x` in
    `h = x + relu(u)`, `Wh` at one step): jax.grad with that use read as a constant agrees with
    it, and without it does not."""
    assert mc.right is not None
    cuts = uses(model, mc.wrt)
    if len(cuts) < 2:  # one use: cutting it leaves nothing
        return None
    try:  # a claim whose shape does not fit has no value to compare
        with np.errstate(all="ignore"):
            claimed = np.broadcast_to(numpy_value(*_with_derivatives(mc.right, env)), want.shape)
    except (ShapeMismatch, Unsupported, KeyError, ValueError):
        return None
    given = {k: env[k].astype(want.dtype) for k in model.named(*GIVEN)}
    for (tensor, target), value in zip(cuts, cut_gradients(model, mc.wrt, cuts, given), strict=True):
        if not _agrees(value, want, n, dtype) and _agrees(claimed, value.astype(want.dtype), n, dtype):
            equation = next(eq.expr for eq in model.equations if eq.target == target)
            return Slip(SlipKind.MISSING_PATH, mc.right, 0, path=(mc.wrt, tensor, target), equation=equation)
    return None


def _counterexample(
    found: Agreement, given, arrays, mc: ModelClaim, symbolic: Symbolic | None
) -> Counterexample | None:
    """The worst point: its inputs, and the differing entry claimed and true, by JAX and by
    SymPy at 50 digits (the sample point's floats taken as exact rationals)."""
    where = found.disagreement
    if where is None:
        return None
    p, (row, col) = where.point, where.entry
    claimed_s = true_s = None
    if symbolic is not None:
        try:
            with time_limit(PROOF_SECONDS):
                exact = {
                    s: sp.Rational(float(given[name].reshape(given[name].shape[0], -1)[p, k]))
                    for s, name, k in symbolic.symbols()
                }
                assert mc.right is not None
                C, D = symbolic.value(mc.right), symbolic.derivative(mc.wrt)
                claimed_s = str(C[row - 1, col - 1].xreplace(exact).evalf(50))
                true_s = str(D[row - 1, col - 1].xreplace(exact).evalf(50))
        except ProofTimeout:
            pass
    return Counterexample(
        point=p,
        inputs={k: v[p].tolist() for k, v in given.items()},
        entries=((row, col),),
        claimed_sympy=(claimed_s,),
        true_sympy=(true_s,),
        claimed_jax=(float(arrays["numpy"][p, row - 1, col - 1]),),
        true_jax=(float(arrays[ORACLE][p, row - 1, col - 1]),),
    )
