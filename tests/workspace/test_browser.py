"""The workspace in a real headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright): log in, open an event, retime a pick by dragging it and another by typing,
undo and redo, relocate, publish; the reviewed version in the database differs from the
automatic one exactly as edited, and the automatic version is kept."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from obspy import UTCDateTime

from openndc.bulletin import BulletinStore
from openndc.services import create_app
from tests.workspace.conftest import ANALYST, PASSWORD, LiveServer, WorkspaceEnv

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} missing: .ci/run must apt-get install chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _pick_x(page: Any, wf: dict[str, Any], station: str, t: float) -> tuple[float, float]:
    """Page coordinates of a pick at ``t`` [s after origin] on ``station``'s trace (the
    record section's own geometry: 92 px label column, 22 px axis, rows of equal height)."""
    box = page.locator("#section").bounding_box()
    names = [tr["station"] for tr in wf["traces"]]
    row = names.index(station)
    rowh = (box["height"] - 22 - 6) / len(names)
    x = 92 + (t - wf["start"]) / (wf["end"] - wf["start"]) * (box["width"] - 92 - 8)
    return box["x"] + x, box["y"] + 22 + rowh * (row + 0.5)


def test_login_retime_relocate_publish(browser: Any, ws_env: WorkspaceEnv, ws_server: str) -> None:
    page = browser.new_page(viewport={"width": 1500, "height": 950})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Reading is public; the review buttons appear only after logging in.
    page.goto(ws_server + "/")
    page.wait_for_selector("#events tbody tr")
    assert page.locator("#events tbody tr").count() == len(ws_env.bulletin)
    page.click("#login")
    page.fill("#f-user", ANALYST)
    page.fill("#f-password", "wrong password")
    page.click("#f-submit")
    assert "wrong password" in page.inner_text("#message")
    page.fill("#f-user", ANALYST)
    page.fill("#f-password", PASSWORD)
    page.click("#f-submit")
    page.wait_for_selector("#user")
    assert page.inner_text("#user") == ANALYST

    event = ws_env.bulletin.events[0]
    page.click(f'#events tbody tr[data-id="{event.id}"] a')
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("#relocate").is_visible()
    wf = httpx.get(
        f"{ws_server}/api/event/{event.id}/waveforms", params={"filter": "0.8-4.5 Hz"}
    ).json()
    info = httpx.get(f"{ws_server}/api/event/{event.id}").json()
    first_station = wf["traces"][0]["station"]
    dragged = next(a for a in info["arrivals"] if a["station"] == first_station)
    typed = next(
        a for a in info["arrivals"] if a["station"] != first_station and a["phase"].startswith("P")
    )

    # Drag the first station's pick 40 px later; undo, redo.
    x, y = _pick_x(page, wf, first_station, dragged["t"])
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 20, y)
    page.mouse.move(x + 40, y)
    page.mouse.up()
    row = page.locator(f'#arrivals tbody tr[data-det="{dragged["detection_id"]}"]')
    assert "edited" in (row.get_attribute("class") or "")
    page.click("#undo")
    assert "edited" not in (row.get_attribute("class") or "")
    page.click("#redo")
    assert "edited" in (row.get_attribute("class") or "")
    dragged_value = row.locator("input.t").input_value()
    shift = float(UTCDateTime(dragged_value) - UTCDateTime(dragged["time"]))
    assert 1.0 < shift < 60.0  # 40 px later

    # Type an exact new onset for another pick: 0.75 s later.
    new_time = UTCDateTime(typed["time"]) + 0.75
    typed_row = page.locator(f'#arrivals tbody tr[data-det="{typed["detection_id"]}"]')
    typed_row.locator("input.t").fill(str(new_time).replace("Z", "") + "Z")
    typed_row.locator("input.t").press("Enter")
    typed_row.locator("input.t").blur()

    page.click("#relocate")
    page.wait_for_selector("body[data-relocated='1']")
    assert "Relocated, not published" in page.inner_text("#summary")
    page.click("#publish")
    page.wait_for_selector("body[data-published='1']")
    assert "reviewed" in page.inner_text("#summary")
    assert not errors, errors

    with BulletinStore(ws_env.db_url) as store:
        versions = store.versions(event.id)
    assert [v.event.review_status for v in versions] == ["automatic", "reviewed"]
    auto, reviewed = versions[0].event, versions[1].event
    assert auto == event  # the automatic version is kept unchanged
    assert reviewed.provenance is not None and reviewed.provenance.author == ANALYST
    assert reviewed.origin.provenance is not None
    assert reviewed.origin.provenance.author == ANALYST
    before = {a.detection.id: a for a in auto.arrivals}
    after = {a.detection.id: a for a in reviewed.arrivals}
    assert set(before) == set(after)
    for det_id, a in after.items():
        if det_id == typed["detection_id"]:
            assert a.detection.time == new_time
        elif det_id == dragged["detection_id"]:
            assert a.detection.time == UTCDateTime(dragged_value)
        else:
            assert a.detection.time == before[det_id].detection.time
        assert a.phase == before[det_id].phase
    assert reviewed.origin.time != auto.origin.time  # relocated
    # Who and when: the audit trail has the relocation and the publication.
    audit = httpx.get(f"{ws_server}/api/event/{event.id}/audit").json()
    assert [r["action"] for r in audit][:2] == ["publish", "relocate"]
    assert {r["user"] for r in audit} == {ANALYST}
    page.close()


def test_new_events_appear_without_reload(
    browser: Any, ws_env: WorkspaceEnv, tmp_path: Path
) -> None:
    """An event stored by another process (the live runner) appears in the open list."""
    shutil.copy(ws_env.root / "bulletin.db", tmp_path / "bulletin.db")
    db = f"sqlite:///{tmp_path / 'bulletin.db'}"
    app = create_app(db, ws_env.archive, "kz")
    app.state.workspace.poll_ms = 300
    with LiveServer(app) as url:
        page = browser.new_page()
        page.goto(url + "/")
        page.wait_for_selector("#events tbody tr")
        n = page.locator("#events tbody tr").count()
        ev = ws_env.bulletin.events[1]
        later = dataclasses.replace(
            ev,
            id="ndc-live-test",
            origin=dataclasses.replace(ev.origin, time=ev.origin.time + 600.0),
        )
        with BulletinStore(db) as store:
            store.store([later], name="live")
        page.wait_for_selector('#events tbody tr[data-id="ndc-live-test"]', timeout=10_000)
        assert page.locator("#events tbody tr").count() == n + 1
        page.close()
