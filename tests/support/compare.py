"""Side-by-side comparison with PyOcto (a peer associator) and matching against a catalogue.

:func:`run_pyocto` runs ``pyocto.OctoAssociator`` on the same detections. PyOcto knows
only P and S: P-type detections (P, Pg, Pn, PKP, ...) go in as P, S-type ones (S, Sg, Sn,
Lg) as S, others (Rg, infrasound, noise) are left out. An array's detections (``station``
= the array code) are placed at the array's reference point; a code that is both an array
and a station (KURK) is the array. Two configurations:

* ``model="0d"`` (a dense local network, e.g. the Italy picks): a homogeneous
  ``VelocityModel0D`` in a box around the stations, PyOcto's own transverse Mercator
  projection.
* ``model="1d"`` (an NDC network of regional stations and arrays): a ``VelocityModel1D``
  whose table (:func:`write_pyocto_model`) holds our ak135 first P and first S, and a
  search area (:class:`PyOctoArea`) of ``area_radius_deg`` [deg] around the network
  centre in an azimuthal equidistant projection (distances from the centre are exact;
  PyOcto measures station-event distances in that plane, so they are stretched by up to
  ``(c / sin c)`` across the azimuth at ``c`` deg from the centre: ~2 % at 20 deg).
  **PyOcto works in a local Cartesian frame, so teleseismic events outside the area
  cannot be found by it at all, and sites farther than ``area_radius_deg`` from the
  centre are not used**: a limitation of the peer, kept visible in the comparison
  (count the reference events inside ``result.area``).

:func:`match_catalogue` pairs found origins with reference ones (nearest in time within
``max_dt`` [s] and ``max_km`` [km]) and gives recall and precision.
"""

from __future__ import annotations

import struct
import tempfile
import time as _time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from obspy import UTCDateTime

from openndc.model.detection import Detection
from openndc.model.errors import AssociationError
from openndc.model.geodesy import DEG_KM, destination, distance_azimuth
from openndc.model.inventory import MonitoringNetwork
from openndc.traveltime import TravelTimes, load_travel_times

__all__ = [
    "PYOCTO_NDC_DEFAULTS",
    "CatalogueMatch",
    "PyOctoArea",
    "PyOctoResult",
    "match_catalogue",
    "pyocto_sites",
    "run_pyocto",
    "write_pyocto_model",
]

Hypocentre = tuple[UTCDateTime, float, float, float]
FloatArray = npt.NDArray[np.float64]

#: PyOcto settings of the 1-D (NDC) comparison, matched to our NDC acceptance (P at
#: several sites, data well above the 4 unknowns, ``ndc_min_defining``): P at 4 sites, at
#: least 6 picks, S optional (arrays and far stations often have none), residuals up to
#: 2 s (``p_tolerance``). PyOcto has only times (no back-azimuth or slowness), so it needs
#: more picks than we do. On the synthetic day the looser 3 P / 4 picks gave the same
#: recall at half the precision (docs/association.md). Keyword arguments override.
PYOCTO_NDC_DEFAULTS: dict[str, Any] = {
    "n_picks": 6,
    "n_p_picks": 4,
    "n_s_picks": 0,
    "n_p_and_s_picks": 0,
    "pick_match_tolerance": 2.0,
    "min_interevent_time": 10.0,
}

#: ak135 at the surface [km/s], for PyOcto's station-elevation correction.
_AK135_SURFACE = (5.8, 3.46)


