"""Numba kernels of the association (pure functions on arrays) and their plain references.

- :func:`backproject` — coarse stage: for every candidate node, back-project each detection
  with each coarse phase (first P, first S, Lg) to an origin-time interval (its time minus
  the travel time, +- the cell tolerance) and count, per origin-time bin, the *distinct*
  stations that fit (an array or 3-C station whose back-azimuth and slowness fit counts
  ``array_weight``). Parallel over nodes.
- :func:`evaluate` — one hypothesis (latitude, longitude, depth, origin time): every
  detection in range is tried with every phase of its class; those within tolerance in
  time, back-azimuth and slowness are candidates, assigned greedily by quality so that a
  detection gets one phase and a station one detection per phase; the origin time moves to
  the weighted mean residual and the assignment is redone (``n_pass`` times).
- :func:`refine` — local grid search around a candidate: 26 neighbours (latitude,
  longitude, depth) per step, moving while the score improves, halving the step
  ``levels`` times.

Detections are described by parallel arrays: ``t`` [s after a reference], ``site`` (index),
``cls`` (bit 1: may be P type, bit 2: may be S type), ``tsig`` [s], ``baz``/``bsig`` [deg],
``slow``/``ssig`` [s/deg] (NaN when absent), ``alive``. Sites by geocentric latitude and
longitude [rad]. Phase tables as :class:`openndc.association.tables.PhaseGrid`.
Each ``*_py`` function is the plain-Python reference of the kernel of the same name.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numba
import numpy as np
import numpy.typing as npt

__all__ = [
    "DetectionArrays",
    "Hypothesis",
    "PhaseTables",
    "Refined",
    "Rules",
    "Trial",
    "backproject",
    "backproject_py",
    "evaluate",
    "evaluate_py",
    "geocentric_rad",
    "refine",
    "refine_py",
]

_E2 = (1.0 - 1.0 / 298.257223563) ** 2


def geocentric_rad(latitude: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Geocentric latitude [rad] of geographic latitudes [deg]."""
    return np.arctan(_E2 * np.tan(np.radians(np.asarray(latitude, dtype=np.float64))))


# --------------------------------------------------------------------------- coarse stage


@numba.njit(cache=True, parallel=True)
def _backproject(  # pragma: no cover - compiled
    t: np.ndarray,
    site: np.ndarray,
    cls: np.ndarray,
    baz: np.ndarray,
    btol: np.ndarray,
    slow: np.ndarray,
    stol: np.ndarray,
    order: np.ndarray,
    ctt: np.ndarray,
    ctol: np.ndarray,
    cbaz: np.ndarray,
    cang: np.ndarray,
    cslow: np.ndarray,
    ccls: np.ndarray,
    t_start: float,
    dt: float,
    nbins: int,
    array_weight: float,
) -> np.ndarray:
    n_nodes = ctt.shape[0]
    score = np.zeros((n_nodes, nbins), dtype=np.float32)
    for n in numba.prange(n_nodes):
        stamp = np.full(nbins, -1, dtype=np.int64)
        for jj in range(order.shape[0]):
            i = order[jj]
            s = site[i]
            has_baz = not math.isnan(baz[i])
            if has_baz:
                rb = (baz[i] - cbaz[n, s] + 180.0) % 360.0 - 180.0
                if abs(rb) > btol[i] + cang[n, s]:
                    continue
            for k in range(ctt.shape[2]):
                if (ccls[k] & cls[i]) == 0:
                    continue
                tt = ctt[n, s, k]
                if math.isnan(tt):
                    continue
                w = 1.0
                if not math.isnan(slow[i]):
                    if abs(slow[i] - cslow[n, s, k]) > 1.5 * stol[i]:
                        continue
                    if has_baz:
                        w = array_weight
                o = t[i] - tt
                tol = ctol[n, s, k]
                b0 = math.floor((o - tol - t_start) / dt)
                b1 = math.floor((o + tol - t_start) / dt)
                if b1 < 0 or b0 >= nbins:
                    continue
                b0 = max(b0, 0)
                b1 = min(b1, nbins - 1)
                for b in range(b0, b1 + 1):
                    if stamp[b] != s:
                        stamp[b] = s
                        score[n, b] += w
    return score


