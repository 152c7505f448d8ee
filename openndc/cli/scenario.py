"""``openndc scenario``: synthesize network data with a known truth.

Contract (other tools rely on it)::

    openndc scenario make --network kz --start T --duration 24h --seed N \
        [--events EVENTS.csv] [--dprk-explosion] --out DIR

``--network`` is ``kz`` (the built-in Kazakh network), a StationXML file or a CSS3.0 ``.site``
file. Without ``--events`` the event list is drawn from the seed (for ``kz`` and a 24 h span
starting at midnight: the built-in day, :func:`openndc.scenario.kazakh_day_events`, which
has its own DPRK explosion); ``--dprk-explosion`` adds an explosion at the DPRK test site to
a drawn list.
Writes DIR/sds, DIR/inventory.xml, DIR/truth.xml, DIR/truth.csv, DIR/truth_arrivals.csv
(docs/scenario.md).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from openndc.cli._args import (
    check_out_dir,
    duration_arg,
    positive_float,
    positive_int,
    seed_arg,
    time_arg,
)
from openndc.inventory import read_inventory

#: Shortest and longest scenario [s]: a minute (arrivals need room), a year.
MIN_DURATION_S = 60.0
MAX_DURATION_S = 366 * 86400.0
parse_duration = duration_arg(MIN_DURATION_S, MAX_DURATION_S)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "scenario",
        help="synthesize network data with a known truth",
        description="Synthetic scenarios: noise, regional and teleseismic events, SDS + truth.",
    )
    ssub = p.add_subparsers(dest="scenario_command", required=True)
    m = ssub.add_parser(
        "make",
        help="write a scenario (SDS, StationXML, QuakeML + CSV truth)",
        description="Synthesize --duration of data for --network from --start into --out.",
    )
    m.add_argument("--network", required=True, help="'kz', a StationXML file or a CSS3.0 .site")
    m.add_argument("--start", required=True, type=time_arg, help="start (UTC, ISO 8601)")
    m.add_argument(
        "--duration", required=True, type=parse_duration, help="60 s to 366 d: 24h, 90m, 3600"
    )
    m.add_argument(
        "--seed", required=True, type=seed_arg, help="random seed 0..2**32-1 (same seed, same data)"
    )
    m.add_argument(
        "--dprk-explosion",
        action="store_true",
        help="add an explosion at the DPRK test site to the drawn events",
    )
    m.add_argument("--events", help="events CSV (columns: docs/scenario.md); default: drawn")
    m.add_argument("--out", required=True, help="output folder")
    m.add_argument(
        "--sampling-rate",
        type=positive_float,
        default=40.0,
        help="rate for channels without one [Hz]",
    )
    m.add_argument("--no-artifacts", action="store_true", help="no spikes, gaps or dead channels")
    m.add_argument(
        "--workers", type=positive_int, default=None, help="processes (default: CPUs, max 4)"
    )
    m.add_argument("--overwrite", action="store_true", help="replace an existing DIR/sds")
    m.add_argument("--no-progress", action="store_true", help="no progress lines")
    m.set_defaults(func=run_make)


def run_make(args: argparse.Namespace) -> int:
    from openndc.scenario import (
        ScenarioConfig,
        draw_events,
        kazakh_day_events,
        make_scenario,
        read_events_csv,
    )

    check_out_dir(args.out)
    network = read_inventory(args.network)
    start = args.start
    if args.events:
        events = read_events_csv(args.events)
    elif str(args.network).lower() == "kz" and args.duration == 86400.0:
        events = kazakh_day_events(start, args.seed)
    else:
        rng = np.random.default_rng([args.seed, 11])
        events = draw_events(network, start, args.duration, rng, dprk=args.dprk_explosion)

    def progress(done: int, total: int, site: str) -> None:
        if not args.no_progress:
            print(f"[{done}/{total}] {site}", file=sys.stderr, flush=True)

    truth = make_scenario(
        network,
        start,
        args.duration,
        args.seed,
        args.out,
        events=events,
        sampling_rate=args.sampling_rate,
        progress=progress,
        config=ScenarioConfig(
            artifacts=not args.no_artifacts,
            workers=args.workers,
            dprk_explosion=args.dprk_explosion,
        ),
        overwrite=args.overwrite,
    )
    kinds: dict[str, int] = {}
    for e in truth.scenario_events:
        kinds[e.event_type] = kinds.get(e.event_type, 0) + 1
    what = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    print(
        f"{len(truth.scenario_events)} events ({what}), {len(truth.arrivals)} arrivals, "
        f"{network.n_channels} channels in {truth.elapsed_s:.1f} s -> {args.out}"
    )
    return 0
