"""The synthetic-day generator of the detection benchmark, on a tiny size."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, read, read_inventory
from obspy.core.util import AttribDict
from obspy.signal.array_analysis import array_processing

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import synthetic_day as sd


@pytest.fixture(scope="module")
def layout(shared_data: Path) -> sd.Layout:
    return sd.build_layout(shared_data)


def test_layout_has_six_arrays_and_26_three_component_stations(layout: sd.Layout) -> None:
    assert len(layout.channels) == 132
    assert set(layout.arrays) == set(sd.ARRAYS)
    for code in sd.ARRAYS:
        elements = [s for s in layout.sites if s.array == code]
        assert len(elements) == 9
        assert all(s.channels == ("SHZ",) for s in elements)
        # offsets are from the centroid: they average to ~0 km
        assert abs(np.mean([s.deast_km for s in elements])) < 0.05
        assert abs(np.mean([s.dnorth_km for s in elements])) < 0.05
    three_c = [s for s in layout.sites if s.array is None]
    assert len(three_c) == 26
    assert all(s.channels == ("BHZ", "BHN", "BHE") for s in three_c)
    assert {"AKTO", "AAK", "MK31"} <= {s.code for s in three_c}
    # real geometry: MK01 lies ~2.5 km south of MK05 (IMS site table offsets)
    mk = {s.code: s for s in layout.sites}
    assert mk["MK05"].dnorth_km - mk["MK01"].dnorth_km == pytest.approx(2.78, abs=0.05)


def test_plane_wave_has_the_right_backazimuth_and_slowness(layout: sd.Layout) -> None:
    """ObsPy's f-k on a synthesized array arrival recovers its back-azimuth and slowness."""
    baz, slow = 235.0, 0.07  # [deg], [s/km]
    arrival = sd._Arrival(0, "P", 30.0, slow, baz, 40.0, 1.5)
    n = int(60 * sd.FS)
    st = Stream()
    elements = [s for s in layout.sites if s.array == "MKAR"]
    for k, site in enumerate(elements):
        job = sd._Job(site, "SHZ", k, (arrival,), layout.arrays["MKAR"])
        tr = read()[0].copy()
        tr.data = sd._synthesize(job, 1, n).astype(np.float64)
        tr.stats.sampling_rate = sd.FS
        tr.stats.starttime = sd.DEFAULT_START
        tr.stats.station = site.code
        tr.stats.coordinates = AttribDict(
            latitude=site.latitude, longitude=site.longitude, elevation=site.elevation_m / 1e3
        )
        st.append(tr)
    t0 = sd.DEFAULT_START + 29.5
    out = array_processing(
        st,
        4.0,
        1.0,
        -0.4,
        0.4,
        -0.4,
        0.4,
        0.01,
        -1e9,
        -1e9,
        0.8,
        4.5,
        t0,
        t0 + 4.0,
        0,
        coordsys="lonlat",
        timestamp="julsec",
        method=0,
    )
    baz_est, slow_est = out[0, 3] % 360.0, out[0, 4]
    assert abs((baz_est - baz + 180) % 360 - 180) < 4.0
    assert slow_est == pytest.approx(slow, abs=0.012)


def test_generate_writes_sds_deterministically_and_reuses(
    shared_data: Path, tmp_path: Path
) -> None:
    sd.TravelTimeTable.compute(step_deg=10.0).save(tmp_path / "ak135_table.npz")
    a = sd.generate_day(tmp_path / "a", duration=120.0, workers=1, shared=shared_data)
    assert not a.reused and a.n_channels == 132 and a.n_events == 3
    path = a.root / "2024" / "IM" / "MK01" / "SHZ.D" / "IM.MK01..SHZ.D.2024.061"
    tr = read(str(path))[0]
    assert tr.stats.sampling_rate == sd.FS and tr.stats.npts == 4800
    assert tr.stats.mseed.encoding == "STEIM2" and tr.data.dtype == np.int32
    assert tr.stats.starttime == sd.DEFAULT_START
    files = sorted(p.relative_to(a.root) for p in a.root.rglob("*.061"))
    assert len(files) == 132
    inv = read_inventory(str(a.stationxml))
    assert len(inv[0]) == 80 and sum(len(s) for s in inv[0]) == 132
    # deterministic: the same seed gives the same counts; a second call reuses the day
    b = sd.generate_day(tmp_path / "b", duration=120.0, workers=1, shared=shared_data)
    assert np.array_equal(read(str(b.root / path.relative_to(a.root)))[0].data, tr.data)
    again = sd.generate_day(tmp_path / "a", duration=120.0, workers=1, shared=shared_data)
    assert again.reused
    other = sd.generate_day(tmp_path / "c", duration=120.0, seed=5, workers=1, shared=shared_data)
    assert not np.array_equal(read(str(other.root / path.relative_to(a.root)))[0].data, tr.data)
