"""Screening results: is an event natural? The vocabulary of the screening stage.

The IDC *screens* events (CTBT Protocol, Part I, paragraph 18 and Annex 2): an event is
**screened out** when at least one criterion shows, with sufficient evidence, that it is
natural (or a non-nuclear man-made event); it is **not screened out** when the criteria could
be applied and none did so; it is **not screenable** when no criterion could be applied
(too small, too few magnitudes, no usable waveforms). "Not screened out" is *not* a finding
that an event is an explosion: it only means that it needs a closer look.

- :class:`StationValue`: one station's measurement for a regional discriminant (a P/S
  amplitude ratio in one band, its distance correction and its standardised residual).
- :class:`CriterionEvidence`: what one criterion found: value, threshold, uncertainty,
  which way it points, whether it decided the outcome, and the published source.
- :class:`ScreeningAlert`: raised when an event near a known nuclear test site is not
  screened out.
- :class:`ScreeningResult`: the outcome for one event with its evidence, the suggested
  QuakeML event type and type certainty, an optional alert, and provenance.

Units are in the field names or docs: distances [km], depths [km], ratios as log10.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from obspy import UTCDateTime

from openndc.model.event import EventType
from openndc.model.provenance import Provenance

__all__ = [
    "INDICATIONS",
    "SCREENING_OUTCOMES",
    "TYPE_CERTAINTIES",
    "CriterionEvidence",
    "Indication",
    "ScreeningAlert",
    "ScreeningOutcome",
    "ScreeningResult",
    "StationValue",
    "TypeCertainty",
]

#: The three screening outcomes (IDC wording).
SCREENING_OUTCOMES = ("screened out", "not screened out", "not screenable")
ScreeningOutcome = Literal["screened out", "not screened out", "not screenable"]

#: QuakeML ``EventTypeCertainty``.
TYPE_CERTAINTIES = ("known", "suspected")
TypeCertainty = Literal["known", "suspected"]

#: Which way one criterion's evidence points.
INDICATIONS = ("natural", "explosion", "inconclusive", "not applicable")
Indication = Literal["natural", "explosion", "inconclusive", "not applicable"]


@dataclass(frozen=True, slots=True)
class StationValue:
    """One station's value of a regional discriminant.

    ``log10_ratio`` is log10 of the P/S amplitude ratio ``ratio`` (e.g. ``"Pn/Lg"``) in
    the band ``freq_min_hz``-``freq_max_hz``; ``corrected`` is that value minus the
    earthquake population's prediction at the station's distance (the residual; positive
    is explosion-like); ``z`` is the station's standardised score (N(0, 1) for
    earthquakes; NaN when the station has no calibration); ``snr`` is the lower of the P
    and S windows' signal-to-noise ratios.
    """

    station: str
    ratio: str
    freq_min_hz: float
    freq_max_hz: float
    distance_km: float
    log10_ratio: float
    corrected: float = math.nan
    z: float = math.nan
    snr: float = math.nan
    calibration: str = ""


@dataclass(frozen=True, slots=True)
class CriterionEvidence:
    """The finding of one screening criterion for one event.

    ``value`` is compared with ``threshold`` (in ``unit``); ``uncertainty`` is the
    standard error of ``value`` used in the confidence test; ``p_value`` (NaN where not
    applicable) the probability of a value this explosion-like for an earthquake.
    ``indicates`` says which way the evidence points; ``decided`` is true when this
    criterion decided the outcome (screened it out, or made it "not screened out").
    ``source`` cites the published criterion; ``detail`` is a one-line explanation.
    """

    name: str
    indicates: Indication
    value: float = math.nan
    threshold: float = math.nan
    uncertainty: float = math.nan
    unit: str = ""
    decided: bool = False
    p_value: float = math.nan
    source: str = ""
    detail: str = ""
    station_values: tuple[StationValue, ...] = ()

    @property
    def applicable(self) -> bool:
        return self.indicates != "not applicable"


@dataclass(frozen=True, slots=True)
class ScreeningAlert:
    """An event near a known nuclear test site that was not screened out."""

    event_id: str
    site: str
    distance_km: float
    origin_time: UTCDateTime
    outcome: ScreeningOutcome
    message: str


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    """The screening of one event: outcome, suggested type, evidence, alert, provenance."""

    event_id: str
    outcome: ScreeningOutcome
    event_type: EventType
    type_certainty: TypeCertainty
    evidence: tuple[CriterionEvidence, ...] = ()
    alert: ScreeningAlert | None = None
    provenance: Provenance | None = None

    @property
    def deciding(self) -> tuple[CriterionEvidence, ...]:
        """The criteria that decided the outcome."""
        return tuple(e for e in self.evidence if e.decided)

    def criterion(self, name: str) -> CriterionEvidence | None:
        for e in self.evidence:
            if e.name == name:
                return e
        return None

    def summary(self) -> str:
        """One line: outcome, type, and the deciding (else the applicable) evidence."""
        shown = self.deciding or tuple(e for e in self.evidence if e.applicable)
        parts = "; ".join(f"{e.name}: {e.detail}" for e in shown) or "no criterion applicable"
        return (
            f"{self.outcome} ({self.event_type}, {self.type_certainty})"
            f"{' ALERT' if self.alert else ''}: {parts}"
        )
