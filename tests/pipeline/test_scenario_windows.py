"""``openndc reprocess --scenario``: no archive, each window synthesised in the worker; the
bulletin is scored against the scenario's truth, and a rerun resumes (nothing done twice)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from openndc.bulletin import BulletinStore
from openndc.cli.main import main
from openndc.model.errors import DataQualityWarning

pytestmark = pytest.mark.slow

# kazakh-day:3 has a Southern Tien Shan earthquake (mb 4.3) at 2024-06-01T08:12:30
START, END = "2024-06-01T08:10:00", "2024-06-01T08:20:00"


def _args(db: str, truth: Path) -> list[str]:
    return ["reprocess", "--scenario", "kazakh-day:3", "--inventory", "kz", "--start", START,
            "--end", END, "--db", db, "--truth-dir", str(truth), "--workers", "1",
            "--window", "10min", "--no-surface-waves", "--no-progress"]  # fmt: skip


def test_a_scenario_span_is_processed_and_scored_without_an_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, truth = f"sqlite:///{tmp_path / 'scn.db'}", tmp_path / "truth"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        assert main(["-q", *_args(db, truth)]) == 0
    out = capsys.readouterr().out
    assert "score against the scenario truth" in out
    assert not list(tmp_path.rglob("*.mseed")) and not (tmp_path / "sds").exists()
    table = pd.read_csv(truth / "truth.csv")
    assert list(table["event_id"]) == ["scn20240601-005"]  # the one event of the span
    score = pd.read_csv(truth / "score.csv")
    assert list(score["status"]) == ["matched"]
    assert (truth / "inventory.xml").is_file() and (truth / "bulletin.xml").is_file()
    with BulletinStore(db) as store:
        n_events, n_det = len(store.load()), store.counts()["detection"]
    # every detection of the span is stored, not only the event's ~10 arrivals (49 with the
    # arrays' 374-s warm-up and band-passed f-k of this session; over 50 before)
    assert n_events == 1 and n_det > 40
    # a rerun with the same scenario skips the window and stores nothing twice
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        assert main(["-q", *_args(db, truth)]) == 0
    assert "skipped 1 of 1" in capsys.readouterr().out
    with BulletinStore(db) as store:
        assert store.counts()["detection"] == n_det and len(store.load()) == n_events


def test_archive_or_scenario_not_both(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _args(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "t")
    assert main([*args, "--archive", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert "either --archive DIR or --scenario SEED" in err and "Traceback" not in err
    assert main(["reprocess", *args[3:]]) != 0  # neither
    assert "either --archive DIR or --scenario SEED" in capsys.readouterr().err
