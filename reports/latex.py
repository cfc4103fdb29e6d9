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

from derive import ACTIVATIONS, LOSSES, InputError
from derive.derivation import Derivation, Step, derivation
from derive.notation import display_symbols, entry_symbols
from reports.i18n import LOSS_CONVENTIONS, strings
from reports.math_print import latex, partial_latex
from reports.network_tikz import network_tikz
from verify import POLICY_LATEX, CheckResult, VerifyRun
from verify.results import WITNESSES

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


def _matrix(m, names) -> str | None:
    """LaTeX of a matrix small enough to print, else None."""
    if m is None or m.shape[0] > MAX_SHOWN[0] or m.shape[1] > MAX_SHOWN[1]:
        return None
    return latex(m, names)


def _proof_line(proof, t: dict[str, str], lang: str, generic: bool) -> dict[str, str | None]:
    scope = t["scope_generic"] if generic else tex(proof.scope)
    status = t[proof.status]
    status = rf"\good{{{status}}}" if proof.status == "proved" else rf"\bad{{{status}}}"
    hangul = lang == "ko"
    if lang == "ko" and proof.status == "proved":
        reason = (
            f"모든 {len(proof.derived)}개 성분에서 (미분 결과) $-$ (공식) $= 0$ "
            rf"(\texttt{{{tex(proof.method)}}})"
        )
    elif lang == "ko" and proof.method == "random point":
        reason = f"성분 {proof.counterexample.entry}에서 (미분 결과) $-$ (공식) $\\neq 0$"
    else:
        reason = tex(proof.reason, hangul)
    cx = None
    if proof.counterexample is not None:
        c = proof.counterexample
        shown = ", ".join(f"{k} = {v}" for k, v in c.assignment[:10])
        more = f", … ({len(c.assignment) - 10} more)" if len(c.assignment) > 10 else ""
        cx = (
            t["counterexample"]
            + ": "
            + tex(
                t["counterexample_text"].format(entry=c.entry, claimed=c.claimed, derived=c.derived), hangul
            )
        )
        cx += r" {\footnotesize\texttt{" + tex(shown + more) + "}}"
    return {"scope": scope, "status": status, "reason": reason, "counterexample": cx}


def _section(result: CheckResult, step: Step, run: VerifyRun, t: dict[str, str], lang: str) -> dict:
    identity = step.identity
    sizes = run.network.sizes
    names = display_symbols(sizes).latex_names
    target = identity.target
    target_tex = {"W": "W", "b": "b", "a": "a", "z": "z"}[target.kind] + f"_{{{target.layer}}}"
    rows, cols = step.derived.shape
    too_big = tex(t["matrix_too_big"].format(rows=rows, cols=cols), lang == "ko")
    witnesses = [w for w in WITNESSES if w in result.per_witness and result.per_witness[w].error is None]
    table = []
    symbols = entry_symbols(target, sizes)
    if witnesses and rows * cols <= 36:
        for r in range(rows):
            for c in range(cols):
                values = [result.per_witness[w].sample[r][c] for w in witnesses]
                diff = max(values) - min(values)
                table.append(
                    {
                        "entry": rf"\partial L / \partial {names[symbols[r, c]]}",
                        "cells": [f"{v:.16e}" for v in values],
                        "diff": f"${sci(diff)}$",
                    }
                )
    notes = [
        tex(f"{w}: {result.per_witness[w].error}", lang == "ko")
        for w in WITNESSES
        if w in result.per_witness and result.per_witness[w].error
    ]
    if result.counterexample is not None:
        cx = result.counterexample
        values = ", ".join(f"{k} {v:.17g}" for k, v in cx.values.items())
        notes.append(
            tex(t["disagreement"], lang == "ko")
            + ": "
            + tex(
                t["disagreement_text"].format(
                    point=cx.point, entry=cx.entry, blamed=", ".join(cx.blamed) or "?"
                )
                + f" ({values})",
                lang == "ko",
            )
        )
    passed = rf"\good{{{t['passed']}}}" if result.passed else rf"\bad{{{t['no']}: {t['passed']}}}"
    return {
        "heading": rf"\partial L / \partial {target_tex}",
        "statement": seed_statement(identity),
        "entry_lhs": partial_latex(step.entry_target),
        "entry_rhs": latex(step.entry_formula) if step.entry_formula is not None else r"\text{--}",
        "target_matrix": rf"\frac{{\partial L}}{{\partial {target_tex}}}",
        "derived": _matrix(step.derived, names),
        "too_big": too_big,
        "formula_latex": _formula_latex(identity),
        "assembled": _matrix(step.assembled, names),
        "proofs": [
            _proof_line(step.generic, t, lang, generic=True),
            _proof_line(step.concrete, t, lang, generic=False),
        ],
        "numeric_text": tex(t["numeric_text"].format(points=f"{run.points:,}"), lang == "ko"),
        "witnesses": witnesses,
        "table": table,
        "witness_notes": notes,
        "max_abs_err": sci(result.max_abs_err),
        "passed": passed,
    }


