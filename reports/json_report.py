"""The `--json` output: one object, stable keys, numbers as numbers."""

from __future__ import annotations

import json
import math

from derive import ACTIVATIONS, Network
from verify import WITNESSES, CheckResult, VerifyRun


def _number(x: float | None) -> float | None:
    """NaN and ±inf (e.g. ULPs of a wrong value where the truth is 0) become null."""
    return None if x is None or not math.isfinite(x) else x


def _reference(run: VerifyRun) -> dict | None:
    ref = run.reference
    if ref is None:
        return None
    return {
        "digits": ref.digits,
        "library": ref.library,
        "points": ref.points,
        "subset": None
        if not ref.points
        else (
            "all points" if ref.points == run.points else f"the first {ref.points:,} of {run.points:,} points"
        ),
        "skipped": ref.skipped,
        "max_ulp": {w: _number(m) for w, m in max_ulp(run).items()},
    }


def max_ulp(run: VerifyRun) -> dict[str, float]:
    """Per witness, its largest error in ULPs against the reference over every identity."""
    out: dict[str, float] = {}
    for r in run.results:
        for w in r.per_witness.values():
            if w.max_ulp is not None:
                out[w.name] = max(out.get(w.name, 0.0), w.max_ulp)
    return {w: out[w] for w in WITNESSES if w in out}


def _entries(matrix) -> list | None:
    return None if matrix is None else [[_number(u) for u in row] for row in matrix]


def _witness(w) -> dict:
    return {
        "max_abs_err_vs_oracle": _number(w.err_vs_oracle),
        "max_abs_err": _number(w.max_abs_vs_ref),
        "max_rel_err": _number(w.max_rel_vs_ref),
        "max_ulp": _number(w.max_ulp),
        "budget_used": _number(w.budget_used),
        "max_ulp_per_entry": _entries(w.ulp_per_entry),
        "max_abs_err_per_entry": _entries(w.abs_per_entry),
        "max_rel_err_per_entry": _entries(w.rel_per_entry),
    }


def network_dict(net: Network) -> dict:
    return {
        "sizes": list(net.sizes),
        "activation": net.activation,
        "loss": net.loss,
        "batch": net.batch,
        "reduction": net.reduction,
        "slope": str(net.slope) if ACTIVATIONS[net.activation].parameter else None,
        "numeric_loss": net.numeric.loss,
    }


def to_dict(run: VerifyRun) -> dict:
    net = run.network
    kinks = run.kinks
    return {
        "network": network_dict(net),
        "seed": run.seed,
        "points": run.points,
        "dtype": run.dtype,
        "tolerance": run.tolerance,
        "chunks": run.chunks,
        "reference": _reference(run),
        "forward": {
            "passed": run.forward.passed,
            "max_abs_err": run.forward.max_abs_err,
            "mismatch": run.forward.mismatch,
        },
        "skipped_witnesses": run.skipped,
        "kinks": None
        if kinks is None
        else {
            "points": kinks.points,
            "conventions": kinks.conventions,
            "max_abs_err": kinks.max_abs_err,
            "agree": kinks.agree,
        },
        "identities": [_identity(r) for r in run.results],
        "passed": run.passed,
    }


def _proof(proof) -> dict:
    cx = proof.counterexample
    return {
        "scope": proof.scope,
        "status": proof.status,
        "method": proof.method,
        "reason": proof.reason,
        "counterexample": None
        if cx is None
        else {
            "entry": list(cx.entry),
            "formula": cx.claimed,
            "derivative": cx.derived,
            "exact": cx.exact,
            "at": dict(cx.assignment),
        },
    }


def _identity(r: CheckResult) -> dict:
    cx = r.counterexample
    return {
        "name": r.identity,
        "formula": r.proof.identity.formula_text,
        "symbolic": r.proof.status,
        "generic_symbolic": r.generic_proof.status,
        "witnesses": [w for w in WITNESSES if w in r.per_witness and r.per_witness[w].error is None],
        "max_abs_err": _number(r.max_abs_err),
        "tolerance_used": _number(r.worst_ratio),
        "per_witness": {w.name: _witness(w) for w in r.per_witness.values() if w.error is None},
        "passed": r.passed,
        "proofs": {"generic": _proof(r.generic_proof), "concrete": _proof(r.proof)},
        "witness_errors": {w.name: w.error for w in r.per_witness.values() if w.error},
        "disagreement": None
        if cx is None
        else {"point": cx.point, "entry": list(cx.entry), "values": cx.values, "blamed": list(cx.blamed)},
    }


def render_json(run: VerifyRun) -> str:
    return json.dumps(to_dict(run), indent=2, ensure_ascii=False)
