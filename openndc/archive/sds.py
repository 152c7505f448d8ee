"""The SDS miniSEED archive: read time windows robustly, add data without loss or duplication.

Layout (SeisComP ``slarchive``/``scart``)::

    ROOT/YEAR/NET/STA/CHAN.D/NET.STA.LOC.CHAN.D.YEAR.DOY

Reading indexes each day file's record headers once (cached per process, keyed by path, size
and modification time), decodes only the records that touch the window, and reports gaps,
overlaps, corrupt records, wrong sample rates and clock jumps (rules in
:mod:`openndc.archive.merge`). Writing appends only samples that are not archived yet, so
existing records are never rewritten or lost and re-importing the same data is a no-op.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal

import numpy as np
from obspy import Stream, Trace, UTCDateTime

from openndc.archive.merge import (
    DEFAULT_MAX_JUMP,
    DEFAULT_TOL,
    Piece,
    continuity_problems,
    cut,
    dominant_rate,
    merge_pieces,
    to_trace,
)
from openndc.archive.result import ReadResult
from openndc.io.mseed import RecordScan, decode_records, scan_records
from openndc.model.errors import ArchiveError, DataQualityWarning
from openndc.model.ids import StreamID
from openndc.model.quality import DataProblem

__all__ = [
    "OnConflict",
    "SDSArchive",
    "StreamCoverage",
    "WriteSummary",
    "clear_cache",
    "warn_problems",
]

log = logging.getLogger(__name__)

_NS = 1_000_000_000
_DAY_NS = 86400 * _NS
OnConflict = Literal["keep", "raise"]

_CACHE: OrderedDict[tuple[str, int, int], RecordScan] = OrderedDict()
_CACHE_MAX_RECORDS = 4_000_000
_cache_records = 0


def _scan_file(path: Path) -> tuple[RecordScan, bytes | None]:
    """The record index of ``path`` (cached); the file bytes too when they were just read."""
    global _cache_records
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit, None
    buf = path.read_bytes()
    scan = scan_records(buf)
    _CACHE[key] = scan
    _cache_records += len(scan) + 1
    while _cache_records > _CACHE_MAX_RECORDS and len(_CACHE) > 1:
        _, old = _CACHE.popitem(last=False)
        _cache_records -= len(old) + 1
    return scan, buf


def _patterns(text: str) -> list[str]:
    return [p.strip() for p in text.split(",")] if text else [""]


def _match(code: str, pats: list[str]) -> bool:
    return any(fnmatchcase(code, p) for p in pats)


def _day(ns: int) -> int:
    """Day number since 1970-01-01 of time ``ns``."""
    return ns // _DAY_NS


def _year_doy(day: int) -> tuple[int, int]:
    t = UTCDateTime(ns=day * _DAY_NS)
    return t.year, t.julday


def warn_problems(problems: Iterable[DataProblem]) -> None:
    """Issue each problem as a :class:`DataQualityWarning`."""
    for p in problems:
        warnings.warn(str(p), DataQualityWarning, stacklevel=3)


@dataclass(frozen=True)
class _File:
    path: Path
    sid: StreamID
    day: int


@dataclass(frozen=True)
class StreamCoverage:
    """Time coverage of one archived stream (from record headers; no samples decoded)."""

    stream: StreamID
    start: UTCDateTime
    end: UTCDateTime
    samples: int
    sample_rate_hz: float
    gaps: int
    files: int


@dataclass
class WriteSummary:
    """What :meth:`SDSArchive.add` did: files written, new samples, conflicts."""

    paths: list[Path] = field(default_factory=list)
    samples: int = 0
    traces: int = 0
    problems: list[DataProblem] = field(default_factory=list)


@dataclass
class _Rec:
    """Selected records of one stream, in read order (file order, then byte offset)."""

    data: list[bytes] = field(default_factory=list)
    start_ns: list[int] = field(default_factory=list)
    nsamp: list[int] = field(default_factory=list)
    rate: list[float] = field(default_factory=list)
    source: list[str] = field(default_factory=list)


class SDSArchive:
    """An SDS miniSEED tree at ``root`` (created on first write).

    ``reclen`` is the miniSEED record length [bytes] used when writing (512 or 4096);
    ``tol`` and ``max_jump`` [samples] are the continuity rules of
    :mod:`openndc.archive.merge`.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        reclen: int = 512,
        tol: float = DEFAULT_TOL,
        max_jump: float = DEFAULT_MAX_JUMP,
    ) -> None:
        if reclen not in (512, 4096):
            raise ArchiveError(f"record length {reclen} is not supported: use 512 or 4096")
        self.root = Path(root)
        self.reclen = reclen
        self.tol = tol
        self.max_jump = max_jump

    def __repr__(self) -> str:
        return f"SDSArchive({str(self.root)!r})"

    # -- layout --------------------------------------------------------------------------
    def path_for(self, sid: StreamID, day: UTCDateTime) -> Path:
        """The day file of stream ``sid`` for the UTC day containing ``day``."""
        y, d = day.year, day.julday
        name = f"{sid.network}.{sid.station}.{sid.location}.{sid.channel}.D.{y}.{d:03d}"
        return self.root / str(y) / sid.network / sid.station / f"{sid.channel}.D" / name

    def _files(
        self,
        days: range | None,
        network: str,
        station: str,
        location: str,
        channel: str,
    ) -> Iterator[_File]:
        if not self.root.is_dir():
            return
        pn, ps, pl, pc = map(_patterns, (network, station, location, channel))
        wanted = None if days is None else set(days)
        years = None if days is None else {_year_doy(d)[0] for d in days}
        for ydir in sorted(self.root.iterdir()):
            if not (ydir.is_dir() and ydir.name.isdigit()):
                continue
            if years is not None and int(ydir.name) not in years:
                continue
            # The name is matched before the stat of is_dir: a read of a few stations
            # must not stat every station directory of the archive.
            for ndir in sorted(ydir.iterdir()):
                if not (_match(ndir.name, pn) and ndir.is_dir()):
                    continue
                for sdir in sorted(ndir.iterdir()):
                    if not (_match(sdir.name, ps) and sdir.is_dir()):
                        continue
                    for cdir in sorted(sdir.iterdir()):
                        if not (_match(cdir.name.split(".")[0], pc) and cdir.is_dir()):
                            continue
                        yield from self._day_files(cdir, pl, wanted)

    @staticmethod
    def _day_files(cdir: Path, pl: list[str], wanted: set[int] | None) -> Iterator[_File]:
        for f in sorted(cdir.iterdir()):
            parts = f.name.split(".")
            if len(parts) != 7 or not (parts[5].isdigit() and parts[6].isdigit()):
                continue
            if not _match(parts[2], pl):
                continue
            day = _day(UTCDateTime(year=int(parts[5]), julday=int(parts[6])).ns)
            if wanted is not None and day not in wanted:
                continue
            yield _File(f, StreamID(*parts[:4]), day)

    # -- listing -------------------------------------------------------------------------
    def streams(
        self,
        start: UTCDateTime | None = None,
        end: UTCDateTime | None = None,
        network: str = "*",
        station: str = "*",
        location: str = "*",
        channel: str = "*",
    ) -> list[StreamID]:
        """Streams with a day file in ``[start, end)`` (from the file names), sorted."""
        days = self._days(start, end, previous=False)
        found = {f.sid for f in self._files(days, network, station, location, channel)}
        return sorted(found)

    def _days(
        self, start: UTCDateTime | None, end: UTCDateTime | None, *, previous: bool
    ) -> range | None:
        if start is None and end is None:
            return None
        lo = _day(start.ns) - (1 if previous else 0) if start is not None else _day(0)
        hi = _day(end.ns - 1) if end is not None else _day(UTCDateTime(2100, 1, 1).ns)
        return range(lo, hi + 1)

    def coverage(
        self,
        start: UTCDateTime | None = None,
        end: UTCDateTime | None = None,
        network: str = "*",
        station: str = "*",
        location: str = "*",
        channel: str = "*",
    ) -> list[StreamCoverage]:
        """Per stream: first and last sample time, samples and gaps (record headers only)."""
        days = self._days(start, end, previous=True)
        by_sid: dict[str, list[tuple[RecordScan, str]]] = defaultdict(list)
        for f in self._files(days, network, station, location, channel):
            scan, _ = _scan_file(f.path)
            for sid in set(scan.sid):
                by_sid[sid].append((scan, str(f.path)))
        out = []
        s_ns = start.ns if start is not None else None
        e_ns = end.ns if end is not None else None
        for sid, parts in sorted(by_sid.items()):
            st = np.concatenate([s.start_ns[s.sid == sid] for s, _ in parts])
            ns = np.concatenate([s.nsamp[s.sid == sid] for s, _ in parts])
            rt = np.concatenate([s.rate[s.sid == sid] for s, _ in parts])
            rate = dominant_rate(rt, ns)
            keep = np.abs(rt - rate) <= 1e-4 * rate
            st, ns = st[keep], ns[keep]
            en = st + np.round(ns * (_NS / rate)).astype(np.int64)
            sel = np.ones(len(st), bool)
            if s_ns is not None:
                sel &= en > s_ns
            if e_ns is not None:
                sel &= st < e_ns
            if not sel.any():
                continue
            st, ns, en = st[sel], ns[sel], en[sel]
            gaps = [
                p
                for p in continuity_problems(
                    st, ns, rate, sid, "", tol=self.tol, max_jump=self.max_jump
                )
                if p.kind == "gap"
            ]
            out.append(
                StreamCoverage(
                    StreamID.parse(sid),
                    UTCDateTime(ns=int(st.min())),
                    UTCDateTime(ns=int(en.max())),
                    int(ns.sum()),
                    rate,
                    len(gaps),
                    len(parts),
                )
            )
        return out

    # -- reading -------------------------------------------------------------------------
    def read(
        self,
        start: UTCDateTime,
        end: UTCDateTime,
        network: str = "*",
        station: str = "*",
        location: str = "*",
        channel: str = "*",
        *,
        sample_rate: float | None = None,
    ) -> ReadResult:
        """Waveforms of ``[start, end)`` for the selected streams, with the problems found.

        Codes are fnmatch patterns or comma-separated lists of them (``"BH?,HH?"``).
        ``sample_rate`` [Hz], when given, is the expected rate; otherwise each stream's
        dominant rate is expected. Problems are issued as :class:`DataQualityWarning`.
        """
        pieces, problems = self._collect(
            start, end, network, station, location, channel, sample_rate
        )
        traces: list[Trace] = []
        for sid in sorted(pieces):
            traces.extend(to_trace(p, sid) for p in pieces[sid])
        warn_problems(problems)
        return ReadResult(Stream(traces), problems)

    def _collect(
        self,
        start: UTCDateTime,
        end: UTCDateTime,
        network: str,
        station: str,
        location: str,
        channel: str,
        sample_rate: float | None,
    ) -> tuple[dict[str, list[Piece]], list[DataProblem]]:
        s_ns, e_ns = UTCDateTime(start).ns, UTCDateTime(end).ns
        if e_ns <= s_ns:
            raise ArchiveError(f"empty time window: start {start} is not before end {end}")
        days = self._days(UTCDateTime(ns=s_ns), UTCDateTime(ns=e_ns), previous=True)
        pats = [_patterns(x) for x in (network, station, location, channel)]
        problems: list[DataProblem] = []
        headers: dict[str, list[tuple[RecordScan, np.ndarray, Path, bytes | None]]] = defaultdict(
            list
        )
        for f in self._files(days, network, station, location, channel):
            try:
                scan, buf = _scan_file(f.path)
            except OSError as exc:
                problems.append(
                    DataProblem(
                        "unreadable",
                        str(f.path),
                        f.sid.seed_id,
                        None,
                        None,
                        f"cannot read file: {exc}",
                    )
                )
                continue
            problems.extend(_corrupt_problems(scan, f, s_ns, e_ns))
            for sid in np.unique(scan.sid) if len(scan) else []:
                codes = str(sid).split(".")
                if all(_match(c, p) for c, p in zip(codes, pats, strict=True)):
                    headers[str(sid)].append((scan, scan.sid == sid, f.path, buf))
        out: dict[str, list[Piece]] = {}
        for sid, parts in headers.items():
            pieces, probs = self._stream(sid, parts, s_ns, e_ns, sample_rate)
            problems.extend(probs)
            if pieces:
                out[sid] = pieces
        problems = [p for p in problems if _touches(p, s_ns, e_ns)]
        return out, problems

    def _stream(
        self,
        sid: str,
        parts: list[tuple[RecordScan, np.ndarray, Path, bytes | None]],
        s_ns: int,
        e_ns: int,
        expected: float | None,
    ) -> tuple[list[Piece], list[DataProblem]]:
        problems: list[DataProblem] = []
        rates = np.concatenate([scan.rate[m] for scan, m, _, _ in parts])
        counts = np.concatenate([scan.nsamp[m] for scan, m, _, _ in parts])
        rate = expected if expected is not None else dominant_rate(rates, counts)
        good_start: list[np.ndarray] = []
        good_n: list[np.ndarray] = []
        recs = _Rec()
        for scan, m, path, buf in parts:
            idx = np.flatnonzero(m)
            wrong = np.abs(scan.rate[idx] - rate) > 1e-4 * rate
            problems.extend(_rate_problems(scan, idx[wrong], rate, sid, path))
            idx = idx[~wrong]
            good_start.append(scan.start_ns[idx])
            good_n.append(scan.nsamp[idx])
            ends = scan.start_ns[idx] + np.round(scan.nsamp[idx] * (_NS / rate)).astype(np.int64)
            sel = idx[(scan.start_ns[idx] < e_ns) & (ends > s_ns)]
            if len(sel):
                _take(recs, scan, sel, path, buf)
        problems.extend(
            continuity_problems(
                np.concatenate(good_start),
                np.concatenate(good_n),
                rate,
                sid,
                ",".join(sorted({str(p) for _, _, p, _ in parts})),
                tol=self.tol,
                max_jump=self.max_jump,
            )
        )
        pieces, probs = self._decode(sid, recs)
        problems.extend(probs)
        merged, probs = merge_pieces(pieces, sid, ",".join(sorted(set(recs.source))), tol=self.tol)
        problems.extend(probs)
        cut_pieces = [c for c in (cut(p, s_ns, e_ns) for p in merged) if len(c.data)]
        return cut_pieces, problems

    def _decode(self, sid: str, recs: _Rec) -> tuple[list[Piece], list[DataProblem]]:
        """Decode the records run by run (a run: records that continue each other)."""
        order = sorted(range(len(recs.data)), key=lambda i: (recs.start_ns[i], i))
        runs: list[list[int]] = []
        ends: list[int] = []
        for i in order:
            dt = _NS / recs.rate[i]
            for j in range(len(runs) - 1, -1, -1):
                if abs(recs.start_ns[i] - ends[j]) <= self.tol * dt:
                    runs[j].append(i)
                    ends[j] = recs.start_ns[i] + round(recs.nsamp[i] * dt)
                    break
            else:
                runs.append([i])
                ends.append(recs.start_ns[i] + round(recs.nsamp[i] * dt))
        pieces: list[Piece] = []
        problems: list[DataProblem] = []
        for run in runs:
            traces, bad = decode_records([recs.data[i] for i in run], [recs.nsamp[i] for i in run])
            pieces.extend(
                Piece(tr.stats.starttime.ns, float(tr.stats.sampling_rate), tr.data)
                for tr in traces
            )
            for b in bad:
                i = run[b]
                t0 = UTCDateTime(ns=recs.start_ns[i])
                problems.append(
                    DataProblem(
                        "corrupt",
                        recs.source[i],
                        sid,
                        t0,
                        t0 + recs.nsamp[i] / recs.rate[i],
                        "record data cannot be decoded (corrupt payload); record skipped",
                    )
                )
        return pieces, problems

    # -- writing -------------------------------------------------------------------------
    def write(self, stream: Stream, *, on_conflict: OnConflict = "keep") -> list[Path]:
        """Add ``stream`` to the archive; returns the day files written.

        Traces are split at UTC day boundaries. Samples already archived are not written
        again (re-importing is a no-op); only new samples are appended to the day files,
        so nothing archived is ever rewritten or lost. Where a new sample differs from the
        archived one (a conflicting overlap), ``on_conflict="keep"`` keeps the archived
        sample and reports it (warning), ``"raise"`` raises :class:`ArchiveError`.
        """
        return self.add(stream, on_conflict=on_conflict).paths

    def add(self, stream: Stream, *, on_conflict: OnConflict = "keep") -> WriteSummary:
        """Like :meth:`write`, returning counts (samples written) and the conflicts found."""
        summary = WriteSummary()
        todo: dict[tuple[str, int], list[Piece]] = defaultdict(list)
        for tr in stream:
            sid = StreamID(tr.stats.network, tr.stats.station, tr.stats.location, tr.stats.channel)
            if not sid.network or not sid.station or not sid.channel:
                raise ArchiveError(
                    f"trace {tr.id!r} lacks a network, station or channel code; "
                    "SDS paths need all three (set them before writing)"
                )
            if tr.stats.npts == 0:
                continue
            data = np.ma.filled(tr.data) if np.ma.isMaskedArray(tr.data) else tr.data
            piece = Piece(tr.stats.starttime.ns, float(tr.stats.sampling_rate), np.asarray(data))
            for day in range(_day(piece.start_ns), _day(piece.end_ns - 1) + 1):
                part = cut(piece, day * _DAY_NS, (day + 1) * _DAY_NS)
                if len(part.data):
                    todo[(sid.seed_id, day)].append(part)
        for (seed_id, day), pieces in sorted(todo.items()):
            self._add_day(StreamID.parse(seed_id), day, pieces, on_conflict, summary)
        warn_problems(summary.problems)
        return summary

    def _add_day(
        self,
        sid: StreamID,
        day: int,
        pieces: list[Piece],
        on_conflict: OnConflict,
        summary: WriteSummary,
    ) -> None:
        c = sid
        day0 = UTCDateTime(ns=day * _DAY_NS)
        existing, _ = self._collect(
            day0, day0 + 86400, c.network, c.station, c.location or "", c.channel, None
        )
        old = existing.get(sid.seed_id, [])
        path = self.path_for(sid, day0)
        new: list[Piece] = []
        for piece in pieces:
            if old and abs(old[0].rate - piece.rate) > 1e-4 * piece.rate:
                raise ArchiveError(
                    f"{sid} {day0.date}: sample rate {piece.rate} Hz differs from the archived "
                    f"{old[0].rate} Hz in {path}; fix the stream's rate or channel code"
                )
            fresh, conflicts = _uncovered(piece, old + new, self.tol)
            for t0, t1, n in conflicts:
                msg = f"{n} samples differ from the archived ones; kept the archived samples"
                if on_conflict == "raise":
                    raise ArchiveError(f"{sid} {t0} - {t1}: {msg[:-32]}: nothing written")
                summary.problems.append(DataProblem("overlap", str(path), sid.seed_id, t0, t1, msg))
            new.extend(fresh)
        if not new:
            return
        traces = [to_trace(p, sid.seed_id) for p in new]
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = b"".join(_encode(tr, self.reclen) for tr in traces)
        with path.open("ab") as fh:
            fh.write(payload)
        summary.paths.append(path)
        summary.samples += sum(len(p.data) for p in new)
        summary.traces += len(new)
        log.debug("appended %d samples to %s", sum(len(p.data) for p in new), path)