def _formula_latex(identity) -> str:
    from derive.formula import to_latex

    return to_latex(identity.formula)


def seed_statement(identity) -> str:
    """The identity as the notes write it, with `∂L/∂z_{l+1}` for `δ_{l+1}` where they do."""
    from derive.identities import layer_identities

    t, l = identity.target, identity.target.layer  # noqa: E741
    if identity not in layer_identities(l):
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
    sizes = run.network.sizes
    lines = []
    for layer in range(1, len(sizes)):
        lines.append(rf"a_{{{layer}}} &= f(z_{{{layer}}})")
        lines.append(rf"z_{{{layer + 1}}} &= W_{{{layer}}} a_{{{layer}}} + b_{{{layer}}}")
    loss = LOSSES[run.network.loss].definition.replace("z_L", f"z_{{{len(sizes)}}}")
    lines.append(loss.replace("L = ", "L &= ", 1))
    return lines


def _notation(run: VerifyRun, t: dict[str, str]) -> list[dict[str, str]]:
    sizes = run.network.sizes

    def per_layer(kind: str, layers: range) -> str:
        parts = []
        for layer in layers:
            rows, cols = run.network.shape(kind, layer)
            size = f"{rows}" if cols == 1 else rf"{rows}$\times${cols}"
            parts.append(f"${'W' if kind == 'W' else kind}_{{{layer}}}$: {size}")
        return ", ".join(parts)

    weights = range(1, len(sizes))
    layers = range(1, len(sizes) + 1)
    return [
        {"symbol": "a_l", "meaning": t["m_a"], "shape": per_layer("a", range(1, len(sizes)))},
        {"symbol": "z_l", "meaning": t["m_z"], "shape": per_layer("z", layers)},
        {"symbol": "W_l", "meaning": t["m_W"], "shape": per_layer("W", weights)},
        {"symbol": "b_l", "meaning": t["m_b"], "shape": per_layer("b", weights)},
        {
            "symbol": r"\delta_l",
            "meaning": t["m_delta"],
            "shape": per_layer("z", layers).replace("z_", r"\delta_"),
        },
        {"symbol": r"\circ", "meaning": t["m_circ"], "shape": ""},
    ]


def _sample_point(run: VerifyRun) -> str:
    parts = []
    for name, value in run.first_point.items():
        if value.shape[0] > MAX_SHOWN[0] or value.shape[1] > MAX_SHOWN[1]:
            continue
        body = r" \\ ".join(" & ".join(f"{v:.4f}" for v in row) for row in value)
        symbol = {"z1": "z_1", "y": "y"}.get(name, f"{name[0]}_{{{name[1:]}}}")
        parts.append(rf"{symbol} = \begin{{bmatrix}}{body}\end{{bmatrix}}")
    return r",\quad ".join(parts)


def render_report(report: ReportInput) -> str:
    run, lang = report.run, report.lang
    t = strings(lang)
    hangul = lang == "ko"
    net = run.network
    d: Derivation = derivation(net, tuple(r.proof.identity for r in run.results))
    act, loss = ACTIVATIONS[net.activation], LOSSES[net.loss]
    facts = {
        "version": tex(metadata.version("derivcheck")),
        "date": report_date(),
        "network": tex(" → ".join(map(str, net.sizes))) + rf" ($W_1$: {net.sizes[1]}$\times${net.sizes[0]})",
        "activation": tex(net.activation),
        "activation_definition": act.definition,
        "loss": tex(net.loss),
        "loss_definition": loss.definition,
        "convention": LOSS_CONVENTIONS.get(lang, {}).get(net.loss) or tex(loss.convention),
        "seed": run.seed,
        "points": f"{run.points:,}",
        "dtype": "float64",
        "tolerance": POLICY_LATEX,
        "versions": tex(_versions()),
        "pair": tex(f"{net.activation}, {net.loss}"),
    }
    forward = (
        tex(t["forward_agree"].format(err=f"{run.forward.max_abs_err:.1e}"), hangul)
        if run.forward.passed
        else r"\bad{" + tex(t["forward_disagree"].format(mismatch=run.forward.mismatch), hangul) + "}"
    )
    sample = _sample_point(run)
    if sample:
        forward += rf" {tex(t['sample_point'], hangul)}: \[ {sample} \]"
    summary = [
        {
            "name": tex(r.identity),
            "formula": _formula_latex(r.proof.identity),
            "generic": _proof_line(r.generic_proof, t, lang, True)["status"],
            "concrete": _proof_line(r.proof, t, lang, False)["status"],
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
        facts=facts,
        passed=run.passed,
        network_tikz=network_tikz(net.sizes),
        notation=_notation(run, t),
        forward=_forward_lines(run),
        forward_check=forward,
        sections=[_section(r, s, run, t, lang) for r, s in zip(run.results, d.steps, strict=True)],
        summary=summary,
        figure=report.figure,
    )
