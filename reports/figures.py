"""Figures for the report (matplotlib, vector PDF, deterministic bytes), over any `Run`'s claims.

Set in the report's own fonts: Computer Modern (matplotlib's cmr10, math in its cm fontset) as
pdflatex sets the body, and for Korean kotex's UnBatang behind it for the Hangul, as kotex does.
Labels and legends come from `reports/i18n.py` in the report's language; where matplotlib finds
no Hangul font, the figure keeps English labels (the captions, set by LaTeX, are in the report's
language either way, and state what the figure was drawn from: `points_drawn`, `ULP_FLOOR`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from reports.i18n import strings
from reports.tex import sci
from verify.results import ClaimResult, Run

FLOOR = 1e-20  # where differences of exactly 0 are drawn on the log axis
ULP_FLOOR = 1e-3  # where errors of exactly 0 ULP are counted on the ULP figure's log axis
PAIR_COLORS = {"sympy–numpy": "#1b9e77", "sympy–jax": "#d95f02", "numpy–jax": "#7570b3"}
WITNESS_COLORS = {"sympy": "#1b9e77", "numpy": "#d95f02", "jax": "#7570b3"}
# kotex's body font first (the report's Hangul), then other serif (batang, myeongjo) faces, then
# the sans ones a figure with Hangul is still better for than English labels
HANGUL_FONTS = (
    "UnBatang", "Noto Serif CJK KR", "Noto Serif KR", "NanumMyeongjo", "Baekmuk Batang",
    "NanumGothic", "Noto Sans CJK KR", "Noto Sans KR", "UnDotum", "Baekmuk Gulim",
)  # fmt: skip
# pdflatex's body font as matplotlib ships it; cmr10 has no U+2212, so ticks keep "-", and its
# tick numbers are set as math (matplotlib warns for cmr10 without axes.formatter.use_mathtext)
BODY_RC = {
    "font.family": "serif",
    "font.serif": ["cmr10"],
    "mathtext.fontset": "cm",
    "axes.formatter.use_mathtext": True,
    "axes.unicode_minus": False,
}


@cache
def hangul_font() -> str | None:
    """The first of `HANGUL_FONTS` matplotlib can use. Its font list is cached on first use, so
    a font installed since is looked for among the system's fonts (fontconfig) and added."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    names = {f.name for f in manager.ttflist}
    if not names.intersection(HANGUL_FONTS):
        for path in font_manager.findSystemFonts():
            try:
                name = font_manager.ttfFontProperty(font_manager.get_font(path)).name
            except Exception:  # a font FreeType cannot read: not ours to judge
                continue
            if name in HANGUL_FONTS:
                manager.addfont(path)
                names.add(name)
    return next((n for n in HANGUL_FONTS if n in names), None)


def _cm_partial() -> None:
    """mathtext's cm fontset has no entry for \\partial and sets it in STIX; cmmi10 has it (at
    TeX's code 64), so ∂L/∂W is set in Computer Modern like the body's."""
    from matplotlib import _mathtext_data

    _mathtext_data.latex_to_bakoma.setdefault(r"\partial", ("cmmi10", 64))


def figure_strings(lang: str) -> tuple[dict[str, str], dict]:
    """The sentences for a figure and matplotlib's rc settings for them: the body's font, and for
    Korean the Hangul font behind it (matplotlib falls back glyph by glyph from one family to the
    next, as kotex does; not within mathtext, so no label mixes Hangul and math)."""
    _cm_partial()
    if lang == "ko":
        font = hangul_font()
        if font is None:
            return strings("en"), dict(BODY_RC)
        return strings("ko"), {**BODY_RC, "font.family": ["serif", font]}
    return strings(lang), dict(BODY_RC)


def points_drawn(run: Run) -> int:
    """The sample points the agreement figure shows: the first chunk's (0: none)."""
    agreements = [r.agreement for r in run.claims if r.agreement is not None]
    return max((e.size for a in agreements for e in a.pair_errors.values()), default=0)


def _text(s: str) -> str:
    """A user's text for a label: a `$` of theirs is no mathtext."""
    return s.replace("$", r"\$")


def _label(r: ClaimResult, t: dict[str, str]) -> str:
    """`dL/dW1` → mathtext `$\\partial L/\\partial W_{1}$`; a user's claim → `line 13`, its place
    in the notes as the report's sections head it (a name is the user's text, in any script:
    the body's fonts need not have its glyphs, and a long one would not fit under a tick)."""
    claim = r.claim
    if claim.wrt is not None and claim.source == "built-in":
        return rf"$\partial L/\partial {claim.wrt.kind}_{{{claim.wrt.layer}}}$"
    if claim.line:
        return t["where_line"].format(line=claim.line)
    return _text(claim.name or "")


def _save(fig, path: Path) -> Path:
    """`fig` as PDF at `path`: drawn into a temporary beside it and renamed (`atomic_file`), so an
    interrupted or failed savefig never leaves a truncated figure under the final name."""
    import matplotlib.pyplot as plt

    from reports.output import atomic_file

    try:
        with atomic_file(path) as file:
            fig.savefig(file, format="pdf", metadata={"CreationDate": None, "ModDate": None})
    finally:
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
                first, second = pair.split("–")
                ax.scatter(centre + jitter, errors, s=4, alpha=0.45, color=PAIR_COLORS[pair], linewidths=0,
                           label=t["fig_pair"].format(a=first, b=second) if x == 0 else None)  # fmt: skip
            if a.allowed is not None:
                tol = float(np.min(a.allowed))
                top = max(top, tol)
                ax.hlines(tol, x - 0.45, x + 0.45, colors="black", linewidth=1.5,
                          label=t["fig_tolerance"] if x == 0 else "_")  # fmt: skip
        ax.set_yscale("log")
        ax.set_ylim(FLOOR / 3, top * 30)
        ax.set_xticks(
            range(len(results)), [_label(r, t) for r in results], rotation=45 if len(results) > 6 else 0
        )
        ax.set_ylabel(t["fig_ylabel"])
        ax.axhline(FLOOR, color="gray", linewidth=0.5, linestyle=":")
        ax.text(max(len(results) - 0.5, 0.5), FLOOR * 1.6, t["fig_zero"], ha="right", va="bottom", fontsize=7,
                color="gray")  # fmt: skip
        if results:
            ax.legend(loc="upper left", fontsize=8, ncols=4, frameon=False, markerscale=3)
        return _save(fig, path)  # points, seed: in the caption (`points_drawn`)


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
    floor = ULP_FLOOR  # errors of exactly 0 ULP are counted in the first bin
    bins = np.logspace(np.log10(floor), np.log10(top) + 0.1, 60)
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(7.0, 3.0), layout="constrained")
        for w in witnesses:
            v = np.clip(values[w], floor, bins[-1])
            label = t["fig_ulp_legend"].format(witness=w, max=sci(float(values[w].max())))
            ax.hist(v, bins=bins, histtype="step", linewidth=1.3, color=WITNESS_COLORS[w], label=label)
        ax.set_xscale("log")
        ax.set_xlabel(t["fig_ulp_xlabel"].format())
        ax.set_ylabel(t["fig_ulp_ylabel"])
        ax.legend(loc="upper right", fontsize=8, frameon=False)
        return _save(fig, path)  # points, library, digits, dtype, floor: in the caption
