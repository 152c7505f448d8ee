"""``openndc exercise make`` and ``openndc exercise score`` end to end."""

from __future__ import annotations

import argparse
import json
import sys
import types
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from obspy import UTCDateTime

from openndc.cli.exercise import parse_duration
from openndc.cli.main import build_parser, main
from openndc.inventory import read_inventory
from openndc.training import PASSPHRASE_ENV, SCORE_COLUMNS, open_sealed, seal_files
from tests.training._events import ev

TRUTH = [
    ev("T1", 0.0, mb=4.2, ML=4.0),
    ev("T2", 600.0, north_km=40.0, depth=0.0, event_type="mining explosion", ML=2.3),
    ev("T3", 1200.0),
    ev("T4", 1800.0),
]
BULLETIN = [
    ev("B1", 1.5, east_km=12.0, depth=18.0, mb=4.4, ML=3.9),
    ev("B2", 599.0, north_km=45.0, depth=0.0, event_type="explosion", ML=2.6),
    ev("B3", 1200.0, east_km=300.0),
]


def _csv(events: list[Any], path: Path) -> Path:
    rows = [
        {
            "event_id": e.id, "time": str(e.time), "latitude": e.latitude,
            "longitude": e.longitude, "depth": e.depth_km, "event_type": e.event_type,
            **e.magnitudes,
        }
        for e in events
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_parse_duration() -> None:
    assert parse_duration("600") == 600.0
    assert parse_duration("10m") == 600.0
    assert parse_duration("24h") == 86400.0
    assert parse_duration("1.5h") == 5400.0
    with pytest.raises(argparse.ArgumentTypeError, match="duration"):
        parse_duration("ten minutes")


def test_score_plain_truth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truth = _csv(TRUTH, tmp_path / "truth.csv")
    bulletin = _csv(BULLETIN, tmp_path / "bulletin.csv")
    table, plot = tmp_path / "score.csv", tmp_path / "score.png"
    rc = main(["exercise", "score", str(bulletin), "--truth", str(truth),
               "--out", str(table), "--plot", str(plot)])  # fmt: skip
    assert rc == 0
    out = capsys.readouterr().out
    assert "truth 4, bulletin 3: matched 2, missed 2, false 1" in out
    assert "recall 0.500  precision 0.667  F1 0.571" in out
    frame = pd.read_csv(table)
    assert list(frame.columns) == [c.name for c in SCORE_COLUMNS]
    assert list(frame["status"]) == ["matched", "matched", "missed", "false", "missed"]
    assert frame.loc[0, "mb_error"] == pytest.approx(0.2)
    assert frame.loc[0, "epicentre_error"] == pytest.approx(12.0, abs=0.05)
    assert plot.stat().st_size > 10_000
    # Wider distance tolerance: T3 found 300 km away becomes a match.
    rc = main(["exercise", "score", str(bulletin), "--truth", str(truth),
               "--distance-tolerance", "400"])  # fmt: skip
    assert rc == 0 and "matched 3, missed 1, false 0" in capsys.readouterr().out


def test_score_sealed_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    truth_csv = _csv(TRUTH, tmp_path / "truth.csv").read_bytes()
    sealed = seal_files({"truth.csv": truth_csv}, tmp_path / "truth.sealed", "s3cret")
    bulletin = _csv(BULLETIN, tmp_path / "bulletin.csv")
    args = ["exercise", "score", str(bulletin), "--truth", str(sealed)]
    assert main([*args, "--passphrase", "s3cret"]) == 0
    assert "matched 2, missed 2, false 1" in capsys.readouterr().out
    assert main([*args, "--passphrase", "guess"]) == 1
    assert "wrong passphrase" in capsys.readouterr().err
    assert main(args) == 1
    assert "sealed" in capsys.readouterr().err


def _fake_scenario(calls: list[dict[str, Any]]) -> types.ModuleType:
    """A stand-in synthesizer writing the documented output layout."""

    def make_scenario(network: str, start: UTCDateTime, duration_s: float, seed: int,
                      out_dir: Path, events: Any = None, sampling_rate: float = 40.0,
                      progress: Any = None, config: Any = None) -> object:  # fmt: skip
        calls.append({"network": network, "start": start, "duration_s": duration_s,
                      "seed": seed, "events": events})  # fmt: skip
        out = Path(out_dir)
        (out / "sds" / "2024" / "KZ" / "MKAR").mkdir(parents=True)
        (out / "sds" / "2024" / "KZ" / "MKAR" / "data.mseed").write_bytes(b"\0" * 512)
        (out / "inventory.xml").write_text("<FDSNStationXML/>")
        _csv(TRUTH, out / "truth.csv")
        (out / "truth_arrivals.csv").write_text("station,phase,time\nMKAR,P,2024-03-01\n")
        return object()

    module = types.ModuleType("openndc.scenario")
    module.make_scenario = make_scenario  # type: ignore[attr-defined]
    module.read_events_csv = lambda path: ["events from", str(path)]  # type: ignore[attr-defined]
    module.kazakh_day_events = lambda start, seed: ["built-in day"]  # type: ignore[attr-defined]
    module.ScenarioConfig = lambda **kw: kw  # type: ignore[attr-defined]
    return module


def test_make_packages_data_and_seals_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    build_parser()  # import every subcommand (some import the real synthesizer) first
    monkeypatch.setitem(sys.modules, "openndc.scenario", _fake_scenario(calls))
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    out = tmp_path / "ex1"
    rc = main(["exercise", "make", "--network", "kz", "--start", "2024-03-01T10:00:00",
               "--duration", "30m", "--seed", "42", "--out", str(out),
               "--events", "my.csv"])  # fmt: skip
    assert rc == 0
    printed = capsys.readouterr().out
    assert "4 event(s)" in printed
    passphrase = printed.split("passphrase (keep it from the trainees): ")[1].split()[0]
    assert calls[0].pop("network").name == read_inventory("kz").name
    assert calls == [{"start": UTCDateTime("2024-03-01T10:00:00"),
                      "duration_s": 1800.0, "seed": 42,
                      "events": ["events from", "my.csv"]}]  # fmt: skip
    # Trainees see data, inventory, the public description and the sealed file, nothing else.
    assert sorted(p.name for p in out.iterdir()) == [
        "exercise.json", "inventory.xml", "sds", "truth.sealed"
    ]  # fmt: skip
    assert not list(tmp_path.glob(".exercise-*"))  # staging removed
    public = json.loads((out / "exercise.json").read_text())
    assert public["end"] == "2024-03-01T10:30:00.000000Z"
    assert "seed" not in public and "42" not in (out / "exercise.json").read_text()
    files = open_sealed(out / "truth.sealed", passphrase)
    assert sorted(files) == ["manifest.json", "truth.csv", "truth_arrivals.csv"]
    manifest = json.loads(files["manifest.json"])
    assert manifest["seed"] == 42 and manifest["n_events"] == 4
    assert set(manifest["data_sha256"]) == {"inventory.xml", "sds/2024/KZ/MKAR/data.mseed"}
    # The instructor scores a trainee's bulletin against the sealed truth.
    bulletin = _csv(BULLETIN, tmp_path / "bulletin.csv")
    monkeypatch.setenv(PASSPHRASE_ENV, passphrase)
    assert main(["exercise", "score", str(bulletin), "--truth", str(out / "truth.sealed")]) == 0
    assert "matched 2, missed 2, false 1" in capsys.readouterr().out
    # A used folder is not overwritten.
    assert main(["exercise", "make", "--start", "2024-03-01", "--duration", "10m",
                 "--out", str(out)]) == 1  # fmt: skip
    assert "not empty" in capsys.readouterr().err
    # Like `openndc scenario make`: kz for 24 h without --events is the built-in day.
    assert main(["exercise", "make", "--start", "2024-03-01", "--duration", "24h",
                 "--out", str(tmp_path / "day")]) == 0  # fmt: skip
    assert calls[-1]["events"] == ["built-in day"]


def test_make_with_the_synthesizer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = pytest.importorskip("openndc.scenario")
    if not hasattr(scenario, "make_scenario"):
        pytest.skip("the scenario synthesizer (openndc.scenario.make_scenario) is not there yet")
    import obspy

    monkeypatch.setenv(PASSPHRASE_ENV, "instructor")
    events = tmp_path / "events.csv"
    events.write_text(
        "id,time,latitude,longitude,depth_km,ml,mb,event_type\n"
        "q1,2024-03-01T10:02:00.000000Z,43.0,77.5,12.0,4.0,,earthquake\n"
    )
    out = tmp_path / "ex"
    rc = main(["exercise", "make", "--network", "kz", "--start", "2024-03-01T10:00:00",
               "--duration", "10m", "--seed", "5", "--out", str(out),
               "--events", str(events)])  # fmt: skip
    assert rc == 0
    assert "passphrase (keep" not in capsys.readouterr().out  # taken from the environment
    assert {p.name for p in out.iterdir()} == {
        "exercise.json", "inventory.xml", "sds", "truth.sealed"
    }  # fmt: skip
    files = open_sealed(out / "truth.sealed", "instructor")
    assert {"truth.xml", "truth.csv", "manifest.json"} <= set(files)
    mseed = sorted(p for p in (out / "sds").rglob("*") if p.is_file())
    assert mseed and len(obspy.read(str(mseed[0]))) >= 1
    truth_xml = tmp_path / "truth.xml"
    truth_xml.write_bytes(files["truth.xml"])
    rc = main(["exercise", "score", str(truth_xml), "--truth", str(out / "truth.sealed")])
    assert rc == 0
    assert "truth 1, bulletin 1: matched 1, missed 0, false 0" in capsys.readouterr().out
