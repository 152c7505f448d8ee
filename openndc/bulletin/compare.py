"""Compare two bulletins: which events match, which are in one only, how they differ.

Two events match when their origin times differ by at most ``time_tolerance_s`` [s] and
their epicentres by at most ``distance_tolerance_km`` [km]. Each event matches at most one
event of the other bulletin: candidate pairs are taken best first by the score
``|dt| / time_tolerance + distance / distance_tolerance`` (a greedy assignment, which is
optimal when events are farther apart than the tolerances, the usual case).

Differences are ``b - a``: origin time [s], depth [km], magnitudes (same type); the
epicentre difference [km] is the great-circle distance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from openndc.model.errors import BulletinError
from openndc.model.event import MAGNITUDE_TYPES, Bulletin, Event
from openndc.model.geodesy import DEG_KM, distance_azimuth

__all__ = ["BulletinComparison", "MatchedPair", "compare_bulletins"]


@dataclass(frozen=True, slots=True)
class MatchedPair:
    """Two events judged the same, with their differences (b - a)."""

    a: Event
    b: Event
    time_difference_s: float
    distance_km: float
    depth_difference_km: float
    magnitude_differences: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BulletinComparison:
    """The outcome of :func:`compare_bulletins`."""

    matched: tuple[MatchedPair, ...]
    only_a: tuple[Event, ...]
    only_b: tuple[Event, ...]
    time_tolerance_s: float
    distance_tolerance_km: float
    name_a: str = "a"
    name_b: str = "b"

    def table(self) -> pd.DataFrame:
        """One row per event: ``status`` (matched, only_a, only_b), ids, times, epicentres,
        depths, magnitudes of both, and the differences of matched pairs."""
        rows: list[dict[str, object]] = []

        def side(prefix: str, e: Event | None) -> dict[str, object]:
            if e is None:
                return {
                    f"{prefix}_id": "",
                    f"{prefix}_time": "",
                    f"{prefix}_latitude": math.nan,
                    f"{prefix}_longitude": math.nan,
                    f"{prefix}_depth": math.nan,
                }
            o = e.origin
            rec: dict[str, object] = {
                f"{prefix}_id": e.id,
                f"{prefix}_time": o.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                f"{prefix}_latitude": o.latitude,
                f"{prefix}_longitude": o.longitude,
                f"{prefix}_depth": o.depth_km,
            }
            return rec

        def mags(prefix: str, e: Event | None) -> dict[str, object]:
            out: dict[str, object] = {}
            for kind in MAGNITUDE_TYPES:
                m = e.magnitude(kind) if e is not None else None
                out[f"{prefix}_{kind}"] = m.value if m is not None else math.nan
            return out

        for p in self.matched:
            rec: dict[str, object] = {"status": "matched"}
            rec |= side("a", p.a) | side("b", p.b)
            rec |= {
                "dt_s": p.time_difference_s,
                "distance_km": p.distance_km,
                "ddepth_km": p.depth_difference_km,
            }
            rec |= mags("a", p.a) | mags("b", p.b)
            rec |= {f"d{k}": p.magnitude_differences.get(k, math.nan) for k in MAGNITUDE_TYPES}
            rows.append(rec)
        empty = {"dt_s": math.nan, "distance_km": math.nan, "ddepth_km": math.nan}
        for e in self.only_a:
            rows.append({"status": "only_a"} | side("a", e) | side("b", None) | empty)
            rows[-1] |= mags("a", e) | mags("b", None)
        for e in self.only_b:
            rows.append({"status": "only_b"} | side("a", None) | side("b", e) | empty)
            rows[-1] |= mags("a", None) | mags("b", e)
        frame = pd.DataFrame(rows)
        if len(frame):
            key = frame["a_time"].where(frame["a_time"] != "", frame["b_time"])
            frame = frame.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)
        return frame

    def stats(self) -> dict[str, float]:
        """Counts and robust statistics of the differences of matched pairs."""
        n = len(self.matched)
        out: dict[str, float] = {
            "n_a": n + len(self.only_a),
            "n_b": n + len(self.only_b),
            "matched": n,
            "only_a": len(self.only_a),
            "only_b": len(self.only_b),
        }
        if n:
            dist = np.array([p.distance_km for p in self.matched])
            dt = np.abs([p.time_difference_s for p in self.matched])
            dz = np.abs([p.depth_difference_km for p in self.matched])
            out |= {
                "median_distance_km": float(np.median(dist)),
                "p90_distance_km": float(np.percentile(dist, 90)),
                "median_abs_dt_s": float(np.median(dt)),
                "median_abs_ddepth_km": float(np.nanmedian(dz))
                if np.isfinite(dz).any()
                else math.nan,
            }
            for kind in MAGNITUDE_TYPES:
                d = [
                    p.magnitude_differences[kind]
                    for p in self.matched
                    if kind in p.magnitude_differences
                ]
                if d:
                    out[f"median_d{kind}"] = float(np.median(d))
        return out

    def summary(self) -> str:
        """A few lines for people: counts, then median and 90th percentile differences."""
        s = self.stats()
        lines = [
            f"{self.name_a}: {int(s['n_a'])} events, {self.name_b}: {int(s['n_b'])} events "
            f"(tolerances {self.time_tolerance_s:g} s, {self.distance_tolerance_km:g} km)",
            f"matched {int(s['matched'])}, only in {self.name_a} {int(s['only_a'])}, "
            f"only in {self.name_b} {int(s['only_b'])}",
        ]
        if s["matched"]:
            lines.append(
                f"epicentre difference: median {s['median_distance_km']:.1f} km, "
                f"90th percentile {s['p90_distance_km']:.1f} km; "
                f"|origin time difference| median {s['median_abs_dt_s']:.2f} s; "
                f"|depth difference| median {s['median_abs_ddepth_km']:.1f} km"
            )
            mags = [f"{k} {s[f'median_d{k}']:+.2f}" for k in MAGNITUDE_TYPES if f"median_d{k}" in s]
            if mags:
                lines.append(
                    f"magnitude difference ({self.name_b} - {self.name_a}), median: "
                    + ", ".join(mags)
                )
        return "\n".join(lines)


def compare_bulletins(
    a: Bulletin,
    b: Bulletin,
    time_tolerance_s: float = 10.0,
    distance_tolerance_km: float = 100.0,
) -> BulletinComparison:
    """Match the events of two bulletins and measure their differences (see module doc)."""
    if not (time_tolerance_s > 0 and distance_tolerance_km > 0):
        raise BulletinError(
            f"tolerances must be positive (got {time_tolerance_s} s, {distance_tolerance_km} km)"
        )
    ea, eb = list(a.sorted().events), list(b.sorted().events)
    ta = np.array([e.origin.time.ns for e in ea], dtype=np.int64)
    tb = np.array([e.origin.time.ns for e in eb], dtype=np.int64)
    tol_ns = round(time_tolerance_s * 1e9)
    candidates: list[tuple[float, int, int, float, float]] = []
    for i, e in enumerate(ea):
        lo = int(np.searchsorted(tb, ta[i] - tol_ns, side="left"))
        hi = int(np.searchsorted(tb, ta[i] + tol_ns, side="right"))
        if hi <= lo:
            continue
        js = np.arange(lo, hi)
        lat = [eb[j].origin.latitude for j in js]
        lon = [eb[j].origin.longitude for j in js]
        dist = distance_azimuth(e.origin.latitude, e.origin.longitude, lat, lon)[0] * DEG_KM
        dt = (tb[js] - ta[i]) / 1e9
        for j, d, t in zip(js, dist, dt, strict=True):
            if d <= distance_tolerance_km:
                score = abs(t) / time_tolerance_s + d / distance_tolerance_km
                candidates.append((float(score), i, int(j), float(t), float(d)))
    candidates.sort()
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[MatchedPair] = []
    for _, i, j, dt_s, dist_km in candidates:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append(_pair(ea[i], eb[j], dt_s, dist_km))
    pairs.sort(key=lambda p: p.a.origin.time)
    return BulletinComparison(
        matched=tuple(pairs),
        only_a=tuple(e for i, e in enumerate(ea) if i not in used_a),
        only_b=tuple(e for j, e in enumerate(eb) if j not in used_b),
        time_tolerance_s=time_tolerance_s,
        distance_tolerance_km=distance_tolerance_km,
        name_a=a.name or "a",
        name_b=b.name or "b",
    )


def _pair(a: Event, b: Event, dt_s: float, dist_km: float) -> MatchedPair:
    dmag: dict[str, float] = {}
    for kind in MAGNITUDE_TYPES:
        ma, mb = a.magnitude(kind), b.magnitude(kind)
        if ma is not None and mb is not None and math.isfinite(mb.value - ma.value):
            dmag[kind] = mb.value - ma.value
    return MatchedPair(
        a=a,
        b=b,
        time_difference_s=dt_s,
        distance_km=dist_km,
        depth_difference_km=b.origin.depth_km - a.origin.depth_km,
        magnitude_differences=dmag,
    )
