"""``openndc detect``: detections from an archive over a time window.

Contract (other tools rely on it)::

    openndc detect --archive SDS_DIR --inventory FILE --start T --end T --out FILE

``--out`` ends in ``.csv`` or ``.parquet``; ``--inventory`` is StationXML, a CSS3.0 ``.site``
file (``.sitechan`` beside it) or ``kz`` for the built-in Kazakh network.
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from pathlib import Path

from openndc.archive import SDSArchive
from openndc.cli._args import (
    check_archive,
    check_out_file,
    check_window,
    confirm_window,
    positive_float,
    positive_int,
    time_arg,
)
from openndc.cli._common import load_detection_config, print_progress
from openndc.inventory import read_inventory
from openndc.model.errors import ConfigError

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "detect",
        help="detect signals in archived waveforms",
        description="Multi-band STA/LTA on single stations, beams and f-k on arrays, onsets, "
        "amplitudes, polarization and initial phase names; writes the detections table.",
    )
    p.add_argument("--archive", required=True, help="SDS directory or CSS3.0 .wfdisc file")
    p.add_argument("--inventory", required=True, help="StationXML, CSS3.0 .site, or 'kz'")
    p.add_argument("--arrays", help="arrays config (TOML) for StationXML inventories")
    p.add_argument("--start", required=True, type=time_arg, help="window start (UTC, ISO 8601)")
    p.add_argument("--end", required=True, type=time_arg, help="window end (UTC, ISO 8601)")
    p.add_argument("--out", required=True, help="detections table (.csv or .parquet)")
    p.add_argument("--config", help="TOML configuration with a [detection] table")
    p.add_argument("--network", default="*", help="network code pattern (fnmatch, commas)")
    p.add_argument("--station", default="*", help="station code pattern")
    p.add_argument("--channel", default="*", help="channel code pattern")
    p.add_argument("--chunk", type=positive_float, default=3600.0, help="processing chunk [s]")
    p.add_argument(
        "--workers", type=positive_int, default=None, help="worker processes (default: CPUs)"
    )
    p.add_argument(
        "--yes", action="store_true", help="run a window of more than 2000 chunks without asking"
    )
    p.add_argument("--plot", help="also write a record section with the detections (PNG)")
    p.add_argument("--plot-start", type=time_arg, help="plot window start (default: --start)")
    p.add_argument("--plot-end", type=time_arg, help="plot window end (default: 15 min later)")
    p.add_argument("--no-progress", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def _check(args: argparse.Namespace) -> int:
    """Everything a user can get wrong, before any work; returns the number of streams."""
    check_window(args.start, args.end)
    check_window(args.plot_start, args.plot_end)
    check_out_file(args.out, "--out")
    if not str(args.out).lower().endswith((".csv", ".parquet")):
        raise ConfigError(f"--out {args.out}: the detections table ends in .csv or .parquet")
    check_out_file(args.plot, "--plot")
    check_archive(args.archive)
    if not Path(args.archive).is_dir():
        return 1
    n = len(
        SDSArchive(args.archive).streams(
            args.start, args.end, args.network, args.station, "*", args.channel
        )
    )
    if n == 0:
        raise ConfigError(
            f"--archive {args.archive} holds no waveforms of {args.network}.{args.station}."
            f"*.{args.channel} between {args.start} and {args.end}; check the window, the "
            "selection ('openndc archive list --archive DIR' shows what is there)"
        )
    return n


def run(args: argparse.Namespace) -> int:
    from openndc.detection.record_section import plot_detections
    from openndc.io.tables import detections_to_frame, write_detections
    from openndc.pipeline.batch import run_detection
    from openndc.pipeline.sources import open_source

    config = load_detection_config(args.config)
    n_streams = _check(args)
    # Station epochs in effect at the start of the window (reprocessing old data).
    network = read_inventory(args.inventory, arrays=args.arrays, at=args.start)
    confirm_window(args.start, args.end, args.chunk, n_streams, args.yes)
    source = open_source(
        args.archive, network=args.network, station=args.station, channel=args.channel
    )
    result = run_detection(
        source,
        network,
        args.start,
        args.end,
        config,
        chunk=args.chunk,
        workers=args.workers,
        progress=None if args.no_progress else print_progress,
    )
    provenance = result.provenance.as_dict() if result.provenance else {}
    frame = detections_to_frame(result.detections)
    write_detections(frame, args.out, provenance)
    for problem in result.problems:
        log.warning("data problem: %s", problem)
    if result.problems:
        kinds = Counter(p.kind for p in result.problems)
        log.warning(
            "%d data problems (%s); the rest was processed",
            len(result.problems),
            ", ".join(f"{k}: {n}" for k, n in kinds.most_common()),
        )
    phases = ", ".join(f"{k or '?'}: {v}" for k, v in Counter(frame["phase"]).most_common())
    n_sta = frame["station"].nunique()
    print(f"{len(frame)} detections on {n_sta} stations ({phases}) -> {args.out}")
    if args.plot:
        t0 = args.plot_start or args.start
        t1 = args.plot_end or min(args.end, t0 + 900)
        data = source.read(t0, t1)
        plot_detections(data.stream, result.detections, network, t0, t1, args.plot)
        print(f"plot -> {args.plot}")
    return 0
