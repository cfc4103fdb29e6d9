"""Check a user's claims: shapes, then SymPy (generic f, ℓ first), then jax.grad at every sample
point, then — for a wrong claim — which usual slip it is.

Verdicts: `proved` needs a symbolic proof AND agreement at every sample point; `refuted` needs a
symbolic refutation or disagreement at sample points confirmed by SymPy at 50 digits; anything
the witnesses do not settle together is `undecided`, saying what was tried. No verdict rests on
one sample point: a proof covers all points, a refutation reports how many of N points differ.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np
import sympy as sp

from derive import ACTIVATIONS, Network, Proof, prove
from derive.budget import over_budget
from derive.claim_binding import scale
from derive.claims import Claim, ForwardEquation
from derive.claims_file import Document
from derive.evaluate import evaluate
from derive.formula import Dims, Formula, Grad, ShapeMismatch, Var, shape, to_text
from derive.model import explicit, setting
from derive.slips import Slip, matching, slips
from derive.symbols import network_symbols
from verify.claim_results import CheckRun, ClaimResult, Counterexample, ForwardResult, NumericCheck
from verify.claim_values import OracleValues, Unavailable, oracle_values, value
from verify.sampling import Points, sample
from verify.sympy_numeric import columns
from verify.time_limit import ProofTimeout, time_limit
from verify.tolerance import allowed, terms

SHOWN_ENTRIES = 4  # differing entries a counterexample lists
DIGITS = 50
PROOF_SECONDS = 20  # per claim and scope; the seed's claims take well under a second


def _dims(network: Network) -> Dims:
    return Dims(network.sizes, 1, network.batch)


def _left(claim: Claim) -> Formula:
    identity = claim.identity
    return identity.lhs if identity.lhs is not None else Grad(identity.target)


def _shape_text(s: tuple[int, int]) -> str:
    return f"{s[0]}×{s[1]}"


def _terms(claim: Claim, network: Network) -> int:
    """n of the error budget: the sums the backward pass takes down to the claim's variable."""
    return terms(network.sizes, network.batch, claim.wrt.layer)


def _differing(
    left: np.ndarray, right: np.ndarray, n: int, magnitude: np.ndarray | None = None
) -> np.ndarray:
    """Per point: True where the sides differ beyond the tolerance policy (two witnesses' budget,
    scaled by `magnitude`, the entries' Σ|terms|, when given; else by the left side)."""
    err = np.abs(left - right).reshape(left.shape[0], -1).max(axis=1)
    return err > allowed(left if magnitude is None else magnitude, n)


def _finite(x: np.ndarray) -> np.ndarray:
    return np.isfinite(x).reshape(x.shape[0], -1).all(axis=1)


def _prove(identity, network: Network, generic: bool) -> Proof:
    """`prove`, within `PROOF_SECONDS`: a claim can make SymPy's algebra explode."""
    try:
        with time_limit(PROOF_SECONDS):
            return prove(identity, network, generic=generic)
    except ProofTimeout:
        scope = "generic f, ℓ" if generic else f"{network.activation}, {network.loss}"
        reason = f"SymPy did not finish within {PROOF_SECONDS} s (the expressions grow too large)"
        return Proof(identity, scope, "undecided", "time limit", reason, None)


# --- diagnosis ---------------------------------------------------------------------------------
def diagnose(claim: Claim, network: Network, side: Formula, values: OracleValues | None) -> Slip | None:
    """The usual slip `side` is, found by structure (also for shape errors) or by value."""
    candidates = slips(claim.wrt, network)
    if claim.identity.lhs == Var("delta", claim.wrt.layer) and network.factor != 1:
        # Δ_l = dL/dZ_l / factor: compare with the slips of the formula for Δ_l itself
        candidates = tuple(Slip(c.name, scale(1 / network.factor, c.formula)) for c in candidates)
    if found := matching(side, candidates, network.factor):
        return found[0]
    if values is None:
        return None
    dims, n = _dims(network), _terms(claim, network)
    try:
        side_shape, side_value = shape(side, dims), value(side, values)
        side_size = value(side, values, absolute=True)
    except (ShapeMismatch, Unavailable):
        return None
    for slip in candidates:
        try:
            if shape(slip.formula, dims) != side_shape:
                continue
            slip_value = value(slip.formula, values)
            magnitude = np.maximum(side_size, value(slip.formula, values, absolute=True))
        except (ShapeMismatch, Unavailable):
            continue
        finite = _finite(slip_value) & _finite(side_value) & _finite(magnitude)
        if finite.any() and not _differing(slip_value, side_value, n, magnitude)[finite].any():
            return slip
    return None


