from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from openndc.bulletin import compare_bulletins, read_bulletin, write_bulletin
from openndc.bulletin.formats.csv import read_csv
from openndc.model.errors import BulletinError
from openndc.model.event import EVENT_COLUMNS, Bulletin, Event, NetworkMagnitude
from openndc.model.geodesy import DEG_KM
from tests.bulletin.conftest import make_bulletin, make_event


def test_csv_round_trip(tmp_path: Path) -> None:
    bulletin = make_bulletin(3)
    path = tmp_path / "b.csv"
    write_bulletin(bulletin, path)
    header = path.read_text().splitlines()[0].split(",")
    assert header == [c.name for c in EVENT_COLUMNS]
    read = read_bulletin(path)
    assert len(read) == 3
    for ours, back in zip(bulletin.events, read.events, strict=True):
        o, r = ours.origin, back.origin
        assert back.id == ours.id and r.time == o.time  # microseconds, exact
        assert (r.latitude, r.longitude, r.depth_km) == (o.latitude, o.longitude, o.depth_km)
        assert r.depth_fixed == o.depth_fixed
        assert r.ellipse == o.ellipse
        assert (r.rms, r.gap, r.n_defining, r.n_stations) == (o.rms, o.gap, o.n_defining, 4)
        assert math.isnan(r.depth_uncertainty_km) == math.isnan(o.depth_uncertainty_km)
        for kind in ("mb", "ML"):
            a, b = ours.magnitude(kind), back.magnitude(kind)
            assert a is not None and b is not None
            assert (b.value, b.n_stations) == (a.value, a.n_stations)
        assert back.magnitude("Ms") is None
        assert back.event_type == ours.event_type and back.review_status == ours.review_status
        assert r.provenance is not None and r.provenance.author == "automatic"


def test_csv_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("event_id,time\n1,2020-01-01T00:00:00\n")
    with pytest.raises(BulletinError, match="latitude"):
        read_csv(path)


def _moved(event: Event, dt: float, dlat_km: float, depth: float, mb: float) -> Event:
    o = event.origin
    origin = dataclasses.replace(
        o, time=o.time + dt, latitude=o.latitude + dlat_km / DEG_KM, depth_km=depth
    )
    return dataclasses.replace(
        event,
        id=event.id + "b",
        origin=origin,
        magnitudes=(NetworkMagnitude("mb", mb, 0.1, 5),),
    )


def test_compare_hand_made() -> None:
    a_events = [make_event(k) for k in range(4)]
    # b: event 0 moved 1.5 s and 20 km (a match), event 1 is 60 s late (no match), event 2
    # is 300 km away (no match), event 3 missing, plus a new event.
    b_events = [
        _moved(a_events[0], 1.5, 20.0, 5.0, 4.62),
        _moved(a_events[1], 60.0, 0.0, 10.5, 4.5),
        _moved(a_events[2], 0.0, 300.0, 0.0, 4.5),
        _moved(make_event(10), 0.0, 0.0, 0.0, 3.0),
    ]
    result = compare_bulletins(
        Bulletin(tuple(a_events), name="ours"),
        Bulletin(tuple(b_events), name="reb"),
        time_tolerance_s=10.0,
        distance_tolerance_km=100.0,
    )
    assert len(result.matched) == 1
    pair = result.matched[0]
    assert (pair.a.id, pair.b.id) == ("20160106", "20160106b")
    assert pair.time_difference_s == pytest.approx(1.5)
    assert pair.distance_km == pytest.approx(20.0, rel=0.01)
    assert pair.depth_difference_km == pytest.approx(5.0)
    assert pair.magnitude_differences == {"mb": pytest.approx(0.1)}
    assert [e.id for e in result.only_a] == ["20160107", "20160108", "20160109"]
    assert len(result.only_b) == 3
    table = result.table()
    assert list(table["status"]).count("matched") == 1 and len(table) == 7
    assert table.loc[table["status"] == "matched", "dmb"].iloc[0] == pytest.approx(0.1)
    text = result.summary()
    assert "matched 1, only in ours 3, only in reb 3" in text
    assert "median 20.0 km" in text


def test_compare_one_to_one_best_pair() -> None:
    """Two candidates for one event: the closer one matches, the other stays unmatched."""
    a = make_event(0)
    near = _moved(a, 0.5, 5.0, 0.0, 4.5)
    far = dataclasses.replace(_moved(a, 3.0, 50.0, 0.0, 4.5), id="far")
    result = compare_bulletins(Bulletin((a,)), Bulletin((far, near)), 10.0, 100.0)
    assert [p.b.id for p in result.matched] == [near.id]
    assert [e.id for e in result.only_b] == ["far"]
    with pytest.raises(BulletinError):
        compare_bulletins(Bulletin((a,)), Bulletin((a,)), 0.0, 10.0)
