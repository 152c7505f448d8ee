"""miniSEED 2 record index and robust decoding.

:func:`scan_records` reads the fixed headers of every record of a miniSEED buffer without
decoding samples (vectorised with numpy; :func:`scan_records_py` is the plain reference it is
tested against). It finds record boundaries, stream ids, start times [ns], sample counts and
sample rates [Hz], and the byte ranges that are not valid records (corrupt headers).

:func:`decode_records` decodes a selection of records with ObsPy (libmseed). A record whose
payload is corrupt (ObsPy raises, or libmseed warns about a failed Steim integrity check) is
isolated by bisection and returned as bad; the other records are decoded.
"""

from __future__ import annotations

import io
import struct
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import obspy
from obspy.io.mseed.core import _read_mseed

__all__ = [
    "ENCODINGS",
    "RecordScan",
    "decode_records",
    "parse_header",
    "quiet_callbacks",
    "scan_records",
    "scan_records_py",
]

#: SEED data encodings a record may carry (code -> name); 0 (ASCII) holds no samples.
ENCODINGS = {
    0: "ASCII",
    1: "INT16",
    3: "INT32",
    4: "FLOAT32",
    5: "FLOAT64",
    10: "STEIM1",
    11: "STEIM2",
}
_MIN_RECLEN = 128
_NS = 1_000_000_000


@dataclass(frozen=True)
class RecordScan:
    """Headers of the data records of one buffer (parallel arrays, in file order).

    ``start_ns`` is the record start time [ns since 1970, UTC] with the blockette 1001
    microseconds and the header time correction applied; ``rate`` is the sample rate [Hz].
    ``corrupt`` lists ``(offset, length)`` byte ranges that are not valid records.
    Records without samples (ASCII logs, event/calibration records) are left out.
    """

    offset: np.ndarray
    reclen: np.ndarray
    sid: np.ndarray
    start_ns: np.ndarray
    nsamp: np.ndarray
    rate: np.ndarray
    encoding: np.ndarray
    corrupt: tuple[tuple[int, int], ...]

    def __len__(self) -> int:
        return len(self.offset)

    @property
    def end_ns(self) -> np.ndarray:
        """Time just after the last sample of each record [ns] (start + nsamp / rate)."""
        return self.start_ns + np.round(self.nsamp * (_NS / self.rate)).astype(np.int64)


@dataclass(frozen=True, slots=True)
class _Header:
    sid: str
    start_ns: int
    nsamp: int
    rate: float
    encoding: int
    reclen: int


def _rate(factor: int, mult: int) -> float:
    """Sample rate [Hz] from the SEED factor and multiplier."""
    if factor == 0 or mult == 0:
        return 0.0
    if factor > 0 and mult > 0:
        return float(factor * mult)
    if factor > 0 > mult:
        return -factor / mult
    if factor < 0 < mult:
        return -mult / factor
    return 1.0 / (factor * mult)


def _epoch_days(year: np.ndarray, doy: np.ndarray) -> np.ndarray:
    years = (year.astype(np.int64) - 1970).astype("datetime64[Y]")
    return years.astype("datetime64[D]").astype(np.int64) + doy.astype(np.int64) - 1


def _valid_fixed(b: bytes, off: int) -> bool:
    """libmseed's MS_ISVALIDHEADER on the 48-byte fixed header at ``off``."""
    h = b[off : off + 48]
    if len(h) < 48:
        return False
    if not all(c in b"0123456789 \x00" for c in h[0:6]):
        return False
    if h[6] not in b"DRQM" or h[7] not in b" \x00":
        return False
    return h[24] <= 23 and h[25] <= 59 and h[26] <= 60


