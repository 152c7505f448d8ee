"""Codas: the station-level kernel (:mod:`openndc.association.coda`) and, in the 'ndc'
method, a second large event in the coda of a first: the Kamchatka doublet of the
ObsPy CMT file (two M 6.4-6.5 events 297 s apart, 15 km apart) seen by the IMS primary
stations (real geometry). Every P of the second lies in the first one's coda, from its
direction; they are far more sites than the codas' own detections line up by chance, so
the second is an event. Coda re-triggers (three per site in the first one's coda) make
none."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from obspy import UTCDateTime

from openndc.association import AssociationConfig, associate
from openndc.association.coda import coda_end, coda_level, station_codas, station_codas_py
from openndc.association.config import DetectionSnr
from openndc.model import Detection, Event
from openndc.model.geodesy import distance_azimuth
from openndc.traveltime import load_travel_times
from tests.association.test_depth_phases import T0
from tests.support.ims import primary_network

#: (origin time [s after T0], latitude, longitude [deg], depth [km]); ObsPy's
#: io/ndk/tests/data/multiple_events.ndk (2006-11-15 Kuril doublet region, re-timed)
EVENTS = ((1800.0, 50.70, 157.75, 0.0), (2097.0, 50.68, 157.90, 0.0))


def _detections(net: object, arrays: set[str], seed: int) -> list[Detection]:
    rng = np.random.default_rng(seed)
    tt = load_travel_times("ak135")
    out = []
    for k, (t0, la, lo, z) in enumerate(EVENTS):
        for s in net.stations:  # type: ignore[attr-defined]
            d_, _, baz_ = distance_azimuth(la, lo, s.latitude, s.longitude)
            d, baz = float(d_), float(baz_)
            if not 20.0 <= d <= 95.0:
                continue
            array = s.code in arrays
            bs, ss, ts = (5.0, 1.0, 0.5) if array else (25.0, 4.0, 1.0)
            t, p, _ = tt.derivatives("P", [d], [z])
            when = T0 + t0 + float(t[0]) + float(rng.normal(0, ts))
            out.append(Detection("IM", s.code, "", "cb" if array else "BHZ", when,
                                 time_uncertainty=ts, phase="P",
                                 backazimuth=(baz + float(rng.normal(0, bs))) % 360.0,
                                 backazimuth_uncertainty=bs,
                                 slowness=abs(float(p[0])) + float(rng.normal(0, ss)),
                                 slowness_uncertainty=ss, id=f"ev{k}-{s.code}"))  # fmt: skip
            if k == 0:  # re-triggers in the first event's coda, from its direction
                for r in range(3):
                    out.append(Detection("IM", s.code, "", "cb" if array else "BHZ",
                                         when + float(rng.uniform(20.0, 400.0)),
                                         time_uncertainty=ts, phase="P",
                                         backazimuth=(baz + float(rng.normal(0, bs))) % 360.0,
                                         backazimuth_uncertainty=bs,
                                         slowness=abs(float(p[0])) + float(rng.normal(0, ss)),
                                         slowness_uncertainty=ss,
                                         id=f"coda{r}-{s.code}"))  # fmt: skip
    return sorted(out, key=lambda d: (d.time, d.id))


def _majors(events: Sequence[Event]) -> list[str]:
    """Per found event, the detection-id prefix (``ev0``, ``ev1``, ``coda0``...) most of its
    arrivals carry."""
    out = []
    for e in events:
        ids = [a.detection.id.split("-")[0] for a in e.arrivals]
        out.append(max(set(ids), key=ids.count))
    return out


def test_doublet_in_the_coda_is_found_and_retriggers_are_not(shared_data: Path) -> None:
    net, arrays = primary_network(shared_data, T0)
    dets = _detections(net, arrays, seed=5)
    res = associate(dets, net)  # type: ignore[arg-type]
    found = _majors(res.events)
    assert sorted(found) == ["ev0", "ev1"], [(e.origin, found) for e in res.events]
    for e, who in zip(res.events, found, strict=True):
        t0, la, lo, _ = EVENTS[int(who[2:])]
        assert abs(float(e.origin.time - (T0 + t0))) <= 3.0
        km = float(distance_azimuth(la, lo, e.origin.latitude, e.origin.longitude)[0]) * 111.19
        assert km <= 100.0
        own = sum(a.detection.id.startswith(f"{who}-") for a in e.arrivals)
        assert own >= 20
    assert UTCDateTime(0) < res.events[0].origin.time  # both have real origins


# --------------------------------------------------------- how long a coda rings (ndc_coda_q)


def _coda_end_reference(lapse: float, snr: float, q: float, end_snr: float) -> float:
    """Plain reference of :func:`coda_end`: the first 0.01-s step where the Aki & Chouet
    envelope (t1 / t) exp(-pi (t - t1) / q), from ``snr`` at ``lapse``, is at ``end_snr``."""
    t = np.arange(lapse, lapse + 5000.0, 0.01)
    env = snr * (lapse / t) * np.exp(-np.pi * (t - lapse) / q)
    below = np.flatnonzero(env <= end_snr)
    return float(t[below[0]])


def test_coda_end_matches_its_reference() -> None:
    lapse = np.array([30.0, 280.0, 280.0, 700.0, 700.0, 100.0])
    snr = np.array([5.0, 10.0, 1e4, 4.0, 1e3, 1.5])
    got = coda_end(lapse, snr, 300.0, 2.0)
    want = [_coda_end_reference(a, b, 300.0, 2.0) for a, b in zip(lapse, snr, strict=True)]
    np.testing.assert_allclose(got, want, atol=0.02)
    assert got[-1] == pytest.approx(100.0)  # below the end SNR: no coda at all
    # a weak arrival rings for about a minute, an SNR-10^4 one for about ten
    assert 20.0 < got[1] - 280.0 < 120.0
    assert 400.0 < got[2] - 280.0 < 900.0


SEQUENCE = ((1800.0, 34.35, 8.40), (2100.0, 34.40, 8.45))  # two aftershocks 5 min apart


def _sequence(
    net: object,
    arrays: set[str],
    snr: float,
    seed: int,
    events: tuple[tuple[float, float, float], ...] = SEQUENCE,
) -> list[Detection]:
    """Two small shallow events at one place (Tunisia) seen at the three nearest arrays
    20-95 deg away with ``snr``: each one's P at those arrays lies in the other's coda
    interval (first P to S + ndc_coda), from the same direction."""
    rng = np.random.default_rng(seed)
    tt = load_travel_times("ak135")
    la, lo = SEQUENCE[0][1:]
    near = sorted((float(distance_azimuth(la, lo, s.latitude, s.longitude)[0]), s.code)
                  for s in net.stations  # type: ignore[attr-defined]
                  if s.code in arrays)  # fmt: skip
    codes = [c for d, c in near if 20.0 <= d <= 95.0][:3]
    out = []
    for k, (t0, la, lo) in enumerate(events):
        for s in net.stations:  # type: ignore[attr-defined]
            if s.code not in codes:
                continue
            d_, _, baz_ = distance_azimuth(la, lo, s.latitude, s.longitude)
            t, p, _ = tt.derivatives("P", [float(d_)], [0.0])
            when = T0 + t0 + float(t[0]) + float(rng.normal(0, 0.3))
            out.append(Detection("IM", s.code, "", "cb", when,
                                 time_uncertainty=0.5, phase="P",
                                 backazimuth=(float(baz_) + float(rng.normal(0, 3))) % 360.0,
                                 backazimuth_uncertainty=5.0,
                                 slowness=abs(float(p[0])) + float(rng.normal(0, 0.5)),
                                 slowness_uncertainty=1.0, snr=snr,
                                 id=f"ev{k}-{s.code}"))  # fmt: skip
    return sorted(out, key=lambda d: (d.time, d.id))


def test_a_weak_events_coda_does_not_hide_the_next_event(shared_data: Path) -> None:
    """SNR 5 at each array: the first event's coda is over within a minute, so the second
    (4 min later) is an event; with the whole interval as coda (ndc_coda_q = 0, the old
    rule: to 60 s after S, 290-300 s after the origin at these arrays) it is lost. (At 5
    min the second event's P lie just after those intervals, but at the one array near 20
    deg where the interval ends after Lg or after S as the first event's epicentre falls.)"""
    from openndc.association import AssociationConfig

    net, arrays = primary_network(shared_data, T0)
    seq = (SEQUENCE[0], (SEQUENCE[0][0] + 240.0, *SEQUENCE[1][1:]))
    dets = _sequence(net, arrays, snr=5.0, seed=3, events=seq)
    res = associate(dets, net)  # type: ignore[arg-type]
    found = sorted({a.detection.id.split("-")[0] for e in res.events for a in e.arrivals})
    assert len(res.events) == 2 and found == ["ev0", "ev1"]
    old = associate(dets, net, AssociationConfig(ndc_coda_q=0.0))  # type: ignore[arg-type]
    assert len(old.events) == 1


def test_a_new_arrival_standing_out_of_a_ringing_coda_is_not_coda(shared_data: Path) -> None:
    """Two events 2 min apart at the three nearest arrays, the first at SNR 50 (its coda
    rings ~3 min): the second's P at SNR 50 stand out of the coda's level then (~10) and
    make an event; at SNR 3 they would be re-triggers of it and make none."""
    net, arrays = primary_network(shared_data, T0)
    seq = ((1800.0, 34.35, 8.40), (1920.0, 34.40, 8.45))
    dets = _sequence(net, arrays, snr=50.0, seed=3, events=seq)
    res = associate(dets, net)  # type: ignore[arg-type]
    found = [sorted({a.detection.id.split("-")[0] for a in e.arrivals}) for e in res.events]
    assert sorted(found) == [["ev0"], ["ev1"]]
    weak = [replace(d, snr=3.0) if d.id.startswith("ev1") else d for d in dets]
    res = associate(weak, net)  # type: ignore[arg-type]
    assert [sorted({a.detection.id.split("-")[0] for a in e.arrivals}) for e in res.events] == [
        ["ev0"]
    ]


def test_a_strong_events_retriggers_stay_its_coda(shared_data: Path) -> None:
    """The doublet with the SNRs of large events (10^4 at their P, re-triggers at 20): the
    first one's coda rings for minutes, its re-triggers make no event, the second is found."""
    net, dets = _strong_doublet(shared_data)
    res = associate(dets, net)  # type: ignore[arg-type]
    assert sorted(_majors(res.events)) == ["ev0", "ev1"]


@pytest.mark.parametrize(("gap", "seed"), [(100.0, 4), (120.0, 4), (150.0, 5), (200.0, 5)])
def test_two_events_at_three_arrays_are_not_mixed(shared_data: Path, gap: float, seed: int) -> None:
    """Two SNR-50 events at one place ``gap`` s apart seen at the three nearest arrays: nodes
    that combine one event's P at one array with the other's at two fit the times as well
    (a node's score counts data, not how well they fit); their azimuths and slownesses fit
    worse, and of equal scores the node that fits best is taken: two events, each with its
    own detections (before: one or two events mixing both)."""
    net, arrays = primary_network(shared_data, T0)
    seq = ((1800.0, 34.35, 8.40), (1800.0 + gap, 34.40, 8.45))
    res = associate(_sequence(net, arrays, 50.0, seed, events=seq), net)  # type: ignore[arg-type]
    found = [sorted({a.detection.id.split("-")[0] for a in e.arrivals}) for e in res.events]
    assert sorted(found) == [["ev0"], ["ev1"]]


def _s_of_first(net: object, dets: list[Detection], snr: float, slowness: str) -> list[Detection]:
    """The first event's S at the arrays of ``dets`` (from its direction), with ``snr`` and
    the S's own slowness (``slowness="S"``) or the P's (``"P"``: what an array measures for
    another event's P arriving then)."""
    tt = load_travel_times("ak135")
    t0, la, lo = SEQUENCE[0]
    sites = {s.code: s for s in net.stations}  # type: ignore[attr-defined]
    out = []
    for d in dets:
        if not d.id.startswith("ev0"):
            continue
        s = sites[d.station]
        dist = float(distance_azimuth(la, lo, s.latitude, s.longitude)[0])
        ts, ps, _ = tt.derivatives("S", [dist], [0.0])
        slow = abs(float(ps[0])) if slowness == "S" else float(d.slowness)
        out.append(replace(d, time=T0 + t0 + float(ts[0]), phase="S" if slowness == "S" else "P",
                           slowness=slow, snr=snr, id=f"s0-{d.station}"))  # fmt: skip
    return sorted([*dets, *out], key=lambda d: (d.time, d.id))


def test_a_later_arrival_rings_only_from_when_it_comes(shared_data: Path) -> None:
    """Two events 150 s apart at the three nearest arrays, the first with P at SNR 8 (its
    P coda is down to the noise within ~2 min) and its S at SNR 500 minutes later: the
    second's P (SNR 4) come before that S and are no coda of it, so they make an event
    (before: the S's ring covered its whole coda interval, from the first P on, and the
    second event was lost)."""
    net, arrays = primary_network(shared_data, T0)
    seq = ((1800.0, 34.35, 8.40), (1950.0, 34.40, 8.45))
    dets = [replace(d, snr=8.0 if d.id.startswith("ev0") else 4.0)
            for d in _sequence(net, arrays, 8.0, seed=3, events=seq)]  # fmt: skip
    res = associate(_s_of_first(net, dets, 500.0, "S"), net)  # type: ignore[arg-type]
    found = [sorted({a.detection.id.split("-")[0] for a in e.arrivals}) for e in res.events]
    assert sorted(found) == [["ev0", "s0"], ["ev1"]], found


def test_an_arrays_p_slowness_is_no_s(shared_data: Path) -> None:
    """Detections at the first S time of an event whose arrays measure a P slowness (another
    event's P then) do not join it as its S; with the S's slowness they do."""
    net, arrays = primary_network(shared_data, T0)
    dets = _sequence(net, arrays, 50.0, seed=3, events=SEQUENCE[:1])
    for kind, joins in (("P", False), ("S", True)):
        res = associate(_s_of_first(net, dets, 20.0, kind), net)  # type: ignore[arg-type]
        assert len(res.events) == 1
        s_like = ("S", "Sn", "Sg", "Lg")
        as_s = [a.detection.id for a in res.events[0].arrivals
                if a.detection.id.startswith("s0") and a.phase in s_like]  # fmt: skip
        assert bool(as_s) is joins, (kind, as_s)


def test_a_phase_arrives_once(shared_data: Path) -> None:
    """A second event's P at the nearest array comes 3 s after the first event's PcP there,
    which is detected too: the PcP is the first event's, the P is the second's, which is
    found (before: both fitted the PcP, the P counted as the first event's coda and the
    second event, left with two arrays, was lost)."""
    net, arrays = primary_network(shared_data, T0)
    tt = load_travel_times("ak135")
    t0, la, lo = SEQUENCE[0]
    near = min((float(distance_azimuth(la, lo, s.latitude, s.longitude)[0]), s.code)
               for s in net.stations  # type: ignore[attr-defined]
               if s.code in arrays
               and float(distance_azimuth(la, lo, s.latitude, s.longitude)[0]) >= 20.0)  # fmt: skip
    dist, code = near
    t_p, _, _ = tt.derivatives("P", [dist], [0.0])
    t_pcp, p_pcp, _ = tt.derivatives("PcP", [dist], [0.0])
    gap = float(t_pcp[0] - t_p[0]) + 3.0
    seq = ((t0, la, lo), (t0 + gap, SEQUENCE[1][1], SEQUENCE[1][2]))
    dets = [replace(d, snr=8.0) for d in _sequence(net, arrays, 8.0, seed=3, events=seq)]
    first_p = next(d for d in dets if d.id == f"ev0-{code}")
    pcp = replace(first_p, time=T0 + t0 + float(t_pcp[0]), slowness=abs(float(p_pcp[0])),
                  snr=3.0, id=f"pcp0-{code}")  # fmt: skip
    res = associate(sorted([*dets, pcp], key=lambda d: (d.time, d.id)), net)  # type: ignore[arg-type]
    found = [sorted({a.detection.id.split("-")[0] for a in e.arrivals}) for e in res.events]
    assert sorted(found) == [["ev0", "pcp0"], ["ev1"]], found


def test_a_p_in_an_s_coda_is_no_retrigger_of_it(shared_data: Path) -> None:
    """A second event's P reaches the three nearest arrays 10-90 s after the first event's
    S (SNR 500, S slowness), weaker than that S's coda then: with a P's slowness an array
    tells it from the S coda, which is made of S waves, and the second event is found (seed
    6 ev52 of the IMS-style set, an array's P 24 s into an Lg coda); measured with the S's
    slowness it is a re-trigger of that coda and makes no event. Coda re-triggers (S
    slowness) at each array make the coda's own detection rate."""
    net, arrays = primary_network(shared_data, T0)
    tt = load_travel_times("ak135")
    t0, la, lo = SEQUENCE[0]
    first = _sequence(net, arrays, 8.0, seed=3, events=SEQUENCE[:1])
    codes = sorted({d.station for d in first})
    sites = {s.code: s for s in net.stations}  # type: ignore[attr-defined]
    lag = {}
    for c in codes:
        dist = float(distance_azimuth(la, lo, sites[c].latitude, sites[c].longitude)[0])
        ts, _, _ = tt.derivatives("S", [dist], [0.0])
        tp, _, _ = tt.derivatives("P", [dist], [0.0])
        lag[c] = float(ts[0] - tp[0])
    gap = max(lag.values()) + 10.0  # the second's P after the first's S at every array
    seq = (SEQUENCE[0], (t0 + gap, SEQUENCE[1][1], SEQUENCE[1][2]))
    dets = [replace(d, snr=8.0 if d.id.startswith("ev0") else 4.0)
            for d in _sequence(net, arrays, 8.0, seed=3, events=seq)]  # fmt: skip
    dets = _s_of_first(net, dets, 500.0, "S")
    rng = np.random.default_rng(1)
    s_slow = {d.station: float(d.slowness) for d in dets if d.id.startswith("s0")}
    s_time = {d.station: d.time for d in dets if d.id.startswith("s0")}
    for c in codes:  # re-triggers in the S coda, S slowness
        for r in range(4):
            dets.append(Detection("IM", c, "", "cb", s_time[c] + float(rng.uniform(5, 200)),
                                  time_uncertainty=0.5, phase="S", backazimuth=0.0,
                                  backazimuth_uncertainty=5.0, slowness=s_slow[c],
                                  slowness_uncertainty=1.0, snr=3.0,
                                  id=f"coda{r}-{c}"))  # fmt: skip
    dets.sort(key=lambda d: (d.time, d.id))
    res = associate(dets, net)  # type: ignore[arg-type]
    found = [sorted({a.detection.id.split("-")[0] for a in e.arrivals} - {"coda0", "coda1",
             "coda2", "coda3"}) for e in res.events]  # fmt: skip
    assert sorted(found) == [["ev0", "s0"], ["ev1"]], found
    as_s = [replace(d, slowness=s_slow[d.station]) if d.id.startswith("ev1") else d
            for d in dets]  # fmt: skip
    res = associate(as_s, net)  # type: ignore[arg-type]
    found = [sorted({a.detection.id.split("-")[0] for a in e.arrivals}) for e in res.events]
    assert found == [["ev0", "s0"]], found


def test_an_events_depth_phases_for_any_crustal_depth_are_its_coda(shared_data: Path) -> None:
    """An event the search puts at the surface node (0 km) may be 20-40 km deep: its pP and
    sP then come up to ~15 s after its P, and analysts read them as P (the ISC's 1992-06-12
    M 5.2, 19 km deep: "P" 8 and 12 s late at PMR and SIT made, with other leftovers, a
    second event). In its coda a detection between its P and its sP for a source
    ``ndc_coda_depth_range`` (40 km) deeper is its own; one 40 s after its P, fitting no
    phase, is not. With the range 0 only the 0-km depth phases (its P's time) count."""
    from openndc.association import AssociationConfig
    from openndc.association.associate import _ingest
    from openndc.association.ndc import NdcHypothesis, _Ndc

    net, _ = primary_network(shared_data, T0)
    tt = load_travel_times("ak135")
    t0, la, lo, _ = EVENTS[0]
    sites = {s.code: s for s in net.stations}  # type: ignore[attr-defined]
    dist = {c: float(distance_azimuth(la, lo, s.latitude, s.longitude)[0])
            for c, s in sites.items()}  # fmt: skip
    seen = [c for c in sorted(sites) if 30.0 <= dist[c] <= 80.0]
    late = seen[0]
    t_p = {c: float(tt.time("P", dist[c], 0.0)) for c in seen}
    sp30 = float(tt.time("sP", dist[late], 30.0)) - float(tt.time("P", dist[late], 30.0))
    assert 8.0 < sp30 < 14.0
    # no phase of the event's within the later-phase tolerance of P + 40 s there
    for ph in ("pP", "sP", "PcP", "PP", "ScP", "S", "PKiKP"):
        t = float(tt.time(ph, dist[late], 0.0))
        assert not abs(t - (t_p[late] + 40.0)) < 6.0, ph

    def det(code: str, lapse: float, name: str) -> Detection:
        return Detection("IM", code, "", "BHZ", T0 + t0 + lapse, time_uncertainty=1.0,
                         phase="P", id=name)  # fmt: skip

    dets = [det(c, t_p[c], f"P-{c}") for c in seen[1:]]
    dets += [det(late, t_p[late] + sp30, "sP30"), det(late, t_p[late] + 40.0, "free")]
    dets.sort(key=lambda d: d.time)
    for depth_range, want in ((40.0, [True, False]), (0.0, [False, False])):
        cfg = AssociationConfig(ndc_coda_depth_range=depth_range)
        ndc = _Ndc(_ingest(dets, net, []), cfg, tt)
        members = [i for i, d in enumerate(dets) if d.id.startswith("P-")]
        hyp = NdcHypothesis(float(T0 + t0 - ndc.d.ref), la, lo, 0.0, members,
                            ["P"] * len(members))  # fmt: skip
        ndc._add_coda(hyp)
        idx = np.array([next(i for i, d in enumerate(dets) if d.id == n)
                        for n in ("sP30", "free")])  # fmt: skip
        assert ndc._explained(idx).tolist() == want, depth_range


def _spy_drivers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the detections that drive hypotheses (``_Ndc._hypothesis``), as they come."""
    from openndc.association.ndc import _Ndc

    drivers: list[str] = []
    build = _Ndc._hypothesis

    def spy(self: _Ndc, i: int, *args: object) -> object:
        drivers.append(self.d.items[i].id)
        return build(self, i, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(_Ndc, "_hypothesis", spy)
    return drivers


def _strong_doublet(shared_data: Path) -> tuple[object, list[Detection]]:
    """The doublet's detections with SNR 10^4 for the events' P, 20 for the re-triggers."""
    net, arrays = primary_network(shared_data, T0)
    dets = [replace(d, snr=1e4 if d.id.startswith("ev") else 20.0)
            for d in _detections(net, arrays, seed=5)]  # fmt: skip
    return net, dets


def test_retriggers_in_an_accepted_events_coda_drive_no_hypothesis(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The strong doublet: once the first event is accepted, its re-triggers (in its coda,
    ringing) are not taken as drivers (before, each drove a hypothesis that the coda rule
    then rejected, with the small-event tries and other depths on the way: the IMS-style
    set with codas spent 51 of 81 s on them); the second event is still found."""
    drivers = _spy_drivers(monkeypatch)
    # the rule of accepted events' codas alone (the station-level one would hold the
    # re-triggers back before: test_retriggers_are_known_at_their_station)
    monkeypatch.setattr(
        "openndc.association.ndc.station_codas",
        lambda time, site, snr, *args, **kwargs: (np.full(time.size, -1, dtype=np.int64), snr),
    )
    net, dets = _strong_doublet(shared_data)
    res = associate(dets, net)  # type: ignore[arg-type]
    assert sorted(_majors(res.events)) == ["ev0", "ev1"]
    assert drivers and not [x for x in drivers if x.startswith("coda")], drivers


def test_retriggers_are_known_at_their_station(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The strong doublet at the station level (``_Ndc.coda_of``, before any event): every
    re-trigger is named the coda of an event's P at its own station (the first's, the
    second's once it came: the louder), no P of either event is anyone's coda (the
    second's stand out of the first's coda), and no re-trigger drives a hypothesis though
    no event is accepted yet (their event-level rule off)."""
    from openndc.association.ndc import _Ndc

    seen: dict[str, object] = {}
    init = _Ndc.__init__

    def keep(self: _Ndc, *args: object, **kwargs: object) -> None:
        init(self, *args, **kwargs)  # type: ignore[arg-type]
        seen.setdefault("ndc", self)

    monkeypatch.setattr(_Ndc, "__init__", keep)
    drivers = _spy_drivers(monkeypatch)
    monkeypatch.setattr(_Ndc, "_in_coda", lambda self, idx: np.zeros(idx.size, dtype=bool))
    net, dets = _strong_doublet(shared_data)
    associate(dets, net)  # type: ignore[arg-type]
    ndc = seen["ndc"]
    ids = [x.id for x in ndc.d.items]  # type: ignore[attr-defined]
    coda_of = ndc.coda_of.tolist()  # type: ignore[attr-defined]
    named = {i: ids[c] for i, c in zip(ids, coda_of, strict=True) if c >= 0}
    retriggers = [i for i in ids if i.startswith("coda")]
    assert sorted(named) == sorted(retriggers)
    when = {x.id: x.time for x in dets}
    # the louder coda is named: the first event's P, or the second's once it came
    want = {r: f"ev1-{r.split('-', 1)[1]}"
            if when.get(f"ev1-{r.split('-', 1)[1]}", when[r] + 1) < when[r]
            else f"ev0-{r.split('-', 1)[1]}" for r in retriggers}  # fmt: skip
    assert named == want
    assert drivers and not [x for x in drivers if x.startswith("coda")], drivers


def _station_case(**change: object) -> dict[str, np.ndarray]:
    """One array: a strong P (SNR 400, 300 s after its origin) and 60 s later a weak
    detection from its direction (the case each test changes one thing of)."""
    case = {
        "time": np.array([100.0, 160.0]),
        "site": np.array([0, 0]),
        "snr": np.array([400.0, 4.0]),
        "lapse": np.array([300.0, 300.0]),
        "baz": np.array([40.0, 44.0]),
        "baz_tol": np.array([10.0, 10.0]),
        "slowness": np.array([9.0, 10.0]),
        "slowness_tol": np.array([2.0, 2.0]),
    }
    for key, value in change.items():
        case[key] = np.asarray(value, dtype=case[key].dtype)
    return case


def _codas(case: dict[str, np.ndarray], snr_against: DetectionSnr = "background") -> list[int]:
    """The kernel's parents with ``snr_against``, checked against its plain reference (and
    the strengths too) with either SNR convention."""
    for mode in ("background", "noise"):
        got, strength = station_codas(**case, q=300.0, end_snr=2.0, snr_against=mode)
        want, want_strength = station_codas_py(**case, q=300.0, end_snr=2.0, snr_against=mode)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_allclose(strength, want_strength, rtol=1e-12)
        if mode == snr_against:
            out = got.tolist()
    return out


def test_a_weak_detection_from_a_strong_arrivals_direction_is_its_coda() -> None:
    assert _codas(_station_case()) == [-1, 0]
    # its level there: 400 x 300 / 360 x exp(-pi 60 / 300) = 178.4 (Aki & Chouet)
    assert float(
        coda_level(np.array([300.0]), np.array([400.0]), np.array([60.0]), 300.0)[0]
    ) == pytest.approx(400.0 * 300.0 / 360.0 * np.exp(-np.pi * 60.0 / 300.0))


@pytest.mark.parametrize(
    "change",
    [
        {"site": [0, 1]},  # another station
        {"baz": [40.0, 80.0]},  # another direction at the array
        {"slowness": [9.0, 14.0]},  # another slowness (a regional P in a teleseismic coda)
        {"time": [100.0, 1500.0]},  # after the coda ended (SNR 400: ~17 min at Qc 300)
        {"snr": [400.0, 500.0]},  # stronger than the arrival
        {"snr": [100.0, 95.0]},  # weaker, but stands out of the coda (level 44.5)
    ],
)
def test_what_is_no_coda(change: dict[str, object]) -> None:
    assert _codas(_station_case(**change)) == [-1, -1]


def test_a_three_component_stations_coda_has_no_direction() -> None:
    # no back-azimuth or slowness measured well enough (NaN): the coda is in time and SNR
    case = _station_case(baz=[np.nan, 80.0], slowness=[np.nan, 20.0])
    assert _codas(case) == [-1, 0]


def test_of_two_codas_the_louder_is_named() -> None:
    case = _station_case(
        time=[100.0, 130.0, 160.0], site=[0, 0, 0], snr=[400.0, 50.0, 4.0],
        lapse=[300.0, 300.0, 300.0], baz=[40.0, 42.0, 44.0], baz_tol=[10.0, 10.0, 10.0],
        slowness=[9.0, 9.5, 10.0], slowness_tol=[2.0, 2.0, 2.0],
    )  # fmt: skip
    assert _codas(case) == [-1, 0, 0]


def test_an_arrival_in_a_coda_rings_as_its_amplitude_calls_for() -> None:
    """A detector's SNR is against its background (an STA/LTA: the coda it stands in is in
    its long-term average): an arrival from another direction at SNR 50 on a coda 178 x the
    noise is ~9,000 x the noise, and its coda rings ~11 min, not the ~4 min an SNR of 50
    gives. A weak detection from its direction 400 s after it is its coda; with SNRs taken
    against the noise it is nobody's (the strong arrival's coda has ended by then)."""
    case = _station_case(
        time=[100.0, 160.0, 560.0], site=[0, 0, 0], snr=[400.0, 50.0, 4.0],
        lapse=[300.0, 300.0, 300.0], baz=[40.0, 200.0, 204.0], baz_tol=[10.0, 10.0, 10.0],
        slowness=[9.0, 9.0, 9.5], slowness_tol=[2.0, 2.0, 2.0],
    )  # fmt: skip
    level = float(coda_level(np.array([300.0]), np.array([400.0]), np.array([60.0]), 300.0)[0])
    _, strength = station_codas(**case, q=300.0, end_snr=2.0)
    np.testing.assert_allclose(strength, [400.0, 50.0 * (1.0 + level), 4.0])
    ends = coda_end(np.array([300.0, 300.0]), np.array([50.0, strength[1]]), 300.0, 2.0)
    assert ends[0] - 300.0 < 400.0 < ends[1] - 300.0
    assert _codas(case) == [-1, -1, 1]
    assert _codas(case, "noise") == [-1, -1, -1]


def test_a_retriggers_strength_is_its_snr() -> None:
    """A re-trigger adds no background of its own (a coda is not its own source): its
    strength is its SNR, so strengths do not compound along a coda's re-triggers."""
    case = _station_case(
        time=[100.0, 160.0, 220.0], site=[0, 0, 0], snr=[400.0, 4.0, 3.5],
        lapse=[300.0, 300.0, 300.0], baz=[40.0, 44.0, 38.0], baz_tol=[10.0, 10.0, 10.0],
        slowness=[9.0, 10.0, 9.0], slowness_tol=[2.0, 2.0, 2.0],
    )  # fmt: skip
    assert _codas(case) == [-1, 0, 0]
    _, strength = station_codas(**case, q=300.0, end_snr=2.0)
    np.testing.assert_array_equal(strength, case["snr"])