def backproject(
    t: np.ndarray,
    site: np.ndarray,
    cls: np.ndarray,
    baz: np.ndarray,
    btol: np.ndarray,
    slow: np.ndarray,
    stol: np.ndarray,
    order: np.ndarray,
    ctt: np.ndarray,
    ctol: np.ndarray,
    cbaz: np.ndarray,
    cang: np.ndarray,
    cslow: np.ndarray,
    ccls: np.ndarray,
    t_start: float,
    dt: float,
    nbins: int,
    array_weight: float,
) -> np.ndarray:
    """Station counts per (node, origin-time bin) ``(n_nodes, nbins)`` (float32).

    ``order``: indices of the detections to use, sorted by site (a station counts once per
    bin). ``btol``/``stol``: back-azimuth [deg] / slowness [s/deg] tolerance per detection.
    ``ctt``/``ctol``/``cslow`` ``(n_nodes, n_sites, n_coarse)``: travel time [s], tolerance
    [s], slowness [s/deg]; ``cbaz``/``cang`` ``(n_nodes, n_sites)``: back-azimuth at the
    site and its half-width over the cell [deg]; ``ccls`` class bit of each coarse phase.
    Bin ``b`` covers origin times ``t_start + [b, b+1) * dt`` [s].
    """
    return _backproject(
        t, site, cls, baz, btol, slow, stol, order, ctt, ctol, cbaz, cang, cslow, ccls,
        float(t_start), float(dt), int(nbins), float(array_weight),
    )  # fmt: skip


def backproject_py(
    t: np.ndarray,
    site: np.ndarray,
    cls: np.ndarray,
    baz: np.ndarray,
    btol: np.ndarray,
    slow: np.ndarray,
    stol: np.ndarray,
    order: np.ndarray,
    ctt: np.ndarray,
    ctol: np.ndarray,
    cbaz: np.ndarray,
    cang: np.ndarray,
    cslow: np.ndarray,
    ccls: np.ndarray,
    t_start: float,
    dt: float,
    nbins: int,
    array_weight: float,
) -> np.ndarray:
    """Plain reference version of :func:`backproject` (sets of stations per cell)."""
    n_nodes = ctt.shape[0]
    best: list[dict[int, dict[int, float]]] = [{} for _ in range(n_nodes)]
    for n in range(n_nodes):
        for i in order:
            s = int(site[i])
            if np.isfinite(baz[i]):
                rb = (baz[i] - cbaz[n, s] + 180.0) % 360.0 - 180.0
                if abs(rb) > btol[i] + cang[n, s]:
                    continue
            for k in range(ctt.shape[2]):
                if not (int(ccls[k]) & int(cls[i])) or not np.isfinite(ctt[n, s, k]):
                    continue
                w = 1.0
                if np.isfinite(slow[i]):
                    if abs(slow[i] - cslow[n, s, k]) > 1.5 * stol[i]:
                        continue
                    if np.isfinite(baz[i]):
                        w = array_weight
                o = t[i] - float(ctt[n, s, k])
                tol = float(ctol[n, s, k])
                b0 = math.floor((o - tol - t_start) / dt)
                b1 = math.floor((o + tol - t_start) / dt)
                for b in range(max(b0, 0), min(b1, nbins - 1) + 1):
                    cell = best[n].setdefault(b, {})
                    cell.setdefault(s, w)  # the first detection of a station counts
    score = np.zeros((n_nodes, nbins), dtype=np.float32)
    for n in range(n_nodes):
        for b, cell in best[n].items():
            score[n, b] = sum(cell.values())
    return score


# ------------------------------------------------------------------------ hypothesis stage


@numba.njit(cache=True)
def _interp(  # pragma: no cover - compiled
    table: np.ndarray, k: int, d_step: float, h_step: float, d: float, h: float
) -> float:
    nd = table.shape[1]
    nh = table.shape[2]
    x = d / d_step
    y = h / h_step
    if not (x >= 0.0 and y >= 0.0 and x <= nd - 1 and y <= nh - 1):
        return math.nan
    i = min(int(x), nd - 2)
    j = min(int(y), nh - 2)
    wx = x - i
    wy = y - j
    return (
        (1 - wx) * (1 - wy) * table[k, i, j]
        + wx * (1 - wy) * table[k, i + 1, j]
        + (1 - wx) * wy * table[k, i, j + 1]
        + wx * wy * table[k, i + 1, j + 1]
    )


