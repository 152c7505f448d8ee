"""Synthetic tests of the locator: exact recovery, ellipse coverage, arrays, bad input."""

from __future__ import annotations

import dataclasses
import math
import tomllib

import numpy as np
import pytest
from obspy import UTCDateTime

from openndc.location import LocationConfig, PhaseUncertainties, local_config, locate
from openndc.model.config import from_mapping, template
from openndc.model.detection import Detection
from openndc.model.errors import ConfigError, DataQualityWarning, LocationError
from openndc.model.event import Arrival, Origin
from openndc.model.geodesy import DEG_KM, destination, distance_azimuth
from openndc.model.inventory import Array, ArrayElement, MonitoringNetwork, Station
from openndc.traveltime import load_travel_times
from openndc.traveltime.layered import LayeredModel

T0 = UTCDateTime(2021, 3, 4, 5, 6, 7)
LOCAL = LayeredModel([0.0, 3.0, 15.0, 30.0], [5.0, 6.0, 6.6, 8.0], vp_vs=1.73, name="local4")


@pytest.fixture(scope="module")
def local_tt():  # type: ignore[no-untyped-def]
    return LOCAL.tabulate(max_distance_km=150.0, max_depth_km=30.0, distance_step_km=1.0)


def _network(lat: float, lon: float, dists: np.ndarray, azs: np.ndarray) -> MonitoringNetwork:
    stations = []
    for i, (d, a) in enumerate(zip(dists, azs, strict=True)):
        la, lo = destination(lat, lon, d, a)
        stations.append(Station("XX", f"S{i:02d}", float(la), float(lo)))
    return MonitoringNetwork("synthetic", tuple(stations))


def _arrivals(
    tt: object,
    net: MonitoringNetwork,
    event: tuple[float, float, float],
    phases: tuple[str, ...] = ("P",),
    sigma: float = 0.0,
    rng: np.random.Generator | None = None,
    pick_sigma: float = 0.1,
) -> list[Arrival]:
    lat, lon, depth = event
    out = []
    for s in net:
        d, _, _ = distance_azimuth(lat, lon, s.latitude, s.longitude)
        for ph in phases:
            t = float(tt.time(ph, d, depth))  # type: ignore[attr-defined]
            if not math.isfinite(t):
                continue
            noise = float(rng.normal(0.0, sigma)) if rng is not None and sigma > 0 else 0.0
            det = Detection("XX", s.code, "", "HHZ", T0 + t + noise, time_uncertainty=pick_sigma)
            out.append(Arrival(det, ph))
    return out


def _epi_km(o: Origin, lat: float, lon: float) -> float:
    d, _, _ = distance_azimuth(lat, lon, o.latitude, o.longitude)
    return float(d) * DEG_KM


def test_exact_local_data_exact_recovery(local_tt) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    net = _network(37.3, -121.7, rng.uniform(0.05, 0.8, 12), rng.uniform(0, 360, 12))
    ev = (37.35, -121.62, 8.0)
    arrivals = _arrivals(LOCAL, net, ev, ("P", "S"))
    res = locate(arrivals, net, travel_times=LOCAL)
    o = res.origin
    assert res.converged
    assert _epi_km(o, ev[0], ev[1]) < 0.01
    assert o.depth_km == pytest.approx(8.0, abs=0.02)
    assert abs(o.time - T0) < 0.005
    assert o.rms < 0.01 and not o.depth_fixed
    assert o.n_defining == len(arrivals) and o.n_stations == 12
    assert o.ellipse is not None and 0 < o.ellipse.semi_minor_km <= o.ellipse.semi_major_km
    assert res.covariance.shape == (4, 4)
    assert all(abs(a.time_residual) < 0.01 and a.time_defining for a in res.arrivals)
    assert o.model == "local4" and o.provenance is not None
    # The tabulated model gives the same answer within its interpolation error.
    o2 = locate(arrivals, net, travel_times=local_tt).origin
    assert _epi_km(o2, ev[0], ev[1]) < 0.1 and o2.depth_km == pytest.approx(8.0, abs=0.2)


def test_exact_teleseismic_data_and_bad_start() -> None:
    tt = load_travel_times("ak135")
    rng = np.random.default_rng(4)
    net = _network(42.0, 80.0, rng.uniform(3, 90, 25), rng.uniform(0, 360, 25))
    ev = (42.0, 80.0, 15.0)
    arrivals = _arrivals(tt, net, ev)
    far_start = Origin(T0 - 100, 30.0, 95.0, 200.0)
    for initial in (None, far_start):
        # exact data resolve depth: the solver is tested, not the IDC depth policy
        cfg = LocationConfig(
            grid_radius=20.0 if initial is not None else 0.0, depth_resolution_factor=0.0
        )
        o = locate(arrivals, net, cfg, travel_times=tt, initial=initial).origin
        assert _epi_km(o, ev[0], ev[1]) < 0.5
        assert o.depth_km == pytest.approx(15.0, abs=1.5)
        assert o.gap < 120 and o.min_distance > 2.9


