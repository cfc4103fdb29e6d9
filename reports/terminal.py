"""Terminal rendering: the verification table and the derivation, as plain strings (pure)."""

from __future__ import annotations

import sympy as sp
from rich.console import Console
from rich.table import Table
from rich.text import Text

from derive import LOSSES
from derive.derivation import Derivation
from reports.math_print import partial_text, text
from verify import VerifyRun

_STATUS_STYLE = {"proved": "green", "refuted": "bold red", "undecided": "yellow", "skipped": "dim"}


def _render(*renderables: object, width: int = 120) -> str:
    console = Console(width=width, force_terminal=False, color_system=None)
    with console.capture() as capture:
        for r in renderables:
            console.print(r)
    return "\n".join(line.rstrip() for line in capture.get().splitlines()) + "\n"


def verify_table(run: VerifyRun) -> Table:
    net = run.network
    table = Table(title=f"derivcheck — {net.describe()}", title_justify="left", expand=False)
    for column in ("identity", "formula", "generic f, ℓ", f"{net.activation}, {net.loss}", "witnesses",
                   "max abs err", "pass"):  # fmt: skip
        table.add_column(column, justify="right" if column == "max abs err" else "left")
    for r in run.results:
        ok_witnesses = [n for n, w in r.per_witness.items() if w.error is None]
        table.add_row(
            r.identity,
            r.proof.identity.formula_text,
            Text(r.generic_proof.status, style=_STATUS_STYLE[r.generic_proof.status]),
            Text(r.proof.status, style=_STATUS_STYLE[r.proof.status]),
            " · ".join(ok_witnesses),
            f"{r.max_abs_err:.1e}",
            Text("yes" if r.passed else "NO", style="green" if r.passed else "bold red"),
        )
    return table


def conventions(run: VerifyRun) -> list[str]:
    """The choices a reader needs to read the numbers: batch reduction, stand-ins."""
    net = run.network
    lines = []
    if net.batch > 1:
        scale = "1/B" if net.reduction == "mean" else "no 1/B"
        lines.append(
            f"mini-batch: B = {net.batch} examples as columns (A_l, Z_l are n_l × B); L = the "
            f"{net.reduction} of the per-example losses ({scale}); Δ_l holds the per-example δ_l, so "
            f"dL/dW_l = {'(1/B) ' if net.reduction == 'mean' else ''}Δ_(l+1) A_lᵀ"
        )
    if net.numeric.loss != net.loss:
        lines.append(
            f"loss {net.loss}: proved for an undefined ℓ; the numeric witnesses need numbers and used "
            f"{net.numeric.loss} ({LOSSES[net.numeric.loss].convention})"
        )
    return lines


def median_ulp(run: VerifyRun) -> dict[str, float]:
    """Per witness, the median of its errors in ULPs over every identity, entry and point."""
    import numpy as np

    names = {w for r in run.results for w in r.ulps}
    return {
        w: float(np.median(np.concatenate([r.ulps[w] for r in run.results if w in r.ulps]))) for w in names
    }


def reference_lines(run: VerifyRun) -> list[str]:
    """Each witness's largest error against the high-precision reference, in ULPs, and how much
    of the tolerance the witnesses used."""
    worst = max((r.worst_ratio for r in run.results), default=0.0)
    used = f"largest difference between two witnesses: {worst:.2g} of the tolerance"
    ref = run.reference
    if ref is None:
        return [used]
    if ref.skipped:
        return [f"reference ({ref.digits} digits): {ref.skipped}", used]
    from reports.json_report import max_ulp

    subset = "all points" if ref.points == run.points else f"the first {ref.points:,} points"
    medians = median_ulp(run)
    ulps = ", ".join(f"{w} {u:.3g} (median {medians[w]:.2g})" for w, u in max_ulp(run).items())
    return [
        f"reference: SymPy's derivative in {ref.library} at {ref.digits} digits on {subset}; "
        f"max error in ULPs ({run.dtype}): {ulps}",
        used,
    ]


