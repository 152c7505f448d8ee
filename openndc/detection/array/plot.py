"""Figures for array processing: f-k power map and beam + element record section.

Both return a :class:`matplotlib.figure.Figure` (no pyplot state, nothing shown); save it
with ``fig.savefig(path)``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from openndc.detection.array.fk import FKResult
from openndc.detection.array.kernels import DEG_KM, beam, slowness_vector

__all__ = ["plot_beam_section", "plot_fk"]


def plot_fk(
    result: FKResult,
    *,
    title: str = "",
    expected: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Polar slowness map of ``result.power``: the direction from the centre is the
    back-azimuth (north up, clockwise), the distance the slowness [s/deg].

    ``expected`` optionally marks a reference ``(backazimuth [deg], slowness [s/deg])``
    (e.g. TauP). The map is drawn in the "towards the source" frame (``-sx, -sy``).
    """
    if ax is None:
        fig = Figure(figsize=(6.4, 5.6))
        ax = fig.add_subplot(1, 1, 1)
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    ex = -result.sx_axis * DEG_KM
    ny = -result.sy_axis * DEG_KM
    mesh = ax.pcolormesh(ex, ny, result.power, shading="nearest", cmap="viridis")
    fig.colorbar(mesh, ax=ax, label="relative power")
    smax = float(min(np.abs(ex).max(), np.abs(ny).max()))
    rings = np.linspace(0, smax, 5)[1:]
    th = np.linspace(0, 2 * np.pi, 181)
    for r in rings:
        ax.plot(r * np.sin(th), r * np.cos(th), color="w", lw=0.5, alpha=0.6)
        ax.text(0, r, f"{r:.0f}", color="w", fontsize=7, ha="center", va="bottom")
    for b in range(0, 360, 45):
        rb = np.radians(b)
        ax.plot([0, smax * np.sin(rb)], [0, smax * np.cos(rb)], color="w", lw=0.5, alpha=0.6)
        ax.text(
            1.04 * smax * np.sin(rb),
            1.04 * smax * np.cos(rb),
            f"{b}°",
            color="k",
            fontsize=7,
            ha="center",
            va="center",
        )
    bx, by = -result.sx * DEG_KM, -result.sy * DEG_KM
    ax.plot(
        bx,
        by,
        "r+",
        ms=14,
        mew=2,
        label=f"f-k: {result.backazimuth_deg:.1f}° ± {result.backazimuth_uncertainty_deg:.1f}, "
        f"{result.slowness_s_per_deg:.2f} ± {result.slowness_uncertainty_s_per_deg:.2f} s/deg",
    )
    if expected is not None:
        sx, sy = slowness_vector(expected[0], expected[1] / DEG_KM)
        ax.plot(
            -sx * DEG_KM,
            -sy * DEG_KM,
            "wx",
            ms=10,
            mew=2,
            label=f"expected: {expected[0]:.1f}°, {expected[1]:.2f} s/deg",
        )
    ax.set_aspect("equal")
    ax.set_xlabel("slowness east [s/deg]")
    ax.set_ylabel("slowness north [s/deg]")
    ax.legend(loc="lower left", fontsize=7)
    ax.set_title(title or f"f-k power, relpow {result.relpower:.2f}, F {result.fstat:.1f}")
    return fig


def plot_beam_section(
    data: np.ndarray,
    fs: float,
    codes: tuple[str, ...] | list[str],
    delays_s: np.ndarray,
    *,
    onset_s: float | None = None,
    title: str = "",
) -> Figure:
    """Element traces aligned on ``delays_s`` [s] with their beam on top.

    ``data`` ``(n_el, n_samp)`` at ``fs`` [Hz] (already filtered as wanted); ``onset_s``
    marks the onset [s from the first sample]. Each trace is normalised to its maximum.
    """
    fig = Figure(figsize=(7.0, 1.2 + 0.35 * (len(codes) + 2)))
    ax = fig.add_subplot(1, 1, 1)
    t = np.arange(data.shape[1]) / fs
    b = beam(data, fs, delays_s)
    norm = float(np.abs(data).max()) or 1.0
    ax.plot(t, b / (np.abs(b).max() or 1.0) * 0.9 + len(codes) + 1, "r", lw=0.9)
    labels = ["beam"]
    for i, (x, d) in enumerate(zip(data, delays_s, strict=True)):
        ax.plot(t - d, x / norm * 0.9 * 2 + len(codes) - i - 1 + 1, "k", lw=0.5)
        labels.append(codes[i])
    ax.set_yticks([len(codes) + 1, *range(len(codes), 0, -1)])
    ax.set_yticklabels(labels, fontsize=7)
    if onset_s is not None:
        ax.axvline(onset_s, color="b", lw=0.8, ls="--")
    ax.set_xlim(t[0], t[-1])
    ax.set_xlabel("time [s] (elements shifted by their beam delays)")
    ax.set_title(title)
    return fig
