"""Per-station calibration of the regional P/S discriminant from reference events.

Reference events are events whose type is known (analyst-reviewed earthquakes, declared or
confirmed explosions and mine blasts) with waveforms at the NDC's stations. For every
station (an array counts once) and ratio, the band values of the reference events are
fitted with :func:`openndc.screening.calibration.fit_ratio_calibration`: the station's own
earthquake population with its distance correction, and its explosion population when
reference explosions exist. A station needs ``min_earthquakes`` reference earthquakes;
stations without enough keep the generic calibration.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

import numpy as np
from obspy import Stream

from openndc.model.event import Event
from openndc.model.inventory import MonitoringNetwork
from openndc.model.screening import StationValue
from openndc.screening.calibration import Calibration, RatioCalibration, fit_ratio_calibration
from openndc.screening.config import RegionalConfig
from openndc.screening.regional import measure_network

__all__ = ["EXPLOSION_TYPES", "NATURAL_TYPES", "calibrate_stations", "reference_label"]

log = logging.getLogger(__name__)

#: QuakeML event types counted as explosions / as earthquakes in a reference set.
EXPLOSION_TYPES = frozenset({"explosion", "nuclear explosion", "mining explosion", "quarry blast"})
NATURAL_TYPES = frozenset({"earthquake"})


def reference_label(event: Event) -> bool | None:
    """True for an explosion, False for an earthquake, None when the type is not known."""
    if event.event_type in EXPLOSION_TYPES:
        return True
    if event.event_type in NATURAL_TYPES:
        return False
    return None


def calibrate_stations(
    references: Iterable[tuple[Event, Stream]],
    network: MonitoringNetwork | None,
    config: RegionalConfig,
    *,
    min_earthquakes: int = 5,
    generic: Calibration | None = None,
    source: str = "reference events",
) -> Calibration:
    """Station calibrations from reference events (their type as label), plus ``generic``.

    Events deeper than ``config.max_depth_km`` and events of unknown type are skipped.
    """
    table: dict[tuple[str, str], list[tuple[float, bool, dict[tuple[float, float], float]]]] = {}
    n_events = 0
    for event, stream in references:
        label = reference_label(event)
        o = event.origin
        if label is None or not (o.depth_km <= config.max_depth_km):
            continue
        n_events += 1
        values = measure_network(stream, o.latitude, o.longitude, o.time, network, config)
        per: dict[tuple[str, str], list[StationValue]] = {}
        for v in values:
            per.setdefault((v.station, v.ratio), []).append(v)
        for key, vs in per.items():
            bands = {(v.freq_min_hz, v.freq_max_hz): v.log10_ratio for v in vs}
            table.setdefault(key, []).append((vs[0].distance_km, label, bands))
    entries: list[RatioCalibration] = []
    for (station, ratio), rows in sorted(table.items()):
        n_eq = sum(1 for _, lab, _ in rows if not lab)
        if n_eq < min_earthquakes:
            continue
        x = np.array([[b.get(band, math.nan) for band in config.bands_hz] for _, _, b in rows])
        # Bands measured for every earthquake only: the covariance needs complete rows.
        eq = np.array([not lab for _, lab, _ in rows])
        keep = [k for k in range(x.shape[1]) if np.isfinite(x[eq, k]).sum() >= min_earthquakes]
        if not keep:
            continue
        xk = x[:, keep]
        usable = np.all(np.isfinite(xk), axis=1)
        if int((usable & eq).sum()) < min_earthquakes:
            continue
        entries.append(
            fit_ratio_calibration(
                xk[usable],
                np.array([d for d, _, _ in rows])[usable],
                np.array([lab for _, lab, _ in rows])[usable],
                station=station,
                ratio=ratio,
                bands_hz=[config.bands_hz[k] for k in keep],
                source=source,
            )
        )
    log.info("calibrated %d station ratios from %d reference events", len(entries), n_events)
    generic_entries = generic.entries if generic is not None else ()
    return Calibration(entries=(*entries, *generic_entries), source=source)
