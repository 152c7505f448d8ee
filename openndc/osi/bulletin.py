"""The inspection's daily bulletin: template-matching detections → located events → Mc.

**Events.** Detections (:class:`~openndc.model.osi.TemplateDetection`) of several templates
whose origin times lie within ``group_tolerance`` [s] of the first of a group are one event
(a template appears at most once per event); the event's *best* detection is the one with
the highest mean channel correlation, and its template the *master*.

**Location: master-event relocation** (Evernden 1969; Spence 1980, BSSA 70, 1313-1324) from
the best detection's lag-refined picks. The template event is the master with a known
hypocentre ``x0`` and origin time; each pick gives the differential time
``dt_i = t_i(detection) - t_i(template)`` on the same channel and phase, modelled as
``T_i(x) - T_i(x0) + dT0`` with straight rays in a homogeneous medium (``T = R / v``;
``vp``/``vs`` default to ak135's upper crust, 5.8 and 3.46 km/s: Kennett, Engdahl & Buland
1995). The common path beyond the source region cancels, so only the local velocity enters
(to first order in the offset from the master). Weighted Gauss-Newton least squares in
local east/north/depth [km] (:func:`relative_locate`), weights ``cc_i / pick_uncertainty``;
with fewer than ``min_picks`` picks, or picks on fewer than 3 stations, the depth is fixed
at the master's; with fewer than 3 picks, or a solution farther than ``max_shift_km`` from
the master, the event keeps the master's epicentre (``method = "template"``).

**Quality**: an event needs lag-refined picks on at least ``min_pick_fraction`` (0.2) of
its best template's channels; a match that holds on only a few channels (e.g. the coda of a
larger event correlating with part of a template) is dropped and counted in ``n_dropped``.

**Magnitude**: the median of the group's relative magnitudes (template magnitude + log10 of
the median amplitude ratio, computed by the matcher), reported as ML.

**Completeness** (:func:`completeness_magnitude`): maximum curvature (Wiemer & Wyss 2000,
BSSA 90, 859-869: the most populated bin of the non-cumulative frequency-magnitude
distribution, bins of 0.1) plus the +0.2 correction of Woessner & Wiemer (2005, BSSA 95,
684-698); b-value by maximum likelihood (Aki 1965; Utsu 1966 bin correction) with the
Shi & Bolt (1982, BSSA 72, 1677-1687) uncertainty.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from obspy import UTCDateTime

from openndc import __version__
from openndc.model.config import field_
from openndc.model.detection import ColumnSpec
from openndc.model.errors import ConfigError, OpenNDCError
from openndc.model.event import Bulletin, ErrorEllipse, Event, NetworkMagnitude, Origin
from openndc.model.inventory import MonitoringNetwork
from openndc.model.osi import TemplateDetection, TemplateInfo
from openndc.model.provenance import Provenance
from openndc.osi.plan import to_east_north, to_lat_lon

__all__ = [
    "OSI_EVENT_COLUMNS",
    "BulletinConfig",
    "InspectionBulletin",
    "InspectionEvent",
    "McResult",
    "OSIBulletinError",
    "RelativeLocation",
    "completeness_magnitude",
    "group_detections",
    "make_bulletin",
    "plot_bulletin_map",
    "plot_magnitudes",
    "relative_locate",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]


class OSIBulletinError(OpenNDCError):
    """The inspection bulletin cannot be made from the inputs given."""


@dataclass(frozen=True)
class BulletinConfig:
    """How detections become the inspection bulletin (module docstring: the methods)."""

    group_tolerance: float = field_(
        1.0, unit="s", help="detections within this of a group's first origin time are one event"
    )
    vp: float = field_(5.8, unit="km/s", help="P velocity near the source (ak135 upper crust)")
    vs: float = field_(3.46, unit="km/s", help="S velocity near the source (ak135 upper crust)")
    pick_uncertainty: float = field_(
        0.02, unit="s", help="uncertainty of a lag-refined pick of correlation 1"
    )
    min_picks: int = field_(6, help="picks needed to free the depth (else fixed at the master's)")
    min_pick_fraction: float = field_(
        0.2,
        help="an event needs lag-refined picks on at least this fraction of its best "
        "template's channels (a match that is not consistent across the network is dropped)",
    )
    max_shift_km: float = field_(
        10.0, unit="km", help="a relocation farther than this from the master is not trusted"
    )
    max_iterations: int = field_(20, help="Gauss-Newton iterations of the relocation")
    mc_bin: float = field_(0.1, help="magnitude bin of the frequency-magnitude distribution")
    mc_correction: float = field_(
        0.2, help="added to the maximum-curvature Mc (Woessner & Wiemer 2005)"
    )
    mc_min_events: int = field_(20, help="fewer events above Mc: no b-value")

    def __post_init__(self) -> None:
        if not (self.group_tolerance > 0 and self.vp > 0 and self.vs > 0):
            raise ConfigError("BulletinConfig: group_tolerance, vp and vs must be positive")
        if not (self.pick_uncertainty > 0 and self.mc_bin > 0 and self.max_shift_km > 0):
            raise ConfigError(
                "BulletinConfig: pick_uncertainty, mc_bin and max_shift_km must be positive"
            )


# --- grouping ----------------------------------------------------------------------------------


def _mean_cc(d: TemplateDetection) -> float:
    return d.mean_correlation if math.isfinite(d.mean_correlation) else -math.inf


def group_detections(
    detections: Sequence[TemplateDetection], tolerance: float
) -> list[list[TemplateDetection]]:
    """Detections grouped into events: sorted by origin time, a detection joins the current
    group when it is within ``tolerance`` [s] of the group's first and its template is not
    yet in the group; each group is sorted best first (highest mean correlation)."""
    groups: list[list[TemplateDetection]] = []
    for d in sorted(detections, key=lambda x: (x.origin_time, x.template)):
        g = groups[-1] if groups else None
        if (
            g is not None
            and d.origin_time - g[0].origin_time <= tolerance
            and all(x.template != d.template for x in g)
        ):
            g.append(d)
        else:
            groups.append([d])
    return [sorted(g, key=_mean_cc, reverse=True) for g in groups]


# --- relative location -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RelativeLocation:
    """A master-event relocation: ``position`` [east, north, depth] km, ``dt0`` [s] origin
    time relative to the master's, ``covariance`` of (east, north, depth, dt0) [km², s²]
    (rows/columns of fixed parameters zero), ``rms`` [s], ``n_iterations``,
    ``depth_fixed``."""

    position: FloatArray
    dt0: float
    covariance: FloatArray
    rms: float
    n_iterations: int
    depth_fixed: bool


def relative_locate(
    station_xyz: FloatArray,
    velocity: FloatArray,
    dt: FloatArray,
    weight: FloatArray,
    master_xyz: FloatArray,
    *,
    fix_depth: bool = False,
    max_iterations: int = 20,
) -> RelativeLocation:
    """Relocate an event relative to a master from differential times.

    ``station_xyz`` (n, 3): stations [east, north, depth] km (depth negative above the
    datum); ``velocity`` (n,) [km/s] of each pick's phase; ``dt`` (n,) [s] pick time of the
    event minus that of the master on the same channel and phase; ``weight`` (n,) [1/s];
    ``master_xyz`` (3,) the master's hypocentre [km]. Minimises
    ``sum (w_i (dt_i - (|x - s_i| - |x0 - s_i|) / v_i - dT0))^2`` (Gauss-Newton), the
    depth kept >= 0.
    """
    s = np.asarray(station_xyz, dtype=np.float64)
    v = np.asarray(velocity, dtype=np.float64)
    obs = np.asarray(dt, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    x0 = np.asarray(master_xyz, dtype=np.float64)
    n = len(obs)
    free = [0, 1] + ([] if fix_depth else [2])
    m = len(free) + 1
    if n < m:
        raise OSIBulletinError(f"{n} differential times for {m} unknowns")
    t_master = np.linalg.norm(x0 - s, axis=1) / v
    x = x0.copy()
    dt0 = float(np.median(obs))
    it = 0
    for it in range(1, max_iterations + 1):  # noqa: B007 - the count is reported
        r_vec = x - s
        dist = np.maximum(np.linalg.norm(r_vec, axis=1), 1e-6)
        resid = obs - (dist / v - t_master + dt0)
        jac = np.column_stack([(r_vec / (dist * v)[:, None])[:, free], np.ones(n)])
        step, *_ = np.linalg.lstsq(jac * w[:, None], resid * w, rcond=None)
        x[free] += step[:-1]
        dt0 += float(step[-1])
        if x[2] < 0.0:
            x[2] = 0.0
        if float(np.max(np.abs(step[:-1]))) < 1e-4 and abs(float(step[-1])) < 1e-5:
            break
    r_vec = x - s
    dist = np.maximum(np.linalg.norm(r_vec, axis=1), 1e-6)
    resid = obs - (dist / v - t_master + dt0)
    jac = np.column_stack([(r_vec / (dist * v)[:, None])[:, free], np.ones(n)])
    jw = jac * w[:, None]
    chi2 = float(np.sum((resid * w) ** 2))
    scale = max(chi2 / (n - m), 1.0) if n > m else 1.0
    try:
        cov_free = np.linalg.inv(jw.T @ jw) * scale
    except np.linalg.LinAlgError:
        cov_free = np.full((m, m), np.inf)
    cov = np.zeros((4, 4))
    idx = [*free, 3]
    cov[np.ix_(idx, idx)] = cov_free
    rms = float(np.sqrt(np.mean(resid**2)))
    return RelativeLocation(x, dt0, cov, rms, it, fix_depth)


# --- events ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionEvent:
    """One event of the inspection bulletin.

    ``time`` origin [UTC]; ``latitude``/``longitude`` [deg], ``depth_km`` [km];
    ``magnitude`` relative ML (NaN: none); ``detections`` the group, best first; ``master``
    the best detection's template; ``method`` ``relative`` (relocated from picks) or
    ``template`` (the master's epicentre); ``n_picks``, ``n_stations``; ``rms`` [s];
    ``horizontal_uncertainty_km`` (1-sigma semi-major axis) and ``depth_uncertainty_km``;
    ``shift_km`` epicentral distance from the master.
    """

    id: str
    time: UTCDateTime
    latitude: float
    longitude: float
    depth_km: float
    magnitude: float
    detections: tuple[TemplateDetection, ...]
    master: TemplateInfo
    method: str
    n_picks: int = 0
    n_stations: int = 0
    rms: float = math.nan
    horizontal_uncertainty_km: float = math.nan
    semi_minor_km: float = math.nan
    ellipse_azimuth: float = math.nan
    depth_uncertainty_km: float = math.nan
    depth_fixed: bool = True
    shift_km: float = 0.0

    @property
    def best(self) -> TemplateDetection:
        return self.detections[0]


def _station_xyz(
    seed_id: str, network: MonitoringNetwork, lat0: float, lon0: float
) -> tuple[float, float, float, str] | None:
    parts = seed_id.split(".")
    if len(parts) != 4:
        return None
    st = network.find_station(parts[1], parts[0])
    if st is None:
        return None
    e, n = to_east_north(st.latitude, st.longitude, lat0, lon0)
    return float(e), float(n), -st.elevation_m / 1000.0, f"{parts[0]}.{parts[1]}"


def _relocate(
    det: TemplateDetection,
    master: TemplateInfo,
    network: MonitoringNetwork,
    cfg: BulletinConfig,
) -> tuple[RelativeLocation | None, int, int]:
    """The relocation of ``det`` relative to its template (None where not possible)."""
    lat0, lon0 = master.latitude, master.longitude
    by_channel = {(c.seed_id, c.phase[:1].upper()): c for c in master.channels}
    rows = []
    for p in det.picks:
        ch = by_channel.get((p.seed_id, p.phase[:1].upper()))
        sta = _station_xyz(p.seed_id, network, lat0, lon0)
        if ch is None or sta is None or not math.isfinite(p.correlation) or p.correlation <= 0:
            continue
        v = cfg.vs if p.phase[:1].upper() == "S" else cfg.vp
        rows.append(
            (*sta[:3], v, p.time - ch.pick_time, p.correlation / cfg.pick_uncertainty, sta[3])
        )
    n_sta = len({r[-1] for r in rows})
    if len(rows) < 3 or n_sta < 2:
        return None, len(rows), n_sta
    arr = np.array([r[:6] for r in rows], dtype=np.float64)
    fix = len(rows) < cfg.min_picks or n_sta < 3
    try:
        loc = relative_locate(
            arr[:, :3], arr[:, 3], arr[:, 4], arr[:, 5],
            np.array([0.0, 0.0, master.depth_km]), fix_depth=fix,
            max_iterations=cfg.max_iterations,
        )  # fmt: skip
    except OSIBulletinError:
        return None, len(rows), n_sta
    if not np.all(np.isfinite(loc.position)) or (
        math.hypot(loc.position[0], loc.position[1]) > cfg.max_shift_km
    ):
        return None, len(rows), n_sta
    return loc, len(rows), n_sta


def _event_id(t: UTCDateTime) -> str:
    return "osi" + t.strftime("%Y%m%dT%H%M%S") + f"{t.microsecond // 10000:02d}"


def _ellipse(cov: FloatArray) -> tuple[float, float, float]:
    """1-sigma semi-major, semi-minor [km] and azimuth [deg from north] of the east/north
    covariance."""
    c = cov[:2, :2]
    if not np.all(np.isfinite(c)):
        return math.nan, math.nan, math.nan
    vals, vecs = np.linalg.eigh(c)
    major = vecs[:, 1]
    az = math.degrees(math.atan2(major[0], major[1])) % 180.0
    return math.sqrt(max(vals[1], 0.0)), math.sqrt(max(vals[0], 0.0)), az


def _make_event(
    group: list[TemplateDetection],
    templates: dict[str, TemplateInfo],
    network: MonitoringNetwork,
    cfg: BulletinConfig,
) -> InspectionEvent | None:
    usable = [d for d in group if d.template in templates]
    if not usable:
        return None
    best = usable[0]
    master = templates[best.template]
    mags = [d.relative_magnitude for d in usable if d.relative_magnitude is not None]
    mags = [m for m in mags if math.isfinite(m)]
    mag = float(np.median(mags)) if mags else math.nan
    loc, n_picks, n_sta = _relocate(best, master, network, cfg)
    if n_picks < cfg.min_pick_fraction * len(master.channels):
        log.debug(
            "detection at %s by %s dropped: picks on %d of %d channels",
            best.origin_time, best.template, n_picks, len(master.channels),
        )  # fmt: skip
        return None
    if loc is None:
        t = best.origin_time
        return InspectionEvent(
            _event_id(t), t, master.latitude, master.longitude, master.depth_km, mag,
            tuple(usable), master, "template", n_picks, n_sta,
        )  # fmt: skip
    lat, lon = to_lat_lon(loc.position[0], loc.position[1], master.latitude, master.longitude)
    t = master.origin_time + loc.dt0
    major, minor, az = _ellipse(loc.covariance)
    return InspectionEvent(
        id=_event_id(t),
        time=t,
        latitude=round(float(lat), 6),
        longitude=round(float(lon), 6),
        depth_km=round(float(loc.position[2]), 3),
        magnitude=mag,
        detections=tuple(usable),
        master=master,
        method="relative",
        n_picks=n_picks,
        n_stations=n_sta,
        rms=loc.rms,
        horizontal_uncertainty_km=major,
        semi_minor_km=minor,
        ellipse_azimuth=az,
        depth_uncertainty_km=(
            math.nan if loc.depth_fixed else math.sqrt(max(float(loc.covariance[2, 2]), 0.0))
        ),
        depth_fixed=loc.depth_fixed,
        shift_km=float(math.hypot(loc.position[0], loc.position[1])),
    )


# --- completeness ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class McResult:
    """Completeness: ``mc`` (maximum curvature + correction), ``mc_maxc`` (maximum curvature
    alone), ``b`` and ``b_uncertainty`` (NaN with fewer than ``mc_min_events`` events at or
    above ``mc``), ``a`` (log10 of the number at or above magnitude 0 extrapolated),
    ``n_above`` events at or above ``mc``, ``n`` magnitudes in all."""

    mc: float
    mc_maxc: float
    b: float
    b_uncertainty: float
    a: float
    n_above: int
    n: int


def completeness_magnitude(
    magnitudes: npt.ArrayLike,
    *,
    bin_width: float = 0.1,
    correction: float = 0.2,
    min_events: int = 20,
) -> McResult:
    """Mc by maximum curvature + ``correction``, and the maximum-likelihood b-value above
    it (module docstring: the sources). NaN where there are no finite magnitudes."""
    m = np.asarray(magnitudes, dtype=np.float64)
    m = m[np.isfinite(m)]
    nan = math.nan
    if not len(m):
        return McResult(nan, nan, nan, nan, nan, 0, 0)
    binned = np.round(m / bin_width) * bin_width
    k = np.round(binned / bin_width).astype(np.int64)
    values, counts = np.unique(k, return_counts=True)
    mc_maxc = float(values[int(np.argmax(counts))]) * bin_width
    mc = round(mc_maxc + correction, 6)
    above = binned[binned >= mc - 1e-9]
    n_above = len(above)
    b = b_err = a = nan
    if n_above >= max(min_events, 2):
        mean = float(np.mean(above))
        denom = mean - (mc - bin_width / 2.0)
        if denom > 0:
            b = math.log10(math.e) / denom
            b_err = (
                2.30
                * b
                * b
                * math.sqrt(float(np.sum((above - mean) ** 2)) / (n_above * (n_above - 1)))
            )
            a = math.log10(n_above) + b * mc
    return McResult(mc, mc_maxc, b, b_err, a, n_above, len(m))


# --- the bulletin ------------------------------------------------------------------------------

#: Columns of :meth:`InspectionBulletin.table` (the bulletin CSV summary).
OSI_EVENT_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("event_id", "str", "", "event identifier (osiYYYYMMDDThhmmssCC)"),
    ColumnSpec("time", "time", "UTC", "origin time"),
    ColumnSpec("latitude", "float", "deg", "epicentre latitude"),
    ColumnSpec("longitude", "float", "deg", "epicentre longitude"),
    ColumnSpec("depth", "float", "km", "depth"),
    ColumnSpec("depth_fixed", "str", "", "True when the depth is the master's"),
    ColumnSpec("magnitude", "float", "", "relative ML (median over the event's detections)"),
    ColumnSpec("method", "str", "", "relative (relocated from picks) or template (master's)"),
    ColumnSpec("master", "str", "", "template of the best detection (the master event)"),
    ColumnSpec("n_detections", "int", "", "detections (templates) grouped into the event"),
    ColumnSpec("mean_correlation", "float", "", "best detection's mean channel correlation"),
    ColumnSpec("n_picks", "int", "", "lag-refined picks used in the relocation"),
    ColumnSpec("n_stations", "int", "", "stations with picks"),
    ColumnSpec("rms", "float", "s", "RMS of the differential-time residuals"),
    ColumnSpec("horizontal_uncertainty", "float", "km", "1-sigma semi-major axis"),
    ColumnSpec("depth_uncertainty", "float", "km", "1-sigma depth uncertainty"),
    ColumnSpec("shift", "float", "km", "epicentral distance from the master"),
)


@dataclass(frozen=True)
class InspectionBulletin:
    """The events, the completeness and the provenance of an inspection bulletin;
    ``n_dropped`` groups of detections whose best match had too few picks
    (``min_pick_fraction``)."""

    events: tuple[InspectionEvent, ...]
    mc: McResult
    n_detections: int
    provenance: Provenance = field(compare=False, repr=False)
    n_dropped: int = 0

    def table(self) -> pd.DataFrame:
        """One row per event (columns :data:`OSI_EVENT_COLUMNS`)."""
        rows = [
            {
                "event_id": e.id,
                "time": e.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "latitude": e.latitude,
                "longitude": e.longitude,
                "depth": e.depth_km,
                "depth_fixed": str(e.depth_fixed),
                "magnitude": round(e.magnitude, 2) if math.isfinite(e.magnitude) else math.nan,
                "method": e.method,
                "master": e.master.name,
                "n_detections": len(e.detections),
                "mean_correlation": round(e.best.mean_correlation, 4),
                "n_picks": e.n_picks,
                "n_stations": e.n_stations,
                "rms": round(e.rms, 4) if math.isfinite(e.rms) else math.nan,
                "horizontal_uncertainty": round(e.horizontal_uncertainty_km, 4),
                "depth_uncertainty": round(e.depth_uncertainty_km, 4),
                "shift": round(e.shift_km, 4),
            }
            for e in self.events
        ]
        return pd.DataFrame(rows, columns=[c.name for c in OSI_EVENT_COLUMNS])

    def to_bulletin(self, name: str = "OSI inspection bulletin") -> Bulletin:
        """The bulletin model's :class:`~openndc.model.event.Bulletin` (for QuakeML, IMS1.0
        and the bulletin CSV writers)."""
        events = []
        for e in self.events:
            ellipse = None
            if math.isfinite(e.horizontal_uncertainty_km):
                ellipse = ErrorEllipse(
                    e.horizontal_uncertainty_km, e.semi_minor_km, e.ellipse_azimuth, 0.683
                )
            method = (
                f"openndc.osi: master-event relocation relative to template {e.master.name}"
                if e.method == "relative"
                else f"openndc.osi: epicentre of template {e.master.name}"
            )
            origin = Origin(
                e.time, e.latitude, e.longitude, e.depth_km,
                depth_uncertainty_km=e.depth_uncertainty_km, depth_fixed=e.depth_fixed,
                ellipse=ellipse, rms=e.rms, n_defining=e.n_picks, n_stations=e.n_stations,
                method=method, model="homogeneous", id=f"{e.id}-o",
                provenance=self.provenance,
            )  # fmt: skip
            mags: tuple[NetworkMagnitude, ...] = ()
            if math.isfinite(e.magnitude):
                mags = (
                    NetworkMagnitude(
                        "ML", round(e.magnitude, 2), n_stations=e.n_stations,
                        method="relative to templates: median log10 amplitude ratio",
                        provenance=self.provenance,
                    ),
                )  # fmt: skip
            events.append(
                Event(
                    e.id,
                    origin,
                    magnitudes=mags,
                    event_type="induced or triggered event",
                    comment=f"{len(e.detections)} template detection(s), best {e.master.name} "
                    f"cc {e.best.mean_correlation:.2f}",
                    provenance=self.provenance,
                )
            )
        return Bulletin(tuple(events), provenance=self.provenance, name=name)

    def write(
        self,
        quakeml: str | Path | None = None,
        *,
        csv: str | Path | None = None,
        ims: str | Path | None = None,
    ) -> list[Path]:
        """Write QuakeML, the CSV summary (:data:`OSI_EVENT_COLUMNS`) and IMS1.0 where
        given; returns the paths written."""
        from openndc.bulletin.formats import write_ims, write_quakeml

        out = []
        bulletin = self.to_bulletin()
        if quakeml:
            write_quakeml(bulletin, quakeml)
            out.append(Path(quakeml))
        if ims:
            write_ims(bulletin, ims)
            out.append(Path(ims))
        if csv:
            self.table().to_csv(csv, index=False, float_format="%.6g")
            out.append(Path(csv))
        return out


def make_bulletin(
    detections: Sequence[TemplateDetection],
    templates: Sequence[TemplateInfo],
    network: MonitoringNetwork,
    config: BulletinConfig | None = None,
) -> InspectionBulletin:
    """The inspection bulletin of ``detections`` by ``templates`` recorded on ``network``.

    Detections of templates not in ``templates`` are left out (logged).
    """
    cfg = config or BulletinConfig()
    by_name = {t.name: t for t in templates}
    unknown = sorted({d.template for d in detections} - set(by_name))
    if unknown:
        log.warning("detections of %d unknown template(s) left out: %s", len(unknown), unknown[:5])
    groups = group_detections(detections, cfg.group_tolerance)
    groups = [g for g in groups if any(d.template in by_name for d in g)]
    events = [e for g in groups if (e := _make_event(g, by_name, network, cfg)) is not None]
    n_dropped = len(groups) - len(events)
    events.sort(key=lambda e: e.time)
    mc = completeness_magnitude(
        [e.magnitude for e in events], bin_width=cfg.mc_bin, correction=cfg.mc_correction,
        min_events=cfg.mc_min_events,
    )  # fmt: skip
    prov = Provenance(
        method="openndc.osi.bulletin: grouped template detections, master-event relocation, "
        "relative ML, Mc by maximum curvature + 0.2",
        software_version=__version__,
        parameters=asdict(cfg),
    )
    n_rel = sum(e.method == "relative" for e in events)
    log.info(
        "OSI bulletin: %d detections -> %d events (%d relocated, %d dropped), Mc %.2f",
        len(detections), len(events), n_rel, n_dropped, mc.mc,
    )  # fmt: skip
    return InspectionBulletin(tuple(events), mc, len(detections), prov, n_dropped)


# --- figures -----------------------------------------------------------------------------------


def plot_bulletin_map(
    bulletin: InspectionBulletin,
    network: MonitoringNetwork,
    path: str | Path,
    *,
    site: tuple[float, float] | None = None,
    area_km2: float | None = None,
    truth: pd.DataFrame | None = None,
    title: str = "",
) -> Path:
    """Map of the inspection (left) and a close-up of the events (right): the area (a disc
    of ``area_km2`` around ``site``), stations, templates (diamonds), events (circles sized
    by magnitude, coloured by time) and, where given, true epicentres (``truth`` with
    ``latitude``/``longitude`` columns)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    st_lat = np.array([s.latitude for s in network.stations])
    st_lon = np.array([s.longitude for s in network.stations])
    lat0 = site[0] if site else float(np.mean(st_lat))
    lon0 = site[1] if site else float(np.mean(st_lon))
    e, n = to_east_north(st_lat, st_lon, lat0, lon0)
    half = float(np.max(np.hypot(e, n))) + 3.0 if len(e) else 10.0
    if area_km2:
        half = max(half, math.sqrt(area_km2 / math.pi) + 3.0)
    la, lo = to_lat_lon(np.array([-half, half]), np.array([-half, half]), lat0, lon0)
    overview = (float(lo[0]), float(lo[1]), float(la[0]), float(la[1]))
    ev = bulletin.events
    pts_lat = [x.latitude for x in ev] + (list(truth["latitude"]) if truth is not None else [])
    pts_lon = [x.longitude for x in ev] + (list(truth["longitude"]) if truth is not None else [])
    fig, axes = plt.subplots(1, 2, figsize=(15, 7), constrained_layout=True)
    sc = _draw_bulletin(axes[0], overview, bulletin, st_lat, st_lon, site, area_km2, truth)
    axes[0].set_title(
        title or f"OSI bulletin: {len(ev)} events, Mc {bulletin.mc.mc:.1f} (ML, relative)"
    )
    if pts_lat:
        ee, nn = to_east_north(np.array(pts_lat), np.array(pts_lon), lat0, lon0)
        ce, cn = 0.5 * (ee.min() + ee.max()), 0.5 * (nn.min() + nn.max())
        h = max(0.5 * max(ee.max() - ee.min(), nn.max() - nn.min()) + 0.5, 1.0)
        zla, zlo = to_lat_lon(np.array([ce - h, ce + h]), np.array([cn - h, cn + h]), lat0, lon0)
        zoom = (float(zlo[0]), float(zlo[1]), float(zla[0]), float(zla[1]))
        _draw_bulletin(axes[1], zoom, bulletin, st_lat, st_lon, site, area_km2, truth)
        axes[1].set_title(f"close-up: {2 * h:.1f} km x {2 * h:.1f} km")
    else:
        axes[1].set_axis_off()
    if sc is not None:
        t0 = min(x.time for x in ev)
        fig.colorbar(sc, ax=axes, shrink=0.7, label=f"hours after {t0.strftime('%Y-%m-%d %H:%M')}")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def _draw_bulletin(
    ax: Any,
    extent: tuple[float, float, float, float],
    bulletin: InspectionBulletin,
    st_lat: FloatArray,
    st_lon: FloatArray,
    site: tuple[float, float] | None,
    area_km2: float | None,
    truth: pd.DataFrame | None,
) -> Any:
    from openndc.plots import draw_map

    draw_map(ax, extent)
    if area_km2 and site:
        r = math.sqrt(area_km2 / math.pi)
        th = np.linspace(0, 2 * np.pi, 361)
        clat, clon = to_lat_lon(r * np.cos(th), r * np.sin(th), site[0], site[1])
        ax.plot(clon, clat, color="tab:red", lw=1.3, label=f"inspection area {area_km2:g} km²")
    ax.scatter(st_lon, st_lat, marker="^", s=40, color="white", edgecolor="k", zorder=3,
               label=f"{len(st_lat)} stations")  # fmt: skip
    if truth is not None and len(truth):
        ax.scatter(truth["longitude"], truth["latitude"], s=14, marker="+", color="0.35",
                   linewidths=0.8, zorder=3, label=f"true epicentres ({len(truth)})")  # fmt: skip
    ev = bulletin.events
    sc = None
    if ev:
        t0 = min(x.time for x in ev)
        hours = np.array([(x.time - t0) / 3600.0 for x in ev])
        mags = np.array([x.magnitude if math.isfinite(x.magnitude) else -2.0 for x in ev])
        size = 6.0 * 2.0 ** (np.clip(mags, -2.5, 3.0) + 2.0)
        sc = ax.scatter(
            [x.longitude for x in ev], [x.latitude for x in ev], s=size, c=hours, cmap="plasma",
            edgecolor="k", linewidths=0.3, zorder=4, alpha=0.85, label=f"events ({len(ev)})",
        )  # fmt: skip
    masters = {x.master.name: x.master for x in ev}
    if masters:
        ax.scatter([m.longitude for m in masters.values()], [m.latitude for m in masters.values()],
                   marker="D", s=40, facecolor="none", edgecolor="tab:green", linewidths=1.2,
                   zorder=5, label=f"templates used ({len(masters)})")  # fmt: skip
    if site:
        ax.scatter([site[1]], [site[0]], marker="*", s=160, color="tab:red", edgecolor="k",
                   zorder=6, label="area centre")  # fmt: skip
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    return sc


