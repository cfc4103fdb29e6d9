"""The LaTeX report: a pure `render_report(ReportInput) -> str` over one `Run`.

Nothing here runs SymPy: the derivation steps of the built-in identities and the
dimension-free proofs are computed once by `reports/build.py` and passed in. Math comes from
our formula trees (a user's claims are re-typeset from their parse tree, never copied) and
from `sympy.latex` (through `reports/math_print.py`); every other string is escaped by
`tex()` or comes from `reports/i18n.py` through `Words`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from derive import ACTIVATIONS, LOSSES
from derive.derivation import Step
from derive.dimension_free import DimensionFreeProof
from derive.formula import Ref, to_latex
from derive.proof import Status
from reports.figures import ULP_FLOOR, points_drawn
from reports.i18n import LOSS_CONVENTIONS
from reports.math_print import latex, partial_latex
from reports.network_tikz import network_tikz
from reports.tex import sci, tex
from reports.wording import Words, entry, number
from verify.results import WITNESSES, ClaimResult, Run, Verdict
from verify.tolerance import K

TEMPLATES = Path(__file__).parent / "templates"
MAX_SHOWN = (8, 6)  # rows, cols: larger matrices are checked but not printed
MAX_LINE = 170  # characters of LaTeX in one printed matrix row: about the width of the page
MAX_SAMPLE = (12, 64)  # rows, cols of a sample point's matrix that the report prints
BLOCK_COLS = 8  # columns of 4-decimal numbers that fit the text block (about 45 pt each)


@dataclass(frozen=True)
class ReportInput:
    """What a report is rendered from. `steps` maps a built-in claim's name to its derivation
    step; `figure`/`ulp_figure` are the paths the .tex includes (or None); `date`, `version`
    and `versions` are read once by the build, so rendering is a pure function."""

    run: Run
    lang: str = "en"
    figure: str | None = None
    ulp_figure: str | None = None
    steps: dict[str, Step] = field(default_factory=dict)
    dimension_free: tuple[DimensionFreeProof, ...] = ()
    date: str = "1970-01-01"
    version: str = "0"
    versions: str = ""


_STYLE = {Verdict.PROVED: "good"}


def _verdict(v: Verdict, w: Words) -> str:
    return rf"\{_STYLE.get(v, 'bad')}{{{w.verdict(v)}}}"


def _status(proof, w: Words) -> str:
    name = w.status(proof.status)
    if proof.status == Status.PROVED:
        return rf"\good{{{name}}}"
    if proof.status == Status.SKIPPED:
        return rf"\textcolor{{gray}}{{{name}}}"
    return rf"\bad{{{name}}}"


def _matrix(m, names=None) -> str | None:
    """LaTeX of a matrix small enough to print on the page, else None."""
    if m is None or m.shape[0] > MAX_SHOWN[0] or m.shape[1] > MAX_SHOWN[1]:
        return None
    widest = max(len(latex(e, names)) for e in m) * m.shape[1]
    return latex(m, names) if widest <= MAX_LINE else None


def _where(r: ClaimResult, w: Words, inline: bool = False) -> str:
    """Where a claim is: a built-in identity's name typeset (`∂L/∂W_1`, as a fraction in a
    heading, `inline` in a table row), else its line in the notes."""
    claim = r.claim
    if claim.source == "built-in" and claim.identity is not None:
        return f"${identity_tex(claim.identity, fraction=not inline)}$"
    if claim.source == "built-in":
        return w.quote(claim.name or "")
    place = w.say("where_line", line=claim.line) if claim.line else ""
    if claim.name:
        place = f"{place} ({w.quote(claim.name)})".strip()
    if claim.layer is not None:
        place += ", " + w.say("where_layer", layer=claim.layer)
    return place


def _math(r: ClaimResult, w: Words) -> str | None:
    """The claim re-typeset from its parse tree, as the notes write it (their layer numbers,
    letters and orientation)."""
    identity, claim = r.claim.identity, r.claim
    if identity is None and claim.model_wrt is not None and claim.model_right is not None:  # a model's claim
        left = rf"\frac{{\partial L}}{{\partial {to_latex(Ref(claim.model_wrt))}}}"
        return f"{left} = {to_latex(claim.model_right)}"
    return None if identity is None else w.about(r.claim).identity(identity)


def _proofs(r: ClaimResult, w: Words) -> list[dict]:
    out = []
    for proof in (r.generic, r.concrete):
        if proof is None:
            continue
        cx = None
        if (c := proof.counterexample) is not None:
            shown = ", ".join(f"{k} = {v}" for k, v in c.assignment[:10])
            more = f", … (+{len(c.assignment) - 10})" if len(c.assignment) > 10 else ""
            cx = w.say(
                "proof_symbolic_cx",
                entry=entry(c.entry),
                claimed=w.code(c.claimed),
                derived=w.code(c.derived),
            )
            cx += r" {\footnotesize " + w.code(shown + more) + "}"
        out.append(
            {"scope": w.scope(proof), "status": _status(proof, w), "why": w.why(proof), "counterexample": cx}
        )
    return out


def _witness_table(r: ClaimResult, step: Step | None, run: Run) -> tuple[list[str], list[dict]]:
    """The three witnesses' values at point 0, entry by entry (built-in claims, small targets)."""
    a = r.agreement
    identity = r.claim.identity
    if a is None or step is None or step.generic.setting is None or identity is None:
        return [], []
    from derive.notation import entry_symbols  # SymPy names of the entries (already built by the step)

    witnesses = [name for name in WITNESSES if name in a.witnesses and a.witnesses[name].sample is not None]
    target = identity.target
    rows, cols = run.network.shape(target.kind, target.layer)
    if not witnesses or rows * cols > 36:
        return witnesses, []
    symbols = entry_symbols(target, step.generic.setting)
    table = []
    for i in range(rows):
        for j in range(cols):
            values = [_sample(a.witnesses[name])[i][j] for name in witnesses]
            name = step.latex_names.get(symbols[i, j], latex(symbols[i, j]))
            table.append(
                {
                    "entry": rf"\partial L / \partial {name}",
                    "cells": [f"{v:.16e}" for v in values],
                    "diff": f"${sci(max(values) - min(values))}$",
                }
            )
    return witnesses, table