def _diagnosis(claim: Claim, network: Network, side: Formula, values: OracleValues | None) -> dict:
    slip = diagnose(claim, network, side, values)
    return {} if slip is None else {"slip": slip, "diagnosis": slip.name}


# --- counterexample ----------------------------------------------------------------------------
def _sympy_values(network: Network, formulas: tuple[Formula, Formula], points: Points, p: int, entries):
    """Both sides' entries at point `p` by SymPy at 50 digits (None beyond the symbolic budget)."""
    key = setting(network.numeric, generic=False)
    if over_budget(key):
        return [None] * len(entries), [None] * len(entries)
    left, right = ([_entry(f, key, points, p, i, j) for i, j in entries] for f in formulas)
    return left, right


@lru_cache(maxsize=4096)
def _point(key, points: Points, p: int) -> dict[sp.Symbol, sp.Float]:
    """The inputs of sample point `p` as 50-digit floats (exactly the float64 values)."""
    inputs = network_symbols(key).inputs
    return {s: sp.Float(float(c[p]), DIGITS) for s, c in zip(inputs, columns(points), strict=True)}


@lru_cache(maxsize=65_536)
def _entry(formula: Formula, key, points: Points, p: int, i: int, j: int) -> str:
    """Entry (i, j) of `formula` at point `p`, by SymPy at 50 digits (cached: the true side,
    ∂L/∂X, is the same for every claim about X). The inputs go in first: each activation then
    evaluates at a number, and nothing symbolic is expanded."""
    value = evaluate(formula, key)[i - 1, j - 1].xreplace(_point(key, points, p))
    return sp.sstr(explicit(value).evalf(17))


def counterexample(
    network: Network,
    claim: Claim,
    left: np.ndarray,
    right: np.ndarray,
    differs: np.ndarray,
    points: Points,
    n: int,
    magnitude: np.ndarray,
) -> Counterexample:
    p = int(np.flatnonzero(differs)[0])
    tolerance = allowed(magnitude, n)[p]
    rows, cols = np.nonzero(np.abs(left[p] - right[p]) > tolerance)
    entries = tuple((int(i) + 1, int(j) + 1) for i, j in zip(rows, cols, strict=True))[:SHOWN_ENTRIES]
    true_s, claimed_s = _sympy_values(network, (_left(claim), claim.identity.formula), points, p, entries)
    inputs = {"z1": points.z1[p].tolist(), "y": points.y[p].tolist()}
    for layer, (W, b) in enumerate(zip(points.W, points.b, strict=True), start=1):
        inputs[f"W{layer}"], inputs[f"b{layer}"] = W[p].tolist(), b[p].tolist()
    return Counterexample(
        p,
        inputs,
        entries,
        tuple(claimed_s),
        tuple(true_s),
        tuple(float(right[p][i - 1, j - 1]) for i, j in entries),
        tuple(float(left[p][i - 1, j - 1]) for i, j in entries),
    )


def _sympy_confirms(example: Counterexample) -> bool:
    """SymPy's 50-digit values differ too (None: SymPy could not look, the numbers stand)."""
    for claimed, true in zip(example.claimed_sympy, example.true_sympy, strict=True):
        if claimed is None or true is None:
            return True
        c, t = float(sp.Float(claimed)), float(sp.Float(true))
        if abs(c - t) > 1e-9 * max(1.0, abs(t)):
            return True
    return False


