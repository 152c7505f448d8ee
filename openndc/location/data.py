"""Observations of one location problem as arrays, and their predictions.

Internal to :mod:`openndc.location`: the arrivals become one row per datum (a time, a
back-azimuth or a slowness), with the station position, the a-priori uncertainty and a
``defining`` flag. :func:`predict` evaluates the model and the partial derivatives with
respect to (origin time [s], east [km], north [km], depth [km]).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from obspy import UTCDateTime

from openndc.location.config import LocationConfig
from openndc.model.errors import ConfigError, DataQualityWarning
from openndc.model.event import Arrival
from openndc.model.geodesy import DEG_KM, EARTH_RADIUS_KM, distance_azimuth
from openndc.model.inventory import MonitoringNetwork

__all__ = ["AZIMUTH", "SLOWNESS", "TIME", "Observations", "TravelTimeModel", "predict"]

FloatArray = npt.NDArray[np.float64]

TIME, AZIMUTH, SLOWNESS = 0, 1, 2

_P_LIKE = frozenset({"P", "Pn", "Pg", "Pb", "p", "Pdiff", "P*"})
_S_LIKE = frozenset({"S", "Sn", "Sg", "Sb", "s", "Sdiff", "S*"})


class TravelTimeModel(Protocol):
    """What the locator needs of a travel-time model (TravelTimes, LayeredModel)."""

    @property
    def model(self) -> str: ...

    def derivatives(
        self, phase: str, distance: npt.ArrayLike, depth: npt.ArrayLike
    ) -> tuple[FloatArray, FloatArray, FloatArray]: ...


def generic_phase(phase: str) -> str | None:
    """The first-arrival table (``P``/``S``) standing in for a crustal or named P/S phase."""
    if phase in _P_LIKE or phase.startswith("Pb"):
        return "P"
    if phase in _S_LIKE or phase.startswith("Sb"):
        return "S"
    return None


def phase_derivatives(
    tt: TravelTimeModel, phase: str, distance: FloatArray, depth: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``tt.derivatives`` with a fallback to the first arrival of the same wave type where
    the named phase does not exist (a Pn label at a distance where only Pg exists)."""
    generic = generic_phase(phase)
    try:
        t, p, q = tt.derivatives(phase, distance, depth)
    except ConfigError:
        if generic is None or generic == phase:
            raise
        return tt.derivatives(generic, distance, depth)
    bad = ~np.isfinite(t)
    if generic is not None and generic != phase and bad.any():
        tg, pg, qg = tt.derivatives(generic, distance, depth)
        t, p, q = np.where(bad, tg, t), np.where(bad, pg, p), np.where(bad, qg, q)
    return np.asarray(t, float), np.asarray(p, float), np.asarray(q, float)


@dataclass
class Observations:
    """One row per datum. ``value``: time [s after ``reference``], back-azimuth [deg] or
    slowness [s/deg]; ``sigma`` in the same unit."""

    reference: UTCDateTime
    kind: npt.NDArray[np.int64]
    arrival: npt.NDArray[np.int64]
    phase: list[str]
    value: FloatArray
    sigma: FloatArray
    lat: FloatArray
    lon: FloatArray
    elev_km: FloatArray
    defining: npt.NDArray[np.bool_]
    station: list[str]

    def __len__(self) -> int:
        return int(self.kind.size)

    @property
    def n_defining(self) -> int:
        return int(self.defining.sum())


def _position(network: MonitoringNetwork, arr: Arrival) -> tuple[float, float, float] | None:
    det = arr.detection
    sta = network.find_station(det.station, det.network or None)
    if sta is None:
        sta = network.find_station(det.station)
    if sta is not None:
        return sta.latitude, sta.longitude, sta.elevation_m / 1000.0
    for a in network.arrays:
        if a.code == det.station:
            return a.reference_latitude, a.reference_longitude, a.reference_elevation_m / 1000.0
    return None


def _finite(x: float) -> bool:
    return x is not None and math.isfinite(x)


def build_observations(
    arrivals: Sequence[Arrival], network: MonitoringNetwork, config: LocationConfig
) -> Observations:
    """Rows for every usable datum of ``arrivals``; unknown stations warn and are skipped."""
    times = [a.detection.time for a in arrivals]
    reference = min(times) if times else UTCDateTime(0)
    rows: list[tuple[int, int, str, float, float, float, float, float, bool, str]] = []
    for i, arr in enumerate(arrivals):
        det = arr.detection
        pos = _position(network, arr)
        if pos is None:
            warnings.warn(
                f"location: station {det.network}.{det.station} (arrival at {det.time}) is "
                f"not in inventory {network.name!r}; its data are skipped. Add the station "
                "to the inventory to use them.",
                DataQualityWarning,
                stacklevel=3,
            )
            continue
        lat, lon, elev = pos
        phase = arr.phase or det.phase or "P"
        # total time uncertainty: the travel-time model's error for the phase and the
        # pick's own uncertainty, in quadrature (as the IDC combines deltim and model error)
        sig = config.phase_uncertainty.get(phase)
        pick = det.time_uncertainty
        if _finite(pick) and pick > 0:
            sig = math.hypot(sig, float(pick))
        sig = max(float(sig), config.min_uncertainty_time)
        rows.append(
            (TIME, i, phase, float(det.time - reference), sig, lat, lon, elev,
             arr.time_defining, det.station)
        )  # fmt: skip
        if config.use_azimuth and _finite(det.backazimuth):
            sb = det.backazimuth_uncertainty
            sb = sb if _finite(sb) and sb > 0 else config.azimuth_uncertainty
            rows.append(
                (AZIMUTH, i, phase, float(det.backazimuth) % 360.0, float(sb), lat, lon, elev,
                 True, det.station)
            )  # fmt: skip
        if config.use_slowness and _finite(det.slowness):
            ss = det.slowness_uncertainty
            ss = ss if _finite(ss) and ss > 0 else config.slowness_uncertainty
            rows.append(
                (SLOWNESS, i, phase, float(det.slowness), float(ss), lat, lon, elev, True,
                 det.station)
            )  # fmt: skip
    cols = list(zip(*rows, strict=True)) if rows else [()] * 10
    return Observations(
        reference=reference,
        kind=np.asarray(cols[0], dtype=np.int64),
        arrival=np.asarray(cols[1], dtype=np.int64),
        phase=list(cols[2]),
        value=np.asarray(cols[3], dtype=np.float64),
        sigma=np.asarray(cols[4], dtype=np.float64),
        lat=np.asarray(cols[5], dtype=np.float64),
        lon=np.asarray(cols[6], dtype=np.float64),
        elev_km=np.asarray(cols[7], dtype=np.float64),
        defining=np.asarray(cols[8], dtype=bool),
        station=list(cols[9]),
    )


