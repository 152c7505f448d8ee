"""Continuity checks and merging of waveform pieces (pure functions, no I/O).

Times are integer nanoseconds since 1970 (UTC); sample rates are in Hz. A *piece* is a run of
samples on a regular grid (a miniSEED record, a wfdisc row, a decoded run of records).

Rules (documented in docs/archive.md):

* two pieces are continuous when the second starts within ``tol`` samples of the end of the
  first (default 0.1 sample);
* a forward tear that is a whole number of samples (within ``tol``) is a **gap**; any tear that is
  not a whole number of samples and shorter than ``max_jump`` samples, and any backward step of at
  most ``max_jump`` samples, is a **clock jump**; longer backward steps are overlaps;
* overlapping samples that are identical are merged silently (duplicate records); conflicting
  overlaps are reported and the copy that comes first (earlier start; for equal starts the one
  read first: older file, lower byte offset) is kept;
* pieces whose grids do not line up (after a clock jump) become separate traces; samples of the
  later piece that fall inside the earlier one are dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from obspy import Trace, UTCDateTime

from openndc.model.quality import DataProblem

__all__ = [
    "DEFAULT_MAX_JUMP",
    "DEFAULT_TOL",
    "Piece",
    "continuity_problems",
    "cut",
    "dominant_rate",
    "merge_pieces",
    "to_trace",
]

_NS = 1_000_000_000
#: Largest mismatch [samples] still treated as continuous.
DEFAULT_TOL = 0.1
#: Largest tear or backward step [samples] reported as a clock jump rather than a gap/overlap.
DEFAULT_MAX_JUMP = 5.0


def _t(ns: int) -> UTCDateTime:
    return UTCDateTime(ns=int(ns))


@dataclass(slots=True)
class Piece:
    """Samples ``data`` starting at ``start_ns`` [ns] at ``rate`` [Hz]."""

    start_ns: int
    rate: float
    data: np.ndarray

    @property
    def end_ns(self) -> int:
        """Expected start of the next sample after the last one [ns]."""
        return self.start_ns + round(len(self.data) * _NS / self.rate)


def dominant_rate(rates: np.ndarray, weights: np.ndarray) -> float:
    """The sample rate [Hz] carrying most samples (rates equal to 1e-6 relative are one)."""
    if len(rates) == 0:
        return math.nan
    keys = np.round(rates, 6)
    uniq, inv = np.unique(keys, return_inverse=True)
    return float(uniq[np.argmax(np.bincount(inv, weights=weights))])


def continuity_problems(
    start_ns: np.ndarray,
    nsamp: np.ndarray,
    rate: float,
    stream: str,
    source: str,
    *,
    tol: float = DEFAULT_TOL,
    max_jump: float = DEFAULT_MAX_JUMP,
) -> list[DataProblem]:
    """Gaps and clock jumps between pieces (any order; they are sorted by start here)."""
    if len(start_ns) < 2:
        return []
    order = np.argsort(start_ns, kind="stable")
    s = start_ns[order]
    e = s + np.round(nsamp[order] * (_NS / rate)).astype(np.int64)
    cover = np.maximum.accumulate(e)[:-1]
    d = (s[1:] - cover) * (rate / _NS)
    frac = np.abs(d - np.round(d))
    jump = ((np.abs(d) > tol) & (frac > tol) & (d < max_jump) & (d > -max_jump)) | (
        (d < -tol) & (d >= -max_jump) & (s[1:] != s[:-1])
    )
    gap = (d > tol) & ~jump
    problems = []
    for i in np.flatnonzero(jump | gap):
        t0, t1 = int(cover[i]), int(s[i + 1])
        if gap[i]:
            problems.append(
                DataProblem(
                    "gap",
                    source,
                    stream,
                    _t(t0),
                    _t(t1),
                    f"{(t1 - t0) / _NS:.6g} s of data missing ({d[i]:.6g} samples)",
                )
            )
        else:
            problems.append(
                DataProblem(
                    "clock_jump",
                    source,
                    stream,
                    _t(t1),
                    None,
                    f"time jumps by {d[i]:+.3f} samples ({(t1 - t0) / _NS:+.6f} s) "
                    f"against the continuation of the previous record",
                )
            )
    return problems


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


class _Run:
    """A growing trace: pieces appended in time order."""

    def __init__(self, piece: Piece) -> None:
        self.start_ns = piece.start_ns
        self.rate = piece.rate
        self.parts = [piece.data]
        self.n = len(piece.data)

    @property
    def end_ns(self) -> int:
        return self.start_ns + round(self.n * _NS / self.rate)

    def tail(self, k: int) -> np.ndarray:
        out: list[np.ndarray] = []
        need = k
        for part in reversed(self.parts):
            if need <= 0:
                break
            out.append(part[-need:] if need < len(part) else part)
            need -= len(out[-1])
        return np.concatenate(out[::-1]) if out else np.empty(0)

    def append(self, data: np.ndarray) -> None:
        if len(data):
            self.parts.append(data)
            self.n += len(data)

    def piece(self) -> Piece:
        data = self.parts[0] if len(self.parts) == 1 else np.concatenate(self.parts)
        return Piece(self.start_ns, self.rate, data)


def merge_pieces(
    pieces: Sequence[Piece], stream: str, source: str, *, tol: float = DEFAULT_TOL
) -> tuple[list[Piece], list[DataProblem]]:
    """Merge pieces of one stream (one sample rate) into gap-separated traces.

    ``pieces`` are taken in the given order for ties (pass them in read order). Returns the
    merged pieces in time order and the conflicting overlaps found.
    """
    problems: list[DataProblem] = []
    order = sorted(range(len(pieces)), key=lambda i: (pieces[i].start_ns, i))
    runs: list[_Run] = []
    for i in order:
        p = pieces[i]
        if len(p.data) == 0:
            continue
        if not runs:
            runs.append(_Run(p))
            continue
        cur = runs[-1]
        d = (p.start_ns - cur.end_ns) * p.rate / _NS
        r = round(d)
        if abs(d - r) > tol:  # misaligned grid (clock jump): keep the earlier samples
            first = max(0, math.ceil((cur.end_ns - p.start_ns) * p.rate / _NS - tol))
            if first < len(p.data):
                start = p.start_ns + round(first * _NS / p.rate)
                runs.append(_Run(Piece(start, p.rate, p.data[first:])))
            continue
        if r > 0:
            runs.append(_Run(p))
            continue
        k = min(-r, len(p.data))
        lead = min(k, max(0, -r - cur.n))  # samples before the run's start: dropped
        if k > lead:
            old = cur.tail(-r - lead)[: k - lead]
            new = p.data[lead:k]
            if not _equal(old, new):
                t0 = p.start_ns
                t1 = p.start_ns + round(k * _NS / p.rate)
                nd = int(np.count_nonzero(old != new))
                problems.append(
                    DataProblem(
                        "overlap",
                        source,
                        stream,
                        _t(t0),
                        _t(t1),
                        f"{k} overlapping samples differ in {nd} places; kept the copy read first",
                    )
                )
        cur.append(p.data[k:])
    return [run.piece() for run in runs], problems


def cut(piece: Piece, start_ns: int | None, end_ns: int | None) -> Piece:
    """The samples of ``piece`` with time in ``[start_ns, end_ns)`` (None: unbounded)."""
    n = len(piece.data)
    i0 = 0
    i1 = n
    eps = 1e-3  # [samples]: times stored with microseconds must not drop a sample
    if start_ns is not None:
        i0 = max(0, math.ceil((start_ns - piece.start_ns) * piece.rate / _NS - eps))
    if end_ns is not None:
        i1 = min(n, math.ceil((end_ns - piece.start_ns) * piece.rate / _NS - eps))
    if i1 <= i0:
        return Piece(piece.start_ns, piece.rate, piece.data[:0])
    return Piece(piece.start_ns + round(i0 * _NS / piece.rate), piece.rate, piece.data[i0:i1])


def to_trace(piece: Piece, stream: str, **stats: object) -> Trace:
    """An ObsPy trace (contiguous, not masked) of ``piece`` for SEED id ``stream``."""
    net, sta, loc, cha = stream.split(".")
    header: dict[str, object] = {
        "network": net,
        "station": sta,
        "location": loc,
        "channel": cha,
        "sampling_rate": piece.rate,
        "starttime": _t(piece.start_ns),
    }
    header.update(stats)
    return Trace(np.ascontiguousarray(piece.data), header=header)
