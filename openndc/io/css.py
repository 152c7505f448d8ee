"""CSS3.0 wfdisc tables and their binary waveform files.

A wfdisc row says where a segment's samples lie: ``dir``/``dfile`` (relative paths are
relative to the wfdisc's folder), byte offset ``foff``, ``nsamp`` samples of ``datatype``
(``s4`` big-endian int32, ``t4`` big-endian float32, ``i4``, ``s2``, ...; the type table is
ObsPy's :mod:`obspy.io.css`), starting at epoch ``time`` [s] at ``samprate`` [Hz].

Rows are read by whitespace-separated fields (CSS null values are ``-``, so no field is
empty), which accepts both the standard 283-column layout and the slightly wider variants
some systems write; rows that do not parse are reported, not fatal.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from obspy.io.css.core import DTYPE

from openndc.model.errors import ArchiveError

__all__ = ["DATATYPES", "WfdiscRow", "is_wfdisc", "parse_wfdisc", "read_row_samples"]

#: Supported CSS3.0 datatypes (from ObsPy's table): code -> numpy type or (text type, type).
DATATYPES = {k.decode(): v for k, v in DTYPE.items()}


@dataclass(frozen=True, slots=True)
class WfdiscRow:
    """One wfdisc row (the columns OpenNDC uses). Times are epoch seconds [s]."""

    sta: str
    chan: str
    time: float
    wfid: int
    endtime: float
    nsamp: int
    samprate: float
    calib: float
    calper: float
    datatype: str
    dir: str
    dfile: str
    foff: int
    line: int


def _row(fields: list[str], lineno: int) -> WfdiscRow:
    # sta chan time wfid chanid jdate endtime nsamp samprate calib calper instype segtype
    # datatype clip dir dfile foff commid lddate
    return WfdiscRow(
        sta=fields[0],
        chan=fields[1],
        time=float(fields[2]),
        wfid=int(fields[3]),
        endtime=float(fields[6]),
        nsamp=int(fields[7]),
        samprate=float(fields[8]),
        calib=float(fields[9]),
        calper=float(fields[10]),
        datatype=fields[13],
        dir=fields[15],
        dfile=fields[16],
        foff=int(fields[17]),
        line=lineno,
    )


def parse_wfdisc(path: str | Path) -> tuple[list[WfdiscRow], list[tuple[int, str]]]:
    """Rows of a wfdisc table and the ``(line number, reason)`` of the rows that do not parse."""
    p = Path(path)
    try:
        text = p.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise ArchiveError(f"cannot read wfdisc table {p}: {exc}") from exc
    rows: list[WfdiscRow] = []
    bad: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split()
        try:
            if len(fields) < 19:
                raise ValueError(f"{len(fields)} fields, a wfdisc row has 20")
            row = _row(fields, lineno)
            if row.datatype not in DATATYPES:
                raise ValueError(f"unknown datatype {row.datatype!r}")
            if row.samprate <= 0 or row.nsamp < 0:
                raise ValueError(f"bad samprate {row.samprate} or nsamp {row.nsamp}")
        except ValueError as exc:
            bad.append((lineno, str(exc)))
            continue
        rows.append(row)
    return rows, bad


def is_wfdisc(path: str | Path) -> bool:
    """Whether ``path`` looks like a wfdisc table (checks its first lines)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    if not head or b"\x00" in head:
        return False
    lines = head.decode("ascii", "replace").splitlines()[:3]
    if len(lines) > 1 and len(head) == 4096:
        lines = lines[:-1]  # the last line may be cut
    try:
        for line in lines:
            f = line.split()
            if len(f) < 19 or f[13] not in DATATYPES:
                return False
            float(f[2])
            float(f[6])
            int(f[7])
    except (ValueError, IndexError):
        return False
    return bool(lines)


def data_path(row: WfdiscRow, base: Path) -> tuple[Path | None, list[Path]]:
    """The data file of ``row`` (``base/dir/dfile``, else ``base/dfile``) and the paths tried."""
    tried = []
    dirs = [Path(row.dir)] if row.dir not in ("-", "") else []
    candidates = [base / d / row.dfile for d in dirs] + [base / row.dfile]
    if dirs and dirs[0].is_absolute():
        candidates.insert(0, dirs[0] / row.dfile)
    for c in candidates:
        for q in (c, c.with_name(c.name + ".gz")):
            tried.append(q)
            if q.is_file():
                return q, tried
    return None, tried


def read_row_samples(
    row: WfdiscRow, path: Path, first: int = 0, count: int | None = None
) -> np.ndarray:
    """Samples ``[first, first + count)`` of ``row`` from data file ``path``.

    Returns fewer samples when the file is shorter than the row says (the caller reports it).
    """
    n = row.nsamp - first if count is None else min(count, row.nsamp - first)
    dtype = DATATYPES[row.datatype]
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        if isinstance(dtype, tuple):  # ASCII types: no fixed width seek, read the row
            fh.seek(row.foff)
            raw = fh.read(np.dtype(dtype[0]).itemsize * row.nsamp)
            text = np.frombuffer(
                raw[: len(raw) - len(raw) % np.dtype(dtype[0]).itemsize], dtype=dtype[0]
            )
            return np.require(text, dtype=dtype[1])[first : first + n]
        dt = np.dtype(dtype)
        fh.seek(row.foff + first * dt.itemsize)
        raw = fh.read(dt.itemsize * max(n, 0))
    data = np.frombuffer(raw[: len(raw) - len(raw) % dt.itemsize], dtype=dt)
    return data.astype(dt.newbyteorder("="))
