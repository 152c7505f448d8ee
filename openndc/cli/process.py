"""``openndc process``: waveforms to a bulletin, end to end.

Contract (other tools rely on it)::

    openndc process --archive SDS_DIR --inventory FILE --start T --end T --db URL

Runs detection → association → location → magnitudes and stores the automatic bulletin in
the database (``sqlite:///bulletin.db`` or ``postgresql+psycopg://...``), with progress.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from openndc.bulletin import BulletinStore
from openndc.cli._common import (
    load_process_config,
    parse_time,
    print_event_progress,
    print_event_table,
    print_progress,
)
from openndc.inventory import read_inventory
from openndc.io.tables import detections_to_frame, write_detections
from openndc.pipeline.process import process
from openndc.pipeline.sources import open_source

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "process",
        help="waveforms to a bulletin: detect, associate, locate, magnitudes, store",
        description="Detection, association, location and magnitudes over a time window of "
        "an archive; the automatic bulletin goes into the database.",
    )
    p.add_argument("--archive", required=True, help="SDS directory or CSS3.0 .wfdisc file")
    p.add_argument("--inventory", required=True, help="StationXML, CSS3.0 .site, or 'kz'")
    p.add_argument("--arrays", help="arrays config (TOML) for StationXML inventories")
    p.add_argument("--start", required=True, type=parse_time, help="window start (UTC, ISO 8601)")
    p.add_argument("--end", required=True, type=parse_time, help="window end (UTC, ISO 8601)")
    p.add_argument("--db", required=True, help="database URL, e.g. sqlite:///bulletin.db")
    p.add_argument("--config", help="TOML configuration (openndc config template)")
    p.add_argument("--detections", help="also write the detections table (.csv/.parquet)")
    p.add_argument("--chunk", type=float, default=3600.0, help="detection chunk [s]")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: CPUs)")
    p.add_argument("--no-surface-waves", action="store_true", help="skip Ms (no LP reads)")
    p.add_argument("--no-progress", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_process_config(args.config)
    network = read_inventory(args.inventory, arrays=args.arrays, at=args.start)
    source = open_source(args.archive)
    with BulletinStore(args.db) as store:
        result = process(
            source,
            network,
            args.start,
            args.end,
            config,
            chunk=args.chunk,
            workers=args.workers,
            progress=None if args.no_progress else print_progress,
            event_progress=None if args.no_progress else print_event_progress,
            surface_waves=not args.no_surface_waves,
        )
        ids = store.store(result.bulletin)
    if args.detections:
        write_detections(detections_to_frame(result.detections), Path(args.detections), {})
    if result.problems:
        log.warning("%d data problems; the rest was processed", len(result.problems))
    print_event_table(result.bulletin)
    times = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
    print(
        f"{len(result.bulletin)} events from {len(result.detections)} detections "
        f"({len(result.unassociated)} unassociated) stored in {args.db} as "
        f"{', '.join(ids) if len(ids) <= 6 else f'{ids[0]} … {ids[-1]}'}; {times}"
    )
    return 0