def _counterexample(r: ClaimResult, run: Run, w: Words) -> dict | None:
    c = r.counterexample
    if c is None:
        return None

    def show(v) -> str:
        return "--" if v is None else f"{float(v):.10g}"

    rows = [
        {
            "entry": entry(e),
            "cells": [
                show(c.claimed_sympy[k]),
                show(c.claimed_jax[k]),
                show(c.true_sympy[k]),
                show(c.true_jax[k]),
            ],
        }
        for k, e in enumerate(c.entries)
    ]
    return {"title": w.say("cx_title", point=c.point, seed=run.settings.seed), "rows": rows}


def _section(r: ClaimResult, step: Step | None, run: Run, w: Words) -> dict:
    claim = r.claim
    a = r.agreement
    witnesses, table = _witness_table(r, step, run)
    notes = [
        w.say("witness_failed", witness=name, why=w.code(a.witnesses[name].failure))
        for name in WITNESSES
        if a is not None and name in a.witnesses and a.witnesses[name].failure
    ]
    derived = assembled = None
    if step is not None:
        derived, assembled = (
            _matrix(step.derived, step.latex_names),
            _matrix(step.assembled, step.latex_names),
        )
    identity = claim.identity
    target = identity.target if identity else None
    rows, cols = run.network.shape(target.kind, target.layer) if target else (0, 0)
    batched = bool(identity and identity.batched)
    return {
        "where": _where(r, w),
        "verdict": _verdict(r.verdict, w),
        "reason": w.reason(r.reason) if r.reason else None,
        "scope": w.claim_scope(r) if r.verdict == Verdict.PROVED else None,
        "math": _math(r, w),
        "raw": w.code(claim.written.replace("\n", " ")),
        "builtin": claim.source == "built-in",
        "problem": None if claim.problem is None else w.say("unparsed_at", message=w.problem(claim.problem)),
        "shape_problem": None
        if r.shape_problem is None
        else w.say("shape_problem", problem=w.shape_problem(r, run)),
        "entry_lhs": partial_latex(step.entry_target) if step else None,
        "entry_rhs": (latex(step.entry_formula) if step.entry_formula is not None else r"\text{--}")
        if step
        else None,
        "target_matrix": rf"\frac{{\partial L}}{{\partial {target_tex(target, batched)}}}" if target else "",
        "bookmark": identity_bookmark(identity) if identity else "",
        "derivation_heading": f"{w.t['derivation']} ({w.scope(step.generic)})" if step else "",
        "derived": derived,
        "too_big": w.say("matrix_too_big", rows=rows, cols=cols)
        if step and step.derived is not None
        else None,
        "formula_latex": identity.latex.split(" = ", 1)[-1] if identity else "",
        "assembled": assembled,
        "proofs": _proofs(r, w),
        "evidence": None if a is None else w.agreement(a),
        "numeric_text": w.say("numeric_text", points=f"{run.settings.points:,}") if table else None,
        "witnesses": witnesses,
        "table": table,
        "witness_notes": notes,
        "kink_note": (
            w.say("kink_point_note", points=f"{run.kinks.points:,}", err=number(a.at_kinks))
            if run.kinks is not None and a is not None and a.at_kinks is not None
            else None
        ),
        "slip": None if r.slip is None else w.say("probably", slip=w.about(r.claim).slip(r.slip)),
        "slip_math": None if r.slip is None or r.slip.fix is None else w.about(r.claim).corrected(r, r.slip),
        "fix_label": w.say("slip_fix"),
        "counterexample": _counterexample(r, run, w),
        "max_abs_err": None if a is None else sci(a.max_abs_err),
    }


