"""``openndc locate``: a detections table to a bulletin.

Contract (other tools rely on it)::

    openndc locate --detections FILE --inventory FILE --db URL

``FILE`` is a detections table with the documented columns of ``openndc detect --out``
(CSV or Parquet; time and station required, the others optional), e.g. detections made by
another system. Runs association → location → magnitudes and stores the bulletin.
"""

from __future__ import annotations

import argparse

from openndc.bulletin import BulletinStore
from openndc.cli._common import (
    load_process_config,
    print_event_progress,
    print_event_table,
)
from openndc.inventory import read_inventory
from openndc.io.tables import frame_to_detections, read_detections
from openndc.pipeline.process import build_bulletin


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "locate",
        help="detections table to a bulletin: associate, locate, magnitudes, store",
        description="Association, location and magnitudes from an existing detections table.",
    )
    p.add_argument("--detections", required=True, help="detections table (.csv or .parquet)")
    p.add_argument("--inventory", required=True, help="StationXML, CSS3.0 .site, or 'kz'")
    p.add_argument("--arrays", help="arrays config (TOML) for StationXML inventories")
    p.add_argument("--db", required=True, help="database URL, e.g. sqlite:///bulletin.db")
    p.add_argument("--config", help="TOML configuration (openndc config template)")
    p.add_argument("--no-progress", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_process_config(args.config)
    detections = frame_to_detections(read_detections(args.detections), args.detections)
    start = min((d.time for d in detections), default=None)
    network = read_inventory(args.inventory, arrays=args.arrays, at=start)
    result = build_bulletin(
        detections, network, config, progress=None if args.no_progress else print_event_progress
    )
    with BulletinStore(args.db) as store:
        ids = store.store(result.bulletin)
    print_event_table(result.bulletin)
    print(
        f"{len(result.bulletin)} events from {len(detections)} detections "
        f"({len(result.unassociated)} unassociated) stored in {args.db} "
        f"({len(ids)} events)"
    )
    return 0
