"""fdsnws-dataselect: select miniSEED records from the SDS archive and stream them.

Records are served as they are archived (no decoding, no re-encoding): every data record
of a matching stream that overlaps the requested window ``[start, end)`` is returned,
so the first and last records may extend beyond it, as at other FDSN data centres. The
selection reads only record headers (:func:`openndc.io.mseed.scan_records`, cached per
file), so the size of an answer is known before the first byte is sent and a request
above the limit is refused with 413.

``quality`` selects records by their quality indicator (``B``, best, takes all);
``minimumlength`` and ``longestonly`` work on continuous segments, where a record
continues the previous one when it starts within half a sample of its end.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.archive import SDSArchive
from openndc.io.mseed import RecordScan, scan_records
from openndc.services.params import BulkLine, FDSNRequestError, code_patterns

__all__ = ["RecordIndex", "Selection", "select_records", "stream_records"]

_NS = 1_000_000_000
_DAY = 86400


@dataclass(frozen=True)
class Selection:
    """Records to send: per file, the byte ranges (offset, length), in send order."""

    parts: tuple[tuple[Path, tuple[tuple[int, int], ...]], ...]
    nbytes: int
    nrecords: int


class RecordIndex:
    """Record headers of archive files, cached by (path, size, mtime); thread-safe."""

    def __init__(self, max_files: int = 2000) -> None:
        self._cache: OrderedDict[tuple[str, int, int], tuple[RecordScan, np.ndarray]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self.max_files = max_files

    def scan(self, path: Path) -> tuple[RecordScan, np.ndarray]:
        """Headers of ``path`` and each record's quality indicator (header byte 6)."""
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        buf = path.read_bytes()
        scan = scan_records(buf)
        quality = (
            np.frombuffer(buf, np.uint8)[scan.offset.astype(np.int64) + 6]
            if len(scan)
            else (np.zeros(0, np.uint8))
        )
        with self._lock:
            self._cache[key] = (scan, quality)
            while len(self._cache) > self.max_files:
                self._cache.popitem(last=False)
        return scan, quality


def _match(code: str, text: str) -> bool:
    return any(fnmatchcase(code, p) for p in code_patterns(text))


