"""Station coordinates from SAC headers, gathered during an import, as StationXML.

A channel's epochs come from the samples imported: the first epoch starts at 00:00 UTC of the
day of the channel's earliest sample (a station rarely starts recording at the first sample
of the first file someone imports, and a day boundary keeps later imports of the same day
inside the epoch); the last epoch is open. A change of sample rate starts a new epoch at the
first sample recorded at the new rate and closes the previous one there, so a station recorded
at 20 Hz in one file and 100 Hz in another is listed with both rates, each for its time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from obspy import Trace, UTCDateTime
from obspy.core.inventory import Channel, Inventory, Network, Site, Station

from openndc import __version__
from openndc.model.errors import ArchiveError

__all__ = [
    "ChannelSegment",
    "SacStation",
    "channel_epochs",
    "sac_station",
    "station_inventory",
    "write_station_xml",
]

_SAC_NULL = -12345.0
_DAY_S = 86400


@dataclass(frozen=True)
class ChannelSegment:
    """A stretch of samples of one channel: start and end time, rate [Hz], orientation."""

    start: UTCDateTime
    end: UTCDateTime
    sample_rate: float
    depth: float
    azimuth: float | None
    dip: float | None


@dataclass
class SacStation:
    """Coordinates of one NET.STA from SAC headers and the channel segments seen."""

    latitude: float
    longitude: float
    elevation: float
    channels: dict[tuple[str, str], list[ChannelSegment]] = field(default_factory=dict)


def _value(sac: dict[str, object], key: str) -> float | None:
    try:
        v = float(sac.get(key, _SAC_NULL))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if v == _SAC_NULL or not math.isfinite(v):
        return None
    return v


def sac_station(tr: Trace) -> tuple[SacStation, ChannelSegment] | str | None:
    """The SAC coordinates of ``tr`` and its channel segment.

    None when the trace has no SAC header or no ``stla``/``stlo``; a reason (str) when the
    coordinates are impossible (latitude outside [-90, 90], longitude outside [-180, 360]).
    """
    sac = tr.stats.get("sac")
    if not sac:
        return None
    lat, lon = _value(sac, "stla"), _value(sac, "stlo")
    if lat is None or lon is None:
        return None
    if not -90.0 <= lat <= 90.0 or not -180.0 <= lon <= 360.0:
        return (
            f"impossible SAC station coordinates stla={lat:g}, stlo={lon:g} (latitude must be "
            "in [-90, 90], longitude in [-180, 360]); station not written to the StationXML, "
            "fix the header (e.g. with ObsPy) and import again"
        )
    if lon > 180.0:
        lon -= 360.0
    elev = _value(sac, "stel")
    if elev is not None and not -12000.0 <= elev <= 9000.0:
        return f"impossible SAC station elevation stel={elev:g} m; station not written"
    depth = _value(sac, "stdp")
    azimuth = _value(sac, "cmpaz")
    inc = _value(sac, "cmpinc")
    station = SacStation(lat, lon, 0.0 if elev is None else elev)
    segment = ChannelSegment(
        tr.stats.starttime,
        tr.stats.endtime,
        float(tr.stats.sampling_rate),
        0.0 if depth is None or not 0.0 <= depth <= 12000.0 else depth,
        None if azimuth is None else azimuth % 360.0,
        None if inc is None or not 0.0 <= inc <= 180.0 else inc - 90.0,
    )
    return station, segment


def channel_epochs(
    segments: list[ChannelSegment],
) -> list[tuple[UTCDateTime, UTCDateTime | None, ChannelSegment]]:
    """Epochs ``(start, end or None, segment giving rate and orientation)`` of one channel.

    Segments are ordered by time; consecutive ones with the same sample rate form one epoch.
    The first epoch starts at 00:00 UTC of its earliest sample's day, later ones at their
    earliest sample; each epoch but the last ends where the next begins; the last is open.
    """
    runs: list[list[ChannelSegment]] = []
    for seg in sorted(segments, key=lambda s: (s.start.ns, s.end.ns)):
        if runs and abs(runs[-1][-1].sample_rate - seg.sample_rate) <= 1e-4 * seg.sample_rate:
            runs[-1].append(seg)
        else:
            runs.append([seg])
    starts = [run[0].start for run in runs]
    if starts:
        first = starts[0]
        starts[0] = UTCDateTime(ns=(first.ns // (_DAY_S * 10**9)) * _DAY_S * 10**9)
    out: list[tuple[UTCDateTime, UTCDateTime | None, ChannelSegment]] = []
    for k, run in enumerate(runs):
        end = starts[k + 1] if k + 1 < len(runs) else None
        out.append((starts[k], end, run[-1]))
    return out


def station_inventory(stations: dict[tuple[str, str], SacStation]) -> Inventory:
    """An ObsPy inventory: one Station per NET.STA, one Channel per channel epoch."""
    nets: dict[str, Network] = {}
    for (net, sta), info in sorted(stations.items()):
        channels = []
        for (loc, cha), segments in sorted(info.channels.items()):
            for start, end, seg in channel_epochs(segments):
                channels.append(
                    Channel(
                        cha,
                        loc,
                        info.latitude,
                        info.longitude,
                        info.elevation,
                        seg.depth,
                        azimuth=seg.azimuth,
                        dip=seg.dip,
                        sample_rate=seg.sample_rate,
                        start_date=start,
                        end_date=end,
                    )
                )
        start = min((c.start_date for c in channels), default=UTCDateTime(0))
        station = Station(
            sta,
            info.latitude,
            info.longitude,
            info.elevation,
            channels=channels,
            site=Site(name=sta),
            start_date=start,
            creation_date=start,
        )
        nets.setdefault(net, Network(net)).stations.append(station)
    return Inventory(networks=list(nets.values()), source=f"OpenNDC {__version__} (SAC headers)")


def write_station_xml(stations: dict[tuple[str, str], SacStation], path: str | Path) -> Path:
    """Write the SAC coordinates gathered by an import as StationXML; returns the path."""
    out = Path(path)
    if not stations:
        raise ArchiveError(f"no station coordinates (SAC stla/stlo) to write to {out}")
    try:
        if out.parent != Path():
            out.parent.mkdir(parents=True, exist_ok=True)
        station_inventory(stations).write(str(out), format="STATIONXML", validate=True)
    except OSError as exc:
        raise ArchiveError(f"cannot write StationXML {out}: {exc}") from exc
    return out
