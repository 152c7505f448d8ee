"""Plots: a gamma spectrum with its identified peaks; the four-isotope xenon chart."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from openndc.model.radionuclide import GammaSpectrum, ParticulateResult, XenonResult
from openndc.radionuclide.xenon import KALINOWSKI_LINE

__all__ = ["plot_four_isotope", "plot_spectrum"]


def plot_spectrum(spectrum: GammaSpectrum, result: ParticulateResult, path: str | Path) -> None:
    """Counts per channel (log) against energy, identified peaks labelled by nuclide."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    coefs = np.asarray(
        result.provenance.parameters.get("energy_coefficients", spectrum.energy_coefficients)
    )
    e = np.polynomial.polynomial.polyval(np.arange(spectrum.n_channels, dtype=float), coefs)
    fig, ax = plt.subplots(figsize=(13, 5.5))
    ax.step(e, np.maximum(spectrum.counts, 0.5), where="mid", lw=0.6, color="0.25")
    ax.set_yscale("log")
    top = float(np.max(spectrum.counts)) * 3
    colours = plt.get_cmap("tab10")
    for i, n in enumerate(result.nuclides):
        for ln, p in n.lines:
            ax.axvline(p.energy, color=colours(i % 10), lw=0.8, alpha=0.7)
            ax.annotate(
                f"{n.nuclide} {ln.energy:.0f}",
                (p.energy, top),
                rotation=90,
                fontsize=7,
                va="top",
                ha="right",
                color=colours(i % 10),
            )
    for p in result.unidentified:
        ax.plot(p.energy, top / 20, "v", color="red", ms=4)
    ax.set_xlabel("energy [keV]")
    ax.set_ylabel("counts per channel")
    ax.set_xlim(max(e[0], 0), e[-1])
    ax.set_ylim(0.5, top * 1.5)
    ax.set_title(
        f"{result.spectrum_name}: {len(result.peaks)} peaks, "
        f"{len(result.nuclides)} nuclides (red: unidentified), IDC level {result.level}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_four_isotope(results: Sequence[XenonResult], path: str | Path) -> None:
    """Xe-135/Xe-133 against Xe-133m/Xe-131m with the Kalinowski et al. (2010) line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k, m = KALINOWSKI_LINE
    fig, ax = plt.subplots(figsize=(7, 6))
    x = np.logspace(-3, 4, 200)
    ax.loglog(x, k * x**m, "k-", label=f"Kalinowski (2010): y = {k:g} x^{m}")
    ax.fill_between(x, 1e-6, k * x**m, color="tab:red", alpha=0.08, label="explosion domain")
    for r in results:
        c = {x.nuclide: x for x in r.concentrations}
        if not all(n in c for n in ("Xe-131m", "Xe-133m", "Xe-133", "Xe-135")):
            continue
        a, b = c["Xe-133m"], c["Xe-131m"]
        p, q = c["Xe-135"], c["Xe-133"]
        xv, yv = a.concentration / b.concentration, p.concentration / q.concentration
        if xv <= 0 or yv <= 0:
            continue
        dx = xv * np.hypot(a.uncertainty / a.concentration, b.uncertainty / b.concentration)
        dy = yv * np.hypot(p.uncertainty / p.concentration, q.uncertainty / q.concentration)
        ax.errorbar(
            xv,
            yv,
            xerr=[[min(dx, 0.99 * xv)], [dx]],
            yerr=[[min(dy, 0.99 * yv)], [dy]],
            fmt="o",
            ms=7,
            capsize=3,
            label=f"{r.sample_name} ({r.domain})",
        )
    ax.set_xlim(1e-3, 1e4)
    ax.set_ylim(1e-6, 1e6)
    ax.set_xlabel("Xe-133m / Xe-131m")
    ax.set_ylabel("Xe-135 / Xe-133")
    ax.set_title("four-isotope plot (1-sigma bars)")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
