"""``openndc osi plan``: the layout of an inspection's temporary network and its detectability.

Contract (other tools rely on it)::

    openndc osi plan --site LAT,LON --area KM2 --stations N [--noise SPEC] --out STATIONXML
                     [--map PNG] [--table CSV] [--min-stations K]

Writes the planned stations as StationXML (3-C short-period channels), optionally a map of
the smallest magnitude detected at K stations over the area and the station table; prints
the table and the numbers of the plan. Models and sources: :mod:`openndc.osi.plan`,
docs/osi-field.md.
"""

from __future__ import annotations

import argparse

from openndc.cli._args import check_out_file, positive_float, positive_int
from openndc.model.errors import ConfigError

__all__ = ["parse_band", "parse_site", "register", "run"]


def parse_site(text: str) -> tuple[float, float]:
    """``LAT,LON`` [deg] → (latitude, longitude)."""
    try:
        lat, lon = (float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give the site as LAT,LON in degrees, e.g. 49.93,78.82"
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 360):
        raise argparse.ArgumentTypeError(f"{text!r}: latitude -90..90, longitude -180..360")
    return lat, lon


def parse_band(text: str) -> tuple[float, float]:
    """``FMIN,FMAX`` [Hz] → (fmin, fmax)."""
    try:
        lo, hi = (float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give the band as FMIN,FMAX in Hz") from None
    if not 0 < lo < hi:
        raise argparse.ArgumentTypeError(f"{text!r}: need 0 < FMIN < FMAX")
    return lo, hi


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "plan",
        help="plan the temporary network: station layout and detectable magnitude map",
        description="Propose a layout of the inspection's temporary stations (hexagonal "
        "lattice in the inspection area, centred on the site) and map the smallest magnitude "
        "detected at K stations from the station noise (Peterson 1993 models or an RMS "
        "velocity) and the IASPEI ML attenuation; writes the network as StationXML.",
    )
    p.add_argument("--site", required=True, type=parse_site, help="centre LAT,LON [deg]")
    p.add_argument(
        "--area", required=True, type=positive_float, help="inspection area [km2], at most 1000"
    )
    p.add_argument("--stations", required=True, type=positive_int, help="number of stations")
    p.add_argument(
        "--noise",
        default="0.3",
        help="station noise: 0-1 between Peterson's NLNM and NHNM in dB, 'nlnm', 'nhnm', or "
        "an RMS velocity in the band such as '5nm/s' (default 0.3)",
    )
    p.add_argument("--out", required=True, help="StationXML file of the planned network")
    p.add_argument("--map", help="map of the detectable magnitude (PNG/PDF/SVG)")
    p.add_argument("--table", help="station table (CSV)")
    p.add_argument(
        "--min-stations",
        type=positive_int,
        default=4,
        help="stations that must see an event for it to count as detected (default 4)",
    )
    p.add_argument(
        "--snr", type=positive_float, default=3.0, help="S amplitude / noise RMS (default 3)"
    )
    p.add_argument(
        "--band", type=parse_band, default=(2.0, 20.0), help="detection band FMIN,FMAX [Hz]"
    )
    p.add_argument(
        "--depth", type=float, default=0.5, help="source depth of the map [km] (default 0.5)"
    )
    p.add_argument("--network-code", default="XO", help="FDSN network code (default XO)")
    p.add_argument("--sampling-rate", type=positive_float, default=100.0, help="channel rate [Hz]")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from openndc.inventory import write_stationxml
    from openndc.osi.plan import PlanConfig, plan_network, plot_plan

    for path, option in ((args.out, "--out"), (args.map, "--map"), (args.table, "--table")):
        check_out_file(path, option)
    if args.depth < 0:
        raise ConfigError(f"--depth {args.depth}: a depth is >= 0 km")
    config = PlanConfig(
        stations=args.stations,
        area_km2=args.area,
        min_stations=args.min_stations,
        noise=args.noise,
        freq_min=args.band[0],
        freq_max=args.band[1],
        snr=args.snr,
        depth_km=args.depth,
        network_code=args.network_code,
        sampling_rate=args.sampling_rate,
    )
    lat, lon = args.site
    plan = plan_network(lat, lon, config)
    write_stationxml(plan.network, args.out)
    table = plan.table()
    print(table.to_string(index=False))
    s = plan.summary()
    print(
        f"{len(table)} stations in {config.area_km2:g} km2 (radius {s['radius_km']:.1f} km), "
        f"lattice spacing {s['spacing_km']:.2f} km, smallest separation "
        f"{s['min_separation_km']:.2f} km; noise {s['noise_wa_nm']:.3g} nm WA RMS "
        f"({config.freq_min:g}-{config.freq_max:g} Hz); ML detected at "
        f"{config.min_stations} stations over the area: {s['ml_min']:.2f} to "
        f"{s['ml_max']:.2f} (median {s['ml_median']:.2f})"
    )
    print(f"StationXML -> {args.out}")
    if args.table:
        table.to_csv(args.table, index=False)
        print(f"table -> {args.table}")
    if args.map:
        plot_plan(plan, args.map)
        print(f"map -> {args.map}")
    return 0
