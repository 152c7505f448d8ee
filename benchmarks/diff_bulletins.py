"""Diff the bulletins of two OpenNDC SQLite databases, row by row.

Compares what a run produced, not when or under which row numbers: events with every
origin version (and which is preferred), arrivals, network and station magnitudes,
screening results with their evidence and alerts, detections, processed windows and their
data problems. Database keys, provenance rows and wall-clock timestamps are left out.
Floats are compared exactly.

Usage::

    python benchmarks/bench_pipeline.py --db /tmp/a.db   # one version
    python benchmarks/bench_pipeline.py --db /tmp/b.db   # the other
    python benchmarks/diff_bulletins.py /tmp/a.db /tmp/b.db

Exit status: the number of tables that differ (0: identical bulletins).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import Any

QUERIES: dict[str, str] = {
    "origin": """
        select e.evname, o.orname, o.time_ns, o.latitude, o.longitude, o.depth_km,
        o.time_uncertainty, o.depth_uncertainty_km, o.depth_fixed, o.semi_major_km, o.semi_minor_km,
        o.ellipse_azimuth, o.ellipse_confidence, o.rms, o.n_defining, o.n_stations, o.gap,
        o.min_distance, o.max_distance, o.method, o.model, o.review_status, o.event_type, o.comment,
        (select count(*) from origin o2 where o2.event_id = o.event_id and o2.id < o.id) as version,
        (e.prefor_id = o.id) as preferred
        from origin o join event e on e.id = o.event_id""",
    "assoc": """
        select o.orname, d.detname, a.idx, a.phase, a.distance, a.azimuth, a.time_residual,
        a.backazimuth_residual, a.slowness_residual, a.time_defining, a.backazimuth_defining,
        a.slowness_defining, a.weight from assoc a join origin o on o.id = a.origin_id
        join detection d on d.id = a.detection_id""",
    "netmag": """
        select o.orname, n.idx, n.magtype, n.magnitude, n.uncertainty, n.n_stations, n.method
        from netmag n join origin o on o.id = n.origin_id""",
    "stamag": """
        select o.orname, n.magtype, s.idx, s.magtype, s.magnitude, s.network, s.station,
        s.amplitude, s.amplitude_unit, s.period, s.distance, s.detname, s.used
        from stamag s join netmag n on n.id = s.netmag_id join origin o on o.id = n.origin_id""",
    "screening_result": """
        select r.event_id, o.orname, r.outcome, r.event_type, r.type_certainty, r.summary
        from screening_result r left join origin o on o.id = r.origin_id""",
    "screening_evidence": """
        select o.orname, r.event_id, v.idx, v.name, v.indicates, v.value, v.threshold,
        v.uncertainty, v.unit, v.decided, v.p_value, v.source, v.detail, v.station_values
        from screening_evidence v join screening_result r on r.id = v.result_id
        left join origin o on o.id = r.origin_id""",
    "screening_alert": """
        select evname, site, distance_km, origin_time_ns, outcome, message, acknowledged
        from screening_alert""",
    "detection": """
        select detname, network, station, location, channel, time_ns, time_uncertainty, phase,
        snr, amplitude, amplitude_unit, period, amplitude_wa, backazimuth, backazimuth_uncertainty,
        slowness, slowness_uncertainty, fstat, rectilinearity, incidence, freq_min, freq_max,
        dominant_frequency, method, superseded, onset, polarity, evaluation_mode from detection""",
    "processing_window": """
        select start_ns, end_ns, config_hash, source, n_detections, n_events_new,
        n_events_updated, n_problems from processing_window""",
    "data_problem": """
        select w.start_ns, p.kind, p.source, p.stream, p.start_ns, p.end_ns, p.message
        from data_problem p join processing_window w on w.id = p.window_id""",
}


def rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    """The rows of ``query`` in ``path``, sorted (row order is not part of a bulletin)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return sorted(con.execute(query).fetchall(), key=repr)
    finally:
        con.close()


def diff(a: Path, b: Path, shown: int = 3) -> int:
    """Print table by table whether ``a`` and ``b`` agree; the number that differ."""
    bad = 0
    for name, query in QUERIES.items():
        ra, rb = rows(a, query), rows(b, query)
        same = ra == rb
        print(f"{name:20s} {len(ra):6d} {len(rb):6d} {'identical' if same else 'DIFFERENT'}")
        if not same:
            bad += 1
            sa, sb = set(ra), set(rb)
            for r in sorted(sa - sb, key=repr)[:shown]:
                print("   only in A:", r)
            for r in sorted(sb - sa, key=repr)[:shown]:
                print("   only in B:", r)
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a", type=Path, help="first database (SQLite file)")
    ap.add_argument("b", type=Path, help="second database")
    args = ap.parse_args(argv)
    for p in (args.a, args.b):
        if not p.is_file():
            ap.error(f"{p}: no such database file")
    return diff(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
