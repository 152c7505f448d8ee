"""Stable event identity: hypotheses of a window reconciled with stored events."""

from __future__ import annotations

from obspy import UTCDateTime

from openndc.model.detection import Detection
from openndc.model.event import Arrival, Event, Origin
from openndc.pipeline.identity import new_event_id, reconcile

T0 = UTCDateTime("2024-03-01T01:00:00")


def _det(station: str, dt: float) -> Detection:
    d = Detection("KZ", station, "", "BHZ", T0 + dt, phase="P")
    return Detection("KZ", station, "", "BHZ", T0 + dt, phase="P", id=d.stable_id)


def _event(eid: str, dets: list[Detection], t: float = 0.0, phase: str = "P") -> Event:
    origin = Origin(T0 + t, 43.0, 77.0, 10.0)
    return Event(eid, origin, tuple(Arrival(d, phase) for d in dets))


def test_new_event_ids_come_from_content_not_order() -> None:
    dets = [_det(s, k * 5.0) for k, s in enumerate(("AAA", "BBB", "CCC"))]
    a, b = _event("", dets), _event("", list(reversed(dets)))
    assert new_event_id(a) == new_event_id(b)
    assert new_event_id(a).startswith("ndc20240301T010000-")
    other = _event("", [_det("DDD", 1.0), *dets[1:]])
    assert new_event_id(other) != new_event_id(a)


def test_same_arrivals_are_unchanged_and_keep_the_id() -> None:
    dets = [_det(s, k * 5.0) for k, s in enumerate(("AAA", "BBB", "CCC"))]
    stored = _event("ev-1", dets)
    (change,) = reconcile([_event("provisional", dets, t=0.4)], [stored])
    assert change.kind == "unchanged"
    assert change.event.id == "ev-1"


def test_added_arrival_is_a_new_version_of_the_same_event() -> None:
    dets = [_det(s, k * 5.0) for k, s in enumerate(("AAA", "BBB", "CCC", "DDD"))]
    stored = _event("ev-1", dets[:3])
    (change,) = reconcile([_event("x", dets)], [stored])
    assert change.kind == "update"
    assert change.event.id == "ev-1"
    assert change.previous is stored


def test_a_phase_renamed_is_an_update() -> None:
    dets = [_det(s, k * 5.0) for k, s in enumerate(("AAA", "BBB", "CCC"))]
    (change,) = reconcile([_event("x", dets, phase="Pn")], [_event("ev-1", dets)])
    assert change.kind == "update"


def test_unmatched_hypothesis_is_new_and_disjoint_stored_event_untouched() -> None:
    old = _event("ev-1", [_det(s, k * 5.0) for k, s in enumerate(("AAA", "BBB", "CCC"))])
    new = _event("x", [_det(s, 600 + k * 5.0) for k, s in enumerate(("AAA", "BBB", "CCC"))])
    (change,) = reconcile([new], [old])
    assert change.kind == "new"
    assert change.event.id == new_event_id(new)


def test_two_stored_events_merged_into_one_hypothesis() -> None:
    dets = [_det(s, k * 5.0) for k, s in enumerate(("AAA", "BBB", "CCC", "DDD", "EEE"))]
    big, small = _event("ev-big", dets[:3]), _event("ev-small", dets[3:])
    changes = {c.event.id: c for c in reconcile([_event("x", dets)], [big, small])}
    assert changes["ev-big"].kind == "update"  # the one it shares most with keeps the identity
    assert changes["ev-small"].kind == "retract"
    assert changes["ev-small"].event.event_type == "not existing"
    assert changes["ev-small"].into == ("ev-big",)


def test_one_stored_event_split_keeps_its_id_on_the_larger_part() -> None:
    dets = [_det(s, k * 5.0) for k, s in enumerate(("AAA", "BBB", "CCC", "DDD", "EEE"))]
    stored = _event("ev-1", dets)
    part_a, part_b = _event("a", dets[:3]), _event("b", dets[3:], t=300.0)
    kinds = sorted((c.kind, c.event.id) for c in reconcile([part_a, part_b], [stored]))
    assert kinds == [("new", new_event_id(part_b)), ("update", "ev-1")]