def test_ellipse_coverage_monte_carlo(local_tt) -> None:  # type: ignore[no-untyped-def]
    """With Gaussian pick errors of the stated sigma, the 90 % coverage ellipse holds the
    true epicentre in ~90 % of trials."""
    rng = np.random.default_rng(5)
    net = _network(0.0, 0.0, rng.uniform(0.1, 0.9, 10), rng.uniform(0, 360, 10))
    ev = (0.05, -0.03, 10.0)
    exact = _arrivals(local_tt, net, ev, ("P", "S"))
    sigma = 0.2
    # the synthetic model is exact: no model error, the picks' sigma is all there is
    exact_model = PhaseUncertainties(*([0.0] * 9))
    cfg = LocationConfig(
        grid_search=False,
        residual_cutoff=100.0,
        depth_fallback=False,
        phase_uncertainty=exact_model,
    )
    init = Origin(T0, ev[0], ev[1], ev[2])
    inside = 0
    trials = 200
    for _ in range(trials):
        arrivals = [
            dataclasses.replace(
                a,
                detection=dataclasses.replace(
                    a.detection,
                    time=a.detection.time + float(rng.normal(0, sigma)),
                    time_uncertainty=sigma,
                ),
            )
            for a in exact
        ]
        o = locate(arrivals, net, cfg, travel_times=local_tt, initial=init).origin
        assert o.ellipse is not None
        d, az, _ = distance_azimuth(o.latitude, o.longitude, ev[0], ev[1])
        dist = float(d) * DEG_KM
        east, north = dist * math.sin(math.radians(az)), dist * math.cos(math.radians(az))
        th = math.radians(o.ellipse.azimuth)
        u = east * math.sin(th) + north * math.cos(th)  # along the major axis
        v = east * math.cos(th) - north * math.sin(th)
        if (u / o.ellipse.semi_major_km) ** 2 + (v / o.ellipse.semi_minor_km) ** 2 <= 1.0:
            inside += 1
    assert 0.80 <= inside / trials <= 0.97


def _array_network() -> MonitoringNetwork:
    elements = tuple(
        ArrayElement("KZ", f"MK{i:02d}", 46.79, 82.29, 600.0, 0.0, 0.0) for i in range(3)
    )
    arr = Array("KZ", "MKAR", 46.7937, 82.2904, 600.0, elements)
    return MonitoringNetwork("arrays", (), (arr,))


def test_array_only_location_from_azimuth_slowness_and_time() -> None:
    tt = load_travel_times("ak135")
    net = _array_network()
    ev = (42.0, 78.0, 0.0)
    d, _, baz = distance_azimuth(ev[0], ev[1], 46.7937, 82.2904)
    t, slow, _ = tt.derivatives("P", d, 0.0)
    det = Detection(
        "KZ", "MKAR", "", "BZ", T0 + float(t), time_uncertainty=0.5,
        backazimuth=float(baz), backazimuth_uncertainty=2.0,
        slowness=float(slow), slowness_uncertainty=0.3, method="beam",
    )  # fmt: skip
    res = locate([Arrival(det, "P")], net, travel_times=tt)
    o = res.origin
    assert o.depth_fixed and o.n_defining == 3 and o.n_stations == 1
    assert _epi_km(o, ev[0], ev[1]) < 2.0
    assert abs(o.time - T0) < 0.5
    a = res.arrivals[0]
    assert a.backazimuth_defining and a.slowness_defining
    assert abs(a.backazimuth_residual) < 0.1 and abs(a.slowness_residual) < 0.05
    # One array's ellipse is long across the ray (azimuth error) and short along it.
    assert o.ellipse is not None and o.ellipse.semi_major_km > o.ellipse.semi_minor_km