def _touches(p: DataProblem, s_ns: int, e_ns: int) -> bool:
    if p.start is None:
        return True
    t0 = p.start.ns
    t1 = p.end.ns if p.end is not None else t0
    return t0 < e_ns and t1 >= s_ns


def _take(recs: _Rec, scan: RecordScan, sel: np.ndarray, path: Path, buf: bytes | None) -> None:
    lo = int(scan.offset[sel].min())
    hi = int((scan.offset[sel] + scan.reclen[sel]).max())
    if buf is None:
        with path.open("rb") as fh:
            fh.seek(lo)
            block = fh.read(hi - lo)
    else:
        block = buf[lo:hi]
    for i in sel:
        o = int(scan.offset[i]) - lo
        recs.data.append(block[o : o + int(scan.reclen[i])])
        recs.start_ns.append(int(scan.start_ns[i]))
        recs.nsamp.append(int(scan.nsamp[i]))
        recs.rate.append(float(scan.rate[i]))
        recs.source.append(str(path))


def _rate_problems(
    scan: RecordScan, idx: np.ndarray, rate: float, sid: str, path: Path
) -> list[DataProblem]:
    out = []
    for i in idx:
        t0 = UTCDateTime(ns=int(scan.start_ns[i]))
        out.append(
            DataProblem(
                "sample_rate",
                str(path),
                sid,
                t0,
                t0 + scan.nsamp[i] / scan.rate[i],
                f"record at byte {scan.offset[i]} has {scan.rate[i]:g} Hz, the stream "
                f"has {rate:g} Hz; record skipped",
            )
        )
    return out


