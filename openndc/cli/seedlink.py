"""``openndc seedlink serve``: serve an SDS archive over SeedLink 3.1 / 4.0.

Contract (other tools rely on it)::

    openndc seedlink serve --archive SDS_DIR [--port P] [--host 127.0.0.1]
                           [--replay START --speed N]

Without ``--replay`` the archive is served live as it grows (the last ``--backlog``
seconds of each stream are buffered at start); with it, the archive's records from START on
are released at N x real time, as a digitiser would send them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from pathlib import Path

from openndc.cli._common import parse_time
from openndc.model.errors import ConfigError

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "seedlink",
        help="SeedLink server: serve an SDS archive live or replayed",
        description="A SeedLink 3.1 / 4.0 server over an SDS archive.",
    )
    ssub = p.add_subparsers(dest="seedlink_command", metavar="ACTION")
    ssub.required = True
    s = ssub.add_parser(
        "serve",
        help="serve an SDS archive (live as it grows, or replayed)",
        description="Serve SDS_DIR over SeedLink: live as files grow, or --replay START "
        "at --speed N x real time.",
    )
    s.add_argument("--archive", required=True, help="SDS directory")
    s.add_argument("--port", type=int, default=18000, help="TCP port (default 18000; 0: any)")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    s.add_argument("--replay", type=parse_time, help="replay from this time (UTC, ISO 8601)")
    s.add_argument("--speed", type=float, default=1.0, help="replay speed (x real time)")
    s.add_argument("--backlog", type=float, default=3600.0, help="live: seconds buffered at start")
    s.add_argument("--buffer", type=int, default=200_000, help="packets kept for resuming")
    s.add_argument("--max-clients", type=int, default=64, help="connections at most")
    s.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from openndc.seedlink import serve

    root = Path(args.archive)
    if not root.is_dir():
        raise ConfigError(f"archive {root} is not a directory: give an SDS folder")
    if args.speed <= 0:
        raise ConfigError(f"--speed {args.speed}: give a positive factor, e.g. 1 or 20")
    if args.replay is None and args.speed != 1.0:
        raise ConfigError("--speed needs --replay START")
    coro = serve(
        root,
        host=args.host,
        port=args.port,
        replay_start=args.replay,
        speed=args.speed,
        backlog=args.backlog,
        max_packets=args.buffer,
        max_clients=args.max_clients,
    )
    with contextlib.suppress(KeyboardInterrupt):
        try:
            asyncio.run(coro)
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {args.host}:{args.port}: {exc}; choose another --port"
            ) from exc
    return 0
