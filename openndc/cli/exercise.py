"""``openndc exercise``: training exercises with a sealed truth, and scoring bulletins.

Contract (other tools rely on it)::

    openndc exercise make --network kz --start T --duration D --seed N --out DIR
                          [--events CSV] [--passphrase P]
    openndc exercise score BULLETIN --truth TRUTH [--passphrase P] [--out TABLE.csv]
                          [--plot MAP.png]

``make`` writes DIR/sds/, DIR/inventory.xml and DIR/exercise.json for the trainees and the
truth sealed in DIR/truth.sealed; without ``--passphrase`` (or the environment variable
OPENNDC_EXERCISE_PASSPHRASE) a random passphrase is made and printed. ``score`` reads the
bulletin and the truth as QuakeML, IMS1.0 or the bulletin CSV; the truth may be sealed.
Formats and tolerances: docs/training.md.
"""

from __future__ import annotations

import argparse
import os
import sys

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
        default=40.0,
        help="rate for channels without one [Hz]",
    )
    m.add_argument("--no-progress", action="store_true", help="no progress lines")
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


def run_make(args: argparse.Namespace) -> int:
    from openndc.training.exercise import PASSPHRASE_ENV, make_exercise

    check_out_dir(args.out)
    passphrase = args.passphrase or os.environ.get(PASSPHRASE_ENV) or None

    def progress(done: int, total: int, site: str) -> None:
        if not args.no_progress:
            print(f"[{done}/{total}] {site}", file=sys.stderr, flush=True)

    exercise = make_exercise(
        args.network,
        args.start,
        args.duration,
        args.out,
        seed=args.seed,
        events_csv=args.events,
        passphrase=passphrase,
        sampling_rate=args.sampling_rate,
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
