"""``openndc reprocess``: reprocess an archive on a Dask cluster.

Contract (other tools rely on it)::

    openndc reprocess --archive DIR --inventory FILE --start T --end T --db URL
        [--scheduler tcp://HOST:PORT | --workers N] [--window 1h]
    openndc reprocess --scenario SPEC --inventory FILE --start T --end T --db URL
        [--truth-dir DIR] [--scheduler ... | --workers N] [--window 1h]

The span is cut into windows (with the margins the stages declare); the windows' detection
runs in parallel on the cluster's workers, association, location and magnitudes follow in
the client window by window, so the bulletin is the one a sequential ``openndc process``
makes. Idempotent and resumable like ``process``; ``--detections-dir`` also writes the
detections as Parquet partitioned by day (``DIR/day=YYYY-MM-DD/HHMMSS.parquet``).

``--scenario SPEC`` (``SEED``, ``draw:SEED`` or ``kazakh-day:SEED``) reads no archive: each
window's waveforms are synthesised where they are read (on the workers for detection) by
:class:`openndc.scenario.windows.ScenarioSource`, the same samples whichever window makes
them. The span's event list is drawn from the seed once (per UTC day); ``--truth-dir``
receives the synthetic inventory, the truth (``truth.csv``, ``truth.xml``), the bulletin
(``bulletin.xml``) and the score against the truth (``score.csv``, printed).
"""

from __future__ import annotations

import argparse
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from openndc.cli._args import check_archive, check_database, check_out_dir, check_window
from openndc.cli.process import add_span_arguments, configure, print_report
from openndc.model.errors import ConfigError

if TYPE_CHECKING:  # the pipeline is imported when the command runs (fast --help)
    from openndc.bulletin import BulletinStore
    from openndc.pipeline.contract import InventorySource, WaveformSource, Window
    from openndc.pipeline.runner import WindowReport
    from openndc.scenario.events import ScenarioEvent

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
    for action in p._actions:  # --archive or --scenario: one of the two (checked in run)
        if action.dest == "archive":
            action.required = False
    p.add_argument(
        "--scenario",
        metavar="SPEC",
        help="no archive: synthesise each window from a seed (SEED, draw:SEED, kazakh-day:SEED)",
    )
    p.add_argument(
        "--truth-dir",
        help="--scenario: folder for inventory, truth, bulletin and score (default: next to "
        "the SQLite database, DB_scenario)",
    )
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


def _truth_dir(args: argparse.Namespace) -> Path:
    if args.truth_dir:
        return Path(args.truth_dir)
    if args.db.startswith("sqlite:///"):
        db = Path(args.db.removeprefix("sqlite:///"))
        return db.with_name(db.stem + "_scenario")
    raise ConfigError("--scenario with a server database: give --truth-dir DIR for the truth")


def _scenario_source(
    args: argparse.Namespace, inventory: InventorySource, truth_dir: Path
) -> tuple[InventorySource, WaveformSource, str, list[ScenarioEvent]]:
    """The synthetic network (written as ``truth_dir/inventory.xml``, which the stages then
    read), the scenario source, its label and the span's truth events."""
    from openndc.inventory import write_stationxml
    from openndc.pipeline.contract import InventorySource, Window
    from openndc.scenario import ScenarioConfig, synthetic_network
    from openndc.scenario.windows import (
        SIGNAL_LOOKBACK_S,
        ScenarioSource,
        parse_scenario_spec,
        scenario_events,
        write_window_truth,
    )

    spec = parse_scenario_spec(args.scenario)
    network, _ = inventory.network(Window(args.start, args.end))
    net = synthetic_network(network)
    truth_dir.mkdir(parents=True, exist_ok=True)
    write_stationxml(net, truth_dir / "inventory.xml")
    events = scenario_events(net, args.start - SIGNAL_LOOKBACK_S, args.end + 86400.0, spec)
    truth = [e for e in events if args.start <= e.time < args.end]
    write_window_truth(truth_dir, truth)
    source = ScenarioSource(net, tuple(events), spec.seed, ScenarioConfig())
    print(
        f"scenario {spec}: {len(truth)} events in the span, {len(net.stations)} stations; "
        f"truth and synthetic inventory in {truth_dir}",
        flush=True,
    )
    return InventorySource(truth_dir / "inventory.xml"), source, f"scenario:{spec}", truth


def _score(store: BulletinStore, args: argparse.Namespace, truth_dir: Path) -> None:
    """Score the bulletin of the span against the scenario truth; print and write it."""
    from openndc.bulletin import write_bulletin
    from openndc.training.events import read_scored_events
    from openndc.training.score import score_bulletin

    bulletin = store.load(args.start - 1800.0, args.end, name="automatic")
    write_bulletin(bulletin, truth_dir / "bulletin.xml")
    report = score_bulletin(
        read_scored_events(truth_dir / "bulletin.xml"),
        read_scored_events(truth_dir / "truth.csv"),
        start=args.start,
        end=args.end,
    )
    report.table.to_csv(truth_dir / "score.csv", index=False)
    print(f"\nscore against the scenario truth (training centre scorer; every event in "
          f"{truth_dir / 'score.csv'}):")  # fmt: skip
    print(report.to_text(max_rows=40))


def run(args: argparse.Namespace) -> int:
    from openndc.bulletin import BulletinStore
    from openndc.pipeline.cluster import dask_detector, open_client
    from openndc.pipeline.contract import InventorySource, StageContext, Window
    from openndc.pipeline.runner import run_batch
    from openndc.pipeline.sources import open_source

    config = configure(args)
    check_window(args.start, args.end)
    if bool(args.archive) == bool(args.scenario):
        raise ConfigError("give either --archive DIR or --scenario SEED (one of the two)")
    args.db = check_database(args.db, must_exist=False)
    if args.detections_dir:
        check_out_dir(args.detections_dir, "--detections-dir")
    inventory = InventorySource(args.inventory, args.arrays)
    inventory.network(Window(args.start, args.end))
    truth_dir: Path | None = None
    source: WaveformSource
    if args.scenario:
        truth_dir = _truth_dir(args)
        check_out_dir(truth_dir, "--truth-dir")
        inventory, source, label, _ = _scenario_source(args, inventory, truth_dir)
    else:
        check_archive(args.archive)
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
            if truth_dir is not None:
                _score(store, args, truth_dir)
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()
    return 0


def _write_partition(store: BulletinStore, window: Window, out_dir: Path) -> None:
    """The window's current detections as ``day=YYYY-MM-DD/HHMMSS.parquet`` (overwritten
    by a rerun, so the partition holds each detection once)."""
    from obspy import UTCDateTime

    from openndc.io.tables import write_detections

    day = UTCDateTime(window.start)
    path = out_dir / f"day={day.strftime('%Y-%m-%d')}" / f"{day.strftime('%H%M%S')}.parquet"
    dets = store.load_detections(window.start, window.end)
    write_detections(dets, path, {"window": str(window)})
