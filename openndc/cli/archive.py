"""``openndc archive``: import waveforms into an SDS archive, list it, check it.

Contract (other tools rely on it)::

    openndc archive import PATH... --archive SDS_DIR [--inventory-out FILE]

Also ``openndc archive list --archive SDS_DIR [--start T --end T]`` (streams, coverage, gap
counts) and ``openndc archive check --archive SDS_DIR --start T --end T`` (the problems).
"""

from __future__ import annotations

import argparse
import warnings
from collections import Counter

from openndc.archive import SDSArchive, import_waveforms
from openndc.cli._args import check_out_dir, check_out_file, check_window, time_arg
from openndc.model.errors import ArchiveError, DataQualityWarning

__all__ = ["register"]


def _selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--network", default="*", help="network code pattern (fnmatch, commas)")
    p.add_argument("--station", default="*", help="station code pattern")
    p.add_argument("--location", default="*", help="location code pattern")
    p.add_argument("--channel", default="*", help="channel code pattern")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("archive", help="import, list and check the SDS waveform archive")
    verbs = p.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True

    imp = verbs.add_parser("import", help="copy SAC, miniSEED or CSS3.0 wfdisc waveforms in")
    imp.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (recursive)")
    imp.add_argument("--archive", required=True, help="SDS directory (created if needed)")
    imp.add_argument(
        "--inventory-out",
        help="write SAC station coordinates as StationXML (epochs from 00:00 UTC of the first "
        "day, one per sample rate)",
    )
    imp.add_argument(
        "--network", default="XX", help="network code for traces without one (CSS3.0 has none)"
    )
    imp.add_argument(
        "--on-conflict",
        choices=["keep", "raise"],
        default="keep",
        help="where new samples differ from archived ones: keep the archived "
        "samples and report (default), or stop with an error",
    )
    imp.set_defaults(func=run_import)

    lst = verbs.add_parser("list", help="streams with time coverage and gap counts")
    lst.add_argument("--archive", required=True, help="SDS directory")
    lst.add_argument("--start", type=time_arg, help="window start (UTC, ISO 8601)")
    lst.add_argument("--end", type=time_arg, help="window end (UTC, ISO 8601)")
    _selection(lst)
    lst.set_defaults(func=run_list)

    chk = verbs.add_parser("check", help="report gaps, overlaps, corrupt records, ...")
    chk.add_argument("--archive", required=True, help="SDS directory")
    chk.add_argument("--start", required=True, type=time_arg, help="window start (UTC)")
    chk.add_argument("--end", required=True, type=time_arg, help="window end (UTC)")
    _selection(chk)
    chk.set_defaults(func=run_check)


def _open(path: str, must_exist: bool = True) -> SDSArchive:
    archive = SDSArchive(path)
    if archive.root.exists() and not archive.root.is_dir():
        raise ArchiveError(f"archive {path} is a file, not an SDS folder")
    if must_exist and not archive.root.is_dir():
        raise ArchiveError(
            f"archive {path} does not exist; create it with 'openndc archive "
            "import PATH... --archive DIR'"
        )
    return archive


def run_import(args: argparse.Namespace) -> int:
    check_out_dir(args.archive, "--archive")
    check_out_file(args.inventory_out, "--inventory-out")
    archive = _open(args.archive, must_exist=False)
    report = import_waveforms(
        args.paths,
        archive,
        network=args.network,
        on_conflict=args.on_conflict,
        inventory_out=args.inventory_out,
    )
    print(f"imported into {archive.root}: {report}")
    for what, why in report.skipped:
        print(f"  skipped {what}: {why}")
    for path, offset, length, why in report.quarantined:
        print(f"  quarantined {path} bytes {offset}-{offset + length}: {why}")
    if report.quarantined:
        print(
            f"{len(report.quarantined)} bad records ({report.quarantined_bytes} bytes) were not "
            f"imported; their bytes are in {archive.root / 'quarantine'}"
        )
    if args.inventory_out and not report.stations:
        print(f"no SAC station coordinates found: {args.inventory_out} not written")
    elif args.inventory_out:
        print(
            f"StationXML ({len(report.stations)} stations with SAC coordinates) -> "
            f"{args.inventory_out}"
        )
    return 0


def run_list(args: argparse.Namespace) -> int:
    check_window(args.start, args.end)
    archive = _open(args.archive)
    rows = archive.coverage(
        args.start, args.end, args.network, args.station, args.location, args.channel
    )
    for c in rows:
        print(
            f"{c.stream.seed_id:<20} {c.start.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}  "
            f"{c.end.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}  {c.sample_rate_hz:g} Hz  "
            f"{c.samples} samples  {c.gaps} gaps  {c.files} files"
        )
    print(f"{len(rows)} streams in {archive.root}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    check_window(args.start, args.end)
    archive = _open(args.archive)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        res = archive.read(
            args.start, args.end, args.network, args.station, args.location, args.channel
        )
    for p in res.problems:
        print(p)
    kinds = Counter(p.kind for p in res.problems)
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())) or "none"
    print(
        f"{len(res.stream)} traces, {sum(tr.stats.npts for tr in res.stream)} samples; "
        f"{len(res.problems)} problems ({summary})"
    )
    return 0
