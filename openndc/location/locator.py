"""Hypocentre location by iterative damped least squares (Geiger's method).

:func:`locate` turns associated arrivals (times, and where measured back-azimuths and
slownesses) into an :class:`~openndc.model.event.Origin` with its 90 % error ellipse:

1. a coarse grid search (lat, lon, depth; origin time eliminated by the median residual,
   L1 misfit) around the initial origin, the first-arriving station or the point an
   array's back-azimuth and slowness point at, refined a few times around its best node;
2. Gauss-Newton iterations on (origin time, east, north, depth) with weights
   ``1/sigma``, solved by a damped SVD, with step-length control (halving while the
   misfit grows) and depth kept in ``[0, max_depth]``;
3. outliers (``|r|/sigma > residual_cutoff``) made non-defining one at a time, largest
   first, and the event relocated;
4. depth fixed at ``fixed_depth`` when the free depth is unresolved (90 % uncertainty
   above ``max_depth_uncertainty``), pinned at the surface (an "airquake") or when
   there are too few data, as the IDC does;
5. covariance ``(G^T W G)^-1`` at the solution and the Jordan-Sverdrup 90 % ellipse
   (:mod:`openndc.location.uncertainty`).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from openndc.location.config import LocationConfig
from openndc.location.data import (
    AZIMUTH,
    SLOWNESS,
    TIME,
    Observations,
    TravelTimeModel,
    build_observations,
    phase_derivatives,
    predict,
    wrap180,
)
from openndc.location.uncertainty import azimuthal_gap, error_ellipse, kappa_squared
from openndc.model.config import to_mapping
from openndc.model.errors import LocationError
from openndc.model.event import Arrival, Origin
from openndc.model.geodesy import DEG_KM, destination, distance_azimuth
from openndc.model.inventory import MonitoringNetwork
from openndc.model.phases import DEPTH_PHASES
from openndc.model.provenance import Provenance

__all__ = ["LocationResult", "locate"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

METHOD = "openndc.location: Geiger damped least squares (grid-search start)"


@dataclass(frozen=True)
class LocationResult:
    """The located origin, the arrivals with residuals, and how the solution went.

    ``covariance`` is the a-priori-weighted model covariance ``(G^T W G)^-1`` of
    (origin time [s], east [km], north [km], depth [km]); 3x3 without depth when depth
    was fixed. ``converged`` is false when the iterations stopped at ``max_iterations``.
    """

    origin: Origin
    arrivals: tuple[Arrival, ...]
    covariance: FloatArray
    converged: bool
    iterations: int
    notes: tuple[str, ...] = field(default=())


@dataclass
class _State:
    lat: float
    lon: float
    depth: float
    t0: float


@dataclass
class _Solution:
    state: _State
    converged: bool
    iterations: int
    airquake: bool
    residual: FloatArray
    G: FloatArray


def _residuals(obs: Observations, pred: FloatArray) -> FloatArray:
    r = obs.value - pred
    a = obs.kind == AZIMUTH
    r[..., a] = wrap180(r[..., a])
    return r


def _misfit(obs: Observations, r: FloatArray, use: npt.NDArray[np.bool_]) -> float:
    return float(np.sum((r[use] / obs.sigma[use]) ** 2))


def _move(state: _State, dm: FloatArray, max_depth: float, free: bool) -> tuple[_State, bool]:
    horiz = math.hypot(dm[1], dm[2])
    lat, lon = state.lat, state.lon
    if horiz > 0:
        la, lo = destination(lat, lon, horiz / DEG_KM, math.degrees(math.atan2(dm[1], dm[2])))
        lat, lon = float(la), float(lo)
    depth = state.depth
    hit_top = False
    if free:
        depth = state.depth + float(dm[3])
        hit_top = depth < 0.0
        depth = min(max(depth, 0.0), max_depth)
    return _State(lat, lon, depth, state.t0 + float(dm[0])), hit_top


def _geiger(
    obs: Observations,
    tt: TravelTimeModel,
    cfg: LocationConfig,
    start: _State,
    free: bool,
    max_depth: float,
) -> _Solution:
    cols = [0, 1, 2, 3] if free else [0, 1, 2]
    st = start
    pred, _, G = predict(obs, tt, cfg, st.lat, st.lon, st.depth, st.t0)
    r = _residuals(obs, pred[0])
    converged, top_hits, it = False, 0, 0
    for it in range(1, cfg.max_iterations + 1):
        use = obs.defining & np.isfinite(r) & np.isfinite(G).all(axis=1)
        w = 1.0 / obs.sigma[use]
        A = G[use][:, cols] * w[:, None]
        b = r[use] * w
        U, s, Vt = np.linalg.svd(A, full_matrices=False)
        if s.size == 0 or s[0] <= 0:
            break
        damp = cfg.damping * s[0]
        dm_c = Vt.T @ ((s / (s**2 + damp**2)) * (U.T @ b))
        dm = np.zeros(4)
        dm[cols] = dm_c
        horiz = math.hypot(dm[1], dm[2])
        if horiz > cfg.max_step:
            dm *= cfg.max_step / horiz
        f0 = _misfit(obs, r, use)
        for _ in range(8):
            new, hit = _move(st, dm, max_depth, free)
            pred_n, _, G_n = predict(obs, tt, cfg, new.lat, new.lon, new.depth, new.t0)
            r_n = _residuals(obs, pred_n[0])
            ok = np.isfinite(r_n[use]).all()
            if ok and _misfit(obs, r_n, use) <= f0 * (1 + 1e-9) + 1e-12:
                break
            dm *= 0.5
        step = math.hypot(math.hypot(dm[1], dm[2]), dm[3])
        st, r, G = new, r_n, G_n
        top_hits = top_hits + 1 if hit else 0
        if free and top_hits >= 3:
            return _Solution(st, False, it, True, r, G)
        if step < cfg.convergence and abs(dm[0]) < 1e-3:
            converged = True
            break
    return _Solution(st, converged, it, False, r, G)


def _grid_values(
    obs: Observations,
    tt: TravelTimeModel,
    cfg: LocationConfig,
    lat: FloatArray,
    lon: FloatArray,
    depth: float,
) -> tuple[FloatArray, FloatArray]:
    """L1 misfit and best origin time [s] at grid nodes (origin time by median)."""
    pred, _, _ = predict(obs, tt, cfg, lat[:, None], lon[:, None], depth, 0.0, partials=False)
    r = _residuals(obs, pred)
    d = obs.defining
    is_t = (obs.kind == TIME) & d
    rt = np.where(np.isfinite(r[:, is_t]), r[:, is_t], np.nan)
    with warnings.catch_warnings():  # nodes where no time is predicted: t0 NaN, then 0
        warnings.simplefilter("ignore", RuntimeWarning)
        t0 = np.nanmedian(rt, axis=1) if is_t.any() else np.zeros(lat.size)
    t0 = np.where(np.isfinite(t0), t0, 0.0)
    r[:, is_t] -= t0[:, None]
    norm = np.abs(r[:, d]) / obs.sigma[d]
    norm = np.where(np.isfinite(norm), np.minimum(norm, 10.0), 10.0)
    return norm.sum(axis=1), t0


def _array_pointing(obs: Observations, tt: TravelTimeModel) -> tuple[float, float] | None:
    """Epicentre a first-arriving array's back-azimuth and slowness point at, if any."""
    t_rows = np.flatnonzero(obs.kind == TIME)
    if t_rows.size == 0:
        return None
    first = obs.arrival[t_rows[np.argmin(obs.value[t_rows])]]
    az = np.flatnonzero((obs.arrival == first) & (obs.kind == AZIMUTH))
    sl = np.flatnonzero((obs.arrival == first) & (obs.kind == SLOWNESS))
    if az.size == 0:
        return None
    i = az[0]
    dist = 1.0
    if sl.size:
        grid = np.linspace(0.05, 100.0, 2000)
        try:
            _, p, _ = phase_derivatives(tt, obs.phase[sl[0]], grid, 0.0)
        except Exception:
            p = np.full(grid.shape, np.nan)
        if np.isfinite(p).any():
            dist = float(grid[np.nanargmin(np.abs(p - obs.value[sl[0]]))])
    la, lo = destination(obs.lat[i], obs.lon[i], dist, obs.value[i])
    return float(la), float(lo)


