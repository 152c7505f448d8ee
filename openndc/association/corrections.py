"""Station corrections of measured back-azimuths and slownesses from a run's own events.

The structure under an array deflects the back-azimuths and slownesses it measures by
several degrees and s/deg; the IDC removes this with slowness-azimuth station corrections
(SASC), made from the residuals of well-located events (Bondar, North & Beall 1999, "Teleseismic
slowness-azimuth station corrections for the International Monitoring System seismic
network", BSSA 89(4), 989-1003; a SASC table holds a station's default correction and its
corrections by back-azimuth and slowness bin). Without such tables an uncorrected array's
azimuth 8 deg off makes a small event fail its fit (docs/association.md, "Station
biases").

A run has well-located events of its own. :func:`estimate_station_corrections` takes, for
each station, the median back-azimuth and slowness residual of its first P arrivals in the
events with first P at ``min_stations`` stations or more, where it has ``min_residuals`` of
them (a SASC default correction: constant per station); :func:`apply_station_corrections`
subtracts them from the measurements. ``AssociationConfig.self_calibrate`` runs the
association twice, the second time on corrected measurements
(:func:`openndc.association.associate`); the bulletin keeps the measured values.

Where an NDC has the IDC's SASC tables (``AssociationConfig.sasc``, read by
:mod:`openndc.io.sasc`), :func:`apply_sasc` corrects the measurements with them, by bin,
before association; :func:`sasc_table` writes a run's own corrections as such a table, to
be used by later runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from openndc.association.tables import TravelTimeSource
from openndc.model.detection import Detection
from openndc.model.errors import ConfigError
from openndc.model.event import Event
from openndc.model.geodesy import distance_azimuth
from openndc.model.inventory import MonitoringNetwork
from openndc.model.sasc import SascBin, SascTable

__all__ = [
    "FIRST_P_PHASES",
    "StationCorrection",
    "apply_sasc",
    "apply_station_corrections",
    "estimate_sasc_tables",
    "estimate_station_corrections",
    "sasc_table",
    "significant",
    "significant_corrections",
]

#: The first-P phases whose residuals make the corrections (and count an event's stations).
FIRST_P_PHASES = frozenset({"P", "Pn", "Pg", "Pb"})
#: Confidence at which a self-calibrating run applies a station's correction
#: (:func:`significant`).
SIGNIFICANCE = 0.99


@dataclass(frozen=True, slots=True)
class StationCorrection:
    """What a station's measurements carry on average: ``backazimuth`` [deg] and
    ``slowness`` [s/deg] (observed minus predicted; 0 where there were too few residuals),
    the number of residuals of each, and their spread about it (1.4826 x the median
    absolute deviation: what the correction leaves, a SASC modelling error)."""

    station: str
    backazimuth: float
    slowness: float
    n_backazimuth: int
    n_slowness: int
    backazimuth_spread: float = 0.0
    slowness_spread: float = 0.0


def _station_residuals(
    events: Sequence[Event],
    source: TravelTimeSource,
    min_stations: int,
    network: MonitoringNetwork | None,
) -> dict[str, list[tuple[float, float, float]]]:
    """Per station, (measured back-azimuth, back-azimuth residual, slowness residual) of
    each first P in the ``events`` with first P at ``min_stations`` stations or more (NaN
    where not measured): see :func:`estimate_station_corrections`."""
    out: dict[str, list[tuple[float, float, float]]] = {}
    sites = None
    if network is not None:
        # a detection names its station, or its array (placed at the reference point)
        sites = {s.code: (s.latitude, s.longitude) for s in network.stations}
        sites.update({a.code: (a.reference_latitude, a.reference_longitude)
                      for a in network.arrays})  # fmt: skip
    for event in events:
        first = [a for a in event.arrivals if a.phase in FIRST_P_PHASES]
        if len({a.station for a in first}) < min_stations:
            continue
        o = event.origin
        for a in first:
            measured = a.detection.backazimuth
            measured = float(measured) if measured is not None else math.nan
            rb = a.backazimuth_residual
            if sites is not None:
                site = sites.get(a.station)
                rb = math.nan
                if site is not None and math.isfinite(measured):
                    _, _, b = distance_azimuth(o.latitude, o.longitude, *site)
                    rb = (measured - float(b) + 180.0) % 360.0 - 180.0
            rs = math.nan
            s = a.detection.slowness
            if s is not None and math.isfinite(s) and math.isfinite(a.distance):
                try:
                    _, p, _ = source.derivatives(a.phase, [a.distance], [o.depth_km])
                    if math.isfinite(float(p[0])):
                        rs = s - abs(float(p[0]))
                except ConfigError:
                    pass  # a phase the model lacks
            if math.isfinite(rb) or math.isfinite(rs):
                out.setdefault(a.station, []).append((measured, float(rb), rs))
    return out


def estimate_station_corrections(
    events: Sequence[Event],
    source: TravelTimeSource,
    min_stations: int = 6,
    min_residuals: int = 5,
    network: MonitoringNetwork | None = None,
) -> dict[str, StationCorrection]:
    """Per station, the median back-azimuth and slowness residual of its first P arrivals
    in the ``events`` with first P at ``min_stations`` stations or more (module
    docstring); a component with fewer than ``min_residuals`` residuals is 0, a station with
    neither is left out. Back-azimuth residuals are the arrivals', or with ``network`` the
    measured back-azimuth's against the one from the station to the origin (a stored
    bulletin's residuals may be those of corrected values); slowness residuals are the
    measured slowness's against ``source``'s slowness of the arrival's phase at its
    distance and the origin's depth."""
    out = {}
    for station, rows in sorted(_station_residuals(events, source, min_stations, network).items()):
        c = _correction(station, rows, min_residuals)
        if c is not None:
            out[station] = c
    return out


