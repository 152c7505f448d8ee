"""The batch runner: a thin loop over windows and the stages of :mod:`.stages`.

For each window ``[t, t + window)`` of the span, in time order:

1. **detection** (when the run starts from waveforms) — the windows' detection runs in
   worker processes, ahead of the rest; every detection is stored, associated or not;
2. **association** of the detections stored for the window and its look-back, reconciled
   with the events already stored (stable identity, :mod:`.identity`);
3. **location** and **magnitudes** of the new and changed events;
4. the changes are written as new event versions, and the window is recorded as done with
   the hash of the configuration.

The database is the whole state: a run that stops anywhere continues where it stopped, a
window already done with the same configuration is skipped (``reprocess`` runs it again),
and running the span as one run or as many consecutive runs gives the same bulletin.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from obspy import UTCDateTime

from openndc import __version__
from openndc.bulletin.screening_store import store_screening
from openndc.model.config import to_mapping
from openndc.model.detection import Detection
from openndc.model.errors import ConfigError
from openndc.model.event import Event
from openndc.model.provenance import Provenance
from openndc.model.quality import DataProblem
from openndc.model.screening import ScreeningResult
from openndc.pipeline.contract import StageContext, StageOutput, Window
from openndc.pipeline.detecting import detect_window
from openndc.pipeline.identity import EventChange
from openndc.pipeline.stages import (
    AssociationStage,
    DetectionStage,
    LocationStage,
    MagnitudeStage,
    ScreeningStage,
)

__all__ = [
    "Detector",
    "EventCallback",
    "RunReport",
    "WindowCallback",
    "WindowReport",
    "config_hash",
    "detect_windows",
    "run_batch",
    "windows_of",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WindowReport:
    """Progress of one window (passed to the progress callback)."""

    index: int
    total: int
    window: Window
    skipped: bool
    n_detections: int
    n_new: int
    n_updated: int
    n_retracted: int
    elapsed: float


@dataclass
class RunReport:
    """What a batch run did: windows processed and skipped, events made and changed."""

    windows: list[Window]
    skipped: list[Window] = field(default_factory=list)
    #: Windows left out because no detection lies within their association span (a run
    #: from stored detections: ``detection_times``); nothing could change there.
    empty: list[Window] = field(default_factory=list)
    n_detections: int = 0
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    problems: list[DataProblem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def processed(self) -> int:
        return len(self.windows) - len(self.skipped) - len(self.empty)


WindowCallback = Callable[[WindowReport], None]
#: Runs the detection stage over windows, yielding ``(window, output)`` in time order.
Detector = Callable[
    [DetectionStage, Sequence[Window], StageContext],
    Iterator[tuple[Window, StageOutput[list[Detection]]]],
]
#: Called for each event a window made or changed: (kind, event).
EventCallback = Callable[[str, Event], None]


def windows_of(start: UTCDateTime, end: UTCDateTime, length: float) -> list[Window]:
    """Consecutive windows ``[t, t + length)`` covering ``[start, end)``, aligned on
    ``start``; the last one ends at ``end``."""
    if length <= 0:
        raise ConfigError(f"window length must be positive, got {length} s")
    out: list[Window] = []
    t = UTCDateTime(start)
    while t < end:
        out.append(Window(t, min(t + length, UTCDateTime(end))))
        t = t + length
    if not out:
        Window(UTCDateTime(start), UTCDateTime(end))  # raises the empty-window error
    return out


def config_hash(config: Any, *extra: str) -> str:
    """SHA-256 of the configuration's canonical JSON (and of ``extra`` strings)."""
    text = json.dumps(to_mapping(config), sort_keys=True, default=str)
    h = hashlib.sha256(text.encode())
    for e in extra:
        h.update(b"\0" + e.encode())
    return h.hexdigest()