def target_tex(target, batched: bool) -> str:
    base = {"a": "A", "z": "Z"}.get(target.kind, target.kind) if batched else target.kind
    return f"{base}_{{{target.layer}}}"


def identity_tex(identity, fraction: bool = True) -> str:
    """A built-in identity's name as math: `\\frac{\\partial L}{\\partial W_{1}}` (or, for a
    tag beside a formula, `\\partial L/\\partial W_{1}`), never the ASCII `dL/dW1`."""
    target = target_tex(identity.target, identity.batched)
    return rf"\frac{{\partial L}}{{\partial {target}}}" if fraction else rf"\partial L/\partial {target}"


def identity_bookmark(identity) -> str:
    """The same name for a PDF bookmark, which holds plain (Unicode) text only: `∂L/∂W1`."""
    t = identity.target
    base = {"a": "A", "z": "Z"}.get(t.kind, t.kind) if identity.batched else t.kind
    return f"∂L/∂{base}{t.layer}"


def _forward_lines(run: Run) -> list[str]:
    net = run.network
    sizes = net.sizes
    batched = net.batch > 1
    A, Z = ("A", "Z") if batched else ("a", "z")
    ones = r"\mathbf{1}^T" if batched else ""
    lines = []
    shown = range(1, len(sizes)) if len(sizes) <= 4 else (1, len(sizes) - 1)
    for layer in shown:
        lines.append(rf"{A}_{{{layer}}} &= f({Z}_{{{layer}}})")
        lines.append(rf"{Z}_{{{layer + 1}}} &= W_{{{layer}}} {A}_{{{layer}}} + b_{{{layer}}}{ones}")
        if layer == 1 and len(sizes) > 4:
            lines.append(r"&\ \,\vdots")
    loss = LOSSES[net.loss].definition.replace("z_L", f"z_{{{len(sizes)}}}").replace("L = ", "", 1)
    if batched:
        mean = (
            r"L &= \frac{1}{B} \sum_{e=1}^{B} \ell_e,"
            if net.reduction == "mean"
            else r"L &= \sum_{e=1}^{B} \ell_e,"
        )
        lines.append(mean + rf"\quad \ell_e = {loss} \quad (e = 1, \dots, B)")
    else:
        lines.append(rf"L &= {loss}")
    return lines


