from __future__ import annotations

from pathlib import Path

import pytest
from obspy import UTCDateTime
from sqlalchemy import create_engine, text

from openndc.cli.main import main
from openndc.radionuclide.formats import read_spectra
from openndc.radionuclide.link import screen_events
from openndc.radionuclide.phd import from_spectrum, write_phd

from .conftest import beta_gamma_message


def test_rn_portal_cli(
    rn_data: Path, line_library: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    d = rn_data / "gamma_spectra_n42_portal"
    db = f"sqlite:///{tmp_path / 'b.db'}"
    bg = str(d / "background_20100317.n42")
    args = [
        "rn",
        "portal",
        str(d / "ba133_source_640s_20100317.n42"),
        "--background",
        bg,
        "--library",
        str(line_library),
    ]
    assert main([*args, "--db", db]) == 0
    assert "ALARM" in capsys.readouterr().out
    assert main(["rn", "portal", bg, "--background", bg, "--library", str(line_library)]) == 0
    assert "no alarm" in capsys.readouterr().out
    with create_engine(db).connect() as c:
        assert c.execute(text("select alarm from rn_sample")).scalar_one() == 1


def test_rn_analyze_phd_with_efficiency(
    rn_data: Path, line_library: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import numpy as np

    spec = read_spectra(rn_data / "gamma_spectra_becquerel" / "Alcatraz14.Spc")[0]
    t = spec.times.acquisition_start
    eff = np.array(
        [
            [100.0, 0.05, 0.002],
            [500.0, 0.015, 0.0006],
            [1500.0, 0.006, 0.0003],
            [3000.0, 0.0035, 0.0002],
        ]
    )
    msg = from_spectrum(
        spec, station="KZP00", collection=(t - 2 * 86400, t - 86400, 15000.0), efficiency=eff
    )
    path = tmp_path / "a.phd"
    write_phd(msg, path)
    db = f"sqlite:///{tmp_path / 'b.db'}"
    png = tmp_path / "s.png"
    assert (
        main(
            [
                "rn",
                "analyze",
                str(path),
                "--library",
                str(line_library),
                "--db",
                db,
                "--plot",
                str(png),
                "--events",
                db,
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "K-40" in out and "1460" in out and "IDC level" in out and "mBq/m3" in out
    assert png.stat().st_size > 10000
    with create_engine(db).connect() as c:
        k40 = c.execute(
            text("select concentration_mbq_m3 from rn_nuclide where nuclide='K-40'")
        ).scalar_one()
        assert k40 > 0
        assert c.execute(text("select count(*) from rn_peak")).scalar_one() >= 5


def test_rn_xenon_cli_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = tmp_path / "s.phd"
    write_phd(beta_gamma_message({2: 300, 3: 4000, 4: 2500, 5: 300, 6: 200}, seed=3), s)
    png = tmp_path / "x.png"
    assert main(["rn", "xenon", str(s), "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "Xe-133 " in out and "screening:" in out and png.exists()
    bad = tmp_path / "bad.phd"
    bad.write_text(s.read_text()[:5000])
    assert main(["rn", "xenon", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.phd: block #" in err and "truncated" in err and "Traceback" not in err
    assert main(["rn", "analyze", str(s)]) == 1  # no library given


def test_link_lists_events_before_collection() -> None:
    from openndc.model.event import Event, Origin

    def ev(i: str, t: str, lat: float, lon: float) -> Event:
        return Event(
            id=i, origin=Origin(time=UTCDateTime(t), latitude=lat, longitude=lon, depth_km=0.0)
        )

    events = [
        ev("a", "2026-11-01T00:00:00", 41.3, 129.1),
        ev("b", "2026-11-10T00:00:00", 49.9, 78.0),
        ev("c", "2026-11-25T00:00:00", 49.9, 78.0),
    ]
    c = screen_events(
        events, UTCDateTime("2026-11-12"), UTCDateTime("2026-11-13"), station=(50.0, 78.5)
    )
    assert [x.event_id for x in c] == ["b", "a"]
    assert c[0].distance_km < 100 and c[0].plausible