def _correction(
    station: str, rows: Sequence[tuple[float, float, float]], min_residuals: int
) -> StationCorrection | None:
    """The :class:`StationCorrection` of residual ``rows`` (:func:`_station_residuals`);
    ``None`` where neither component has ``min_residuals``."""
    rb_all = [r[1] for r in rows if math.isfinite(r[1])]
    rs_all = [r[2] for r in rows if math.isfinite(r[2])]
    nb = len(rb_all) if len(rb_all) >= min_residuals else 0
    ns = len(rs_all) if len(rs_all) >= min_residuals else 0
    if not (nb or ns):
        return None
    return StationCorrection(
        station,
        float(np.median(rb_all)) if nb else 0.0,
        float(np.median(rs_all)) if ns else 0.0,
        nb,
        ns,
        _spread(rb_all) if nb else 0.0,
        _spread(rs_all) if ns else 0.0,
    )


def significant(c: StationCorrection, level: float = SIGNIFICANCE) -> StationCorrection | None:
    """``c`` with each component that does not differ from 0 at ``level`` set to 0, ``None``
    where neither does: its median over the median's standard error (sqrt(pi / 2) x its
    spread / sqrt(n)) against Student's t with n - 1 degrees of freedom, two-sided. A
    station without a bias still has a median residual, noise of a few tenths of its
    spread; correcting by it moves every measurement by that noise (and a self-calibrating
    run associates twice for nothing)."""
    from scipy.stats import t as student

    def keep(median: float, spread: float, n: int) -> bool:
        if n < 2 or median == 0.0:
            return False
        if spread <= 0.0:
            return True
        z = abs(median) / (math.sqrt(math.pi / 2.0) * spread / math.sqrt(n))
        return bool(z > float(student.ppf(0.5 + level / 2.0, n - 1)))

    b = keep(c.backazimuth, c.backazimuth_spread, c.n_backazimuth)
    s = keep(c.slowness, c.slowness_spread, c.n_slowness)
    if not (b or s):
        return None
    return replace(
        c,
        backazimuth=c.backazimuth if b else 0.0,
        n_backazimuth=c.n_backazimuth if b else 0,
        backazimuth_spread=c.backazimuth_spread if b else 0.0,
        slowness=c.slowness if s else 0.0,
        n_slowness=c.n_slowness if s else 0,
        slowness_spread=c.slowness_spread if s else 0.0,
    )


def significant_corrections(
    corrections: dict[str, StationCorrection], level: float = SIGNIFICANCE
) -> dict[str, StationCorrection]:
    """The ``corrections`` with what :func:`significant` keeps of each, the stations with
    nothing kept left out: what a self-calibrating run applies."""
    return {k: c for k, c0 in corrections.items() if (c := significant(c0, level)) is not None}


