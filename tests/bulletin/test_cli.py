from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from obspy import read_events

from openndc.bulletin import BulletinStore, read_bulletin, write_bulletin
from openndc.cli.main import main
from tests.bulletin.conftest import make_bulletin


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_export_import_compare(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bulletin = make_bulletin(3)
    with BulletinStore(db_url) as store:
        store.store(bulletin)
    for fmt, name in (("quakeml", "b.xml"), ("ims1.0", "b.ims"), ("csv", "b.csv")):
        out = tmp_path / name
        argv = ["bulletin", "export", "--db", db_url, "--format", fmt, "--out", str(out)]
        assert main(argv) == 0
        assert "3 events" in capsys.readouterr().out
    assert read_bulletin(tmp_path / "b.xml") == bulletin
    assert len(read_events(str(tmp_path / "b.ims"), format="IMS10BULLETIN")) == 3
    # A time window.
    out = tmp_path / "w.csv"
    argv = ["bulletin", "export", "--db", db_url, "--format", "csv", "--out", str(out)]
    assert main([*argv, "--start", "2016-01-06T02:00", "--end", "2016-01-06T03:00"]) == 0
    assert list(pd.read_csv(out, dtype=str)["event_id"]) == ["20160107"]

    # Import the IMS1.0 file into a second (SQLite) database, then compare both ways.
    db2 = f"sqlite:///{tmp_path / 'second.db'}"
    assert main(["bulletin", "import", str(tmp_path / "b.ims"), "--db", db2]) == 0
    assert "3 events (12 arrivals)" in capsys.readouterr().out
    table = tmp_path / "cmp.csv"
    argv = ["bulletin", "compare", db_url, str(tmp_path / "b.ims"), "--out", str(table)]
    assert main([*argv, "--time-tolerance", "5", "--distance-tolerance", "20"]) == 0
    out_text = capsys.readouterr().out
    assert "matched 3, only in" in out_text
    frame = pd.read_csv(table)
    assert (frame["status"] == "matched").all() and frame["distance_km"].max() < 0.01
    assert main(["bulletin", "compare", db2, str(tmp_path / "b.csv")]) == 0
    assert "matched 3" in capsys.readouterr().out


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bulletin", "import", str(tmp_path / "missing.xml"), "--db", "x.db"]) == 1
    assert "missing.xml" in capsys.readouterr().err
    junk = tmp_path / "junk.dat"
    junk.write_text("nothing here\n")
    assert main(["bulletin", "import", str(junk), "--db", str(tmp_path / "x.db")]) == 1
    assert "not a bulletin in a known format" in capsys.readouterr().err
    write_bulletin(make_bulletin(1), tmp_path / "a.csv")
    assert main(["bulletin", "compare", str(tmp_path / "a.csv"), str(tmp_path / "no.csv")]) == 1
