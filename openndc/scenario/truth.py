"""The truth of a scenario: events as the bulletin model sees them, QuakeML, CSV tables.

Files (in the scenario folder):

``truth.csv``
    One row per event in the bulletin CSV format (:data:`openndc.model.event.EVENT_COLUMNS`):
    ``event_id``, ``time``, ``latitude``, ``longitude``, ``depth``, ``mb``, ``ML``,
    ``event_type``, ``review_status`` (``reviewed``) and ``author`` (``openndc.scenario``)
    are filled; the other columns (uncertainties, station counts) are empty.
``truth.xml``
    The same events in QuakeML (ObsPy), with one pick + arrival per synthesized arrival.
``truth_arrivals.csv``
    One row per synthesized arrival (:data:`TRUTH_ARRIVAL_COLUMNS`).
``truth_problems.csv``
    The injected data problems (kind, stream, start, end, message).
``events.csv``
    The input event list in the ``--events`` format (reproduces the scenario).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from obspy import UTCDateTime
from obspy.core.event import Arrival as QArrival
from obspy.core.event import (
    Catalog,
    CreationInfo,
    Magnitude,
    Origin,
    Pick,
    ResourceIdentifier,
    WaveformStreamID,
)
from obspy.core.event import Event as QEvent

from openndc import __version__
from openndc.model.detection import ColumnSpec, Detection
from openndc.model.errors import ScenarioError
from openndc.model.event import EVENT_COLUMNS, Arrival, Event, NetworkMagnitude
from openndc.model.event import Origin as ModelOrigin
from openndc.model.provenance import Provenance
from openndc.scenario.events import ScenarioEvent, write_events_csv

__all__ = [
    "TRUTH_ARRIVAL_COLUMNS",
    "TRUTH_ARRIVAL_SPECS",
    "InjectedProblem",
    "read_truth_arrivals",
    "truth_events",
    "write_truth",
]

#: ``truth_arrivals.csv``: one row per synthesized arrival.
TRUTH_ARRIVAL_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec("event_id", "str", "", "event identifier (truth.csv event_id)"),
    ColumnSpec("network", "str", "", "network code of the station or array"),
    ColumnSpec("station", "str", "", "station code; for arrays the array code (e.g. MKAR)"),
    ColumnSpec(
        "channel", "str", "", "vertical channel of the station; for arrays the elements' one"
    ),
    ColumnSpec("phase", "str", "", "P Pn Pg PKP pP sP S Sn Sg Lg I (IASPEI names)"),
    ColumnSpec(
        "time", "time", "UTC", "onset at the station (arrays: at the reference point), ISO 8601"
    ),
    ColumnSpec(
        "amplitude",
        "float",
        "nm or Pa",
        "first P: half peak-to-peak 0.8-4.5 Hz ground displacement the mb calibration set "
        "[nm]; largest S-group phase (Lg, Sn, S): Wood-Anderson amplitude (magnification 1) "
        "the ML calibration set [nm]; I: peak pressure [Pa]; others empty",
    ),
    ColumnSpec("period", "float", "s", "period of the mb amplitude (first P only)"),
    ColumnSpec("distance", "float", "deg", "epicentral distance to the station/array reference"),
    ColumnSpec("backazimuth", "float", "deg", "back-azimuth from the station to the epicentre"),
    ColumnSpec("slowness", "float", "s/deg", "horizontal slowness of the phase (ak135 tables)"),
    ColumnSpec("group", "str", "", "P, S (shear and Lg) or I (infrasound)"),
)
TRUTH_ARRIVAL_COLUMNS = tuple(c.name for c in TRUTH_ARRIVAL_SPECS)


@dataclass(frozen=True, slots=True)
class InjectedProblem:
    """A data problem the synthesizer injected: ``kind`` (``dead``, ``gap``, ``spike``),
    stream id, start and end [UTC], message."""

    kind: str
    stream: str
    start: UTCDateTime
    end: UTCDateTime
    message: str


def truth_events(events: Sequence[ScenarioEvent], arrivals: pd.DataFrame) -> list[Event]:
    """The scenario events as :class:`~openndc.model.event.Event` (reviewed, author
    ``openndc.scenario``) with their arrivals (one per truth arrival row) and ML/mb."""
    by_event = {eid: g for eid, g in arrivals.groupby("event_id")} if len(arrivals) else {}
    out = []
    provenance = Provenance(
        method="openndc.scenario", software_version=__version__, author="openndc.scenario"
    )
    for e in events:
        rows = by_event.get(e.id)
        arr: list[Arrival] = []
        if rows is not None:
            for r in rows.itertuples(index=False):
                det = Detection(
                    network=str(r.network),
                    station=str(r.station),
                    location="",
                    channel=str(r.channel),
                    time=UTCDateTime(str(r.time)),
                    phase=str(r.phase),
                    amplitude=_f(r.amplitude),
                    period=_f(r.period),
                    backazimuth=_f(r.backazimuth),
                    slowness=_f(r.slowness),
                    id=f"{e.id}.{r.station}.{r.phase}",
                )
                arr.append(Arrival(det, str(r.phase), distance=_f(r.distance), time_residual=0.0))
        mags = tuple(
            NetworkMagnitude(kind, float(val), method="scenario input")  # type: ignore[arg-type]
            for kind, val in (("mb", e.mb), ("ML", e.ml))
            if math.isfinite(val)
        )
        stations = {a.station for a in arr}
        origin = ModelOrigin(
            time=e.time,
            latitude=e.latitude,
            longitude=e.longitude,
            depth_km=e.depth_km,
            n_stations=len(stations),
            method="scenario truth",
            id=f"{e.id}.origin",
        )
        out.append(
            Event(
                id=e.id,
                origin=origin,
                arrivals=tuple(arr),
                magnitudes=mags,
                event_type=e.event_type,  # type: ignore[arg-type]
                review_status="reviewed",
                comment=e.region,
                provenance=provenance,
            )
        )
    return out


def _f(x: object) -> float:
    """A table cell as float (NaN when empty)."""
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _fmt(x: float, digits: int) -> str:
    return "" if not math.isfinite(x) else f"{x:.{digits}f}"


def _truth_frame(events: Sequence[ScenarioEvent]) -> pd.DataFrame:
    names = [c.name for c in EVENT_COLUMNS]
    rows = []
    for e in events:
        row = dict.fromkeys(names, "")
        row.update(
            event_id=e.id,
            time=e.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            latitude=f"{e.latitude:.4f}",
            longitude=f"{e.longitude:.4f}",
            depth=f"{e.depth_km:.2f}",
            mb=_fmt(e.mb, 2),
            ML=_fmt(e.ml, 2),
            event_type=e.event_type,
            review_status="reviewed",
            author="openndc.scenario",
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=names)


def _quakeml(events: Sequence[ScenarioEvent], arrivals: pd.DataFrame) -> Catalog:
    cat = Catalog(creation_info=CreationInfo(author="openndc.scenario"))
    cat.description = "OpenNDC synthetic scenario truth"
    by_event = {eid: g for eid, g in arrivals.groupby("event_id")} if len(arrivals) else {}
    for e in events:
        rid = f"smi:openndc/scenario/{e.id}"
        origin = Origin(
            resource_id=ResourceIdentifier(f"{rid}/origin"),
            time=e.time,
            latitude=e.latitude,
            longitude=e.longitude,
            depth=e.depth_km * 1000.0,
            evaluation_mode="manual",
            evaluation_status="reviewed",
        )
        ev = QEvent(resource_id=ResourceIdentifier(rid), event_type=e.event_type)
        rows = by_event.get(e.id)
        if rows is not None:
            for k, r in enumerate(rows.itertuples(index=False)):
                pick = Pick(
                    resource_id=ResourceIdentifier(f"{rid}/pick/{k}"),
                    time=UTCDateTime(str(r.time)),
                    waveform_id=WaveformStreamID(
                        network_code=str(r.network),
                        station_code=str(r.station),
                        channel_code=str(r.channel) or None,
                    ),
                    phase_hint=str(r.phase),
                    evaluation_mode="manual",
                )
                ev.picks.append(pick)
                origin.arrivals.append(
                    QArrival(
                        resource_id=ResourceIdentifier(f"{rid}/arrival/{k}"),
                        pick_id=pick.resource_id,
                        phase=str(r.phase),
                        distance=_f(r.distance),
                        azimuth=(_f(r.backazimuth) + 180.0) % 360.0,
                        time_residual=0.0,
                    )
                )
        ev.origins.append(origin)
        ev.preferred_origin_id = origin.resource_id
        for kind, val in (("mb", e.mb), ("ML", e.ml)):
            if math.isfinite(val):
                ev.magnitudes.append(
                    Magnitude(
                        resource_id=ResourceIdentifier(f"{rid}/magnitude/{kind}"),
                        mag=val,
                        magnitude_type=kind,
                        origin_id=origin.resource_id,
                    )
                )
        if ev.magnitudes:
            ev.preferred_magnitude_id = ev.magnitudes[0].resource_id
        cat.events.append(ev)
    return cat


def write_truth(
    out_dir: str | Path,
    events: Sequence[ScenarioEvent],
    model_events: Sequence[Event],
    arrivals: pd.DataFrame,
    problems: Sequence[InjectedProblem] = (),
) -> list[Path]:
    """Write the truth files (see the module docstring) into ``out_dir``."""
    del model_events  # the files are written from the scenario events and arrivals
    out = Path(out_dir)
    paths = [out / n for n in ("truth.csv", "truth.xml", "truth_arrivals.csv")]
    try:
        _truth_frame(events).to_csv(paths[0], index=False)
        _quakeml(events, arrivals).write(str(paths[1]), format="QUAKEML")
        arrivals.to_csv(paths[2], index=False, float_format="%.6g")
        prob = pd.DataFrame(
            [
                {
                    "kind": p.kind,
                    "stream": p.stream,
                    "start": p.start.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if p.start else "",
                    "end": p.end.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if p.end else "",
                    "message": p.message,
                }
                for p in problems
            ],
            columns=["kind", "stream", "start", "end", "message"],
        )
        prob.to_csv(out / "truth_problems.csv", index=False)
        paths.append(out / "truth_problems.csv")
        paths.append(write_events_csv(list(events), out / "events.csv"))
    except OSError as exc:
        raise ScenarioError(f"{out}: cannot write the truth files: {exc}") from exc
    return paths


def read_truth_arrivals(path: str | Path) -> pd.DataFrame:
    """``truth_arrivals.csv`` as a DataFrame (``time`` as strings, numbers as floats)."""
    try:
        frame = pd.read_csv(path, dtype={"channel": str, "network": str, "station": str})
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: cannot read truth arrivals: {exc}") from exc
    missing = set(TRUTH_ARRIVAL_COLUMNS) - set(frame.columns)
    if missing:
        raise ScenarioError(f"{path}: missing column(s) {sorted(missing)}")
    return frame.fillna({"channel": ""})
