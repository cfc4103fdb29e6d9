"""Terminal rendering of a `Run`: one table for any run (the built-in identities or a user's
claims), then the details that matter, then the result line; and the derivation printer of
`derivcheck derive`. Pure functions: a run in, a string out."""

from __future__ import annotations

from collections import Counter

import sympy as sp
from rich.console import Console
from rich.table import Table
from rich.text import Text

from derive import LOSSES
from derive.course import Layout
from derive.derivation import Derivation
from derive.model_ir import GIVEN
from derive.proof import Status
from derive.registry import GENERIC
from derive.scalar_model import PROOF_M
from reports.encoding import can_show, spell
from reports.math_print import partial_text, text
from reports.wording import Words, entry, number
from verify.results import WITNESSES, ClaimResult, Run, Verdict

WIDTH = 80
_STYLE = {
    Verdict.PROVED: "green",
    Verdict.REFUTED: "bold red",
    Verdict.SHAPE_ERROR: "bold red",
    Verdict.CONVENTION: "yellow",
    Verdict.UNDECIDED: "yellow",
    Verdict.UNPARSED: "bold magenta",
}


def _render(*renderables: object, width: int = WIDTH) -> str:
    console = Console(width=width, force_terminal=False, color_system=None)
    with console.capture() as capture:
        for r in renderables:
            console.print(r)
    return "\n".join(line.rstrip() for line in capture.get().splitlines()) + "\n"


def where(result: ClaimResult, w: Words) -> str:
    """`dL/dW1` for a built-in identity, `line 13 (delta1), l = 2` for a user's claim."""
    claim = result.claim
    if claim.source == "built-in":
        return claim.name or ""
    place = w.say("where_line", line=claim.line) if claim.line else "—"
    if claim.name:
        place = f"{place} ({claim.name})"
    if claim.layer is not None:
        place += ", " + w.say("where_layer", layer=claim.layer)
    return place


def formula(result: ClaimResult, run: Run | None = None, w: Words | None = None) -> str:
    """The claim as read (re-printed from its tree), or the user's text when it was not read or
    was read in the user's own layout and names (a claims file's reading, derive/course.py) or
    layer numbers (a document's reading, derive/reading.py); with `w`, in the notes' own letters
    and orientation where they have them (CS231n's `dL/dW2 = Hᵀ dL/dS`)."""
    claim = result.claim
    if claim.identity is None:
        return claim.written.replace("\n", " ")
    if run is not None and run.code is not None and not run.code.is_default and claim.wrt_written:
        return f"dL/d{claim.wrt_written} = " + claim.written.replace("\n", " ")
    if w is not None and (w.rows or w.written is not None or claim.letters) and claim.source != "built-in":
        return w.about(claim).identity(claim.identity)
    if run is not None and not run.reading.is_seed:  # their layer numbers, not the network's
        return claim.identity.text_in(run.reading.written)
    if claim.source == "built-in":
        return claim.identity.formula_text
    return claim.identity.text


def describe(run: Run, w: Words) -> str:
    """What the claims are about: the network (`4 → 3 → 2, sigmoid, mse`) or scalar notes' graph."""
    if run.model is not None:
        m = run.model.model
        return w.say("model_title", objective=m.objective, given=", ".join(m.named(*GIVEN)))
    if run.matrix:
        return w.say("matrix_title")
    if run.scalar is None:
        return w.describe(run.network)
    inputs, parameters, _ = run.scalar
    return w.say("scalar_title", inputs=", ".join(inputs), parameters=", ".join(parameters), m=PROOF_M)


def shown(text: str) -> str:
    """`text` as stdout can show it: where its encoding (latin-1, cp1252) lacks a character, the
    ASCII spelling (δ → delta, → → ->), here before Rich measures the table's columns."""
    if can_show(text):
        return text
    return "".join(ch if can_show(ch) else spell(ch) for ch in text)


def table(run: Run, w: Words) -> Table:
    title = (
        f"derivcheck — {describe(run, w)}"
        if run.source is None
        else f"derivcheck {run.source} — {describe(run, w)}"
    )
    out = Table(title=Text(shown(title)), title_justify="left")  # user text as Text: "[/]" is not markup
    for key in ("col_where", "col_formula", "col_verdict", "col_scope"):
        out.add_column(shown(w.say(key)), overflow="fold")
    for r in run.claims:
        out.add_row(
            Text(shown(where(r, w))),
            Text(shown(formula(r, run, w))),
            Text(shown(w.verdict(r.verdict)), style=_STYLE[r.verdict]),
            Text(shown(w.verdict_note(r, run))),
        )
    return out


def _numbers(values: tuple) -> str:
    return ", ".join("—" if v is None else f"{float(v):.10g}" for v in values)


