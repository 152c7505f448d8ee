"""The OSI field exercise: a sealed aftershock day on a temporary network, scored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from obspy import read, read_events

from openndc.cli.main import main
from openndc.training import open_sealed
from openndc.training.exercise import PASSPHRASE_ENV


@pytest.fixture(scope="module")
def plan_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("osi_ex") / "plan.xml"
    assert main(["osi", "plan", "--site", "49.95,78.80", "--area", "200", "--stations", "7",
                 "--out", str(out)]) == 0  # fmt: skip
    return out


def test_osi_exercise_make_and_score(
    plan_xml: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "field-instructor")
    out = tmp_path / "ex"
    rc = main(["exercise", "make", "--kind", "osi", "--network", str(plan_xml),
               "--site", "49.93,78.82", "--mainshock-time", "2026-06-01T03:00:00",
               "--start", "2026-06-01T12:00:00", "--duration", "10m", "--seed", "11",
               "--productivity", "-2.5", "--area", "200", "--out", str(out),
               "--no-progress"])  # fmt: skip
    assert rc == 0
    printed = capsys.readouterr().out
    assert {p.name for p in out.iterdir()} == {
        "exercise.json", "inventory.xml", "sds", "truth.sealed"
    }  # fmt: skip
    public = json.loads((out / "exercise.json").read_text())
    text = (out / "exercise.json").read_text()
    assert public["kind"] == "osi"
    assert public["tolerances"] == {"time_s": 1.0, "distance_km": 3.0}
    # trainees are told the inspection area (the network's centre), not ground zero or seed
    area = public["inspection_area"]
    assert (area["latitude"], area["longitude"]) == pytest.approx((49.95, 78.80), abs=0.01)
    assert "78.82" not in text and '"seed"' not in text
    mseed = sorted(p for p in (out / "sds").rglob("*") if p.is_file())
    assert len(mseed) == 7 * 3
    assert read(str(mseed[0]))[0].stats.sampling_rate == 100.0
    files = open_sealed(out / "truth.sealed", "field-instructor")
    manifest = json.loads(files["manifest.json"])
    assert manifest["kind"] == "osi" and manifest["seed"] == 11
    assert manifest["ground_zero"] == {"latitude": 49.93, "longitude": 78.82}
    assert manifest["aftershock_model"]["productivity"] == -2.5
    truth = tmp_path / "truth.xml"
    truth.write_bytes(files["truth.xml"])
    catalog = read_events(str(truth))
    n = manifest["n_aftershocks"]
    assert n == len(catalog) == manifest["n_events"] >= 5
    assert f"{n} event(s)" in printed
    assert {e.event_type for e in catalog} == {"induced or triggered event"}
    # scoring with the OSI tolerances: the truth scores perfectly; the same events 10 km
    # away score nothing (beyond the 3 km tolerance)
    score = ["--truth", str(out / "truth.sealed"), "--time-tolerance", "1",
             "--distance-tolerance", "3"]  # fmt: skip
    assert main(["exercise", "score", str(truth), *score]) == 0
    assert f"matched {n}, missed 0, false 0" in capsys.readouterr().out
    for e in catalog:
        e.origins[0].latitude += 10.0 / 111.19
    shifted = tmp_path / "shifted.xml"
    catalog.write(str(shifted), format="QUAKEML")
    assert main(["exercise", "score", str(shifted), *score]) == 0
    assert f"matched 0, missed {n}, false {n}" in capsys.readouterr().out


def test_osi_exercise_refuses_incomplete_requests(
    plan_xml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["exercise", "make", "--kind", "osi", "--start", "2026-06-01T12:00:00",
            "--duration", "10m", "--seed", "1"]  # fmt: skip
    assert main([*base, "--network", str(plan_xml), "--out", str(tmp_path / "a")]) == 1
    assert "--site" in capsys.readouterr().err
    assert main([*base, "--site", "49.93,78.82", "--mainshock-time", "2026-06-01T03:00:00",
                 "--out", str(tmp_path / "b")]) == 1  # fmt: skip
    assert "STATIONXML" in capsys.readouterr().err
    late = ["--mainshock-time", "2026-06-02T03:00:00", "--out", str(tmp_path / "c")]
    assert main([*base, "--network", str(plan_xml), "--site", "49.93,78.82", *late]) == 1
    assert "before --start" in capsys.readouterr().err
