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
P at other stations do), whether or not the earlier arrival's event was found yet. An
arrival's coda is reckoned from its strength over the noise: its SNR where that is against
the noise, its SNR times the background of earlier codas where it is against the
background (an STA/LTA's: the long-term average holds the coda it stands in).

Kernels are pure functions on arrays; :func:`station_codas_py` is the plain reference
:func:`station_codas` is tested against.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numba
import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from openndc.association.config import DetectionSnr

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
    *,
    snr_against: DetectionSnr = "background",
) -> tuple[IntArray, FloatArray]:
    """For each detection, the earlier detection at its site whose coda it is (-1: none),
    and its strength over the noise (NaN where it has no ``snr``).

    Detection ``j`` is the coda of an earlier ``i`` at the same ``site`` when (all arrays
    per detection, ``time`` [s] non-decreasing within a site):

    - both have an ``snr`` and ``i`` is the stronger: its strength (below) exceeds ``j``'s
      ``snr`` (with SNRs against the background: what ``j`` stands above its background,
      ``i``'s coda in it);
    - ``j`` comes before ``i``'s coda ends (:func:`coda_end` from ``i``'s ``lapse`` [s],
      its time after its origin as estimated from its slowness, its strength and
      ``end_snr``);
    - ``j`` does not stand out of that coda: its ``snr`` is at most ``end_snr`` x the coda's
      level at its time (:func:`coda_level` from ``i``'s strength): a new arrival stands
      out, a re-trigger rides the coda;
    - where both measure them, ``j``'s back-azimuth [deg] and ``slowness`` [s/deg] fit
      ``i``'s within ``j``'s tolerances ``baz_tol`` and ``slowness_tol`` (NaN: not
      measured): an array sees a coda come from its arrival's direction.

    Of several such ``i`` the one with the highest coda level at ``j`` is named.

    A detection's strength, from which its own coda is reckoned, is its ``snr`` where
    ``snr_against`` is ``"noise"``. With ``"background"`` (an STA/LTA detector's SNR: its
    long-term average holds the codas it stands in, as the IDC's and OpenNDC's detectors'
    do) it is ``snr x (1 + L)``, ``L`` the highest level there of the codas of earlier
    detections at its site that are no coda themselves (arrivals): an arrival at SNR 20 in
    a coda 100 x the noise is 2,000 x the noise, and rings as long. A re-trigger's strength
    is its SNR, and it adds no background: a coda is not its own source (raised as an
    arrival's, the re-triggers' codas outrang their arrival's and named later events' P
    as re-triggers), so strengths do not compound along a coda.
    """
    n = time.size
    out = np.full(n, -1, dtype=np.int64)
    strength = np.where(np.isfinite(snr) & (snr > 0.0), snr, np.nan).astype(np.float64)
    if n == 0:
        return out, strength
    background = _snr_against(snr_against)
    order = np.lexsort((time, site))
    cuts = np.flatnonzero(np.diff(site[order])) + 1
    for k in np.split(order, cuts):
        if k.size < 2:
            continue
        par, st = _site_codas(
            time[k], snr[k], lapse[k], baz[k], baz_tol[k], slowness[k], slowness_tol[k],
            float(q), float(end_snr), background,
        )  # fmt: skip
        out[k] = np.where(par >= 0, k[np.maximum(par, 0)], -1)
        strength[k] = st
    return out, strength


def _snr_against(snr_against: str) -> bool:
    if snr_against not in ("background", "noise"):
        raise ValueError(f"snr_against is 'background' or 'noise', got {snr_against!r}")
    return snr_against == "background"


@numba.njit(cache=True)
def _coda_end1(lapse: float, snr: float, q: float, end_snr: float) -> float:  # pragma: no cover
    """:func:`coda_end` of one arrival (the same bisection)."""
    t1 = max(lapse, 1.0)
    target = math.log(end_snr / max(snr, end_snr))
    lo = t1
    hi = t1 + 50.0 * q
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if math.log(t1 / mid) - math.pi * (mid - t1) / q > target:
            lo = mid
        else:
            hi = mid
    return hi


@numba.njit(cache=True)
def _site_codas(
    t: FloatArray, snr: FloatArray, lapse: FloatArray, baz: FloatArray, baz_tol: FloatArray,
    slow: FloatArray, slow_tol: FloatArray, q: float, end_snr: float, background: bool,
) -> tuple[IntArray, FloatArray]:  # pragma: no cover  # fmt: skip
    """:func:`station_codas` at one site, its detections by time: parents (local indices,
    -1) and strengths."""
    n = t.size
    par = np.full(n, -1, dtype=np.int64)
    st = np.full(n, np.nan)
    until = t.copy()
    for j in range(n):
        if not (snr[j] > 0.0):
            continue
        back = 0.0
        best = -np.inf
        for i in range(j):
            if not (snr[i] > 0.0) or not t[i] < t[j] or t[j] > until[i]:
                continue
            t1 = max(lapse[i], 1.0)
            dt = t[j] - t[i]
            level = st[i] * t1 / (t1 + dt) * math.exp(-math.pi * dt / q)
            if par[i] < 0:
                back = max(back, level)
            if not st[i] > snr[j] or snr[j] > end_snr * level:
                continue
            d = abs((baz[i] - baz[j] + 180.0) % 360.0 - 180.0)
            if math.isfinite(d) and d > baz_tol[j]:
                continue
            ds = abs(slow[i] - slow[j])
            if math.isfinite(ds) and ds > slow_tol[j]:
                continue
            if level >= best:
                best = level
                par[j] = i
        st[j] = snr[j] * (1.0 + back) if background and par[j] < 0 else snr[j]
        if st[j] > end_snr:
            until[j] = t[j] + _coda_end1(lapse[j], st[j], q, end_snr) - max(lapse[j], 1.0)
    return par, st


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
    *,
    snr_against: DetectionSnr = "background",
) -> tuple[IntArray, FloatArray]:
    """Plain reference of :func:`station_codas` (a loop over every pair, in time order)."""
    background = _snr_against(snr_against)
    n = time.size
    out = np.full(n, -1, dtype=np.int64)
    strength = np.full(n, np.nan)
    for j in np.argsort(time, kind="stable"):
        if not snr[j] > 0.0:
            continue
        best, back = -math.inf, 0.0
        for i in range(n):
            if site[i] != site[j] or not time[i] < time[j] or not snr[i] > 0.0:
                continue
            t1 = max(float(lapse[i]), 1.0)
            end = float(coda_end(np.array([lapse[i]]), np.array([strength[i]]), q, end_snr)[0])
            delay = float(time[j] - time[i])
            if delay > end - t1:
                continue
            level = float(strength[i]) * t1 / (t1 + delay) * math.exp(-math.pi * delay / q)
            if out[i] < 0:
                back = max(back, level)
            if not strength[i] > snr[j] or snr[j] > end_snr * level:
                continue
            d = abs((baz[i] - baz[j] + 180.0) % 360.0 - 180.0)
            if math.isfinite(d) and d > baz_tol[j]:
                continue
            ds = abs(slowness[i] - slowness[j])
            if math.isfinite(ds) and ds > slowness_tol[j]:
                continue
            if level >= best:
                best, out[j] = level, i
        strength[j] = snr[j] * (1.0 + back) if background and out[j] < 0 else snr[j]
    return out, strength
