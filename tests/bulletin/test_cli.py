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


def test_sasc_files_measured_on_a_stored_bulletin_serve_a_later_run(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run over arrays biased 6-15 deg stores twelve large events; ``openndc bulletin
    sasc`` measures each array's correction on them and writes the IDC's SASC files; a
    later run with ``[association] sasc`` finds the three-station event the biases had
    lost (ESDC and AKASG 15 deg off)."""
    from dataclasses import replace

    from obspy import UTCDateTime

    from openndc.association import associate, reb_rules_config
    from openndc.io.sasc import read_sasc_tables
    from openndc.model.event import Bulletin
    from tests.support.ims import SMALL_TUNISIAN, biased_array_detections

    net, dets, bias = biased_array_detections(shared_data, UTCDateTime(2024, 1, 1))
    config = reb_rules_config(self_calibrate=False)
    first = associate(dets, net, config)
    small = {f"ev-{c}" for c in SMALL_TUNISIAN[1]}
    assert not any(small <= {a.detection.id for a in e.arrivals} for e in first.events)
    db = f"sqlite:///{tmp_path / 'b.db'}"
    with BulletinStore(db) as store:
        store.store(Bulletin(events=first.events))
    prefix = tmp_path / "SASC" / "sasc"
    site = str(shared_data / "ims_site_tables/ims.site")
    assert main(["bulletin", "sasc", "--db", db, "--inventory", site, "--out", str(prefix)]) == 0
    out = capsys.readouterr().out
    assert "ESDC: back-azimuth -1" in out and f"-> {prefix}.ESDC" in out
    tables = read_sasc_tables(prefix)
    for code in ("ESDC", "AKASG"):
        b = tables[code].bins[-1]  # the station's overall correction, after sector bins
        assert (b.azimuth_min, b.azimuth_max) == (0.0, 360.0)
        assert b.azimuth_correction == pytest.approx(bias[code], abs=3.0)
        assert b.slowness_correction == pytest.approx(0.1 * bias[code], abs=0.6)
        assert 0.0 < b.azimuth_error < 10.0
    again = associate(dets, net, replace(config, sasc=str(prefix)))
    assert any(small <= {a.detection.id for a in e.arrivals} for e in again.events)
    # nothing to measure on: one line, non-zero
    empty = f"sqlite:///{tmp_path / 'e.db'}"
    with BulletinStore(empty) as store:
        store.store(Bulletin(events=[]))
    assert main(["bulletin", "sasc", "--db", empty, "--inventory", site, "--out",
                 str(tmp_path / "x" / "sasc")]) != 0  # fmt: skip
    assert "no event to measure station corrections on" in capsys.readouterr().err
