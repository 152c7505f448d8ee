"""Station ML and mb from the amplitudes the detection stage measured (no waveforms needed).

- **ML** (IASPEI 2013): per station, the largest ``Detection.amplitude_wa`` [nm] among its
  S-type arrivals (``MlConfig.phases``: Sg, Sn, S, Lg), or, with ``any_phase_fallback``,
  among all its arrivals when it has none of those; epicentral distance within
  ``MlConfig.distance_min``-``distance_max`` [deg]; ``ML = log10(A) + ml_log_a0(R)`` with
  the hypocentral distance ``R = sqrt((Delta * DEG_KM)^2 + h^2)`` [km].
- **mb** (IDC): per station, the *earliest* P-type arrival (``MbConfig.phases``), its
  half peak-to-peak ``Detection.amplitude`` [nm] and ``period`` [s] in the 0.8-4.5 Hz band;
  distance within ``MbConfig.distance_min``-``distance_max`` [deg] (default 20-100);
  ``mb = log10(A/T) + mb_q(Delta, h)``. A later P is never used in place of a first P
  without a usable amplitude (it could be a depth phase or a mis-association).

Amplitudes in ``counts`` (no instrument response at detection time) are skipped with a log
message, as are detections below the configured SNR and periods out of range.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

from openndc.magnitude.calibration import ml_from_amplitude
from openndc.magnitude.config import MbConfig, MlConfig
from openndc.model.event import Arrival, Event, StationMagnitude
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.model.inventory import MonitoringNetwork
from openndc.model.mb import mb_from_amplitude

__all__ = ["arrival_distance", "station_mb", "station_ml"]

log = logging.getLogger(__name__)


def _coordinates(
    network: MonitoringNetwork | None, net: str, sta: str
) -> tuple[float, float] | None:
    if network is None:
        return None
    station = network.find_station(sta, net) or network.find_station(sta)
    if station is not None:
        return station.latitude, station.longitude
    for array in network.arrays:
        if array.code == sta:
            return array.reference_latitude, array.reference_longitude
    return None


def arrival_distance(arrival: Arrival, event: Event, network: MonitoringNetwork | None) -> float:
    """Epicentral distance [deg] of an arrival: ``Arrival.distance``, else from coordinates.

    NaN when the arrival has no distance and the station (or array) is not in ``network``.
    """
    if math.isfinite(arrival.distance):
        return float(arrival.distance)
    coords = _coordinates(network, arrival.network, arrival.station)
    if coords is None:
        return math.nan
    dist, _, _ = distance_azimuth(
        event.origin.latitude, event.origin.longitude, coords[0], coords[1]
    )
    return float(dist)


def _by_station(arrivals: Iterable[Arrival]) -> dict[tuple[str, str], list[Arrival]]:
    groups: dict[tuple[str, str], list[Arrival]] = defaultdict(list)
    for arr in arrivals:
        groups[(arr.network, arr.station)].append(arr)
    return groups


def _snr_ok(arr: Arrival, min_snr: float) -> bool:
    snr = arr.detection.snr
    return not (math.isfinite(snr) and snr < min_snr)


def _pick_ml(arrivals: list[Arrival], config: MlConfig, event_id: str) -> Arrival | None:
    def usable(arr: Arrival) -> bool:
        det = arr.detection
        if not (math.isfinite(det.amplitude_wa) and det.amplitude_wa > 0):
            return False
        if det.amplitude_unit != "nm":
            log.info(
                "event %s: %s %s amplitude_wa in %r (no instrument response): no ML",
                event_id,
                det.seed_id,
                arr.phase,
                det.amplitude_unit,
            )
            return False
        if not _snr_ok(arr, config.min_snr):
            log.debug(
                "event %s: %s %s SNR %.1f too low for ML", event_id, det.seed_id, arr.phase, det.snr
            )
            return False
        return True

    preferred = [a for a in arrivals if a.phase in config.phases and usable(a)]
    if not preferred and config.any_phase_fallback:
        preferred = [a for a in arrivals if a.phase not in config.phases and usable(a)]
    if not preferred:
        return None
    return max(preferred, key=lambda a: a.detection.amplitude_wa)


def station_ml(
    event: Event, network: MonitoringNetwork | None = None, config: MlConfig | None = None
) -> list[StationMagnitude]:
    """Station ML of an event's arrivals (one per station), in arrival order of stations.

    ``network`` supplies station coordinates for arrivals without a distance.
    """
    config = config or MlConfig()
    depth = max(float(event.origin.depth_km), 0.0) if math.isfinite(event.origin.depth_km) else 0.0
    out: list[StationMagnitude] = []
    for (net, sta), arrivals in _by_station(event.arrivals).items():
        arr = _pick_ml(arrivals, config, event.id)
        if arr is None:
            continue
        dist = arrival_distance(arr, event, network)
        if not (config.distance_min <= dist <= config.distance_max):
            log.debug("event %s: %s.%s at %.2f deg outside the ML range", event.id, net, sta, dist)
            continue
        r_km = math.hypot(dist * DEG_KM, depth)
        det = arr.detection
        value = float(ml_from_amplitude(det.amplitude_wa, max(r_km, 1e-3)))
        if not math.isfinite(value):
            continue
        out.append(
            StationMagnitude(
                magnitude_type="ML",
                value=value,
                network=net,
                station=sta,
                amplitude=float(det.amplitude_wa),
                amplitude_unit="nm",
                period=math.nan,
                distance=dist,
                detection_id=det.id,
            )
        )
    return out


def _first_p(arrivals: list[Arrival], phases: Sequence[str]) -> Arrival | None:
    ps = [a for a in arrivals if a.phase in phases]
    return min(ps, key=lambda a: a.time) if ps else None


def station_mb(
    event: Event, network: MonitoringNetwork | None = None, config: MbConfig | None = None
) -> list[StationMagnitude]:
    """Station mb (IDC, Veith-Clawson) from each station's first P arrival."""
    config = config or MbConfig()
    depth = float(event.origin.depth_km) if math.isfinite(event.origin.depth_km) else 0.0
    out: list[StationMagnitude] = []
    for (net, sta), arrivals in _by_station(event.arrivals).items():
        arr = _first_p(arrivals, config.phases)
        if arr is None:
            continue
        det = arr.detection
        dist = arrival_distance(arr, event, network)
        if not (config.distance_min <= dist <= config.distance_max):
            log.debug("event %s: %s.%s at %.2f deg outside the mb range", event.id, net, sta, dist)
            continue
        amp, per = det.amplitude, det.period
        if not (math.isfinite(amp) and amp > 0 and math.isfinite(per) and per > 0):
            log.debug("event %s: %s first P has no amplitude/period: no mb", event.id, det.seed_id)
            continue
        if det.amplitude_unit != "nm":
            log.info(
                "event %s: %s P amplitude in %r (no instrument response): no mb",
                event.id,
                det.seed_id,
                det.amplitude_unit,
            )
            continue
        if not (config.period_min <= per <= config.period_max):
            log.debug(
                "event %s: %s P period %.2f s out of range: no mb", event.id, det.seed_id, per
            )
            continue
        if not _snr_ok(arr, config.min_snr):
            log.debug("event %s: %s P SNR %.1f too low for mb", event.id, det.seed_id, det.snr)
            continue
        value = float(mb_from_amplitude(amp, per, dist, depth))
        if not math.isfinite(value):
            continue
        out.append(
            StationMagnitude(
                magnitude_type="mb",
                value=value,
                network=net,
                station=sta,
                amplitude=float(amp),
                amplitude_unit="nm",
                period=float(per),
                distance=dist,
                detection_id=det.id,
            )
        )
    return out
