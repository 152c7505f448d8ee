"""Double-difference relocation of event clusters from catalogue differential times.

The method of hypoDD (Waldhauser & Ellsworth 2000, BSSA 90, 1353-1368; Waldhauser 2001,
USGS OFR 01-113), with catalogue (pick) data:

1. **Pairs** as ``ph2dt`` forms them: for each event its nearest neighbours within
   ``dd_max_separation`` [km], up to ``dd_max_neighbours`` strongly linked ones (at least
   ``dd_min_links`` common station-phases); a pair is kept with at least
   ``dd_min_observations`` differential times, at most ``dd_max_observations`` (nearest
   stations first), stations within ``dd_max_station_distance`` [km] of the pair's
   centroid; a differential time larger than ``separation / v + 0.5 s`` (v = 4 km/s for P,
   2.3 km/s for S) is an outlier and dropped.
2. **Double differences** ``dr = (t_i - t_j)_obs - (t_i - t_j)_cal`` of travel times at
   a common station, with the partials of event ``i`` (east, north, depth [km], origin
   time [s]) and minus those of ``j``.
3. **Weighted damped least squares** on all pairs at once: a-priori weights (pick weights
   averaged over the pair, S times ``dd_s_weight``), columns scaled to unit norm, LSQR
   with damping ``dd_damping`` (as hypoDD's ISOLV=2), and four constraint rows that keep
   the cluster's mean shift at zero (as hypoDD's SVD mode): the catalogue fixes the
   cluster's absolute position, the differential times its internal geometry.
4. **Re-weighting** after the first set of iterations: bi-cube weights on residuals beyond
   ``dd_residual_factor`` x MAD / 0.67449 and on pairs farther apart than
   ``dd_weight_distance`` (hypoDD's WRCT, WDCT; ``weighting.f``).

Units: positions [deg], depths [km], shifts [km], times [s].
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.linalg import lsqr

from openndc.location.config import RelocationConfig
from openndc.location.corrections import StationCorrections, station_key
from openndc.location.data import TravelTimeModel, generic_phase, phase_derivatives
from openndc.model.errors import LocationError
from openndc.model.event import Event
from openndc.model.geodesy import DEG_KM, destination, distance_azimuth
from openndc.model.inventory import MonitoringNetwork

__all__ = [
    "DifferentialTimes",
    "DoubleDifferenceResult",
    "differential_times",
    "double_difference_residuals",
    "relocate_double_difference",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

METHOD = "openndc.location: double-difference relocation (catalogue times, LSQR)"

#: ph2dt's outlier line: |dt| > separation / v + 0.5 s (v [km/s] by wave type).
_OUTLIER_VELOCITY = {"P": 4.0, "S": 2.3}


@dataclass(frozen=True)
class DifferentialTimes:
    """Catalogue differential times of event pairs (one row per pair and station-phase).

    ``i``, ``j``: event indices; ``station``: index into ``stations``; ``phase``: ``P``/``S``;
    ``ti``, ``tj``: observed travel times [s] from each event's catalogue origin time;
    ``weight``: a-priori weight (0-1)."""

    i: IntArray
    j: IntArray
    station: IntArray
    phase: npt.NDArray[np.str_]
    ti: FloatArray
    tj: FloatArray
    weight: FloatArray
    stations: tuple[tuple[str, float, float], ...]
    n_pairs: int

    def __len__(self) -> int:
        return int(self.i.size)


@dataclass(frozen=True)
class DoubleDifferenceResult:
    """Relocated events (unlinked events keep their input origin), the RMS of the
    double-difference residuals [s] with non-zero weight per iteration (index 0: at the
    input locations, a-priori weights; last: at the solution), and which events could
    not be linked. ``residuals_initial`` / ``residuals_final`` [s] are every differential
    time's residual at the input locations and at the solution (same order as
    :func:`differential_times`), ``final_weights`` the weights of the last set.

    A relocated origin's ``rms`` [s] and ``n_defining`` are those of its differential
    times kept in the last set, ``n_stations`` their stations; it has no ellipse (the
    relative errors of a least-squares cluster solution are not its absolute ones)."""

    events: tuple[Event, ...]
    rms: tuple[float, ...]
    n_pairs: int
    n_differential_times: int
    unlinked: tuple[str, ...] = ()
    shifts_km: FloatArray = field(default_factory=lambda: np.zeros((0, 3)))
    residuals_initial: FloatArray = field(default_factory=lambda: np.zeros(0))
    residuals_final: FloatArray = field(default_factory=lambda: np.zeros(0))
    final_weights: FloatArray = field(default_factory=lambda: np.zeros(0))


def _pick_table(
    events: Sequence[Event],
    network: MonitoringNetwork,
    corrections: StationCorrections | None,
) -> tuple[list[dict[tuple[int, str], tuple[float, float]]], list[tuple[str, float, float]]]:
    """Per event: {(station index, P/S): (travel time [s], weight)}; the station list."""
    index: dict[str, int] = {}
    stations: list[tuple[str, float, float]] = []
    table: list[dict[tuple[int, str], tuple[float, float]]] = []
    for ev in events:
        picks: dict[tuple[int, str], tuple[float, float]] = {}
        for arr in ev.arrivals:
            det = arr.detection
            kind = generic_phase(arr.phase or det.phase or "P")
            if kind is None:
                continue
            key = station_key(arr)
            if key not in index:
                sta = network.find_station(det.station, det.network or None)
                if sta is None:
                    sta = network.find_station(det.station)
                if sta is None:
                    continue
                index[key] = len(stations)
                stations.append((key, sta.latitude, sta.longitude))
            unc = det.time_uncertainty
            w = min(1.0, 0.1 / unc) if math.isfinite(unc) and unc > 0 else 1.0
            t = float(det.time - ev.origin.time)
            if corrections is not None:
                c = corrections.lookup(corrections.time, arr)
                t -= c if c is not None else 0.0
            picks.setdefault((index[key], kind), (t, w))
        table.append(picks)
    return table, stations


def differential_times(
    events: Sequence[Event],
    network: MonitoringNetwork,
    config: RelocationConfig | None = None,
    corrections: StationCorrections | None = None,
) -> DifferentialTimes:
    """Catalogue differential times of linked event pairs, formed as ``ph2dt`` does
    (see the module docstring). ``corrections`` (station terms) are subtracted first."""
    cfg = config or RelocationConfig()
    picks, stations = _pick_table(events, network, corrections)
    n = len(events)
    lat = np.array([e.origin.latitude for e in events])
    lon = np.array([e.origin.longitude for e in events])
    dep = np.array([e.origin.depth_km for e in events])
    x = (lon - lon.mean()) * DEG_KM * np.cos(np.radians(lat.mean()))
    y = (lat - lat.mean()) * DEG_KM
    slat = np.array([s[1] for s in stations]) if stations else np.zeros(0)
    slon = np.array([s[2] for s in stations]) if stations else np.zeros(0)
    rows: list[tuple[int, int, int, str, float, float, float]] = []
    done: set[tuple[int, int]] = set()
    n_pairs = 0
    for i in range(n):
        sep = np.sqrt((x - x[i]) ** 2 + (y - y[i]) ** 2 + (dep - dep[i]) ** 2)
        sep[i] = np.inf
        strong = 0
        for k in np.argsort(sep, kind="stable"):
            k = int(k)
            if strong >= cfg.dd_max_neighbours or sep[k] > cfg.dd_max_separation:
                break
            pair = (min(i, k), max(i, k))
            if pair in done:
                strong += 1
                continue
            common = sorted(set(picks[i]) & set(picks[k]))
            if not common:
                continue
            st = np.array([c[0] for c in common])
            clat, clon = 0.5 * (lat[i] + lat[k]), 0.5 * (lon[i] + lon[k])
            dist = distance_azimuth(clat, clon, slat[st], slon[st])[0] * DEG_KM
            cand = []
            for c, d in zip(common, dist, strict=True):
                (ti, wi), (tk, wk) = picks[i][c], picks[k][c]
                if d > cfg.dd_max_station_distance:
                    continue
                if abs(ti - tk) > sep[k] / _OUTLIER_VELOCITY[c[1]] + 0.5:
                    continue
                cand.append((float(d), c, ti, tk, 0.5 * (wi + wk)))
            if len(cand) >= cfg.dd_min_observations:
                cand.sort(key=lambda r: r[0])
                for _, c, ti, tk, w in cand[: cfg.dd_max_observations]:
                    rows.append((i, k, c[0], c[1], ti, tk, w))
                n_pairs += 1
                done.add(pair)
            if len(cand) >= cfg.dd_min_links:
                strong += 1
    if not rows:
        return DifferentialTimes(
            np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64),
            np.zeros(0, "<U1"), np.zeros(0), np.zeros(0), np.zeros(0), tuple(stations), 0,
        )  # fmt: skip
    cols = list(zip(*rows, strict=True))
    return DifferentialTimes(
        i=np.asarray(cols[0], np.int64),
        j=np.asarray(cols[1], np.int64),
        station=np.asarray(cols[2], np.int64),
        phase=np.asarray(cols[3], "<U1"),
        ti=np.asarray(cols[4], np.float64),
        tj=np.asarray(cols[5], np.float64),
        weight=np.asarray(cols[6], np.float64),
        stations=tuple(stations),
        n_pairs=n_pairs,
    )


def _predict(
    dt: DifferentialTimes,
    tt: TravelTimeModel,
    lat: FloatArray,
    lon: FloatArray,
    dep: FloatArray,
) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
    """Travel times and partials (east, north, depth) for every (event, station, phase)
    of the data: maps ``phase -> (n_events, n_stations)`` arrays."""
    slat = np.array([s[1] for s in dt.stations])
    slon = np.array([s[2] for s in dt.stations])
    d, az, _ = distance_azimuth(lat[:, None], lon[:, None], slat[None, :], slon[None, :])
    h = np.broadcast_to(dep[:, None], d.shape)
    times: dict[str, FloatArray] = {}
    parts: dict[str, FloatArray] = {}
    a = np.radians(az)
    for ph in sorted(set(dt.phase.tolist())):
        t, p, q = phase_derivatives(tt, ph, d, h)
        times[ph] = t
        parts[ph] = np.stack(
            [-p / DEG_KM * np.sin(a), -p / DEG_KM * np.cos(a), q], axis=-1
        )  # (n_ev, n_sta, 3)
    return times, parts


def double_difference_residuals(
    dt: DifferentialTimes,
    tt: TravelTimeModel,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    depth: npt.ArrayLike,
    time_shift: npt.ArrayLike | None = None,
) -> FloatArray:
    """``(t_i - t_j)_obs - (t_i - t_j)_cal`` [s] at the given event positions (and origin
    time shifts [s] from the catalogue origin times)."""
    la, lo, de = (np.asarray(v, dtype=np.float64) for v in (lat, lon, depth))
    sh = np.zeros(la.size) if time_shift is None else np.asarray(time_shift, np.float64)
    times, _ = _predict(dt, tt, la, lo, de)
    out = np.empty(len(dt))
    for ph, tab in times.items():
        s = dt.phase == ph
        cal = tab[dt.i[s], dt.station[s]] - tab[dt.j[s], dt.station[s]]
        obs = (dt.ti[s] - sh[dt.i[s]]) - (dt.tj[s] - sh[dt.j[s]])
        out[s] = obs - cal
    return out


def _weights(
    dt: DifferentialTimes,
    res: FloatArray,
    sep_km: FloatArray,
    cfg: RelocationConfig,
    reweight: bool,
) -> FloatArray:
    w = dt.weight * np.where(dt.phase == "S", cfg.dd_s_weight, 1.0)
    w = np.where(np.isfinite(res), w, 0.0)
    if not reweight:
        return w
    if cfg.dd_weight_distance > 0:
        w = w * np.clip(1.0 - (sep_km / cfg.dd_weight_distance) ** 3, 0.0, None) ** 3
    ok = np.isfinite(res) & (w > 0)
    if cfg.dd_residual_factor > 0 and ok.sum() > 4:
        med = float(np.median(res[ok]))
        mad = float(np.median(np.abs(res[ok] - med))) / 0.67449
        cut = cfg.dd_residual_factor * max(mad, 1e-3)
        w = w * np.clip(1.0 - (np.abs(res) / cut) ** 3, 0.0, None) ** 3
    return np.where(np.isfinite(res), w, 0.0)


def _separation(
    dt: DifferentialTimes, lat: FloatArray, lon: FloatArray, dep: FloatArray
) -> FloatArray:
    """Hypocentral separation [km] of each datum's pair."""
    dx = (lon[dt.i] - lon[dt.j]) * DEG_KM * np.cos(np.radians(lat[dt.i]))
    dy = (lat[dt.i] - lat[dt.j]) * DEG_KM
    return np.asarray(np.sqrt(dx**2 + dy**2 + (dep[dt.i] - dep[dt.j]) ** 2), dtype=np.float64)


