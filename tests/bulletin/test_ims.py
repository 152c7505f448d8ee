from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import replace
from pathlib import Path

import obspy
import pytest
from obspy import read_events

from openndc.bulletin import read_bulletin, write_bulletin
from openndc.bulletin.formats.ims import format_ims, parse_ims, read_ims
from openndc.model.errors import BulletinError, DataQualityWarning
from openndc.model.event import Bulletin, Event
from tests.bulletin.conftest import make_bulletin

IASPEI_DATA = Path(obspy.__file__).parent / "io" / "iaspei" / "tests" / "data"


def _assert_close(ours: Event, read: Event) -> None:
    """Equal to the precision of IMS1.0."""
    o, r = ours.origin, read.origin
    assert abs(r.time - o.time) <= 0.005
    assert r.latitude == pytest.approx(o.latitude, abs=5e-5)
    assert r.longitude == pytest.approx(o.longitude, abs=5e-5)
    assert r.depth_km == pytest.approx(o.depth_km, abs=0.0501)
    assert r.depth_fixed == o.depth_fixed
    assert o.ellipse is not None and r.ellipse is not None
    assert r.ellipse.semi_major_km == pytest.approx(o.ellipse.semi_major_km, abs=0.0501)
    assert r.ellipse.azimuth == pytest.approx(o.ellipse.azimuth, abs=0.5)
    assert (r.n_defining, r.n_stations) == (o.n_defining, o.n_stations)
    assert read.event_type == ours.event_type and read.review_status == ours.review_status
    assert [m.magnitude_type for m in read.magnitudes] == [
        m.magnitude_type for m in ours.magnitudes
    ]
    for a, b in zip(ours.magnitudes, read.magnitudes, strict=True):
        assert b.value == pytest.approx(a.value, abs=0.0501)
    assert len(read.arrivals) == len(ours.arrivals)
    for a, b in zip(ours.arrivals, read.arrivals, strict=True):
        assert b.detection.station == a.detection.station and b.phase == a.phase
        assert abs(b.detection.time - a.detection.time) <= 0.0005
        assert b.time_residual == pytest.approx(a.time_residual, abs=0.0501)
        assert b.distance == pytest.approx(a.distance, abs=0.005)
        assert b.detection.id == a.detection.id
        assert (b.time_defining, b.backazimuth_defining, b.slowness_defining) == (
            a.time_defining,
            a.backazimuth_defining,
            a.slowness_defining,
        )
    mb_ours, mb_read = ours.magnitude("mb"), read.magnitude("mb")
    assert mb_ours is not None and mb_read is not None
    assert [s.station for s in mb_read.station_magnitudes] == [
        s.station for s in mb_ours.station_magnitudes
    ]


def test_obspy_reads_our_ims(tmp_path: Path) -> None:
    bulletin = make_bulletin(3)
    path = tmp_path / "b.ims"
    write_bulletin(bulletin, path, "ims1.0")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ObsPy warns about anything it cannot parse
        catalog = read_events(str(path), format="IMS10BULLETIN")
    assert len(catalog) == 3
    for event, qe in zip(bulletin.events, catalog, strict=True):
        o = qe.preferred_origin()
        assert abs(o.time - event.origin.time) <= 0.005
        assert o.latitude == pytest.approx(event.origin.latitude, abs=5e-5)
        assert o.longitude == pytest.approx(event.origin.longitude, abs=5e-5)
        assert o.depth == pytest.approx(event.origin.depth_km * 1000, abs=50)
        assert o.origin_uncertainty.max_horizontal_uncertainty == pytest.approx(12340.0)
        assert o.origin_uncertainty.azimuth_max_horizontal_uncertainty == 123.0
        assert o.quality.used_phase_count == event.origin.n_defining  # blank: None in ObsPy too
        assert o.quality.azimuthal_gap == 101.0
        assert [(m.magnitude_type, m.mag) for m in qe.magnitudes] == [("mb", 4.52), ("ML", 4.1)]
        assert len(qe.picks) == 4 and len(o.arrivals) == 4
        for arr, pick, qa in zip(event.arrivals, qe.picks, o.arrivals, strict=True):
            assert pick.waveform_id.station_code == arr.detection.station
            assert abs(pick.time - arr.detection.time) <= 0.0005
            assert pick.phase_hint == arr.phase
            assert qa.time_residual == pytest.approx(arr.time_residual, abs=0.0501)
            assert pick.backazimuth == pytest.approx(arr.detection.backazimuth, abs=0.0501)
            assert pick.horizontal_slowness == pytest.approx(arr.detection.slowness, abs=0.0501)
            det = arr.detection  # Qual: detection mode, polarity, onset (absent: None in both)
            assert (pick.evaluation_mode, pick.polarity, pick.onset) == (
                det.evaluation_mode,
                det.polarity,
                det.onset,
            )
        assert [s.mag for s in qe.station_magnitudes] == [4.4, 4.5, 4.6, 4.7]
        assert qe.amplitudes[0].generic_amplitude == pytest.approx(3.25e-9)
    assert catalog[0].event_type == "nuclear explosion"


