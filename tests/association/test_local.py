"""The 'local' method (octree search): compiled kernel against its interpreted reference,
events found once, determinism and the look-back it declares."""

from __future__ import annotations

import numpy as np
from obspy import UTCDateTime

from openndc.association import ConstantVelocity, associate, local_config, lookback_seconds
from openndc.association.associate import _ingest
from openndc.association.local import (
    LocalParams,
    LocalPicks,
    resolve_claims,
    search_local,
    time_blocks,
)
from openndc.model import MonitoringNetwork, Station
from tests.support.synthetic import SyntheticEvent, synthetic_detections, true_event_of

T0 = UTCDateTime(2024, 3, 1)
MODEL = ConstantVelocity(6.0, 3.4)


def _network(n: int = 10) -> MonitoringNetwork:
    rng = np.random.default_rng(5)
    return MonitoringNetwork(
        "loc",
        tuple(
            Station("XX", f"L{i:02d}", float(42.8 + rng.uniform(-0.3, 0.3)),
                    float(13.2 + rng.uniform(-0.4, 0.4)), float(rng.uniform(0, 1200)))
            for i in range(n)
        ),
    )  # fmt: skip


def _events(n: int) -> list[SyntheticEvent]:
    rng = np.random.default_rng(6)
    return [
        SyntheticEvent(T0 + 25.0 * i + rng.uniform(0, 10), 42.8 + rng.uniform(-0.2, 0.2),
                       13.2 + rng.uniform(-0.25, 0.25), rng.uniform(2, 15))
        for i in range(n)
    ]  # fmt: skip


def test_compiled_search_equals_interpreted_reference() -> None:
    net = _network(6)
    dets = synthetic_detections(net, _events(2), MODEL, seed=2, pick_sigma=0.1,
                                max_distance=5.0, s_max_distance=5.0,
                                false_per_site_hour=10.0)  # fmt: skip
    ingested = _ingest(dets, net, [])
    cfg = local_config(model=MODEL.model)
    fast = search_local(ingested, cfg, MODEL)
    slow = search_local(ingested, cfg, MODEL, compiled=False)
    assert len(fast) == 2
    assert [h.members for h in fast] == [h.members for h in slow]
    for a, b in zip(fast, slow, strict=True):
        assert abs(a.t0 - b.t0) < 1e-6 and abs(a.latitude - b.latitude) < 1e-9
        assert abs(a.depth - b.depth) < 1e-9


def test_local_events_found_once_and_order_does_not_matter() -> None:
    net = _network(12)
    evs = _events(12)
    dets = synthetic_detections(net, evs, MODEL, seed=3, pick_sigma=0.15, max_distance=5.0,
                                s_max_distance=5.0, false_per_site_hour=40.0)  # fmt: skip
    res = associate(dets, net, local_config(model=MODEL.model))
    majors = []
    for ev in res.events:
        ids = [true_event_of(a.detection) for a in ev.arrivals]
        major = max(set(ids), key=ids.count)
        assert major >= 0 and ids.count(major) >= 0.8 * len(ids)
        majors.append(major)
        # the arrivals carry the very detection objects given
        assert all(any(a.detection is d for d in dets) for a in ev.arrivals[:2])
    assert sorted(majors) == list(range(len(evs)))  # every event once: no split, no miss
    again = associate(list(reversed(dets)), net, local_config(model=MODEL.model))
    key = [tuple(sorted(a.detection.id for a in e.arrivals)) for e in res.events]
    assert key == [tuple(sorted(a.detection.id for a in e.arrivals)) for e in again.events]


def test_lookback_covers_the_slowest_phase() -> None:
    net = _network(6)
    local = lookback_seconds(local_config(model=MODEL.model), net)
    # the S time across the box (sites plus 0.1 deg, 30 km deep) at 3.4 km/s
    assert 15.0 < local < 60.0
    ndc = lookback_seconds()
    assert ndc > 1500.0  # PKP and later phases, T and I


def _picks_at(sites: list[tuple[float, float]], picked: list[int]) -> tuple[object, np.ndarray]:
    from openndc.association.local import LocalPicks

    sx = np.array([s[0] for s in sites])
    sy = np.array([s[1] for s in sites])
    st = np.array(picked, np.int64)
    picks = LocalPicks(np.arange(st.size, dtype=np.float64), st, np.zeros(st.size, np.int64),
                       np.arange(st.size, dtype=np.int64), sx, sy, np.zeros(sx.size))  # fmt: skip
    return picks, np.arange(st.size, dtype=np.int64)


