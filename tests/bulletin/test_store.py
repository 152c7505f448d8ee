from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
from obspy import UTCDateTime
from sqlalchemy import create_engine, inspect

import openndc.bulletin.store as store_module
from openndc.bulletin import BulletinStore, upgrade
from openndc.bulletin.migrate import current_revision, head_revision
from openndc.model.errors import BulletinError
from openndc.model.provenance import Provenance
from tests.bulletin.conftest import T0, make_bulletin, make_event

TABLES = {"event", "origin", "detection", "assoc", "netmag", "stamag", "provenance", "run"}


def test_round_trip_is_exact(db_url: str) -> None:
    bulletin = make_bulletin(3)
    with BulletinStore(db_url) as store:
        ids = store.store(bulletin)
        assert ids == tuple(e.id for e in bulletin.events)
        loaded = store.load()
    # Exact: times to the nanosecond, floats bit for bit, NaN where NaN, provenance JSON.
    assert loaded == bulletin
    assert loaded.events[0].arrivals[1].detection.amplitude_wa is math.nan
    assert loaded.events[1].origin.depth_uncertainty_km == 4.25


def test_nanosecond_times_survive(db_url: str) -> None:
    event = make_event(0)
    t = UTCDateTime(ns=T0.ns + 987)
    event = dataclasses.replace(event, origin=dataclasses.replace(event.origin, time=t))
    with BulletinStore(db_url) as store:
        store.store([event])
        assert store.load().events[0].origin.time.ns == t.ns


def test_load_window_and_filters(db_url: str) -> None:
    with BulletinStore(db_url) as store:
        store.store(make_bulletin(3))
        window = store.load(T0 + 1800, T0 + 2 * 3600)  # only the second event
        assert [e.id for e in window] == ["20160107"]
        assert [e.id for e in store.load(end=T0 + 1)] == ["20160106"]
        assert [e.id for e in store.load(event_ids=["20160108"])] == ["20160108"]
        assert len(store.load(review_status="reviewed")) == 0


def test_versions_automatic_then_reviewed(db_url: str) -> None:
    auto = make_event(0)
    reviewed = make_event(0, review_status="reviewed", author="analyst1")
    reviewed = dataclasses.replace(
        reviewed,
        origin=dataclasses.replace(reviewed.origin, latitude=41.3, depth_km=0.8),
        arrivals=reviewed.arrivals[:3],
    )
    analyst = Provenance("review", "0.1.0", {"tool": "ui"}, author="analyst1")
    with BulletinStore(db_url) as store:
        store.store([auto], name="automatic run")
        store.store([reviewed], analyst, name="review")
        versions = store.versions(auto.id)
        assert [v.event.review_status for v in versions] == ["automatic", "reviewed"]
        assert versions[0].event == auto and versions[1].event == reviewed
        assert [v.preferred for v in versions] == [False, True]
        assert versions[1].run_provenance == analyst
        assert versions[1].run_name == "review"
        assert store.load().events == (reviewed,)
        counts = store.counts()
    # The reviewed version reuses the three unchanged detections.
    assert counts["event"] == 1 and counts["origin"] == 2 and counts["detection"] == 4
    assert counts["assoc"] == 7


def test_events_without_id_get_one(db_url: str) -> None:
    event = dataclasses.replace(make_event(0), id="")
    with BulletinStore(db_url) as store:
        (evid,) = store.store([event])
        assert evid.startswith("ev")
        assert store.load().events[0] == dataclasses.replace(event, id=evid)