def test_depth_fixed_versus_free(local_tt) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(6)
    net = _network(10.0, 10.0, rng.uniform(0.05, 0.7, 10), rng.uniform(0, 360, 10))
    ev = (10.02, 10.03, 12.0)
    arrivals = _arrivals(local_tt, net, ev, ("P", "S"))
    free = locate(arrivals, net, travel_times=local_tt)
    fixed = locate(
        arrivals, net, LocationConfig(depth_mode="fixed", fixed_depth=3.0), travel_times=local_tt
    )
    assert not free.origin.depth_fixed and free.origin.depth_km == pytest.approx(12, abs=0.3)
    assert fixed.origin.depth_fixed and fixed.origin.depth_km == 3.0
    assert fixed.covariance.shape == (3, 3) and math.isnan(fixed.origin.depth_uncertainty_km)
    assert fixed.origin.rms > 10 * free.origin.rms  # the wrong depth leaves residuals


def test_outlier_is_rejected(local_tt) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(7)
    net = _network(0.0, 0.0, rng.uniform(0.1, 0.8, 10), rng.uniform(0, 360, 10))
    ev = (0.0, 0.0, 8.0)
    arrivals = _arrivals(local_tt, net, ev, ("P",))
    bad = arrivals[3]
    arrivals[3] = dataclasses.replace(bad, detection=dataclasses.replace(
        bad.detection, time=bad.detection.time + 5.0))  # fmt: skip
    res = locate(arrivals, net, local_config(), travel_times=local_tt)
    assert not res.arrivals[3].time_defining
    assert res.arrivals[3].time_residual == pytest.approx(5.0, abs=0.3)
    assert _epi_km(res.origin, *ev[:2]) < 0.3


def test_unknown_station_warns_and_is_skipped(local_tt) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(8)
    net = _network(0.0, 0.0, rng.uniform(0.1, 0.8, 8), rng.uniform(0, 360, 8))
    ev = (0.0, 0.0, 8.0)
    arrivals = _arrivals(local_tt, net, ev, ("P", "S"))
    ghost = Arrival(Detection("XX", "GHOST", "", "HHZ", T0 + 3.0), "P")
    with pytest.warns(DataQualityWarning, match="GHOST"):
        res = locate([*arrivals, ghost], net, local_config(), travel_times=local_tt)
    assert len(res.arrivals) == len(arrivals) + 1
    assert not res.arrivals[-1].time_defining and math.isnan(res.arrivals[-1].time_residual)
    assert _epi_km(res.origin, *ev[:2]) < 0.05


def test_too_few_data_raise_location_error(local_tt) -> None:  # type: ignore[no-untyped-def]
    net = _network(0.0, 0.0, np.array([0.2, 0.4]), np.array([0.0, 90.0]))
    arrivals = _arrivals(local_tt, net, (0.0, 0.0, 5.0), ("P",))
    with pytest.raises(LocationError, match="2 defining observation"):
        locate(arrivals, net, travel_times=local_tt)
    with pytest.raises(LocationError, match="inventory"), pytest.warns(DataQualityWarning):
        locate([Arrival(Detection("XX", "NOPE", "", "", T0), "P")], net, travel_times=local_tt)


def test_config_schema_template_round_trip() -> None:
    text = template(LocationConfig)
    assert "[phase_uncertainty]" in text and "# [km]" in text
    cfg = from_mapping(LocationConfig, tomllib.loads(text))
    assert cfg == LocationConfig()
    with pytest.raises(ConfigError, match="unknown key"):
        from_mapping(LocationConfig, {"dampening": 0.1})
    assert LocationConfig().phase_uncertainty.get("Pn") == 1.25
    assert LocationConfig().phase_uncertainty.get("PcP") == 2.5


def test_depth_phases_free_the_depth_of_a_teleseism() -> None:
    """A 55-km-deep event 45-60 deg from the network: from P alone the depth trades off
    against the origin time and is fixed at 0 km (the IDC's rule), which moves the origin
    time by seconds; pP at a few stations resolves it (as the IDC and the ISC do)."""
    tt = load_travel_times("ak135")
    rng = np.random.default_rng(11)
    ev = (46.8, 151.4, 55.0)
    net = _network(ev[0], ev[1], rng.uniform(45.0, 60.0, 8) * DEG_KM, rng.uniform(270, 300, 8))
    p_only = _arrivals(tt, net, ev, ("P",))
    with_pp = p_only + _arrivals(tt, net, ev, ("pP",))[:4]
    fixed = locate(p_only, net, travel_times=tt).origin
    assert fixed.depth_fixed and fixed.depth_km == 0.0
    assert abs(fixed.time - T0) > 5.0  # what the fixed depth costs in origin time
    free = locate(with_pp, net, travel_times=tt).origin
    assert not free.depth_fixed
    assert free.depth_km == pytest.approx(55.0, abs=5.0)
    assert abs(free.time - T0) < 1.0
