"""Association against a reference bulletin: the NDC's detections of events another agency
located (the IDC's REB or SEL, any QuakeML bulletin, an FDSN event service).

Before the free association, every detection that fits a predicted arrival of a reference
event joins that event (:func:`join_reference`):

- *predictions*: for each reference origin and site, every phase the travel-time model has
  (the first P and first S with their IDC names, Pg/Sg where they are not first, PKP,
  pP, sP, PcP, ScS, Lg and Rg out to ``MAX_DISTANCE``), hydroacoustic T/H over paths open to
  sound, timed and toleranced as :func:`openndc.association.later.hydro_travel_times` does
  (the sea at ``hydro_velocity``, the land legs at ``hydro_land_velocity``), and infrasound
  I at the ``infrasound_celerity`` range;
- *which phases a detection may be*: those of the wave its name ends in (P, S/L, R; an
  unnamed detection any seismic one); another seismic wave only where a measured
  slowness fits it, ranked behind the named wave (:data:`HINT_PENALTY`): the detector's
  name is a hint (an array's teleseismic S has a regional Pn's slowness); T/H only T,
  I only I;
- *fit*: time residual within ``reference_sigma_factor`` combined sigmas, the detection's
  pick uncertainty, the reference origin's time, epicentre and depth uncertainties (turned
  into time by the phase's slowness and depth derivative) and the model's error
  (``reference_model_error``, doubled for S and surface waves); a back-azimuth measured to
  better than ``ndc_max_baz_sigma`` must point to the reference epicentre and a slowness
  measured to better than ``ndc_max_slowness_sigma`` must fit the phase's;
- *assignment*: best fit first, one detection to one event and phase, one detection per
  event, site and phase; an event keeps its detections only with first-P data worth
  ``reference_min_stations`` (one per site, ``array_weight`` for an array whose
  back-azimuth and slowness fit), else they go back to the pool and are assigned again.

An event so made has the reference origin (``Origin.method`` :data:`REFERENCE_METHOD`, its
provenance's author the reference agency: QuakeML ``creationInfo.agencyID``, the IMS1.0
author), the NDC's own arrivals (residuals against the reference origin), no magnitudes (the
magnitude stage computes the NDC's), and a stable identifier derived from the reference
(:func:`reference_event_id`: agency and the reference's event id), so windowed reruns give
the same event. The remaining detections go to the free association
(:func:`openndc.association.associate`); a free event within ``ndc_merge_time`` and
``ndc_merge_distance`` of a reference event is a split of it and is dropped.

Reading (:func:`read_reference`, :func:`open_reference`): QuakeML and IMS1.0 files through
ObsPy's readers (``read_events``, formats QUAKEML and IMS10BULLETIN), an FDSN event service
through ``obspy.clients.fdsn.Client`` (an ``http(s)://`` URL: the service's base URL, or its
``.../fdsnws/event/1/query`` URL, optionally with query parameters such as
``minmagnitude``).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import re
import time as _time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import numpy.typing as npt
from obspy import UTCDateTime

from openndc.association.config import AssociationConfig
from openndc.association.later import (
    hydro_chance,
    hydro_travel_times,
    infrasound_chance,
    site_rates,
)
from openndc.association.tables import TravelTimeSource, travel_time_source
from openndc.model.detection import Detection
from openndc.model.errors import AssociationError, ConfigError
from openndc.model.event import EVENT_TYPES, Arrival, ErrorEllipse, Event, Origin
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.model.inventory import MonitoringNetwork
from openndc.model.phases import MAX_DISTANCE
from openndc.model.provenance import Provenance

__all__ = [
    "REFERENCE_METHOD",
    "ReferenceBulletin",
    "ReferenceBulletinError",
    "ReferenceJoin",
    "associate_with_reference",
    "catalog_to_events",
    "is_reference_event",
    "join_reference",
    "open_reference",
    "read_reference",
    "reference_event_id",
    "reference_events",
]

log = logging.getLogger(__name__)

#: ``Origin.method`` of an origin taken from a reference bulletin (the location stage does
#: not relocate it unless ``reference_relocate`` is set).
REFERENCE_METHOD = "reference"
#: Added to the fit (residual / tolerance, 0-1) of a phase of another wave than the one the
#: detection's name says, so that the named wave wins where both fit.
HINT_PENALTY = 0.5
#: Timeout of one FDSN request [s].
FDSN_TIMEOUT = 60.0

FloatArray = npt.NDArray[np.float64]

# Wave groups of a phase name (the last upper-case letter of the name: the wave that arrives).
_P, _S, _R, _HYDRO, _INFRA, _ANY = 1, 2, 4, 8, 16, 1 | 2 | 4


class ReferenceBulletinError(AssociationError):
    """The reference bulletin cannot be read (file, format, or service)."""


# --- reading ------------------------------------------------------------------------------


def _slug(text: str) -> str:
    """The last path-like part of an identifier, with only ``[A-Za-z0-9._-]``."""
    text = text.strip().rstrip("/")
    for sep in ("?", "#"):
        text = text.split(sep)[0]
    last = re.split(r"[/=:]", text)[-1] if text else ""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", last).strip("_")[:60]


def reference_event_id(agency: str, event_id: str, origin_time: UTCDateTime) -> str:
    """The NDC's identifier of a reference event: ``<agency>-<reference event id>`` (the last
    part of a QuakeML resource identifier), or ``<agency>-<origin time>`` without an id."""
    tag = _slug(agency) or "REF"
    ident = _slug(event_id) or origin_time.strftime("%Y%m%dT%H%M%S")
    if ident.startswith(f"{tag}-"):  # already ours (read back from our own service)
        return ident[:100]
    return f"{tag}-{ident}"[:100]


def is_reference_event(event: Event) -> bool:
    """True for an event whose origin was taken from a reference bulletin."""
    return event.origin.method == REFERENCE_METHOD


def _unc(value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) and v > 0 else math.nan


def catalog_to_events(catalog: Any, source: str = "", agency: str = "") -> list[Event]:
    """Reference events (preferred origin only, no arrivals or magnitudes) of an ObsPy
    ``Catalog``. The agency is the origin's (else the event's, else the catalogue's)
    ``creationInfo.agencyID`` (IMS1.0: the author), else ``agency``, else ``REF``."""
    import openndc

    events: list[Event] = []
    cat_agency = str(getattr(getattr(catalog, "creation_info", None), "agency_id", "") or "")
    for ev in catalog:
        org = ev.preferred_origin() or (ev.origins[0] if ev.origins else None)
        if org is None or org.time is None or org.latitude is None or org.longitude is None:
            continue
        who = ""
        for obj in (org, ev):
            ci = getattr(obj, "creation_info", None)
            who = who or str(getattr(ci, "agency_id", "") or getattr(ci, "author", "") or "")
        who = who or cat_agency or agency or "REF"
        depth_km = float(org.depth) / 1000.0 if org.depth is not None else 0.0
        depth_unc = _unc(getattr(org.depth_errors, "uncertainty", None))
        ellipse = None
        ou = org.origin_uncertainty
        if ou is not None:
            ce = getattr(ou, "confidence_ellipsoid", None)
            major = _unc(getattr(ou, "max_horizontal_uncertainty", None))
            minor = _unc(getattr(ou, "min_horizontal_uncertainty", None))
            level = _unc(getattr(ou, "confidence_level", None))
            if math.isfinite(major):
                ellipse = ErrorEllipse(
                    major / 1000.0,
                    (minor if math.isfinite(minor) else major) / 1000.0,
                    float(getattr(ou, "azimuth_max_horizontal_uncertainty", 0.0) or 0.0),
                    level / 100.0 if math.isfinite(level) else 0.9,
                )
            elif ce is not None and _unc(ce.semi_major_axis_length) > 0:
                ellipse = ErrorEllipse(
                    float(ce.semi_major_axis_length) / 1000.0,
                    float(ce.semi_minor_axis_length or ce.semi_major_axis_length) / 1000.0,
                    float(ce.major_axis_azimuth or 0.0),
                    level / 100.0 if math.isfinite(level) else 0.9,
                )
            else:
                unc = _unc(getattr(ou, "horizontal_uncertainty", None))
                if math.isfinite(unc):
                    ellipse = ErrorEllipse(unc / 1000.0, unc / 1000.0, 0.0, 0.68)
        event_id = str(ev.resource_id.id if ev.resource_id is not None else "")
        etype = str(ev.event_type or "not reported")
        prov = Provenance(
            method="reference bulletin",
            software_version=getattr(openndc, "__version__", "0"),
            parameters={"source": source, "agency": who, "reference_event_id": event_id},
            author=who,
            created=getattr(getattr(org, "creation_info", None), "creation_time", None)
            or UTCDateTime(0),
        )
        origin = Origin(
            time=UTCDateTime(org.time),
            latitude=float(org.latitude),
            longitude=float(org.longitude),
            depth_km=depth_km,
            time_uncertainty=_unc(getattr(org.time_errors, "uncertainty", None)),
            depth_uncertainty_km=depth_unc / 1000.0 if math.isfinite(depth_unc) else math.nan,
            depth_fixed=str(getattr(org, "depth_type", "") or "") == "operator assigned",
            ellipse=ellipse,
            method=REFERENCE_METHOD,
            model=_slug(str(org.earth_model_id or "")) or "ak135",
            id=str(org.resource_id.id if org.resource_id is not None else ""),
            provenance=prov,
        )
        events.append(
            Event(
                id=reference_event_id(who, event_id, origin.time),
                origin=origin,
                event_type=etype if etype in EVENT_TYPES else "not reported",  # type: ignore[arg-type]
                review_status=None,
                comment=f"located by {who}",
                provenance=prov,
            )
        )
    events.sort(key=lambda e: (e.origin.time, e.id))
    return events


def _is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def _fdsn_parts(spec: str) -> tuple[str, dict[str, str]]:
    """Base URL and extra query parameters of an FDSN event-service URL."""
    parts = urlsplit(spec)
    path = parts.path
    k = path.find("/fdsnws/")
    base = f"{parts.scheme}://{parts.netloc}{path[:k] if k >= 0 else path.rstrip('/')}"
    extra = {k: v for k, v in parse_qsl(parts.query) if k not in ("starttime", "endtime")}
    return base, extra


def read_reference(
    spec: str, start: UTCDateTime | None = None, end: UTCDateTime | None = None
) -> list[Event]:
    """Reference events from a QuakeML or IMS1.0 file, or from an FDSN event service
    (``http(s)://`` URL; ``start``/``end`` bound the query). Raises
    :class:`ReferenceBulletinError` with one line naming the input and what to do."""
    return open_reference(spec).events(start, end)


@dataclass
class ReferenceBulletin:
    """A reference bulletin, opened once: a file read into memory, or an FDSN event
    service queried per span (``events(start, end)``, origins in ``[start, end)``)."""

    spec: str
    _events: list[Event] | None = None
    _client: Any = None
    _extra: dict[str, str] = field(default_factory=dict)

    def events(
        self, start: UTCDateTime | None = None, end: UTCDateTime | None = None
    ) -> list[Event]:
        if self._events is not None:
            return [
                e
                for e in self._events
                if (start is None or e.origin.time >= start)
                and (end is None or e.origin.time < end)
            ]
        return self._query(start, end)

    def _query(self, start: UTCDateTime | None, end: UTCDateTime | None) -> list[Event]:
        from obspy.clients.fdsn.header import FDSNException, FDSNNoDataException

        kwargs: dict[str, Any] = dict(self._extra)
        if start is not None:
            kwargs["starttime"] = start
        if end is not None:
            kwargs["endtime"] = end
        try:
            catalog = self._client.get_events(**kwargs)
        except FDSNNoDataException:
            return []
        except (FDSNException, OSError) as exc:
            raise ReferenceBulletinError(
                f"reference bulletin {self.spec}: the FDSN event query failed ({_first_line(exc)});"
                " check the URL and that the service is up"
            ) from None
        events = catalog_to_events(catalog, self.spec)
        return [e for e in events if end is None or e.origin.time < end]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


@functools.lru_cache(maxsize=8)
def _open_file(path: str, mtime_ns: int) -> ReferenceBulletin:
    from obspy import read_events

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            catalog = read_events(path)
    except Exception as exc:  # ObsPy raises TypeError, ValueError, XML errors...
        raise ReferenceBulletinError(
            f"reference bulletin {path}: not a QuakeML or IMS1.0 bulletin ObsPy can read "
            f"({_first_line(exc)}); give a QuakeML or IMS1.0 file or an FDSN event URL"
        ) from None
    events = catalog_to_events(catalog, path)
    log.info("reference bulletin %s: %d events", path, len(events))
    return ReferenceBulletin(path, events)


@functools.lru_cache(maxsize=8)
def _open_url(spec: str) -> ReferenceBulletin:
    from obspy.clients.fdsn import Client
    from obspy.clients.fdsn.header import FDSNException

    base, extra = _fdsn_parts(spec)
    try:
        client = Client(base, timeout=FDSN_TIMEOUT, service_mappings=None)
    except (FDSNException, OSError, ValueError) as exc:
        raise ReferenceBulletinError(
            f"reference bulletin {spec}: no FDSN service answers there ({_first_line(exc)}); "
            "check the URL and that the service is up"
        ) from None
    if "event" not in client.services:
        raise ReferenceBulletinError(
            f"reference bulletin {spec}: the FDSN service at {base} has no event service"
        )
    return ReferenceBulletin(spec, None, client, extra)


def open_reference(spec: str) -> ReferenceBulletin:
    """The reference bulletin ``spec`` (file path or ``http(s)://`` FDSN URL), opened once
    per process (a file is read again when it changes). Raises
    :class:`ReferenceBulletinError` when it cannot be read or reached."""
    spec = spec.strip()
    if not spec:
        raise ReferenceBulletinError("reference bulletin: empty path or URL")
    if _is_url(spec):
        return _open_url(spec)
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ReferenceBulletinError(
            f"reference bulletin {spec}: no such file; give a QuakeML or IMS1.0 file or an "
            "FDSN event URL (http://...)"
        )
    return _open_file(str(path.resolve()), path.stat().st_mtime_ns)


def reference_events(
    config: AssociationConfig, start: UTCDateTime, end: UTCDateTime
) -> list[Event]:
    """The events of ``config.reference`` with origins in ``[start, end)`` (none when it is
    not set)."""
    if not config.reference:
        return []
    return open_reference(config.reference).events(start, end)


# --- joining ------------------------------------------------------------------------------


def _wave(phase: str) -> int:
    """The wave group a detection's phase name allows (see the module docstring)."""
    name = (phase or "").strip()
    if name in ("", "N", "?", "X"):
        return _ANY
    if name in ("T", "H", "HT", "TPhase"):
        return _HYDRO
    if name in ("I", "Is", "It", "Iw"):
        return _INFRA
    letters = [c for c in name if c.isupper()]
    last = letters[-1] if letters else name[-1:].upper()
    return {"P": _P, "S": _S, "L": _S, "R": _R}.get(last, _ANY)


@dataclass
class _Prediction:
    name: str
    group: int
    first_p: bool
    t: FloatArray  # travel time per site [s]
    dtdd: FloatArray  # [s/deg]
    dtdh: FloatArray  # [s/km]
    model_error: float


def _predictions(
    source: TravelTimeSource,
    config: AssociationConfig,
    dist: FloatArray,
    depth: float,
) -> list[_Prediction]:
    """Every phase the model predicts at the sites' distances (NaN where absent), named
    as the IDC names them; later copies of a first arrival are left out."""
    h = np.full(dist.shape, max(depth, 0.0))
    err = config.reference_model_error

    def tab(ph: str) -> tuple[FloatArray, FloatArray, FloatArray] | None:
        try:
            t, d, z = source.derivatives(ph, dist, h)
        except ConfigError:
            return None
        return np.asarray(t, float), np.asarray(d, float), np.asarray(z, float)

    out: list[_Prediction] = []
    first_arrival = getattr(source, "first_arrival", None)
    for kind, group in (("P", _P), ("S", _S)):
        gen = tab(kind)
        if gen is None:
            continue
        if first_arrival is not None:
            t1, names = first_arrival(dist, h, kind)
            t1 = np.asarray(t1, float)
            names = np.asarray(names).astype(str)
        else:
            t1, names = gen[0], np.full(dist.shape, kind)
        # the derivatives of the first arrival: those of the named table where it is first
        d1, z1 = gen[1].copy(), gen[2].copy()
        for name in set(names.tolist()):
            if name == kind:
                continue
            alt = tab(name)
            if alt is not None:
                m = names == name
                d1[m], z1[m] = alt[1][m], alt[2][m]
        for name in sorted(set(names.tolist())):
            m = names == name
            t = np.where(m, t1, np.nan)
            out.append(
                _Prediction(name, group, group == _P, t, d1, z1, err * (1 if group == _P else 2))
            )
        # crustal phases where they are not the first arrival (Pg/Sg behind Pn/Sn)
        crustal = tab(f"{kind}g")
        if crustal is not None:
            t = np.where(np.abs(crustal[0] - t1) > 0.5, crustal[0], np.nan)
            out.append(_Prediction(f"{kind}g", group, False, t, crustal[1], crustal[2], err * 2))
    later = tuple(dict.fromkeys(("Lg", *config.later_phases)))
    firsts = [p for p in out if p.name in ("P", "S", "Pn", "Sn", "Pg", "Sg", "PKP")]
    for ph in later:
        got = tab(ph)
        if got is None:
            continue
        t = got[0].copy()
        if ph in MAX_DISTANCE:
            t[dist > MAX_DISTANCE[ph]] = np.nan
        if ph == "Lg":
            t[dist < config.lg_min_distance] = np.nan
        for p in firsts:  # a later phase that is a first arrival's copy
            same = np.isfinite(p.t) & (np.abs(p.t - t) < 0.5)
            t[same] = np.nan
        group = _wave(ph)
        out.append(
            _Prediction(ph, group, False, t, got[1], got[2], err * (1 if group == _P else 2))
        )
    return out


@dataclass
class _Sites:
    lat: FloatArray
    lon: FloatArray
    is_array: npt.NDArray[np.bool_]


@dataclass
class ReferenceJoin:
    """What :func:`join_reference` gives: the reference events with the NDC's arrivals,
    the detections none of them took, and counts."""

    events: list[Event]
    remaining: list[Detection]
    stats: dict[str, float] = field(default_factory=dict)


def _site_of(
    det: Detection, network: MonitoringNetwork, arrays: dict[str, Any]
) -> tuple[float, float, bool] | None:
    code = (det.station or "").strip()
    if code in arrays:
        a = arrays[code]
        return float(a.reference_latitude), float(a.reference_longitude), True
    sta = network.find_station(code, det.network or None) or network.find_station(code)
    if sta is None:
        return None
    return float(sta.latitude), float(sta.longitude), False


def _f(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan


@dataclass
class _Candidate:
    q: float
    det: int
    event: int
    phase: str
    first_p: bool
    residual: float
    distance: float
    azimuth: float
    baz_residual: float
    slow_residual: float
    baz_checked: bool
    slow_checked: bool


def _origin_sigmas(origin: Origin, config: AssociationConfig) -> tuple[float, float, float]:
    """1-sigma origin time [s], epicentre [km] and depth [km] uncertainties of a reference
    origin (the configured defaults where it gives none)."""
    st = origin.time_uncertainty
    st = st if math.isfinite(st) and st > 0 else config.reference_time_uncertainty
    e = origin.ellipse
    if e is not None and math.isfinite(e.semi_major_km) and e.semi_major_km > 0:
        conf = e.confidence if 0 < e.confidence < 1 else 0.9
        k = math.sqrt(-2.0 * math.log(1.0 - conf))
        se = e.semi_major_km / k
    else:
        se = config.reference_epicentre_uncertainty
    sz = origin.depth_uncertainty_km
    if origin.depth_fixed or not (math.isfinite(sz) and sz > 0):
        sz = config.reference_depth_uncertainty
    return st, se, sz


def _candidates(
    k: int,
    ref: Event,
    dets: Sequence[Detection],
    idx: npt.NDArray[np.int64],
    site_of: list[int],
    sites: _Sites,
    config: AssociationConfig,
    source: TravelTimeSource,
    rate: FloatArray,
) -> list[_Candidate]:
    """The phases of reference event ``k`` that detections ``idx`` fit; ``rate``: per
    detection, its site's noise rate of its kind [1/s] (T/H and I: a fit as good as the
    site's noise makes by chance more often than ``hydro_chance`` / ``infrasound_chance``
    is none)."""
    o = ref.origin
    st, se, sz = _origin_sigmas(o, config)
    used_sites = sorted({site_of[i] for i in idx})
    if not used_sites:
        return []
    s_idx = np.array(used_sites, dtype=np.int64)
    dist, az, pbaz = distance_azimuth(o.latitude, o.longitude, sites.lat[s_idx], sites.lon[s_idx])
    dist = np.atleast_1d(np.asarray(dist, float))
    az = np.atleast_1d(np.asarray(az, float))
    pbaz = np.atleast_1d(np.asarray(pbaz, float))
    depth = o.depth_km if math.isfinite(o.depth_km) else 0.0
    preds = _predictions(source, config, dist, depth)
    col = {s: j for j, s in enumerate(used_sites)}
    kf = config.reference_sigma_factor
    se_deg = se / DEG_KM
    out: list[_Candidate] = []
    km = dist * DEG_KM
    # T/H travel times and whether sound reaches them, at the sites of hydroacoustic detections
    hydro_cols = sorted({col[site_of[i]] for i in idx if _wave(dets[i].phase) == _HYDRO})
    hydro_tt = np.full(len(used_sites), np.nan)
    hydro_tol = np.full(len(used_sites), np.nan)
    hydro_open = np.zeros(len(used_sites), dtype=bool)
    if hydro_cols:
        hc = np.asarray(hydro_cols, dtype=np.int64)
        hydro_tt[hc], hydro_tol[hc], hydro_open[hc] = hydro_travel_times(
            o.latitude, o.longitude, sites.lat[s_idx[hc]], sites.lon[s_idx[hc]], config
        )
    for i in idx:
        det = dets[i]
        j = col[site_of[i]]
        group = _wave(det.phase)
        dt = float(det.time - o.time)
        pick = _f(det.time_uncertainty)
        pick = pick if pick > 0 else config.reference_pick_uncertainty
        baz, bsig = _f(det.backazimuth), _f(det.backazimuth_uncertainty)
        slow, ssig = _f(det.slowness), _f(det.slowness_uncertainty)
        # the epicentre's uncertainty seen as an angle from the site [deg]
        ang = math.degrees(math.atan2(se, max(km[j], 1e-3)))
        baz_res = (baz - pbaz[j] + 180.0) % 360.0 - 180.0 if math.isfinite(baz) else math.nan
        baz_tol = (
            max(config.backazimuth_tolerance, kf * math.hypot(bsig, ang)) if bsig > 0 else math.inf
        )
        baz_checked = math.isfinite(baz_res) and bsig <= config.ndc_max_baz_sigma
        baz_ok = not baz_checked or abs(baz_res) <= baz_tol
        if not baz_ok:
            continue
        best: _Candidate | None = None
        if group & (_P | _S | _R):
            for p in preds:
                tt = p.t[j]
                if not math.isfinite(tt):
                    continue
                sig = math.sqrt(
                    pick**2
                    + st**2
                    + (p.dtdd[j] * se_deg) ** 2
                    + (p.dtdh[j] * sz) ** 2
                    + p.model_error**2
                )
                res = dt - tt
                q = abs(res) / (kf * sig)
                if q > 1.0:
                    continue
                s_res = slow - p.dtdd[j] if math.isfinite(slow) else math.nan
                s_checked = math.isfinite(s_res) and 0 < ssig <= config.ndc_max_slowness_sigma
                if s_checked and abs(s_res) > max(config.slowness_tolerance, kf * ssig):
                    continue
                # the detector's phase name is a hint (an array's S at 30-60 deg has a
                # regional Pn's slowness): another wave fits where a measured slowness
                # says so, ranked behind the named one
                if not group & p.group:
                    if not s_checked:
                        continue
                    q += HINT_PENALTY
                if best is None or q < best.q:
                    best = _Candidate(
                        q,
                        int(i),
                        k,
                        p.name,
                        p.first_p,
                        res,
                        float(dist[j]),
                        float(az[j]),
                        baz_res,
                        s_res,
                        baz_checked,
                        s_checked,
                    )
        elif group == _HYDRO and dist[j] <= config.hydro_max_distance and hydro_open[j]:
            tt = float(hydro_tt[j])
            res = dt - tt
            tol = float(hydro_tol[j]) + kf * math.hypot(st, se / config.hydro_velocity)
            chance = float(hydro_chance(np.array([res]), np.array([tol]),
                                        np.array([baz_res if baz_checked else math.nan]),
                                        np.array([bsig]), np.array([rate[i]]))[0])  # fmt: skip
            if abs(res) <= tol and chance <= config.hydro_chance:
                best = _Candidate(
                    abs(res) / tol,
                    int(i),
                    k,
                    "T",
                    False,
                    res,
                    float(dist[j]),
                    float(az[j]),
                    baz_res,
                    math.nan,
                    baz_checked,
                    False,
                )
        elif group == _INFRA and dist[j] <= config.infrasound_max_distance and dt > 0:
            lo, hi = min(config.infrasound_celerity), max(config.infrasound_celerity)
            cel = km[j] / dt
            chance = float(infrasound_chance(np.array([km[j]]), np.array([cel]),
                                             np.array([baz_res if baz_checked else math.nan]),
                                             np.array([bsig]), np.array([rate[i]]),
                                             config.infrasound_celerity)[0])  # fmt: skip
            if lo <= cel <= hi and chance <= config.infrasound_chance:
                mid = 0.5 * (lo + hi)
                best = _Candidate(
                    abs(cel - mid) / (0.5 * (hi - lo)),
                    int(i),
                    k,
                    "I",
                    False,
                    dt - km[j] / mid,
                    float(dist[j]),
                    float(az[j]),
                    baz_res,
                    math.nan,
                    baz_checked,
                    False,
                )
        if best is not None:
            out.append(best)
    return out


def _assign(
    cands: list[_Candidate], alive: set[int], site_of: list[int]
) -> dict[int, list[_Candidate]]:
    """Best fit first: one detection to one (event, phase), one per event, site and phase."""
    taken: set[int] = set()
    slots: set[tuple[int, int, str]] = set()
    out: dict[int, list[_Candidate]] = {}
    for c in sorted(cands, key=lambda c: (c.q, c.det, c.event)):
        if c.event not in alive or c.det in taken:
            continue
        slot = (c.event, site_of[c.det], c.phase)
        if slot in slots:
            continue
        taken.add(c.det)
        slots.add(slot)
        out.setdefault(c.event, []).append(c)
    return out


def _first_p_weight(
    members: list[_Candidate], site_of: list[int], sites: _Sites, config: AssociationConfig
) -> float:
    per_site: dict[int, float] = {}
    for c in members:
        if not c.first_p:
            continue
        s = site_of[c.det]
        w = config.array_weight if sites.is_array[s] and c.baz_checked and c.slow_checked else 1.0
        per_site[s] = max(per_site.get(s, 0.0), w)
    return float(sum(per_site.values()))


def _make_event(
    ref: Event, members: list[_Candidate], dets: Sequence[Detection], config: AssociationConfig
) -> Event:
    members = sorted(members, key=lambda c: (dets[c.det].time, dets[c.det].id))
    arrivals = tuple(
        Arrival(
            detection=dets[c.det],
            phase=c.phase,
            distance=c.distance,
            azimuth=c.azimuth,
            time_residual=c.residual,
            backazimuth_residual=c.baz_residual,
            slowness_residual=c.slow_residual,
            time_defining=c.phase not in ("T", "I"),
            backazimuth_defining=c.baz_checked,
            slowness_defining=c.slow_checked,
        )
        for c in members
    )
    seismic = [a.time_residual for a in arrivals if a.time_defining]
    o = ref.origin
    method = REFERENCE_METHOD if not config.reference_relocate else f"{REFERENCE_METHOD} start"
    origin = dataclasses.replace(
        o,
        method=method,
        rms=float(np.sqrt(np.mean(np.square(seismic)))) if seismic else math.nan,
        n_defining=len(seismic),
        n_stations=len({(a.detection.network, a.detection.station) for a in arrivals}),
        min_distance=min((a.distance for a in arrivals), default=math.nan),
        max_distance=max((a.distance for a in arrivals), default=math.nan),
    )
    return dataclasses.replace(
        ref, origin=origin, arrivals=arrivals, magnitudes=(), review_status="automatic"
    )


def join_reference(
    detections: Sequence[Detection],
    network: MonitoringNetwork,
    reference: Sequence[Event],
    config: AssociationConfig | None = None,
    travel_times: TravelTimeSource | None = None,
) -> ReferenceJoin:
    """The reference events that ``detections`` of ``network`` fit, with those detections
    as arrivals (see the module docstring); the rest in ``remaining`` (input order kept).
    Detections of stations ``network`` lacks stay in ``remaining`` (the free association
    reports them)."""
    config = config or AssociationConfig()
    t0 = _time.perf_counter()
    source = travel_times if travel_times is not None else travel_time_source(config.model)
    arrays = {a.code: a for a in network.arrays}
    lats: list[float] = []
    lons: list[float] = []
    is_arr: list[bool] = []
    site_index: dict[str, int] = {}
    site_of: list[int] = []
    usable: list[int] = []
    for i, det in enumerate(detections):
        key = f"{det.network}.{det.station}" if det.station not in arrays else det.station
        if key not in site_index:
            where = _site_of(det, network, arrays)
            if where is None:
                site_index[key] = -1
            else:
                site_index[key] = len(lats)
                lats.append(where[0])
                lons.append(where[1])
                is_arr.append(where[2])
        site_of.append(site_index[key])
        if site_index[key] >= 0 and isinstance(det.time, UTCDateTime):
            usable.append(i)
    sites = _Sites(np.array(lats, float), np.array(lons, float), np.array(is_arr, bool))
    refs = sorted(reference, key=lambda e: (e.origin.time, e.id))
    order = sorted(usable, key=lambda i: float(detections[i].time.timestamp))
    times = np.array([float(detections[i].time.timestamp) for i in order], dtype=np.float64)
    ordered = np.array(order, dtype=np.int64)
    from openndc.association.later import later_window

    reach = later_window(config)
    # each T/H and I detection's site noise rate (their fits' chance: later.hydro_chance,
    # later.infrasound_chance)
    waves = np.array([_wave(detections[i].phase) for i in order], dtype=np.int64)
    o_sites = np.array([site_of[i] for i in order], dtype=np.int64)
    rate = np.full(len(detections), np.nan)
    for group in (_HYDRO, _INFRA):
        r = site_rates(times, o_sites, waves == group)
        rate[ordered[waves == group]] = r[waves == group]
    cands: list[_Candidate] = []
    for k, ref in enumerate(refs):
        t = float(ref.origin.time.timestamp)
        lo = int(np.searchsorted(times, t - 60.0))
        hi = int(np.searchsorted(times, t + reach))
        if hi > lo:
            cands += _candidates(k, ref, detections, ordered[lo:hi], site_of, sites, config,
                                 source, rate)  # fmt: skip
    alive = set(range(len(refs)))
    assigned: dict[int, list[_Candidate]] = {}
    for _ in range(10):  # events without enough first-P data give their detections back
        assigned = _assign(cands, alive, site_of)
        weak = {
            k
            for k in alive
            if _first_p_weight(assigned.get(k, []), site_of, sites, config)
            < config.reference_min_stations
        }
        if not weak:
            break
        alive -= weak
    else:
        assigned = {k: v for k, v in assigned.items() if k in alive}
    events = [_make_event(refs[k], assigned[k], detections, config) for k in sorted(assigned)]
    taken = {c.det for members in assigned.values() for c in members}
    remaining = [d for i, d in enumerate(detections) if i not in taken]
    stats = {
        "reference_events": float(len(refs)),
        "reference_joined_events": float(len(events)),
        "reference_joined_detections": float(len(taken)),
        "reference_s": _time.perf_counter() - t0,
    }
    log.info(
        "reference bulletin: %d of %d events have %d of %d detections",
        len(events),
        len(refs),
        len(taken),
        len(detections),
    )
    return ReferenceJoin(events, remaining, stats)


def associate_with_reference(
    detections: Sequence[Detection],
    network: MonitoringNetwork,
    config: AssociationConfig,
    travel_times: TravelTimeSource | None,
    reference: Sequence[Event],
    *,
    known: Sequence[Event] = (),
) -> Any:
    """:func:`join_reference`, then the free association of the remaining detections (with
    ``known``, the events already in the bulletin, and the joined reference events as
    :func:`associate` takes them: their codas and splits make no event); a free event
    within ``ndc_merge_time`` and ``ndc_merge_distance`` of a joined reference
    event is a split of it: dropped, its detections left unassociated. Returns an
    :class:`~openndc.association.AssociationResult` with the reference events first."""
    from openndc.association.associate import associate

    _check_slowness_units(detections)
    joined = join_reference(detections, network, reference, config, travel_times)
    # the joined reference events are known to the free association: their codas (an S
    # coda's second detections once made a false event) and their splits make no event
    known = [*known, *joined.events]
    try:
        result = associate(joined.remaining, network, config, travel_times, known=known)
    except AssociationError:
        if not joined.events:
            raise
        # none of the detections left is usable: the reference events alone
        result = associate([], network, config, travel_times, known=known)
    kept: list[Event] = []
    dropped = 0
    unassociated = list(result.unassociated)
    for ev in result.events:
        if _near_reference(ev, joined.events, config):
            dropped += 1
            unassociated += [a.detection for a in ev.arrivals]
            continue
        kept.append(ev)
    result.events = [*joined.events, *kept]
    result.unassociated = unassociated
    result.stats.update(joined.stats)
    result.stats["reference_dropped_splits"] = float(dropped)
    result.stats["n_events"] = float(len(result.events))
    return result


def _check_slowness_units(detections: Sequence[Detection]) -> None:
    """Slownesses are s/deg (seismic P 4-20, S 8-35): a set whose values nearly all lie
    below 1 is in s/km (or s/m); say so rather than join nothing (as ``associate`` does)."""
    vals = np.array(
        [_f(d.slowness) for d in detections if _wave(d.phase) & (_P | _S | _R)], dtype=np.float64
    )
    vals = vals[np.isfinite(vals) & (vals > 0)]
    if vals.size >= 5 and float(np.quantile(vals, 0.9)) < 1.0:
        raise AssociationError(
            f"the slownesses of {vals.size} seismic detections lie between {vals.min():.3g} "
            f"and {vals.max():.3g}: that is s/km (or s/m), but association expects s/deg; "
            f"multiply s/km by {DEG_KM:.2f}"
        )


def _near_reference(event: Event, refs: Sequence[Event], config: AssociationConfig) -> bool:
    o = event.origin
    for r in refs:
        if abs(float(r.origin.time - o.time)) > config.ndc_merge_time:
            continue
        d = float(
            distance_azimuth(o.latitude, o.longitude, r.origin.latitude, r.origin.longitude)[0]
        )
        if d <= config.ndc_merge_distance:
            return True
    return False