def claim_details(r: ClaimResult, run: Run, w: Words) -> list[str]:
    """What a reader needs about one claim that is not proved (or whose evidence is odd)."""
    claim = r.claim
    a = r.agreement
    odd = a is not None and (not a.agree or any(e.failure for e in a.witnesses.values()))
    if r.verdict == Verdict.PROVED and not odd and not claim.notes:
        return []
    lines = [f"{where(r, w)} — {w.verdict(r.verdict)}: {claim.written.strip()}"]
    lines += ["    " + w.claim_note(note, claim) for note in claim.notes]
    if r.reason:
        lines.append(f"    {w.reason(r.reason)}")
    if claim.problem is not None:
        lines.append("    " + w.say("unparsed_at", message=w.problem(claim.problem)))
        lines += ["    " + part for part in claim.problem.caret.split("\n")]
    if r.shape_problem:
        lines.append("    " + w.say("shape_problem", problem=w.shape_problem(r, run)))
    for proof in (r.generic, r.concrete):
        if proof is not None and proof.status != Status.PROVED:
            lines.append("    " + w.proof(proof))
    if a is not None:
        lines.append("    " + w.agreement(a))
        for name in WITNESSES:
            if name in a.witnesses and a.witnesses[name].failure:
                lines.append("    " + w.say("witness_failed", witness=name, why=a.witnesses[name].failure))
    if r.readings is not None:
        lines.append("    " + w.readings(r))
    if r.slip is not None:
        own = w.about(r.claim)
        lines.append("    " + w.say("probably", slip=own.slip(r.slip)))
        if r.slip.fix is not None:
            lines.append("    " + w.say("slip_fix") + ": " + own.corrected(r, r.slip))
    if (c := r.counterexample) is not None:
        entries = ", ".join(entry(e) for e in c.entries)
        lines.append(
            "    "
            + w.say("cx_title", point=c.point, seed=run.settings.seed)
            + "; "
            + w.say("cx_entries", entries=entries)
        )
        lines.append(
            "      " + w.say("cx_line_claimed", sympy=_numbers(c.claimed_sympy), jax=_numbers(c.claimed_jax))
        )
        lines.append("      " + w.say("cx_line_true", sympy=_numbers(c.true_sympy), jax=_numbers(c.true_jax)))
        lines += (
            ["      " + w.reason(c.sympy_limit)] if c.sympy_limit == "time limit" else []
        )  # the limit hit
    return lines


def conventions(run: Run, w: Words) -> list[str]:
    """The choices a reader needs to read the numbers: batch reduction, stand-ins."""
    net = run.network
    lines = []
    if net.batch > 1:
        rows = run.code is not None and run.code.layout == Layout.ROWS
        lines.append(w.say(f"batch_{'rows' if rows else 'convention'}_{net.reduction}", B=net.batch))
    if net.numeric.loss != net.loss and net.numeric.loss == "mse":
        lines.append(w.say("stand_in_mse"))
    elif net.numeric.loss != net.loss:
        lines.append(w.say("stand_in", loss=net.numeric.loss) + f" ({LOSSES[net.numeric.loss].convention})")
    if net.loss == GENERIC and run.source is None:  # the built-in identities: none for δ_L
        lines.append(w.say("no_output_identity", L=len(net.sizes)))
    if net.l2:  # the L2 penalty: a line only where there is one
        lines.append(w.say("run_penalty", penalty=w.penalty_text(net), gradient=w.penalty_gradient(net)))
    return lines


def reference_lines(run: Run, w: Words) -> list[str]:
    worst = max((r.agreement.worst_ratio for r in run.agreeing if r.agreement), default=0.0)
    used = w.say("tolerance_used", used=number(worst))
    ref = run.reference
    if ref.skipped and run.model is not None:  # a model file: SymPy's 50 digits at a counterexample only
        return [used]
    if ref.skipped:
        return [w.say("reference_skipped", digits=ref.digits, why=w.skipped_why(run, ref.skipped)), used]
    if not ref.points:
        return [used]
    ulps = ", ".join(f"{name} {number(u, 3)}" for name, u in max_ulp(run).items())
    line = w.say(
        "reference_line",
        library=ref.library,
        digits=ref.digits,
        subset=w.subset(ref, run.settings.points),
        dtype=run.settings.dtype,
        ulps=ulps or "—",
    )
    return [line, used]


def max_ulp(run: Run) -> dict[str, float]:
    """Per witness, its largest error in ULPs against the reference over the claims the witnesses
    agree on."""
    out: dict[str, float] = {}
    for r in run.agreeing:
        for e in r.agreement.witnesses.values() if r.agreement else ():
            if e.max_ulp is not None:
                out[e.name] = max(out.get(e.name, 0.0), e.max_ulp)
    return {name: out[name] for name in WITNESSES if name in out}


def network_line(run: Run, w: Words) -> str:
    """The model checked: the network, the graph of scalar notes' own equations, or each matrix
    identity's objective."""
    if run.model is not None:
        return "\n".join(w.model_lines(run.model))
    if run.matrix:
        return w.say("matrix_model")
    if run.scalar is not None:
        inputs, parameters, quantities = run.scalar
        return w.say(
            "scalar_model",
            inputs=", ".join(inputs),
            parameters=", ".join(parameters),
            quantities=", ".join(quantities),
            m=PROOF_M,
        )
    net = run.network
    rows, cols = net.shape("W", 1)
    activation, loss = w.activations(net.activation_text), net.loss
    sizes = ",".join(map(str, net.sizes))
    return w.say("run_network", sizes=sizes, rows=rows, cols=cols, activation=activation, loss=loss)