def parse_header(buf: bytes, off: int) -> _Header | None:
    """The header of the record at ``off``, or None when it is not a valid data record.

    Returns a header with ``nsamp == 0`` for valid records that hold no samples.
    """
    if not _valid_fixed(buf, off):
        return None
    order = ">"
    year, doy = struct.unpack_from(">HH", buf, off + 20)
    if not (1900 <= year <= 2100 and 1 <= doy <= 366):
        order = "<"
        year, doy = struct.unpack_from("<HH", buf, off + 20)
        if not (1900 <= year <= 2100 and 1 <= doy <= 366):
            return None
    hour, minute, sec, _, frac = struct.unpack_from(order + "BBBBH", buf, off + 24)
    nsamp, factor, mult = struct.unpack_from(order + "Hhh", buf, off + 30)
    act, _io, _dq, _nb, tcorr, dataoff, blkoff = struct.unpack_from(
        order + "BBBBiHH", buf, off + 36
    )
    rate = _rate(factor, mult)
    encoding = -1
    reclen = 0
    usec = 0
    seen = 0
    while blkoff and seen < 16:
        if blkoff < 48 or off + blkoff + 4 > len(buf):
            return None
        btype, nxt = struct.unpack_from(order + "HH", buf, off + blkoff)
        if btype == 1000:
            encoding, _wo, exp = struct.unpack_from("BBB", buf, off + blkoff + 4)
            if not 7 <= exp <= 16:
                return None
            reclen = 1 << exp
        elif btype == 1001:
            usec = struct.unpack_from("b", buf, off + blkoff + 5)[0]
        elif btype == 100:
            rate = float(struct.unpack_from(order + "f", buf, off + blkoff + 4)[0])
        if nxt and nxt <= blkoff:
            return None
        blkoff = nxt
        seen += 1
    if reclen == 0 or dataoff > reclen:
        return None
    if nsamp > 0 and (encoding not in ENCODINGS or rate <= 0 or dataoff < 48):
        return None
    days = int(_epoch_days(np.array([year]), np.array([doy]))[0])
    ns = (days * 86400 + hour * 3600 + minute * 60 + sec) * _NS + frac * 100_000 + usec * 1000
    if not act & 0x02:
        ns += tcorr * 100_000
    net = buf[off + 18 : off + 20].decode("ascii", "replace").strip()
    sta = buf[off + 8 : off + 13].decode("ascii", "replace").strip()
    loc = buf[off + 13 : off + 15].decode("ascii", "replace").strip()
    cha = buf[off + 15 : off + 18].decode("ascii", "replace").strip()
    if encoding == 0:
        nsamp = 0
    return _Header(f"{net}.{sta}.{loc}.{cha}", ns, nsamp, rate, encoding, reclen)


def _build(rows: list[tuple[int, _Header]], corrupt: list[tuple[int, int]]) -> RecordScan:
    data = [(o, h) for o, h in rows if h.nsamp > 0]
    merged: list[tuple[int, int]] = []
    for off, n in sorted(corrupt):
        if merged and merged[-1][0] + merged[-1][1] == off:
            merged[-1] = (merged[-1][0], merged[-1][1] + n)
        else:
            merged.append((off, n))
    return RecordScan(
        offset=np.array([o for o, _ in data], dtype=np.int64),
        reclen=np.array([h.reclen for _, h in data], dtype=np.int64),
        sid=np.array([h.sid for _, h in data], dtype=object),
        start_ns=np.array([h.start_ns for _, h in data], dtype=np.int64),
        nsamp=np.array([h.nsamp for _, h in data], dtype=np.int64),
        rate=np.array([h.rate for _, h in data], dtype=np.float64),
        encoding=np.array([h.encoding for _, h in data], dtype=np.int16),
        corrupt=tuple(merged),
    )


def scan_records_py(buf: bytes) -> RecordScan:
    """Reference scan: walk the buffer record by record (libmseed's resync: skip 128 bytes)."""
    rows: list[tuple[int, _Header]] = []
    corrupt: list[tuple[int, int]] = []
    off = 0
    n = len(buf)
    while off < n:
        h = parse_header(buf, off)
        if h is None or off + h.reclen > n:
            step = min(_MIN_RECLEN, n - off)
            corrupt.append((off, step))
            off += step
            continue
        rows.append((off, h))
        off += h.reclen
    return _build(rows, corrupt)


