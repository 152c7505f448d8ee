"""IMS1.0 bulletins (``DATA_TYPE BULLETIN IMS1.0:short``): writer and reader.

The writer follows the IMS1.0 fixed columns (IDC 3.4.1, section "Bulletin") as ObsPy's
``IMS10BULLETIN`` reader reads them: an events block per event (``EVENT`` line, origin with
its 90 % error ellipse, network magnitudes) and a phase block (station, distance, event-to-
station azimuth, phase, arrival time, time/azimuth/slowness residuals, defining flags
``TAS``, SNR, amplitude [nm], period [s], Qual, station magnitude, arrival id).
The phase line's Qual is the detection's evaluation mode (``a``/``m``), polarity (``c``
positive, ``d`` negative) and onset quality (``i``/``e``/``q``), ``_`` where not reported;
blank Ndef, Nsta, magnitude Nsta and origin analysis type (review status) read as None and
are written blank again.

The format carries less than the model: times to 0.01 s (origins) and 0.001 s (phases),
latitudes and longitudes to 1e-4 deg, depths, ellipse axes and residuals to 0.1, magnitudes
to 0.1; no network, location or channel codes, no detection measurements other than SNR,
amplitude, period, azimuth and slowness, no arrival weights. Identifiers longer than the
fields (event 8, origin and arrival 8 characters) are written whole at the end of their
lines (ObsPy truncates them, this reader does not).

:func:`read_ims` reads our output back and bulletins from the ISC and the IDC: the prime
origin (``#PRIME`` comment, else the last origin of the block) becomes the event's origin,
phase lines with an ``(#OrigID ...)`` tag for another origin are skipped, amplitude-only
lines (no arrival time) give station magnitudes without a detection.
"""

from __future__ import annotations

import io
import json
import logging
import math
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from obspy import UTCDateTime

from openndc.bulletin.formats._common import finite
from openndc.model.detection import Detection, EvaluationMode, Onset, Polarity
from openndc.model.errors import BulletinError, DataQualityWarning
from openndc.model.event import (
    Arrival,
    Bulletin,
    ErrorEllipse,
    Event,
    NetworkMagnitude,
    Origin,
    ReviewStatus,
    StationMagnitude,
)
from openndc.model.provenance import Provenance

__all__ = [
    "IMS_EVENT_TYPES",
    "ORIGIN_HEADER",
    "PHASE_HEADER",
    "format_ims",
    "is_ims",
    "parse_ims",
    "read_ims",
    "write_ims",
]

log = logging.getLogger(__name__)

ORIGIN_HEADER = (
    "   Date       Time        Err   RMS Latitude Longitude  Smaj  Smin  Az Depth   Err Ndef"
    " Nsta Gap  mdist  Mdist Qual   Author      OrigID"
)
MAGNITUDE_HEADER = "Magnitude  Err Nsta Author      OrigID"
PHASE_HEADER = (
    "Sta     Dist  EvAz Phase        Time      TRes  Azim AzRes   Slow   SRes Def   SNR"
    "       Amp   Per Qual Magnitude    ArrID"
)

