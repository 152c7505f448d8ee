"""``openndc serve``: the FDSN web services (and, later, the analyst workspace).

Contract (other tools rely on it)::

    openndc serve --db URL --archive DIR --inventory FILE [--host 127.0.0.1] [--port 8080]

Serves fdsnws-station, fdsnws-dataselect and fdsnws-event under
``http://HOST:PORT/fdsnws/...`` with uvicorn until interrupted.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from openndc.cli._args import check_database, positive_float, positive_int
from openndc.model.errors import ConfigError

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the FDSN web services (station, dataselect, event) over HTTP",
        description="FDSN web services over the bulletin database, the SDS archive and the "
        "inventory, under /fdsnws/station/1/, /fdsnws/dataselect/1/, /fdsnws/event/1/.",
    )
    p.add_argument("--db", required=True, help="database URL, e.g. sqlite:///bulletin.db")
    p.add_argument("--archive", required=True, help="SDS archive directory")
    p.add_argument("--inventory", required=True, help="StationXML, CSS3.0 .site, or 'kz'")
    p.add_argument("--host", default="127.0.0.1", help="address to bind")
    p.add_argument("--port", type=positive_int, default=8080, help="TCP port")
    p.add_argument(
        "--max-dataselect-mb",
        type=positive_float,
        default=512.0,
        help="largest miniSEED answer [MB]; larger requests are answered 413",
    )
    p.add_argument(
        "--max-events", type=positive_int, default=20000, help="most events in one answer"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from openndc.services import ServiceConfig, create_app

    db = check_database(args.db, must_exist=True)
    archive = Path(args.archive)
    if not archive.is_dir():
        raise ConfigError(f"--archive {archive} is not a folder: give the SDS archive root")
    if args.inventory != "kz" and not Path(args.inventory).is_file():
        raise ConfigError(f"--inventory {args.inventory} does not exist: give a StationXML file")
    if args.port > 65535:
        raise ConfigError(f"--port {args.port} is not a TCP port (1-65535)")
    config = ServiceConfig(
        max_dataselect_bytes=int(args.max_dataselect_mb * 1e6), max_events=args.max_events
    )
    app = create_app(db, archive, args.inventory, config)
    print(
        f"FDSN web services on http://{args.host}:{args.port}/fdsnws/ "
        "(station, dataselect, event); Ctrl-C stops",
        flush=True,
    )
    print(
        f"analyst workspace on http://{args.host}:{args.port}/ "
        "(accounts: openndc user add NAME --db URL)",
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
