"""Figures for the report (matplotlib, vector PDF, deterministic bytes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from verify import VerifyRun

FLOOR = 1e-20  # where differences of exactly 0 are drawn on the log axis
PAIR_COLORS = {"sympy–numpy": "#1b9e77", "sympy–jax": "#d95f02", "numpy–jax": "#7570b3"}


def _math_label(name: str) -> str:
    """`dL/dW1` → mathtext `$\\partial L/\\partial W_{1}$`."""
    variable, layer = name[4], name[5:]
    return rf"$\partial L/\partial {variable}_{{{layer}}}$"


def agreement_figure(run: VerifyRun, path: Path) -> Path:
    """Per identity, the largest difference between each witness pair at each point (log y),
    with the tolerance drawn as a bar; written to `path` as PDF."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)  # jitter only; fixed so the figure is reproducible
    results = [r for r in run.results if r.pair_errors]
    fig, ax = plt.subplots(figsize=(7.0, 3.4 if len(results) <= 6 else 4.0), layout="constrained")
    pairs = list(PAIR_COLORS)
    width = 0.8 / len(pairs)
    top = FLOOR
    for x, result in enumerate(results):
        for k, pair in enumerate(pairs):
            if pair not in result.pair_errors:
                continue
            errors = np.maximum(result.pair_errors[pair], FLOOR)
            top = max(top, float(errors.max()))
            centre = x - 0.4 + (k + 0.5) * width
            jitter = rng.uniform(-width / 3, width / 3, errors.size)
            ax.scatter(
                centre + jitter,
                errors,
                s=4,
                alpha=0.45,
                color=PAIR_COLORS[pair],
                linewidths=0,
                label=pair if x == 0 else None,
                rasterized=False,
            )
        if result.allowed is not None:
            tol = float(np.min(result.allowed))
            top = max(top, tol)
            ax.hlines(
                tol, x - 0.45, x + 0.45, colors="black", linewidth=1.5, label="tolerance" if x == 0 else None
            )
    ax.set_yscale("log")
    ax.set_ylim(FLOOR / 3, top * 30)
    ax.set_xticks(
        range(len(results)),
        [_math_label(r.identity) for r in results],
        rotation=45 if len(results) > 6 else 0,
    )
    ax.set_ylabel("max |difference| per point")
    ax.axhline(FLOOR, color="gray", linewidth=0.5, linestyle=":")
    ax.text(len(results) - 0.5, FLOOR * 1.6, "exactly 0", ha="right", va="bottom", fontsize=7, color="gray")
    ax.legend(loc="upper left", fontsize=7, ncols=4, frameon=False, markerscale=3)
    shown = max((e.size for r in results for e in r.pair_errors.values()), default=0)
    scope = (
        f"{run.points:,} points" if shown == run.points else f"the first {shown:,} of {run.points:,} points"
    )
    ax.set_title(f"{scope}, seed {run.seed}", fontsize=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="pdf", metadata={"CreationDate": None, "ModDate": None})
    plt.close(fig)
    return path


WITNESS_COLORS = {"sympy": "#1b9e77", "numpy": "#d95f02", "jax": "#7570b3"}


def ulp_figure(run: VerifyRun, path: Path) -> Path | None:
    """The distribution of each witness's errors against the high-precision reference, in ULPs
    of the run's dtype at the true value (all identities, entries and reference points; log x),
    as step histograms; None when there is no reference."""
    witnesses = [w for w in WITNESS_COLORS if any(w in r.ulps for r in run.results)]
    if not witnesses:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = {w: np.concatenate([r.ulps[w] for r in run.results if w in r.ulps]) for w in witnesses}
    finite = np.concatenate([v[np.isfinite(v)] for v in values.values()])
    top = max(1.0, float(finite.max(initial=1.0)))
    floor = 1e-3  # errors of exactly 0 ULP are counted in the first bin
    bins = np.logspace(np.log10(floor), np.log10(top) + 0.1, 60)
    fig, ax = plt.subplots(figsize=(7.0, 3.0), layout="constrained")
    for w in witnesses:
        v = np.clip(values[w], floor, bins[-1])
        ax.hist(v, bins=bins, histtype="step", linewidth=1.3, color=WITNESS_COLORS[w],
                label=f"{w} (max {values[w].max():.3g})")  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel(f"|witness − reference| in ULPs ({run.dtype}; 0 drawn at {floor:g})")
    ax.set_ylabel("entries × points")
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    ref = run.reference
    ax.set_title(f"{ref.points:,} points, {ref.library} at {ref.digits} digits", fontsize=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="pdf", metadata={"CreationDate": None, "ModDate": None})
    plt.close(fig)
    return path
