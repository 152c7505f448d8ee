"""hypoDD's text formats: station file, phase file and location output.

Formats as written by hypoDD 2.1b's tools (Waldhauser 2001, USGS OFR 01-113; the
``ph2dt`` and ``ncsn2pha`` sources in fwaldhauser/HypoDD):

- ``station.dat``: ``LABEL lat lon [elevation m]`` per line, free format. The label is
  up to 7 characters; ``ncsn2pha`` forms it as the 2-letter network and the station code
  (``NCCCO``). ``network_chars=2`` splits such labels into network and station.
- phase file (``ph2dt`` input): an event line
  ``# yr mo dy hr mi sc lat lon depth mag eh ez rms id`` followed by one line per pick
  ``LABEL travel-time [s] weight phase`` (P or S; travel time from the origin time). The
  weight is 0-1 (NCSN codes 0-3 become 1.0, 0.5, 0.2, 0.1); ``ncsn2pha`` makes it
  negative for an "important" pick (Hypoinverse importance >= 0.5), and ``ph2dt`` uses its
  absolute value. Here a pick's time uncertainty is ``0.1 s / |weight|``; zero weights
  are dropped.
- ``hypoDD.loc`` / ``hypoDD.reloc``: ``ID lat lon depth x y z ex ey ez yr mo dy hr mi sc
  mag ...`` (the relocation's cluster coordinates x, y, z and errors ex, ey, ez in metres).
"""

from __future__ import annotations

import math
from pathlib import Path

from obspy import UTCDateTime

from openndc.model.detection import Detection
from openndc.model.errors import OpenNDCError
from openndc.model.event import Arrival, Bulletin, Event, Origin
from openndc.model.inventory import MonitoringNetwork, Station

__all__ = [
    "HypoDDFormatError",
    "read_hypodd_locations",
    "read_hypodd_phases",
    "read_hypodd_stations",
    "split_label",
    "weight_to_uncertainty",
]

#: Time uncertainty [s] of a pick of weight 1 (NCSN weight code 0).
UNIT_WEIGHT_UNCERTAINTY = 0.1


class HypoDDFormatError(OpenNDCError, ValueError):
    """A hypoDD file could not be read (the message names the file and line)."""


def split_label(label: str, network_chars: int) -> tuple[str, str]:
    """``(network, station)`` of a hypoDD station label (network = first characters)."""
    if network_chars > 0 and len(label) > network_chars:
        return label[:network_chars], label[network_chars:]
    return "", label


def weight_to_uncertainty(weight: float) -> float:
    """A hypoDD pick weight (0-1, sign = importance) as a time uncertainty [s]."""
    w = abs(weight)
    return UNIT_WEIGHT_UNCERTAINTY / w if w > 0 else math.inf


def read_hypodd_stations(path: str | Path, network_chars: int = 0) -> MonitoringNetwork:
    """hypoDD ``station.dat`` as a network (first occurrence of a repeated label wins).

    ``network_chars``: how many leading characters of each label are the network code
    (2 for NCSN labels written by ``ncsn2pha``); 0 keeps the label as the station code.
    """
    p = Path(path)
    stations: list[Station] = []
    seen: set[str] = set()
    for n, ln in enumerate(p.read_text(errors="replace").splitlines(), 1):
        parts = ln.split()
        if not parts or parts[0].startswith(("#", "*")):
            continue
        if len(parts) < 3:
            raise HypoDDFormatError(f"{p}:{n}: station line needs 'LABEL lat lon': {ln!r}")
        if parts[0] in seen:
            continue
        try:
            lat, lon = float(parts[1]), float(parts[2])
            elev = float(parts[3]) if len(parts) > 3 else 0.0
        except ValueError as exc:
            raise HypoDDFormatError(f"{p}:{n}: bad number in station line {ln!r}") from exc
        seen.add(parts[0])
        net, sta = split_label(parts[0], network_chars)
        stations.append(Station(net, sta, lat, lon, elev, source=str(p)))
    if not stations:
        raise HypoDDFormatError(f"{p}: no station lines ('LABEL lat lon [elev]')")
    return MonitoringNetwork(f"hypodd-{p.stem}", tuple(stations))


