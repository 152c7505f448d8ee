"""FDSN web service query parameters: names, aliases, types, and a strict parser.

Each service declares its parameters once (:data:`STATION_PARAMS`, :data:`DATASELECT_PARAMS`,
:data:`EVENT_PARAMS`, after the FDSN Web Service Specifications 1.2); the parser, the POST
body reader and the ``application.wadl`` documents are all derived from those tables.

Parsing is strict, as in SeisComP's fdsnws: an unknown parameter, a parameter given twice
(also under an alias), a malformed time, number, boolean or code, an inverted time window
or a value out of range is a :class:`FDSNRequestError` with status 400 and a message that
names the parameter and says what is accepted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from obspy import UTCDateTime

from openndc.model.errors import OpenNDCError

__all__ = [
    "DATASELECT_PARAMS",
    "EVENT_PARAMS",
    "STATION_PARAMS",
    "BulkLine",
    "FDSNRequestError",
    "Param",
    "ParamType",
    "code_patterns",
    "parse_bulk",
    "parse_query",
    "parse_time",
]

ParamType = Literal["time", "float", "int", "bool", "code", "str", "choice"]


class FDSNRequestError(OpenNDCError):
    """A request the service answers with an FDSN error document (``status``: 400, 413...)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Param:
    """One query parameter: its name, aliases, type, allowed values, range and help."""

    name: str
    type: ParamType
    help: str
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    lo: float | None = None
    hi: float | None = None
    default: str | None = None


def _common_time() -> tuple[Param, ...]:
    return (
        Param("starttime", "time", "limit to data on or after this time", ("start",)),
        Param("endtime", "time", "limit to data on or before this time", ("end",)),
    )


def _codes() -> tuple[Param, ...]:
    return (
        Param("network", "code", "network codes (list, wildcards * ?)", ("net",)),
        Param("station", "code", "station codes (list, wildcards * ?)", ("sta",)),
        Param("location", "code", "location codes (list, wildcards; -- is empty)", ("loc",)),
        Param("channel", "code", "channel codes (list, wildcards * ?)", ("cha",)),
    )


def _box() -> tuple[Param, ...]:
    return (
        Param("minlatitude", "float", "southern boundary [deg]", ("minlat",), lo=-90, hi=90),
        Param("maxlatitude", "float", "northern boundary [deg]", ("maxlat",), lo=-90, hi=90),
        Param("minlongitude", "float", "western boundary [deg]", ("minlon",), lo=-180, hi=180),
        Param("maxlongitude", "float", "eastern boundary [deg]", ("maxlon",), lo=-180, hi=180),
        Param("latitude", "float", "radius search centre [deg]", ("lat",), lo=-90, hi=90),
        Param("longitude", "float", "radius search centre [deg]", ("lon",), lo=-180, hi=180),
        Param("minradius", "float", "minimum distance from the centre [deg]", lo=0, hi=180),
        Param("maxradius", "float", "maximum distance from the centre [deg]", lo=0, hi=180),
    )


_NODATA = Param("nodata", "choice", "status code when nothing matches", choices=("204", "404"))

STATION_PARAMS: tuple[Param, ...] = (
    *_common_time(),
    Param("startbefore", "time", "epochs starting before this time"),
    Param("startafter", "time", "epochs starting after this time"),
    Param("endbefore", "time", "epochs ending before this time"),
    Param("endafter", "time", "epochs ending after this time"),
    *_codes(),
    *_box(),
    Param(
        "level",
        "choice",
        "level of detail",
        choices=("network", "station", "channel", "response"),
        default="station",
    ),
    Param(
        "includerestricted", "bool", "include restricted data (all data are open)", default="true"
    ),
    Param(
        "includeavailability", "bool", "include data availability (not provided)", default="false"
    ),
    Param("updatedafter", "time", "metadata updated after this time"),
    Param("matchtimeseries", "bool", "only channels with data in the archive", default="false"),
    Param("format", "choice", "output format", choices=("xml", "text"), default="xml"),
    _NODATA,
)

DATASELECT_PARAMS: tuple[Param, ...] = (
    *_common_time(),
    *_codes(),
    Param(
        "quality",
        "choice",
        "data quality (B: best)",
        choices=("D", "R", "Q", "M", "B"),
        default="B",
    ),
    Param("minimumlength", "float", "minimum continuous segment length [s]", lo=0, default="0.0"),
    Param("longestonly", "bool", "only the longest continuous segment per stream", default="false"),
    Param("format", "choice", "output format", choices=("miniseed",), default="miniseed"),
    _NODATA,
)