def test_our_reader_round_trip(tmp_path: Path) -> None:
    bulletin = make_bulletin(3)
    path = tmp_path / "b.ims"
    write_bulletin(bulletin, path, "ims1.0")
    read = read_bulletin(path)
    assert len(read) == 3
    for ours, back in zip(bulletin.events, read.events, strict=True):
        _assert_close(ours, back)
    # Writing what we read gives the same text: nothing the format carries is lost.
    assert format_ims(read) == format_ims(bulletin)


def test_long_ids_are_kept_whole() -> None:
    event = make_bulletin(1).events[0]
    event = Event(id="2016010612345", origin=event.origin)
    read = parse_ims(format_ims(Bulletin((event,))))
    assert read.events[0].id == "2016010612345"


@pytest.mark.parametrize("name", ["ipe202409sel_ims.txt", "19670130012028.isf"])
def test_reads_obspy_test_bulletins_like_obspy(name: str) -> None:
    path = IASPEI_DATA / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        catalog = read_events(str(path), format="IMS10BULLETIN")
        ours = read_ims(path)
    located = [qe for qe in catalog if qe.preferred_origin() and qe.preferred_origin().latitude]
    assert len(ours) == len(located)
    for qe, event in zip(located, ours.events, strict=True):
        o = qe.preferred_origin()
        assert event.origin.time == o.time
        assert event.origin.latitude == o.latitude and event.origin.longitude == o.longitude
        assert len(event.arrivals) == sum(1 for p in qe.picks if p.time is not None)


def test_isc_tunisia_bulletin(shared_data: Path) -> None:
    path = (
        shared_data / "bulletins" / "isc_tunisia_mloc" / "isc_bulletin_tunisia_1960-2018_ims1.txt"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bulletin = read_ims(path)
    assert len(bulletin) == 215
    # ObsPy reads 7,527 timed phase lines; one ISC event has 3 picks 9 h off its origin time,
    # which both readers skip (we with a DataQualityWarning naming the line).
    assert sum(len(e.arrivals) for e in bulletin) == 7527
    assert any("more than 6 h" in str(w.message) for w in caught)
    assert all(issubclass(w.category, DataQualityWarning) for w in caught)
    first = bulletin.events[1]  # 1965/09/05 22:06:55.58, ISC, mb 4.3
    assert first.id == "853630"
    assert str(first.origin.time) == "1965-09-05T22:06:55.580000Z"
    assert first.origin.depth_fixed and first.origin.depth_km == 10.0
    assert first.magnitude("mb") is not None and first.magnitude("mb").value == 4.3  # type: ignore[union-attr]
    assert first.arrivals[0].detection.station == "ISO" and first.arrivals[0].phase == "Pn"


def test_not_ims_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.ims"
    path.write_text("hello\n")
    with pytest.raises(BulletinError, match=r"not an IMS1\.0 bulletin"):
        read_ims(path)


def test_unreadable_origin_line_is_skipped_with_warning() -> None:
    text = format_ims(make_bulletin(2))
    lines = text.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("2016/01/06 02:30"))
    lines[i] = "2016/13/06 02:30:01.12" + lines[i][22:]  # month 13
    with pytest.warns(DataQualityWarning, match="unreadable origins line"):
        read = parse_ims("\n".join(lines))
    assert [e.id for e in read] == ["20160106"]


TUNISIA = "bulletins/isc_tunisia_mloc/isc_bulletin_tunisia_1960-2018_ims1.txt"


