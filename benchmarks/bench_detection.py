"""Detection-stage benchmark: OpenNDC's batch detection vs. an ObsPy baseline on one SDS day.

Each contender runs in its own subprocess on the same synthetic day
(:mod:`benchmarks.synthetic_day`); the parent measures wall time, CPU time (user + system of
the subprocess and everything it waited for, from ``RUSAGE_CHILDREN``) and peak memory (the
largest sum of the resident set sizes of the subprocess and all its descendants, sampled
every 0.1 s from ``/proc``; the largest single process's ``ru_maxrss`` is reported too).

Contenders
  openndc   ``openndc.pipeline.batch.run_detection`` over ``ArchiveSource`` (SDS), default
            config and chunking (1 h), ``workers`` processes (default: all cores).
  obspy     the same work with ObsPy: the SDS day read with ``obspy.clients.filesystem.sds``
            in 1-hour chunks with the same warm-up and tail padding; for every channel and
            every band of ``DetectionConfig().bands``: ``Trace.filter('bandpass',
            zerophase=True)``, ``recursive_sta_lta``, ``trigger_onset``; triggers kept in the
            chunk, merged across bands (``merge_window``, ``dead_time``); triggers of the
            elements of an array within ``merge_window`` on >= 3 elements are one array
            arrival, measured with ``array_processing`` (f-k, the ``ArrayConfig`` grid, window
            and band). Chunks are spread over the same number of processes as OpenNDC.
  fk        f-k only: ``openndc.detection.array.fk_analysis`` vs ``array_processing`` on the
            same windows (the true P arrivals on every array in the first hour) and grid.

Usage::

    python benchmarks/bench_detection.py                 # the whole day (generated if needed)
    python benchmarks/bench_detection.py --hours 2       # a quick run
    python benchmarks/bench_detection.py --rounds 3      # a shared machine: best of 3 each
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from obspy import Stream, UTCDateTime

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic_day as sd

HERE = Path(__file__).resolve().parent
TARGET_SPEEDUP = 1.5
TARGET_MEMORY_MB = 4096.0
TARGET_FK_SPEEDUP = 30.0


# --------------------------------------------------------------------------------------
# measuring a subprocess
# --------------------------------------------------------------------------------------


@dataclass
class Measurement:
    name: str
    wall_s: float  # whole subprocess (interpreter start, imports, work)
    work_s: float  # the work only, as timed by the child
    cpu_s: float
    peak_tree_mb: float  # largest summed RSS of the process tree
    peak_single_mb: float  # largest ru_maxrss of one process
    n_detections: int
    extra: dict[str, Any]


def _tree_rss_bytes(root_pid: int) -> int:
    """Summed resident set size of ``root_pid`` and its descendants (from /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        children[ppid].append(int(entry))
    total, todo, page = 0, [root_pid], os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * page
        except OSError:
            continue
    return total


def run_child(name: str, args: list[str], result_path: Path) -> Measurement:
    """Run ``bench_detection.py --child ...`` and measure it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *args])
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_bytes(proc.pid))
            stop.wait(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    rc = proc.wait()
    wall = time.perf_counter() - t0
    stop.set()
    th.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if rc != 0:
        raise SystemExit(f"contender {name} failed (exit {rc}); see its traceback above")
    res = json.loads(result_path.read_text())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    single = max(res.pop("maxrss_self_kb"), res.pop("maxrss_children_kb")) / 1024.0
    return Measurement(
        name, wall, res.pop("work_s"), cpu, peak / 2**20, single, res.pop("n_detections"), res
    )


def _report_and_exit(result_path: Path, work_s: float, n: int, **extra: Any) -> None:
    out = {
        "work_s": work_s,
        "n_detections": n,
        "maxrss_self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "maxrss_children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        **extra,
    }
    result_path.write_text(json.dumps(out))


# --------------------------------------------------------------------------------------
# contender: OpenNDC
# --------------------------------------------------------------------------------------


def child_openndc(
    root: Path, start: UTCDateTime, end: UTCDateTime, workers: int, result: Path
) -> None:
    from openndc.detection.config import DetectionConfig
    from openndc.pipeline.batch import run_detection

    source: Any
    try:
        from openndc.pipeline.sources import ArchiveSource

        source, source_name = ArchiveSource(root), "openndc.pipeline.sources.ArchiveSource"
    except ImportError as exc:  # the archive package is not there yet: read with ObsPy
        print(f"  (ArchiveSource unavailable: {exc}; reading with obspy's SDS client)")
        source, source_name = ObspySDSSource(str(root)), "ObspySDSSource (stand-in)"
    network = sd.monitoring_network(sd.build_layout())
    t0 = time.perf_counter()
    res = run_detection(
        source,
        network,
        start,
        end,
        DetectionConfig(),  # type: ignore[arg-type]
        workers=workers,
    )
    work = time.perf_counter() - t0
    by_method: dict[str, int] = defaultdict(int)
    for d in res.detections:
        by_method[d.method] += 1
    _report_and_exit(
        result,
        work,
        len(res.detections),
        by_method=dict(by_method),
        n_problems=len(res.problems),
        source=source_name,
    )


@dataclass(frozen=True)
class _Read:
    stream: Stream
    problems: list[Any]


@dataclass(frozen=True)
class ObspySDSSource:
    """A stand-in waveform source reading with ``obspy.clients.filesystem.sds.Client``."""

    root: str

    def read(self, start: UTCDateTime, end: UTCDateTime) -> _Read:
        from obspy.clients.filesystem.sds import Client

        st = Client(self.root).get_waveforms("*", "*", "*", "*", start, end)
        st.merge(method=1, fill_value=0)
        return _Read(st, [])


# --------------------------------------------------------------------------------------
# contender: ObsPy baseline
# --------------------------------------------------------------------------------------


def padding(config: Any) -> tuple[float, float]:
    """Warm-up before and tail after a chunk [s], as openndc.pipeline.batch computes them."""
    warm = max(b.lta for b in config.bands) + config.onset.before + 10.0
    tail = max(config.amplitude.ml_window, config.amplitude.mb_window) + config.onset.after + 5
    return warm, tail


def _merge_triggers(
    trigs: list[tuple[float, float]], merge: float, dead: float
) -> list[tuple[float, float]]:
    """(time [s], snr) triggers → one per cluster within ``merge`` s (highest SNR), dead time."""
    kept: list[tuple[float, float]] = []
    cluster: list[tuple[float, float]] = []
    for t in sorted(trigs):
        if cluster and t[0] - cluster[0][0] > merge:
            kept.append(max(cluster, key=lambda x: x[1]))
            cluster = []
        cluster.append(t)
    if cluster:
        kept.append(max(cluster, key=lambda x: x[1]))
    out: list[tuple[float, float]] = []
    for t in kept:
        if out and t[0] - out[-1][0] < dead:
            continue
        out.append(t)
    return out


def obspy_fk(stream: Any, start: Any, acfg: Any) -> Any:
    """ObsPy ``array_processing`` (method 0, beamforming) on one window with the f-k grid,
    band and window of OpenNDC's ArrayConfig: the baseline's f-k, the same grid as ours."""
    from obspy.signal.array_analysis import array_processing

    return array_processing(
        stream,
        win_len=acfg.fk_window,
        win_frac=1.0,
        sll_x=-acfg.slowness_max,
        slm_x=acfg.slowness_max,
        sll_y=-acfg.slowness_max,
        slm_y=acfg.slowness_max,
        sl_s=acfg.slowness_step,
        semb_thres=-1e9,
        vel_thres=-1e9,
        frqlow=acfg.fk_freq_min,
        frqhigh=acfg.fk_freq_max,
        stime=start,
        etime=start + acfg.fk_window,
        prewhiten=0,
        coordsys="lonlat",
        timestamp="julsec",
        method=0,
    )


def baseline_chunk(root: str, t0: UTCDateTime, t1: UTCDateTime) -> dict[str, Any]:
    """The ObsPy baseline on one chunk ``[t0, t1)``; returns counts."""
    from obspy.clients.filesystem.sds import Client
    from obspy.core.util import AttribDict
    from obspy.signal.trigger import recursive_sta_lta, trigger_onset

    from openndc.detection.config import DetectionConfig

    cfg = DetectionConfig()
    acfg = cfg.array
    warm, tail = padding(cfg)
    layout = sd.build_layout()
    sites = {s.code: s for s in layout.sites}
    st = Client(root).get_waveforms("*", "*", "*", "*", t0 - warm, t1 + tail)
    st.merge(method=1, fill_value=0)
    station_dets = 0
    array_trigs: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for tr in st:
        tr.data = tr.data.astype(np.float64)
        fs = tr.stats.sampling_rate
        trigs: list[tuple[float, float]] = []
        for band in cfg.bands:
            f = tr.copy()
            f.filter(
                "bandpass",
                freqmin=band.freq_min,
                freqmax=band.freq_max,
                corners=band.corners,
                zerophase=True,
            )
            cft = recursive_sta_lta(f.data, round(band.sta * fs), round(band.lta * fs))
            for i0, i1 in trigger_onset(cft, band.threshold_on, band.threshold_off):
                if (i1 - i0) / fs < cfg.min_duration:
                    continue
                t = tr.stats.starttime + i0 / fs
                if t0 <= t < t1:
                    trigs.append((float(t), float(cft[i0 : i1 + 1].max())))
        merged = _merge_triggers(trigs, cfg.merge_window, cfg.dead_time)
        site = sites.get(tr.stats.station)
        if site is not None and site.array is not None:
            array_trigs[site.array].extend((t, tr.stats.station) for t, _ in merged)
        else:
            station_dets += len(merged)
    # array arrivals: >= 3 elements within merge_window; f-k with array_processing
    n_arrivals, n_fk = 0, 0
    for arr, trigs_a in array_trigs.items():
        sub = Stream([tr for tr in st if sites[tr.stats.station].array == arr])
        for tr in sub:
            s = sites[tr.stats.station]
            tr.stats.coordinates = AttribDict(
                latitude=s.latitude, longitude=s.longitude, elevation=s.elevation_m / 1000.0
            )
        last = -math.inf
        trigs_a.sort()
        i = 0
        while i < len(trigs_a):
            t_first = trigs_a[i][0]
            j = i
            while j < len(trigs_a) and trigs_a[j][0] - t_first <= cfg.merge_window:
                j += 1
            stations = {s for _, s in trigs_a[i:j]}
            if len(stations) >= 3 and t_first - last >= cfg.dead_time:
                last = t_first
                n_arrivals += 1
                ws = UTCDateTime(t_first) - acfg.fk_lead
                try:
                    obspy_fk(sub, ws, acfg)
                    n_fk += 1
                except ValueError:
                    pass  # window outside the data (day edge)
                i = j
            else:
                i += 1
    return {"station": station_dets, "array": n_arrivals, "fk": n_fk, "traces": len(st)}


def child_baseline(
    root: Path, start: UTCDateTime, end: UTCDateTime, workers: int, result: Path
) -> None:
    from concurrent.futures import ProcessPoolExecutor

    windows = []
    t = start
    while t < end:
        windows.append((str(root), t, min(t + 3600.0, end)))
        t += 3600.0
    t_begin = time.perf_counter()
    if workers == 1:
        parts = [baseline_chunk(*w) for w in windows]
    else:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(baseline_chunk, *zip(*windows, strict=True)))
    work = time.perf_counter() - t_begin
    station = sum(p["station"] for p in parts)
    array = sum(p["array"] for p in parts)
    _report_and_exit(
        result,
        work,
        station + array,
        by_method={"stalta": station, "beam": array},
        n_fk=sum(p["fk"] for p in parts),
    )


# --------------------------------------------------------------------------------------
# f-k only
# --------------------------------------------------------------------------------------


FK_REPEATS = 5
"""Each f-k window is timed this many times; the fastest counts."""


def child_fk(root: Path, start: UTCDateTime, end: UTCDateTime, workers: int, result: Path) -> None:
    """Time fk_analysis vs array_processing on the true P windows of every array (1 h)."""
    from obspy.clients.filesystem.sds import Client
    from obspy.core.util import AttribDict

    from openndc.detection.array import fk_analysis
    from openndc.detection.config import DetectionConfig

    acfg = DetectionConfig().array
    layout = sd.build_layout()
    end = min(end, start + 3600.0)
    params = sd.read_manifest(root.parent)
    events = sd.make_events(int(params["seed"]), float(params["duration"]))
    table = sd.TravelTimeTable.cached(root.parent.parent / "ak135_table.npz")
    arrivals = sd._arrivals(layout, events, table)
    client = Client(str(root))
    windows: list[tuple[str, UTCDateTime, Stream, float]] = []
    shz = client.get_waveforms(sd.NETWORK, "*", "", "SHZ", start, end)
    shz.merge(method=1, fill_value=0)
    for arr in layout.arrays:
        codes = {s.code for s in layout.sites if s.array == arr}
        st = Stream([tr for tr in shz if tr.stats.station in codes])
        for tr in st:
            s = next(x for x in layout.sites if x.code == tr.stats.station)
            tr.stats.coordinates = AttribDict(
                latitude=s.latitude, longitude=s.longitude, elevation=s.elevation_m / 1000.0
            )
            tr.data = tr.data.astype(np.float64)
        for a in arrivals[arr]:
            t_on = sd.DEFAULT_START + a.time_s
            ws = t_on - acfg.fk_lead
            if a.phase == "P" and start + 1 < ws and ws + acfg.fk_window + 1 < end:
                windows.append((arr, ws, st, a.backazimuth if a.amplitude >= 3.0 else math.nan))
    fs = sd.FS
    nwin = int(acfg.fk_window * fs)
    t_ndc = t_obs = 0.0
    agree = truth = strong = 0
    for k, (_arr, ws, st, baz_true) in enumerate([*windows[:1], *windows]):
        offsets = np.array(
            [
                [s.deast_km, s.dnorth_km]
                for tr in st
                for s in layout.sites
                if s.code == tr.stats.station
            ]
        )
        i0 = round((ws - st[0].stats.starttime) * fs)
        data = np.array([tr.data[i0 : i0 + nwin] for tr in st])
        # Each method timed best-of-REPEATS on the window, its calls back to back (as timeit
        # does): a single ~1 ms call is at the mercy of the scheduler and of the caches the
        # other method's 30 ms call just emptied.
        dt_ndc, dt_obs = math.inf, math.inf
        for _ in range(FK_REPEATS):
            c0 = time.perf_counter()
            r = fk_analysis(
                data,
                fs,
                offsets,
                slowness_max=acfg.slowness_max,
                slowness_step=acfg.slowness_step,
                fmin=acfg.fk_freq_min,
                fmax=acfg.fk_freq_max,
            )
            dt_ndc = min(dt_ndc, time.perf_counter() - c0)
        for _ in range(FK_REPEATS):
            c1 = time.perf_counter()
            out = obspy_fk(st, ws, acfg)
            dt_obs = min(dt_obs, time.perf_counter() - c1)
        if k == 0:
            continue  # warm-up (numba cache load)
        t_ndc += dt_ndc
        t_obs += dt_obs
        baz_obs = out[0, 3] % 360.0
        agree += _dbaz(r.backazimuth_deg, baz_obs) <= 2.0
        if math.isfinite(baz_true):
            strong += 1
            truth += _dbaz(r.backazimuth_deg, baz_true) <= 5.0
    _report_and_exit(
        result,
        t_ndc + t_obs,
        len(windows),
        openndc_s=t_ndc,
        obspy_s=t_obs,
        agree=int(agree),
        truth=int(truth),
        strong=strong,
    )


def _dbaz(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


# --------------------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------------------


def _fmt_row(label: str, a: float, b: float, fmt: str, ratio: str) -> str:
    return f"| {label} | {format(a, fmt)} | {format(b, fmt)} | {ratio} |"


def table(ndc: Measurement, obs: Measurement, duration: float) -> str:
    rows = [
        "| | OpenNDC | ObsPy baseline | ratio |",
        "|---|---:|---:|---:|",
        _fmt_row(
            "wall time, detection work [s]",
            ndc.work_s,
            obs.work_s,
            ".1f",
            f"speed-up {obs.work_s / ndc.work_s:.2f}",
        ),
        _fmt_row(
            "wall time, whole process [s]",
            ndc.wall_s,
            obs.wall_s,
            ".1f",
            f"speed-up {obs.wall_s / ndc.wall_s:.2f}",
        ),
        _fmt_row(
            "CPU time [s]",
            ndc.cpu_s,
            obs.cpu_s,
            ".1f",
            f"baseline/OpenNDC {obs.cpu_s / ndc.cpu_s:.2f}",
        ),
        _fmt_row(
            "peak memory, all processes [MB]",
            ndc.peak_tree_mb,
            obs.peak_tree_mb,
            ".0f",
            f"OpenNDC/baseline {ndc.peak_tree_mb / obs.peak_tree_mb:.2f}",
        ),
        _fmt_row(
            "peak memory, largest process [MB]",
            ndc.peak_single_mb,
            obs.peak_single_mb,
            ".0f",
            f"OpenNDC/baseline {ndc.peak_single_mb / obs.peak_single_mb:.2f}",
        ),
        _fmt_row("x real time", duration / ndc.wall_s, duration / obs.wall_s, ".0f", ""),
        f"| detections | {ndc.n_detections} ({_methods(ndc)}) | {obs.n_detections} "
        f"({_methods(obs)}) | |",
    ]
    return "\n".join(rows)


def _methods(m: Measurement) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(m.extra.get("by_method", {}).items()))


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hours", type=float, default=None, help="only this many hours")
    ap.add_argument("--out-dir", type=Path, default=HERE / "out")
    ap.add_argument(
        "--skip-generate",
        action="store_true",
        help="use the day already in --out-dir (error if absent)",
    )
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--only", default="openndc,obspy,fk", help="contenders to run")
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run openndc and obspy this many times in alternating order; the fastest counts",
    )
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--root", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--start", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--end", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.child:
        fn = {"openndc": child_openndc, "obspy": child_baseline, "fk": child_fk}[a.child]
        fn(a.root, UTCDateTime(a.start), UTCDateTime(a.end), a.workers, a.result)
        return

    duration = a.hours * 3600.0 if a.hours else 86400.0
    day_dir = a.out_dir / ("day" if a.hours is None else f"day-{a.hours:g}h")
    if a.skip_generate and not (day_dir / "manifest.json").exists():
        raise SystemExit(f"no generated day in {day_dir}: run without --skip-generate")
    day = sd.generate_day(day_dir, duration=duration)
    how = "reused" if day.reused else f"generated in {day.seconds:.1f} s"
    print(
        f"day: {day.n_channels} channels at {sd.FS:g} Hz, {duration:.0f} s, "
        f"{day.n_events} events ({how}) in {day.root}",
        flush=True,
    )
    start, end = day.start, day.start + duration
    common = [
        "--root",
        str(day.root),
        "--start",
        str(start),
        "--end",
        str(end),
        "--workers",
        str(a.workers),
    ]
    results: dict[str, Measurement] = {}
    rounds: dict[str, list[Measurement]] = defaultdict(list)
    names = a.only.split(",")
    paired = [n for n in names if n != "fk"]
    # On a shared machine the load changes from minute to minute: the contenders run in
    # alternating order for ``--rounds`` rounds and each one's fastest round counts.
    schedule = [
        n for r in range(max(1, a.rounds)) for n in (paired if r % 2 == 0 else paired[::-1])
    ] + [n for n in names if n == "fk"]
    for name in schedule:
        res_path = a.out_dir / f"result-{name}.json"
        print(f"running {name} ...", flush=True)
        m = run_child(name, ["--child", name, *common, "--result", str(res_path)], res_path)
        rounds[name].append(m)
        if name not in results or m.work_s < results[name].work_s:
            results[name] = m
        print(
            f"  {name}: work {m.work_s:.1f} s, wall {m.wall_s:.1f} s, CPU {m.cpu_s:.1f} s, "
            f"peak {m.peak_tree_mb:.0f} MB, {m.n_detections} detections",
            flush=True,
        )
    lines = [
        f"Synthetic {duration / 3600:g} h, {day.n_channels} channels at {sd.FS:g} Hz, "
        f"{day.n_events} events; {a.workers} worker processes per contender; "
        f"{_machine()}; best of {max(1, a.rounds)} alternating round(s) per contender",
        "",
    ]
    if "openndc" in results and "obspy" in results:
        ndc, obs = results["openndc"], results["obspy"]
        lines.append(table(ndc, obs, duration))
        speed = obs.work_s / ndc.work_s
        lines += [
            "",
            f"target >= {TARGET_SPEEDUP}x faster: {'met' if speed >= TARGET_SPEEDUP else 'NOT met'}"
            f" ({speed:.2f}x); target peak < {TARGET_MEMORY_MB:.0f} MB: "
            f"{'met' if ndc.peak_tree_mb < TARGET_MEMORY_MB else 'NOT met'}"
            f" ({ndc.peak_tree_mb:.0f} MB)",
        ]
    if "fk" in results:
        fk = results["fk"].extra
        n = results["fk"].n_detections
        if n:
            sp = fk["obspy_s"] / fk["openndc_s"]
            lines += [
                "",
                f"f-k only ({n} windows, true P arrivals of the first hour, 81x81 grid, "
                f"{sd.FS * DEFAULT_FK_WINDOW:.0f} samples): OpenNDC fk_analysis "
                f"{1e3 * fk['openndc_s'] / n:.2f} ms/window, ObsPy array_processing "
                f"{1e3 * fk['obspy_s'] / n:.2f} ms/window: {sp:.1f}x "
                f"(target >= {TARGET_FK_SPEEDUP:g}x: "
                f"{'met' if sp >= TARGET_FK_SPEEDUP else 'NOT met'}); "
                f"back-azimuths within 2 deg of each other in {fk['agree']}/{n} windows, "
                f"OpenNDC's within 5 deg of the true one in {fk['truth']}/{fk['strong']} "
                "windows with SNR >= 3",
            ]
    text = "\n".join(lines)
    print("\n" + text)
    (a.out_dir / "bench_detection.md").write_text(text + "\n")
    (a.out_dir / "bench_detection.json").write_text(
        json.dumps(
            {
                **{k: asdict(v) for k, v in results.items()},
                "rounds": {k: [asdict(m) for m in v] for k, v in rounds.items()},
            },
            indent=1,
        )
    )


DEFAULT_FK_WINDOW = 4.0


def _machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} CPUs ({model}), {mem:.0f} GiB RAM"


if __name__ == "__main__":
    main()
