"""Check a user's claims: shapes, then SymPy (generic f, ℓ first), then jax.grad at every sample
point, then — for a wrong claim — which usual slip it is.

Verdicts: `proved` needs a symbolic proof AND agreement at every sample point; `refuted` needs a
symbolic refutation or disagreement at sample points confirmed by SymPy at 50 digits; anything
the witnesses do not settle together is `undecided`, saying what was tried. No verdict rests on
one sample point: a proof covers all points, a refutation reports how many of N points differ.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from derive import Network, Proof, prove, setting
from derive.budget import over_budget
from derive.claims import Claim, ForwardEquation
from derive.claims_file import Document
from derive.evaluate import evaluate
from derive.formula import Dims, Formula, Grad, ShapeMismatch, shape, to_text
from derive.model import explicit
from derive.slips import Slip, matching, slips
from derive.symbols import network_symbols
from verify.claim_results import CheckRun, ClaimResult, Counterexample, ForwardResult, NumericCheck
from verify.claim_values import OracleValues, Unavailable, oracle_values, value
from verify.sampling import Points, sample
from verify.sympy_numeric import columns
from verify.tolerance import allowed, terms

SHOWN_ENTRIES = 4  # differing entries a counterexample lists
DIGITS = 50


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


def _differing(left: np.ndarray, right: np.ndarray, n: int) -> np.ndarray:
    """Per point: True where the sides differ beyond the tolerance policy (two witnesses' budget)."""
    err = np.abs(left - right).reshape(left.shape[0], -1).max(axis=1)
    return err > allowed(left, n)


# --- diagnosis ---------------------------------------------------------------------------------
def diagnose(claim: Claim, network: Network, side: Formula, values: OracleValues | None) -> Slip | None:
    """The usual slip `side` is, found by structure (also for shape errors) or by value."""
    candidates = slips(claim.wrt, network)
    if found := matching(side, candidates, network.factor):
        return found[0]
    if values is None:
        return None
    dims = _dims(network)
    try:
        side_shape, side_value = shape(side, dims), value(side, values)
    except (ShapeMismatch, Unavailable):
        return None
    for slip in candidates:
        try:
            if shape(slip.formula, dims) != side_shape:
                continue
            slip_value = value(slip.formula, values)
        except (ShapeMismatch, Unavailable):
            continue
        if not _differing(slip_value, side_value, _terms(claim, network)).any():
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
    inputs = network_symbols(key).inputs
    at = {s: sp.Float(float(c[p]), DIGITS) for s, c in zip(inputs, columns(points), strict=True)}
    out = []
    for formula in formulas:
        matrix = evaluate(formula, key)
        out.append([sp.sstr(explicit(matrix[i - 1, j - 1]).xreplace(at).evalf(17)) for i, j in entries])
    return out[0], out[1]


def counterexample(
    network: Network, claim: Claim, left: np.ndarray, right: np.ndarray, differs: np.ndarray, points: Points
) -> Counterexample:
    p = int(np.flatnonzero(differs)[0])
    tolerance = allowed(left, _terms(claim, network))[p]
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
    generic = prove(identity, network, generic=True)
    concrete = None if generic.status == "proved" else prove(identity, network, generic=False)
    proved = generic.status == "proved" or (concrete is not None and concrete.status == "proved")
    symbolic_refuted = concrete is not None and concrete.status == "refuted"
    proofs = {"generic": generic, "concrete": concrete}
    symbolic = symbolic_sentence(generic, concrete)
    if values is None:
        return ClaimResult(claim, "undecided", f"{symbolic}; no sample points", **proofs)
    try:
        left_value, right_value = value(left, values), value(right, values)
    except Unavailable as e:
        verdict = "proved" if proved else ("refuted" if symbolic_refuted else "undecided")
        return ClaimResult(claim, verdict, f"{symbolic}; {e}", scope=_scope(generic, concrete), **proofs)
    differs = _differing(left_value, right_value, _terms(claim, network))
    err = float(np.abs(left_value - right_value).max())
    numeric = NumericCheck(values.points.count, int(differs.sum()), err)
    jax_sentence = (
        f"jax.grad: the sides agree at all {numeric.points} points (max |difference| {err:.1e})"
        if not differs.any()
        else f"jax.grad: the sides differ at {numeric.disagreeing} of {numeric.points} points"
    )
    evidence = f"{symbolic}; {jax_sentence}"
    if proved and not differs.any():
        return ClaimResult(claim, "proved", evidence, _scope(generic, concrete), numeric=numeric, **proofs)
    if proved:  # SymPy proves it, jax.grad disagrees: a witness is wrong, not the claim
        return ClaimResult(
            claim, "undecided", f"{evidence} — the witnesses disagree", numeric=numeric, **proofs
        )
    example = (
        counterexample(network, claim, left_value, right_value, differs, values.points)
        if differs.any()
        else None
    )
    if symbolic_refuted or (example is not None and _sympy_confirms(example)):
        side = right
        if (
            identity.lhs is not None
            and not _differing(value(Grad(claim.wrt), values), right_value, _terms(claim, network)).any()
        ):
            side = left  # the right side is the true gradient: the left is the wrong one
        return ClaimResult(
            claim,
            "refuted",
            evidence,
            **_diagnosis(claim, network, side, values),
            numeric=numeric,
            counterexample=example,
            **proofs,
        )
    return ClaimResult(claim, "undecided", evidence, numeric=numeric, counterexample=example, **proofs)


def _scope(generic: Proof, concrete: Proof | None) -> str:
    if generic.status == "proved":
        return "every activation f and loss ℓ"
    if concrete is not None and concrete.status == "proved":
        return f"{concrete.scope} only (with a generic f, ℓ: {generic.status})"
    return ""


def check_forward(equation: ForwardEquation, network: Network) -> ForwardResult:
    """A forward equation of the document against the network's forward pass."""
    if equation.mismatch:
        return ForwardResult(equation, "inconsistent", equation.mismatch)
    if equation.problem:
        return ForwardResult(equation, "not read", equation.problem)
    identity = equation.identity
    try:
        right = shape(identity.formula, _dims(network))
        left = shape(identity.lhs, _dims(network))
    except ShapeMismatch as e:
        return ForwardResult(equation, "inconsistent", f"does not fit this network: {e}")
    if left != right:
        return ForwardResult(
            equation,
            "inconsistent",
            f"the right side is {_shape_text(right)}, {identity.name} is {_shape_text(left)}",
        )
    proof = prove(identity, network, generic=True)
    if proof.status == "proved":
        return ForwardResult(
            equation, "consistent", f"the network's forward pass, for every f ({proof.method})"
        )
    return ForwardResult(equation, "inconsistent", f"not the network's forward pass: {proof.reason}")


def check_document(document: Document, points: int = 1000, seed: int = 0) -> CheckRun:
    network = document.network
    values = None
    if any(c.identity is not None for c in document.claims):
        values = oracle_values(network, sample(network.numeric, points, seed))
    claims = tuple(check_claim(c, network, values) for c in document.claims)
    forward = tuple(check_forward(f, network) for f in document.forward)
    return CheckRun(document.source, network, claims, forward, points, seed)
