"""Later phases, hydroacoustic and infrasound detections: they join events, never make one.

After event formation ('ndc' method) every detection left over is tried against each event:

- *later seismic phases* of ``AssociationConfig.later_phases`` that the model has (pP, sP,
  PcP, ScP, PKiKP, PKP and its branches, SKP, PKKP, PP, SS, SKS, ScS, Rg; detections the
  detector named so, or P/S/unnamed detections no event took, a P-labelled one only as a
  P-type phase and an S-labelled one only as an S-type one): time residual within
  ``later_tolerance`` [s];
- *hydroacoustic* T/H detections: only where the great circle to the station is open to
  sound (:func:`openndc.geo.hydro_paths`: an event under land reaches the sea within
  ``hydro_source_land_km``, and no land blocks the water path before the last
  ``hydro_station_land_km``); travel time = the seismic legs (to the sea, from a T
  station's shore) at ``hydro_land_velocity`` + the water path at ``hydro_velocity``
  (1.48 km/s, the SOFAR channel's sound speed), within ``hydro_tolerance`` + 2 % of the
  water path's time + 25 % of the seismic legs' (:func:`hydro_travel_times`), and a fit
  the site's own noise makes by chance with at most ``hydro_chance``
  (:func:`hydro_chance`);
- *infrasound* I detections: celerity (distance / travel time) within
  ``infrasound_celerity`` (0.29-0.35 km/s; stratospheric and thermospheric returns), and
  a fit that the site's own noise detections make by chance with at most
  ``infrasound_chance`` (:func:`infrasound_chance`; the band is hundreds of seconds wide).

Where a detection has a back-azimuth with an uncertainty up to ``ndc_max_baz_sigma`` it must
point to the event (``backazimuth_tolerance`` or 2.5 sigma). A detection joins the event and
phase it fits best; an event keeps one detection per site and phase.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt

from openndc.association.config import AssociationConfig
from openndc.geo import hydro_paths
from openndc.model.errors import ConfigError
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.model.phases import MAX_DISTANCE, is_p_type, is_s_type

__all__ = [
    "CLASS_HYDRO",
    "CLASS_INFRA",
    "CLASS_LATER",
    "attach_later_phases",
    "hydro_chance",
    "hydro_travel_times",
    "infrasound_chance",
    "later_window",
    "phase_times",
    "site_rates",
]

log = logging.getLogger(__name__)

#: Detection classes (bits of ``_Detections.cls``, beside 1 P type, 2 S type, 3 either).
CLASS_LATER = 4
CLASS_HYDRO = 8
CLASS_INFRA = 16

FloatArray = npt.NDArray[np.float64]

#: a site's I or T noise rate is counted over its detections this long either side [s], over at
#: least this span of input (none seen in a short window is not a rate of 0)
_NOISE_RATE_WINDOW = 3600.0
#: an I detection's celerity fits no better than this fraction of the band's half width
#: from its middle (the band's centre is no sharper than the stratospheric returns' spread)
_INFRA_MIN_DEVIATION = 0.2
#: a T's time fits no better than this fraction of its tolerance (an emergent onset)
_HYDRO_MIN_FRACTION = 0.2


def infrasound_chance(
    km: FloatArray,
    celerity: FloatArray,
    baz_residual: FloatArray,
    baz_sigma: FloatArray,
    rate: FloatArray,
    band: tuple[float, float],
) -> FloatArray:
    """Probability that a site's noise (``rate`` I detections per second, random in time
    and direction) makes a detection that fits an event ``km`` [km] away at least as well as
    one with ``celerity`` [km/s] and back-azimuth residual ``baz_residual`` [deg] (NaN: no
    azimuth measured) does: the times whose celerity lies as close to the middle of ``band``
    (at least ``_INFRA_MIN_DEVIATION`` of its half width), times the directions within the
    residual (at least ``baz_sigma`` [deg]) out of 360, under a Poisson rate."""
    lo, hi = min(band), max(band)
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    dev = np.clip(np.abs(np.asarray(celerity, float) - mid), _INFRA_MIN_DEVIATION * half, half)
    km = np.asarray(km, float)
    window = km / (mid - dev) - km / (mid + dev)
    frac = _arc_fraction(baz_residual, baz_sigma)
    return np.asarray(-np.expm1(-np.asarray(rate, float) * window * frac), float)


def hydro_chance(
    residual: FloatArray,
    tolerance: FloatArray,
    baz_residual: FloatArray,
    baz_sigma: FloatArray,
    rate: FloatArray,
) -> FloatArray:
    """Probability that a hydroacoustic site's noise (``rate`` T/H detections per second)
    makes a detection that fits an event's T at least as well as one with time
    ``residual`` [s] (within ``tolerance`` [s]) and back-azimuth residual ``baz_residual``
    [deg] (NaN: none measured, as at a single hydrophone): the times within the residual
    either side (at least ``_HYDRO_MIN_FRACTION`` of the tolerance), times the directions
    within the azimuth residual (at least ``baz_sigma``) out of 360, under a Poisson rate."""
    tol = np.asarray(tolerance, float)
    half = np.clip(np.abs(np.asarray(residual, float)), _HYDRO_MIN_FRACTION * tol, tol)
    frac = _arc_fraction(baz_residual, baz_sigma)
    return np.asarray(-np.expm1(-np.asarray(rate, float) * 2.0 * half * frac), float)


def _arc_fraction(baz_residual: FloatArray, baz_sigma: FloatArray) -> FloatArray:
    """The share of directions [0-1] within ``baz_residual`` [deg] (at least
    ``baz_sigma``) either side; 1 where no azimuth was measured (NaN)."""
    res = np.asarray(baz_residual, float)
    with np.errstate(invalid="ignore"):
        arc = np.minimum(2.0 * np.fmax(np.abs(res), baz_sigma) / 360.0, 1.0)
    return np.asarray(np.where(np.isfinite(res), arc, 1.0), float)


def site_rates(
    t: FloatArray, site: npt.NDArray[np.int64], mask: npt.NDArray[np.bool_]
) -> FloatArray:
    """Per detection (NaN outside ``mask``; times ``t`` [s] sorted): the rate [1/s] of the
    other ``mask`` detections at its site within ``_NOISE_RATE_WINDOW`` either side (plus
    one half), over the part of that window the input covers (at least
    ``_NOISE_RATE_WINDOW``): a site's noise about that time (microbaroms, ice, ships come
    and go), not over the whole input."""
    out = np.full(t.size, np.nan)
    if not mask.any():
        return out
    w = _NOISE_RATE_WINDOW
    first, last = float(t.min()), float(t.max())
    for s in np.unique(site[mask]):
        idx = np.flatnonzero(mask & (site == s))
        ts = t[idx]
        n = np.searchsorted(ts, ts + w, side="right") - np.searchsorted(ts, ts - w) - 1
        covered = np.minimum(ts + w, last) - np.maximum(ts - w, first)
        out[idx] = (n + 0.5) / np.maximum(covered, w)
    return out


def later_window(config: AssociationConfig) -> float:
    """The longest time [s] after an origin at which a detection may still join it."""
    hydro = config.hydro_max_distance * DEG_KM / config.hydro_velocity
    infra = config.infrasound_max_distance * DEG_KM / min(config.infrasound_celerity)
    # later seismic phases: SS / PKP-type phases arrive within ~2,500 s at any distance
    return float(max(config.ndc_max_travel_time + 1000.0, hydro * 1.02 + config.hydro_tolerance,
                     infra))  # fmt: skip


def hydro_travel_times(
    latitude: float,
    longitude: float,
    site_lat: npt.ArrayLike,
    site_lon: npt.ArrayLike,
    config: AssociationConfig,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """T/H travel time [s] from an epicentre to each hydroacoustic site, its tolerance
    [s] and whether sound can reach the site (:func:`openndc.geo.hydro_paths`). The time:
    the seismic legs (to the sea, and from a T station's shore) at ``hydro_land_velocity``,
    the water path at ``hydro_velocity``; the tolerance: ``hydro_tolerance`` + 2 % of the
    water path's time + 25 % of the seismic legs' (crustal P at 6 km/s to Pn at 8 km/s)."""
    paths = hydro_paths(
        latitude,
        longitude,
        site_lat,
        site_lon,
        source_land_km=config.hydro_source_land_km,
        station_land_km=config.hydro_station_land_km,
    )
    t_land = (paths.land_km + paths.shore_km) / config.hydro_land_velocity
    t_water = paths.water_km / config.hydro_velocity
    tol = config.hydro_tolerance + 0.02 * t_water + 0.25 * t_land
    return t_land + t_water, tol, paths.open


def phase_times(
    source: Any, phases: tuple[str, ...], dist: FloatArray, depth: float
) -> dict[str, tuple[FloatArray, FloatArray]]:
    """Travel time [s] and slowness [s/deg] of each of ``phases`` the model has (NaN beyond
    a regional phase's ``MAX_DISTANCE``: an Rg 80 deg away is no Rg)."""
    out: dict[str, tuple[FloatArray, FloatArray]] = {}
    for ph in phases:
        try:
            t, p, _ = source.derivatives(ph, dist, np.full(dist.shape, depth))
        except ConfigError:
            continue  # a phase this model lacks
        t = np.asarray(t, float)
        if ph in MAX_DISTANCE:
            t = np.where(dist <= MAX_DISTANCE[ph], t, np.nan)
        out[ph] = (t, np.abs(np.asarray(p, float)))
    return out


def attach_later_phases(dets: Any, hyps: list[Any], config: AssociationConfig, source: Any) -> int:
    """Add fitting leftover detections to ``hyps`` (objects with ``t0``, ``latitude``,
    ``longitude``, ``depth``, ``members``, ``phases``; changed in place). Returns how many
    joined."""
    n = len(dets.t)
    free = np.ones(n, dtype=bool)
    for h in hyps:
        free[np.asarray(h.members, dtype=np.int64)] = False
    if not hyps or not free.any():
        return 0
    bs = np.where(np.isfinite(dets.bsig), dets.bsig, config.ndc_default_baz_sigma)
    baz = np.where(bs <= config.ndc_max_baz_sigma, dets.baz, np.nan)
    btol = np.maximum(config.backazimuth_tolerance, 2.5 * bs)
    # a measured slowness (an array's) must fit the phase's: a P arriving at a PcP's time
    # is another event's P, not this one's PcP
    ss = np.where(np.isfinite(dets.ssig), dets.ssig, config.ndc_default_slowness_sigma)
    slow = np.where(ss <= config.ndc_max_slowness_sigma, dets.slow, np.nan)
    stol = np.maximum(config.slowness_tolerance, 2.5 * ss)
    window = later_window(config)
    infra_rate = site_rates(dets.t, dets.site, (dets.cls & CLASS_INFRA) != 0)
    hydro_rate = site_rates(dets.t, dets.site, (dets.cls & CLASS_HYDRO) != 0)
    # best[i] = (quality, hypothesis index, phase name)
    best: dict[int, tuple[float, int, str]] = {}
    for k, h in enumerate(hyps):
        lo = int(np.searchsorted(dets.t, h.t0))
        hi = int(np.searchsorted(dets.t, h.t0 + window))
        idx = lo + np.flatnonzero(free[lo:hi])
        if idx.size == 0:
            continue
        site = dets.site[idx]
        dist, _, pbaz = distance_azimuth(h.latitude, h.longitude, dets.site_lat[site],
                                         dets.site_lon[site])  # fmt: skip
        dist = np.atleast_1d(np.asarray(dist, float))
        pbaz = np.atleast_1d(np.asarray(pbaz, float))
        b = baz[idx]
        b_res = (b - pbaz + 180.0) % 360.0 - 180.0  # NaN where no azimuth counts
        baz_ok = ~np.isfinite(b) | (np.abs(b_res) <= btol[idx])
        dt = dets.t[idx] - h.t0
        cls = dets.cls[idx]
        quality = np.full((idx.size,), np.inf)
        name = np.full(idx.size, "", dtype="<U6")
        seismic = (cls & (1 | 2 | CLASS_LATER)) != 0
        # a detection the detector typed joins only as a phase of its type at the station
        # (a P-labelled one is no SS, an S-labelled one no PP)
        p_typed = (cls & (1 | CLASS_LATER)) != 0
        s_typed = (cls & (2 | CLASS_LATER)) != 0
        sl = slow[idx]
        for ph, (tt, pp) in phase_times(source, config.later_phases, dist, h.depth).items():
            q = np.abs(dt - tt) / config.later_tolerance
            slow_ok = ~np.isfinite(sl) | ~np.isfinite(pp) | (np.abs(sl - pp) <= stol[idx])
            typed = p_typed if is_p_type(ph) else s_typed if is_s_type(ph) else seismic
            ok = typed & baz_ok & slow_ok & (q <= 1.0) & (q < quality)
            quality[ok] = q[ok]
            name[ok] = ph
        km = dist * DEG_KM
        hydro = ((cls & CLASS_HYDRO) != 0) & (dist <= config.hydro_max_distance)
        if hydro.any():
            t_h = np.full(idx.size, np.nan)
            tol_h = np.full(idx.size, np.nan)
            reach = np.zeros(idx.size, dtype=bool)
            sites, inv = np.unique(site[hydro], return_inverse=True)
            tt, tol, open_ = hydro_travel_times(h.latitude, h.longitude, dets.site_lat[sites],
                                                dets.site_lon[sites], config)  # fmt: skip
            t_h[hydro], tol_h[hydro], reach[hydro] = tt[inv], tol[inv], open_[inv]
            with np.errstate(invalid="ignore"):
                q = np.abs(dt - t_h) / tol_h
            ok = hydro & reach & baz_ok & (q <= 1.0)
            j = np.flatnonzero(ok)
            chance = hydro_chance(dt[j] - t_h[j], tol_h[j], b_res[j], bs[idx[j]],
                                  hydro_rate[idx[j]])  # fmt: skip
            keep = chance <= config.hydro_chance
            quality[j[keep]] = chance[keep]
            name[j[keep]] = "T"
        c_lo, c_hi = min(config.infrasound_celerity), max(config.infrasound_celerity)
        with np.errstate(divide="ignore"):
            cel = np.where(dt > 0, km / np.maximum(dt, 1e-9), np.inf)
        mid = 0.5 * (c_lo + c_hi)
        q = np.abs(cel - mid) / (0.5 * (c_hi - c_lo))
        ok = ((cls & CLASS_INFRA) != 0) & baz_ok & (q <= 1.0)
        ok &= dist <= config.infrasound_max_distance
        if ok.any():
            # the fit's chance under the site's own noise: where noise fits as well, the
            # detection tells nothing (and of two, the one less likely noise joins)
            j = np.flatnonzero(ok)
            chance = infrasound_chance(km[j], cel[j], b_res[j], bs[idx[j]], infra_rate[idx[j]],
                                       config.infrasound_celerity)  # fmt: skip
            keep = chance <= config.infrasound_chance
            quality[j[keep]] = chance[keep]
            name[j[keep]] = "I"
        for j in np.flatnonzero(np.isfinite(quality)):
            i = int(idx[j])
            if i not in best or quality[j] < best[i][0]:
                best[i] = (float(quality[j]), k, str(name[j]))
    # one detection per event, site and phase: the best fitting
    chosen: dict[tuple[int, int, str], tuple[float, int]] = {}
    for i, (q, k, ph) in best.items():
        key = (k, int(dets.site[i]), ph)
        if key not in chosen or q < chosen[key][0]:
            chosen[key] = (q, i)
    have = {(k, int(dets.site[m]), p) for k, h in enumerate(hyps)
            for m, p in zip(h.members, h.phases, strict=True)}  # fmt: skip
    added = 0
    for (k, s, ph), (_, i) in sorted(chosen.items()):
        if (k, s, ph) in have:
            continue
        hyps[k].members.append(i)
        hyps[k].phases.append(ph)
        added += 1
    log.debug("later phases: %d detections joined events", added)
    return added
