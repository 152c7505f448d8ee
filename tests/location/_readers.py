"""The ISC bulletin of Tunisia as location-test fixtures (test helper only).

IMS1.0:short prime origins with their phase readings; the bulletin has no station
coordinates, so each station's position follows from a reading's distance and
event-to-station azimuth (a construction for the test, not a bulletin reader: those are
``openndc.bulletin.formats``). The hypoDD and Hypoinverse readers are in
``openndc.io.hypodd`` and ``openndc.io.hypoinverse``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from obspy import UTCDateTime

from openndc.model.detection import Detection
from openndc.model.event import Arrival
from openndc.model.geodesy import destination
from openndc.model.inventory import MonitoringNetwork, Station

FIRST_P = {"P", "Pn", "Pg", "Pb", "P*"}
FIRST_S = {"S", "Sn", "Sg", "Sb", "S*"}


@dataclass
class RefEvent:
    """A reference event: its catalogue hypocentre and arrivals at a network of its own."""

    id: str
    time: UTCDateTime
    latitude: float
    longitude: float
    depth: float
    depth_fixed: bool
    author: str
    arrivals: list[Arrival]
    network: MonitoringNetwork


def _f(s: str) -> float | None:
    s = s.strip()
    try:
        return float(s)
    except ValueError:
        return None


def read_isc_ims1(path: Path, defining_only: bool = True) -> list[RefEvent]:
    """Events of an IMS1.0:short bulletin with their first P and S readings per station.

    With ``defining_only`` only readings the prime origin used as time-defining (``T`` in
    the Def column) are kept; otherwise the earliest P-type and S-type reading per station.
    """
    lines = Path(path).read_text(errors="replace").splitlines()
    events: list[RefEvent] = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith("Event "):
            i += 1
            continue
        evid = lines[i].split()[1]
        i += 1
        origin = None
        while i < len(lines) and not lines[i].startswith("Event "):
            ln = lines[i]
            if origin is None and len(ln) > 60 and ln[4:5] == "/" and ln[7:8] == "/":
                lat, lon = _f(ln[36:44]), _f(ln[45:54])
                dep = _f(ln[71:76])
                if lat is not None and lon is not None:
                    t = UTCDateTime(ln[0:22].strip().replace("/", "-").replace(" ", "T"))
                    origin = (t, lat, lon, dep if dep is not None else 0.0,
                              ln[76:77] == "f", ln[118:127].strip())  # fmt: skip
            elif origin is not None and ln.startswith("Sta "):
                i += 1
                picks: dict[tuple[str, str], tuple[UTCDateTime, str]] = {}
                pos: dict[str, tuple[float, float]] = {}
                while i < len(lines) and lines[i].strip():
                    ph_ln = lines[i]
                    i += 1
                    if len(ph_ln) < 77:
                        continue
                    sta = ph_ln[0:5].strip()
                    dist, evaz = _f(ph_ln[6:12]), _f(ph_ln[13:18])
                    phase = ph_ln[19:27].strip()
                    tstr = ph_ln[28:40].strip()
                    if dist is None or evaz is None or not tstr or ":" not in tstr:
                        continue
                    kind = "P" if phase in FIRST_P else "S" if phase in FIRST_S else None
                    if kind is None or (defining_only and ph_ln[73:74] != "T"):
                        continue
                    hh, mm, ss = tstr.split(":")
                    t0 = origin[0]
                    t = UTCDateTime(t0.year, t0.month, t0.day) + (
                        int(hh) * 3600 + int(mm) * 60 + float(ss)
                    )
                    if t < t0 - 600:
                        t += 86400
                    key = (sta, kind)
                    if key not in picks or t < picks[key][0]:
                        picks[key] = (t, phase)
                    pos.setdefault(sta, (dist, evaz))
                if origin is not None and picks:
                    stations = []
                    for sta, (dist, evaz) in pos.items():
                        la, lo = destination(origin[1], origin[2], dist, evaz)
                        stations.append(Station("IR", sta, float(la), float(lo)))
                    arrivals = [
                        Arrival(Detection("IR", sta, "", "", t, phase=ph), ph)
                        for (sta, _), (t, ph) in sorted(picks.items(), key=lambda kv: kv[1][0])
                    ]
                    events.append(
                        RefEvent(
                            evid,
                            *origin,
                            arrivals,
                            MonitoringNetwork(f"isc-{evid}", tuple(stations)),
                        )
                    )
                continue
            i += 1
    return events