def test_distance_criterion_drops_far_picks_behind_silent_sites() -> None:
    """PyOcto's rule: sites 1..20 km from the epicentre; picks at the 3 nearest and at the
    farthest one (16 silent sites in between): the far pick goes, the near ones stay; with
    picks at more than a quarter of the sites (met over the network) nothing goes."""
    from openndc.association.local import _distance_filter

    sites = [(float(k), 0.0) for k in range(1, 21)]
    active = np.ones(len(sites), np.bool_)
    flags = np.zeros(len(sites), np.int64)
    picks, idx = _picks_at(sites, [0, 1, 2, 19])
    kept = _distance_filter(idx, 0.0, 0.0, 0.0, 0.0, picks, active, 0.25, flags)
    assert sorted(picks.station[kept].tolist()) == [0, 1, 2]
    assert not flags.any()  # scratch zeroed again
    # the same picks seen from the far end: now the three "near" ones are the far ones
    kept = _distance_filter(idx, 21.0, 21.0, 0.0, 0.0, picks, active, 0.25, flags)
    assert sorted(picks.station[kept].tolist()) == [19]
    picks, idx = _picks_at(sites, [0, 1, 2, 4, 5, 19])  # 6 of 20 > 0.25: met globally
    assert _distance_filter(idx, 0.0, 0.0, 0.0, 0.0, picks, active, 0.25, flags).size == 6
    picks, idx = _picks_at(sites, [0, 1, 2, 19])
    assert _distance_filter(idx, 0.0, 0.0, 0.0, 0.0, picks, active, 0.0, flags).size == 4  # off


def test_distance_criterion_of_a_box_keeps_what_any_point_in_it_keeps() -> None:
    """The per-node filter (PyOcto's): for a box, a site with picks counts at its nearest
    distance and a silent site at its farthest, so a pick kept for some epicentre in the
    box is never dropped for the box (random networks, boxes and points)."""
    from openndc.association.local import _distance_filter

    rng = np.random.default_rng(11)
    n_dropped_by_box = 0
    for _ in range(300):
        sites = [(float(a), float(b)) for a, b in rng.uniform(-50, 50, (25, 2))]
        picked = sorted(rng.choice(25, size=int(rng.integers(2, 7)), replace=False).tolist())
        picks, idx = _picks_at(sites, picked)
        active = rng.uniform(size=25) < 0.8
        active[picked] = True
        flags = np.zeros(25, np.int64)
        x0, y0 = rng.uniform(-50, 40, 2)
        w = float(rng.uniform(0.5, 30.0))
        by_box = set(_distance_filter(idx, x0, x0 + w, y0, y0 + w, picks, active, 0.25,
                                      flags).tolist())  # fmt: skip
        n_dropped_by_box += idx.size - len(by_box)
        pts = rng.uniform(0, w, (5, 2))
        for x, y in zip(pts[:, 0] + x0, pts[:, 1] + y0, strict=True):
            by_point = _distance_filter(idx, x, x, y, y, picks, active, 0.25, flags)
            assert set(by_point.tolist()) <= by_box
        assert not flags.any()
    assert n_dropped_by_box > 0  # the box filter does drop picks


def test_pair_sum_and_origin_times_against_brute_force() -> None:
    """The agreement kernel: the sum over pairs of a Gaussian of origin-time differences
    (pairs beyond 3.5 sigma left out), from origin times sorted by insertion; the origin
    time lies among the densest ones."""
    from openndc.association.local import (
        LocalPicks,
        _densest_time,
        _distances,
        _origin_times_at,
        _pair_sum,
    )

    rng = np.random.default_rng(4)
    tables = _constant_tables()
    for n in (1, 2, 7, 40):
        sx, sy = rng.uniform(-30, 30, n), rng.uniform(-30, 30, n)
        t = np.sort(rng.uniform(0, 20, n))
        picks = LocalPicks(t, np.arange(n), rng.integers(0, 2, n), np.arange(n), sx, sy,
                           np.zeros(n))  # fmt: skip
        idx = np.arange(n)
        work = np.empty((2, n))
        _distances(3.0, -4.0, idx, picks, work[1])
        m = _origin_times_at(work[1], 8.0, idx, picks, tables.tt, tables.step_km, work[0])
        d = np.hypot(3.0 - sx, -4.0 - sy)
        tt = np.where(picks.phase == 0, np.hypot(d, 8.0) / 6.0, np.hypot(d, 8.0) / 3.4)
        expect = np.sort(t - tt)
        assert m == n
        np.testing.assert_allclose(work[0, :m], expect, atol=2e-3)  # table interpolation
        o = work[0, :m]
        diff = o[:, None] - o[None, :]
        g = np.exp(-(diff**2) / (2 * 0.7**2))
        g[np.abs(diff) > 3.5 * 0.7] = 0.0
        brute = 0.5 * (g.sum() - m) if m > 0 else -1.0
        assert abs(_pair_sum(o, m, 0.7) - brute) < 1e-9 * max(1.0, brute)
        t0 = _densest_time(o, m, 0.7)
        assert o.min() <= t0 <= o.max()
    assert _pair_sum(np.empty(0), 0, 0.7) == -1.0
    assert np.isnan(_densest_time(np.empty(0), 0, 0.7))