def scan_records(buf: bytes) -> RecordScan:
    """Scan all record headers of ``buf`` (fast path: constant record length, vectorised).

    Falls back to :func:`scan_records_py` when the record length is not constant; records the
    vectorised check rejects are re-parsed one by one.
    """
    first = parse_header(buf, 0) if len(buf) >= 48 else None
    if first is None or len(buf) % first.reclen:
        return scan_records_py(buf)
    L = first.reclen
    a = np.frombuffer(buf, dtype=np.uint8).reshape(-1, L)
    n = a.shape[0]

    def u16(col: int) -> np.ndarray:
        return (a[:, col].astype(np.int64) << 8) | a[:, col + 1]

    def i16(col: int) -> np.ndarray:
        v = u16(col)
        return np.where(v >= 0x8000, v - 0x10000, v)

    year, doy = u16(20), u16(22)
    hour, minute, sec = a[:, 24].astype(np.int64), a[:, 25].astype(np.int64), a[:, 26]
    frac = u16(28)
    nsamp, factor, mult = u16(30), i16(32), i16(34)
    act = a[:, 36]
    tcorr = (u16(40) << 16) | u16(42)
    tcorr = np.where(tcorr >= 0x80000000, tcorr - 0x100000000, tcorr)
    dataoff, blk0 = u16(44), u16(46)
    hdr = a[:, :8]
    digits = ((hdr[:, :6] >= 48) & (hdr[:, :6] <= 57)) | (hdr[:, :6] == 32) | (hdr[:, :6] == 0)
    ok = digits.all(axis=1)
    ok &= np.isin(hdr[:, 6], np.frombuffer(b"DRQM", np.uint8))
    ok &= (hdr[:, 7] == 32) | (hdr[:, 7] == 0)
    ok &= (hour <= 23) & (minute <= 59) & (sec <= 60)
    ok &= (year >= 1900) & (year <= 2100) & (doy >= 1) & (doy <= 366)
    # standard blockette layouts: 1000 at 48 (then nothing or 1001 at 56), or 1001 at 48
    # followed by 1000 at 56 (ObsPy writes that when times need microseconds)
    exp = L.bit_length() - 1
    nxt = u16(50)
    a1000 = (
        (u16(48) == 1000)
        & (a[:, 54] == exp)
        & ((nxt == 0) | ((nxt == 56) & (u16(56) == 1001) & (u16(58) == 0)))
    )
    b1000 = (u16(48) == 1001) & (nxt == 56) & (u16(56) == 1000) & (u16(58) == 0) & (a[:, 62] == exp)
    ok &= (blk0 == 48) & (a1000 | b1000)
    has1001 = (a1000 & (nxt == 56)) | b1000
    encoding = np.where(b1000, a[:, 60], a[:, 52]).astype(np.int16)
    ok &= np.isin(encoding, list(ENCODINGS)) & (dataoff <= L)
    rate = _rates(factor, mult)
    data = (nsamp > 0) & (encoding != 0)
    ok &= ~data | ((rate > 0) & (dataoff >= 48))
    usec_col = np.where(b1000, a[:, 53], a[:, 61]).astype(np.uint8).astype(np.int8)
    usec = np.where(has1001, usec_col.astype(np.int64), 0)
    days = _epoch_days(np.where(ok, year, 1970), np.where(ok, doy, 1))
    ns = (days * 86400 + hour * 3600 + minute * 60 + sec) * _NS + frac * 100_000 + usec * 1000
    ns = ns + np.where(act & 0x02, 0, tcorr * 100_000)
    sids = _sids(a)
    nsamp = np.where(data, nsamp, 0)
    offsets = np.arange(n, dtype=np.int64) * L
    keep = ok.copy()
    corrupt: list[tuple[int, int]] = []
    extra: list[tuple[int, _Header]] = []
    for i in np.flatnonzero(~ok):
        off = int(offsets[i])
        h = parse_header(buf, off)  # little-endian or unusual blockettes
        if h is None or h.reclen != L:
            corrupt.append((off, L))
        else:
            extra.append((off, h))
    keep &= nsamp > 0
    scan = RecordScan(
        offset=offsets[keep],
        reclen=np.full(int(keep.sum()), L, dtype=np.int64),
        sid=sids[keep],
        start_ns=ns[keep],
        nsamp=nsamp[keep],
        rate=rate[keep],
        encoding=encoding[keep],
        corrupt=(),
    )
    if not extra and not corrupt:
        return scan
    other = _build(extra, corrupt)
    order = np.argsort(np.concatenate([scan.offset, other.offset]), kind="stable")
    cols = {
        f: np.concatenate([getattr(scan, f), getattr(other, f)])[order]
        for f in ("offset", "reclen", "sid", "start_ns", "nsamp", "rate", "encoding")
    }
    return RecordScan(
        **cols,
        corrupt=other.corrupt,
    )


