"""``openndc status``: one screen of the running NDC's state, from its database and archive.

::

    openndc status --db URL [--archive DIR] [--json] [--now TIME] [--down-after S]

Latest data per station and its latency (archive), stations down, the last processing
windows, detections in the last hour, the last events, and the newest state of health per
channel (table ``soh_channel``). Reads only: it can run beside ``openndc run``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from openndc.cli._args import check_archive, check_database
from openndc.cli._common import parse_time

__all__ = ["register", "run"]

_ROWS = 12  # stations listed (the latest data oldest first): one screen


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "status",
        help="the running NDC's state: data latency, stations down, windows, events, SOH",
        description="One screen of the NDC's state from its database and SDS archive: "
        "latest data and latency per station, stations down, last windows processed, "
        "detections in the last hour, last events, state of health per channel.",
    )
    p.add_argument("--db", required=True, help="database URL of the NDC (sqlite:///... )")
    p.add_argument("--archive", help="SDS archive the NDC writes (latest data per channel)")
    p.add_argument("--json", action="store_true", help="print the state as JSON")
    p.add_argument("--now", type=parse_time, help="reference time (default: the clock)")
    p.add_argument(
        "--down-after", type=float, default=300.0, help="no data this long [s]: station down"
    )
    p.set_defaults(func=run)


def _fmt_latency(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 86400:
        return f"{value / 86400:.1f} d"
    if value >= 3600:
        return f"{value / 3600:.1f} h"
    return f"{value:.0f} s"


def _print(status: Any) -> None:
    print(f"OpenNDC status at {status.now}")
    up, down = status.stations_up, status.stations_down
    print(f"stations: {len(up)} up, {len(down)} down" + (f" ({', '.join(down)})" if down else ""))
    if status.soh_counts:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(status.soh_counts.items()))
        print(f"state of health (channels): {counts}")
    stations: dict[str, list[Any]] = {}
    for ch in status.channels:
        stations.setdefault(".".join(ch.stream.split(".")[:2]), []).append(ch)
    rows = []
    for sta, chans in stations.items():
        ends = [c for c in chans if c.last_sample is not None]
        newest = max(ends, key=lambda c: c.last_sample) if ends else None
        soh = "/".join(sorted({c.soh_status for c in chans if c.soh_status})) or "-"
        lat = newest.latency_s if newest is not None else None
        rows.append((sta, len(chans), newest.last_sample if newest else "-", lat, soh))
    lats = sorted(r[3] for r in rows if r[3] is not None)
    if lats:
        print(
            f"data latency per station: median {_fmt_latency(lats[len(lats) // 2])}, "
            f"worst {_fmt_latency(lats[-1])}"
        )
    # the stations that need a look first: the latest data oldest, then SOH not good
    rows.sort(key=lambda r: (-(r[3] if r[3] is not None else float("inf")), r[0]))
    if rows:
        print(f"{'station':<12} {'channels':>8} {'latest data':<28} {'latency':>9}  SOH")
        for sta, n, last, lat, soh in rows[:_ROWS]:
            print(f"{sta:<12} {n:>8} {last:<28} {_fmt_latency(lat):>9}  {soh}")
        if len(rows) > _ROWS:
            print(f"... {len(rows) - _ROWS} more stations with newer data (--json lists all)")
    print(f"detections in the last hour of data: {status.detections_last_hour}")
    if status.windows:
        print("last windows processed:")
        for w in status.windows:
            state = f"done {w['done']}" if w["done"] else "RUNNING (or interrupted)"
            print(
                f"  {w['start']} - {w['end']}  {w['detections']} detections, "
                f"{w['new_events']} new / {w['updated_events']} updated events, "
                f"{w['problems']} data problems; {state}"
            )
    else:
        print("no window processed yet")
    if status.events:
        print("last events:")
        for e in status.events:
            mags = " ".join(f"{k} {v:.1f}" for k, v in e["magnitudes"].items())
            print(
                f"  {e['id']}: {e['time'][:22]} {e['latitude']:8.3f} {e['longitude']:9.3f} "
                f"{e['depth_km']:5.1f} km {e['stations']:3d} stations {mags} ({e['review']})"
            )
    else:
        print("no events in the last 7 days of data")


def run(args: argparse.Namespace) -> int:
    from openndc.acquisition.status import ndc_status

    db = check_database(args.db, must_exist=True)
    if args.archive:
        check_archive(args.archive)
    status = ndc_status(db, args.archive, now=args.now, down_after=args.down_after)
    if args.json:
        print(json.dumps(status.to_dict(), indent=1, default=str))
    else:
        _print(status)
    return 0
