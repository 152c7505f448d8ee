"""Stations, channels and arrays: the network as the pipeline sees it (no I/O here).

Arrays are first class: an :class:`Array` has a reference point, elements with their
offsets from it, and named beam groups. Loaders in :mod:`openndc.inventory` build these
from StationXML, CSS3.0 site/sitechan tables or the built-in Kazakh network.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from openndc.model.errors import InventoryError

__all__ = [
    "Array",
    "ArrayElement",
    "ChannelInfo",
    "MonitoringNetwork",
    "Station",
    "local_offsets_km",
]

EARTH_RADIUS_KM = 6371.0

ArrayKind = Literal["seismic", "infrasound", "hydroacoustic"]


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """One channel of a station.

    ``sensitivity`` is the overall gain [counts per (m/s) for seismometers, counts per Pa for
    microbarometers] at ``sensitivity_frequency_hz``; ``response`` optionally holds the full
    :class:`obspy.core.inventory.response.Response` for instrument correction.
    """

    code: str
    location: str = ""
    sample_rate_hz: float | None = None
    azimuth_deg: float | None = None
    dip_deg: float | None = None
    sensitivity: float | None = None
    sensitivity_frequency_hz: float | None = None
    input_units: str | None = None
    response: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Station:
    """A station site. Array elements are stations whose ``array`` names their array."""

    network: str
    code: str
    latitude: float
    longitude: float
    elevation_m: float = 0.0
    channels: tuple[ChannelInfo, ...] = ()
    array: str | None = None
    description: str = ""
    source: str = ""

    def channel(self, code: str, location: str | None = None) -> ChannelInfo | None:
        for ch in self.channels:
            if ch.code == code and (location is None or ch.location == location):
                return ch
        return None

    @property
    def is_three_component(self) -> bool:
        comps = {ch.code[-1] for ch in self.channels if len(ch.code) == 3}
        return "Z" in comps and len(comps & {"N", "E", "1", "2"}) == 2


@dataclass(frozen=True, slots=True)
class ArrayElement:
    """An array element and its offset from the array reference point [km, east/north]."""

    network: str
    station: str
    latitude: float
    longitude: float
    elevation_m: float
    deast_km: float
    dnorth_km: float


@dataclass(frozen=True, slots=True)
class Array:
    """A seismic or infrasound array: reference point, elements, beam groups.

    ``beam_groups`` maps a group name (e.g. ``"sp"`` for the short-period vertical
    elements) to the element station codes used for beams and f-k in that group; the group
    ``"all"`` is implied.
    """

    network: str
    code: str
    reference_latitude: float
    reference_longitude: float
    reference_elevation_m: float
    elements: tuple[ArrayElement, ...]
    kind: ArrayKind = "seismic"
    beam_groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        if not self.elements:
            raise InventoryError(f"array {self.code} has no elements")

    @property
    def element_codes(self) -> tuple[str, ...]:
        return tuple(e.station for e in self.elements)

    def group(self, name: str = "all") -> tuple[ArrayElement, ...]:
        if name == "all":
            return self.elements
        try:
            codes = set(self.beam_groups[name])
        except KeyError:
            raise InventoryError(
                f"array {self.code} has no beam group {name!r}; groups: "
                f"{['all', *self.beam_groups]}"
            ) from None
        return tuple(e for e in self.elements if e.station in codes)

    def offsets_km(self, codes: tuple[str, ...] | None = None) -> np.ndarray:
        """Element offsets as an ``(n, 2)`` array of [east, north] km, in element order."""
        elems = self.elements if codes is None else tuple(self.element(c) for c in codes)
        return np.array([[e.deast_km, e.dnorth_km] for e in elems], dtype=np.float64)

    def element(self, code: str) -> ArrayElement:
        for e in self.elements:
            if e.station == code:
                return e
        raise InventoryError(f"{code} is not an element of array {self.code}")

    @property
    def aperture_km(self) -> float:
        xy = self.offsets_km()
        d = xy[:, None, :] - xy[None, :, :]
        return float(np.sqrt((d**2).sum(-1)).max())


@dataclass(frozen=True, slots=True)
class MonitoringNetwork:
    """All stations and arrays the NDC processes."""

    name: str
    stations: tuple[Station, ...]
    arrays: tuple[Array, ...] = ()
    source: str = ""

    def __iter__(self) -> Iterator[Station]:
        return iter(self.stations)

    def __len__(self) -> int:
        return len(self.stations)

    def station(self, code: str, network: str | None = None) -> Station:
        for s in self.stations:
            if s.code == code and (network is None or s.network == network):
                return s
        raise InventoryError(
            f"station {network + '.' if network else ''}{code} is not in inventory {self.name!r}"
        )

    def find_station(self, code: str, network: str | None = None) -> Station | None:
        try:
            return self.station(code, network)
        except InventoryError:
            return None

    def array(self, code: str) -> Array:
        for a in self.arrays:
            if a.code == code:
                return a
        raise InventoryError(f"array {code} is not in inventory {self.name!r}")

    def array_of(self, station_code: str) -> Array | None:
        """The array a station is an element of, if any."""
        for a in self.arrays:
            if station_code in a.element_codes:
                return a
        return None

    @property
    def n_channels(self) -> int:
        return sum(len(s.channels) for s in self.stations)


def local_offsets_km(
    ref_lat: float, ref_lon: float, lats: np.ndarray, lons: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """East and north offsets [km] of points from a reference (local flat-Earth projection).

    Adequate for array apertures up to a few tens of km (error < 0.1 %).
    """
    lat0 = math.radians(ref_lat)
    dnorth = np.radians(np.asarray(lats, dtype=float) - ref_lat) * EARTH_RADIUS_KM
    dlon = (np.asarray(lons, dtype=float) - ref_lon + 180.0) % 360.0 - 180.0
    deast = np.radians(dlon) * EARTH_RADIUS_KM * math.cos(lat0)
    return deast, dnorth
