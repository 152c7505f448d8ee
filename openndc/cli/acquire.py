"""``openndc acquire``: SeedLink servers into the SDS archive, with state of health.

Contract::

    openndc acquire --seedlink HOST:PORT [--seedlink ...] --streams 'KZ_MKAR:*.BHZ,...'
                    --archive DIR [--state FILE] [--backfill-sds DIR]
                    [--backfill-fdsn URL]
                    [--db URL] [--metrics-port P]

Every record goes into the archive exactly once (a restart resumes from --state, default
DIR.state.json); corrupt records go to DIR.quarantine; Prometheus metrics are
served on 127.0.0.1:P/metrics; SOH history goes to the database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from pathlib import Path

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "acquire",
        help="acquire SeedLink data into the SDS archive (exactly once, resumable)",
        description="Ingest from SeedLink servers into an SDS archive, with resume state, "
        "backfill, quarantine of corrupt records and state of health.",
    )
    p.add_argument("--seedlink", action="append", required=True, help="server HOST:PORT (repeat)")
    p.add_argument("--streams", required=True, help="NET_STA:LOC.CHA selections, comma separated")
    p.add_argument("--archive", required=True, help="SDS directory to write")
    p.add_argument("--state", help="resume state file (default: ARCHIVE.state.json)")
    p.add_argument("--backfill-sds", help="SDS archive to fill what was missed from, at start")
    p.add_argument("--backfill-fdsn", help="FDSN dataselect base URL to fill from, at start")
    p.add_argument("--backfill-window", type=float, default=86400.0, help="backfill span [s]")
    p.add_argument("--db", help="database URL for state-of-health history")
    p.add_argument("--metrics-port", type=int, help="serve Prometheus /metrics on this port")
    p.add_argument(
        "--protocol", choices=("auto", "3", "4"), default="auto", help="SeedLink version"
    )
    p.add_argument(
        "--from-start",
        action="store_true",
        help="without state: everything the servers still hold, not only new data",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from openndc.acquisition import Acquisition, AcquisitionConfig, parse_streams

    archive = Path(args.archive)
    config = AcquisitionConfig(
        seedlink=tuple(args.seedlink),
        streams=tuple(x.strip() for x in args.streams.split(",") if x.strip()),
        protocol=args.protocol,
        backfill_window=args.backfill_window,
    )
    parse_streams(config.streams)  # bad selections: one clear line before connecting
    state = Path(args.state) if args.state else Path(f"{archive}.state.json")
    acq = Acquisition(
        archive,
        config,
        state_file=state,
        backfill_sds=args.backfill_sds,
        backfill_fdsn=args.backfill_fdsn,
        db=args.db,
        metrics_port=args.metrics_port,
        from_start=args.from_start,
    )

    async def main() -> None:
        # Ctrl-C and SIGTERM (systemd's stop) both end it cleanly: the archive fsynced, the
        # state saved. Handlers set here also work where SIGINT is ignored (a background job).
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel if task is not None else (lambda: None))
        with contextlib.suppress(asyncio.CancelledError):
            await acq.run()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0
