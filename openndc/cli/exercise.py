"""``openndc exercise``: training exercises with a sealed truth, and scoring bulletins.

Contract (other tools rely on it)::

    openndc exercise make --network kz --start T --duration D --seed N --out DIR
                          [--events CSV] [--passphrase P]
    openndc exercise make --kind osi --network PLAN.xml --site LAT,LON --mainshock-time T
                          --start T --duration D --seed N --out DIR [--area KM2]
                          [--area-centre LAT,LON]
                          [--mainshock-magnitude M] [--productivity A] [--min-magnitude M]
    openndc exercise score BULLETIN --truth TRUTH [--passphrase P] [--out TABLE.csv]
                          [--plot MAP.png]

``make`` writes DIR/sds/, DIR/inventory.xml and DIR/exercise.json for the trainees and the
truth sealed in DIR/truth.sealed (``--kind osi``: the aftershock day of an on-site
inspection on a temporary network, :mod:`openndc.training.osi`); without ``--passphrase``
(or the environment variable OPENNDC_EXERCISE_PASSPHRASE) a random passphrase is made and
printed. ``score`` reads the bulletin and the truth as QuakeML, IMS1.0 or the bulletin
CSV; the truth may be sealed. Formats and tolerances: docs/training.md.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from typing import Any

from obspy import UTCDateTime

from openndc.cli._args import (
    check_out_dir,
    check_out_file,
    check_window,
    duration_arg,
    positive_float,
    seed_arg,
    time_arg,
)
from openndc.model.errors import ConfigError

__all__ = ["parse_duration", "parse_time", "register"]

#: ``600``, ``600s``, ``10m``, ``1.5h``, ``1d`` → seconds [s]; 60 s to 366 d.
parse_duration = duration_arg(60.0, 366 * 86400.0)


def parse_time(text: str) -> UTCDateTime:
    """ISO 8601 UTC → UTCDateTime (kept here so scoring imports nothing of the pipeline)."""
    try:
        return time_arg(text)
    except argparse.ArgumentTypeError as exc:
        raise ConfigError(str(exc)) from None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "exercise",
        help="training exercises: data with a sealed truth, and bulletin scoring",
        description="Make an exercise package (synthesized data for trainees, truth sealed with "
        "a passphrase) or score a bulletin against a truth (sealed or plain).",
    )
    verbs = p.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True

    m = verbs.add_parser("make", help="synthesize an exercise and seal its truth")
    m.add_argument("--network", default="kz", help="'kz', StationXML or CSS3.0 .site file")
    m.add_argument("--start", required=True, type=time_arg, help="start (UTC, ISO 8601)")
    m.add_argument(
        "--duration", required=True, type=parse_duration, help="length 60 s - 366 d: 600, 10m, 1d"
    )
    m.add_argument(
        "--seed",
        type=seed_arg,
        help="random seed 0..2**32-1 (default: random; stored only in the sealed truth)",
    )
    m.add_argument(
        "--dprk-explosion",
        action="store_true",
        help="add an explosion at the DPRK test site to the drawn events",
    )
    m.add_argument("--out", required=True, help="exercise folder (new or empty)")
    m.add_argument("--events", help="prescribed event list (CSV) instead of a drawn one")
    m.add_argument(
        "--passphrase",
        help="instructor's passphrase (default: $OPENNDC_EXERCISE_PASSPHRASE, else a random one)",
    )
    m.add_argument(
        "--sampling-rate",
        type=positive_float,
        default=None,
        help="rate for channels without one [Hz] (default 40; --kind osi: 100)",
    )
    m.add_argument("--no-progress", action="store_true", help="no progress lines")
    m.add_argument(
        "--kind",
        choices=("regional", "osi"),
        default="regional",
        help="'osi': an on-site-inspection aftershock day on a temporary network (--network "
        "its StationXML, e.g. from `openndc osi plan`; needs --site and --mainshock-time)",
    )
    osi = m.add_argument_group("on-site inspection (--kind osi)")
    osi.add_argument("--site", type=_site_arg, help="ground zero LAT,LON [deg] (sealed)")
    osi.add_argument(
        "--area-centre",
        type=_site_arg,
        help="centre of the inspection area told to trainees (default: the network's centre)",
    )
    osi.add_argument("--area", type=positive_float, default=1000.0, help="inspection area [km2]")
    osi.add_argument("--mainshock-time", type=time_arg, help="time of the explosion (UTC)")
    osi.add_argument(
        "--mainshock-magnitude", type=float, default=4.5, help="its magnitude (default 4.5)"
    )
    osi.add_argument(
        "--productivity",
        type=float,
        default=-2.5,
        help="Reasenberg-Jones a of the sequence (default -2.5; generic earthquakes -1.67)",
    )
    osi.add_argument(
        "--min-magnitude", type=float, default=-1.5, help="smallest aftershock drawn (ML)"
    )
    m.set_defaults(func=run_make)

    s = verbs.add_parser("score", help="score a bulletin against the truth")
    s.add_argument("bulletin", help="bulletin: QuakeML (.xml), IMS1.0 (.txt/.ims) or CSV")
    s.add_argument("--truth", required=True, help="truth: sealed truth file, QuakeML, IMS1.0, CSV")
    s.add_argument(
        "--passphrase", help="passphrase of a sealed truth (default: $OPENNDC_EXERCISE_PASSPHRASE)"
    )
    s.add_argument("--out", help="write the per-event table (CSV)")
    s.add_argument("--plot", help="write the map and error histograms (PNG)")
    s.add_argument(
        "--time-tolerance",
        type=positive_float,
        default=10.0,
        help="largest |origin time error| [s]",
    )
    s.add_argument(
        "--distance-tolerance",
        type=positive_float,
        default=100.0,
        help="largest epicentre error [km]",
    )
    s.add_argument("--start", type=time_arg, help="score only truth events from this time")
    s.add_argument("--end", type=time_arg, help="score only truth events before this time")
    s.set_defaults(func=run_score)


def _site_arg(text: str) -> tuple[float, float]:
    try:
        lat, lon = (float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give LAT,LON in degrees") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 360):
        raise argparse.ArgumentTypeError(f"{text!r}: latitude -90..90, longitude -180..360")
    return lat, lon


def _make_osi(args: argparse.Namespace, passphrase: str | None, progress: Any) -> Any:
    from openndc.osi.aftershocks import AftershockConfig
    from openndc.training.osi import make_osi_exercise

    if args.site is None or args.mainshock_time is None:
        raise ConfigError("--kind osi needs --site LAT,LON and --mainshock-time T")
    if args.events or args.dprk_explosion:
        raise ConfigError(
            "--kind osi draws its own aftershocks: leave out --events/--dprk-explosion"
        )
    if args.network == "kz":
        raise ConfigError(
            "--kind osi needs the temporary network as --network STATIONXML "
            "(make one with `openndc osi plan`)"
        )
    if args.mainshock_time > args.start:
        raise ConfigError("--mainshock-time must be before --start")
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    config = AftershockConfig(
        mainshock_magnitude=args.mainshock_magnitude,
        productivity=args.productivity,
        min_magnitude=args.min_magnitude,
    )
    return make_osi_exercise(
        args.network,
        args.site,
        args.mainshock_time,
        args.start,
        args.duration,
        args.out,
        seed=seed,
        config=config,
        area_centre=args.area_centre,
        area_km2=args.area,
        passphrase=passphrase,
        sampling_rate=args.sampling_rate or 100.0,
        progress=progress,
    )


def run_make(args: argparse.Namespace) -> int:
    from openndc.training.exercise import PASSPHRASE_ENV, make_exercise

    check_out_dir(args.out)
    passphrase = args.passphrase or os.environ.get(PASSPHRASE_ENV) or None

    def progress(done: int, total: int, site: str) -> None:
        if not args.no_progress:
            print(f"[{done}/{total}] {site}", file=sys.stderr, flush=True)

    if args.kind == "osi":
        exercise = _make_osi(args, passphrase, progress)
    else:
        exercise = make_exercise(
            args.network,
            args.start,
            args.duration,
            args.out,
            seed=args.seed,
            events_csv=args.events,
            passphrase=passphrase,
            sampling_rate=args.sampling_rate or 40.0,
            progress=progress,
            dprk_explosion=args.dprk_explosion,
        )
    print(
        f"exercise -> {exercise.directory}: {exercise.n_events} event(s); trainees get sds/, "
        f"inventory.xml, exercise.json; sealed truth {exercise.sealed} "
        f"({', '.join(exercise.sealed_files)})"
    )
    if exercise.passphrase_generated:
        print(f"passphrase (keep it from the trainees): {exercise.passphrase}")
    return 0


def run_score(args: argparse.Namespace) -> int:
    from openndc.training import (
        MatchTolerances,
        plot_score,
        read_scored_events,
        read_truth,
        score_bulletin,
    )

    check_window(args.start, args.end)
    check_out_file(args.out, "--out")
    check_out_file(args.plot, "--plot")
    tolerances = MatchTolerances(args.time_tolerance, args.distance_tolerance)
    truth = read_truth(args.truth, args.passphrase)
    bulletin = read_scored_events(args.bulletin)
    report = score_bulletin(bulletin, truth, tolerances, start=args.start, end=args.end)
    print(report.to_text())
    if args.out:
        report.table.to_csv(args.out, index=False, float_format="%.6g")
        print(f"table -> {args.out}")
    if args.plot:
        plot_score(report, args.plot, title=f"{args.bulletin} vs {args.truth}")
        print(f"plot -> {args.plot}")
    return 0