@numba.njit(cache=True)
def _dist_baz(  # pragma: no cover - compiled
    phi1: float, lam1: float, phi2: float, lam2: float
) -> tuple[float, float]:
    """Distance [deg] between source 1 and site 2 and back-azimuth at 2 [deg]; geocentric
    latitudes and longitudes in [rad] (formulas of openndc.model.geodesy)."""
    s1 = math.sin(phi1)
    c1 = math.cos(phi1)
    s2 = math.sin(phi2)
    c2 = math.cos(phi2)
    dl = lam2 - lam1
    sd = math.sin(dl)
    cd = math.cos(dl)
    num = math.hypot(c2 * sd, c1 * s2 - s1 * c2 * cd)
    den = s1 * s2 + c1 * c2 * cd
    dist = math.degrees(math.atan2(num, den))
    baz = math.degrees(math.atan2(-sd * c1, c2 * s1 - s2 * c1 * cd)) % 360.0
    return dist, baz


@numba.njit(cache=True)
def _evaluate(  # pragma: no cover - compiled
    lat: float,
    lon: float,
    depth: float,
    t0: float,
    tol_extra: float,
    n_pass: int,
    t: np.ndarray,
    site: np.ndarray,
    cls: np.ndarray,
    tsig: np.ndarray,
    baz: np.ndarray,
    bsig: np.ndarray,
    slow: np.ndarray,
    ssig: np.ndarray,
    alive: np.ndarray,
    i_lo: int,
    i_hi: int,
    site_phi: np.ndarray,
    site_lam: np.ndarray,
    ttab: np.ndarray,
    stab: np.ndarray,
    pcls: np.ndarray,
    ptol: np.ndarray,
    d_step: float,
    h_step: float,
    sigma_factor: float,
    baz_tol: float,
    slow_tol: float,
    array_weight: float,
) -> tuple[float, float, int, int, int, float, np.ndarray, np.ndarray, np.ndarray]:
    n_sites = site_phi.shape[0]
    nph = ttab.shape[0]
    m = max(i_hi - i_lo, 0)
    phi = math.atan(_E2 * math.tan(math.radians(lat)))
    lam = math.radians(lon)
    sdist = np.full(n_sites, -1.0)
    sbaz = np.zeros(n_sites)
    c_det = np.empty(m * nph, dtype=np.int64)
    c_ph = np.empty(m * nph, dtype=np.int64)
    c_q = np.empty(m * nph)
    c_r = np.empty(m * nph)
    c_arr = np.zeros(m * nph, dtype=np.bool_)
    sel_det = np.empty(m, dtype=np.int64)
    sel_ph = np.empty(m, dtype=np.int64)
    sel_r = np.empty(m)
    nsel = 0
    score = 0.0
    n_eff = 0.0
    n_sta = 0
    n_p = 0
    for p in range(n_pass):
        tol_e = tol_extra
        nc = 0
        for ii in range(i_lo, i_hi):
            if not alive[ii]:
                continue
            s = site[ii]
            if sdist[s] < 0.0:
                d_, b_ = _dist_baz(phi, lam, site_phi[s], site_lam[s])
                sdist[s] = d_
                sbaz[s] = b_
            qb = 0.0
            has_b = not math.isnan(baz[ii])
            if has_b:
                tb = baz_tol
                if not math.isnan(bsig[ii]):
                    tb = max(tb, 3.0 * bsig[ii])
                rb = (baz[ii] - sbaz[s] + 180.0) % 360.0 - 180.0
                if abs(rb) > tb:
                    continue
                qb = 1.0 - (rb / tb) ** 2
            for k in range(nph):
                if (pcls[k] & cls[ii]) == 0:
                    continue
                tt = _interp(ttab, k, d_step, h_step, sdist[s], depth)
                if math.isnan(tt):
                    continue
                r = t[ii] - t0 - tt
                tol = ptol[k]
                if not math.isnan(tsig[ii]):
                    tol = max(tol, sigma_factor * tsig[ii])
                tol += tol_e
                if abs(r) > tol:
                    continue
                q = 1.0 - (r / tol) ** 2 + qb
                both = False
                if not math.isnan(slow[ii]):
                    ts = slow_tol
                    if not math.isnan(ssig[ii]):
                        ts = max(ts, 3.0 * ssig[ii])
                    rs = slow[ii] - _interp(stab, k, d_step, h_step, sdist[s], depth)
                    if not abs(rs) <= ts:
                        continue
                    q += 1.0 - (rs / ts) ** 2
                    both = has_b
                c_det[nc] = ii
                c_ph[nc] = k
                c_q[nc] = q
                c_r[nc] = r
                c_arr[nc] = both
                nc += 1
        order = np.argsort(-c_q[:nc], kind="mergesort")
        used_det = np.zeros(m, dtype=np.bool_)
        used_sp = np.zeros((n_sites, nph), dtype=np.bool_)
        site_w = np.zeros(n_sites)
        nsel = 0
        score = 0.0
        n_p = 0
        wsum = 0.0
        rsum = 0.0
        for jj in range(nc):
            c = order[jj]
            ii = c_det[c]
            k = c_ph[c]
            s = site[ii]
            if used_det[ii - i_lo] or used_sp[s, k]:
                continue
            used_det[ii - i_lo] = True
            used_sp[s, k] = True
            sel_det[nsel] = ii
            sel_ph[nsel] = k
            sel_r[nsel] = c_r[c]
            nsel += 1
            score += c_q[c]
            if pcls[k] == 1:
                n_p += 1
            w = array_weight if c_arr[c] else 1.0
            site_w[s] = max(site_w[s], w)
            wt = 1.0 / (ptol[k] * ptol[k])
            wsum += wt
            rsum += wt * c_r[c]
        n_eff = 0.0
        n_sta = 0
        for s in range(n_sites):
            if site_w[s] > 0.0:
                n_eff += site_w[s]
                n_sta += 1
        if nsel == 0:
            break
        if p < n_pass - 1:
            t0 += rsum / wsum
    return (
        score,
        n_eff,
        n_sta,
        nsel,
        n_p,
        t0,
        sel_det[:nsel].copy(),
        sel_ph[:nsel].copy(),
        sel_r[:nsel].copy(),
    )


