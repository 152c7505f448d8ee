"""A second large event in the coda of a first ('ndc' method): the Kamchatka doublet of the
ObsPy CMT file (two M 6.4-6.5 events 297 s apart, 15 km apart) seen by the IMS primary
stations (real geometry). Every P of the second lies in the first one's coda, from its
direction; they are far more sites than the codas' own detections line up by chance, so
the second is an event. Coda re-triggers (three per site in the first one's coda) make
none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.association import associate
from openndc.model import Detection
from openndc.model.geodesy import distance_azimuth
from openndc.traveltime import load_travel_times
from tests.association.test_depth_phases import T0, _network

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


def test_doublet_in_the_coda_is_found_and_retriggers_are_not(shared_data: Path) -> None:
    net, arrays = _network(shared_data)
    dets = _detections(net, arrays, seed=5)
    res = associate(dets, net)  # type: ignore[arg-type]
    found = []
    for e in res.events:
        ids = [a.detection.id.split("-")[0] for a in e.arrivals]
        found.append(max(set(ids), key=ids.count))
    assert sorted(found) == ["ev0", "ev1"], [(e.origin, found) for e in res.events]
    for e, who in zip(res.events, found, strict=True):
        t0, la, lo, _ = EVENTS[int(who[2:])]
        assert abs(float(e.origin.time - (T0 + t0))) <= 3.0
        km = float(distance_azimuth(la, lo, e.origin.latitude, e.origin.longitude)[0]) * 111.19
        assert km <= 100.0
        own = sum(a.detection.id.startswith(f"{who}-") for a in e.arrivals)
        assert own >= 20
    assert UTCDateTime(0) < res.events[0].origin.time  # both have real origins
