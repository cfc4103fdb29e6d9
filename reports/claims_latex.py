"""The report's "Your claims" section: each claim re-emitted from its parsed tree (never the
user's LaTeX itself), its verdict, evidence, diagnosis and counterexample (pure)."""

from __future__ import annotations

from collections import Counter

from verify.claim_results import CheckRun, ClaimResult

from derive.formula import Grad, to_latex
from reports.latex import tex

_VERDICT_STYLE = {
    "proved": "good",
    "refuted": "bad",
    "shape-error": "bad",
    "undecided": "bad",
    "unparsed": "bad",
}


def _math(r: ClaimResult) -> str | None:
    identity = r.claim.identity
    if identity is None:
        return None
    left = identity.lhs if identity.lhs is not None else Grad(identity.target)
    return f"{to_latex(left, identity.batched)} = {to_latex(identity.formula, identity.batched)}"


def _number(value: float | str | None) -> str:
    return "--" if value is None else f"{float(value):.10g}"


def _row(r: ClaimResult, t: dict[str, str], hangul: bool) -> dict:
    claim, c = r.claim, r.counterexample
    where = t["claims_where"].format(line=claim.line) if claim.line else ""
    if claim.name:
        where = f"{where} ({claim.name})".strip()
    if claim.layer is not None:
        where += ", " + t["claims_layer"].format(layer=claim.layer)
    rows = []
    if c is not None:
        for k, (i, j) in enumerate(c.entries):
            rows.append(
                {
                    "entry": f"({i},{j})",
                    "claimed": f"{_number(c.claimed_sympy[k])} / {_number(c.claimed_jax[k])}",
                    "true": f"{_number(c.true_sympy[k])} / {_number(c.true_jax[k])}",
                }
            )
    evidence = r.evidence.split("\n")[0]  # the caret line is for monospaced terminals
    return {
        "where": tex(where, hangul),
        "verdict": rf"\{_VERDICT_STYLE[r.verdict]}{{\textbf{{{tex(r.verdict)}}}}}",
        "math": _math(r),
        "raw": tex(claim.written.replace("\n", " "), hangul),
        "evidence": tex(evidence, hangul),
        "scope": tex(r.scope or "", hangul),
        "slip": None if r.slip is None else tex(r.slip.name, hangul),
        "slip_math": None if r.slip is None else to_latex(r.slip.formula, claim.identity.batched),
        "counterexample": None
        if c is None
        else {"title": tex(t["claims_counterexample"].format(point=c.point), hangul), "rows": rows},
    }


def claims_context(run: CheckRun, t: dict[str, str], hangul: bool) -> dict:
    counts = Counter(f.status for f in run.forward)
    forward = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    intro = t["claims_intro"].format(
        count=len(run.claims), source=run.source, points=run.points, seed=run.seed
    )
    return {
        "intro": tex(intro, hangul),
        "forward": tex(t["claims_forward"].format(summary=forward), hangul) if forward else None,
        "inconsistent": [
            tex(f"{f.equation.line}: {f.equation.written} --- {f.message}", hangul)
            for f in run.forward
            if f.status == "inconsistent"
        ],
        "rows": [_row(r, t, hangul) for r in run.claims],
        "passed": run.passed,
    }
