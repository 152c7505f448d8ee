"""Latency of the live pipeline: SeedLink replay → acquisition → detection → first origin.

Replays an SDS archive (default: the demo's built-in scenario, ``make demo`` makes it) with
OpenNDC's SeedLink server at ``--speed`` x real time into ``openndc run``'s machinery
(acquisition + :class:`~openndc.pipeline.live.LiveRunner`) in this process, and measures
the latency the pipeline adds:

- detection: wall time when a detection is in the database minus the wall time when its
  stream's data reached the detection's onset plus the detection stage's declared tail
  (the data it needs after the onset);
- first origin: wall time when an event's first origin is in the database minus the wall
  time when the data of its last defining arrival had arrived (onset + tail);
- CPU: this process's CPU seconds per wall second (acquisition + pipeline), which at x1 is
  the cost of running the network live.

Times are in data seconds scaled back to wall seconds by nothing: all are wall clock.
Usage::

    python benchmarks/bench_live.py --speed 20 --minutes 60 [--block 60]
    python benchmarks/bench_live.py --speed 1 --minutes 3
"""

from __future__ import annotations

import argparse
import bisect
import resource
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.acquisition import Acquisition, AcquisitionConfig
from openndc.bulletin import BulletinStore
from openndc.model.event import Event
from openndc.pipeline.contract import InventorySource, StageContext
from openndc.pipeline.live import DataClock, LiveRunner
from openndc.pipeline.process import ProcessConfig, RunnerConfig
from openndc.pipeline.runner import WindowReport
from openndc.pipeline.sources import ArchiveSource
from openndc.pipeline.stages import DetectionStage
from openndc.seedlink import ServerThread


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="build/demo/scenario", help="folder with sds/")
    ap.add_argument("--start", default="2024-03-01T00:40:00", help="replay start (UTC)")
    ap.add_argument("--speed", type=float, default=20.0, help="x real time")
    ap.add_argument("--minutes", type=float, default=30.0, help="data minutes to replay")
    ap.add_argument("--block", type=float, default=60.0, help="processing block [s]")
    args = ap.parse_args()
    scen, start = Path(args.scenario), UTCDateTime(args.start)
    config = ProcessConfig(runner=RunnerConfig(window=args.block))
    tail = DetectionStage(config.detection).margins().after
    arrivals: dict[str, tuple[list[int], list[float]]] = {}
    clock = DataClock()
    lock = threading.Lock()

    def on_record(rec: object) -> None:
        stream, end = str(rec.stream), rec.end  # type: ignore[attr-defined]
        now = time.perf_counter()
        with lock:
            ends, walls = arrivals.setdefault(stream.split(".")[1], ([], []))
            ends.append(int(end.ns))
            walls.append(now)
        clock.record(stream, end)

    def data_wall(station: str, t: UTCDateTime) -> float | None:
        with lock:
            ends, walls = arrivals.get(station, ([], []))
            i = bisect.bisect_left(ends, int(t.ns))
            return walls[i] if i < len(walls) else None

    det_lat: list[float] = []
    org_lat: list[float] = []
    store_holder: list[BulletinStore] = []

    def progress(r: WindowReport) -> None:
        now = time.perf_counter()
        for d in store_holder[0].load_detections(r.window.start, r.window.end):
            w = data_wall(d.station, d.time + tail)
            if w is not None:
                det_lat.append(now - w)

    def on_event(kind: str, ev: Event) -> None:
        if kind != "new":
            return
        now = time.perf_counter()
        walls = [data_wall(a.station, a.time + tail) for a in ev.arrivals if a.time_defining]
        known = [w for w in walls if w is not None]
        if known:
            org_lat.append(now - max(known))

    with tempfile.TemporaryDirectory() as tmp:
        server = ServerThread(scen / "sds", replay_start=start, speed=args.speed)
        port = server.start()
        acq = Acquisition(
            Path(tmp) / "sds",
            AcquisitionConfig(seedlink=(f"127.0.0.1:{port}",)),
            state_file=Path(tmp) / "state.json",
            on_record=on_record,
        )
        with BulletinStore(f"sqlite:///{tmp}/b.db") as store:
            store_holder.append(store)
            ctx = StageContext(
                InventorySource(scen / "inventory.xml"), store, ArchiveSource(Path(tmp) / "sds")
            )
            runner = LiveRunner(ctx, config, start=start, progress=progress, on_event=on_event)
            stop = threading.Event()
            wall = args.minutes * 60.0 / args.speed + 5.0
            threading.Timer(wall, stop.set).start()
            cpu0, t0 = _cpu(), time.perf_counter()
            acq.start()
            runner.run(clock.now, stop, poll=0.2)
            acq.stop()
            cpu, elapsed = _cpu() - cpu0, time.perf_counter() - t0
        server.stop()
    reached = clock.now()
    print(f"replay x{args.speed:g}, {args.minutes:g} data minutes, {args.block:g}-s blocks")
    print(f"data time reached {reached} (started {start}); wall {elapsed:.0f} s")
    print(f"CPU {cpu:.1f} s = {cpu / elapsed:.3f} CPU-s per wall second (all of this process)")
    for name, lat in (("detection", det_lat), ("first origin", org_lat)):
        if lat:
            a = np.array(lat)
            print(
                f"{name} latency added [s]: n={a.size} median {np.median(a):.1f}, "
                f"95th percentile {np.percentile(a, 95):.1f}, max {a.max():.1f}"
            )
        else:
            print(f"{name}: none in the replayed span")


if __name__ == "__main__":
    main()