def test_a_weak_arrival_in_a_strong_coda_begets_its_own_retriggers() -> None:
    """An arrival at SNR 3.3 against a strong earlier coda from another direction (~63 x
    the noise) and 37 s later a detection from its direction at SNR 4.9 against the
    background: that stands above the arrival's coda by less than the arrival is strong,
    and rides it (BRMAR, seed 1 with codas: such re-triggers, named by nobody, made a split
    of the M 5.2 six minutes after the Kamchatka M 6.5). Read against the noise the
    detection is the stronger of the two, and nobody's coda."""
    case = _station_case(
        time=[0.0, 400.0, 437.0], site=[0, 0, 0], snr=[2000.0, 3.3, 4.9],
        lapse=[600.0, 700.0, 700.0], baz=[40.0, 86.0, 85.5], baz_tol=[20.0, 20.0, 20.0],
        slowness=[5.0, 5.0, 5.0], slowness_tol=[2.0, 2.0, 2.0],
    )  # fmt: skip
    assert _codas(case) == [-1, -1, 1]
    assert _codas(case, "noise") == [-1, -1, -1]


def test_station_codas_match_their_reference_on_random_detections() -> None:
    rng = np.random.default_rng(7)
    n = 400
    case = {
        "time": np.sort(rng.uniform(0.0, 7200.0, n)),
        "site": rng.integers(0, 5, n),
        "snr": np.where(rng.random(n) < 0.1, np.nan, 3.0 * 10.0 ** rng.exponential(0.5, n)),
        "lapse": rng.uniform(1.0, 1200.0, n),
        "baz": np.where(rng.random(n) < 0.5, np.nan, rng.uniform(0.0, 360.0, n)),
        "baz_tol": np.full(n, 30.0),
        "slowness": np.where(rng.random(n) < 0.5, np.nan, rng.uniform(4.0, 25.0, n)),
        "slowness_tol": np.full(n, 3.0),
    }
    got = _codas(case)
    assert 20 < sum(g >= 0 for g in got) < n / 2  # both kinds are there


