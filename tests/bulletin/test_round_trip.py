"""File → database → file → database keeps every field a format carries; absent stays absent.

Real data: the ISC Tunisia IMS1.0 bulletin (215 events, 7,527 timed readings, onset
qualities, polarities, blank Ndef/Nsta, origins without a review status, magnitudes without
Nsta). Counts below are of that file.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest
from sqlalchemy import text

from openndc.bulletin.formats import read_bulletin, write_bulletin
from openndc.bulletin.store import BulletinStore
from openndc.model.errors import DataQualityWarning
from openndc.model.event import Bulletin
from tests.bulletin.test_ims import TUNISIA, _diff, _ordered


def _read(path: Path, fmt: str) -> Bulletin:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return read_bulletin(path, fmt)


def _through_db(bulletin: Bulletin, url: str) -> Bulletin:
    with BulletinStore(url) as store:
        store.store(bulletin, name="round trip")
        return store.load()


def _differences(a: Bulletin, b: Bulletin) -> list[str]:
    assert [e.id for e in a.sorted()] == [e.id for e in b.sorted()]
    out: list[str] = []
    for x, y in zip(a.sorted(), b.sorted(), strict=True):
        out += _diff(_ordered(x), _ordered(y), x.id)
    return out


@pytest.fixture(scope="module")
def isc(shared_data: Path) -> Bulletin:
    return _read(shared_data / TUNISIA, "ims1.0")


def test_isc_counts_of_what_the_file_leaves_blank(isc: Bulletin) -> None:
    """The reader keeps codes and leaves blanks missing (None), never 0 or automatic."""
    dets = [a.detection for e in isc for a in e.arrivals]
    assert sum(d.onset is not None for d in dets) == 3967
    assert sum(d.polarity is not None for d in dets) == 504
    assert {d.polarity for d in dets} == {None, "positive", "negative"}
    assert {d.onset for d in dets} == {None, "impulsive", "emergent"}
    assert [sum(d.evaluation_mode == m for d in dets) for m in ("automatic", "manual")] == [
        150,
        106,
    ]
    origins = [e.origin for e in isc]
    assert sum(o.n_defining is None for o in origins) == 16
    assert sum(o.n_stations is None for o in origins) == 77
    assert sum(e.review_status is None for e in isc) == 155
    assert sum(e.review_status == "reviewed" for e in isc) == 60
    mags = [m for e in isc for m in e.magnitudes]
    assert (len(mags), sum(m.n_stations is None for m in mags)) == (258, 135)


@pytest.fixture(scope="module")
def stored(isc: Bulletin, tmp_path_factory: pytest.TempPathFactory) -> Bulletin:
    """The ISC bulletin stored in a database and loaded back."""
    return _through_db(isc, f"sqlite:///{tmp_path_factory.mktemp('db') / 'one.db'}")


def test_isc_file_to_db_is_exact(isc: Bulletin, stored: Bulletin) -> None:
    """IMS1.0 file → database loses and invents nothing."""
    assert _differences(isc, stored) == []


#: QuakeML through ObsPy is slow (about 70 ms per event read back): every 4th event of
#: the bulletin (54 events, about 1,900 readings), with blanks of every kind among them.
@pytest.mark.parametrize(("fmt", "step"), [("ims1.0", 1), ("quakeml", 4)])
def test_isc_db_file_db_is_exact(stored: Bulletin, tmp_path: Path, fmt: str, step: int) -> None:
    """database → file (IMS1.0 or QuakeML) → database: the same value in every field."""
    first = Bulletin(stored.sorted().events[::step])
    path = tmp_path / ("again.ims" if fmt == "ims1.0" else "again.xml")
    write_bulletin(first, path, fmt)
    url = f"sqlite:///{tmp_path / 'two.db'}"
    second = _through_db(_read(path, fmt), url)
    assert _differences(first, second) == []
    dets = [a.detection for e in first for a in e.arrivals]
    counts = (
        sum(e.origin.n_defining is None for e in first),
        sum(e.review_status is None for e in first),
        sum(d.onset is not None for d in dets),
        sum(d.polarity == "negative" for d in dets),
    )
    assert min(counts) > 0  # every kind of blank and code is in the sample
    with BulletinStore(url) as store, store.engine.connect() as c:
        in_db = c.execute(
            text(
                "SELECT (SELECT count(*) FROM origin WHERE n_defining IS NULL),"
                " (SELECT count(*) FROM origin WHERE review_status IS NULL),"
                " (SELECT count(*) FROM detection WHERE onset IS NOT NULL),"
                " (SELECT count(*) FROM detection WHERE polarity = 'negative')"
            )
        ).one()
    assert tuple(in_db) == counts
    if step == 1:
        assert counts[:3] == (16, 155, 3967)


def test_missing_values_survive_the_csv(isc: Bulletin, tmp_path: Path) -> None:
    """The bulletin CSV keeps blank Ndef/Nsta, a missing review status and blank mag Nsta."""
    path = tmp_path / "b.csv"
    write_bulletin(isc, path, "csv")
    back = {e.id: e for e in _read(path, "csv")}
    for e in isc:
        b = back[e.id]
        assert (b.origin.n_defining, b.origin.n_stations) == (
            e.origin.n_defining,
            e.origin.n_stations,
        )
        assert b.review_status == e.review_status
        for m in e.magnitudes:
            if m.magnitude_type in ("mb", "ML", "Ms") and not math.isnan(m.value):
                got = b.magnitude(m.magnitude_type)
                assert got is not None
                if e.magnitude(m.magnitude_type) is m:  # the CSV keeps the first of a type
                    assert got.n_stations == m.n_stations
