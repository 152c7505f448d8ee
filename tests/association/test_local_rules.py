"""The local search's rules against splits and chance events (``independent_evidence``,
``merge_splits``), on a swarm generated on the geometry of the SCSN Westmorland network
(16 sites within ~60 km, the 2020 swarm at 33.04 N, 115.60 W)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from obspy import UTCDateTime

from openndc.association import ConstantVelocity, associate, local_config
from openndc.association.local import (
    LocalParams,
    LocalPicks,
    LocalResult,
    LocalTables,
    Located,
    build_local_tables,
    independent_evidence,
    merge_splits,
)
from openndc.model import Detection, MonitoringNetwork, Station
from openndc.model.geodesy import DEG_KM, distance_azimuth

T0 = UTCDateTime(2020, 10, 1)
VP, VS = 6.0, 3.4
MODEL = ConstantVelocity(VP, VS)
SWARM = (33.04, -115.60)
OFF = {"local_independent_evidence": False, "local_merge_splits": False}


def _network(seed: int = 3) -> MonitoringNetwork:
    rng = np.random.default_rng(seed)
    return MonitoringNetwork("CI", tuple(
        Station("CI", f"S{i:02d}", float(33.0 + rng.uniform(-0.5, 0.5)),
                float(-115.6 + rng.uniform(-0.6, 0.6)))
        for i in range(16)))  # fmt: skip


def _swarm(net: MonitoringNetwork, seed: int, interval: float, coda: float) -> list[Detection]:
    """Four swarm events ``interval`` [s] apart, 8 km deep: P at every site; the S named S
    within 25 km, beyond that picked on the vertical and named P (as the local preset's
    detector does on the real swarm); with probability ``coda`` a later S-named onset
    1-4 s after the S (a coda onset on a horizontal)."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(4):
        t = T0 + 10.0 + interval * k
        lat, lon = SWARM[0] + 0.01 * k, SWARM[1]
        for s in net.stations:
            d = float(distance_azimuth(lat, lon, s.latitude, s.longitude)[0]) * DEG_KM
            h = float(np.hypot(d, 8.0))
            tp, ts = t + h / VP + rng.normal(0, 0.1), t + h / VS + rng.normal(0, 0.15)
            out.append(Detection("CI", s.code, "", "HHZ", tp, phase="P", id=f"ev{k}-{s.code}-P"))
            out.append(Detection("CI", s.code, "", "HHZ", ts, phase="S" if d < 25 else "P",
                                 id=f"ev{k}-{s.code}-S"))  # fmt: skip
            if rng.uniform() < coda:
                out.append(Detection("CI", s.code, "", "HHE", ts + rng.uniform(1.0, 4.0),
                                     phase="S", id=f"coda{k}-{s.code}"))  # fmt: skip
    return sorted(out, key=lambda d: d.time)


def _true(ev: object) -> list[int]:
    return [int(a.detection.id.split("-")[0][-1]) for a in ev.arrivals]  # type: ignore[attr-defined]


def test_s_picked_on_the_vertical_makes_no_false_or_split_event() -> None:
    net = _network()
    dets = _swarm(net, seed=2, interval=30.0, coda=0.3)
    before = associate(dets, net, local_config(model=MODEL.model, **OFF))
    after = associate(dets, net, local_config(model=MODEL.model))
    # without the rules: the S picks named P and the coda onsets make extra events
    assert len(before.events) > 4
    assert len(after.events) == 4
    for k, ev in enumerate(after.events):
        ids = _true(ev)
        assert max(set(ids), key=ids.count) == k  # each true event once, in order
        km = float(distance_azimuth(SWARM[0] + 0.01 * k, SWARM[1], ev.origin.latitude,
                                    ev.origin.longitude)[0]) * DEG_KM  # fmt: skip
        assert km < 5.0 and abs(ev.origin.time - (T0 + 10.0 + 30.0 * k)) < 1.0


def test_a_doublet_stays_two_events() -> None:
    """Two events 4 s apart at the same place (beyond local_min_interevent_time), P and S
    named right at every site: each holds its own P at most sites, so neither rule takes
    one for part of the other."""
    net = _network()
    rng = np.random.default_rng(4)
    dets = []
    for k, t in enumerate((T0 + 10.0, T0 + 14.0)):
        for s in net.stations:
            d = float(distance_azimuth(*SWARM, s.latitude, s.longitude)[0]) * DEG_KM
            h = float(np.hypot(d, 8.0))
            for ph, v in (("P", VP), ("S", VS)):
                dets.append(Detection("CI", s.code, "", "HHZ", t + h / v + rng.normal(0, 0.08),
                                      phase=ph, id=f"ev{k}-{s.code}-{ph}"))  # fmt: skip
    res = associate(sorted(dets, key=lambda d: d.time), net, local_config(model=MODEL.model))
    assert len(res.events) == 2
    for k, ev in enumerate(res.events):
        ids = _true(ev)
        assert ids.count(k) >= 0.8 * len(ids)


# ------------------------------------------------------------------ the rules on their own


