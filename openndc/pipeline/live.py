"""The live runner: the batch runner's loop on short windows as data arrive.

Acquisition (:class:`openndc.acquisition.Acquisition`) writes every SeedLink record into the
SDS archive exactly once and reports it; :class:`DataClock` follows, per channel, the end of
the newest archived data, and says up to when the network's data are complete enough to
process. :class:`LiveRunner` then runs :func:`~openndc.pipeline.runner.run_batch` (the same
stage adapters, the same database state) on every complete block ``[t, t + block)`` whose
tail (the detection stage's declared margin after the window) has arrived too. Association
slides over the database: each block re-associates the look-back, so an event appears,
gains arrivals as they come (new origin versions, the same identifier) and is closed once
its origin is older than the look-back. Blocks done are recorded, so a restart continues
where the last run stopped.

By default (``streaming=True``) detection does not wait for blocks: every archived record
is handed to :class:`~openndc.detection.streaming.StreamingDetector` (the detection
stage's kernels with their filter and STA/LTA state carried per channel), whose detections
are stored as soon as their onsets are fixed (and stored again, superseding, when the
station-level measurements follow); arrays too (beams, their STA/LTA and f-k, state
carried per array; ``stream_arrays=False``: the detection stage per complete block of their
elements instead). An array arrival is stored as soon as it is measured; when a later,
stronger one within ``merge_window`` replaces it (the batch detector's rule), the replaced
one is *withdrawn*: marked superseded in the database (kept there, as a window rerun's
superseded rows), which changes association's input as a new detection does, so the next
association run no longer reads it (an event that had it gets a new origin version with
the same identifier). Association, location and magnitudes then run
event-driven, when a detection was added or an update changed what association reads
(not the amplitudes alone, nor a detection stored again unchanged) and at most every
``associate_every`` seconds,
through :func:`~openndc.pipeline.runner.run_batch` on the detections stored (the same
stage adapters, look-back and identity rules). With ``streaming=False`` the whole batch
runner runs per block, detection included (reading ``warm-up + block + tail`` per block).
See docs/live.md for what each costs and the latencies measured.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from obspy import UTCDateTime
from sqlalchemy.exc import OperationalError

from openndc import __version__
from openndc.detection.streaming import StreamingDetector
from openndc.model.config import to_mapping
from openndc.model.detection import AMPLITUDE_COLUMNS, Detection
from openndc.model.errors import BulletinError
from openndc.model.provenance import Provenance
from openndc.pipeline.contract import StageContext, Window, select_stations
from openndc.pipeline.process import ProcessConfig
from openndc.pipeline.runner import EventCallback, RunReport, WindowCallback, run_batch
from openndc.pipeline.stages import DetectionStage, with_stable_ids

__all__ = ["DataClock", "DetectionCallback", "LiveRunner"]

log = logging.getLogger(__name__)


@dataclass
class DataClock:
    """Up to when the archive holds the network's data.

    ``quorum`` of the channels heard from in the last ``silent_after`` seconds (of data
    time) must have data up to the clock: a station that goes silent does not stop the
    pipeline, and a few late channels do not hold it back.
    """

    quorum: float = 0.95
    silent_after: float = 600.0
    #: Channels whose records span more than this [s] (long-period channels: a 1-Hz LHZ
    #: record holds minutes) are followed but not waited for.
    slow_record: float = 60.0
    _ends: dict[str, int] = field(default_factory=dict)
    _slow: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, stream: str, end: UTCDateTime, start: UTCDateTime | None = None) -> None:
        """Data of ``stream`` are archived up to ``end`` (a record from ``start``)."""
        ns = int(end.ns)
        with self._lock:
            if start is not None and end - start > self.slow_record:
                self._slow.add(stream)
            if ns > self._ends.get(stream, -(2**62)):
                self._ends[stream] = ns

    def now(self) -> UTCDateTime | None:
        """The data time up to which the quorum of live channels has data (None: no data)."""
        with self._lock:
            if not self._ends:
                return None
            fast = [e for k, e in self._ends.items() if k not in self._slow]
            ends = np.array(fast or list(self._ends.values()), dtype=np.int64)
        newest = int(ends.max())
        live = ends[ends >= newest - int(self.silent_after * 1e9)]
        k = int(np.floor((1.0 - self.quorum) * (len(live) - 1)))
        return UTCDateTime(ns=int(np.sort(live)[k]))


#: Called with the detections just stored (new ones and updates): the streaming mode's
#: progress hook (benchmarks measure latency with it).
DetectionCallback = Callable[[list[Detection]], None]


def _association_input(det: Detection) -> tuple[Any, ...]:
    """What association and location read of a detection (its time first): every
    measurement but the amplitudes."""
    rec = {f.name: getattr(det, f.name) for f in dataclasses.fields(det) if f.compare}
    values = [rec.pop("time").timestamp]
    values += [
        repr(v) if isinstance(v, float) else v  # nan == nan
        for k, v in sorted(rec.items())
        if k not in AMPLITUDE_COLUMNS
    ]
    return tuple(values)


@dataclass
class LiveRunner:
    """The pipeline on data as they arrive (see the module docstring).

    Streaming (default): records go in with :meth:`feed` (any thread); :meth:`step` detects
    on them, stores the detections and associates when due. Blocks (``streaming=False``):
    :meth:`step` runs the batch runner on every complete block of ``config.runner.window``.
    """

    context: StageContext
    config: ProcessConfig
    start: UTCDateTime | None = None
    progress: WindowCallback | None = None
    on_event: EventCallback | None = None
    identity: str = "live"
    streaming: bool = True
    associate_every: float = 5.0
    #: arrays streamed (beams and f-k with state, arrivals stored once measured, withdrawn
    #: when a stronger one replaces them; the default) or, False, the detection stage per
    #: complete block of their elements
    stream_arrays: bool = True
    on_detections: DetectionCallback | None = None
    #: called with the identifiers of the detections just withdrawn (marked superseded)
    on_withdrawn: Callable[[list[str]], None] | None = None
    reports: list[RunReport] = field(default_factory=list)
    n_detections: int = 0
    #: array arrivals withdrawn so far (replaced by a stronger one within merge_window)
    n_withdrawn: int = 0
    _next: UTCDateTime | None = None
    _queue: queue.SimpleQueue[tuple[str, UTCDateTime, float, Any]] = field(
        default_factory=queue.SimpleQueue, repr=False
    )
    _detector: StreamingDetector | None = field(default=None, repr=False)
    _head: tuple[str, UTCDateTime, float, Any] | None = field(default=None, repr=False)
    _fed: DataClock = field(default_factory=DataClock, repr=False)
    _arrays: list[str] = field(default_factory=list, repr=False)
    _array_next: UTCDateTime | None = None
    _dirty: bool = False
    _last_assoc: float = 0.0
    _assoc: threading.Thread | None = field(default=None, repr=False)
    #: detections made and not yet stored (a store that found the database locked by the
    #: association run's write is tried again on the next record)
    _unstored: dict[str, Detection] = field(default_factory=dict, repr=False)
    #: identifiers of detections withdrawn and not yet marked superseded (same retry)
    _withdraw: set[str] = field(default_factory=set, repr=False)
    _assoc_out: list[RunReport | BaseException] = field(default_factory=list, repr=False)
    #: wall seconds each association run took (a benchmark's evidence)
    assoc_seconds: list[float] = field(default_factory=list)
    #: when each association run began (``time.monotonic()``), beside ``assoc_seconds``
    assoc_started: list[float] = field(default_factory=list)
    #: what association reads of each detection stored (by id), to run it again only when
    #: that changed
    _inputs: dict[str, tuple[Any, ...]] = field(default_factory=dict, repr=False)

    @property
    def block(self) -> float:
        return float(self.config.runner.window)

    def _tail(self) -> float:
        return DetectionStage(self.config.detection).margins().after

    def feed(self, stream: str, start: UTCDateTime, sample_rate: float, samples: Any) -> None:
        """Samples newly archived (acquisition's ``on_record``); cheap, thread-safe."""
        if self.streaming:
            self._queue.put((stream, start, float(sample_rate), samples))

    def step(self, data_time: UTCDateTime | None) -> RunReport | None:
        """Detect on what arrived and associate when due (streaming), or process every
        block complete at ``data_time`` with its tail (blocks); None if nothing ran."""
        if not self.streaming:
            return self._step_blocks(data_time)
        self._detect()
        if data_time is not None:
            self._detect_arrays(data_time)
        report = self._associated()
        # associate up to the data the detector has seen (behind the archive in a catch-up)
        fed = self._fed.now()
        if data_time is None or fed is None or not self._dirty or self._assoc is not None:
            return report
        if time.monotonic() - self._last_assoc < self.associate_every:
            return report
        # Association runs beside detection (its own thread): records keep being detected
        # on and detections stored while it works, instead of queueing behind it.
        until = min(data_time, fed)
        self._dirty = False
        self._assoc = threading.Thread(
            target=self._associate_into, args=(until,), name="openndc-associate", daemon=True
        )
        self._assoc.start()
        return report

    def _associate_into(self, data_time: UTCDateTime) -> None:
        try:
            report = self._associate(data_time)
            if report is not None:
                self._assoc_out.append(report)
        except BaseException as exc:  # re-raised in the runner's thread by _associated
            self._assoc_out.append(exc)

    def _associated(self, wait: bool = False) -> RunReport | None:
        """The report of the association run that ended (re-raising its error), if any."""
        if self._assoc is None or (self._assoc.is_alive() and not wait):
            return None
        self._assoc.join()
        self._assoc = None
        out = self._assoc_out[:]
        self._assoc_out.clear()
        for item in out:
            if isinstance(item, BaseException):
                raise item
        return out[-1] if out else None  # type: ignore[return-value]

    def _detect(self, budget: float = 1.0) -> None:
        """Feed the records queued to the detector (for at most ``budget`` seconds, so that
        association runs in time during a catch-up) and store what it emitted."""
        t_end = time.monotonic() + budget
        while time.monotonic() < t_end:
            try:
                if self._head is not None:
                    (stream, start, fs, samples), self._head = self._head, None
                else:
                    stream, start, fs, samples = self._queue.get_nowait()
            except queue.Empty:
                break
            if self._detector is None:
                network, _ = self.context.network(Window(start, start + 1.0))
                self._detector = StreamingDetector(
                    network, self.config.detection, arrays=self.stream_arrays
                )
                self._arrays = sorted(
                    {e.station for a in network.arrays for e in a.elements}
                    if self.config.detection.array.enabled and not self.stream_arrays
                    else set()
                )
            for det in self._detector.feed(stream, start, fs, samples):
                self._unstored[det.id] = det
            self._take_withdrawn()
            self._store_now()
            self._fed.record(stream, start + len(samples) / fs, start)
        self._store_now()

    def _take_withdrawn(self) -> None:
        """The array arrivals the detector withdrew (a stronger one replaced each): to be
        marked superseded once stored."""
        if self._detector is None:
            return
        for det in self._detector.withdrawn():
            self._withdraw.add(det.id or det.stable_id)

    def _store_now(self) -> None:
        """Store the detections made and mark those withdrawn, at once; kept for the next
        try when the database is locked (SQLite: one writer at a time, and association may
        be writing)."""
        if not self._unstored and not self._withdraw:
            return
        try:
            if self._unstored:
                self._store(list(self._unstored.values()))
                self._unstored.clear()
            if self._withdraw:
                self._withdraw_now()
        except (OperationalError, BulletinError) as exc:
            if "locked" not in str(exc):
                raise
            log.info("database locked by another writer: %d detections and %d withdrawals "
                     "kept for the next try", len(self._unstored), len(self._withdraw))  # fmt: skip

    def _withdraw_now(self) -> None:
        """Mark the withdrawn detections superseded (stored before: a withdrawn one still
        unstored went in with the detections just before). Association's input changed: the
        next run no longer reads them."""
        store = self.context.require_store("live runner")
        names = sorted(self._withdraw)
        n = store.withdraw_detections(names)
        self._withdraw.clear()
        log.info("%d array arrival(s) withdrawn for a stronger one re-picked near each "
                 "(%d rows marked superseded): %s", len(names), n, ", ".join(names))  # fmt: skip
        self.n_withdrawn += len(names)
        for name in names:
            self._inputs.pop(name, None)
        self._dirty = True
        if self.on_withdrawn is not None:
            self.on_withdrawn(names)

    def _detect_arrays(self, data_time: UTCDateTime) -> None:
        """Arrays not streamed (``stream_arrays=False``): the detection stage on the arrays'
        elements for every complete block (with its tail), read from the archive: the batch
        runner's windows exactly."""
        if self.stream_arrays or not self._arrays or self.context.source is None:
            return
        if self._array_next is None:
            first = self.start if self.start is not None else data_time - self.block
            self._array_next = UTCDateTime(np.floor(first.timestamp / self.block) * self.block)
        stage = DetectionStage(self.config.detection)
        light = StageContext(
            self.context.inventory,
            None,
            select_stations(self.context.source, set(self._arrays)),
            self.context.source_label,
        )
        found: list[Detection] = []
        while self._array_next + self.block + self._tail() <= data_time:
            window = Window(self._array_next, self._array_next + self.block)
            found += stage.run(None, window, light).products
            self._array_next = window.end
        for det in found:
            self._unstored[det.id] = det
        self._store_now()

    def _store(self, dets: list[Detection]) -> None:
        store = self.context.require_store("live runner")
        provenance = Provenance(
            method="openndc.detection.streaming",
            software_version=__version__,
            parameters={"source": self.context.source_label, **to_mapping(self.config.detection)},
        )
        dets = [
            d if d.provenance is not None else dataclasses.replace(d, provenance=provenance)
            for d in with_stable_ids(dets)
        ]
        store.store_detections(dets, replace=True)
        self.n_detections += len(dets)
        # association runs again only when its input changed: a new detection, or an update
        # of what association and location read. An update of amplitudes alone (the
        # station-level measurements) changes no event (an event changes with its set of
        # arrivals and their phases; its magnitudes are measured then, from the stored
        # amplitudes); the same detection stored again (a retry) changes nothing; an event
        # closes by its age alone.
        for d in dets:
            key = _association_input(d)
            if self._inputs.get(d.id) != key:
                self._inputs[d.id] = key
                self._dirty = True
        self._forget_inputs()
        if self.on_detections is not None:
            self.on_detections(dets)

    def _forget_inputs(self) -> None:
        """Drop the inputs of detections older than twice the association's look-back
        before the newest (no run reads them again), in bites."""
        if len(self._inputs) < 20000:
            return
        newest = max(key[0] for key in self._inputs.values())
        old = newest - 2.0 * float(self.config.runner.lookback)
        self._inputs = {k: v for k, v in self._inputs.items() if v[0] >= old}

    def _associate(self, data_time: UTCDateTime) -> RunReport | None:
        """Association → location → magnitudes on the detections stored, for the data time
        since the last run (the association's look-back reaches further back)."""
        if self._next is None:
            self._next = self.start if self.start is not None else data_time - self.block
        if data_time - self._next < 1.0:
            return None
        t0 = time.monotonic()
        report = run_batch(
            self.context,
            self.config,
            self._next,
            data_time,
            detect=False,
            workers=1,
            identity=self.identity,
            progress=self.progress,
            on_event=self.on_event,
        )
        self._next = data_time
        self._last_assoc = time.monotonic()
        self.assoc_seconds.append(self._last_assoc - t0)
        self.assoc_started.append(t0)
        report.n_detections = self.n_detections
        self.n_detections = 0
        self.reports.append(report)
        return report

    def pending(self) -> int:
        """Records queued and not yet detected on (a backlog: the detector is behind)."""
        return self._queue.qsize() + (self._head is not None)

    def _wait_for_record(self, timeout: float) -> None:
        """Block until a record is queued (or ``timeout`` s): the streaming loop wakes on
        data instead of polling."""
        if self._head is None:
            with contextlib.suppress(queue.Empty):
                self._head = self._queue.get(timeout=timeout)

    def finish(self, data_time: UTCDateTime | None) -> RunReport | None:
        """End of the run: the streaming detector's last detections, a last association."""
        if not self.streaming:
            return None
        self._associated(wait=True)
        while self.pending():
            self._detect()
        if data_time is not None:
            self._detect_arrays(data_time)
        rest = list(self._unstored.values())
        self._unstored.clear()
        if self._detector is not None:
            rest += self._detector.flush()
            self._take_withdrawn()
        if rest:
            self._store(rest)
        if self._withdraw:
            self._withdraw_now()
        if data_time is None or not self._dirty:
            return None
        return self._associate(data_time)

    def _step_blocks(self, data_time: UTCDateTime | None) -> RunReport | None:
        if data_time is None:
            return None
        if self._next is None:
            first = self.start if self.start is not None else data_time - self.block
            # blocks are aligned on whole multiples of the block length (so that a restart
            # finds the same blocks and skips those done)
            self._next = UTCDateTime(np.floor(first.timestamp / self.block) * self.block)
        ready = data_time - self._tail()
        n = int(np.floor((ready - self._next) / self.block))
        if n <= 0:
            return None
        t0, t1 = self._next, self._next + n * self.block
        report = run_batch(
            self.context,
            self.config,
            t0,
            t1,
            workers=1,
            identity=self.identity,
            progress=self.progress,
            on_event=self.on_event,
        )
        self._next = t1
        self.reports.append(report)
        return report

    def run(
        self,
        clock: Callable[[], UTCDateTime | None],
        stop: threading.Event,
        *,
        poll: float = 1.0,
        status: Callable[[LiveRunner], None] | None = None,
        status_every: float = 60.0,
    ) -> None:
        """Step whenever ``clock()`` has moved on, until ``stop`` is set."""
        last_status = time.monotonic()
        if self.streaming:
            poll = min(poll, 0.2)
        while not stop.is_set():
            report = self.step(clock())
            if status is not None and time.monotonic() - last_status >= status_every:
                status(self)
                last_status = time.monotonic()
            if report is not None:
                continue
            if self.streaming:
                self._wait_for_record(poll)
            else:
                stop.wait(poll)
        self._associated(wait=True)  # no association run left writing after the loop
