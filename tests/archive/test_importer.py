from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import obspy
import pytest
from obspy import UTCDateTime
from obspy.io.sac import SACTrace

from openndc.archive import ImportReport, SDSArchive, import_waveforms
from openndc.archive.importer import QUARANTINE
from openndc.model.errors import DataQualityWarning
from tests.archive.conftest import make_trace

DPRK = "dprk_nuclear_tests_2016/2016.01.06.01.30.01"


def test_import_sac_with_inventory_and_reimport(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / DPRK
    archive = SDSArchive(tmp_path / "sds")
    files = sorted(folder.glob("*.sac"))
    report = import_waveforms(files, archive, inventory_out=tmp_path / "st.xml")
    assert report.files == len(files) and report.traces == len(files) and not report.skipped
    ids = {s.seed_id for s in archive.streams()}
    assert {"IU.MAJO.00.BHZ", "IU.MAJO.60.BHZ", "JP.JEM..BHZ"} <= ids
    # samples survive byte for byte (SAC float32 -> miniSEED FLOAT32)
    src = obspy.read(str(folder / "IU.MAJO.60.BHZ.sac"))[0]
    res = archive.read(src.stats.starttime, src.stats.endtime + 1, "IU", "MAJO", "60", "BHZ")
    np.testing.assert_array_equal(res.stream[0].data, src.data)
    inv = obspy.read_inventory(str(tmp_path / "st.xml"))
    majo = inv.select(network="IU", station="MAJO")[0][0]
    assert majo.latitude == pytest.approx(src.stats.sac.stla, abs=1e-5)
    assert {(c.location_code, c.code) for c in majo} >= {("00", "BHZ"), ("60", "BHZ")}
    assert all(c.sample_rate > 0 for c in majo)
    again = import_waveforms(folder, archive)
    assert again.samples == 0 and again.paths == []


def test_import_mseed_and_wfdisc(shared_data: Path, tmp_path: Path) -> None:
    archive = SDSArchive(tmp_path / "sds")
    report = import_waveforms(shared_data / "array_grf_kuril_1991" / "01.mseed", archive)
    assert report.traces == 19 and report.samples == 19 * 72000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        rep = import_waveforms(shared_data / "ims_mlr_waveform_sample", archive, network="IM")
    # the miniSEED copy and the wfdisc hold the same MLR samples: written once
    assert rep.samples == 3 * (6000 + 800 + 49200)
    assert any("MLR0.w" in what for what, _ in rep.skipped)  # raw binary: not a format
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        res = archive.read(UTCDateTime(2010, 5, 20), UTCDateTime(2010, 5, 21), station="MLR")
    assert len(res.stream) == 9 and len([p for p in res.problems if p.kind == "gap"]) == 6


def test_unreadable_file_warned_rest_imported(tmp_path: Path) -> None:
    good = tmp_path / "in" / "good.mseed"
    good.parent.mkdir()
    tr = make_trace(UTCDateTime(2020, 1, 1), 1000)
    tr.write(str(good), format="MSEED")
    (tmp_path / "in" / "junk.mseed").write_bytes(b"\x00garbage" * 50)
    with pytest.warns(DataQualityWarning, match="junk.mseed"):
        report = import_waveforms(tmp_path / "in", SDSArchive(tmp_path / "sds"))
    assert report.files == 1 and report.samples == 1000
    assert report.skipped[0][0].endswith("junk.mseed")


def _mseed(tr: obspy.Trace) -> bytearray:
    buf = io.BytesIO()
    tr.write(buf, format="MSEED", reclen=512, encoding="STEIM2")
    return bytearray(buf.getvalue())


def _import(paths: Path | list[Path], root: Path, **kw: object) -> ImportReport:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return import_waveforms(paths, SDSArchive(root), **kw)  # type: ignore[arg-type]


def test_one_corrupt_record_costs_one_record(tmp_path: Path) -> None:
    tr = make_trace(UTCDateTime(2020, 1, 1), 40 * 600)
    raw = _mseed(tr)
    n_rec = len(raw) // 512
    raw[5 * 512 + 100 : 5 * 512 + 200] = bytes(100)  # Steim frames of record 5 zeroed
    (tmp_path / "bad.mseed").write_bytes(raw)
    report = _import(tmp_path / "bad.mseed", tmp_path / "sds")
    assert report.files == 1 and len(report.quarantined) == 1
    _, offset, length, why = report.quarantined[0]
    assert (offset, length) == (5 * 512, 512) and "payload" in why
    lost = obspy.read(io.BytesIO(bytes(raw[5 * 512 : 6 * 512])), format="MSEED", headonly=True)
    assert report.samples == tr.stats.npts - lost[0].stats.npts
    assert n_rec > 30
    qfile = tmp_path / "sds" / QUARANTINE / f"bad.mseed.{offset}-{offset + length}.bad"
    assert qfile.read_bytes() == bytes(raw[offset : offset + length])
    assert any(p.kind == "corrupt" and "quarantine" in p.message for p in report.problems)


def test_impossible_year_is_quarantined_not_archived(tmp_path: Path) -> None:
    tr = make_trace(UTCDateTime(2020, 1, 1), 40 * 600)
    raw = _mseed(tr)
    raw[7 * 512 + 20 : 7 * 512 + 22] = (3000).to_bytes(2, "big")
    (tmp_path / "year.mseed").write_bytes(raw)
    report = _import(tmp_path / "year.mseed", tmp_path / "sds")
    assert [q[1] for q in report.quarantined] == [7 * 512]
    assert sorted(p.name for p in (tmp_path / "sds").iterdir()) == ["2020", QUARANTINE]


def test_truncated_file_loss_is_reported(tmp_path: Path) -> None:
    tr = make_trace(UTCDateTime(2020, 1, 1), 40 * 600)
    (tmp_path / "cut.mseed").write_bytes(bytes(_mseed(tr)[:-300]))
    report = _import(tmp_path / "cut.mseed", tmp_path / "sds")
    assert report.quarantined_bytes == 212 and "truncated" in report.quarantined[0][3]
    assert report.problems and "1 bad records (212 bytes) quarantined" in str(report)


def test_flipped_bytes_print_no_traceback(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    tr = make_trace(UTCDateTime(2020, 1, 1), 40 * 600)
    raw = _mseed(tr)
    rng = np.random.default_rng(1)
    for i in rng.integers(0, len(raw), 200):
        raw[i] ^= 0xFF
    (tmp_path / "flip.mseed").write_bytes(raw)
    report = _import(tmp_path / "flip.mseed", tmp_path / "sds")
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert report.files == 1 and report.quarantined and report.samples > 0


def _sac(path: Path, **header: object) -> Path:
    values: dict[str, object] = {
        "nzyear": 2020, "nzjday": 10, "nzhour": 0, "nzmin": 0, "nzsec": 0, "nzmsec": 0,
        "b": 0.0, "delta": 0.05, "kstnm": "AB", "kcmpnm": "BHZ", "knetwk": "XX",
    }  # fmt: skip
    values.update(header)
    data = np.sin(np.arange(2000) / 10.0).astype("f4")
    SACTrace(data=data, **values).write(str(path))  # type: ignore[arg-type]
    return path


def test_sac_with_impossible_date_or_codes_is_skipped_and_named(tmp_path: Path) -> None:
    _sac(tmp_path / "noyear.sac", nzyear=-12345)
    _sac(tmp_path / "longnet.sac", knetwk="ABCDEFGH")
    raw = bytearray(_sac(tmp_path / "binary.sac", kstnm="ZZ").read_bytes())
    raw[440:448] = b"\xff\xfe\x00\x80\x81\x82\x83\x84"  # kstnm: not text
    (tmp_path / "binary.sac").write_bytes(raw)
    _sac(tmp_path / "good.sac")
    report = _import(tmp_path, tmp_path / "sds", inventory_out=tmp_path / "st.xml")
    reasons = dict(report.skipped)
    assert "nzyear" in next(v for k, v in reasons.items() if "noyear.sac" in k)
    assert "longer than SEED" in next(v for k, v in reasons.items() if "longnet.sac" in k)
    assert "ASCII" in next(v for k, v in reasons.items() if "binary.sac" in k)
    assert report.traces == 1
    assert [p.name for p in (tmp_path / "sds").iterdir()] == ["2020"]
    assert [p.name for p in (tmp_path / "sds" / "2020").iterdir()] == ["XX"]


def test_sac_station_at_latitude_999_is_reported_not_a_traceback(tmp_path: Path) -> None:
    _sac(tmp_path / "bad.sac", stla=999.0, stlo=10.0, kstnm="BAD")
    _sac(tmp_path / "ok.sac", stla=43.0, stlo=77.0, kstnm="OK")
    report = _import(tmp_path, tmp_path / "sds", inventory_out=tmp_path / "st.xml")
    assert report.traces == 2
    assert any("stla=999" in why for _, why in report.skipped)
    inv = obspy.read_inventory(str(tmp_path / "st.xml"))
    assert [s.code for s in inv[0]] == ["OK"]


def test_stationxml_epochs_from_midnight_one_per_sample_rate(tmp_path: Path) -> None:
    coords = {"stla": 43.0, "stlo": 77.0, "kstnm": "VAR"}
    _sac(tmp_path / "a.sac", nzjday=10, nzhour=5, delta=0.05, **coords)  # 20 Hz, day 10 05:00
    _sac(tmp_path / "b.sac", nzjday=12, nzhour=7, delta=0.01, **coords)  # 100 Hz, day 12 07:00
    _import(tmp_path, tmp_path / "sds", inventory_out=tmp_path / "st.xml")
    sta = obspy.read_inventory(str(tmp_path / "st.xml"))[0][0]
    epochs = sorted((c.start_date, c.end_date, c.sample_rate) for c in sta)
    assert epochs == [
        (UTCDateTime(2020, 1, 10), UTCDateTime(2020, 1, 12, 7), 20.0),
        (UTCDateTime(2020, 1, 12, 7), None, 100.0),
    ]
    assert sta.start_date == UTCDateTime(2020, 1, 10)