def _grid_start(
    obs: Observations,
    tt: TravelTimeModel,
    cfg: LocationConfig,
    initial: Origin | None,
    free: bool,
    fixed_depth: float,
    max_depth: float,
) -> _State:
    t_rows = np.flatnonzero((obs.kind == TIME) & obs.defining)
    if t_rows.size == 0:
        t_rows = np.flatnonzero(obs.kind == TIME)
    first = t_rows[np.argmin(obs.value[t_rows])]
    if initial is not None:
        clat, clon = initial.latitude, initial.longitude
    else:
        pointing = _array_pointing(obs, tt)
        clat, clon = pointing if pointing else (float(obs.lat[first]), float(obs.lon[first]))
    if cfg.grid_radius > 0:
        radius = cfg.grid_radius
    elif initial is not None:
        radius = 1.0
    else:
        d, _, _ = distance_azimuth(clat, clon, obs.lat, obs.lon)
        radius = float(np.clip(0.6 * np.max(d), 0.3, 40.0))
    if free:
        depths = sorted({min(float(z), max_depth) for z in cfg.grid_depths})
        if initial is not None and not math.isnan(initial.depth_km):
            depths = sorted(set(depths) | {min(max(initial.depth_km, 0.0), max_depth)})
    else:
        depths = [fixed_depth]
    n = cfg.grid_points if cfg.grid_points % 2 else cfg.grid_points + 1
    best: tuple[float, float, float, float, float] | None = None
    if not cfg.grid_search:
        z = fixed_depth
        if free:
            z = initial.depth_km if initial is not None else depths[len(depths) // 2]
        _, t0 = _grid_values(obs, tt, cfg, np.array([clat]), np.array([clon]), z)
        return _State(clat, clon, z, float(t0[0]))
    for level in range(cfg.grid_refinements + 1):
        km = radius * DEG_KM
        ax = np.linspace(-km, km, n)
        ex, ny = np.meshgrid(ax, ax)
        ex, ny = ex.ravel(), ny.ravel()
        dd = np.hypot(ex, ny) / DEG_KM
        lat, lon = destination(clat, clon, dd, np.degrees(np.arctan2(ex, ny)))
        zs = depths if level == 0 or best is None else [best[2]]
        for z in zs:
            f, t0 = _grid_values(obs, tt, cfg, lat, lon, z)
            k = int(np.argmin(f))
            if best is None or f[k] < best[0]:
                best = (float(f[k]), float(lat[k]), float(z), float(lon[k]), float(t0[k]))
        assert best is not None
        clat, clon = best[1], best[3]
        radius = 2.0 * radius / (n - 1) * 1.5
    assert best is not None
    return _State(best[1], best[3], best[2], best[4])


def _finish(
    arrivals: Sequence[Arrival],
    obs: Observations,
    sol: _Solution,
    tt: TravelTimeModel,
    cfg: LocationConfig,
    free: bool,
    notes: list[str],
) -> LocationResult:
    st = sol.state
    pred, dist, G = predict(obs, tt, cfg, st.lat, st.lon, st.depth, st.t0)
    r = _residuals(obs, pred[0])
    use = obs.defining & np.isfinite(r) & np.isfinite(G).all(axis=1)
    cols = [0, 1, 2, 3] if free else [0, 1, 2]
    A = G[use][:, cols] / obs.sigma[use][:, None]
    _, s, Vt = np.linalg.svd(A, full_matrices=False)
    s = np.maximum(s, s[0] * 1e-8)
    cov = (Vt.T / s**2) @ Vt
    n = int(use.sum())
    wss = _misfit(obs, r, use)
    k2 = kappa_squared(2, n, wss, cfg.apriori_k, cfg.confidence)
    k1 = kappa_squared(1, n, wss, cfg.apriori_k, cfg.confidence)
    ellipse = error_ellipse(cov[1:3, 1:3], k2, cfg.confidence)
    depth_unc = math.sqrt(k1 * cov[3, 3]) if free else math.nan
    time_unc = math.sqrt(k1 * cov[0, 0])
    _, az, _ = distance_azimuth(st.lat, st.lon, obs.lat, obs.lon)
    d0 = dist[0]
    def_sta = use & (obs.kind == TIME)
    rms = float(np.sqrt(np.mean(r[def_sta] ** 2))) if def_sta.any() else math.nan
    stations_def = sorted({obs.station[i] for i in np.flatnonzero(use)})
    out: list[Arrival] = []
    for i, arr in enumerate(arrivals):
        rows = np.flatnonzero(obs.arrival == i)
        if rows.size == 0:
            out.append(
                replace(arr, time_defining=False, backazimuth_defining=False,
                        slowness_defining=False, weight=0.0)
            )  # fmt: skip
            continue
        kw: dict[str, object] = {"distance": float(d0[rows[0]]), "azimuth": float(az[rows[0]])}
        for j in rows:
            if obs.kind[j] == TIME:
                kw.update(time_residual=float(r[j]), time_defining=bool(use[j]))
                kw["weight"] = 1.0 if use[j] else 0.0
            elif obs.kind[j] == AZIMUTH:
                kw.update(backazimuth_residual=float(r[j]), backazimuth_defining=bool(use[j]))
            else:
                kw.update(slowness_residual=float(r[j]), slowness_defining=bool(use[j]))
        out.append(replace(arr, **kw))  # type: ignore[arg-type]
    dsel = d0[use]
    origin = Origin(
        time=obs.reference + st.t0,
        latitude=st.lat,
        longitude=st.lon,
        depth_km=st.depth,
        time_uncertainty=time_unc,
        depth_uncertainty_km=depth_unc,
        depth_fixed=not free,
        ellipse=ellipse,
        rms=rms,
        n_defining=n,
        n_stations=len({obs.station[i] for i in range(len(obs))}),
        gap=azimuthal_gap(az[use]) if stations_def else 360.0,
        min_distance=float(dsel.min()) if dsel.size else math.nan,
        max_distance=float(dsel.max()) if dsel.size else math.nan,
        method=METHOD,
        model=tt.model,
        provenance=_provenance(cfg),
    )
    return LocationResult(origin, tuple(out), cov, sol.converged, sol.iterations, tuple(notes))


def _provenance(cfg: LocationConfig) -> Provenance:
    from openndc import __version__

    return Provenance(method=METHOD, software_version=__version__, parameters=to_mapping(cfg))


def _check_enough(obs: Observations, m: int, what: str) -> None:
    n = obs.n_defining
    n_time = int(((obs.kind == TIME) & obs.defining).sum())
    if n_time == 0:
        raise LocationError(
            f"cannot locate {what}: no defining arrival time (stations: "
            f"{', '.join(sorted(set(obs.station))) or 'none'}); give at least one arrival "
            "with a time at a station of the inventory"
        )
    if n < m:
        raise LocationError(
            f"cannot locate {what}: {n} defining observation(s) for {m} unknowns (stations: "
            f"{', '.join(sorted(set(obs.station))) or 'none'}); need more arrivals, or "
            "back-azimuth and slowness from an array, or fix the depth"
        )


def _reject_outlier(obs: Observations, r: FloatArray, n0: int, m: int, cfg: LocationConfig) -> bool:
    """Make the worst defining datum non-defining if it exceeds the cut-off (keeping at
    least ``m + 1`` defining data and at least one time)."""
    use = obs.defining & np.isfinite(r)
    norm = np.where(use, np.abs(r) / obs.sigma, -1.0)
    k = int(np.argmax(norm))
    rejected = n0 - obs.n_defining
    if norm[k] <= cfg.residual_cutoff or rejected + 1 > cfg.max_rejected_fraction * n0:
        return False
    n_time = int(((obs.kind == TIME) & obs.defining).sum())
    if obs.n_defining - 1 <= m or (obs.kind[k] == TIME and n_time <= 1):
        return False
    obs.defining[k] = False
    log.debug("location: rejected %s %s (|r|/sigma = %.1f)", obs.station[k], obs.phase[k], norm[k])
    return True


def _reject_azimuths(
    obs: Observations, r: FloatArray, m: int, cfg: LocationConfig, notes: list[str]
) -> bool:
    """Make every defining back-azimuth whose residual exceeds ``azimuth_residual_factor``
    sigma or ``max_azimuth_residual`` non-defining (keeping at least ``m`` defining data);
    True when any was."""
    az = (obs.kind == AZIMUTH) & obs.defining & np.isfinite(r)
    if not az.any():
        return False
    limit = np.full(len(obs), np.inf)
    if cfg.azimuth_residual_factor > 0:
        limit = cfg.azimuth_residual_factor * obs.sigma
    if cfg.max_azimuth_residual > 0:
        limit = np.minimum(limit, cfg.max_azimuth_residual)
    bad = az & (np.abs(r) > limit)
    if not bad.any() or obs.n_defining - int(bad.sum()) < m:
        return False
    obs.defining[bad] = False
    rules = []
    if cfg.azimuth_residual_factor > 0:
        rules.append(f"{cfg.azimuth_residual_factor:g} sigma")
    if cfg.max_azimuth_residual > 0:
        rules.append(f"{cfg.max_azimuth_residual:g} deg")
    notes.append(
        f"back-azimuth(s) made non-defining (residual beyond {' or '.join(rules)}): "
        + ", ".join(f"{obs.station[i]} {r[i]:+.0f} deg" for i in np.flatnonzero(bad))
    )
    return True


def _depth_phase_stations(obs: Observations) -> int:
    """Stations with a defining depth phase (pP, sP, ...): their delay behind P fixes the
    depth however far the network is, which is how the IDC and ISC free the depth of
    teleseisms (without them the depth trades off against the origin time)."""
    sel = (obs.kind == TIME) & obs.defining & np.isin(np.asarray(obs.phase), DEPTH_PHASES)
    return len(set(np.asarray(obs.station)[sel].tolist()))


def locate(
    arrivals: Sequence[Arrival],
    network: MonitoringNetwork,
    config: LocationConfig | None = None,
    travel_times: TravelTimeModel | None = None,
    initial: Origin | None = None,
) -> LocationResult:
    """Locate an event from its associated arrivals.

    ``arrivals`` carry detections whose ``station`` is in ``network`` (stations or array
    codes; unknown stations are skipped with a :class:`DataQualityWarning`). Times are
    weighted by ``1/time_uncertainty`` [s] (a-priori per phase from the config where it is
    NaN), back-azimuths [deg] and slownesses [s/deg] likewise. ``travel_times`` is any
    object with ``derivatives(phase, distance [deg], depth [km])`` and ``model`` (default
    ``load_travel_times(config.model)``). ``initial`` centres the grid search.

    Raises :class:`~openndc.model.errors.LocationError` when there are too few data.
    """
    cfg = config or LocationConfig()
    if travel_times is None:
        from openndc.traveltime import load_travel_times

        travel_times = load_travel_times(cfg.model)
    tt = travel_times
    max_depth = min(cfg.max_depth, float(getattr(tt, "max_depth", cfg.max_depth)))
    obs = build_observations(arrivals, network, cfg)
    what = f"event with first arrival {obs.reference}" if len(obs) else "event"
    if len(obs) == 0:
        raise LocationError(
            f"cannot locate {what}: none of the {len(arrivals)} arrival(s) is at a station "
            f"of inventory {network.name!r}"
        )
    notes: list[str] = []
    free = cfg.depth_mode == "free"
    if free and obs.n_defining < 4:
        free = False
        notes.append("depth fixed: fewer than 4 defining observations")
    _check_enough(obs, 4 if free else 3, what)
    fixed_depth = (
        initial.depth_km
        if cfg.depth_mode == "fixed" and initial is not None and initial.depth_fixed
        else cfg.fixed_depth
    )
    fixed_depth = min(fixed_depth, max_depth)
    start = _grid_start(obs, tt, cfg, initial, free, fixed_depth, max_depth)
    n0 = obs.n_defining
    while True:
        if not free:
            start.depth = fixed_depth
        sol = _geiger(obs, tt, cfg, start, free, max_depth)
        if free and sol.airquake and cfg.depth_fallback:
            notes.append(f"depth fixed at {fixed_depth:g} km: free depth went above the surface")
            free = False
            start = _State(sol.state.lat, sol.state.lon, fixed_depth, sol.state.t0)
            continue
        if _reject_outlier(obs, sol.residual, n0, 4 if free else 3, cfg):
            start = sol.state
            continue
        if _reject_azimuths(obs, sol.residual, 4 if free else 3, cfg, notes):
            start = sol.state
            continue
        result = _finish(arrivals, obs, sol, tt, cfg, free, notes)
        unresolved = free and not (result.origin.depth_uncertainty_km <= cfg.max_depth_uncertainty)
        o = result.origin
        far = (
            free
            and not _depth_phase_stations(obs)
            and cfg.depth_resolution_factor > 0
            and o.depth_km < cfg.shallow_depth_limit
            and o.min_distance * DEG_KM > cfg.depth_resolution_factor * max(o.depth_km, 50.0)
        )
        if (unresolved or far) and cfg.depth_fallback:
            why = (
                f"90 % uncertainty {o.depth_uncertainty_km:.0f} km"
                if unresolved
                else f"nearest station {o.min_distance * DEG_KM:.0f} km away"
            )
            notes.append(f"depth fixed at {fixed_depth:g} km: free depth unresolved ({why})")
            free = False
            start = _State(sol.state.lat, sol.state.lon, fixed_depth, sol.state.t0)
            continue
        for note in notes:
            log.info("location %s: %s", obs.reference, note)
        return result
