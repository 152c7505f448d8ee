"""Event lists: the built-in day, drawing, CSV round trip, the CLI contract."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from obspy import UTCDateTime

from openndc.cli.main import main
from openndc.cli.scenario import parse_duration
from openndc.inventory import kazakh_network, write_stationxml
from openndc.model.errors import ScenarioError
from openndc.model.event import EVENT_COLUMNS
from openndc.model.inventory import MonitoringNetwork
from openndc.scenario import (
    DPRK_TEST_SITE,
    MINING_DISTRICTS,
    ScenarioEvent,
    draw_events,
    kazakh_day_events,
    read_events_csv,
    write_events_csv,
)

START = UTCDateTime(2024, 3, 1)


def test_kazakh_day_is_deterministic_and_complete() -> None:
    a = kazakh_day_events(START, 7)
    b = kazakh_day_events(START, 7)
    c = kazakh_day_events(START, 8)
    assert a == b
    assert a != c
    types = [e.event_type for e in a]
    assert types.count("nuclear explosion") == 1
    assert types.count("mining explosion") == 3
    dprk = next(e for e in a if e.event_type == "nuclear explosion")
    assert (dprk.latitude, dprk.longitude) == DPRK_TEST_SITE
    assert all(START <= e.time < START + 86400 for e in a)
    assert len({e.id for e in a}) == len(a)
    for e in a:
        assert math.isfinite(e.mb) and math.isfinite(e.ml)
        if e.event_type == "mining explosion":
            local = (e.time.hour + e.time.minute / 60 + e.longitude / 15.0) % 24
            assert 9.0 <= local <= 17.1
            assert e.ripple_n > 1 and e.depth_km == 0.0
            assert any(abs(e.latitude - d.latitude) < 0.2 for d in MINING_DISTRICTS)
        if e.event_type == "earthquake" and e.region.startswith(("Northern", "Altai")):
            assert 0 <= e.depth_km <= 40


def test_draw_events_scales_with_duration() -> None:
    net = kazakh_network()
    rng = np.random.default_rng(1)
    week = draw_events(net, START, 7 * 86400.0, rng, dprk=True)
    assert 30 < len(week) < 200
    assert sum(e.event_type == "nuclear explosion" for e in week) == 1
    assert all(START <= e.time < START + 7 * 86400 for e in week)
    far = MonitoringNetwork("far", tuple(s for s in net.stations[:1]))
    assert len(draw_events(far, START, 3600.0, np.random.default_rng(2))) >= 0


def test_events_csv_round_trip(tmp_path: Path) -> None:
    evs = kazakh_day_events(START, 3)
    p = write_events_csv(evs, tmp_path / "e.csv")
    back = read_events_csv(p)
    assert [e.id for e in back] == [e.id for e in evs]
    for x, y in zip(evs, back, strict=True):
        assert abs(x.time - y.time) < 1e-5
        assert x.event_type == y.event_type and x.ripple_n == y.ripple_n
        assert x.mb == pytest.approx(y.mb) and x.ml == pytest.approx(y.ml)


def test_events_csv_errors(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("time,latitude\n2024-01-01,40\n")
    with pytest.raises(ScenarioError, match="longitude"):
        read_events_csv(p)
    p.write_text("time,latitude,longitude,mb,event_type\n2024-01-01,40,70,4,volcano\n")
    with pytest.raises(ScenarioError, match="unknown event type"):
        read_events_csv(p)
    p.write_text("time,latitude,longitude\n2024-01-01,40,70\n")
    with pytest.raises(ScenarioError, match="ml or mb"):
        read_events_csv(p)
    p.write_text("time,latitude,longitude,mb,event_type\n2024-01-01,40,70,4.5,explosion\n")
    (e,) = read_events_csv(p)
    assert e.depth_km == 0.0 and e.ml == pytest.approx(4.1)


def test_parse_duration() -> None:
    assert parse_duration("24h") == 86400.0
    assert parse_duration("90m") == 5400.0
    assert parse_duration("3600") == 3600.0
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration("a day")
    with pytest.raises(argparse.ArgumentTypeError, match="outside"):
        parse_duration("0.5s")


def test_cli_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kz = kazakh_network()
    net = MonitoringNetwork("two", tuple(s for s in kz.stations if s.code in ("AKTO", "MAKZ")))
    inv = write_stationxml(net, tmp_path / "net.xml")
    ev = tmp_path / "events.csv"
    write_events_csv([ScenarioEvent(START + 30, 43.0, 77.0, 10.0, ml=4.0, mb=4.0, id="q1")], ev)
    out = tmp_path / "scn"
    argv = ["scenario", "make", "--network", str(inv), "--start", "2024-03-01T00:00:00",
            "--duration", "5m", "--seed", "3", "--events", str(ev), "--out", str(out),
            "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    assert "1 events" in capsys.readouterr().out
    for name in ("inventory.xml", "truth.xml", "truth.csv", "truth_arrivals.csv"):
        assert (out / name).is_file(), name
    truth = pd.read_csv(out / "truth.csv")
    assert list(truth.columns) == [c.name for c in EVENT_COLUMNS]
    assert len(list((out / "sds").rglob("*.D.2024.061"))) == net.n_channels
    assert main(argv) == 1  # refuses to overwrite without --overwrite
    assert main([*argv, "--overwrite"]) == 0
