from __future__ import annotations

from pathlib import Path

import pytest
from obspy import Stream, UTCDateTime

from openndc.cli.main import main
from tests.archive.conftest import make_trace


def _files(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    t0 = UTCDateTime(2020, 1, 1, 23, 0)
    tr = make_trace(t0, 40 * 7200)  # crosses midnight
    Stream([tr.slice(t0, t0 + 3000), tr.slice(t0 + 3100, t0 + 7200)]).write(
        str(folder / "a.mseed"), format="MSEED"
    )
    return folder


def test_import_list_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sds = tmp_path / "sds"
    assert main(["archive", "import", str(_files(tmp_path)), "--archive", str(sds)]) == 0
    out = capsys.readouterr().out
    assert "1 files read, 2 traces" in out and "2 day files" in out
    assert main(["archive", "list", "--archive", str(sds)]) == 0
    out = capsys.readouterr().out
    assert "XX.AAA..BHZ" in out and "1 gaps" in out and "1 streams" in out
    assert (
        main(
            [
                "archive",
                "check",
                "--archive",
                str(sds),
                "--start",
                "2020-01-01T23:00",
                "--end",
                "2020-01-02T01:00",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "gap: XX.AAA..BHZ 2020-01-01T23:50:00" in out and "1 problems (gap: 1)" in out
    assert main(["archive", "import", str(tmp_path / "in"), "--archive", str(sds)]) == 0
    assert "0 new samples" in capsys.readouterr().out


def test_inventory_out_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sds = tmp_path / "sds"
    inv = tmp_path / "inv.xml"
    assert (
        main(
            [
                "archive",
                "import",
                str(_files(tmp_path)),
                "--archive",
                str(sds),
                "--inventory-out",
                str(inv),
            ]
        )
        == 0
    )
    assert not inv.exists() and "not written" in capsys.readouterr().out
    assert main(["archive", "list", "--archive", str(tmp_path / "nope")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["archive", "import", str(tmp_path / "missing"), "--archive", str(sds)]) == 1
