"""DPRK 2016-09-09 relocated relative to 2016-01-06 (master event), from the waveforms.

SAC files → ``openndc archive import`` → ``openndc process`` over each test (the
pipeline's automatic picks, association and absolute location) → ``openndc bulletin
export`` (QuakeML) → ``openndc relocate --master GT.toml --archive SDS``: 2016-01-06 is
the ground-truth master at the relative location of Yao et al. (2018) (the data's
``reference_events.csv``); 2016-09-09's P picks are aligned on the master's waveforms by
cross-correlation and located with the master's residuals as station corrections. The
reference for 2016-09-09 is Yao et al.'s relative location too (about 0.55 km east of
2016-01-06). Numbers in docs/location.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from obspy import UTCDateTime

from openndc.bulletin import BulletinStore
from openndc.cli.main import main
from openndc.model.geodesy import DEG_KM, distance_azimuth

EVENTS = ("2016.01.06.01.30.01", "2016.09.09.00.30.01")


def _yao(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "reference_events.csv").open() as fh:
        return {r["event_dir"]: r for r in csv.DictReader(fh) if r["source"].startswith("Yao")}


def _km(ref: dict[str, str], lat: float, lon: float) -> float:
    d = distance_azimuth(float(ref["latitude"]), float(ref["longitude"]), lat, lon)[0]
    return float(d) * DEG_KM


@pytest.mark.slow
def test_dprk_2016_09_relative_to_2016_01(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "dprk_nuclear_tests_2016"
    yao = _yao(folder)
    sds, inv = tmp_path / "sds", tmp_path / "inv.xml"
    db = f"sqlite:///{tmp_path / 'bulletin.db'}"
    files = sorted(str(p) for e in EVENTS for p in (folder / e).glob("*.sac"))
    assert main(["-q", "archive", "import", *files, "--archive", str(sds),
                 "--inventory-out", str(inv)]) == 0  # fmt: skip
    for e in EVENTS:
        o = UTCDateTime(yao[e]["origin_time_utc"])
        args = ["-q", "process", "--archive", str(sds), "--inventory", str(inv), "--db", db]
        args += ["--start", str(o - 60), "--end", str(o + 240), "--workers", "1"]
        assert main([*args, "--no-progress", "--no-surface-waves"]) == 0
    qml = tmp_path / "auto.xml"
    assert main(["-q", "bulletin", "export", "--db", db, "--format", "quakeml",
                 "--out", str(qml)]) == 0  # fmt: skip
    master = yao[EVENTS[0]]
    gt = tmp_path / "gt.toml"
    gt.write_text(
        f'[[event]]\nid = "DPRK-2016-01-06"\ntime = "{master["origin_time_utc"]}"\n'
        f"latitude = {master['latitude']}\nlongitude = {master['longitude']}\n"
        f'depth = {master["depth_km"]}\ngt_level = "GT1"\nsource = "Yao et al. (2018)"\n'
    )
    with BulletinStore(db) as store:
        auto = {ev.id: ev for ev in store.load()}
    assert main(["-q", "relocate", "--bulletin", str(qml), "--inventory", str(inv),
                 "--db", db, "--master", str(gt), "--archive", str(sds)]) == 0  # fmt: skip
    with BulletinStore(db) as store:
        reloc = store.load()
        target = next(ev for ev in reloc if ev.origin.time.month == 9)
        versions = store.versions(target.id)
    ref = yao[EVENTS[1]]
    absolute = _km(ref, auto[target.id].origin.latitude, auto[target.id].origin.longitude)
    relative = _km(ref, target.origin.latitude, target.origin.longitude)
    dt = target.origin.time - UTCDateTime(ref["origin_time_utc"])
    print(f"2016-09-09: absolute {absolute:.2f} km, relative to 2016-01-06 {relative:.3f} km, "
          f"origin time {dt:+.3f} s, ellipse {target.origin.ellipse}")  # fmt: skip
    assert len(versions) == 2  # the pipeline's origin, then the relocated one (preferred)
    assert "master-event relocation" in target.origin.method
    assert "aligned by cross-correlation" in target.origin.method
    assert relative < 0.3 and relative < 0.5 * absolute
    assert abs(dt) < 0.1
    assert target.origin.ellipse is not None and relative < target.origin.ellipse.semi_major_km
