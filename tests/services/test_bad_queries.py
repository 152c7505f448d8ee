"""Bad queries get the right status and an FDSN error document naming the problem."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from obspy import read_events

from openndc.bulletin import BulletinStore
from openndc.services import ServiceConfig, create_app
from tests.services.conftest import FDSNEnv

ST = "/fdsnws/station/1/query"
DS = "/fdsnws/dataselect/1/query"
EV = "/fdsnws/event/1/query"
WIN = "start=2016-01-06T01:00:00&end=2016-01-06T01:10:00"


@pytest.fixture(scope="module")
def http(fdsn_app: object) -> TestClient:
    return TestClient(fdsn_app)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        (f"{ST}?foo=bar", 400, "unknown parameter 'foo'"),
        (f"{EV}?minmag=3&minmagnitude=4", 400, "given twice"),
        (f"{ST}?start=2016-13-01", 400, "not a valid date"),
        (f"{ST}?start=yesterday", 400, "not a time"),
        (f"{EV}?start=2016-01-02&end=2016-01-01", 400, "is not after starttime"),
        (f"{DS}?net=GR&start=2016-01-06T02:00:00&end=2016-01-06T01:00:00", 400, "not after"),
        (f"{DS}?net=GR&sta=FUR&cha=BHZ", 400, "needs starttime and endtime"),
        (f"{EV}?minlat=95", 400, "out of range"),
        (f"{EV}?minlat=abc", 400, "not a number"),
        (f"{EV}?minlat=nan", 400, "not a finite number"),
        (f"{EV}?limit=1.5", 400, "not an integer"),
        (f"{EV}?limit=0", 400, "out of range"),
        (f"{EV}?limit=100000", 400, "above the server's maximum"),
        (f"{EV}?orderby=depth", 400, "use one of time, time-asc"),
        (f"{EV}?includearrivals=maybe", 400, "not a boolean"),
        (f"{ST}?level=everything", 400, "use one of network, station"),
        (f"{ST}?level=response&format=text", 400, "no response level"),
        (f"{ST}?lat=10", 400, "needs both latitude and longitude"),
        (f"{ST}?minlat=10&maxlat=0", 400, "larger than"),
        (f"{EV}?lat=1&lon=2&minlat=0", 400, "not both"),
        (f"{ST}?net=GR'%20OR%201=1--", 400, "codes are letters and digits"),
        (f"{ST}?sta=[A-Z]*", 400, "codes are letters and digits"),
        (f"{EV}?eventid=1'%3B%20DROP%20TABLE%20event%3B--", 204, ""),
        (f"{EV}?nodata=500", 400, "use one of 204, 404"),
        (f"{DS}?net=GR&{WIN}&format=sac", 400, "use one of miniseed"),
        (f"{DS}?net=*&start=1900-01-01&end=2100-01-01", 413, "longer than 400 days"),
        (f"{EV}?starttime=1900-01-01", 200, ""),
        (f"{EV}?eventid=nosuchevent&nodata=404", 404, "No data"),
        (f"{ST}?net=XX&nodata=404", 404, "No data"),
        (f"{DS}?net=XX&{WIN}", 204, ""),
    ],
)
def test_bad_query(http: TestClient, url: str, status: int, words: str) -> None:
    r = http.get(url)
    assert r.status_code == status, r.text
    if status >= 400:
        assert r.text.startswith(f"Error {status}: ")
        assert words in r.text
        assert "Service version:" in r.text and "Request:" in r.text


def test_injection_leaves_database_intact(http: TestClient) -> None:
    r = http.get(EV, params={"eventid": "x' OR '1'='1", "format": "text"})
    assert r.status_code == 204
    r = http.get(EV, params={"eventtype": "earthquake') OR 1=1 --", "format": "text"})
    assert r.status_code == 204
    assert http.get(EV, params={"format": "text"}).text.count("\n") == 13


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ("", 400, "no request lines"),
        ("GR FUR -- BHZ 2016-01-06T01:00:00\n", 400, "expected NET STA LOC CHA"),
        ("foo=bar\nGR FUR -- BHZ 2016-01-06T01:00:00 2016-01-06T01:01:00\n", 400, "unknown"),
        ("GR FUR -- BHZ 2016-01-06T01:00:00 2016-01-06T00:00:00\n", 400, "not after"),
        ("net=GR\nGR FUR -- BHZ 2016-01-06T01:00:00 2016-01-06T01:01:00\n", 400, "request lines"),
        ("GR FUR -- BHZ 2016-01-06T01:00:00 2016-01-06T01:01:00\n" * 1001, 413, "1000"),
    ],
)
def test_bad_post(http: TestClient, body: str, status: int, words: str) -> None:
    r = http.post(DS, content=body)
    assert r.status_code == status, r.text
    assert words in r.text


def test_station_post_and_version(http: TestClient) -> None:
    body = "level=channel\nformat=text\nGR FUR -- BHZ 2016-01-01T00:00:00 2016-02-01T00:00:00\n"
    body += "GR WET -- BH? 2016-01-01T00:00:00 2016-02-01T00:00:00\n"
    r = http.post(ST, content=body)
    assert r.status_code == 200
    lines = r.text.strip().splitlines()
    assert [ln.split("|")[1:4] for ln in lines[1:]] == [
        ["FUR", "", "BHZ"],
        ["WET", "", "BHZ"],
        ["WET", "", "BHN"],
        ["WET", "", "BHE"],
    ]
    for svc, ver in (("station", "1.1.0"), ("dataselect", "1.1.0"), ("event", "1.2.0")):
        assert http.get(f"/fdsnws/{svc}/1/version").text == ver


def test_dataselect_quality_and_size(http: TestClient, fdsn_env: FDSNEnv) -> None:
    url = f"{DS}?net=GR&sta=FUR&cha=BHZ&{WIN}"
    r = http.get(url)
    assert r.status_code == 200
    assert int(r.headers["content-length"]) == len(r.content) > 0
    assert http.get(url + "&quality=D").content == r.content
    assert http.get(url + "&quality=M").status_code == 204
    small = create_app(
        fdsn_env.db_url,
        fdsn_env.archive,
        fdsn_env.inventory,
        ServiceConfig(max_dataselect_bytes=1000),
    )
    r = TestClient(small).get(url)
    assert r.status_code == 413
    assert "shorter time window or fewer channels" in r.text


def test_matchtimeseries_and_updatedafter(http: TestClient) -> None:
    r = http.get(
        ST,
        params={
            "level": "channel",
            "format": "text",
            "matchtimeseries": "true",
            "start": "2016-01-06",
            "end": "2016-01-08",
        },
    )
    ids = sorted(".".join(ln.split("|")[:4]) for ln in r.text.strip().splitlines()[1:])
    assert ids == ["BW.RJOB..EHZ", "GR.FUR..BHN", "GR.FUR..BHZ", "GR.FUR..HHZ", "GR.WET..BHZ"]
    assert http.get(ST, params={"updatedafter": "2100-01-01"}).status_code == 204
    assert http.get(ST, params={"updatedafter": "2000-01-01"}).status_code == 200


def test_includeallorigins_lists_every_version(fdsn_env: FDSNEnv, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'versions.db'}"
    auto = fdsn_env.events[1]  # with mb and ML
    reviewed = replace(
        auto,
        origin=replace(auto.origin, latitude=auto.origin.latitude + 0.5, id="or0-reviewed"),
        review_status="reviewed",
    )
    with BulletinStore(db) as store:
        store.store([auto], name="automatic")
        store.store([reviewed], name="reviewed")
    client = TestClient(create_app(db, fdsn_env.archive, fdsn_env.inventory))  # type: ignore[arg-type]
    one = read_events(io.BytesIO(client.get(EV).content))
    assert len(one) == 1 and len(one[0].origins) == 1
    assert one[0].preferred_origin().latitude == pytest.approx(reviewed.origin.latitude)
    assert sorted(m.magnitude_type for m in one[0].magnitudes) == ["ML", "mb"]
    r = client.get(EV, params={"includeallorigins": "true", "includeallmagnitudes": "false"})
    both = read_events(io.BytesIO(r.content))[0]
    assert sorted(o.latitude for o in both.origins) == pytest.approx(
        sorted([auto.origin.latitude, reviewed.origin.latitude])
    )
    assert len({str(o.resource_id) for o in both.origins}) == 2
    assert [m.magnitude_type for m in both.magnitudes] == ["mb"]  # the preferred one only


def test_too_many_events_is_413_and_limit_pages(fdsn_env: FDSNEnv) -> None:
    app = create_app(
        fdsn_env.db_url, fdsn_env.archive, fdsn_env.inventory, ServiceConfig(max_events=5)
    )
    client = TestClient(app)
    r = client.get(EV, params={"start": "1900-01-01", "end": "2100-01-01"})
    assert r.status_code == 413 and "more than 5 events match" in r.text
    pages = [
        client.get(EV, params={"format": "text", "limit": 5, "offset": o}).text.splitlines()[1:]
        for o in (1, 6, 11)
    ]
    assert [len(p) for p in pages] == [5, 5, 2]
    assert len({ln for p in pages for ln in p}) == 12


def test_station_service_from_openndc_inventory(fdsn_env: FDSNEnv) -> None:
    client = TestClient(create_app(fdsn_env.db_url, fdsn_env.archive, "kz"))
    r = client.get(ST, params={"format": "text", "level": "channel", "net": "KZ", "sta": "MK01"})
    assert r.status_code == 200, r.text
    rows = [ln.split("|") for ln in r.text.strip().splitlines()[1:]]
    assert rows and all(row[:2] == ["KZ", "MK01"] for row in rows)


def test_openapi_documents_every_parameter(http: TestClient) -> None:
    from openndc.services.params import DATASELECT_PARAMS, EVENT_PARAMS, STATION_PARAMS

    paths = http.get("/openapi.json").json()["paths"]
    for service, params in (
        ("station", STATION_PARAMS),
        ("dataselect", DATASELECT_PARAMS),
        ("event", EVENT_PARAMS),
    ):
        listed = paths[f"/fdsnws/{service}/1/query"]["get"]["parameters"]
        assert [p["name"] for p in listed] == [p.name for p in params]
