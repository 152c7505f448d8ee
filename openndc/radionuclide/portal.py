"""Radiation portal monitors: gross-count alarms and nuclide identification.

Gross counts: an occupancy alarms when its counts exceed the background expectation by
``threshold_sigma`` standard deviations, ``z = (N - f B) / sqrt(N_exp + f**2 B)`` with ``B``
the background counts in live time ``t_b``, ``f = t_o / t_b`` and ``N_exp = f B`` (Poisson,
Gaussian approximation). The false-alarm probability per occupancy is the one-sided
Gaussian tail ``1 - Phi(threshold_sigma)`` (4 sigma: 3.2e-5).

The running alarm (:func:`running_alarm`) works on a sequence of counting intervals: the
background is the mean of the previous ``background_intervals`` intervals, and an interval
alarms above ``mean + k sqrt(mean)``. :func:`split_counts` turns a measured spectrum into
such a sequence by random time-thinning of its counts (each count falls in one of the
intervals with equal probability: exactly what a stationary Poisson source produces), so
the false-alarm rate can be measured on a real background measurement.

Spectral identification: for each configured nuclide its strongest lines are tested
channel-window by window (+-1.25 FWHM) against the background spectrum scaled by live time;
a nuclide is identified when a line exceeds ``nuclide_sigma`` and, for multi-line nuclides,
a second line exceeds 3 sigma.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from openndc import __version__
from openndc.model.provenance import Provenance
from openndc.model.radionuclide import GammaSpectrum, NuclideLine, PortalResult
from openndc.radionuclide.config import PortalConfig
from openndc.radionuclide.errors import RadionuclideError

__all__ = ["RunningAlarm", "portal_alarm", "running_alarm", "split_counts"]


def _sum(spectra: Sequence[GammaSpectrum]) -> tuple[np.ndarray, float, GammaSpectrum]:
    if not spectra:
        raise RadionuclideError("a portal measurement needs at least one spectrum")
    n = min(s.n_channels for s in spectra)
    total = np.sum([np.asarray(s.counts[:n], dtype=float) for s in spectra], axis=0)
    live = float(np.mean([s.times.live_time for s in spectra]))
    return total, live, spectra[0]


def _window_net(counts: np.ndarray, lo: int, hi: int) -> tuple[float, float]:
    """Net counts over [lo, hi) above a continuum from side bands of half its width."""
    w = hi - lo
    side = max(w // 2, 1)
    left = counts[max(lo - side, 0) : lo]
    right = counts[hi : hi + side]
    c = float(counts[lo:hi].sum())
    n_side = left.size + right.size
    if n_side == 0:
        return c, c
    k = w / n_side
    bsum = float(left.sum() + right.sum())
    return c - k * bsum, c + k * k * bsum


def _line_z(
    occ: np.ndarray, bkg: np.ndarray, f: float, energies: np.ndarray, line: NuclideLine, fwhm: float
) -> float:
    """Significance of a peak at the line in the occupancy, net of the background's peak."""
    half = 1.25 * fwhm
    lo, hi = (int(i) for i in np.searchsorted(energies, [line.energy - half, line.energy + half]))
    if hi <= lo:
        return 0.0
    n_o, v_o = _window_net(occ, lo, hi)
    n_b, v_b = _window_net(bkg, lo, hi)
    return (n_o - f * n_b) / math.sqrt(max(v_o + f * f * v_b, 1.0))


