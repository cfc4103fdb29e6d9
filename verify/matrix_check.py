"""Matrix identities (derive/matrix_identity.py) through the three witnesses, as `ClaimResult`s
of one `Run`. Each identity is about its own objective f, a `Model` of one equation:

- SymPy (derive/matrix_proof.py) proves claim − ∂f/∂X ≡ 0 entry by entry, or that only the
  transpose holds (numerator layout), or refutes it; its objective and its claimed right side
  are also evaluated at the points (lambdified).
- NumPy: the claimed right side as written, by the registry's NumPy forwards.
- jax.grad (the oracle, verify/jax_oracle.py): the objective's model, differentiated w.r.t. X;
  it never sees the claim.
The objective's values by SymPy and JAX are compared first. Points: every letter's entries
standard normal, except a letter inside a det, ln|det| or inverse, drawn well conditioned as
`I + 0.5 N / n` (n × n), so its inverse is O(1) and no witness's rounding is amplified.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import sympy as sp

from derive.claims import ClaimNote
from derive.formula import Add, Broadcast, Formula, Kron, MatMul, MatrixApply, Ref, Scale, Transpose
from derive.matrix_identity import MatrixIdentity, right_shape
from derive.matrix_proof import (
    MatrixProof,
    MatrixStatus,
    derivative,
    letter_symbols,
    objective,
    prove,
    sympy_value,
)
from verify import agreement as agree
from verify import reference as high_precision
from verify.diagnosis import SEARCH_POINTS
from verify.ir_numpy import numpy_value
from verify.jax_oracle import model_gradients
from verify.matrix_slips import diagnose
from verify.results import (
    ORACLE,
    Agreement,
    ClaimResult,
    Counterexample,
    ForwardAgreement,
    Reason,
    ReferenceInfo,
    Run,
    Settings,
    Verdict,
)
from verify.sampling import check_dtype
from verify.time_limit import ProofTimeout, time_limit
from verify.verdict import PROOF_SECONDS

_INVERTED = ("det", "logabsdet", "inverse")  # functions whose operand is drawn well conditioned


def _conditioned(node: Formula, inside: bool = False) -> set[str]:
    """The letters under a det, ln|det| or inverse."""
    match node:
        case Ref(name):
            return {name} if inside else set()
        case MatrixApply(name, x):
            return _conditioned(x, inside or name in _INVERTED)
        case Transpose(x) | Scale(_, x):
            return _conditioned(x, inside)
        case MatMul(a, b) | Add(a, b) | Broadcast(a, b) | Kron(a, b):
            return _conditioned(a, inside) | _conditioned(b, inside)
    return set()


def sample(identity: MatrixIdentity, points: int, seed: int, dtype: str) -> dict[str, np.ndarray]:
    """Every letter at `points` points, (P, r, c), seeded."""
    rng = np.random.default_rng(seed)
    conditioned = _conditioned(identity.objective)
    out = {}
    for name, (r, c) in identity.shapes:
        noise = rng.normal(size=(points, r, c))
        out[name] = np.eye(r) + 0.5 * noise / r if name in conditioned and r == c else noise
    return {k: v.astype(dtype) for k, v in out.items()}


def _lambdified(expr: sp.Matrix, env: dict[str, sp.Matrix], given: dict[str, np.ndarray]) -> np.ndarray:
    """SymPy's matrix `expr` at every point, (P, rows, cols), in float64."""
    names = list(env)
    symbols = [s for name in names for s in env[name]]
    values = [
        given[name].reshape(given[name].shape[0], -1)[:, k] for name in names for k in range(len(env[name]))
    ]
    points = values[0].shape[0]
    f = sp.lambdify(symbols, list(expr), modules="numpy", cse=True)
    entries = [np.broadcast_to(np.asarray(v, dtype=np.float64), (points,)) for v in f(*values)]
    return np.stack(entries, axis=-1).reshape(points, *expr.shape)


def _terms(identity: MatrixIdentity) -> int:
    """n of the error budget: at most every entry of every letter enters a sum of an entry."""
    return max(4, sum(r * c for _, (r, c) in identity.shapes))


def check_matrix(document, *, points: int, seed: int, dtype: str) -> Run:
    """Every claim of a page of matrix identities (`Document.matrix`)."""
    check_dtype(dtype)
    results = []
    forward = ForwardAgreement(True, 0.0)
    for claim, identity in zip(document.claims, document.matrix, strict=True):
        if identity is None:
            results.append(ClaimResult(claim, Verdict.UNPARSED))
            continue
        result, agreed = _check_one(claim, identity, points, seed, dtype)
        results.append(result)
        if not agreed.agree and forward.agree:
            forward = agreed
        elif forward.agree:
            forward = ForwardAgreement(True, max(forward.max_abs_err, agreed.max_abs_err))
    return Run(
        network=document.network,
        source=document.source,
        settings=Settings(points, seed, dtype, False, 1),  # type: ignore[arg-type]
        claims=tuple(results),
        forward=forward,
        reference=ReferenceInfo(high_precision.DIGITS, 0, Reason.UNAVAILABLE),
        matrix=True,
    )


