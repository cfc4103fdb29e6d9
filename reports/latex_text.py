"""`derivcheck derive --latex`: the derivation as a LaTeX fragment (amsmath)."""

from __future__ import annotations

from derive.derivation import Derivation
from reports.math_print import latex, partial_latex
from reports.wording import Words


def render_derivation_latex(d: Derivation) -> str:
    words = Words("en")
    out = [f"% derivcheck derive --latex: {d.network.describe()}", r"% needs \usepackage{amsmath}"]
    for step in d.steps:
        identity = step.identity
        t = identity.target
        base = {"a": "A", "z": "Z"}.get(t.kind, t.kind) if identity.batched else t.kind
        rule = latex(step.entry_formula) if step.entry_formula is not None else r"\text{(shapes do not fit)}"
        out += [
            "",
            f"% {identity.text}",
            r"\begin{align*}",
            "  " + identity.latex.replace(" = ", " &= ", 1) + r" \\",
            rf"  {partial_latex(step.entry_target)} &= {rule}",
        ]
        if step.derived is not None:
            out[-1] += r" \\"
            matrix = latex(step.derived, step.latex_names)
            out.append(rf"  \frac{{\partial L}}{{\partial {base}_{{{t.layer}}}}} &= {matrix}")
        out.append(r"\end{align*}")
        for proof in (step.generic, step.concrete):
            out.append(f"% {words.proof(proof)}")
    return "\n".join(out)
