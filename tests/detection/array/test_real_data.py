"""Array processing on real arrays, each beside ObsPy ``array_processing`` on the same windows.

GRF (Gräfenberg) with the 1991-12-17 Kuril event (TauP/ak135 reference), the DIA infrasound
array (known signals) and the FORGE nodal array in Utah (no catalogue: methods compared).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, UTCDateTime, read, read_events, read_inventory
from obspy.core.util import AttribDict
from obspy.geodetics import gps2dist_azimuth, locations2degrees
from obspy.signal.array_analysis import array_processing
from obspy.taup import TauPyModel

from openndc.detection.array import detect_array, fk_analysis, gather_array_data
from openndc.detection.config import DetectionConfig
from openndc.model.inventory import Array, ArrayElement, local_offsets_km

pytestmark = pytest.mark.slow


def _array(
    net: str,
    code: str,
    codes: list[str],
    lat: np.ndarray,
    lon: np.ndarray,
    kind: str = "seismic",
    ref: tuple[float, float] | None = None,
) -> Array:
    rlat, rlon = ref if ref is not None else (float(lat.mean()), float(lon.mean()))
    e, n = local_offsets_km(rlat, rlon, lat, lon)
    els = tuple(
        ArrayElement(net, c, float(lat[i]), float(lon[i]), 0.0, float(e[i]), float(n[i]))
        for i, c in enumerate(codes)
    )
    return Array(net, code, rlat, rlon, 0.0, els, kind=kind)  # type: ignore[arg-type]


def _obspy(
    st: Stream,
    lat: np.ndarray,
    lon: np.ndarray,
    t0: UTCDateTime,
    win: float,
    smax: float,
    step: float,
    fmin: float,
    fmax: float,
    t1: UTCDateTime | None = None,
    frac: float = 1.0,
) -> np.ndarray:
    st = st.copy()
    for tr, la, lo in zip(st, lat, lon, strict=True):
        tr.stats.coordinates = AttribDict(latitude=la, longitude=lo, elevation=0.0)
    return array_processing(
        st,
        win,
        frac,
        -smax,
        smax,
        -smax,
        smax,
        step,
        -1e9,
        -1e9,
        fmin,
        fmax,
        t0,
        t1 if t1 is not None else t0 + win,
        0,
        coordsys="lonlat",
        timestamp="julsec",
        method=0,
    )


def _windows(st: Stream, t0: UTCDateTime, win: float) -> np.ndarray:
    fs = st[0].stats.sampling_rate
    out = []
    for tr in st:
        i0 = int((t0 - tr.stats.starttime) * fs + 0.5)
        out.append(tr.data[i0 : i0 + int(win * fs)].astype(np.float64))
    return np.array(out)


def _dbaz(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


# ------------------------------------------------------------------------------- GRF


@pytest.fixture(scope="module")
def grf(shared_data: Path) -> dict:
    d = shared_data / "array_grf_kuril_1991"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = read_inventory(str(d / "01.xml"))
    st = read(str(d / "01.mseed"))
    ev = read_events(str(d / "01.qml"))[0]
    o = ev.preferred_origin() or ev.origins[0]
    st = Stream([t for t in st if t.stats.station[:2] == "GR" and len(t.stats.station) == 4])
    st.sort(keys=["station"])
    codes = [t.stats.station for t in st]
    c = [inv.get_coordinates(t.id, o.time) for t in st]
    lat = np.array([x["latitude"] for x in c])
    lon = np.array([x["longitude"] for x in c])
    arr = _array("GR", "GRF", codes, lat, lon)
    dist = locations2degrees(
        arr.reference_latitude, arr.reference_longitude, o.latitude, o.longitude
    )
    _, baz, _ = gps2dist_azimuth(
        arr.reference_latitude, arr.reference_longitude, o.latitude, o.longitude
    )
    p = TauPyModel("ak135").get_travel_times(o.depth / 1000.0, dist, ["P"])[0]
    return {
        "st": st,
        "arr": arr,
        "lat": lat,
        "lon": lon,
        "p_time": o.time + p.time,
        "p_slow": p.ray_param_sec_degree,
        "baz": baz,
    }


def test_grf_fk_matches_taup_and_obspy(grf: dict) -> None:
    st, arr = grf["st"], grf["arr"]
    t0, win, smax, step, fmin, fmax = grf["p_time"] - 2.0, 12.0, 0.1, 0.002, 0.5, 2.5
    r = fk_analysis(
        _windows(st, t0, win),
        20.0,
        arr.offsets_km(),
        slowness_max=smax,
        slowness_step=step,
        fmin=fmin,
        fmax=fmax,
    )
    ob = _obspy(st, grf["lat"], grf["lon"], t0, win, smax, step, fmin, fmax)[0]
    print(
        f"GRF P: TauP baz {grf['baz']:.1f} slow {grf['p_slow']:.2f} s/deg | openndc "
        f"{r.backazimuth_deg:.1f} ± {r.backazimuth_uncertainty_deg:.1f}, "
        f"{r.slowness_s_per_deg:.2f} ± {r.slowness_uncertainty_s_per_deg:.2f} s/deg "
        f"relpow {r.relpower:.3f} F {r.fstat:.1f} | obspy {ob[3] % 360:.1f}, "
        f"{ob[4] * 111.19:.2f} s/deg relpow {ob[1]:.3f}"
    )
    assert _dbaz(r.backazimuth_deg, ob[3] % 360) < 1.5
    assert abs(r.slowness_s_per_km - ob[4]) <= 1.5 * step
    assert r.relpower == pytest.approx(ob[1], rel=0.05)
    assert _dbaz(r.backazimuth_deg, grf["baz"]) < 5.0
    assert r.slowness_s_per_deg == pytest.approx(grf["p_slow"], abs=1.0)
    assert r.fstat > 10


def test_grf_detect_array_finds_kuril_p(grf: dict) -> None:
    dets = detect_array(grf["st"], grf["arr"], DetectionConfig())
    near = [d for d in dets if abs(d.time - grf["p_time"]) < 5.0]
    assert near, [str(d.time) for d in dets]
    d = max(near, key=lambda d: d.snr)
    print(
        f"GRF detection {d.time} (TauP P {grf['p_time']}) baz {d.backazimuth:.1f} slow "
        f"{d.slowness:.2f} s/deg F {d.fstat:.1f} snr {d.snr:.1f} band {d.extra['band']}"
    )
    assert -1.0 < d.time - grf["p_time"] < 4.0  # observed P is ~2 s after ak135
    assert _dbaz(d.backazimuth, grf["baz"]) < 10.0
    assert d.slowness == pytest.approx(grf["p_slow"], abs=2.0)
    assert d.station == "GRF" and d.channel == "BHZ" and d.method == "beam"
    assert len(dets) < 20  # the hour holds one event: few coherent false alarms


# ------------------------------------------------------------------------------- DIA


@pytest.fixture(scope="module")
def dia(shared_data: Path) -> dict:
    d = shared_data / "infrasound_dia_array" / "examples"
    st = Stream()
    for f in sorted((d / "real_data" / "data").rglob("NL.DL*..BDF.D.2007.247")):
        st += read(str(f))
    st.sort(keys=["station"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = read_inventory(str(d / "NL.DIA.xml"))
    c = [inv.get_coordinates(t.id, t.stats.starttime) for t in st]
    lat = np.array([x["latitude"] for x in c])
    lon = np.array([x["longitude"] for x in c])
    arr = _array("NL", "DIA", [t.stats.station for t in st], lat, lon, kind="infrasound")
    return {"st": st, "arr": arr, "lat": lat, "lon": lon}


def test_dia_signals_match_obspy(dia: dict) -> None:
    st, arr = dia["st"], dia["arr"]
    ad = gather_array_data(st, arr, DetectionConfig())
    assert ad is not None and len(ad.codes) == 13
    t_start = UTCDateTime("2007-09-04T20:04:42.475")
    ob = _obspy(
        st, dia["lat"], dia["lon"], t_start, 12.0, 3.6, 0.05, 0.5, 5.0, t1=t_start + 72.0, frac=0.5
    )
    strong = 0
    for row in ob:
        t = UTCDateTime(row[0])
        r = fk_analysis(
            _windows(st, t, 12.0),
            40.0,
            arr.offsets_km(),
            slowness_max=3.6,
            slowness_step=0.05,
            fmin=0.5,
            fmax=5.0,
        )
        assert _dbaz(r.backazimuth_deg, row[3] % 360) < 1.0
        assert abs(r.slowness_s_per_km - row[4]) < 0.051
        if r.relpower > 0.5:  # the strong arrival
            strong += 1
            assert 300.0 < r.backazimuth_deg < 320.0
            assert 0.33 < r.apparent_velocity_km_s < 0.37
    assert strong >= 4
    # the weaker arrival from the east (back-azimuth 45-135 deg) at 20:06:24, 1-5 Hz
    r = fk_analysis(
        _windows(st, UTCDateTime("2007-09-04T20:06:24.475"), 12.0),
        40.0,
        arr.offsets_km(),
        slowness_max=3.6,
        slowness_step=0.05,
        fmin=1.0,
        fmax=5.0,
    )
    print(
        f"DIA east arrival: baz {r.backazimuth_deg:.1f} v {r.apparent_velocity_km_s:.3f} "
        f"km/s relpow {r.relpower:.2f} F {r.fstat:.1f}"
    )
    assert 45.0 < r.backazimuth_deg < 135.0 and 0.30 < r.apparent_velocity_km_s < 0.45


def test_dia_detect_array(dia: dict) -> None:
    dets = detect_array(dia["st"], dia["arr"], DetectionConfig())
    assert dets and all(d.phase == "I" and d.channel == "BDF" for d in dets)
    best = max(dets, key=lambda d: d.fstat)
    print(
        "DIA detections:",
        [
            (str(d.time), round(d.backazimuth), round(111.19 / d.slowness, 3), round(d.fstat, 1))
            for d in dets
        ],
    )
    assert 300.0 < best.backazimuth < 320.0
    assert 0.32 < 111.19 / best.slowness < 0.38


# ------------------------------------------------------------------------------- Utah


def test_utah_nodal_fk_matches_obspy(shared_data: Path) -> None:
    d = shared_data / "nodal_array_utah_2019" / "beamforming" / "example"
    st = Stream()
    for f in sorted(d.glob("*.sac")):
        st += read(str(f))
    lat = np.array([t.stats.sac.stla for t in st])
    lon = np.array([t.stats.sac.stlo for t in st])
    arr = _array("FG", "FORGE", [str(i) for i in range(len(st))], lat, lon, ref=(38.5, -112.887))
    t0 = max(t.stats.starttime for t in st) + 7.0
    smax, step, fmin, fmax = 0.18, 0.009, 2.0, 12.0  # ±20 s/deg in ~1 s/deg steps
    r = fk_analysis(
        _windows(st, t0, 5.0),
        st[0].stats.sampling_rate,
        arr.offsets_km(),
        slowness_max=smax,
        slowness_step=step,
        fmin=fmin,
        fmax=fmax,
    )
    ob = _obspy(st, lat, lon, t0, 5.0, smax, step, fmin, fmax)[0]
    print(
        f"Utah: openndc baz {r.backazimuth_deg:.1f} ± {r.backazimuth_uncertainty_deg:.1f} "
        f"slow {r.slowness_s_per_deg:.2f} s/deg relpow {r.relpower:.3f} | obspy "
        f"{ob[3] % 360:.1f} {ob[4] * 111.19:.2f} s/deg relpow {ob[1]:.3f}"
    )
    assert _dbaz(r.backazimuth_deg, ob[3] % 360) < 2.0
    assert abs(r.slowness_s_per_km - ob[4]) <= 1.01 * step
    assert r.relpower == pytest.approx(ob[1], rel=0.05)
