"""Events as the scorer sees them, read from QuakeML, IMS1.0 bulletins or the bulletin CSV.

The scorer is deliberately independent of the pipeline: it reads the products through ObsPy and
pandas into a light record, :class:`ScoredEvent` (origin time, epicentre, depth, network
magnitudes by type, event type), and never uses the pipeline's own classes or readers. A
bulletin written by OpenNDC and one written by another system (an analyst's QuakeML, the
IDC's IMS1.0 REB, an ISC download) are scored in the same way.

Formats (:func:`read_scored_events` decides by extension, then by content):

- QuakeML (``.xml``, ``.quakeml``, ``.qml``): the preferred origin (else the first one) and
  the magnitudes computed for it or for no stated origin (else the preferred magnitude);
- IMS1.0 / ISF bulletins (``.txt``, ``.ims``, ``.isf``, ``.bul``; content starting with
  ``DATA_TYPE BULLETIN`` or ``BEGIN IMS1.0``) through ObsPy's ``IMS10BULLETIN`` reader;
- the bulletin CSV (``.csv``; columns :data:`openndc.model.event.EVENT_COLUMNS`; only
  ``time``, ``latitude`` and ``longitude`` are required; ``#`` comment lines on top are
  skipped).

Magnitude type names are normalised to ``mb``, ``ML`` and ``Ms`` through
:data:`MAGNITUDE_ALIASES` (case-insensitive, so the ISC's ``MB``, ``MS`` and ``ML`` count; the
broadband ``mB`` is kept apart); other types are kept under their own name.
Events without an epicentre are skipped with a :class:`DataQualityWarning`.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from obspy import Catalog, UTCDateTime, read_events

from openndc.model.errors import DataQualityWarning, ScenarioError

__all__ = [
    "MAGNITUDE_ALIASES",
    "ScoredEvent",
    "events_from_catalog",
    "events_from_frame",
    "implausible",
    "read_scored_events",
]

#: Spellings of magnitude types (lower case) mapped to OpenNDC's names.
MAGNITUDE_ALIASES: Mapping[str, str] = {
    "mb": "mb",
    "mb_idc": "mb",
    "mb1": "mb",
    "ml": "ML",
    "ml_idc": "ML",
    "ms": "Ms",
    "ms_20": "Ms",
    "ms_idc": "Ms",
    "ms1": "Ms",
}

#: Other spellings of bulletin CSV columns (the scenario ``--events`` list).
_COLUMN_ALIASES = {"id": "event_id", "depth_km": "depth", "ml": "ML", "ms": "Ms"}

_QUAKEML_SUFFIXES = (".xml", ".quakeml", ".qml")
_IMS_SUFFIXES = (".txt", ".ims", ".isf", ".bul", ".ims1")


@dataclass(frozen=True, slots=True)
class ScoredEvent:
    """One event as the scorer compares it.

    ``time`` origin time [UTC]; ``latitude``/``longitude`` [deg]; ``depth_km`` [km] (NaN when
    unknown); ``magnitudes`` maps a type (``mb``, ``ML``, ``Ms``, or another name) to a value;
    ``event_type`` is a QuakeML event type or ``""`` when not given.
    """

    id: str
    time: UTCDateTime
    latitude: float
    longitude: float
    depth_km: float = math.nan
    magnitudes: Mapping[str, float] = field(default_factory=dict)
    event_type: str = ""


def implausible(event: ScoredEvent) -> str:
    """Why ``event`` cannot be a real event ("" when it can): latitude outside [-90, 90],
    longitude outside [-180, 180], depth outside [-10, 800] km, a time before 1900 or more
    than a day in the future, a magnitude outside [-3, 10]."""
    if not -90.0 <= event.latitude <= 90.0:
        return f"latitude {event.latitude:g} outside [-90, 90]"
    if not -180.0 <= event.longitude <= 180.0:
        return f"longitude {event.longitude:g} outside [-180, 180]"
    if not math.isnan(event.depth_km) and not -10.0 <= event.depth_km <= 800.0:
        return f"depth {event.depth_km:g} km outside [-10, 800]"
    if event.time.year < 1900 or event.time > UTCDateTime() + 86400:
        return f"time {event.time} before 1900 or in the future"
    for name, value in event.magnitudes.items():
        if not -3.0 <= value <= 10.0:
            return f"magnitude {name} {value:g} outside [-3, 10]"
    return ""


def _keep(out: list[ScoredEvent], event: ScoredEvent, source: str, what: str) -> None:
    """Append ``event`` unless it is implausible (then warn, naming ``what``)."""
    why = implausible(event)
    if why:
        warnings.warn(f"{source}: {what}: {why}; skipped", DataQualityWarning, stacklevel=3)
        return
    out.append(event)


def _magnitude_name(raw: str | None) -> str:
    text = (raw or "").strip()
    if not text:
        return ""
    if text.startswith("mB"):  # broadband body-wave magnitude, not mb
        return text
    return MAGNITUDE_ALIASES.get(text.lower(), text)


def _float(value: Any) -> float:
    if value is None:
        return math.nan
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def _origin_magnitudes(event: Any, origin: Any) -> dict[str, float]:
    """Magnitudes of ``origin`` or of no stated origin; else the preferred magnitude alone.

    Magnitudes computed for another origin (another agency's, an earlier solution) are not
    used: they belong to a different hypocentre.
    """
    origin_id = str(origin.resource_id.id) if origin.resource_id else ""
    preferred = event.preferred_magnitude()
    own = [m for m in event.magnitudes if m.origin_id is None or str(m.origin_id.id) == origin_id]
    # The preferred magnitude first when it is one of them, then in file order.
    own.sort(key=lambda m: 0 if m is preferred else 1)
    if not own and preferred is not None:
        own = [preferred]
    mags: dict[str, float] = {}
    for mag in own:
        name = _magnitude_name(mag.magnitude_type)
        value = _float(mag.mag)
        if name and not math.isnan(value) and name not in mags:
            mags[name] = value
    return mags


def events_from_catalog(catalog: Catalog, source: str = "catalog") -> list[ScoredEvent]:
    """ScoredEvents from an ObsPy :class:`~obspy.core.event.Catalog` (QuakeML or IMS1.0).

    Depth is converted from [m] to [km]. Events without an origin or epicentre are skipped
    with a :class:`DataQualityWarning` naming ``source``.
    """
    out: list[ScoredEvent] = []
    for number, event in enumerate(catalog):
        ev_id = str(event.resource_id.id).rsplit("/", 1)[-1] if event.resource_id else ""
        origin = event.preferred_origin() or (event.origins[0] if event.origins else None)
        if (
            origin is None
            or origin.time is None
            or origin.latitude is None
            or origin.longitude is None
        ):
            warnings.warn(
                f"{source}: event {number} ({ev_id or 'no id'}) has no origin with time and "
                "epicentre; skipped",
                DataQualityWarning,
                stacklevel=2,
            )
            continue
        mags = _origin_magnitudes(event, origin)
        depth_m = _float(origin.depth)
        scored = ScoredEvent(
            id=ev_id or f"{number}",
            time=UTCDateTime(origin.time),
            latitude=float(origin.latitude),
            longitude=float(origin.longitude),
            depth_km=depth_m / 1000.0,
            magnitudes=mags,
            event_type=str(event.event_type or ""),
        )
        _keep(out, scored, source, f"event {number} ({ev_id or 'no id'})")
    return out


def events_from_frame(frame: pd.DataFrame, source: str = "table") -> list[ScoredEvent]:
    """ScoredEvents from a bulletin CSV table (:data:`~openndc.model.event.EVENT_COLUMNS`).

    ``time`` (ISO 8601 UTC), ``latitude`` and ``longitude`` [deg] are required; ``depth`` [km],
    ``event_id``, ``mb``, ``ML``, ``Ms`` and ``event_type`` are used when present. The
    scenario event list's spellings (``id``, ``depth_km``, ``ml``, ``ms``) are accepted too.
    """
    aliases = {k: v for k, v in _COLUMN_ALIASES.items() if k in frame and v not in frame}
    frame = frame.rename(columns=aliases)
    missing = [c for c in ("time", "latitude", "longitude") if c not in frame.columns]
    if missing:
        raise ScenarioError(
            f"{source}: bulletin table lacks column(s) {missing}; the bulletin CSV needs at "
            "least time, latitude and longitude (see openndc.model.event.EVENT_COLUMNS)"
        )
    mag_columns = [c for c in frame.columns if c in ("mb", "ML", "Ms")]
    out: list[ScoredEvent] = []
    for number, row in enumerate(frame.to_dict("records")):
        lat, lon = _float(row["latitude"]), _float(row["longitude"])
        try:
            time = UTCDateTime(str(row["time"]))
        except Exception:
            time = None
        if time is None or math.isnan(lat) or math.isnan(lon):
            warnings.warn(
                f"{source}: row {number + 1} has no valid time/latitude/longitude; skipped",
                DataQualityWarning,
                stacklevel=2,
            )
            continue
        mags = {c: _float(row[c]) for c in mag_columns if not math.isnan(_float(row[c]))}
        ev_id = row.get("event_id")
        ev_type = row.get("event_type")
        scored = ScoredEvent(
            id=str(ev_id) if isinstance(ev_id, str) and ev_id else f"{number + 1}",
            time=time,
            latitude=lat,
            longitude=lon,
            depth_km=_float(row.get("depth")),
            magnitudes=mags,
            event_type=str(ev_type) if isinstance(ev_type, str) else "",
        )
        _keep(out, scored, source, f"row {number + 1}")
    return out


def _read_csv(data: bytes, source: str) -> list[ScoredEvent]:
    lines = data.decode("utf-8-sig").splitlines(keepends=True)
    skip = 0
    for line in lines:
        if not line.startswith("#"):
            break
        skip += 1
    text = "".join(lines[skip:])
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype={"event_id": str, "id": str, "event_type": str}
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise ScenarioError(f"{source}: cannot read the bulletin CSV: {exc}") from exc
    return events_from_frame(frame, source)


def _sniff(data: bytes, name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in _QUAKEML_SUFFIXES:
        return "quakeml"
    if suffix in _IMS_SUFFIXES:
        return "ims"
    head = data[:4096].lstrip().decode("utf-8", errors="replace")
    if head.startswith("<?xml") or "<q:quakeml" in head or "<quakeml" in head.lower():
        return "quakeml"
    upper = head.upper()
    if "DATA_TYPE BULLETIN" in upper or upper.startswith("BEGIN IMS"):
        return "ims"
    first = head.splitlines()[0] if head else ""
    if ("time" in first and "latitude" in first and "," in first) or head.startswith("#"):
        return "csv"
    return ""


def read_scored_events(source: str | Path | bytes, name: str = "") -> list[ScoredEvent]:
    """Read a bulletin or a truth file into :class:`ScoredEvent` records.

    ``source`` is a path or the file's bytes (``name`` then gives its file name, used to
    choose the format and in messages). The format is chosen by extension (``.csv``;
    ``.xml``/``.quakeml``/``.qml``; ``.txt``/``.ims``/``.isf``/``.bul``) and, failing that,
    by content. Raises :class:`ScenarioError` when the file cannot be read.
    """
    if isinstance(source, bytes):
        data, label = source, name or "<bytes>"
    else:
        path = Path(source)
        label = str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ScenarioError(f"{path}: cannot read bulletin: {exc}") from exc
        name = name or path.name
    kind = _sniff(data, name or label)
    if kind == "csv":
        return _read_csv(data, label)
    if kind in ("quakeml", "ims"):
        fmt = "QUAKEML" if kind == "quakeml" else "IMS10BULLETIN"
        try:
            with warnings.catch_warnings():
                # ObsPy's IMS reader warns on every incomplete block; we report skips ourselves.
                warnings.simplefilter("ignore", UserWarning)
                catalog = read_events(io.BytesIO(data), format=fmt)
        except Exception as exc:  # ObsPy raises many types on malformed input
            raise ScenarioError(
                f"{label}: cannot read as {'QuakeML' if kind == 'quakeml' else 'IMS1.0'}: {exc}"
            ) from exc
        return events_from_catalog(catalog, label)
    raise ScenarioError(
        f"{label}: unknown bulletin format; use QuakeML (.xml), IMS1.0 (.txt/.ims/.isf) or "
        "the bulletin CSV (.csv)"
    )
