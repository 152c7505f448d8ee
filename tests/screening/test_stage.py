"""The stage: outcome rule, suggested type, alert, apply_screening, regional on synthetic data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, UTCDateTime

from openndc.model.inventory import MonitoringNetwork
from openndc.screening import ScreeningConfig, apply_screening, screen_event
from openndc.screening.calibration import Calibration, default_calibration, save_calibration
from openndc.screening.config import RegionalConfig
from tests.screening.helpers import make_event, station_north, synth_trace


def test_deep_event_is_screened_out_as_earthquake() -> None:
    res = screen_event(make_event(depth=40.0, depth_unc=5.0, depth_fixed=False), None)
    assert res.outcome == "screened out"
    assert (res.event_type, res.type_certainty) == ("earthquake", "known")
    assert [e.name for e in res.deciding] == ["depth"]
    assert res.alert is None


def test_mbms_natural_screens_out() -> None:
    res = screen_event(make_event(mb=5.0, ms=4.6), None)
    assert res.outcome == "screened out"
    assert res.deciding[0].name == "mb:Ms"


def test_explosion_side_near_test_site_alerts() -> None:
    event = make_event(lat=49.9, lon=78.8, mb=5.0, ms=3.4)
    res = screen_event(event, None)
    assert res.outcome == "not screened out"
    assert res.alert is not None and res.alert.site.startswith("Semipalatinsk")
    assert res.event_type == "not reported"  # no positive explosion evidence without waveforms


def test_nothing_applicable_is_not_screenable() -> None:
    res = screen_event(make_event(mb=3.0), None)
    assert res.outcome == "not screenable"
    assert not res.deciding


def test_mining_district_in_working_hours() -> None:
    event = make_event(lat=51.8, lon=75.4, time=UTCDateTime("2020-06-01T06:00:00"))
    res = screen_event(event, None)
    assert (res.event_type, res.type_certainty) == ("mining explosion", "suspected")


def test_apply_screening_sets_type_and_one_comment_line() -> None:
    event = make_event(depth=40.0, depth_unc=5.0, depth_fixed=False)
    res = screen_event(event, None)
    once = apply_screening(event, res)
    twice = apply_screening(once, res)
    assert once.event_type == "earthquake"
    assert once.comment.startswith("screening: screened out")
    assert twice.comment == once.comment
    with pytest.raises(ValueError, match="applied to"):
        apply_screening(make_event(event_id="other"), res)


def _network_and_stream(
    log_offsets: dict[str, float], lat: float, lon: float, flat: float | None = None
) -> tuple[MonitoringNetwork, Stream]:
    cal = default_calibration().find("*", "P/S")
    assert cal is not None
    stations, traces = [], Stream()
    for k, (code, offset) in enumerate(log_offsets.items()):
        dist = 300.0 + 150.0 * k
        mean = float(np.mean(cal.predict(dist))) if flat is None else flat
        stations.append(station_north("XX", code, lat, lon, dist))
        event_time = make_event().origin.time
        traces += synth_trace("XX", code, dist, mean + offset, event_time, seed=k)
    return MonitoringNetwork("t", tuple(stations)), traces


def test_explosion_like_ratios_give_an_explosion_type() -> None:
    net, st = _network_and_stream({"A": 1.0, "B": 1.0, "C": 1.0}, 45.0, 20.0)
    res = screen_event(make_event(), net, ScreeningConfig(), stream=st)
    reg = res.criterion("regional P/S")
    assert reg is not None and reg.indicates == "explosion"
    assert res.outcome == "not screened out"
    assert (res.event_type, res.type_certainty) == ("explosion", "suspected")


def test_station_calibrated_ratios_screen_out(tmp_path: Path) -> None:
    generic = default_calibration().entries[0]
    from dataclasses import replace

    # Flat in frequency and distance, so that white-noise windows match it in every band.
    flat = replace(generic, intercept=(-0.6,) * 4, slope=(0.0,) * 4)
    cal = Calibration(tuple(replace(flat, station=f"XX.{c}") for c in "ABC"))
    path = tmp_path / "cal.json"
    save_calibration(cal, path)
    assert json.loads(path.read_text())["entries"][0]["station"] == "XX.A"
    net, st = _network_and_stream({"A": 0.0, "B": 0.0, "C": 0.0}, 45.0, 20.0, -0.6)
    config = ScreeningConfig(regional=RegionalConfig(calibration=str(path)))
    res = screen_event(make_event(), net, config, stream=st)
    assert res.outcome == "screened out", res.summary()
    assert (res.event_type, res.type_certainty) == ("earthquake", "suspected")
    assert res.deciding[0].name == "regional P/S"
