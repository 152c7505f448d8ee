"""Workspace response times and sizes on loopback: the event list, one event, its record
section (filtered and decimated on the server), the map lines, a relocation (the
location and magnitude stage adapters) and a publish, on the workspace test fixture (two
regional events on the Kazakh network, 14-15 arrivals each).

    .venv/bin/python benchmarks/bench_workspace.py [--repeat 5]

No peer: a web page's latency has no like-for-like peer installable here (GMS and gempa's
web apps are not); the numbers say what an analyst waits for.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from openndc.services import create_app
from tests.workspace.conftest import ANALYST, PASSWORD, LiveServer, build_workspace


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = build_workspace(Path(tmp))
        with LiveServer(create_app(env.db_url, env.archive, "kz")) as url:
            c = httpx.Client(base_url=url, timeout=60)
            token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
            c.post("/login", data={"csrf": token.group(1), "user": ANALYST,  # type: ignore[union-attr]
                                   "password": PASSWORD, "next": "/"})  # fmt: skip
            csrf = re.search(r'name="csrf" content="([^"]+)"', c.get("/").text).group(1)  # type: ignore[union-attr]
            ev = env.bulletin.events[1]
            a = ev.arrivals[0]
            edit = {"picks": {a.detection.id: {"time": str(a.detection.time + 0.5)}}}
            h = {"X-CSRF-Token": csrf}
            cases = [
                ("event list", lambda: c.get("/api/events")),
                ("event", lambda: c.get(f"/api/event/{ev.id}")),
                ("record section 0.8-4.5 Hz", lambda: c.get(f"/api/event/{ev.id}/waveforms")),
                ("map lines 45-90E 35-56N", lambda: c.get("/api/map?extent=45,90,35,56")),
                ("relocate", lambda: c.post(f"/api/event/{ev.id}/relocate", json=edit, headers=h)),
                ("publish", lambda: c.post(f"/api/event/{ev.id}/publish", json=edit, headers=h)),
            ]
            print(f"{'request':28s} {'median [ms]':>12s} {'max [ms]':>9s} {'bytes':>9s}")
            for name, call in cases:
                times, size = [], 0
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    r = call()
                    times.append(1000 * (time.perf_counter() - t))
                    assert r.status_code == 200, (name, r.text)
                    size = len(r.content)
                print(f"{name:28s} {statistics.median(times):12.1f} {max(times):9.1f} {size:9d}")


if __name__ == "__main__":
    main()
