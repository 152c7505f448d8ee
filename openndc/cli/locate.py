"""``openndc locate``: a detections table to a bulletin.

Contract (other tools rely on it)::

    openndc locate --detections FILE --inventory FILE --db URL

``FILE`` is a detections table with the documented columns of ``openndc detect --out``
(CSV or Parquet; time and station required, the others optional), e.g. detections made by
another system, a CSS3.0 ``arrival`` table (``*.arrival``, or one whose ``#`` header
names its columns: the IDC's detections, with ``--inventory`` the IMS ``site`` table), or
an IMS1.0 or QuakeML bulletin, whose arrivals are taken as detections (their events left
out: association makes its own, e.g. to compare with the bulletin's by ``openndc bulletin
compare``). The detections are stored,
then the batch runner associates, locates and computes magnitudes window by window, as
``openndc process`` does after detection. With ``[association] self_calibrate`` (the
``reb`` preset) the stations' azimuth and slowness corrections are measured over the whole
table first and kept as the IDC's SASC files beside a SQLite database (``b.db`` ->
``b.sasc/``), which later runs can use (``[association] sasc``).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from obspy import UTCDateTime

from openndc.cli._args import check_database
from openndc.cli._common import add_preset_argument, print_window_progress
from openndc.cli.process import _event_line, add_reference_argument, configure, print_report
from openndc.model.detection import Detection
from openndc.model.errors import ConfigError

if TYPE_CHECKING:
    from openndc.model.inventory import MonitoringNetwork
    from openndc.pipeline.contract import InventorySource
    from openndc.pipeline.process import ProcessConfig


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "locate",
        help="detections table to a bulletin: associate, locate, magnitudes, store",
        description="Association, location and magnitudes from an existing detections table.",
    )
    p.add_argument(
        "--detections",
        required=True,
        help="detections table (.csv, .parquet), CSS3.0 arrival table, or an IMS1.0 / QuakeML "
        "bulletin's arrivals",
    )
    p.add_argument("--inventory", required=True, help="StationXML, CSS3.0 .site, or 'kz'")
    p.add_argument("--arrays", help="arrays config (TOML) for StationXML inventories")
    p.add_argument("--db", required=True, help="database URL, e.g. sqlite:///bulletin.db")
    p.add_argument("--config", help="TOML configuration (openndc config template)")
    add_preset_argument(p)
    p.add_argument("--window", type=float, default=None, help="processing window [s]")
    p.add_argument("--reprocess", action="store_true", help="redo windows already processed")
    p.add_argument("--no-progress", action="store_true", help="no progress lines")
    add_reference_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from openndc.pipeline.contract import InventorySource, Window
    from openndc.pipeline.stages import with_stable_ids

    config = configure(args)
    args.db = check_database(args.db, must_exist=False)
    path = Path(args.detections)
    detections = with_stable_ids(read_input(path))
    if not detections:
        raise ConfigError(f"{path}: no usable detection in the table")
    start = UTCDateTime(int(min(d.time for d in detections).timestamp))
    end = max(d.time for d in detections) + 1.0
    n_sta = len({(d.network, d.station) for d in detections})
    print(f"{path}: {len(detections)} detections at {n_sta} stations, {start} to {end}")
    inventory = InventorySource(args.inventory, args.arrays)
    network, _ = inventory.network(Window(start, end))  # a clear error before any work
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    beside = _sasc_folder(args.db)
    with tempfile.TemporaryDirectory(prefix="openndc-sasc-") as scratch:
        config = span_calibrated(config, detections, network, beside or Path(scratch))
        _locate(args, config, detections, inventory, path, start, end, digest)
    return 0


def _sasc_folder(url: str) -> Path | None:
    """Where a run's own SASC tables are kept: beside a SQLite database (``b.db`` ->
    ``b.sasc/``); ``None`` for a database server (a temporary folder then)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix or ":memory:" in url:
        return None
    return Path(url[len(prefix) :]).with_suffix(".sasc")


