"""Crash-safe, exactly-once writing of miniSEED records into an SDS archive.

Each record received is appended, as received (byte for byte), to the day file of its
start time (``ROOT/YEAR/NET/STA/CHA.D/NET.STA.LOC.CHA.D.YEAR.DOY``, SeisComP's
``slarchive`` layout), unless the archive already holds its samples:

- same stream, same start and sample count as an archived record: a duplicate, dropped;
- partly covered by archived records with the same sample values: only the samples not yet
  archived are written (re-encoded as 512-byte records);
- archived samples that differ, or a record that cannot be decoded (bad header, corrupt
  payload, wrong sample count): the record goes to the quarantine beside the archive
  (``ROOT.quarantine/YYYY-MM-DD.mseed``, with a line in ``quarantine.log``) and a log line
  names the stream and the reason; the same bytes again (a server re-sending it) are not
  quarantined twice (``quarantine.sha1``). Nothing is dropped silently.

Crash safety: a record is written with one ``write`` to a file opened for appending; when a
day file is first opened, bytes after its last complete record (a write cut by a crash or a
full disk) are truncated. :meth:`RecordWriter.sync` fsyncs the files written since the last
call; callers save their resume state only after it, so the state never points past what is
on disk. A full disk (``ENOSPC``) undoes the partial write and raises :class:`DiskFullError`.
"""

from __future__ import annotations

import bisect
import errno
import hashlib
import io
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from obspy import Stream, Trace, UTCDateTime

from openndc.archive import SDSArchive
from openndc.io.mseed import decode_records, parse_header, scan_records
from openndc.model.errors import ArchiveError
from openndc.model.ids import StreamID

__all__ = [
    "ArchivedRecord",
    "DiskFullError",
    "Outcome",
    "RecordWriter",
    "record_info",
]

log = logging.getLogger(__name__)

_NS = 1_000_000_000
Outcome = Literal["written", "trimmed", "duplicate", "quarantined"]


class DiskFullError(ArchiveError):
    """The archive's file system is full; the record was not written (retry later)."""


@dataclass(frozen=True)
class ArchivedRecord:
    """Samples newly in the archive: stream, first sample time, rate [Hz], samples, file.

    ``end`` is the time just after the last sample; ``timing_quality`` [%] comes from
    blockette 1001 (None when absent); ``flags`` are the SEED activity, I/O and data-quality
    flag bytes of the fixed header (used by :mod:`openndc.acquisition.soh`); ``source`` is
    ``"seedlink"`` or ``"backfill"``.
    """

    stream: StreamID
    start: UTCDateTime
    sample_rate: float
    data: np.ndarray
    path: Path
    source: str
    timing_quality: int | None = None
    flags: tuple[int, int, int] = (0, 0, 0)

    @property
    def end(self) -> UTCDateTime:
        return self.start + len(self.data) / self.sample_rate


