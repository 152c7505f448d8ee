"""The runner from detections to a bulletin, and the ``openndc locate`` contract."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest
from obspy import UTCDateTime

from openndc.bulletin import BulletinStore
from openndc.cli.main import main
from openndc.inventory import read_inventory
from openndc.io.tables import write_detections
from openndc.model.detection import Detection
from openndc.model.errors import DataQualityWarning
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.pipeline.process import build_bulletin
from openndc.traveltime import load_travel_times
from tests.support.synthetic import SyntheticEvent, synthetic_detections

T0 = UTCDateTime("2024-03-01T00:00:00")
#: Two regional events in Kazakhstan's monitoring area, 10 min apart.
EVENTS = [
    SyntheticEvent(T0 + 120, 42.9, 77.3, 10.0),  # Northern Tien Shan
    SyntheticEvent(T0 + 720, 49.8, 84.5, 5.0),  # Altai foothills
]


@pytest.fixture(scope="module")
def detections() -> list[Detection]:
    network = read_inventory("kz")
    return synthetic_detections(
        network,
        EVENTS,
        load_travel_times("ak135"),
        seed=3,
        start=T0,
        end=T0 + 1500,
        pick_sigma=0.3,
        false_per_site_hour=0.5,
    )


def _nearest_km(lat: float, lon: float) -> float:
    return min(
        float(distance_azimuth(e.latitude, e.longitude, lat, lon)[0]) * DEG_KM for e in EVENTS
    )


def test_build_bulletin_finds_both_events(detections: list[Detection]) -> None:
    result = build_bulletin(detections, read_inventory("kz"))
    assert {"association", "location", "magnitude"} <= set(result.timings)
    good = [e for e in result.bulletin if _nearest_km(e.origin.latitude, e.origin.longitude) < 50]
    assert len(good) >= 2
    for ev in good:
        assert ev.origin.ellipse is not None
        assert math.isfinite(ev.origin.rms)
        assert all(math.isfinite(a.time_residual) for a in ev.arrivals if a.time_defining)
    assert result.bulletin.provenance is not None


def test_unknown_station_is_warned_and_the_rest_processed(detections: list[Detection]) -> None:
    stray = Detection("XX", "NOPE", "", "BHZ", T0 + 130, phase="P")
    with pytest.warns(DataQualityWarning, match="NOPE.*not in inventory"):
        result = build_bulletin([*detections, stray], read_inventory("kz"))
    assert len(result.bulletin) >= 2


def test_locate_cli_contract(tmp_path: Path, detections: list[Detection]) -> None:
    table = tmp_path / "detections.csv"
    write_detections(detections, table, {})
    db = f"sqlite:///{tmp_path / 'b.db'}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        rc = main(
            ["locate", "--detections", str(table), "--inventory", "kz", "--db", db, "--no-progress"]
        )
    assert rc == 0
    with BulletinStore(db) as store:
        stored = store.load()
    assert len(stored) >= 2
    assert any(_nearest_km(e.origin.latitude, e.origin.longitude) < 50 for e in stored)
    # the table's NaNs (no back-azimuth on single stations) survived the round trip
    assert all(len(e.arrivals) >= 3 for e in stored)


@pytest.mark.parametrize("fmt", ["ims1.0", "quakeml"])
def test_locate_takes_a_bulletins_arrivals_as_detections(
    tmp_path: Path, detections: list[Detection], fmt: str
) -> None:
    """An IMS1.0 or QuakeML bulletin given as ``--detections``: its arrivals, without its
    events, are associated again and make the same events (the file written with no event
    grouping kept but the arrivals')."""
    from openndc.bulletin.formats import write_bulletin

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        first = build_bulletin(detections, read_inventory("kz")).bulletin
        path = tmp_path / ("b.ims" if fmt == "ims1.0" else "b.xml")
        write_bulletin(first, path, fmt)
        db = f"sqlite:///{tmp_path / 'again.db'}"
        rc = main(["locate", "--detections", str(path), "--inventory", "kz", "--db", db,
                   "--no-progress"])  # fmt: skip
    assert rc == 0
    with BulletinStore(db) as store:
        again = store.load().events
    assert len(again) == len(first.events) >= 2
    for e in again:
        assert _nearest_km(e.origin.latitude, e.origin.longitude) < 50
    n_first = sorted(len(e.arrivals) for e in first.events)
    assert sorted(len(e.arrivals) for e in again) == n_first


def test_amplitudes_without_unit_warn_once_naming_the_stations(
    detections: list[Detection], caplog: pytest.LogCaptureFixture
) -> None:
    import dataclasses
    import logging

    # amplitudes as a table without an amplitude_unit column gives them
    bare = [
        dataclasses.replace(d, amplitude=50.0, period=1.0, amplitude_unit="") for d in detections
    ]
    with caplog.at_level(logging.WARNING, logger="openndc.pipeline.runner"):
        result = build_bulletin(bare, read_inventory("kz"))
    said = [r.getMessage() for r in caplog.records if "not ground motion" in r.getMessage()]
    assert len(said) == 1  # once per run, not per event or window
    stations = {a.station for e in result.bulletin for a in e.arrivals}
    assert any(s in said[0] for s in stations)
    assert "amplitude_unit" in said[0]
    assert all(m.magnitude_type not in ("mb", "ML") for e in result.bulletin for m in e.magnitudes)
