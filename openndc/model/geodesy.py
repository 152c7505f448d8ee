"""Distances and azimuths on the Earth, as seismology computes them for travel times.

Travel-time tables (ak135, IASP91) are functions of the *geocentric* great-circle distance, so
geographic latitudes are converted to geocentric ones (WGS84 flattening) before spherical
trigonometry, as the IDC's and ISC's locators do. All functions are vectorised over NumPy
arrays. Units: latitudes/longitudes/distances/azimuths [deg].
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEG_KM",
    "EARTH_RADIUS_KM",
    "destination",
    "distance_azimuth",
    "geocentric_latitude",
    "geographic_latitude",
]

#: Mean Earth radius [km] used by ak135/IASP91 and the IDC to turn degrees into km.
EARTH_RADIUS_KM = 6371.0
#: Kilometres per degree of great-circle arc [km/deg].
DEG_KM = 2.0 * np.pi * EARTH_RADIUS_KM / 360.0

_WGS84_F = 1.0 / 298.257223563
_E2_FACTOR = (1.0 - _WGS84_F) ** 2

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]


def geocentric_latitude(latitude: ArrayLike) -> FloatArray:
    """Geocentric latitude [deg] of a geographic (WGS84) latitude [deg]."""
    lat = np.radians(np.asarray(latitude, dtype=np.float64))
    return np.degrees(np.arctan(_E2_FACTOR * np.tan(lat)))


def geographic_latitude(latitude: ArrayLike) -> FloatArray:
    """Geographic (WGS84) latitude [deg] of a geocentric latitude [deg]."""
    lat = np.radians(np.asarray(latitude, dtype=np.float64))
    return np.degrees(np.arctan(np.tan(lat) / _E2_FACTOR))


def distance_azimuth(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Great-circle distance, azimuth and back-azimuth from point 1 to point 2.

    Inputs are geographic coordinates [deg]; they broadcast. Returns ``(distance [deg],
    azimuth [deg] from 1 towards 2, back-azimuth [deg] from 2 towards 1)``, azimuths in
    0-360 clockwise from north.
    """
    phi1 = np.radians(geocentric_latitude(lat1))
    phi2 = np.radians(geocentric_latitude(lat2))
    dlon = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    s1, c1 = np.sin(phi1), np.cos(phi1)
    s2, c2 = np.sin(phi2), np.cos(phi2)
    sd, cd = np.sin(dlon), np.cos(dlon)
    # Vincenty's formula on the sphere: accurate at all distances, incl. 0 and 180 deg.
    num = np.hypot(c2 * sd, c1 * s2 - s1 * c2 * cd)
    den = s1 * s2 + c1 * c2 * cd
    dist = np.degrees(np.arctan2(num, den))
    az = np.degrees(np.arctan2(sd * c2, c1 * s2 - s1 * c2 * cd)) % 360.0
    baz = np.degrees(np.arctan2(-sd * c1, c2 * s1 - s2 * c1 * cd)) % 360.0
    return dist, az, baz


def destination(
    latitude: ArrayLike, longitude: ArrayLike, distance: ArrayLike, azimuth: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The point at ``distance`` [deg] along ``azimuth`` [deg] from a geographic point.

    Returns geographic ``(latitude, longitude)`` [deg], longitude in -180..180. Inverse of
    :func:`distance_azimuth` (to rounding).
    """
    phi1 = np.radians(geocentric_latitude(latitude))
    lam1 = np.radians(np.asarray(longitude, dtype=np.float64))
    d = np.radians(np.asarray(distance, dtype=np.float64))
    a = np.radians(np.asarray(azimuth, dtype=np.float64))
    sphi2 = np.sin(phi1) * np.cos(d) + np.cos(phi1) * np.sin(d) * np.cos(a)
    phi2 = np.arcsin(np.clip(sphi2, -1.0, 1.0))
    lam2 = lam1 + np.arctan2(np.sin(a) * np.sin(d) * np.cos(phi1), np.cos(d) - np.sin(phi1) * sphi2)
    lon2 = (np.degrees(lam2) + 180.0) % 360.0 - 180.0
    return geographic_latitude(np.degrees(phi2)), lon2
