"""A model file's claims (derive/model_file.py) through the three witnesses, as `ClaimResult`s of
one `Run`. The same pipeline as the Matrix Cookbook's identities (verify/matrix_check.py), whose
objective is the one-equation case of a model; here the model is the user's, with intermediates:

- SymPy (derive/model_proof.py) proves claim − ∂L/∂X ≡ 0 entry by entry; the claim's right side
  and the objective are also evaluated at the points (lambdified).
- NumPy (verify/ir_numpy.py): the claim as a person codes it, its tensors from the model's
  forward pass in NumPy (registry forwards only); a gradient it uses (`∂L/∂z`) is jax.grad's, as
  a network claim's `δ` is (SymPy uses its own).
- jax.grad (verify/jax_oracle.py): the model's forward equations, differentiated; it never sees
  a claim.
The forward passes are compared first (the objective by all three, every intermediate by NumPy
and JAX), so a disagreement names the witness that is wrong.

Points: every entry standard normal, except a `one_hot` target (a random class per column) and
a positive tensor (`positive`, or one the forward pass takes `log` or `sqrt` of directly),
drawn `exp(N(0, 1) / 2)`. A wrong claim is named by one move that makes it agree with jax.grad
at the first points: of derive/slip_search.py, or of the model's own vocabulary
(derive/model_slips.py: a factor, a constant, a tensor of the forward pass), or a missing or
extra 1/B (B a given tensor's number of columns that the forward pass divides by). Failing
those, by the use of a tensor it leaves out: jax.grad with that one use read as a constant
equals the claim (a skip connection's term, a step of a recurrence).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from itertools import chain

import numpy as np
import sympy as sp

from derive import Network
from derive.claim_binding import scale
from derive.formula import (
    Apply,
    Dims,
    Formula,
    MeanAxis,
    Ref,
    Scale,
    ShapeMismatch,
    Unsupported,
    gradient_key,
    gradients_in,
    rewrite,
    shape,
)
from derive.ir_sympy import numeric
from derive.model_file import ModelClaim, ModelFile
from derive.model_ir import GIVEN, Model, Role
from derive.model_proof import ModelProof, ModelStatus, Symbolic, prove
from derive.model_slips import model_fixes, uses
from derive.slip_search import Move, Step, fixes
from derive.slips import Slip, SlipKind
from verify import agreement as agree
from verify import model_reference
from verify import reference as high_precision
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
SLIP_POINTS = 16  # points a candidate slip is tried at


def draws(mf: ModelFile) -> dict[str, Draw]:
    """How each given tensor is drawn: one-hot, positive, or standard normal."""
    under: set[str] = set()

    def visit(node: Formula) -> None:
        if (
            isinstance(node, Apply)
            and node.function.name in _POSITIVE_FUNCTIONS
            and isinstance(node.operand, Ref)
        ):
            under.add(node.operand.name)

    for eq in mf.model.equations:
        rewrite(eq.expr, lambda n: visit(n))
    out = {}
    for name in mf.model.named(*GIVEN):
        if name in mf.one_hot:
            out[name] = Draw.ONE_HOT
        elif name in mf.positive or name in under:
            out[name] = Draw.POSITIVE
        else:
            out[name] = Draw.NORMAL
    return out


def sample(model: Model, drawn: dict[str, Draw], points: int, seed: int, dtype: str) -> dict[str, np.ndarray]:
    """Every given tensor at `points` points, (P, r, c), seeded, in `dtype`."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, how in drawn.items():
        r, c = model.tensor(name).shape
        noise = rng.normal(size=(points, r, c))
        if how == Draw.ONE_HOT:  # a class per column
            classes = rng.integers(0, r, size=(points, c))
            noise = (np.arange(r)[None, :, None] == classes[:, None, :]) * 1.0
        elif how == Draw.POSITIVE:
            noise = np.exp(noise / 2)
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


