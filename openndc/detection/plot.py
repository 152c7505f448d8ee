"""Plots of detection-stage measurements (library code: writes files, never shows windows)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["plot_onset_residuals"]


def plot_onset_residuals(
    residuals: np.ndarray,
    path: str | Path,
    *,
    title: str = "Onset residuals",
    limit: float = 0.5,
    bin_width: float = 0.01,
) -> Path:
    """Histogram of onset-time residuals [s] (automatic minus analyst) written to ``path``.

    Residuals beyond ±``limit`` [s] and NaN (missed) are counted in the legend; dashed lines
    mark ±0.1 s. Returns the path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = np.asarray(residuals, dtype=np.float64)
    n = len(r)
    finite = r[np.isfinite(r)]
    inside = finite[np.abs(finite) <= limit]
    frac01 = float(np.mean(np.abs(np.nan_to_num(r, nan=np.inf)) <= 0.1)) if n else 0.0
    frac05 = float(np.mean(np.abs(np.nan_to_num(r, nan=np.inf)) <= 0.5)) if n else 0.0
    fig, ax = plt.subplots(figsize=(7, 4))
    bins = [float(b) for b in np.arange(-limit, limit + bin_width, bin_width)]
    ax.hist(inside, bins=bins, color="tab:blue", edgecolor="white")
    for x in (-0.1, 0.1):
        ax.axvline(x, color="tab:red", ls="--", lw=1)
    ax.set_xlabel("automatic onset − analyst P pick [s]")
    ax.set_ylabel("count")
    ax.set_title(title)
    ax.text(
        0.02,
        0.95,
        f"n = {n}\nwithin 0.1 s: {frac01:.1%}\nwithin 0.5 s: {frac05:.1%}\n"
        f"outside ±{limit:g} s or missed: {n - len(inside)}",
        transform=ax.transAxes,
        va="top",
        fontsize=9,
    )
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
