"""The SeedLink server replaying the 132-channel synthetic network: throughput, latency, CPU.

The server (``openndc.seedlink``) runs in a child process replaying an SDS archive from its
first sample at x1 and x20; one client (EarthScope's ``seedlink-client``, SeedLink 4, all
stations) receives everything. Measured:

- records/s served, beside the rate the data need at that speed (ratio >= 1: keeps up);
- latency [s] from a record's availability (the replay clock passing its last sample:
  ``t0 + (end - start) / speed``) to its receipt by the client: median, 95th percentile, max;
- the server's CPU seconds per wall second (``/proc/PID/stat`` utime + stime);
- then the same with ``openndc.acquisition.Acquisition`` as the client (in this process):
  latency from availability to the record being in the archive (``on_record``), and the
  acquisition's CPU seconds per wall second (this process's ``time.process_time``).

No SeedLink server can be installed here (Debian, PyPI), so there is no peer server to run
beside it; the reference is the data rate itself.

Usage::

    python benchmarks/synthetic_day.py --out benchmarks/out/day --hours 1
    python benchmarks/bench_seedlink.py --archive benchmarks/out/day/sds --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from obspy import UTCDateTime, read
from seedlink_client import Protocol, SeedLink

from openndc.seedlink.source import read_records, sds_day_files

_CHILD = """
import asyncio, json, sys, time
from obspy import UTCDateTime, read
from openndc.seedlink.buffer import PacketBuffer
from openndc.seedlink.server import SeedLinkServer
from openndc.seedlink.source import ArchiveFeed

async def main():
    buf = PacketBuffer(2_000_000)
    feed = ArchiveFeed(sys.argv[1], buf, replay_start=UTCDateTime(sys.argv[2]),
                       speed=float(sys.argv[3]))
    srv = SeedLinkServer(buf, port=0)
    port = await srv.start()
    task = asyncio.create_task(feed.run())
    while not feed.t0_wall:
        await asyncio.sleep(0.01)
    print(json.dumps({"port": port, "t0": feed.t0_wall}), flush=True)
    await task
    await asyncio.sleep(3600)

