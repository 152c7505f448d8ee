"""The workspace's routes over HTTP: nobody without a login changes anything, by any
route; a wrong CSRF token is refused; reading is public and changes nothing; filters,
map lines, waveforms and live updates answer what the database and archive hold."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import httpx
import pytest
from obspy import UTCDateTime

from openndc.acquisition.soh import ChannelHealth, SohHistory
from openndc.bulletin import BulletinStore
from openndc.services import create_app
from tests.workspace.conftest import ANALYST, PASSWORD, LiveServer, WorkspaceEnv


@pytest.fixture(scope="module")
def app(ws_env: WorkspaceEnv):  # type: ignore[no-untyped-def]
    return create_app(ws_env.db_url, ws_env.archive, "kz")


def _write_routes(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every POST route outside the FDSN services (whose POSTs are read-only queries)."""
    return sorted(
        r.path
        for r in app.routes
        if "POST" in getattr(r, "methods", ())
        and not r.path.startswith("/fdsnws/")
        and r.path != "/login"
    )


def _counts(db_url: str) -> dict[str, int]:
    with BulletinStore(db_url) as store:
        return store.counts()


def _login(base: str, user: str = ANALYST, password: str = PASSWORD) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=base)
    page = c.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = c.post("/login", data={"csrf": token, "user": user, "password": password, "next": "/"})
    assert r.status_code == 303, r.text
    csrf = re.search(r'name="csrf" content="([^"]+)"', c.get("/").text).group(1)  # type: ignore[union-attr]
    assert csrf
    return c, csrf


def test_no_write_without_login_or_csrf(app, ws_env: WorkspaceEnv, ws_server: str) -> None:  # type: ignore[no-untyped-def]
    routes = _write_routes(app)
    assert {"/logout", "/api/event/{event_id}/relocate", "/api/event/{event_id}/publish",
            "/api/event/{event_id}/reject"} <= set(routes)  # fmt: skip
    event_id = ws_env.bulletin.events[1].id
    before = _counts(ws_env.db_url)
    anon = httpx.Client(base_url=ws_server)
    c, csrf = _login(ws_server)
    for path in routes:
        url = path.replace("{event_id}", event_id)
        assert anon.post(url, json={}).status_code == 401, url
        assert anon.post(url, json={}, headers={"X-CSRF-Token": csrf}).status_code == 401, url
        assert c.post(url, json={}).status_code == 403, url
        assert c.post(url, json={}, headers={"X-CSRF-Token": csrf[:-2] + "xx"}).status_code == 403
        assert c.post(url, data={"csrf": "nope"}).status_code == 403, url
    after = _counts(ws_env.db_url)
    # Logins are recorded (audit) and sessions made; the bulletin is untouched.
    for table in ("event", "origin", "assoc", "detection", "netmag", "run"):
        assert after[table] == before[table], table


def test_login_needs_the_form_token_and_the_password(ws_server: str) -> None:
    c = httpx.Client(base_url=ws_server)
    page = c.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    bad = c.post("/login", data={"csrf": token, "user": ANALYST, "password": "nope-nope"})
    assert bad.status_code == 401
    other = httpx.Client(base_url=ws_server)  # no pre-login cookie: a forged cross-site form
    forged = other.post("/login", data={"csrf": token, "user": ANALYST, "password": PASSWORD})
    assert forged.status_code == 403
    assert "ndc_session" not in forged.cookies
    c2, _ = _login(ws_server)
    cookie = c2.cookies.jar
    set_cookie = [ck for ck in cookie if ck.name == "ndc_session"]
    assert set_cookie and set_cookie[0].has_nonstandard_attr("HttpOnly")
    # An open redirect is refused: next= only goes to a path of this server.
    page = c.get("/login", params={"next": "https://evil.example/"})
    assert 'value="/"' in page.text