# --- verdicts ----------------------------------------------------------------------------------
def symbolic_sentence(generic: Proof, concrete: Proof | None) -> str:
    """What SymPy established, generic scope first."""
    if concrete is None:
        return f"SymPy: {generic.status} for every f and ℓ — {generic.reason}"
    if generic.status == concrete.status:
        return f"SymPy: {generic.status} for a generic f, ℓ and for {concrete.scope} — {concrete.reason}"
    return (
        f"SymPy: {concrete.status} for {concrete.scope} — {concrete.reason}; "
        f"{generic.status} for a generic f, ℓ — {generic.reason}"
    )


def check_claim(claim: Claim, network: Network, values: OracleValues | None) -> ClaimResult:
    if claim.problem is not None:
        return ClaimResult(claim, "unparsed", f"{claim.problem.message}\n{claim.problem.caret}")
    identity, dims = claim.identity, _dims(network)
    left, right = _left(claim), identity.formula
    for side, where in ((left, "left"), (right, "right")):
        try:
            shape(side, dims)
        except ShapeMismatch as e:
            return ClaimResult(
                claim,
                "shape-error",
                f"the {where} side does not fit: {e}",
                **_diagnosis(claim, network, side, values),
            )
    left_shape, right_shape = shape(left, dims), shape(right, dims)
    if left_shape != right_shape:
        return ClaimResult(
            claim,
            "shape-error",
            f"the right side is {_shape_text(right_shape)} but the left side "
            f"({to_text(left, network.batch > 1)}) is {_shape_text(left_shape)}",
            **_diagnosis(claim, network, right, values),
        )
    generic = _prove(identity, network, generic=True)
    # with a generic f, ℓ proved, the concrete pair is covered; timed out, it would time out too
    settled = generic.status == "proved" or generic.method == "time limit"
    concrete = None if settled else _prove(identity, network, generic=False)
    proved = generic.status == "proved" or (concrete is not None and concrete.status == "proved")
    symbolic_refuted = concrete is not None and concrete.status == "refuted"
    proofs = {"generic": generic, "concrete": concrete}
    symbolic = symbolic_sentence(generic, concrete)
    if values is None:
        return ClaimResult(claim, "undecided", f"{symbolic}; no sample points", **proofs)
    try:
        left_value, right_value = value(left, values), value(right, values)
        # the tolerance scales with Σ|terms| of either side: a claim may add and cancel big terms
        magnitude = np.maximum(value(left, values, absolute=True), value(right, values, absolute=True))
    except Unavailable as e:
        verdict = "proved" if proved else ("refuted" if symbolic_refuted else "undecided")
        return ClaimResult(claim, verdict, f"{symbolic}; {e}", scope=_scope(generic, concrete), **proofs)
    n = _terms(claim, network)
    finite = _finite(left_value) & _finite(right_value) & _finite(magnitude)
    differs = _differing(left_value, right_value, n, magnitude) & finite
    compared = int(finite.sum())
    err = float(np.abs(left_value - right_value)[finite].max()) if compared else float("nan")
    numeric = NumericCheck(values.points.count, int(differs.sum()), err if compared else 0.0)
    jax_sentence = (
        f"jax.grad: the sides agree at all {compared} points (max |difference| {err:.1e})"
        if not differs.any()
        else f"jax.grad: the sides differ at {numeric.disagreeing} of {compared} points"
    )
    if compared < values.points.count:
        jax_sentence += f" ({values.points.count - compared} points with values beyond float64 not compared)"
    if not compared:
        jax_sentence = (
            f"jax.grad: no point could be compared ({values.points.count} points with values beyond float64)"
        )
    evidence = f"{symbolic}; {jax_sentence}"
    if not compared:
        return ClaimResult(claim, "undecided", evidence, numeric=numeric, **proofs)
    if proved and not differs.any():
        return ClaimResult(claim, "proved", evidence, _scope(generic, concrete), numeric=numeric, **proofs)
    if proved:  # SymPy proves it, jax.grad disagrees: a witness is wrong, not the claim
        return ClaimResult(
            claim, "undecided", f"{evidence} — the witnesses disagree", numeric=numeric, **proofs
        )
    example = (
        counterexample(network, claim, left_value, right_value, differs, values.points, n, magnitude)
        if differs.any()
        else None
    )
    # refuted: SymPy refutes it, or several points differ and SymPy (when it can look) agrees
    numerically_refuted = example is not None and numeric.disagreeing >= 2 and _sympy_confirms(example)
    if symbolic_refuted and not differs.any() and ACTIVATIONS[network.activation].kinks:
        # SymPy's point put a kink argument into f' (Heaviside(0) = 1/2), jax.grad's convention
        # (relu'(0) = 0) agrees everywhere: the claim holds only up to the convention at the kink
        return ClaimResult(
            claim,
            "undecided",
            f"{evidence} — true only up to the convention for f' at {network.activation}'s kink "
            f"(SymPy's Heaviside(0) = 1/2, JAX's f'(0) = 0): the claim evaluates f' at a kink",
            numeric=numeric,
            **proofs,
        )
    if symbolic_refuted or numerically_refuted:
        side = right
        if identity.lhs is not None:  # a link B = C: is the right side the true gradient?
            truth = value(Grad(claim.wrt), values)
            if not _differing(truth, right_value, n, magnitude).any():
                side = left  # then the left is the wrong one
        return ClaimResult(
            claim,
            "refuted",
            evidence,
            **_diagnosis(claim, network, side, values),
            numeric=numeric,
            counterexample=example,
            **proofs,
        )
    if numeric.disagreeing == 1:
        evidence += " — one point is not enough to refute a claim"
    return ClaimResult(claim, "undecided", evidence, numeric=numeric, counterexample=example, **proofs)


