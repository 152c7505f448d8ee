"""The mb:Ms screening criterion of the IDC.

Earthquakes radiate relatively more long-period surface-wave energy than explosions of the
same body-wave magnitude, so a large Ms for a given mb marks an earthquake.

**IDC standard criterion** (Fisk, M. D., Jepsen, D. & Murphy, J. R., 2002, *Experimental
seismic event-screening criteria at the Prototype International Data Center*, Pure Appl.
Geophys. 159, 865-888; the IDC Operations Manual, IDC/OPS, section 7.3.2 "Ms:mb
screening"): an event is screened out when

    Ms - 1.25 mb > -2.20

holds at 97.5 % one-sided confidence, i.e. when the screening statistic

    S = Ms - 1.25 mb + 2.20  >  z * sigma,   z = 1.96,
    sigma = sqrt(1.25**2 * sigma_b**2 / N_b + sigma_s**2 / N_s)

with the station standard deviations sigma_b = 0.34 (mb) and sigma_s = 0.23 (Ms) of the
IDC/OPS manual and N_b, N_s the numbers of station magnitudes in the network averages.
Validity conditions: network mb >= 3.5 and Ms from at least two stations (the criterion is
calibrated for events in that range; below it, it is not applied).

**Selby et al. (2012) variant** (Selby, N. D., Marshall, P. D. & Bowers, D., 2012, *mb:Ms
event screening revisited*, Bull. Seismol. Soc. Am. 102, 88-97): screened out when
``mb - Ms + z * sigma_m < 0.64`` with ``sigma_m = sqrt(sigma_b**2/N_b + sigma_s**2/N_s)``;
offered as ``variant = "selby2012"``.

Both are written as a *screening score* ``S / (z sigma) - 1`` that is positive exactly when
the event is screened out, the form the IDC reports.
"""

from __future__ import annotations

import math

from openndc.model.event import Event
from openndc.model.screening import CriterionEvidence
from openndc.screening.config import MbMsConfig

__all__ = ["SOURCE_IDC", "SOURCE_SELBY", "mbms_criterion", "mbms_statistic"]

SOURCE_IDC = (
    "Fisk, Jepsen & Murphy (2002) PAGEOPH 159, 865-888; IDC/OPS manual 7.3.2: "
    "Ms - 1.25 mb > -2.20 at 97.5 %, sigma_b 0.34, sigma_s 0.23, mb >= 3.5"
)
SOURCE_SELBY = "Selby, Marshall & Bowers (2012) BSSA 102, 88-97: mb - Ms < 0.64 at 97.5 %"


def mbms_statistic(
    mb: float, ms: float, n_mb: int, n_ms: int, config: MbMsConfig
) -> tuple[float, float, float]:
    """``(statistic S, its standard error sigma, score)`` of the configured variant.

    ``S > 0`` is the natural side of the line; ``score = S / (z sigma) - 1`` is positive
    when the event is screened out at the configured confidence.
    """
    if n_mb < 1 or n_ms < 1:
        raise ValueError("station counts must be positive")
    sb2 = config.sigma_mb_station**2 / n_mb
    ss2 = config.sigma_ms_station**2 / n_ms
    if config.variant == "idc":
        stat = ms - 1.25 * mb + 2.20
        sigma = math.sqrt(1.25**2 * sb2 + ss2)
    else:
        stat = 0.64 - (mb - ms)
        sigma = math.sqrt(sb2 + ss2)
    score = stat / (config.confidence_z * sigma) - 1.0
    return stat, sigma, score


def mbms_criterion(event: Event, config: MbMsConfig) -> CriterionEvidence:
    """Apply the mb:Ms criterion to an event's network mb and Ms."""
    source = SOURCE_IDC if config.variant == "idc" else SOURCE_SELBY
    name = "mb:Ms"
    mb = event.magnitude("mb")
    ms = event.magnitude("Ms")

    def na(why: str) -> CriterionEvidence:
        return CriterionEvidence(name=name, indicates="not applicable", source=source, detail=why)

    if not config.enabled:
        return na("disabled")
    if mb is None or not math.isfinite(mb.value):
        return na("no network mb")
    if mb.value < config.min_mb:
        return na(f"mb {mb.value:.2f} < {config.min_mb:.1f}")
    if ms is None or not math.isfinite(ms.value):
        return na(f"mb {mb.value:.2f}, no Ms")
    n_ms = ms.n_stations or len([s for s in ms.station_magnitudes if s.used])
    if n_ms < config.min_ms_stations:
        return na(f"Ms from {n_ms} station(s) < {config.min_ms_stations}")
    n_mb = max(1, mb.n_stations or len([s for s in mb.station_magnitudes if s.used]))
    stat, sigma, score = mbms_statistic(mb.value, ms.value, n_mb, n_ms, config)
    screened = score > 0
    what = "Ms - 1.25 mb + 2.20" if config.variant == "idc" else "0.64 - (mb - Ms)"
    detail = (
        f"mb {mb.value:.2f} ({n_mb}), Ms {ms.value:.2f} ({n_ms}): {what} = {stat:+.2f} "
        f"{'>' if screened else '<='} {config.confidence_z:.2f} x {sigma:.2f}, score {score:+.2f}"
    )
    return CriterionEvidence(
        name=name,
        indicates="natural" if screened else ("inconclusive" if stat > 0 else "explosion"),
        value=stat,
        threshold=config.confidence_z * sigma,
        uncertainty=sigma,
        unit="magnitude units",
        p_value=math.nan,
        source=source,
        detail=detail,
    )