def _diff(a: object, b: object, where: str = "") -> list[str]:
    """Fields that differ, NaN equal to NaN (dataclasses, tuples, floats, the rest by ==)."""
    if dataclasses.is_dataclass(a) and dataclasses.is_dataclass(b):
        out = []
        for f in dataclasses.fields(a):
            if f.compare:
                out += _diff(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
        return out
    if isinstance(a, tuple) and isinstance(b, tuple):
        if len(a) != len(b):
            return [f"{where}: {len(a)} != {len(b)} items"]
        return [
            d
            for k, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _diff(x, y, f"{where}[{k}]")
        ]
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return []
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def _ordered(event: Event) -> Event:
    """Station magnitudes in one order (the file lists amplitude-only readings last)."""
    mags = tuple(
        replace(
            m,
            station_magnitudes=tuple(
                sorted(m.station_magnitudes, key=lambda s: (s.detection_id, s.station))
            ),
        )
        for m in event.magnitudes
    )
    return replace(event, magnitudes=mags)


def _quiet_read(path: Path) -> Bulletin:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return read_ims(path)


def test_demo_like_ids_fit_and_obspy_keeps_identities(tmp_path: Path) -> None:
    """Long event and detection ids: ObsPy sees unique 8-character ids and the right picks."""
    base = make_bulletin(3)
    events = []
    for k, e in enumerate(base.events):
        arrivals = tuple(
            replace(a, detection=replace(a.detection, id=f"KZ.{a.detection.station}.00.BHZ.{k}{j}"))
            for j, a in enumerate(e.arrivals)
        )
        new = {a.detection.id: b.detection.id for a, b in zip(e.arrivals, arrivals, strict=True)}
        mags = tuple(
            replace(
                m,
                station_magnitudes=tuple(
                    replace(sm, detection_id=new.get(sm.detection_id, sm.detection_id))
                    for sm in m.station_magnitudes
                ),
            )
            for m in e.magnitudes
        )
        events.append(
            replace(e, id=f"openndc-2016-01-06-{k:05d}", arrivals=arrivals, magnitudes=mags)
        )
    bulletin = Bulletin(tuple(events))
    path = tmp_path / "long.ims"
    write_bulletin(bulletin, path, "ims1.0")
    text = path.read_text()
    for line in text.splitlines():  # every phase line's ArrID fits columns 115-122
        if line[:1].isalpha() and len(line) > 114 and line[30:31] == ":":
            assert len(line) <= 122
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        catalog = read_events(str(path), format="IMS10BULLETIN")
    ids = [str(qe.resource_id).rsplit("/", 1)[-1] for qe in catalog]
    assert len(set(ids)) == 3
    pick_ids = [str(p.resource_id) for qe in catalog for p in qe.picks]
    assert len(set(pick_ids)) == len(pick_ids) == sum(len(e.arrivals) for e in events)
    for event, qe in zip(bulletin.sorted().events, catalog, strict=True):
        picks = {str(p.resource_id): p for p in qe.picks}
        o = qe.preferred_origin()
        for arr, qa in zip(event.arrivals, o.arrivals, strict=True):
            pick = picks[str(qa.pick_id)]  # the arrival points at its own pick
            assert abs(pick.time - arr.detection.time) <= 0.0005
            assert pick.phase_hint == arr.phase
    back = read_ims(path)  # our reader restores the long ids from the comments
    assert [e.id for e in back.events] == [e.id for e in bulletin.sorted().events]
    assert [a.detection.id for e in back.events for a in e.arrivals] == [
        a.detection.id for e in bulletin.sorted().events for a in e.arrivals
    ]


def test_isc_round_trip_keeps_every_field(shared_data: Path) -> None:
    """read -> write -> read gives the same values; absent stays absent."""
    first = _quiet_read(shared_data / TUNISIA)
    second = parse_ims(format_ims(first))
    assert [e.id for e in second.events] == [e.id for e in first.sorted().events]
    by_id = {e.id: e for e in first.events}
    n_onset = n_pol = 0
    for b in second.events:
        a = by_id[b.id]
        assert _diff(_ordered(a), _ordered(b), a.id) == []
        n_onset += sum(x.detection.onset is not None for x in b.arrivals)
        n_pol += sum(x.detection.polarity is not None for x in b.arrivals)
    assert (n_onset, n_pol) == (3967, 504)  # onset qualities and polarities of the ISC picks


def test_isc_missing_depth_stays_missing(shared_data: Path) -> None:
    bulletin = _quiet_read(shared_data / TUNISIA)
    first = next(e for e in bulletin.events if e.id == "876000")  # 1961, no depth given
    assert math.isnan(first.origin.depth_km) and not first.origin.depth_fixed


def test_impossible_values_are_rejected_and_named() -> None:
    base = format_ims(make_bulletin(1))
    lines = base.splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("2016/"))
    bad_lat = lines.copy()
    bad_lat[k] = bad_lat[k][:36] + " 95.0000" + bad_lat[k][44:]
    with pytest.warns(DataQualityWarning, match="impossible epicentre"):
        assert len(parse_ims("\n".join(bad_lat))) == 0
    p = next(i for i, line in enumerate(lines) if line[30:31] == ":" and line[:1].isalpha())
    bad_az = lines.copy()
    bad_az[p] = bad_az[p][:47] + " 9999" + bad_az[p][52:]
    with pytest.warns(DataQualityWarning, match="backazimuth 9999"):
        read = parse_ims("\n".join(bad_az))
    assert len(read.events[0].arrivals) == len(make_bulletin(1).events[0].arrivals) - 1
