"""From evidence to a verdict: the proofs (time-limited), the numbers, the slip, and the
50-digit counterexample.

`proved` needs a symbolic proof AND agreement at every sample point; `refuted` needs a
symbolic refutation, or disagreement at two or more sample points confirmed by SymPy at 50
digits; anything the witnesses do not settle together is `undecided` with a `Reason`. No
verdict rests on one sample point: a proof covers all points, a refutation says how many of N
points differ.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import sympy as sp

from derive import Network, Proof, disk_cache, proof_json, prove
from derive.budget import over_budget
from derive.claim_binding import scale
from derive.claims import Claim, head_variable, link_identity
from derive.evaluate import evaluate
from derive.formula import Dims, Formula, Grad, ShapeMismatch, Transpose, Var, rewrite, shape
from derive.identities import Identity
from derive.model import Setting, setting
from derive.proof import Method, Status, proof_setting
from derive.symbols import network_symbols
from verify.agreement import finite
from verify.claim_values import OracleValues, Unavailable, value
from verify.diagnosis import diagnose, differing, regrouping, search
from verify.results import (
    Agreement,
    BatchReading,
    ClaimResult,
    Counterexample,
    Readings,
    Reason,
    Verdict,
)
from verify.sampling import Points, kinks_of
from verify.sympy_numeric import columns
from verify.time_limit import ProofTimeout, time_limit
from verify.tolerance import allowed, terms

SHOWN_ENTRIES = 4  # differing entries a counterexample lists
DIGITS = 50  # SymPy's precision for a counterexample's values
PROOF_SECONDS = 20  # per claim and scope; the seed's claims take well under a second
CONFIRMS = 1e-9  # relative: SymPy's 50-digit sides differ by more than float64 rounding


def dims(network: Network) -> Dims:
    return Dims(network.sizes, 1, network.batch)


def terms_of(claim: Claim, network: Network) -> int:
    """n of the error budget: the sums the backward pass takes down to the claim's variable."""
    assert claim.wrt is not None
    return terms(network.sizes, network.batch, claim.wrt.layer)


_PROOFS: dict[tuple[Identity, Setting, float], Proof] = {}  # by content: the claim and the setting


def timed_prove(identity, network: Network, generic: bool) -> Proof:
    """`prove`, within `PROOF_SECONDS`: a claim can make SymPy's algebra explode.

    Cached by content — the claim's sides and the setting proved in — whatever the outcome, a
    time limit reached included: the same claim gets the same proof, computed once, whether it
    comes first or third (a limit reached twice, then answered by what the first two attempts
    left in SymPy's caches, gave one claim three verdicts). Kept on disk too, for the next run
    (derive/disk_cache.py: keyed by the same content and the code's fingerprint), except a time
    limit reached: that depends on the machine's speed."""
    key = (identity, proof_setting(identity, network, generic), PROOF_SECONDS)
    if key in _PROOFS:
        return _PROOFS[key]
    proof = _disk_proof(key)
    if proof is None:
        try:
            with time_limit(PROOF_SECONDS):
                proof = prove(identity, network, generic=generic)
        except ProofTimeout:  # how far SymPy gets in the time depends on the machine: not kept
            proof = Proof(
                identity, Status.UNDECIDED, Method.TIME, None, setting=key[1], seconds=PROOF_SECONDS
            )
        else:
            _keep_proof(key, proof)
    _PROOFS[key] = proof
    return proof


def _disk_proof(key: tuple[Identity, Setting, float]) -> Proof | None:
    """The proof an earlier run kept on disk for `key` (derive/disk_cache.py), or None."""
    data = disk_cache.load("proof", repr(key))
    if not isinstance(data, dict):
        return None
    try:
        return proof_json.from_data(data, key[0], key[1])
    except proof_json.Unwritable:
        return None


def _keep_proof(key: tuple[Identity, Setting, float], proof: Proof) -> None:
    """Keep `proof` on disk for later runs, when the cache is on and the format holds it."""
    if disk_cache.location() is None:
        return
    with suppress(proof_json.Unwritable):
        disk_cache.store("proof", repr(key), proof_json.to_data(proof))


@dataclass(frozen=True)
class Prepared:
    """A claim before the numbers: its sides, their shapes, its proofs — or its final result
    when the numbers cannot change it (unparsed, shape error)."""

    claim: Claim
    final: ClaimResult | None = None
    generic: Proof | None = None
    concrete: Proof | None = None

    @property
    def identity(self) -> Identity:
        assert self.claim.identity is not None
        return self.claim.identity

    @property
    def wrt(self) -> Var:
        assert self.claim.wrt is not None
        return self.claim.wrt

    @property
    def left(self) -> Formula:
        assert self.claim.identity is not None
        return self.claim.identity.lhs

    @property
    def right(self) -> Formula:
        assert self.claim.identity is not None
        return self.claim.identity.formula


