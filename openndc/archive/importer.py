"""Import SAC, miniSEED (any ObsPy-readable format) and CSS3.0 wfdisc waveforms into SDS.

Formats are detected by content: wfdisc tables by their rows, miniSEED by its record
headers, everything else by ObsPy's format detection (:func:`obspy.read`).

miniSEED is imported record by record: a record whose header or payload is bad (impossible
date, corrupt Steim frames, flipped bytes, a truncated last record) is copied byte for byte
into ``ARCHIVE/quarantine/`` and reported; the good records of the same file are imported.
Traces whose codes do not fit SEED (network <= 2, station <= 5, location <= 2, channel <= 3
ASCII letters or digits) or whose start time is impossible (before 1900, in the future, a SAC
header without a valid reference date) are skipped and reported, never archived under a
mangled name or a made-up time.

Station coordinates found in SAC headers (``stla``, ``stlo``, ``stel``, ``stdp``,
``cmpaz``, ``cmpinc``) are collected and can be written as StationXML
(:mod:`openndc.archive.stations`: epochs from 00:00 UTC of the first day, one per sample
rate).
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import obspy
from obspy import Stream, Trace, UTCDateTime

from openndc.archive.sds import OnConflict, SDSArchive
from openndc.archive.stations import (
    SacStation,
    sac_station,
    station_inventory,
    write_station_xml,
)
from openndc.archive.wfdisc import read_wfdisc
from openndc.io.css import is_wfdisc
from openndc.io.mseed import (
    RecordScan,
    decode_records,
    parse_header,
    quiet_callbacks,
    scan_records,
)
from openndc.model.errors import ArchiveError, DataQualityWarning
from openndc.model.quality import DataProblem

__all__ = [
    "QUARANTINE",
    "ImportReport",
    "check_codes",
    "check_start",
    "import_waveforms",
    "station_inventory",
]

log = logging.getLogger(__name__)

#: Folder of the archive that receives the bytes of bad miniSEED records.
QUARANTINE = "quarantine"
_SAC_NULL = -12345
_CODE = re.compile(r"[A-Za-z0-9]*")
_MAX_LEN = {"network": 2, "station": 5, "location": 2, "channel": 3}


@dataclass
class ImportReport:
    """Counts of an import: files read, traces and samples written, what was skipped.

    ``samples`` counts only new samples (already archived ones are not written again).
    ``skipped`` holds ``(file or trace, reason)``; ``quarantined`` the bad miniSEED records
    ``(file, byte offset, length, reason)`` copied to ``ARCHIVE/quarantine``; ``stations``
    the SAC coordinates found, keyed by ``(network, station)``.
    """

    files: int = 0
    traces: int = 0
    samples: int = 0
    paths: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    quarantined: list[tuple[str, int, int, str]] = field(default_factory=list)
    problems: list[DataProblem] = field(default_factory=list)
    stations: dict[tuple[str, str], SacStation] = field(default_factory=dict)

    @property
    def quarantined_bytes(self) -> int:
        """Bytes of the input that were not imported but quarantined."""
        return sum(n for _, _, n, _ in self.quarantined)

    def __str__(self) -> str:
        q = ""
        if self.quarantined:
            n, size = len(self.quarantined), self.quarantined_bytes
            q = f", {n} bad records ({size} bytes) quarantined"
        return (
            f"{self.files} files read, {self.traces} traces, {self.samples} new samples "
            f"written to {len(set(self.paths))} day files, {len(self.skipped)} skipped{q}, "
            f"{len(self.problems)} data problems"
        )


def check_codes(tr: Trace) -> str | None:
    """Why the SEED codes of ``tr`` cannot be archived (None when they can)."""
    for key, n in _MAX_LEN.items():
        code = tr.stats[key]
        if not isinstance(code, str) or not code.isascii() or not _CODE.fullmatch(code):
            return (
                f"{key} code {code!r} is not ASCII letters and digits; set it (e.g. with "
                "ObsPy) and import again"
            )
        if len(code) > n:
            return (
                f"{key} code {code!r} is longer than SEED's {n} characters; rename the "
                "stream (e.g. with ObsPy) and import again"
            )
    return None


def check_start(tr: Trace, now: UTCDateTime | None = None) -> str | None:
    """Why the time of ``tr`` is impossible (None when it is plausible).

    Before 1900 or after ``now`` + 1 day is impossible; so is a SAC trace whose reference
    date (``nzyear``, ``nzjday``) is missing or out of range (ObsPy then puts it in 1970).
    """
    sac = tr.stats.get("sac")
    if sac:
        year, jday = sac.get("nzyear", _SAC_NULL), sac.get("nzjday", _SAC_NULL)
        if not (1900 <= int(year) <= 2100 and 1 <= int(jday) <= 366):
            return (
                f"SAC reference date nzyear={year}, nzjday={jday} is missing or impossible; "
                "set the header's reference time and import again"
            )
    now = now or UTCDateTime()
    t0, t1 = tr.stats.starttime, tr.stats.endtime
    if t0.year < 1900 or t1 > now + 86400:
        return f"impossible time span {t0} - {t1} (before 1900 or in the future)"
    return None


def _walk(paths: Iterable[str | Path]) -> Iterator[Path]:
    for p in map(Path, paths):
        if p.is_dir():
            yield from (f for f in sorted(p.rglob("*")) if f.is_file())
        elif p.is_file():
            yield p
        else:
            raise ArchiveError(f"{p}: no such file or directory to import")


@dataclass
class _FileRead:
    stream: Stream
    problems: list[DataProblem] = field(default_factory=list)
    bad: list[tuple[int, int, str]] = field(default_factory=list)  # offset, length, why


def _read_file(path: Path, network: str) -> _FileRead:
    if is_wfdisc(path):
        res = read_wfdisc(path, network=network, missing="skip")
        return _FileRead(res.stream, list(res.problems))
    buf = path.read_bytes()
    if _looks_like_mseed(buf):
        scan = scan_records(buf)
        if len(scan) or parse_header(buf, 0) is not None:
            return _read_records(buf, scan)
    with warnings.catch_warnings(), quiet_callbacks() as errors:
        warnings.simplefilter("ignore")
        stream = obspy.read(str(path))
    if errors:
        raise ArchiveError(f"ObsPy could not decode it cleanly ({errors[0]})")
    return _FileRead(stream)


def _looks_like_mseed(buf: bytes) -> bool:
    """A miniSEED 2 fixed header at the start (sequence number, quality flag)."""
    head = buf[:8]
    return (
        len(buf) >= 48
        and all(c in b"0123456789 \x00" for c in head[:6])
        and head[6:7] in (b"D", b"R", b"Q", b"M")
    )


def _read_records(buf: bytes, scan: RecordScan) -> _FileRead:
    """Decode a miniSEED buffer record by record; bad records are returned, not raised."""
    out = _FileRead(Stream())
    for off, n in scan.corrupt:
        why = "not a valid miniSEED record (bad header, impossible date or truncated)"
        if off + n >= len(buf) and n < 512:
            why = f"truncated: the last {n} bytes are not a whole record"
        out.bad.append((off, n, why))
    by_sid: dict[str, list[int]] = {}
    for i, sid in enumerate(scan.sid):
        by_sid.setdefault(str(sid), []).append(i)
    for sid, idx in by_sid.items():
        records = [buf[int(scan.offset[i]) : int(scan.offset[i] + scan.reclen[i])] for i in idx]
        traces, bad = decode_records(records, [int(scan.nsamp[i]) for i in idx])
        out.stream.extend(traces)
        for b in bad:
            i = idx[b]
            out.bad.append(
                (
                    int(scan.offset[i]),
                    int(scan.reclen[i]),
                    f"{sid}: record payload cannot be decoded",
                )
            )
    out.bad.sort()
    return out


def _quarantine(
    archive: SDSArchive, path: Path, buf: bytes, bad: list[tuple[int, int, str]]
) -> list[DataProblem]:
    qdir = archive.root / QUARANTINE
    qdir.mkdir(parents=True, exist_ok=True)
    problems = []
    for off, n, why in bad:
        target = qdir / f"{path.name}.{off}-{off + n}.bad"
        target.write_bytes(buf[off : off + n])
        problems.append(
            DataProblem(
                "corrupt",
                str(path),
                "",
                None,
                None,
                f"bytes {off}-{off + n}: {why}; not imported, copied to {target}",
            )
        )
    return problems


def import_waveforms(
    paths: str | Path | Iterable[str | Path],
    archive: SDSArchive,
    *,
    network: str = "XX",
    on_conflict: OnConflict = "keep",
    inventory_out: str | Path | None = None,
) -> ImportReport:
    """Copy the waveforms in ``paths`` (files or folders, recursively) into ``archive``.

    ``network`` is given to traces without a network code (CSS3.0 has none). A file that
    cannot be read, a trace with impossible codes or times and a bad miniSEED record are
    skipped with a :class:`DataQualityWarning` naming them (bad records are also copied to
    ``ARCHIVE/quarantine``); the rest is imported. ``inventory_out`` writes the SAC station
    coordinates as StationXML.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    report = ImportReport()
    for path in _walk(items):
        if archive.root.resolve() in path.resolve().parents:
            continue  # the archive itself (and its quarantine) is never imported into itself
        try:
            got = _read_file(path, network)
        except Exception as exc:  # any reader failure: skip the file, keep importing
            reason = f"not a readable waveform file ({type(exc).__name__}: {exc})"
            report.skipped.append((str(path), reason))
            warnings.warn(f"{path}: {reason}; skipped", DataQualityWarning, stacklevel=2)
            continue
        report.files += 1
        report.problems.extend(got.problems)
        if got.bad:
            problems = _quarantine(archive, path, path.read_bytes(), got.bad)
            report.problems.extend(problems)
            report.quarantined.extend((str(path), o, n, why) for o, n, why in got.bad)
            for p in problems:
                warnings.warn(str(p), DataQualityWarning, stacklevel=2)
        for tr in got.stream:
            _import_trace(report, archive, path, tr, network, on_conflict)
        log.info("imported %s (%d traces)", path, len(got.stream))
    if inventory_out is not None:
        if report.stations:
            write_station_xml(report.stations, inventory_out)
        else:
            log.warning("no SAC station coordinates found: %s not written", inventory_out)
    return report


