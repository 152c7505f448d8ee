"""``openndc process``: waveforms to a bulletin, end to end, window by window.

Contract (other tools rely on it)::

    openndc process --archive SDS_DIR --inventory FILE --start T --end T --db URL

Runs detection → association → location → magnitudes over windows of the span (the batch
runner, :func:`openndc.pipeline.runner.run_batch`) into the database
(``sqlite:///bulletin.db`` or ``postgresql+psycopg://...``): every detection, every event
version, and the windows done. A second run resumes: windows already processed with the
same configuration are skipped (``--reprocess`` runs them again).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from obspy import UTCDateTime

from openndc.cli._args import check_archive, check_database, check_out_file, check_window
from openndc.cli._common import (
    add_preset_argument,
    load_process_config,
    parse_time,
    print_event_table,
    print_window_progress,
)
from openndc.model.detection import Detection
from openndc.model.errors import ConfigError
from openndc.model.event import Event

if TYPE_CHECKING:  # the pipeline is imported when the command runs (fast --help)
    from openndc.bulletin import BulletinStore
    from openndc.pipeline.process import ProcessConfig
    from openndc.pipeline.runner import RunReport

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "process",
        help="waveforms to a bulletin: detect, associate, locate, magnitudes, store",
        description="Detection, association, location and magnitudes over a time window of "
        "an archive, window by window; detections, events (with their versions) and the "
        "windows done go into the database. A rerun resumes where the last one stopped.",
    )
    add_span_arguments(p)
    p.add_argument("--detections", help="also write the detections table (.csv/.parquet)")
    p.add_argument(
        "--window",
        "--chunk",
        dest="window",
        type=float,
        default=None,
        help="processing window [s] (default: [runner] window of the config, 3600)",
    )
    p.add_argument("--reprocess", action="store_true", help="redo windows already processed")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: CPUs)")
    p.add_argument("--no-surface-waves", action="store_true", help="skip Ms (no LP reads)")
    p.add_argument("--no-progress", action="store_true", help="no progress lines")
    add_reference_argument(p)
    p.set_defaults(func=run)


def add_reference_argument(p: argparse.ArgumentParser) -> None:
    """``--reference FILE|URL``: the reference bulletin association joins detections to."""
    p.add_argument(
        "--reference",
        metavar="FILE|URL",
        help="reference bulletin (the IDC's REB/SEL): QuakeML or IMS1.0 file, or FDSN event "
        "service URL; detections fitting its events' predicted arrivals join them "
        "([association] reference)",
    )


def add_span_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments every waveform-to-bulletin run takes (process, reprocess)."""
    p.add_argument("--archive", required=True, help="SDS directory or CSS3.0 .wfdisc file")
    p.add_argument("--inventory", required=True, help="StationXML, CSS3.0 .site, or 'kz'")
    p.add_argument("--arrays", help="arrays config (TOML) for StationXML inventories")
    p.add_argument("--start", required=True, type=parse_time, help="span start (UTC, ISO 8601)")
    p.add_argument("--end", required=True, type=parse_time, help="span end (UTC, ISO 8601)")
    p.add_argument("--db", required=True, help="database URL, e.g. sqlite:///bulletin.db")
    p.add_argument("--config", help="TOML configuration (openndc config template)")
    add_preset_argument(p)


def configure(args: argparse.Namespace) -> ProcessConfig:
    """The configuration from --preset, --config and the command-line overrides."""
    config = load_process_config(args.config, getattr(args, "preset", None))
    if getattr(args, "window", None) is not None:
        if not args.window > 0:
            raise ConfigError(f"--window must be positive, got {args.window} s")
        config = dataclasses.replace(
            config, runner=dataclasses.replace(config.runner, window=args.window)
        )
    if getattr(args, "reference", None):
        spec = args.reference.strip()
        if not spec.startswith(("http://", "https://")):
            spec = str(Path(spec).expanduser().resolve())
        config = dataclasses.replace(
            config, association=dataclasses.replace(config.association, reference=spec)
        )
    if config.association.reference:  # unreadable or unreachable: one line, before any work
        from openndc.association.reference import open_reference

        open_reference(config.association.reference)
    if config.association.sasc:  # unreadable SASC tables: one line, before any work
        from openndc.io.sasc import read_sasc_tables

        read_sasc_tables(config.association.sasc)
    if getattr(args, "no_surface_waves", False):
        mag = config.magnitude
        config = dataclasses.replace(
            config,
            magnitude=dataclasses.replace(mag, ms=dataclasses.replace(mag.ms, enabled=False)),
        )
    return config


