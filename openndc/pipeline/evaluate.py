"""Detections of a known event against TauP predictions (a check analysts run on known events).

For each station with data, the first P predicted by TauP (ak135 by default) from a
reference origin is compared with the nearest P-type detection; the result is a table
with the onset residual per station.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pandas as pd
from obspy import UTCDateTime
from obspy.geodetics import gps2dist_azimuth, locations2degrees
from obspy.taup import TauPyModel

from openndc.model.detection import Detection
from openndc.model.inventory import MonitoringNetwork
from openndc.model.phases import FIRST_P

__all__ = ["P_PHASES", "compare_first_p", "predicted_first_p"]

#: Detections named one of these count as P detections (first arrivals and PKP).
P_PHASES = frozenset({*FIRST_P, "PKP", "Pb"})

_TAUP_P = ["P", "Pn", "Pg", "p", "Pdiff", "PKP", "PKIKP"]


def predicted_first_p(
    model: TauPyModel, distance_deg: float, depth_km: float
) -> tuple[float, str, float]:
    """Travel time [s], name and ray parameter [s/deg] of the first P-type arrival."""
    arrivals = model.get_travel_times(
        source_depth_in_km=max(depth_km, 0.0), distance_in_degree=distance_deg, phase_list=_TAUP_P
    )
    if not arrivals:
        return math.nan, "", math.nan
    first = min(arrivals, key=lambda a: a.time)
    return float(first.time), str(first.name), float(first.ray_param_sec_degree)


def compare_first_p(
    detections: Iterable[Detection],
    network: MonitoringNetwork,
    stations: Sequence[str],
    origin_time: UTCDateTime,
    latitude: float,
    longitude: float,
    depth_km: float,
    *,
    model: str = "ak135",
    search: float = 30.0,
) -> pd.DataFrame:
    """Per station: distance, predicted first P, the nearest P detection and its residual.

    Only detections named with a P phase (:data:`P_PHASES`) within ``search`` seconds of the
    prediction are considered; ``residual`` = detected - predicted [s] (NaN: none found).
    """
    taup = TauPyModel(model=model)
    dets = [d for d in detections if d.phase in P_PHASES]
    rows = []
    for code in stations:
        sta = network.find_station(code)
        if sta is None:
            continue
        dist = locations2degrees(latitude, longitude, sta.latitude, sta.longitude)
        _, _, baz = gps2dist_azimuth(latitude, longitude, sta.latitude, sta.longitude)
        tt, name, ray_p = predicted_first_p(taup, dist, depth_km)
        predicted = origin_time + tt
        near = [d for d in dets if d.station == code and abs(d.time - predicted) <= search]
        best = min(near, key=lambda d: abs(d.time - predicted)) if near else None
        rows.append(
            {
                "station": code,
                "distance_deg": dist,
                "backazimuth_deg": baz,
                "predicted_phase": name,
                "predicted_time": str(predicted),
                "predicted_slowness_s_per_deg": ray_p,
                "detected_phase": best.phase if best else "",
                "detected_time": str(best.time) if best else "",
                "residual_s": (best.time - predicted) if best else math.nan,
                "snr": best.snr if best else math.nan,
            }
        )
    return pd.DataFrame(rows).sort_values("distance_deg").reset_index(drop=True)