#: QuakeML event type → IMS1.0 two-letter event type (k = known).
IMS_EVENT_TYPES = {
    "earthquake": "ke",
    "explosion": "kx",
    "nuclear explosion": "kn",
    "mining explosion": "km",
    "quarry blast": "km",
    "induced or triggered event": "ki",
    "not existing": "uk",
    "not reported": "uk",
    "other event": "uk",
}
_FROM_IMS = {
    "de": "earthquake",
    "fe": "earthquake",
    "ke": "earthquake",
    "se": "earthquake",
    "kr": "induced or triggered event",
    "sr": "induced or triggered event",
    "ki": "induced or triggered event",
    "si": "induced or triggered event",
    "km": "mining explosion",
    "sm": "mining explosion",
    "kh": "explosion",
    "sh": "explosion",
    "kx": "explosion",
    "sx": "explosion",
    "kn": "nuclear explosion",
    "sn": "nuclear explosion",
    "ls": "other event",
    "uk": "not reported",
}
#: Review status ↔ the origin's analysis type (column 112): a = automatic, m = manual,
#: g = guess (read as reviewed: an analyst's guess); blank = not given (None).
_REVIEW_CODE: dict[str | None, str] = {"automatic": "a", "reviewed": "m"}
_FROM_REVIEW_CODE: dict[str, ReviewStatus] = {"a": "automatic", "m": "reviewed", "g": "reviewed"}
#: Phase line Qual (columns 100-102): detection mode, polarity, onset quality.
_MODE_CODE: dict[str | None, str] = {"automatic": "a", "manual": "m"}
_FROM_MODE_CODE: dict[str, EvaluationMode] = {"a": "automatic", "m": "manual"}
_POLARITY_CODE: dict[str | None, str] = {"positive": "c", "negative": "d"}
_FROM_POLARITY_CODE: dict[str, Polarity] = {"c": "positive", "d": "negative"}
_ONSET_CODE: dict[str | None, str] = {"impulsive": "i", "emergent": "e", "questionable": "q"}
_FROM_ONSET_CODE: dict[str, Onset] = {"i": "impulsive", "e": "emergent", "q": "questionable"}
#: Phase lines with an arrival time further than this from the origin time are skipped [s].
_MAX_PICK_DELAY = 6 * 3600.0
_BLOCKS = {
    ("date", "time", "err", "rms"): "origins",
    ("magnitude", "err", "nsta", "author"): "magnitudes",
    ("sta", "dist", "evaz", "phase"): "phases",
    ("year", "volume", "page1", "page2"): "bibliography",
}


# -- writing ---------------------------------------------------------------------------


class _Line:
    """A fixed-column line; ``put`` places text at 1-based columns like the IMS1.0 spec."""

    def __init__(self, width: int) -> None:
        self.chars = [" "] * width

    def put(self, first: int, last: int, text: str, *, left: bool = False) -> None:
        width = last - first + 1
        text = text[:width].ljust(width) if left else text[-width:].rjust(width)
        self.chars[first - 1 : last] = list(text)

    def tail(self, first: int, text: str) -> None:
        """Text from a column to the end of the line, never truncated."""
        self.chars = self.chars[: first - 1] + list(text)

    def __str__(self) -> str:
        return "".join(self.chars).rstrip()


def _num(value: float | None, width: int, decimals: int) -> str:
    """A number in at most ``width`` characters (fewer decimals if needed), '' if missing."""
    if value is None or not finite(value):
        return ""
    for d in range(decimals + 1, decimals + 4):  # more decimals when the value has them
        text = f"{value:{width}.{d}f}"
        if len(text) <= width and float(text) == value and float(f"{value:.{d - 1}f}") != value:
            return text
    for d in range(decimals, -1, -1):
        text = f"{value:{width}.{d}f}"
        if len(text) <= width:
            return text
    log.debug("IMS1.0: %r does not fit %d columns; left blank", value, width)
    return ""


