"""SeedLink 3.1 and 4.0 wire format: packet framing, selectors, times, INFO documents.

Pure functions, no sockets. Sources (the published protocol, and the two reference servers):

- SeedLink 3.1: SeisComP ``seedlink`` documentation (``apps/seedlink.rst``): an 8-byte
  header ``"SL"`` + 6 hex digits of sequence number, then a 512-byte miniSEED 2 record;
  INFO answers are XML inside ASCII-encoded miniSEED records (station ``INFO``, channel
  ``INF``, or ``ERR`` for errors) behind ``"SLINFO *"`` (more follow) or ``"SLINFO  "``
  (last) headers.
- SeedLink 4.0 (FDSN, 2023): a 17-byte little-endian header ``"SE"``, format, subformat,
  payload length (u32), sequence number (u64), station id length (u8), then the station id
  ``NET_STA`` and the payload; INFO answers are JSON packets (format ``J``, subformat ``I``,
  or ``E`` for errors).
- ringserver (EarthScope, ``src/slclient.c``): clients resume with ``DATA last+1``; selectors
  ``[LL]CCC[.T]`` (v3) and ``LOC_B_S_SS[.T]`` (v4) with ``?``/``*`` wildcards and ``!``
  negation.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from xml.sax.saxutils import quoteattr

from obspy import UTCDateTime

from openndc.model.errors import OpenNDCError

__all__ = [
    "HEADSIZE_V3",
    "HEADSIZE_V4",
    "INFO_LEVELS",
    "SeedLinkProtocolError",
    "Selector",
    "StationInfo",
    "StreamInfo",
    "format_info_json",
    "format_info_xml",
    "format_time_v3",
    "frame_v3",
    "frame_v4",
    "info_records_v3",
    "parse_selector",
    "parse_time",
    "selectors_match",
]

HEADSIZE_V3 = 8
HEADSIZE_V4 = 17
_V4 = struct.Struct("<2sccIQB")
#: INFO levels answered (SeisComP names; GAPS is not kept by this server).
INFO_LEVELS = ("ID", "CAPABILITIES", "STATIONS", "STREAMS", "CONNECTIONS", "FORMATS")
_INFO_DATA = 456  # text bytes per 512-byte INFO record (512 - 48 header - 8 blockette 1000)


class SeedLinkProtocolError(OpenNDCError):
    """A SeedLink command or argument cannot be understood (the reply names it)."""


# -- framing ----------------------------------------------------------------------------
def frame_v3(seq: int, record: bytes) -> bytes:
    """A SeedLink 3 data packet: ``SL`` + 6 hex digits (the low 24 bits of ``seq``) + record."""
    return b"SL%06X" % (seq & 0xFFFFFF) + record


def frame_v4(
    seq: int, station_id: str, payload: bytes, fmt: bytes = b"2", sub: bytes = b"D"
) -> bytes:
    """A SeedLink 4 packet: ``SE`` header (little endian), station id, payload."""
    sid = station_id.encode("ascii")
    return _V4.pack(b"SE", fmt, sub, len(payload), seq, len(sid)) + sid + payload


def info_records_v3(text: str, *, error: bool = False, now: UTCDateTime | None = None) -> bytes:
    """The XML ``text`` packed into 512-byte ASCII miniSEED records with ``SLINFO`` headers.

    Every record but the last has the header ``"SLINFO *"``; the last has ``"SLINFO  "``.
    Station ``INFO``, channel ``INF`` (``ERR`` when ``error``), blockette 1000 (encoding 0,
    text; big endian; 2^9 bytes).
    """
    t = now if now is not None else UTCDateTime()
    data = text.encode("utf-8")
    chunks = [data[i : i + _INFO_DATA] for i in range(0, len(data), _INFO_DATA)] or [b""]
    out = []
    for k, chunk in enumerate(chunks):
        head = struct.pack(
            ">6scc5s2s3s2sHHBBBBHHhhBBBBiHH",
            b"%06d" % ((k % 999999) + 1),
            b"D",
            b" ",
            b"INFO ",
            b"  ",
            b"ERR" if error else b"INF",
            b"SL",
            t.year,
            t.julday,
            t.hour,
            t.minute,
            t.second,
            0,
            0,
            len(chunk),
            0,
            0,
            0,
            0,
            0,
            1,
            0,
            56,
            48,
        )
        b1000 = struct.pack(">HHBBBB", 1000, 0, 0, 1, 9, 0)
        rec = (head + b1000 + chunk).ljust(512, b"\x00")
        sig = b"SLINFO  " if k == len(chunks) - 1 else b"SLINFO *"
        out.append(sig + rec)
    return b"".join(out)


# -- times ------------------------------------------------------------------------------
def parse_time(text: str) -> UTCDateTime:
    """A SeedLink time: v3 ``YYYY,MM,DD,hh,mm,ss[.ffff]`` or v4 ISO 8601 (``...Z``)."""
    try:
        if "," in text:
            parts = text.split(",")
            if len(parts) < 3 or len(parts) > 6:
                raise ValueError(text)
            nums = [float(p) for p in parts] + [0.0] * (6 - len(parts))
            y, mo, d, h, mi = (int(v) for v in nums[:5])
            return UTCDateTime(y, mo, d, h, mi) + nums[5]
        return UTCDateTime(text)
    except Exception as exc:
        raise SeedLinkProtocolError(
            f"cannot read time {text!r}: use YYYY,MM,DD,hh,mm,ss (v3) or ISO 8601 (v4)"
        ) from exc


def format_time_v3(t: UTCDateTime) -> str:
    """``YYYY/MM/DD hh:mm:ss.ffff`` as in SeisComP's INFO documents."""
    return t.strftime("%Y/%m/%d %H:%M:%S.") + f"{t.microsecond // 100:04d}"