EVENT_PARAMS: tuple[Param, ...] = (
    *_common_time(),
    *_box(),
    Param("mindepth", "float", "minimum depth [km]", lo=-10, hi=7000),
    Param("maxdepth", "float", "maximum depth [km]", lo=-10, hi=7000),
    Param("minmagnitude", "float", "minimum magnitude", ("minmag",), lo=-10, hi=12),
    Param("maxmagnitude", "float", "maximum magnitude", ("maxmag",), lo=-10, hi=12),
    Param("magnitudetype", "str", "magnitude type the limits apply to (mb, ML, Ms)", ("magtype",)),
    Param("eventtype", "str", "event types (comma-separated list)"),
    Param(
        "includeallorigins", "bool", "all origin versions, not only the preferred", default="false"
    ),
    Param("includeallmagnitudes", "bool", "all magnitudes, not only the preferred", default="true"),
    Param("includearrivals", "bool", "picks and arrivals of the origins", default="false"),
    Param("eventid", "str", "one event by its identifier"),
    Param("limit", "int", "at most this many events", lo=1),
    Param("offset", "int", "skip this many events (1 is the first)", lo=1, default="1"),
    Param(
        "orderby",
        "choice",
        "sort order",
        choices=("time", "time-asc", "magnitude", "magnitude-asc"),
        default="time",
    ),
    Param("catalog", "str", "catalog name"),
    Param("contributor", "str", "contributing agency"),
    Param("updatedafter", "time", "events updated after this time"),
    Param("format", "choice", "output format", choices=("xml", "text"), default="xml"),
    _NODATA,
)

_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?Z?$"
)
#: Times outside these years are refused (exact nanosecond times fit in 64 bits).
MIN_YEAR, MAX_YEAR = 1800, 2200
_CODE = re.compile(r"^[A-Za-z0-9*?\-]*$")
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


def parse_time(text: str, name: str = "time") -> UTCDateTime:
    """An FDSN time: ``YYYY-MM-DD[Thh:mm[:ss[.fraction]]][Z]`` (UTC)."""
    m = _TIME.match(text.strip())
    if m is None:
        raise FDSNRequestError(
            f"{name}={text!r} is not a time: use YYYY-MM-DDThh:mm:ss[.ssssss] (UTC), "
            "e.g. 2016-01-06T01:30:00"
        )
    y, mo, d, h, mi, s, frac = m.groups()
    if not MIN_YEAR <= int(y) <= MAX_YEAR:
        raise FDSNRequestError(
            f"{name}={text!r} is outside the years {MIN_YEAR}-{MAX_YEAR} this service holds"
        )
    try:
        t = UTCDateTime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except (ValueError, TypeError) as exc:
        raise FDSNRequestError(f"{name}={text!r} is not a valid date or time: {exc}") from exc
    if frac:
        t = UTCDateTime(ns=t.ns + int(frac.ljust(9, "0")))
    return t


