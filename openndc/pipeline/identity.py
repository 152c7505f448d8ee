"""Stable event identity across windows: hypotheses of a window against stored events.

Association over a window sees the detections of its look-back too, so it rebuilds events
that earlier windows already stored. :func:`reconcile` decides, for each hypothesis, whether
it is one of those events (it shares detections with it: the one it shares most with, one
to one) or a new event:

- the same arrivals (detection identifiers and phase names) as the stored event: unchanged,
  nothing is written (a rerun is idempotent);
- different arrivals: a new version of the stored event, which keeps its identifier;
- no stored event shares a detection: a new event, whose identifier is derived from its
  content when it is first made (origin time and its detections), never from run order.

A stored event that no hypothesis took, but some of whose detections a hypothesis now
holds, was merged into that event: it gets a version of type ``"not existing"`` (QuakeML's
way to retract an event) naming the event it went into. Analyst-reviewed events are never
passed in: automatic processing does not change them.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from openndc.model.event import Event

__all__ = ["EventChange", "new_event_id", "reconcile"]

ChangeKind = Literal["new", "update", "unchanged", "retract"]


@dataclass(frozen=True)
class EventChange:
    """What a window does to one event: ``event`` as it should now be stored (with its
    stable identifier) and, for updates and retractions, the ``previous`` stored version."""

    kind: ChangeKind
    event: Event
    previous: Event | None = None
    #: For a retraction: the events that took its detections.
    into: tuple[str, ...] = ()


def new_event_id(event: Event, prefix: str = "ndc") -> str:
    """``ndcYYYYMMDDThhmmss-xxxx``: origin time of the first version and a hash of its
    detections' identifiers (unique even for two events in one second)."""
    names = "\n".join(sorted(a.detection.id for a in event.arrivals))
    digest = hashlib.sha1(names.encode(), usedforsecurity=False).hexdigest()[:4]
    return f"{prefix}{event.origin.time.strftime('%Y%m%dT%H%M%S')}-{digest}"


def _signature(event: Event) -> frozenset[tuple[str, str]]:
    return frozenset((a.detection.id, a.phase) for a in event.arrivals)


def _names(event: Event) -> set[str]:
    return {a.detection.id for a in event.arrivals}


def reconcile(
    hypotheses: Sequence[Event],
    stored: Sequence[Event],
    *,
    prefix: str = "ndc",
    keep: frozenset[str] = frozenset(),
) -> list[EventChange]:
    """The changes that make ``stored`` agree with ``hypotheses`` (see the module doc).

    A hypothesis whose id is in ``keep`` (an event of a reference bulletin, whose id comes
    from the reference) is matched only with the stored event of that id and keeps its id.
    """
    stored_names = [_names(e) for e in stored]
    hyp_names = [_names(h) for h in hypotheses]
    pairs: list[tuple[int, float, int, int]] = []
    for i, hn in enumerate(hyp_names):
        for j, sn in enumerate(stored_names):
            shared = len(hn & sn)
            if hypotheses[i].id in keep:
                shared = len(hn) + 1 if stored[j].id == hypotheses[i].id else 0
            if shared:
                dt = abs(float(hypotheses[i].origin.time - stored[j].origin.time))
                pairs.append((-shared, dt, i, j))
    pairs.sort()
    hyp_match: dict[int, int] = {}
    stored_match: dict[int, int] = {}
    for _, _, i, j in pairs:
        if i not in hyp_match and j not in stored_match:
            hyp_match[i] = j
            stored_match[j] = i
    changes: list[EventChange] = []
    taken_by: dict[str, str] = {}
    for i, hyp in enumerate(hypotheses):
        j_match = hyp_match.get(i)
        if j_match is None:
            new_id = hyp.id if hyp.id in keep else new_event_id(hyp, prefix)
            event = dataclasses.replace(hyp, id=new_id)
            changes.append(EventChange("new", event))
        else:
            old = stored[j_match]
            event = dataclasses.replace(hyp, id=old.id)
            same = _signature(hyp) == _signature(old)
            changes.append(EventChange("unchanged" if same else "update", event, old))
        for name in hyp_names[i]:
            taken_by[name] = event.id
    for j, old in enumerate(stored):
        if j in stored_match:
            continue
        into = sorted({taken_by[n] for n in stored_names[j] if n in taken_by})
        if into:
            retracted = dataclasses.replace(
                old,
                event_type="not existing",
                comment=f"merged into {', '.join(into)} by automatic association",
            )
            changes.append(EventChange("retract", retracted, old, tuple(into)))
    return changes
