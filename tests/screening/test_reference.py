"""Per-station calibration from reference events, and ``openndc screen --calibrate``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from obspy import Stream
from obspy.core.inventory import Channel, Inventory, Network, Station

from openndc.bulletin.store import BulletinStore
from openndc.cli.main import main
from openndc.model.event import Event
from openndc.model.inventory import MonitoringNetwork
from openndc.screening import ScreeningConfig, screen_event
from openndc.screening.calibration import load_calibration, save_calibration
from openndc.screening.reference import calibrate_stations, reference_label
from tests.screening.helpers import T0, make_event, station_north, synth_trace

LAT, LON = 45.0, 20.0
DISTANCES = {"A": 400.0, "B": 700.0}


def _reference_set(
    n_eq: int = 6, n_ex: int = 3
) -> tuple[list[tuple[Event, Stream]], MonitoringNetwork]:
    rng = np.random.default_rng(5)
    net = MonitoringNetwork(
        "t", tuple(station_north("XX", c, LAT, LON, d) for c, d in DISTANCES.items())
    )
    refs = []
    for k in range(n_eq + n_ex):
        explosion = k >= n_eq
        time = T0 + 3600.0 * k
        event = replace(
            make_event(time=time, event_id=f"r{k}", depth=0.5 if explosion else 8.0),
            event_type="mining explosion" if explosion else "earthquake",
        )
        st = Stream()
        for j, (code, dist) in enumerate(DISTANCES.items()):
            ratio = (0.0 if explosion else -0.7) + rng.normal(0, 0.05)
            st += synth_trace("XX", code, dist, ratio, time, seed=10 * k + j)
        refs.append((event, st))
    return refs, net


def test_reference_label() -> None:
    ev = make_event()
    assert reference_label(replace(ev, event_type="quarry blast")) is True
    assert reference_label(replace(ev, event_type="earthquake")) is False
    assert reference_label(ev) is None


def test_station_calibration_and_its_use(tmp_path: Path) -> None:
    refs, net = _reference_set()
    cfg = ScreeningConfig().regional
    cal = calibrate_stations(refs, net, cfg)
    a = cal.find("XX.A", "P/S")
    assert a is not None and not a.generic
    assert a.n_earthquakes == 6 and a.n_explosions == 3
    assert np.allclose(a.intercept, -0.7, atol=0.1)
    assert np.allclose(a.explosion_offset, 0.7, atol=0.15)  # type: ignore[arg-type]
    # New events at the calibrated stations: the earthquake is screened out by the ratios
    # alone, the explosion is explosion-like.
    path = tmp_path / "cal.json"
    save_calibration(cal, path)
    config = ScreeningConfig(regional=replace(cfg, calibration=str(path)))
    for offset, outcome, kind in (
        (-0.7, "screened out", "earthquake"),
        (0.0, "not screened out", "explosion"),
    ):
        t = T0 + 86400.0
        new = Stream(
            [
                synth_trace("XX", c, d, offset, t, seed=99 + i)
                for i, (c, d) in enumerate(DISTANCES.items())
            ]
        )
        res = screen_event(make_event(time=t), net, config, stream=new)
        assert res.outcome == outcome, res.summary()
        assert res.event_type == kind


def test_too_few_earthquakes_keep_generic() -> None:
    refs, net = _reference_set(n_eq=3, n_ex=1)
    cal = calibrate_stations(refs, net, ScreeningConfig().regional)
    assert cal.entries == ()


def _sds_and_inventory(
    tmp: Path, refs: list[tuple[Event, Stream]], net: MonitoringNetwork
) -> tuple[Path, Path]:
    root = tmp / "sds"
    for _, st in refs:
        for tr in st:
            s = tr.stats
            folder = root / str(s.starttime.year) / s.network / s.station / f"{s.channel}.D"
            folder.mkdir(parents=True, exist_ok=True)
            day = f"{s.starttime.year}.{s.starttime.julday:03d}"
            path = folder / f"{s.network}.{s.station}..{s.channel}.D.{day}"
            old = Stream()
            if path.exists():
                from obspy import read

                old = read(str(path))
            tr2 = tr.copy()
            tr2.data = tr2.data.astype(np.int32)
            (old + tr2).write(str(path), format="MSEED")
    stations = [
        Station(
            s.code,
            s.latitude,
            s.longitude,
            0.0,
            channels=[Channel("BHZ", "", s.latitude, s.longitude, 0.0, 0.0, sample_rate=40.0)],
        )
        for s in net.stations
    ]
    inv_path = tmp / "inv.xml"
    Inventory(networks=[Network("XX", stations=stations)], source="test").write(
        str(inv_path), format="STATIONXML"
    )
    return root, inv_path


def test_cli_calibrate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refs, net = _reference_set()
    root, inv = _sds_and_inventory(tmp_path, refs, net)
    url = f"sqlite:///{tmp_path / 'b.db'}"
    with BulletinStore(url) as store:
        store.store([replace(e, review_status="reviewed") for e, _ in refs])
    out = tmp_path / "cal.json"
    argv = ["screen", "--db", url, "--archive", str(root), "--inventory", str(inv)]
    assert main([*argv, "--calibrate", str(out)]) == 0
    assert "9 reference events: 4 station/ratio calibrations" in capsys.readouterr().out
    cal = load_calibration(out)
    assert cal.find("XX.B", "P/S") is not None and not cal.find("XX.B", "P/S").generic  # type: ignore[union-attr]
    assert cal.find("ZZ.Q", "P/S").generic  # type: ignore[union-attr]
    assert main(["screen", "--db", url, "--calibrate", str(out)]) == 1
