"""Events already in the bulletin ('ndc' method, ``associate(..., known=...)``): in a windowed
run an event closed before the look-back keeps its arrivals, and its detections that are
still free in the next window (stations it did not take, its later phases) must not make a
second event (the synthetic day's false event at 22:32 was the S of an M 6.2 at three arrays,
one window later)."""

from __future__ import annotations

import dataclasses

from obspy import UTCDateTime

from openndc.association import AssociationConfig, associate
from openndc.inventory.reader import read_inventory
from openndc.traveltime import load_travel_times
from tests.support.synthetic import SyntheticEvent, synthetic_detections

T0 = UTCDateTime(2024, 5, 1, 3)


def test_free_detections_of_a_closed_event_make_no_second_event() -> None:
    network = read_inventory("kz")
    event = SyntheticEvent(T0 + 300.0, 45.0, 80.0, 10.0)
    dets = synthetic_detections(network, [event], load_travel_times("ak135"), seed=4,
                                false_per_site_hour=0.0, p_probability=1.0)  # fmt: skip
    first = associate(dets, network, AssociationConfig())
    assert len(first.events) == 1
    # the event as an earlier window stored it: its first four arrivals only
    arrivals = sorted(first.events[0].arrivals, key=lambda a: a.detection.time)[:4]
    closed = dataclasses.replace(first.events[0], arrivals=tuple(arrivals))
    taken = {a.detection.id for a in arrivals}
    rest = [d for d in dets if d.id not in taken]
    # without the closed event, its remaining detections make a copy of it ...
    alone = associate(rest, network, AssociationConfig())
    assert len(alone.events) == 1
    assert abs(alone.events[0].origin.time - event.time) < 10.0
    # ... with it, none
    assert associate(rest, network, AssociationConfig(), known=[closed]).events == []
