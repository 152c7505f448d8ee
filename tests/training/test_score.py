"""The scorer's matching and numbers on hand-made cases."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from openndc.model.errors import ConfigError, DataQualityWarning
from openndc.training import MatchTolerances, ScoreReport, match_events, score_bulletin
from openndc.training.score import SCORE_COLUMNS
from tests.training._events import T0, ev


def _status(report: ScoreReport) -> list[tuple[str, str, str]]:
    t = report.table
    return list(zip(t["status"], t["truth_id"], t["bulletin_id"], strict=True))


def test_close_pair_is_assigned_one_to_one_optimally() -> None:
    # Two true events 4 s and 67 km apart. Nearest-in-time matching would swap them
    # (A-Y: 1 s, B-X: 0.5 s); the optimal assignment pairs each with its co-located origin.
    truth = [ev("A", 0.0), ev("B", 4.0, north_km=67.0)]
    bulletin = [ev("X", 3.5, north_km=5.0), ev("Y", 1.0, north_km=62.0)]
    assert match_events(bulletin, truth) == [(0, 0), (1, 1)]
    report = score_bulletin(bulletin, truth)
    assert _status(report) == [("matched", "A", "X"), ("matched", "B", "Y")]
    table = report.table.set_index("truth_id")
    assert table.loc["A", "time_error"] == pytest.approx(3.5)
    assert table.loc["B", "time_error"] == pytest.approx(-3.0)
    assert table.loc["A", "epicentre_error"] == pytest.approx(5.0, abs=0.05)
    assert table.loc["B", "epicentre_error"] == pytest.approx(5.0, abs=0.05)
    assert table.loc["A", "mislocation_azimuth"] == pytest.approx(0.0, abs=0.1)
    assert table.loc["B", "mislocation_azimuth"] == pytest.approx(180.0, abs=0.1)


def test_matching_maximises_the_number_of_pairs() -> None:
    # X is A's best partner, but taking it would leave B unmatched: Y can only go with A.
    truth = [ev("A", 0.0), ev("B", 6.0, east_km=60.0)]
    bulletin = [ev("X", 1.0, east_km=30.0), ev("Y", -5.0, east_km=-40.0)]
    assert match_events(bulletin, truth) == [(0, 1), (1, 0)]


def test_outside_tolerance_is_missed_and_false_and_rates_are_exact() -> None:
    truth = [
        ev("T1", 0.0),
        ev("T2", 600.0, north_km=10.0),
        ev("T3", 1200.0),  # found 150 km away: missed + false
        ev("T4", 1800.0),  # found 12 s late: missed + false
    ]
    bulletin = [
        ev("B1", 1.0),
        ev("B2", 598.0, north_km=30.0),
        ev("B3", 1200.0, east_km=150.0),
        ev("B4", 1812.0),
        ev("B5", 3000.0),  # nothing there
    ]
    report = score_bulletin(bulletin, truth)
    assert _status(report) == [
        ("matched", "T1", "B1"),
        ("matched", "T2", "B2"),
        ("missed", "T3", ""),
        ("false", "", "B3"),
        ("missed", "T4", ""),
        ("false", "", "B4"),
        ("false", "", "B5"),
    ]
    s = report.summary
    assert (s["n_truth"], s["n_bulletin"], s["n_matched"], s["n_missed"], s["n_false"]) == (
        4,
        5,
        2,
        2,
        3,
    )
    assert s["recall"] == 0.5
    assert s["precision"] == 0.4
    assert s["f1"] == pytest.approx(2 * 0.4 * 0.5 / 0.9)
    assert s["time_error_mean_s"] == pytest.approx(-0.5)
    assert s["time_error_rms_s"] == pytest.approx(math.sqrt((1 + 4) / 2))
    assert s["epicentre_error_max_abs_km"] == pytest.approx(20.0, abs=0.05)
    # Wider tolerances take the late and the distant event in.
    wide = score_bulletin(bulletin, truth, MatchTolerances(time_s=15.0, distance_km=200.0))
    assert wide.summary["n_matched"] == 4
    assert wide.summary["recall"] == 1.0
    assert wide.summary["precision"] == 0.8


def test_magnitude_depth_and_type_errors() -> None:
    truth = [
        ev("Q", 0.0, depth=15.0, event_type="earthquake", mb=4.5, ML=4.2),
        ev("M", 900.0, depth=0.0, event_type="mining explosion", ML=2.5),
        ev("N", 1800.0, depth=0.5, event_type="not reported", mb=4.0),
    ]
    bulletin = [
        ev("q", 0.5, depth=25.0, event_type="explosion", mb=4.8, ML=4.0, Ms=3.1),
        ev("m", 900.0, depth=0.0, event_type="explosion", ML=2.7),
        ev("n", 1800.0, depth=0.0, event_type="earthquake", mb=4.1),
    ]
    report = score_bulletin(bulletin, truth)
    t = report.table.set_index("truth_id")
    assert t.loc["Q", "mb_error"] == pytest.approx(0.3)
    assert t.loc["Q", "ML_error"] == pytest.approx(-0.2)
    assert math.isnan(t.loc["Q", "Ms_error"])  # no true Ms
    assert t.loc["Q", "bulletin_Ms"] == pytest.approx(3.1)
    assert t.loc["Q", "depth_error"] == pytest.approx(10.0)
    assert not t.loc["Q", "type_correct"] and not t.loc["Q", "class_correct"]
    # Mining explosion called "explosion": wrong type, right class.
    assert not t.loc["M", "type_correct"] and t.loc["M", "class_correct"]
    # A truth without a type does not count for the accuracy.
    assert t["type_correct"].isna()["N"]
    s = report.summary
    assert s["type_n"] == 2 and s["type_accuracy"] == 0.0
    assert s["class_n"] == 2 and s["class_accuracy"] == 0.5
    assert s["mb_error_n"] == 2
    assert s["mb_error_mean"] == pytest.approx(0.2)
    assert s["ML_error_n"] == 2
    assert s["ML_error_mean"] == pytest.approx(0.0)
    assert s["Ms_error_n"] == 0
    assert s["depth_error_mean_km"] == pytest.approx((10.0 + 0.0 - 0.5) / 3)
    text = report.to_text()
    assert "recall 1.000" in text and "mb error: mean 0.20" in text


def test_table_columns_window_and_empty_inputs() -> None:
    truth = [ev("A", 0.0), ev("B", 3600.0)]
    bulletin = [ev("a", 2.0), ev("b", 3601.0)]
    report = score_bulletin(bulletin, truth, start=T0 + 1000, end=T0 + 7200)
    assert list(report.table.columns) == [c.name for c in SCORE_COLUMNS]
    assert _status(report) == [("matched", "B", "b")]
    empty = score_bulletin([], truth)
    assert empty.summary["recall"] == 0.0
    assert math.isnan(empty.summary["precision"])
    assert math.isnan(empty.summary["f1"])
    assert list(empty.table["status"]) == ["missed", "missed"]
    none = score_bulletin([], [])
    assert none.table.empty and none.summary["n_matched"] == 0
    assert "no events" in none.to_text()


def test_matching_is_independent_of_input_order_and_scales() -> None:
    import numpy as np

    rng = np.random.default_rng(3)
    # 300 events a minute apart spread over 400 km; each found within 2 s and ~10 km.
    truth = [ev(f"T{i}", 60.0 * i, north_km=float(rng.uniform(-200, 200))) for i in range(300)]
    bulletin = [
        replace(
            e,
            id=f"B{i}",
            time=e.time + float(rng.normal(0, 2)),
            latitude=e.latitude + float(rng.uniform(-0.09, 0.09)),
        )
        for i, e in enumerate(truth)
    ]
    forward = score_bulletin(bulletin, truth)
    backward = score_bulletin(bulletin[::-1], truth[::-1])
    assert forward.summary["n_matched"] == backward.summary["n_matched"] == 300
    pairs = set(zip(forward.table["truth_id"], forward.table["bulletin_id"], strict=True))
    assert pairs == {(f"T{i}", f"B{i}") for i in range(300)}
    assert forward.table.equals(backward.table)


def test_tolerances_are_validated() -> None:
    with pytest.raises(ConfigError, match="time_s"):
        MatchTolerances(time_s=0.0)
    with pytest.raises(ConfigError, match="distance_km"):
        MatchTolerances(distance_km=math.inf)


def test_scorer_is_independent_of_the_pipeline() -> None:
    import ast
    import subprocess
    import sys

    code = (
        "import sys, openndc.training, openndc.cli.exercise; "
        "print(sorted({m.split('.')[1] for m in sys.modules if m.startswith('openndc.')}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(ast.literal_eval(out))
    forbidden = {"association", "location", "magnitude", "bulletin", "pipeline", "scenario"}
    assert not loaded & forbidden, loaded


def test_impossible_events_are_skipped_and_named(tmp_path: Path) -> None:
    from openndc.training import read_scored_events

    path = tmp_path / "b.csv"
    path.write_text(
        "time,latitude,longitude,depth,mb\n"
        "2024-03-01T00:00:00,43.0,77.0,10,4.0\n"
        "2024-03-01T01:00:00,95.0,77.0,10,4.0\n"
        "2024-03-01T02:00:00,43.0,999.0,10,4.0\n"
        "2999-03-01T03:00:00,43.0,77.0,10,4.0\n"
    )
    with pytest.warns(DataQualityWarning) as caught:
        events = read_scored_events(path)
    assert len(events) == 1
    text = " ".join(str(w.message) for w in caught)
    assert "latitude 95" in text and "longitude 999" in text and "future" in text
