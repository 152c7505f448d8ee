"""``openndc osi bulletin``: the inspection's daily bulletin from template-matching detections.

Contract (other tools rely on it)::

    openndc osi bulletin --detections CSV --templates DIR --inventory FILE --out QUAKEML
                         [--csv TABLE] [--ims FILE] [--map PNG] [--mc-plot PNG]
                         [--site LAT,LON --area KM2] [--tolerance S]

Groups the detections (``openndc osi detect``) of the templates (``openndc osi templates``)
into events, relocates each relative to its best template from the lag-refined picks
(master-event method), gives it the relative ML, and computes the completeness magnitude;
writes QuakeML, and optionally the CSV summary, IMS1.0, the map of the inspection area and
the frequency-magnitude plot. Methods: :mod:`openndc.osi.bulletin`, docs/osi-field.md.
"""

from __future__ import annotations

import argparse
import math

from openndc.cli._args import check_out_file, positive_float
from openndc.cli.osi.plan import parse_site
from openndc.model.errors import ConfigError

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "bulletin",
        help="the inspection's daily bulletin: events from template detections, Mc, map",
        description="Group template-matching detections into events, relocate each relative "
        "to its best template (master-event method on the lag-refined picks), give relative "
        "magnitudes and the completeness magnitude; write QuakeML (and CSV, IMS1.0, a map, "
        "the frequency-magnitude plot).",
    )
    p.add_argument("--detections", required=True, help="detections CSV of `openndc osi detect`")
    p.add_argument("--templates", required=True, help="template folder of `openndc osi templates`")
    p.add_argument("--inventory", required=True, help="StationXML of the network")
    p.add_argument("--out", required=True, help="bulletin QuakeML file")
    p.add_argument("--csv", help="event summary table (CSV)")
    p.add_argument("--ims", help="IMS1.0 bulletin file")
    p.add_argument("--map", help="map of the inspection area with stations and events (PNG)")
    p.add_argument("--mc-plot", help="frequency-magnitude distribution with Mc (PNG)")
    p.add_argument("--site", type=parse_site, help="centre of the inspection area LAT,LON")
    p.add_argument("--area", type=positive_float, help="inspection area [km2] (with --site)")
    p.add_argument(
        "--tolerance",
        type=positive_float,
        default=1.0,
        help="detections within this many seconds of origin time are one event (default 1)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from openndc.inventory import read_inventory
    from openndc.osi.bulletin import (
        BulletinConfig,
        make_bulletin,
        plot_bulletin_map,
        plot_magnitudes,
    )
    from openndc.osi.matching import read_detections_csv
    from openndc.osi.templates import read_templates

    outs = (
        (args.out, "--out"),
        (args.csv, "--csv"),
        (args.ims, "--ims"),
        (args.map, "--map"),
        (args.mc_plot, "--mc-plot"),
    )
    for path, option in outs:
        check_out_file(path, option)
    if args.area is not None and args.site is None:
        raise ConfigError("--area needs --site (the centre of the inspection area)")
    for path, option in ((args.detections, "--detections"), (args.inventory, "--inventory")):
        if not Path(path).is_file():
            raise ConfigError(f"{option} {path}: no such file")
    if not Path(args.templates).is_dir():
        raise ConfigError(f"--templates {args.templates}: no such folder")
    network = read_inventory(args.inventory)
    templates = [t.info for t in read_templates(args.templates)]
    if not templates:
        raise ConfigError(f"--templates {args.templates}: holds no templates")
    detections = read_detections_csv(args.detections)
    bulletin = make_bulletin(
        detections, templates, network, BulletinConfig(group_tolerance=args.tolerance)
    )
    bulletin.write(args.out, csv=args.csv, ims=args.ims)
    mc = bulletin.mc
    n_rel = sum(e.method == "relative" for e in bulletin.events)
    b_text = f"b {mc.b:.2f} +- {mc.b_uncertainty:.2f}" if math.isfinite(mc.b) else "b: too few"
    print(
        f"{len(detections)} detections -> {len(bulletin.events)} events ({n_rel} relocated "
        f"relative to their template, the rest at the template's epicentre; "
        f"{bulletin.n_dropped} dropped with picks on too few channels); Mc "
        f"{mc.mc:.1f} (maximum curvature {mc.mc_maxc:.1f} + 0.2), {mc.n_above} events at or "
        f"above it, {b_text}"
    )
    print(f"QuakeML -> {args.out}")
    for path, what in ((args.csv, "table"), (args.ims, "IMS1.0")):
        if path:
            print(f"{what} -> {path}")
    if args.map:
        plot_bulletin_map(bulletin, network, args.map, site=args.site, area_km2=args.area)
        print(f"map -> {args.map}")
    if args.mc_plot:
        plot_magnitudes(bulletin, args.mc_plot)
        print(f"Mc plot -> {args.mc_plot}")
    return 0