asyncio.run(main())
"""

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _first_sample(root: Path) -> tuple[UTCDateTime, int]:
    first = None
    channels = set()
    for _, path in sds_day_files(root):
        recs, _ = read_records(path.read_bytes()[:8192])
        if recs:
            r = recs[0]
            channels.add((r.network, r.station, r.location, r.channel))
            first = r.start_ns if first is None else min(first, r.start_ns)
    if first is None:
        raise SystemExit(f"no miniSEED records under {root}")
    return UTCDateTime(ns=first), len(channels)


def repack(root: Path, out: Path, start: UTCDateTime, end: UTCDateTime) -> np.ndarray:
    """Copy ``[start, end)`` of ``root`` into ``out`` as 512-byte records (what a digitiser
    or another SeedLink server sends); returns the end times [ns] of the records written."""
    ends = []
    for _, path in sds_day_files(root):
        st = read(str(path), format="MSEED", starttime=start, endtime=end)
        st.trim(start, end - 1e-6)
        for tr in st:
            tr.data = tr.data.astype(np.int32)
        if not len(st):
            continue
        dst = out / path.relative_to(root)
        dst.parent.mkdir(parents=True, exist_ok=True)
        st.write(str(dst), format="MSEED", reclen=512, encoding="STEIM2")
        recs, _ = read_records(dst.read_bytes())
        ends.extend(r.end_ns for r in recs)
    return np.sort(np.array(ends, dtype=np.int64))


def run(
    root: Path, speed: float, seconds: float, start: UTCDateTime, ends: np.ndarray
) -> dict[str, float]:
    _, nchan = _first_sample(root)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(root), str(start), str(speed)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        info = json.loads(child.stdout.readline())
        t0 = float(info["t0"])
        cpu0, w0 = _cpu_s(child.pid), time.time()
        cl = SeedLink("127.0.0.1", info["port"], protocol=Protocol.V4, timeout=30)
        cl.set_all_stations()
        cl.connect()
        lat: list[float] = []
        n = 0
        stop = w0 + seconds
        for pkt in cl.collect(reconnect=False):
            now = time.time()
            rec = pkt.record()
            avail = t0 + (rec.endtime - start.ns) / 1e9 / speed
            lat.append(now - avail)
            n += 1
            if now >= stop:
                break
        wall = time.time() - w0
        cpu = _cpu_s(child.pid) - cpu0
        cl.close()
    finally:
        child.kill()
        child.wait()
    data_s = wall * speed
    a = np.array(lat)
    expected = int(np.count_nonzero((ends > start.ns) & (ends <= start.ns + int(data_s * 1e9))))
    return {
        "expected_records": expected,
        "speed": speed,
        "channels": nchan,
        "wall_s": wall,
        "records": n,
        "records_per_s": n / wall,
        "data_span_s": data_s,
        "latency_median_s": float(np.median(a)) if len(a) else float("nan"),
        "latency_p95_s": float(np.percentile(a, 95)) if len(a) else float("nan"),
        "latency_max_s": float(a.max()) if len(a) else float("nan"),
        "cpu_s_per_wall_s": cpu / wall,
    }


def run_acquire(root: Path, speed: float, seconds: float, start: UTCDateTime) -> dict[str, float]:
    """``Acquisition`` (this process) from the server child into a fresh SDS archive."""
    import threading

    from openndc.acquisition import Acquisition, AcquisitionConfig

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(root), str(start), str(speed)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    lat: list[float] = []
    lock = threading.Lock()
    try:
        assert child.stdout is not None
        info = json.loads(child.stdout.readline())
        t0 = float(info["t0"])

        def on_record(rec: object) -> None:
            now = time.time()
            end_ns = rec.end.ns  # type: ignore[attr-defined]
            with lock:
                lat.append(now - (t0 + (end_ns - start.ns) / 1e9 / speed))

        with tempfile.TemporaryDirectory() as out:
            cfg = AcquisitionConfig(seedlink=(f"127.0.0.1:{info['port']}",), streams=("*_*",))
            acq = Acquisition(
                Path(out) / "sds", cfg, state_file=Path(out) / "state.json", on_record=on_record
            )
            cpu0, w0 = time.process_time(), time.time()
            acq.start()
            time.sleep(seconds)
            acq.stop()
            wall = time.time() - w0
            cpu = time.process_time() - cpu0
            counts = dict(acq.writer.counts)
    finally:
        child.kill()
        child.wait()
    a = np.array(lat)
    return {
        "speed": speed,
        "records": len(a),
        "records_per_s": len(a) / wall,
        "written": counts["written"],
        "duplicate": counts["duplicate"],
        "quarantined": counts["quarantined"],
        "latency_median_s": float(np.median(a)) if len(a) else float("nan"),
        "latency_p95_s": float(np.percentile(a, 95)) if len(a) else float("nan"),
        "latency_max_s": float(a.max()) if len(a) else float("nan"),
        "cpu_s_per_wall_s": cpu / wall,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archive", type=Path, default=Path("benchmarks/out/day/sds"))
    ap.add_argument("--seconds", type=float, default=60.0, help="wall seconds per speed")
    ap.add_argument("--speeds", default="1,20")
    args = ap.parse_args()
    speeds = [float(s) for s in args.speeds.split(",")]
    first, _ = _first_sample(args.archive)
    start = first + 60
    span = args.seconds * max(speeds) + 120
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        ends = repack(args.archive, Path(tmp), start - 60, start + span)
        print(
            f"{len(ends)} 512-byte records of {span:.0f} s copied "
            f"in {time.perf_counter() - t:.1f} s"
        )
        rows = [run(Path(tmp), s, args.seconds, start, ends) for s in speeds]
        acq = [run_acquire(Path(tmp), s, args.seconds, start) for s in speeds]
    for r in rows:
        print(
            f"x{r['speed']:g}: {r['channels']} channels, {r['records']} records in "
            f"{r['wall_s']:.1f} s = {r['records_per_s']:.1f} records/s "
            f"({r['expected_records']} became available: ratio "
            f"{r['records'] / max(1, r['expected_records']):.3f}); latency median "
            f"{r['latency_median_s']:.3f} s, p95 {r['latency_p95_s']:.3f} s, max "
            f"{r['latency_max_s']:.3f} s; server CPU {r['cpu_s_per_wall_s']:.4f} s/s"
        )
    for r in acq:
        print(
            f"acquire x{r['speed']:g}: {r['records']} records archived "
            f"({r['records_per_s']:.1f}/s; "
            f"{r['duplicate']} duplicates, {r['quarantined']} quarantined); availability to "
            f"archived: median {r['latency_median_s']:.3f} s, p95 {r['latency_p95_s']:.3f} s, "
            f"max {r['latency_max_s']:.3f} s; acquisition CPU {r['cpu_s_per_wall_s']:.4f} s/s"
        )
    print(json.dumps({"server": rows, "acquire": acq}, indent=1))


if __name__ == "__main__":
    main()
