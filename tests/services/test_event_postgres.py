"""fdsnws-event answers the same on PostgreSQL as on SQLite (the production database)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from openndc.bulletin import BulletinStore
from openndc.model.event import Bulletin
from openndc.services import create_app
from tests.services.conftest import FDSNEnv

QUERIES = [
    {},
    {"orderby": "magnitude", "limit": "4"},
    {"orderby": "magnitude-asc", "offset": "3", "limit": "3"},
    {"minmag": "4.2", "maxmag": "5.0"},
    {"magtype": "ml", "minmag": "4.0"},
    {"lat": "10", "lon": "20", "maxradius": "90", "minradius": "20"},
    {"minlat": "-30", "maxlat": "60", "minlon": "150", "maxlon": "-30"},
    {"mindepth": "10", "maxdepth": "200", "eventtype": "earthquake,explosion"},
    {"start": "2016-01-06T12:00:00", "end": "2016-01-07T12:00:00", "orderby": "time-asc"},
    {"eventid": "ev2016004"},
    {"magtype": "mb", "orderby": "magnitude"},
    {"magtype": "mb", "orderby": "magnitude-asc"},
]


def test_postgres_answers_like_sqlite(
    fdsn_env: FDSNEnv, fdsn_app: object, postgres_url: str
) -> None:
    with BulletinStore(postgres_url) as store:
        store.store(Bulletin(events=fdsn_env.events, name="automatic"))
    pg = TestClient(create_app(postgres_url, fdsn_env.archive, fdsn_env.inventory))  # type: ignore[arg-type]
    lite = TestClient(fdsn_app)  # type: ignore[arg-type]
    for q in QUERIES:
        params = {**q, "format": "text"}
        a = lite.get("/fdsnws/event/1/query", params=params)
        b = pg.get("/fdsnws/event/1/query", params=params)
        assert a.status_code == b.status_code == 200, (q, a.text, b.text)
        assert a.text == b.text, q
        assert len(a.text.splitlines()) > 1
    params = {"eventid": "ev2016004", "includearrivals": "true"}
    a = lite.get("/fdsnws/event/1/query", params=params)
    b = pg.get("/fdsnws/event/1/query", params=params)
    assert a.status_code == b.status_code == 200
    assert len(a.content) == len(b.content)


@pytest.mark.parametrize("orderby", ["magnitude", "magnitude-asc"])
def test_magnitude_order_puts_events_without_magnitude_last(fdsn_app: object, orderby: str) -> None:
    text = (
        TestClient(fdsn_app)
        .get(  # type: ignore[arg-type]
            "/fdsnws/event/1/query", params={"orderby": orderby, "format": "text"}
        )
        .text
    )
    mags = [float(m) for m in (ln.split("|")[10] for ln in text.splitlines()[1:]) if m]
    assert mags == sorted(mags, reverse=orderby == "magnitude")
