"""The scorer reads QuakeML, IMS1.0 and the bulletin CSV into the same events."""

from __future__ import annotations

import math
from pathlib import Path

import obspy
import pandas as pd
import pytest
from obspy import UTCDateTime
from obspy.core.event import Catalog, Event, Magnitude, Origin, ResourceIdentifier

from openndc.model.errors import DataQualityWarning, ScenarioError
from openndc.model.event import EVENT_COLUMNS
from openndc.training import ScoredEvent, read_scored_events, score_bulletin

IMS_DATA = Path(obspy.__file__).parent / "io" / "iaspei" / "tests" / "data"

EVENTS = [
    ScoredEvent("ev1", UTCDateTime("2024-03-01T10:00:01.25"), 43.1, 77.2, 12.0,
                {"mb": 4.3, "ML": 4.0}, "earthquake"),
    ScoredEvent("ev2", UTCDateTime("2024-03-01T11:30:00.5"), 50.0, 72.9, 0.0,
                {"ML": 2.4}, "mining explosion"),
    ScoredEvent("ev3", UTCDateTime("2024-03-01T12:00:00"), 41.3, 129.1, 0.8,
                {"mb": 4.9, "Ms": 3.6}, "nuclear explosion"),
]  # fmt: skip


def _write_quakeml(events: list[ScoredEvent], path: Path) -> None:
    cat = Catalog()
    for e in events:
        origin = Origin(
            resource_id=ResourceIdentifier(f"smi:test/origin/{e.id}"),
            time=e.time, latitude=e.latitude, longitude=e.longitude, depth=e.depth_km * 1000.0,
        )  # fmt: skip
        decoy = Origin(time=e.time + 30, latitude=0.0, longitude=0.0, depth=0.0)
        mags = [
            Magnitude(mag=v, magnitude_type=k, origin_id=origin.resource_id)
            for k, v in e.magnitudes.items()
        ]
        # A magnitude of another origin with the same type must not win.
        mags.insert(0, Magnitude(mag=9.9, magnitude_type="mb", origin_id=decoy.resource_id))
        event = Event(
            resource_id=ResourceIdentifier(f"smi:test/event/{e.id}"),
            event_type=e.event_type, origins=[decoy, origin], magnitudes=mags,
        )  # fmt: skip
        event.preferred_origin_id = origin.resource_id
        cat.append(event)
    cat.write(str(path), format="QUAKEML")


def _write_csv(events: list[ScoredEvent], path: Path) -> None:
    rows = []
    for e in events:
        row: dict[str, object] = {c.name: None for c in EVENT_COLUMNS}
        row.update(
            event_id=e.id, time=str(e.time), latitude=e.latitude, longitude=e.longitude,
            depth=e.depth_km, event_type=e.event_type, **e.magnitudes,
        )  # fmt: skip
        rows.append(row)
    with path.open("w") as fh:
        fh.write("# OpenNDC bulletin\n# provenance: {}\n")
        pd.DataFrame(rows, columns=[c.name for c in EVENT_COLUMNS]).to_csv(fh, index=False)