@dataclass(frozen=True)
class PyOctoArea:
    """PyOcto's search area: the square ``|x|, |y| <= half_width_km`` [km] of an
    azimuthal equidistant projection (spherical, as :mod:`openndc.model.geodesy`)
    centred at ``latitude``, ``longitude`` [deg]; x east, y north."""

    latitude: float
    longitude: float
    half_width_km: float

    def project(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """East and north coordinates [km] of geographic points [deg]."""
        d, az, _ = distance_azimuth(self.latitude, self.longitude, lat, lon)
        r = np.asarray(d) * DEG_KM
        a = np.radians(az)
        return r * np.sin(a), r * np.cos(a)

    def unproject(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Geographic latitude and longitude [deg] of plane points [km]."""
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        az = np.degrees(np.arctan2(x, y)) % 360.0
        return destination(self.latitude, self.longitude, np.hypot(x, y) / DEG_KM, az)

    def contains(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Whether epicentres [deg] lie inside the area."""
        x, y = self.project(lat, lon)
        return (np.abs(x) <= self.half_width_km) & (np.abs(y) <= self.half_width_km)


@dataclass(frozen=True)
class PyOctoResult:
    """PyOcto's events ``(time, lat [deg], lon [deg], depth [km])``, the number of
    picks it associated, its wall time [s] (``associate`` only), the sites it was given
    and, for the 1-D model, its search area."""

    events: list[Hypocentre]
    n_associated: int
    wall_s: float
    sites: tuple[str, ...] = ()
    area: PyOctoArea | None = None
    n_picks: int = 0
    config: dict[str, Any] = field(default_factory=dict)


def pyocto_sites(
    detections: Sequence[Detection], network: MonitoringNetwork
) -> dict[str, tuple[float, float, float]]:
    """``code -> (latitude [deg], longitude [deg], elevation [m])`` of the sites that
    detected: seismic arrays at their reference point (their detections carry the
    array code), other stations at their own place. Unknown codes are skipped."""
    used = {d.station for d in detections}
    out: dict[str, tuple[float, float, float]] = {}
    for a in network.arrays:
        if a.code in used and a.kind == "seismic":
            out[a.code] = (a.reference_latitude, a.reference_longitude, a.reference_elevation_m)
    for s in network.stations:
        if s.code in used and s.code not in out:
            out[s.code] = (s.latitude, s.longitude, s.elevation_m)
    return out


def write_pyocto_model(
    path: str | Path,
    travel_times: TravelTimes | str = "ak135",
    max_distance_km: float = 3000.0,
    max_depth_km: float = 700.0,
    delta_km: float = 5.0,
) -> Path:
    """Write a ``pyocto.VelocityModel1D`` table from our travel-time tables.

    PyOcto's binary format (``VelocityModel1D.create_model``, read by its C++ core):
    ``struct.pack("iid", nx, nz, delta)`` then the first-P and the first-S times [s] as
    float64 arrays of shape ``(nx, nz)`` in C order, node ``(i, k)`` at horizontal
    distance ``i * delta`` [km] and source depth ``k * delta`` [km] (bilinear between
    nodes; NaN beyond the last node). Distances convert to degrees with ``DEG_KM``.
    ``max_distance_km`` must exceed the largest station-epicentre distance in PyOcto's
    plane and ``max_depth_km`` (at most the tables' depth) the deepest search depth.
    """
    tt = load_travel_times(travel_times) if isinstance(travel_times, str) else travel_times
    if delta_km <= 0 or max_distance_km <= delta_km or max_depth_km <= delta_km:
        raise AssociationError(
            f"PyOcto table: need 0 < delta_km ({delta_km}) < max_distance_km "
            f"({max_distance_km}) and max_depth_km ({max_depth_km})"
        )
    if max_depth_km > tt.max_depth:
        raise AssociationError(
            f"PyOcto table: max_depth_km {max_depth_km} exceeds the {tt.model!r} tables "
            f"({tt.max_depth} km); lower it"
        )
    nx = int(max_distance_km / delta_km) + 1
    nz = int(max_depth_km / delta_km) + 1
    dist = np.arange(nx)[:, None] * delta_km / DEG_KM
    depth = np.arange(nz)[None, :] * delta_km
    tp = np.ascontiguousarray(tt.first_arrival(dist, depth, kind="P")[0], dtype="<f8")
    ts = np.ascontiguousarray(tt.first_arrival(dist, depth, kind="S")[0], dtype="<f8")
    if not (np.isfinite(tp).all() and np.isfinite(ts).all()):
        raise AssociationError(
            f"PyOcto table: {tt.model!r} has no first P or S somewhere within "
            f"{max_distance_km} km (~{max_distance_km / DEG_KM:.0f} deg); lower max_distance_km"
        )
    path = Path(path)
    with path.open("wb") as fh:
        fh.write(struct.pack("<iid", nx, nz, float(delta_km)))
        fh.write(tp.tobytes())
        fh.write(ts.tobytes())
    return path


def _medoid(lats: FloatArray, lons: FloatArray) -> tuple[float, float]:
    """The site with the least median distance to the others [deg]."""
    d, _, _ = distance_azimuth(lats[:, None], lons[:, None], lats[None, :], lons[None, :])
    k = int(np.argmin(np.median(np.asarray(d), axis=1)))
    return float(lats[k]), float(lons[k])


def _phase(phase: str) -> str:
    """PyOcto's phase of a detection: first letter P or S (P, Pn, Pg, PKP, Sn, ...), Lg as
    S; depth phases (pP, sP), Rg, infrasound and unnamed detections are left out."""
    if phase[:1] in ("P", "S"):
        return phase[:1]
    return "S" if phase.upper() == "LG" else ""


def run_pyocto(
    detections: Sequence[Detection],
    network: MonitoringNetwork,
    *,
    model: Literal["0d", "1d"] = "0d",
    vp: float = 6.0,
    vs: float = 3.4,
    tolerance: float | None = None,
    margin_deg: float = 0.1,
    zlim: tuple[float, float] | None = None,
    travel_times: TravelTimes | str = "ak135",
    area_radius_deg: float = 20.0,
    centre: tuple[float, float] | None = None,
    delta_km: float = 5.0,
    **kwargs: Any,
) -> PyOctoResult:
    """Run PyOcto on ``detections`` (``pip install pyocto``).

    ``model="0d"`` (default, a local network): ``VelocityModel0D`` with ``vp``/``vs``
    [km/s] and ``tolerance`` [s] (default 1 s), search box = the sites' extent plus
    ``margin_deg`` [deg], depths ``zlim`` [km] (default 0-30 km).

    ``model="1d"`` (an NDC network): ``VelocityModel1D`` from ``travel_times`` first P and
    S (:func:`write_pyocto_model`, node spacing ``delta_km`` [km], written to a temporary
    file), ``tolerance`` default 2 s, depths ``zlim`` default 0-700 km; the area is
    ``area_radius_deg`` [deg] around ``centre`` (default the medoid site) in each
    direction (:class:`PyOctoArea`). Events outside it cannot be found, and sites
    outside it are not used (PyOcto's flat frame distorts them beyond use): a
    limitation of PyOcto, reported as ``result.area``. ``time_before`` and
    ``time_slicing`` cover the longest S time in the area; the pick requirements are
    :data:`PYOCTO_NDC_DEFAULTS`.

    Other keyword arguments go to ``OctoAssociator`` (e.g. ``n_picks``, ``n_threads``).
    """
    try:
        import pandas as pd
        import pyocto
    except ImportError as exc:  # pragma: no cover - optional peer
        raise AssociationError("the PyOcto comparison needs `pip install pyocto`") from exc
    sites = pyocto_sites(detections, network)
    if not sites:
        raise AssociationError("no detection names a station or array of the inventory")
    codes = list(sites)
    lats = np.array([sites[c][0] for c in codes])
    lons = np.array([sites[c][1] for c in codes])
    elev = np.array([sites[c][2] for c in codes])
    area: PyOctoArea | None = None
    config: dict[str, Any]
    with tempfile.TemporaryDirectory(prefix="openndc-pyocto-") as tmp:
        if model == "0d":
            tol = 1.0 if tolerance is None else tolerance
            config = {"time_before": 300.0, **kwargs}
            assoc = pyocto.OctoAssociator.from_area(
                lat=(lats.min() - margin_deg, lats.max() + margin_deg),
                lon=(lons.min() - margin_deg, lons.max() + margin_deg),
                zlim=zlim or (0.0, 30.0),
                velocity_model=pyocto.VelocityModel0D(p_velocity=vp, s_velocity=vs, tolerance=tol),
                **config,
            )
            frame = assoc.transform_stations(
                pd.DataFrame({"id": codes, "latitude": lats, "longitude": lons, "elevation": elev})
            )
        elif model == "1d":
            tol = 2.0 if tolerance is None else tolerance
            c_lat, c_lon = centre or _medoid(lats, lons)
            half = area_radius_deg * DEG_KM
            area = PyOctoArea(c_lat, c_lon, half)
            x, y = area.project(lats, lons)
            keep = (np.abs(x) <= half) & (np.abs(y) <= half)
            if not keep.any():
                raise AssociationError(
                    f"no detecting site within {area_radius_deg} deg of ({c_lat}, {c_lon}); "
                    "raise area_radius_deg or give centre"
                )
            codes = [c for c, k in zip(codes, keep, strict=True) if k]
            x, y, elev = x[keep], y[keep], elev[keep]
            corners = np.array([[-half, -half], [-half, half], [half, -half], [half, half]])
            reach = float(np.hypot(x[:, None] - corners[:, 0], y[:, None] - corners[:, 1]).max())
            z_lim = zlim or (0.0, 700.0)
            max_depth = min(z_lim[1] + 2 * delta_km, _tables(travel_times).max_depth)
            table = write_pyocto_model(
                Path(tmp) / "ak135.pyocto", travel_times, reach + 2 * delta_km, max_depth, delta_km
            )
            t_max = float(
                np.nanmax(_tables(travel_times).first_arrival(reach / DEG_KM, 0.0, kind="S")[0])
            )
            config = {
                **PYOCTO_NDC_DEFAULTS,
                "time_before": t_max,
                "time_slicing": max(1200.0, 2.0 * t_max),
                **kwargs,
            }
            velocity = pyocto.VelocityModel1D(
                str(table),
                tolerance=tol,
                surface_p_velocity=_AK135_SURFACE[0],
                surface_s_velocity=_AK135_SURFACE[1],
            )
            assoc = pyocto.OctoAssociator(
                xlim=(-half, half),
                ylim=(-half, half),
                zlim=z_lim,
                velocity_model=velocity,
                **config,
            )
            frame = pd.DataFrame({"id": codes, "x": x, "y": y, "z": -elev / 1000.0})
        else:
            raise AssociationError(f"unknown PyOcto model {model!r}; use '0d' or '1d'")
        used = set(codes)
        keep_d = [(d, _phase(d.phase)) for d in detections if d.station in used]
        keep_d = [(d, p) for d, p in keep_d if p]
        ref = min(d.time for d, _ in keep_d) if keep_d else UTCDateTime(0)
        picks = pd.DataFrame(
            {
                "station": [d.station for d, _ in keep_d],
                "phase": [p for _, p in keep_d],
                "time": [float(d.time - ref) for d, _ in keep_d],
            }
        )
        out: list[Hypocentre] = []
        wall = 0.0
        n_assoc = 0
        if len(picks):
            t = _time.perf_counter()
            events, assignments = assoc.associate(picks, frame)
            wall = _time.perf_counter() - t
            n_assoc = len(assignments)
            if len(events):
                if area is None:
                    events = assoc.transform_events(events)
                    ev_lat, ev_lon = events["latitude"], events["longitude"]
                else:
                    ev_lat, ev_lon = area.unproject(events["x"], events["y"])
                out = [
                    (ref + float(t_), float(la), float(lo), float(z))
                    for t_, la, lo, z in zip(
                        events["time"], ev_lat, ev_lon, events["z"], strict=True
                    )
                ]
    return PyOctoResult(out, n_assoc, wall, tuple(codes), area, len(picks), config)


def _tables(travel_times: TravelTimes | str) -> TravelTimes:
    return load_travel_times(travel_times) if isinstance(travel_times, str) else travel_times


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
