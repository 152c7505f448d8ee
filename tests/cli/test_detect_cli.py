"""``openndc detect`` end to end on a CSS3.0 inventory: the real MKAR geometry from the IMS
site tables, a synthetic plane wave written to an SDS archive, Parquet output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime

from openndc.archive import SDSArchive
from openndc.cli.main import main
from openndc.detection.array.kernels import DEG_KM, plane_wave_delays
from openndc.inventory import read_inventory
from openndc.io.tables import read_detections

T0 = UTCDateTime("2024-05-01T23:50:00")  # the window crosses midnight


def _plane_wave(offsets: np.ndarray, codes: list[str], baz: float, slow: float) -> Stream:
    fs, n = 40.0, (1200 * 40)
    rng = np.random.default_rng(7)
    t = np.arange(n) / fs
    onset = 610.0  # 00:00:10 next day
    w = np.where(t >= onset, np.exp(-(t - onset) / 2.0) * np.sin(2 * np.pi * 2.0 * (t - onset)), 0)
    st = Stream()
    for code, d in zip(codes, plane_wave_delays(offsets, baz, slow), strict=True):
        x = 400 * np.interp(t - d, t, w) + 20 * rng.standard_normal(n)
        hdr = {
            "network": "IM",
            "station": code,
            "channel": "SHZ",
            "sampling_rate": fs,
            "starttime": T0,
        }
        st.append(Trace(np.round(x).astype(np.int32), header=hdr))
    return st


def test_detect_css_inventory_array_to_parquet(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = shared_data / "ims_site_tables" / "ims.site"
    network = read_inventory(site, at=UTCDateTime("2016-03-01"))
    mkar = network.array("MKAR")
    codes = [e.station for e in mkar.group("sp")]
    SDSArchive(tmp_path / "sds").write(
        _plane_wave(mkar.offsets_km(tuple(codes)), codes, 97.0, 0.07)
    )
    out = tmp_path / "det.parquet"
    code = main(
        [
            "detect",
            "--archive",
            str(tmp_path / "sds"),
            "--inventory",
            str(site),
            "--start",
            str(T0),
            "--end",
            str(T0 + 1200),
            "--out",
            str(out),
            "--chunk",
            "600",
            "--workers",
            "2",
            "--plot",
            str(tmp_path / "p.png"),
        ]
    )
    assert code == 0
    frame = read_detections(out)
    beams = frame[frame["station"] == "MKAR"]
    assert len(beams) == 1, frame[["station", "time", "phase", "snr"]]
    row = beams.iloc[0]
    assert abs(UTCDateTime(row["time"]) - (T0 + 610.0)) < 0.15
    assert abs((row["backazimuth"] - 97.0 + 180) % 360 - 180) < 6.0
    assert abs(row["slowness"] - 0.07 * DEG_KM) < 1.0
    assert row["phase"] == "P" and row["method"] == "beam"
    assert (tmp_path / "p.png").stat().st_size > 10_000
    assert "1 detections on 1 stations" in capsys.readouterr().out
