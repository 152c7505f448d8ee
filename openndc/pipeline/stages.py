"""The pipeline's stages under the one contract (:mod:`openndc.pipeline.contract`).

Each adapter wraps one stage function and nothing else: the detection stage's
:func:`~openndc.detection.detect`, association's :func:`~openndc.association.associate`
(with stable event identity from :mod:`openndc.pipeline.identity`), location's
:func:`~openndc.location.locate` and the magnitudes'
:func:`~openndc.magnitude.compute_magnitudes`. The batch runner, the live runner and the
cluster runner call these adapters; none of them calls a stage function directly.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from obspy import Stream

from openndc.association import (
    AssociationConfig,
    DetectionUnitError,
    associate,
    lookback_seconds,
)
from openndc.association.reference import (
    ReferenceBulletinError,
    is_reference_event,
    reference_events,
)
from openndc.location import LocationConfig, locate
from openndc.magnitude import MagnitudeConfig, compute_magnitudes
from openndc.magnitude.ms import ms_stations
from openndc.model.errors import (
    AssociationError,
    DataQualityWarning,
    LocationError,
    MagnitudeError,
)
from openndc.model.event import Event, NetworkMagnitude
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.model.inventory import MonitoringNetwork, Station
from openndc.model.quality import DataProblem
from openndc.model.screening import ScreeningResult
from openndc.pipeline.contract import (
    Margins,
    StageContext,
    StageOutput,
    Window,
    select_stations,
)
from openndc.pipeline.detecting import DetectionStage, detection_tail, with_stable_ids
from openndc.pipeline.identity import EventChange, reconcile
from openndc.screening import ScreeningConfig, apply_screening, screen_event

__all__ = [
    "AssociationStage",
    "DetectionStage",
    "LocationStage",
    "MagnitudeStage",
    "Screened",
    "ScreeningStage",
    "detection_tail",
    "with_stable_ids",
]

log = logging.getLogger(__name__)


def _station_distances(
    event: Event, stations: MonitoringNetwork | Sequence[Station]
) -> list[tuple[str, float]]:
    """Each station's code and epicentral distance [deg] from the event's origin."""
    o = event.origin
    chosen = list(stations.stations if isinstance(stations, MonitoringNetwork) else stations)
    lats = np.array([st.latitude for st in chosen])
    lons = np.array([st.longitude for st in chosen])
    dist = np.atleast_1d(distance_azimuth(o.latitude, o.longitude, lats, lons)[0])
    return [(st.code, float(d)) for st, d in zip(chosen, dist, strict=True)]


@dataclass(frozen=True)
class AssociationStage:
    """Detections stored for the window and its look-back → changes to the stored events.

    Reads from the database what earlier windows made: the current detections of
    ``[start - lookback, end)`` and the events that may hold them. Detections of events
    that are closed (origin before the look-back: every arrival they can have is older
    than the window) or reviewed by an analyst are left alone; the rest is associated
    again and reconciled with the stored events (:func:`reconcile`), so that an event
    keeps its identity while arrivals are added to it.
    """

    config: AssociationConfig
    lookback: float = 1800.0
    name: str = "association"

    def margins(self) -> Margins:
        return Margins(before=self.lookback)

    def run(
        self, inputs: None, window: Window, context: StageContext
    ) -> StageOutput[list[EventChange]]:
        store = context.require_store(self.name)
        t_a = window.start - self.lookback
        closed = store.load(t_a - self.lookback, t_a)
        recent = store.load(t_a, window.end)
        reviewed = [e for e in recent if e.review_status == "reviewed"]
        automatic = [e for e in recent if e.review_status != "reviewed"]
        fixed = {a.detection.id for e in (*closed, *reviewed) for a in e.arrivals}
        dets = [d for d in store.load_detections(t_a, window.end) if d.id not in fixed]
        network, problems = context.network(Window(t_a, window.end))
        try:
            # Bad rows are warned about (DataQualityWarning, once per message) and skipped.
            # the reference bulletin's events (REB) whose arrivals may lie in the detections
            reference = reference_events(
                self.config, t_a - lookback_seconds(self.config, network), window.end
            )
            # closed and reviewed events keep their arrivals; their later arrivals in the
            # window must not make new events
            result = associate(
                dets, network, self.config, reference=reference, known=[*closed, *reviewed]
            )
        except ReferenceBulletinError:
            raise  # the reference cannot be read: stop, do not mark the window done
        except DetectionUnitError as exc:  # wrong units: stop, naming the input
            raise DetectionUnitError(f"{context.source_label}: {exc}") from exc
        except AssociationError as exc:  # no usable detection in this window: say so
            problems.append(
                DataProblem("no_metadata", context.source_label, "*", window.start, window.end,
                            str(exc))
            )  # fmt: skip
            return StageOutput([], problems, None)
        problems.extend(result.problems)
        # An origin before the look-back would have been found by an earlier window.
        hypotheses = [h for h in result.events if h.origin.time >= t_a]
        prov = result.provenance
        hypotheses = [
            dataclasses.replace(
                h,
                arrivals=tuple(dataclasses.replace(a, provenance=prov) for a in h.arrivals),
            )
            for h in hypotheses
        ]
        keep = frozenset(h.id for h in hypotheses if is_reference_event(h))
        return StageOutput(reconcile(hypotheses, automatic, keep=keep), problems, prov)


def _changed(changes: Sequence[EventChange]) -> list[tuple[int, EventChange]]:
    return [(k, c) for k, c in enumerate(changes) if c.kind in ("new", "update")]


@dataclass(frozen=True)
class LocationStage:
    """New and changed event hypotheses → located events (90 % ellipse, residuals).

    A new hypothesis that cannot be located is dropped (its detections stay unassociated);
    an update that cannot be located leaves the stored version as it is.
    """

    config: LocationConfig
    lookback: float = 1800.0
    name: str = "location"

    def margins(self) -> Margins:
        return Margins(before=self.lookback)

    def run(
        self, inputs: list[EventChange], window: Window, context: StageContext
    ) -> StageOutput[list[EventChange]]:
        network, problems = context.network(Window(window.start - self.lookback, window.end))
        out = list(inputs)
        dropped: set[int] = set()
        for k, change in _changed(inputs):
            hypo = change.event
            if is_reference_event(hypo):  # the reference agency's origin is kept
                continue
            try:
                loc = locate(hypo.arrivals, network, self.config, initial=hypo.origin)
            except LocationError as exc:
                log.warning("event %s at %s not located: %s", hypo.id, hypo.origin.time, exc)
                dropped.add(k)
                continue
            out[k] = dataclasses.replace(
                change,
                event=dataclasses.replace(hypo, origin=loc.origin, arrivals=tuple(loc.arrivals)),
            )
        return StageOutput([c for k, c in enumerate(out) if k not in dropped], problems)


@dataclass(frozen=True)
class MagnitudeStage:
    """Located events → events with ML, mb and (from long-period waveforms) Ms."""

    config: MagnitudeConfig
    #: Waveforms after the origin read for Ms [s]: Rayleigh waves at 160 deg and 2.9 km/s
    #: arrive about 1.7 h after the origin.
    surface_wave_window: float = 6400.0
    name: str = "magnitude"

    def margins(self) -> Margins:
        return Margins(after=self.surface_wave_window)

    def _stream(
        self, event: Event, network: MonitoringNetwork, context: StageContext
    ) -> Stream | None:
        """Waveforms for Ms: the vertical of each station at Ms distances, over its own
        Rayleigh-wave window (``D/v_max`` to ``D/v_min`` after the origin) with
        :data:`MS_PAD` on each side, never past the declared margin.

        Nothing is read where :func:`~openndc.magnitude.ms.measure_ms` could not use it:
        for an event deeper than ``depth_max``, and at a station without a vertical
        channel that has a response or sensitivity (the stream is then empty, not None:
        Ms was attempted and found nothing, as with the data read)."""
        cfg = self.config.ms
        if context.source is None or not cfg.enabled:
            return None
        if not any(
            math.isfinite(a.distance) and a.distance >= cfg.distance_min for a in event.arrivals
        ):
            return None
        o = event.origin
        stream = Stream()
        if math.isfinite(o.depth_km) and o.depth_km > cfg.depth_max:
            return stream
        usable = [st for st in ms_stations(network) if _has_calibrated_vertical(st)]
        if not usable:
            return stream
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            for code, delta in _station_distances(event, usable):
                if not cfg.distance_min <= delta <= cfg.distance_max:
                    continue
                d_km = delta * DEG_KM
                t0 = max(o.time, o.time + d_km / cfg.velocity_max - MS_PAD)
                t1 = min(
                    o.time + d_km / cfg.velocity_min + MS_PAD, o.time + self.surface_wave_window
                )
                if t1 > t0:
                    source = select_stations(context.source, {code}, channel="*Z")
                    stream += source.read(t0, t1).stream
        return stream

    def run(
        self, inputs: list[EventChange], window: Window, context: StageContext
    ) -> StageOutput[list[EventChange]]:
        network, problems = context.network(window)
        problems = [*problems, *_uncalibrated(inputs, window)]
        out = list(inputs)
        for k, change in _changed(inputs):
            event = change.event
            stream = None
            kept = _kept_ms(change)
            if kept is not None:  # the origin hardly moved: the Rayleigh waves are measured
                others = tuple(m for m in event.magnitudes if m.magnitude_type != "Ms")
                event = event.with_magnitudes((*others, kept))
            else:
                stream = self._stream(event, network, context)
            try:
                event = compute_magnitudes(event, network, self.config, stream=stream)
            except MagnitudeError as exc:
                log.warning("event %s: no magnitude: %s", event.id, exc)
            out[k] = dataclasses.replace(change, event=event)
        return StageOutput(out, problems)


def _has_calibrated_vertical(station: Station) -> bool:
    """Whether Ms can be measured at ``station``: a vertical channel (``??Z``) with an
    instrument response or a sensitivity (:func:`~openndc.magnitude.ms.measure_ms` skips
    the others)."""
    return any(
        ch.code.endswith("Z") and (ch.response is not None or bool(ch.sensitivity))
        for ch in station.channels
    )


def _uncalibrated(changes: Sequence[EventChange], window: Window) -> list[DataProblem]:
    """A ``no_response`` problem per station whose associated amplitudes are not in nm of
    ground motion (no instrument response or sensitivity, or a detections table without
    ``amplitude_unit``): they give no ML or mb."""
    seen: dict[str, str] = {}
    for _, change in _changed(changes):
        for a in change.event.arrivals:
            det = a.detection
            if math.isfinite(det.amplitude) and det.amplitude_unit != "nm":
                seen.setdefault(f"{det.network}.{det.station}", det.amplitude_unit)
    return [
        DataProblem(
            "no_response",
            "inventory",
            name,
            window.start,
            window.end,
            f"amplitudes in {unit!r}" if unit else "amplitudes without a unit (amplitude_unit)",
        )
        for name, unit in sorted(seen.items())
    ]


#: Data read on each side of a station's Rayleigh-wave window for Ms [s]: room for the
#: taper and the long-period deconvolution (15 periods of 20 s).
MS_PAD = 300.0
#: An update whose origin moved less than this keeps the previous version's Ms: its
#: Rayleigh-wave windows move by under 5 s and its distances by under 0.05 deg.
MS_KEEP_DEG = 0.05
MS_KEEP_S = 5.0


def _kept_ms(change: EventChange) -> NetworkMagnitude | None:
    """The previous version's Ms when an update's origin is where it was (see MS_KEEP_*)."""
    prev = change.previous
    if change.kind != "update" or prev is None:
        return None
    ms = next((m for m in prev.magnitudes if m.magnitude_type == "Ms"), None)
    if ms is None:
        return None
    a, b = prev.origin, change.event.origin
    moved = float(distance_azimuth(a.latitude, a.longitude, b.latitude, b.longitude)[0])
    same_depth = (math.isnan(a.depth_km) and math.isnan(b.depth_km)) or abs(
        a.depth_km - b.depth_km
    ) <= MS_KEEP_DEG * DEG_KM
    if moved <= MS_KEEP_DEG and abs(b.time - a.time) <= MS_KEEP_S and same_depth:
        return ms
    return None


@dataclass
class Screened:
    """The screening stage's products: the changes with typed events, and the results."""

    changes: list[EventChange]
    results: list[ScreeningResult]