def _notation(run: Run, t: dict[str, str]) -> list[dict[str, str]]:
    net = run.network
    sizes = net.sizes

    def per_layer(kind: str, layers: range, name: str | None = None) -> str:
        parts = []
        for layer in list(layers)[:4]:
            rows, cols = net.shape(kind, layer)
            size = f"{rows}" if cols == 1 else rf"{rows}$\times${cols}"
            parts.append(f"${name or kind}_{{{layer}}}$: {size}")
        return ", ".join(parts) + (r", \ldots" if len(layers) > 4 else "")

    batched = net.batch > 1
    weights, layers = range(1, len(sizes)), range(1, len(sizes) + 1)
    rows = [
        {
            "symbol": "A_l" if batched else "a_l",
            "meaning": t["m_a"],
            "shape": per_layer("a", weights, "A" if batched else "a"),
        },
        {
            "symbol": "Z_l" if batched else "z_l",
            "meaning": t["m_z"],
            "shape": per_layer("z", layers, "Z" if batched else "z"),
        },
        {"symbol": "W_l", "meaning": t["m_W"], "shape": per_layer("W", weights)},
        {"symbol": "b_l", "meaning": t["m_b"], "shape": per_layer("b", weights)},
        {
            "symbol": r"\Delta_l" if batched else r"\delta_l",
            "meaning": t["m_Delta"] if batched else t["m_delta"],
            "shape": per_layer("delta", layers, r"\Delta" if batched else r"\delta"),
        },
        {"symbol": r"\circ", "meaning": t["m_circ"], "shape": ""},
    ]
    if batched:
        rows.append({"symbol": r"\mathbf{1}", "meaning": t["m_ones"], "shape": f"{net.batch}"})
    return rows


def _sample_point(run: Run) -> list[str]:
    """The inputs at point 0, one matrix per item (the template lets TeX break the line between
    them). A matrix wider than the text block is cut into column blocks labelled with their
    columns (`W_1[:, 9..12]`), so every entry is printed and can be found by its row and column."""
    parts = []
    for name, value in run.first_point.items():
        if value.ndim != 2 or value.shape[0] > MAX_SAMPLE[0] or value.shape[1] > MAX_SAMPLE[1]:
            continue
        symbol = "y" if name == "y" else f"{name[0]}_{{{name[1:]}}}"
        cols = value.shape[1]
        for start in range(0, cols, BLOCK_COLS):
            block = value[:, start : start + BLOCK_COLS]
            body = r" \\ ".join(" & ".join(f"{v:.4f}" for v in row) for row in block)
            label = symbol if cols <= BLOCK_COLS else rf"{symbol}[:,\,{start + 1}..{start + block.shape[1]}]"
            parts.append(rf"{label} = \begin{{bmatrix}}{body}\end{{bmatrix}}")
    return parts


def _dimension_free(proofs: tuple[DimensionFreeProof, ...], w: Words) -> list[dict[str, str]]:
    return [
        {
            "name": identity_tex(p.identity, fraction=False),
            "lhs": partial_latex(p.target),
            "derived": latex(p.derived),
            "formula": latex(p.formula),
            "status": rf"\good{{{w.status(Status.PROVED)}}}"
            if p.status == "proved"
            else rf"\bad{{{w.status(Status.UNDECIDED)}}}",
        }
        for p in proofs
    ]


def _facts(report: ReportInput, w: Words) -> dict:
    run, lang = report.run, report.lang
    net, s = run.network, run.settings
    loss = LOSSES[net.loss]
    definitions = []
    for name in dict.fromkeys(net.layer_activations):  # each activation of the network once
        definition = ACTIVATIONS[name].definition
        if name == "leaky-relu":
            definition += rf",\ \alpha = {net.slope}"
        definitions.append(definition)
    activation_definition = r",\quad ".join(definitions)
    skipped = next(
        (r.concrete for r in run.claims if r.concrete and r.concrete.status == Status.SKIPPED), None
    )
    # how the claims are checked, said of what this run checks (a network, a model file, …)
    method = (
        "method_text_model"
        if run.model is not None
        else "method_text_matrix"
        if run.matrix
        else "method_text_scalar"
        if run.scalar
        else "method_text"
    )
    return {
        "method_text": w.t[method],
        "version": tex(report.version),
        "date": tex(report.date),
        "source": None if run.source is None else w.code(run.source),
        "network": tex(" → ".join(map(str, net.sizes))) + rf" ($W_1$: {net.sizes[1]}$\times${net.sizes[0]})",
        "activation": w.esc(w.activations(net.activation_text)),
        "activation_definition": activation_definition,
        "loss": tex(net.loss),
        "loss_definition": loss.definition,
        "convention": LOSS_CONVENTIONS.get(lang, {}).get(net.loss) or tex(loss.convention),
        "batch": w.say(f"batch_convention_{net.reduction}", B=net.batch) if net.batch > 1 else "",
        "penalty": (  # the L2 penalty: a row only where there is one
            w.say("run_penalty", penalty=w.esc(w.penalty_text(net)), gradient=w.esc(w.penalty_gradient(net)))
            if net.l2
            else ""
        ),
        "notation": w.notation(run),
        "stand_in": (
            w.say("stand_in", loss=w.esc(net.numeric.loss))
            # the built-in identities have none for the output layer's δ_L under the generic ℓ
            + ("; " + w.say("no_output_identity", L=len(net.sizes)) if run.source is None else "")
            if net.numeric.loss != net.loss
            else ""
        ),
        "seed": s.seed,
        "points": f"{s.points:,}",
        "dtype": s.dtype,
        "tolerance": w.policy(s.dtype, run),
        "versions": tex(report.versions),
        "pair": w.esc(f"{w.activations(net.activation_text)}, {net.loss}"),
        "skipped": [
            w.say("witness_skipped", witness=w.esc(name), why=w.skipped_why(run, why))
            for name, why in run.skipped_witnesses.items()
        ],
        "concrete_skipped": None if skipped is None else w.say("skipped_concrete", why=w.why(skipped)),
        "kinks": None if run.kinks is None else w.kinks(run.kinks, w.activations(net.activation_text)),
        "forward_check": (
            w.forward(run.forward) if run.forward.agree else r"\bad{" + w.forward(run.forward) + "}"
        ),
    }