def wrap180(x: npt.ArrayLike) -> FloatArray:
    """Angles [deg] wrapped to [-180, 180)."""
    return (np.asarray(x, dtype=np.float64) + 180.0) % 360.0 - 180.0


def _is_s(phase: str) -> bool:
    return phase.startswith(("S", "s", "L"))


def predict(
    obs: Observations,
    tt: TravelTimeModel,
    config: LocationConfig,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    depth: float,
    t0: npt.ArrayLike = 0.0,
    partials: bool = True,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Predicted data and partial derivatives for trial hypocentres.

    ``lat``, ``lon`` [deg] and ``t0`` [s after the reference] may be arrays of shape
    ``(n_nodes, 1)`` (grid search) or scalars. Returns ``(predicted (n_nodes, N),
    distance [deg] (n_nodes, N), G (N, 4) or empty)`` where ``G`` holds the partials
    with respect to (origin time [s], east [km], north [km], depth [km]) at a single
    hypocentre. Back-azimuths are predicted in [0, 360).
    """
    la = np.atleast_2d(np.asarray(lat, dtype=np.float64))
    lo = np.atleast_2d(np.asarray(lon, dtype=np.float64))
    dist, az, baz = distance_azimuth(la, lo, obs.lat[None, :], obs.lon[None, :])
    shape = dist.shape
    pred = np.full(shape, np.nan)
    dtdd = np.full(shape, np.nan)
    dtdh = np.full(shape, np.nan)
    need_slow = obs.kind == SLOWNESS
    d2t = np.full(shape, np.nan)
    dsdh = np.full(shape, np.nan)
    for ph in sorted(set(obs.phase)):
        sel = np.array([p == ph for p in obs.phase])
        try:
            t, p, q = phase_derivatives(tt, ph, dist[:, sel], depth)
        except ConfigError:
            continue
        dtdd[:, sel], dtdh[:, sel] = p, q
        ts = sel & (obs.kind == TIME)
        if ts.any():
            tsub = t[:, ts[sel]]
            if config.elevation_correction:
                v = config.surface_vs if _is_s(ph) else config.surface_vp
                pk = p[:, ts[sel]] / DEG_KM
                corr = obs.elev_km[ts][None, :] * np.sqrt(np.clip(1.0 / v**2 - pk**2, 0, None))
                tsub = tsub + corr
            pred[:, ts] = tsub
        ss = sel & need_slow
        if ss.any():
            pred[:, ss] = p[:, ss[sel]]
            if partials:
                dsel = dist[:, ss]
                step = np.maximum(0.02, 0.02 * dsel)
                _, p1, _ = phase_derivatives(tt, ph, dsel + step, depth)
                _, p0, _ = phase_derivatives(tt, ph, np.maximum(dsel - step, 0.0), depth)
                d2t[:, ss] = (p1 - p0) / (dsel + step - np.maximum(dsel - step, 0.0))
                dz = 1.0
                _, pz1, _ = phase_derivatives(tt, ph, dsel, depth + dz)
                _, pz0, _ = phase_derivatives(tt, ph, dsel, max(depth - dz, 0.0))
                dsdh[:, ss] = (pz1 - pz0) / (depth + dz - max(depth - dz, 0.0))
    is_t = obs.kind == TIME
    pred[:, is_t] += np.broadcast_to(np.atleast_2d(np.asarray(t0, dtype=np.float64)), shape)[
        :, is_t
    ]
    is_a = obs.kind == AZIMUTH
    pred[:, is_a] = baz[:, is_a]
    if not partials:
        return pred, dist, np.empty((0, 4))
    G = np.zeros((len(obs), 4))
    a = np.radians(az[0])
    sa, ca = np.sin(a), np.cos(a)
    G[is_t, 0] = 1.0
    G[is_t, 1] = -dtdd[0, is_t] / DEG_KM * sa[is_t]
    G[is_t, 2] = -dtdd[0, is_t] / DEG_KM * ca[is_t]
    G[is_t, 3] = dtdh[0, is_t]
    rsin = np.maximum(EARTH_RADIUS_KM * np.sin(np.radians(dist[0])), 0.5)
    G[is_a, 1] = -np.degrees(ca[is_a] / rsin[is_a])
    G[is_a, 2] = np.degrees(sa[is_a] / rsin[is_a])
    G[need_slow, 1] = -d2t[0, need_slow] / DEG_KM * sa[need_slow]
    G[need_slow, 2] = -d2t[0, need_slow] / DEG_KM * ca[need_slow]
    G[need_slow, 3] = dsdh[0, need_slow]
    return pred, dist, G
