"""The LaTeX report: a pure `render_report(...) -> str` from a verification run.

Math comes from `sympy.latex` (through `reports/math_print.py`) and from our formula trees;
every other string passes through `tex()`, which escapes TeX's special characters. The date
honours SOURCE_DATE_EPOCH, so the same inputs give byte-identical `.tex`.
"""

from __future__ import annotations

import math
import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import jinja2
from verify.claim_results import CheckRun

from derive import ACTIVATIONS, GENERIC, LOSSES, InputError
from derive.derivation import Derivation, Step, derivation
from derive.formula import to_latex
from derive.identities import layer_identities
from derive.notation import entry_symbols
from reports.i18n import LOSS_CONVENTIONS, strings
from reports.math_print import latex, partial_latex
from reports.network_tikz import network_tikz
from verify import CheckResult, VerifyRun
from verify.results import WITNESSES
from verify.tolerance import K, policy_latex

TEMPLATES = Path(__file__).parent / "templates"
MAX_SHOWN = (8, 6)  # rows, cols: larger matrices are checked but not printed

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}
# the non-ASCII characters our own messages use
_UNICODE = {
    "−": "$-$",
    "≠": r"$\neq$",
    "×": r"$\times$",
    "ℓ": r"$\ell$",
    "∘": r"$\circ$",
    "→": r"$\to$",
    "·": r"$\cdot$",
    "ᵀ": r"$^{T}$",
    "δ": r"$\delta$",
    "≤": r"$\le$",
    "—": "---",
    "–": "--",
    "∂": r"$\partial$",
    "Σ": r"$\Sigma$",
    "σ": r"$\sigma$",
    "Δ": r"$\Delta$",
    "|": r"\textbar{}",
    "½": r"$\frac12$",
    "‖": r"$\Vert$",
}


def _hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f"


def tex(text: object, hangul: bool = False) -> str:
    """Escape plain text for LaTeX. Characters TeX cannot typeset here become `?`."""
    out = []
    for ch in str(text):
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch in _UNICODE:
            out.append(_UNICODE[ch])
        elif (ch.isascii() and (ch.isprintable() or ch in "\n\t")) or (hangul and _hangul(ch)):
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


