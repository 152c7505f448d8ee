from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import obspy
import pytest
from obspy import UTCDateTime

from openndc.archive import read_wfdisc
from openndc.io.css import parse_wfdisc
from openndc.model.errors import ArchiveError, DataQualityWarning

MLR = "ims_mlr_waveform_sample"


def _mlr_only(src: Path, dst: Path) -> Path:
    lines = [ln for ln in src.read_text().splitlines() if ln.startswith("MLR ")]
    out = dst / "mlr.wfdisc"
    out.write_text("\n".join(lines) + "\n")
    return out


def test_mlr_matches_miniseed_copy_and_reports_gaps(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / MLR
    with pytest.warns(DataQualityWarning, match="gap"):
        res = read_wfdisc(folder / "wfdisc_gms_s4.txt", station="MLR", network="IM")
    ref = obspy.read(str(folder / "MLR_2010-05-20_from_MLR0w.mseed"))
    got = sorted(res.stream, key=lambda t: (t.id, t.stats.starttime))
    want = sorted(ref, key=lambda t: (t.id, t.stats.starttime))
    assert len(got) == len(want) == 9
    for g, w in zip(got, want, strict=True):
        assert g.id == w.id and g.stats.starttime == w.stats.starttime
        np.testing.assert_array_equal(g.data, w.data)
    gaps = [p for p in res.problems if p.kind == "gap"]
    assert len(gaps) == 6 and {p.stream for p in gaps} == {f"IM.MLR..BH{c}" for c in "ZNE"}
    assert min(p.start for p in gaps) == UTCDateTime("2010-05-20T00:02:30.019")


def _row(
    sta: str,
    chan: str,
    time: float,
    nsamp: int,
    rate: float,
    calib: float,
    dtype: str,
    dfile: str,
    foff: int,
) -> str:
    """A standard 283-column CSS3.0 wfdisc row (the layout ObsPy's reader expects)."""
    end = time + (nsamp - 1) / rate
    return (
        f"{sta:<6} {chan:<8} {time:17.5f} {1:8d} {1:8d} {2010140:8d} {end:17.5f} "
        f"{nsamp:8d} {rate:11.7f} {calib:16.6f} {1.0:16.6f} {'-':<6} o {dtype:<2} - "
        f"{'.':<64} {dfile:<32} {foff:10d} {-1:8d} {'-':<17}"
    )


def test_mlr_window_and_obspy_reader(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / MLR
    (tmp_path / "MLR0.w").symlink_to(folder / "MLR0.w")
    rows, _ = parse_wfdisc(folder / "wfdisc_gms_s4.txt")
    wf = tmp_path / "mlr.wfdisc"
    wf.write_text(
        "".join(
            _row(r.sta, r.chan, r.time, r.nsamp, r.samprate, r.calib, r.datatype, r.dfile, r.foff)
            + "\n"
            for r in rows
            if r.sta == "MLR"
        )
    )
    t0 = UTCDateTime("2010-05-20T03:00:00")
    res = read_wfdisc(wf, t0, t0 + 60, channel="BHZ")
    assert not res.problems
    assert len(res.stream) == 1 and res.stream[0].stats.npts == 2400
    obs = obspy.read(str(wf), format="CSS").select(channel="BHZ")
    obs.trim(t0, t0 + 60 - 0.001, nearest_sample=False)
    np.testing.assert_array_equal(res.stream[0].data, obs[0].data)
    assert res.stream[0].stats.calib == pytest.approx(0.0633)


def test_missing_data_file(shared_data: Path, tmp_path: Path) -> None:
    wf = _mlr_only(shared_data / MLR / "wfdisc_gms_s4.txt", tmp_path)
    with pytest.raises(ArchiveError, match=r"MLR0\.w"):
        read_wfdisc(wf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        res = read_wfdisc(wf, missing="skip")
    assert len(res.stream) == 0 and {p.kind for p in res.problems} >= {"unreadable"}


def test_generated_wfdisc_short_file_and_bad_row(tmp_path: Path) -> None:
    data = np.arange(1000, dtype=">i4")
    (tmp_path / "x.w").write_bytes(data.tobytes()[: 4 * 900])  # 100 samples missing
    row = _row("ABC", "SHZ", 1600000000.0, 1000, 20.0, 1.0, "s4", "x.w", 0)
    (tmp_path / "t.wfdisc").write_text(row + "\nthis row is broken\n")
    with pytest.warns(DataQualityWarning):
        res = read_wfdisc(tmp_path / "t.wfdisc")
    assert res.stream[0].stats.npts == 900
    np.testing.assert_array_equal(res.stream[0].data, np.arange(900))
    assert sorted(p.kind for p in res.problems) == ["corrupt", "corrupt"]
