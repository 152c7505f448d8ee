"""The magnitude stage: an event in, the same event with network magnitudes out.

``compute_magnitudes(event, network, config, stream)`` computes, where the data allow,

- ML and mb from the amplitudes on the event's arrivals (:mod:`openndc.magnitude.station`);
- Ms_20 from waveforms when a ``stream`` is given (:mod:`openndc.magnitude.ms`);

and averages each type over stations (:mod:`openndc.magnitude.network`). Magnitude types
this call computes replace the event's previous ones of that type (also when they can no
longer be computed, e.g. after relocation); types it does not attempt (Ms without a stream,
disabled types) are kept as they were. Order in ``Event.magnitudes``: mb, ML, Ms.
"""

from __future__ import annotations

import logging
from typing import Any

from obspy import Stream

from openndc import __version__
from openndc.magnitude.config import MagnitudeConfig
from openndc.magnitude.ms import measure_ms
from openndc.magnitude.network import network_magnitude
from openndc.magnitude.station import station_mb, station_ml
from openndc.model.config import to_mapping
from openndc.model.event import Event, MagnitudeType, NetworkMagnitude, StationMagnitude
from openndc.model.inventory import MonitoringNetwork
from openndc.model.provenance import Provenance

__all__ = ["compute_magnitudes"]

log = logging.getLogger(__name__)

_METHODS: dict[str, str] = {
    "ML": "ML IASPEI 2013 (Wood-Anderson, magnification 1, hypocentral distance)",
    "mb": "mb IDC (half peak-to-peak 0.8-4.5 Hz, Veith-Clawson 1972 + log10 2)",
    "Ms": "Ms_20 IASPEI 2013 (vertical, WWSSN-LP, 18-22 s)",
}


def _provenance(kind: str, type_config: Any, config: MagnitudeConfig) -> Provenance:
    return Provenance(
        method=_METHODS[kind],
        software_version=__version__,
        parameters={kind: to_mapping(type_config), "network": to_mapping(config.network)},
    )


def compute_magnitudes(
    event: Event,
    network: MonitoringNetwork,
    config: MagnitudeConfig | None = None,
    stream: Stream | None = None,
) -> Event:
    """A new :class:`Event` with network ML, mb and (with ``stream``) Ms_20 filled in.

    ``network`` gives station coordinates (for arrivals without a distance, and for Ms)
    and channel responses (Ms). Station magnitudes rejected as outliers are kept in each
    :class:`NetworkMagnitude` with ``used=False``.
    """
    config = config or MagnitudeConfig()
    attempted: set[str] = set()
    computed: dict[str, NetworkMagnitude] = {}

    todo: list[tuple[MagnitudeType, Any, list[StationMagnitude]]] = []
    if config.mb.enabled:
        todo.append(("mb", config.mb, station_mb(event, network, config.mb)))
    if config.ml.enabled:
        todo.append(("ML", config.ml, station_ml(event, network, config.ml)))
    if config.ms.enabled and stream is not None:
        todo.append(("Ms", config.ms, measure_ms(stream, event, network, config.ms)))

    for kind, type_config, sms in todo:
        attempted.add(kind)
        mag = network_magnitude(
            sms, kind, config.network, provenance=_provenance(kind, type_config, config)
        )
        if mag is None:
            log.info("event %s: no %s (%d station magnitudes)", event.id, kind, len(sms))
            continue
        computed[kind] = mag
        log.debug(
            "event %s: %s %.2f ± %.2f from %d stations",
            event.id,
            kind,
            mag.value,
            mag.uncertainty,
            mag.n_stations,
        )

    kept: dict[str, NetworkMagnitude] = {
        m.magnitude_type: m for m in event.magnitudes if m.magnitude_type not in attempted
    }
    merged: dict[str, NetworkMagnitude] = {**kept, **computed}
    order = ("mb", "ML", "Ms")
    magnitudes = tuple(merged[k] for k in order if k in merged)
    return event.with_magnitudes(magnitudes)
