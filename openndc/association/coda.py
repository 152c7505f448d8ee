"""Codas at one station: how long an arrival rings, and which later detections are its own.

A detector re-triggers in the coda of a strong arrival: the scattered waves that follow it
stand above the long-term average for minutes, and every few tens of seconds a burst of them
passes the STA/LTA threshold. Such a re-trigger comes from the arrival's own direction
(at an array: its back-azimuth and slowness, blurred by the scattering) and is weaker than
the coda it rides on would let a new arrival be. NET-VISA (Arora, Russell & Sudderth 2013,
BSSA 103(2A), 709-729) models them as *coda detections* a detection begets, with these
traits; SeisComP's scautoloc and the IDC's Global Association keep them from proposing
events. Here they are recognised at the station, before any event exists:
:func:`station_codas` names, for each detection, the earlier one at its site whose coda it
rides (or none). The association lets no such detection drive a hypothesis (a new event's
P at other stations do), whether or not the earlier arrival's event was found yet.

Kernels are pure functions on arrays; :func:`station_codas_py` is the plain reference
:func:`station_codas` is tested against.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = [
    "coda_end",
    "coda_level",
    "station_coda_ends",
    "station_codas",
    "station_codas_py",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def coda_end(lapse: FloatArray, snr: FloatArray, q: float, end_snr: float) -> FloatArray:
    """Lapse time [s after the origin] at which the coda of an arrival at ``lapse`` [s] with
    signal-to-noise ratio ``snr`` decays to ``end_snr`` x the noise (no re-trigger after).

    The single-scattering coda envelope of Aki & Chouet (1975, JGR 80(23), 3322-3342),
    ``A(t) ~ t^-1 exp(-pi f t / Qc)`` at 1 Hz with coda Q ``q``: the end solves
    ``(t1 / t) exp(-pi (t - t1) / q) = end_snr / snr`` (bisection; ``lapse`` itself where
    ``snr <= end_snr``). A strong arrival (SNR 10^4) keeps a coda for ~10 min at Qc 300, a
    weak one (SNR 5) for ~1 min.
    """
    t1 = np.maximum(np.asarray(lapse, float), 1.0)
    target = np.log(end_snr / np.maximum(np.asarray(snr, float), end_snr))
    lo = t1.copy()
    hi = t1 + 50.0 * q  # exp(-50 pi) is far below any SNR ratio
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        above = np.log(t1 / mid) - math.pi * (mid - t1) / q > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return np.asarray(hi, float)


def coda_level(
    lapse: FloatArray, snr: FloatArray, delay: FloatArray, q: float
) -> FloatArray:  # fmt: skip
    """The coda of an arrival at ``lapse`` [s after the origin] with ``snr``, ``delay`` [s]
    after it, in the same SNR units: ``snr (t1 / (t1 + delay)) exp(-pi delay / q)`` (the
    envelope of :func:`coda_end`, ``t1 = max(lapse, 1 s)``)."""
    t1 = np.maximum(np.asarray(lapse, float), 1.0)
    dt = np.asarray(delay, float)
    return np.asarray(snr * t1 / (t1 + dt) * np.exp(-math.pi * dt / q), float)


def station_coda_ends(
    time: FloatArray, snr: FloatArray, lapse: FloatArray, q: float, end_snr: float
) -> FloatArray:  # fmt: skip
    """When [s] the coda of each detection (at ``time`` [s], ``lapse`` [s] after its origin,
    with ``snr``) decays to ``end_snr`` (:func:`coda_end`); its own time where it has no
    SNR or one no higher than ``end_snr``."""
    ok = np.isfinite(snr) & (snr > 0.0)
    t1 = np.maximum(lapse, 1.0)
    ends = coda_end(lapse, np.where(ok, snr, end_snr), q, end_snr) - t1
    return np.asarray(time + np.where(ok, ends, 0.0), float)


def station_codas(
    time: FloatArray,
    site: IntArray,
    snr: FloatArray,
    lapse: FloatArray,
    baz: FloatArray,
    baz_tol: FloatArray,
    slowness: FloatArray,
    slowness_tol: FloatArray,
    q: float,
    end_snr: float,
) -> IntArray:
    """For each detection, the earlier detection at its site whose coda it is (-1: none).

    Detection ``j`` is the coda of an earlier ``i`` at the same ``site`` when (all arrays
    per detection, ``time`` [s] non-decreasing):

    - both have an ``snr`` and ``i`` is the stronger;
    - ``j`` comes before ``i``'s coda ends (:func:`coda_end` from ``i``'s ``lapse`` [s],
      its time after its origin as estimated from its slowness, and ``end_snr``);
    - ``j`` does not stand out of that coda: its ``snr`` is at most ``end_snr`` x the coda's
      level at its time (:func:`coda_level`): a new arrival stands out, a re-trigger
      rides the coda;
    - where both measure them, ``j``'s back-azimuth [deg] and ``slowness`` [s/deg] fit
      ``i``'s within ``j``'s tolerances ``baz_tol`` and ``slowness_tol`` (NaN: not
      measured): an array sees a coda come from its arrival's direction.

    Of several such ``i`` the one with the highest coda level at ``j`` is named.
    """
    n = time.size
    out = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return out
    ok = np.isfinite(snr) & (snr > 0.0)
    for s in np.unique(site):
        k = np.flatnonzero((site == s) & ok)
        if k.size < 2:
            continue
        t = time[k]
        end = station_coda_ends(t, snr[k], lapse[k], q, end_snr)
        # pairs (earlier i, later j): j before i's coda ends (time is sorted)
        first = np.searchsorted(t, t, side="right")
        count = np.maximum(np.searchsorted(t, end, side="right") - first, 0)
        if not count.any():
            continue
        ii = np.repeat(np.arange(k.size), count)
        jj = first[ii] + np.arange(ii.size) - np.repeat(np.cumsum(count) - count, count)
        a, b = k[ii], k[jj]
        level = coda_level(lapse[a], snr[a], time[b] - time[a], q)
        fit = (snr[a] > snr[b]) & (snr[b] <= end_snr * level)
        d = np.abs((baz[a] - baz[b] + 180.0) % 360.0 - 180.0)
        fit &= ~(np.isfinite(d) & (d > baz_tol[b]))
        ds = np.abs(slowness[a] - slowness[b])
        fit &= ~(np.isfinite(ds) & (ds > slowness_tol[b]))
        if not fit.any():
            continue
        a, b, level = a[fit], b[fit], level[fit]
        # per j, the i with the highest level (last wins in fancy assignment: sort by level)
        order = np.argsort(level, kind="stable")
        out[b[order]] = a[order]
    return out


def station_codas_py(
    time: FloatArray,
    site: IntArray,
    snr: FloatArray,
    lapse: FloatArray,
    baz: FloatArray,
    baz_tol: FloatArray,
    slowness: FloatArray,
    slowness_tol: FloatArray,
    q: float,
    end_snr: float,
) -> IntArray:
    """Plain reference of :func:`station_codas` (a loop over every pair)."""
    n = time.size
    out = np.full(n, -1, dtype=np.int64)
    for j in range(n):
        best = -math.inf
        for i in range(n):
            if site[i] != site[j] or not time[i] < time[j]:
                continue
            if not (snr[i] > 0.0 and snr[j] > 0.0) or not snr[i] > snr[j]:
                continue
            t1 = max(float(lapse[i]), 1.0)
            end = float(coda_end(np.array([lapse[i]]), np.array([snr[i]]), q, end_snr)[0])
            delay = float(time[j] - time[i])
            if delay > end - t1:
                continue
            level = float(snr[i]) * t1 / (t1 + delay) * math.exp(-math.pi * delay / q)
            if snr[j] > end_snr * level:
                continue
            d = abs((baz[i] - baz[j] + 180.0) % 360.0 - 180.0)
            if math.isfinite(d) and d > baz_tol[j]:
                continue
            ds = abs(slowness[i] - slowness[j])
            if math.isfinite(ds) and ds > slowness_tol[j]:
                continue
            if level >= best:
                best, out[j] = level, i
    return out