def test_logout_ends_the_session(ws_env: WorkspaceEnv, ws_server: str) -> None:
    c, csrf = _login(ws_server)
    assert c.post("/logout", data={"csrf": csrf}).status_code == 303
    url = f"/api/event/{ws_env.bulletin.events[1].id}/relocate"
    assert c.post(url, json={}, headers={"X-CSRF-Token": csrf}).status_code == 401


def test_reading_is_public_and_changes_nothing(ws_env: WorkspaceEnv, ws_server: str) -> None:
    before = _counts(ws_env.db_url)
    c = httpx.Client(base_url=ws_server)
    ev = ws_env.bulletin.events[1]
    for url in ("/", f"/event/{ev.id}", "/login", "/api/events", "/api/network",
                f"/api/event/{ev.id}", f"/api/event/{ev.id}/audit", "/api/updates?since=0",
                "/static/ws.js", "/static/ws.css", "/stations", "/api/stations",
                "/api/intervals"):  # fmt: skip
        r = c.get(url)
        assert r.status_code == 200, url
    page = c.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "http" not in re.sub(r'(xmlns|ns)="[^"]*"', "", c.get("/static/ws.js").text.replace(
        "http://www.w3.org/2000/svg", ""))  # nothing fetched from elsewhere  # fmt: skip
    after = _counts(ws_env.db_url)
    for table in ("event", "origin", "assoc", "detection", "ws_audit", "ws_session"):
        assert after[table] == before[table], table


def test_event_list_filters(ws_env: WorkspaceEnv, ws_server: str) -> None:
    c = httpx.Client(base_url=ws_server)
    all_events = c.get("/api/events").json()
    assert all_events["count"] == len(ws_env.bulletin)
    south = c.get("/api/events", params={"minlat": 40, "maxlat": 45}).json()
    assert [e["id"] for e in south["events"]] == [ws_env.bulletin.events[0].id]
    late = c.get("/api/events", params={"start": str(ws_env.bulletin.events[1].origin.time - 1)})
    assert [e["id"] for e in late.json()["events"]] == [ws_env.bulletin.events[1].id]
    none = c.get("/api/events", params={"type": "earthquake"}).json()
    assert none["count"] == 0
    assert c.get("/api/events", params={"type": "volcano"}).status_code == 400
    assert c.get("/api/events", params={"minmag": "big"}).status_code == 400
    assert c.get("/api/events", params={"start": "yesterday"}).status_code == 400
    assert c.get("/api/events", params={"status": "deleted"}).status_code == 400


def test_map_lines_are_offline_coasts_and_borders(ws_server: str) -> None:
    c = httpx.Client(base_url=ws_server)
    data = c.get("/api/map", params={"extent": "45,90,35,56"}).json()
    # The Caspian and Aral coasts, lakes (Balkhash), and Kazakhstan's borders.
    assert len(data["coast"]) > 20
    assert len(data["borders"]) > 5
    for line in data["borders"]:
        assert all(-200 <= x <= 200 and -90 <= y <= 90 for x, y in line)
    assert c.get("/api/map", params={"extent": "10,5,0,1"}).status_code == 400
    assert c.get("/api/map", params={"extent": "a,b,c,d"}).status_code == 400


def test_waveforms_of_the_associated_stations(ws_env: WorkspaceEnv, ws_server: str) -> None:
    c = httpx.Client(base_url=ws_server)
    ev = ws_env.bulletin.events[1]  # (events[0] is reviewed by the browser test)
    data = c.get(f"/api/event/{ev.id}/waveforms", params={"filter": "2-4 Hz"}).json()
    stations = {a.detection.station for a in ev.arrivals}
    assert {t["station"] for t in data["traces"]} == stations
    dists = [t["distance"] for t in data["traces"]]
    assert dists == sorted(dists)  # a record section: nearest first
    for tr in data["traces"]:
        assert tr["min"] and len(tr["min"]) <= 1600
        assert max(tr["max"]) <= 1.0 + 1e-9 and min(tr["min"]) >= -1.0 - 1e-9
    # The wavelet arrives at each station's first pick: the envelope grows there.
    tr = data["traces"][0]
    first = min(a.detection.time for a in ev.arrivals if a.detection.station == tr["station"])
    k = int((float(first - ev.origin.time) - tr["t0"]) / tr["dt"])
    assert max(tr["max"][k : k + 40]) > 5 * max(tr["max"][max(k - 200, 0) : k - 20])
    assert c.get(f"/api/event/{ev.id}/waveforms", params={"filter": "9 Hz"}).status_code == 400
    assert c.get("/api/event/nosuchevent/waveforms").status_code == 404