def plot_magnitudes(
    bulletin: InspectionBulletin,
    path: str | Path,
    *,
    truth_magnitudes: npt.ArrayLike | None = None,
    title: str = "",
) -> Path:
    """The frequency-magnitude distribution with Mc and the Gutenberg-Richter fit (and,
    where given, the true magnitudes' distribution)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    mc = bulletin.mc
    m = np.array([e.magnitude for e in bulletin.events], dtype=np.float64)
    m = m[np.isfinite(m)]
    fig, ax = plt.subplots(figsize=(7, 5), constrained_layout=True)
    w = 0.1

    def fmd(values: FloatArray, label: str, color: str) -> None:
        if not len(values):
            return
        b = np.round(values / w) * w
        edges = np.arange(b.min() - w / 2, b.max() + w, w)
        counts, _ = np.histogram(b, edges)
        centres = edges[:-1] + w / 2
        cum = np.cumsum(counts[::-1])[::-1]
        ax.semilogy(centres, cum, "o", ms=4, color=color, label=f"{label}: N(>=M)")
        ax.semilogy(centres[counts > 0], counts[counts > 0], "^", ms=4, mfc="none",
                    color=color, label=f"{label}: per bin")  # fmt: skip

    if truth_magnitudes is not None:
        tm = np.asarray(truth_magnitudes, dtype=np.float64)
        fmd(tm[np.isfinite(tm)], "truth", "0.5")
    fmd(m, "bulletin", "tab:blue")
    if math.isfinite(mc.mc):
        ax.axvline(mc.mc, color="tab:red", lw=1.2, label=f"Mc {mc.mc:.1f} (max. curvature + 0.2)")
    if math.isfinite(mc.b) and len(m):
        x = np.linspace(mc.mc, float(m.max()), 50)
        ax.semilogy(x, 10.0 ** (mc.a - mc.b * x), "-", color="tab:red", lw=1,
                    label=f"b = {mc.b:.2f} ± {mc.b_uncertainty:.2f}")  # fmt: skip
    ax.set_xlabel("magnitude (ML)")
    ax.set_ylabel("number of events")
    ax.grid(True, which="both", lw=0.3, color="0.8")
    ax.legend(fontsize=8)
    ax.set_title(title or f"Frequency-magnitude distribution ({len(m)} events)")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