def _skip(report: ImportReport, what: str, why: str) -> None:
    report.skipped.append((what, why))
    warnings.warn(f"{what}: {why}; skipped", DataQualityWarning, stacklevel=3)


def _import_trace(
    report: ImportReport,
    archive: SDSArchive,
    path: Path,
    tr: Trace,
    network: str,
    on_conflict: OnConflict,
) -> None:
    if not tr.stats.network:
        tr.stats.network = network
    what = f"{path}: {tr.id!r}"
    why = check_codes(tr) or check_start(tr)
    if why:
        _skip(report, what, why)
        return
    _collect_station(report, what, tr)
    try:
        summary = archive.add(Stream([tr]), on_conflict=on_conflict)
    except ArchiveError as exc:
        _skip(report, what, str(exc))
        return
    report.traces += 1
    report.samples += summary.samples
    report.paths.extend(summary.paths)
    report.problems.extend(summary.problems)


def _collect_station(report: ImportReport, what: str, tr: Trace) -> None:
    found = sac_station(tr)
    if found is None:
        return
    if isinstance(found, str):
        report.skipped.append((f"{what} coordinates", found))
        warnings.warn(f"{what}: {found}", DataQualityWarning, stacklevel=3)
        return
    station, segment = found
    st = report.stations.setdefault((tr.stats.network, tr.stats.station), station)
    st.channels.setdefault((tr.stats.location, tr.stats.channel), []).append(segment)
