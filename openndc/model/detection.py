"""Detections: what the detection stage hands to phase identification and association.

A detection is a signal onset on one station (or one array beam) with its measurements.
The column specification :data:`DETECTION_COLUMNS` is the file format of the detections
table written by ``openndc detect --out`` (CSV or Parquet): names, types, units, meaning.
Missing measurements are NaN (numbers) or empty (strings); a coded column (one with
``choices``: onset quality, polarity, evaluation mode) is ``None`` in the model, empty in the
table and NULL in the database when the source did not report it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from obspy import UTCDateTime

from openndc.model.phases import LATER_UNIDENTIFIED, UNIDENTIFIED
from openndc.model.provenance import Provenance

__all__ = [
    "AMPLITUDE_COLUMNS",
    "DETECTION_COLUMNS",
    "EVALUATION_MODES",
    "ONSETS",
    "PHASES",
    "POLARITIES",
    "TABLE_PHASES",
    "ColumnSpec",
    "Detection",
    "DetectionMethod",
    "EvaluationMode",
    "Onset",
    "Polarity",
]

#: Initial phase names the detection stage assigns (IDC conventions; ``N`` is noise).
PHASES = ("P", "Pn", "Pg", "PKP", "S", "Sn", "Lg", "Rg", "I", "N", "")
#: Phase codes a detections table may carry (one from another system, e.g. the IDC's CSS3.0
#: arrivals): :data:`PHASES` and the IASPEI standard names (Storchak et al. 2003, SRL 74(6))
#: of the first and later arrivals association places, hydroacoustic ``T`` / ``H`` and the
#: infrasound codes, the unidentified arrivals (``x``, ``rx``, ``tx``, ``Px``, ``Sx``). A
#: table's code outside these is read as unnamed.
TABLE_PHASES = frozenset(PHASES) | frozenset(
    {"Pb", "PKIKP", "PKiKP", "PKPab", "PKPbc", "PKPdf", "PKKP", "Pdiff", "pP", "sP", "pS",
     "sS", "PcP", "ScP", "PcS", "ScS", "SKP", "SKS", "PP", "SS", "PS", "SP", "Sg", "Sb",
     "Sdiff", "LR", "LQ", "T", "H", "HT", "Iw", "Is", "It", *UNIDENTIFIED, *LATER_UNIDENTIFIED}
)  # fmt: skip

DetectionMethod = Literal["stalta", "beam", "3c"]

#: Onset quality, spelled as QuakeML's ``PickOnset`` (IMS1.0 ``i``/``e``/``q``, CSS3.0
#: ``arrival.qual``).
ONSETS = ("impulsive", "emergent", "questionable")
Onset = Literal["impulsive", "emergent", "questionable"]
#: First-motion polarity, spelled as QuakeML's ``PickPolarity`` (IMS1.0 ``c`` compression
#: = positive, ``d`` dilatation = negative; CSS3.0 ``arrival.fm``).
POLARITIES = ("positive", "negative", "undecidable")
Polarity = Literal["positive", "negative", "undecidable"]
#: Who made the pick, QuakeML's ``EvaluationMode`` (IMS1.0 ``a``/``m``).
EVALUATION_MODES = ("automatic", "manual")
EvaluationMode = Literal["automatic", "manual"]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of a table format: name, type, unit, meaning.

    ``choices`` makes a string column coded: its value is one of them or missing (``None``
    in the model, empty in a table, NULL in the database).
    """

    name: str
    dtype: Literal["str", "float", "int", "time"]
    unit: str
    description: str
    choices: tuple[str, ...] = ()


