"""FDSN service fixtures: an SDS archive, a bulletin database and a live uvicorn server.

The archive holds generated waveforms (random-walk integers, as a seismometer records)
for channels of ObsPy's example inventory (GR.FUR, GR.WET, BW.RJOB, with responses and
several epochs), one stream with a gap and one across midnight. The database holds
events with arrivals and magnitudes stored with :class:`BulletinStore`.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import obspy
import pytest
import uvicorn
from obspy import Stream, Trace, UTCDateTime
from obspy.core.inventory import Inventory

from openndc.archive import SDSArchive
from openndc.bulletin import BulletinStore
from openndc.model.detection import Detection
from openndc.model.event import (
    Arrival,
    Bulletin,
    ErrorEllipse,
    Event,
    NetworkMagnitude,
    Origin,
)
from openndc.model.provenance import Provenance
from openndc.services import ServiceConfig, create_app

DAY0 = UTCDateTime("2016-01-06T00:00:00Z")


@dataclass(frozen=True)
class FDSNEnv:
    root: Path
    archive: Path
    inventory_file: Path
    inventory: Inventory
    db_url: str
    events: tuple[Event, ...]


def _trace(
    net: str, sta: str, cha: str, rate: float, start: UTCDateTime, seconds: float, seed: int
) -> Trace:
    rng = np.random.default_rng(seed)
    n = round(seconds * rate)
    data = np.cumsum(rng.integers(-50, 51, n)).astype(np.int32)
    tr = Trace(data=data)
    tr.stats.update(
        {
            "network": net,
            "station": sta,
            "location": "",
            "channel": cha,
            "sampling_rate": rate,
            "starttime": start,
        }
    )
    return tr


def make_waveforms() -> Stream:
    """Two hours of BH? at GR.FUR and GR.WET (WET BHZ with a 60 s gap), HHZ across midnight."""
    t0 = DAY0 + 3600
    traces = [
        _trace("GR", "FUR", "BHZ", 20.0, t0, 7200, 1),
        _trace("GR", "FUR", "BHN", 20.0, t0, 7200, 2),
        _trace("GR", "WET", "BHZ", 20.0, t0, 3000, 3),
        _trace("GR", "WET", "BHZ", 20.0, t0 + 3060, 4140, 4),
        _trace("GR", "FUR", "HHZ", 100.0, DAY0 + 86400 - 1800, 3600, 5),
        _trace("BW", "RJOB", "EHZ", 200.0, t0, 600, 6),
    ]
    return Stream(traces)


def make_events(n: int = 12) -> tuple[Event, ...]:
    """Events over two days, spread in space, depth and magnitude, with arrivals."""
    rng = np.random.default_rng(42)
    prov = Provenance(
        method="test", software_version="0", parameters={}, author="automatic", created=DAY0
    )
    events = []
    types = ("earthquake", "explosion", "nuclear explosion", "earthquake")
    for k in range(n):
        t = DAY0 + 3600.0 * 4 * k + 12.345678
        lat = float(rng.uniform(-60, 70))
        lon = float(rng.uniform(-179, 179))
        depth = float(rng.choice([0.0, 10.0, 33.0, 120.0, 550.0]))
        arrivals = []
        for i, (net, sta, cha) in enumerate(
            (("GR", "FUR", "BHZ"), ("GR", "WET", "BHZ"), ("BW", "RJOB", "EHZ"))
        ):
            det = Detection(
                network=net,
                station=sta,
                location="",
                channel=cha,
                time=t + 100.0 + 7.5 * i,
                time_uncertainty=0.2,
                phase="P",
                snr=10.0 + i,
                amplitude=2.0 + i,
                amplitude_unit="nm",
                period=1.0,
                method="stalta",
                id=f"det{k}-{i}",
            )
            arrivals.append(
                Arrival(
                    detection=det,
                    phase="P",
                    distance=30.0 + i,
                    azimuth=40.0,
                    time_residual=0.1 * i,
                    weight=1.0,
                )
            )
        mags = [
            NetworkMagnitude(
                magnitude_type="ML", value=round(3.0 + 0.2 * k, 2), uncertainty=0.1, n_stations=3
            )
        ]
        if k % 3 != 0:  # mb (the preferred type) on two events of three
            mags.insert(
                0,
                NetworkMagnitude(
                    magnitude_type="mb",
                    value=round(3.5 + 0.15 * k, 2),
                    uncertainty=0.2,
                    n_stations=3,
                ),
            )
        origin = Origin(
            time=t,
            latitude=lat,
            longitude=lon,
            depth_km=depth,
            time_uncertainty=0.5,
            depth_uncertainty_km=math.nan,
            depth_fixed=depth == 0.0,
            ellipse=ErrorEllipse(semi_major_km=10.0, semi_minor_km=5.0, azimuth=30.0),
            rms=0.5,
            n_defining=3,
            n_stations=3,
            gap=120.0,
            method="lsq",
            model="ak135",
            id=f"or{k}",
            provenance=prov,
        )
        events.append(
            Event(
                id=f"ev2016{k:03d}",
                origin=origin,
                arrivals=tuple(arrivals),
                magnitudes=tuple(mags),
                event_type=types[k % 4],  # type: ignore[arg-type]
                provenance=prov,
            )
        )
    return tuple(events)


def build_env(root: Path) -> FDSNEnv:
    archive = root / "sds"
    SDSArchive(archive).write(make_waveforms())
    inv = obspy.read_inventory()
    inv_file = root / "inventory.xml"
    inv.write(str(inv_file), format="STATIONXML")
    db_url = f"sqlite:///{root / 'bulletin.db'}"
    events = make_events()
    with BulletinStore(db_url) as store:
        store.store(Bulletin(events=events, name="automatic"))
    return FDSNEnv(root, archive, inv_file, obspy.read_inventory(str(inv_file)), db_url, events)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A uvicorn server in a thread on a free loopback port."""

    def __init__(self, app: object) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def fdsn_env(tmp_path_factory: pytest.TempPathFactory) -> FDSNEnv:
    return build_env(tmp_path_factory.mktemp("fdsn"))


@pytest.fixture(scope="session")
def fdsn_config() -> ServiceConfig:
    return ServiceConfig(max_dataselect_bytes=2_000_000, max_events=50)


@pytest.fixture(scope="session")
def fdsn_app(fdsn_env: FDSNEnv, fdsn_config: ServiceConfig) -> object:
    return create_app(fdsn_env.db_url, fdsn_env.archive, fdsn_env.inventory_file, fdsn_config)


@pytest.fixture(scope="session")
def live_server(fdsn_app: object) -> Iterator[LiveServer]:
    with LiveServer(fdsn_app) as server:
        yield server
