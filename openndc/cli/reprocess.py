"""``openndc reprocess``: reprocess an archive on a Dask cluster.

Contract (other tools rely on it)::

    openndc reprocess --archive DIR --inventory FILE --start T --end T --db URL
        [--scheduler tcp://HOST:PORT | --workers N] [--window 1h]

The span is cut into windows (with the margins the stages declare); the windows' detection
runs in parallel on the cluster's workers, association, location and magnitudes follow in
the client window by window, so the bulletin is the one a sequential ``openndc process``
makes. Idempotent and resumable like ``process``; ``--detections-dir`` also writes the
detections as Parquet partitioned by day (``DIR/day=YYYY-MM-DD/HHMMSS.parquet``).
"""

from __future__ import annotations

import argparse
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

from obspy import UTCDateTime

from openndc.bulletin import BulletinStore
from openndc.cli._args import check_archive, check_database, check_out_dir, check_window
from openndc.cli.process import add_span_arguments, configure, print_report
from openndc.io.tables import write_detections
from openndc.pipeline.cluster import dask_detector, open_client
from openndc.pipeline.contract import InventorySource, StageContext, Window
from openndc.pipeline.runner import WindowReport, run_batch
from openndc.pipeline.sources import open_source

log = logging.getLogger(__name__)

_UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def duration(text: str) -> float:
    """``3600``, ``90s``, ``30min``, ``1h``, ``1d`` → seconds (positive)."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-z]*)\s*", text)
    if m is None or m.group(2) not in ("", *_UNITS):
        raise argparse.ArgumentTypeError(f"cannot read duration {text!r}: use e.g. 3600, 1h, 30min")
    value = float(m.group(1)) * _UNITS.get(m.group(2), 1.0)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"duration {text!r} must be positive")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "reprocess",
        help="reprocess an archive on a Dask cluster (same bulletin as process)",
        description="Detection of the windows in parallel on a Dask cluster (LocalCluster with "
        "--workers, or an existing scheduler), then association, location and magnitudes in "
        "time order; resumable and idempotent like process.",
    )
    add_span_arguments(p)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    where.add_argument("--workers", type=int, default=2, help="local worker processes")
    p.add_argument("--window", type=duration, default=None, help="window, e.g. 1h (default 1h)")
    p.add_argument("--reprocess", action="store_true", help="redo windows already processed")
    p.add_argument("--detections-dir", help="also write detections as Parquet by day here")
    p.add_argument("--no-surface-waves", action="store_true", help="skip Ms (no LP reads)")
    p.add_argument("--no-progress", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def _progress(t_begin: float) -> Callable[[WindowReport], None]:
    def show(r: WindowReport) -> None:
        elapsed = time.perf_counter() - t_begin
        rate = r.index / elapsed if elapsed > 0 else 0.0
        eta = (r.total - r.index) / rate if rate > 0 else float("nan")
        print(
            f"window {r.index}/{r.total} {r.window.start.strftime('%Y-%m-%dT%H:%M')}: "
            f"+{r.n_detections} detections, {r.n_new} new / {r.n_updated} updated events; "
            f"{rate * 3600:.0f} windows/h, about {eta / 60:.1f} min left",
            flush=True,
        )

    return show


def run(args: argparse.Namespace) -> int:
    config = configure(args)
    check_window(args.start, args.end)
    check_archive(args.archive)
    args.db = check_database(args.db, must_exist=False)
    if args.detections_dir:
        check_out_dir(args.detections_dir, "--detections-dir")
    inventory = InventorySource(args.inventory, args.arrays)
    inventory.network(Window(args.start, args.end))
    source = open_source(args.archive)
    label = str(Path(args.archive).resolve())
    out_dir = Path(args.detections_dir) if args.detections_dir else None
    client = open_client(args.scheduler, args.workers)
    try:
        dashboard = getattr(client, "dashboard_link", None)
        if dashboard:
            print(f"Dask dashboard: {dashboard}", flush=True)
        with BulletinStore(args.db) as store:
            context = StageContext(inventory, store, source, source_label=label)
            t_begin = time.perf_counter()
            show = _progress(t_begin)

            def progress(r: WindowReport) -> None:
                if out_dir is not None:
                    _write_partition(store, r.window, out_dir)
                if not args.no_progress:
                    show(r)

            report = run_batch(
                context,
                config,
                args.start,
                args.end,
                reprocess=args.reprocess,
                identity=label,
                progress=progress,
                detector=dask_detector(client),
            )
            print_report(report, store, args.start, args.end)
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()
    return 0


def _write_partition(store: BulletinStore, window: Window, out_dir: Path) -> None:
    """The window's current detections as ``day=YYYY-MM-DD/HHMMSS.parquet`` (overwritten
    by a rerun, so the partition holds each detection once)."""
    day = UTCDateTime(window.start)
    path = out_dir / f"day={day.strftime('%Y-%m-%d')}" / f"{day.strftime('%H%M%S')}.parquet"
    dets = store.load_detections(window.start, window.end)
    write_detections(dets, path, {"window": str(window)})
