"""`derivcheck report`: a run → its derivation steps and dimension-free proofs (the SymPy work,
done once, here) → figures → the .tex (pure render) → written atomically → the PDF.

A report is published as one set: built whole in a private folder inside `--out`, then renamed
into place under a lock, report.pdf last (`reports/output.py` says how). An earlier good report
is never destroyed by a failed or interrupted run; a run without a PDF removes the earlier
report.pdf, which was built from another report.tex.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reports.latex import ReportInput, render_report
from reports.output import LatexError, compile_pdf, missing_tex, publish, work_folder, write_atomically
from reports.tex import own_version, versions
from verify.results import Run


@dataclass(frozen=True)
class Built:
    """What a build wrote, and why there is no PDF when there is none."""

    written: tuple[Path, ...]
    hint: str | None = None
    removed: tuple[Path, ...] = ()  # an earlier report.pdf (and log) this run had no PDF to replace


FIGURES = ("figures/agreement.pdf", "figures/ulp.pdf")
PDF = ("report.pdf", "report.log")  # LaTeX's log beside the PDF it made (overfull boxes, fonts)
FAILED = ("report.failed.tex", "report.failed.log")  # a run whose LaTeX failed: kept for reading


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
    """Write `folder/report.tex`, `folder/figures/*.pdf` and (with TeX) `folder/report.pdf`
    (and its `report.log`) as one set (`reports/output.py`). Raises `reports.output.LatexError`
    when LaTeX fails, having published only `report.failed.tex` and `report.failed.log`."""
    from reports.figures import agreement_figure, ulp_figure

    hint = missing_tex(lang) if pdf else None
    with_pdf = pdf and hint is None
    with work_folder(folder) as work:
        drawn = [agreement_figure(run, work / FIGURES[0], lang), ulp_figure(run, work / FIGURES[1], lang)]
        figures = [p.relative_to(work).as_posix() for p in drawn if p is not None]
        text = render_report(
            report_input(run, lang, date, figures[0], figures[1] if len(figures) > 1 else None)
        )
        write_atomically(work / "report.tex", text)
        if with_pdf:
            try:
                compile_pdf(work)
            except LatexError as e:
                raise _not_published(e, work, folder) from None
        earlier = () if with_pdf else tuple(folder / n for n in PDF if os.path.lexists(folder / n))
        # the earlier PDF is removed first and the new one renamed into place last, so no
        # report.pdf ever stands beside a report.tex it was not built from
        remove = [*PDF, *FAILED, *(f for f in FIGURES if f not in figures)]
        written = publish(work, folder, [*figures, "report.tex", *(PDF if with_pdf else ())], remove)
    n = len(figures)  # listed as before: the .tex, the figures, the PDF and its log
    return Built((written[n], *written[:n], *written[n + 1 :]), hint, earlier)


def _not_published(error: LatexError, work: Path, folder: Path) -> LatexError:
    """LaTeX failed on this run's report: publish only its .tex and log, under their `FAILED`
    names, and say that the earlier report (if any) is kept as it was."""
    os.replace(work / "report.tex", work / FAILED[0])
    names = [FAILED[0]]
    if error.log is not None:
        os.replace(error.log, work / FAILED[1])
        names.append(FAILED[1])
    kept = publish(work, folder, names, remove=FAILED)
    earlier = (
        f"the earlier report in {folder} is kept as it was"
        if os.path.lexists(folder / "report.tex")
        else f"nothing else was written to {folder}"
    )
    this = " and its log: " if len(kept) > 1 else ": "
    return LatexError(
        f"{error.what}, so this run's report was not published; {earlier} (this run's .tex{this}"
        f"{', '.join(map(str, kept))})" + (f":\n{error.excerpt}" if error.excerpt else ""),
        error.log,
    )