def test_a_detections_lapse_time_from_its_slowness(shared_data: Path) -> None:
    """The lapse a station's coda is reckoned from: the first P's time at the distance
    its slowness tells (ak135 from TauP's tables: a P of 40 deg, 8.0 s/deg, 460 s after its
    origin; a Pn's slowness, nearly flat over 2-15 deg, the nearest distance with it: the
    coda as short as it may be), an S-type detection's the first S's; 1 s unmeasured."""
    from openndc.association import AssociationConfig
    from openndc.association.associate import _ingest
    from openndc.association.ndc import _Ndc

    net, _ = primary_network(shared_data, T0)
    tt = load_travel_times("ak135")
    _, p40, _ = tt.derivatives("P", [40.0], [0.0])
    _, s10, _ = tt.derivatives("S", [10.0], [0.0])
    _, pn10, _ = tt.derivatives("P", [10.0], [0.0])
    code = sorted(s.code for s in net.stations)[0]  # type: ignore[attr-defined]

    def det(name: str, phase: str, slowness: float) -> Detection:
        return Detection("IM", code, "", "BHZ", T0 + 100.0 * len(name), phase=phase,
                         slowness=slowness, slowness_uncertainty=1.0, id=name)  # fmt: skip

    dets = [det("p40", "P", abs(float(p40[0]))), det("pnpn", "P", abs(float(pn10[0]))),
            det("s10s10", "S", abs(float(s10[0]))), det("nonenone", "P", math.nan)]  # fmt: skip
    ndc = _Ndc(_ingest(dets, net, []), AssociationConfig(), tt)
    order = [x.id for x in ndc.d.items]
    lapse = dict(zip(order, ndc._lapse_from_slowness().tolist(), strict=True))
    assert lapse["p40"] == pytest.approx(float(tt.time("P", 40.0, 0.0)), abs=5.0)
    assert 20.0 < lapse["pnpn"] <= float(tt.time("P", 10.0, 0.0)) + 1.0
    # read from the S table (an S slowness is slower than any P: 1 s from the P one)
    assert 20.0 < lapse["s10s10"] <= float(tt.time("S", 10.0, 0.0)) + 1.0
    assert lapse["nonenone"] == 1.0


