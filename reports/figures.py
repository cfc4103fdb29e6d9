"""Figures for the report (matplotlib, vector PDF, deterministic bytes), over any `Run`'s claims.

Labels, legends and titles come from `reports/i18n.py` in the report's language. Korean needs
a font with Hangul; where matplotlib finds none, the figure keeps English labels (the captions,
set by LaTeX, are in the report's language either way).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from reports.i18n import strings
from verify.results import ClaimResult, Run

FLOOR = 1e-20  # where differences of exactly 0 are drawn on the log axis
PAIR_COLORS = {"sympy–numpy": "#1b9e77", "sympy–jax": "#d95f02", "numpy–jax": "#7570b3"}
WITNESS_COLORS = {"sympy": "#1b9e77", "numpy": "#d95f02", "jax": "#7570b3"}
HANGUL_FONTS = ("NanumGothic", "Noto Sans CJK KR", "Noto Sans KR", "UnDotum", "Baekmuk Gulim")


@cache
def hangul_font() -> str | None:
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in HANGUL_FONTS if n in names), None)


def figure_strings(lang: str) -> tuple[dict[str, str], dict]:
    """The sentences for a figure and matplotlib's rc settings for them."""
    if lang == "ko":
        font = hangul_font()
        if font is None:
            return strings("en"), {}
        return strings("ko"), {"font.family": [font, "DejaVu Sans"]}
    return strings(lang), {}


def _label(r: ClaimResult) -> str:
    """`dL/dW1` → mathtext `$\\partial L/\\partial W_{1}$`; a user's claim → `line 13`."""
    claim = r.claim
    if claim.wrt is not None and claim.source == "built-in":
        return rf"$\partial L/\partial {claim.wrt.kind}_{{{claim.wrt.layer}}}$"
    return f"{claim.line}" + (f" ({claim.name})" if claim.name else "")


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="pdf", metadata={"CreationDate": None, "ModDate": None})
    plt.close(fig)
    return path


def agreement_figure(run: Run, path: Path, lang: str = "en") -> Path:
    """Per claim, the largest difference between each witness pair at each point (log y), with
    the tolerance drawn as a bar; written to `path` as PDF."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t, rc = figure_strings(lang)
    rng = np.random.default_rng(0)  # jitter only; fixed so the figure is reproducible
    results = [r for r in run.claims if r.agreement is not None and r.agreement.pair_errors]
    agreements = [r.agreement for r in results if r.agreement is not None]
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(7.0, 3.4 if len(results) <= 6 else 4.0), layout="constrained")
        pairs = list(PAIR_COLORS)
        width = 0.8 / len(pairs)
        top = FLOOR
        for x, a in enumerate(agreements):
            for k, pair in enumerate(pairs):
                if pair not in a.pair_errors:
                    continue
                errors = np.maximum(a.pair_errors[pair], FLOOR)
                top = max(top, float(errors.max()))
                centre = x - 0.4 + (k + 0.5) * width
                jitter = rng.uniform(-width / 3, width / 3, errors.size)
                ax.scatter(centre + jitter, errors, s=4, alpha=0.45, color=PAIR_COLORS[pair], linewidths=0,
                           label=pair if x == 0 else None)  # fmt: skip
            if a.allowed is not None:
                tol = float(np.min(a.allowed))
                top = max(top, tol)
                ax.hlines(tol, x - 0.45, x + 0.45, colors="black", linewidth=1.5,
                          label=t["fig_tolerance"] if x == 0 else "_")  # fmt: skip
        ax.set_yscale("log")
        ax.set_ylim(FLOOR / 3, top * 30)
        ax.set_xticks(
            range(len(results)), [_label(r) for r in results], rotation=45 if len(results) > 6 else 0
        )
        ax.set_ylabel(t["fig_ylabel"])
        ax.axhline(FLOOR, color="gray", linewidth=0.5, linestyle=":")
        ax.text(max(len(results) - 0.5, 0.5), FLOOR * 1.6, t["fig_zero"], ha="right", va="bottom", fontsize=7,
                color="gray")  # fmt: skip
        if results:
            ax.legend(loc="upper left", fontsize=7, ncols=4, frameon=False, markerscale=3)
        shown = max((e.size for a in agreements for e in a.pair_errors.values()), default=0)
        points, seed = run.settings.points, run.settings.seed
        title = (
            t["fig_points_all"].format(points=f"{points:,}", seed=seed)
            if shown in (0, points)
            else t["fig_points_first"].format(shown=f"{shown:,}", points=f"{points:,}", seed=seed)
        )
        ax.set_title(title, fontsize=9)
        return _save(fig, path)


def ulp_figure(run: Run, path: Path, lang: str = "en") -> Path | None:
    """The distribution of each witness's errors against the high-precision reference, in ULPs
    of the run's dtype (all claims, entries and reference points; log x), as step histograms;
    None when there is no reference."""
    agreements = [r.agreement for r in run.claims if r.agreement is not None]
    witnesses = [w for w in WITNESS_COLORS if any(w in a.ulps for a in agreements)]
    if not witnesses:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t, rc = figure_strings(lang)
    values = {w: np.concatenate([a.ulps[w] for a in agreements if w in a.ulps]) for w in witnesses}
    finite = np.concatenate([v[np.isfinite(v)] for v in values.values()])
    top = max(1.0, float(finite.max(initial=1.0)))
    floor = 1e-3  # errors of exactly 0 ULP are counted in the first bin
    bins = np.logspace(np.log10(floor), np.log10(top) + 0.1, 60)
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(7.0, 3.0), layout="constrained")
        for w in witnesses:
            v = np.clip(values[w], floor, bins[-1])
            label = t["fig_ulp_legend"].format(witness=w, max=f"{values[w].max():.3g}")
            ax.hist(v, bins=bins, histtype="step", linewidth=1.3, color=WITNESS_COLORS[w], label=label)
        ax.set_xscale("log")
        ax.set_xlabel(t["fig_ulp_xlabel"].format(dtype=run.settings.dtype, floor=f"{floor:g}"))
        ax.set_ylabel(t["fig_ulp_ylabel"])
        ax.legend(loc="upper right", fontsize=7, frameon=False)
        ref = run.reference
        ax.set_title(
            t["fig_ulp_title"].format(points=f"{ref.points:,}", library=ref.library, digits=ref.digits),
            fontsize=9,
        )
        return _save(fig, path)
