"""The bulletin CSV format: one row per event with the columns of :data:`EVENT_COLUMNS`.

Times are ISO 8601 UTC with microseconds, floats are written exactly (shortest repr),
missing values are empty. The CSV carries the preferred origin, the network magnitudes
mb, ML and Ms (value, spread, number of stations), event type, review status and author;
no arrivals or station magnitudes.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

from obspy import UTCDateTime

from openndc.bulletin.formats._common import event_type_or_default, finite
from openndc.model.errors import BulletinError
from openndc.model.event import (
    EVENT_COLUMNS,
    MAGNITUDE_TYPES,
    Bulletin,
    ErrorEllipse,
    Event,
    NetworkMagnitude,
    Origin,
)
from openndc.model.provenance import Provenance

__all__ = ["event_record", "read_csv", "write_csv"]

_NAMES = tuple(c.name for c in EVENT_COLUMNS)


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return "" if value is None else str(value)


def event_record(event: Event) -> dict[str, str]:
    """One event as a CSV row (column name → text)."""
    o = event.origin
    e = o.ellipse
    prov = o.provenance or event.provenance
    rec: dict[str, Any] = {
        "event_id": event.id,
        "time": o.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "latitude": float(o.latitude),
        "longitude": float(o.longitude),
        "depth": float(o.depth_km),
        "depth_fixed": bool(o.depth_fixed),
        "time_uncertainty": float(o.time_uncertainty),
        "depth_uncertainty": float(o.depth_uncertainty_km),
        "semi_major": math.nan if e is None else float(e.semi_major_km),
        "semi_minor": math.nan if e is None else float(e.semi_minor_km),
        "ellipse_azimuth": math.nan if e is None else float(e.azimuth),
        "n_defining": o.n_defining,
        "n_stations": o.n_stations,
        "gap": float(o.gap),
        "rms": float(o.rms),
        "event_type": event.event_type,
        "review_status": event.review_status,
        "author": prov.author if prov is not None else "",
    }
    for kind in MAGNITUDE_TYPES:
        mag = event.magnitude(kind)
        rec[kind] = math.nan if mag is None else float(mag.value)
        rec[f"{kind}_uncertainty"] = math.nan if mag is None else float(mag.uncertainty)
        rec[f"{kind}_n"] = None if mag is None else mag.n_stations
    return {name: _fmt(rec[name]) for name in _NAMES}


def write_csv(bulletin: Bulletin, path: str | Path) -> None:
    """Write the bulletin CSV (columns :data:`EVENT_COLUMNS`)."""
    try:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=_NAMES, lineterminator="\n")
            writer.writeheader()
            for event in bulletin.sorted().events:
                writer.writerow(event_record(event))
    except OSError as exc:
        raise BulletinError(f"{path}: cannot write the bulletin CSV: {exc}") from exc


def _float(row: dict[str, str], name: str) -> float:
    text = (row.get(name) or "").strip()
    return float(text) if text else math.nan


def _int(row: dict[str, str], name: str) -> int | None:
    """An integer column; None when empty (not given)."""
    text = (row.get(name) or "").strip()
    return int(float(text)) if text else None


def _event(row: dict[str, str]) -> Event:
    smaj, smin = _float(row, "semi_major"), _float(row, "semi_minor")
    ellipse = None
    if finite(smaj) or finite(smin):
        ellipse = ErrorEllipse(smaj, smin, _float(row, "ellipse_azimuth"))
    author = (row.get("author") or "").strip()
    prov = (
        Provenance(
            method="bulletin CSV", software_version="", author=author, created=UTCDateTime(0)
        )
        if author
        else None
    )
    origin = Origin(
        time=UTCDateTime(row["time"]),
        latitude=_float(row, "latitude"),
        longitude=_float(row, "longitude"),
        depth_km=_float(row, "depth"),
        time_uncertainty=_float(row, "time_uncertainty"),
        depth_uncertainty_km=_float(row, "depth_uncertainty"),
        depth_fixed=_int(row, "depth_fixed") == 1,
        ellipse=ellipse,
        rms=_float(row, "rms"),
        n_defining=_int(row, "n_defining"),
        n_stations=_int(row, "n_stations"),
        gap=_float(row, "gap"),
        provenance=prov,
    )
    mags = tuple(
        NetworkMagnitude(
            magnitude_type=kind,  # type: ignore[arg-type]
            value=_float(row, kind),
            uncertainty=_float(row, f"{kind}_uncertainty"),
            n_stations=_int(row, f"{kind}_n"),
        )
        for kind in MAGNITUDE_TYPES
        if finite(_float(row, kind))
    )
    status = (row.get("review_status") or "").strip()
    if status not in ("", "automatic", "reviewed"):
        raise ValueError(f"review_status {status!r} is not automatic, reviewed or empty")
    return Event(
        id=row["event_id"].strip(),
        origin=origin,
        magnitudes=mags,
        event_type=event_type_or_default(row.get("event_type")),
        review_status="reviewed" if status == "reviewed" else "automatic" if status else None,
    )


def read_csv(path: str | Path) -> Bulletin:
    """Read a bulletin CSV; only ``event_id``, ``time``, ``latitude``, ``longitude``
    are required, other columns may be absent or empty."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = {"event_id", "time", "latitude", "longitude"} - set(reader.fieldnames or ())
            if missing:
                raise BulletinError(
                    f"{path}: bulletin CSV lacks column(s) {sorted(missing)}; "
                    f"expected the columns of EVENT_COLUMNS: {', '.join(_NAMES)}"
                )
            events = []
            for lineno, row in enumerate(reader, 2):
                try:
                    events.append(_event(row))
                except (ValueError, KeyError, TypeError, OverflowError) as exc:
                    raise BulletinError(f"{path}:{lineno}: bad bulletin row: {exc}") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BulletinError(f"{path}: cannot read the bulletin CSV: {exc}") from exc
    return Bulletin(events=tuple(events), name=Path(path).stem)