def check_model(document, *, points: int, seed: int, dtype: str) -> Run:
    """Every claim of a model file (`Document.model`)."""
    check_dtype(dtype)
    check_points(points)
    mf: ModelFile = document.model
    model = mf.model
    drawn = draws(mf)
    given = sample(model, drawn, points, seed, dtype)
    values, grads = model_gradients(model, given)
    forward_np = numpy_forward(model, given)
    n = _terms(model)
    symbolic: Symbolic | None = None
    sympy_L = None
    try:
        with time_limit(PROOF_SECONDS):
            symbolic = Symbolic(model, mf.one_hot, tuple(k for k, v in drawn.items() if v == Draw.POSITIVE))
            sympy_L = _lambdified(sp.Matrix([[symbolic.objective]]), symbolic, given)
    except ProofTimeout:
        symbolic = None
    forward = _forward(model, values, forward_np, sympy_L, n, dtype)
    ref, info = _reference(symbolic, mf, given)
    results = [_check_one(c, mf, symbolic, given, forward_np, grads, n, dtype, ref) for c in mf.claims]
    return Run(
        network=document.network if document.network is not None else Network(),
        source=document.source,
        settings=Settings(points, seed, dtype, False, 1),  # type: ignore[arg-type]
        claims=tuple(results),
        forward=forward,
        reference=info,
        model=ModelRun(
            model,
            tuple(drawn.items()),
            notes_lines=mf.lines if mf.from_notes else (),
            examples=mf.examples,
            model_file=mf.path,
        ),
        sympy_skipped=Reason.NONE if symbolic is not None else Reason.TIME,
        first_point={k: v[0] for k, v in given.items()},
    )


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


def _check_one(
    mc: ModelClaim,
    mf: ModelFile,
    symbolic,
    given,
    forward_np,
    grads,
    n: int,
    dtype: str,
    ref: high_precision.Reference | None = None,
) -> ClaimResult:
    claim = replace(mc.claim, shapes=tuple((t, mf.model.tensor(t).shape) for t in mf.model.named(*GIVEN)))
    if claim.problem is not None:
        return ClaimResult(claim, Verdict.UNPARSED)
    if mc.right is None:
        return ClaimResult(claim, Verdict.SHAPE_ERROR, shape_problem=mc.shape_problem)
    truth = grads[gradient_key(mc.wrt)]
    # a gradient the claim uses (∂L/∂z in ∂L/∂W = ∂L/∂z xᵀ) is the oracle's, as for a network's δ
    env = forward_np | {gradient_key(g): grads[gradient_key(g)] for g in gradients_in(mc.right)}
    if mc.shape_problem is not None:  # read, but its shapes do not fit: the fix that fits, if one does
        slip = name_slip(mc, mf.model, env, truth, n, dtype)
        return ClaimResult(claim, Verdict.SHAPE_ERROR, shape_problem=mc.shape_problem, slip=slip)
    claimed_np = np.broadcast_to(numpy_value(mc.right, env), truth.shape)
    arrays = {"numpy": claimed_np.astype(dtype), ORACLE: truth}
    proof: ModelProof | None = None
    failures = {}
    if symbolic is not None:  # its values, then its proof: each within its own time limit
        try:
            with time_limit(PROOF_SECONDS):
                arrays = {"sympy": _lambdified(symbolic.value(mc.right), symbolic, given), **arrays}
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
    derive/slip_search.py, or of the model's own vocabulary (derive/model_slips.py); else one
    use of a tensor on the way to the objective left out (`_missing_path`); else None."""
    right = mc.right
    assert right is not None
    shapes = {t.name: t.shape for t in model.tensors}
    env = {k: v[:SLIP_POINTS] for k, v in forward_np.items()}
    want = truth[:SLIP_POINTS]
    candidates: list[tuple[Formula, Step]] = []
    for B in _batches(model):
        for move, q in ((Move.MISSING_MEAN, Fraction(1, B)), (Move.EXTRA_MEAN, Fraction(B))):
            fixed = scale(q, right)
            candidates.append((fixed, Step(move, right, fixed)))
    tried: set[Formula] = set()
    for fixed, step in chain(candidates, fixes(right, Network()), model_fixes(right, model)):
        if fixed in tried:
            continue
        tried.add(fixed)
        try:
            if shape(fixed, Dims((), 1, 1), shapes) != want.shape[1:]:
                continue
            with np.errstate(all="ignore"):  # a candidate's sqrt or log of a negative: NaN, no match
                value = np.broadcast_to(numpy_value(fixed, env), want.shape)
        except (ShapeMismatch, Unsupported, KeyError, ValueError):
            continue
        if _agrees(value, want, n, dtype):
            return Slip(SlipKind.FOUND, right, 0, steps=(step,), fix=fixed)
    return _missing_path(mc, model, env, want, n, dtype)


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
            claimed = np.broadcast_to(numpy_value(mc.right, env), want.shape)
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
