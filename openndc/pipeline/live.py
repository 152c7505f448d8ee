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

Detection restarts its filters at each block from the declared warm-up margin (the stage
is a pure function of its window), at the cost of reading ``warm-up + block + tail`` per
block; see docs/live.md for what this costs and what it does to latency.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from obspy import UTCDateTime

from openndc.pipeline.contract import StageContext
from openndc.pipeline.process import ProcessConfig
from openndc.pipeline.runner import EventCallback, RunReport, WindowCallback, run_batch
from openndc.pipeline.stages import DetectionStage

__all__ = ["DataClock", "LiveRunner"]

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
    _ends: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, stream: str, end: UTCDateTime) -> None:
        """Data of ``stream`` are archived up to ``end``."""
        ns = int(end.ns)
        with self._lock:
            if ns > self._ends.get(stream, -(2**62)):
                self._ends[stream] = ns

    def now(self) -> UTCDateTime | None:
        """The data time up to which the quorum of live channels has data (None: no data)."""
        with self._lock:
            if not self._ends:
                return None
            ends = np.fromiter(self._ends.values(), dtype=np.int64)
        newest = int(ends.max())
        live = ends[ends >= newest - int(self.silent_after * 1e9)]
        k = int(np.floor((1.0 - self.quorum) * (len(live) - 1)))
        return UTCDateTime(ns=int(np.sort(live)[k]))


@dataclass
class LiveRunner:
    """Processes complete blocks of ``config.runner.window`` seconds as data arrive."""

    context: StageContext
    config: ProcessConfig
    start: UTCDateTime | None = None
    progress: WindowCallback | None = None
    on_event: EventCallback | None = None
    identity: str = "live"
    reports: list[RunReport] = field(default_factory=list)
    _next: UTCDateTime | None = None

    @property
    def block(self) -> float:
        return float(self.config.runner.window)

    def _tail(self) -> float:
        return DetectionStage(self.config.detection).margins().after

    def step(self, data_time: UTCDateTime | None) -> RunReport | None:
        """Process every block complete at ``data_time`` (with its tail); None if none is."""
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
        while not stop.is_set():
            report = self.step(clock())
            if status is not None and time.monotonic() - last_status >= status_every:
                status(self)
                last_status = time.monotonic()
            if report is None:
                stop.wait(poll)
