"""Events: what association, location and magnitude stages hand on to the bulletin.

The vocabulary follows QuakeML and the IDC's CSS3.0 tables, so that exports are mappings and
not translations:

- an :class:`Arrival` is a detection associated with an origin (CSS3.0 ``assoc``; QuakeML
  ``Arrival`` + ``Pick``): the detection, the phase name given by association and the
  residuals of time, back-azimuth and slowness against the origin;
- an :class:`Origin` is a hypocentre with its uncertainty (QuakeML ``Origin`` with
  ``OriginUncertainty``; the 90 % confidence ellipse as the IDC reports it);
- a :class:`StationMagnitude` and a :class:`NetworkMagnitude` (QuakeML ``StationMagnitude``
  and ``Magnitude``);
- an :class:`Event` ties them together with its type (QuakeML event type names) and review
  status; a :class:`Bulletin` is a list of events with provenance.

Units: time [UTC], distances [deg] or [km] as named, azimuths [deg] clockwise from north,
slowness [s/deg], residuals observed minus predicted.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

from obspy import UTCDateTime

from openndc.model.detection import ColumnSpec, Detection
from openndc.model.provenance import Provenance

__all__ = [
    "EVENT_COLUMNS",
    "EVENT_TYPES",
    "MAGNITUDE_TYPES",
    "Arrival",
    "Bulletin",
    "ErrorEllipse",
    "Event",
    "EventType",
    "MagnitudeType",
    "NetworkMagnitude",
    "Origin",
    "ReviewStatus",
    "StationMagnitude",
]

_NAN = math.nan

#: Event types, spelled as QuakeML's ``EventType`` enumeration.
EVENT_TYPES = (
    "earthquake",
    "explosion",
    "nuclear explosion",
    "mining explosion",
    "quarry blast",
    "induced or triggered event",
    "not existing",
    "not reported",
    "other event",
)
EventType = Literal[
    "earthquake",
    "explosion",
    "nuclear explosion",
    "mining explosion",
    "quarry blast",
    "induced or triggered event",
    "not existing",
    "not reported",
    "other event",
]

#: Magnitude types OpenNDC computes (IDC/IASPEI spelling).
MAGNITUDE_TYPES = ("ML", "mb", "Ms")
MagnitudeType = Literal["ML", "mb", "Ms"]

#: ``automatic``: pipeline output; ``reviewed``: an analyst has reviewed it (QuakeML
#: evaluation mode ``manual``, status ``reviewed``). An event read from a bulletin that does
#: not say has review status ``None``.
ReviewStatus = Literal["automatic", "reviewed"]


#: The bulletin CSV format (``openndc bulletin export --format csv``, scenario ``truth.csv``):
#: one row per event, preferred origin and network magnitudes. Missing values are empty.
EVENT_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("event_id", "str", "", "event identifier"),
    ColumnSpec("time", "time", "UTC", "origin time, ISO 8601 UTC with microseconds"),
    ColumnSpec("latitude", "float", "deg", "epicentre latitude (WGS84), north positive"),
    ColumnSpec("longitude", "float", "deg", "epicentre longitude (WGS84), east positive"),
    ColumnSpec("depth", "float", "km", "hypocentre depth below sea level"),
    ColumnSpec("depth_fixed", "int", "", "1 when depth was fixed, not solved for"),
    ColumnSpec("time_uncertainty", "float", "s", "origin time uncertainty (90 %)"),
    ColumnSpec("depth_uncertainty", "float", "km", "depth uncertainty (90 %)"),
    ColumnSpec("semi_major", "float", "km", "90 % error ellipse semi-major axis"),
    ColumnSpec("semi_minor", "float", "km", "90 % error ellipse semi-minor axis"),
    ColumnSpec("ellipse_azimuth", "float", "deg", "strike of the semi-major axis from north"),
    ColumnSpec("n_defining", "int", "", "number of defining observations (empty: not given)"),
    ColumnSpec(
        "n_stations", "int", "", "number of stations with associated arrivals (empty: not given)"
    ),
    ColumnSpec("gap", "float", "deg", "largest azimuthal gap"),
    ColumnSpec("rms", "float", "s", "RMS of defining time residuals"),
    ColumnSpec("mb", "float", "", "network body-wave magnitude (IDC style)"),
    ColumnSpec("mb_uncertainty", "float", "", "spread of station mb"),
    ColumnSpec("mb_n", "int", "", "number of station mb used"),
    ColumnSpec("ML", "float", "", "network local magnitude"),
    ColumnSpec("ML_uncertainty", "float", "", "spread of station ML"),
    ColumnSpec("ML_n", "int", "", "number of station ML used"),
    ColumnSpec("Ms", "float", "", "network surface-wave magnitude (20 s)"),
    ColumnSpec("Ms_uncertainty", "float", "", "spread of station Ms"),
    ColumnSpec("Ms_n", "int", "", "number of station Ms used"),
    ColumnSpec("event_type", "str", "", "QuakeML event type (EVENT_TYPES)"),
    ColumnSpec("review_status", "str", "", "automatic or reviewed (empty: not given)"),
    ColumnSpec("author", "str", "", "automatic or the reviewing analyst"),
)


@dataclass(frozen=True, slots=True)
class ErrorEllipse:
    """Epicentral confidence ellipse.

    ``azimuth`` is the strike of the semi-major axis [deg] clockwise from north (0-180);
    ``confidence`` is the probability level (0.9 for the IDC's 90 % ellipse).
    """

    semi_major_km: float
    semi_minor_km: float
    azimuth: float
    confidence: float = 0.9

    @property
    def area_km2(self) -> float:
        return math.pi * self.semi_major_km * self.semi_minor_km


@dataclass(frozen=True, slots=True)
class Origin:
    """A hypocentre: where and when, how well, and from which data.

    ``time_uncertainty`` [s] and ``depth_uncertainty_km`` [km] are at the same confidence as
    the ellipse. ``rms`` [s] is the root-mean-square of the defining time residuals,
    ``gap`` [deg] the largest azimuthal gap between defining stations, ``min_distance``
    [deg] the distance to the nearest defining station. ``depth_fixed`` is true when depth
    was not solved for. ``n_defining`` and ``n_stations`` are None when not given (a
    bulletin that leaves them blank).
    """

    time: UTCDateTime
    latitude: float
    longitude: float
    depth_km: float
    time_uncertainty: float = _NAN
    depth_uncertainty_km: float = _NAN
    depth_fixed: bool = False
    ellipse: ErrorEllipse | None = None
    rms: float = _NAN
    n_defining: int | None = None
    n_stations: int | None = None
    gap: float = _NAN
    min_distance: float = _NAN
    max_distance: float = _NAN
    method: str = ""
    model: str = "ak135"
    id: str = ""
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True)
class Arrival:
    """A detection associated with an origin.

    ``phase`` is the phase name given by association (may differ from the detection's
    initial phase). ``distance`` [deg] and ``azimuth`` [deg] are from the origin to the
    station. Residuals are observed minus predicted: ``time_residual`` [s],
    ``backazimuth_residual`` [deg, wrapped to -180..180], ``slowness_residual`` [s/deg].
    The ``*_defining`` flags say which observations the location used; ``weight`` is the
    final weight of the time observation in the location (0-1).
    """

    detection: Detection
    phase: str
    distance: float = _NAN
    azimuth: float = _NAN
    time_residual: float = _NAN
    backazimuth_residual: float = _NAN
    slowness_residual: float = _NAN
    time_defining: bool = True
    backazimuth_defining: bool = False
    slowness_defining: bool = False
    weight: float = 1.0
    provenance: Provenance | None = field(default=None, compare=False, repr=False)

    @property
    def station(self) -> str:
        return self.detection.station

    @property
    def network(self) -> str:
        return self.detection.network

    @property
    def time(self) -> UTCDateTime:
        return self.detection.time


@dataclass(frozen=True, slots=True)
class StationMagnitude:
    """One station's magnitude estimate.

    ``amplitude`` in ``amplitude_unit`` ('nm' for mb and Ms, 'mm' Wood-Anderson or 'nm' for
    ML as the detection measured it), ``period`` [s], ``distance`` [deg]. ``used`` is false
    when the network average rejected it as an outlier or it fell outside the distance range
    of the magnitude's calibration.
    """

    magnitude_type: MagnitudeType
    value: float
    network: str
    station: str
    amplitude: float = _NAN
    amplitude_unit: str = ""
    period: float = _NAN
    distance: float = _NAN
    detection_id: str = ""
    used: bool = True
    provenance: Provenance | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class NetworkMagnitude:
    """A network magnitude: a robust average of station magnitudes with its spread.

    ``uncertainty`` is the spread of the used station magnitudes (standard deviation, or a
    scaled median absolute deviation as ``method`` says). ``n_stations`` is None when not
    given.
    """

    magnitude_type: MagnitudeType
    value: float
    uncertainty: float = _NAN
    n_stations: int | None = None
    method: str = ""
    station_magnitudes: tuple[StationMagnitude, ...] = ()
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """An event: the preferred origin, its arrivals and magnitudes, type and review status
    (None: a bulletin that does not say)."""

    id: str
    origin: Origin
    arrivals: tuple[Arrival, ...] = ()
    magnitudes: tuple[NetworkMagnitude, ...] = ()
    event_type: EventType = "not reported"
    review_status: ReviewStatus | None = "automatic"
    comment: str = ""
    provenance: Provenance | None = None

    def magnitude(self, magnitude_type: str) -> NetworkMagnitude | None:
        """The network magnitude of a type (``"ML"``, ``"mb"``, ``"Ms"``), or None."""
        for mag in self.magnitudes:
            if mag.magnitude_type == magnitude_type:
                return mag
        return None

    @property
    def preferred_magnitude(self) -> NetworkMagnitude | None:
        """mb for teleseismic and regional events when present, else ML, else Ms."""
        for kind in ("mb", "ML", "Ms"):
            mag = self.magnitude(kind)
            if mag is not None:
                return mag
        return None

    def with_magnitudes(self, magnitudes: tuple[NetworkMagnitude, ...]) -> Event:
        return replace(self, magnitudes=magnitudes)


@dataclass(frozen=True, slots=True)
class Bulletin:
    """An ordered list of events (by origin time) with the provenance of the whole product."""

    events: tuple[Event, ...] = ()
    provenance: Provenance | None = None
    name: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def sorted(self) -> Bulletin:
        return replace(self, events=tuple(sorted(self.events, key=lambda e: e.origin.time)))
