"""CSS3.0 ``arrival`` tables: the IDC's detections as detections.

The IDC and the NDCs that run its software keep detections in the CSS3.0 ``arrival``
relation (Anderson et al. 1990, *Center for Seismic Studies Version 3 Database: Schema
Reference Manual*, SAIC-90/1235; the IDC's extended schema keeps its columns): one row per
detection, fields in this order::

    sta time arid jdate stassid chanid chan iphase stype deltim azimuth delaz slow delslo
    ema rect amp per logat clip fm snr qual auth commid lddate

Rows are read by whitespace-separated fields, as :mod:`openndc.io.css` reads wfdisc rows
(CSS null values are ``-`` and ``-1``, so no field is empty); a row needs the fields up to
``snr``. A table whose first line is a ``#`` header naming arrival columns (the KB Core
flat files of Sandia's LocOO3D, e.g. ``#ARID STA JDATE TIME DELTIM AZIMUTH DELAZ SLOW
DELSLO``, tab-separated) is read by those columns, in any order; it needs ``sta`` and
``time``, and the columns it lacks are null. Units are the schema's: ``time`` epoch
seconds, ``deltim`` [s], ``azimuth`` and ``delaz`` [deg] (the back-azimuth, station to
source), ``slow`` and ``delslo`` [s/deg], ``ema`` [deg from vertical], ``amp`` [nm],
``per`` [s]. A null value (``-1`` for these
numbers, ``-`` for text) is a missing measurement. ``iphase`` is the detection's phase;
``fm``'s first character ``c`` / ``d`` (compression / dilatation) is the polarity and
``qual`` ``i`` / ``e`` / ``w`` the onset (impulsive / emergent / questionable). CSS3.0 has
no network code: the detections name none and match the inventory's station by its code.
Who made a detection (an analyst or the automatic system) the table does not say.
"""

from __future__ import annotations

import math
from pathlib import Path

from obspy import UTCDateTime

from openndc.model.detection import Detection, Onset, Polarity
from openndc.model.errors import OpenNDCError

__all__ = ["ARRIVAL_FIELDS", "header_columns", "is_arrival_table", "read_arrival_table"]

#: The CSS3.0 arrival fields, in order.
ARRIVAL_FIELDS = (
    "sta", "time", "arid", "jdate", "stassid", "chanid", "chan", "iphase", "stype", "deltim",
    "azimuth", "delaz", "slow", "delslo", "ema", "rect", "amp", "per", "logat", "clip", "fm",
    "snr", "qual", "auth", "commid", "lddate",
)  # fmt: skip
#: Fields a row needs: up to ``snr``.
_MIN_FIELDS = ARRIVAL_FIELDS.index("snr") + 1
#: Null values of the fields a headed table may lack (text ``-``, numbers ``-1``).
_NULL = {name: "-" if name in ("sta", "chan", "iphase", "stype", "fm", "qual", "auth", "lddate")
         else "-1" for name in ARRIVAL_FIELDS}  # fmt: skip
_ONSET: dict[str, Onset] = {"i": "impulsive", "e": "emergent", "w": "questionable"}
_POLARITY: dict[str, Polarity] = {"c": "positive", "d": "negative"}


def is_arrival_table(path: str | Path) -> bool:
    """Whether ``path`` names a CSS3.0 arrival table: ``*.arrival``, or a text file whose
    first line is a header naming arrival columns (:func:`header_columns`)."""
    path = Path(path)
    if path.suffix.lower() == ".arrival":
        return True
    try:
        with path.open("r", encoding="ascii", errors="replace") as f:
            first = f.readline(4096)
    except OSError:
        return False
    return header_columns(first) is not None


def header_columns(line: str) -> list[str] | None:
    """The arrival columns a ``#`` header line names (lower case, in order), or ``None``
    where it is no such header: every name an arrival field, ``sta`` and ``time`` among
    them."""
    if not line.startswith("#"):
        return None
    names = [x.lower() for x in line[1:].split()]
    if not {"sta", "time"} <= set(names) or not set(names) <= set(ARRIVAL_FIELDS):
        return None
    return names


def _number(f: dict[str, str], name: str) -> float:
    try:
        return float(f[name])
    except ValueError:
        raise ValueError(f"{name} {f[name]!r} is not a number") from None


def _measured(f: dict[str, str], name: str) -> float:
    """A CSS3.0 measurement; NaN for its null values (negative: -1, -999)."""
    v = _number(f, name)
    return v if math.isfinite(v) and v >= 0.0 else math.nan


def _text(text: str) -> str:
    return "" if text == "-" else text


def _detection(f: dict[str, str]) -> Detection:
    """The detection of one row, ``f`` its fields by name (absent: null)."""
    f = {**_NULL, **f}
    amp = _measured(f, "amp")
    baz = _measured(f, "azimuth")
    return Detection(
        "",
        f["sta"],
        "",
        _text(f["chan"]),
        UTCDateTime(_number(f, "time")),
        time_uncertainty=_measured(f, "deltim"),
        phase=_text(f["iphase"]),
        snr=_measured(f, "snr"),
        amplitude=amp,
        amplitude_unit="nm" if math.isfinite(amp) else "",
        period=_measured(f, "per"),
        backazimuth=baz % 360.0 if math.isfinite(baz) else baz,
        backazimuth_uncertainty=_measured(f, "delaz"),
        slowness=_measured(f, "slow"),
        slowness_uncertainty=_measured(f, "delslo"),
        rectilinearity=_measured(f, "rect"),
        incidence=_measured(f, "ema"),
        onset=_ONSET.get(f.get("qual", "-")[:1].lower()),
        polarity=_POLARITY.get(f["fm"][:1].lower()),
        evaluation_mode=None,
    )


def read_arrival_table(path: str | Path) -> list[Detection]:
    """The detections of the CSS3.0 arrival table at ``path``, in time order (module
    docstring). Blank lines are skipped; a row that does not parse raises
    :class:`OpenNDCError` naming the file, the line and the field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise OpenNDCError(f"{path}: cannot read the arrival table: {exc}") from exc
    lines = text.splitlines()
    first = next((k for k, line in enumerate(lines, start=1) if line.strip()), 0)
    columns = header_columns(lines[first - 1]) if first else None
    out: list[Detection] = []
    for lineno, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields or (lineno == first and columns is not None):
            continue
        if columns is not None and len(fields) != len(columns):
            raise OpenNDCError(
                f"{path}:{lineno}: the header names {len(columns)} columns, this row has "
                f"{len(fields)} fields"
            )
        if columns is None and len(fields) < _MIN_FIELDS:
            raise OpenNDCError(
                f"{path}:{lineno}: a CSS3.0 arrival row has at least {_MIN_FIELDS} fields "
                f"(sta ... snr), this one {len(fields)}"
            )
        try:
            out.append(_detection(dict(zip(columns or ARRIVAL_FIELDS, fields, strict=False))))
        except (ValueError, TypeError) as exc:
            raise OpenNDCError(f"{path}:{lineno}: not a CSS3.0 arrival row: {exc}") from exc
    out.sort(key=lambda d: (d.time, d.station))
    return out
