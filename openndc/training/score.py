"""Score a bulletin against a known truth: matching, detection rates, location and magnitude errors.

Matching is one-to-one and optimal. A truth event and a bulletin event *may* match when their
origin times differ by at most ``time_s`` and their epicentres by at most ``distance_km``
(:class:`MatchTolerances`). Among all one-to-one assignments of allowed pairs the scorer takes
one with the most matches and, among those, the smallest total normalised misfit
``(dt / time_s)**2 + (distance / distance_km)**2`` (the Hungarian algorithm,
:func:`scipy.optimize.linear_sum_assignment`, run separately on groups of events whose times
chain together within ``time_s``, so a year of events costs no more than its busiest hour).
A greedy nearest-in-time rule would steal the right partner of a close pair of events; the
assignment does not.

Defaults (regional network, e.g. the Kazakh network): ``time_s = 10`` and ``distance_km = 100``.
An automatic regional location is typically 10-50 km off; 100 km leaves room for the worst of
them while staying far below the spacing of independent events, and 10 s is the origin-time
shift that trades off against about 80 km of mislocation at Pn speed (8 km/s). For
teleseismic-only events or a sparse network widen both (e.g. 20 s and 250 km).

Counts: ``recall = matched / truth``, ``precision = matched / bulletin`` (NaN when the
denominator is zero), ``F1 = 2 P R / (P + R)``. Errors are bulletin minus truth.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from obspy import UTCDateTime
from scipy.optimize import linear_sum_assignment

from openndc.model.detection import ColumnSpec
from openndc.model.errors import ConfigError
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.training.events import ScoredEvent

__all__ = [
    "EVENT_CLASSES",
    "SCORE_COLUMNS",
    "MatchTolerances",
    "ScoreReport",
    "event_class",
    "match_events",
    "score_bulletin",
]

_MAGS = ("mb", "ML", "Ms")

#: Coarse classes of QuakeML event types, for the screening-relevant accuracy.
EVENT_CLASSES: dict[str, str] = {
    "earthquake": "natural",
    "induced or triggered event": "natural",
    "explosion": "explosion",
    "nuclear explosion": "explosion",
    "mining explosion": "explosion",
    "quarry blast": "explosion",
    "other event": "other",
    "not existing": "not existing",
}

#: Columns of :attr:`ScoreReport.table`: one row per truth event (matched or missed) and one
#: per false bulletin event, ordered by time. Errors are bulletin minus truth.
SCORE_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("status", "str", "", "matched, missed (truth not found) or false (not in truth)"),
    ColumnSpec("truth_id", "str", "", "truth event id (empty for false events)"),
    ColumnSpec("bulletin_id", "str", "", "bulletin event id (empty for missed events)"),
    ColumnSpec("truth_time", "time", "UTC", "true origin time"),
    ColumnSpec("bulletin_time", "time", "UTC", "bulletin origin time"),
    ColumnSpec("truth_latitude", "float", "deg", "true epicentre latitude"),
    ColumnSpec("truth_longitude", "float", "deg", "true epicentre longitude"),
    ColumnSpec("truth_depth", "float", "km", "true depth"),
    ColumnSpec("bulletin_latitude", "float", "deg", "bulletin epicentre latitude"),
    ColumnSpec("bulletin_longitude", "float", "deg", "bulletin epicentre longitude"),
    ColumnSpec("bulletin_depth", "float", "km", "bulletin depth"),
    ColumnSpec("time_error", "float", "s", "origin time error, bulletin - truth"),
    ColumnSpec("epicentre_error", "float", "km", "great-circle distance truth to bulletin"),
    ColumnSpec("mislocation_azimuth", "float", "deg", "azimuth from true to bulletin epicentre"),
    ColumnSpec("depth_error", "float", "km", "depth error, bulletin - truth"),
    *(
        spec
        for m in _MAGS
        for spec in (
            ColumnSpec(f"truth_{m}", "float", "", f"true {m}"),
            ColumnSpec(f"bulletin_{m}", "float", "", f"bulletin {m}"),
            ColumnSpec(f"{m}_error", "float", "", f"{m} error, bulletin - truth"),
        )
    ),
    ColumnSpec("truth_type", "str", "", "true QuakeML event type"),
    ColumnSpec("bulletin_type", "str", "", "bulletin QuakeML event type"),
    ColumnSpec("type_correct", "str", "", "True/False: types equal (empty: truth has no type)"),
    ColumnSpec("class_correct", "str", "", "True/False: classes (EVENT_CLASSES) equal"),
)


@dataclass(frozen=True, slots=True)
class MatchTolerances:
    """When a bulletin event may be matched to a truth event.

    ``time_s`` [s]: largest |origin time difference|; ``distance_km`` [km]: largest epicentral
    distance. Depth does not enter the matching (it is the worst-constrained coordinate).
    """

    time_s: float = 10.0
    distance_km: float = 100.0

    def __post_init__(self) -> None:
        for name in ("time_s", "distance_km"):
            value = getattr(self, name)
            if not (value > 0 and math.isfinite(value)):
                raise ConfigError(f"MatchTolerances.{name} must be positive and finite: {value}")


def event_class(event_type: str) -> str:
    """The coarse class of a QuakeML event type: natural, explosion, other ('' if unknown)."""
    return EVENT_CLASSES.get(event_type, "")


def _times(events: Sequence[ScoredEvent]) -> np.ndarray:
    return np.array([float(e.time.timestamp) for e in events], dtype=np.float64)


def _groups(
    t_truth: np.ndarray, t_bull: np.ndarray, tol: float
) -> list[tuple[list[int], list[int]]]:
    """Split both sets where no pair across the split can be within ``tol`` in time."""
    times = np.concatenate([t_truth, t_bull])
    side = np.concatenate([np.zeros(len(t_truth), int), np.ones(len(t_bull), int)])
    index = np.concatenate([np.arange(len(t_truth)), np.arange(len(t_bull))])
    order = np.argsort(times, kind="stable")
    groups: list[tuple[list[int], list[int]]] = []
    current: tuple[list[int], list[int]] = ([], [])
    last = -math.inf
    for k in order:
        if times[k] - last > tol and (current[0] or current[1]):
            groups.append(current)
            current = ([], [])
        current[side[k]].append(int(index[k]))
        last = times[k]
    if current[0] or current[1]:
        groups.append(current)
    return [g for g in groups if g[0] and g[1]]


def match_events(
    bulletin: Sequence[ScoredEvent],
    truth: Sequence[ScoredEvent],
    tolerances: MatchTolerances | None = None,
) -> list[tuple[int, int]]:
    """Optimal one-to-one matching: ``[(truth index, bulletin index), ...]`` sorted by truth.

    Maximises the number of pairs within the tolerances, then minimises the summed
    ``(dt / time_s)**2 + (distance / distance_km)**2``.
    """
    tol = tolerances or MatchTolerances()
    t_truth, t_bull = _times(truth), _times(bulletin)
    pairs: list[tuple[int, int]] = []
    for rows, cols in _groups(t_truth, t_bull, tol.time_s):
        dt = np.abs(t_truth[rows][:, None] - t_bull[cols][None, :])
        lat_t = np.array([truth[i].latitude for i in rows])[:, None]
        lon_t = np.array([truth[i].longitude for i in rows])[:, None]
        lat_b = np.array([bulletin[j].latitude for j in cols])[None, :]
        lon_b = np.array([bulletin[j].longitude for j in cols])[None, :]
        dist = distance_azimuth(lat_t, lon_t, lat_b, lon_b)[0] * DEG_KM
        allowed = (dt <= tol.time_s) & (dist <= tol.distance_km)
        if not allowed.any():
            continue
        cost = (dt / tol.time_s) ** 2 + (dist / tol.distance_km) ** 2
        # Any forbidden pair costs more than every allowed assignment together (each <= 2), so
        # the optimum has the most allowed pairs first, then the least misfit.
        big = 2.0 * min(len(rows), len(cols)) + 10.0
        cost = np.where(allowed, cost, big)
        r, c = linear_sum_assignment(cost)
        pairs += [(rows[i], cols[j]) for i, j in zip(r, c, strict=True) if allowed[i, j]]
    return sorted(pairs)


@dataclass(frozen=True)
class ScoreReport:
    """The result of :func:`score_bulletin`.

    ``summary``: counts, rates and error statistics (flat dict, units in the key names);
    ``table``: one row per event (:data:`SCORE_COLUMNS`); ``pairs``: matched
    ``(truth index, bulletin index)``.
    """

    summary: dict[str, Any]
    table: pd.DataFrame
    tolerances: MatchTolerances
    pairs: list[tuple[int, int]] = field(default_factory=list)

    def to_text(self, max_rows: int | None = None) -> str:
        """The per-event table, then the summary, as plain text."""
        return _format_table(self.table, max_rows) + "\n\n" + _format_summary(self.summary)


def _iso(t: UTCDateTime | None) -> str:
    return "" if t is None else t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _row(truth: ScoredEvent | None, bull: ScoredEvent | None, status: str) -> dict[str, Any]:
    nan = math.nan
    row: dict[str, Any] = {"status": status}
    for prefix, ev in (("truth", truth), ("bulletin", bull)):
        row[f"{prefix}_id"] = ev.id if ev else ""
        row[f"{prefix}_time"] = _iso(ev.time if ev else None)
        row[f"{prefix}_latitude"] = ev.latitude if ev else nan
        row[f"{prefix}_longitude"] = ev.longitude if ev else nan
        row[f"{prefix}_depth"] = ev.depth_km if ev else nan
        for m in _MAGS:
            row[f"{prefix}_{m}"] = ev.magnitudes.get(m, nan) if ev else nan
        row[f"{prefix}_type"] = ev.event_type if ev else ""
    row.update(
        time_error=nan, epicentre_error=nan, mislocation_azimuth=nan, depth_error=nan,
        type_correct=pd.NA, class_correct=pd.NA,
    )  # fmt: skip
    for m in _MAGS:
        row[f"{m}_error"] = nan
    if truth is not None and bull is not None:
        dist, az, _ = distance_azimuth(
            truth.latitude, truth.longitude, bull.latitude, bull.longitude
        )
        row["time_error"] = float(bull.time - truth.time)
        row["epicentre_error"] = float(dist) * DEG_KM
        row["mislocation_azimuth"] = float(az) if float(dist) > 0 else nan
        row["depth_error"] = bull.depth_km - truth.depth_km
        for m in _MAGS:
            row[f"{m}_error"] = row[f"bulletin_{m}"] - row[f"truth_{m}"]
        if truth.event_type and truth.event_type != "not reported":
            row["type_correct"] = bull.event_type == truth.event_type
            t_class = event_class(truth.event_type)
            if t_class:
                row["class_correct"] = event_class(bull.event_type) == t_class
    return row


def _stats(values: pd.Series, prefix: str, unit: str) -> dict[str, float]:
    v = values.dropna().to_numpy(dtype=np.float64)
    u = f"_{unit}" if unit else ""
    if v.size == 0:
        return {f"{prefix}_n": 0}
    return {
        f"{prefix}_n": int(v.size),
        f"{prefix}_mean{u}": float(np.mean(v)),
        f"{prefix}_median{u}": float(np.median(v)),
        f"{prefix}_rms{u}": float(np.sqrt(np.mean(v**2))),
        f"{prefix}_max_abs{u}": float(np.max(np.abs(v))),
    }


def _ratio(num: int, den: int) -> float:
    return num / den if den else math.nan


def score_bulletin(
    bulletin_events: Sequence[ScoredEvent],
    truth_events: Sequence[ScoredEvent],
    tolerances: MatchTolerances | None = None,
    *,
    start: UTCDateTime | None = None,
    end: UTCDateTime | None = None,
) -> ScoreReport:
    """Match a bulletin to the truth and measure it.

    ``start``/``end`` [UTC], when given, restrict the truth to events in ``[start, end)`` and
    the bulletin to events within ``time_s`` of that window (so a bulletin of part of a
    scenario is not charged with the events outside it).
    """
    tol = tolerances or MatchTolerances()
    truth = sorted(truth_events, key=lambda e: e.time)
    bulletin = sorted(bulletin_events, key=lambda e: e.time)
    if start is not None:
        truth = [e for e in truth if e.time >= start]
        bulletin = [e for e in bulletin if e.time >= start - tol.time_s]
    if end is not None:
        truth = [e for e in truth if e.time < end]
        bulletin = [e for e in bulletin if e.time < end + tol.time_s]
    pairs = match_events(bulletin, truth, tol)
    by_truth = dict(pairs)
    matched_b = set(by_truth.values())
    rows: list[tuple[float, dict[str, Any]]] = []
    for i, ev in enumerate(truth):
        j = by_truth.get(i)
        b = bulletin[j] if j is not None else None
        rows.append((ev.time.timestamp, _row(ev, b, "matched" if b else "missed")))
    for j, ev in enumerate(bulletin):
        if j not in matched_b:
            rows.append((ev.time.timestamp, _row(None, ev, "false")))
    rows.sort(key=lambda r: r[0])
    names = [c.name for c in SCORE_COLUMNS]
    table = pd.DataFrame([r for _, r in rows], columns=names)
    for name in ("type_correct", "class_correct"):
        table[name] = table[name].astype("boolean")
    return ScoreReport(_summary(table, len(truth), len(bulletin), tol), table, tol, pairs)


def _summary(
    table: pd.DataFrame, n_truth: int, n_bull: int, tol: MatchTolerances
) -> dict[str, Any]:
    n_match = int((table["status"] == "matched").sum())
    recall, precision = _ratio(n_match, n_truth), _ratio(n_match, n_bull)
    if math.isnan(recall) or math.isnan(precision):
        f1 = math.nan
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    out: dict[str, Any] = {
        "n_truth": n_truth,
        "n_bulletin": n_bull,
        "n_matched": n_match,
        "n_missed": n_truth - n_match,
        "n_false": n_bull - n_match,
        "recall": recall,
        "precision": precision,
        "f1": f1,
        "tolerance_time_s": tol.time_s,
        "tolerance_distance_km": tol.distance_km,
    }
    matched = table[table["status"] == "matched"]
    out.update(_stats(matched["time_error"], "time_error", "s"))
    out.update(_stats(matched["epicentre_error"], "epicentre_error", "km"))
    if len(matched):
        epi = matched["epicentre_error"].to_numpy(dtype=np.float64)
        out["epicentre_error_p90_km"] = float(np.percentile(epi, 90))
    out.update(_stats(matched["depth_error"], "depth_error", "km"))
    for m in _MAGS:
        out.update(_stats(matched[f"{m}_error"], f"{m}_error", ""))
    for name, key in (("type_correct", "type"), ("class_correct", "class")):
        known = matched[name].dropna()
        out[f"{key}_n"] = len(known)
        out[f"{key}_accuracy"] = _ratio(int(known.sum()), len(known))
    return out


def _format_summary(s: dict[str, Any]) -> str:
    def f(key: str, fmt: str = ".2f") -> str:
        value = s.get(key, math.nan)
        return (
            "-"
            if value is None or (isinstance(value, float) and math.isnan(value))
            else (format(value, fmt))
        )

    lines = [
        f"tolerances: |dt| <= {s['tolerance_time_s']:g} s, "
        f"epicentre <= {s['tolerance_distance_km']:g} km",
        f"truth {s['n_truth']}, bulletin {s['n_bulletin']}: matched {s['n_matched']}, "
        f"missed {s['n_missed']}, false {s['n_false']}",
        f"recall {f('recall', '.3f')}  precision {f('precision', '.3f')}  F1 {f('f1', '.3f')}",
        f"origin time error [s]: mean {f('time_error_mean_s')}, rms {f('time_error_rms_s')}, "
        f"max |dt| {f('time_error_max_abs_s')}",
        f"epicentre error [km]: mean {f('epicentre_error_mean_km', '.1f')}, median "
        f"{f('epicentre_error_median_km', '.1f')}, 90 % {f('epicentre_error_p90_km', '.1f')}, "
        f"max {f('epicentre_error_max_abs_km', '.1f')}",
        f"depth error [km]: mean {f('depth_error_mean_km', '.1f')}, rms "
        f"{f('depth_error_rms_km', '.1f')} (n={s.get('depth_error_n', 0)})",
    ]
    for m in _MAGS:
        if s.get(f"{m}_error_n", 0):
            lines.append(
                f"{m} error: mean {f(f'{m}_error_mean')}, rms {f(f'{m}_error_rms')} "
                f"(n={s[f'{m}_error_n']})"
            )
    lines.append(
        f"event type accuracy: {f('type_accuracy', '.3f')} (n={s['type_n']}); "
        f"class (natural/explosion) {f('class_accuracy', '.3f')} (n={s['class_n']})"
    )
    return "\n".join(lines)


def _format_table(table: pd.DataFrame, max_rows: int | None) -> str:
    if table.empty:
        return "(no events)"
    view = pd.DataFrame(
        {
            "status": table["status"],
            "time": [
                t or b for t, b in zip(table["truth_time"], table["bulletin_time"], strict=True)
            ],
            "truth_id": table["truth_id"],
            "bulletin_id": table["bulletin_id"],
            "dt[s]": table["time_error"].round(2),
            "dist[km]": table["epicentre_error"].round(1),
            "dz[km]": table["depth_error"].round(1),
            **{f"d{m}": table[f"{m}_error"].round(2) for m in _MAGS},
            "truth_type": table["truth_type"],
            "bulletin_type": table["bulletin_type"],
        }
    )
    view["time"] = view["time"].str.slice(0, 21)
    if max_rows is not None and len(view) > max_rows:
        view = view.head(max_rows)
    return view.to_string(index=False, na_rep="-")
