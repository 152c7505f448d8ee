"""Maps: a sensible extent, coastlines, and the score map (truth beside the bulletin)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from openndc.plots.coastlines import draw_coastlines

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["draw_map", "draw_score_map", "map_extent", "plot_score_map"]


def map_extent(
    latitudes: Sequence[float] | np.ndarray,
    longitudes: Sequence[float] | np.ndarray,
    *,
    margin: float = 0.15,
    min_span: float = 4.0,
) -> tuple[float, float, float, float]:
    """``(lon0, lon1, lat0, lat1)`` [deg] around the finite, valid points.

    A margin of ``margin`` times the span (at least 1 deg) on each side, at least
    ``min_span`` deg wide and high, latitudes clipped to [-90, 90]; points outside
    [-90, 90] x [-180, 180] are ignored. With no valid point: the whole world.
    """
    lat = np.asarray(latitudes, dtype=np.float64)
    lon = np.asarray(longitudes, dtype=np.float64)
    ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if not ok.any():
        return (-180.0, 180.0, -90.0, 90.0)
    lat, lon = lat[ok], lon[ok]
    extents = []
    for x in (lon, np.where(lon < 0, lon + 360.0, lon)):  # across the antimeridian too
        extents.append((float(x.min()), float(x.max())))
    x0, x1 = min(extents, key=lambda e: e[1] - e[0])
    y0, y1 = float(lat.min()), float(lat.max())
    out = []
    for a, b in ((x0, x1), (y0, y1)):
        pad = max(1.0, margin * (b - a))
        a, b = a - pad, b + pad
        if b - a < min_span:
            mid = 0.5 * (a + b)
            a, b = mid - min_span / 2, mid + min_span / 2
        out.append((a, b))
    (x0, x1), (y0, y1) = out
    return (x0, x1, max(-90.0, y0), min(90.0, y1))


def draw_map(ax: Axes, extent: tuple[float, float, float, float]) -> None:
    """Coastlines, limits, aspect (1/cos of the mid-latitude) and labels on a lon/lat axes."""
    lon0, lon1, lat0, lat1 = extent
    draw_coastlines(ax, extent)
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    mid = float(np.clip(0.5 * (lat0 + lat1), -80, 80))
    ax.set_aspect(1.0 / math.cos(math.radians(mid)))
    ax.set_xlabel("longitude [deg]")
    ax.set_ylabel("latitude [deg]")
    ax.grid(True, lw=0.3, color="0.7")


def _col(table: pd.DataFrame, name: str) -> np.ndarray:
    return table[name].to_numpy(dtype=np.float64) if name in table else np.array([])


def draw_score_map(ax: Axes, table: pd.DataFrame) -> tuple[float, float, float, float]:
    """The score table (``openndc.training.score.SCORE_COLUMNS``) as a map; returns the extent.

    Truth: large hollow stars (black when found, red when missed); bulletin: small filled
    circles drawn on top (blue when matched, orange crosses when false), joined to their
    truth by grey lines, so neither hides the other.
    """
    lats = np.concatenate([_col(table, "truth_latitude"), _col(table, "bulletin_latitude")])
    lons = np.concatenate([_col(table, "truth_longitude"), _col(table, "bulletin_longitude")])
    extent = map_extent(lats, lons)
    shift = 360.0 if extent[1] > 180.0 else 0.0

    def x(values: pd.Series) -> np.ndarray:
        v = values.to_numpy(dtype=np.float64)
        return np.where(v < extent[0], v + shift, v) if shift else v

    draw_map(ax, extent)
    matched = table[table["status"] == "matched"]
    missed = table[table["status"] == "missed"]
    false = table[table["status"] == "false"]
    for (_, row), tx, bx in zip(
        matched.iterrows(),
        x(matched["truth_longitude"]),
        x(matched["bulletin_longitude"]),
        strict=True,
    ):
        ax.plot([tx, bx], [row["truth_latitude"], row["bulletin_latitude"]], color="0.4", lw=0.8)
    ax.scatter(
        x(matched["truth_longitude"]), matched["truth_latitude"], s=140, marker="*",
        facecolor="none", edgecolor="k", linewidths=1.0, label=f"true, found ({len(matched)})",
        zorder=3,
    )  # fmt: skip
    ax.scatter(
        x(missed["truth_longitude"]), missed["truth_latitude"], s=140, marker="*",
        facecolor="none", edgecolor="tab:red", linewidths=1.2, label=f"missed ({len(missed)})",
        zorder=3,
    )  # fmt: skip
    ax.scatter(
        x(matched["bulletin_longitude"]), matched["bulletin_latitude"], s=22, marker="o",
        color="tab:blue", edgecolor="white", linewidths=0.5, label="bulletin location",
        zorder=4,
    )  # fmt: skip
    ax.scatter(
        x(false["bulletin_longitude"]), false["bulletin_latitude"], s=40, marker="x",
        color="tab:orange", label=f"false ({len(false)})", zorder=4,
    )  # fmt: skip
    ax.legend(loc="best", fontsize=8, framealpha=0.9)
    return extent


def plot_score_map(table: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Write the score map alone (PNG, PDF, SVG by extension) to ``path``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 7), constrained_layout=True)
    draw_score_map(ax, table)
    if title:
        ax.set_title(title)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
