"""Context of an event: known nuclear test sites, mining districts, time of day, land or sea.

None of these screens an event; they shape the suggested event type and raise the alert
for an event near a test site that is not screened out.

Coordinates are approximate centres of public, published sites, good to a few km, which
is all a 100 km alert radius or a 30 km mining radius needs:

Nuclear test sites
    - Punggye-ri (DPRK): 41.30 N 129.07 E, the 2016 tests' relative locations (Yao et al.
      2018, Seismol. Res. Lett. 89; ``../shared/data/dprk_nuclear_tests_2016``).
    - Semipalatinsk, Balapan/Shagan River 49.93 N 78.82 E; Degelen Mountain 49.78 N 78.07 E;
      Murzhik 49.75 N 77.55 E (Ringdal, Marshall & Alewine 1992, Geophys. J. Int. 109,
      65-77; Khalturin, Rautian & Richards 1998, PAGEOPH 152).
    - Lop Nur (China): 41.60 N 88.70 E (Fisk 2002, Bull. Seismol. Soc. Am. 92, 2911-2925:
      the underground tests lie within 41.5-41.8 N, 88.3-88.8 E).
    - Novaya Zemlya: northern site (Matochkin Shar) 73.37 N 54.90 E; southern site
      (Chernaya Guba) 70.75 N 53.90 E (Marshall, Stewart & Lilwall 1989, Geophys. J. 98;
      Khalturin, Rautian & Richards 2005, Science & Global Security 13).
    - Nevada Test Site (USA): Pahute Mesa 37.25 N 116.45 W; Yucca Flat 37.05 N 116.05 W
      (Springer, Pawloski, Ricca, Rohrer & Smith 2002, PAGEOPH 159, 1047-1085).
    - Azgir (Kazakhstan): 47.85 N 47.90 E (Sultanov, Murphy & Rubinstein 1999, PAGEOPH 154).
    - Pokhran (India): 27.07 N 71.76 E; Ras Koh / Chagai (Pakistan): 28.80 N 64.95 E
      (Barker, Clarke, Cook, Douglas et al. 1998 / Wallace 1998, Seismol. Res. Lett. 69).
    - Mururoa 21.83 S 138.90 W and Fangataufa 22.24 S 138.73 W (France; Bouchez & Lecomte
      1996, Atomic Energy Commission report; positions of the atolls).
    - Amchitka (USA): 51.43 N 179.18 E; In Ekker (Algeria): 24.05 N 5.05 E.

Mining districts (large open-pit mines that blast daily)
    - Kazakhstan: Ekibastuz coal basin, Bogatyr pit 51.6555 N 75.4336 E (Global Energy
      Monitor, Global Coal Mine Tracker); Khromtau (Donskoy chromite) 50.25 N 58.45 E;
      Sokolov-Sarbai iron 52.97 N 63.15 E (Rudny); Kachar iron 53.37 N 62.88 E; Lisakovsk
      iron 52.55 N 62.50 E (Kostanay region); Zhezkazgan copper 47.80 N 67.70 E; Aktogay
      copper pit 46.9494 N 79.8589 E; Bozshakol copper 51.85 N 74.30 E; Vasilkovskoye gold
      53.30 N 69.25 E;
      Karaganda coal basin 49.80 N 73.10 E; Kentobe / Karazhal 48.00 N 70.80 E. Positions
      of the mines and towns as published by their operators (ERG, KAZ Minerals,
      Bogatyr Komir) and in Kazakhstan's geological maps; the NNC RK's bulletins list
      their blasts.
    - Fennoscandia and the Kola peninsula (the regional explosions of the Scandinavian
      arrays, Mykkeltveit et al. 1990 BSSA 80; Kremenetskaya & Trjapitsin 1995 PAGEOPH
      144): Apatity-Kirovsk (Khibiny) 67.65 N 33.80 E; Zapolyarny-Nikel 69.40 N 30.90 E;
      Kovdor 67.57 N 30.47 E; Olenegorsk 68.15 N 33.25 E; Kostomuksha 64.60 N 30.70 E;
      Kiruna 67.85 N 20.20 E; Malmberget-Gällivare 67.17 N 20.66 E; Aitik 67.07 N 20.95 E;
      Estonian oil-shale mines 59.35 N 27.30 E; Siilinjärvi 63.10 N 27.70 E.

Onshore/offshore comes from the GLOBE 1 km land mask shipped by the ``global-land-mask``
package (Hastings & Dunbar 1999, NOAA NGDC), reduced to 0.05 deg cells and shipped
(:mod:`openndc.geo.landmask`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from obspy import UTCDateTime

from openndc.geo.landmask import is_onshore
from openndc.model.geodesy import distance_azimuth
from openndc.model.inventory import EARTH_RADIUS_KM
from openndc.model.screening import CriterionEvidence
from openndc.screening.config import ContextConfig

__all__ = [
    "MINING_DISTRICTS",
    "TEST_SITES",
    "Place",
    "is_onshore",
    "local_solar_hour",
    "mining_evidence",
    "nearest",
    "nuclear_site_evidence",
    "offshore_evidence",
]

_KM_PER_DEG = math.pi * EARTH_RADIUS_KM / 180.0


@dataclass(frozen=True, slots=True)
class Place:
    """A named point with the source of its coordinates."""

    name: str
    latitude: float
    longitude: float
    source: str


_RINGDAL = "Ringdal, Marshall & Alewine (1992) GJI 109"
_NTS = "Springer et al. (2002) PAGEOPH 159"
_NZ = "Marshall, Stewart & Lilwall (1989) GJ 98; Khalturin et al. (2005) SGS 13"
_IND_PAK = "Barker et al. (1998) / Wallace (1998) SRL 69"

#: Known nuclear test sites (sources in the module docstring).
TEST_SITES: tuple[Place, ...] = (
    Place("Punggye-ri", 41.30, 129.07, "Yao et al. (2018) SRL 89"),
    Place("Semipalatinsk Balapan", 49.93, 78.82, _RINGDAL),
    Place("Semipalatinsk Degelen", 49.78, 78.07, _RINGDAL),
    Place("Semipalatinsk Murzhik", 49.75, 77.55, "Khalturin, Rautian & Richards (1998)"),
    Place("Lop Nur", 41.60, 88.70, "Fisk (2002) BSSA 92"),
    Place("Novaya Zemlya north", 73.37, 54.90, _NZ),
    Place("Novaya Zemlya south", 70.75, 53.90, _NZ),
    Place("Nevada Pahute Mesa", 37.25, -116.45, _NTS),
    Place("Nevada Yucca Flat", 37.05, -116.05, _NTS),
    Place("Azgir", 47.85, 47.90, "Sultanov, Murphy & Rubinstein (1999) PAGEOPH 154"),
    Place("Pokhran", 27.07, 71.76, _IND_PAK),
    Place("Ras Koh", 28.80, 64.95, _IND_PAK),
    Place("Mururoa", -21.83, -138.90, "atoll position"),
    Place("Fangataufa", -22.24, -138.73, "atoll position"),
    Place("Amchitka", 51.43, 179.18, "island position"),
    Place("In Ekker", 24.05, 5.05, "Taourirt Tan Afella position"),
)

_KZ = "operators' published mine positions (module docstring)"
_FENNO = "Mykkeltveit et al. (1990) BSSA 80; Kremenetskaya & Trjapitsin (1995) PAGEOPH 144"

#: Mining districts with large open-pit blasting (sources in the module docstring).
MINING_DISTRICTS: tuple[Place, ...] = (
    Place("Ekibastuz (Bogatyr pit)", 51.6555, 75.4336, "Global Coal Mine Tracker (GEM)"),
    Place("Sokolov-Sarbai (Rudny)", 52.97, 63.15, _KZ),
    Place("Kachar", 53.37, 62.88, _KZ),
    Place("Lisakovsk", 52.55, 62.50, _KZ),
    Place("Zhezkazgan", 47.80, 67.70, _KZ),
    Place("Aktogay", 46.9494, 79.8589, "Aktogay deposit, 46 56 58 N 79 51 32 E"),
    Place("Khromtau (Donskoy)", 50.25, 58.45, "town of the Donskoy chromite mines"),
    Place("Bozshakol", 51.85, 74.30, _KZ),
    Place("Vasilkovskoye", 53.30, 69.25, _KZ),
    Place("Karaganda", 49.80, 73.10, _KZ),
    Place("Karazhal", 48.00, 70.80, _KZ),
    Place("Khibiny (Apatity-Kirovsk)", 67.65, 33.80, _FENNO),
    Place("Zapolyarny-Nikel", 69.40, 30.90, _FENNO),
    Place("Kovdor", 67.57, 30.47, _FENNO),
    Place("Olenegorsk", 68.15, 33.25, _FENNO),
    Place("Kostomuksha", 64.60, 30.70, _FENNO),
    Place("Kiruna", 67.85, 20.20, _FENNO),
    Place("Malmberget", 67.17, 20.66, _FENNO),
    Place("Aitik", 67.07, 20.95, _FENNO),
    Place("Estonian oil shale", 59.35, 27.30, _FENNO),
    Place("Siilinjarvi", 63.10, 27.70, _FENNO),
)


def nearest(latitude: float, longitude: float, places: tuple[Place, ...]) -> tuple[Place, float]:
    """The nearest place and its epicentral distance [km]."""
    lats = np.array([p.latitude for p in places])
    lons = np.array([p.longitude for p in places])
    dist, _, _ = distance_azimuth(latitude, longitude, lats, lons)
    i = int(np.argmin(dist))
    return places[i], float(dist[i]) * _KM_PER_DEG


def local_solar_hour(time: UTCDateTime, longitude: float) -> float:
    """Local mean solar time [h, 0-24] at a longitude: UTC + longitude / 15."""
    hours = time.hour + time.minute / 60.0 + time.second / 3600.0
    return (hours + longitude / 15.0) % 24.0


def nuclear_site_evidence(
    latitude: float, longitude: float, config: ContextConfig
) -> tuple[CriterionEvidence, Place | None, float]:
    """Distance to the nearest known test site; returns the place when within the radius."""
    site, dist = nearest(latitude, longitude, TEST_SITES)
    inside = dist <= config.test_site_radius_km
    ev = CriterionEvidence(
        name="test site",
        indicates="inconclusive",
        value=dist,
        threshold=config.test_site_radius_km,
        unit="km",
        source=site.source,
        detail=f"{dist:.0f} km from {site.name}" + (" (within alert radius)" if inside else ""),
    )
    return ev, (site if inside else None), dist


def mining_evidence(
    latitude: float, longitude: float, time: UTCDateTime, config: ContextConfig
) -> tuple[CriterionEvidence, bool]:
    """Distance to the nearest mining district and whether the time is a working hour."""
    mine, dist = nearest(latitude, longitude, MINING_DISTRICTS)
    hour = local_solar_hour(time, longitude)
    h0, h1 = config.blasting_hours
    daytime = h0 <= hour < h1
    inside = dist <= config.mine_radius_km
    ev = CriterionEvidence(
        name="mining district",
        indicates="inconclusive",
        value=dist,
        threshold=config.mine_radius_km,
        unit="km",
        source=mine.source,
        detail=f"{dist:.0f} km from {mine.name}, local solar time {hour:04.1f} h"
        + (" (in district, working hours)" if inside and daytime else ""),
    )
    return ev, inside and daytime


def offshore_evidence(latitude: float, longitude: float) -> tuple[CriterionEvidence, bool]:
    """Onshore or offshore; offshore events would need the IDC's hydroacoustic criterion."""
    onshore = is_onshore(latitude, longitude)
    ev = CriterionEvidence(
        name="onshore/offshore",
        indicates="inconclusive",
        value=1.0 if onshore else 0.0,
        unit="1 onshore, 0 offshore",
        source="GLOBE 1 km land mask (global-land-mask); IDC hydroacoustic screening "
        "(Fisk et al. 2002) needs H-phase data, not evaluated",
        detail="onshore" if onshore else "offshore (hydroacoustic criterion not evaluated)",
    )
    return ev, onshore