def detect_windows(
    stage: DetectionStage,
    windows: Sequence[Window],
    context: StageContext,
    *,
    workers: int | None = None,
) -> Iterator[tuple[Window, StageOutput[list[Detection]]]]:
    """The detection stage over ``windows``, in worker processes, yielded in time order.

    Workers get the context without the database (detection does not need it) and call
    :func:`~openndc.pipeline.detecting.detect_window`, whose module imports only the
    detection stage: a worker does not import association, location and the rest.
    """
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(windows)))
    light = StageContext(context.inventory, None, context.source, context.source_label)
    if n_workers == 1:
        for w in windows:
            yield w, detect_window(stage, w, light)
        return
    # "spawn": forking a process whose numba/OpenMP threads already run is unsafe (the child
    # can die abruptly); fresh interpreters cost ~1 s each, once per run.
    mp = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=mp) as pool:
        futures: list[Future[StageOutput[list[Detection]]]] = [
            pool.submit(detect_window, stage, w, light) for w in windows
        ]
        for w, fut in zip(windows, futures, strict=True):
            yield w, fut.result()


@dataclass(frozen=True)
class _Stages:
    detection: DetectionStage
    association: AssociationStage
    location: LocationStage
    magnitude: MagnitudeStage
    screening: ScreeningStage


def _stages(config: Any) -> _Stages:
    r = config.runner
    return _Stages(
        DetectionStage(config.detection),
        AssociationStage(config.association, lookback=r.lookback),
        LocationStage(config.location, lookback=r.lookback),
        MagnitudeStage(config.magnitude, surface_wave_window=r.surface_wave_window),
        ScreeningStage(config.screening),
    )


def run_batch(
    context: StageContext,
    config: Any,
    start: UTCDateTime,
    end: UTCDateTime,
    *,
    detect: bool = True,
    reprocess: bool = False,
    workers: int | None = None,
    identity: str = "",
    progress: WindowCallback | None = None,
    on_event: EventCallback | None = None,
    detector: Detector | None = None,
    detection_times: Sequence[UTCDateTime] | None = None,
) -> RunReport:
    """Process ``[start, end)`` window by window into ``context.store`` (a ``ProcessConfig``).

    ``detect`` runs the detection stage on ``context.source``; without it the run starts
    from the detections already stored (``openndc locate``). ``identity`` names the input
    (the archive, the detections file) in the configuration hash that decides which
    windows are already done. ``detector`` runs the detection stage over the windows to
    do and yields the results in time order: by default :func:`detect_windows` (worker
    processes on this machine); the cluster runner passes one that runs on Dask workers.
    ``detection_times`` (a run from stored detections: the times of those detections)
    leaves out the windows with none in ``[start - lookback, end)``, the span a window's
    association reads: a span of years with events days apart (a bulletin's readings) is
    otherwise hundreds of thousands of empty windows.
    """
    store = context.require_store("batch runner")
    t_begin = time.perf_counter()
    cpu_begin = _cpu_seconds()
    length = float(config.runner.window)
    windows = windows_of(start, end, length)
    chash = config_hash(config, f"window={length}", f"detect={detect}", identity)
    report = RunReport(windows)
    todo: list[Window] = []
    busy: npt.NDArray[np.float64] | None = None
    if detection_times is not None and not detect:
        busy = np.sort(np.array([float(t.timestamp) for t in detection_times]))
    lookback = float(config.runner.lookback)
    for w in windows:
        if busy is not None:
            i = int(np.searchsorted(busy, float(w.start.timestamp) - lookback))
            if i >= busy.size or busy[i] >= float(w.end.timestamp):
                report.empty.append(w)
                continue
        if not reprocess and store.window_done(w.start, w.end, chash):
            report.skipped.append(w)
        else:
            todo.append(w)
    if report.skipped:
        log.info(
            "%d of %d windows already processed with this configuration: skipped",
            len(report.skipped),
            len(windows),
        )
    stages = _stages(config)
    det_stage = stages.detection
    timings = dict.fromkeys(
        ("detection", "association", "location", "magnitude", "screening", "store"), 0.0
    )
    provenance = Provenance(
        method="openndc.pipeline.run_batch",
        software_version=__version__,
        parameters={"config_hash": chash, "source": context.source_label, **to_mapping(config)},
    )

    def detected() -> Iterator[tuple[Window, StageOutput[list[Detection]] | None]]:
        if not detect:
            yield from ((w, None) for w in todo)
            return
        t0 = time.perf_counter()
        if detector is not None:
            results = detector(det_stage, todo, context)
        else:
            results = detect_windows(det_stage, todo, context, workers=workers)
        for w, out in results:
            timings["detection"] += time.perf_counter() - t0
            yield w, out
            t0 = time.perf_counter()

    for k, (w, det_out) in enumerate(detected()):
        t_w = time.perf_counter()
        wid = store.begin_window(w.start, w.end, chash, context.source_label, provenance)
        problems: list[DataProblem] = []
        n_det = 0
        if det_out is not None:
            store.store_detections(det_out.products, window_id=wid, span=(w.start, w.end))
            problems.extend(det_out.problems)
            n_det = len(det_out.products)
        timings["store"] += time.perf_counter() - t_w
        changes, screened = _events_of_window(w, context, stages, timings, problems)
        t_s = time.perf_counter()
        written = [c for c in changes if c.kind != "unchanged"]
        if written:
            store.store([c.event for c in written], provenance, name="automatic")
        kept = {c.event.id for c in written}
        results = [r for r in screened if r.event_id in kept]
        if results:
            store_screening(store, results)
        store.finish_window(
            wid,
            n_detections=n_det,
            n_events_new=sum(c.kind == "new" for c in changes),
            n_events_updated=sum(c.kind == "update" for c in changes),
            problems=problems,
        )
        timings["store"] += time.perf_counter() - t_s
        for c in written:
            {"new": report.new, "update": report.updated, "retract": report.retracted}[
                c.kind
            ].append(c.event.id)
            if on_event is not None:
                on_event(c.kind, c.event)
        report.n_detections += n_det
        report.problems.extend(problems)
        if progress is not None:
            progress(
                WindowReport(
                    index=len(report.skipped) + len(report.empty) + k + 1,
                    total=len(windows),
                    window=w,
                    skipped=False,
                    n_detections=n_det,
                    n_new=sum(c.kind == "new" for c in changes),
                    n_updated=sum(c.kind == "update" for c in changes),
                    n_retracted=sum(c.kind == "retract" for c in changes),
                    elapsed=time.perf_counter() - t_begin,
                )
            )
    timings["total"] = time.perf_counter() - t_begin
    cpu_end = _cpu_seconds()
    timings["cpu_main"] = cpu_end[0] - cpu_begin[0]
    timings["cpu_workers"] = cpu_end[1] - cpu_begin[1]
    report.timings = timings
    _warn_uncalibrated(report.problems)
    return report


