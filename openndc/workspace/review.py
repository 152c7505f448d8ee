"""What the workspace does to events: analyst edits, relocation with the pipeline's own
stage adapters, and publishing the reviewed version.

The browser holds the edits (retimed picks, phase names, removed arrivals, the event type)
and sends them whole; the server applies them to the stored event, runs
:class:`~openndc.pipeline.stages.LocationStage` and
:class:`~openndc.pipeline.stages.MagnitudeStage` (the code the batch and live runners use)
and answers the new origin, residuals, ellipse and magnitudes. Publishing stores the
result as a new version of the event (``review_status="reviewed"``, the analyst as author)
with :meth:`BulletinStore.store`, which keeps the automatic version among
:meth:`BulletinStore.versions`.

A retimed pick keeps its detection identifier (so automatic association, which leaves the
detections of reviewed events alone, does not reuse the original) and gets the analyst's
provenance; the original detection stays in the database as it was.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from obspy import UTCDateTime

from openndc import __version__
from openndc.bulletin import BulletinStore
from openndc.model.detection import Detection
from openndc.model.errors import OpenNDCError
from openndc.model.event import EVENT_TYPES, Arrival, Event, EventType
from openndc.model.inventory import MonitoringNetwork
from openndc.model.provenance import Provenance
from openndc.pipeline.contract import StageContext, WaveformSource, Window
from openndc.pipeline.identity import EventChange
from openndc.pipeline.process import ProcessConfig
from openndc.pipeline.stages import LocationStage, MagnitudeStage

__all__ = [
    "MAX_PICK_SHIFT_S",
    "Edits",
    "PickEdit",
    "ReviewError",
    "apply_edits",
    "parse_edits",
    "publish",
    "reject",
    "relocate",
]

#: A retimed pick may move at most this far from the detection's onset [s].
MAX_PICK_SHIFT_S = 600.0
_PHASE_CHARS = set("PSLgnbKRQcdpsiHTIabwmxyz0123456789")


class ReviewError(OpenNDCError):
    """An edit that cannot be applied (unknown pick, impossible time, bad phase)."""


@dataclass(frozen=True)
class PickEdit:
    """An analyst's change to one arrival: new onset, new phase name, or removal."""

    time: UTCDateTime | None = None
    phase: str | None = None
    removed: bool = False


@dataclass(frozen=True)
class Edits:
    """The analyst's edits of one event, as the page sends them."""

    picks: Mapping[str, PickEdit] = field(default_factory=dict)
    event_type: EventType | None = None
    #: Unassociated detections to associate: detection id -> phase name.
    added: Mapping[str, str] = field(default_factory=dict)

    @property
    def changes_arrivals(self) -> bool:
        return bool(self.picks) or bool(self.added)

    def as_dict(self) -> dict[str, Any]:
        return {
            "picks": {
                k: {
                    "time": None if p.time is None else str(p.time),
                    "phase": p.phase,
                    "removed": p.removed,
                }
                for k, p in self.picks.items()
            },
            "event_type": self.event_type,
            "added": dict(self.added),
        }


def parse_edits(payload: Any) -> Edits:
    """Edits from the page's JSON (``{"picks": {id: {"time", "phase", "removed"}},
    "event_type"}``); anything malformed is a :class:`ReviewError`."""
    if not isinstance(payload, dict):
        raise ReviewError("send a JSON object with 'picks' and 'event_type'")
    raw = payload.get("picks", {})
    raw = {} if raw is None else raw
    if not isinstance(raw, dict) or len(raw) > 2000:
        raise ReviewError("'picks' must be an object: detection id -> {time, phase, removed}")
    picks: dict[str, PickEdit] = {}
    for key, val in raw.items():
        if not isinstance(val, dict):
            raise ReviewError(f"pick {key!r}: give an object with time, phase or removed")
        t = val.get("time")
        time = None
        if t is not None:
            try:
                time = UTCDateTime(str(t))
            except Exception as exc:  # ObsPy raises several kinds
                raise ReviewError(f"pick {key!r}: bad time {t!r}: use ISO 8601 UTC") from exc
        phase = val.get("phase")
        if phase is not None:
            phase = str(phase).strip()
            if not _phase_ok(phase):
                raise ReviewError(f"pick {key!r}: bad phase name {phase!r} (e.g. Pn, Pg, Lg, S)")
        picks[str(key)] = PickEdit(time, phase, bool(val.get("removed", False)))
    etype = payload.get("event_type")
    if etype is not None and etype not in EVENT_TYPES:
        raise ReviewError(f"event type {etype!r}: use one of {', '.join(EVENT_TYPES)}")
    added = payload.get("added", {})
    added = {} if added is None else added
    if not isinstance(added, dict) or len(added) > 500:
        raise ReviewError("'added' must be an object: detection id -> phase name")
    for key, phase in added.items():
        if not _phase_ok(phase):
            raise ReviewError(f"added {key!r}: bad phase name {phase!r} (e.g. Pn, Pg, Lg, S)")
    return Edits(picks, cast("EventType | None", etype), {str(k): v for k, v in added.items()})


def _phase_ok(phase: object) -> bool:
    return isinstance(phase, str) and 0 < len(phase) <= 8 and set(phase) <= _PHASE_CHARS


def analyst_provenance(analyst: str, method: str, parameters: Mapping[str, Any]) -> Provenance:
    return Provenance(
        method=method, software_version=__version__, parameters=dict(parameters), author=analyst
    )


