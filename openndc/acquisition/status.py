"""The state of a running NDC, read from its database and archive (``openndc status``).

:func:`ndc_status` gathers, without touching the running service:

- from the **archive** (SDS): the newest sample of every channel (the newest day file's
  records, headers only) and its latency (now minus that end);
- from the **database**: the newest state-of-health sample of every channel (table
  ``soh_channel``: status, latency, availability, gaps, timing quality, clipped/flat/noisy),
  the last processing windows (table ``processing_window``), the detections of the last
  hour, and the last events (preferred origins);
- **stations down**: stations none of whose channels has data (archive) or a state of
  health better than ``bad`` within ``down_after`` seconds.

Everything is plain data (:class:`NdcStatus`, JSON-ready with :meth:`NdcStatus.to_dict`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from obspy import UTCDateTime

from openndc.io.mseed import parse_header
from openndc.model.errors import ArchiveError

__all__ = ["ChannelState", "NdcStatus", "archive_latest", "ndc_status"]

_DAYFILE = re.compile(r"^[^.]+\.[^.]+\.[^.]*\.[^.]+\.D\.(\d{4})\.(\d{3})$")


@dataclass(frozen=True)
class ChannelState:
    """One channel: newest sample in the archive, its latency [s], and the newest SOH."""

    stream: str
    last_sample: str | None = None
    latency_s: float | None = None
    soh_status: str | None = None
    soh_time: str | None = None
    soh_latency_s: float | None = None
    availability: float | None = None
    gaps: int | None = None
    timing_quality: int | None = None
    clipped: bool | None = None
    flat: bool | None = None
    noisy: bool | None = None


@dataclass
class NdcStatus:
    """What ``openndc status`` shows (times ISO strings, durations [s])."""

    now: str
    channels: list[ChannelState] = field(default_factory=list)
    stations_up: list[str] = field(default_factory=list)
    stations_down: list[str] = field(default_factory=list)
    windows: list[dict[str, Any]] = field(default_factory=list)
    detections_last_hour: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    soh_counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _newest_end_ns(path: Path) -> int | None:
    """End [ns] of the latest sample in a miniSEED file (record headers only)."""
    buf = path.read_bytes()
    off, newest = 0, None
    while off + 48 <= len(buf):
        h = parse_header(buf, off)
        if h is None or h.reclen <= 0:
            break
        if h.nsamp > 0 and h.rate > 0:
            end = h.start_ns + round(h.nsamp * 1e9 / h.rate)
            newest = end if newest is None else max(newest, end)
        off += h.reclen
    return newest


def archive_latest(archive: str | Path) -> dict[str, UTCDateTime]:
    """The end of the newest sample of every channel of an SDS archive (``NET.STA.LOC.CHA``):
    the newest day file of each channel, its record headers only."""
    root = Path(archive)
    if not root.is_dir():
        raise ArchiveError(f"{root}: no such archive directory; give the SDS root of the NDC")
    newest: dict[str, tuple[tuple[int, int], Path]] = {}
    for year in sorted(p for p in root.iterdir() if p.is_dir() and p.name.isdigit()):
        for path in year.glob("*/*/*.D/*"):
            m = _DAYFILE.match(path.name)
            if m is None:
                continue
            stream = ".".join(path.name.split(".")[:4])
            key = (int(m.group(1)), int(m.group(2)))
            if stream not in newest or key > newest[stream][0]:
                newest[stream] = (key, path)
    out: dict[str, UTCDateTime] = {}
    for stream, (_, path) in sorted(newest.items()):
        end = _newest_end_ns(path)
        if end is not None:
            out[stream] = UTCDateTime(ns=end)
    return out


def _iso(ns: int | None) -> str | None:
    return None if ns is None else str(UTCDateTime(ns=int(ns)))


def ndc_status(
    db: str,
    archive: str | Path | None = None,
    *,
    now: UTCDateTime | None = None,
    down_after: float = 300.0,
    n_windows: int = 5,
    n_events: int = 5,
) -> NdcStatus:
    """The NDC's state at ``now`` (default: the clock) from the database ``db`` and the
    SDS ``archive``. A station is down when none of its channels has data newer than
    ``down_after`` seconds (archive) and none has a state of health other than ``bad``."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from openndc.bulletin import BulletinStore
    from openndc.bulletin.schema import DetectionRow, ProcessingWindow
    from openndc.bulletin.schema_soh import SohChannelRow

    now = UTCDateTime() if now is None else UTCDateTime(now)
    latest = archive_latest(archive) if archive is not None else {}
    status = NdcStatus(now=str(now))
    with BulletinStore(db) as store, Session(store.engine) as session:
        newest = (
            select(SohChannelRow.stream, func.max(SohChannelRow.time_ns).label("t"))
            .group_by(SohChannelRow.stream)
            .subquery()
        )
        soh_rows = session.scalars(
            select(SohChannelRow).join(
                newest,
                (SohChannelRow.stream == newest.c.stream) & (SohChannelRow.time_ns == newest.c.t),
            )
        ).all()
        soh = {r.stream: r for r in soh_rows}
        windows = session.scalars(
            select(ProcessingWindow).order_by(ProcessingWindow.end_ns.desc()).limit(n_windows)
        ).all()
        status.windows = [
            {
                "start": _iso(w.start_ns),
                "end": _iso(w.end_ns),
                "done": _iso(w.done_ns),
                "detections": w.n_detections,
                "new_events": w.n_events_new,
                "updated_events": w.n_events_updated,
                "problems": w.n_problems,
            }
            for w in windows
        ]
        # "the last hour" of data: before the newest data when the data are old (a replay)
        data_now = max(latest.values(), default=None)
        if data_now is None and windows:
            data_now = UTCDateTime(ns=max(w.end_ns for w in windows))
        ref = min(now, data_now) if data_now is not None else now
        status.detections_last_hour = int(
            session.execute(
                select(func.count()).where(
                    DetectionRow.time_ns >= (ref - 3600.0).ns,
                    DetectionRow.time_ns < ref.ns,
                    DetectionRow.superseded.is_(False),
                )
            ).scalar_one()
        )
        last = store.load(ref - 7 * 86400.0, None)
        for ev in list(last)[-n_events:][::-1]:
            o = ev.origin
            status.events.append(
                {
                    "id": ev.id,
                    "time": str(o.time),
                    "latitude": round(o.latitude, 3),
                    "longitude": round(o.longitude, 3),
                    "depth_km": round(o.depth_km, 1),
                    "stations": o.n_stations,
                    "magnitudes": {m.magnitude_type: round(m.value, 2) for m in ev.magnitudes},
                    "review": ev.review_status,
                }
            )
    for stream in sorted(set(latest) | set(soh)):
        end = latest.get(stream)
        row = soh.get(stream)
        status.channels.append(
            ChannelState(
                stream=stream,
                last_sample=None if end is None else str(end),
                latency_s=None if end is None else round(float(now - end), 1),
                soh_status=None if row is None else row.status,
                soh_time=None if row is None else _iso(row.time_ns),
                soh_latency_s=None if row is None else row.latency_s,
                availability=None if row is None else row.availability,
                gaps=None if row is None else row.gaps,
                timing_quality=None if row is None else row.timing_quality,
                clipped=None if row is None else row.clipped,
                flat=None if row is None else row.flat,
                noisy=None if row is None else row.noisy,
            )
        )
        if row is not None:
            status.soh_counts[row.status] = status.soh_counts.get(row.status, 0) + 1
    by_station: dict[str, list[ChannelState]] = {}
    for ch in status.channels:
        by_station.setdefault(".".join(ch.stream.split(".")[:2]), []).append(ch)
    for sta, chans in sorted(by_station.items()):
        fresh = any(c.latency_s is not None and c.latency_s <= down_after for c in chans)
        healthy = any(c.soh_status not in (None, "bad") for c in chans)
        (status.stations_up if fresh or healthy else status.stations_down).append(sta)
    return status
