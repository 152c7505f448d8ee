"""Initial phase identification of a detection (before association renames it).

Rules, in order (thresholds from :class:`~openndc.detection.config.PhaseIdConfig`):

1. Array detection with a measured slowness s [s/deg]:
   ``s <= tele_slowness_max`` → ``P`` (teleseismic; PKP is not separated here),
   ``<= pn_slowness_max`` → ``Pn``, ``<= pg_slowness_max`` → ``Pg``,
   ``<= sn_slowness_max`` → ``Sn``, ``<= lg_slowness_max`` → ``Lg``,
   ``<= RG_SLOWNESS_MAX`` (about 1.9 km/s) → ``Rg``; slower (acoustic speeds on a seismic
   array, or an incoherent maximum at the grid edge) → ``N`` (noise).
2. 3-C polarization available (rectilinearity and incidence measured):
   P-like (rectilinearity ≥ ``p_rectilinearity_min`` and apparent incidence ≤
   ``p_incidence_max``) → ``P``; linear but nearly horizontal motion (incidence >
   ``p_incidence_max`` and rectilinearity ≥ ``p_rectilinearity_min``) → ``S``;
   nearly isotropic motion (rectilinearity < ``NOISE_RECTILINEARITY_MAX``) on a weak
   detection (SNR < ``NOISE_SNR_MAX``) → ``N``.
3. A dominant frequency below ``NOISE_FREQUENCY_MIN`` [Hz] on a weak detection (SNR <
   ``NOISE_SNR_MAX``) is microseism-like noise → ``N``.
4. Otherwise ``P``: the conservative default for a first arrival on a single channel.

Then, per single station, the sequence rule (:func:`first_arrivals_are_p`): an S-type name
(``S``, ``Sn``, ``Lg``) on a detection with no other detection on that station in the
``first_arrival_quiet`` seconds before it is a first arrival, which is P: an S needs its P
before it. This corrects polarization fooled by site effects or uncalibrated horizontals.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from openndc.detection.config import PhaseIdConfig
from openndc.model.detection import Detection

__all__ = [
    "NOISE_FREQUENCY_MIN",
    "NOISE_RECTILINEARITY_MAX",
    "NOISE_SNR_MAX",
    "RG_SLOWNESS_MAX",
    "S_PHASES",
    "first_arrivals_are_p",
    "identify_phase",
]

#: Phase names the sequence rule treats as S-type.
S_PHASES = frozenset({"S", "Sn", "Lg"})

#: Slowest body/guided-wave slowness [s/deg] still named (Rg, ~1.9 km/s); slower is noise.
RG_SLOWNESS_MAX = 60.0
#: Rectilinearity below which 3-C motion is treated as isotropic (noise-like).
NOISE_RECTILINEARITY_MAX = 0.3
#: STA/LTA SNR below which a noise-like detection is named ``N``.
NOISE_SNR_MAX = 6.0
#: Dominant frequency [Hz] below which a weak single-station detection is microseism noise.
NOISE_FREQUENCY_MIN = 0.3


def _finite(x: float) -> bool:
    return x is not None and math.isfinite(x)


def identify_phase(detection: Detection, config: PhaseIdConfig, *, is_array: bool) -> str:
    """Initial phase name of ``detection`` (``P``, ``Pn``, ``Pg``, ``S``, ``Sn``, ``Lg``,
    ``Rg`` or ``N``) from its array slowness [s/deg], 3-C polarization and dominant
    frequency; see the module docstring for the rules."""
    s = detection.slowness
    if is_array and _finite(s):
        for limit, name in (
            (config.tele_slowness_max, "P"),
            (config.pn_slowness_max, "Pn"),
            (config.pg_slowness_max, "Pg"),
            (config.sn_slowness_max, "Sn"),
            (config.lg_slowness_max, "Lg"),
            (RG_SLOWNESS_MAX, "Rg"),
        ):
            if s <= limit:
                return name
        return "N"
    weak = not _finite(detection.snr) or detection.snr < NOISE_SNR_MAX
    rect, inc = detection.rectilinearity, detection.incidence
    if _finite(rect) and _finite(inc):
        if rect >= config.p_rectilinearity_min:
            return "P" if inc <= config.p_incidence_max else "S"
        if rect < NOISE_RECTILINEARITY_MAX and weak:
            return "N"
    f = detection.dominant_frequency
    if _finite(f) and f < NOISE_FREQUENCY_MIN and weak:
        return "N"
    return "P"


def first_arrivals_are_p(
    detections: Sequence[Detection], quiet: float, min_snr: float = 0.0
) -> list[Detection]:
    """Detections of ONE station, time-sorted, with isolated S-type names changed to ``P``.

    An S-type detection with no detection in the ``quiet`` seconds before it is renamed P
    (see the module docstring). Only detections whose SNR reaches ``min_snr`` count as
    something before it (with S picking on, an S needs a clear P: a weak noise trigger
    before a first arrival does not make that arrival an S).
    """
    out: list[Detection] = []
    previous = None
    for det in sorted(detections, key=lambda d: d.time):
        if det.phase in S_PHASES and (previous is None or det.time - previous > quiet):
            det = dataclasses.replace(det, phase="P")
        out.append(det)
        if not det.snr < min_snr:  # NaN SNR counts
            previous = det.time
    return out
