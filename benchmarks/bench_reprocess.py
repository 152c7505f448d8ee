"""Reprocessing at scale: network-days per hour against Dask workers, beside the sequential runner.

All contenders process the same span of the same ``--scenario`` data (synthesised where it is
read, :class:`openndc.scenario.windows.ScenarioSource`; no disk I/O for waveforms) through the
same stages into their own SQLite file, in one process, one after the other:

- ``sequential``: :func:`openndc.pipeline.runner.run_batch` with detection in this process
  (``openndc process --workers 1``), one core;
- ``dask-N``: the cluster runner (``openndc reprocess --workers N``): detection on N
  single-threaded worker processes of a ``LocalCluster`` on loopback, the rest in the client.
  With N larger than the cores, the extra workers only add scheduling and transfer overhead.

Printed per contender: wall time, network-days per hour, speed-up over sequential, throughput
per core (cores = min(N + 1, CPUs): the client is busy too) relative to sequential, the CPU
seconds of the client and the workers per network-day (after a warm-up window on every
process, so imports and numba compilation are not counted; on a shared machine these are the
figures to compare, wall times depend on the load), and the
split of the wall time: the client waiting for detection results, client-side stages
(association, location, magnitudes, screening), database writes (``store``), and the rest
(scheduler, start-up of the cluster, idle). Separately: the worker-side split of one window
(synthesis of the data against detection) and the scheduler's round trip per task (empty
tasks). All ratios come from the same run; the machine may be shared.

Usage::

    python benchmarks/bench_reprocess.py                 # 3 h, sequential + dask 1, 2, 4
    python benchmarks/bench_reprocess.py --hours 2 --workers 1,2
    python benchmarks/bench_reprocess.py --json out/bench_reprocess.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from obspy import UTCDateTime

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from openndc.bulletin import BulletinStore  # noqa: E402
from openndc.inventory import read_inventory, write_stationxml  # noqa: E402
from openndc.model.errors import DataQualityWarning  # noqa: E402
from openndc.pipeline.cluster import dask_detector, open_client  # noqa: E402
from openndc.pipeline.contract import InventorySource, StageContext, Window  # noqa: E402
from openndc.pipeline.process import ProcessConfig  # noqa: E402
from openndc.pipeline.runner import run_batch  # noqa: E402
from openndc.pipeline.stages import DetectionStage  # noqa: E402
from openndc.scenario import ScenarioConfig, synthetic_network  # noqa: E402
from openndc.scenario.windows import (  # noqa: E402
    SIGNAL_LOOKBACK_S,
    ScenarioSource,
    parse_scenario_spec,
    scenario_events,
)

CLIENT_STAGES = ("association", "location", "magnitude", "screening")


def _noop(x: int) -> int:
    return x


def _cpu_s() -> float:
    """CPU time [s] of this process (user + system)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _sys_s() -> float:
    """System CPU time [s] of this process."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


def _warm(stage: DetectionStage, context: StageContext, window: Window) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stage.run(None, window, context)


def scheduler_round_trip(client: Any, n: int = 200) -> float:
    """Mean wall time per task [ms] of ``n`` empty tasks submitted at once."""
    t = time.perf_counter()
    futures = [client.submit(_noop, i, pure=False) for i in range(n)]
    client.gather(futures)
    return (time.perf_counter() - t) / n * 1000.0


def run_one(
    name: str,
    workers: int,
    source: ScenarioSource,
    inventory: InventorySource,
    start: UTCDateTime,
    end: UTCDateTime,
    work: Path,
) -> dict[str, Any]:
    config = ProcessConfig()
    db = f"sqlite:///{work / (name + '.db')}"
    client = None
    t_start = time.perf_counter()
    startup = 0.0
    rtt = float("nan")
    if workers > 0:
        client = open_client(None, workers)
        client.wait_for_workers(workers, timeout=120)
        startup = time.perf_counter() - t_start
        rtt = scheduler_round_trip(client)
    # warm-up (imports, numba compilation) outside the measured run: a 2-min window before
    # the span, in this process and on every worker
    stage = DetectionStage(config.detection)
    light = StageContext(inventory, None, source, "bench")
    warm = Window(start - 600.0, start - 480.0)
    _warm(stage, light, warm)
    if client is not None:
        client.run(_warm, stage, light, warm)
    cpu_client0 = _cpu_s()
    cpu_workers0 = sum(client.run(_cpu_s).values()) if client is not None else 0.0
    sys_workers0 = sum(client.run(_sys_s).values()) if client is not None else _sys_s()
    try:
        t0 = time.perf_counter()
        with BulletinStore(db) as store, warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            ctx = StageContext(inventory, store, source, "bench")
            report = run_batch(
                ctx,
                config,
                start,
                end,
                workers=1,
                detector=dask_detector(client) if client is not None else None,
            )
            n_events = len(store.load(start, end))
            n_det = store.counts()["detection"]
        wall = time.perf_counter() - t0
        cpu_client = _cpu_s() - cpu_client0
        sys_workers = (
            sum(client.run(_sys_s).values()) if client is not None else _sys_s()
        ) - sys_workers0
        cpu_workers = (
            sum(client.run(_cpu_s).values()) if client is not None else 0.0
        ) - cpu_workers0
    finally:
        if client is not None:
            cluster = client.cluster
            client.close()
            cluster.close()
    tm = dict(report.timings)
    client_side = sum(tm.get(k, 0.0) for k in CLIENT_STAGES)
    return {
        "name": name,
        "workers": workers,
        "wall_s": wall,
        "cluster_startup_s": startup,
        "task_round_trip_ms": rtt,
        "detection_wait_s": tm.get("detection", 0.0),
        "client_stages_s": client_side,
        "store_s": tm.get("store", 0.0),
        "other_s": wall - tm.get("detection", 0.0) - client_side - tm.get("store", 0.0),
        "timings": tm,
        "cpu_client_s": cpu_client,
        "cpu_workers_s": cpu_workers,
        "sys_detecting_process_s": sys_workers,
        "events": n_events,
        "detections": n_det,
    }


def worker_split(
    source: ScenarioSource, inventory: InventorySource, start: UTCDateTime
) -> dict[str, float]:
    """One window in this process: synthesis (the source's read) against read + detection."""
    stage = DetectionStage(ProcessConfig().detection)
    w = Window(start, start + 3600.0)
    m = stage.margins()
    ctx = StageContext(inventory, None, source, "bench")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        source.read(w.start - m.before, w.end + m.after)
        synth = time.perf_counter() - t
        t = time.perf_counter()
        stage.run(None, w, ctx)
        both = time.perf_counter() - t
    return {"synthesis_s": synth, "detection_s": both - synth, "window_s": both}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hours", type=float, default=3.0, help="span [h] (1 h windows)")
    ap.add_argument("--workers", default="1,2,4", help="Dask worker counts, comma list")
    ap.add_argument("--scenario", default="draw:7", help="scenario spec (SEED, kazakh-day:S)")
    ap.add_argument("--start", default="2024-06-03T00:00:00", help="span start (UTC)")
    ap.add_argument("--no-sequential", action="store_true", help="skip the sequential peer")
    ap.add_argument("--json", help="also write all numbers here")
    args = ap.parse_args()
    start = UTCDateTime(args.start)
    end = start + args.hours * 3600.0
    cpus = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="bench_reprocess_"))
    net = synthetic_network(read_inventory("kz"))
    write_stationxml(net, work / "inventory.xml")
    inventory = InventorySource(work / "inventory.xml")
    spec = parse_scenario_spec(args.scenario)
    events = scenario_events(net, start - SIGNAL_LOOKBACK_S, end + 86400.0, spec)
    source = ScenarioSource(net, tuple(events), spec.seed, ScenarioConfig())
    n_ch = sum(len(s.channels) for s in net.stations)
    print(
        f"scenario {spec}: {args.hours:g} h of {len(net.stations)} stations ({n_ch} channels) "
        f"from {start}; {cpus} CPUs; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results: list[dict[str, Any]] = []
    plan = [] if args.no_sequential else [("sequential", 0)]
    plan += [(f"dask-{n}", n) for n in (int(x) for x in args.workers.split(","))]
    for name, n in plan:
        r = run_one(name, n, source, inventory, start, end, work)
        results.append(r)
        print(
            f"  {name}: {r['wall_s']:.1f} s, {r['events']} events, {r['detections']} "
            f"detections (load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    split = worker_split(source, inventory, start)
    seq = next((r for r in results if r["workers"] == 0), None)
    days = args.hours / 24.0
    lines = [
        "| runner | wall [s] | network-days/h | speed-up | per core vs seq | wait for detection "
        "| client stages | store | other (scheduler, start-up) | task round trip [ms] "
        "| CPU client + workers [s] | CPU s per network-day |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        cores = 1 if r["workers"] == 0 else min(r["workers"] + 1, cpus)
        rate = days / (r["wall_s"] / 3600.0)
        r["network_days_per_hour"] = rate
        r["cores"] = cores
        speed = seq["wall_s"] / r["wall_s"] if seq else float("nan")
        r["speed_up"] = speed
        r["per_core_vs_sequential"] = speed / cores
        lines.append(
            f"| {r['name']} | {r['wall_s']:.1f} | {rate:.2f} | {speed:.2f} | "
            f"{speed / cores:.2f} | {r['detection_wait_s']:.1f} | {r['client_stages_s']:.1f} | "
            f"{r['store_s']:.1f} | {r['other_s']:.1f} (start-up {r['cluster_startup_s']:.1f}) | "
            f"{r['task_round_trip_ms']:.1f} | {r['cpu_client_s']:.0f} + {r['cpu_workers_s']:.0f} | "
            f"{(r['cpu_client_s'] + r['cpu_workers_s']) / days:.0f} |"
        )
    print("\n".join(lines))
    print(
        f"one window on one core: synthesis {split['synthesis_s']:.1f} s + detection "
        f"{split['detection_s']:.1f} s = {split['window_s']:.1f} s"
    )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(
            json.dumps(
                {
                    "results": results,
                    "worker_split": split,
                    "hours": args.hours,
                    "cpus": cpus,
                    "scenario": str(spec),
                },
                indent=1,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
