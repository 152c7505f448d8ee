"""Readers for the REAL/LOC-FLOW pick and catalogue files (the Central-Italy 2016 test data).

- REAL station file ``station.dat``: ``lon lat net sta chan elev_km`` per line;
- REAL pick files ``NET.STA.P.txt`` / ``NET.STA.S.txt``: ``seconds-after-day-start weight
  amplitude`` per line;
- Hypoinverse summary ``catOut.sum`` as LOC-FLOW writes it (fixed columns: date, time,
  seconds, latitude, longitude, depth).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.model.detection import Detection
from openndc.model.inventory import MonitoringNetwork, Station

__all__ = ["read_hypoinverse_sum", "read_real_picks", "read_real_stations"]


def read_real_stations(path: str | Path, name: str = "REAL") -> MonitoringNetwork:
    """Stations of a REAL ``station.dat`` (elevation km -> m)."""
    stations = []
    seen = set()
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if len(parts) < 6:
            continue
        lon, lat, net, sta, _chan, elev = parts[:6]
        if (net, sta) in seen:
            continue
        seen.add((net, sta))
        stations.append(Station(net, sta, float(lat), float(lon), float(elev) * 1000.0))
    return MonitoringNetwork(name, tuple(stations), (), str(path))


def read_real_picks(
    folder: str | Path, day: UTCDateTime, start: float = 0.0, end: float = 86400.0
) -> list[Detection]:
    """Picks of a REAL pick folder between ``start`` and ``end`` [s after ``day``].

    The weight column becomes ``snr``, the amplitude ``amplitude`` (unit unknown). Sorted
    by time; ``id`` is ``NET.STA.PHASE.<row>``.
    """
    out: list[Detection] = []
    for f in sorted(Path(folder).glob("*.txt")):
        parts = f.name.split(".")
        if len(parts) != 4:
            continue
        net, sta, phase, _ = parts
        data = np.loadtxt(f, ndmin=2)
        if data.size == 0:
            continue
        for row, (sec, weight, amp) in enumerate(data[:, :3]):
            if not start <= sec < end:
                continue
            out.append(
                Detection(
                    net, sta, "", "", day + float(sec), phase=phase.upper(),
                    snr=float(weight), amplitude=float(amp), id=f"{net}.{sta}.{phase}.{row}",
                )
            )  # fmt: skip
    out.sort(key=lambda d: d.time)
    return out


def read_hypoinverse_sum(path: str | Path) -> list[tuple[UTCDateTime, float, float, float]]:
    """``(origin time, latitude [deg], longitude [deg], depth [km])`` per catalogue line."""
    events = []
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if len(parts) < 6 or not parts[0][:4].isdigit():
            continue
        y, mo, d = (int(v) for v in parts[0].split("/"))
        hh, mm = (int(v) for v in parts[1].split(":"))
        t = UTCDateTime(y, mo, d, hh, mm) + float(parts[2])
        events.append((t, float(parts[3]), float(parts[4]), float(parts[5])))
    return events
