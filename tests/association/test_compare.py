"""PyOcto comparison: the 1-D table written from our ak135 tables, arrays as sites."""

from __future__ import annotations

import dataclasses
import struct
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from obspy import UTCDateTime

from openndc.inventory import read_inventory
from openndc.model import Detection, MonitoringNetwork
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.traveltime import load_travel_times
from tests.support.compare import (
    PyOctoArea,
    match_catalogue,
    pyocto_sites,
    run_pyocto,
    write_pyocto_model,
)
from tests.support.synthetic import SyntheticEvent, synthetic_detections


def test_model_table_holds_ak135_first_p_and_s(tmp_path: Path) -> None:
    tt = load_travel_times("ak135")
    path = write_pyocto_model(tmp_path / "m.bin", tt, 1000.0, 100.0, 10.0)
    raw = path.read_bytes()
    nx, nz, delta = struct.unpack("<iid", raw[:16])
    assert (nx, nz, delta) == (101, 11, 10.0)
    tab = np.frombuffer(raw[16:], dtype="<f8").reshape(2, nx, nz)
    # node (i, k): 10 i km away, 10 k km deep; 500 km = 4.4966 deg
    d = 500.0 / DEG_KM
    assert tab[0, 50, 3] == pytest.approx(float(tt.first_arrival(d, 30.0, kind="P")[0]))
    assert tab[1, 50, 3] == pytest.approx(float(tt.first_arrival(d, 30.0, kind="S")[0]))
    assert tab[0, 0, 0] == 0.0
    assert 60.0 < tab[0, 50, 0] < 75.0  # Pn at 4.5 deg, ~8 km/s
    assert np.all(np.diff(tab[0, :, 0]) > 0)


def test_area_projection_round_trip() -> None:
    area = PyOctoArea(48.0, 70.0, 2000.0)
    lat, lon = np.array([48.0, 40.0, 70.0]), np.array([70.0, 65.0, 100.0])
    x, y = area.project(lat, lon)
    assert x[0] == pytest.approx(0.0) and y[0] == pytest.approx(0.0)
    back = area.unproject(x, y)
    np.testing.assert_allclose(back[0], lat, atol=1e-9)
    np.testing.assert_allclose(back[1], lon, atol=1e-9)
    # distances from the centre are exact (azimuthal equidistant)
    d = distance_azimuth(48.0, 70.0, lat[1], lon[1])[0] * DEG_KM
    assert np.hypot(x[1], y[1]) == pytest.approx(float(d))
    assert list(area.contains(lat, lon)) == [True, True, False]


def _flat(net: MonitoringNetwork) -> MonitoringNetwork:
    """The network at zero elevation: the synthetic times have no elevation term."""
    return MonitoringNetwork(
        net.name,
        tuple(dataclasses.replace(s, elevation_m=0.0) for s in net.stations),
        tuple(dataclasses.replace(a, reference_elevation_m=0.0) for a in net.arrays),
    )


class _FirstS:
    """ak135 with ``Lg`` standing in for the first S (PyOcto's only S)."""

    model = "ak135"

    def __init__(self) -> None:
        self.tt = load_travel_times("ak135")

    def derivatives(
        self, phase: str, distance: npt.ArrayLike, depth: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], ...]:
        return self.tt.derivatives("S" if phase == "Lg" else phase, distance, depth)


def test_pyocto_1d_finds_regional_events_with_arrays() -> None:
    pytest.importorskip("pyocto")
    net = _flat(read_inventory("kz"))
    t0 = UTCDateTime(2024, 3, 1)
    events = [
        SyntheticEvent(t0 + 100.0, 45.0, 75.0, 10.0),
        SyntheticEvent(t0 + 1500.0, 52.0, 85.0, 100.0),
        SyntheticEvent(t0 + 3000.0, 47.0, 62.0, 20.0),
    ]
    dets = synthetic_detections(
        net, events, _FirstS(), seed=3, pick_sigma=0.2, p_probability=1.0,
        s_probability=1.0, max_distance=30.0, s_max_distance=25.0, false_per_site_hour=2.0,
    )  # fmt: skip
    arrays = {a.code for a in net.arrays if a.kind == "seismic"}
    assert arrays <= set(pyocto_sites(dets, net))
    res = run_pyocto(dets, net, model="1d", n_threads=1)
    assert res.area is not None and res.area.contains(45.0, 75.0)
    assert arrays <= set(res.sites)
    truth = [(e.time, e.latitude, e.longitude, e.depth_km) for e in events]
    m = match_catalogue(res.events, truth, max_dt=10.0, max_km=100.0)
    assert m.recall == 1.0
    assert m.median_km < 50.0
    # array detections are among the associated picks: without arrays fewer sites are left
    no_arrays = [d for d in dets if d.station not in arrays]
    res2 = run_pyocto(no_arrays, net, model="1d", n_threads=1)
    assert res.n_associated > res2.n_associated


def test_pyocto_0d_unchanged_for_local_network() -> None:
    pytest.importorskip("pyocto")
    from openndc.association import ConstantVelocity
    from openndc.model import Station

    rng = np.random.default_rng(1)
    net = MonitoringNetwork("syn", tuple(
        Station("XX", f"S{i:02d}", float(42.8 + rng.uniform(-0.4, 0.4)),
                float(13.2 + rng.uniform(-0.5, 0.5)))
        for i in range(10)))  # fmt: skip
    t0 = UTCDateTime(2024, 3, 1)
    events = [SyntheticEvent(t0 + 40.0 * i, 42.8, 13.2 + 0.1 * i, 8.0) for i in range(3)]
    dets = synthetic_detections(
        net, events, ConstantVelocity(6.0, 3.4), seed=2, pick_sigma=0.1,
        max_distance=5.0, s_max_distance=5.0, false_per_site_hour=0.0,
    )  # fmt: skip
    res = run_pyocto(dets, net, n_picks=6, n_p_picks=2, n_s_picks=2, n_p_and_s_picks=2,
                     n_threads=1)  # fmt: skip
    assert res.area is None
    truth = [(e.time, e.latitude, e.longitude, e.depth_km) for e in events]
    m = match_catalogue(res.events, truth, max_dt=2.0, max_km=10.0)
    assert m.recall == 1.0


def test_pyocto_skips_phases_it_does_not_know() -> None:
    pytest.importorskip("pyocto")
    net = read_inventory("kz")
    t = UTCDateTime(2024, 3, 1)
    dets = [Detection("KZ", "MKAR", "", "cb", t + i, phase=p) for i, p in enumerate("PSLRI")]
    dets += [Detection("KZ", "MKAR", "", "cb", t + 9, phase="Lg")]
    res = run_pyocto(dets, net, model="1d", n_threads=1)
    assert res.n_picks == 3  # P, S, Lg (as S)
    assert res.events == []