def span_calibrated(
    config: ProcessConfig, detections: list[Detection], network: MonitoringNetwork, folder: Path
) -> ProcessConfig:
    """With ``[association] self_calibrate`` and no SASC tables of its own, the
    configuration that corrects the whole table's detections by the station corrections
    its own well-recorded events give where they differ from 0 at 99 % (one association of
    the whole span, written as SASC tables in ``folder``, replacing any there;
    :mod:`openndc.association.corrections`)
    instead of each window's: an hour rarely holds enough events at six stations. Without
    corrections, the configuration without self-calibration."""
    from openndc.association import associate
    from openndc.association.corrections import (
        estimate_station_corrections,
        sasc_table,
        significant_corrections,
    )
    from openndc.association.tables import travel_time_source
    from openndc.io.sasc import write_sasc

    a = config.association
    if not a.self_calibrate or a.sasc:
        return config
    once = dataclasses.replace(a, self_calibrate=False)
    result = associate(detections, network, once)
    estimated = estimate_station_corrections(
        result.events, travel_time_source(a.model), a.self_calibrate_min_stations,
        a.self_calibrate_min_residuals, network,
    )  # fmt: skip
    corrections = significant_corrections(estimated)
    print(f"self-calibration over the table: {len(corrections)} station corrections from "
          f"{len(result.events)} events ({len(estimated) - len(corrections)} stations' "
          "residuals not different from 0 at 99 %)")  # fmt: skip
    if not corrections:
        return dataclasses.replace(config, association=once)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("sasc.*"):
            old.unlink()  # a previous run's
    except OSError as exc:
        raise ConfigError(f"{folder}: cannot keep the station corrections there: {exc}") from exc
    for code, c in corrections.items():
        write_sasc(sasc_table(c), folder / f"sasc.{code}", [
            f"{code}: measured by openndc locate's self-calibration over {len(detections)} "
            f"detections ({len(result.events)} events)",
        ])  # fmt: skip
    print(f"station corrections -> {folder}/sasc.STA (the IDC's SASC files; "
          "[association] sasc uses them in later runs)")  # fmt: skip
    return dataclasses.replace(
        config, association=dataclasses.replace(once, sasc=str(folder / "sasc"))
    )


def _locate(
    args: argparse.Namespace,
    config: ProcessConfig,
    detections: list[Detection],
    inventory: InventorySource,
    path: Path,
    start: UTCDateTime,
    end: UTCDateTime,
    digest: str,
) -> None:
    from openndc.bulletin import BulletinStore
    from openndc.pipeline.contract import StageContext
    from openndc.pipeline.runner import run_batch

    with BulletinStore(args.db) as store:
        store.store_detections(detections)
        context = StageContext(inventory, store, None, source_label=str(path.resolve()))
        report = run_batch(
            context,
            config,
            start,
            end,
            detect=False,
            reprocess=args.reprocess,
            identity=f"detections sha256 {digest}",
            progress=None if args.no_progress else print_window_progress,
            on_event=_event_line,
            detection_times=[d.time for d in detections],
        )
        print_report(report, store, start - config.runner.lookback, end)


def read_input(path: Path) -> list[Detection]:
    """The detections of ``--detections``: a detections table (CSV, Parquet, CSS3.0
    arrival), or every arrival of an IMS1.0 or QuakeML bulletin (recognised by content),
    each detection once; either way through the detections table's checks."""
    from openndc.bulletin.formats import detect_format, read_bulletin
    from openndc.io.css_arrival import is_arrival_table
    from openndc.io.tables import detections_to_frame, frame_to_detections, read_detections
    from openndc.model.errors import BulletinError

    table = path.suffix.lower() in (".csv", ".parquet") or is_arrival_table(path)
    if table or not path.is_file():
        return frame_to_detections(read_detections(path), str(path))
    try:
        fmt = detect_format(path)
    except BulletinError:
        fmt = "csv"
    if fmt not in ("ims1.0", "quakeml"):
        raise ConfigError(
            f"{path}: neither a detections table (.csv, .parquet, a CSS3.0 arrival table) nor "
            "an IMS1.0 or QuakeML bulletin"
        )
    bulletin = read_bulletin(path, fmt)
    seen = {a.detection.stable_id: a.detection for e in bulletin.events for a in e.arrivals}
    return frame_to_detections(detections_to_frame(seen.values()), str(path))
