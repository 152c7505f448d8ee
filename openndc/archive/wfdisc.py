"""Read CSS3.0 wfdisc waveforms into a :class:`ReadResult` (same rules as the SDS reader)."""

from __future__ import annotations

import math
from collections import defaultdict
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
from openndc.archive.sds import warn_problems
from openndc.io.css import WfdiscRow, data_path, parse_wfdisc, read_row_samples
from openndc.model.errors import ArchiveError
from openndc.model.quality import DataProblem

__all__ = ["read_wfdisc"]

_NS = 1_000_000_000


def _match(code: str, pattern: str) -> bool:
    return any(fnmatchcase(code, p.strip()) for p in pattern.split(","))


def read_wfdisc(
    wfdisc_path: str | Path,
    start: UTCDateTime | None = None,
    end: UTCDateTime | None = None,
    station: str = "*",
    channel: str = "*",
    *,
    network: str = "",
    missing: Literal["raise", "skip"] = "raise",
    tol: float = DEFAULT_TOL,
    max_jump: float = DEFAULT_MAX_JUMP,
) -> ReadResult:
    """Waveforms of the wfdisc rows touching ``[start, end)`` (None: unbounded).

    ``station``/``channel`` are fnmatch patterns or comma lists. CSS3.0 has no network
    code: traces get ``network``. A row's data file is ``dir/dfile`` relative to the wfdisc's
    folder (falling back to ``dfile`` beside the wfdisc); when it is missing,
    ``missing="raise"`` raises :class:`ArchiveError` naming it and ``"skip"`` reports an
    ``unreadable`` problem. Gaps, overlaps, wrong rates and clock jumps between rows are
    reported as by :meth:`SDSArchive.read`; each trace keeps the row's ``calib`` and ``calper``.
    """
    path = Path(wfdisc_path)
    base = path.parent
    rows, bad = parse_wfdisc(path)
    s_ns = UTCDateTime(start).ns if start is not None else None
    e_ns = UTCDateTime(end).ns if end is not None else None
    if s_ns is not None and e_ns is not None and e_ns <= s_ns:
        raise ArchiveError(f"empty time window: start {start} is not before end {end}")
    problems = [
        DataProblem("corrupt", f"{path}:{line}", "", None, None, f"wfdisc row skipped: {why}")
        for line, why in bad
    ]
    groups: dict[str, list[WfdiscRow]] = defaultdict(list)
    for r in rows:
        if not (_match(r.sta, station) and _match(r.chan, channel)):
            continue
        if e_ns is not None and round(r.time * _NS) >= e_ns:
            continue
        if s_ns is not None and round((r.time + r.nsamp / r.samprate) * _NS) <= s_ns:
            continue
        groups[f"{network}.{r.sta}..{r.chan}"].append(r)
    traces: list[Trace] = []
    for sid in sorted(groups):
        pieces, probs, calib = _read_stream(
            sid, groups[sid], path, base, s_ns, e_ns, missing, tol, max_jump
        )
        problems.extend(probs)
        for p in pieces:
            traces.append(to_trace(p, sid, **calib))
    problems = [p for p in problems if _touches(p, s_ns, e_ns)]
    warn_problems(problems)
    return ReadResult(Stream(traces), problems)


def _touches(p: DataProblem, s_ns: int | None, e_ns: int | None) -> bool:
    if p.start is None:
        return True
    t1 = p.end if p.end is not None else p.start
    return (e_ns is None or p.start.ns < e_ns) and (s_ns is None or t1.ns >= s_ns)


def _read_stream(
    sid: str,
    rows: list[WfdiscRow],
    path: Path,
    base: Path,
    s_ns: int | None,
    e_ns: int | None,
    missing: str,
    tol: float,
    max_jump: float,
) -> tuple[list[Piece], list[DataProblem], dict[str, float]]:
    problems: list[DataProblem] = []
    rates = np.array([r.samprate for r in rows])
    rate = dominant_rate(rates, np.array([r.nsamp for r in rows], dtype=float))
    good = []
    for r in rows:
        where = f"{path}:{r.line}"
        if abs(r.samprate - rate) > 1e-4 * rate:
            t0 = UTCDateTime(r.time)
            problems.append(
                DataProblem(
                    "sample_rate",
                    where,
                    sid,
                    t0,
                    UTCDateTime(r.endtime),
                    f"row has {r.samprate:g} Hz, the stream has {rate:g} Hz; row skipped",
                )
            )
        else:
            good.append(r)
    starts = np.array([round(r.time * _NS) for r in good], dtype=np.int64)
    nsamp = np.array([r.nsamp for r in good], dtype=np.int64)
    problems.extend(
        continuity_problems(starts, nsamp, rate, sid, str(path), tol=tol, max_jump=max_jump)
    )
    pieces = []
    for r, t_ns in zip(good, starts, strict=True):
        first = 0
        count = r.nsamp
        if s_ns is not None:
            first = max(0, math.floor((s_ns - t_ns) * rate / _NS))
        if e_ns is not None:
            count = max(0, math.ceil((e_ns - t_ns) * rate / _NS) + 1 - first)
        if count <= 0 or first >= r.nsamp:
            continue
        dfile, tried = data_path(r, base)
        if dfile is None:
            msg = (
                f"data file {r.dfile!r} of wfdisc row {r.line} ({r.sta} {r.chan} "
                f"{UTCDateTime(r.time)}) not found; looked for "
                f"{', '.join(str(t) for t in tried)}"
            )
            if missing == "raise":
                raise ArchiveError(f"{path}: {msg}; put the file there or fix dir/dfile")
            problems.append(
                DataProblem(
                    "unreadable", str(path), sid, UTCDateTime(r.time), UTCDateTime(r.endtime), msg
                )
            )
            continue
        try:
            data = read_row_samples(r, dfile, first, count)
        except (OSError, ValueError) as exc:
            problems.append(
                DataProblem(
                    "unreadable",
                    str(dfile),
                    sid,
                    UTCDateTime(r.time),
                    UTCDateTime(r.endtime),
                    f"cannot read samples: {exc}",
                )
            )
            continue
        want = min(count, r.nsamp - first)
        if len(data) < want:
            problems.append(
                DataProblem(
                    "corrupt",
                    str(dfile),
                    sid,
                    UTCDateTime(r.time),
                    UTCDateTime(r.endtime),
                    f"data file ends after {first + len(data)} of "
                    f"{r.nsamp} samples (row {r.line}); kept what is there",
                )
            )
        pieces.append(Piece(int(t_ns) + round(first * _NS / rate), rate, data))
    merged, probs = merge_pieces(pieces, sid, str(path), tol=tol)
    problems.extend(probs)
    out = [c for c in (cut(p, s_ns, e_ns) for p in merged) if len(c.data)]
    calib = {"calib": good[0].calib, "calper": good[0].calper} if good else {}
    return out, problems, calib
