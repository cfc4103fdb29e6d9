"""`derivcheck check --json`: {"claims": [...], "forward": [...], "network": {...}, "passed"}."""

from __future__ import annotations

import json

from verify.claim_results import CheckRun, ClaimResult

from reports.json_report import network_dict


def _claim(r: ClaimResult) -> dict:
    claim, c = r.claim, r.counterexample
    return {
        "source": claim.source,
        "line": claim.line,
        "column": claim.column,
        "name": claim.name,
        "latex": claim.written,
        "syntax": claim.syntax,
        "wrt": claim.wrt_name,
        "layer": claim.layer,
        "parsed": None if claim.identity is None else claim.identity.text,
        "verdict": r.verdict,
        "scope": r.scope,
        "diagnosis": r.diagnosis,
        "evidence": {
            "summary": r.evidence,
            "generic_symbolic": None if r.generic is None else r.generic.status,
            "concrete_symbolic": None if r.concrete is None else r.concrete.status,
            "points": None if r.numeric is None else r.numeric.points,
            "points_disagreeing": None if r.numeric is None else r.numeric.disagreeing,
            "max_abs_err": None if r.numeric is None else r.numeric.max_abs_err,
            "counterexample": None
            if c is None
            else {
                "point": c.point,
                "inputs": c.inputs,
                "entries": [list(e) for e in c.entries],
                "claimed": {"sympy": list(c.claimed_sympy), "jax": list(c.claimed_jax)},
                "true": {"sympy": list(c.true_sympy), "jax": list(c.true_jax)},
            },
            "problem": None
            if claim.problem is None
            else {
                "position": claim.problem.position,
                "message": claim.problem.message,
                "caret": claim.problem.caret,
            },
        },
    }


def to_dict(run: CheckRun) -> dict:
    net = run.network
    return {
        "source": run.source,
        "network": network_dict(net),
        "points": run.points,
        "seed": run.seed,
        "claims": [_claim(r) for r in run.claims],
        "forward": [
            {"line": f.equation.line, "latex": f.equation.written, "status": f.status, "message": f.message}
            for f in run.forward
        ],
        "skipped": [{"line": line, "latex": text} for line, text in run.skipped],
        "passed": run.passed,
    }


def render_check_json(run: CheckRun) -> str:
    return json.dumps(to_dict(run), indent=2, ensure_ascii=False)
