"""Deep teleseisms' depth phases ('ndc' method, ``ndc_depth_phase_depths``): a teleseism
50-300 km deep seen by IMS arrays (real geometry) with P and pP, among false detections at
every primary station. P times alone trade depth against origin time; the pP delays after P
fix the depth, and the pP detections join the event."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from obspy import UTCDateTime

from openndc.association import AssociationConfig, associate
from openndc.location import locate
from openndc.model import Detection
from openndc.model.geodesy import distance_azimuth
from openndc.traveltime import load_travel_times
from tests.support.ims import false_p_detections, primary_network

T0 = UTCDateTime(2024, 1, 1)
EPICENTRE = (50.7, 157.8)  # Kamchatka (the 2006 CMT doublet ObsPy ships, multiple_events.ndk)


def _network(shared_data: Path) -> tuple[object, set[str]]:
    return primary_network(shared_data, T0)


def _detections(net: object, arrays: set[str], depth: float, seed: int) -> list[Detection]:
    """P at every array 20-95 deg away, pP at those beyond 25 deg (as an array detector
    labels it: P), 2 false detections per site-hour at every primary station."""
    rng = np.random.default_rng(seed)
    tt = load_travel_times("ak135")
    t0 = T0 + 1800.0
    out = []
    for s in net.stations:  # type: ignore[attr-defined]
        d_, _, baz_ = distance_azimuth(EPICENTRE[0], EPICENTRE[1], s.latitude, s.longitude)
        d, baz = float(d_), float(baz_)
        if s.code not in arrays or not 20.0 <= d <= 95.0:
            continue
        for ph in ("P", "pP"):
            if ph == "pP" and d < 25.0:
                continue
            t, p, _ = tt.derivatives(ph, [d], [depth])
            when = t0 + float(t[0]) + float(rng.normal(0, 0.5))
            out.append(Detection("IM", s.code, "", "cb", when,
                                 time_uncertainty=0.5, phase="P",
                                 backazimuth=(baz + float(rng.normal(0, 4.0))) % 360.0,
                                 backazimuth_uncertainty=5.0,
                                 slowness=abs(float(p[0])) + float(rng.normal(0, 0.5)),
                                 slowness_uncertainty=1.0, id=f"ev-{s.code}-{ph}"))  # fmt: skip
    codes = sorted(s.code for s in net.stations)  # type: ignore[attr-defined]
    out += false_p_detections(codes, 4 * len(codes), rng, T0)
    return sorted(out, key=lambda d: (d.time, d.id))


@pytest.mark.parametrize("depth", [50.0, 120.0, 300.0])
def test_deep_teleseism_takes_its_depth_phases(shared_data: Path, depth: float) -> None:
    net, arrays = _network(shared_data)
    dets = _detections(net, arrays, depth, seed=int(depth))
    n_pp = sum(d.id.endswith("-pP") for d in dets)
    assert n_pp >= 4
    res = associate(dets, net)  # type: ignore[arg-type]
    ev = [e for e in res.events if any(a.detection.id.startswith("ev-") for a in e.arrivals)]
    assert len(ev) == 1, [e.origin for e in res.events]
    assert len(res.events) == 1  # the false detections make no event
    o = ev[0].origin
    assert abs(o.depth_km - depth) <= 15.0, o
    assert abs(float(o.time - (T0 + 1800.0))) <= 3.0, o
    pp = [a for a in ev[0].arrivals if a.detection.id.endswith("-pP")]
    assert len(pp) >= n_pp - 1
    assert all(a.phase in ("pP", "sP") for a in pp), [a.phase for a in pp]
    # they define the time, so the location stage frees the depth with them
    assert all(a.time_defining for a in pp)
    loc = locate(ev[0].arrivals, net, initial=o).origin  # type: ignore[arg-type]
    assert not loc.depth_fixed and abs(loc.depth_km - depth) <= 15.0, loc
    assert abs(float(loc.time - (T0 + 1800.0))) <= 2.0, loc
    # without the depth-phase depths the event is placed elsewhere in depth and its pP
    # stay out (the behaviour this replaces)
    off = associate(dets, net, AssociationConfig(ndc_depth_phase_depths=()))  # type: ignore[arg-type]
    o_off = [e for e in off.events if any(a.detection.id.startswith("ev-") for a in e.arrivals)]
    assert o_off and (
        abs(o_off[0].origin.depth_km - depth) > 15.0
        or sum(a.detection.id.endswith("-pP") for a in o_off[0].arrivals) < n_pp - 1
    )


def test_a_small_events_depth_needs_data_that_tell_it(shared_data: Path) -> None:
    """A small hypothesis 450 km under the mid-Atlantic seen at three distant arrays (33-40
    deg: the P times trade depth against origin time) has no depth its data tell, as the
    IMS-style set's chance triplets placed 150-450 km deep had; a pP fitting at one of the
    sites, or a P station within twice the depth, tells it; 70 km and shallower is free."""
    from openndc.association.associate import _ingest
    from openndc.association.ndc import NdcHypothesis, _Ndc

    net, arrays = primary_network(shared_data, T0)
    tt = load_travel_times("ak135")
    source, t0 = (12.6, -38.1, 450.0), T0 + 1800.0
    sites = {s.code: s for s in net.stations}

    def at(code: str, phase: str, lat: float = source[0], lon: float = source[1]) -> Detection:
        d, _, baz = distance_azimuth(lat, lon, sites[code].latitude, sites[code].longitude)
        t, p, _ = tt.derivatives(phase, [float(d)], [source[2]])
        return Detection("IM", code, "", "cb", t0 + float(t[0]), time_uncertainty=0.5,
                         phase="P", backazimuth=float(baz), backazimuth_uncertainty=5.0,
                         slowness=abs(float(p[0])), slowness_uncertainty=1.0,
                         id=f"{code}-{phase}")  # fmt: skip

    def supported(dets: list[Detection], lat: float = source[0], lon: float = source[1],
                  depth: float = source[2]) -> bool:  # fmt: skip
        dets = sorted(dets, key=lambda x: x.time)
        ndc = _Ndc(_ingest(dets, net, []), AssociationConfig(), tt)
        p = [i for i, x in enumerate(dets) if x.id.endswith("-P")]
        origin = float(t0 - ndc.d.ref)  # seconds after the input's reference time
        hyp = NdcHypothesis(origin, lat, lon, depth, p, ["P"] * len(p))
        ndc.alive[p] = False  # its members are taken
        return ndc._depth_supported(hyp, np.asarray(p, dtype=np.int64))

    triplet = [at(c, "P") for c in ("DBIC", "TORD", "ESDC")]
    assert {"DBIC", "TORD", "ESDC"} <= arrays
    assert not supported(triplet)
    assert supported(triplet, depth=60.0)
    assert supported([*triplet, at("TORD", "pP")])
    # the same source 3 deg from a station (KEST, 0.5 deg off its 2 x 450 km: 8.1 deg)
    kest = sites["KEST"]
    near = [at(c, "P", kest.latitude - 3.0, kest.longitude) for c in ("KEST", "TORD", "ESDC")]
    assert supported(near, kest.latitude - 3.0, kest.longitude)