def _segments(start: np.ndarray, end: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Segment number of each record (sorted by start) — a new one at each break."""
    if len(start) == 0:
        return np.zeros(0, np.int64)
    half = (0.5 * _NS / rate[1:]).astype(np.int64)
    brk = np.abs(start[1:] - end[:-1]) > half
    return np.concatenate([[0], np.cumsum(brk)])


def select_records(
    archive: SDSArchive,
    index: RecordIndex,
    lines: Sequence[BulkLine],
    *,
    quality: str = "B",
    minimumlength: float = 0.0,
    longestonly: bool = False,
    max_bytes: int,
) -> Selection:
    """The records of ``lines``; raises :class:`FDSNRequestError` (413) above ``max_bytes``."""
    per_stream: dict[str, list[tuple[Path, np.ndarray, RecordScan]]] = {}
    for line in lines:
        sids = archive.streams(
            line.start - _DAY,
            line.end,
            line.network,
            line.station,
            ",".join(code_patterns(line.location)),
            line.channel,
        )
        s_ns, e_ns = line.start.ns, line.end.ns
        for sid in sids:
            day = UTCDateTime(ns=(s_ns // (_DAY * _NS)) * _DAY * _NS) - _DAY
            while day.ns < e_ns:
                path = archive.path_for(sid, day)
                day += _DAY
                if not path.is_file():
                    continue
                scan, qual = index.scan(path)
                if not len(scan):
                    continue
                sel = (scan.sid == sid.seed_id) & (scan.start_ns < e_ns) & (scan.end_ns > s_ns)
                if quality != "B":
                    sel &= qual == ord(quality)
                idx = np.flatnonzero(sel)
                if len(idx):
                    per_stream.setdefault(sid.seed_id, []).append((path, idx, scan))
    parts: list[tuple[Path, tuple[tuple[int, int], ...]]] = []
    nbytes = nrec = 0
    for seed_id in sorted(per_stream):
        parts_of_stream, count = _stream_ranges(per_stream[seed_id], minimumlength, longestonly)
        nrec += count
        for path, ranges in parts_of_stream:
            nbytes += sum(n for _, n in ranges)
            if nbytes > max_bytes:
                raise FDSNRequestError(
                    f"the request selects more than {max_bytes / 1e6:.0f} MB of miniSEED "
                    "(the server's limit): ask for a shorter time window or fewer channels",
                    status=413,
                )
            parts.append((path, ranges))
    return Selection(tuple(parts), nbytes, nrec)


def _stream_ranges(
    found: list[tuple[Path, np.ndarray, RecordScan]], minimumlength: float, longestonly: bool
) -> tuple[list[tuple[Path, tuple[tuple[int, int], ...]]], int]:
    """Byte ranges of one stream's records, by time, after the segment rules, and their
    number of records; each record once."""
    paths: list[Path] = []
    key: dict[Path, int] = {}
    for path, _, _ in found:
        key.setdefault(path, len(key))
        if len(paths) < len(key):
            paths.append(path)

    def cat(name: str) -> np.ndarray:
        return np.concatenate([np.asarray(getattr(scan, name))[idx] for _, idx, scan in found])

    start, offset, reclen, rate = (cat(n) for n in ("start_ns", "offset", "reclen", "rate"))
    end = np.concatenate([scan.end_ns[idx] for _, idx, scan in found])
    fileno = np.concatenate([np.full(len(idx), key[path]) for path, idx, _ in found])
    # the same file may be listed twice (two request lines): keep each record once
    _, first = np.unique(np.stack([fileno, offset]), axis=1, return_index=True)
    order = first[np.lexsort((offset[first], fileno[first], start[first]))]
    start, end, rate, fileno, offset, reclen = (
        a[order] for a in (start, end, rate, fileno, offset, reclen)
    )
    if not len(start):
        return [], 0
    seg = _segments(start, end, rate)
    keep = np.ones(len(start), bool)
    if minimumlength > 0 or longestonly:
        nseg = int(seg[-1]) + 1
        seg_start = np.full(nseg, np.iinfo(np.int64).max)
        seg_end = np.full(nseg, np.iinfo(np.int64).min)
        np.minimum.at(seg_start, seg, start)
        np.maximum.at(seg_end, seg, end)
        length = (seg_end - seg_start) / _NS
        ok = length >= minimumlength
        if longestonly and ok.any():
            best = int(np.argmax(np.where(ok, length, -1.0)))
            ok = np.zeros(nseg, bool)
            ok[best] = True
        keep = ok[seg]
    out: list[tuple[Path, tuple[tuple[int, int], ...]]] = []
    sel = np.flatnonzero(keep)
    if not len(sel):
        return out, 0
    # runs of records from the same file; records that follow each other in the file are
    # read as one byte range
    breaks = np.flatnonzero(np.diff(fileno[sel]) != 0) + 1
    for run in np.split(sel, breaks):
        off, size = offset[run], reclen[run]
        cut = np.flatnonzero(off[1:] != off[:-1] + size[:-1]) + 1
        first = np.concatenate([[0], cut])
        total = np.add.reduceat(size, first)
        ranges = tuple(zip(off[first].tolist(), total.tolist(), strict=True))
        out.append((paths[int(fileno[run[0]])], ranges))
    return out, len(sel)


def stream_records(selection: Selection, chunk: int = 1 << 20) -> Iterator[bytes]:
    """The selected records' bytes, read file by file in chunks of about ``chunk`` bytes."""
    for path, ranges in selection.parts:
        with path.open("rb") as fh:
            out = bytearray()
            for off, n in ranges:
                fh.seek(off)
                while n > 0:
                    piece = fh.read(min(n, chunk))
                    if not piece:  # the file shrank under us: send what there is
                        break
                    out += piece
                    n -= len(piece)
                    if len(out) >= chunk:
                        yield bytes(out)
                        out.clear()
            if out:
                yield bytes(out)