def prepare(claim: Claim, network: Network) -> Prepared:
    """Shapes first (a shape error needs no numbers), then SymPy: the generic f, ℓ proof, and
    the network's own functions when the generic one does not settle it."""
    if claim.problem is not None or claim.identity is None:
        return Prepared(claim, ClaimResult(claim, Verdict.UNPARSED))
    identity = claim.identity
    for side in (identity.lhs, identity.formula):
        try:
            shape(side, dims(network))
        except ShapeMismatch as e:
            return Prepared(
                claim,
                ClaimResult(
                    claim,
                    Verdict.SHAPE_ERROR,
                    slip=diagnose(claim, network, side, None, terms_of(claim, network)),
                    shape_problem=e.reason,
                    shape_node=e.node,
                ),
            )
    left, right = shape(identity.lhs, dims(network)), shape(identity.formula, dims(network))
    if left != right:
        problem = f"{right[0]}×{right[1]} against {left[0]}×{left[1]}"
        slip = diagnose(claim, network, identity.formula, None, terms_of(claim, network))
        return Prepared(claim, ClaimResult(claim, Verdict.SHAPE_ERROR, slip=slip, shape_problem=problem))
    generic = timed_prove(identity, network, generic=True)
    # with a generic f, ℓ proved the concrete pair is covered; timed out, it would time out too
    settled = generic.status == Status.PROVED or generic.method == Method.TIME
    concrete = None if settled else timed_prove(identity, network, generic=False)
    return Prepared(claim, None, generic, concrete)


def shape_fix(prepared: Prepared, network: Network, values: OracleValues) -> ClaimResult:
    """A shape error whose fix the search finds: the rewrites that make the shapes fit *and*
    the claim true (a transpose, the factors' order, a sum over the examples)."""
    result = prepared.final
    assert result is not None and result.verdict == Verdict.SHAPE_ERROR
    if result.slip is not None or prepared.claim.identity is None:
        return result
    claim = prepared.claim
    slip = search(claim, network, prepared.right, values, terms_of(claim, network))
    slip = slip or regrouping(claim, network, prepared.right)
    return result if slip is None else replace(result, slip=slip)


# --- counterexample ---------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _point(key, columns_at_p: tuple[float, ...]) -> dict[sp.Symbol, sp.Float]:
    """The inputs of one sample point as 50-digit floats (exactly the float64 values)."""
    inputs = network_symbols(key).inputs
    return {s: sp.Float(c, DIGITS) for s, c in zip(inputs, columns_at_p, strict=True)}


@lru_cache(maxsize=65_536)
def _entry(formula: Formula, key, columns_at_p: tuple[float, ...], i: int, j: int) -> str:
    """Entry (i, j) of `formula` at one point, by SymPy at 50 digits (cached: the true side,
    ∂L/∂X, is the same for every claim about X). The inputs go in first: each activation then
    evaluates at a number, and nothing symbolic is expanded."""
    entry = evaluate(formula, key)[i - 1, j - 1]
    return sp.sstr(_at_point(entry, _point(key, columns_at_p), {}).evalf(17))


def _at_point(expr: sp.Expr, point: dict[sp.Symbol, sp.Float], seen: dict[sp.Expr, sp.Expr]) -> sp.Expr:
    """`expr` at `point`, innermost first, each node a 50-digit number before its parent is
    built: `explicit(entry).evalf()` wrote gelu's definition out through every layer around
    `erf(x·√2)` kept symbolic, and took SymPy minutes for one entry of δ_2 on 2,2,2,2."""
    if expr in seen:
        return seen[expr]
    if expr.is_Symbol:
        out = point.get(expr, expr)
    elif not expr.args:
        out = expr.evalf(DIGITS) if expr.is_number else expr
    else:
        args = [_at_point(a, point, seen) for a in expr.args]
        out = expr.func(*args)
        if hasattr(out, "func") and hasattr(out.func, "definition") and out.args and out.args[0].is_number:
            out = out.func.definition(out.args[0])
        if out.is_number and not out.is_Float:
            out = out.evalf(DIGITS)
    seen[expr] = out
    return out


