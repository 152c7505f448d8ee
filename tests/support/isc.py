"""The ISC bulletin's phase readings as a station processor's detections (test and benchmark
support): ``read_isc(path)``.

Every reading of an IMS1.0:short bulletin with a time becomes a detection at its real
station at its real time, with the reading's own pick errors, outliers and later phases
and, where reported, back-azimuth, slowness, amplitude and period. What a detector would
not tell is removed: the association, the origin and the phase name (a detection is
labelled P, or S for S-type readings, as a station processor labels its onsets);
surface-wave and amplitude-only readings are left out. Station positions come from the
readings' distance and azimuth to the bulletin's origins (the median over a station's
readings). Detection ids are ``ev{k}-{station}-{n}``: ``k`` the event's index in the
bulletin (:func:`true_event`).
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from obspy import UTCDateTime, read_events

from openndc.model.detection import Detection
from openndc.model.geodesy import destination
from openndc.model.inventory import MonitoringNetwork, Station

__all__ = ["IscEvent", "read_isc", "true_event"]

#: Readings a body-wave detector does not make: surface waves and amplitude-only lines.
SURFACE_OR_AMPLITUDE = {"LR", "LQ", "L", "LZ", "LN", "LE", "LM", "LmH", "LRM", "MLR", "Rm",
                        "Qm", "RM", "pmax", "AMS", "AMB", "IAmb", "MAX", "MAXIMUM", "PMZ",
                        "IAMs_20", "I"}  # fmt: skip


@dataclass(frozen=True)
class IscEvent:
    time: UTCDateTime
    latitude: float
    longitude: float
    depth: float
    magnitude: float


def _label(phase: str) -> str | None:
    """The phase label a station processor would give the onset (None: not a detection)."""
    name = phase.strip("()")
    if phase in SURFACE_OR_AMPLITUDE:
        return None
    if name[:1] in ("S", "s") or name.startswith("Lg"):
        return "S"
    return "P"


def read_isc(path: Path, spacing_min: float | None = None, codes: set[str] | None = None,
             arrays: frozenset[str] = frozenset()
             ) -> tuple[list[Detection], list[IscEvent], MonitoringNetwork]:  # fmt: skip
    """Detections (ids ``ev{k}-{station}-{n}``), the ISC's events and the stations; only
    the stations ``codes`` where given. A reported back-azimuth and slowness get the
    uncertainty the IDC typically reports for the kind of station (the bulletin gives
    none): 10 deg and 1.5 s/deg at ``arrays``, 30 deg and 4 s/deg elsewhere."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ObsPy warns of every amplitude-only reading
        cat = read_events(str(path), format="IMS10BULLETIN")
    dets: list[Detection] = []
    events: list[IscEvent] = []
    positions: dict[str, list[tuple[float, float]]] = defaultdict(list)
    t_base = UTCDateTime(2024, 1, 1)
    for ev in cat:
        o = ev.preferred_origin() or ev.origins[0]
        if o.latitude is None or o.time is None:
            continue
        k = len(events)
        m = ev.preferred_magnitude() or (ev.magnitudes[0] if ev.magnitudes else None)
        shift = 0.0 if spacing_min is None else float(t_base + 60.0 * spacing_min * k - o.time)
        events.append(IscEvent(o.time + shift, float(o.latitude), float(o.longitude),
                               (o.depth or 10000.0) / 1000.0,
                               float(m.mag) if m is not None else math.nan))  # fmt: skip
        amps = {a.pick_id: a for a in ev.amplitudes if a.pick_id is not None}
        geometry = {a.pick_id: (a.distance, a.azimuth) for a in o.arrivals}
        for n, p in enumerate(ev.picks):
            label = _label(p.phase_hint or "")
            sta = p.waveform_id.station_code
            if label is None or p.time is None or not sta:
                continue
            if codes is not None and sta not in codes:
                continue
            dist, evaz = geometry.get(p.resource_id, (None, None))
            if dist is not None and evaz is not None:
                la, lo = destination(o.latitude, o.longitude, dist, evaz)
                positions[sta].append((float(la), float(lo)))
            amp = amps.get(p.resource_id)
            a_nm = period = math.nan
            if amp is not None and amp.generic_amplitude and amp.unit == "m":
                a_nm = float(amp.generic_amplitude) * 1e9
                period = float(amp.period) if amp.period else math.nan
            baz = float(p.backazimuth) if p.backazimuth is not None else math.nan
            slow = float(p.horizontal_slowness) if p.horizontal_slowness is not None else math.nan
            bs, ss = (10.0, 1.5) if sta in arrays else (30.0, 4.0)
            dets.append(Detection(
                "", sta, "", "BHZ", p.time + shift, phase=label,
                backazimuth=baz, backazimuth_uncertainty=bs if math.isfinite(baz) else math.nan,
                slowness=slow, slowness_uncertainty=ss if math.isfinite(slow) else math.nan,
                amplitude=a_nm, amplitude_unit="nm" if math.isfinite(a_nm) else "",
                period=period, evaluation_mode="manual", id=f"ev{k}-{sta}-{n}"))  # fmt: skip
    stations = []
    for code in sorted(positions):
        s_lat = float(np.median([p[0] for p in positions[code]]))
        s_lon = float(np.median([p[1] for p in positions[code]]))
        stations.append(Station("", code, s_lat, s_lon))
    known = {s.code for s in stations}
    dets = [d for d in dets if d.station in known]
    dets.sort(key=lambda d: (d.time, d.id))
    return dets, events, MonitoringNetwork("ISC readings", tuple(stations), (), str(path))


def true_event(det: Detection) -> int:
    """Index of the bulletin event a detection of :func:`read_isc` is a reading of."""
    return int(det.id[2:].split("-", 1)[0])
