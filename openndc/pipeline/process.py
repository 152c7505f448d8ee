"""The pipeline's configuration, and in-memory entry points over the batch runner.

``openndc process``, ``openndc locate``, the demo and these functions all run
:func:`openndc.pipeline.runner.run_batch`: the same windows and stage adapters
(:mod:`openndc.pipeline.stages`) over a bulletin database. :func:`build_bulletin` (from
detections) and :func:`process` (from waveforms) use a private in-memory database and
return the bulletin, for library use, tests and benchmarks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from obspy import Stream, UTCDateTime

from openndc.association import AssociationConfig
from openndc.bulletin import BulletinStore
from openndc.detection.config import DetectionConfig
from openndc.location import LocationConfig
from openndc.magnitude import MagnitudeConfig
from openndc.model.config import field_
from openndc.model.detection import Detection
from openndc.model.event import Bulletin, Event
from openndc.model.inventory import MonitoringNetwork
from openndc.model.quality import DataProblem
from openndc.pipeline.contract import StageContext, WaveformSource
from openndc.pipeline.runner import RunReport, WindowCallback, run_batch
from openndc.pipeline.stages import with_stable_ids
from openndc.screening import ScreeningConfig

__all__ = [
    "BulletinResult",
    "ProcessConfig",
    "ProcessResult",
    "RunnerConfig",
    "build_bulletin",
    "process",
]

#: Called after each event is finished: (index, total, event or None when dropped).
EventProgress = Callable[[int, int, Event | None], None]


@dataclass(frozen=True)
class RunnerConfig:
    """How runs are cut into windows and how far back association looks."""

    window: float = field_(
        3600.0,
        unit="s",
        help="processing window: detection, association and the database state advance by "
        "this much at a time (a run resumes at window boundaries)",
    )
    lookback: float = field_(
        1800.0,
        unit="s",
        help="association look-back: detections this long before a window are associated "
        "again with it, so that an event whose arrivals straddle windows is one event; at "
        "least the longest time from an origin to its last associated arrival (PKP at "
        "~20 min)",
    )
    surface_wave_window: float = field_(
        6400.0,
        unit="s",
        help="waveforms read after an origin for Ms (Rayleigh waves at 160 deg and 2.9 km/s "
        "arrive ~1.7 h after the origin)",
    )


@dataclass(frozen=True)
class ProcessConfig:
    """The whole pipeline: one table per stage in the TOML file."""

    detection: DetectionConfig = field_(DetectionConfig(), help="the detection stage")
    association: AssociationConfig = field_(AssociationConfig(), help="the association stage")
    location: LocationConfig = field_(LocationConfig(), help="the location stage")
    magnitude: MagnitudeConfig = field_(MagnitudeConfig(), help="the magnitude stage")
    screening: ScreeningConfig = field_(ScreeningConfig(), help="the screening stage")
    runner: RunnerConfig = field_(RunnerConfig(), help="windows and look-back of every runner")


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


@dataclass(frozen=True)
class _ReadResult:
    stream: Stream
    problems: tuple[DataProblem, ...] = ()


@dataclass(frozen=True)
class _CallableSource:
    """A ``read_window(start, end) -> Stream`` function as a waveform source."""

    read_window: Callable[[UTCDateTime, UTCDateTime], Stream]

    def read(self, start: UTCDateTime, end: UTCDateTime) -> _ReadResult:
        return _ReadResult(self.read_window(start, end))


def _unassociated(detections: Sequence[Detection], bulletin: Bulletin) -> list[Detection]:
    used = {a.detection.id for e in bulletin for a in e.arrivals}
    return [d for d in detections if d.id not in used]


def _progress(report: RunReport, progress: EventProgress | None, store: BulletinStore) -> None:
    if progress is None:
        return
    ids = list(dict.fromkeys([*report.new, *report.updated]))
    events = {e.id: e for e in store.load(event_ids=ids)}
    for k, eid in enumerate(ids):
        progress(k + 1, len(ids), events.get(eid))


def build_bulletin(
    detections: Sequence[Detection],
    network: MonitoringNetwork,
    config: ProcessConfig | None = None,
    *,
    read_window: Callable[[UTCDateTime, UTCDateTime], Stream] | None = None,
    progress: EventProgress | None = None,
) -> BulletinResult:
    """Associate ``detections``, locate each event and compute its magnitudes.

    Runs the batch runner from the detections (no detection stage) over the span they
    cover, in a private in-memory database. ``read_window(start, end)`` gives waveforms
    for surface-wave magnitudes (optional).
    """
    config = config or ProcessConfig()
    dets = with_stable_ids(detections)
    with BulletinStore("sqlite://") as store:
        if not dets:
            return BulletinResult(Bulletin((), None, name="automatic"))
        store.store_detections(dets)
        start = UTCDateTime(int(min(d.time for d in dets).timestamp))
        end = max(d.time for d in dets) + 1.0
        source = _CallableSource(read_window) if read_window is not None else None
        context = StageContext(network, store, source)
        report = run_batch(context, config, start, end, detect=False)
        bulletin = store.load(start - config.runner.lookback, end, name="automatic")
        _progress(report, progress, store)
    timings = {k: v for k, v in report.timings.items() if k != "detection"}
    return BulletinResult(bulletin, _unassociated(dets, bulletin), [], timings)


def process(
    source: WaveformSource,
    network: MonitoringNetwork,
    start: UTCDateTime,
    end: UTCDateTime,
    config: ProcessConfig | None = None,
    *,
    workers: int | None = None,
    progress: WindowCallback | None = None,
    event_progress: EventProgress | None = None,
    surface_waves: bool = True,
) -> ProcessResult:
    """Detection over ``[start, end)`` of ``source``, then association → location →
    magnitudes, window by window, in a private in-memory database."""
    config = config or ProcessConfig()
    if not surface_waves:
        from dataclasses import replace

        config = replace(config, magnitude=replace(config.magnitude, ms=replace(
            config.magnitude.ms, enabled=False)))  # fmt: skip
    with BulletinStore("sqlite://") as store:
        context = StageContext(network, store, source)
        report = run_batch(context, config, start, end, workers=workers, progress=progress)
        detections = store.load_detections(start, end)
        bulletin = store.load(start - config.runner.lookback, end, name="automatic")
        _progress(report, event_progress, store)
    return ProcessResult(
        detections,
        bulletin,
        _unassociated(detections, bulletin),
        report.problems,
        report.timings,
    )