def _check_one(claim, identity: MatrixIdentity, points: int, seed: int, dtype: str):
    """(the claim's result, the objective's forward agreement)."""
    try:
        with time_limit(PROOF_SECONDS):
            proof: MatrixProof | None = prove(identity)
    except ProofTimeout:
        proof = None
    if proof is not None and proof.status == MatrixStatus.SHAPE:
        got = right_shape(identity)
        r, c = identity.shape_of[identity.variable]
        problem = (
            got.reason
            if not isinstance(got, tuple)
            else f"the right side is {got[0]}×{got[1]}, but ∂f/∂{identity.variable} is {r}×{c}"
        )
        shape_claim = replace(claim, shapes=identity.shapes)
        given = sample(identity, SEARCH_POINTS, seed, dtype)  # a rewrite that fits and is true
        truth = model_gradients(identity.model, given)[1][f"dL/d{identity.variable}"]
        slip = diagnose(identity, given, np.asarray(truth), numpy_value, _terms(identity))
        result = ClaimResult(shape_claim, Verdict.SHAPE_ERROR, shape_problem=problem, slip=slip)
        return result, ForwardAgreement(True, 0.0)
    given = sample(identity, points, seed, dtype)
    symmetric = () if proof is None else proof.symmetric
    for name in symmetric:  # true only for a symmetric letter: checked with one (B = (N + Nᵀ)/2)
        given[name] = (given[name] + np.swapaxes(given[name], -1, -2)) / 2
    env = letter_symbols(identity)
    model = identity.model
    values, grads = model_gradients(model, given)
    truth = grads[f"dL/d{identity.variable}"]
    claimed_np = numpy_value(identity.right, {k: v.astype(np.float64) for k, v in given.items()})
    if claimed_np.shape[1:] != truth.shape[1:] or (
        proof is not None and proof.status == MatrixStatus.OTHER_LAYOUT
    ):  # Xᵀ's shape: the claim in the other layout
        truth = np.swapaxes(truth, -1, -2)
    n = _terms(identity)
    sympy_f = _lambdified(sp.Matrix([[objective(identity, env)]]), env, given)
    forward = agree.forward(
        {"sympy": {"f": sympy_f}, ORACLE: {"f": np.asarray(values["f"]).reshape(-1, 1, 1)}}, n, dtype
    )
    arrays = {
        "sympy": _lambdified(sympy_value(identity.right, env), env, given),
        "numpy": claimed_np.astype(dtype),
        ORACLE: truth,
    }
    found = agree.compare(arrays, n, dtype)
    verdict, reason = _verdict(proof, found)
    notes = claim.notes
    if proof is not None and proof.status == MatrixStatus.OTHER_LAYOUT:
        notes = (*notes, ClaimNote.OTHER_LAYOUT)
    if symmetric:
        notes = (*notes, ClaimNote.SYMMETRIC)
    result = ClaimResult(
        replace(
            claim,
            shapes=identity.shapes,
            notes=notes,
            symmetric=symmetric,
            invertible=tuple(sorted(_conditioned(identity.objective))),
        ),
        verdict,
        reason,
        agreement=found,
        counterexample=(
            _counterexample(found, given, arrays, identity, env) if verdict == Verdict.REFUTED else None
        ),
        slip=diagnose(identity, given, truth, numpy_value, n) if verdict == Verdict.REFUTED else None,
    )
    return result, forward


def _verdict(proof: MatrixProof | None, found: Agreement) -> tuple[Verdict, Reason]:
    agrees, disagreeing = found.agree, found.disagreeing
    if proof is None:
        return (Verdict.REFUTED, Reason.TIME) if disagreeing >= 2 else (Verdict.UNDECIDED, Reason.TIME)
    if proof.status in (MatrixStatus.PROVED, MatrixStatus.OTHER_LAYOUT):
        if not agrees:
            return Verdict.UNDECIDED, Reason.WITNESSES_DISAGREE
        if proof.symmetric:  # true only for a symmetric letter the notes do not say is symmetric
            return Verdict.CONVENTION, Reason.NONE
        return (Verdict.PROVED if proof.status == MatrixStatus.PROVED else Verdict.CONVENTION), Reason.NONE
    # refuted by the algebra: the numbers must differ too
    return (Verdict.REFUTED, Reason.NONE) if not agrees else (Verdict.UNDECIDED, Reason.WITNESSES_DISAGREE)


def _counterexample(
    found: Agreement,
    given: dict[str, np.ndarray],
    arrays: dict[str, np.ndarray],
    identity: MatrixIdentity,
    env: dict[str, sp.Matrix],
) -> Counterexample | None:
    """The worst point: its inputs, and the differing entry claimed and true, by JAX and by
    SymPy at 50 digits (the sample point's floats taken as exact rationals)."""
    where = found.disagreement
    if where is None:
        return None
    p, (row, col) = where.point, where.entry
    exact = {
        s: sp.Rational(float(given[name].reshape(given[name].shape[0], -1)[p, k]))
        for name in env
        for k, s in enumerate(env[name])
    }
    claimed = sympy_value(identity.right, env)
    derived = derivative(identity, env)
    if claimed.shape != derived.shape or arrays[ORACLE].shape[1:] != derived.shape:
        derived = derived.T
    return Counterexample(
        point=p,
        inputs={k: v[p].tolist() for k, v in given.items()},
        entries=((row, col),),
        claimed_sympy=(str(claimed[row - 1, col - 1].xreplace(exact).evalf(50)),),
        true_sympy=(str(derived[row - 1, col - 1].xreplace(exact).evalf(50)),),
        claimed_jax=(float(arrays["numpy"][p, row - 1, col - 1]),),
        true_jax=(float(arrays[ORACLE][p, row - 1, col - 1]),),
    )
