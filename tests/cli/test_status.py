"""``openndc status`` on the database and archive of a real ``openndc run`` (a SeedLink
replay of a small scenario)."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import pytest
from obspy import UTCDateTime

from openndc.archive import SDSArchive
from openndc.cli.demo import DEMO_SEED, DEMO_START
from openndc.cli.main import main
from openndc.inventory import read_inventory
from openndc.model.errors import DataQualityWarning
from openndc.scenario import kazakh_day_events, make_scenario
from openndc.seedlink import ServerThread

pytestmark = pytest.mark.slow
SPAN = 600.0
STATIONS = ("AKTO", "BRVK", "MAKZ", "KURBB")


@pytest.fixture(scope="module")
def live_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, UTCDateTime]:
    kz = read_inventory("kz")
    net = dataclasses.replace(
        kz, stations=tuple(s for s in kz.stations if s.code in STATIONS), arrays=()
    )
    event = min(kazakh_day_events(DEMO_START, DEMO_SEED), key=lambda e: e.time)
    start = UTCDateTime(int(event.time.timestamp) // 60 * 60 - 300)
    root = tmp_path_factory.mktemp("status")
    make_scenario(net, start, SPAN, DEMO_SEED, root / "scenario", events=[event])
    archive, db = root / "live_sds", f"sqlite:///{root / 'ndc.db'}"
    server = ServerThread(root / "scenario" / "sds", replay_start=start, speed=60.0)
    port = server.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            args = ["-q", "run", "--seedlink", f"127.0.0.1:{port}", "--archive", str(archive)]
            args += ["--inventory", str(root / "scenario" / "inventory.xml"), "--db", db]
            args += ["--start", str(start), "--duration", "12", "--status-every", "60"]
            assert main(args) == 0
    finally:
        server.stop()
    return archive, db, start


def test_status_json_shows_the_runs_data_soh_windows_and_detections(
    live_run: tuple[Path, str, UTCDateTime], capsys: pytest.CaptureFixture[str]
) -> None:
    archive, db, _ = live_run
    coverage = {str(c.stream): c for c in SDSArchive(archive).coverage()}
    data_end = max(c.end for c in coverage.values())
    capsys.readouterr()
    now = data_end + 30.0
    assert main(["status", "--db", db, "--archive", str(archive), "--json", "--now", str(now)]) == 0
    state = json.loads(capsys.readouterr().out)
    channels = {c["stream"]: c for c in state["channels"]}
    assert set(channels) == set(coverage)  # every channel the run archived
    for stream, ch in channels.items():
        # the newest sample: the archive's, to the sample
        assert abs(UTCDateTime(ch["last_sample"]) - coverage[stream].end) <= 0.05
        assert ch["latency_s"] == pytest.approx(now - UTCDateTime(ch["last_sample"]), abs=0.1)
        assert ch["soh_status"] in ("good", "marginal", "bad")  # the run's soh_channel rows
    assert sorted(state["stations_up"]) == sorted({".".join(s.split(".")[:2]) for s in coverage})
    assert state["stations_down"] == []
    assert state["windows"], "the run recorded the windows it associated"
    assert UTCDateTime(state["windows"][0]["end"]) <= data_end + 1.0
    assert state["detections_last_hour"] > 0
    # an hour later every station is down (and says so)
    capsys.readouterr()
    later = str(data_end + 3600.0)
    assert main(["status", "--db", db, "--archive", str(archive), "--json", "--now", later]) == 0
    assert json.loads(capsys.readouterr().out)["stations_up"] == []


def test_status_text_fits_one_screen_and_bad_input_is_one_line(
    live_run: tuple[Path, str, UTCDateTime], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    archive, db, _ = live_run
    capsys.readouterr()
    assert main(["status", "--db", db, "--archive", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "stations:" in out and "last windows processed" in out
    assert len(out.splitlines()) <= 40
    assert main(["status", "--db", f"sqlite:///{tmp_path / 'none.db'}"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "none.db" in err
