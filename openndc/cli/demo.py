"""``openndc demo``: the main job on the embedded default, a synthesized day of the Kazakh network.

The default is the built-in scenario of the training centre: one day of the built-in Kazakh
network (``kz``: MKAR, BVAR, KURK, AKTO, I31KZ, the II/IU stations...) with regional Tien Shan
and Altai earthquakes, Kazakh mine blasts, an explosion at the DPRK test site and teleseisms,
synthesized deterministically from a seed (``openndc scenario make``), or reused when it is
already there. The demo then runs the pipeline exactly as ``openndc process`` does:
detection (counting how many true arrivals were detected), association, location,
magnitudes, the bulletin database; prints the event list and scores it against the truth
with the training centre's scorer; and writes a record section and a map.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from obspy import UTCDateTime

from openndc.cli._common import print_event_table, print_window_progress
from openndc.cli.process import detections_provenance
from openndc.inventory import read_inventory
from openndc.model.detection import Detection

if TYPE_CHECKING:  # pandas is imported when the command runs (fast --help)
    import pandas as pd

__all__ = ["DEMO_SEED", "DEMO_START", "count_detected_arrivals", "register", "run"]

#: The built-in scenario: the day and the seed.
DEMO_START = UTCDateTime("2024-03-01T00:00:00")
DEMO_SEED = 1
#: A true arrival counts as detected when a detection on its station (or array) lies within
#: this many seconds [s] of it.
MATCH_S = 3.0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "demo",
        help="the whole pipeline on the built-in Kazakh scenario (synthesized day)",
        description="Synthesize (or reuse) the built-in scenario day of the Kazakh network, "
        "detect, associate, locate, compute magnitudes, store the bulletin and score it.",
    )
    p.add_argument("--out", default="build/demo", help="output folder")
    p.add_argument("--hours", type=float, default=24.0, help="length of the day to process [h]")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: CPUs)")
    p.add_argument(
        "--live-seconds",
        type=float,
        default=90.0,
        help="then run the NDC live for this long on a SeedLink replay of the day (0: skip)",
    )
    p.add_argument(
        "--live-speed",
        type=float,
        default=20.0,
        help="replay speed (x real time; the streaming detector keeps up with the 132 channels "
        "at 20x on two cores, and works off a backlog at the end when it does not)",
    )
    p.set_defaults(func=run)


def count_detected_arrivals(
    truth: pd.DataFrame, detections: list[Detection], tolerance: float = MATCH_S
) -> tuple[int, int, pd.DataFrame]:
    """How many true arrivals have a detection on their station within ``tolerance`` [s].

    Each detection can confirm one true arrival. Returns ``(detected, total, per-phase
    table)``.
    """
    by_station: dict[str, list[float]] = {}
    for det in detections:
        by_station.setdefault(det.station, []).append(float(det.time.timestamp))
    times = {k: np.sort(np.array(v)) for k, v in by_station.items()}
    used: dict[str, set[int]] = {}
    t_true = np.array([UTCDateTime(t).timestamp for t in truth["time"]], dtype=np.float64)
    stations = [str(s) for s in truth["station"]]
    hit = np.zeros(len(truth), dtype=bool)
    for i in np.argsort(t_true, kind="stable"):
        cand = times.get(stations[i])
        if cand is None:
            continue
        lo, hi = np.searchsorted(cand, [t_true[i] - tolerance, t_true[i] + tolerance])
        taken = used.setdefault(stations[i], set())
        for k in range(int(lo), int(hi)):
            if k not in taken:
                taken.add(k)
                hit[i] = True
                break
    table = (
        truth.assign(detected=hit)
        .groupby("phase")["detected"]
        .agg(["sum", "count"])
        .rename(columns={"sum": "detected", "count": "true"})
    )
    return int(hit.sum()), len(truth), table


def run(args: argparse.Namespace) -> int:
    from openndc.bulletin import BulletinStore, write_bulletin
    from openndc.io.tables import write_detections
    from openndc.pipeline.contract import InventorySource, StageContext, Window
    from openndc.pipeline.process import ProcessConfig
    from openndc.pipeline.runner import run_batch
    from openndc.pipeline.sources import ArchiveSource
    from openndc.plots import plot_event_record_section
    from openndc.scenario import kazakh_day_events, make_scenario, read_truth_arrivals
    from openndc.training.events import read_scored_events
    from openndc.training.plot import plot_score
    from openndc.training.score import score_bulletin

    out = Path(args.out)
    scen = out / "scenario"
    if (scen / "truth.csv").exists() and (scen / "sds").is_dir():
        print(f"reusing the built-in scenario in {scen}")
    else:
        print(f"synthesizing the built-in Kazakh scenario (seed {DEMO_SEED}) into {scen} ...")
        truth_made = make_scenario(
            read_inventory("kz"),
            DEMO_START,
            86400.0,
            DEMO_SEED,
            scen,
            events=kazakh_day_events(DEMO_START, DEMO_SEED),
            overwrite=True,
        )
        print(f"  {len(truth_made.events)} events in {truth_made.elapsed_s:.0f} s")
    start, end = DEMO_START, DEMO_START + args.hours * 3600.0
    config = ProcessConfig()
    db = out / "bulletin.db"
    db.unlink(missing_ok=True)
    inventory = InventorySource(scen / "inventory.xml")
    network, _ = inventory.network(Window(start, end))
    source = ArchiveSource(scen / "sds")
    with BulletinStore(f"sqlite:///{db}") as store:
        context = StageContext(inventory, store, source, source_label=str(scen / "sds"))
        report = run_batch(
            context,
            config,
            start,
            end,
            workers=args.workers,
            identity=str(scen / "sds"),
            progress=print_window_progress,
        )
        detections = store.load_detections(start, end)
        bulletin = store.load(start - config.runner.lookback, end, name="automatic")
    write_detections(
        detections, out / "detections.csv", detections_provenance(detections, str(scen / "sds"))
    )
    truth_arr = read_truth_arrivals(scen / "truth_arrivals.csv")
    truth_arr = truth_arr[[start <= UTCDateTime(t) < end for t in truth_arr["time"]]].reset_index(
        drop=True
    )
    n_hit, n_true, per_phase = count_detected_arrivals(truth_arr, detections)
    print(
        f"\n{len(detections)} detections; {n_hit} of {n_true} true arrivals detected "
        f"({n_hit / max(n_true, 1):.0%}) within {MATCH_S:g} s:"
    )
    print(per_phase.T.to_string())

    write_bulletin(bulletin, out / "bulletin.xml")
    times = ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items() if v > 0)
    print(
        f"\nautomatic bulletin ({len(bulletin)} events, {report.processed} windows; {times})"
        f" -> {db}, {out / 'bulletin.xml'}"
    )
    print_event_table(bulletin)

    truth_events = [
        e
        for e in read_scored_events(scen / "truth.csv")
        if e.time is not None and start <= e.time < end
    ]
    score = score_bulletin(read_scored_events(out / "bulletin.xml"), truth_events)
    print("\nscore against the scenario's truth (training centre scorer):")
    print(score.to_text())
    plot_score(score, out / "score_map.png", title="OpenNDC demo: bulletin vs truth")
    first = max(bulletin, key=lambda e: e.origin.n_stations or 0, default=None)
    if first is not None:
        t0 = first.origin.time
        last = max((a.time for a in first.arrivals), default=t0 + 600.0)
        data = ArchiveSource(scen / "sds").read(t0 - 60, last + 120.0)
        plot_event_record_section(
            data.stream,
            first,
            network,
            out / "record_section.png",
            title=f"OpenNDC demo: event {first.id}, {first.origin.n_stations} stations",
        )
    print(f"\nplots -> {out / 'score_map.png'}, {out / 'record_section.png'}")
    sys.stdout.flush()
    if args.live_seconds > 0:
        live_demo(scen, out, args.live_seconds, args.live_speed)
    return 0


def live_demo(scen: Path, out: Path, seconds: float, speed: float) -> None:
    """The NDC as a service: OpenNDC's SeedLink server replays the scenario day and
    ``openndc run`` acquires it, archives it and runs the pipeline on it as it arrives,
    printing events as they appear and are updated."""
    from openndc.cli.main import main
    from openndc.seedlink import ServerThread

    live = out / "live"
    if live.exists():
        shutil.rmtree(live)
    live.mkdir(parents=True)
    start = DEMO_START + 40 * 60.0  # a few minutes before the day's first event
    server = ServerThread(scen / "sds", replay_start=start, speed=speed)
    port = server.start()
    print(
        f"\nlive: SeedLink server on 127.0.0.1:{port} replays the day from {start} at "
        f"{speed:g}x real time; openndc run acquires and processes it for {seconds:g} s:"
    )
    sys.stdout.flush()
    try:
        main(
            ["-q", "run", "--seedlink", f"127.0.0.1:{port}", "--archive", str(live / "sds"),
             "--inventory", str(scen / "inventory.xml"), "--db", f"sqlite:///{live / 'live.db'}",
             "--start", str(start), "--duration", str(seconds), "--status-every", "20"]
        )  # fmt: skip
    finally:
        server.stop()
    print(f"live archive {live / 'sds'}, live bulletin sqlite:///{live / 'live.db'}")