def _same(a: list[ScoredEvent], b: list[ScoredEvent]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.id == y.id
        assert abs(x.time - y.time) < 1e-5
        assert (x.latitude, x.longitude) == pytest.approx((y.latitude, y.longitude))
        assert x.depth_km == pytest.approx(y.depth_km)
        assert dict(x.magnitudes) == pytest.approx(dict(y.magnitudes))
        assert x.event_type == y.event_type


def test_quakeml_and_csv_read_back(tmp_path: Path) -> None:
    _write_quakeml(EVENTS, tmp_path / "b.xml")
    _write_csv(EVENTS, tmp_path / "t.csv")
    _same(read_scored_events(tmp_path / "b.xml"), EVENTS)
    _same(read_scored_events(tmp_path / "t.csv"), EVENTS)
    # Content sniffing when the extension says nothing; bytes input.
    (tmp_path / "b.dat").write_bytes((tmp_path / "b.xml").read_bytes())
    _same(read_scored_events(tmp_path / "b.dat"), EVENTS)
    _same(read_scored_events((tmp_path / "t.csv").read_bytes(), "truth.csv"), EVENTS)
    report = score_bulletin(read_scored_events(tmp_path / "b.xml"), EVENTS)
    assert report.summary["f1"] == 1.0
    assert report.summary["mb_error_max_abs"] == pytest.approx(0.0)


def test_ims10_bulletins_from_obspy() -> None:
    path = IMS_DATA / "ipe202409sel_ims.txt"
    if not path.is_file():
        pytest.skip("ObsPy's IMS1.0 test bulletins are not installed")
    with pytest.warns(DataQualityWarning, match="2032247"):  # an origin without epicentre
        events = read_scored_events(path)
    assert [e.id for e in events] == ["2032257", "2032696"]
    first = events[0]
    assert first.time == UTCDateTime("2024-09-01T12:33:19.91")
    assert (first.latitude, first.longitude, first.depth_km) == (49.8219, 18.5593, 1.0)
    assert dict(first.magnitudes) == {"ML": 1.2}
    assert first.event_type == "mining explosion"
    # ISF: the prime (ISC) origin and its mb, not the other agencies' origins or MB.
    (spitak,) = read_scored_events(IMS_DATA / "19670130012028.isf")
    assert spitak.time == UTCDateTime("1967-01-30T01:20:28.70")
    assert (spitak.latitude, spitak.longitude, spitak.depth_km) == (41.09, 44.31, 11.0)
    assert dict(spitak.magnitudes) == {"mb": 5.0}
    assert spitak.event_type == "earthquake"


def test_csv_rows_without_epicentre_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text(
        "event_id,time,latitude,longitude,depth,mb\n"
        "a,2024-03-01T10:00:00,43.0,77.0,,\n"
        "b,2024-03-01T10:10:00,,77.0,5,4.0\n"
        "c,not a time,43.0,77.0,5,4.0\n"
    )
    with pytest.warns(DataQualityWarning) as record:
        events = read_scored_events(path)
    assert ["row 2" in str(w.message) for w in record] == [True, False]
    assert "row 3" in str(record[1].message)
    assert [e.id for e in events] == ["a"]
    assert math.isnan(events[0].depth_km) and dict(events[0].magnitudes) == {}
    assert events[0].event_type == ""


def test_unreadable_inputs_raise_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no_such"):
        read_scored_events(tmp_path / "no_such.xml")
    (tmp_path / "x.csv").write_text("id,when\n1,2\n")
    with pytest.raises(ScenarioError, match="latitude"):
        read_scored_events(tmp_path / "x.csv")
    (tmp_path / "x.bin").write_bytes(b"\x00\x01garbage")
    with pytest.raises(ScenarioError, match="unknown bulletin format"):
        read_scored_events(tmp_path / "x.bin")
    (tmp_path / "bad.xml").write_text("<not quakeml")
    with pytest.raises(ScenarioError, match="QuakeML"):
        read_scored_events(tmp_path / "bad.xml")


def test_scenario_event_list_spellings(tmp_path: Path) -> None:
    # The synthesizer's --events CSV (id, depth_km, ml) reads as a truth too.
    path = tmp_path / "events.csv"
    path.write_text(
        "id,time,latitude,longitude,depth_km,ml,mb,event_type,ripple_n,ripple_dt,region\n"
        "evt001,2024-03-01T10:00:00.000000Z,43.1,77.2,12.00,4.00,4.30,earthquake,1,0.000,x\n"
    )
    (event,) = read_scored_events(path)
    assert (event.id, event.depth_km, event.event_type) == ("evt001", 12.0, "earthquake")
    assert dict(event.magnitudes) == {"ML": 4.0, "mb": 4.3}
