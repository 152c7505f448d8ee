"""fdsnws-station: select from an ObsPy inventory by the FDSN rules and write it out.

Semantics follow the FDSN specification 1.2 (as SeisComP's fdsnws implements it):
time constraints apply to each epoch (network, station, channel); codes are comma lists
with ``*`` and ``?``; a station is listed at station level only when it has a channel
matching the location/channel and time constraints; a network only when it has a
matching station. Box (with longitudes that may cross the antimeridian) and radius
searches use the station (and, at channel and response level, the channel) coordinates.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import Any

from obspy import UTCDateTime
from obspy.core.inventory import Channel, Inventory, Network, Response, Station
from obspy.geodetics import locations2degrees

from openndc.services.params import FDSNRequestError, code_patterns

__all__ = ["select_inventory", "write_station"]


def _match(code: str, text: str) -> bool:
    return any(fnmatchcase(code.upper(), p.upper()) for p in code_patterns(text))


def _epoch_ok(item: Any, q: dict[str, Any]) -> bool:
    start: UTCDateTime | None = item.start_date
    end: UTCDateTime | None = item.end_date
    s_ns = start.ns if start is not None else None
    e_ns = end.ns if end is not None else None

    def after(limit: UTCDateTime | None, value: int | None, open_value: bool) -> bool:
        return limit is None or (open_value if value is None else value >= limit.ns)

    def before(limit: UTCDateTime | None, value: int | None, open_value: bool) -> bool:
        return limit is None or (open_value if value is None else value <= limit.ns)

    return (
        after(q["starttime"], e_ns, True)
        and before(q["endtime"], s_ns, True)
        and before(q["startbefore"], s_ns, True)
        and after(q["startafter"], s_ns, False)
        and before(q["endbefore"], e_ns, False)
        and after(q["endafter"], e_ns, True)
    )


def _geo_ok(lat: float, lon: float, q: dict[str, Any]) -> bool:
    if q["minlatitude"] is not None and lat < q["minlatitude"]:
        return False
    if q["maxlatitude"] is not None and lat > q["maxlatitude"]:
        return False
    lo, hi = q["minlongitude"], q["maxlongitude"]
    if lo is not None and hi is not None and lo > hi:  # box across the antimeridian
        if not (lon >= lo or lon <= hi):
            return False
    else:
        if lo is not None and lon < lo:
            return False
        if hi is not None and lon > hi:
            return False
    if q["latitude"] is not None:
        dist = locations2degrees(q["latitude"], q["longitude"], lat, lon)
        if q["minradius"] is not None and dist < q["minradius"]:
            return False
        if q["maxradius"] is not None and dist > q["maxradius"]:
            return False
    return True


def _channel_constrained(q: dict[str, Any]) -> bool:
    return q["location"] != "*" or q["channel"] != "*" or bool(q["matchtimeseries"])


def select_inventory(
    inventory: Inventory,
    q: dict[str, Any],
    *,
    updated_ns: int,
    has_data: Callable[[str, str, str, str], bool] | None = None,
) -> Inventory:
    """The part of ``inventory`` a station query selects, cut to its ``level``.

    ``updated_ns`` is when the metadata were last changed (for ``updatedafter``);
    ``has_data(net, sta, loc, cha)`` answers ``matchtimeseries``.
    """
    level = q["level"]
    if q["updatedafter"] is not None and q["updatedafter"].ns >= updated_ns:
        return Inventory(networks=[], source=inventory.source)
    channel_level = level in ("channel", "response")
    need_channels = channel_level or _channel_constrained(q)
    networks: list[Network] = []
    for net in inventory:
        if not (_match(net.code, q["network"]) and _epoch_ok(net, q)):
            continue
        stations: list[Station] = []
        for sta in net:
            if not (_match(sta.code, q["station"]) and _epoch_ok(sta, q)):
                continue
            if not _geo_ok(sta.latitude, sta.longitude, q):
                continue
            channels: list[Channel] = [
                ch
                for ch in sta
                if _match(ch.location_code, q["location"])
                and _match(ch.code, q["channel"])
                and _epoch_ok(ch, q)
                and (not channel_level or _geo_ok(ch.latitude, ch.longitude, q))
                and (
                    not q["matchtimeseries"]
                    or has_data is None
                    or has_data(net.code, sta.code, ch.location_code, ch.code)
                )
            ]
            if need_channels and not channels:
                continue
            s = copy.copy(sta)
            s.channels = [_cut_channel(ch, level) for ch in channels] if channel_level else []
            if channel_level:
                s.selected_number_of_channels = len(channels)
            stations.append(s)
        if not stations:
            continue
        n = copy.copy(net)
        n.stations = stations if level != "network" else []
        n.selected_number_of_stations = len(stations)
        if n.total_number_of_stations is None:
            n.total_number_of_stations = len(net.stations)
        networks.append(n)
    return Inventory(networks=networks, source=inventory.source, sender=inventory.sender)


def _cut_channel(ch: Channel, level: str) -> Channel:
    """At channel level the response is cut to its overall sensitivity (as IRIS, SeisComP)."""
    if level == "response":
        return ch
    c = copy.copy(ch)
    sensitivity = ch.response.instrument_sensitivity if ch.response is not None else None
    c.response = Response(instrument_sensitivity=sensitivity) if sensitivity else None
    return c


def write_station(inventory: Inventory, fmt: str, level: str) -> tuple[bytes, str]:
    """The document (StationXML 1.2 or FDSN text) and its media type."""
    if fmt == "text":
        if level == "response":
            raise FDSNRequestError("format=text has no response level: use level=channel")
        text = io.StringIO()
        inventory.write(text, format="STATIONTXT", level=level)
        return text.getvalue().encode(), "text/plain"
    buf = io.BytesIO()
    inventory.write(buf, format="STATIONXML", validate=False)
    return buf.getvalue(), "application/xml"