def _precision(run: Run, w: Words) -> dict:
    """The reference and the error budget: text, and a table claim × witness."""
    ref, s = run.reference, run.settings
    worst = max((r.agreement.worst_ratio for r in run.agreeing if r.agreement), default=0.0)
    out = {
        "budget": w.say("budget_text", dtype=s.dtype, K=K, used=tex(f"{100 * worst:.2g} %")),
        "text": None,
        "rows": [],
    }
    if ref.skipped or not ref.points:
        why = w.skipped_why(run, ref.skipped) if ref.skipped else "--"
        out["text"] = w.say("reference_skipped", digits=ref.digits, why=why)
        return out
    out["text"] = w.say(
        "precision_text",
        digits=ref.digits,
        subset=w.subset(ref, s.points),
        dtype=s.dtype,
        library=ref.library,
    )
    for r in run.claims:
        if r.agreement is None:
            continue
        for name in WITNESSES:
            e = r.agreement.witnesses.get(name)
            if e is None or e.max_ulp is None:
                continue
            out["rows"].append(
                {
                    "claim": _where(r, w, inline=True),
                    "witness": tex(name),
                    "abs": sci(e.max_abs_vs_ref),
                    "rel": sci(e.max_rel_vs_ref),
                    "ulp": sci(e.max_ulp),
                }
            )
    return out


def _others(run: Run, w: Words) -> dict:
    """What the run found beside the claims: the implementation, the document's equations."""
    impl = None
    if run.implementation is not None:
        impl = w.implementation(run.implementation, run.settings.points)
    fwd = []
    for f in run.forward_equations:
        math = f.equation.identity.latex if f.equation.identity is not None else None
        fwd.append(
            {
                "where": w.say("where_line", line=f.equation.line),
                "math": math,
                "raw": w.code(f.equation.written),
                "status": (r"\good{%s}" if f.status == "consistent" else r"\bad{%s}")
                % w.forward_status(f.status),
                "problem": w.code(f.problem) if f.problem else None,
            }
        )
    definitions = None
    if run.definitions:
        definitions = w.say(
            "definitions", names=", ".join(f"{d.line}: {w.code(d.written)}" for d in run.definitions)
        )
    not_claims = None
    if run.not_claims:
        lines = ", ".join(str(line) for line, _ in run.not_claims[:12]) + (
            ", …" if len(run.not_claims) > 12 else ""
        )
        not_claims = w.say("not_claims", count=len(run.not_claims), lines=w.esc(lines))
    return {
        "implementation": impl,
        "forward_equations": fwd,
        "definitions": definitions,
        "not_claims": not_claims,
    }


_INLINE_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$")  # $…$, not an escaped \$


