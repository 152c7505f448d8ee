"""QuakeML through ObsPy: :class:`Bulletin` ↔ :class:`obspy.core.event.Catalog`.

Every field with a QuakeML home goes there (see docs/bulletin.md for the table); the few
without one (detection measurements such as F-statistic or band, model identifiers, the
arrival weight and defining flags, provenance method and parameters) travel as one JSON text
in an ``openndc:openndc`` element of the namespace :data:`NAMESPACE`, which other QuakeML
readers ignore. Reading a QuakeML file from elsewhere uses the standard fields only.
Units: QuakeML depths and ellipse axes are in [m] and amplitudes in [m]; the model's are
[km] and [nm].
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from obspy import UTCDateTime, read_events
from obspy.core.event import (
    Amplitude,
    Catalog,
    Comment,
    CreationInfo,
    Magnitude,
    OriginQuality,
    OriginUncertainty,
    Pick,
    QuantityError,
    ResourceIdentifier,
    StationMagnitudeContribution,
    WaveformStreamID,
)
from obspy.core.event import Arrival as QArrival
from obspy.core.event import Event as QEvent
from obspy.core.event import Origin as QOrigin
from obspy.core.event import StationMagnitude as QStationMagnitude

from openndc.bulletin.formats._common import event_type_or_default, nan_or, opt
from openndc.model.detection import EVALUATION_MODES, ONSETS, POLARITIES, Detection
from openndc.model.errors import BulletinError
from openndc.model.event import (
    Arrival,
    Bulletin,
    ErrorEllipse,
    Event,
    NetworkMagnitude,
    Origin,
    StationMagnitude,
)
from openndc.model.provenance import Provenance

__all__ = ["NAMESPACE", "from_catalog", "read_quakeml", "to_catalog", "write_quakeml"]

log = logging.getLogger(__name__)

#: XML namespace of OpenNDC's additions to QuakeML.
NAMESPACE = "https://openndc.org/xmlns/quakeml/1.0"
_P = "smi:openndc"
_DETECTION_EXTRA = (
    "snr",
    "amplitude",
    "amplitude_unit",
    "period",
    "amplitude_wa",
    "fstat",
    "rectilinearity",
    "incidence",
    "freq_min",
    "freq_max",
    "dominant_frequency",
    "method",
    "id",
)


# -- writing ---------------------------------------------------------------------------


def _slug(text: str) -> str:
    """A method description as a valid QuakeML resource-identifier path segment.

    The full text travels in the ``openndc:`` extra element, so nothing is lost."""
    out = re.sub(r"[^A-Za-z0-9_.*()+?=-]+", "_", text).strip("_")
    return out or "unknown"


def _put(obj: Any, data: Mapping[str, Any]) -> None:
    obj.extra = {"openndc": {"value": json.dumps(dict(data)), "namespace": NAMESPACE}}


def _get(obj: Any) -> dict[str, Any] | None:
    extra = getattr(obj, "extra", None)
    if not extra or "openndc" not in extra:
        return None
    item = extra["openndc"]
    if not hasattr(item, "get") or item.get("namespace") != NAMESPACE:
        return None
    try:
        data = json.loads(item["value"])
    except (KeyError, TypeError, ValueError):
        log.warning("unreadable openndc extra element ignored: %r", item)
        return None
    return cast(dict[str, Any], data) if isinstance(data, dict) else None


def _err(value: float, confidence: float | None = None) -> QuantityError | None:
    v = opt(value)
    if v is None:
        return None
    return QuantityError(uncertainty=v, confidence_level=confidence)


def _creation(prov: Provenance | None, obj: Any) -> None:
    if prov is None:
        return
    obj.creation_info = CreationInfo(
        author=prov.author, version=f"openndc {prov.software_version}", creation_time=prov.created
    )


def _prov_extra(prov: Provenance | None) -> dict[str, Any] | None:
    if prov is None:
        return None
    return {
        "method": prov.method,
        "software_version": prov.software_version,
        "parameters": dict(prov.parameters),
        "author": prov.author,
        "created_ns": int(prov.created.ns),
    }


def _modes(event: Event) -> tuple[str | None, str | None]:
    """QuakeML evaluation mode and status of a review status (None, None: not given)."""
    if event.review_status is None:
        return None, None
    return (
        ("manual", "reviewed")
        if event.review_status == "reviewed"
        else ("automatic", "preliminary")
    )


def _picks(event: Event, qe: QEvent, qo: QOrigin) -> dict[str, str]:
    """Picks, amplitudes and arrivals; returns detection id → amplitude resource id."""
    amp_ids: dict[str, str] = {}
    for i, arr in enumerate(event.arrivals):
        det = arr.detection
        wid = WaveformStreamID(det.network, det.station, det.location, det.channel)
        pick = Pick(
            resource_id=ResourceIdentifier(f"{_P}/pick/{event.id}/{i}"),
            time=det.time,
            time_errors=_err(det.time_uncertainty),
            waveform_id=wid,
            phase_hint=det.phase or None,
            backazimuth=opt(det.backazimuth),
            backazimuth_errors=_err(det.backazimuth_uncertainty),
            horizontal_slowness=opt(det.slowness),
            horizontal_slowness_errors=_err(det.slowness_uncertainty),
            method_id=ResourceIdentifier(f"{_P}/detection/{_slug(det.method)}"),
            onset=det.onset,
            polarity=det.polarity,
            evaluation_mode=det.evaluation_mode,
        )
        _put(pick, {k: getattr(det, k) for k in _DETECTION_EXTRA})
        qe.picks.append(pick)
        if opt(det.amplitude) is not None:
            nm = det.amplitude_unit == "nm"
            amp = Amplitude(
                resource_id=ResourceIdentifier(f"{_P}/amplitude/{event.id}/{i}"),
                generic_amplitude=det.amplitude * 1e-9 if nm else det.amplitude,
                unit="m" if nm else "other",
                type="A5/2",
                period=opt(det.period),
                snr=opt(det.snr),
                pick_id=pick.resource_id,
                waveform_id=wid,
                magnitude_hint="mb",
            )
            qe.amplitudes.append(amp)
            if det.id:
                amp_ids[det.id] = str(amp.resource_id)
        qarr = QArrival(
            resource_id=ResourceIdentifier(f"{_P}/arrival/{event.id}/{i}"),
            pick_id=pick.resource_id,
            phase=arr.phase,
            distance=opt(arr.distance),
            azimuth=opt(arr.azimuth),
            time_residual=opt(arr.time_residual),
            backazimuth_residual=opt(arr.backazimuth_residual),
            horizontal_slowness_residual=opt(arr.slowness_residual),
            time_weight=opt(arr.weight) if arr.time_defining else 0.0,
            backazimuth_weight=1.0 if arr.backazimuth_defining else 0.0,
            horizontal_slowness_weight=1.0 if arr.slowness_defining else 0.0,
        )
        _put(
            qarr,
            {
                "weight": arr.weight,
                "time_defining": arr.time_defining,
                "backazimuth_defining": arr.backazimuth_defining,
                "slowness_defining": arr.slowness_defining,
            },
        )
        qo.arrivals.append(qarr)
    return amp_ids


def _origin(event: Event) -> QOrigin:
    o = event.origin
    mode, status = _modes(event)
    conf = 100.0 * o.ellipse.confidence if o.ellipse is not None else 90.0
    qo = QOrigin(
        resource_id=ResourceIdentifier(f"{_P}/origin/{event.id}"),
        time=o.time,
        time_errors=_err(o.time_uncertainty, conf),
        latitude=o.latitude,
        longitude=o.longitude,
        depth=opt(o.depth_km * 1000.0),
        depth_errors=_err(o.depth_uncertainty_km * 1000.0, conf),
        depth_type="operator assigned" if o.depth_fixed else "from location",
        method_id=ResourceIdentifier(f"{_P}/location/{_slug(o.method)}") if o.method else None,
        earth_model_id=ResourceIdentifier(f"{_P}/earthmodel/{o.model}") if o.model else None,
        quality=OriginQuality(
            associated_phase_count=len(event.arrivals),
            used_phase_count=o.n_defining,
            used_station_count=o.n_stations,
            standard_error=opt(o.rms),
            azimuthal_gap=opt(o.gap),
            minimum_distance=opt(o.min_distance),
            maximum_distance=opt(o.max_distance),
        ),
        evaluation_mode=mode,
        evaluation_status=status,
    )
    if o.ellipse is not None:
        e = o.ellipse
        qo.origin_uncertainty = OriginUncertainty(
            min_horizontal_uncertainty=opt(e.semi_minor_km * 1000.0),
            max_horizontal_uncertainty=opt(e.semi_major_km * 1000.0),
            azimuth_max_horizontal_uncertainty=opt(e.azimuth),
            confidence_level=opt(100.0 * e.confidence),
            preferred_description="uncertainty ellipse",
        )
    _creation(o.provenance, qo)
    _put(
        qo,
        {
            "id": o.id,
            "method": o.method,
            "model": o.model,
            "depth_km": o.depth_km,
            "depth_uncertainty_km": o.depth_uncertainty_km,
            "ellipse": None
            if o.ellipse is None
            else [o.ellipse.semi_major_km, o.ellipse.semi_minor_km, o.ellipse.confidence],
            "n_stations": o.n_stations,
            "provenance": _prov_extra(o.provenance),
        },
    )
    return qo


def _magnitudes(event: Event, qe: QEvent, qo: QOrigin, amp_ids: dict[str, str]) -> None:
    mode, status = _modes(event)
    for mag in event.magnitudes:
        qm = Magnitude(
            resource_id=ResourceIdentifier(f"{_P}/magnitude/{event.id}/{mag.magnitude_type}"),
            mag=opt(mag.value),
            mag_errors=_err(mag.uncertainty),
            magnitude_type=mag.magnitude_type,
            origin_id=qo.resource_id,
            method_id=(
                ResourceIdentifier(f"{_P}/magnitude/{_slug(mag.method)}") if mag.method else None
            ),
            station_count=mag.n_stations,
            evaluation_mode=mode,
            evaluation_status=status,
        )
        _creation(mag.provenance, qm)
        _put(qm, {"method": mag.method, "provenance": _prov_extra(mag.provenance)})
        for j, sm in enumerate(mag.station_magnitudes):
            qs = QStationMagnitude(
                resource_id=ResourceIdentifier(
                    f"{_P}/stationmagnitude/{event.id}/{mag.magnitude_type}/{j}"
                ),
                origin_id=qo.resource_id,
                mag=opt(sm.value),
                station_magnitude_type=sm.magnitude_type,
                amplitude_id=amp_ids.get(sm.detection_id),
                waveform_id=WaveformStreamID(sm.network, sm.station),
            )
            _put(
                qs,
                {
                    k: getattr(sm, k)
                    for k in ("amplitude", "amplitude_unit", "period", "distance", "detection_id")
                }
                | {"used": sm.used},
            )
            qe.station_magnitudes.append(qs)
            qm.station_magnitude_contributions.append(
                StationMagnitudeContribution(
                    station_magnitude_id=qs.resource_id, weight=1.0 if sm.used else 0.0
                )
            )
        qe.magnitudes.append(qm)
        if mag is event.preferred_magnitude:
            qe.preferred_magnitude_id = qm.resource_id


def _event_to_quakeml(event: Event) -> QEvent:
    qe = QEvent(
        resource_id=ResourceIdentifier(f"{_P}/event/{event.id}"), event_type=event.event_type
    )
    qo = _origin(event)
    amp_ids = _picks(event, qe, qo)
    qe.origins.append(qo)
    qe.preferred_origin_id = qo.resource_id
    _magnitudes(event, qe, qo, amp_ids)
    if event.comment:
        qe.comments.append(Comment(text=event.comment))
    _creation(event.provenance, qe)
    _put(
        qe,
        {
            "id": event.id,
            "review_status": event.review_status,
            "provenance": _prov_extra(event.provenance),
        },
    )
    return qe


def to_catalog(bulletin: Bulletin) -> Catalog:
    """A bulletin as an ObsPy catalog (one origin per event: the preferred one)."""
    cat = Catalog(
        events=[_event_to_quakeml(e) for e in bulletin.events],
        resource_id=ResourceIdentifier(f"{_P}/bulletin"),
        description=bulletin.name or None,
    )
    _creation(bulletin.provenance, cat)
    _put(cat, {"name": bulletin.name, "provenance": _prov_extra(bulletin.provenance)})
    cat.nsmap = {"openndc": NAMESPACE}
    return cat


def write_quakeml(bulletin: Bulletin, path: str | Path) -> None:
    """Write a bulletin as QuakeML 1.2."""
    try:
        to_catalog(bulletin).write(str(path), format="QUAKEML", nsmap={"openndc": NAMESPACE})
    except OSError as exc:
        raise BulletinError(f"{path}: cannot write QuakeML: {exc}") from exc


# -- reading ---------------------------------------------------------------------------


def _provenance(obj: Any, data: dict[str, Any] | None) -> Provenance | None:
    if data is not None and "provenance" in data:
        p = data["provenance"]
        if p is None:
            return None
        return Provenance(
            method=p["method"],
            software_version=p["software_version"],
            parameters=p["parameters"],
            author=p["author"],
            created=UTCDateTime(ns=int(p["created_ns"])),
        )
    ci = getattr(obj, "creation_info", None)
    if ci is None or not (ci.author or ci.agency_id or ci.version):
        return None
    version = str(ci.version or "")
    return Provenance(
        method="",
        software_version=version.removeprefix("openndc "),
        author=str(ci.author or ci.agency_id or ""),
        created=ci.creation_time or UTCDateTime(0),
    )


def _count(value: Any) -> int | None:
    """An optional QuakeML count (None: not given)."""
    return None if value is None else int(value)


def _coded(value: Any, choices: tuple[str, ...]) -> Any:
    """A QuakeML enumeration value the model knows, else None (not reported)."""
    text = None if value is None else str(value)
    return text if text in choices else None


def _unc(err: Any) -> float:
    return nan_or(None if err is None else err.uncertainty)


def _last(rid: Any) -> str:
    text = str(rid) if rid is not None else ""
    return text.rstrip("/").rsplit("/", 1)[-1]


def _read_origin(qo: QOrigin) -> Origin:
    x = _get(qo) or {}
    q = qo.quality or OriginQuality()
    ou = qo.origin_uncertainty
    ellipse = None
    if x.get("ellipse") is not None:
        smaj, smin, conf = x["ellipse"]
        ellipse = ErrorEllipse(
            nan_or(smaj), nan_or(smin), nan_or(ou.azimuth_max_horizontal_uncertainty), nan_or(conf)
        )
    elif ou is not None and ou.max_horizontal_uncertainty is not None:
        ellipse = ErrorEllipse(
            semi_major_km=nan_or(ou.max_horizontal_uncertainty) / 1000.0,
            semi_minor_km=nan_or(ou.min_horizontal_uncertainty) / 1000.0,
            azimuth=nan_or(ou.azimuth_max_horizontal_uncertainty),
            confidence=(ou.confidence_level or 90.0) / 100.0,
        )
    elif ou is not None and ou.horizontal_uncertainty is not None:
        r = float(ou.horizontal_uncertainty) / 1000.0
        ellipse = ErrorEllipse(r, r, 0.0, (ou.confidence_level or 90.0) / 100.0)
    depth_m = qo.depth
    return Origin(
        time=qo.time,
        latitude=nan_or(qo.latitude),
        longitude=nan_or(qo.longitude),
        depth_km=nan_or(x["depth_km"]) if "depth_km" in x else nan_or(depth_m) / 1000.0,
        time_uncertainty=_unc(qo.time_errors),
        depth_uncertainty_km=nan_or(x["depth_uncertainty_km"])
        if "depth_uncertainty_km" in x
        else _unc(qo.depth_errors) / 1000.0,
        depth_fixed=str(qo.depth_type or "") == "operator assigned",
        ellipse=ellipse,
        rms=nan_or(q.standard_error),
        n_defining=_count(q.used_phase_count),
        n_stations=_count(x.get("n_stations", q.used_station_count)),
        gap=nan_or(q.azimuthal_gap),
        min_distance=nan_or(q.minimum_distance),
        max_distance=nan_or(q.maximum_distance),
        method=str(x.get("method", _last(qo.method_id) if qo.method_id else "")),
        model=str(x.get("model", _last(qo.earth_model_id) if qo.earth_model_id else "")),
        id=str(x.get("id", _last(qo.resource_id))),
        provenance=_provenance(qo, x or None),
    )


def _read_detection(pick: Pick, amps: dict[str, Amplitude]) -> Detection:
    x = _get(pick)
    wid = pick.waveform_id or WaveformStreamID()
    fields: dict[str, Any] = {
        "onset": _coded(pick.onset, ONSETS),
        "polarity": _coded(pick.polarity, POLARITIES),
        "evaluation_mode": _coded(pick.evaluation_mode, EVALUATION_MODES),
    }
    if x is not None:
        fields |= {
            k: (nan_or(v) if isinstance(v, (int, float)) or v is None else v) for k, v in x.items()
        }
        fields["id"] = str(x["id"])
        fields["method"] = str(x["method"])
        fields["amplitude_unit"] = str(x["amplitude_unit"])
    else:
        amp = amps.get(str(pick.resource_id))
        if amp is not None and amp.generic_amplitude is not None:
            in_m = str(amp.unit or "") == "m"
            fields.update(
                amplitude=float(amp.generic_amplitude) * (1e9 if in_m else 1.0),
                amplitude_unit="nm" if in_m else str(amp.unit or ""),
                period=nan_or(amp.period),
                snr=nan_or(amp.snr),
            )
        fields["id"] = _last(pick.resource_id)
        method = _last(pick.method_id) if pick.method_id else ""
        fields["method"] = method if method in ("stalta", "beam", "3c") else "stalta"
    return Detection(
        network=str(wid.network_code or ""),
        station=str(wid.station_code or ""),
        location=str(wid.location_code or ""),
        channel=str(wid.channel_code or ""),
        time=pick.time,
        time_uncertainty=_unc(pick.time_errors),
        phase=str(pick.phase_hint or ""),
        backazimuth=nan_or(pick.backazimuth),
        backazimuth_uncertainty=_unc(pick.backazimuth_errors),
        slowness=nan_or(pick.horizontal_slowness),
        slowness_uncertainty=_unc(pick.horizontal_slowness_errors),
        **fields,
    )


def _read_arrivals(qe: QEvent, qo: QOrigin) -> tuple[Arrival, ...]:
    picks = {str(p.resource_id): p for p in qe.picks}
    amps = {str(a.pick_id): a for a in qe.amplitudes if a.pick_id is not None}
    out = []
    for qa in qo.arrivals:
        pick = picks.get(str(qa.pick_id))
        if pick is None or pick.time is None:
            log.debug("arrival %s without a pick time skipped", qa.resource_id)
            continue
        x = _get(qa)
        tw = qa.time_weight
        flags = (
            (
                bool(x["time_defining"]),
                bool(x["backazimuth_defining"]),
                bool(x["slowness_defining"]),
            )
            if x is not None
            else (bool(tw), bool(qa.backazimuth_weight), bool(qa.horizontal_slowness_weight))
        )
        out.append(
            Arrival(
                detection=_read_detection(pick, amps),
                phase=str(qa.phase or pick.phase_hint or ""),
                distance=nan_or(qa.distance),
                azimuth=nan_or(qa.azimuth),
                time_residual=nan_or(qa.time_residual),
                backazimuth_residual=nan_or(qa.backazimuth_residual),
                slowness_residual=nan_or(qa.horizontal_slowness_residual),
                time_defining=flags[0],
                backazimuth_defining=flags[1],
                slowness_defining=flags[2],
                weight=nan_or(x["weight"]) if x is not None else (float(tw) if tw else 0.0),
            )
        )
    return tuple(out)


def _read_station_magnitude(
    qs: QStationMagnitude, weight: float | None, qe: QEvent
) -> StationMagnitude:
    x = _get(qs)
    wid = qs.waveform_id or WaveformStreamID()
    base: dict[str, Any] = dict(
        magnitude_type=str(qs.station_magnitude_type or ""),
        value=nan_or(qs.mag),
        network=str(wid.network_code or ""),
        station=str(wid.station_code or ""),
    )
    if x is not None:
        return StationMagnitude(
            amplitude=nan_or(x["amplitude"]),
            amplitude_unit=str(x["amplitude_unit"]),
            period=nan_or(x["period"]),
            distance=nan_or(x["distance"]),
            detection_id=str(x["detection_id"]),
            used=bool(x["used"]),
            **base,
        )
    amp = qs.amplitude_id.get_referred_object() if qs.amplitude_id else None
    amplitude, unit, period, det_id = math.nan, "", math.nan, ""
    if isinstance(amp, Amplitude) and amp.generic_amplitude is not None:
        in_m = str(amp.unit or "") == "m"
        amplitude = float(amp.generic_amplitude) * (1e9 if in_m else 1.0)
        unit = "nm" if in_m else str(amp.unit or "")
        period = nan_or(amp.period)
        det_id = _last(amp.pick_id) if amp.pick_id else ""
    return StationMagnitude(
        amplitude=amplitude,
        amplitude_unit=unit,
        period=period,
        detection_id=det_id,
        used=weight is None or weight > 0,
        **base,
    )


def _read_magnitudes(qe: QEvent, qo: QOrigin) -> tuple[NetworkMagnitude, ...]:
    stamags = {str(s.resource_id): s for s in qe.station_magnitudes}
    claimed: set[str] = set()
    mags = [
        m for m in qe.magnitudes if m.origin_id is None or str(m.origin_id) == str(qo.resource_id)
    ]
    out = []
    for m in mags:
        x = _get(m)
        members = []
        for c in m.station_magnitude_contributions:
            qs = stamags.get(str(c.station_magnitude_id))
            if qs is not None:
                claimed.add(str(qs.resource_id))
                members.append(_read_station_magnitude(qs, c.weight, qe))
        out.append([m, x, members])
    # Station magnitudes no network magnitude claims (e.g. from IMS1.0): by type.
    for key, qs in stamags.items():
        if key in claimed:
            continue
        for m, _, members in out:
            if m.magnitude_type and m.magnitude_type == qs.station_magnitude_type:
                members.append(_read_station_magnitude(qs, None, qe))
                break
    return tuple(
        NetworkMagnitude(
            magnitude_type=cast(Any, str(m.magnitude_type or "")),
            value=nan_or(m.mag),
            uncertainty=_unc(m.mag_errors),
            n_stations=_count(m.station_count),
            method=str(x["method"]) if x else (_last(m.method_id) if m.method_id else ""),
            station_magnitudes=tuple(members),
            provenance=_provenance(m, x),
        )
        for m, x, members in out
    )


def _event_from_quakeml(qe: QEvent) -> Event | None:
    qo = qe.preferred_origin() or (qe.origins[-1] if qe.origins else None)
    if qo is None or qo.time is None or qo.latitude is None or qo.longitude is None:
        log.warning("event %s has no origin with time and epicentre; skipped", qe.resource_id)
        return None
    x = _get(qe) or {}
    mode = str(qo.evaluation_mode or "")
    from_mode = {"manual": "reviewed", "automatic": "automatic"}.get(mode)
    review = x.get("review_status", from_mode)
    if review not in (None, "automatic", "reviewed"):
        raise ValueError(f"event {qe.resource_id}: unknown review status {review!r}")
    comment = "\n".join(c.text for c in qe.comments if c.text)
    return Event(
        id=str(x.get("id", _last(qe.resource_id))),
        origin=_read_origin(qo),
        arrivals=_read_arrivals(qe, qo),
        magnitudes=_read_magnitudes(qe, qo),
        event_type=event_type_or_default(qe.event_type),
        review_status=review,
        comment=comment,
        provenance=_provenance(qe, x or None),
    )


def from_catalog(catalog: Catalog, name: str = "") -> Bulletin:
    """An ObsPy catalog as a bulletin (each event's preferred origin, else its last)."""
    x = _get(catalog) or {}
    events = (_event_from_quakeml(qe) for qe in catalog.events)
    return Bulletin(
        events=tuple(e for e in events if e is not None),
        provenance=_provenance(catalog, x or None),
        name=str(x.get("name", name or catalog.description or "")),
    )


def read_quakeml(path: str | Path) -> Bulletin:
    """Read a QuakeML file into a bulletin."""
    try:
        catalog = read_events(str(path), format="QUAKEML")
    except Exception as exc:  # ObsPy raises many kinds on bad XML
        raise BulletinError(f"{path}: cannot read QuakeML: {exc}") from exc
    try:
        return from_catalog(catalog, name=Path(path).stem)
    except (ValueError, TypeError) as exc:  # values ObsPy accepted but the model cannot hold
        raise BulletinError(f"{path}: impossible value in QuakeML: {exc}") from exc
    except KeyError as exc:  # an openndc extra element without one of its keys
        raise BulletinError(
            f"{path}: incomplete openndc extra element in QuakeML (no {exc}); write the file "
            "again with openndc or remove its openndc elements"
        ) from exc