def _rates(factor: np.ndarray, mult: np.ndarray) -> np.ndarray:
    """Vectorised :func:`_rate`."""
    f = factor.astype(np.float64)
    m = mult.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.select(
            [(f > 0) & (m > 0), (f > 0) & (m < 0), (f < 0) & (m > 0), (f < 0) & (m < 0)],
            [f * m, -f / m, -m / f, 1.0 / (f * m)],
            0.0,
        )
    return np.asarray(out, dtype=np.float64)


def _sids(a: np.ndarray) -> np.ndarray:
    codes = np.ascontiguousarray(a[:, 8:20]).view("S12").ravel()
    uniq, inverse = np.unique(codes, return_inverse=True)
    names = []
    for raw in uniq:
        text = bytes(raw).ljust(12).decode("ascii", "replace")
        net, sta = text[10:12].strip(), text[0:5].strip()
        names.append(f"{net}.{sta}.{text[5:7].strip()}.{text[7:10].strip()}")
    return np.array(names, dtype=object)[inverse]


@contextmanager
def quiet_callbacks() -> Iterator[list[str]]:
    """Collect, instead of printing, errors raised inside ObsPy's libmseed callbacks.

    ObsPy decodes libmseed's log messages in a ctypes callback; for records with flipped
    bytes the message is not UTF-8, the callback raises and Python prints a traceback
    ("Exception ignored on calling ctypes callback function"). The record is reported as
    bad by the caller either way; the collected texts are yielded for the report.
    """
    caught: list[str] = []
    previous = sys.unraisablehook

    def hook(info: sys.UnraisableHookArgs) -> None:
        caught.append(f"{type(info.exc_value).__name__}: {info.exc_value}")

    sys.unraisablehook = hook
    try:
        yield caught
    finally:
        sys.unraisablehook = previous


def _try_decode(chunk: bytes) -> list[obspy.Trace] | None:
    with warnings.catch_warnings(record=True) as caught, quiet_callbacks() as errors:
        warnings.simplefilter("always")
        try:
            # ObsPy's miniSEED reader itself: ``obspy.read`` adds ~0.3 ms of format and
            # plugin dispatch per call, and SDS reading calls this once per stream and chunk.
            st = _read_mseed(io.BytesIO(chunk))
        except Exception:
            return None
    if errors:
        return None
    if any("obspy" in type(w.message).__module__ or "MSEED" in str(w.message) for w in caught):
        return None
    return list(st)


def decode_records(
    records: Sequence[bytes], nsamps: Sequence[int]
) -> tuple[list[obspy.Trace], list[int]]:
    """Decode the given records (raw bytes, in this order) into traces; isolate corrupt ones.

    Returns the decoded traces (contiguous records come back as one trace) and the indices
    of the records that could not be decoded cleanly (ObsPy raised, libmseed warned, or the
    sample count does not match the header ``nsamps``).
    """
    traces: list[obspy.Trace] = []
    bad: list[int] = []

    def go(lo: int, hi: int) -> None:
        out = _try_decode(b"".join(records[lo:hi]))
        if out is not None and sum(tr.stats.npts for tr in out) == sum(nsamps[lo:hi]):
            traces.extend(out)
            return
        if hi - lo == 1:
            bad.append(lo)
            return
        mid = (lo + hi) // 2
        go(lo, mid)
        go(mid, hi)

    if len(records):
        go(0, len(records))
    return traces, bad