def _how(run: Run, w: Words) -> list[str]:
    """What was proved and how, and what the numbers compared: every sentence counted from the
    run (its verdicts, its witnesses, its points), for the summary on the first page."""
    total = len(run.claims)
    counts = {v: sum(r.verdict == v for r in run.claims) for v in Verdict}
    lines = []
    if counts[Verdict.PROVED]:
        lines.append(w.say("how_proved", count=counts[Verdict.PROVED], total=total))
    if others := [
        w.say("verdict_count", count=n, verdict=w.verdict(v))
        for v, n in counts.items()
        if n and v != Verdict.PROVED
    ]:
        lines.append(w.say("how_not_proved", counts=w.join(others)))
    compared = [r.agreement for r in run.claims if r.agreement is not None]
    witnesses = [name for name in WITNESSES if any(name in a.witnesses for a in compared)]
    if witnesses:
        lines.append(
            w.say(
                "how_numbers",
                witnesses=w.code(", ".join(witnesses)),
                points=run.settings.points,
                dtype=w.esc(run.settings.dtype),
            )
        )
    else:
        lines.append(w.say("how_numbers_none"))
    return lines


def _captions(run: Run, w: Words) -> dict[str, str]:
    """The figures' captions, with what each was drawn from: the agreement figure's points
    (the first chunk's) and seed, the ULP figure's reference points, library and digits."""
    s, ref = run.settings, run.reference
    shown = points_drawn(run)
    if shown in (0, s.points):
        subset = w.say("subset_all", points=s.points)
    else:
        subset = w.say("subset_first", points=shown, total=s.points)
    return {
        "figure": w.say("figure_caption", subset=subset, seed=s.seed),
        "ulp": w.say(
            "ulp_caption",
            library=w.esc(ref.library),
            digits=ref.digits,
            subset=w.subset(ref, s.points),
            dtype=s.dtype,
            floor=f"{ULP_FLOOR:g}",
        ),
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        line_statement_prefix="%%",
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_report(report: ReportInput) -> str:
    """The report's LaTeX source (pure: the same input gives the same bytes)."""
    run, lang = report.run, report.lang
    w = Words(lang, latex=True).reading(run)
    t = w.t
    net = run.network
    sections = [_section(r, report.steps.get(r.claim.name or ""), run, w) for r in run.claims]
    forward_check = _facts(report, w)["forward_check"]
    if sample := _sample_point(run):  # one box per matrix: the line breaks between them
        boxes = r",\quad ".join(rf"\mbox{{$\displaystyle {m}$}}" for m in sample)
        forward_check += rf" {t['sample_point']}:\par\smallskip{{\centering {boxes}\par}}\smallskip"
    summary = [
        {
            "where": _where(r, w, inline=True),
            "math": (s["formula_latex"] if s["builtin"] else s["math"]) or None,
            "raw": s["raw"],
            "verdict": s["verdict"],
            "note": _INLINE_MATH.sub(r"\\fitinline{\1}", w.verdict_note(r, run)),  # a narrow column
            "err": s["max_abs_err"] or r"\text{--}",
        }
        for s, r in zip(sections, run.claims, strict=True)
    ]
    subtitle = (
        t["subtitle_builtin"].replace("COUNT", f"{len(run.claims):,}")
        if run.source is None
        else t["subtitle_claims"].replace("SOURCE", tex(run.source, hangul_ok=lang == "ko"))
    )
    verdict = (
        w.say("verdict_all_budget")
        if run.passed and w.result(run) != w.say("result_passed")
        else t["verdict_all"]
    )
    return (
        _environment()
        .get_template("report.tex.j2")
        .render(
            lang=lang,
            t=t,
            subtitle=subtitle,
            facts=_facts(report, w),
            passed=run.passed,
            verdict=verdict if run.passed else t["verdict_fail"],
            # matrix identities: each claim's objective is its model (no network to draw)
            # a model file: its shapes, equations and draws (derive/model_file.py)
            model_line=(
                r" \newline ".join(w.model_lines(run.model))
                if run.model is not None
                else w.say("matrix_model")
                if run.matrix
                else ""
            ),
            network_tikz=network_tikz(net.sizes),
            notation=_notation(run, t),
            forward=_forward_lines(run),
            forward_check=forward_check,
            generic_slices=net.depth > 1,
            dimension_free=_dimension_free(report.dimension_free, w),
            sections=sections,
            summary=summary,
            how=_how(run, w),
            others=_others(run, w),
            figure=report.figure,
            ulp_figure=report.ulp_figure,
            captions=_captions(run, w),
            precision=_precision(run, w),
            result=w.result(run),
            w_cx_claimed=w.say("cx_claimed"),
            w_cx_true=w.say("cx_true"),
        )
    )


def _sample(w) -> tuple[tuple[float, ...], ...]:
    assert w.sample is not None  # only witnesses with values at point 0 are tabled
    return w.sample
