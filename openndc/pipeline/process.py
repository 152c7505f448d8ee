"""From detections to a bulletin, and from an archive to a bulletin.

The runner puts the stage functions together in the order an NDC runs them::

    detection → association → location → magnitudes → bulletin (database)

:func:`build_bulletin` starts from detections (``openndc locate``: detections made here or
elsewhere); :func:`process` starts from waveforms (``openndc process``). Both call the same
stage functions the real-time loop will wrap, and time every stage.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from obspy import Stream, UTCDateTime

from openndc import __version__
from openndc.association import AssociationConfig, associate
from openndc.detection.config import DetectionConfig
from openndc.location import LocationConfig, locate
from openndc.magnitude import MagnitudeConfig, compute_magnitudes
from openndc.model.config import field_
from openndc.model.detection import Detection
from openndc.model.errors import DataQualityWarning, LocationError, MagnitudeError
from openndc.model.event import Bulletin, Event
from openndc.model.inventory import MonitoringNetwork
from openndc.model.provenance import Provenance
from openndc.model.quality import DataProblem
from openndc.pipeline.batch import ProgressCallback, WaveformSource, run_detection

__all__ = [
    "BulletinResult",
    "ProcessConfig",
    "ProcessResult",
    "build_bulletin",
    "process",
]

log = logging.getLogger(__name__)

#: Called after each event is finished: (index, total, event or None when dropped).
EventProgress = Callable[[int, int, Event | None], None]


@dataclass(frozen=True)
class ProcessConfig:
    """The whole pipeline: one table per stage in the TOML file."""

    detection: DetectionConfig = field_(DetectionConfig(), help="the detection stage")
    association: AssociationConfig = field_(AssociationConfig(), help="the association stage")
    location: LocationConfig = field_(LocationConfig(), help="the location stage")
    magnitude: MagnitudeConfig = field_(MagnitudeConfig(), help="the magnitude stage")


@dataclass
class BulletinResult:
    """What :func:`build_bulletin` made: the bulletin, what was left, and stage timings [s]."""

    bulletin: Bulletin
    unassociated: list[Detection] = field(default_factory=list)
    dropped: list[Event] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class ProcessResult:
    """What :func:`process` made: detections, the bulletin, data problems and timings [s]."""

    detections: list[Detection]
    bulletin: Bulletin
    unassociated: list[Detection]
    problems: list[DataProblem]
    timings: dict[str, float]


def _usable(detections: Sequence[Detection], network: MonitoringNetwork) -> list[Detection]:
    """Detections with a finite time on a station the inventory knows; the rest is warned."""
    out: list[Detection] = []
    unknown: dict[str, int] = {}
    arrays = {a.code for a in network.arrays}
    for det in detections:
        if det.station not in arrays and network.find_station(det.station) is None:
            unknown[det.station] = unknown.get(det.station, 0) + 1
            continue
        out.append(det)
    for code, n in sorted(unknown.items()):
        warnings.warn(
            f"station {code!r} has {n} detection(s) but is not in the inventory "
            f"{network.name!r}: skipped (add it to the inventory to use them)",
            DataQualityWarning,
            stacklevel=2,
        )
    return out


def _stream_for(
    event: Event, read_window: Callable[[UTCDateTime, UTCDateTime], Stream] | None
) -> Stream | None:
    """Waveforms for Ms: only when a station is at teleseismic distance (>= 20 deg)."""
    if read_window is None or not any(
        math.isfinite(a.distance) and a.distance >= 20.0 for a in event.arrivals
    ):
        return None
    t0 = event.origin.time
    # Rayleigh waves at 160 deg and 2.9 km/s arrive ~1.7 h after the origin.
    return read_window(t0, t0 + 6400.0)


def build_bulletin(
    detections: Sequence[Detection],
    network: MonitoringNetwork,
    config: ProcessConfig | None = None,
    *,
    read_window: Callable[[UTCDateTime, UTCDateTime], Stream] | None = None,
    progress: EventProgress | None = None,
) -> BulletinResult:
    """Associate ``detections``, locate each event and compute its magnitudes.

    ``read_window(start, end)`` gives waveforms for surface-wave magnitudes (optional).
    Events whose location fails are dropped with a warning naming them (their detections
    count as unassociated); a magnitude failure leaves the event without that magnitude.
    """
    config = config or ProcessConfig()
    timings: dict[str, float] = {}
    usable = _usable(detections, network)
    t0 = time.perf_counter()
    assoc = associate(usable, network, config.association)
    timings["association"] = time.perf_counter() - t0
    events: list[Event] = []
    dropped: list[Event] = []
    unassociated = list(assoc.unassociated)
    t_loc = t_mag = 0.0
    for k, hypo in enumerate(assoc.events):
        t1 = time.perf_counter()
        try:
            loc = locate(hypo.arrivals, network, config.location, initial=hypo.origin)
        except LocationError as exc:
            log.warning("event %s at %s not located: %s", hypo.id, hypo.origin.time, exc)
            dropped.append(hypo)
            unassociated.extend(a.detection for a in hypo.arrivals)
            t_loc += time.perf_counter() - t1
            if progress is not None:
                progress(k + 1, len(assoc.events), None)
            continue
        event = dataclasses.replace(hypo, origin=loc.origin, arrivals=tuple(loc.arrivals))
        t2 = time.perf_counter()
        t_loc += t2 - t1
        try:
            event = compute_magnitudes(
                event, network, config.magnitude, stream=_stream_for(event, read_window)
            )
        except MagnitudeError as exc:
            log.warning("event %s: no magnitude: %s", event.id, exc)
        t_mag += time.perf_counter() - t2
        events.append(event)
        if progress is not None:
            progress(k + 1, len(assoc.events), event)
    timings["location"] = t_loc
    timings["magnitude"] = t_mag
    provenance = Provenance(
        method="openndc pipeline: association, location, magnitudes",
        software_version=__version__,
        parameters={
            "association_model": config.association.model,
            "location_model": config.location.model,
            "n_detections": len(detections),
        },
    )
    bulletin = Bulletin(tuple(events), provenance, name="automatic").sorted()
    return BulletinResult(bulletin, unassociated, dropped, timings)


def process(
    source: WaveformSource,
    network: MonitoringNetwork,
    start: UTCDateTime,
    end: UTCDateTime,
    config: ProcessConfig | None = None,
    *,
    chunk: float = 3600.0,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    event_progress: EventProgress | None = None,
    surface_waves: bool = True,
) -> ProcessResult:
    """Detection over ``[start, end)`` of ``source``, then :func:`build_bulletin`."""
    config = config or ProcessConfig()
    t0 = time.perf_counter()
    det = run_detection(
        source,
        network,
        start,
        end,
        config.detection,
        chunk=chunk,
        workers=workers,
        progress=progress,
    )
    t_det = time.perf_counter() - t0

    def read_window(t_a: UTCDateTime, t_b: UTCDateTime) -> Stream:
        return source.read(max(t_a, start), min(t_b, end)).stream

    built = build_bulletin(
        det.detections,
        network,
        config,
        read_window=read_window if surface_waves else None,
        progress=event_progress,
    )
    timings = {"detection": t_det, **built.timings, "total": time.perf_counter() - t0}
    return ProcessResult(
        list(det.detections), built.bulletin, built.unassociated, list(det.problems), timings
    )