def _round_ns(t: UTCDateTime, step_ns: int) -> UTCDateTime:
    ns = int(t.ns)
    return UTCDateTime(ns=(ns + step_ns // 2) // step_ns * step_ns)


def _k(p: float) -> float:
    """Scale of a 2-D normal confidence ellipse at probability p."""
    return math.sqrt(-2.0 * math.log(1.0 - p))


def _ellipse90(e: ErrorEllipse) -> tuple[float, float, float]:
    conf = e.confidence if finite(e.confidence) and 0.0 < e.confidence < 1.0 else 0.9
    s = _k(0.9) / _k(conf)
    return e.semi_major_km * s, e.semi_minor_km * s, e.azimuth


def _origin_line(event: Event, author: str, origin_id: str) -> str:
    o = event.origin
    t = _round_ns(o.time, 10_000_000)
    line = _Line(136)
    line.put(1, 10, t.strftime("%Y/%m/%d"))
    line.put(12, 22, f"{t.strftime('%H:%M:%S')}.{t.microsecond // 10000:02d}")
    line.put(25, 29, _num(o.time_uncertainty, 5, 2))
    line.put(31, 35, _num(o.rms, 5, 2))
    line.put(37, 44, _num(o.latitude, 8, 4))
    line.put(46, 54, _num(o.longitude, 9, 4))
    if o.ellipse is not None:
        smaj, smin, az = _ellipse90(o.ellipse)
        line.put(56, 60, _num(smaj, 5, 1))
        line.put(62, 66, _num(smin, 5, 1))
        line.put(68, 70, _num(az % 180.0 if finite(az) else az, 3, 0))
    line.put(72, 76, _num(o.depth_km, 5, 1))
    line.put(77, 77, "f" if o.depth_fixed else " ")
    if not o.depth_fixed:
        line.put(79, 82, _num(o.depth_uncertainty_km, 4, 1))
    line.put(84, 87, "" if o.n_defining is None else str(o.n_defining))
    line.put(89, 92, "" if o.n_stations is None else str(o.n_stations))
    line.put(94, 96, _num(o.gap, 3, 0))
    line.put(98, 103, _num(o.min_distance, 6, 2))
    line.put(105, 110, _num(o.max_distance, 6, 2))
    line.put(112, 112, _REVIEW_CODE.get(event.review_status, " "))
    line.put(114, 114, "i")
    line.put(116, 117, IMS_EVENT_TYPES.get(event.event_type, "uk"))
    line.put(119, 127, author, left=True)
    line.put(129, 136, origin_id)
    return str(line)


def _magnitude_line(mag: NetworkMagnitude, author: str, origin_id: str) -> str:
    line = _Line(38)
    line.put(1, 5, mag.magnitude_type, left=True)
    line.put(7, 10, _num(mag.value, 4, 1))
    line.put(12, 14, _num(mag.uncertainty, 3, 1))
    line.put(16, 19, "" if mag.n_stations is None else str(mag.n_stations))
    line.put(21, 29, author, left=True)
    line.put(31, 38, origin_id, left=True)
    return str(line)


#: Width of the IMS1.0 identifier fields (event, origin, arrival) [characters].
ID_WIDTH = 8
#: Comment tag that keeps identifiers too long for their field (JSON after the tag).
ID_TAG = "#OPENNDC_ID"


def _fits(ident: str) -> bool:
    return (
        0 < len(ident) <= ID_WIDTH and ident.isascii() and ident.isprintable() and " " not in ident
    )


def short_ids(idents: Iterable[str]) -> dict[str, str]:
    """Identifiers that fit the 8-character IMS1.0 fields, unique within the bulletin.

    An identifier that fits and is not repeated is kept; every other one gets the next free
    number (``00000001``, ...). Returns ``{original: short}`` (the empty string maps to a
    number too).
    """
    given = list(idents)
    originals = list(dict.fromkeys(given))
    counts: dict[str, int] = {}
    for ident in given:
        counts[ident] = counts.get(ident, 0) + 1
    kept = {i for i in originals if _fits(i) and counts[i] == 1}
    out = {i: i for i in kept}
    n = 0
    for ident in originals:
        if ident in out:
            continue
        while True:
            n += 1
            candidate = f"{n:0{ID_WIDTH}d}"
            if candidate not in kept:
                break
        out[ident] = candidate
    return out


def _fits_region(text: str) -> bool:
    """An event comment that fits the EVENT line's region field (columns 16-80)."""
    return len(text) <= 65 and text.isprintable() and text == text.strip()


def _id_comment(**ids: str) -> str:
    return f" ({ID_TAG} {json.dumps(ids, separators=(',', ':'))})"


def _qual(det: Detection) -> str:
    """The phase line's Qual field: detection mode, polarity, onset quality ('_': none)."""
    return (
        _MODE_CODE.get(det.evaluation_mode, "_")
        + _POLARITY_CODE.get(det.polarity, "_")
        + _ONSET_CODE.get(det.onset, "_")
    )


def _phase_line(arr: Arrival, stamag: StationMagnitude | None, arrid: str) -> str:
    det = arr.detection
    line = _Line(122)
    line.put(1, 5, det.station, left=True)
    line.put(7, 12, _num(arr.distance, 6, 2))
    line.put(14, 18, _num(arr.azimuth, 5, 1))
    line.put(20, 27, arr.phase, left=True)
    t = _round_ns(det.time, 1_000_000)
    line.put(29, 40, f"{t.strftime('%H:%M:%S')}.{t.microsecond // 1000:03d}")
    line.put(42, 46, _num(arr.time_residual, 5, 1))
    line.put(48, 52, _num(det.backazimuth, 5, 1))
    line.put(54, 58, _num(arr.backazimuth_residual, 5, 1))
    line.put(60, 65, _num(det.slowness, 6, 1))
    line.put(67, 71, _num(arr.slowness_residual, 5, 1))
    flags = (
        ("T" if arr.time_defining else "_")
        + ("A" if arr.backazimuth_defining else "_")
        + ("S" if arr.slowness_defining else "_")
    )
    line.put(74, 76, flags)
    line.put(78, 82, _num(det.snr, 5, 1))
    amp, per = det.amplitude, det.period
    unit = det.amplitude_unit
    if stamag is not None and finite(stamag.amplitude):
        amp, per, unit = stamag.amplitude, stamag.period, stamag.amplitude_unit
    if unit in ("nm", ""):
        line.put(84, 92, _num(amp, 9, 1))
        line.put(94, 98, _num(per, 5, 2))
    line.put(100, 102, _qual(det))
    if stamag is not None and finite(stamag.value):
        line.put(104, 108, stamag.magnitude_type, left=True)
        line.put(110, 113, _num(stamag.value, 4, 1))
    line.put(115, 122, arrid, left=True)
    return str(line)


@dataclass(frozen=True)
class _Ids:
    events: dict[str, str]
    origins: dict[str, str]
    arrivals: dict[str, str]

    @classmethod
    def of(cls, events: Iterable[Event]) -> _Ids:
        evs = list(events)
        return cls(
            short_ids(e.id for e in evs),
            short_ids(e.origin.id or e.id for e in evs),
            short_ids(i for e in evs for i in _reading_ids(e)),
        )


def _readings(event: Event) -> list[StationMagnitude]:
    """Station magnitudes without an arrival of the event (amplitude-only readings)."""
    picked = {a.detection.id for a in event.arrivals}
    return [
        sm
        for mag in event.magnitudes
        for sm in mag.station_magnitudes
        if not sm.detection_id or sm.detection_id not in picked
    ]


def _reading_ids(event: Event) -> list[str]:
    """The ArrIDs an event writes: its arrivals' and its amplitude-only readings'."""
    ids = [a.detection.id for a in event.arrivals]
    return ids + [sm.detection_id for sm in _readings(event) if sm.detection_id]


def _amplitude_line(sm: StationMagnitude, arrid: str) -> str:
    """A phase line with a station magnitude and its amplitude but no arrival time."""
    line = _Line(122)
    line.put(1, 5, sm.station, left=True)
    line.put(7, 12, _num(sm.distance, 6, 2))
    line.put(74, 76, "___")
    if sm.amplitude_unit in ("nm", ""):
        line.put(84, 92, _num(sm.amplitude, 9, 1))
        line.put(94, 98, _num(sm.period, 5, 2))
    line.put(100, 102, "___")
    line.put(104, 108, sm.magnitude_type, left=True)
    line.put(110, 113, _num(sm.value, 4, 1))
    line.put(115, 122, arrid, left=True)
    return str(line)


def _event_lines(event: Event, agency: str | None, ids: _Ids) -> Iterator[str]:
    prov = event.origin.provenance or event.provenance
    author = agency or (prov.author if prov is not None else "") or "OpenNDC"
    long_origin = event.origin.id or event.id
    eid, origin_id = ids.events[event.id], ids.origins[long_origin]
    region = event.comment if _fits_region(event.comment) else ""
    yield f"EVENT {eid:<8} {region}".rstrip()
    yield ORIGIN_HEADER
    yield _origin_line(event, author, origin_id)
    kept = {}
    if event.comment and not region:
        kept["comment"] = event.comment
    if eid != event.id:
        kept["event"] = event.id
    if origin_id != long_origin:
        kept["origin"] = long_origin
    if kept:
        yield _id_comment(**kept)
    if event.magnitudes:
        yield ""
        yield MAGNITUDE_HEADER
        for mag in event.magnitudes:
            yield _magnitude_line(mag, author, origin_id)
    if event.arrivals:
        by_detection: dict[str, StationMagnitude] = {}
        for mag in event.magnitudes:
            for sm in mag.station_magnitudes:
                if sm.detection_id:
                    by_detection.setdefault(sm.detection_id, sm)
        yield ""
        yield PHASE_HEADER
        for arr in event.arrivals:
            arrid = ids.arrivals[arr.detection.id]
            yield _phase_line(arr, by_detection.get(arr.detection.id), arrid)
            if arrid != arr.detection.id:
                yield _id_comment(arrival=arr.detection.id)
    readings = _readings(event)
    if readings:  # amplitude-only readings: a phase line without an arrival time
        if not event.arrivals:
            yield ""
            yield PHASE_HEADER
        for sm in readings:
            arrid = ids.arrivals.get(sm.detection_id, "") if sm.detection_id else ""
            yield _amplitude_line(sm, arrid)
            if arrid and arrid != sm.detection_id:
                yield _id_comment(arrival=sm.detection_id)
    yield ""


def format_ims(bulletin: Bulletin, *, agency: str | None = None, msg_id: str = "") -> str:
    """A bulletin as an IMS1.0 message (text).

    ``agency`` is written as the author of origins and magnitudes (9 characters); by default
    the provenance author (``automatic`` or the analyst).
    """
    title = bulletin.name or "OpenNDC bulletin"
    lines = [
        "BEGIN IMS1.0",
        "MSG_TYPE DATA",
        f"MSG_ID {msg_id or 'openndc'} OpenNDC",
        "DATA_TYPE BULLETIN IMS1.0:short",
        title,
        "",
    ]
    events = bulletin.sorted().events
    ids = _Ids.of(events)
    for event in events:
        lines.extend(_event_lines(event, agency, ids))
    lines.append("STOP")
    return "\n".join(lines) + "\n"


def write_ims(bulletin: Bulletin, path: str | Path, *, agency: str | None = None) -> None:
    """Write a bulletin as an IMS1.0 bulletin file (readable by ObsPy's IMS10BULLETIN)."""
    try:
        Path(path).write_text(format_ims(bulletin, agency=agency), encoding="utf-8")
    except OSError as exc:
        raise BulletinError(f"{path}: cannot write IMS1.0 bulletin: {exc}") from exc


# -- reading ---------------------------------------------------------------------------


def _field(line: str, first: int, last: int | None = None) -> str:
    return line[first - 1 : last].strip()


def _float(line: str, first: int, last: int) -> float:
    text = _field(line, first, last)
    if not text:
        return math.nan
    return float(text)


def _int(line: str, first: int, last: int) -> int | None:
    """An integer field; None when blank (not given)."""
    text = _field(line, first, last)
    return int(float(text)) if text else None


def _block(line: str) -> str | None:
    words = [w.lower() for w in line.split()[:4]]
    if words and words[0] == "event":
        return "event"
    if len(words) < 4:
        return None
    return _BLOCKS.get((words[0], words[1], words[2], words[3]))


@dataclass
class _RawOrigin:
    origin: Origin
    review_status: ReviewStatus | None
    event_type: str
    author: str
    prime: bool = False


@dataclass
class _RawEvent:
    id: str
    region: str
    lineno: int
    origins: list[_RawOrigin] = field(default_factory=list)
    magnitudes: list[tuple[str, NetworkMagnitude]] = field(default_factory=list)
    lines: list[tuple[str, str, int]] = field(default_factory=list)


def _tag(text: str) -> dict[str, str]:
    """The identifiers kept in an ``(#OPENNDC_ID {...})`` comment ({} for other comments)."""
    body = text.strip()
    if not body.startswith(f"({ID_TAG}") or not body.endswith(")"):
        return {}
    try:
        data = json.loads(body[len(ID_TAG) + 1 : -1])
    except json.JSONDecodeError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


def _check_origin(o: Origin) -> None:
    """Impossible origin values raise ValueError (the event is skipped and reported)."""
    if not (-90.0 <= o.latitude <= 90.0 and -180.0 <= o.longitude <= 180.0):
        raise ValueError(f"impossible epicentre {o.latitude:g}, {o.longitude:g}")
    if finite(o.depth_km) and not -10.0 <= o.depth_km <= 800.0:
        raise ValueError(f"impossible depth {o.depth_km:g} km")
    for name in ("time_uncertainty", "depth_uncertainty_km", "rms", "gap"):
        if getattr(o, name) < 0:
            raise ValueError(f"negative {name} {getattr(o, name):g}")
    if o.ellipse is not None and (o.ellipse.semi_major_km < 0 or o.ellipse.semi_minor_km < 0):
        raise ValueError("negative error ellipse axis")
    if o.time > UTCDateTime() + 86400:
        raise ValueError(f"origin time {o.time} is in the future")


def _parse_origin(line: str) -> _RawOrigin:
    line = line.ljust(136)
    t = UTCDateTime.strptime(line[:17], "%Y/%m/%d %H:%M:") + float(line[17:22])
    smaj, smin = _float(line, 56, 60), _float(line, 62, 66)
    ellipse = None
    if finite(smaj) or finite(smin):
        ellipse = ErrorEllipse(smaj, smin, _float(line, 68, 70), 0.9)
    author = _field(line, 119, 127)
    origin = Origin(
        time=t,
        latitude=_float(line, 37, 44),
        longitude=_float(line, 46, 54),
        depth_km=_float(line, 72, 76),
        time_uncertainty=_float(line, 25, 29),
        depth_uncertainty_km=_float(line, 79, 82),
        depth_fixed=line[76].lower() == "f",
        ellipse=ellipse,
        rms=_float(line, 31, 35),
        n_defining=_int(line, 84, 87),  # blank: None (not given)
        n_stations=_int(line, 89, 92),
        gap=_float(line, 94, 96),
        min_distance=_float(line, 98, 103),
        max_distance=_float(line, 105, 110),
        method="",
        model="",
        id=_field(line, 129, 136),
        provenance=Provenance(
            method="IMS1.0 bulletin", software_version="", author=author, created=UTCDateTime(0)
        )
        if author
        else None,
    )
    _check_origin(origin)
    review = _FROM_REVIEW_CODE.get(line[111].lower())
    etype = _FROM_IMS.get(line[115:117].strip().lower(), "not reported")
    return _RawOrigin(origin, review, etype, author)


def _parse_magnitude(line: str) -> tuple[str, NetworkMagnitude]:
    line = line.ljust(38)
    mag = NetworkMagnitude(
        magnitude_type=line[0:5].strip(),  # type: ignore[arg-type]
        value=_float(line, 7, 10),
        uncertainty=_float(line, 12, 14),
        n_stations=_int(line, 16, 19),
        method="",
    )
    return _field(line, 31, 38), mag


def _pick_time(text: str, origin_time: UTCDateTime) -> UTCDateTime | None:
    text = text.strip()
    if not text:
        return None
    hh, mm, ss = text.split(":")
    day = UTCDateTime(origin_time.date)
    base = day + 3600 * int(hh) + 60 * int(mm) + float(ss)
    return min((base - 86400, base, base + 86400), key=lambda t: abs(t - origin_time))


def _parse_phase(
    line: str, origin_time: UTCDateTime
) -> tuple[Arrival | None, StationMagnitude | None]:
    line = line.ljust(122)
    station = _field(line, 1, 5)
    time = _pick_time(line[28:40], origin_time)
    arrid = _field(line, 115, 122)
    amp, per = _float(line, 84, 92), _float(line, 94, 98)
    distance = _float(line, 7, 12)
    magtype, mag = _field(line, 104, 108), _float(line, 110, 113)
    stamag = None
    if magtype and finite(mag):
        stamag = StationMagnitude(
            magnitude_type=magtype,  # type: ignore[arg-type]
            value=mag,
            network="",
            station=station,
            amplitude=amp,
            amplitude_unit="nm" if finite(amp) else "",
            period=per,
            distance=distance,
            detection_id=arrid,
        )
    if time is None:
        return None, stamag
    if abs(time - origin_time) > _MAX_PICK_DELAY:
        raise ValueError(f"arrival time {time} more than 6 h from the origin time {origin_time}")
    for name, value, lo, hi in (
        ("distance", distance, 0.0, 180.0),
        ("azimuth", _float(line, 14, 18), 0.0, 360.0),
        ("backazimuth", _float(line, 48, 52), 0.0, 360.0),
        ("slowness", _float(line, 60, 65), 0.0, 1000.0),  # infrasound: ~330 s/deg
        ("SNR", _float(line, 78, 82), 0.0, math.inf),
        ("amplitude", amp, 0.0, math.inf),
        ("period", per, 0.0, 1000.0),
    ):
        if finite(value) and not lo <= value <= hi:
            raise ValueError(f"{name} {value:g} outside [{lo:g}, {hi:g}]")
    flags = line[73:76]
    phase = _field(line, 20, 27)
    det = Detection(
        network="",
        station=station,
        location="",
        channel="",
        time=time,
        phase=phase,
        snr=_float(line, 78, 82),
        amplitude=amp,
        amplitude_unit="nm" if finite(amp) else "",
        period=per,
        backazimuth=_float(line, 48, 52),
        slowness=_float(line, 60, 65),
        id=arrid,
        onset=_FROM_ONSET_CODE.get(line[101].lower()),
        polarity=_FROM_POLARITY_CODE.get(line[100].lower()),
        evaluation_mode=_FROM_MODE_CODE.get(line[99].lower()),
    )
    arrival = Arrival(
        detection=det,
        phase=phase,
        distance=distance,
        azimuth=_float(line, 14, 18),
        time_residual=_float(line, 42, 46),
        backazimuth_residual=_float(line, 54, 58),
        slowness_residual=_float(line, 67, 72),
        time_defining=flags[0:1] == "T",
        backazimuth_defining=flags[1:2] == "A",
        slowness_defining=flags[2:3] == "S",
        weight=1.0 if flags[0:1] == "T" else 0.0,
    )
    return arrival, stamag


def _scan(lines: Iterable[str], source: str) -> tuple[str, list[_RawEvent]]:
    """Split the data section into raw events (origin, magnitude and phase lines)."""
    it = iter(enumerate(lines, 1))
    for _, line in it:
        if line.upper().startswith("DATA_TYPE BULLETIN IMS1.0"):
            if "LONG" in line.upper():
                raise BulletinError(f"{source}: IMS1.0:long is not supported; use IMS1.0:short")
            break
    else:
        raise BulletinError(
            f"{source}: no 'DATA_TYPE BULLETIN IMS1.0' line; not an IMS1.0 bulletin"
        )
    title = ""
    events: list[_RawEvent] = []
    block: str | None = None
    for lineno, raw in it:
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if line.startswith("STOP") or line.startswith("DATA_TYPE"):
            break
        kind = _block(line)
        if kind == "event":
            words = line.split(None, 2)
            events.append(
                _RawEvent(
                    words[1] if len(words) > 1 else "", words[2] if len(words) > 2 else "", lineno
                )
            )
            block = None
        elif kind is not None:
            block = kind
        elif not events:
            title = title or line.strip()
        elif block is not None:
            events[-1].lines.append((block, line, lineno))
    return title, events


def _assemble(raw: _RawEvent, source: str) -> Event | None:
    origins: list[_RawOrigin] = []
    origin_ids: list[dict[str, str]] = []
    magnitudes: list[tuple[str, NetworkMagnitude]] = []
    phase_lines: list[tuple[str, int, dict[str, str]]] = []
    current_origin_id: str | None = None
    for block, line, lineno in raw.lines:
        text = line.strip()
        try:
            if block == "origins":
                if text.startswith("("):
                    if "#PRIME" in text.upper() and origins:
                        origins[-1].prime = True
                    if origin_ids:
                        origin_ids[-1].update(_tag(text))
                    continue
                origin_ids.append({})  # before parsing: a skipped origin keeps its comments
                origins.append(_parse_origin(line))
            elif block == "magnitudes" and not text.startswith("("):
                magnitudes.append(_parse_magnitude(line))
            elif block == "phases":
                if text.upper().startswith("(#ORIGID"):
                    current_origin_id = text[8:].rstrip(") ").strip()
                elif text.startswith("("):
                    if phase_lines:
                        phase_lines[-1][2].update(_tag(text))
                else:
                    phase_lines.append((line, lineno, {}))
        except (ValueError, IndexError, OverflowError) as exc:
            if block == "origins":
                origin_ids.pop()
            warnings.warn(
                f"{source}:{lineno}: unreadable {block} line skipped ({exc}): {line!r}",
                DataQualityWarning,
                stacklevel=4,
            )
    if not origins:
        warnings.warn(
            f"{source}:{raw.lineno}: event {raw.id} has no readable origin; skipped",
            DataQualityWarning,
            stacklevel=3,
        )
        return None
    k = next((i for i, o in enumerate(origins) if o.prime), len(origins) - 1)
    chosen, kept = origins[k], origin_ids[k]
    o = chosen.origin
    if not (finite(o.latitude) and finite(o.longitude)):
        warnings.warn(
            f"{source}:{raw.lineno}: event {raw.id} has no epicentre; skipped",
            DataQualityWarning,
            stacklevel=3,
        )
        return None
    if current_origin_id is not None and o.id and current_origin_id not in (o.id, ""):
        phase_lines = []  # the phases belong to another origin
    mags = [m for oid, m in magnitudes if oid == o.id]
    if not mags:
        mags = [m for oid, m in magnitudes if not oid]
    if "origin" in kept:
        o = replace(o, id=kept["origin"])
    arrivals, stamags, dropped = _phases(phase_lines, o.time, source)
    types = {m.magnitude_type for m in mags}
    dropped += sum(len(v) for t, v in stamags.items() if t not in types)
    if dropped:
        warnings.warn(
            f"{source}:{raw.lineno}: event {raw.id}: {dropped} amplitude reading(s) without an "
            "arrival time or a network magnitude of their type are not kept (the model "
            "holds amplitudes only on arrivals and station magnitudes)",
            DataQualityWarning,
            stacklevel=3,
        )
    mags = [replace(m, station_magnitudes=tuple(stamags.get(m.magnitude_type, ()))) for m in mags]
    return Event(
        id=kept.get("event", raw.id),
        origin=o,
        arrivals=tuple(arrivals),
        magnitudes=tuple(mags),
        event_type=chosen.event_type,  # type: ignore[arg-type]
        review_status=chosen.review_status,
        comment=kept.get("comment", raw.region),
    )


def _phases(
    phase_lines: list[tuple[str, int, dict[str, str]]], origin_time: UTCDateTime, source: str
) -> tuple[list[Arrival], dict[str, list[StationMagnitude]], int]:
    """Arrivals, station magnitudes by type and the number of readings not kept."""
    arrivals: list[Arrival] = []
    stamags: dict[str, list[StationMagnitude]] = {}
    dropped = 0
    for line, lineno, kept in phase_lines:
        try:
            arrival, sm = _parse_phase(line, origin_time)
        except (ValueError, IndexError, OverflowError) as exc:
            warnings.warn(
                f"{source}:{lineno}: unreadable phase line skipped ({exc}): {line!r}",
                DataQualityWarning,
                stacklevel=4,
            )
            continue
        long_id = kept.get("arrival")
        if arrival is not None:
            if long_id:
                det = replace(arrival.detection, id=long_id)
                arrival = replace(arrival, detection=det)
            arrivals.append(arrival)
        if sm is not None:
            if long_id and sm.detection_id:
                sm = replace(sm, detection_id=long_id)
            stamags.setdefault(sm.magnitude_type, []).append(sm)
        elif arrival is None:
            dropped += 1
    return arrivals, stamags, dropped


def parse_ims(text: str | TextIO, source: str = "<string>") -> Bulletin:
    """Parse an IMS1.0:short bulletin (text or open file) into a bulletin."""
    stream = io.StringIO(text) if isinstance(text, str) else text
    title, raws = _scan(stream, source)
    events = [e for e in (_assemble(r, source) for r in raws) if e is not None]
    log.info("%s: %d of %d events read", source, len(events), len(raws))
    return Bulletin(events=tuple(events), name=title)


def read_ims(path: str | Path) -> Bulletin:
    """Read an IMS1.0:short bulletin file."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return parse_ims(fh, str(path))
    except OSError as exc:
        raise BulletinError(f"{path}: cannot read IMS1.0 bulletin: {exc}") from exc


def is_ims(path: str | Path) -> bool:
    """True when the first 40 lines hold a ``DATA_TYPE BULLETIN IMS1.0`` line."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for i, line in enumerate(fh):
                if i >= 40:
                    break
                if line.upper().startswith("DATA_TYPE BULLETIN IMS1.0"):
                    return True
    except OSError:
        return False
    return False