def _constant_tables() -> object:
    from openndc.association.local import build_local_tables

    tables, _ = build_local_tables(MODEL, ("P", "S"), 100.0, 20.0)
    return tables


def test_a_long_span_is_searched_in_time_blocks_and_each_event_found_once() -> None:
    """2.5 h of events: searched in two blocks at once (``local_threads`` 2) as in one,
    every event once, no detection in two events, and the same events either way (the
    border falls in a quiet interval and each block slices on the whole span's grid)."""
    net = _network(12)
    rng = np.random.default_rng(8)
    evs = [SyntheticEvent(T0 + 150.0 * i + rng.uniform(0, 60), 42.8 + rng.uniform(-0.2, 0.2),
                          13.2 + rng.uniform(-0.25, 0.25), rng.uniform(2, 15))
           for i in range(60)]  # fmt: skip
    dets = synthetic_detections(net, evs, MODEL, seed=4, pick_sigma=0.15, max_distance=5.0,
                                s_max_distance=5.0, false_per_site_hour=40.0)  # fmt: skip
    assert len(time_blocks(_ingest(dets, net, []).t, 2)) == 2
    found = []
    for threads in (1, 2):
        res = associate(dets, net, local_config(model=MODEL.model, local_threads=threads))
        majors = []
        for ev in res.events:
            ids = [true_event_of(a.detection) for a in ev.arrivals]
            majors.append(max(set(ids), key=ids.count))
        assert sorted(majors) == list(range(len(evs))), threads
        used = [a.detection.id for e in res.events for a in e.arrivals]
        assert len(used) == len(set(used)), threads
        found.append({tuple(sorted(a.detection.id for a in e.arrivals)): float(e.origin.time)
                      for e in res.events})  # fmt: skip
    assert found[0].keys() == found[1].keys()
    assert all(abs(found[0][k] - found[1][k]) < 1e-6 for k in found[0])


def test_time_blocks_border_in_the_longest_quiet_interval() -> None:
    t = np.sort(np.random.default_rng(1).uniform(0.0, 4 * 3600.0, 20000))
    t = np.concatenate([t[t < 7000.0], t[t > 7300.0]])  # quiet 7000-7300 s, near the middle
    (a0, a1), (b0, b1) = time_blocks(t, 2)
    assert a0 == -np.inf and b1 == np.inf and a1 == b0
    assert 7000.0 < a1 < 7300.0
    assert time_blocks(t, 1) == [(-np.inf, np.inf)]
    assert time_blocks(t[t < 5000.0], 4) == [(-np.inf, np.inf)]  # under 2 h: one


def test_a_detection_two_blocks_claim_stays_with_the_larger_event() -> None:
    """Events A (6 picks) and B (5 picks) of neighbouring blocks both claim detection 0:
    A keeps it; B, left with 4 picks where 5 make an event, is dropped; C (5 picks, its
    own) stands."""
    n = 16
    picks = LocalPicks(np.arange(n, dtype=float), np.arange(n) % 8, np.zeros(n, np.int64),
                       np.arange(n), np.zeros(8), np.zeros(8), np.zeros(8))  # fmt: skip
    prm = LocalParams(0, 1, 0, 1, 0, 30, 6.0, 3.4, 1.0, 10.0, 40.0, 600.0, 60.0, 1.0, 1.0,
                      1, 5, 0, 0, 0, 0.0)  # fmt: skip
    a = np.array([0, 1, 2, 3, 4, 5])
    b = np.array([0, 9, 10, 11, 12])
    c = np.array([13, 14, 15, 6, 7])
    keep, members = resolve_claims([b, a, c], picks, prm, 8)
    assert keep == [False, True, True]
    assert [m.tolist() for m in members] == [a.tolist(), c.tolist()]
    # with 4 picks enough, B stands without detection 0
    keep, members = resolve_claims([b, a, c], picks, prm._replace(min_picks=4), 8)
    assert keep == [True, True, True] and members[0].tolist() == [9, 10, 11, 12]