_HypothesisTuple = tuple[float, float, int, int, int, float, np.ndarray, np.ndarray, np.ndarray]


class DetectionArrays(NamedTuple):
    """Detections as parallel arrays sorted by time: ``t`` [s after a reference], ``site``
    (index), ``cls`` (bit 1: may be P type, bit 2: may be S type), ``tsig`` [s],
    ``baz``/``bsig`` [deg], ``slow``/``ssig`` [s/deg] (NaN when absent), ``alive``."""

    t: np.ndarray
    site: np.ndarray
    cls: np.ndarray
    tsig: np.ndarray
    baz: np.ndarray
    bsig: np.ndarray
    slow: np.ndarray
    ssig: np.ndarray
    alive: np.ndarray


class PhaseTables(NamedTuple):
    """Sites (geocentric latitude ``site_phi``, longitude ``site_lam`` [rad]) and the phase
    grid (``ttab`` time [s], ``stab`` slowness [s/deg] per phase, distance step ``d_step``
    [deg] and depth step ``h_step`` [km]; ``pcls`` class and ``ptol`` base tolerance [s]
    per phase), as :class:`openndc.association.tables.PhaseGrid` holds it."""

    site_phi: np.ndarray
    site_lam: np.ndarray
    ttab: np.ndarray
    stab: np.ndarray
    pcls: np.ndarray
    ptol: np.ndarray
    d_step: float
    h_step: float


class Rules(NamedTuple):
    """Tolerances of an arrival: at least ``sigma_factor`` x its time uncertainty,
    back-azimuth ``baz_tol`` [deg], slowness ``slow_tol`` [s/deg]; ``array_weight`` is what
    a station with fitting back-azimuth and slowness counts."""

    sigma_factor: float
    baz_tol: float
    slow_tol: float
    array_weight: float


class Trial(NamedTuple):
    """A trial origin: ``latitude``, ``longitude`` [deg], ``depth`` [km], ``t0`` [s]."""

    latitude: float
    longitude: float
    depth: float
    t0: float


class Hypothesis(NamedTuple):
    """An evaluated origin: ``score`` (sum per arrival of ``1 - (r/tol)^2`` of time, plus the
    same for back-azimuth and slowness where measured), ``n_eff`` (stations, arrays with
    fitting back-azimuth and slowness counting ``array_weight``), ``n_stations``,
    ``n_arrivals``, ``n_p`` (P-type arrivals), origin time ``t0`` [s], and per arrival the
    detection index, the phase index and the time residual [s]."""

    score: float
    n_eff: float
    n_stations: int
    n_arrivals: int
    n_p: int
    t0: float
    detections: np.ndarray
    phases: np.ndarray
    residuals: np.ndarray