def _solve(
    dt: DifferentialTimes,
    res: FloatArray,
    w: FloatArray,
    parts: dict[str, FloatArray],
    linked: npt.NDArray[np.bool_],
    n_ev: int,
    damping: float,
) -> FloatArray:
    """LSQR step (n_ev, 4): east, north, depth [km], origin time [s]."""
    use = np.flatnonzero(w > 0)
    m = use.size
    g_i = np.empty((m, 3))
    g_j = np.empty((m, 3))
    for ph, part in parts.items():
        s = dt.phase[use] == ph
        idx = use[s]
        g_i[s] = part[dt.i[idx], dt.station[idx]]
        g_j[s] = part[dt.j[idx], dt.station[idx]]
    r_idx = np.repeat(np.arange(m), 8)
    c_i = dt.i[use][:, None] * 4 + np.arange(4)[None, :]
    c_j = dt.j[use][:, None] * 4 + np.arange(4)[None, :]
    c_idx = np.concatenate([c_i, c_j], axis=1).ravel()
    vals = np.concatenate([g_i, np.ones((m, 1)), -g_j, -np.ones((m, 1))], axis=1)
    vals = (vals * w[use][:, None]).ravel()
    # mean shift of the linked events held at zero (east, north, depth, time)
    lk = np.flatnonzero(linked)
    big = float(np.sqrt(max(m, 1)))
    cr = np.repeat(m + np.arange(4), lk.size)
    cc = (lk[None, :] * 4 + np.arange(4)[:, None]).ravel()
    cv = np.full(cc.size, big / max(lk.size, 1))
    A = coo_matrix(
        (np.concatenate([vals, cv]), (np.concatenate([r_idx, cr]), np.concatenate([c_idx, cc]))),
        shape=(m + 4, 4 * n_ev),
    ).tocsr()
    b = np.concatenate([res[use] * w[use], np.zeros(4)])
    norms = np.sqrt(np.asarray(A.multiply(A).sum(axis=0)).ravel())
    norms[norms == 0] = 1.0
    As = csr_matrix(A @ _diag(1.0 / norms))
    sol = lsqr(As, b, damp=damping, atol=1e-6, btol=1e-6, iter_lim=1000)[0] / norms
    return np.asarray(sol).reshape(n_ev, 4)


