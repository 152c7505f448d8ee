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
from typing import Any

import numpy as np
from obspy import UTCDateTime, read_events

from openndc.model.detection import Detection
from openndc.model.geodesy import destination
from openndc.model.inventory import MonitoringNetwork, Station

__all__ = ["IscEvent", "read_bulletin", "read_isc", "true_event", "with_false_detections"]

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


def read_bulletin(path: str | Path) -> Any:
    """The events of the IMS1.0 bulletin at ``path`` (ObsPy's ``IMS10BULLETIN`` reader, an
    ObsPy ``Catalog``), without ObsPy's warning for every reading it cannot place in time
    (the ISC's amplitude-only lines: hundreds per file)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_events(str(path), format="IMS10BULLETIN")


def read_isc(path: Path, spacing_min: float | None = None, codes: set[str] | None = None,
             arrays: frozenset[str] = frozenset()
             ) -> tuple[list[Detection], list[IscEvent], MonitoringNetwork]:  # fmt: skip
    """Detections (ids ``ev{k}-{station}-{n}``), the ISC's events and the stations; only
    the stations ``codes`` where given. A reported back-azimuth and slowness get the
    uncertainty the IDC typically reports for the kind of station (the bulletin gives
    none): 10 deg and 1.5 s/deg at ``arrays``, 30 deg and 4 s/deg elsewhere."""
    cat = read_bulletin(path)
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
            bs, ss = _uncertainties(sta, arrays)
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


def _uncertainties(station: str, arrays: frozenset[str]) -> tuple[float, float]:
    """The back-azimuth [deg] and slowness [s/deg] uncertainties the IDC typically reports
    for the kind of station (the bulletin gives none): an array's, else a 3-C station's."""
    return (10.0, 1.5) if station in arrays else (30.0, 4.0)


def true_event(det: Detection) -> int:
    """Index of the bulletin event a detection of :func:`read_isc` is a reading of; -1 for a
    false detection of :func:`with_false_detections`."""
    return int(det.id[2:].split("-", 1)[0]) if det.id.startswith("ev") else -1


#: The detector's SNR threshold and the mean of log10(SNR / threshold) of its false
#: detections (exponential: most just above the threshold), as the IMS-style set draws them
#: (``benchmarks/bench_association_ims.py``).
SNR_THRESHOLD = 3.0
FALSE_LOG_SNR_MEAN = 0.2
#: A station's detection threshold is this quantile of the log10(A/T) of its P readings,
#: given at least ``MIN_READINGS`` of them (its smallest reading alone is one agency's one
#: measurement in 57 years).
NOISE_QUANTILE = 0.1
MIN_READINGS = 3


def with_false_detections(
    dets: list[Detection], events: list[IscEvent], arrays: frozenset[str], rate: float,
    seed: int, before: float = 3600.0, after: float = 7200.0,
) -> list[Detection]:  # fmt: skip
    """``dets`` and false detections, ``rate`` per station and hour, within [``before``
    before, ``after`` after] each event's origin [s], at the stations operating then: a
    station counts as operating from its first to its last event with a reading (the
    bulletin's years; stations opened and closed over 1961-2018). What real detection
    lists hold beside the readings of events: noise onsets (the IDC's automatic lists are
    mostly these).

    Each is labelled P, with a back-azimuth uniform over the circle and a slowness uniform
    in 4-25 s/deg and the uncertainties :func:`read_isc` gives the kind of station; its
    amplitude is at the station's noise level times an SNR of ``SNR_THRESHOLD`` x 10^x, x
    exponential with mean ``FALSE_LOG_SNR_MEAN``, period uniform in 0.3-1.5 s. A station's
    noise level in log10(A/T) [nm/s] is its detection threshold (``NOISE_QUANTILE`` of its
    P readings' log10(A/T): the small signals it read were just detectable) less
    log10(``SNR_THRESHOLD``); a station with fewer amplitude readings gives its false
    detections none. Ids ``false-{n}``
    (:func:`true_event` -1); seeded."""
    rng = np.random.default_rng(seed)
    span: dict[str, list[int]] = {}
    read: dict[str, list[float]] = {}
    for d in dets:
        k = true_event(d)
        first, last = span.get(d.station, [k, k])
        span[d.station] = [min(first, k), max(last, k)]
        if d.phase == "P" and math.isfinite(d.amplitude) and math.isfinite(d.period) \
                and d.amplitude > 0 and d.period > 0:  # fmt: skip
            read.setdefault(d.station, []).append(math.log10(d.amplitude / d.period))
    low = {sta: float(np.quantile(v, NOISE_QUANTILE)) for sta, v in read.items()
           if len(v) >= MIN_READINGS}  # fmt: skip
    out = list(dets)
    n = 0
    for sta in sorted(span):
        first, last = span[sta]
        # the hours this station is asked about, each instant once (events' windows overlap)
        windows: list[tuple[float, float]] = []
        for lo, hi in sorted((float(ev.time - before), float(ev.time + after))
                             for ev in events[first : last + 1]):  # fmt: skip
            if windows and lo <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(windows[-1][1], hi))
            else:
                windows.append((lo, hi))
        bs, ss = _uncertainties(sta, arrays)
        for lo, hi in windows:
            for _ in range(int(rng.poisson(rate * (hi - lo) / 3600.0))):
                t = float(rng.uniform(lo, hi))
                period = float(rng.uniform(0.3, 1.5))
                a_nm = math.nan
                if sta in low:
                    log_snr = math.log10(SNR_THRESHOLD) + float(rng.exponential(FALSE_LOG_SNR_MEAN))
                    a_nm = period * 10.0 ** (low[sta] - math.log10(SNR_THRESHOLD) + log_snr)
                out.append(Detection(
                    "", sta, "", "BHZ", UTCDateTime(t), phase="P",
                    backazimuth=float(rng.uniform(0.0, 360.0)), backazimuth_uncertainty=bs,
                    slowness=float(rng.uniform(4.0, 25.0)), slowness_uncertainty=ss,
                    amplitude=a_nm, amplitude_unit="nm" if math.isfinite(a_nm) else "",
                    period=period if math.isfinite(a_nm) else math.nan,
                    id=f"false-{n}"))  # fmt: skip
                n += 1
    out.sort(key=lambda d: (d.time, d.id))
    return out
