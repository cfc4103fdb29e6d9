"""`derivcheck report`: a run → its derivation steps and dimension-free proofs (the SymPy work,
done once, here) → figures → the .tex (pure render) → written atomically → the PDF.

An earlier good report is never destroyed by a failed run: every file is written under a
partial name and renamed, and the PDF is built aside (`reports/output.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reports.latex import ReportInput, render_report
from reports.output import compile_pdf, missing_tex, write_atomically
from reports.tex import own_version, versions
from verify.results import Run


@dataclass(frozen=True)
class Built:
    """What a build wrote, and why there is no PDF when there is none."""

    written: tuple[Path, ...]
    hint: str | None = None


def derivation_steps(run: Run) -> dict:
    """The derivation step (index form, SymPy's matrices) of each built-in claim, by name."""
    from derive.derivation import derivation_step

    return {
        r.claim.name: derivation_step(r.claim.identity, run.network)
        for r in run.claims
        if r.claim.source == "built-in" and r.claim.identity is not None and r.claim.name
    }


def report_input(
    run: Run, lang: str, date: str, figure: str | None = None, ulps: str | None = None
) -> ReportInput:
    """Everything `render_report` needs, the symbolic work included (built-in runs only)."""
    dimension_free: tuple = ()
    if run.source is None:
        from derive.dimension_free import dimension_free_proofs

        dimension_free = tuple(dimension_free_proofs())
    return ReportInput(
        run,
        lang,
        figure,
        ulps,
        steps=derivation_steps(run),
        dimension_free=dimension_free,
        date=date,
        version=own_version(),
        versions=versions(),
    )


def build_report(run: Run, folder: Path, lang: str, date: str, pdf: bool = True) -> Built:
    """Write `folder/report.tex`, `folder/figures/*.pdf` and (with TeX) `folder/report.pdf`.
    Raises `reports.output.LatexError` when LaTeX fails."""
    from reports.figures import agreement_figure, ulp_figure

    figure = agreement_figure(run, folder / "figures" / "agreement.pdf", lang)
    ulps = ulp_figure(run, folder / "figures" / "ulp.pdf", lang)
    relative = {p: p.relative_to(folder).as_posix() for p in (figure, ulps) if p is not None}
    text = render_report(
        report_input(run, lang, date, relative[figure], relative.get(ulps) if ulps else None)
    )
    written = [write_atomically(folder / "report.tex", text), figure, *([ulps] if ulps else [])]
    hint = None
    if pdf:
        hint = missing_tex(lang)
        if hint is None:
            written.append(compile_pdf(folder))
    return Built(tuple(written), hint)