class Refined(NamedTuple):
    """The best point of a local grid search and its hypothesis."""

    latitude: float
    longitude: float
    depth: float
    hypothesis: Hypothesis


def _flat(dets: DetectionArrays, i_lo: int, i_hi: int, tab: PhaseTables, rules: Rules) -> tuple:
    return (*dets, int(i_lo), int(i_hi), *tab[:6], float(tab.d_step), float(tab.h_step),
            float(rules.sigma_factor), float(rules.baz_tol), float(rules.slow_tol),
            float(rules.array_weight))  # fmt: skip


def evaluate(
    trial: Trial,
    tol_extra: float,
    n_pass: int,
    dets: DetectionArrays,
    i_lo: int,
    i_hi: int,
    tables: PhaseTables,
    rules: Rules,
) -> Hypothesis:
    """Associate detections ``i_lo:i_hi`` with the ``trial`` origin (see
    :class:`Hypothesis`); ``tol_extra`` [s] widens the time tolerance (coarse levels of a
    grid search), ``n_pass`` assignment passes (the origin time moves between them)."""
    return Hypothesis(*_evaluate_adapter(*trial, tol_extra, n_pass,
                                         *_flat(dets, i_lo, i_hi, tables, rules)))  # fmt: skip


def evaluate_py(
    trial: Trial,
    tol_extra: float,
    n_pass: int,
    dets: DetectionArrays,
    i_lo: int,
    i_hi: int,
    tables: PhaseTables,
    rules: Rules,
) -> Hypothesis:
    """Plain reference of :func:`evaluate` (same arguments and result)."""
    return Hypothesis(*_evaluate_ref(*trial, tol_extra, n_pass,
                                     *_flat(dets, i_lo, i_hi, tables, rules)))  # fmt: skip


def refine(
    start: Trial,
    step: float,
    depth_step: float,
    levels: int,
    tol_extra: float,
    slow_max: float,
    max_depth: float,
    dets: DetectionArrays,
    i_lo: int,
    i_hi: int,
    tables: PhaseTables,
    rules: Rules,
) -> Refined:
    """Local grid search from ``start``: ``step`` [deg] and ``depth_step`` [km] halve
    ``levels`` times; ``tol_extra`` [s] widens the first evaluation's tolerance (the
    candidate cell's spread), ``slow_max`` [s/deg] turns a step into the extra tolerance of
    neighbours; depths stay within 0-``max_depth`` [km]."""
    flat = _flat(dets, i_lo, i_hi, tables, rules)
    lat, lon, dep, hyp = _refine_adapter(
        *start, step, depth_step, levels, tol_extra, slow_max, max_depth, *flat
    )
    return Refined(float(lat), float(lon), float(dep), Hypothesis(*hyp))


def refine_py(
    start: Trial,
    step: float,
    depth_step: float,
    levels: int,
    tol_extra: float,
    slow_max: float,
    max_depth: float,
    dets: DetectionArrays,
    i_lo: int,
    i_hi: int,
    tables: PhaseTables,
    rules: Rules,
) -> Refined:
    """Plain reference of :func:`refine` (same arguments and result)."""
    flat = _flat(dets, i_lo, i_hi, tables, rules)
    lat, lon, dep, hyp = _refine_ref(
        *start, step, depth_step, levels, tol_extra, slow_max, max_depth, *flat
    )
    return Refined(float(lat), float(lon), float(dep), Hypothesis(*hyp))


