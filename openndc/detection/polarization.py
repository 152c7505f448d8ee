"""Three-component polarization: back-azimuth, incidence and rectilinearity of an onset.

Covariance (eigen) analysis after Jurkevics (1988): the 3×3 covariance matrix of the
demeaned, band-passed (Z, N, E) window has eigenvalues λ1 ≥ λ2 ≥ λ3 and principal
eigenvector u. Then

* rectilinearity ``1 - (λ2 + λ3) / (2 λ1)`` (1 for linear motion, 0 for isotropic),
* planarity ``1 - 2 λ3 / (λ1 + λ2)``,
* apparent incidence [deg] = angle of u from the vertical (0 = vertical motion),
* back-azimuth [deg]: for a P wave the ground moves up and away from the source (or down
  and towards it), so with u oriented upward (u_Z > 0) its horizontal part points away from
  the source and the back-azimuth is ``atan2(u_E, u_N) + 180°``. This resolves the 180°
  ambiguity of the eigenvector by the sign of the vertical-radial correlation.

The incidence is the *apparent* angle of the surface motion, steeper than the true one
because of the free-surface effect; thresholds in phase identification use it as is.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from obspy import Stream, Trace
from scipy import signal

from openndc.detection.config import DetectionConfig
from openndc.detection.filters import zerophase_bandpass
from openndc.model.detection import Detection

__all__ = ["PolarizationResult", "measure_3c", "polarization"]


@dataclass(frozen=True, slots=True)
class PolarizationResult:
    """Result of :func:`polarization` (angles in degrees, ratios 0-1)."""

    backazimuth_deg: float
    incidence_deg: float
    rectilinearity: float
    planarity: float
    backazimuth_uncertainty_deg: float = math.nan


def polarization(z: np.ndarray, n: np.ndarray, e: np.ndarray, fs: float) -> PolarizationResult:
    """Polarization of one window of vertical ``z`` (up), north ``n`` and east ``e`` data.

    ``fs`` [Hz] is the sampling rate (kept for symmetry with other kernels; the analysis
    does not depend on it). The back-azimuth uncertainty [deg] is a heuristic from the
    horizontal ellipticity: ``atan(sqrt(μ2/μ1))`` of the 2×2 horizontal covariance
    eigenvalues, at least 2° — large when the horizontal motion is not linear or too weak.
    Raises ValueError for windows shorter than 4 samples, unequal lengths or no motion.
    """
    del fs
    z, n, e = (np.asarray(v, dtype=np.float64) for v in (z, n, e))
    if not (len(z) == len(n) == len(e)) or len(z) < 4:
        raise ValueError(
            f"need three equal windows of >= 4 samples, got {len(z)}, {len(n)}, {len(e)}"
        )
    data = np.vstack([z - z.mean(), n - n.mean(), e - e.mean()])
    if not np.all(np.isfinite(data)):
        raise ValueError("polarization window contains NaN/inf")
    cov = data @ data.T / data.shape[1]
    evals, evecs = np.linalg.eigh(cov)  # ascending
    l3, l2, l1 = (max(float(v), 0.0) for v in evals)
    if l1 <= 0.0:
        raise ValueError("no ground motion in the polarization window (all components flat)")
    u = evecs[:, 2]
    if u[0] < 0:
        u = -u
    uz, un, ue = (float(v) for v in u)
    baz = (math.degrees(math.atan2(ue, un)) + 180.0) % 360.0
    inc = math.degrees(math.atan2(math.hypot(un, ue), abs(uz)))
    rect = 1.0 - (l2 + l3) / (2.0 * l1)
    plan = 1.0 - 2.0 * l3 / (l1 + l2) if (l1 + l2) > 0 else 0.0
    h = np.linalg.eigvalsh(cov[1:, 1:])
    mu2, mu1 = max(float(h[0]), 0.0), float(h[1])
    sigma = math.degrees(math.atan(math.sqrt(mu2 / mu1))) if mu1 > 0 else 90.0
    return PolarizationResult(baz, inc, rect, plan, max(2.0, sigma))


def _component(stream: Stream, codes: str) -> Trace | None:
    for c in codes:
        for tr in stream:
            if tr.stats.channel[-1:] == c:
                return tr
    return None


def measure_3c(stream_3c: Stream, detection: Detection, config: DetectionConfig) -> Detection:
    """Detection with polarization measured on a 3-C stream (a copy; the input is unchanged).

    The three components (Z, N or 1, E or 2; 1/2 are taken as N/E) are band-passed
    (zero-phase, the detection band, else the mb band) and analysed in
    ``[time - 0.1 s, time + config.polarization.window]``. Sets ``backazimuth``,
    ``backazimuth_uncertainty`` [deg], ``incidence`` [deg] and ``rectilinearity``.
    Raises ValueError when a component is missing or the window is not covered.
    """
    z, n, e = (_component(stream_3c, c) for c in ("Z", "N1", "E2"))
    if z is None or n is None or e is None:
        raise ValueError(
            f"{detection.seed_id}: 3-C polarization needs Z, N/1 and E/2 traces, got "
            f"{[tr.stats.channel for tr in stream_3c]}"
        )
    fs = float(z.stats.sampling_rate)
    if any(abs(tr.stats.sampling_rate - fs) > 1e-6 for tr in (n, e)):
        raise ValueError(f"{detection.seed_id}: components have different sampling rates")
    fmin = detection.freq_min if math.isfinite(detection.freq_min) else config.amplitude.mb_freq_min
    fmax = detection.freq_max if math.isfinite(detection.freq_max) else config.amplitude.mb_freq_max
    fmax = min(fmax, 0.45 * fs)
    if fmin >= fmax:
        raise ValueError(f"{detection.seed_id}: band {fmin}-{fmax} Hz unusable at {fs} Hz")
    t0 = detection.time - 0.1
    t1 = detection.time + config.polarization.window
    windows = []
    pad = max(2.0, 2.0 / fmin)
    for tr in (z, n, e):
        x = np.asarray(tr.data, dtype=np.float64)
        start = tr.stats.starttime
        i0 = round((t0 - start) * fs)
        i1 = round((t1 - start) * fs)
        if i0 < 0 or i1 > len(x):
            raise ValueError(f"{tr.id}: data do not cover the polarization window at {t0}")
        p0 = max(0, i0 - round(pad * fs))
        p1 = min(len(x), i1 + round(pad * fs))
        seg = np.nan_to_num(x[p0:p1] - np.nanmean(x[p0:p1]))
        y = zerophase_bandpass(seg * signal.windows.tukey(len(seg), 0.1), fs, fmin, fmax, 3)
        windows.append(y[i0 - p0 : i1 - p0])
    m = min(len(w) for w in windows)
    res = polarization(windows[0][:m], windows[1][:m], windows[2][:m], fs)
    return dataclasses.replace(
        detection,
        backazimuth=res.backazimuth_deg,
        backazimuth_uncertainty=res.backazimuth_uncertainty_deg,
        incidence=res.incidence_deg,
        rectilinearity=res.rectilinearity,
    )
