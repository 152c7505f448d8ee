"""State of health per channel: latency, availability, gaps, timing, clipping, flat, noisy.

Updated from every archived record (:class:`ArchivedRecord`, decoded samples and header
flags), read as :class:`ChannelHealth` snapshots, exported as Prometheus metrics and kept as
history in the bulletin database (table ``soh_channel``).

- latency [s]: wall clock now minus the end of the newest sample;
- availability [0-1] and gaps: sample time received within the last ``window`` seconds of
  data time, and the jumps larger than ``gap_tolerance`` samples between records;
- timing quality [%]: blockette 1001 of the newest record; the SEED I/O flag bit 5 (clock
  locked) is not used;
- clipped: a sample at or above ``clip_counts`` or the data-quality flag bit 1 (digitiser
  clipping) or bit 0 (amplifier saturation) set;
- flat: a record whose samples do not vary (std <= ``flat_std``); noisy: rms above
  ``noisy_rms`` counts;
- status: ``good`` / ``marginal`` / ``bad`` from the latency thresholds, and ``bad`` when
  flat; ``marginal`` when clipped, noisy or with poor timing quality.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from prometheus_client import CollectorRegistry, Counter, Gauge

from openndc.acquisition.config import SohConfig
from openndc.acquisition.writer import ArchivedRecord

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["ChannelHealth", "SohHistory", "SohMetrics", "SohTracker"]

log = logging.getLogger(__name__)

_NS = 1_000_000_000


@dataclass(frozen=True)
class ChannelHealth:
    """State of health of one channel at ``time_ns`` (see the module doc for each field)."""

    stream: str
    time_ns: int
    last_sample_ns: int | None
    latency_s: float | None
    availability: float
    gaps: int
    gap_s: float
    timing_quality: int | None
    clipped: bool
    flat: bool
    noisy: bool
    status: str


@dataclass
class _Channel:
    spans: deque[tuple[int, int]] = field(default_factory=deque)  # received [start, end) ns
    gaps: deque[tuple[int, int]] = field(default_factory=deque)  # gap [start, end) ns
    last_end: int | None = None
    rate: float = 0.0
    timing_quality: int | None = None
    clipped: bool = False
    flat: bool = False
    noisy: bool = False


class SohTracker:
    """Per-channel state of health, updated record by record (thread-safe)."""

    def __init__(self, config: SohConfig | None = None) -> None:
        self.config = config or SohConfig()
        self._ch: dict[str, _Channel] = {}
        self._lock = threading.Lock()

    def update(self, rec: ArchivedRecord) -> None:
        c = self.config
        s = rec.start.ns
        e = rec.end.ns
        data = rec.data
        with self._lock:
            ch = self._ch.setdefault(rec.stream.seed_id, _Channel())
            dt = _NS / rec.sample_rate
            if ch.last_end is not None and s - ch.last_end > c.gap_tolerance * dt:
                ch.gaps.append((ch.last_end, s))
            ch.last_end = e if ch.last_end is None else max(ch.last_end, e)
            ch.rate = rec.sample_rate
            ch.spans.append((s, e))
            horizon = ch.last_end - int(c.window * _NS)
            while ch.spans and ch.spans[0][1] <= horizon:
                ch.spans.popleft()
            while ch.gaps and ch.gaps[0][1] <= horizon:
                ch.gaps.popleft()
            if rec.timing_quality is not None:
                ch.timing_quality = rec.timing_quality
            x = data.astype(np.float64) if len(data) else np.zeros(1)
            dq = rec.flags[2]
            ch.clipped = bool(np.abs(x).max() >= c.clip_counts or dq & 0x03)
            sd = float(x.std())
            ch.flat = sd <= c.flat_std
            ch.noisy = sd > c.noisy_rms

    def snapshot(self, now_ns: int | None = None) -> list[ChannelHealth]:
        """Every channel's health now (``now_ns`` [ns]; default the wall clock)."""
        now = time.time_ns() if now_ns is None else now_ns
        out = []
        c = self.config
        with self._lock:
            for sid, ch in sorted(self._ch.items()):
                if ch.last_end is None:  # pragma: no cover - a channel exists after a record
                    continue
                latency = (now - ch.last_end) / _NS
                w0 = ch.last_end - int(c.window * _NS)
                got = sum(min(e, ch.last_end) - max(s, w0) for s, e in ch.spans if e > w0)
                first = ch.spans[0][0] if ch.spans else ch.last_end
                span = ch.last_end - max(w0, first)
                avail = min(1.0, got / span) if span > 0 else 1.0
                gap_s = sum(min(e, ch.last_end) - max(s, w0) for s, e in ch.gaps if e > w0) / _NS
                status = "good"
                if latency > c.latency_marginal or ch.flat:
                    status = "bad"
                elif (
                    latency > c.latency_good
                    or ch.clipped
                    or ch.noisy
                    or (ch.timing_quality is not None and ch.timing_quality < c.timing_quality_min)
                ):
                    status = "marginal"
                out.append(
                    ChannelHealth(
                        sid,
                        now,
                        ch.last_end,
                        latency,
                        avail,
                        len(ch.gaps),
                        gap_s,
                        ch.timing_quality,
                        ch.clipped,
                        ch.flat,
                        ch.noisy,
                        status,
                    )
                )
        return out


