"""Feeding the server's buffer from an SDS archive: live as it grows, or replayed.

Live: at start the last ``backlog`` seconds of every stream are loaded (from its newest day
files only), then the day files of the newest days are polled every ``poll`` seconds and the
tree is rescanned every ``rescan`` seconds for new streams; bytes appended to a file
(complete records only) become new packets. Replay:
the archive's records from ``start`` on are released when the replay clock
``start + (wall time since launch) x speed`` passes their end time, as a digitiser would
send them; day files are loaded as the clock reaches their day.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from obspy import UTCDateTime, read

from openndc.io.mseed import scan_records
from openndc.seedlink.buffer import PacketBuffer

__all__ = ["ArchiveFeed", "RawRecord", "read_records", "repack_512", "sds_day_files"]

log = logging.getLogger(__name__)

_NS = 1_000_000_000
_DAY_NS = 86400 * _NS


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One miniSEED record as stored: codes, time span [ns], bytes."""

    network: str
    station: str
    location: str
    channel: str
    start_ns: int
    end_ns: int
    data: bytes


def sds_day_files(root: Path, min_day: int | None = None) -> list[tuple[int, Path]]:
    """SDS day files under ``root`` with their day number (days since 1970), sorted;
    only those of day ``min_day`` or later when given."""
    out: list[tuple[int, Path]] = []
    if not root.is_dir():
        return out
    min_year = UTCDateTime(ns=min_day * _DAY_NS).year if min_day is not None else 0
    for ydir in os.scandir(root):
        if not (ydir.is_dir() and ydir.name.isdigit()) or int(ydir.name) < min_year:
            continue
        for ndir in os.scandir(ydir.path):
            if not ndir.is_dir():
                continue
            for sdir in os.scandir(ndir.path):
                if not sdir.is_dir():
                    continue
                for cdir in os.scandir(sdir.path):
                    if not (cdir.is_dir() and cdir.name.endswith(".D")):
                        continue
                    for f in os.scandir(cdir.path):
                        parts = f.name.split(".")
                        if len(parts) != 7 or not (parts[5].isdigit() and parts[6].isdigit()):
                            continue
                        day0 = UTCDateTime(year=int(parts[5]), julday=int(parts[6]))
                        day = day0.ns // _DAY_NS
                        if min_day is None or day >= min_day:
                            out.append((day, Path(f.path)))
    out.sort()
    return out


def repack_512(rec: RawRecord) -> list[RawRecord]:
    """``rec`` as 512-byte records (SeedLink 3 carries 512-byte miniSEED 2 records only).

    Samples, codes, quality code and encoding are kept; a record already 512 bytes long is
    returned as is.
    """
    if len(rec.data) == 512:
        return [rec]
    st = read(io.BytesIO(rec.data), format="MSEED")
    out: list[RawRecord] = []
    for tr in st:
        enc = tr.stats.mseed.encoding
        if enc in ("STEIM1", "STEIM2", "INT32", "INT16"):
            tr.data = np.ascontiguousarray(tr.data, dtype=np.int32)
            if enc == "INT16":
                enc = "INT32"
        b = io.BytesIO()
        tr.write(b, format="MSEED", reclen=512, encoding=enc)
        recs, _ = read_records(b.getvalue())
        out.extend(recs)
    return out


def read_records(buf: bytes) -> tuple[list[RawRecord], int]:
    """The complete data records of ``buf`` and the byte offset just after the last one."""
    scan = scan_records(buf)
    out = []
    end = 0
    ends = scan.end_ns
    for i in range(len(scan)):
        off, n = int(scan.offset[i]), int(scan.reclen[i])
        if off + n > len(buf):
            break
        net, sta, loc, cha = str(scan.sid[i]).split(".")
        out.append(
            RawRecord(net, sta, loc, cha, int(scan.start_ns[i]), int(ends[i]), buf[off : off + n])
        )
        end = max(end, off + n)
    return out, end


