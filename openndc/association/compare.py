"""Side-by-side comparison with PyOcto (a peer associator) and matching against a catalogue.

:func:`run_pyocto` runs ``pyocto.OctoAssociator`` on the same detections (P and S picks
only: PyOcto knows no other phase) with a homogeneous model (``VelocityModel0D``), in a box
around the network. :func:`match_catalogue` pairs found origins with reference ones
(nearest in time within ``max_dt`` [s] and ``max_km`` [km]) and gives recall and precision.
"""

from __future__ import annotations

import time as _time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from obspy import UTCDateTime

from openndc.model.detection import Detection
from openndc.model.errors import AssociationError
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.model.inventory import MonitoringNetwork

__all__ = ["CatalogueMatch", "PyOctoResult", "match_catalogue", "run_pyocto"]

Hypocentre = tuple[UTCDateTime, float, float, float]


@dataclass(frozen=True)
class PyOctoResult:
    """PyOcto's events ``(time, lat [deg], lon [deg], depth [km])``, the number of
    picks it associated, and its wall time [s]."""

    events: list[Hypocentre]
    n_associated: int
    wall_s: float


def run_pyocto(
    detections: Sequence[Detection],
    network: MonitoringNetwork,
    *,
    vp: float = 6.0,
    vs: float = 3.4,
    tolerance: float = 1.0,
    margin_deg: float = 0.1,
    zlim: tuple[float, float] = (0.0, 30.0),
    **kwargs: object,
) -> PyOctoResult:
    """Run PyOcto on ``detections`` (``pip install pyocto``).

    ``vp``/``vs`` [km/s] and ``tolerance`` [s] define its ``VelocityModel0D``; the search
    box is the stations' extent plus ``margin_deg`` [deg], depths ``zlim`` [km]; other
    keyword arguments go to ``OctoAssociator`` (e.g. ``n_picks``, ``n_p_and_s_picks``).
    """
    try:
        import pandas as pd
        import pyocto
    except ImportError as exc:  # pragma: no cover - optional peer
        raise AssociationError("the PyOcto comparison needs `pip install pyocto`") from exc
    used = {d.station for d in detections}
    stas = [s for s in network.stations if s.code in used]
    if not stas:
        raise AssociationError("no detection names a station of the inventory")
    lats = [s.latitude for s in stas]
    lons = [s.longitude for s in stas]
    model = pyocto.VelocityModel0D(p_velocity=vp, s_velocity=vs, tolerance=tolerance)
    assoc = pyocto.OctoAssociator.from_area(
        lat=(min(lats) - margin_deg, max(lats) + margin_deg),
        lon=(min(lons) - margin_deg, max(lons) + margin_deg),
        zlim=zlim,
        time_before=300.0,
        velocity_model=model,
        **kwargs,
    )
    stations = pd.DataFrame(
        {
            "id": [s.code for s in stas],
            "latitude": lats,
            "longitude": lons,
            "elevation": [s.elevation_m for s in stas],
        }
    )
    stations = assoc.transform_stations(stations)
    keep = [d for d in detections if d.phase.upper()[:1] in ("P", "S") and d.station in used]
    ref = min(d.time for d in keep) if keep else UTCDateTime(0)
    picks = pd.DataFrame(
        {
            "station": [d.station for d in keep],
            "phase": [d.phase.upper()[:1] for d in keep],
            "time": [float(d.time - ref) for d in keep],
        }
    )
    t = _time.perf_counter()
    events, assignments = assoc.associate(picks, stations)
    wall = _time.perf_counter() - t
    out: list[Hypocentre] = []
    if len(events):
        events = assoc.transform_events(events)
        out = [
            (ref + float(r.time), float(r.latitude), float(r.longitude), float(r.depth))
            for r in events.itertuples()
        ]
    return PyOctoResult(out, len(assignments), wall)


@dataclass(frozen=True)
class CatalogueMatch:
    """Matches of found origins to reference origins: pairs of indices ``(found, ref)``,
    recall (matched / reference), precision (matched / found), and the median origin-time
    [s] and epicentre [km] differences of the matches."""

    pairs: list[tuple[int, int]]
    recall: float
    precision: float
    median_dt: float
    median_km: float


def match_catalogue(
    found: Sequence[Hypocentre],
    reference: Sequence[Hypocentre],
    *,
    max_dt: float = 3.0,
    max_km: float = 15.0,
) -> CatalogueMatch:
    """Greedy one-to-one matching, closest origin times first."""
    cands = []
    for i, (ft, fla, flo, _) in enumerate(found):
        for j, (rt, rla, rlo, _) in enumerate(reference):
            dt = abs(float(ft - rt))
            if dt > max_dt:
                continue
            d, _, _ = distance_azimuth(fla, flo, rla, rlo)
            km = float(d) * DEG_KM
            if km <= max_km:
                cands.append((dt, km, i, j))
    cands.sort()
    used_f: set[int] = set()
    used_r: set[int] = set()
    pairs, dts, kms = [], [], []
    for dt, km, i, j in cands:
        if i in used_f or j in used_r:
            continue
        used_f.add(i)
        used_r.add(j)
        pairs.append((i, j))
        dts.append(dt)
        kms.append(km)
    return CatalogueMatch(
        pairs,
        len(pairs) / len(reference) if reference else float("nan"),
        len(pairs) / len(found) if found else float("nan"),
        float(np.median(dts)) if dts else float("nan"),
        float(np.median(kms)) if kms else float("nan"),
    )
