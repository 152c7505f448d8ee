"""Synthetic tests of relocation: master events, station terms, double differences,
waveform alignment, the back-azimuth rule and the ground-truth catalogue.

The synthetic world: a layered model computes the "true" times; each station adds a
fixed delay (the structure a 1-D model does not know), which the locator is not told.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime

from openndc.location import local_config, locate
from openndc.location.config import RelocationConfig
from openndc.location.corrections import StationCorrections, apply_corrections, residuals_at
from openndc.location.doubledifference import (
    differential_times,
    relocate_double_difference,
)
from openndc.location.master import (
    GroundTruthEvent,
    match_ground_truth,
    read_ground_truth,
    relocate_with_masters,
)
from openndc.location.station_terms import (
    calibration_terms,
    estimate_station_terms,
    locate_with_station_terms,
)
from openndc.location.xcorr import (
    XCORR_KEY,
    align_to_master,
    normalized_cross_correlation,
    peak_lag,
)
from openndc.model.detection import Detection
from openndc.model.errors import ConfigError, LocationError
from openndc.model.event import Arrival, Event, Origin
from openndc.model.geodesy import DEG_KM, destination, distance_azimuth
from openndc.model.inventory import MonitoringNetwork, Station
from openndc.traveltime.layered import LayeredModel

T0 = UTCDateTime(2020, 5, 6, 7, 8, 9)
MODEL = LayeredModel([0.0, 3.0, 15.0, 30.0], [5.0, 6.0, 6.6, 8.0], vp_vs=1.73, name="local4")
CENTRE = (37.3, -121.7)


@pytest.fixture(scope="module")
def tt():  # type: ignore[no-untyped-def]
    return MODEL.tabulate(max_distance_km=150.0, max_depth_km=30.0, distance_step_km=1.0)


@pytest.fixture(scope="module")
def world() -> tuple[MonitoringNetwork, dict[str, float]]:
    """15 stations 10-80 km around the centre, each with a delay of -0.4..0.4 s."""
    rng = np.random.default_rng(11)
    stations, delays = [], {}
    for i in range(15):
        la, lo = destination(*CENTRE, rng.uniform(0.1, 0.7), rng.uniform(0, 360))
        stations.append(Station("XX", f"S{i:02d}", float(la), float(lo)))
        delays[f"XX.S{i:02d}"] = float(rng.uniform(-0.4, 0.4))
    return MonitoringNetwork("synthetic", tuple(stations)), delays


def _event(
    ev_id: str,
    net: MonitoringNetwork,
    delays: dict[str, float],
    where: tuple[float, float, float],
    t0: UTCDateTime,
    rng: np.random.Generator | None = None,
    pick_sigma: float = 0.0,
    catalogue: tuple[float, float, float] | None = None,
) -> Event:
    lat, lon, depth = where
    arrivals = []
    for s in net:
        d = float(distance_azimuth(lat, lon, s.latitude, s.longitude)[0])
        for ph in ("P", "S"):
            t = float(MODEL.time(ph, d, depth))
            delay = delays[f"XX.{s.code}"] * (1.73 if ph == "S" else 1.0)
            noise = float(rng.normal(0, pick_sigma)) if rng is not None and pick_sigma else 0.0
            det = Detection("XX", s.code, "", "HHZ", t0 + t + delay + noise, time_uncertainty=0.1)
            arrivals.append(Arrival(det, ph))
    c = catalogue or where
    return Event(ev_id, Origin(t0, c[0], c[1], c[2]), tuple(arrivals))


def _km(o: Origin, lat: float, lon: float) -> float:
    return float(distance_azimuth(lat, lon, o.latitude, o.longitude)[0]) * DEG_KM


def test_master_event_removes_station_delays(tt, world) -> None:  # type: ignore[no-untyped-def]
    net, delays = world
    cfg = local_config(elevation_correction=False)
    master_pos = (37.30, -121.70, 8.0)
    gt = GroundTruthEvent("m1", T0, *master_pos, "GT0", "synthetic")
    master = _event("m", net, delays, master_pos, T0)
    la, lo = destination(37.30, -121.70, 0.8 / DEG_KM, 60.0)
    true = (float(la), float(lo), 8.5)
    target = _event("t", net, delays, true, T0 + 86400, catalogue=(37.31, -121.69, 6.0))
    absolute = locate(target.arrivals, net, cfg, travel_times=tt).origin
    masters = match_ground_truth([master, target], [gt])
    assert [ev.id for _, ev in masters] == ["m"]
    rel = relocate_with_masters(target, masters, net, cfg, tt)
    err_abs, err_rel = _km(absolute, true[0], true[1]), _km(rel.origin, true[0], true[1])
    assert err_rel < 0.05 < err_abs  # the delays bias the absolute location only
    assert "master m1" in rel.origin.method
    # the stored arrivals keep the observed times (corrections are not written into them)
    assert [a.time for a in rel.arrivals] == [a.time for a in target.arrivals]
    with pytest.raises(LocationError, match="no ground-truth master within"):
        far = replace(target, origin=replace(target.origin, latitude=39.0))
        relocate_with_masters(far, masters, net, cfg, tt)


def test_residuals_at_truth_are_the_delays(tt, world) -> None:  # type: ignore[no-untyped-def]
    net, delays = world
    cfg = local_config(elevation_correction=False)
    ev = _event("m", net, delays, (37.3, -121.7, 8.0), T0)
    corr = residuals_at(ev.arrivals, ev.origin, net, cfg, tt)
    for sta, d in delays.items():
        assert corr.time[(sta, "P")] == pytest.approx(d, abs=2e-3)
        assert corr.time[(sta, "S")] == pytest.approx(1.73 * d, abs=4e-3)
    shifted = apply_corrections(ev.arrivals, corr)
    r = locate(shifted, net, cfg, travel_times=tt, initial=ev.origin)
    assert _km(r.origin, 37.3, -121.7) < 0.02


def test_station_terms_calibrated_and_iterated(tt, world) -> None:  # type: ignore[no-untyped-def]
    net, delays = world
    rng = np.random.default_rng(5)
    cfg = local_config(elevation_correction=False)
    rcfg = RelocationConfig(station_term_min_events=5, station_term_iterations=3)
    events = []
    for k in range(24):
        la, lo = destination(*CENTRE, rng.uniform(0, 0.1), rng.uniform(0, 360))
        events.append(_event(f"e{k}", net, delays, (float(la), float(lo), rng.uniform(4, 12)),
                             T0 + 3600 * k, rng, 0.03))  # fmt: skip
    calib, test = events[:12], events[12:]
    terms = calibration_terms(calib, net, cfg, tt, rcfg)
    for sta, d in delays.items():  # damped mean: n / (n + 2) of the delay
        assert terms.time[(sta, "P")] == pytest.approx(d * 12 / 14, abs=0.03)

    def error(corr: StationCorrections | None) -> float:
        errs = []
        for ev in test:
            arr = apply_corrections(ev.arrivals, corr) if corr else ev.arrivals
            o = locate(arr, net, cfg, travel_times=tt).origin
            errs.append(_km(o, ev.origin.latitude, ev.origin.longitude))
        return float(np.median(errs))

    before, after = error(None), error(terms)
    assert after < 0.5 * before
    res = locate_with_station_terms(test, net, cfg, tt, rcfg)
    assert res.rms[-1] < 0.5 * res.rms[0]  # iterated terms absorb the delays' residuals
    assert len(res.corrections) >= 15
    # estimate_station_terms needs min_events residuals per station-phase
    few = estimate_station_terms([r.arrivals for r in res.results[:3] if r is not None], rcfg)
    assert len(few) == 0


def _cluster(net, delays, rng):  # type: ignore[no-untyped-def]
    """30 events on a 2 x 2 x 2 km cube; catalogue positions off by ~0.5 km."""
    events, truth = [], []
    for k in range(30):
        dx, dy, dz = rng.uniform(-1, 1, 3)
        la = CENTRE[0] + dy / DEG_KM
        lo = CENTRE[1] + dx / (DEG_KM * math.cos(math.radians(CENTRE[0])))
        where = (la, lo, 8.0 + dz)
        cat = (la + rng.normal(0, 0.5) / DEG_KM, lo + rng.normal(0, 0.5) / DEG_KM,
               where[2] + rng.normal(0, 0.8))  # fmt: skip
        events.append(_event(f"c{k}", net, delays, where, T0 + 600 * k, rng, 0.01, cat))
        truth.append(where)
    return events, np.array(truth)


def _relative_error(lat, lon, dep, truth) -> float:  # type: ignore[no-untyped-def]
    x = np.column_stack([(np.asarray(lon) - CENTRE[1]) * DEG_KM * math.cos(math.radians(37.3)),
                         (np.asarray(lat) - CENTRE[0]) * DEG_KM, dep])  # fmt: skip
    xt = np.column_stack([(truth[:, 1] - CENTRE[1]) * DEG_KM * math.cos(math.radians(37.3)),
                          (truth[:, 0] - CENTRE[0]) * DEG_KM, truth[:, 2]])  # fmt: skip
    d = (x[:, None] - x[None]) - (xt[:, None] - xt[None])
    iu = np.triu_indices(len(x), 1)
    return float(np.median(np.linalg.norm(d, axis=-1)[iu]))


def test_double_difference_recovers_cluster_geometry(tt, world) -> None:  # type: ignore[no-untyped-def]
    net, delays = world
    rng = np.random.default_rng(2)
    events, truth = _cluster(net, delays, rng)
    dts = differential_times(events, net, RelocationConfig())
    assert dts.n_pairs > 30 and len(dts) > 30 * 8
    res = relocate_double_difference(events, net, tt, RelocationConfig())
    cat = [e.origin for e in events]
    new = [e.origin for e in res.events]
    before = _relative_error([o.latitude for o in cat], [o.longitude for o in cat],
                             [o.depth_km for o in cat], truth)  # fmt: skip
    after = _relative_error([o.latitude for o in new], [o.longitude for o in new],
                            [o.depth_km for o in new], truth)  # fmt: skip
    assert before > 0.7
    assert after < 0.15 * before  # the station delays cancel in the double differences
    assert res.rms[-1] < 0.2 * res.rms[0]
    assert not res.unlinked
    assert all(o.method.startswith("openndc.location: double-difference") for o in new)
    # the cluster's centroid stays the catalogue's (mean shift held at zero)
    assert abs(float(np.mean(res.shifts_km[:, 0]))) < 0.02


def test_double_difference_without_pairs_says_why(tt, world) -> None:  # type: ignore[no-untyped-def]
    net, delays = world
    a = _event("a", net, delays, (37.3, -121.7, 8.0), T0)
    b = _event("b", net, delays, (38.3, -121.7, 8.0), T0 + 60)
    with pytest.raises(LocationError, match="none of the 2 events forms a pair"):
        relocate_double_difference([a, b], net, tt)


def test_large_backazimuth_residual_is_not_defining(tt, world) -> None:  # type: ignore[no-untyped-def]
    net, delays = world
    ev = _event("a", net, dict.fromkeys(delays, 0.0), (37.3, -121.7, 8.0), T0)
    arrivals = list(ev.arrivals)
    s = net.stations[0]
    true_baz = float(distance_azimuth(37.3, -121.7, s.latitude, s.longitude)[2])
    det = replace(
        arrivals[0].detection, backazimuth=(true_baz + 70.0) % 360, backazimuth_uncertainty=30.0
    )  # 2.3 sigma: kept by the 4-sigma rule alone
    arrivals[0] = replace(arrivals[0], detection=det)
    cfg = local_config(elevation_correction=False)
    res = locate(arrivals, net, cfg, travel_times=tt)
    a0 = res.arrivals[0]
    assert not a0.backazimuth_defining and abs(a0.backazimuth_residual) > 60
    assert any("back-azimuth" in n for n in res.notes)
    kept = locate(arrivals, net, replace(cfg, azimuth_residual_factor=0.0,
                                         max_azimuth_residual=0.0), travel_times=tt)  # fmt: skip
    assert kept.arrivals[0].backazimuth_defining


def _ncc_py(template: np.ndarray, signal: np.ndarray) -> np.ndarray:
    n = template.size
    return np.array([np.corrcoef(template, signal[k : k + n])[0, 1]
                     for k in range(signal.size - n + 1)])  # fmt: skip


def test_cross_correlation_kernel_matches_reference() -> None:
    rng = np.random.default_rng(0)
    sig = rng.normal(size=400)
    tpl = sig[150:230] + rng.normal(scale=0.1, size=80)
    cc = normalized_cross_correlation(tpl, sig)
    assert np.allclose(cc, _ncc_py(tpl, sig), atol=1e-10)
    k, v = peak_lag(cc)
    assert round(k) == 150 and v > 0.98
    # sub-sample: a Gaussian shifted by 0.3 samples
    x = np.arange(200.0)
    g = np.exp(-0.5 * ((x - 100.0) / 4.0) ** 2)
    h = np.exp(-0.5 * ((x - 100.3) / 4.0) ** 2)
    k, _ = peak_lag(normalized_cross_correlation(g[80:120], h))
    assert k == pytest.approx(80.3, abs=0.05)


def test_align_to_master_measures_the_lag() -> None:
    rng = np.random.default_rng(4)
    sr = 40.0
    wavelet = np.convolve(rng.normal(size=400), np.hanning(9), mode="same")
    base = np.zeros(int(120 * sr))
    base[int(50 * sr) : int(50 * sr) + 400] = wavelet
    t_master, t_event = UTCDateTime(2016, 1, 6), UTCDateTime(2016, 9, 9)
    true_shift = 0.437  # the event's wave arrives 0.437 s later than its own pick says

    def trace(t0: UTCDateTime, shift: float) -> Trace:
        x = np.arange(base.size) / sr
        data = np.interp(x - shift, x, base) + rng.normal(scale=0.01, size=base.size)
        return Trace(data, {"station": "AAA", "network": "XX", "channel": "BHZ",
                            "sampling_rate": sr, "starttime": t0})  # fmt: skip

    m_pick, e_pick = t_master + 50.0, t_event + 50.0
    m_tr, e_tr = trace(t_master, 0.0), trace(t_event, true_shift)
    master = Event("m", Origin(t_master, 0, 0, 0),
                   (Arrival(Detection("XX", "AAA", "", "BHZ", m_pick), "P"),))  # fmt: skip
    event = Event("e", Origin(t_event, 0, 0, 0),
                  (Arrival(Detection("XX", "AAA", "", "BHZ", e_pick), "P"),))  # fmt: skip
    aligned, report = align_to_master(event, master, Stream([e_tr]), Stream([m_tr]))
    assert report[0].used and report[0].coefficient > 0.95
    new = aligned.arrivals[0].detection
    assert new.time - e_pick == pytest.approx(true_shift, abs=0.01)
    assert XCORR_KEY in new.extra and new.time_uncertainty == pytest.approx(0.1)


def test_ground_truth_catalogue_formats(tmp_path: Path) -> None:
    toml = tmp_path / "gt.toml"
    toml.write_text(
        '[[event]]\nid = "a"\ntime = "2016-01-06T01:30:01.038"\nlatitude = 41.298\n'
        'longitude = 129.0715\ndepth = 0.69\ngt_level = "GT1"\nsource = "Yao et al. 2018"\n'
    )
    (gt,) = read_ground_truth(toml)
    assert gt.accuracy_km == 1.0 and gt.time == UTCDateTime("2016-01-06T01:30:01.038")
    csv = tmp_path / "gt.csv"
    csv.write_text("id,time,latitude,longitude,depth,gt_level,source\n"
                   "b,2016-09-09T00:30:01,41.2985,129.078,0.79,GT5,x\n")  # fmt: skip
    assert read_ground_truth(csv)[0].accuracy_km == 5.0
    bad = tmp_path / "bad.toml"
    bad.write_text('[[event]]\nid = "a"\ntime = "2016-01-06"\nlatitude = 1\nlongitude = 2\n'
                   'gt_level = "good"\n')  # fmt: skip
    with pytest.raises(ConfigError, match="is not GTx"):
        read_ground_truth(bad)
    with pytest.raises(ConfigError, match="not found"):
        read_ground_truth(tmp_path / "missing.toml")