def _evaluate_adapter(
    lat: float,
    lon: float,
    depth: float,
    t0: float,
    tol_extra: float,
    n_pass: int,
    t: np.ndarray,
    site: np.ndarray,
    cls: np.ndarray,
    tsig: np.ndarray,
    baz: np.ndarray,
    bsig: np.ndarray,
    slow: np.ndarray,
    ssig: np.ndarray,
    alive: np.ndarray,
    i_lo: int,
    i_hi: int,
    site_phi: np.ndarray,
    site_lam: np.ndarray,
    ttab: np.ndarray,
    stab: np.ndarray,
    pcls: np.ndarray,
    ptol: np.ndarray,
    d_step: float,
    h_step: float,
    sigma_factor: float,
    baz_tol: float,
    slow_tol: float,
    array_weight: float,
) -> _HypothesisTuple:
    """Associate detections ``i_lo:i_hi`` with the hypothesis (``lat``, ``lon`` [deg],
    ``depth`` [km], origin time ``t0`` [s]).

    Returns ``(score, n_eff, n_stations, n_arrivals, n_p, t0 [s], detection indices,
    phase indices, time residuals [s])``. ``score`` sums per arrival ``1 - (r/tol)^2`` of
    time plus the same for back-azimuth and slowness where measured; ``n_eff`` counts
    stations, ``array_weight`` for those with fitting back-azimuth and slowness.
    ``tol_extra`` [s] widens the time tolerance (coarse levels of a grid search).
    """
    return _evaluate(
        float(lat), float(lon), float(depth), float(t0), float(tol_extra), int(n_pass),
        t, site, cls, tsig, baz, bsig, slow, ssig, alive, int(i_lo), int(i_hi),
        site_phi, site_lam, ttab, stab, pcls, ptol, float(d_step), float(h_step),
        float(sigma_factor), float(baz_tol), float(slow_tol), float(array_weight),
    )  # fmt: skip


def _interp_py(
    table: np.ndarray, k: int, d_step: float, h_step: float, d: float, h: float
) -> float:
    nd, nh = table.shape[1], table.shape[2]
    x, y = d / d_step, h / h_step
    if not (0.0 <= x <= nd - 1 and 0.0 <= y <= nh - 1):
        return math.nan
    i, j = min(int(x), nd - 2), min(int(y), nh - 2)
    wx, wy = x - i, y - j
    tab = table[k].astype(np.float64)
    return float(
        (1 - wx) * (1 - wy) * tab[i, j]
        + wx * (1 - wy) * tab[i + 1, j]
        + (1 - wx) * wy * tab[i, j + 1]
        + wx * wy * tab[i + 1, j + 1]
    )


def _evaluate_ref(
    lat: float,
    lon: float,
    depth: float,
    t0: float,
    tol_extra: float,
    n_pass: int,
    t: np.ndarray,
    site: np.ndarray,
    cls: np.ndarray,
    tsig: np.ndarray,
    baz: np.ndarray,
    bsig: np.ndarray,
    slow: np.ndarray,
    ssig: np.ndarray,
    alive: np.ndarray,
    i_lo: int,
    i_hi: int,
    site_phi: np.ndarray,
    site_lam: np.ndarray,
    ttab: np.ndarray,
    stab: np.ndarray,
    pcls: np.ndarray,
    ptol: np.ndarray,
    d_step: float,
    h_step: float,
    sigma_factor: float,
    baz_tol: float,
    slow_tol: float,
    array_weight: float,
) -> _HypothesisTuple:
    """Plain reference version of :func:`evaluate` (distances from
    :func:`openndc.model.geodesy.distance_azimuth`)."""
    from openndc.model.geodesy import distance_azimuth

    nph = ttab.shape[0]
    dist, _, sbaz = distance_azimuth(lat, lon, _geographic(site_phi), np.degrees(site_lam))
    sel: list[tuple[int, int, float]] = []
    score, n_eff, n_sta, n_p = 0.0, 0.0, 0, 0
    for p in range(n_pass):
        tol_e = tol_extra
        cands: list[tuple[float, int, int, float, bool]] = []
        for ii in range(i_lo, i_hi):
            if not alive[ii]:
                continue
            s = int(site[ii])
            qb = 0.0
            if np.isfinite(baz[ii]):
                tb = max(baz_tol, 3.0 * bsig[ii]) if np.isfinite(bsig[ii]) else baz_tol
                rb = (baz[ii] - sbaz[s] + 180.0) % 360.0 - 180.0
                if abs(rb) > tb:
                    continue
                qb = 1.0 - (rb / tb) ** 2
            for k in range(nph):
                if not (int(pcls[k]) & int(cls[ii])):
                    continue
                tt = _interp_py(ttab, k, d_step, h_step, float(dist[s]), depth)
                if not np.isfinite(tt):
                    continue
                r = t[ii] - t0 - tt
                tol = float(ptol[k])
                if np.isfinite(tsig[ii]):
                    tol = max(tol, sigma_factor * tsig[ii])
                tol += tol_e
                if abs(r) > tol:
                    continue
                q = 1.0 - (r / tol) ** 2 + qb
                both = False
                if np.isfinite(slow[ii]):
                    ts = max(slow_tol, 3.0 * ssig[ii]) if np.isfinite(ssig[ii]) else slow_tol
                    rs = slow[ii] - _interp_py(stab, k, d_step, h_step, float(dist[s]), depth)
                    if not abs(rs) <= ts:
                        continue
                    q += 1.0 - (rs / ts) ** 2
                    both = bool(np.isfinite(baz[ii]))
                cands.append((q, ii, k, r, both))
        cands.sort(key=lambda c: -c[0])
        used_det: set[int] = set()
        used_sp: set[tuple[int, int]] = set()
        site_w: dict[int, float] = {}
        sel = []
        score, n_p, wsum, rsum = 0.0, 0, 0.0, 0.0
        for q, ii, k, r, both in cands:
            s = int(site[ii])
            if ii in used_det or (s, k) in used_sp:
                continue
            used_det.add(ii)
            used_sp.add((s, k))
            sel.append((ii, k, r))
            score += q
            n_p += int(pcls[k] == 1)
            site_w[s] = max(site_w.get(s, 0.0), array_weight if both else 1.0)
            wt = 1.0 / float(ptol[k]) ** 2
            wsum += wt
            rsum += wt * r
        n_eff = sum(site_w.values())
        n_sta = len(site_w)
        if not sel:
            break
        if p < n_pass - 1:
            t0 += rsum / wsum
    return (
        score,
        n_eff,
        n_sta,
        len(sel),
        n_p,
        t0,
        np.array([s[0] for s in sel], dtype=np.int64),
        np.array([s[1] for s in sel], dtype=np.int64),
        np.array([s[2] for s in sel], dtype=np.float64),
    )


