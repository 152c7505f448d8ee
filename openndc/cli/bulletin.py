"""``openndc bulletin``: export, import and compare bulletins.

Contract (other tools rely on it)::

    openndc bulletin export --db URL --format quakeml|ims1.0|csv --out FILE [--start T --end T]
    openndc bulletin import FILE --db URL
    openndc bulletin compare A B [--time-tolerance S --distance-tolerance KM --out CSV]

``URL`` is an SQLAlchemy database URL (``sqlite:///bulletin.db``,
``postgresql+psycopg://user@host:5432/db``); a plain path is taken as a SQLite file. The
format of an imported file comes from its content or extension. ``A`` and ``B`` are bulletin
files (QuakeML, IMS1.0, CSV) or database URLs.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from openndc.cli._args import check_database, check_out_file, check_window, positive_float, time_arg
from openndc.cli.main import lazy_choices
from openndc.model.errors import BulletinError
from openndc.model.event import Bulletin

log = logging.getLogger(__name__)


def database_url(text: str, *, must_exist: bool = False) -> str:
    """A database URL; a plain file path means SQLite (checked: :func:`check_database`)."""
    return check_database(text, must_exist=must_exist)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "bulletin",
        help="export, import and compare bulletins",
        description="Bulletin database exports (QuakeML, IMS1.0, CSV), imports and comparison.",
    )
    cmds = p.add_subparsers(dest="bulletin_command", metavar="ACTION")
    cmds.required = True

    e = cmds.add_parser("export", help="write the events of a database to a file")
    e.add_argument("--db", required=True, help="database URL, e.g. sqlite:///bulletin.db")
    e.add_argument(
        "--format",
        required=True,
        choices=lazy_choices("openndc.bulletin", "FORMATS"),
        metavar="FORMAT",
        help="output format: %(choices)s",
    )
    e.add_argument("--out", required=True, help="output file")
    e.add_argument("--start", type=time_arg, help="first origin time (UTC, ISO 8601)")
    e.add_argument("--end", type=time_arg, help="end of the window (UTC, exclusive)")
    e.set_defaults(func=run_export)

    i = cmds.add_parser("import", help="store the events of a bulletin file in a database")
    i.add_argument("file", help="QuakeML, IMS1.0 bulletin or bulletin CSV")
    i.add_argument("--db", required=True, help="database URL, e.g. sqlite:///bulletin.db")
    i.set_defaults(func=run_import)

    c = cmds.add_parser("compare", help="match the events of two bulletins")
    c.add_argument("a", help="bulletin file or database URL (reference side 'a')")
    c.add_argument("b", help="bulletin file or database URL (side 'b')")
    c.add_argument("--time-tolerance", type=positive_float, default=10.0, help="origin time [s]")
    c.add_argument(
        "--distance-tolerance", type=positive_float, default=100.0, help="epicentre [km]"
    )
    c.add_argument("--out", help="write the event table (CSV)")
    c.set_defaults(func=run_compare)


def _load(source: str) -> Bulletin:
    from openndc.bulletin import BulletinStore, read_bulletin

    if "://" in source:
        with BulletinStore(database_url(source, must_exist=True)) as store:
            bulletin = store.load()
        return Bulletin(events=bulletin.events, provenance=bulletin.provenance, name=source)
    if not Path(source).is_file():
        raise BulletinError(f"{source}: no such bulletin file (or give a database URL)")
    return read_bulletin(source)


def run_export(args: argparse.Namespace) -> int:
    from openndc.bulletin import BulletinStore, write_bulletin

    check_window(args.start, args.end)
    check_out_file(args.out)
    with BulletinStore(database_url(args.db, must_exist=True)) as store:
        bulletin = store.load(args.start, args.end)
    write_bulletin(bulletin, args.out, args.format)
    print(f"{len(bulletin)} events -> {args.out} ({args.format})")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from openndc.bulletin import BulletinStore, read_bulletin

    if not Path(args.file).is_file():
        raise BulletinError(f"{args.file}: no such file")
    url = database_url(args.db)
    bulletin = read_bulletin(args.file)
    with BulletinStore(url) as store:
        ids = store.store(bulletin)
    n_arr = sum(len(e.arrivals) for e in bulletin.events)
    print(f"{len(ids)} events ({n_arr} arrivals) from {args.file} -> {args.db}")
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from openndc.bulletin import compare_bulletins

    check_out_file(args.out)
    a, b = _load(args.a), _load(args.b)
    result = compare_bulletins(a, b, args.time_tolerance, args.distance_tolerance)
    print(result.summary())
    if args.out:
        try:
            result.table().to_csv(args.out, index=False)
        except OSError as exc:
            raise BulletinError(f"{args.out}: cannot write the comparison table: {exc}") from exc
        print(f"table -> {args.out}")
    return 0