class SohMetrics:
    """Prometheus metrics of acquisition and state of health, in their own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        lab = ["stream"]
        self.latency = Gauge(
            "openndc_soh_latency_seconds", "now minus end of newest sample", lab, registry=r
        )
        self.availability = Gauge(
            "openndc_soh_availability_ratio", "data in the window [0-1]", lab, registry=r
        )
        self.gaps = Gauge("openndc_soh_gaps", "gaps in the window", lab, registry=r)
        self.timing = Gauge(
            "openndc_soh_timing_quality_percent", "blockette 1001 timing quality", lab, registry=r
        )
        self.clipped = Gauge(
            "openndc_soh_clipped", "1 when the newest record is clipped", lab, registry=r
        )
        self.flat = Gauge(
            "openndc_soh_flat", "1 when the newest record is flat (dead)", lab, registry=r
        )
        self.noisy = Gauge(
            "openndc_soh_noisy", "1 when the newest record is noisy", lab, registry=r
        )
        self.status = Gauge("openndc_soh_status", "0 good, 1 marginal, 2 bad", lab, registry=r)
        self.records = Counter(
            "openndc_acquisition_records", "records by outcome", ["outcome"], registry=r
        )
        self.disk_full = Gauge(
            "openndc_acquisition_disk_full", "1 while the archive disk is full", registry=r
        )
        self.connected = Gauge(
            "openndc_acquisition_connected", "1 while connected", ["server"], registry=r
        )

    def publish(self, health: list[ChannelHealth]) -> None:
        code = {"good": 0, "marginal": 1, "bad": 2}
        for h in health:
            if h.latency_s is not None:
                self.latency.labels(h.stream).set(h.latency_s)
            self.availability.labels(h.stream).set(h.availability)
            self.gaps.labels(h.stream).set(h.gaps)
            if h.timing_quality is not None:
                self.timing.labels(h.stream).set(h.timing_quality)
            self.clipped.labels(h.stream).set(int(h.clipped))
            self.flat.labels(h.stream).set(int(h.flat))
            self.noisy.labels(h.stream).set(int(h.noisy))
            self.status.labels(h.stream).set(code[h.status])


class SohHistory:
    """Writes :class:`ChannelHealth` rows to the bulletin database (table ``soh_channel``)."""

    def __init__(self, url: str) -> None:
        # imported here: the bulletin package is heavy and acquisition starts often
        from sqlalchemy import create_engine

        from openndc.bulletin.migrate import upgrade

        self.engine: Engine = create_engine(url)
        upgrade(self.engine)

    def write(self, health: list[ChannelHealth]) -> int:
        from sqlalchemy.orm import Session

        from openndc.bulletin.schema_soh import SohChannelRow

        rows = [
            SohChannelRow(
                stream=h.stream,
                time_ns=h.time_ns,
                last_sample_ns=h.last_sample_ns,
                latency_s=h.latency_s,
                availability=h.availability,
                gaps=h.gaps,
                gap_s=h.gap_s,
                timing_quality=h.timing_quality,
                clipped=h.clipped,
                flat=h.flat,
                noisy=h.noisy,
                status=h.status,
            )
            for h in health
        ]
        with Session(self.engine) as session, session.begin():
            session.add_all(rows)
        return len(rows)

    def close(self) -> None:
        self.engine.dispose()
