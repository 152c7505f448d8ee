"""Waveform sources the batch runner reads from: an SDS archive or a CSS3.0 wfdisc table.

Both are small picklable adapters, so worker processes can each read their own chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from obspy import UTCDateTime

from openndc.archive import ReadResult, SDSArchive, read_wfdisc

__all__ = ["ArchiveSource", "WfdiscSource", "open_source"]


@dataclass(frozen=True)
class ArchiveSource:
    """A selection (fnmatch patterns, comma lists) of the streams in an SDS archive."""

    root: Path
    network: str = "*"
    station: str = "*"
    location: str = "*"
    channel: str = "*"

    def read(self, start: UTCDateTime, end: UTCDateTime) -> ReadResult:
        return SDSArchive(self.root).read(
            start,
            end,
            network=self.network,
            station=self.station,
            location=self.location,
            channel=self.channel,
        )


@dataclass(frozen=True)
class WfdiscSource:
    """Waveforms described by a CSS3.0 wfdisc table."""

    path: Path
    station: str = "*"
    channel: str = "*"

    def read(self, start: UTCDateTime, end: UTCDateTime) -> ReadResult:
        # A row whose data file is missing is reported and skipped; the rest is processed.
        return read_wfdisc(
            self.path, start, end, station=self.station, channel=self.channel, missing="skip"
        )


def open_source(
    path: str | Path,
    *,
    network: str = "*",
    station: str = "*",
    location: str = "*",
    channel: str = "*",
) -> ArchiveSource | WfdiscSource:
    """An SDS directory or a ``*.wfdisc`` file (CSS3.0), by what ``path`` is."""
    p = Path(path)
    if p.is_file():
        return WfdiscSource(p, station=station, channel=channel)
    return ArchiveSource(p, network, station, location, channel)