def estimate_sasc_tables(
    events: Sequence[Event],
    source: TravelTimeSource,
    network: MonitoringNetwork,
    min_stations: int = 6,
    min_residuals: int = 5,
    sector: float = 30.0,
) -> dict[str, tuple[StationCorrection, SascTable]]:
    """Per station, its overall correction (:func:`estimate_station_corrections`) and a
    SASC table by back-azimuth sector, as the IDC's are by bin: a bin
    for each ``sector`` [deg] of measured back-azimuth (all slownesses) holding
    ``min_residuals`` residuals, with their median corrections and spreads
    (:func:`estimate_station_corrections`'s residuals), then a bin holding every other
    measurement with the station's overall correction (:func:`sasc_table`): structure
    under an array deflects waves differently from different directions."""
    out = {}
    for station, rows in sorted(_station_residuals(events, source, min_stations, network).items()):
        overall = _correction(station, rows, min_residuals)
        if overall is None:
            continue
        bins = []
        for lo in np.arange(0.0, 360.0, sector):
            hi = float(min(lo + sector, 360.0))
            inside = [r for r in rows if lo <= r[0] % 360.0 < hi]
            c = _correction(station, inside, min_residuals)
            if c is not None and c.n_backazimuth and c.n_slowness:
                bins.append(SascBin(0.0, 1000.0, float(lo), hi, c.slowness, c.backazimuth,
                                    c.slowness_spread, c.backazimuth_spread))  # fmt: skip
        table = sasc_table(overall)
        out[station] = (overall, replace(table, bins=(*bins, *table.bins)))
    return out


def _spread(values: Sequence[float]) -> float:
    """1.4826 x the median absolute deviation of ``values`` (a robust standard deviation)."""
    v = np.asarray(values, float)
    return float(1.4826 * np.median(np.abs(v - np.median(v))))


def apply_station_corrections(
    detections: Sequence[Detection], corrections: dict[str, StationCorrection]
) -> list[Detection]:
    """``detections`` with their station's correction subtracted from the measured
    back-azimuth (wrapped to 0-360 deg) and slowness (kept above 0); the others as they
    are."""
    out = []
    for d in detections:
        c = corrections.get(d.station)
        if c is None:
            out.append(d)
            continue
        baz, slow = d.backazimuth, d.slowness
        if baz is not None and math.isfinite(baz):
            baz = (baz - c.backazimuth) % 360.0
        if slow is not None and math.isfinite(slow):
            slow = max(slow - c.slowness, 0.01)
        out.append(replace(d, backazimuth=baz, slowness=slow))
    return out


def sasc_table(
    correction: StationCorrection, error: tuple[float, float] | None = None
) -> SascTable:
    """``correction`` as a SASC table (:class:`openndc.model.sasc.SascTable`): one bin
    holding every measurement, with the constant corrections and the modelling errors
    ``error`` (slowness [s/deg], back-azimuth [deg]) left after them, by default the
    correction's spreads."""
    if error is None:
        error = (correction.slowness_spread, correction.backazimuth_spread)
    whole = SascBin(0.0, 1000.0, 0.0, 360.0, correction.slowness, correction.backazimuth,
                    error[0], error[1])  # fmt: skip
    return SascTable(correction.station, bins=(whole,))


def apply_sasc(detections: Sequence[Detection], tables: dict[str, SascTable]) -> list[Detection]:
    """``detections`` with the back-azimuth and slowness of those whose station has a SASC
    table corrected by it (:meth:`openndc.model.sasc.SascTable.correct`: by bin, and their
    uncertainties with the table's modelling errors); the others, and those without both
    measurements, as they are."""
    out = []
    for d in detections:
        table = tables.get(d.station)
        baz, slow = d.backazimuth, d.slowness
        if (table is None or baz is None or slow is None or not math.isfinite(baz)
                or not math.isfinite(slow)):  # fmt: skip
            out.append(d)
            continue
        c = table.correct(baz, slow, d.backazimuth_uncertainty, d.slowness_uncertainty)
        bu = (
            d.backazimuth_uncertainty
            if c.backazimuth_uncertainty is None
            else (c.backazimuth_uncertainty)
        )
        su = d.slowness_uncertainty if c.slowness_uncertainty is None else c.slowness_uncertainty
        out.append(replace(d, backazimuth=c.backazimuth, slowness=max(c.slowness, 0.01),
                           backazimuth_uncertainty=bu, slowness_uncertainty=su))  # fmt: skip
    return out
