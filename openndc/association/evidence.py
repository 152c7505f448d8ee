"""Amplitude and negative evidence for a small event hypothesis (the REB's three-station events).

With three stations, time, back-azimuth and slowness cannot tell an event from a chance
combination of detections (``docs/association.md``: the false-alarm probability of such
triplets was measured and does not separate them). What does is what the detections'
*amplitudes* and the *silence* of the other stations say:

- *Station magnitudes agree.* Each detecting station's mb is ``log10(A/T) + Q(Delta, h)``
  (IDC, Veith-Clawson 1972: :func:`openndc.model.mb.mb_q`, the magnitude stage's own
  correction); for a real event they scatter about its mb by ~0.3 (``STATION_MB_SIGMA``),
  for a chance triplet of noise detections at different distances they do not.
- *The stations that should have seen it did.* A station detects a P when its A/T exceeds
  its detection threshold; in magnitude units, at distance Delta, the threshold is
  ``t = log10(A/T)_min + Q(Delta, h)`` and the detection probability of an event of mb
  ``m`` is ``p = P_MAX * Phi((m - t) / sigma)`` (the SNR-threshold detection model of
  NetSim / NetMOD, Sereno et al. 1990, Merchant 2015; NET-VISA's per-station detection
  probability from magnitude and distance, Arora et al. 2013, BSSA 103(2A)). A station's
  ``log10(A/T)_min`` is estimated from the data themselves: a low quantile of the A/T of
  its own detections (most of which are noise detections just above its threshold),
  never from a generator's truth.

The event's magnitude is the maximum-likelihood mb of Ringdal (1976, BSSA 66(3), 789-802;
the IDC's ``mb_mle``): detecting stations' magnitudes as Gaussian observations, silent
stations as censored ones (``log(1 - p)``), so that silences pull the estimate down. A
hypothesis is accepted when, at that mb, (a) its station magnitudes fit it (chi-square at
99 % with ``n - 1`` degrees of freedom, each conditioned on its detection) and (b) the
silence of the other operating stations is not improbable (:func:`silence_p_value` >= 1 %:
the summed log miss probabilities of the silent stations against their distribution over
all operating stations under the event): Anderson's (1995)
amplitude-based strength of an association ("the agreement among the observed and expected
amplitudes of detecting and non-detecting stations"), as two tests.

A station counts as *silent* only when it operates (it has P-type detections with
amplitudes in the input, enough to estimate its threshold), the event's P would reach it
within the mb table (<= 100 deg), and it has no detection at all within
``SILENT_WINDOW`` of the predicted P (a detection there, taken by another event or not
fitting, is neither for nor against) and the predicted P is not in the coda of an accepted
event seen at that station (masked; events already in the bulletin, whose arrivals are not
in the input, mask every station). Detections without an amplitude in nm (T, I, counts, sets without
amplitudes) give no station magnitude; a hypothesis with none gets no verdict (the caller
keeps its earlier rules).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr, ndtri
from scipy.stats import chi2

from openndc.model.mb import mb_q

__all__ = [
    "MAX_DETECTION_PROBABILITY",
    "REGIONAL_MB_SIGMA",
    "STATION_MB_SIGMA",
    "AmplitudeEvidence",
    "censored_magnitude",
    "detection_probability",
    "log_amplitude_period",
    "silence_p_value",
    "site_thresholds",
    "small_event_evidence",
    "station_mb",
    "station_mb_sigma",
]

FloatArray = npt.NDArray[np.float64]

#: Spread [mb units] of station magnitudes about the event's (a typical scatter of station
#: mb about the network mb: 0.3-0.4) at teleseismic distances (``REGIONAL_DISTANCE`` and
#: beyond, where the IDC computes mb and the Veith-Clawson Q is calibrated) ...
STATION_MB_SIGMA = 0.3
#: ... and closer, where Q is an extrapolation and regional P amplitudes follow the crust
#: and upper mantle of each path: the ISC's readings of the Tunisian events at 1,559
#: stations, ``log10(A/T) + Q - M`` (1,633 P amplitudes): 0.31-0.43 beyond 20 deg, 0.45-0.46
#: at 5-20 deg (IQR / 1.35; biases of -0.7 to +0.4 by distance range and station) and
#: 0.8 within 5 deg.
REGIONAL_MB_SIGMA = 0.5
#: Below this distance [deg] station magnitudes scatter by ``REGIONAL_MB_SIGMA``.
REGIONAL_DISTANCE = 20.0
#: Uncertainty [mb units] of a station's detection threshold estimated from its own
#: detections (its noise varies within the input's span).
THRESHOLD_SIGMA = 0.2
#: A station misses an arrival above its threshold now and then (outages, masking by another
#: arrival, the detector's dead time): its detection probability never exceeds this.
MAX_DETECTION_PROBABILITY = 0.9
#: A station's threshold log10(A/T) is this quantile of its detections' log10(A/T) ...
THRESHOLD_QUANTILE = 0.1
#: ... when it has at least this many P-type detections with amplitudes (else: unknown).
MIN_AMPLITUDES = 3
#: A detection this close [s] to a station's predicted P makes the station not silent.
SILENT_WINDOW = 10.0
#: The mb table below this distance [deg] is not constrained by data (Q falls to 0.3 at 0
#: deg): Q(2 deg) is used closer (as the scenario synthesizer does).
MB_MIN_DISTANCE = 2.0
#: Significance of each of the two tests.
ALPHA = 0.01


def log_amplitude_period(amplitude: FloatArray, unit: list[str], period: FloatArray) -> FloatArray:
    """``log10(A/T)`` [nm/s] of detections whose amplitude is in nm with a positive period;
    NaN for the others (counts, no amplitude, T / I detections)."""
    a = np.asarray(amplitude, dtype=np.float64)
    t = np.asarray(period, dtype=np.float64)
    nm = np.array([u == "nm" for u in unit], dtype=np.bool_)
    ok = nm & np.isfinite(a) & (a > 0) & np.isfinite(t) & (t > 0)
    out = np.full(a.shape, np.nan)
    out[ok] = np.log10(a[ok] / t[ok])
    return out


def site_thresholds(log_at: FloatArray, site: npt.NDArray[np.int64], n_sites: int) -> FloatArray:
    """Per site the detection threshold in log10(A/T) [nm/s]: the ``THRESHOLD_QUANTILE`` of
    its detections' ``log_at`` (those given: P-type), NaN with fewer than
    ``MIN_AMPLITUDES``."""
    out = np.full(n_sites, np.nan)
    ok = np.isfinite(log_at)
    for s in np.unique(site[ok]):
        v = log_at[ok & (site == s)]
        if v.size >= MIN_AMPLITUDES:
            out[int(s)] = float(np.quantile(v, THRESHOLD_QUANTILE))
    return out


def _q(distance: FloatArray, depth: float) -> FloatArray:
    d = np.asarray(distance, dtype=np.float64)
    return np.asarray(mb_q(np.maximum(d, MB_MIN_DISTANCE), depth), dtype=np.float64)


def station_mb(log_at: FloatArray, distance: FloatArray, depth: float) -> FloatArray:
    """Station mb ``log10(A/T) + Q(Delta, h)``; NaN beyond 100 deg or without amplitude."""
    return np.asarray(log_at, dtype=np.float64) + _q(distance, depth)


#: [deg] The PKP caustic's distance range: "Amplitudes of PKIKP and PKP change little with
#: changes in distance from the source except in the range 142 to 152 deg", where they are
#: large ("The earthquake P phases which penetrate the Earth's core", BSSA 57(5), 875, 1967).
PKP_CAUSTIC = (142.0, 152.0)


def threshold_mb_beyond(threshold: FloatArray, distance: FloatArray, depth: float) -> FloatArray:
    """A lower bound of the threshold magnitude of sites beyond the mb table's 100 deg
    (``threshold``: their detection threshold in log10(A/T) [nm/s]; ``distance`` [deg]),
    where no mb is defined: within the PKP caustic (``PKP_CAUSTIC``: "amplitudes in the
    caustic allow detection of events perhaps smaller than magnitude 4") as mantle P at its
    best, the table's smallest Q over the IDC's 20-100 deg; elsewhere (Pdiff, PKIKP, PKP
    off the caustic) as P at 100 deg, Q(100 deg, h). NaN at 100 deg or closer."""
    d = np.asarray(distance, dtype=np.float64)
    q100 = float(mb_q(100.0, depth))
    q_min = float(np.nanmin(mb_q(np.arange(20.0, 100.5, 1.0), depth)))
    caustic = (d >= PKP_CAUSTIC[0]) & (d <= PKP_CAUSTIC[1])
    q = np.where(caustic, q_min, q100)
    return np.where(d > 100.0, np.asarray(threshold, dtype=np.float64) + q, np.nan)


def station_mb_sigma(distance: FloatArray, regional: float = REGIONAL_MB_SIGMA) -> FloatArray:
    """Spread [mb units] of station magnitudes about the event's at ``distance`` [deg]:
    ``STATION_MB_SIGMA``, ``regional`` closer than ``REGIONAL_DISTANCE``."""
    d = np.asarray(distance, dtype=np.float64)
    return np.where(d < REGIONAL_DISTANCE, regional, STATION_MB_SIGMA)


def detection_probability(
    magnitude: float, threshold_mb: FloatArray, sigma: FloatArray | float = STATION_MB_SIGMA
) -> FloatArray:
    """Probability that stations with threshold magnitudes ``threshold_mb`` detect the P of
    an event of mb ``magnitude``, their station magnitudes scattering by ``sigma``."""
    s = np.hypot(np.asarray(sigma, dtype=np.float64), THRESHOLD_SIGMA)
    z = (magnitude - np.asarray(threshold_mb, dtype=np.float64)) / s
    return np.asarray(MAX_DETECTION_PROBABILITY * ndtr(z), dtype=np.float64)


def censored_magnitude(
    detected_mb: FloatArray, silent_threshold_mb: FloatArray,
    detected_sigma: FloatArray | float = STATION_MB_SIGMA,
    silent_sigma: FloatArray | float = STATION_MB_SIGMA,
) -> float:  # fmt: skip
    """Ringdal's (1976) maximum-likelihood mb: ``detected_mb`` Gaussian about it (sigma
    ``detected_sigma``), each silent station a miss (``log(1 - p)``, its station magnitude
    scattering by ``silent_sigma``); on a 0.01 grid."""
    m = np.asarray(detected_mb, dtype=np.float64)
    t = np.asarray(silent_threshold_mb, dtype=np.float64)
    sd = np.broadcast_to(np.asarray(detected_sigma, dtype=np.float64), m.shape)
    grid = np.arange(float(m.min()) - 3.0, float(m.max()) + 0.5, 0.01)
    ll = -0.5 * np.sum(((m[None, :] - grid[:, None]) / sd[None, :]) ** 2, axis=1)
    if t.size:
        ss = np.broadcast_to(np.hypot(np.asarray(silent_sigma, dtype=np.float64),
                                      THRESHOLD_SIGMA), t.shape)  # fmt: skip
        p = MAX_DETECTION_PROBABILITY * ndtr((grid[:, None] - t[None, :]) / ss[None, :])
        ll = ll + np.sum(np.log1p(-p), axis=1)
    return float(grid[int(np.argmax(ll))])


def silence_p_value(p_detecting: FloatArray, p_silent: FloatArray) -> float:
    """How improbable the silence is under the event: with ``w = -log(1 - p)`` the weight of
    a station's miss (its detection probability ``p``), the probability that the weight
    of the misses of all operating stations (the detecting ones with ``p_detecting``, the
    silent ones with ``p_silent``), each missing independently, reaches the silent ones'
    weight. (The product of the silent stations' miss probabilities alone is not a
    p-value: twenty stations with even chances all silent is unlikely for any event.)
    Exact on a 0.01 grid of weights (a convolution per station)."""
    p = np.concatenate([np.asarray(p_detecting, float), np.asarray(p_silent, float)])
    p = np.clip(p, 0.0, 1.0 - 1e-9)
    w = np.rint(-np.log1p(-p) / _WEIGHT_STEP).astype(np.int64)
    observed = int(w[len(p_detecting) :].sum())
    if observed == 0:
        return 1.0
    pmf = np.zeros(int(w.sum()) + 1)
    pmf[0] = 1.0
    top = 0
    for q, k in zip(p, w, strict=True):
        if k == 0:
            continue
        new = pmf * q  # detected: no weight
        new[k : top + k + 1] += pmf[: top + 1] * (1.0 - q)
        pmf, top = new, top + k
    return float(min(1.0, pmf[observed:].sum()))


_WEIGHT_STEP = 0.01


@dataclass(frozen=True)
class AmplitudeEvidence:
    """What the amplitudes and silences say about a hypothesis: its maximum-likelihood mb,
    the detecting stations' mb, their chi-square about it and its 99 % limit, the silent
    stations' number and the p-value of their silence (:func:`silence_p_value`)."""

    magnitude: float
    station_mb: tuple[float, ...]
    spread: float
    spread_limit: float
    n_silent: int
    p_silence: float

    @property
    def consistent(self) -> bool:
        """Both tests pass: the magnitudes agree and the silence is not improbable."""
        return self.spread <= self.spread_limit and self.p_silence >= ALPHA


