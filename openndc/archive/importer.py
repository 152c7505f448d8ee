"""Import SAC, miniSEED (any ObsPy-readable format) and CSS3.0 wfdisc waveforms into SDS.

Formats are detected by content: wfdisc tables by their rows, everything else by ObsPy's
format detection (:func:`obspy.read`). Station coordinates found in SAC headers
(``stla``, ``stlo``, ``stel``, ``stdp``, ``cmpaz``, ``cmpinc``) are collected and can be
written as StationXML.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import obspy
from obspy import Stream, Trace, UTCDateTime
from obspy.core.inventory import Channel, Inventory, Network, Site, Station

from openndc import __version__
from openndc.archive.sds import OnConflict, SDSArchive
from openndc.archive.wfdisc import read_wfdisc
from openndc.io.css import is_wfdisc
from openndc.model.errors import ArchiveError, DataQualityWarning
from openndc.model.quality import DataProblem

__all__ = ["ImportReport", "import_waveforms", "station_inventory"]

log = logging.getLogger(__name__)

_SAC_NULL = -12345.0


@dataclass
class ImportReport:
    """Counts of an import: files read, traces and samples written, what was skipped.

    ``samples`` counts only new samples (already archived ones are not written again).
    ``skipped`` holds ``(file or trace, reason)``; ``stations`` the SAC coordinates found,
    keyed by ``(network, station)``.
    """

    files: int = 0
    traces: int = 0
    samples: int = 0
    paths: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    problems: list[DataProblem] = field(default_factory=list)
    stations: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"{self.files} files read, {self.traces} traces, {self.samples} new samples "
            f"written to {len(set(self.paths))} day files, {len(self.skipped)} skipped, "
            f"{len(self.problems)} data problems"
        )


def _walk(paths: Iterable[str | Path]) -> Iterator[Path]:
    for p in map(Path, paths):
        if p.is_dir():
            yield from (f for f in sorted(p.rglob("*")) if f.is_file())
        elif p.is_file():
            yield p
        else:
            raise ArchiveError(f"{p}: no such file or directory to import")


def _read_file(path: Path, network: str) -> tuple[Stream, list[DataProblem]]:
    if is_wfdisc(path):
        res = read_wfdisc(path, network=network, missing="skip")
        return res.stream, res.problems
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return obspy.read(str(path)), []


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
    cannot be read is skipped with a :class:`DataQualityWarning` naming it; the rest is
    imported. ``inventory_out`` writes the SAC station coordinates as StationXML.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    report = ImportReport()
    for path in _walk(items):
        try:
            stream, problems = _read_file(path, network)
        except Exception as exc:  # any reader failure: skip the file, keep importing
            reason = f"not a readable waveform file ({type(exc).__name__}: {exc})"
            report.skipped.append((str(path), reason))
            warnings.warn(f"{path}: {reason}; skipped", DataQualityWarning, stacklevel=2)
            continue
        report.files += 1
        report.problems.extend(problems)
        for tr in stream:
            if not tr.stats.network:
                tr.stats.network = network
            _collect_station(report, tr)
            try:
                summary = archive.add(Stream([tr]), on_conflict=on_conflict)
            except ArchiveError as exc:
                report.skipped.append((f"{path}: {tr.id}", str(exc)))
                warnings.warn(f"{path}: {tr.id}: {exc}; skipped", DataQualityWarning, stacklevel=2)
                continue
            report.traces += 1
            report.samples += summary.samples
            report.paths.extend(summary.paths)
            report.problems.extend(summary.problems)
        log.info("imported %s (%d traces)", path, len(stream))
    if inventory_out is not None:
        if report.stations:
            write_station_xml(report, inventory_out)
        else:
            log.warning("no SAC station coordinates found: %s not written", inventory_out)
    return report


def _collect_station(report: ImportReport, tr: Trace) -> None:
    sac = tr.stats.get("sac")
    if not sac:
        return
    lat, lon = sac.get("stla", _SAC_NULL), sac.get("stlo", _SAC_NULL)
    if lat == _SAC_NULL or lon == _SAC_NULL:
        return
    elev = sac.get("stel", _SAC_NULL)
    key = (tr.stats.network, tr.stats.station)
    st = report.stations.setdefault(
        key,
        {
            "latitude": float(lat),
            "longitude": float(lon),
            "elevation": 0.0 if elev == _SAC_NULL else float(elev),
            "channels": {},
        },
    )
    depth = sac.get("stdp", _SAC_NULL)
    azimuth = sac.get("cmpaz", _SAC_NULL)
    inc = sac.get("cmpinc", _SAC_NULL)
    chans = st["channels"]
    ck = (tr.stats.location, tr.stats.channel)
    prev = chans.get(ck)
    t0, t1 = tr.stats.starttime, tr.stats.endtime
    if prev is not None:
        t0, t1 = min(t0, prev["start"]), max(t1, prev["end"])
    chans[ck] = {
        "sample_rate": float(tr.stats.sampling_rate),
        "depth": 0.0 if depth == _SAC_NULL else float(depth),
        "azimuth": None if azimuth == _SAC_NULL else float(azimuth) % 360.0,
        "dip": None if inc == _SAC_NULL else float(inc) - 90.0,
        "start": t0,
        "end": t1,
    }


def station_inventory(stations: dict[tuple[str, str], dict[str, Any]]) -> Inventory:
    """An ObsPy inventory: one Station per NET.STA with its channels and coordinates."""
    nets: dict[str, Network] = {}
    for (net, sta), info in sorted(stations.items()):
        channels = []
        for (loc, cha), c in sorted(info["channels"].items()):
            channels.append(
                Channel(
                    cha,
                    loc,
                    info["latitude"],
                    info["longitude"],
                    info["elevation"],
                    c["depth"],
                    azimuth=c["azimuth"],
                    dip=c["dip"],
                    sample_rate=c["sample_rate"],
                    start_date=c["start"],
                )
            )
        start = min((c.start_date for c in channels), default=UTCDateTime(0))
        station = Station(
            sta,
            info["latitude"],
            info["longitude"],
            info["elevation"],
            channels=channels,
            site=Site(name=sta),
            start_date=start,
            creation_date=start,
        )
        nets.setdefault(net, Network(net)).stations.append(station)
    return Inventory(networks=list(nets.values()), source=f"OpenNDC {__version__} (SAC headers)")


def write_station_xml(report: ImportReport, path: str | Path) -> Path:
    """Write the SAC coordinates gathered by an import as StationXML; returns the path."""
    out = Path(path)
    if out.parent != Path():
        out.parent.mkdir(parents=True, exist_ok=True)
    if not report.stations:
        raise ArchiveError(f"no station coordinates (SAC stla/stlo) to write to {out}")
    try:
        station_inventory(report.stations).write(str(out), format="STATIONXML", validate=True)
    except OSError as exc:
        raise ArchiveError(f"cannot write StationXML {out}: {exc}") from exc
    return out