@dataclass(frozen=True)
class ScreeningStage:
    """Events with magnitudes → screened events (type and evidence) and screening results.

    Reads the waveforms around each new or changed event (for the regional P/S ratios)
    from before the origin to the slowest regional S at the farthest regional distance.
    """

    config: ScreeningConfig
    #: Waveforms before the origin [s] (the noise for the ratios' noise correction).
    before: float = 120.0
    name: str = "screening"

    def margins(self) -> Margins:
        # Lg/Sn at the farthest station used (group velocity 3 km/s) and 60 s of margin.
        return Margins(before=self.before, after=self.config.regional.max_distance_km / 3.0 + 60.0)

    def _stream(
        self, event: Event, network: MonitoringNetwork, context: StageContext
    ) -> Stream | None:
        """The verticals (the ratios use nothing else) of the stations within the
        discriminant's distance range only (1 km of slack at its near end)."""
        if context.source is None or not self.config.regional.enabled:
            return None
        o = event.origin
        cfg = self.config.regional
        min_deg = (cfg.min_distance_km - 1.0) / DEG_KM
        max_deg = cfg.max_distance_km / DEG_KM
        near = {code for code, d in _station_distances(event, network) if min_deg <= d <= max_deg}
        if not near:
            return None
        m = self.margins()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            source = select_stations(context.source, near, channel="*Z")
            return source.read(o.time - m.before, o.time + m.after).stream

    def run(
        self, inputs: list[EventChange], window: Window, context: StageContext
    ) -> StageOutput[Screened]:
        network, problems = context.network(window)
        out = list(inputs)
        results: list[ScreeningResult] = []
        for k, change in _changed(inputs):
            stream = self._stream(change.event, network, context)
            result = screen_event(change.event, network, self.config, stream=stream)
            results.append(result)
            out[k] = dataclasses.replace(change, event=apply_screening(change.event, result))
        return StageOutput(Screened(out, results), problems)