class ArchiveFeed:
    """Releases the records of an SDS archive into a :class:`PacketBuffer`.

    ``replay_start`` set: replay from that time at ``speed`` x real time. Otherwise live:
    load the last ``backlog`` [s] of each stream, then poll every ``poll`` [s] and rescan
    the tree for new streams every ``rescan`` [s].
    """

    def __init__(
        self,
        root: str | Path,
        buffer: PacketBuffer,
        *,
        replay_start: UTCDateTime | None = None,
        speed: float = 1.0,
        backlog: float = 3600.0,
        poll: float = 0.5,
        rescan: float = 30.0,
    ) -> None:
        self.root = Path(root)
        self.buffer = buffer
        self.replay_start = replay_start
        self.speed = speed
        self.backlog = backlog
        self.poll = poll
        self.rescan = rescan
        self._sizes: dict[Path, int] = {}
        self._streams: set[tuple[str, ...]] = set()
        self._newest_day = 0
        self.t0_wall = 0.0  # replay: wall time [s] of the replay clock's start
        self.finished = False  # replay: every record released
        #: Set once the live feed has buffered its backlog (what "ready" means for clients:
        #: growth after this is served as new data).
        self.loaded = asyncio.Event()

    # -- replay ---------------------------------------------------------------------------
    def clock_ns(self, t0: float) -> int:
        """The replay clock [ns] at monotonic time now, launched at ``t0``."""
        assert self.replay_start is not None
        return self.replay_start.ns + int((time.monotonic() - t0) * self.speed * _NS)

    async def run(self) -> None:
        if self.replay_start is None:
            await self._run_live()
        else:
            await self._run_replay()

    async def _run_replay(self) -> None:
        assert self.replay_start is not None
        start_ns = self.replay_start.ns
        files = sds_day_files(self.root)
        days = sorted({d for d, _ in files if d >= start_ns // _DAY_NS - 1})
        t0 = time.monotonic()
        self.t0_wall = time.time()
        pending: list[RawRecord] = []
        k = 0
        while True:
            now_ns = self.clock_ns(t0)
            while k < len(days) and days[k] * _DAY_NS <= now_ns + 60 * _NS:
                recs: list[RawRecord] = []
                for d, p in files:
                    if d == days[k]:
                        recs.extend(
                            r for r in read_records(p.read_bytes())[0] if r.end_ns > start_ns
                        )
                pending.extend(recs)
                pending.sort(key=lambda r: (r.end_ns, r.network, r.station, r.channel))
                k += 1
            n = 0
            while n < len(pending) and pending[n].end_ns <= now_ns:
                n += 1
            if n:
                self._release(pending[:n])
                del pending[:n]
                await self.buffer.notify()
            if not pending and k >= len(days):
                self.finished = True
                log.info("replay finished: every record of %s released", self.root)
                return
            wait = 0.2
            if pending:
                wait = min(
                    wait, max(0.0, (pending[0].end_ns - self.clock_ns(t0)) / _NS / self.speed)
                )
            await asyncio.sleep(wait)

    def _release(self, recs: list[RawRecord]) -> None:
        now = time.time()
        for r in (x for rec in recs for x in repack_512(rec)):
            self.buffer.append(
                r.network, r.station, r.location, r.channel, r.start_ns, r.end_ns, r.data, now
            )

    # -- live -----------------------------------------------------------------------------
    async def _run_live(self) -> None:
        await asyncio.to_thread(self._load_backlog)
        await self.buffer.notify()
        self.loaded.set()
        last_rescan = time.monotonic()
        while True:
            await asyncio.sleep(self.poll)
            full = time.monotonic() - last_rescan >= self.rescan
            if full:
                last_rescan = time.monotonic()
            new = await asyncio.to_thread(self._scan_growth, full)
            if new:
                new.sort(key=lambda r: (r.end_ns, r.network, r.station, r.channel))
                self._release(new)
                await self.buffer.notify()

    def _load_backlog(self) -> None:
        """Buffer the last ``backlog`` seconds of each stream, reading only its newest files."""
        by_stream: dict[tuple[str, ...], list[tuple[int, Path]]] = {}
        for day, p in sds_day_files(self.root):
            by_stream.setdefault(_stream_of(p), []).append((day, p))
        days_back = int(self.backlog // 86400) + 1
        keep: list[RawRecord] = []
        for key, files in by_stream.items():
            self._streams.add(key)
            last = max(d for d, _ in files)
            self._newest_day = max(self._newest_day, last)
            recs = []
            for day, p in files:
                if day < last - days_back:
                    self._sizes[p] = p.stat().st_size  # old: only growth is served
                    continue
                got, end = read_records(p.read_bytes())
                self._sizes[p] = end
                recs.extend(got)
            if recs:
                newest = max(r.end_ns for r in recs)
                keep.extend(r for r in recs if r.end_ns > newest - int(self.backlog * _NS))
        keep.sort(key=lambda r: (r.end_ns, r.network, r.station, r.channel))
        self._release(keep)
        log.info(
            "live: %d records of %d streams loaded from %s", len(keep), len(by_stream), self.root
        )

    def _candidates(self, full: bool) -> list[Path]:
        """Day files that may have grown: the newest days of the known streams, and (on a
        full rescan) every day file from the day before the newest on."""
        lo = self._newest_day - 1
        if full:
            out = []
            for day, p in sds_day_files(self.root, min_day=lo):
                self._streams.add(_stream_of(p))
                self._newest_day = max(self._newest_day, day)
                out.append(p)
            return out
        paths = []
        for net, sta, loc, cha in self._streams:
            for day in (lo, lo + 1, lo + 2):
                t = UTCDateTime(ns=day * _DAY_NS)
                name = f"{net}.{sta}.{loc}.{cha}.D.{t.year}.{t.julday:03d}"
                paths.append(self.root / str(t.year) / net / sta / f"{cha}.D" / name)
        return paths

    def _scan_growth(self, full: bool = False) -> list[RawRecord]:
        new: list[RawRecord] = []
        for p in self._candidates(full):
            try:
                size = p.stat().st_size
            except OSError:
                continue
            done = self._sizes.get(p, 0)
            if size <= done:
                continue
            with p.open("rb") as fh:
                fh.seek(done)
                buf = fh.read(size - done)
            recs, end = read_records(buf)
            self._sizes[p] = done + end
            new.extend(recs)
            if recs:
                day = min(r.start_ns for r in recs) // _DAY_NS
                self._newest_day = max(self._newest_day, day)
        return new


def _stream_of(path: Path) -> tuple[str, ...]:
    """(NET, STA, LOC, CHA) of an SDS day file name."""
    return tuple(path.name.split(".")[:4])
