"""`derivcheck derive --latex`: the derivation as a LaTeX fragment (amsmath)."""

from __future__ import annotations

from derive.derivation import Derivation
from reports.math_print import latex, partial_latex


def render_derivation_latex(d: Derivation) -> str:
    out = [f"% derivcheck derive --latex: {d.network.describe()}", r"% needs \usepackage{amsmath}"]
    for step in d.steps:
        out += [
            "",
            f"% {step.identity.text}",
            r"\begin{align*}",
            "  " + step.identity.latex.replace(" = ", " &= ", 1) + r" \\",
            rf"  {partial_latex(step.entry_target)} &= {latex(step.entry_formula)} \\",
            rf"  \frac{{\partial L}}{{\partial {_target_tex(step)}}} &= {latex(step.derived, d.latex_names)}",
            r"\end{align*}",
        ]
        for proof in (step.generic, step.concrete):
            out.append(f"% {proof.scope}: {proof.status} ({proof.reason})")
    return "\n".join(out)


def _target_tex(step) -> str:
    t = step.identity.target
    return f"{t.kind}_{{{t.layer}}}"
