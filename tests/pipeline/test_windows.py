"""Windowed processing with stable event identity (the stage contract's acceptance tests).

On the built-in scenario day: 24 separate ``openndc process`` runs of one hour on one
database give the same bulletin as one run over the day; no event is split or duplicated
at an hour boundary; a second run of a window changes nothing in the database. On the real
DPRK 2016 waveforms: the nominal window runs, and a station whose epoch begins inside the
window is used for the part it covers.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from obspy import UTCDateTime
from obspy import read_inventory as obspy_read_inventory

from openndc.bulletin import BulletinStore
from openndc.cli.demo import DEMO_SEED, DEMO_START
from openndc.cli.main import main
from openndc.inventory import read_inventory
from openndc.model.errors import DataQualityWarning
from openndc.model.event import Bulletin
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.scenario import kazakh_day_events, make_scenario

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scenario_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scenario") / "day"
    events = kazakh_day_events(DEMO_START, DEMO_SEED)
    make_scenario(read_inventory("kz"), DEMO_START, 86400.0, DEMO_SEED, out, events=events)
    return out


def _process(scen: Path, db: str, start: UTCDateTime, end: UTCDateTime, *extra: str) -> None:
    args = ["-q", "process", "--archive", str(scen / "sds"), "--inventory"]
    args += [str(scen / "inventory.xml"), "--db", db, "--start", str(start), "--end", str(end)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        assert main([*args, "--no-progress", "--no-surface-waves", *extra]) == 0


def _match(a: Bulletin, b: Bulletin, dt: float = 2.0, km: float = 10.0) -> list[tuple[str, str]]:
    pairs = []
    free = list(b)
    for ev in a:
        best = None
        for other in free:
            d_km = float(
                distance_azimuth(
                    ev.origin.latitude, ev.origin.longitude,
                    other.origin.latitude, other.origin.longitude,
                )[0]
            ) * DEG_KM  # fmt: skip
            if abs(ev.origin.time - other.origin.time) <= dt and d_km <= km:
                best = other
                break
        if best is not None:
            free.remove(best)
            pairs.append((ev.id, best.id))
    return pairs


def _no_detection_twice(bulletin: Bulletin) -> None:
    seen: dict[str, str] = {}
    for ev in bulletin:
        for arr in ev.arrivals:
            assert arr.detection.id not in seen, (
                f"{arr.detection.id} in {seen.get(arr.detection.id)} and {ev.id}"
            )
            seen[arr.detection.id] = ev.id


def test_hourly_runs_equal_one_run_and_rerun_changes_nothing(
    scenario_day: Path, tmp_path: Path
) -> None:
    hourly, daily = f"sqlite:///{tmp_path / 'hourly.db'}", f"sqlite:///{tmp_path / 'daily.db'}"
    end = DEMO_START + 86400.0
    for h in range(24):
        _process(scenario_day, hourly, DEMO_START + 3600.0 * h, DEMO_START + 3600.0 * (h + 1),
                 "--workers", "1")  # fmt: skip
    _process(scenario_day, daily, DEMO_START, end)
    with BulletinStore(hourly) as s_h, BulletinStore(daily) as s_d:
        b_h, b_d = s_h.load(), s_d.load()
        n_det_h, n_det_d = (
            len(s_h.load_detections(DEMO_START, end)),
            len(s_d.load_detections(DEMO_START, end)),
        )
        counts = s_h.counts()
    print(f"hourly: {len(b_h)} events, daily: {len(b_d)} events; detections {n_det_h}/{n_det_d}")
    assert n_det_h == n_det_d
    assert len(b_h) >= 5
    assert len(b_h) == len(b_d)
    assert len(_match(b_h, b_d)) == len(b_h)
    _no_detection_twice(b_h)
    # every detection is stored, associated or not
    assert counts["detection"] == n_det_h
    # a second run of a window changes nothing: skipped by default...
    hour = DEMO_START + 3600.0 * 5
    _process(scenario_day, hourly, hour, hour + 3600.0, "--workers", "1")
    with BulletinStore(hourly) as s_h:
        after = s_h.counts()
    assert {k: v for k, v in after.items() if k != "processing_window"} == {
        k: v for k, v in counts.items() if k != "processing_window"
    }
    # ... and run again on purpose, it finds the same detections and the same events
    _process(scenario_day, hourly, hour, hour + 3600.0, "--workers", "1", "--reprocess")
    with BulletinStore(hourly) as s_h:
        again = s_h.counts()
        assert len(s_h.load()) == len(b_h)
    for table in ("detection", "event", "origin", "assoc"):
        assert again[table] == counts[table], table


def _dprk(shared_data: Path, tmp_path: Path) -> tuple[Path, Path]:
    folder = shared_data / "dprk_nuclear_tests_2016" / "2016.09.09.00.30.01"
    sds, inv = tmp_path / "sds", tmp_path / "inv.xml"
    files = sorted(str(p) for p in folder.glob("*.sac"))
    assert main(["-q", "archive", "import", *files, "--archive", str(sds),
                 "--inventory-out", str(inv)]) == 0  # fmt: skip
    return sds, inv


def test_dprk_nominal_window_and_a_station_starting_late(shared_data: Path, tmp_path: Path) -> None:
    sds, inv = _dprk(shared_data, tmp_path)
    origin = UTCDateTime("2016-09-09T00:30:01.366")  # Yao et al. 2018 (data SOURCE.md)
    # three stations whose metadata epoch begins 20 s after the window's nominal start
    late = UTCDateTime("2016-09-09T00:27:41")
    inventory = obspy_read_inventory(str(inv))
    moved = []
    for net in inventory:
        for sta in net:
            if len(moved) < 3 and sta.code in ("MDJ", "SEHB", "TJN", "HUJ", "DNH", "CHC2"):
                sta.start_date = late
                for ch in sta:
                    ch.start_date = late
                moved.append(sta.code)
    late_inv = tmp_path / "late.xml"
    inventory.write(str(late_inv), format="STATIONXML")
    db = f"sqlite:///{tmp_path / 'b.db'}"
    args = ["-q", "process", "--archive", str(sds), "--inventory", str(late_inv), "--db", db]
    args += ["--start", "2016-09-09T00:27:21", "--end", "2016-09-09T00:40:41"]
    assert main([*args, "--no-progress", "--no-surface-waves"]) == 0
    with BulletinStore(db) as store:
        (event,) = store.load()
        problems = store.counts()["data_problem"]
    km = float(distance_azimuth(41.2985, 129.0780, event.origin.latitude,
                                event.origin.longitude)[0]) * DEG_KM  # fmt: skip
    assert km <= 3.0
    assert abs(event.origin.time - origin) <= 1.0
    used = {a.station for a in event.arrivals}
    assert len(moved) == 3
    assert set(moved) & used, f"none of the late stations {moved} was used"
    assert problems >= 3  # the epoch changes are reported
