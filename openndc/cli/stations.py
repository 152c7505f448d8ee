"""``openndc stations``: list the stations and arrays of an inventory, export StationXML.

::

    openndc stations [--inventory FILE|kz] [--arrays ARRAYS.toml] [--at TIME]
                     [--stationxml OUT.xml]
"""

from __future__ import annotations

import argparse

from openndc.cli._args import check_out_file, time_arg
from openndc.inventory import read_inventory, write_stationxml
from openndc.model.inventory import MonitoringNetwork

__all__ = ["format_arrays", "format_stations", "register", "run"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "stations",
        help="list stations and arrays of an inventory; export StationXML",
        description="Lists the stations (network, code, coordinates, channels, array) and "
        "the arrays (kind, elements, aperture, reference point) of an inventory.",
    )
    p.add_argument(
        "--inventory", default="kz", help="StationXML, CSS3.0 .site, or 'kz' (default: kz)"
    )
    p.add_argument("--arrays", help="arrays config (TOML) for StationXML inventories")
    p.add_argument("--at", type=time_arg, help="epoch in effect at this time (default: now)")
    p.add_argument("--stationxml", metavar="OUT.xml", help="also write the inventory as StationXML")
    p.set_defaults(func=run)


def format_stations(network: MonitoringNetwork) -> str:
    """The station table: network, station, lat [deg], lon [deg], elev [m], channels, array."""
    lines = [f"{'net':<4} {'sta':<6} {'lat':>9} {'lon':>10} {'elev_m':>7}  {'array':<6} channels"]
    for s in network.stations:
        chans = ",".join(f"{c.location}.{c.code}" if c.location else c.code for c in s.channels)
        lines.append(
            f"{s.network:<4} {s.code:<6} {s.latitude:9.4f} {s.longitude:10.4f} "
            f"{s.elevation_m:7.0f}  {s.array or '-':<6} {chans or '-'}"
        )
    return "\n".join(lines)


def format_arrays(network: MonitoringNetwork) -> str:
    """The array table: code, kind, #elements, aperture [km], reference point, beam groups."""
    lines = [
        f"{'array':<6} {'kind':<11} {'n':>3} {'aper_km':>7} {'ref_lat':>9} {'ref_lon':>10}  groups"
    ]
    for a in network.arrays:
        groups = " ".join(f"{k}:{len(v)}" for k, v in a.beam_groups.items())
        lines.append(
            f"{a.code:<6} {a.kind:<11} {len(a.elements):>3} {a.aperture_km:7.2f} "
            f"{a.reference_latitude:9.4f} {a.reference_longitude:10.4f}  {groups or '-'}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    check_out_file(args.stationxml, "--stationxml")
    network = read_inventory(args.inventory, arrays=args.arrays, at=args.at)
    print(
        f"# inventory {network.name}: {len(network)} stations, {network.n_channels} channels, "
        f"{len(network.arrays)} arrays"
    )
    print(format_stations(network))
    print()
    print(format_arrays(network))
    if args.stationxml:
        path = write_stationxml(network, args.stationxml)
        print(f"# wrote {path}")
    return 0
