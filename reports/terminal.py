"""Terminal rendering: the verification table and the derivation, as plain strings (Rich markup
is rendered by the CLI; these functions are pure)."""

from __future__ import annotations

import sympy as sp
from rich.console import Console
from rich.table import Table
from rich.text import Text

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
    table = Table(title=f"derivcheck — {run.network.describe()}", title_justify="left", expand=False)
    for column in (
        "identity",
        "formula",
        "generic f, ℓ",
        run.network.activation + ", " + run.network.loss,
        "witnesses",
        "max abs err",
        "pass",
    ):
        table.add_column(column, justify="right" if column == "max abs err" else "left")
    for r in run.results:
        formula = r.proof.identity.text.split(" = ", 1)[1]
        ok_witnesses = [n for n, w in r.per_witness.items() if w.error is None]
        table.add_row(
            r.identity,
            formula,
            Text(r.generic_proof.status, style=_STATUS_STYLE[r.generic_proof.status]),
            Text(r.proof.status, style=_STATUS_STYLE[r.proof.status]),
            " · ".join(ok_witnesses),
            f"{r.max_abs_err:.1e}",
            Text("yes" if r.passed else "NO", style="green" if r.passed else "bold red"),
        )
    return table


def verify_details(run: VerifyRun) -> list[str]:
    """The lines under the table: run facts, then anything that went wrong, named."""
    lines = [
        f"network: sizes {','.join(map(str, run.network.sizes))} (W_1 is "
        f"{run.network.sizes[1]}×{run.network.sizes[0]}), activation {run.network.activation}, "
        f"loss {run.network.loss}",
        f"points: {run.points:,} (seed {run.seed}), float64; tolerance: {run.tolerance}",
        "forward passes: "
        + ("agree" if run.forward.passed else f"DISAGREE — {run.forward.mismatch}")
        + f" (max abs err {run.forward.max_abs_err:.1e})",
    ]
    for r in run.results:
        for proof in (r.generic_proof, r.proof):
            if proof.status != "proved":
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
    lines.append(
        "result: "
        + (
            "all identities proved and all three witnesses agree"
            if run.passed
            else "a check FAILED (see above)"
        )
    )
    return lines


def render_verify(run: VerifyRun) -> str:
    return _render(verify_table(run)) + "\n".join(verify_details(run)) + "\n"


def render_derivation(d: Derivation) -> str:
    out = [f"derivcheck derive — {d.network.describe()}", ""]
    depth = d.network.depth
    out.append(
        "forward:  z_{l+1} = W_l a_l + b_l,  a_l = f(z_l),  L = ℓ(z_L),  δ_l = ∂L/∂z_l"
        + (f"   (l = 1 … {depth + 1})" if depth > 1 else "")
    )
    for step in d.steps:
        i = step.identity
        rows, cols = step.derived.shape
        out += [
            "",
            i.text,
            f"  entry-wise:   {partial_text(step.entry_target)} = {text(step.entry_formula)}",
            f"  SymPy, entry by entry ({rows}×{cols}, generic f and ℓ):",
            *("    " + line for line in sp.pretty(step.derived, use_unicode=True).splitlines()),
        ]
        for proof in (step.generic, step.concrete):
            out.append(f"  {proof.scope}: {proof.status} — {proof.reason}")
    return "\n".join(out)