def _corrupt_problems(scan: RecordScan, f: _File, s_ns: int, e_ns: int) -> list[DataProblem]:
    out = []
    for off, n in scan.corrupt:
        k = int(np.searchsorted(scan.offset, off))
        t0 = UTCDateTime(ns=int(scan.end_ns[k - 1])) if k > 0 else None
        t1 = UTCDateTime(ns=int(scan.start_ns[k])) if k < len(scan) else None
        if t0 is None and t1 is not None:
            t0, t1 = t1, None
        if len(scan) == 0:
            out.append(
                DataProblem(
                    "unreadable",
                    str(f.path),
                    f.sid.seed_id,
                    None,
                    None,
                    "no valid miniSEED record in the file; file skipped",
                )
            )
            break
        out.append(
            DataProblem(
                "corrupt",
                str(f.path),
                f.sid.seed_id,
                t0,
                t1,
                f"bytes {off}-{off + n - 1} are not valid miniSEED records; skipped",
            )
        )
    return out


def _uncovered(
    piece: Piece, old: list[Piece], tol: float
) -> tuple[list[Piece], list[tuple[UTCDateTime, UTCDateTime, int]]]:
    """The runs of ``piece`` not already in ``old``, and the conflicting overlaps."""
    n = len(piece.data)
    covered = np.zeros(n, bool)
    conflicts = []
    for o in old:
        if o.end_ns <= piece.start_ns or o.start_ns >= piece.end_ns:
            continue
        d = (o.start_ns - piece.start_ns) * piece.rate / _NS
        off = round(d)
        i0 = max(0, off)
        i1 = min(n, off + len(o.data))
        if i1 <= i0:
            continue
        covered[i0:i1] = True
        a, b = piece.data[i0:i1], o.data[i0 - off : i1 - off]
        if abs(d - off) > tol:
            diff = i1 - i0  # grids do not line up: cannot be the same samples
        elif a.dtype.kind == "f" or b.dtype.kind == "f":
            diff = int(np.count_nonzero(~((a == b) | (np.isnan(a) & np.isnan(b)))))
        else:
            diff = int(np.count_nonzero(a != b))
        if diff:
            t0 = UTCDateTime(ns=piece.start_ns + round(i0 * _NS / piece.rate))
            conflicts.append((t0, t0 + (i1 - i0) / piece.rate, diff))
    fresh = []
    idx = np.flatnonzero(~covered)
    if len(idx):
        splits = np.flatnonzero(np.diff(idx) > 1) + 1
        for run in np.split(idx, splits):
            first = int(run[0])
            fresh.append(
                Piece(
                    piece.start_ns + round(first * _NS / piece.rate),
                    piece.rate,
                    piece.data[first : int(run[-1]) + 1],
                )
            )
    return fresh, conflicts


