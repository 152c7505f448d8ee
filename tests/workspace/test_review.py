"""Review actions on the library level: edits parsed strictly, relocation with the
pipeline's stage adapters, publish and reject keep the automatic version, live updates
report what was stored."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import httpx
import pytest
from obspy import UTCDateTime

from openndc.bulletin import BulletinStore
from openndc.pipeline.process import ProcessConfig
from openndc.pipeline.sources import ArchiveSource
from openndc.workspace import Edits, PickEdit, ReviewError, parse_edits, publish, relocate
from openndc.workspace.review import apply_edits, reject
from openndc.workspace.views import stored_times, unassociated
from tests.workspace.conftest import LiveServer, WorkspaceEnv


@pytest.fixture()
def db(ws_env: WorkspaceEnv, tmp_path: Path) -> str:
    """A private copy of the workspace database (the tests here write to it)."""
    shutil.copy(ws_env.root / "bulletin.db", tmp_path / "bulletin.db")
    return f"sqlite:///{tmp_path / 'bulletin.db'}"


def test_parse_edits_refuses_malformed_input() -> None:
    e = parse_edits({"picks": {"d1": {"time": "2024-03-01T00:01:02.5Z", "phase": "Pn"}},
                     "event_type": "earthquake"})  # fmt: skip
    assert e.picks["d1"] == PickEdit(UTCDateTime("2024-03-01T00:01:02.5Z"), "Pn", False)
    assert e.event_type == "earthquake"
    for bad in ([], {"picks": []}, {"picks": {"d": {"time": "soon"}}},
                {"picks": {"d": {"phase": "P; DROP TABLE"}}}, {"event_type": "volcano"},
                {"picks": {"d": 3}}):  # fmt: skip
        with pytest.raises(ReviewError):
            parse_edits(bad)


def test_apply_edits_changes_exactly_what_was_edited(ws_env: WorkspaceEnv) -> None:
    ev = ws_env.bulletin.events[0]
    a, b, c = ev.arrivals[0], ev.arrivals[1], ev.arrivals[2]
    edits = Edits({a.detection.id: PickEdit(a.detection.time + 1.25),
                   b.detection.id: PickEdit(phase="Sn"),
                   c.detection.id: PickEdit(removed=True)}, "explosion")  # fmt: skip
    new = apply_edits(ev, edits, "ana")
    assert new.event_type == "explosion"
    assert len(new.arrivals) == len(ev.arrivals) - 1
    got = {x.detection.id: x for x in new.arrivals}
    assert got[a.detection.id].detection.time == a.detection.time + 1.25
    assert got[a.detection.id].detection.provenance.author == "ana"  # type: ignore[union-attr]
    assert got[a.detection.id].detection.evaluation_mode == "manual"  # retimed by the analyst
    assert got[b.detection.id].detection.evaluation_mode == b.detection.evaluation_mode
    assert got[b.detection.id].phase == "Sn"
    assert got[b.detection.id].detection.time == b.detection.time
    for x in ev.arrivals[3:]:
        assert got[x.detection.id] == x
    with pytest.raises(ReviewError, match="no arrival"):
        apply_edits(ev, Edits({"other": PickEdit(phase="P")}), "ana")
    with pytest.raises(ReviewError, match="more than"):
        apply_edits(ev, Edits({a.detection.id: PickEdit(a.detection.time + 3600)}), "ana")


def test_relocation_without_edits_reproduces_the_automatic_origin(
    ws_env: WorkspaceEnv, db: str
) -> None:
    ev = ws_env.bulletin.events[1]
    with BulletinStore(db) as store:
        new = relocate(
            ev, ws_env.network, ProcessConfig(), store, ArchiveSource(ws_env.archive), "ana"
        )
    assert abs(float(new.origin.time - ev.origin.time)) < 0.05
    assert abs(new.origin.latitude - ev.origin.latitude) < 0.01
    assert abs(new.origin.longitude - ev.origin.longitude) < 0.01
    assert new.origin.provenance is not None and new.origin.provenance.author == "ana"
    # A late pick on the nearest station pulls the origin later and has a positive residual.
    a = min(ev.arrivals, key=lambda x: x.distance)
    late = apply_edits(ev, Edits({a.detection.id: PickEdit(a.detection.time + 4.0)}), "ana")
    with BulletinStore(db) as store:
        moved = relocate(late, ws_env.network, ProcessConfig(), store, None, "ana")
    assert moved.origin.time != ev.origin.time
    res = {x.detection.id: x.time_residual for x in moved.arrivals}
    assert res[a.detection.id] > 0.5


def test_publish_and_reject_keep_the_automatic_version(ws_env: WorkspaceEnv, db: str) -> None:
    ev0, ev1 = ws_env.bulletin.events[0], ws_env.bulletin.events[1]
    with BulletinStore(db) as store:
        t_before = max(stored_times(store).values())
        pub = publish(store, ev0, Edits(event_type="earthquake"), ws_env.network,
                      ProcessConfig(), None, "ana")  # fmt: skip
        # No arrival edited: the origin is the automatic one, reviewed and typed.
        assert pub.origin == ev0.origin
        reject(store, ev1, "ana", "a false association")
        versions = store.versions(ev1.id)
        assert [v.event.review_status for v in versions] == ["automatic", "reviewed"]
        assert versions[0].event == ev1
        assert versions[1].event.event_type == "not existing"
        assert "a false association" in versions[1].event.comment
        assert [e.id for e in store.load()] == [ev0.id]  # a rejected event leaves the list
        stored0 = store.versions(ev0.id)[-1].event
        assert stored0.review_status == "reviewed" and stored0.event_type == "earthquake"
        back = dataclasses.replace(
            stored0, review_status="automatic", event_type=ev0.event_type,
            provenance=ev0.provenance, comment=ev0.comment,
        )  # fmt: skip
        assert back == ev0
    # Live updates: the page's poll sees both events stored after it last looked.
    from openndc.services import create_app

    with LiveServer(create_app(db, ws_env.archive, "kz")) as url:
        up = httpx.get(f"{url}/api/updates", params={"since": t_before}).json()
        assert sorted(e["id"] for e in up["events"]) == sorted([ev0.id, ev1.id])
        assert up["now_ns"] > t_before
        none = httpx.get(f"{url}/api/updates", params={"since": up["now_ns"]}).json()
        assert none["events"] == []


def test_associate_an_unassociated_detection(ws_env: WorkspaceEnv, db: str) -> None:
    ev = ws_env.bulletin.events[1]
    with BulletinStore(db) as store:
        cands = unassociated(store, ev)
    held = {a.detection.id for e in ws_env.bulletin for a in e.arrivals}
    assert cands and not {d.id for d in cands} & held
    assert all(ev.origin.time - 60 <= d.time < ev.origin.time + 1800 for d in cands)
    pick = cands[0]
    new = apply_edits(ev, Edits(added={pick.id: "Lg"}), "ana", cands)
    assert len(new.arrivals) == len(ev.arrivals) + 1
    added = next(a for a in new.arrivals if a.detection.id == pick.id)
    assert added.phase == "Lg" and added.detection == pick
    assert added.provenance is not None and added.provenance.author == "ana"
    with pytest.raises(ReviewError, match="not an unassociated"):
        apply_edits(ev, Edits(added={"ev9-XXX-P": "P"}), "ana", cands)
    with pytest.raises(ReviewError, match="phase"):
        parse_edits({"added": {pick.id: "<b>"}})