def sci(x: float) -> str:
    """A number for math mode: `1.1 \\times 10^{-16}`, `0`, or a dash for NaN."""
    if math.isnan(x):
        return r"\text{--}"
    if x == 0:
        return "0"
    mantissa, exponent = f"{x:.1e}".split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def report_date() -> str:
    """Today (UTC), or the date of SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return datetime.now(UTC).date().isoformat()
    if not epoch.strip().isdigit():
        raise InputError("SOURCE_DATE_EPOCH", "a non-negative integer (seconds since 1970)", epoch)
    return datetime.fromtimestamp(int(epoch), UTC).date().isoformat()


def _versions() -> str:
    names = ("sympy", "numpy", "jax", "jaxlib")
    return ", ".join(f"{n} {metadata.version(n)}" for n in names) + f", Python {platform.python_version()}"


@dataclass(frozen=True)
class ReportInput:
    """What a report is rendered from; `figure` is the path the .tex includes (or None)."""

    run: VerifyRun
    lang: str = "en"
    figure: str | None = None
    ulp_figure: str | None = None
    claims: CheckRun | None = None  # `report --claims FILE`: the user's checked claims


MAX_LINE = 170  # characters of LaTeX in one printed matrix row: about the width of the page


def _matrix(m, names) -> str | None:
    """LaTeX of a matrix small enough to print on the page, else None."""
    if m is None or m.shape[0] > MAX_SHOWN[0] or m.shape[1] > MAX_SHOWN[1]:
        return None
    widest = max(len(latex(e, names)) for e in m) * m.shape[1]
    return latex(m, names) if widest <= MAX_LINE else None


def _scope(proof, t: dict[str, str]) -> str:
    """What a proof covers, in LaTeX: generic f and ℓ(z_2), or `sigmoid, mse`."""
    key = proof.setting
    act = t["generic_f"] if key.activation == GENERIC else tex(key.activation)
    loss = t["generic_loss"].replace("LAYER", str(key.layers[-1])) if key.loss == GENERIC else tex(key.loss)
    return f"{act}, {loss}"


def _proof_line(proof, t: dict[str, str], lang: str) -> dict[str, str | None]:
    status = t[proof.status]
    status = (
        rf"\good{{{status}}}"
        if proof.status in ("proved",)
        else (rf"\textcolor{{gray}}{{{status}}}" if proof.status == "skipped" else rf"\bad{{{status}}}")
    )
    hangul = lang == "ko"
    if lang == "ko" and proof.status == "proved":
        reason = (
            f"모든 {len(proof.derived)}개 성분에서 (미분 결과) $-$ (공식) $= 0$ "
            rf"(\texttt{{{tex(proof.method)}}})"
        )
    elif lang == "ko" and proof.method == "random point":
        reason = f"성분 {proof.counterexample.entry}에서 (미분 결과) $-$ (공식) $\\neq 0$"
    elif lang == "ko" and proof.status == "skipped":
        reason = t["skipped_size"] + " (" + tex(proof.reason.removeprefix("skipped (size): ")) + ")"
    else:
        reason = tex(proof.reason, hangul)
    cx = None
    if proof.counterexample is not None:
        c = proof.counterexample
        shown = ", ".join(f"{k} = {v}" for k, v in c.assignment[:10])
        more = f", … ({len(c.assignment) - 10} more)" if len(c.assignment) > 10 else ""
        cx = t["counterexample"] + ": "
        cx += tex(
            t["counterexample_text"].format(entry=c.entry, claimed=c.claimed, derived=c.derived), hangul
        )
        cx += r" {\footnotesize\texttt{" + tex(shown + more) + "}}"
    return {"scope": _scope(proof, t), "status": status, "reason": reason, "counterexample": cx}


def _target_tex(identity) -> str:
    t = identity.target
    base = {"W": "W", "b": "b", "a": "A" if identity.batched else "a", "z": "Z" if identity.batched else "z"}
    return f"{base[t.kind]}_{{{t.layer}}}"


def _section(result: CheckResult, step: Step, run: VerifyRun, t: dict[str, str], lang: str) -> dict:
    identity = step.identity
    hangul = lang == "ko"
    names = step.latex_names
    target_tex = _target_tex(identity)
    rows, cols = run.network.shape(identity.target.kind, identity.target.layer)
    too_big = tex(t["matrix_too_big"].format(rows=rows, cols=cols), hangul)
    witnesses = [w for w in WITNESSES if w in result.per_witness and result.per_witness[w].error is None]
    table = []
    symbols = entry_symbols(identity.target, step.generic.setting)
    if witnesses and rows * cols <= 36:
        for r in range(rows):
            for c in range(cols):
                values = [result.per_witness[w].sample[r][c] for w in witnesses]
                table.append(
                    {
                        "entry": rf"\partial L / \partial {names[symbols[r, c]]}",
                        "cells": [f"{v:.16e}" for v in values],
                        "diff": f"${sci(max(values) - min(values))}$",
                    }
                )
    notes = [
        tex(f"{w}: {result.per_witness[w].error}", hangul)
        for w in WITNESSES
        if w in result.per_witness and result.per_witness[w].error
    ]
    if result.counterexample is not None:
        cx = result.counterexample
        values = ", ".join(f"{k} {v:.17g}" for k, v in cx.values.items())
        detail = t["disagreement_text"].format(
            point=cx.point, entry=cx.entry, blamed=", ".join(cx.blamed) or "?"
        )
        notes.append(tex(t["disagreement"], hangul) + ": " + tex(f"{detail} ({values})", hangul))
    skipped = [tex(f"{w}: {why}", hangul) for w, why in run.skipped.items()]
    passed = rf"\good{{{t['passed']}}}" if result.passed else rf"\bad{{{t['no']}: {t['passed']}}}"
    return {
        "heading": rf"\partial L / \partial {target_tex}",
        "statement": seed_statement(identity),
        "entry_lhs": partial_latex(step.entry_target),
        "entry_rhs": latex(step.entry_formula) if step.entry_formula is not None else r"\text{--}",
        "target_matrix": rf"\frac{{\partial L}}{{\partial {target_tex}}}",
        "derivation_heading": t["derivation"].replace("SCOPE", _scope(step.generic, t)),
        "derived": _matrix(step.derived, names),
        "too_big": too_big if step.derived is not None else tex(step.generic.reason, hangul),
        "formula_latex": to_latex(identity.formula, identity.batched),
        "assembled": _matrix(step.assembled, names),
        "proofs": [_proof_line(step.generic, t, lang), _proof_line(step.concrete, t, lang)],
        "numeric_text": tex(t["numeric_text"].format(points=f"{run.points:,}"), hangul),
        "witnesses": witnesses,
        "table": table,
        "witness_notes": notes,
        "skipped_notes": skipped,
        "kink_note": (
            tex(
                t["kink_point_note"].format(points=f"{run.kinks.points:,}", err=f"{result.at_kinks:.2g}"),
                hangul,
            )
            if run.kinks is not None and result.at_kinks is not None
            else None
        ),
        "max_abs_err": sci(result.max_abs_err),
        "passed": passed,
    }


def seed_statement(identity) -> str:
    """The identity as the notes write it, with `∂L/∂z_{l+1}` for `δ_{l+1}` where they do."""
    t, l = identity.target, identity.target.layer  # noqa: E741
    if identity.batched or identity not in layer_identities(l):
        return identity.latex
    dz = rf"\dfrac{{\partial L}}{{\partial z_{{{l + 1}}}}}"
    return {
        "a": rf"\dfrac{{\partial L}}{{\partial a_{{{l}}}}} = W^T_{{{l}}} {dz}",
        "z": rf"\delta_{{{l}}} = \dfrac{{\partial L}}{{\partial z_{{{l}}}}} = "
        rf"\dfrac{{\partial L}}{{\partial a_{{{l}}}}} \circ f'(z_{{{l}}}) = "
        rf"W^T_{{{l}}} {dz} \circ f'(z_{{{l}}})",
        "W": rf"\dfrac{{\partial L}}{{\partial W_{{{l}}}}} = \delta_{{{l + 1}}} a_{{{l}}}^T",
        "b": rf"\dfrac{{\partial L}}{{\partial b_{{{l}}}}} = \delta_{{{l + 1}}}",
    }[t.kind]


def _forward_lines(run: VerifyRun) -> list[str]:
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
        lines.append(
            (
                r"L &= \frac{1}{B} \sum_{e=1}^{B} \ell_e,"
                if net.reduction == "mean"
                else r"L &= \sum_{e=1}^{B} \ell_e,"
            )
            + rf"\quad \ell_e = {loss} \text{{ for example }} e"
        )
    else:
        lines.append(rf"L &= {loss}")
    return lines


def _notation(run: VerifyRun, t: dict[str, str]) -> list[dict[str, str]]:
    net = run.network
    sizes = net.sizes

    def per_layer(kind: str, layers: range, name: str | None = None) -> str:
        parts = []
        for layer in list(layers)[:4]:
            rows, cols = net.shape(kind, layer)
            size = f"{rows}" if cols == 1 else rf"{rows}$\times${cols}"
            parts.append(f"${name or kind}_{{{layer}}}$: {size}")
        return ", ".join(parts) + (", …" if len(layers) > 4 else "")

    batched = net.batch > 1
    weights = range(1, len(sizes))
    layers = range(1, len(sizes) + 1)
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


def _sample_point(run: VerifyRun) -> str:
    parts = []
    for name, value in run.first_point.items():
        if value.shape[0] > MAX_SHOWN[0] or value.shape[1] > MAX_SHOWN[1]:
            continue
        body = r" \\ ".join(" & ".join(f"{v:.4f}" for v in row) for row in value)
        symbol = {"z1": "z_1", "y": "y"}.get(name, f"{name[0]}_{{{name[1:]}}}")
        parts.append(rf"{symbol} = \begin{{bmatrix}}{body}\end{{bmatrix}}")
    return r",\quad ".join(parts)


def _dimension_free(t: dict[str, str]) -> list[dict[str, str]]:
    from derive.dimension_free import dimension_free_proofs, ell, ell_prime  # noqa: F401

    rows = []
    for proof in dimension_free_proofs():
        rows.append(
            {
                "name": tex(proof.identity.name),
                "lhs": partial_latex(proof.target),
                "derived": latex(proof.derived),
                "formula": latex(proof.formula),
                "status": rf"\good{{{t['proved']}}}"
                if proof.status == "proved"
                else rf"\bad{{{tex(proof.status)}}}",
            }
        )
    return rows


def _facts(run: VerifyRun, t: dict[str, str], lang: str) -> dict:
    net = run.network
    hangul = lang == "ko"
    act, loss = ACTIVATIONS[net.activation], LOSSES[net.loss]
    activation_definition = act.definition
    if act.parameter is not None:
        activation_definition += rf",\ {act.parameter.tex} = {net.slope}"
    batch = ""
    if net.batch > 1:
        batch = t["batch_convention_" + net.reduction].format(B=net.batch)
    stand_in = ""
    if net.numeric.loss != net.loss:
        stand_in = t["stand_in"].format(loss=net.numeric.loss)
    return {
        "version": tex(metadata.version("derivcheck")),
        "date": report_date(),
        "network": tex(" → ".join(map(str, net.sizes))) + rf" ($W_1$: {net.sizes[1]}$\times${net.sizes[0]})",
        "activation": tex(net.activation),
        "activation_definition": activation_definition,
        "loss": tex(net.loss),
        "loss_definition": loss.definition,
        "convention": LOSS_CONVENTIONS.get(lang, {}).get(net.loss) or tex(loss.convention),
        "batch": batch,
        "stand_in": stand_in,
        "seed": run.seed,
        "points": f"{run.points:,}",
        "dtype": run.dtype,
        "tolerance": policy_latex(run.dtype),
        "versions": tex(_versions()),
        "pair": tex(f"{net.activation}, {net.loss}"),
        "skipped": [
            tex(t["skipped_witness"].format(witness=w, why=why.removeprefix("skipped (size): ")), hangul)
            for w, why in run.skipped.items()
        ],
        "concrete_skipped": next(
            (
                tex(t["skipped_concrete"].format(why=r.proof.reason.removeprefix("skipped (size): ")), hangul)
                for r in run.results
                if r.proof.status == "skipped"
            ),
            None,
        ),
        "kinks": None
        if run.kinks is None
        else tex(
            t["kinks_text"].format(
                points=f"{run.kinks.points:,}",
                activation=net.activation,
                conventions=", ".join(f"{w} {c}" for w, c in run.kinks.conventions.items()),
                err=f"{run.kinks.max_abs_err:.2g}",
            ),
            hangul,
        ),
    }


def _claims(report: ReportInput, t: dict[str, str], hangul: bool) -> dict | None:
    if report.claims is None:
        return None
    from reports.claims_latex import claims_context  # it uses tex() from here

    return claims_context(report.claims, t, hangul)


def _precision(run: VerifyRun, t: dict[str, str], lang: str) -> dict:
    """The reference and the error budget: text, and a table identity × witness."""
    hangul = lang == "ko"
    ref = run.reference
    worst = max((r.worst_ratio for r in run.results), default=0.0)
    out = {
        "budget": t["budget_text"].format(dtype=run.dtype, K=K, used=tex(f"{100 * worst:.2g} %")),
        "text": None,
        "rows": [],
    }
    if ref is None or ref.skipped:
        why = ref.skipped.removeprefix("skipped (size): ") if ref else "--"
        out["text"] = tex(t["precision_skipped"].format(why=why), hangul)
        return out
    subset = (
        t["subset_all"].format(points=f"{ref.points:,}")
        if ref.points == run.points
        else t["subset_first"].format(points=f"{ref.points:,}", total=f"{run.points:,}")
    )
    out["text"] = tex(
        t["precision_text"].format(digits=ref.digits, subset=subset, dtype=run.dtype, library=ref.library),
        hangul,
    )
    for r in run.results:
        for w in WITNESSES:
            pw = r.per_witness.get(w)
            if pw is None or pw.max_ulp is None:
                continue
            out["rows"].append(
                {
                    "identity": tex(r.identity),
                    "witness": tex(w),
                    "abs": sci(pw.max_abs_vs_ref),
                    "rel": sci(pw.max_rel_vs_ref) if math.isfinite(pw.max_rel_vs_ref) else r"\infty",
                    "ulp": sci(pw.max_ulp) if math.isfinite(pw.max_ulp) else r"\infty",
                }
            )
    return out


def render_report(report: ReportInput) -> str:
    run, lang = report.run, report.lang
    t = strings(lang)
    hangul = lang == "ko"
    net = run.network
    d: Derivation = derivation(net, tuple(r.proof.identity for r in run.results))
    forward = (
        tex(t["forward_agree"].format(err=f"{run.forward.max_abs_err:.1e}"), hangul)
        if run.forward.passed
        else r"\bad{" + tex(t["forward_disagree"].format(mismatch=run.forward.mismatch), hangul) + "}"
    )
    if sample := _sample_point(run):
        forward += rf" {tex(t['sample_point'], hangul)}: \[ {sample} \]"
    summary = [
        {
            "name": tex(r.identity),
            "formula": to_latex(r.proof.identity.formula, r.proof.identity.batched),
            "generic": _proof_line(r.generic_proof, t, lang)["status"],
            "concrete": _proof_line(r.proof, t, lang)["status"],
            "err": sci(r.max_abs_err),
            "passed": rf"\good{{{t['yes']}}}" if r.passed else rf"\bad{{{t['no']}}}",
        }
        for r in run.results
    ]
    env = jinja2.Environment(
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
    return env.get_template("report.tex.j2").render(
        lang=lang,
        t=t,
        facts=_facts(run, t, lang),
        passed=run.passed and (report.claims is None or report.claims.passed),
        claims=_claims(report, t, hangul),
        verdict=t["verdict_all_skipped"] if run.skipped else t["verdict_all"],
        network_tikz=network_tikz(net.sizes),
        notation=_notation(run, t),
        forward=_forward_lines(run),
        forward_check=forward,
        generic_slices=net.depth > 1,
        dimension_free=_dimension_free(t),
        sections=[_section(r, s, run, t, lang) for r, s in zip(run.results, d.steps, strict=True)],
        summary=summary,
        figure=report.figure,
        ulp_figure=report.ulp_figure,
        precision=_precision(run, t, lang),
    )