def _encode(tr: Trace, reclen: int) -> bytes:
    """miniSEED bytes of ``tr``: Steim2 for integers, FLOAT32/FLOAT64 for floats."""
    data = tr.data
    kind = data.dtype.kind
    if kind in "iub":
        if (data.dtype.itemsize <= 4 and data.dtype != np.uint32) or (
            len(data) and data.min() >= -(2**31) and data.max() < 2**31
        ):
            tr.data = np.ascontiguousarray(data, dtype=np.int32)
            encodings = ["STEIM2", "INT32"]
        else:
            tr.data = np.ascontiguousarray(data, dtype=np.float64)
            encodings = ["FLOAT64"]
    elif kind == "f" and data.dtype.itemsize == 4:
        encodings = ["FLOAT32"]
    elif kind == "f":
        tr.data = np.ascontiguousarray(data, dtype=np.float64)
        encodings = ["FLOAT64"]
    else:
        raise ArchiveError(f"{tr.id}: cannot archive samples of type {data.dtype}")
    for enc in encodings:
        buf = io.BytesIO()
        try:
            tr.write(buf, format="MSEED", encoding=enc, reclen=reclen)
        except Exception as exc:  # obspy raises plain exceptions for Steim overflow
            log.debug("%s: %s encoding failed (%s); trying the next", tr.id, enc, exc)
            continue
        return buf.getvalue()
    raise ArchiveError(f"{tr.id}: cannot encode the samples as miniSEED")  # pragma: no cover


def clear_cache() -> None:
    """Forget the cached record indexes (tests, benchmarks)."""
    global _cache_records
    _CACHE.clear()
    _cache_records = 0