def _scope(generic: Proof, concrete: Proof | None) -> str:
    if generic.status == "proved":
        return "every activation f and loss ℓ"
    if concrete is not None and concrete.status == "proved":
        return f"{concrete.scope} only (with a generic f, ℓ: {generic.status})"
    return ""


def check_forward(equation: ForwardEquation, network: Network) -> ForwardResult:
    """A forward equation of the document against the network's forward pass: with a generic
    f, then the network's own, and, for a mini-batch, also per example (`z_2 = W_1 a_1 + b_1`
    is how notes write one column of `Z_2 = W_1 A_1 + b_1 1ᵀ`)."""
    if equation.mismatch:
        return ForwardResult(equation, "inconsistent", equation.mismatch)
    if equation.problem:
        return ForwardResult(equation, "not read", equation.problem)
    identity = equation.identity
    nets = [network] if network.batch == 1 else [network, dataclasses.replace(network, batch=1)]
    problem = ""
    for net in nets:
        try:
            right, left = shape(identity.formula, _dims(net)), shape(identity.lhs, _dims(net))
        except ShapeMismatch as e:
            problem = f"does not fit this network: {e}"
            continue
        if left != right:
            problem = f"the right side is {_shape_text(right)}, {identity.name} is {_shape_text(left)}"
            continue
        for generic in (True, False):
            proof = _prove(identity, net, generic=generic)
            if proof.status == "proved":
                scope = "for every f" if generic else f"for {net.activation}"
                per_example = " (per example)" if net.batch != network.batch else ""
                return ForwardResult(
                    equation,
                    "consistent",
                    f"the network's forward pass{per_example}, {scope} ({proof.method})",
                )
        problem = f"not the network's forward pass: {proof.reason}"
    return ForwardResult(equation, "inconsistent", problem)


def check_document(document: Document, points: int = 1000, seed: int = 0) -> CheckRun:
    network = document.network
    values = None
    if any(c.identity is not None for c in document.claims):
        values = oracle_values(network, sample(network.numeric, points, seed))
    claims = tuple(check_claim(c, network, values) for c in document.claims)
    forward = tuple(check_forward(f, network) for f in document.forward)
    return CheckRun(document.source, network, claims, forward, points, seed, document.skipped)