def _truncated_z(
    detected_mb: FloatArray, threshold_mb: FloatArray, magnitude: float,
    sigma: FloatArray | float = STATION_MB_SIGMA,
) -> FloatArray:  # fmt: skip
    """Normal scores of detected station magnitudes under an event of mb ``magnitude``, each
    conditioned on having been detected (drawn above its station's threshold): near the
    threshold only stations that scattered high detect, so their residuals are positive
    without contradicting the event. Unknown thresholds: not conditioned; a threshold
    above the detected mb (it is an estimate) is taken ``THRESHOLD_SIGMA`` below it."""
    m = np.asarray(detected_mb, dtype=np.float64)
    t = np.asarray(threshold_mb, dtype=np.float64)
    t = np.where(np.isfinite(t), np.minimum(t, m - THRESHOLD_SIGMA), -np.inf)
    lo = ndtr((t - magnitude) / sigma)
    u = (ndtr((m - magnitude) / sigma) - lo) / np.maximum(1.0 - lo, 1e-300)
    return np.asarray(ndtri(np.clip(u, 1e-12, 1.0 - 1e-12)), dtype=np.float64)


def small_event_evidence(
    detected_log_at: FloatArray,
    detected_threshold: FloatArray,
    detected_distance: FloatArray,
    silent_threshold: FloatArray,
    silent_distance: FloatArray,
    depth: float,
    regional_sigma: float = REGIONAL_MB_SIGMA,
) -> AmplitudeEvidence | None:
    """The two tests (module docstring) for a hypothesis at ``depth`` [km]: its P stations'
    ``log10(A/T)`` [nm/s] (NaN: no amplitude) and thresholds [log10(A/T); NaN: unknown] at
    ``detected_distance`` [deg], the silent operating stations' thresholds at
    ``silent_distance`` [deg]. The spread is the sum of squared normal scores of the
    station magnitudes, each conditioned on its detection (:func:`_truncated_z`); station
    magnitudes closer than ``REGIONAL_DISTANCE`` scatter by ``regional_sigma``
    (:func:`station_mb_sigma`). ``None`` when no detecting station has a magnitude (no
    verdict)."""
    mb = station_mb(detected_log_at, detected_distance, depth)
    ok = np.isfinite(mb)
    if not ok.any():
        return None
    t_det = station_mb(detected_threshold, detected_distance, depth)[ok]
    s_det = station_mb_sigma(np.asarray(detected_distance, dtype=np.float64)[ok], regional_sigma)
    mb = mb[ok]
    t = station_mb(silent_threshold, silent_distance, depth)
    s_sil = station_mb_sigma(np.asarray(silent_distance, dtype=np.float64),
                             regional_sigma)[np.isfinite(t)]  # fmt: skip
    t = t[np.isfinite(t)]
    m = censored_magnitude(mb, t, s_det, s_sil)
    spread = float(np.sum(_truncated_z(mb, t_det, m, s_det) ** 2))
    limit = float(chi2.ppf(1.0 - ALPHA, max(mb.size - 1, 1)))
    p_det = detection_probability(m, np.where(np.isfinite(t_det), t_det, -np.inf), s_det)
    p_silence = silence_p_value(p_det, detection_probability(m, t, s_sil))
    return AmplitudeEvidence(m, tuple(float(x) for x in mb), spread, limit, int(t.size), p_silence)
