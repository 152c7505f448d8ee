"""Association: synthetic events with false detections, bad input, kernels vs references."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from obspy import UTCDateTime

from openndc.association import AssociationConfig, ConstantVelocity, associate, local_config
from openndc.association.associate import _ingest, _setup
from openndc.association.kernels import (
    DetectionArrays,
    PhaseTables,
    Rules,
    Trial,
    backproject,
    backproject_py,
    evaluate,
    evaluate_py,
    geocentric_rad,
    refine,
    refine_py,
)
from openndc.model import (
    Array,
    ArrayElement,
    DataQualityWarning,
    Detection,
    MonitoringNetwork,
    Station,
)
from tests.support.compare import match_catalogue
from tests.support.synthetic import SyntheticEvent, synthetic_detections, true_event_of

T0 = UTCDateTime(2024, 3, 1)
MODEL = ConstantVelocity(6.0, 3.5)


def _local_network() -> MonitoringNetwork:
    rng = np.random.default_rng(3)
    lat = 42.8 + rng.uniform(-0.4, 0.4, 12)
    lon = 13.2 + rng.uniform(-0.5, 0.5, 12)
    stas = tuple(
        Station("XX", f"S{i:02d}", float(a), float(b))
        for i, (a, b) in enumerate(zip(lat, lon, strict=True))
    )
    return MonitoringNetwork("local", stas)


def _events(n: int, seed: int = 1) -> list[SyntheticEvent]:
    rng = np.random.default_rng(seed)
    return [
        SyntheticEvent(T0 + 40.0 * i + rng.uniform(0, 20), 42.8 + rng.uniform(-0.3, 0.3),
                       13.2 + rng.uniform(-0.3, 0.3), rng.uniform(3, 15))
        for i in range(n)
    ]  # fmt: skip


def _score(events: list[SyntheticEvent], found: list) -> tuple[float, float]:
    truth = [(e.time, e.latitude, e.longitude, e.depth_km) for e in events]
    mine = [
        (e.origin.time, e.origin.latitude, e.origin.longitude, e.origin.depth_km) for e in found
    ]
    m = match_catalogue(mine, truth, max_dt=2.0, max_km=10.0)
    return m.recall, m.precision


def test_local_events_with_false_picks_found_without_split_or_merge() -> None:
    net = _local_network()
    evs = _events(15)
    dets = synthetic_detections(net, evs, MODEL, seed=4, pick_sigma=0.1, max_distance=5.0,
                                s_max_distance=5.0, false_per_site_hour=20.0)  # fmt: skip
    cfg = local_config(model=MODEL.model, min_arrivals=8)
    res = associate(dets, net, cfg)
    recall, precision = _score(evs, res.events)
    assert recall >= 0.9
    assert precision >= 0.9
    # no split/merge: each event's arrivals come (mostly) from one true event
    for ev in res.events:
        ids = [true_event_of(a.detection) for a in ev.arrivals]
        major = max(set(ids), key=ids.count)
        assert ids.count(major) >= 0.8 * len(ids)
    # a detection belongs to one event
    all_ids = [a.detection.id for e in res.events for a in e.arrivals]
    assert len(all_ids) == len(set(all_ids))
    n_assoc = len(all_ids)
    assert n_assoc + len(res.unassociated) == len(dets)


def _array_network() -> MonitoringNetwork:
    elems = (ArrayElement("XX", "AR01", 45.0, 75.0, 0.0, 0.0, 0.0),)
    arr = Array("XX", "ARR", 45.0, 75.0, 0.0, elems)
    stas = (Station("XX", "AR01", 45.0, 75.0, array="ARR"), Station("XX", "STB", 47.0, 71.0))
    return MonitoringNetwork("arr", stas, (arr,))


def test_one_array_with_baz_and_slowness_plus_one_station_makes_an_event() -> None:
    from openndc.traveltime import load_travel_times

    tt = load_travel_times("ak135")
    net = _array_network()
    ev = SyntheticEvent(T0 + 100, 44.0, 80.0, 10.0)
    dets = synthetic_detections(net, [ev], tt, seed=1, pick_sigma=0.2, p_probability=1.0,
                                s_probability=0.0, false_per_site_hour=0.0, baz_sigma=2.0,
                                slowness_sigma=0.3)  # fmt: skip
    cfg = AssociationConfig(method="grid", teleseismic=False, grid_margin=8.0, grid_spacing=0.5)
    res = associate(dets, net, cfg, travel_times=tt)
    assert len(res.events) == 1
    assert len(res.events[0].arrivals) == 2
    # without back-azimuth and slowness the same two times are not enough
    bare = [Detection(d.network, d.station, "", "", d.time, phase="P") for d in dets]
    assert associate(bare, net, cfg, travel_times=tt).events == []


def test_bad_input_warns_and_rest_is_processed() -> None:
    net = _local_network()
    evs = _events(3)
    dets = synthetic_detections(net, evs, MODEL, seed=2, pick_sigma=0.1, max_distance=5.0,
                                s_max_distance=5.0, false_per_site_hour=0.0)  # fmt: skip
    bad = [
        Detection("XX", "NOPE", "", "", T0 + 10, phase="P", id="unknown-station"),
        Detection("XX", "S01", "", "", T0 + 12, phase="XYZ", id="bad-phase"),
        Detection("", "S02", "", "", T0 + 14, phase="", backazimuth=float("nan"), id="nan"),
    ]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = associate(dets + bad, net, local_config(model=MODEL.model))
    msgs = " ".join(str(w.message) for w in rec if issubclass(w.category, DataQualityWarning))
    assert "NOPE" in msgs and "XYZ" in msgs
    recall, _ = _score(evs, res.events)
    assert recall == 1.0


def _random_problem(seed: int) -> tuple:
    net = _local_network()
    evs = _events(2, seed)
    dets = synthetic_detections(net, evs, MODEL, seed=seed, pick_sigma=0.2, max_distance=5.0,
                                s_max_distance=5.0, false_per_site_hour=30.0)  # fmt: skip
    cfg = local_config(model=MODEL.model)
    d = _ingest(dets, net, [])
    s = _setup(d, cfg, MODEL)
    alive = np.random.default_rng(seed).random(len(d.t)) > 0.1
    ph = s.phases
    data = (
        DetectionArrays(d.t, d.site, d.cls, d.tsig, d.baz, d.bsig, d.slow, d.ssig, alive),
        0,
        len(d.t),
        PhaseTables(geocentric_rad(d.site_lat), np.radians(d.site_lon), ph.time, ph.slowness,
                    ph.classes, ph.tolerances, ph.d_step, ph.h_step),
        Rules(3.0, 20.0, 3.0, 2.0),
    )  # fmt: skip
    return evs, d, s, alive, data


@pytest.mark.parametrize("seed", [1, 2])
def test_kernels_match_references(seed: int) -> None:
    evs, d, s, alive, data = _random_problem(seed)
    n = s.nodes
    order = np.flatnonzero(alive)
    order = order[np.argsort(d.site[order], kind="stable")]
    baz_tol = np.full(len(d.t), 20.0)
    slow_tol = np.full(len(d.t), 3.0)
    sub = slice(0, 60)
    args = (d.t, d.site, d.cls, d.baz, baz_tol, d.slow, slow_tol, order, n.tt[sub], n.tol[sub],
            n.baz[sub], n.baz_cell[sub], n.slowness[sub], np.array([1, 2, 2], np.int8),
            -30.0, s.dt, 40, 2.0)  # fmt: skip
    np.testing.assert_allclose(backproject(*args), backproject_py(*args))
    ev = evs[0]
    t0 = float(ev.time - d.ref)
    trial = Trial(ev.latitude + 0.02, ev.longitude, ev.depth_km, t0 + 0.3)
    a = evaluate(trial, 0.5, 3, *data)
    b = evaluate_py(trial, 0.5, 3, *data)
    assert (a.n_eff, a.n_stations, a.n_arrivals, a.n_p) == (b.n_eff, b.n_stations,
                                                             b.n_arrivals, b.n_p)  # fmt: skip
    assert a.n_stations > 0
    np.testing.assert_allclose([a.score, a.t0], [b.score, b.t0], rtol=1e-6)
    np.testing.assert_array_equal(np.sort(a.detections), np.sort(b.detections))
    start = Trial(ev.latitude + 0.05, ev.longitude - 0.05, 8.0, t0 + 1)
    ra = refine(start, 0.05, 5.0, 2, 2.0, 20.0, 30.0, *data)
    rb = refine_py(start, 0.05, 5.0, 2, 2.0, 20.0, 30.0, *data)
    np.testing.assert_allclose(ra[:3], rb[:3], atol=1e-9)
    assert ra.hypothesis.n_arrivals == rb.hypothesis.n_arrivals
