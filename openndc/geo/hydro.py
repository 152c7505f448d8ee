"""Hydroacoustic paths: whether sound from an event can reach a hydroacoustic station, and
over how much land and sea.

A T phase is sound trapped in the ocean's SOFAR channel. An event under the sea excites it
at its epicentre; the waves of an event under land travel through the rock as P to the
sea, where the continental slope turns them into sound (T phases recorded at Bermuda from
earthquakes with land paths up to 51 deg: their travel times are P over the land path plus
T over the water path, "Bermuda T phases with large continental paths", BSSA 45(1), 23,
1955; the conversion at the slope, "T phases at Bermuda and transformation of elastic
waves", BSSA 47(3), 251, 1957; reviewed by Okal 2008, "The generation of T waves by
earthquakes", Adv. Geophys. 49). Land
between that coast and the station blocks the sound: islands and continents cast acoustic
shadows (the IDC's hydroacoustic processing accounts for such blockage; the IMS has
hydrophone triplets north and south of Diego Garcia, each shadowed by the island from one
side).

:func:`hydro_paths` walks each great circle from the event to the station on the shipped
0.05 deg land mask (:mod:`openndc.geo.landmask`) in steps of ``step_km`` and returns

- ``land_km``: the seismic leg. 0 for an epicentre at sea; for one on land, up to the sea
  after the last land within ``source_land_km`` of the epicentre (the mask cannot tell a
  shallow gulf, which carries no SOFAR sound, from the deep sea: the waves of an event on
  the Gulf of Kutch cross it and the Kathiawar peninsula as P to the slope beyond);
- ``water_km``: the path through the sea;
- ``shore_km``: the land at the station's end (within ``station_land_km``: a T station's
  island; the sound turns into seismic waves at its slope), a second seismic leg;
- ``open``: sound can reach the station: the seismic leg ends at the sea within
  ``source_land_km`` and, after it, no land lies farther than ``station_land_km`` from the
  station (T stations are seismometers on islands, and a cabled hydrophone's site can be
  its shore station). T phases of events farther inland exist (the Bermuda ones) but are
  those of large events; the association tries none beyond ``source_land_km``.

The great circle stands for the acoustic geodesic (their difference is well below the
mask's 5 km at IMS distances); lakes count as land. :func:`hydro_paths_py` is the plain
loop reference the vectorised version is tested against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from openndc.geo.landmask import is_onshore, on_land
from openndc.model.geodesy import DEG_KM, destination, distance_azimuth

__all__ = ["HydroPaths", "hydro_paths", "hydro_paths_py"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Default sampling step along a path [km]: half a mask cell at the equator.
STEP_KM = 2.5


@dataclass(frozen=True)
class HydroPaths:
    """Paths from one event to stations (arrays of the stations' shape)."""

    #: The seismic leg from the epicentre to the sea [km] (see the module; 0 at sea, the
    #: whole distance where the path never reaches the sea).
    land_km: FloatArray
    #: The path through the sea [km].
    water_km: FloatArray
    #: True where sound can reach the station (see the module).
    open: BoolArray
    #: The land at the station's end of an open path [km] (a T station's island).
    shore_km: FloatArray


def _lengths(
    latitude: float,
    longitude: float,
    station_latitude: npt.ArrayLike,
    station_longitude: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Great-circle length [km] and azimuth [deg] from the epicentre to each station."""
    slat = np.atleast_1d(np.asarray(station_latitude, dtype=np.float64))
    slon = np.atleast_1d(np.asarray(station_longitude, dtype=np.float64))
    dist, az, _ = distance_azimuth(latitude, longitude, slat, slon)
    km = np.atleast_1d(np.asarray(dist, dtype=np.float64)) * DEG_KM
    return km, np.atleast_1d(np.asarray(az, dtype=np.float64))


def hydro_paths(
    latitude: float,
    longitude: float,
    station_latitude: npt.ArrayLike,
    station_longitude: npt.ArrayLike,
    *,
    source_land_km: float = 500.0,
    station_land_km: float = 30.0,
    step_km: float = STEP_KM,
) -> HydroPaths:
    """Paths from the epicentre (``latitude``, ``longitude`` [deg]) to each station."""
    total, az = _lengths(latitude, longitude, station_latitude, station_longitude)
    n = int(np.ceil(total.max() / step_km)) + 1 if total.size else 1
    # sample k of path j at min(k * step, total_j): the last sample is the station
    s = np.minimum(np.arange(n, dtype=np.float64)[None, :] * step_km, total[:, None])
    plat, plon = destination(latitude, longitude, s / DEG_KM, az[:, None])
    land = on_land(plat, plon)
    at = np.arange(n)[None, :]
    rows = np.arange(total.size)
    if land.size and land[0, 0]:
        # an epicentre on land: the seismic leg runs to the first sea sample after the
        # last land sample within source_land_km (sample 0, the epicentre, is one)
        near = land & (s <= source_land_km)
        last = n - 1 - np.argmax(near[:, ::-1], axis=1)
        beyond = ~land & (at > last[:, None])
        has_sea = beyond.any(axis=1)
        first_sea = np.where(has_sea, np.argmax(beyond, axis=1), n - 1)
    else:
        has_sea = np.ones(total.size, dtype=bool)
        first_sea = np.zeros(total.size, dtype=np.int64)
    land_km = np.where(has_sea, s[rows, first_sea], total)
    # land after the seismic leg, farther than station_land_km from the station, blocks;
    # nearer, it is the station's shore
    to_station = total[:, None] - s
    after = land & (at > first_sea[:, None])
    blocked = (after & (to_station > station_land_km)).any(axis=1)
    reach = has_sea & (land_km <= source_land_km) & ~blocked
    shore_km = np.where(reach, np.where(after, to_station, 0.0).max(axis=1, initial=0.0), 0.0)
    return HydroPaths(land_km, total - land_km - shore_km, reach, shore_km)


def hydro_paths_py(latitude: float, longitude: float, station_latitude: npt.ArrayLike,
                   station_longitude: npt.ArrayLike, *, source_land_km: float = 500.0,
                   station_land_km: float = 30.0,
                   step_km: float = STEP_KM) -> HydroPaths:  # fmt: skip
    """Plain reference of :func:`hydro_paths`: one station and one sample at a time."""
    totals, azimuths = _lengths(latitude, longitude, station_latitude, station_longitude)
    land_out, water_out, open_out, shore_out = [], [], [], []
    for total, a in zip(totals.tolist(), azimuths.tolist(), strict=True):
        n = int(np.ceil(total / step_km)) + 1
        samples = [min(k * step_km, total) for k in range(n)]
        on_land = []
        for sk in samples:
            plat, plon = destination(latitude, longitude, sk / DEG_KM, a)
            on_land.append(is_onshore(float(plat), float(plon)))
        leg: float | None = 0.0
        first = 0
        if on_land[0]:
            last = max(k for k in range(n) if on_land[k] and samples[k] <= source_land_km)
            leg = None
            for k in range(last + 1, n):
                if not on_land[k]:
                    leg, first = samples[k], k
                    break
        ok = leg is not None and leg <= source_land_km
        shore = 0.0
        for k in range(first + 1, n):
            if on_land[k]:
                if total - samples[k] > station_land_km:
                    ok = False
                shore = max(shore, total - samples[k])
        shore = shore if ok else 0.0
        land_out.append(total if leg is None else leg)
        water_out.append(0.0 if leg is None else total - leg - shore)
        open_out.append(ok)
        shore_out.append(shore)
    return HydroPaths(
        np.asarray(land_out, dtype=np.float64),
        np.asarray(water_out, dtype=np.float64),
        np.asarray(open_out, dtype=bool),
        np.asarray(shore_out, dtype=np.float64),
    )
