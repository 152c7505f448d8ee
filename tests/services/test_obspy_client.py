"""Acceptance: ObsPy's FDSN client against our server on loopback returns what we hold."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from obspy import UTCDateTime
from obspy.clients.fdsn import Client
from obspy.clients.fdsn.header import FDSNNoDataException

from openndc.archive import SDSArchive
from openndc.bulletin import BulletinStore
from tests.services.conftest import DAY0, FDSNEnv, LiveServer

T1 = DAY0 + 3600
# reading across the 60 s gap of GR.WET..BHZ reports it as a DataQualityWarning
pytestmark = pytest.mark.filterwarnings("ignore::openndc.model.errors.DataQualityWarning")


@pytest.fixture(scope="module")
def client(live_server: LiveServer) -> Client:
    return Client(base_url=live_server.url, _discover_services=False)


def _codes(inv: object) -> list[tuple[str, ...]]:
    out = []
    for net in inv:  # type: ignore[attr-defined]
        for sta in net:
            chans = [(c.location_code, c.code, str(c.start_date)) for c in sta] or [("",)]
            out += [(net.code, sta.code, *c) for c in chans]
    return sorted(out)


def test_discovery_reads_our_wadl(live_server: LiveServer) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ObsPy warns about parameters missing from a WADL
        c = Client(base_url=live_server.url)
    assert set(c.services) >= {"station", "dataselect", "event"}
    for name in ("station", "dataselect", "event"):
        assert "starttime" in c.services[name]
    assert {"includearrivals", "eventid", "updatedafter"} <= set(c.services["event"])
    assert c.get_webservice_version("event") == [1, 2, 0]
    assert set(c.services["available_event_catalogs"]) == {"OpenNDC"}


@pytest.mark.parametrize("level", ["network", "station", "channel", "response"])
def test_get_stations_every_level(client: Client, fdsn_env: FDSNEnv, level: str) -> None:
    got = client.get_stations(level=level)
    inv = fdsn_env.inventory
    assert sorted(n.code for n in got) == sorted(n.code for n in inv)
    if level == "network":
        assert all(not n.stations for n in got)
        return
    assert sorted((n.code, s.code, str(s.start_date)) for n in got for s in n) == sorted(
        (n.code, s.code, str(s.start_date)) for n in inv for s in n
    )
    if level == "station":
        assert all(not s.channels for n in got for s in n)
        return
    assert _codes(got) == _codes(inv)
    with_response = [
        c.response is not None and bool(c.response.response_stages)
        for n in got
        for s in n
        for c in s
    ]
    assert all(with_response) == (level == "response")
    if level == "response":
        want = inv.select(network="GR", station="FUR", channel="BHZ")[0][0][0].response
        have = got.select(network="GR", station="FUR", channel="BHZ")[0][0][0].response
        assert have.instrument_sensitivity.value == want.instrument_sensitivity.value
        assert len(have.response_stages) == len(want.response_stages)


def test_get_stations_filters(client: Client) -> None:
    inv = client.get_stations(
        network="GR", channel="BH?", level="channel", starttime=UTCDateTime(2016, 1, 1)
    )
    assert {(s.code, c.code) for n in inv for s in n for c in s} == {
        (s, c) for s in ("FUR", "WET") for c in ("BHZ", "BHN", "BHE")
    }
    # BW.RJOB has three epochs; only the open one touches 2016
    inv = client.get_stations(station="RJOB", level="channel", starttime=UTCDateTime(2016, 1, 1))
    assert {str(c.start_date) for n in inv for s in n for c in s} == {"2007-12-17T00:00:00.000000Z"}
    # radius around FUR (48.16 N, 11.28 E): WET is 2.2 deg away
    inv = client.get_stations(latitude=48.16, longitude=11.28, maxradius=1.0)
    assert [s.code for n in inv for s in n] == ["FUR"]
    bulk = [
        ("GR", "WET", "*", "BHZ", UTCDateTime(2016, 1, 1), UTCDateTime(2016, 2, 1)),
        ("BW", "RJOB", "--", "EH?", UTCDateTime(2005, 1, 1), UTCDateTime(2005, 2, 1)),
    ]
    inv = client.get_stations_bulk(bulk, level="channel")
    assert sorted((s.code, c.code, str(c.start_date)) for n in inv for s in n for c in s) == [
        ("RJOB", "EHE", "2001-05-15T00:00:00.000000Z"),
        ("RJOB", "EHN", "2001-05-15T00:00:00.000000Z"),
        ("RJOB", "EHZ", "2001-05-15T00:00:00.000000Z"),
        ("WET", "BHZ", "2007-02-02T00:00:00.000000Z"),
    ]
    text = client.get_stations(network="GR", level="station", format="text")
    assert sorted(s.code for n in text for s in n) == ["FUR", "WET"]
    with pytest.raises(FDSNNoDataException):
        client.get_stations(network="XX")


def _assert_same(got: object, want: object, start: UTCDateTime, end: UTCDateTime) -> None:
    got = got.copy()  # type: ignore[attr-defined]
    got.trim(start, end, nearest_sample=False)
    got.merge()
    want = want.copy()  # type: ignore[attr-defined]
    want.merge()
    got.sort()
    want.sort()
    assert [tr.id for tr in got] == [tr.id for tr in want]
    for a, b in zip(got, want, strict=True):
        assert a.stats.starttime == b.stats.starttime
        assert a.stats.sampling_rate == b.stats.sampling_rate
        assert np.ma.allequal(a.data, b.data)
        assert np.ma.count_masked(a.data) == np.ma.count_masked(b.data)


def test_get_waveforms_equals_archive(client: Client, fdsn_env: FDSNEnv) -> None:
    archive = SDSArchive(fdsn_env.archive)
    start, end = T1 + 2990.0, T1 + 3100.0  # across the 60 s gap of GR.WET..BHZ
    st = client.get_waveforms("GR", "FUR,WET", "", "BHZ", start, end)
    want = archive.read(start, end - 0.001, "GR", "FUR,WET", "", "BHZ").stream
    _assert_same(st, want, start, end - 0.001)
    assert len(st.select(station="WET")) == 2  # the gap is kept
    # across midnight: two day files of GR.FUR..HHZ
    start, end = DAY0 + 86400 - 100, DAY0 + 86400 + 100
    st = client.get_waveforms("GR", "FUR", "--", "HHZ", start, end)
    want = archive.read(start, end - 0.001, "GR", "FUR", "", "HHZ").stream
    _assert_same(st, want, start, end - 0.001)
    assert st[0].stats.npts >= 20000


def test_get_waveforms_bulk(client: Client, fdsn_env: FDSNEnv) -> None:
    archive = SDSArchive(fdsn_env.archive)
    a, b = T1 + 100, T1 + 160
    bulk = [
        ("GR", "FUR", "", "BH?", a, b),
        ("BW", "RJOB", "", "EHZ", a, b),
        ("GR", "WET", "*", "BHZ", a, b),
    ]
    st = client.get_waveforms_bulk(bulk)
    want = archive.read(a, b - 0.001, "GR,BW", "FUR,RJOB,WET", "", "BH?,EHZ")
    keep = {"GR.FUR..BHZ", "GR.FUR..BHN", "BW.RJOB..EHZ", "GR.WET..BHZ"}
    want_st = want.stream.__class__([tr for tr in want.stream if tr.id in keep])
    _assert_same(st, want_st, a, b - 0.001)
    st = client.get_waveforms_bulk(bulk[:1], longestonly=True, minimumlength=10.0)
    assert {tr.id for tr in st} == {"GR.FUR..BHZ", "GR.FUR..BHN"}
    with pytest.raises(FDSNNoDataException):
        client.get_waveforms_bulk([("GR", "FUR", "", "BHZ", DAY0 - 86400 * 30, DAY0 - 86400 * 29)])


def test_get_events_equals_database(client: Client, fdsn_env: FDSNEnv) -> None:
    with BulletinStore(fdsn_env.db_url) as store:
        stored = store.load()
    cat = client.get_events(orderby="time-asc")
    assert [e.resource_id.id.rsplit("/", 1)[-1] for e in cat] == [e.id for e in stored.events]
    for qe, ev in zip(cat, stored.events, strict=True):
        o = qe.preferred_origin()
        assert o.time == ev.origin.time
        assert o.latitude == pytest.approx(ev.origin.latitude)
        assert o.longitude == pytest.approx(ev.origin.longitude)
        assert o.depth == pytest.approx(ev.origin.depth_km * 1000.0)
        assert not qe.picks and not o.arrivals  # includearrivals defaults to false
        pm = ev.preferred_magnitude
        assert pm is not None
        assert qe.preferred_magnitude().mag == pytest.approx(pm.value)
        assert {m.magnitude_type for m in qe.magnitudes} == {
            m.magnitude_type for m in ev.magnitudes
        }
    with_arr = client.get_events(eventid=stored.events[3].id, includearrivals=True)
    assert len(with_arr) == 1
    ev = stored.events[3]
    origin = with_arr[0].preferred_origin()
    assert len(origin.arrivals) == len(ev.arrivals) == len(with_arr[0].picks)
    picks = {p.resource_id: p for p in with_arr[0].picks}
    assert sorted(picks[a.pick_id].time for a in origin.arrivals) == sorted(
        a.detection.time for a in ev.arrivals
    )


def test_get_events_filters(client: Client, fdsn_env: FDSNEnv) -> None:
    events = fdsn_env.events

    def pref(e: object) -> float:
        m = e.preferred_magnitude  # type: ignore[attr-defined]
        return float(m.value)

    def ids(cat: object) -> list[str]:
        return [e.resource_id.id.rsplit("/", 1)[-1] for e in cat]  # type: ignore[attr-defined]

    cat = client.get_events(minmagnitude=4.5)
    assert sorted(ids(cat)) == sorted(e.id for e in events if pref(e) >= 4.5)
    cat = client.get_events(orderby="magnitude", limit=3)
    assert ids(cat) == [e.id for e in sorted(events, key=pref, reverse=True)[:3]]
    cat = client.get_events(orderby="time", limit=2, offset=2)
    assert ids(cat) == [e.id for e in sorted(events, key=lambda e: e.origin.time)][::-1][1:3]
    start, end = DAY0 + 86400, DAY0 + 2 * 86400
    cat = client.get_events(starttime=start, endtime=end)
    assert sorted(ids(cat)) == sorted(e.id for e in events if start <= e.origin.time <= end)
    cat = client.get_events(minlatitude=0, maxlatitude=90, minlongitude=0, maxlongitude=180)
    assert sorted(ids(cat)) == sorted(
        e.id for e in events if e.origin.latitude >= 0 and e.origin.longitude >= 0
    )
    e0 = events[5].origin
    cat = client.get_events(latitude=e0.latitude, longitude=e0.longitude, maxradius=1.0)
    assert ids(cat) == [events[5].id]
    cat = client.get_events(magnitudetype="ML", minmagnitude=4.0)
    assert sorted(ids(cat)) == sorted(
        e.id for e in events if e.magnitude("ML") is not None and e.magnitude("ML").value >= 4.0
    )
    cat = client.get_events(eventtype="nuclear explosion")
    assert sorted(ids(cat)) == sorted(e.id for e in events if e.event_type == "nuclear explosion")
    cat = client.get_events(updatedafter=UTCDateTime() - 3600)
    assert len(cat) == len(events)
    with pytest.raises(FDSNNoDataException):
        client.get_events(updatedafter=UTCDateTime() + 60)
