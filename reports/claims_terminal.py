"""Terminal rendering of `derivcheck check`: one row per claim, then the details that matter —
the counterexample of a refuted claim, the caret under an unparsed one (pure functions)."""

from __future__ import annotations

from collections import Counter

from rich.table import Table
from rich.text import Text
from verify.claim_results import CheckRun, ClaimResult

from reports.terminal import _render

_STYLE = {
    "proved": "green",
    "refuted": "bold red",
    "shape-error": "bold red",
    "undecided": "yellow",
    "unparsed": "bold magenta",
}


def _where(result: ClaimResult) -> str:
    claim = result.claim
    place = f"line {claim.line}" if claim.line else "—"
    return f"{place} ({claim.name})" if claim.name else place


def _claim_text(result: ClaimResult) -> str:
    claim = result.claim
    if claim.identity is None:
        return claim.written.replace("\n", " ")
    text = (
        claim.identity.text
        if claim.identity.lhs is not None
        else (f"dL/d{claim.wrt_name} = {claim.identity.formula_text}")
    )
    return f"{text}   [l = {claim.layer}]" if claim.layer is not None else text


def claims_table(run: CheckRun) -> Table:
    net = run.network
    # user text (paths, names, formulas) goes in as Text: Rich must not read "[/]" as markup
    table = Table(title=Text(f"derivcheck check {run.source} — {net.describe()}"), title_justify="left")
    for column in ("where", "claim", "verdict", "scope / diagnosis"):
        table.add_column(column)
    for r in run.claims:
        note = {"proved": r.scope, "unparsed": r.claim.problem and r.claim.problem.message}.get(
            r.verdict, r.diagnosis
        )
        table.add_row(
            Text(_where(r)), Text(_claim_text(r)), Text(r.verdict, style=_STYLE[r.verdict]), Text(note or "")
        )
    return table


def _numbers(values: tuple) -> str:
    return ", ".join("—" if v is None else f"{float(v):.10g}" for v in values)


def details(run: CheckRun) -> list[str]:
    lines = []
    for r in run.claims:
        if r.verdict == "proved":
            continue
        lines.append(f"{_where(r)} — {r.verdict}: {r.claim.written.strip()}")
        for part in r.evidence.split("\n"):
            lines.append(f"    {part}")
        if r.diagnosis:
            lines.append(f"    probably: {r.diagnosis}")
        if (c := r.counterexample) is not None:
            entries = ", ".join(f"({i},{j})" for i, j in c.entries)
            lines.append(f"    counterexample: sample point {c.point} (seed {run.seed}), entries {entries}")
            lines.append(
                f"      claimed: {_numbers(c.claimed_sympy)} (SymPy), {_numbers(c.claimed_jax)} (JAX)"
            )
            lines.append(f"      true:    {_numbers(c.true_sympy)} (SymPy), {_numbers(c.true_jax)} (JAX)")
    return lines


def forward_lines(run: CheckRun) -> list[str]:
    if not run.forward:
        return []
    counts = Counter(f.status for f in run.forward)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    lines = [f"forward equations in the document: {summary}"]
    for f in run.forward:
        if f.status == "inconsistent":
            lines.append(f"  line {f.equation.line}: {f.equation.written} — INCONSISTENT: {f.message}")
    return lines


def skipped_lines(run: CheckRun) -> list[str]:
    if not run.skipped:
        return []
    lines = ", ".join(str(line) for line, _ in run.skipped[:12]) + (" …" if len(run.skipped) > 12 else "")
    return [
        f"not claims: {len(run.skipped)} equations mention ∂, ∇ or δ but do not start with "
        f"∂L/∂X, ∇_X L or δ_l (lines {lines})"
    ]


def render_check(run: CheckRun) -> str:
    counts = Counter(r.verdict for r in run.claims)
    verdicts = ", ".join(
        f"{counts[v]} {v}" for v in ("proved", "refuted", "shape-error", "undecided", "unparsed") if counts[v]
    )
    footer = [
        *forward_lines(run),
        *skipped_lines(run),
        f"claims: {verdicts}; sample points: {run.points:,} (seed {run.seed}), float64",
        "PASSED: every claim is proved" if run.passed else "FAILED: see the claims above",
    ]
    return _render(claims_table(run)) + "\n".join([*details(run), *footer]) + "\n"