def test_a_larger_second_events_late_retriggers_are_its_own_coda(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The doublet as an STA/LTA detector reports it: the first event's P at SNR 1,000, the
    second's 297 s later at SNR 100 against the first's coda (some 30 x the noise then: the
    second is the larger), and the second's re-triggers 380-520 s after its P, when the
    first's coda has decayed and one of SNR 100 would have too. Read against the background
    (the default) the second's P are ~3,000 x the noise and ring that long: its late
    re-triggers are its coda and drive nothing, and the two events are found. Read against
    the noise they are nobody's coda and drive hypotheses."""
    drivers = _spy_drivers(monkeypatch)
    net, arrays = primary_network(shared_data, T0)
    rng = np.random.default_rng(11)
    dets = []
    for d in _detections(net, arrays, seed=5):
        dets.append(
            replace(
                d, snr=1e3 if d.id.startswith("ev0") else 100.0 if d.id.startswith("ev1") else 4.0
            )
        )
        if d.id.startswith("ev1-"):
            bs = float(d.backazimuth_uncertainty or 0.0)
            for r in range(3):
                dets.append(replace(
                    d, time=d.time + float(rng.uniform(380.0, 520.0)), snr=4.0,
                    backazimuth=(float(d.backazimuth or 0.0) + float(rng.normal(0, bs))) % 360.0,
                    id=f"late{r}-{d.station}",
                ))  # fmt: skip
    dets.sort(key=lambda d: (d.time, d.id))
    res = associate(dets, net)  # type: ignore[arg-type]
    assert sorted(_majors(res.events)) == ["ev0", "ev1"]
    assert drivers and not [x for x in drivers if x.startswith(("late", "coda"))], drivers
    drivers.clear()
    associate(dets, net, AssociationConfig(ndc_detection_snr="noise"))  # type: ignore[arg-type]
    assert [x for x in drivers if x.startswith("late")]