def verify_details(run: VerifyRun) -> list[str]:
    """The lines under the table: run facts, then anything that went wrong, named."""
    net = run.network
    lines = [
        f"network: sizes {','.join(map(str, net.sizes))} (W_1 is {net.sizes[1]}×{net.sizes[0]}), "
        f"activation {net.activation}, loss {net.loss}",
        *conventions(run),
        f"points: {run.points:,} (seed {run.seed}), {run.dtype}; tolerance: {run.tolerance}",
        *reference_lines(run),
        "forward passes: "
        + ("agree" if run.forward.passed else f"DISAGREE — {run.forward.mismatch}")
        + f" (max abs err {run.forward.max_abs_err:.1e})",
    ]
    scopes = sorted({r.generic_proof.scope for r in run.results})
    if net.depth > 1:
        lines.append(
            "generic proofs: each layer's identities on layers l, l+1 with an undefined ℓ(z_(l+1)) standing "
            "for the loss and all later layers (" + "; ".join(scopes) + ")"
        )
    for name, why in run.skipped.items():
        lines.append(f"witness {name}: {why}")
    if k := run.kinks:
        lines.append(
            f"kinks: {k.points:,} points have an input exactly on the kink of {net.activation}; there each "
            f"witness follows its convention ({', '.join(f'{w} {c}' for w, c in k.conventions.items())})"
            + (
                "; they agree even there"
                if k.agree
                else f" and agree up to convention (largest difference {k.max_abs_err:.2g}; not a failure)"
            )
        )
    if skipped := next((r.proof for r in run.results if r.proof.status == "skipped"), None):
        lines.append(f"concrete proofs: {skipped.reason} (the generic proofs and the numbers still stand)")
    for r in run.results:
        for proof in (r.generic_proof, r.proof):
            if proof.status in ("refuted", "undecided"):
                lines.append(f"{r.identity} [{proof.scope}]: {proof.status} — {proof.reason}")
                if cx := proof.counterexample:
                    lines.append(
                        f"    entry {cx.entry}: formula {cx.claimed}, SymPy's derivative {cx.derived}"
                    )
        for w in r.per_witness.values():
            if w.error:
                lines.append(f"{r.identity} [{w.name}]: {w.error}")
        if cx := r.counterexample:
            values = ", ".join(f"{k} {v:.17g}" for k, v in cx.values.items())
            lines.append(
                f"{r.identity}: witnesses disagree at point {cx.point}, entry {cx.entry}: {values}"
                + (f" — off: {', '.join(cx.blamed)}" if cx.blamed else "")
            )
    some_skipped = run.skipped or any(
        "skipped" in (r.proof.status, r.generic_proof.status) for r in run.results
    )
    if not run.passed:
        verdict = "a check FAILED (see above)"
    elif some_skipped:
        verdict = "every identity proved where SymPy's budget allows, and all witnesses that ran agree"
    else:
        verdict = "all identities proved and all witnesses agree"
    lines.append(f"result: {verdict}")
    return lines


def render_verify(run: VerifyRun) -> str:
    return _render(verify_table(run)) + "\n".join(verify_details(run)) + "\n"


MAX_PRINTED = (8, 6)  # rows, cols of a matrix printed in the terminal


def render_derivation(d: Derivation) -> str:
    net = d.network
    out = [f"derivcheck derive — {net.describe()}", ""]
    out.append("forward:  z_{l+1} = W_l a_l + b_l,  a_l = f(z_l),  L = ℓ(z_L),  δ_l = ∂L/∂z_l")
    if net.batch > 1:
        out.append(
            f"batch:    B = {net.batch} examples as columns (index e); Δ_l = per-example δ_l side by side"
        )
    for step in d.steps:
        i = step.identity
        out += ["", i.text]
        formula = text(step.entry_formula) if step.entry_formula is not None else "(shapes do not fit)"
        out.append(f"  entry-wise:   {partial_text(step.entry_target)} = {formula}")
        if step.derived is not None:
            rows, cols = step.derived.shape
            scope = step.generic.scope
            if rows <= MAX_PRINTED[0] and cols <= MAX_PRINTED[1]:
                out.append(f"  SymPy, entry by entry ({rows}×{cols}, {scope}):")
                out += ["    " + line for line in sp.pretty(step.derived, use_unicode=True).splitlines()]
            else:
                out.append(f"  SymPy, entry by entry ({rows}×{cols}, {scope}): not printed (large)")
        for proof in (step.generic, step.concrete):
            out.append(f"  {proof.scope}: {proof.status} — {proof.reason}")
    return "\n".join(out)
