"""``openndc bulletin``: export, import and compare bulletins.

Contract (other tools rely on it)::

    openndc bulletin export --db URL --format quakeml|ims1.0|csv --out FILE [--start T --end T]
    openndc bulletin import FILE --db URL
    openndc bulletin compare A B [--time-tolerance S --distance-tolerance KM --out CSV]
    openndc bulletin sasc --db URL --inventory FILE --out PREFIX [--start T --end T]

``URL`` is an SQLAlchemy database URL (``sqlite:///bulletin.db``,
``postgresql+psycopg://user@host:5432/db``); a plain path is taken as a SQLite file. The
format of an imported file comes from its content or extension. ``A`` and ``B`` are bulletin
files (QuakeML, IMS1.0, CSV) or database URLs. ``sasc`` writes each station's
slowness-azimuth station correction, measured on the database's well-recorded events, as
the IDC's SASC file ``PREFIX.STA`` (``[association] sasc = PREFIX`` uses them).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from openndc.cli._args import (
    check_database,
    check_out_file,
    check_window,
    positive_float,
    positive_int,
    time_arg,
)
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

    a = cmds.add_parser(
        "sasc",
        help="write slowness-azimuth station corrections (the IDC's SASC files) measured on "
        "the database's events",
    )
    a.add_argument("--db", required=True, help="database URL, e.g. sqlite:///bulletin.db")
    a.add_argument("--inventory", required=True, help="StationXML, CSS3.0 .site, or 'kz'")
    a.add_argument("--arrays", help="arrays config (TOML) for StationXML inventories")
    a.add_argument(
        "--out", required=True, help="path prefix of the files: PREFIX.STA (e.g. sasc/sasc)"
    )
    a.add_argument("--start", type=time_arg, help="first origin time (UTC, ISO 8601)")
    a.add_argument("--end", type=time_arg, help="end of the window (UTC, exclusive)")
    a.add_argument(
        "--min-stations",
        type=positive_int,
        default=6,
        help="events with first P at this many stations give residuals (default 6)",
    )
    a.add_argument(
        "--min-residuals",
        type=positive_int,
        default=5,
        help="a station's correction needs this many residuals (default 5)",
    )
    a.add_argument(
        "--sector",
        type=positive_float,
        default=30.0,
        help="a bin for each sector of this many degrees of measured back-azimuth that holds "
        "--min-residuals residuals (360: the station's overall correction alone)",
    )
    a.add_argument("--model", default="ak135", help="travel-time model of the slownesses")
    a.set_defaults(func=run_sasc)


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


def run_sasc(args: argparse.Namespace) -> int:
    from openndc.association.corrections import FIRST_P_PHASES, estimate_sasc_tables
    from openndc.association.tables import travel_time_source
    from openndc.bulletin import BulletinStore
    from openndc.io.sasc import write_sasc
    from openndc.pipeline.contract import InventorySource, Window

    check_window(args.start, args.end)
    prefix = Path(args.out)
    check_out_file(prefix.with_name(prefix.name + ".STA"))
    with BulletinStore(database_url(args.db, must_exist=True)) as store:
        bulletin = store.load(args.start, args.end)
    events = [e for e in bulletin.events if e.origin is not None]
    if not events:
        raise BulletinError(f"{args.db}: no event to measure station corrections on")
    times = [e.origin.time for e in events]
    network, _ = InventorySource(args.inventory, args.arrays).network(
        Window(min(times), max(times) + 3600.0)
    )
    tables = estimate_sasc_tables(
        events, travel_time_source(args.model), network, args.min_stations,
        args.min_residuals, min(args.sector, 360.0),
    )  # fmt: skip
    if not tables:
        raise BulletinError(
            f"{args.db}: no station has {args.min_residuals} first-P residuals in events with "
            f"first P at {args.min_stations} stations ({len(events)} events); nothing written"
        )
    used = sum(
        1 for e in events
        if len({a.station for a in e.arrivals if a.phase in FIRST_P_PHASES})
        >= args.min_stations
    )  # fmt: skip
    prefix.parent.mkdir(parents=True, exist_ok=True)
    span = f"{min(times)} to {max(times)}"
    for code, (c, table) in tables.items():
        path = prefix.with_name(f"{prefix.name}.{code}")
        write_sasc(table, path, [
            f"{code}: slowness-azimuth station correction measured by openndc bulletin sasc",
            f"from {args.db}, {used} events with first P at >= {args.min_stations} stations, "
            f"{span}",
            f"back-azimuth residuals {c.n_backazimuth}, slowness residuals {c.n_slowness} "
            f"({args.model}); bins of {args.sector:g} deg of back-azimuth with "
            f"{args.min_residuals} residuals, then every other measurement: median "
            "residuals, their spread the modelling error",
        ])  # fmt: skip
        print(f"{code}: back-azimuth {c.backazimuth:+.1f} deg ({c.n_backazimuth}, spread "
              f"{c.backazimuth_spread:.1f}), slowness {c.slowness:+.2f} s/deg "
              f"({c.n_slowness}, spread {c.slowness_spread:.2f}), "
              f"{len(table.bins) - 1} sector bins -> {path}")  # fmt: skip
    print(f"{len(tables)} stations from {used} of {len(events)} events -> {prefix}.STA")
    return 0
