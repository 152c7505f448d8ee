"""Latency of the live pipeline: SeedLink replay → acquisition → detection → first origin.

Replays an SDS archive (default: the demo's built-in scenario, ``make demo`` makes it) with
OpenNDC's SeedLink server at ``--speed`` x real time into ``openndc run``'s machinery
(acquisition + :class:`~openndc.pipeline.live.LiveRunner`) in this process, and measures:

- detection, streaming (default): wall time when a detection is first in the database
  (its onset fixed) minus (a) the wall time when the record holding its onset had been
  archived, and (b) the wall time when the data its measurement reads had been archived
  (pipeline-added: the trigger plus :func:`~openndc.detection.streaming.onset_delay` for a
  station; for an array, the last sample its measurement read, ``extra["data_end"]``);
- detection, ``--blocks``: the block runner (detection included) as before: wall time when
  the block's detections are stored minus when the data to onset + the detection tail had
  arrived;
- first origin: wall time when an event's first origin is in the database minus the wall
  time when the data its last defining detection needs had been archived (so it includes
  the detection's own pipeline-added time and the association cadence);
- CPU: this process's CPU seconds per wall second (acquisition + pipeline), which at x1 is
  the cost of running the network live; and the wall time of each association run.

``--detail`` lists every detection and first origin with its latencies (the evidence for
where a tail comes from); ``--scenario``/``--inventory`` replay another archive (e.g. the
synthetic day of ``benchmarks/synthetic_day.py``, with many events). The server gets a copy of
the replayed span only (it reads whole day files before serving).

Usage::

    python benchmarks/bench_live.py --speed 20 --minutes 30
    python benchmarks/bench_live.py --speed 1 --minutes 5
    python benchmarks/bench_live.py --speed 20 --minutes 30 --blocks   # the peer: blocks
    python benchmarks/bench_live.py --scenario benchmarks/out/day \
        --inventory benchmarks/out/day/stations.xml --speed 1 --minutes 16 \
        --start 2024-03-01T14:23:00 --detail          # first origins at x1, several events
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
from openndc.detection.streaming import onset_delay
from openndc.inventory import read_inventory
from openndc.model.detection import Detection
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


def _span_archive(src: Path, dst: Path, t0: UTCDateTime, t1: UTCDateTime) -> Path:
    """The records of ``src`` (an SDS tree) between ``t0`` and ``t1`` copied into ``dst``:
    the replaying server reads whole day files before it serves (a minute for a 132-channel
    day on a loaded machine), so it gets only the span replayed."""
    from obspy import read

    days = {(t0 + k * 86400.0).strftime("%Y.%j") for k in range(int((t1 - t0) // 86400) + 2)}
    for f in sorted(src.rglob("*.D.*")):
        if ".".join(f.name.split(".")[-2:]) not in days:
            continue
        st = read(str(f), starttime=t0, endtime=t1)
        if not len(st):
            continue
        out = dst / f.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        st.write(str(out), format="MSEED", reclen=512)
    return dst


def _stats(name: str, lat: list[float]) -> None:
    if lat:
        a = np.array(lat)
        print(
            f"{name} [s]: n={a.size} median {np.median(a):.1f}, "
            f"95th percentile {np.percentile(a, 95):.1f}, max {a.max():.1f}"
        )
    else:
        print(f"{name}: none in the replayed span")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--scenario", default="build/demo/scenario", help="folder with sds/")
    ap.add_argument("--start", default="2024-03-01T00:40:00", help="replay start (UTC)")
    ap.add_argument("--speed", type=float, default=20.0, help="x real time")
    ap.add_argument("--minutes", type=float, default=30.0, help="data minutes to replay")
    ap.add_argument("--block", type=float, default=60.0, help="processing block [s]")
    ap.add_argument("--blocks", action="store_true", help="the block runner instead of streaming")
    ap.add_argument(
        "--inventory", default=None, help="StationXML (default: SCENARIO/inventory.xml)"
    )
    ap.add_argument(
        "--block-arrays",
        action="store_true",
        help="arrays per complete 60-s block instead of streamed (LiveRunner stream_arrays=False)",
    )
    ap.add_argument(
        "--detail", action="store_true", help="list every detection and origin with its latency"
    )
    args = ap.parse_args()
    scen, start = Path(args.scenario), UTCDateTime(args.start)
    config = ProcessConfig(runner=RunnerConfig(window=args.block))
    tail = DetectionStage(config.detection).margins().after
    station_need = onset_delay(config.detection, 40.0)
    # per (station, channel): a 3-C station's three channels send records that end at
    # different times, and a detection needs its own channel's data
    arrivals: dict[tuple[str, str], tuple[list[int], list[float]]] = {}
    clock = DataClock()
    lock = threading.Lock()
    holder: list[LiveRunner] = []
    inventory = Path(args.inventory) if args.inventory else scen / "inventory.xml"
    network = read_inventory(str(inventory))
    t_wall0 = time.perf_counter()
    t_perf_mono = time.perf_counter() - time.monotonic()  # the runner times with monotonic()
    detail: list[str] = []
    elements = {a.code: [e.station for e in a.elements] for a in network.arrays}

    def on_record(rec: object) -> None:
        stream, end = str(rec.stream), rec.end  # type: ignore[attr-defined]
        now = time.perf_counter()
        with lock:
            _, sta, _, cha = stream.split(".")
            ends, walls = arrivals.setdefault((sta, cha), ([], []))
            ends.append(int(end.ns))
            walls.append(now)
        clock.record(stream, end, rec.start)  # type: ignore[attr-defined]
        if holder:
            holder[0].feed(stream, rec.start, rec.sample_rate, rec.data)  # type: ignore[attr-defined]

    def data_wall(station: str, channel: str, t: UTCDateTime) -> float | None:
        """When the station's (an array's elements') data of ``channel`` reached ``t`` (wall
        clock)."""
        out = []
        for sta in elements.get(station, [station]):
            with lock:
                ends, walls = arrivals.get((sta, channel), ([], []))
                i = bisect.bisect_left(ends, int(t.ns))
                w = walls[i] if i < len(walls) else None
            if w is not None:
                out.append(w)
        return max(out) if out else None

    def need_of(d: Detection) -> UTCDateTime:
        if d.method == "beam" and d.extra and "data_end" in d.extra:  # streamed arrays
            return UTCDateTime(d.extra["data_end"])
        if d.method == "beam":  # arrays: the detection stage on the block, with its tail
            block_end = (np.floor(d.time.timestamp / args.block) + 1) * args.block
            return UTCDateTime(block_end) + tail
        trig = d.extra.get("trigger_time") if d.extra else None
        return (UTCDateTime(trig) if trig is not None else d.time) + station_need

    onset_lat: dict[str, list[float]] = {"stalta": [], "beam": []}
    added_lat: dict[str, list[float]] = {"stalta": [], "beam": []}
    org_lat: list[float] = []
    seen: set[str] = set()
    #: the data each detection needs, noted when it is stored (an event's arrivals are read
    #: back from the database, without the measurement's extra fields: trigger, data end)
    need_by_id: dict[str, UTCDateTime] = {}
    store_holder: list[BulletinStore] = []

    def on_detections(dets: list[Detection]) -> None:
        now = time.perf_counter()
        for d in dets:
            if d.id in seen:
                continue  # an update of a detection already counted
            seen.add(d.id)
            need_by_id[d.id] = need_of(d)
            w_onset = data_wall(d.station, d.channel, d.time)
            w_need = data_wall(d.station, d.channel, need_of(d))
            kind = "beam" if d.method == "beam" else "stalta"
            if w_onset is not None:
                onset_lat[kind].append(now - w_onset)
            if w_need is not None:
                added_lat[kind].append(now - w_need)
            if args.detail:
                detail.append(
                    f"{now - t_wall0:8.1f} det {d.station:6s} {kind:6s} onset {d.time} "
                    f"need {need_of(d)} after-onset "
                    f"{now - w_onset if w_onset is not None else float('nan'):6.1f} added "
                    f"{now - w_need if w_need is not None else float('nan'):6.1f} s "
                    f"band {d.extra.get('band') if d.extra else ''} snr {d.snr:.1f}"
                )

    def on_withdrawn(names: list[str]) -> None:
        if args.detail:
            now = time.perf_counter()
            detail.extend(f"{now - t_wall0:8.1f} withdrawn {n}" for n in names)

    def progress(r: WindowReport) -> None:  # the block runner's detections
        if not args.blocks:
            return
        now = time.perf_counter()
        for d in store_holder[0].load_detections(r.window.start, r.window.end):
            w_onset = data_wall(d.station, d.channel, d.time)
            w_need = data_wall(d.station, d.channel, d.time + tail)
            kind = "beam" if d.method == "beam" else "stalta"
            if w_onset is not None:
                onset_lat[kind].append(now - w_onset)
            if w_need is not None:
                added_lat[kind].append(now - w_need)

    def on_event(kind: str, ev: Event) -> None:
        if kind != "new":
            return
        now = time.perf_counter()
        needs = [
            data_wall(
                a.station,
                a.detection.channel,
                a.time + tail
                if args.blocks
                else need_by_id.get(a.detection.id, need_of(a.detection)),
            )
            for a in ev.arrivals
            if a.time_defining
        ]
        known = [w for w in needs if w is not None]
        if known:
            org_lat.append(now - max(known))
        if args.detail:
            last = max(known) if known else float("nan")
            detail.append(
                f"{now - t_wall0:8.1f} origin {ev.origin.time} "
                f"{ev.origin.latitude:.2f} {ev.origin.longitude:.2f}"
                f" {len(known)} defining, after their data {now - last:6.1f} s"
            )

    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        span = _span_archive(
            scen / "sds", Path(tmp) / "source", start - 600.0, start + args.minutes * 60.0 + 60.0
        )
        server = ServerThread(span, replay_start=start, speed=args.speed)
        port = server.start(
            timeout=600.0
        )  # replay reads the day files first: slow on a loaded machine
        acq = Acquisition(
            Path(tmp) / "sds",
            AcquisitionConfig(seedlink=(f"127.0.0.1:{port}",)),
            state_file=Path(tmp) / "state.json",
            on_record=on_record,
        )
        with BulletinStore(f"sqlite:///{tmp}/b.db") as store:
            store_holder.append(store)
            ctx = StageContext(InventorySource(inventory), store, ArchiveSource(Path(tmp) / "sds"))
            runner = LiveRunner(
                ctx, config, start=start, progress=progress, on_event=on_event,
                streaming=not args.blocks, on_detections=on_detections,
                stream_arrays=not args.block_arrays, on_withdrawn=on_withdrawn,
            )  # fmt: skip
            holder.append(runner)
            stop = threading.Event()
            wall = args.minutes * 60.0 / args.speed + 5.0
            threading.Timer(wall, stop.set).start()
            cpu0, t0 = _cpu(), time.perf_counter()
            acq.start()
            runner.run(clock.now, stop, poll=0.2)
            acq.stop()
            cpu, elapsed = _cpu() - cpu0, time.perf_counter() - t0
            backlog, withdrawn = runner.pending(), runner.n_withdrawn
        server.stop()
    reached = clock.now()
    mode = f"blocks of {args.block:g} s" if args.blocks else "streaming"
    print(f"replay x{args.speed:g}, {args.minutes:g} data minutes, {mode}")
    print(f"data time reached {reached} (started {start}); wall {elapsed:.0f} s")
    print(f"records not yet detected on at the end (backlog): {backlog}")
    print(f"array arrivals withdrawn (a stronger one re-picked within merge_window): {withdrawn}")
    print(f"CPU {cpu:.1f} s = {cpu / elapsed:.3f} CPU-s per wall second (all of this process)")
    for kind, what in (("stalta", "stations"), ("beam", "arrays")):
        _stats(f"detection ({what}) after its onset's record", onset_lat[kind])
        _stats(f"detection ({what}), pipeline-added (after the data it needs)", added_lat[kind])
    _stats("first origin after its last defining detection's data", org_lat)
    if not args.blocks:
        _stats("association runs (wall)", runner.assoc_seconds)
    if args.detail:  # association runs, on the same clock (a detection tail beside one?)
        mono0 = t_wall0 - t_perf_mono
        detail += [
            f"{t - mono0:8.1f} association run of {dt:.1f} s"
            for t, dt in zip(runner.assoc_started, runner.assoc_seconds, strict=True)
        ]
        detail.sort(key=lambda line: float(line.split()[0]))
    for line in detail:
        print(line)


if __name__ == "__main__":
    main()
