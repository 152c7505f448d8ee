"""The detections table: CSV or Parquet, columns as specified by ``DETECTION_COLUMNS``.

The format is chosen by the file extension (``.csv`` or ``.parquet``; a CSS3.0 ``.arrival``
table, the IDC's detections, is read as one). Times are ISO 8601
UTC strings with microseconds (``2016-01-06T01:31:20.125000Z``); missing numbers are empty
(CSV) or null (Parquet). A provenance record is stored beside the table: as ``#`` comment
lines at the top of the CSV, or as Parquet key-value metadata (key ``openndc``).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from obspy import UTCDateTime

from openndc.io.css_arrival import is_arrival_table, read_arrival_table
from openndc.model.detection import DETECTION_COLUMNS, TABLE_PHASES, Detection
from openndc.model.errors import DataQualityWarning, OpenNDCError

__all__ = [
    "COLUMN_RANGES",
    "EARLIEST",
    "detections_to_frame",
    "frame_to_detections",
    "read_detections",
    "write_detections",
]

_COLUMNS = [c.name for c in DETECTION_COLUMNS]
_FLOAT = [c.name for c in DETECTION_COLUMNS if c.dtype == "float"]
_STR = [c.name for c in DETECTION_COLUMNS if c.dtype == "str"]
#: Coded columns: their allowed values (empty: not reported, None in the model).
_CODED = {c.name: c.choices for c in DETECTION_COLUMNS if c.choices}


def detections_to_frame(detections: Iterable[Detection]) -> pd.DataFrame:
    """A DataFrame with exactly the documented columns, sorted by time."""
    frame = pd.DataFrame([d.as_record() for d in detections], columns=_COLUMNS)
    frame[_FLOAT] = frame[_FLOAT].astype("float64")
    frame[_STR] = frame[_STR].fillna("").astype(str)
    return frame.sort_values(["time", "station"], kind="stable").reset_index(drop=True)


#: Valid range of each numeric column (inclusive); a value outside rejects the row.
COLUMN_RANGES: dict[str, tuple[float, float]] = {
    "time_uncertainty": (0.0, 3600.0),
    "snr": (0.0, math.inf),
    "amplitude": (0.0, math.inf),
    "period": (0.0, 1000.0),
    "amplitude_wa": (0.0, math.inf),
    "backazimuth": (0.0, 360.0),
    "backazimuth_uncertainty": (0.0, 360.0),
    "slowness": (0.0, 1000.0),  # infrasound ~330 s/deg
    "slowness_uncertainty": (0.0, 1000.0),
    "fstat": (0.0, math.inf),
    "rectilinearity": (0.0, 1.0),
    "incidence": (0.0, 180.0),
    "freq_min": (0.0, 1000.0),
    "freq_max": (0.0, 1000.0),
    "dominant_frequency": (0.0, 1000.0),
}
#: Earliest onset time accepted; the latest is one day after now.
EARLIEST = UTCDateTime(1900, 1, 1)
_MAX_ROW_WARNINGS = 20


def frame_to_detections(frame: pd.DataFrame, source: str = "table") -> list[Detection]:
    """Detections from a table with (a subset of) the documented columns.

    ``time`` and ``station`` are required; other columns are optional. A row is rejected,
    with a :class:`DataQualityWarning` naming the row, the column and the value, when its
    time is missing, unreadable, before 1900 or more than a day in the future, when a number
    is unreadable (text in a numeric column) or outside :data:`COLUMN_RANGES`. Repeated rows
    (same stream, time and phase) are kept once and counted in a warning.
    """
    missing = {"time", "station"} - set(frame.columns)
    if missing:
        raise OpenNDCError(f"{source}: detections table lacks column(s) {sorted(missing)}")
    out: list[Detection] = []
    known = set(_COLUMNS) & set(frame.columns)
    bad_phases: dict[str, int] = {}
    rejected: list[str] = []
    seen: set[tuple[str, str, str, str, int, str]] = set()
    duplicates = 0
    latest = UTCDateTime() + 86400
    for i, row in enumerate(frame.to_dict("records")):
        kwargs, why = _row(row, known, latest)
        if why:
            rejected.append(f"row {i}: {why}")
            continue
        phase = kwargs.get("phase", "")
        if phase not in TABLE_PHASES:
            bad_phases[phase] = bad_phases.get(phase, 0) + 1
            kwargs["phase"] = ""
        if kwargs.get("method", "stalta") not in ("stalta", "beam", "3c"):
            kwargs["method"] = "stalta"
        for name in ("network", "location", "channel", "phase"):
            kwargs.setdefault(name, "")
        key = (
            kwargs["network"],
            kwargs["station"],
            kwargs["location"],
            kwargs["channel"],
            kwargs["time"].ns,
            kwargs["phase"],
        )
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        out.append(Detection(**kwargs))
    _warn_rows(source, rejected, bad_phases, duplicates)
    return out


def _row(
    row: Mapping[Any, Any], known: set[str], latest: UTCDateTime
) -> tuple[dict[str, Any], str]:
    """The Detection fields of one table row, or the reason it is rejected."""
    kwargs: dict[str, Any] = {}
    for name in known:
        value = row[name]
        if name == "time":
            t = _to_time(value)
            if t is None:
                return kwargs, f"no usable time ({value!r})"
            if not EARLIEST <= t <= latest:
                return kwargs, f"time {t} is before 1900 or in the future"
            kwargs[name] = t
        elif name in _FLOAT:
            x = _to_float(value)
            if x is None:
                return kwargs, f"{name} {value!r} is not a number"
            lo, hi = COLUMN_RANGES.get(name, (-math.inf, math.inf))
            if not math.isnan(x) and not lo <= x <= hi:
                return kwargs, f"{name} = {x:g} is outside [{lo:g}, {hi:g}]"
            kwargs[name] = x
        elif name in _CODED:
            code = "" if _is_missing(value) else str(value).strip()
            if code and code not in _CODED[name]:
                return kwargs, f"{name} {code!r} is not one of {', '.join(_CODED[name])} or empty"
            kwargs[name] = code or None
        else:
            kwargs[name] = "" if _is_missing(value) else str(value).strip()
    if not kwargs.get("station"):
        return kwargs, f"no usable station ({row.get('station')!r})"
    return kwargs, ""


def _warn_rows(
    source: str, rejected: list[str], bad_phases: dict[str, int], duplicates: int
) -> None:
    for text in rejected[:_MAX_ROW_WARNINGS]:
        warnings.warn(f"{source}: {text}: row skipped", DataQualityWarning, stacklevel=3)
    if len(rejected) > _MAX_ROW_WARNINGS:
        warnings.warn(
            f"{source}: {len(rejected)} rows skipped in all (first {_MAX_ROW_WARNINGS} shown)",
            DataQualityWarning,
            stacklevel=3,
        )
    if duplicates:
        warnings.warn(
            f"{source}: {duplicates} repeated row(s) (same stream, time and phase) kept once",
            DataQualityWarning,
            stacklevel=3,
        )
    for phase, n in sorted(bad_phases.items()):
        warnings.warn(
            f"{source}: unknown phase code {phase!r} on {n} row(s): treated as unnamed "
            f"(association names it); known codes: {' '.join(sorted(TABLE_PHASES - {''}))}",
            DataQualityWarning,
            stacklevel=3,
        )


def _to_time(value: Any) -> UTCDateTime | None:
    if _is_missing(value) or value == "":
        return None
    try:
        return UTCDateTime(str(value).strip())
    except Exception:
        return None


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _to_float(value: Any) -> float | None:
    """The number in ``value`` (NaN when empty), or None when it is not a number."""
    if _is_missing(value) or (isinstance(value, str) and not value.strip()):
        return math.nan
    if isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if not math.isinf(x) else None


def write_detections(
    detections: Iterable[Detection] | pd.DataFrame,
    path: str | Path,
    provenance: Mapping[str, Any] | None = None,
) -> Path:
    """Write the detections table to ``path`` (``.csv`` or ``.parquet``)."""
    path = Path(path)
    frame = detections if isinstance(detections, pd.DataFrame) else detections_to_frame(detections)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = json.dumps(dict(provenance or {}), default=str)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            for line in _header_lines(meta):
                fh.write(line + "\n")
            frame.to_csv(fh, index=False, float_format="%.6g")
    elif suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"openndc": meta})
        pq.write_table(table, path)
    else:
        raise OpenNDCError(f"{path}: unknown table format {suffix!r}; use .csv or .parquet")
    return path


def _header_lines(meta: str) -> list[str]:
    lines = ["# OpenNDC detections table; columns and units: docs/detection.md"]
    lines += [f"# {c.name} [{c.unit}]: {c.description}" for c in DETECTION_COLUMNS if c.unit]
    lines.append(f"# provenance: {meta}")
    return lines


def read_detections(path: str | Path) -> pd.DataFrame:
    """Read a detections table written by :func:`write_detections` (or by another tool),
    or a CSS3.0 ``arrival`` table (``*.arrival``: the IDC's detections,
    :mod:`openndc.io.css_arrival`) as one with the documented columns."""
    path = Path(path)
    if not path.is_file():
        raise OpenNDCError(f"{path}: no such detections table")
    if is_arrival_table(path):
        return detections_to_frame(read_arrival_table(path))
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8") as fh:
                skip = 0
                for line in fh:
                    if not line.startswith("#"):
                        break
                    skip += 1
            frame = pd.read_csv(path, skiprows=skip, dtype={c: str for c in _STR})
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            raise OpenNDCError(
                f"{path}: unknown table format {suffix!r}; use .csv, .parquet or a CSS3.0 "
                ".arrival table"
            )
    except (ValueError, OSError) as exc:
        raise OpenNDCError(f"{path}: cannot read detections table: {exc}") from exc
    for name in _STR:
        if name in frame.columns:
            frame[name] = frame[name].fillna("").astype(str)
    return frame