def _origin(parts: list[str], where: str) -> tuple[str, Origin]:
    try:
        yr, mo, dy, hr, mi = (int(float(x)) for x in parts[1:6])
        t = UTCDateTime(yr, mo, dy, hr, mi) + float(parts[6])
        lat, lon, dep = float(parts[7]), float(parts[8]), float(parts[9])
        rms = float(parts[13]) if len(parts) > 14 else math.nan
    except (ValueError, IndexError) as exc:
        raise HypoDDFormatError(
            f"{where}: event line needs '# yr mo dy hr mi sc lat lon depth mag eh ez rms id'"
        ) from exc
    evid = parts[14] if len(parts) > 14 else parts[-1]
    return evid, Origin(t, lat, lon, dep, rms=rms, method="catalogue (hypoDD phase file)")


def read_hypodd_phases(path: str | Path, network_chars: int = 0) -> Bulletin:
    """A hypoDD phase file as a bulletin: each event's catalogue origin and its picks.

    Picks become arrivals whose detection time is origin time + travel time, with
    ``time_uncertainty = 0.1 s / |weight|`` (zero weights dropped). Event ids are the
    file's ids. ``network_chars`` splits station labels as in :func:`read_hypodd_stations`.
    """
    p = Path(path)
    events: list[Event] = []
    evid: str | None = None
    origin: Origin | None = None
    arrivals: list[Arrival] = []

    def flush() -> None:
        if evid is not None and origin is not None:
            events.append(Event(evid, origin, tuple(arrivals), comment=f"read from {p.name}"))

    for n, ln in enumerate(p.read_text(errors="replace").splitlines(), 1):
        parts = ln.split()
        if not parts:
            continue
        if parts[0] == "#" or parts[0].startswith("#"):
            flush()
            if parts[0] != "#":  # "#1997 ..." without a space
                parts = ["#", parts[0][1:], *parts[1:]]
            evid, origin = _origin(parts, f"{p}:{n}")
            arrivals = []
            continue
        if origin is None:
            raise HypoDDFormatError(f"{p}:{n}: pick line before the first '#' event line")
        if len(parts) < 4:
            raise HypoDDFormatError(f"{p}:{n}: pick line needs 'STA time weight phase': {ln!r}")
        try:
            tt, w = float(parts[1]), float(parts[2])
        except ValueError as exc:
            raise HypoDDFormatError(f"{p}:{n}: bad number in pick line {ln!r}") from exc
        if w == 0:
            continue
        net, sta = split_label(parts[0], network_chars)
        phase = parts[3]
        det = Detection(
            net, sta, "", "", origin.time + tt,
            time_uncertainty=weight_to_uncertainty(w), phase=phase,
        )  # fmt: skip
        arrivals.append(Arrival(det, phase))
    flush()
    if not events:
        raise HypoDDFormatError(f"{p}: no '#' event lines; is this a hypoDD phase file?")
    return Bulletin(tuple(events), name=p.stem)


def read_hypodd_locations(path: str | Path) -> dict[str, Origin]:
    """hypoDD ``.loc`` / ``.reloc`` output: origins by event id (errors ex, ey [m] become
    the origin's ellipse-free ``depth_uncertainty_km`` from ez only)."""
    p = Path(path)
    out: dict[str, Origin] = {}
    for n, ln in enumerate(p.read_text(errors="replace").splitlines(), 1):
        parts = ln.split()
        if not parts:
            continue
        try:
            lat, lon, dep = float(parts[1]), float(parts[2]), float(parts[3])
            ez = float(parts[9])
            yr, mo, dy, hr, mi = (int(x) for x in parts[10:15])
            t = UTCDateTime(yr, mo, dy, hr, mi) + float(parts[15])
        except (ValueError, IndexError) as exc:
            raise HypoDDFormatError(f"{p}:{n}: not a hypoDD .loc/.reloc line: {ln!r}") from exc
        out[parts[0]] = Origin(
            t, lat, lon, dep, depth_uncertainty_km=ez / 1000.0, method=f"hypoDD ({p.name})"
        )
    return out