def apply_edits(
    event: Event, edits: Edits, analyst: str, candidates: Sequence[Detection] = ()
) -> Event:
    """``event`` with the edited arrivals (retimed, renamed, removed, added from
    ``candidates``: the unassociated detections offered) and event type."""
    prov = analyst_provenance(analyst, "openndc.workspace.pick", {})
    pool = {d.id: d for d in candidates}
    current = list(event.arrivals)
    have = {a.detection.id for a in current}
    for det_id, phase in edits.added.items():
        if det_id in have:
            continue
        if det_id not in pool:
            raise ReviewError(
                f"detection {det_id!r} is not an unassociated detection near event {event.id}"
            )
        current.append(Arrival(detection=pool[det_id], phase=phase, provenance=prov))
    known = {a.detection.id for a in current}
    unknown = sorted(set(edits.picks) - known)
    if unknown:
        raise ReviewError(f"event {event.id} has no arrival of detection {unknown[0]!r}")
    arrivals: list[Arrival] = []
    for arr in current:
        edit = edits.picks.get(arr.detection.id)
        if edit is None:
            arrivals.append(arr)
            continue
        if edit.removed:
            continue
        det = arr.detection
        if edit.time is not None and edit.time != det.time:
            if abs(float(edit.time - det.time)) > MAX_PICK_SHIFT_S:
                raise ReviewError(
                    f"pick {det.id}: {edit.time} is more than {MAX_PICK_SHIFT_S:g} s from the "
                    f"detection at {det.time}; add a new pick instead"
                )
            # the analyst's time: a manual pick (QuakeML evaluationMode, IMS1.0 Qual 'm')
            det = dataclasses.replace(
                det, time=edit.time, evaluation_mode="manual", provenance=prov
            )
        phase = edit.phase or arr.phase
        if phase != arr.phase and det is arr.detection:
            det = dataclasses.replace(det, provenance=prov)
        arrivals.append(dataclasses.replace(arr, detection=det, phase=phase, provenance=prov))
    if len(arrivals) < 1:
        raise ReviewError(f"event {event.id}: every arrival removed; reject the event instead")
    return dataclasses.replace(
        event,
        arrivals=tuple(arrivals),
        event_type=edits.event_type or event.event_type,
    )


def relocate(
    event: Event,
    network: MonitoringNetwork,
    config: ProcessConfig,
    store: BulletinStore,
    source: WaveformSource | None,
    analyst: str,
) -> Event:
    """Locate ``event`` from its (edited) arrivals and compute its magnitudes with the
    pipeline's stage adapters; the result is the analyst's (not stored)."""
    context = StageContext(network, store, source)
    t0 = event.origin.time
    window = Window(t0 - 1.0, t0 + 1.0)
    changes = [EventChange("update", event, previous=event)]
    located = LocationStage(config.location, config.runner.lookback).run(changes, window, context)
    if not located.products:
        raise ReviewError(
            f"event {event.id} cannot be located from these arrivals: keep at least three "
            "defining phases (or an array's azimuth and slowness)"
        )
    magnitude = MagnitudeStage(config.magnitude, config.runner.surface_wave_window)
    out = magnitude.run(located.products, window, context).products[0].event
    origin = out.origin
    oprov = origin.provenance
    origin = dataclasses.replace(
        origin,
        provenance=dataclasses.replace(oprov, author=analyst, created=UTCDateTime())
        if oprov is not None
        else analyst_provenance(analyst, "openndc.location", {}),
    )
    mags = tuple(
        dataclasses.replace(
            m,
            provenance=dataclasses.replace(m.provenance, author=analyst)
            if m.provenance is not None
            else None,
        )
        for m in out.magnitudes
    )
    return dataclasses.replace(out, origin=origin, magnitudes=mags)


def reviewed(event: Event, analyst: str, action: str, comment: str = "") -> Event:
    """``event`` marked as reviewed by ``analyst``."""
    return dataclasses.replace(
        event,
        review_status="reviewed",
        comment=comment or event.comment,
        provenance=analyst_provenance(analyst, f"openndc.workspace.{action}", {}),
    )


def publish(
    store: BulletinStore,
    event: Event,
    edits: Edits,
    network: MonitoringNetwork,
    config: ProcessConfig,
    source: WaveformSource | None,
    analyst: str,
    candidates: Sequence[Detection] = (),
) -> Event:
    """Store the reviewed version of ``event``: with edited arrivals it is relocated first
    (the stored origin always fits its arrivals); the automatic version is kept."""
    new = apply_edits(event, edits, analyst, candidates)
    if edits.changes_arrivals:
        new = relocate(new, network, config, store, source, analyst)
    new = reviewed(new, analyst, "publish")
    store.store(
        [new],
        analyst_provenance(analyst, "openndc.workspace.publish", {"event": event.id}),
        name=f"review by {analyst}",
    )
    return new


def reject(store: BulletinStore, event: Event, analyst: str, reason: str) -> Event:
    """Store a reviewed version of type ``"not existing"`` (QuakeML's retraction)."""
    new = dataclasses.replace(
        reviewed(event, analyst, "reject", comment=f"rejected by {analyst}: {reason}"[:500]),
        event_type="not existing",
    )
    store.store(
        [new],
        analyst_provenance(analyst, "openndc.workspace.reject", {"event": event.id}),
        name=f"review by {analyst}",
    )
    return new


def finite(x: float) -> float | None:
    """JSON-safe float: NaN and infinities become None."""
    v = float(x)
    return v if math.isfinite(v) else None