def portal_alarm(
    occupancy: Sequence[GammaSpectrum],
    background: Sequence[GammaSpectrum],
    library: Mapping[str, Sequence[NuclideLine]],
    config: PortalConfig | None = None,
    *,
    fwhm: float = 2.0,
    name: str = "",
) -> PortalResult:
    """Gross-count and spectral alarm of one occupancy against a background measurement."""
    config = config or PortalConfig()
    occ, t_o, first = _sum(occupancy)
    bkg, t_b, _ = _sum(background)
    n = min(occ.size, bkg.size)
    occ, bkg = occ[:n], bkg[:n]
    f = t_o / t_b
    N, B = float(occ.sum()), float(bkg.sum())
    z = (N - f * B) / math.sqrt(max(f * B + f * f * B, 1.0))
    reasons = []
    if z >= config.threshold_sigma:
        reasons.append(
            f"gross counts {N / t_o:.1f}/s vs background {B / t_b:.1f}/s: "
            f"{z:.1f} sigma >= {config.threshold_sigma:g}"
        )
    detectors = []
    bk_by_name = {s.detector: s for s in background}
    for s in occupancy:
        b = bk_by_name.get(s.detector)
        if b is None:
            continue
        fs = s.times.live_time / b.times.live_time
        ns, nb = float(s.counts.sum()), float(b.counts.sum())
        detectors.append(
            (
                s.detector,
                ns / s.times.live_time,
                (ns - fs * nb) / math.sqrt(max(fs * nb + fs * fs * nb, 1.0)),
            )
        )
    energies = first.energies()[:n]
    found = []
    for nuc in config.nuclides:
        lines = sorted(
            (
                ln
                for ln in library.get(nuc, ())
                if 50.0 <= ln.energy <= energies[-1] and ln.intensity >= 0.05
            ),
            key=lambda ln: -ln.intensity,
        )[:4]
        if not lines:
            continue
        zs = sorted((_line_z(occ, bkg, f, energies, ln, fwhm) for ln in lines), reverse=True)
        if zs[0] >= config.nuclide_sigma and (len(zs) == 1 or zs[1] >= 3.0):
            found.append(nuc)
            reasons.append(f"{nuc} identified (line significance {zs[0]:.1f} sigma)")
    prov = Provenance(
        method="openndc.radionuclide.portal_alarm",
        software_version=__version__,
        parameters={
            "threshold_sigma": config.threshold_sigma,
            "nuclide_sigma": config.nuclide_sigma,
        },
    )
    return PortalResult(
        name=name or first.name,
        alarm=bool(reasons),
        reasons=tuple(reasons),
        gross_rate=N / t_o,
        background_rate=B / t_b,
        sigma=z,
        threshold_sigma=config.threshold_sigma,
        false_alarm_probability=float(norm.sf(config.threshold_sigma)),
        nuclides=tuple(found),
        provenance=prov,
        detectors=tuple(detectors),
    )


def split_counts(
    total_counts: int, live_time: float, interval: float, rng: np.random.Generator
) -> np.ndarray:
    """Counts per interval of a stationary Poisson measurement (random time-thinning)."""
    k = int(live_time // interval)
    if k < 1:
        raise RadionuclideError(
            f"live time {live_time} s is shorter than one interval {interval} s"
        )
    return rng.multinomial(int(total_counts), np.full(k, 1.0 / k))


@dataclass(frozen=True)
class RunningAlarm:
    alarms: int
    tested: int
    expected_false_alarm_probability: float  # per interval, exact Poisson at the mean rate

    @property
    def rate(self) -> float:
        return self.alarms / self.tested if self.tested else float("nan")


def running_alarm(
    counts: np.ndarray, threshold_sigma: float, window: int, start: int | None = None
) -> RunningAlarm:
    """Alarms of intervals ``start..`` against a running background.

    The background is the mean of the last ``window`` intervals that did not alarm (the
    background is frozen while the portal alarms, as in real portal monitors).
    """
    c = np.asarray(counts, dtype=float)
    first = window if start is None else max(start, window)
    history = list(c[first - window : first])
    alarms = 0
    for i in range(first, c.size):
        mean = float(np.mean(history[-window:]))
        if c[i] > mean + threshold_sigma * math.sqrt(max(mean, 1.0)):
            alarms += 1
        else:
            history.append(c[i])
    from scipy.stats import poisson

    mean_all = float(c[:first].mean()) if first > 0 else float(c.mean())
    limit = math.floor(mean_all + threshold_sigma * math.sqrt(max(mean_all, 1.0)))
    return RunningAlarm(alarms, max(c.size - first, 0), float(poisson.sf(limit, mean_all)))