@dataclass
class _Spans:
    """Archived record spans of one stream [ns], sorted by start."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    nsamp: list[int] = field(default_factory=list)
    days: set[int] = field(default_factory=set)

    def add(self, s: int, e: int, n: int) -> None:
        k = bisect.bisect_left(self.starts, s)
        self.starts.insert(k, s)
        self.ends.insert(k, e)
        self.nsamp.insert(k, n)

    def overlapping(self, s: int, e: int, tol: int) -> list[int]:
        """Indices of spans that overlap ``[s, e)`` by more than ``tol`` ns."""
        k = bisect.bisect_left(self.starts, e - tol)
        out = []
        for i in range(k - 1, -1, -1):
            if self.ends[i] - tol > s:
                out.append(i)
            elif self.starts[i] < s - 3600 * _NS:
                break
        return out


def record_info(rec: bytes) -> tuple[StreamID, int, int, float, int | None, tuple[int, int, int]]:
    """Stream, start [ns], sample count, rate [Hz], timing quality, flags of one record.

    Raises :class:`ArchiveError` when ``rec`` is not one valid miniSEED 2 data record.
    """
    h = parse_header(rec, 0)
    if h is None or h.nsamp <= 0 or h.rate <= 0 or h.reclen != len(rec):
        raise ArchiveError("not a valid miniSEED 2 data record (header)")
    tq: int | None = None
    # walk blockettes for 1001 (timing quality, byte 4); the header parser validated them
    order = ">" if 1900 <= int.from_bytes(rec[20:22], "big") <= 2100 else "<"
    off = int.from_bytes(rec[46:48], "big" if order == ">" else "little")
    seen = 0
    while off and off + 6 <= len(rec) and seen < 16:
        btype = int.from_bytes(rec[off : off + 2], "big" if order == ">" else "little")
        nxt = int.from_bytes(rec[off + 2 : off + 4], "big" if order == ">" else "little")
        if btype == 1001:
            tq = rec[off + 4]
        off = nxt
        seen += 1
    return StreamID.parse(h.sid), h.start_ns, h.nsamp, h.rate, tq, (rec[36], rec[37], rec[38])


class RecordWriter:
    """Appends records to the SDS archive at ``root`` exactly once (see the module doc).

    ``on_quarantine(stream, reason)`` is called for every quarantined record.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        quarantine: str | Path | None = None,
        on_quarantine: Callable[[str, str], None] | None = None,
    ) -> None:
        self.root = Path(root)
        self.quarantine_dir = (
            Path(quarantine) if quarantine is not None else Path(f"{self.root}.quarantine")
        )
        self.on_quarantine = on_quarantine
        self._spans: dict[str, _Spans] = {}
        self._fds: dict[Path, int] = {}
        self._dirty: set[Path] = set()
        self._qhashes: set[str] | None = None  # SHA-1 of the records quarantined so far
        self.counts: dict[str, int] = {
            "written": 0,
            "trimmed": 0,
            "duplicate": 0,
            "quarantined": 0,
        }

    # -- layout ---------------------------------------------------------------------------
    def path_for(self, sid: StreamID, t: UTCDateTime) -> Path:
        name = f"{sid.network}.{sid.station}.{sid.location}.{sid.channel}.D.{t.year}.{t.julday:03d}"
        return self.root / str(t.year) / sid.network / sid.station / f"{sid.channel}.D" / name

    def _spans_for(self, sid: StreamID, day: int) -> _Spans:
        sp = self._spans.setdefault(sid.seed_id, _Spans())
        for d in (day - 1, day, day + 1):
            if d in sp.days:
                continue
            sp.days.add(d)
            path = self.path_for(sid, UTCDateTime(ns=d * 86400 * _NS))
            if not path.exists():
                continue
            buf = self._repair(path) if path not in self._fds else path.read_bytes()
            scan = scan_records(buf)
            for i in range(len(scan)):
                if str(scan.sid[i]) == sid.seed_id:
                    sp.add(int(scan.start_ns[i]), int(scan.end_ns[i]), int(scan.nsamp[i]))
        return sp

    def _repair(self, path: Path) -> bytes:
        """Truncate bytes after the last complete record (left by a crash); returns the rest."""
        buf = path.read_bytes()
        scan = scan_records(buf)
        ends = scan.offset + scan.reclen
        ends = ends[ends <= len(buf)]
        good = max(int(ends.max()) if len(ends) else 0, _last_record_end(buf))
        if good < len(buf):
            log.warning(
                "%s: %d bytes after the last complete record (a write cut by a crash or a "
                "full disk); truncated",
                path,
                len(buf) - good,
            )
            os.truncate(path, good)
            buf = buf[:good]
        return buf

    # -- writing --------------------------------------------------------------------------
    def accept(
        self, rec: bytes, *, source: str = "seedlink"
    ) -> tuple[Outcome, ArchivedRecord | None]:
        """Archive one record; returns what happened and the samples newly archived."""
        try:
            sid, s_ns, nsamp, rate, tq, flags = record_info(rec)
        except (ArchiveError, ValueError) as exc:
            self._quarantine(rec, _guess_stream(rec), f"{exc}")
            return "quarantined", None
        traces, bad = decode_records([rec], [nsamp])
        if bad or len(traces) != 1:
            self._quarantine(
                rec, sid.seed_id, "record data cannot be decoded (corrupt payload or sample count)"
            )
            return "quarantined", None
        data = np.asarray(traces[0].data)
        dt = _NS / rate
        e_ns = s_ns + round(nsamp * dt)
        day = s_ns // (86400 * _NS)
        sp = self._spans_for(sid, day)
        over = sp.overlapping(s_ns, e_ns, int(dt / 2))
        start = UTCDateTime(ns=s_ns)
        path = self.path_for(sid, start)
        if not over:
            self._append(path, rec)
            sp.add(s_ns, e_ns, nsamp)
            self.counts["written"] += 1
            return "written", ArchivedRecord(sid, start, rate, data, path, source, tq, flags)
        for i in over:
            if abs(sp.starts[i] - s_ns) <= dt / 2 and sp.nsamp[i] == nsamp:
                self.counts["duplicate"] += 1
                log.debug("%s %s: duplicate record dropped", sid, start)
                return "duplicate", None
        return self._partial(rec, sid, start, rate, data, sp, over, path, source, tq, flags)

    def _partial(
        self,
        rec: bytes,
        sid: StreamID,
        start: UTCDateTime,
        rate: float,
        data: np.ndarray,
        sp: _Spans,
        over: list[int],
        path: Path,
        source: str,
        tq: int | None,
        flags: tuple[int, int, int],
    ) -> tuple[Outcome, ArchivedRecord | None]:
        """A record partly covered by archived ones: keep its new samples if the rest agree."""
        n = len(data)
        dt = _NS / rate
        covered = np.zeros(n, bool)
        for i in over:
            a = max(0, round((sp.starts[i] - start.ns) / dt))
            b = min(n, round((sp.ends[i] - start.ns) / dt))
            covered[a:b] = True
        old = (
            SDSArchive(self.root)
            .read(start, start + n / rate, sid.network, sid.station, sid.location, sid.channel)
            .stream
        )
        differ = 0
        for tr in old:
            off = round((tr.stats.starttime.ns - start.ns) / dt)
            a, b = max(0, off), min(n, off + tr.stats.npts)
            if b > a:
                differ += int(np.count_nonzero(tr.data[a - off : b - off] != data[a:b]))
        if differ:
            self._quarantine(
                rec, sid.seed_id, f"{differ} samples differ from the archived ones at {start}"
            )
            return "quarantined", None
        idx = np.flatnonzero(~covered)
        if not len(idx):
            self.counts["duplicate"] += 1
            return "duplicate", None
        runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
        pieces = []
        for run in runs:
            t0 = start + int(run[0]) / rate
            tr = Trace(
                np.ascontiguousarray(data[run[0] : run[-1] + 1]),
                header={
                    "network": sid.network,
                    "station": sid.station,
                    "location": sid.location,
                    "channel": sid.channel,
                    "starttime": t0,
                    "sampling_rate": rate,
                },
            )
            pieces.append(tr)
        buf = io.BytesIO()
        st = Stream(pieces)
        for tr in st:
            if tr.data.dtype.kind in "iu":
                tr.data = tr.data.astype(np.int32)
        st.write(buf, format="MSEED", reclen=512)
        out = buf.getvalue()
        scan = scan_records(out)
        self._append(path, out)
        for i in range(len(scan)):
            sp.add(int(scan.start_ns[i]), int(scan.end_ns[i]), int(scan.nsamp[i]))
        self.counts["trimmed"] += 1
        log.info(
            "%s %s: %d of %d samples were archived already; wrote the other %d",
            sid,
            start,
            int(covered.sum()),
            n,
            len(idx),
        )
        newdata = np.concatenate([data[r[0] : r[-1] + 1] for r in runs])
        t_first = start + int(runs[0][0]) / rate
        return "trimmed", ArchivedRecord(sid, t_first, rate, newdata, path, source, tq, flags)

    def _append(self, path: Path, payload: bytes) -> None:
        fd = self._fds.get(path)
        if fd is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                self._repair(path)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            self._fds[path] = fd
        size = os.fstat(fd).st_size
        try:
            done = os.write(fd, payload)
            if done != len(payload):
                raise OSError(errno.ENOSPC, "short write")
        except OSError as exc:
            os.ftruncate(fd, size)  # never leave half a record behind
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFullError(
                    f"file system of {self.root} is full: {path.name} not written; "
                    "free space, the record is kept for a retry"
                ) from exc
            raise ArchiveError(f"cannot write {path}: {exc}") from exc
        self._dirty.add(path)

    def _quarantined_before(self, digest: str) -> bool:
        if self._qhashes is None:
            f = self.quarantine_dir / "quarantine.sha1"
            self._qhashes = set(f.read_text().split()) if f.exists() else set()
        return digest in self._qhashes

    def _quarantine(self, rec: bytes, stream: str, reason: str) -> None:
        digest = hashlib.sha1(rec).hexdigest()
        if self._quarantined_before(digest):
            self.counts["duplicate"] += 1
            log.debug("%s: record quarantined before (%s); dropped", stream, reason)
            return
        assert self._qhashes is not None
        self._qhashes.add(digest)
        self.counts["quarantined"] += 1
        now = UTCDateTime()
        self.quarantine_dir.mkdir(parents=True, exist_ok=True)
        qfile = self.quarantine_dir / f"{now.strftime('%Y-%m-%d')}.mseed"
        with qfile.open("ab") as fh:
            fh.write(rec)
        with (self.quarantine_dir / "quarantine.log").open("a") as fh:
            fh.write(f"{now.isoformat()} {stream} {len(rec)} bytes -> {qfile.name}: {reason}\n")
        with (self.quarantine_dir / "quarantine.sha1").open("a") as fh:
            fh.write(digest + "\n")
        log.warning("quarantined a record of %s (%s) in %s", stream, reason, qfile)
        if self.on_quarantine is not None:
            self.on_quarantine(stream, reason)

    def take_dirty(self) -> list[int]:
        """The descriptors written since the last call (to fsync, e.g. in another thread)."""
        fds = [self._fds[p] for p in self._dirty if p in self._fds]
        self._dirty.clear()
        return fds

    def sync(self) -> None:
        """fsync every file written since the last call (then resume state may be saved)."""
        for fd in self.take_dirty():
            os.fsync(fd)

    def close(self) -> None:
        self.sync()
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()


def _last_record_end(buf: bytes) -> int:
    """End of the last complete record found walking fixed-length records from the start."""
    off = 0
    while off + 48 <= len(buf):
        h = parse_header(buf, off)
        if h is None or h.reclen <= 0 or off + h.reclen > len(buf):
            break
        off += h.reclen
    return off


def _guess_stream(rec: bytes) -> str:
    """Best-effort NET.STA.LOC.CHA from the fixed header bytes of a broken record."""
    if len(rec) < 20:
        return "unknown stream"
    try:
        sta = rec[8:13].decode("ascii").strip()
        loc = rec[13:15].decode("ascii").strip()
        cha = rec[15:18].decode("ascii").strip()
        net = rec[18:20].decode("ascii").strip()
    except UnicodeDecodeError:
        return "unknown stream"
    if not (net.isalnum() and sta.isalnum()):
        return "unknown stream"
    return f"{net}.{sta}.{loc}.{cha}"
