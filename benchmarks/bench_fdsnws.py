"""Load test of the FDSN web services on loopback, beside EarthScope's dataselect server.

Builds (once, cached in ``--workdir``) an SDS archive of ``--channels`` channels with a day
of ``--rate`` Hz data each (random-walk integers, Steim-2, 512-byte records, written with
``SDSArchive.write``) and a bulletin database of ``--events`` events with arrivals and
magnitudes; starts ``openndc serve`` in its own process; then

- dataselect: ``--clients`` concurrent clients, each fetching the whole day of one channel;
- event: ``--clients`` concurrent event queries (a day window, a magnitude threshold, text
  and QuakeML, at most 100 events each).

The same dataselect load runs against EarthScope's ``portable-fdsnws-dataselect`` over
an ``mseedindex`` SQLite index of the same files, when ``--peer-venv`` holds it (a
separate virtual environment, as it pins its own pymseed)::

    python3 -m venv /tmp/fdsnws-peer
    /tmp/fdsnws-peer/bin/pip install portable-fdsnws-dataselect mseedindex
    .venv/bin/python benchmarks/bench_fdsnws.py --peer-venv /tmp/fdsnws-peer

Prints requests/s, MB/s and latency percentiles per run, and the ratios to the peer.
Everything binds 127.0.0.1; every request has a timeout; the counts are fixed.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
from obspy import Stream, Trace, UTCDateTime

ROOT = Path(__file__).resolve().parents[1]
DAY = UTCDateTime("2016-01-06T00:00:00Z")


@dataclass
class Run:
    name: str
    n: int
    errors: int
    wall_s: float
    nbytes: int
    latencies: list[float]

    def line(self) -> str:
        lat = np.array(self.latencies) if self.latencies else np.array([math.nan])
        p50, p90, p99 = np.percentile(lat, [50, 90, 99])
        return (
            f"{self.name:<34} {self.n:>4} req {self.errors:>3} err  "
            f"{self.n / self.wall_s:7.2f} req/s  {self.nbytes / 1e6 / self.wall_s:8.1f} MB/s  "
            f"latency p50 {p50:6.2f} s  p90 {p90:6.2f} s  p99 {p99:6.2f} s  max {lat.max():6.2f} s"
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(workdir: Path, channels: int, rate: float, n_events: int) -> tuple[Path, str, Path]:
    from obspy import read_inventory

    from openndc.archive import SDSArchive
    from openndc.bulletin import BulletinStore
    from tests.services.conftest import make_events

    sds = workdir / "sds"
    db = workdir / "bulletin.db"
    inv_path = workdir / "inventory.xml"
    stamp = workdir / f"built-{channels}-{rate:g}-{n_events}"
    if stamp.exists():
        return sds, f"sqlite:///{db}", inv_path
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    archive = SDSArchive(sds)
    rng = np.random.default_rng(1)
    n = int(86400 * rate)
    for k in range(channels):
        data = np.cumsum(rng.integers(-200, 201, n)).astype(np.int32)
        tr = Trace(data=data)
        tr.stats.update(
            {
                "network": "XX",
                "station": f"S{k // 3:03d}",
                "location": "",
                "channel": "BH" + "ZNE"[k % 3],
                "sampling_rate": rate,
                "starttime": DAY,
            }
        )
        archive.write(Stream([tr]))
    read_inventory().write(str(inv_path), format="STATIONXML")
    if db.exists():
        db.unlink()
    with BulletinStore(f"sqlite:///{db}") as store:
        store.store(make_events(n_events))
    stamp.touch()
    print(
        f"built {channels} channel-days and {n_events} events in "
        f"{time.perf_counter() - t0:.0f} s under {workdir}"
    )
    return sds, f"sqlite:///{db}", inv_path


def _wait(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


async def _load(name: str, urls: list[str], clients: int, timeout: float) -> Run:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    lat: list[float] = []
    errors = 0
    nbytes = 0
    sem = asyncio.Semaphore(clients)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:

        async def one(url: str) -> None:
            nonlocal errors, nbytes
            async with sem:
                t = time.perf_counter()
                try:
                    r = await client.get(url)
                    ok = r.status_code == 200 and len(r.content) > 0
                    nbytes += len(r.content)
                except httpx.HTTPError:
                    ok = False
                lat.append(time.perf_counter() - t)
                errors += 0 if ok else 1

        t0 = time.perf_counter()
        await asyncio.gather(*(one(u) for u in urls))
        wall = time.perf_counter() - t0
    return Run(name, len(urls), errors, wall, nbytes, lat)


def dataselect_urls(base: str, channels: int) -> list[str]:
    end = DAY + 86400
    return [
        f"{base}/fdsnws/dataselect/1/query?net=XX&sta=S{k // 3:03d}&loc=--&cha=BH{'ZNE'[k % 3]}"
        f"&start={DAY.strftime('%Y-%m-%dT%H:%M:%S')}&end={end.strftime('%Y-%m-%dT%H:%M:%S')}"
        for k in range(channels)
    ]


def event_urls(base: str, n: int) -> list[str]:
    out = []
    for k in range(n):
        day = DAY + 86400 * (k % 20)
        fmt = "text" if k % 2 else "xml"
        out.append(
            f"{base}/fdsnws/event/1/query?start={day.strftime('%Y-%m-%d')}"
            f"&end={(day + 86400 * 5).strftime('%Y-%m-%d')}&minmag={3.0 + 0.05 * (k % 10):.2f}"
            f"&format={fmt}&limit=100&orderby=time"
        )
    return out


def run_ours(sds: Path, db: str, inv: Path, args: argparse.Namespace) -> list[Run]:
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "openndc.cli.main",
        "-q",
        "serve",
        "--db",
        db,
        "--archive",
        str(sds),
        "--inventory",
        str(inv),
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base}/fdsnws/dataselect/1/version", proc)
        ds = dataselect_urls(base, args.channels)
        asyncio.run(_load("warm-up", ds[:1] + event_urls(base, 1), 1, args.timeout))
        runs: list[Run] = [
            asyncio.run(_load(f"openndc dataselect {tag}", ds, args.clients, args.timeout))
            for tag in ("(cold index)", *(f"(warm {i + 1})" for i in range(args.repeat)))
        ]
        runs.append(
            asyncio.run(
                _load(
                    "openndc event queries",
                    event_urls(base, args.clients),
                    args.clients,
                    args.timeout,
                )
            )
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return runs


def run_peer(sds: Path, args: argparse.Namespace) -> list[Run]:
    venv = Path(args.peer_venv)
    exe, index = venv / "bin" / "portable-fdsnws-dataselect", venv / "bin" / "mseedindex"
    if not (exe.exists() and index.exists()):
        print(f"peer not installed in {venv}: skipped (see the module docstring)")
        return []
    work = Path(args.workdir)
    db = work / "tsindex.sqlite"
    if not db.exists():
        files = sorted(str(p) for p in sds.rglob("*.D.*") if p.is_file())
        listing = work / "files.txt"
        listing.write_text("\n".join(files) + "\n")
        t0 = time.perf_counter()
        subprocess.run(
            [str(index), "-sqlite", str(db), f"@{listing}"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        print(f"mseedindex: {len(files)} files indexed in {time.perf_counter() - t0:.1f} s")
    port = _free_port()
    conf = work / "peer.ini"
    conf.write_text(
        f"[index_db]\npath = {db}\ntable = tsindex\nsummary_table = tsindex_summary\n"
        f"[server]\nport = {port}\nrequest_limit = 0\nmaxsectiondays = 10\n"
        f"[logging]\npath = {work / 'peer.log'}\nlevel = WARNING\n"
    )
    subprocess.run(
        [str(exe), "-i", str(conf)],
        check=True,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    proc = subprocess.Popen(
        [str(exe), str(conf)], cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base}/fdsnws/dataselect/1/version", proc)
        ds = dataselect_urls(base, args.channels)
        asyncio.run(_load("warm-up", ds[:1], 1, args.timeout))
        return [
            asyncio.run(_load(f"peer dataselect {tag}", ds, args.clients, args.timeout))
            for tag in ("(first)", *(f"(again {i + 1})" for i in range(args.repeat)))
        ]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _best(runs: list[Run]) -> Run:
    return min(runs, key=lambda r: r.wall_s)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workdir", default="/tmp/openndc-bench-fdsnws")
    p.add_argument("--channels", type=int, default=50, help="channel-days = dataselect clients")
    p.add_argument("--clients", type=int, default=50, help="concurrent clients")
    p.add_argument("--rate", type=float, default=20.0, help="sample rate [Hz]")
    p.add_argument("--events", type=int, default=1000, help="events in the database")
    p.add_argument("--timeout", type=float, default=300.0, help="per-request timeout [s]")
    p.add_argument("--repeat", type=int, default=3, help="rounds after the first (best kept)")
    p.add_argument("--peer-venv", default="/tmp/fdsnws-peer")
    args = p.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sds, db, inv = build(Path(args.workdir), args.channels, args.rate, args.events)
    size = sum(f.stat().st_size for f in sds.rglob("*.D.*"))
    print(
        f"archive: {args.channels} channels x 1 day at {args.rate:g} Hz, {size / 1e6:.0f} MB; "
        f"{args.events} events; {args.clients} concurrent clients; {os.cpu_count()} CPUs"
    )
    runs = run_ours(sds, db, inv, args)
    peer = run_peer(sds, args)
    for r in [*runs, *peer]:
        print(r.line())
    if peer and not any(r.errors for r in [*runs, *peer]):
        n = args.repeat + 1
        pairs = [
            ("first round", runs[0], peer[0]),
            ("best later round", _best(runs[1:n]), _best(peer[1:])),
        ]
        for label, ours, theirs in pairs:
            lat_o, lat_p = np.median(ours.latencies), np.median(theirs.latencies)
            print(
                f"dataselect openndc / peer, {label}: throughput "
                f"{theirs.wall_s / ours.wall_s:.2f}x, median latency {lat_o / lat_p:.2f}x, "
                f"bytes {ours.nbytes / max(theirs.nbytes, 1):.3f}x"
            )
    return 0 if all(r.errors == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