# -- selectors --------------------------------------------------------------------------
@dataclass(frozen=True)
class Selector:
    """One SELECT pattern: location and channel fnmatch patterns, optional type, negation."""

    location: str
    channel: str
    type: str = ""
    negate: bool = False

    def matches(self, location: str, channel: str) -> bool:
        if self.type and self.type not in "D":
            return False  # this server has data records only (no E/C/T/L/O packets)
        loc = location
        if self.location != "*" and len(self.location) == 2:
            loc = location.ljust(2)  # v3: blank location is two spaces ("--" or "??")
        return fnmatchcase(loc, self.location) and fnmatchcase(channel, self.channel)


def parse_selector(text: str, version: int) -> Selector:
    """A SELECT argument: v3 ``[!][LL]CCC[.T]``; v4 ``[!]LOC_B_S_SS[.T][:native]``."""
    s = text.strip()
    negate = s.startswith("!")
    s = s.lstrip("!")
    if version >= 4 and ":" in s:
        s, _, filt = s.rpartition(":")
        if filt not in ("native", ""):
            raise SeedLinkProtocolError(f"SELECT filter {filt!r} not supported (only 'native')")
    body, _, typ = s.partition(".")
    ok = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789?*-_")
    if not body or not set(body) <= ok or len(typ) > 1:
        raise SeedLinkProtocolError(f"invalid selector {text!r}")
    if "_" in body:
        parts = body.split("_")
        loc = parts[0]
        if len(parts) == 4:
            cha = "".join(parts[1:])
        elif len(parts) == 2:
            cha = parts[1]
        else:
            raise SeedLinkProtocolError(f"invalid selector {text!r}: use LOC_B_S_SS")
        loc = loc.replace("-", "")
        return Selector(loc, cha or "*", typ.upper(), negate)
    if body == "*":
        return Selector("*", "*", typ.upper(), negate)
    if len(body) == 3:
        return Selector("*", body, typ.upper(), negate)
    if len(body) == 5:
        return Selector(body[:2].replace("-", " "), body[2:], typ.upper(), negate)
    if len(body) in (1, 2) and version < 4:
        # SeisComP accepts a bare location or channel prefix; treat it as a channel prefix
        return Selector("*", body + "*", typ.upper(), negate)
    raise SeedLinkProtocolError(f"invalid selector {text!r}: use [LL]CCC (v3) or LOC_B_S_SS (v4)")


def selectors_match(selectors: Sequence[Selector], location: str, channel: str) -> bool:
    """True when no negated selector matches and a positive one does (or none is given)."""
    pos = [s for s in selectors if not s.negate]
    if pos and not any(s.matches(location, channel) for s in pos):
        return False
    return not any(s.matches(location, channel) for s in selectors if s.negate)