def _float(p: Param, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FDSNRequestError(f"{p.name}={text!r} is not a number") from None
    if not math.isfinite(value):
        raise FDSNRequestError(f"{p.name}={text!r} is not a finite number")
    _range(p, value, text)
    return value


def _range(p: Param, value: float, text: str) -> None:
    if (p.lo is not None and value < p.lo) or (p.hi is not None and value > p.hi):
        lo = "-inf" if p.lo is None else f"{p.lo:g}"
        hi = "inf" if p.hi is None else f"{p.hi:g}"
        raise FDSNRequestError(f"{p.name}={text!r} is out of range [{lo}, {hi}]")


def _int(p: Param, text: str) -> int:
    if not re.fullmatch(r"[+-]?\d{1,18}", text.strip()):
        raise FDSNRequestError(f"{p.name}={text!r} is not an integer")
    value = int(text)
    _range(p, value, text)
    return value


def _bool(p: Param, text: str) -> bool:
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise FDSNRequestError(f"{p.name}={text!r} is not a boolean: use true or false")


def _code(p: Param, text: str) -> str:
    parts = [c.strip() for c in text.split(",")]
    for c in parts:
        if not _CODE.match(c) or len(c) > 12:
            raise FDSNRequestError(
                f"{p.name}={text!r}: codes are letters and digits with wildcards * and ?, "
                "comma-separated (location -- for an empty code)"
            )
    return ",".join(parts).upper()  # SEED codes are upper case


def _value(p: Param, text: str) -> Any:
    if p.type == "time":
        return parse_time(text, p.name)
    if p.type == "float":
        return _float(p, text)
    if p.type == "int":
        return _int(p, text)
    if p.type == "bool":
        return _bool(p, text)
    if p.type == "code":
        return _code(p, text)
    if p.type == "choice":
        for c in p.choices:
            if text.strip().lower() == c.lower():
                return c
        raise FDSNRequestError(
            f"{p.name}={text!r} is not allowed: use one of {', '.join(p.choices)}"
        )
    if len(text) > 200 or any(ord(ch) < 32 for ch in text):
        raise FDSNRequestError(f"{p.name}: value too long or with control characters")
    return text.strip()


def _lookup(params: Sequence[Param]) -> dict[str, Param]:
    out: dict[str, Param] = {}
    for p in params:
        out[p.name] = p
        for a in p.aliases:
            out[a] = p
    return out


def parse_query(
    params: Sequence[Param], items: Iterable[tuple[str, str]], service: str
) -> dict[str, Any]:
    """Parse ``(name, value)`` pairs against a service's parameters into typed values.

    Defaults are filled in for parameters with one; codes default to ``"*"``. Raises
    :class:`FDSNRequestError` (400) on anything the specification does not allow.
    """
    table = _lookup(params)
    out: dict[str, Any] = {}
    given: dict[str, str] = {}
    for key, text in items:
        p = table.get(key.strip().lower())
        if p is None:
            raise FDSNRequestError(
                f"unknown parameter {key!r} for fdsnws-{service}; the parameters are listed "
                f"in /fdsnws/{service}/1/application.wadl"
            )
        if p.name in given:
            raise FDSNRequestError(
                f"parameter {p.name!r} given twice ({given[p.name]!r} and {key!r}); give it once"
            )
        given[p.name] = key
        out[p.name] = _value(p, text)
    for p in params:
        if p.name not in out:
            if p.default is not None:
                out[p.name] = _value(p, p.default)
            elif p.type == "code":
                out[p.name] = "*"
            else:
                out[p.name] = None
    _check_window(out)
    _check_geo(out)
    return out


def _check_window(out: Mapping[str, Any]) -> None:
    start, end = out.get("starttime"), out.get("endtime")
    if start is not None and end is not None and end <= start:
        raise FDSNRequestError(f"endtime {end} is not after starttime {start}")


def _check_geo(out: Mapping[str, Any]) -> None:
    for lo, hi in (("minlatitude", "maxlatitude"), ("minradius", "maxradius")):
        a, b = out.get(lo), out.get(hi)
        if a is not None and b is not None and a > b:
            raise FDSNRequestError(f"{lo}={a} is larger than {hi}={b}")
    for lo, hi in (("mindepth", "maxdepth"), ("minmagnitude", "maxmagnitude")):
        a, b = out.get(lo), out.get(hi)
        if a is not None and b is not None and a > b:
            raise FDSNRequestError(f"{lo}={a} is larger than {hi}={b}")
    radial = [out.get(k) is not None for k in ("latitude", "longitude")]
    if any(radial) and not all(radial):
        raise FDSNRequestError("a radius search needs both latitude and longitude")
    if not any(radial) and (out.get("minradius") is not None or out.get("maxradius") is not None):
        raise FDSNRequestError("minradius/maxradius need latitude and longitude")
    box = any(
        out.get(k) is not None
        for k in ("minlatitude", "maxlatitude", "minlongitude", "maxlongitude")
    )
    if box and all(radial):
        raise FDSNRequestError("give a box (min/max latitude/longitude) or a radius, not both")


@dataclass(frozen=True)
class BulkLine:
    """One line of a POST request: codes and a time window."""

    network: str
    station: str
    location: str
    channel: str
    start: UTCDateTime
    end: UTCDateTime


def parse_bulk(
    params: Sequence[Param], body: str, service: str, *, max_lines: int
) -> tuple[dict[str, Any], list[BulkLine]]:
    """A POST body: ``key=value`` lines, then ``NET STA LOC CHA START END`` lines."""
    settings: list[tuple[str, str]] = []
    lines: list[BulkLine] = []
    for n, raw in enumerate(body.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" in line and not lines:
            key, _, value = line.partition("=")
            if key.strip().lower() in {"starttime", "start", "endtime", "end"} | {
                c for p in params if p.type == "code" for c in (p.name, *p.aliases)
            }:
                raise FDSNRequestError(
                    f"POST line {n}: {key.strip()!r} belongs in the request lines, not as key=value"
                )
            settings.append((key.strip(), value.strip()))
            continue
        fields = line.split()
        if len(fields) != 6:
            raise FDSNRequestError(
                f"POST line {n} {line[:80]!r}: expected NET STA LOC CHA STARTTIME ENDTIME"
            )
        net, sta, loc, cha = (
            _code(Param(k, "code", ""), v)
            for k, v in zip(("network", "station", "location", "channel"), fields[:4], strict=True)
        )
        start = parse_time(fields[4], f"line {n} starttime")
        end = parse_time(fields[5], f"line {n} endtime")
        if end <= start:
            raise FDSNRequestError(f"POST line {n}: endtime {end} is not after starttime {start}")
        lines.append(BulkLine(net, sta, loc, cha, start, end))
        if len(lines) > max_lines:
            raise FDSNRequestError(
                f"more than {max_lines} request lines; split the request", status=413
            )
    if not lines:
        raise FDSNRequestError("the POST body has no request lines (NET STA LOC CHA START END)")
    return parse_query(params, settings, service), lines


def code_patterns(text: str) -> list[str]:
    """FDSN code list → fnmatch patterns (``--`` is the empty location code)."""
    return ["" if c in ("--", "") else c for c in text.split(",")]