def counterexample(
    network: Network,
    prepared: Prepared,
    left: np.ndarray,
    right: np.ndarray,
    differs: np.ndarray,
    points: Points,
    magnitude: np.ndarray,
) -> Counterexample:
    """The first differing point: its inputs, the differing entries by JAX and by SymPy at 50
    digits (beyond the symbolic budget: None), within `PROOF_SECONDS`."""
    p = int(np.flatnonzero(differs)[0])
    tolerance = allowed(magnitude, terms_of(prepared.claim, network))[p]
    rows, cols = np.nonzero(np.abs(left[p] - right[p]) > tolerance)
    entries = tuple((int(i) + 1, int(j) + 1) for i, j in zip(rows, cols, strict=True))[:SHOWN_ENTRIES]
    key = setting(network.numeric, generic=False)
    nothing = (None,) * len(entries)
    true_s, claimed_s = nothing, nothing
    limit = Reason.SIZE if over_budget(key) else Reason.NONE
    if not limit:
        at_p = tuple(float(c[p]) for c in columns(points))
        try:
            with time_limit(PROOF_SECONDS):
                true_s = tuple(_entry(prepared.left, key, at_p, i, j) for i, j in entries)
                claimed_s = tuple(_entry(prepared.right, key, at_p, i, j) for i, j in entries)
        except ProofTimeout:
            true_s, claimed_s, limit = nothing, nothing, Reason.TIME
    inputs = {"z1": points.z1[p].tolist(), "y": points.y[p].tolist()}
    for layer, (W, b) in enumerate(zip(points.W, points.b, strict=True), start=1):
        inputs[f"W{layer}"], inputs[f"b{layer}"] = W[p].tolist(), b[p].tolist()
    return Counterexample(
        p,
        inputs,
        entries,
        claimed_s,
        true_s,
        tuple(float(right[p][i - 1, j - 1]) for i, j in entries),
        tuple(float(left[p][i - 1, j - 1]) for i, j in entries),
        limit,
    )


def _sympy_confirms(example: Counterexample) -> bool:
    """SymPy's 50-digit values differ too (None: SymPy could not look, the numbers stand)."""
    for claimed, true in zip(example.claimed_sympy, example.true_sympy, strict=True):
        if claimed is None or true is None:
            return True
        c, t = float(sp.Float(claimed)), float(sp.Float(true))
        if abs(c - t) > CONFIRMS * max(1.0, abs(t)):
            return True
    return False


# --- conventions ------------------------------------------------------------------------------
def _gradient_sides(wrt: Var) -> tuple[Formula, Formula]:
    """`∂L/∂X` as a claim's left side: ours, or transposed (a claims file read in rows)."""
    return Grad(wrt), Transpose(Grad(wrt))


def per_example(
    prepared: Prepared,
    network: Network,
    values: OracleValues | None,
    sides: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
) -> Readings | None:
    """A claim `∂J/∂Z_l = F` (or about A_l) refuted under the mean over a batch, where F is the
    course's per-example dZ_l = B ∂J/∂Z_l (Ng's, our Δ_l): proved with B ∂J/∂X on the left and
    equal to it at the first chunk's points. Then it depends on what the name means. W and b
    are not per-example quantities: a dW without 1/B stays a slip. Only a claims file's `wrt`
    (a name, which a course may mean per example) is read so: `∂L/∂Z_2` written out means the
    gradient, and then a missing 1/B is a slip."""
    wrt, factor = prepared.wrt, network.factor
    if prepared.claim.wrt_written is None:
        return None
    if factor == 1 or wrt.kind not in ("z", "a") or prepared.left not in _gradient_sides(wrt):
        return None
    lhs = rewrite(prepared.left, lambda n: scale(1 / factor, n) if n == Grad(wrt) else None)
    identity = Identity(prepared.identity.name, wrt, prepared.right, prepared.identity.batched, lhs=lhs)
    proof = timed_prove(identity, network, generic=True)
    if proof.status != Status.PROVED:
        proof = timed_prove(identity, network, generic=False)
    if proof.status != Status.PROVED:
        return None
    if values is not None and sides is not None:
        try:
            per_example_values = value(lhs, values)
        except Unavailable:
            return None
        if differing(per_example_values, sides[1], terms_of(prepared.claim, network), sides[2]).any():
            return None
    slip = diagnose(prepared.claim, network, prepared.right, values, terms_of(prepared.claim, network))
    return Readings(BatchReading.PER_EXAMPLE, BatchReading.MEAN_GRADIENT, slip)


