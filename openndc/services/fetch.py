"""Fill an SDS archive and a StationXML file from any FDSN web service server.

:func:`fetch_fdsn` asks the server's fdsnws-station for the channels (response level) and
fdsnws-dataselect for their waveforms, window by window (at most ``chunk_s`` seconds per
request, so no request is too large for the server), and adds each window to the archive
with :meth:`SDSArchive.add`, which appends only samples not archived yet: fetching the
same window twice writes nothing the second time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from obspy import UTCDateTime
from obspy.clients.fdsn import Client
from obspy.clients.fdsn.header import FDSNException, FDSNNoDataException

from openndc.archive import SDSArchive
from openndc.model.errors import OpenNDCError

__all__ = ["FetchError", "FetchReport", "fetch_fdsn"]

log = logging.getLogger(__name__)


class FetchError(OpenNDCError):
    """The FDSN server could not be reached or refused a request."""


@dataclass
class FetchReport:
    """What :func:`fetch_fdsn` did."""

    channels: int = 0
    requests: int = 0
    empty_requests: int = 0
    samples_written: int = 0
    files: set[Path] = field(default_factory=set)
    inventory_path: Path | None = None


def _client(base_url: str, timeout: float) -> Client:
    try:
        return Client(base_url=base_url, timeout=timeout, _discover_services=False)
    except (FDSNException, OSError, ValueError) as exc:
        raise FetchError(f"FDSN server {base_url!r}: {exc}") from exc


def fetch_fdsn(
    base_url: str,
    archive: SDSArchive,
    start: UTCDateTime,
    end: UTCDateTime,
    *,
    network: str = "*",
    station: str = "*",
    location: str = "*",
    channel: str = "*",
    inventory_out: str | Path | None = None,
    chunk_s: float = 86400.0,
    timeout: float = 120.0,
    progress: Callable[[UTCDateTime, UTCDateTime, int], None] | None = None,
) -> FetchReport:
    """Waveforms of ``[start, end)`` into ``archive``, metadata into ``inventory_out``."""
    if end <= start:
        raise FetchError(f"empty window: end {end} is not after start {start}")
    client = _client(base_url, timeout)
    report = FetchReport()
    codes = {"network": network, "station": station, "location": location, "channel": channel}
    try:
        inv = client.get_stations(starttime=start, endtime=end, level="response", **codes)
    except FDSNNoDataException as exc:
        raise FetchError(
            f"{base_url}: no station metadata for {network}.{station}.{location}.{channel} "
            f"in {start} - {end}; check the codes and the window"
        ) from exc
    except (FDSNException, OSError) as exc:
        raise FetchError(f"{base_url}: station request failed: {exc}") from exc
    report.channels = len(set(inv.get_contents()["channels"]))
    if inventory_out is not None:
        path = Path(inventory_out)
        inv.write(str(path), format="STATIONXML")
        report.inventory_path = path
    t = start
    while t < end:
        t1 = min(t + chunk_s, end)
        report.requests += 1
        try:
            st = client.get_waveforms(network, station, location, channel, t, t1)
        except FDSNNoDataException:
            report.empty_requests += 1
            st = None
        except (FDSNException, OSError) as exc:
            raise FetchError(f"{base_url}: waveform request {t} - {t1} failed: {exc}") from exc
        written = 0
        if st is not None and len(st):
            summary = archive.add(st)
            written = summary.samples
            report.samples_written += written
            report.files.update(summary.paths)
        if progress is not None:
            progress(t, t1, written)
        t = t1
    return report
