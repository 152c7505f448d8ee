"""``openndc osi detect``: scan continuous data with templates (matched filter).

Contract (other tools rely on it)::

    openndc osi detect --templates DIR --archive DIR --inventory FILE --start T --end T --out CSV

Reads the templates ``openndc osi templates`` wrote, scans the archive over ``[start,
end)`` block by block (:func:`openndc.osi.matching.scan`) and writes one CSV row per
detection: the template, the detected event's origin time (the template's origin time plus
the lag), the network correlation, the threshold, the relative magnitude and the
lag-refined picks. ``--config`` takes a TOML file whose ``[match]`` table sets
:class:`~openndc.osi.config.MatchConfig`.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging

from openndc.cli._args import check_archive, check_out_file, check_window, positive_float, time_arg
from openndc.cli.osi.templates import load_section

__all__ = ["register", "run"]

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "detect",
        help="scan continuous data with templates (matched filter) into a detections CSV",
        description="Normalised cross-correlation of every template with the continuous data, "
        "stacked over the network at the template's move-out; MAD threshold, declustering, "
        "lag-refined picks and relative magnitudes. One CSV row per detection.",
    )
    p.add_argument("--templates", required=True, help="folder written by 'openndc osi templates'")
    p.add_argument("--archive", required=True, help="SDS folder or CSS3.0 .wfdisc file")
    p.add_argument("--inventory", required=True, help="StationXML, CSS3.0 .site, or 'kz'")
    p.add_argument("--start", required=True, type=time_arg, help="span start (UTC, ISO 8601)")
    p.add_argument("--end", required=True, type=time_arg, help="span end (UTC, ISO 8601)")
    p.add_argument("--out", required=True, help="detections CSV to write")
    p.add_argument("--config", help="TOML file with a [match] table (MatchConfig)")
    p.add_argument(
        "--threshold", type=positive_float, help="override [match] threshold (x MAD by default)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from openndc.inventory import read_inventory
    from openndc.osi.config import MatchConfig
    from openndc.osi.matching import scan, write_detections_csv
    from openndc.osi.templates import read_templates
    from openndc.pipeline.contract import select_stations
    from openndc.pipeline.sources import open_source

    config = load_section(args.config, "match", MatchConfig)
    if args.threshold is not None:
        config = dataclasses.replace(config, threshold=args.threshold)
    check_window(args.start, args.end)
    check_archive(args.archive)
    check_out_file(args.out)
    templates = read_templates(args.templates)
    network = read_inventory(args.inventory, at=(args.start, args.end))
    known = {s.code for s in network}
    stations = {ch.seed_id.split(".")[1] for t in templates for ch in t.info.channels}
    missing = sorted(stations - known)
    if missing:
        log.warning("template stations not in the inventory: %s", ", ".join(missing))
    source = select_stations(open_source(args.archive), stations)
    detections, problems = scan(templates, source, args.start, args.end, config)
    if problems:
        log.warning("%d data problems; the rest was scanned", len(problems))
    write_detections_csv(detections, args.out)
    print(
        f"{len(detections)} detections by {len({d.template for d in detections})} of "
        f"{len(templates)} templates over {args.start} - {args.end} written to {args.out}"
    )
    return 0
