"""Synthetic detection sets for testing and benchmarking association (no waveforms).

Known events produce P (and S or Lg) detections at the network's sites with Gaussian
pick noise, missed phases, array back-azimuth and slowness with their noise, and random
false detections. Detection ``id`` encodes the truth: ``"ev<k>-<site>-<phase>"`` for
event ``k``, ``"false-<n>"`` for a false detection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from obspy import UTCDateTime

from openndc.association.tables import TravelTimeSource
from openndc.model.detection import Detection
from openndc.model.errors import ConfigError
from openndc.model.geodesy import distance_azimuth
from openndc.model.inventory import MonitoringNetwork

__all__ = ["SyntheticEvent", "network_sites", "synthetic_detections", "true_event_of"]


@dataclass(frozen=True)
class SyntheticEvent:
    """A true event: origin time, epicentre [deg], depth [km]."""

    time: UTCDateTime
    latitude: float
    longitude: float
    depth_km: float


def network_sites(network: MonitoringNetwork) -> list[tuple[str, str, float, float, bool]]:
    """``(network, code, latitude, longitude, is_array)`` of each detecting site: arrays
    (by reference point) and stations that are not array elements."""
    out = [
        (a.network, a.code, a.reference_latitude, a.reference_longitude, True)
        for a in network.arrays
    ]
    codes = {a.code for a in network.arrays}
    for s in network.stations:
        if s.array is None and s.code not in codes:
            out.append((s.network, s.code, s.latitude, s.longitude, False))
    return out


def _phase_time(
    tt: TravelTimeSource, names: tuple[str, ...], dist: float, depth: float
) -> tuple[float, float, str]:
    best = (np.nan, np.nan, "")
    for name in names:
        try:
            t, p, _ = tt.derivatives(name, dist, depth)
        except ConfigError:
            continue
        tf, pf = float(t), float(p)
        if np.isfinite(tf) and not tf >= best[0]:
            best = (tf, abs(pf), name)
    return best


def synthetic_detections(
    network: MonitoringNetwork,
    events: list[SyntheticEvent],
    travel_times: TravelTimeSource,
    *,
    seed: int = 0,
    start: UTCDateTime | None = None,
    end: UTCDateTime | None = None,
    pick_sigma: float = 0.5,
    p_probability: float = 0.9,
    s_probability: float = 0.6,
    max_distance: float = 100.0,
    s_max_distance: float = 20.0,
    false_per_site_hour: float = 2.0,
    baz_sigma: float = 5.0,
    slowness_sigma: float = 1.0,
    phase_hints: bool = True,
) -> list[Detection]:
    """Detections of ``events`` at the sites of ``network`` plus false ones.

    ``pick_sigma`` [s] Gaussian onset noise (S twice it); P detected with
    ``p_probability`` to ``max_distance`` [deg], S (Sg/Sn/S, or Lg from 2 deg) with
    ``s_probability`` to ``s_max_distance`` [deg]; arrays report back-azimuth [deg] and
    slowness [s/deg] with noise ``baz_sigma``/``slowness_sigma``; false detections arrive
    at ``false_per_site_hour`` per site between ``start`` and ``end`` (default: the
    events' span plus 10 minutes), half hinted P, half S. ``phase_hints=False`` leaves
    the phase empty.
    """
    rng = np.random.default_rng(seed)
    sites = network_sites(network)
    out: list[Detection] = []
    for k, ev in enumerate(events):
        for net, code, lat, lon, is_array in sites:
            dist, _, baz = distance_azimuth(ev.latitude, ev.longitude, lat, lon)
            d, b = float(dist), float(baz)
            if (d > max_distance and d < 110.0) or d > 180.0:
                continue
            kinds: list[tuple[str, tuple[str, ...], float, float]] = [
                ("P", ("P", "Pg", "Pn", "PKP"), p_probability, pick_sigma)
            ]
            if d <= s_max_distance:
                s_names = ("Lg",) if d >= 2.0 else ("S", "Sg", "Sn")
                kinds.append(("S", s_names, s_probability, 2 * pick_sigma))
            for hint, names, prob, sig in kinds:
                if rng.random() > prob:
                    continue
                t, p, name = _phase_time(travel_times, names, d, ev.depth_km)
                if not np.isfinite(t):
                    continue
                onset = ev.time + t + float(rng.normal(0.0, sig))
                extra = {}
                if is_array:
                    extra = {
                        "backazimuth": float((b + rng.normal(0.0, baz_sigma)) % 360.0),
                        "backazimuth_uncertainty": baz_sigma,
                        "slowness": float(max(p + rng.normal(0.0, slowness_sigma), 0.1)),
                        "slowness_uncertainty": slowness_sigma,
                    }
                out.append(
                    Detection(
                        net, code, "", "BHZ" if not is_array else "cb", onset,
                        time_uncertainty=sig, phase=hint if phase_hints else "",
                        method="beam" if is_array else "stalta",
                        id=f"ev{k}-{code}-{name}", **extra,  # type: ignore[arg-type]
                    )
                )  # fmt: skip
    if events:
        t_lo = start or min(e.time for e in events) - 60.0
        t_hi = end or max(e.time for e in events) + 600.0
    else:
        t_lo, t_hi = start or UTCDateTime(0), end or UTCDateTime(3600)
    hours = max(float(t_hi - t_lo), 0.0) / 3600.0
    n_false = 0
    for net, code, _, _, is_array in sites:
        for _ in range(int(rng.poisson(false_per_site_hour * hours))):
            extra = {}
            if is_array:
                extra = {
                    "backazimuth": float(rng.uniform(0, 360)),
                    "backazimuth_uncertainty": baz_sigma,
                    "slowness": float(rng.uniform(4.0, 30.0)),
                    "slowness_uncertainty": slowness_sigma,
                }
            out.append(
                Detection(
                    net, code, "", "BHZ", t_lo + float(rng.uniform(0, t_hi - t_lo)),
                    time_uncertainty=pick_sigma,
                    phase=("P" if rng.random() < 0.5 else "S") if phase_hints else "",
                    id=f"false-{n_false}", **extra,  # type: ignore[arg-type]
                )
            )  # fmt: skip
            n_false += 1
    out.sort(key=lambda d: d.time)
    return out


def true_event_of(detection: Detection) -> int:
    """The true event index of a synthetic detection, -1 for a false one."""
    if detection.id.startswith("ev"):
        return int(detection.id[2:].split("-", 1)[0])
    return -1
