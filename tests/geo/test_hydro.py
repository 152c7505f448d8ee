"""Hydroacoustic paths over the land mask: open water, blocked paths and seismic legs (to
the sea, from a T station's shore), the vectorised walk against its plain reference."""

from __future__ import annotations

import numpy as np
import pytest

from openndc.geo import hydro_paths, hydro_paths_py
from openndc.model.geodesy import DEG_KM, distance_azimuth

# IMS hydroacoustic sites (lat, lon) as the IMS site tables give them
# (../shared/data/ims_site_tables/ims.site, SNL-GMS)
SITES = {
    "H01W": (-34.348, 115.166),  # Cape Leeuwin (the shore site: on land in the mask)
    "H06N": (18.862, -110.986),  # Socorro
    "H08S": (-7.627, 72.484),  # Diego Garcia south
    "H09N": (-37.068, -12.315),  # Tristan da Cunha (a T station on the island)
    "H10N": (-7.96, -14.41),  # Ascension
    "H11N": (19.29, 166.61),  # Wake
}
CODES = list(SITES)
LAT = np.array([SITES[c][0] for c in CODES])
LON = np.array([SITES[c][1] for c in CODES])


def _open(lat: float, lon: float) -> dict[str, bool]:
    p = hydro_paths(lat, lon, LAT, LON)
    return dict(zip(CODES, p.open.tolist(), strict=True))


def test_an_ocean_event_reaches_the_stations_of_its_ocean_only() -> None:
    reach = _open(0.9, -29.0)  # the Mid-Atlantic Ridge at the equator
    assert reach["H10N"] and reach["H09N"]
    assert not reach["H08S"]  # Africa lies between
    assert not reach["H11N"] and not reach["H06N"]  # the Americas
    p = hydro_paths(0.9, -29.0, LAT, LON)
    total = np.asarray(distance_azimuth(0.9, -29.0, LAT, LON)[0]) * DEG_KM
    assert np.all(p.land_km == 0.0)
    np.testing.assert_allclose(p.water_km + p.shore_km, total)
    # Tristan da Cunha's T station is on its island, a couple of km from the shore;
    # Ascension's hydrophones are in the sea
    assert 0.0 < p.shore_km[CODES.index("H09N")] < 30.0
    assert p.shore_km[CODES.index("H10N")] == 0.0


def test_an_event_far_inland_reaches_none() -> None:
    assert not any(_open(34.5, 9.0).values())  # central Tunisia: Africa to the south and west


def test_an_event_under_land_near_the_sea_has_a_seismic_leg() -> None:
    # the Chilean Andes, ~100 km from the Pacific: Wake is open over a seismic leg to the
    # coast, Tristan da Cunha too far across Argentina
    p = hydro_paths(-33.5, -70.5, LAT, LON)
    wake = CODES.index("H11N")
    assert p.open[wake]
    assert 50.0 < p.land_km[wake] < 200.0
    total = float(distance_azimuth(-33.5, -70.5, *SITES["H11N"])[0]) * DEG_KM
    assert p.land_km[wake] + p.water_km[wake] + p.shore_km[wake] == pytest.approx(total)
    assert not p.open[CODES.index("H09N")]
    assert hydro_paths(-33.5, -70.5, LAT, LON, source_land_km=2000.0).open[CODES.index("H09N")]


def test_islands_and_the_station_end() -> None:
    assert not _open(41.3, 129.1)["H11N"]  # DPRK: Japan lies between it and Wake
    # Cape Leeuwin's site is on land: the last 30 km to a station do not block
    assert _open(-30.0, 100.0)["H01W"]
    assert not hydro_paths(-30.0, 100.0, LAT, LON, station_land_km=0.0).open[0]


@pytest.mark.parametrize(
    "epicentre",
    [(0.9, -29.0), (34.5, 9.0), (-33.5, -70.5), (41.3, 129.1), (23.4, 70.2), (-20.0, -175.0)],
)
def test_vectorised_walk_matches_the_reference(epicentre: tuple[float, float]) -> None:
    fast = hydro_paths(*epicentre, LAT, LON)
    ref = hydro_paths_py(*epicentre, LAT, LON)
    np.testing.assert_array_equal(fast.open, ref.open)
    np.testing.assert_allclose(fast.land_km, ref.land_km)
    np.testing.assert_allclose(fast.water_km, ref.water_km)
    np.testing.assert_allclose(fast.shore_km, ref.shore_km)


def test_no_stations() -> None:
    p = hydro_paths(0.0, 0.0, [], [])
    assert p.open.size == p.land_km.size == p.water_km.size == p.shore_km.size == 0