def test_failure_in_the_middle_leaves_database_unchanged(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with BulletinStore(db_url) as store:
        store.store([make_event(0)])
        before = store.counts()
        calls = {"n": 0}
        original = store_module._origin_row

        def failing(*args: object, **kwargs: object) -> object:
            calls["n"] += 1
            if calls["n"] == 3:
                raise RuntimeError("injected failure")
            return original(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(store_module, "_origin_row", failing)
        with pytest.raises(RuntimeError, match="injected"):
            store.store([make_event(1), make_event(2), make_event(3)])
        assert calls["n"] == 3
        assert store.counts() == before
        monkeypatch.undo()
        # A database error half way (origin without latitude): BulletinError, nothing stored.
        bad = make_event(5)
        bad = dataclasses.replace(bad, origin=dataclasses.replace(bad.origin, latitude=math.nan))
        with pytest.raises(BulletinError, match="cannot store 3 events"):
            store.store([make_event(4), bad, make_event(6)])
        assert store.counts() == before
        # The store still works afterwards.
        store.store([make_event(1)])
        assert [e.id for e in store.load()] == ["20160106", "20160107"]


def test_alembic_upgrade_from_empty_and_idempotent(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        assert current_revision(engine) is None
        upgrade(db_url)
        assert current_revision(engine) == head_revision()
        assert set(inspect(engine).get_table_names()) >= TABLES
        upgrade(db_url)  # again: nothing to do, no error
        assert current_revision(engine) == head_revision()
        with BulletinStore(db_url) as store:  # opening migrates too, idempotently
            store.store(make_bulletin(1))
        upgrade(db_url)
        with BulletinStore(db_url, migrate=False) as store:
            assert len(store.load()) == 1
    finally:
        engine.dispose()


def test_bad_urls_name_the_url(tmp_path: Path) -> None:
    with pytest.raises(BulletinError, match="bad database URL"):
        BulletinStore("nonsense")
    with pytest.raises(BulletinError, match="cannot migrate"):
        BulletinStore(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")


def test_migration_0007_keeps_rows_and_allows_missing_values(db_url: str) -> None:
    """0006 → 0007: stored detections stay; the pipeline's become 'automatic', imported ones
    stay unknown; Ndef/Nsta and the review status may then be NULL; downgrading fills 0."""
    from alembic import command
    from sqlalchemy import text

    from openndc.bulletin.migrate import alembic_config

    upgrade(db_url, "0006")
    engine = create_engine(db_url)
    cols = "detname, network, station, location, channel, time_ns, phase, amplitude_unit, method"
    try:
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO provenance (method, software_version, parameters, author,"
                    " created_ns) VALUES ('detect', '0.1', '{}', 'automatic', 0)"
                )
            )
            pid = c.execute(text("SELECT max(id) FROM provenance")).scalar_one()
            for k, prov in ((1, str(pid)), (2, "NULL")):
                c.execute(
                    text(
                        f"INSERT INTO detection ({cols}, provenance_id) VALUES ('d{k}',"
                        f" 'KZ', 'MKAR', '', 'BHZ', {k}, 'P', '', 'stalta', {prov})"
                    )
                )
        upgrade(db_url)
        with engine.connect() as c:
            modes = c.execute(
                text("SELECT detname, evaluation_mode FROM detection ORDER BY detname")
            ).all()
        assert [tuple(r) for r in modes] == [("d1", "automatic"), ("d2", None)]
        nullable = {c["name"]: c["nullable"] for c in inspect(engine).get_columns("origin")}
        assert nullable["n_defining"] and nullable["n_stations"] and nullable["review_status"]
        event = make_event(0)
        event = dataclasses.replace(
            event,
            origin=dataclasses.replace(event.origin, n_defining=None, n_stations=None),
            review_status=None,
        )
        with BulletinStore(db_url) as store:
            store.store([event])
            back = store.load().events[0]
        assert (back.origin.n_defining, back.origin.n_stations, back.review_status) == (
            None,
            None,
            None,
        )
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0006")
        with engine.connect() as c:
            row = c.execute(text("SELECT n_defining, n_stations, review_status FROM origin")).one()
        assert tuple(row) == (0, 0, "automatic")
        assert "onset" not in {c["name"] for c in inspect(engine).get_columns("detection")}
    finally:
        engine.dispose()
