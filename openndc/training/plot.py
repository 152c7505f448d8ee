"""The score as a picture: true vs found epicentres on a map, and error histograms."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from openndc.plots.maps import draw_score_map
from openndc.training.score import ScoreReport

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_score"]

_MAGS = ("mb", "ML", "Ms")


def _finite(values: pd.Series) -> np.ndarray:
    v = values.to_numpy(dtype=np.float64)
    return v[np.isfinite(v)]


def _hist(ax: Axes, values: np.ndarray, xlabel: str, color: str = "tab:blue") -> None:
    if values.size:
        ax.hist(values, bins=min(30, max(5, values.size // 2)), color=color, alpha=0.8)
    else:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("events")


def plot_score(report: ScoreReport, path: str | Path, title: str = "") -> Path:
    """Write the score figure (PNG, PDF, SVG by extension) to ``path``.

    Left: a map with coastlines (:func:`openndc.plots.maps.draw_score_map`): true
    epicentres (hollow stars; red when missed), bulletin epicentres (filled circles, on top)
    joined to their truth by grey lines, false events (crosses). Right: histograms of origin
    time error [s], epicentre error [km], depth error [km] and magnitude errors
    (bulletin - truth).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    table = report.table
    s = report.summary
    fig = plt.figure(figsize=(13, 7), constrained_layout=True)
    grid = fig.add_gridspec(2, 4, width_ratios=[1.6, 1.6, 1, 1])
    draw_score_map(fig.add_subplot(grid[:, :2]), table)
    matched = table[table["status"] == "matched"]
    _hist(fig.add_subplot(grid[0, 2]), _finite(matched["time_error"]), "origin time error [s]")
    _hist(fig.add_subplot(grid[0, 3]), _finite(matched["epicentre_error"]), "epicentre error [km]")
    _hist(fig.add_subplot(grid[1, 2]), _finite(matched["depth_error"]), "depth error [km]")
    ax = fig.add_subplot(grid[1, 3])
    colors = {"mb": "tab:blue", "ML": "tab:green", "Ms": "tab:purple"}
    any_mag = False
    for m in _MAGS:
        v = _finite(matched[f"{m}_error"])
        if v.size:
            any_mag = True
            ax.hist(
                v,
                bins=[round(-1.5 + 0.1 * k, 1) for k in range(31)],
                alpha=0.6,
                color=colors[m],
                label=m,
            )
    if any_mag:
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("magnitude error")
    ax.set_ylabel("events")

    def pct(key: str) -> str:
        v = s.get(key, math.nan)
        return "-" if v is None or math.isnan(v) else f"{100 * v:.0f} %"

    head = (
        f"recall {pct('recall')} ({s['n_matched']}/{s['n_truth']}), precision "
        f"{pct('precision')} ({s['n_matched']}/{s['n_bulletin']}), type accuracy "
        f"{pct('type_accuracy')};  tolerances {s['tolerance_time_s']:g} s, "
        f"{s['tolerance_distance_km']:g} km"
    )
    fig.suptitle(f"{title}\n{head}" if title else head, fontsize=11)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
