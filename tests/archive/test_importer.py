from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import obspy
import pytest
from obspy import UTCDateTime

from openndc.archive import SDSArchive, import_waveforms
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
