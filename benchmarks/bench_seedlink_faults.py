"""kill -9 of the acquisition at random moments, many times: what was kept, what was lost.

The SeedLink server replays (x``--speed``) a span of the 132-channel synthetic network,
copied as 512-byte records; ``openndc.acquisition`` runs in a child process that is killed
with SIGKILL ``--kills`` times at random moments (0.2-3 s after it starts streaming) and
restarted from its state file each time. At the end the archive is compared with the source
sample for sample, and every record key (stream, start) is checked to be there once.

Usage::

    python benchmarks/synthetic_day.py --out benchmarks/out/day --hours 1
    python benchmarks/bench_seedlink_faults.py --archive benchmarks/out/day/sds --kills 20
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from obspy import UTCDateTime

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_seedlink import _first_sample, repack  # noqa: E402

from openndc.archive import SDSArchive  # noqa: E402
from openndc.seedlink import ServerThread  # noqa: E402
from openndc.seedlink.source import read_records  # noqa: E402

_CHILD = """
import asyncio, logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
from openndc.acquisition import Acquisition, AcquisitionConfig
cfg = AcquisitionConfig(seedlink=(sys.argv[1],), streams=("*_*",), state_interval=0.5,
                        reconnect_min=0.2)
asyncio.run(Acquisition(sys.argv[2], cfg, state_file=sys.argv[3], from_start=True).run())
"""


def _samples(root: Path, t0: UTCDateTime, t1: UTCDateTime) -> dict[str, np.ndarray]:
    out = {}
    for tr in SDSArchive(root).read(t0, t1).stream.merge(method=-1):
        out[tr.id] = tr.data
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archive", type=Path, default=Path("benchmarks/out/day/sds"))
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--span", type=float, default=1200.0, help="data replayed [s]")
    ap.add_argument("--speed", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    first, nchan = _first_sample(args.archive)
    t0, t1 = first + 60, first + 60 + args.span
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    with tempfile.TemporaryDirectory() as tmp:
        src, dst, state = Path(tmp) / "src", Path(tmp) / "dst", Path(tmp) / "state.json"
        repack(args.archive, src, t0, t1)
        srv = ServerThread(src, replay_start=t0 - 1, speed=args.speed, backlog=1e9)
        port = srv.start()
        cmd = [sys.executable, "-c", _CHILD, f"127.0.0.1:{port}", str(dst), str(state)]
        w0 = time.time()
        try:
            for _ in range(args.kills):
                proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
                assert proc.stderr is not None
                for line in proc.stderr:
                    if "connected to" in line:
                        break
                time.sleep(float(rng.uniform(0.2, 3.0)))
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
            proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
            want = _samples(src, t0, t1)
            total = sum(len(v) for v in want.values())
            deadline = time.time() + args.span / args.speed + 120
            got: dict[str, np.ndarray] = {}
            while time.time() < deadline:
                time.sleep(2)
                got = _samples(dst, t0, t1) if dst.exists() else {}
                if sum(len(np.ma.compressed(v)) for v in got.values()) >= total:
                    break
            proc.send_signal(signal.SIGINT)
            proc.wait(20)
        finally:
            srv.stop()
        wall = time.time() - w0
        lost = 0
        differ = 0
        for sid, data in want.items():
            g = got.get(sid)
            if g is None:
                lost += len(data)
                continue
            g = np.ma.filled(g, -(2**31)) if np.ma.isMaskedArray(g) else g
            n = min(len(g), len(data))
            lost += len(data) - n + int(np.count_nonzero(g[:n] == -(2**31)))
            differ += int(np.count_nonzero(g[:n] != data[:n]))
        keys = []
        for f in dst.rglob("*.D.*"):
            recs, _ = read_records(f.read_bytes())
            keys.extend((r.network, r.station, r.location, r.channel, r.start_ns) for r in recs)
        dups = len(keys) - len(set(keys))
        quarantined = (Path(f"{dst}.quarantine") / "quarantine.log").exists()
    print(
        f"{args.kills} x kill -9 at random moments, {nchan} channels, {args.span:.0f} s of data at "
        f"x{args.speed:g} ({wall:.0f} s wall): {total} samples in the source; kept "
        f"{total - lost}, lost {lost}, differing {differ}; {len(keys)} records archived, "
        f"{dups} duplicate records; quarantine used: {quarantined}"
    )


if __name__ == "__main__":
    main()