def _cpu_seconds() -> tuple[float, float]:
    """CPU time [s] of this process and of its finished child processes (the detection
    workers, once their pool has shut down), user and system together."""
    import resource

    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time(), child.ru_utime + child.ru_stime


def _warn_uncalibrated(problems: Sequence[DataProblem]) -> None:
    """One WARNING per run naming the stations whose amplitudes gave no magnitude."""
    bad: dict[str, str] = {}
    for p in problems:
        if p.kind == "no_response":
            bad.setdefault(p.stream, p.message)
    if not bad:
        return
    units = sorted(set(bad.values()))
    names = sorted(bad)
    shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
    log.warning(
        "no ML or mb from %d station(s) whose amplitudes are not ground motion (%s): %s. "
        "Give them an instrument response or sensitivity (StationXML), or an "
        "amplitude_unit of nm in the detections table.",
        len(names),
        "; ".join(units),
        shown,
    )


def _events_of_window(
    window: Window,
    context: StageContext,
    stages: _Stages,
    timings: dict[str, float],
    problems: list[DataProblem],
) -> tuple[list[EventChange], list[ScreeningResult]]:
    """Association → location → magnitudes → screening for one window: the changes to
    store and the screening results."""
    t0 = time.perf_counter()
    assoc = stages.association.run(None, window, context)
    t1 = time.perf_counter()
    located = stages.location.run(assoc.products, window, context)
    t2 = time.perf_counter()
    measured = stages.magnitude.run(located.products, window, context)
    t3 = time.perf_counter()
    screened = stages.screening.run(measured.products, window, context)
    t4 = time.perf_counter()
    timings["association"] += t1 - t0
    timings["location"] += t2 - t1
    timings["magnitude"] += t3 - t2
    timings["screening"] += t4 - t3
    problems.extend([*assoc.problems, *located.problems, *measured.problems, *screened.problems])
    changes = screened.products.changes
    # A retraction is kept only when the events that took its detections are kept.
    kept_ids = {c.event.id for c in changes if c.kind != "retract"}
    out = [c for c in changes if c.kind != "retract" or set(c.into) <= kept_ids]
    return out, screened.products.results
