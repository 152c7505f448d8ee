"""CSS3.0 ``arrival`` tables: the IDC's detections as detections.

The IDC and the NDCs that run its software keep detections in the CSS3.0 ``arrival``
relation (Anderson et al. 1990, *Center for Seismic Studies Version 3 Database: Schema
Reference Manual*, SAIC-90/1235; the IDC's extended schema keeps its columns): one row per
detection, fields in this order::

    sta time arid jdate stassid chanid chan iphase stype deltim azimuth delaz slow delslo
    ema rect amp per logat clip fm snr qual auth commid lddate

Rows are read by whitespace-separated fields, as :mod:`openndc.io.css` reads wfdisc rows
(CSS null values are ``-`` and ``-1``, so no field is empty); a row needs the fields up to
``snr``. Units are the schema's: ``time`` epoch seconds, ``deltim`` [s], ``azimuth`` and
``delaz`` [deg] (the back-azimuth, station to source), ``slow`` and ``delslo`` [s/deg],
``ema`` [deg from vertical], ``amp`` [nm], ``per`` [s]. A null value (``-1`` for these
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

__all__ = ["ARRIVAL_FIELDS", "is_arrival_table", "read_arrival_table"]

#: The CSS3.0 arrival fields, in order.
ARRIVAL_FIELDS = (
    "sta", "time", "arid", "jdate", "stassid", "chanid", "chan", "iphase", "stype", "deltim",
    "azimuth", "delaz", "slow", "delslo", "ema", "rect", "amp", "per", "logat", "clip", "fm",
    "snr", "qual", "auth", "commid", "lddate",
)  # fmt: skip
#: Fields a row needs: up to ``snr``.
_MIN_FIELDS = ARRIVAL_FIELDS.index("snr") + 1
_COL = {name: k for k, name in enumerate(ARRIVAL_FIELDS)}
_ONSET: dict[str, Onset] = {"i": "impulsive", "e": "emergent", "w": "questionable"}
_POLARITY: dict[str, Polarity] = {"c": "positive", "d": "negative"}


def is_arrival_table(path: str | Path) -> bool:
    """Whether ``path`` names a CSS3.0 arrival table (``*.arrival``)."""
    return Path(path).suffix.lower() == ".arrival"


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


def _detection(fields: list[str]) -> Detection:
    f = {name: fields[k] for name, k in _COL.items() if k < len(fields)}
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
    out: list[Detection] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) < _MIN_FIELDS:
            raise OpenNDCError(
                f"{path}:{lineno}: a CSS3.0 arrival row has at least {_MIN_FIELDS} fields "
                f"(sta ... snr), this one {len(fields)}"
            )
        try:
            out.append(_detection(fields))
        except (ValueError, TypeError) as exc:
            raise OpenNDCError(f"{path}:{lineno}: not a CSS3.0 arrival row: {exc}") from exc
    out.sort(key=lambda d: (d.time, d.station))
    return out