def run_lines(run: Run, w: Words) -> list[str]:
    """The facts of the run and everything beside the claims, then the result."""
    net, s = run.network, run.settings
    lines = [
        network_line(run, w),
        *w.notation(run),
        *conventions(run, w),
        *w.file_reading(run.code),
        w.say(
            "run_points", points=f"{s.points:,}", seed=s.seed, dtype=s.dtype, policy=w.policy(s.dtype, run)
        ),
        *reference_lines(run, w),
        w.say("forward_label", text=w.forward(run.forward)),
    ]
    if net.depth > 1:
        lines.append(w.say("generic_layered"))
    for name, why in run.skipped_witnesses.items():
        lines.append(w.say("witness_skipped", witness=name, why=w.skipped_why(run, why)))
    skipped = next(
        (r.concrete for r in run.claims if r.concrete and r.concrete.status == Status.SKIPPED), None
    )
    if skipped is not None:
        lines.append(w.say("skipped_concrete", why=w.why(skipped)))
    if run.kinks is not None:
        lines.append(w.kinks(run.kinks, net.activation_text))
    if run.implementation is not None:
        head, *rest = w.implementation(run.implementation, s.points)
        lines.append(w.say("impl_label", text=head))
        lines += ["    " + line for line in rest]
    lines += forward_equation_lines(run, w)
    if run.definitions:
        lines.append(w.say("definitions", names=", ".join(f"{d.line}: {d.written}" for d in run.definitions)))
    if run.not_claims:
        shown = ", ".join(str(line) for line, _ in run.not_claims[:12]) + (
            " …" if len(run.not_claims) > 12 else ""
        )
        lines.append(w.say("not_claims", count=len(run.not_claims), lines=shown))
    counts = Counter(r.verdict for r in run.claims)
    summary = ", ".join(
        w.say("count_verdict", count=counts[v], verdict=w.verdict(v)) for v in Verdict if counts[v]
    )
    lines.append(w.say("claims_count", counts=summary))
    if (first := run.first_wrong) is not None and first.claim.identity is not None:
        lines.append(
            w.say(
                "first_wrong",
                line=first.claim.line,
                formula=w.about(first.claim).identity(first.claim.identity),
            )
        )
        if first.slip is not None:
            lines.append("    " + w.say("probably", slip=w.about(first.claim).slip(first.slip)))
    lines.append(w.say("result_label", verdict=w.result(run)))
    return lines


def forward_equation_lines(run: Run, w: Words) -> list[str]:
    if not run.forward_equations:
        return []
    counts = Counter(f.status for f in run.forward_equations)
    summary = ", ".join(f"{n} {w.forward_status(status)}" for status, n in counts.items())
    lines = [w.say("fwd_summary", summary=summary)]
    for f in run.forward_equations:
        if f.without_bias:
            lines.append("    " + w.say("fwd_without_bias", line=f.equation.line, written=f.equation.written))
        if f.status != "consistent":
            status = w.forward_status(f.status)
            lines.append(
                "    "
                + w.say(
                    "fwd_line",
                    line=f.equation.line,
                    written=f.equation.written,
                    status=status,
                    problem=f.problem,
                )
            )
    return lines


def render_run(run: Run, lang: str = "en") -> str:
    """The table, each claim's details, and the run's facts and result."""
    w = Words(lang).reading(run)
    details = [line for r in run.claims for line in claim_details(r, run, w)]
    return _render(table(run, w)) + "\n".join([*details, *run_lines(run, w)]) + "\n"


MAX_PRINTED = (8, 6)  # rows, cols of a matrix printed in the terminal


def render_derivation(d: Derivation, lang: str = "en") -> str:
    """`derivcheck derive`: each identity entry-wise, SymPy's matrix, the two proofs."""
    w = Words(lang)
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
        rule = text(step.entry_formula) if step.entry_formula is not None else "(shapes do not fit)"
        out.append(f"  entry-wise:   {partial_text(step.entry_target)} = {rule}")
        if step.derived is not None:
            rows, cols = step.derived.shape
            scope = w.scope(step.generic)
            if rows <= MAX_PRINTED[0] and cols <= MAX_PRINTED[1]:
                out.append(f"  SymPy, entry by entry ({rows}×{cols}, {scope}):")
                out += ["    " + line for line in sp.pretty(step.derived, use_unicode=True).splitlines()]
            else:
                out.append(f"  SymPy, entry by entry ({rows}×{cols}, {scope}): not printed (large)")
        for proof in (step.generic, step.concrete):
            out.append("  " + w.proof(proof))
    return "\n".join(out)