def _geographic(phi: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan(np.tan(phi) / _E2))


# -------------------------------------------------------------------------- refinement


@numba.njit(cache=True)
def _refine(  # pragma: no cover - compiled
    lat: float,
    lon: float,
    depth: float,
    t0: float,
    step: float,
    depth_step: float,
    levels: int,
    tol_extra: float,
    slow_max: float,
    max_depth: float,
    t: np.ndarray,
    site: np.ndarray,
    cls: np.ndarray,
    tsig: np.ndarray,
    baz: np.ndarray,
    bsig: np.ndarray,
    slow: np.ndarray,
    ssig: np.ndarray,
    alive: np.ndarray,
    i_lo: int,
    i_hi: int,
    site_phi: np.ndarray,
    site_lam: np.ndarray,
    ttab: np.ndarray,
    stab: np.ndarray,
    pcls: np.ndarray,
    ptol: np.ndarray,
    d_step: float,
    h_step: float,
    sigma_factor: float,
    baz_tol: float,
    slow_tol: float,
    array_weight: float,
) -> tuple[
    float,
    float,
    float,
    tuple[float, float, int, int, int, float, np.ndarray, np.ndarray, np.ndarray],
]:
    blat, blon, bdep = lat, lon, depth
    best = _evaluate(
        lat, lon, depth, t0, tol_extra, 3, t, site, cls, tsig, baz, bsig, slow, ssig, alive,
        i_lo, i_hi, site_phi, site_lam, ttab, stab, pcls, ptol, d_step, h_step,
        sigma_factor, baz_tol, slow_tol, array_weight,
    )  # fmt: skip
    for lev in range(levels + 1):
        # Coarse levels score with a tolerance as wide as the step's travel-time change;
        # the last level polishes with the nominal tolerances.
        extra = 0.5 * step * slow_max if lev < levels else 0.0
        best = _evaluate(
            blat, blon, bdep, best[5], extra, 2, t, site, cls, tsig, baz, bsig, slow, ssig,
            alive, i_lo, i_hi, site_phi, site_lam, ttab, stab, pcls, ptol, d_step, h_step,
            sigma_factor, baz_tol, slow_tol, array_weight,
        )  # fmt: skip
        moved = True
        it = 0
        while moved and it < 4:
            moved = False
            it += 1
            clat, clon, cdep, ct0 = blat, blon, bdep, best[5]
            coslat = max(math.cos(math.radians(clat)), 0.05)
            for a in range(-1, 2):
                for b in range(-1, 2):
                    for c in range(-1, 2):
                        if a == 0 and b == 0 and c == 0:
                            continue
                        nlat = clat + a * step
                        if nlat > 90.0 or nlat < -90.0:
                            continue
                        nlon = clon + b * step / coslat
                        nlon = (nlon + 180.0) % 360.0 - 180.0
                        ndep = min(max(cdep + c * depth_step, 0.0), max_depth)
                        if c != 0 and ndep == cdep:
                            continue
                        ev = _evaluate(
                            nlat, nlon, ndep, ct0, extra, 2, t, site, cls, tsig,
                            baz, bsig, slow, ssig, alive, i_lo, i_hi, site_phi, site_lam,
                            ttab, stab, pcls, ptol, d_step, h_step, sigma_factor, baz_tol,
                            slow_tol, array_weight,
                        )  # fmt: skip
                        if ev[0] > best[0] + 1e-9:
                            best = ev
                            blat, blon, bdep = nlat, nlon, ndep
                            moved = True
        if lev < levels - 1:
            step *= 0.5
            depth_step *= 0.5
    best = _evaluate(
        blat, blon, bdep, best[5], 0.0, 3, t, site, cls, tsig, baz, bsig, slow, ssig, alive,
        i_lo, i_hi, site_phi, site_lam, ttab, stab, pcls, ptol, d_step, h_step,
        sigma_factor, baz_tol, slow_tol, array_weight,
    )  # fmt: skip
    return blat, blon, bdep, best


