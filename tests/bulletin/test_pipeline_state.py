"""The database as the pipeline's shared state: every detection, processed windows, problems."""

from __future__ import annotations

import dataclasses

import pytest
from obspy import UTCDateTime

from openndc.bulletin import BulletinStore
from openndc.bulletin.schema import DetectionRow
from openndc.model.detection import DETECTION_COLUMNS, Detection
from openndc.model.errors import BulletinError
from openndc.model.provenance import Provenance
from openndc.model.quality import DataProblem

T0 = UTCDateTime("2024-03-01T00:00:00")
PROV = Provenance("openndc.detection", "test", {"band": [1.0, 4.0]})


def _dets(n: int = 5, snr: float = 5.0) -> list[Detection]:
    out = []
    for k in range(n):
        d = Detection("KZ", f"ST{k}", "", "BHZ", T0 + 100.0 * k + 0.123456, snr=snr, phase="P")
        out.append(dataclasses.replace(d, id=d.stable_id, provenance=PROV))
    return out


def test_detection_table_columns_come_from_the_one_definition() -> None:
    cols = set(DetectionRow.__table__.c.keys())
    for spec in DETECTION_COLUMNS:
        name = (
            "detname"
            if spec.name == "id"
            else f"{spec.name}_ns"
            if spec.dtype == "time"
            else spec.name
        )
        assert name in cols, name


def test_detections_stored_once_with_provenance(db_url: str) -> None:
    with BulletinStore(db_url) as store:
        assert store.store_detections(_dets()) == (5, 0)
        assert store.store_detections(_dets()) == (0, 0)  # idempotent
        loaded = store.load_detections(T0, T0 + 3600)
        assert [d.id for d in loaded] == [d.id for d in _dets()]
        assert loaded[0] == _dets()[0]
        assert loaded[0].provenance is not None
        assert loaded[0].provenance.parameters == {"band": [1.0, 4.0]}
        assert store.counts()["detection"] == 5


def test_rerun_with_other_results_supersedes_but_keeps(db_url: str) -> None:
    span = (T0, T0 + 3600)
    with BulletinStore(db_url) as store:
        store.store_detections(_dets(), span=span)
        # a reprocessing finds 3 of them with another SNR and loses 2
        added, superseded = store.store_detections(_dets(3, snr=9.0), span=span)
        assert (added, superseded) == (3, 5)
        current = store.load_detections(*span)
        assert [d.snr for d in current] == [9.0, 9.0, 9.0]
        everything = store.load_detections(*span, include_superseded=True)
        assert len(everything) == 8  # nothing archived is lost


def test_detections_need_an_identifier(db_url: str) -> None:
    with BulletinStore(db_url) as store, pytest.raises(BulletinError, match="without identifier"):
        store.store_detections([Detection("KZ", "A", "", "BHZ", T0)])


def test_windows_are_recorded_with_their_config(db_url: str) -> None:
    problem = DataProblem("gap", "sds", "KZ.A..BHZ", T0 + 10, T0 + 20, "10 s missing")
    with BulletinStore(db_url) as store:
        assert not store.window_done(T0, T0 + 3600, "abc")
        wid = store.begin_window(T0, T0 + 3600, "abc", "sds", PROV)
        assert not store.window_done(T0, T0 + 3600, "abc")  # begun is not done
        store.finish_window(wid, n_detections=5, n_events_new=1, n_events_updated=0,
                            problems=[problem])  # fmt: skip
        assert store.window_done(T0, T0 + 3600, "abc")
        assert not store.window_done(T0, T0 + 3600, "other config")
        (w,) = store.windows()
        assert w["n_problems"] == 1 and w["n_detections"] == 5
        assert store.counts()["data_problem"] == 1
