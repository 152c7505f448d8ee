"""The detections table: CSV or Parquet, columns as specified by ``DETECTION_COLUMNS``.

The format is chosen by the file extension (``.csv`` or ``.parquet``). Times are ISO 8601
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

from openndc.model.detection import DETECTION_COLUMNS, PHASES, Detection
from openndc.model.errors import DataQualityWarning, OpenNDCError

__all__ = ["detections_to_frame", "frame_to_detections", "read_detections", "write_detections"]

_COLUMNS = [c.name for c in DETECTION_COLUMNS]
_FLOAT = [c.name for c in DETECTION_COLUMNS if c.dtype == "float"]
_STR = [c.name for c in DETECTION_COLUMNS if c.dtype == "str"]


def detections_to_frame(detections: Iterable[Detection]) -> pd.DataFrame:
    """A DataFrame with exactly the documented columns, sorted by time."""
    frame = pd.DataFrame([d.as_record() for d in detections], columns=_COLUMNS)
    frame[_FLOAT] = frame[_FLOAT].astype("float64")
    frame[_STR] = frame[_STR].fillna("").astype(str)
    return frame.sort_values(["time", "station"], kind="stable").reset_index(drop=True)


def frame_to_detections(frame: pd.DataFrame, source: str = "table") -> list[Detection]:
    """Detections from a table with (a subset of) the documented columns.

    ``time`` and ``station`` are required; other columns are optional.
    """
    missing = {"time", "station"} - set(frame.columns)
    if missing:
        raise OpenNDCError(f"{source}: detections table lacks column(s) {sorted(missing)}")
    out: list[Detection] = []
    known = set(_COLUMNS) & set(frame.columns)
    bad_phases: dict[str, int] = {}
    for i, row in enumerate(frame.to_dict("records")):
        kwargs: dict[str, Any] = {}
        for name in known:
            value = row[name]
            if name == "time":
                kwargs[name] = _to_time(value)
            elif name in _FLOAT:
                kwargs[name] = _to_float(value)
            else:
                kwargs[name] = "" if _is_missing(value) else str(value)
        if kwargs["time"] is None or not kwargs.get("station"):
            what = "time" if kwargs["time"] is None else "station"
            warnings.warn(
                f"{source}: row {i}: no usable {what} ({row.get(what)!r}): row skipped",
                DataQualityWarning,
                stacklevel=2,
            )
            continue
        phase = kwargs.get("phase", "")
        if phase not in PHASES:
            bad_phases[phase] = bad_phases.get(phase, 0) + 1
            kwargs["phase"] = ""
        if kwargs.get("method", "stalta") not in ("stalta", "beam", "3c"):
            kwargs["method"] = "stalta"
        for name in ("network", "location", "channel"):
            kwargs.setdefault(name, "")
        out.append(Detection(**kwargs))
    for phase, n in sorted(bad_phases.items()):
        warnings.warn(
            f"{source}: unknown phase code {phase!r} on {n} row(s): treated as unnamed "
            f"(association names it); known codes: {' '.join(p for p in PHASES if p)}",
            DataQualityWarning,
            stacklevel=2,
        )
    return out


def _to_time(value: Any) -> UTCDateTime | None:
    if _is_missing(value) or value == "":
        return None
    try:
        return UTCDateTime(str(value))
    except Exception:
        return None


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _to_float(value: Any) -> float:
    if _is_missing(value) or value == "":
        return math.nan
    return float(value)


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
    """Read a detections table written by :func:`write_detections` (or by another tool)."""
    path = Path(path)
    if not path.is_file():
        raise OpenNDCError(f"{path}: no such detections table")
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
            raise OpenNDCError(f"{path}: unknown table format {suffix!r}; use .csv or .parquet")
    except (ValueError, OSError) as exc:
        raise OpenNDCError(f"{path}: cannot read detections table: {exc}") from exc
    for name in _STR:
        if name in frame.columns:
            frame[name] = frame[name].fillna("").astype(str)
    return frame