def _refine_adapter(
    lat: float,
    lon: float,
    depth: float,
    t0: float,
    step: float,
    depth_step: float,
    levels: int,
    tol_extra: float,
    slow_max: float,
    max_depth: float,
    *data: object,
) -> tuple[float, float, float, _HypothesisTuple]:
    """Local grid search from (``lat``, ``lon`` [deg], ``depth`` [km], ``t0`` [s]).

    ``step`` [deg] and ``depth_step`` [km] start the search and halve ``levels`` times;
    ``tol_extra`` [s] widens the first evaluation's tolerance (the candidate cell's
    spread), ``slow_max`` [s/deg] turns a step into the extra tolerance of neighbours.
    ``data`` are the arguments of :func:`evaluate` from ``t`` on. Returns ``(lat, lon,
    depth, hypothesis)`` of the best point, the hypothesis as :func:`evaluate` gives it.
    """
    args: tuple[Any, ...] = (
        float(lat), float(lon), float(depth), float(t0), float(step), float(depth_step),
        int(levels), float(tol_extra), float(slow_max), float(max_depth), *data,
    )  # fmt: skip
    return _refine(*args)


def _refine_ref(
    lat: float,
    lon: float,
    depth: float,
    t0: float,
    step: float,
    depth_step: float,
    levels: int,
    tol_extra: float,
    slow_max: float,
    max_depth: float,
    *data: object,
) -> tuple[float, float, float, _HypothesisTuple]:
    """Plain reference version of :func:`refine` (calls :func:`evaluate_py`)."""
    blat, blon, bdep = lat, lon, depth
    best = _evaluate_ref(lat, lon, depth, t0, tol_extra, 3, *data)  # type: ignore[arg-type]
    for lev in range(levels + 1):
        extra = 0.5 * step * slow_max if lev < levels else 0.0
        best = _evaluate_ref(blat, blon, bdep, best[5], extra, 2, *data)  # type: ignore[arg-type]
        moved, it = True, 0
        while moved and it < 4:
            moved, it = False, it + 1
            clat, clon, cdep, ct0 = blat, blon, bdep, best[5]
            coslat = max(math.cos(math.radians(clat)), 0.05)
            for a in (-1, 0, 1):
                for b in (-1, 0, 1):
                    for c in (-1, 0, 1):
                        if a == 0 and b == 0 and c == 0:
                            continue
                        nlat = clat + a * step
                        if abs(nlat) > 90.0:
                            continue
                        nlon = (clon + b * step / coslat + 180.0) % 360.0 - 180.0
                        ndep = min(max(cdep + c * depth_step, 0.0), max_depth)
                        if c != 0 and ndep == cdep:
                            continue
                        ev = _evaluate_ref(nlat, nlon, ndep, ct0, extra, 2, *data)  # type: ignore[arg-type]
                        if ev[0] > best[0] + 1e-9:
                            best, blat, blon, bdep, moved = ev, nlat, nlon, ndep, True
        if lev < levels - 1:
            step *= 0.5
            depth_step *= 0.5
    best = _evaluate_ref(blat, blon, bdep, best[5], 0.0, 3, *data)  # type: ignore[arg-type]
    return blat, blon, bdep, best
