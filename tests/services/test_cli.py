"""``openndc serve`` (a real subprocess) and ``openndc fetch`` against our server on loopback."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import obspy
import pytest
import requests

from openndc.archive import SDSArchive
from openndc.cli.main import main
from tests.services.conftest import DAY0, FDSNEnv, LiveServer, free_port

# the 60 s gap of GR.WET..BHZ is reported as a DataQualityWarning when reading
pytestmark = pytest.mark.filterwarnings("ignore::openndc.model.errors.DataQualityWarning")


def test_fetch_fills_archive_once(
    live_server: LiveServer, fdsn_env: FDSNEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = DAY0 + 3600 + 1800, DAY0 + 3600 + 5400
    out = tmp_path / "sds"
    inv_out = tmp_path / "fetched.xml"
    argv = [
        "fetch",
        "--fdsn",
        live_server.url,
        "--network",
        "GR",
        "--station",
        "FUR,WET",
        "--channel",
        "BHZ",
        "--start",
        str(start),
        "--end",
        str(end),
        "--archive",
        str(out),
        "--inventory-out",
        str(inv_out),
        "--chunk",
        "1800",
    ]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert "2 channels, 2 requests" in first
    src = SDSArchive(fdsn_env.archive)
    dst = SDSArchive(out)
    a = src.read(start, end, "GR", "*", "", "BHZ").stream
    b = dst.read(start, end, "GR", "*", "", "BHZ").stream
    assert [tr.id for tr in a] == [tr.id for tr in b] and len(a) == 3
    for x, y in zip(a, b, strict=True):
        assert x.stats.starttime == y.stats.starttime
        assert np.array_equal(x.data, y.data)
    inv = obspy.read_inventory(str(inv_out))
    assert sorted(c for c in inv.get_contents()["channels"]) == ["GR.FUR..BHZ", "GR.WET..BHZ"]
    assert inv[0][0][0].response.instrument_sensitivity is not None
    assert main(argv) == 0  # again: nothing new is written
    assert " 0 new samples in 0 day files" in capsys.readouterr().out


def test_fetch_errors_are_one_line(
    live_server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "fetch",
        "--fdsn",
        live_server.url,
        "--network",
        "XX",
        "--station",
        "*",
        "--channel",
        "*",
        "--start",
        "2016-01-06",
        "--end",
        "2016-01-07",
        "--archive",
        str(tmp_path / "sds"),
    ]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no station metadata" in err
    argv[argv.index("2016-01-07")] = "2016-01-05"
    assert main(argv) == 1
    assert "swap them" in capsys.readouterr().err


def test_serve_contract(fdsn_env: FDSNEnv, tmp_path: Path) -> None:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "openndc.cli.main",
        "serve",
        "--db",
        fdsn_env.db_url,
        "--archive",
        str(fdsn_env.archive),
        "--inventory",
        str(fdsn_env.inventory_file),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/fdsnws/event/1/query?format=text&limit=1"
        deadline = time.monotonic() + 60
        while True:
            try:
                r = requests.get(url, timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "openndc serve did not start"
                time.sleep(0.2)
        assert r.status_code == 200 and r.text.startswith("#EventID|Time|")
        assert len(r.text.splitlines()) == 2
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert proc.stdout is not None
    assert f"http://127.0.0.1:{port}/fdsnws/" in proc.stdout.read()


def test_serve_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "serve",
        "--db",
        str(tmp_path / "none.db"),
        "--archive",
        str(tmp_path),
        "--inventory",
        "kz",
    ]
    assert main(argv) == 1
    assert capsys.readouterr().err.count("\n") == 1