def _frame_picks(rows: list[tuple[float, int, int]], sx: np.ndarray, sy: np.ndarray) -> LocalPicks:
    rows = sorted(rows)
    return LocalPicks(
        np.array([r[0] for r in rows]), np.array([r[1] for r in rows], np.int64),
        np.array([r[2] for r in rows], np.int64), np.arange(len(rows), dtype=np.int64),
        sx, sy, np.zeros(sx.size),
    )  # fmt: skip


def _setup() -> tuple[np.ndarray, np.ndarray, LocalTables, LocalParams]:
    rng = np.random.default_rng(9)
    sx, sy = rng.uniform(-50, 50, 12), rng.uniform(-50, 50, 12)
    tables, _ = build_local_tables(MODEL, ("Pg", "Sg"), 200.0, 32.0)
    prm = LocalParams(-60.0, 60.0, -60.0, 60.0, 0.0, 30.0, VP, VS, 1.0, 10.0, 40.0, 1200.0,
                      60.0, 1.5, 0.5, 3, 6, 2, 2, 2, 0.25)  # fmt: skip
    return sx, sy, tables, prm


def _times(sx: np.ndarray, sy: np.ndarray, x: float, y: float, z: float, t: float) -> np.ndarray:
    h = np.hypot(np.hypot(sx - x, sy - y), z)
    return np.array([t + h / VP, t + h / VS])


def test_an_event_of_another_events_s_picks_is_dropped_and_its_picks_join() -> None:
    sx, sy, tables, prm = _setup()
    tp, ts = _times(sx, sy, 0.0, 0.0, 8.0, 100.0)
    # the strong event: P at 12 sites, S (named S) at 3; the other 9 S picked and named P
    rows = [(tp[s], s, 0) for s in range(12)] + [(ts[s], s, 1) for s in range(3)]
    rows += [(ts[s], s, 0) for s in range(3, 12)]
    picks = _frame_picks(rows, sx, sy)
    strong = np.flatnonzero(np.isin(picks.t, np.concatenate([tp, ts[:3]])))
    chance = np.flatnonzero(~np.isin(picks.t, picks.t[strong]))
    # what the search might hand over: the strong event, and the S picks named P taken for
    # a second event (wherever it was put)
    offsets = np.array([0, strong.size, strong.size + chance.size])
    res = LocalResult(np.array([0.0, 20.0]), np.array([0.0, 5.0]), np.array([8.0, 0.0]),
                      np.array([100.0, 104.0]), offsets, np.concatenate([strong, chance]),
                      {})  # fmt: skip
    ev = independent_evidence(res, picks, tables, prm)
    assert ev.keep.tolist() == [True, False]
    assert sorted(i for i, _ in ev.joins[0]) == sorted(chance.tolist())
    assert {ph for _, ph in ev.joins[0]} == {1}  # they join as the strong event's S


def test_split_event_is_merged_and_a_doublet_is_not() -> None:
    sx, sy, tables, prm = _setup()
    tp, ts = _times(sx, sy, 10.0, -5.0, 8.0, 100.0)
    rows = [(tp[s], s, 0) for s in range(12)] + [(ts[s], s, 1) for s in range(12)]
    picks = _frame_picks(rows, sx, sy)
    order = np.argsort(np.concatenate([tp, ts]))  # pick index -> (phase, site)
    pick_of = {(int(o // 12), int(o % 12)): i for i, o in enumerate(order)}
    # the split: sites 0-6 in one mislocated event, 7-11 in another
    a = [(pick_of[(ph, s)], ph) for s in range(7) for ph in (0, 1)]
    b = [(pick_of[(ph, s)], ph) for s in range(7, 12) for ph in (0, 1)]
    split = [Located(30.0, 20.0, 0.0, 98.0, a), Located(-20.0, -30.0, 20.0, 101.0, b)]
    for compiled in (True, False):
        out = merge_splits(split, picks, tables, prm, picks.t.size, compiled=compiled)
        assert len(out) == 1 and len(out[0].pairs) == 24
        assert np.hypot(out[0].x - 10.0, out[0].y + 5.0) < 3.0 and abs(out[0].t - 100.0) < 0.5
    # a doublet: the same place 2.5 s later; each event holds its own picks
    tp2, ts2 = tp + 2.5, ts + 2.5
    rows2 = rows + [(tp2[s], s, 0) for s in range(12)] + [(ts2[s], s, 1) for s in range(12)]
    picks2 = _frame_picks(rows2, sx, sy)
    first = [
        (int(np.flatnonzero(picks2.t == t)[0]), ph) for ph, tt in enumerate((tp, ts)) for t in tt
    ]
    second = [(int(np.flatnonzero(picks2.t == t)[0]), ph) for ph, tt in enumerate((tp2, ts2))
              for t in tt]  # fmt: skip
    pair = [Located(10.0, -5.0, 8.0, 100.0, first), Located(10.0, -5.0, 8.0, 102.5, second)]
    assert len(merge_splits(pair, picks2, tables, prm, picks2.t.size)) == 2


def test_rules_can_be_turned_off() -> None:
    cfg = local_config()
    assert cfg.local_independent_evidence and cfg.local_merge_splits
    off = replace(cfg, local_independent_evidence=False, local_merge_splits=False)
    assert not off.local_independent_evidence and not off.local_merge_splits