DETECTION_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("network", "str", "", "SEED network code"),
    ColumnSpec("station", "str", "", "station code; for array beams the array code (e.g. MKAR)"),
    ColumnSpec("location", "str", "", "SEED location code (may be empty)"),
    ColumnSpec("channel", "str", "", "SEED channel code of the detecting channel or beam"),
    ColumnSpec("time", "time", "UTC", "onset time, ISO 8601 UTC with microseconds"),
    ColumnSpec("time_uncertainty", "float", "s", "1-sigma onset time uncertainty"),
    ColumnSpec(
        "phase", "str", "", "initial phase: P Pn Pg PKP S Sn Lg Rg I (infrasound), N (noise)"
    ),
    ColumnSpec("snr", "float", "", "STA/LTA-style signal-to-noise ratio in the detecting band"),
    ColumnSpec("amplitude", "float", "see amplitude_unit", "half peak-to-peak amplitude for mb"),
    ColumnSpec("amplitude_unit", "str", "", "'nm' (ground displacement) or 'counts'"),
    ColumnSpec("period", "float", "s", "period of the amplitude measurement"),
    ColumnSpec(
        "amplitude_wa",
        "float",
        "see amplitude_unit",
        "Wood-Anderson zero-to-peak amplitude for ML (horizontal where available)",
    ),
    ColumnSpec("backazimuth", "float", "deg", "back-azimuth, clockwise from north, 0-360"),
    ColumnSpec("backazimuth_uncertainty", "float", "deg", "1-sigma back-azimuth uncertainty"),
    ColumnSpec("slowness", "float", "s/deg", "apparent (horizontal) slowness"),
    ColumnSpec("slowness_uncertainty", "float", "s/deg", "1-sigma slowness uncertainty"),
    ColumnSpec("fstat", "float", "", "array F-statistic of the f-k/beam maximum"),
    ColumnSpec("rectilinearity", "float", "", "3-C polarization rectilinearity (0-1)"),
    ColumnSpec("incidence", "float", "deg", "3-C apparent incidence angle from vertical"),
    ColumnSpec("freq_min", "float", "Hz", "lower corner of the detecting band"),
    ColumnSpec("freq_max", "float", "Hz", "upper corner of the detecting band"),
    ColumnSpec("dominant_frequency", "float", "Hz", "dominant frequency of the first seconds"),
    ColumnSpec("method", "str", "", "stalta (single channel), beam (array), 3c"),
    ColumnSpec(
        "id",
        "str",
        "",
        "stable detection identifier: NET.STA.LOC.CHA-yyyymmddThhmmss.ffffff of the onset "
        "(content-derived, so a rerun gives the same identifiers)",
    ),
    ColumnSpec(
        "onset",
        "str",
        "",
        "onset quality: impulsive, emergent, questionable; empty when not reported",
        ONSETS,
    ),
    ColumnSpec(
        "polarity",
        "str",
        "",
        "first-motion polarity: positive (compression), negative (dilatation), undecidable; "
        "empty when not reported",
        POLARITIES,
    ),
    ColumnSpec(
        "evaluation_mode",
        "str",
        "",
        "automatic (made by software) or manual (by an analyst); empty when not reported",
        EVALUATION_MODES,
    ),
)

#: The columns of the amplitude measurements (for magnitudes): the detection's other
#: columns are what association and location read.
AMPLITUDE_COLUMNS = frozenset(
    {"amplitude", "amplitude_unit", "period", "amplitude_wa", "dominant_frequency"}
)

_NAN = math.nan


@dataclass(frozen=True, slots=True)
class Detection:
    """One detection. Field names, units and meaning follow :data:`DETECTION_COLUMNS`."""

    network: str
    station: str
    location: str
    channel: str
    time: UTCDateTime
    time_uncertainty: float = _NAN
    phase: str = ""
    snr: float = _NAN
    amplitude: float = _NAN
    amplitude_unit: str = ""
    period: float = _NAN
    amplitude_wa: float = _NAN
    backazimuth: float = _NAN
    backazimuth_uncertainty: float = _NAN
    slowness: float = _NAN
    slowness_uncertainty: float = _NAN
    fstat: float = _NAN
    rectilinearity: float = _NAN
    incidence: float = _NAN
    freq_min: float = _NAN
    freq_max: float = _NAN
    dominant_frequency: float = _NAN
    method: DetectionMethod = "stalta"
    id: str = ""
    #: Onset quality; None when not reported.
    onset: Onset | None = None
    #: First-motion polarity; None when not reported.
    polarity: Polarity | None = None
    #: Made by software (the default for a detection this package makes) or by an analyst;
    #: None when a bulletin does not say.
    evaluation_mode: EvaluationMode | None = "automatic"
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    #: How the detection was made (not a table column: the table's file metadata and the
    #: database's provenance rows carry it).
    provenance: Provenance | None = field(default=None, compare=False, repr=False)

    @property
    def seed_id(self) -> str:
        return f"{self.network}.{self.station}.{self.location}.{self.channel}"

    @property
    def stable_id(self) -> str:
        """The content-derived identifier: the stream and the onset time to the microsecond."""
        return f"{self.seed_id}-{self.time.strftime('%Y%m%dT%H%M%S.%f')}"

    def as_record(self) -> dict[str, Any]:
        """A flat dict with exactly the table columns (time as ISO 8601 string)."""
        rec = {spec.name: getattr(self, spec.name) for spec in DETECTION_COLUMNS}
        rec["time"] = self.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return rec
