"""Workspace fixtures: a bulletin made by the pipeline from synthetic detections of the
Kazakh network, those detections, an SDS archive with waveforms for the detecting
stations, an analyst account, and a live uvicorn server on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import uvicorn
from obspy import Stream, Trace, UTCDateTime

from openndc.archive import SDSArchive
from openndc.bulletin import BulletinStore
from openndc.inventory import read_inventory
from openndc.model.event import Bulletin
from openndc.model.inventory import MonitoringNetwork
from openndc.pipeline.process import build_bulletin
from openndc.pipeline.stages import with_stable_ids
from openndc.services import create_app
from openndc.traveltime import load_travel_times
from openndc.workspace import add_user
from tests.support.synthetic import SyntheticEvent, synthetic_detections

T0 = UTCDateTime("2024-03-01T00:00:00Z")
#: Two regional events: the Tien Shan near Bishkek and the Altai.
EVENTS = [
    SyntheticEvent(T0 + 300.0, 42.6, 75.2, 10.0),
    SyntheticEvent(T0 + 1500.0, 49.9, 87.6, 15.0),
]
ANALYST, PASSWORD = "alice", "correct horse battery"
RATE = 20.0


@dataclass(frozen=True)
class WorkspaceEnv:
    root: Path
    db_url: str
    archive: Path
    network: MonitoringNetwork
    bulletin: Bulletin


def _site_station(network: MonitoringNetwork, code: str) -> tuple[str, str]:
    for a in network.arrays:
        if a.code == code:
            return a.network, a.elements[0].station
    st = network.station(code)
    return st.network, st.code


def make_waveforms(
    network: MonitoringNetwork, dets: list, start: UTCDateTime, end: UTCDateTime
) -> Stream:
    """Noise with a 2 Hz damped wavelet at each detection's onset, one BHZ per station."""
    rng = np.random.default_rng(7)
    n = int((end - start) * RATE)
    t = np.arange(n) / RATE
    traces: dict[tuple[str, str], np.ndarray] = {}
    for d in dets:
        key = _site_station(network, d.station)
        if key not in traces:
            traces[key] = rng.normal(0.0, 30.0, n)
        tau = t - float(d.time - start)
        on = tau >= 0
        amp = 900.0 if d.phase == "P" else 1400.0
        traces[key][on] += amp * np.exp(-tau[on] / 6.0) * np.sin(2 * np.pi * 2.0 * tau[on])
    out = Stream()
    for (net, sta), data in sorted(traces.items()):
        tr = Trace(np.round(data).astype(np.int32))
        tr.stats.update({"network": net, "station": sta, "location": "", "channel": "BHZ",
                         "sampling_rate": RATE, "starttime": start})  # fmt: skip
        out.append(tr)
    return out


def build_workspace(root: Path) -> WorkspaceEnv:
    network = read_inventory("kz")
    tt = load_travel_times("ak135")
    dets = with_stable_ids(
        synthetic_detections(network, EVENTS, tt, seed=5, pick_sigma=0.3, p_probability=1.0,
                             s_probability=0.7, false_per_site_hour=0.5, max_distance=25.0)
    )  # fmt: skip
    bulletin = build_bulletin(dets, network).bulletin
    db_url = f"sqlite:///{root / 'bulletin.db'}"
    archive = root / "sds"
    SDSArchive(archive).write(make_waveforms(network, dets, T0, T0 + 3000.0))
    with BulletinStore(db_url) as store:
        store.store_detections(dets)
        store.store(bulletin)
        add_user(store.engine, ANALYST, PASSWORD)
    return WorkspaceEnv(root, db_url, archive, network, bulletin)


@pytest.fixture(scope="session")
def ws_env(tmp_path_factory: pytest.TempPathFactory) -> WorkspaceEnv:
    return build_workspace(tmp_path_factory.mktemp("workspace"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The application under uvicorn in a thread on a free loopback port."""

    def __init__(self, app: object) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20.0
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 20 s")
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10.0)


@pytest.fixture(scope="session")
def ws_server(ws_env: WorkspaceEnv) -> Iterator[str]:
    app = create_app(ws_env.db_url, ws_env.archive, "kz")
    with LiveServer(app) as url:
        yield url
