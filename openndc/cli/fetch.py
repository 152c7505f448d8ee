"""``openndc fetch``: fill the SDS archive and the inventory from any FDSN server.

Contract::

    openndc fetch --fdsn URL --network N --station S --channel C --start T --end T \\
        --archive DIR [--location L] [--inventory-out FILE] [--chunk SECONDS]

Station metadata (response level) go to ``--inventory-out`` as StationXML; waveforms are
requested window by window and added to the archive once (re-fetching writes nothing new).
"""

from __future__ import annotations

import argparse
import logging

from obspy import UTCDateTime

from openndc.archive import SDSArchive
from openndc.cli._args import (
    check_out_dir,
    check_out_file,
    check_window,
    duration_arg,
    time_arg,
)

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "fetch",
        help="fetch waveforms and station metadata from an FDSN server into the archive",
        description="Waveforms from fdsnws-dataselect into an SDS archive and StationXML "
        "from fdsnws-station, from any FDSN web service server.",
    )
    p.add_argument("--fdsn", required=True, help="server base URL, e.g. http://127.0.0.1:8080")
    p.add_argument("--network", required=True, help="network codes (FDSN list/wildcards)")
    p.add_argument("--station", required=True, help="station codes")
    p.add_argument("--channel", required=True, help="channel codes")
    p.add_argument("--location", default="*", help="location codes (-- is the empty code)")
    p.add_argument("--start", required=True, type=time_arg, help="window start (UTC)")
    p.add_argument("--end", required=True, type=time_arg, help="window end (UTC)")
    p.add_argument("--archive", required=True, help="SDS archive directory to fill")
    p.add_argument("--inventory-out", help="write the channels' StationXML here")
    p.add_argument(
        "--chunk",
        type=duration_arg(60.0, 31 * 86400.0),
        default=86400.0,
        help="longest time window of one request [s, or 10m, 6h, 1d]",
    )
    p.set_defaults(func=run)


def _progress(t0: UTCDateTime, t1: UTCDateTime, written: int) -> None:
    print(f"  {t0} - {t1}: {written} new samples", flush=True)


def run(args: argparse.Namespace) -> int:
    from openndc.services.fetch import fetch_fdsn

    check_window(args.start, args.end)
    check_out_dir(args.archive, "--archive")
    check_out_file(args.inventory_out, "--inventory-out")
    report = fetch_fdsn(
        args.fdsn,
        SDSArchive(args.archive),
        args.start,
        args.end,
        network=args.network,
        station=args.station,
        location=args.location,
        channel=args.channel,
        inventory_out=args.inventory_out,
        chunk_s=args.chunk,
        progress=_progress,
    )
    inv = f", StationXML in {report.inventory_path}" if report.inventory_path else ""
    print(
        f"{report.channels} channels, {report.requests} requests "
        f"({report.empty_requests} without data), {report.samples_written} new samples "
        f"in {len(report.files)} day files under {args.archive}{inv}"
    )
    return 0