def _diag(v: FloatArray) -> csr_matrix:
    n = v.size
    return csr_matrix((v, (np.arange(n), np.arange(n))), shape=(n, n))


def relocate_double_difference(
    events: Sequence[Event],
    network: MonitoringNetwork,
    travel_times: TravelTimeModel,
    config: RelocationConfig | None = None,
    corrections: StationCorrections | None = None,
) -> DoubleDifferenceResult:
    """Relocate a cluster by double differences of its catalogue arrival times.

    ``events`` carry their starting origins (e.g. the network's or :func:`locate`'s) and
    arrivals; ``travel_times`` is usually a local :class:`LayeredModel` (tabulated).
    Returns new origins for linked events (``method`` says double-difference); unlinked
    events keep theirs and are listed. Raises :class:`LocationError` without any pair.
    """
    cfg = config or RelocationConfig()
    dt = differential_times(events, network, cfg, corrections)
    if dt.n_pairs == 0:
        raise LocationError(
            f"double difference: none of the {len(events)} events forms a pair with "
            f">= {cfg.dd_min_observations} common station-phases within "
            f"{cfg.dd_max_separation:g} km; relocate them one by one instead"
        )
    n = len(events)
    lat = np.array([e.origin.latitude for e in events], dtype=np.float64)
    lon = np.array([e.origin.longitude for e in events], dtype=np.float64)
    dep = np.array([e.origin.depth_km for e in events], dtype=np.float64)
    shift = np.zeros(n)
    linked = np.zeros(n, dtype=bool)
    linked[dt.i] = True
    linked[dt.j] = True
    lat0, lon0, dep0 = lat.copy(), lon.copy(), dep.copy()
    max_depth = float(getattr(travel_times, "max_depth", 700.0))
    rms: list[float] = []
    initial = np.zeros(len(dt))
    k = 0
    for set_no, n_iter in enumerate(cfg.dd_iterations):
        for _ in range(n_iter):
            k += 1
            res = double_difference_residuals(dt, travel_times, lat, lon, dep, shift)
            if k == 1:
                initial = res
            w = _weights(dt, res, _separation(dt, lat, lon, dep), cfg, reweight=set_no > 0)
            ok = w > 0
            rms.append(float(np.sqrt(np.mean(res[ok] ** 2))) if ok.any() else math.nan)
            _, parts = _predict(dt, travel_times, lat, lon, dep)
            step = _solve(dt, res, w, parts, linked, n, cfg.dd_damping)
            horiz = np.hypot(step[:, 0], step[:, 1])
            la, lo = destination(
                lat, lon, horiz / DEG_KM, np.degrees(np.arctan2(step[:, 0], step[:, 1]))
            )
            lat = np.where(linked, la, lat)
            lon = np.where(linked, lo, lon)
            dep = np.where(linked, np.clip(dep + step[:, 2], 0.0, max_depth), dep)
            shift = np.where(linked, shift + step[:, 3], shift)
            log.debug("double difference iteration %d: rms %.4f s, %d data", k, rms[-1], ok.sum())
    res = double_difference_residuals(dt, travel_times, lat, lon, dep, shift)
    w = _weights(dt, res, _separation(dt, lat, lon, dep), cfg, len(cfg.dd_iterations) > 1)
    ok = w > 0
    rms.append(float(np.sqrt(np.mean(res[ok] ** 2))) if ok.any() else math.nan)
    out = []
    for e in range(n):
        ev = events[e]
        if not linked[e]:
            out.append(ev)
            continue
        mine = ok & ((dt.i == e) | (dt.j == e))
        origin = replace(
            ev.origin,
            time=ev.origin.time + float(shift[e]),
            latitude=float(lat[e]),
            longitude=float(lon[e]),
            depth_km=float(dep[e]),
            depth_fixed=False,
            time_uncertainty=math.nan,
            depth_uncertainty_km=math.nan,
            ellipse=None,
            rms=float(np.sqrt(np.mean(res[mine] ** 2))) if mine.any() else math.nan,
            n_defining=int(mine.sum()),
            n_stations=len(set(dt.station[mine].tolist())),
            method=METHOD,
            model=getattr(travel_times, "model", ""),
        )
        out.append(replace(ev, origin=origin))
    d_e = (lon - lon0) * DEG_KM * np.cos(np.radians(lat0))
    d_n = (lat - lat0) * DEG_KM
    return DoubleDifferenceResult(
        events=tuple(out),
        rms=tuple(rms),
        n_pairs=dt.n_pairs,
        n_differential_times=len(dt),
        unlinked=tuple(events[e].id for e in range(n) if not linked[e]),
        shifts_km=np.stack([d_e, d_n, dep - dep0], axis=1),
        residuals_initial=initial,
        residuals_final=res,
        final_weights=w,
    )