def detections_provenance(dets: list[Detection], source: str) -> dict[str, Any]:
    """The detections table's provenance: how its detections were made, and from what."""
    made = {d.provenance.method: d.provenance for d in dets if d.provenance is not None}
    out: dict[str, Any] = {"source": source, "n_detections": len(dets)}
    for k, prov in enumerate(made.values()):
        out[f"provenance_{k}" if k else "provenance"] = prov.as_dict()
    return out


def print_report(
    report: RunReport, store: BulletinStore, start: UTCDateTime, end: UTCDateTime
) -> None:
    """What a run did, as one paragraph and the event table of its span."""
    if report.skipped:
        print(
            f"skipped {len(report.skipped)} of {len(report.windows)} windows already processed "
            "with this configuration (--reprocess to run them again)"
        )
    if report.empty:
        print(f"{len(report.empty)} of {len(report.windows)} windows hold no detection: "
              "left out")  # fmt: skip
    bulletin = store.load(start, end)
    # The run's own events with origins before the span (a teleseism's P arrives up to
    # ~20 min after its origin): found from the span's data, so listed with it.
    own = set(report.new) | set(report.updated)
    shown = {e.id for e in bulletin}
    if own - shown:
        earlier = store.load(None, start, event_ids=sorted(own - shown))
        if len(earlier):
            bulletin = dataclasses.replace(
                bulletin, events=tuple(earlier.events) + tuple(bulletin.events)
            )
    print_event_table(bulletin)
    times = ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items() if v > 0)
    print(
        f"{report.processed} windows processed: {report.n_detections} detections, "
        f"{len(report.new)} new events, {len(report.updated)} updated"
        + (f", {len(report.retracted)} merged into others" if report.retracted else "")
        + f"; {len(bulletin)} events in {store.url} for the span; {times}"
    )


def _event_line(kind: str, event: Event) -> None:
    o = event.origin
    log.info(
        "%s event %s: %s %.2f %.2f %.0f km, %d arrivals",
        kind, event.id, o.time, o.latitude, o.longitude, o.depth_km, len(event.arrivals),
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from openndc.bulletin import BulletinStore
    from openndc.io.tables import write_detections
    from openndc.pipeline.contract import InventorySource, StageContext, Window
    from openndc.pipeline.runner import run_batch
    from openndc.pipeline.sources import open_source

    config = configure(args)
    check_window(args.start, args.end)
    check_archive(args.archive)
    check_out_file(args.detections, "--detections")
    args.db = check_database(args.db, must_exist=False)
    inventory = InventorySource(args.inventory, args.arrays)
    inventory.network(Window(args.start, args.end))  # a clear error before any work
    source = open_source(args.archive)
    label = str(Path(args.archive).resolve())
    with BulletinStore(args.db) as store:
        context = StageContext(inventory, store, source, source_label=label)
        report = run_batch(
            context,
            config,
            args.start,
            args.end,
            reprocess=args.reprocess,
            workers=args.workers,
            identity=label,
            progress=None if args.no_progress else print_window_progress,
            on_event=_event_line,
        )
        if args.detections:
            dets = store.load_detections(args.start, args.end)
            write_detections(dets, Path(args.detections), detections_provenance(dets, label))
        if report.problems:
            log.warning("%d data problems; the rest was processed", len(report.problems))
        print_report(report, store, args.start, args.end)
    return 0
