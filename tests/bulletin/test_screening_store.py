"""Screening results and alerts in the bulletin database (SQLite and PostgreSQL), the CLI."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from obspy import UTCDateTime

from openndc.bulletin.schema import Base
from openndc.bulletin.screening_store import (
    acknowledge_alerts,
    load_alerts,
    load_screening,
    store_screening,
)
from openndc.bulletin.store import BulletinStore
from openndc.cli.main import main
from openndc.model.errors import BulletinError
from openndc.model.event import Event, NetworkMagnitude, Origin
from openndc.model.screening import CriterionEvidence, ScreeningResult, StationValue
from openndc.screening import apply_screening, screen_event

T = UTCDateTime("2016-09-09T00:30:01.366Z")


def _events() -> list[Event]:
    near_site = Event(
        id="ev-dprk",
        origin=Origin(time=T, latitude=41.2985, longitude=129.0780, depth_km=0.8, depth_fixed=True),
        magnitudes=(NetworkMagnitude("mb", 5.1, 0.2, 20), NetworkMagnitude("Ms", 3.8, 0.2, 6)),
    )
    deep = Event(
        id="ev-deep",
        origin=Origin(
            time=T + 3600,
            latitude=36.5,
            longitude=70.9,
            depth_km=210.0,
            depth_uncertainty_km=10.0,
            depth_fixed=False,
        ),
    )
    return [near_site, deep]


def test_store_and_load_roundtrip(db_url: str) -> None:
    with BulletinStore(db_url) as store:
        events = _events()
        store.store(events)
        results = [screen_event(e, None) for e in events]
        extra = CriterionEvidence(
            name="regional P/S",
            indicates="explosion",
            value=3.2,
            decided=True,
            station_values=(
                StationValue("IC.MDJ", "P/S", 1.0, 2.0, 371.0, 0.41, 1.48, 8.96, 12.0, "generic"),
                StationValue("IU.INCN", "Pn/Lg", 2.0, 4.0, 474.0, -0.06),
            ),
        )
        results[0] = ScreeningResult(
            **{
                **{
                    f: getattr(results[0], f)
                    for f in (
                        "event_id",
                        "outcome",
                        "event_type",
                        "type_certainty",
                        "alert",
                        "provenance",
                    )
                },
                "evidence": (*results[0].evidence, extra),
            }
        )
        assert store_screening(store, results) == 2
        got = load_screening(store, "ev-dprk")[0]
        assert got.outcome == "not screened out"
        assert got.alert is not None and got.alert.site == "Punggye-ri"
        reg = got.criterion("regional P/S")
        assert reg is not None and reg.decided and reg.station_values[0].z == pytest.approx(8.96)
        assert math.isnan(reg.station_values[1].z)
        assert got.criterion("mb:Ms") == results[0].criterion("mb:Ms")
        assert got.provenance is not None and got.provenance.method.startswith("openndc")
        deep = load_screening(store, "ev-deep")[0]
        assert (deep.outcome, deep.event_type, deep.type_certainty) == (
            "screened out",
            "earthquake",
            "known",
        )
        # A second screening is kept beside the first.
        store_screening(store, results[1:])
        assert len(load_screening(store, "ev-deep", all_versions=True)) == 2
        assert load_screening(store, "nothing") == ()
        alerts = load_alerts(store, unacknowledged=True)
        assert [a.event_id for a in alerts] == ["ev-dprk"]
        assert acknowledge_alerts(store, "ev-dprk") == 1
        assert load_alerts(store, unacknowledged=True) == ()
        assert len(load_alerts(store)) == 1
        # The event's new version carries the type.
        store.store([apply_screening(e, r) for e, r in zip(events, results, strict=True)])
        assert [e.event_type for e in store.load()] == ["not reported", "earthquake"]
        assert len(store.versions("ev-deep")) == 2


def test_result_needs_a_stored_event(tmp_path: Path) -> None:
    with BulletinStore(f"sqlite:///{tmp_path / 'b.db'}") as store:
        res = screen_event(_events()[1], None)
        with pytest.raises(BulletinError, match="store the event first"):
            store_screening(store, [res])


def test_migration_matches_the_tables(tmp_path: Path) -> None:
    with BulletinStore(f"sqlite:///{tmp_path / 'b.db'}") as store, store.engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), Base.metadata)
    mine = [d for d in diff if "screening" in repr(d)]
    assert mine == []


def test_cli_screen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    with BulletinStore(url) as store:
        store.store(_events())
    assert main(["screen", "--db", url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(
        "ev-dprk  not screened out  not reported (suspected)  ALERT Punggye-ri"
    )
    assert "mb:Ms: mb 5.10 (20), Ms 3.80 (6)" in out[0]
    assert out[1].startswith("ev-deep  screened out  earthquake (known)")
    assert "depth: 210.0" in out[1]
    assert (
        "2 events screened: 1 screened out, 1 not screened out, 0 not screenable; 1 alerts"
        in out[2]
    )
    with BulletinStore(url) as store:
        assert [e.event_type for e in store.load()] == ["not reported", "earthquake"]
        assert load_screening(store, "ev-deep")[0].outcome == "screened out"
    assert main(["screen", "--db", url, "--event", "nope"]) == 1
    assert "no stored event nope" in capsys.readouterr().err
    assert main(["screen", "--db", url, "--archive", str(tmp_path)]) == 1


def test_migration_downgrade_and_upgrade(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from openndc.bulletin.migrate import alembic_config, upgrade

    with BulletinStore(f"sqlite:///{tmp_path / 'b.db'}") as store:
        engine = store.engine
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
        assert not [t for t in inspect(engine).get_table_names() if t.startswith("screening")]
        upgrade(engine)
        names = {t for t in inspect(engine).get_table_names() if t.startswith("screening")}
        assert names == {"screening_result", "screening_evidence", "screening_alert"}