def test_mark_an_interval_reviewed(ws_env: WorkspaceEnv, ws_server: str) -> None:
    c, csrf = _login(ws_server)
    h = {"X-CSRF-Token": csrf}
    hour = {"start": "2024-03-01T05:00:00Z", "end": "2024-03-01T06:00:00Z", "comment": "quiet"}
    r = c.post("/api/intervals/reviewed", json=hour, headers=h)
    assert r.status_code == 200, r.text
    got = c.get("/api/intervals", params={"start": "2024-03-01", "end": "2024-03-02"}).json()
    assert [(UTCDateTime(g["start"]), UTCDateTime(g["end"]), g["user"]) for g in got] == [
        (UTCDateTime(2024, 3, 1, 5), UTCDateTime(2024, 3, 1, 6), ANALYST)
    ]
    assert c.get("/api/intervals", params={"start": "2024-03-02"}).json() == []
    bads = [
        {"start": "2024-03-01T06:00:00", "end": "2024-03-01T05:00:00"},
        {"start": "2024-03-01", "end": "2024-04-01"},
        {"start": "x", "end": "y"},
        {},
    ]
    for bad in bads:
        assert c.post("/api/intervals/reviewed", json=bad, headers=h).status_code == 400, bad


def test_stations_page_shows_the_newest_state_of_health(
    ws_env: WorkspaceEnv, tmp_path: Path
) -> None:
    shutil.copy(ws_env.root / "bulletin.db", tmp_path / "bulletin.db")
    db = f"sqlite:///{tmp_path / 'bulletin.db'}"
    t = UTCDateTime(2024, 3, 1, 1).ns
    history = SohHistory(db)
    old = ChannelHealth("KZ.MK01..SHZ", t, t, 2.0, 1.0, 0, 0.0, 100, False, False, False, "good")
    new = dataclasses.replace(old, time_ns=t + 60 * 10**9, latency_s=95.0, availability=0.8,
                              gaps=2, gap_s=12.0, flat=True, status="bad")  # fmt: skip
    stray = dataclasses.replace(old, stream="XX.NONE..BHZ")
    history.write([old, new, stray])
    history.close()
    with LiveServer(create_app(db, ws_env.archive, "kz")) as url:
        data = httpx.get(f"{url}/api/stations").json()
        assert httpx.get(f"{url}/stations").status_code == 200
    assert data["n_soh"] == 2
    chans = {c["stream"]: c for s in data["stations"] for c in s["channels"]}
    assert len(chans) == sum(len(s.channels) for s in ws_env.network.stations) + 1
    assert data["stations"][-1]["array"] == "(not in the inventory)"
    assert [c["stream"] for c in data["stations"][-1]["channels"]] == ["XX.NONE..BHZ"]
    got = chans.get("KZ.MK01..SHZ")
    if got is None:  # the kz inventory names the stream differently: any channel shows it
        pytest.fail(f"KZ.MKAR.00.BHZ not among {sorted(chans)[:5]}")
    assert got["status"] == "bad" and got["latency_s"] == 95.0 and got["flags"] == ["flat"]
    assert got["gaps"] == 2 and got["availability"] == 0.8
    assert sum(c["status"] is not None for c in chans.values()) == 2