# -- INFO documents ---------------------------------------------------------------------
@dataclass(frozen=True)
class StreamInfo:
    """One stream of a station in the buffer: codes, record length, time span."""

    location: str
    channel: str
    start: UTCDateTime
    end: UTCDateTime


@dataclass(frozen=True)
class StationInfo:
    """One station in the buffer: codes, sequence range, its streams."""

    network: str
    station: str
    description: str
    begin_seq: int
    end_seq: int
    streams: tuple[StreamInfo, ...]


def format_info_xml(
    level: str,
    software: str,
    organization: str,
    started: UTCDateTime,
    stations: Iterable[StationInfo] = (),
    connections: Iterable[dict[str, str]] = (),
) -> str:
    """The SeedLink 3 INFO document of ``level`` (SeisComP's XML layout)."""
    lines = [
        '<?xml version="1.0"?>',
        f"<seedlink software={quoteattr(software)} organization={quoteattr(organization)} "
        f"started={quoteattr(format_time_v3(started))}>",
    ]
    if level == "CAPABILITIES":
        for name in (
            "dialup",
            "multistation",
            "window-extraction",
            "info:id",
            "info:capabilities",
            "info:stations",
            "info:streams",
            "info:connections",
        ):
            lines.append(f'<capability name="{name}"/>')
    elif level in ("STATIONS", "STREAMS"):
        for st in stations:
            attrs = (
                f"name={quoteattr(st.station)} network={quoteattr(st.network)} "
                f"description={quoteattr(st.description)} "
                f'begin_seq="{st.begin_seq & 0xFFFFFF:06X}" end_seq="{st.end_seq & 0xFFFFFF:06X}" '
                'stream_check="enabled"'
            )
            if level == "STATIONS":
                lines.append(f"<station {attrs}/>")
                continue
            lines.append(f"<station {attrs}>")
            for s in st.streams:
                lines.append(
                    f"<stream location={quoteattr(s.location)} seedname={quoteattr(s.channel)} "
                    f'type="D" begin_time="{format_time_v3(s.start)}" '
                    f'end_time="{format_time_v3(s.end)}" begin_recno="0" end_recno="0" '
                    'gap_check="disabled" gap_treshold="0"/>'
                )
            lines.append("</station>")
    elif level == "CONNECTIONS":
        for c in connections:
            lines.append(
                '<station name="CLIENT" network="SL" description="SeedLink client" '
                'begin_seq="000000" end_seq="000000" stream_check="enabled">'
            )
            attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in c.items())
            lines.append(f"<connection {attrs}/>")
            lines.append("</station>")
    lines.append("</seedlink>")
    return "\n".join(lines)


def format_info_json(
    level: str,
    software: str,
    organization: str,
    started: UTCDateTime,
    stations: Iterable[StationInfo] = (),
    connections: Iterable[dict[str, str]] = (),
    error: tuple[str, str] | None = None,
) -> str:
    """The SeedLink 4 INFO document of ``level`` (JSON), or an error document."""
    doc: dict[str, object] = {
        "software": software,
        "organization": organization,
        "server_start": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if error is not None:
        doc["error"] = {"code": error[0], "message": error[1]}
    elif level == "CAPABILITIES":
        doc["capability"] = [
            "dialup",
            "time",
            "info:id",
            "info:capabilities",
            "info:formats",
            "info:stations",
            "info:streams",
            "info:connections",
        ]
    elif level == "FORMATS":
        doc["format"] = {
            "2": {"mimetype": "application/vnd.fdsn.mseed", "subformat": {"D": "data/generic"}}
        }
    elif level in ("STATIONS", "STREAMS"):
        out = []
        for st in stations:
            item: dict[str, object] = {
                "id": f"{st.network}_{st.station}",
                "description": st.description,
                "start_seq": st.begin_seq,
                "end_seq": st.end_seq,
                "backfill": "none",
            }
            if level == "STREAMS":
                item["stream"] = [
                    {
                        "id": f"{s.location}_{'_'.join(s.channel)}",
                        "format": "2",
                        "subformat": "D",
                        "start_time": s.start.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                        "end_time": s.end.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    }
                    for s in st.streams
                ]
            out.append(item)
        doc["station"] = out
    elif level == "CONNECTIONS":
        doc["connection"] = list(connections)
    return json.dumps(doc)