# --- the verdict ------------------------------------------------------------------------------
def own_link(claim: Claim) -> Claim:
    """A link `∂L/∂X = C` (or `δ_l = C`) of a chain about another variable (`∂L/∂b_1 = ∂L/∂a_1 =
    2 W_1ᵀ δ_2`, whose second link is about a_1) is judged on its own sides: a claim about X, its
    slips X's. Any other link keeps the chain's variable."""
    if claim.identity is None or claim.wrt is None:
        return claim
    own = head_variable(claim.identity.lhs)
    if own is None or own == claim.wrt:
        return claim
    identity = link_identity(own, claim.identity.lhs, claim.identity.formula, claim.identity.batched)
    return replace(claim, wrt=own, identity=identity)


def judge(
    prepared: Prepared,
    network: Network,
    agreement: Agreement | None,
    sides: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    values: OracleValues | None,
) -> ClaimResult:
    """The verdict on a prepared claim from its proofs and its agreement over all points.

    `sides` are the first chunk's (left, right, magnitude) arrays and `values` its oracle
    values, for the counterexample and the diagnosis by value."""
    if prepared.final is not None:
        return prepared.final
    claim, generic, concrete = prepared.claim, prepared.generic, prepared.concrete
    assert generic is not None
    proofs = {"generic": generic, "concrete": concrete}
    proved = generic.status == Status.PROVED or (concrete is not None and concrete.status == Status.PROVED)
    refuted = concrete is not None and concrete.status == Status.REFUTED
    limit = (
        Reason.SIZE
        if Status.SKIPPED in (generic.status, concrete.status if concrete else None)
        else Reason.TIME
        if Method.TIME in (generic.method, concrete.method if concrete else None)
        else Reason.SAMPLED
    )
    if agreement is None:  # a side the oracle cannot compute (∂L/∂a_L)
        verdict = Verdict.PROVED if proved else Verdict.REFUTED if refuted else Verdict.UNDECIDED
        return ClaimResult(
            claim, verdict, Reason.UNAVAILABLE if verdict == Verdict.UNDECIDED else Reason.NONE, **proofs
        )
    if agreement.compared == 0:
        return ClaimResult(claim, Verdict.UNDECIDED, Reason.NOT_COMPARED, agreement=agreement, **proofs)
    if proved and agreement.agree:
        return ClaimResult(claim, Verdict.PROVED, agreement=agreement, **proofs)
    if proved:  # SymPy proves it, a numeric witness disagrees: a witness is wrong, not the claim
        return ClaimResult(claim, Verdict.UNDECIDED, Reason.WITNESSES_DISAGREE, agreement=agreement, **proofs)
    example = None
    if sides is not None and values is not None:
        left, right, magnitude = sides
        differs = differing(left, right, terms_of(claim, network), magnitude) & finite(left) & finite(right)
        if differs.any():
            example = counterexample(network, prepared, left, right, differs, values.points, magnitude)
    numerically = example is not None and agreement.disagreeing >= 2 and _sympy_confirms(example)
    # only SymPy's numbers differ: the right side read by NumPy agrees with jax.grad everywhere
    only_sympy = agreement.disagreement is not None and agreement.disagreement.blamed == ("sympy",)
    if refuted and (agreement.agree or only_sympy) and kinks_of(network):
        # SymPy put a kink argument into f' (Heaviside(0) = 1/2) — at its random point, and as a
        # witness wherever f' is taken of a_l = relu(z_l) = 0 — where jax.grad's convention
        # (relu'(0) = 0) agrees everywhere: true only up to the convention at the kink
        return ClaimResult(claim, Verdict.UNDECIDED, Reason.KINK_CONVENTION, agreement=agreement, **proofs)
    if refuted or numerically:
        if (readings := per_example(prepared, network, values, sides)) is not None:
            return ClaimResult(claim, Verdict.CONVENTION, agreement=agreement, readings=readings, **proofs)
        own = own_link(claim)
        side = prepared.right
        if (
            own is claim
            and values is not None
            and sides is not None
            and prepared.left not in _gradient_sides(prepared.wrt)
        ):
            # a link B = C of the head's shape: when C is the true gradient, B is the wrong one
            truth = value(Grad(prepared.wrt), values)
            same_shape = truth.shape == sides[1].shape
            if same_shape and not differing(truth, sides[1], terms_of(claim, network), sides[2]).any():
                side = prepared.left
        slip = diagnose(own, network, side, values, terms_of(claim, network))
        return ClaimResult(
            claim, Verdict.REFUTED, agreement=agreement, slip=slip, counterexample=example, **proofs
        )
    if agreement.agree:
        return ClaimResult(claim, Verdict.UNDECIDED, limit, agreement=agreement, **proofs)
    reason = Reason.ONE_POINT if agreement.disagreeing == 1 else limit
    return ClaimResult(
        claim, Verdict.UNDECIDED, reason, agreement=agreement, counterexample=example, **proofs
    )
