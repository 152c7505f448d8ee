"""Context: test sites, mining districts, local time, land mask."""

from __future__ import annotations

import pytest
from obspy import UTCDateTime

from openndc.screening.config import ContextConfig
from openndc.screening.context import (
    MINING_DISTRICTS,
    TEST_SITES,
    is_onshore,
    local_solar_hour,
    mining_evidence,
    nearest,
    nuclear_site_evidence,
)


def test_punggye_ri_from_the_2016_reference_location() -> None:
    # Yao et al. (2018) relative location of the 2016-01-06 test.
    site, dist = nearest(41.2980, 129.0715, TEST_SITES)
    assert site.name == "Punggye-ri"
    assert dist < 5.0


def test_balapan_and_alert_radius() -> None:
    _ev, site, _dist = nuclear_site_evidence(49.95, 78.85, ContextConfig())
    assert site is not None and site.name.startswith("Semipalatinsk")
    far, none, _ = nuclear_site_evidence(45.0, 20.0, ContextConfig())
    assert none is None and far.value > 1000


def test_every_place_has_a_source_and_valid_coordinates() -> None:
    for p in TEST_SITES + MINING_DISTRICTS:
        assert p.source
        assert -90 <= p.latitude <= 90 and -180 <= p.longitude <= 180


def test_local_solar_hour() -> None:
    assert local_solar_hour(UTCDateTime("2020-01-01T06:00:00"), 75.0) == pytest.approx(11.0)
    assert local_solar_hour(UTCDateTime("2020-01-01T22:00:00"), 30.0) == pytest.approx(0.0)


def test_mining_district_in_working_hours() -> None:
    # Ekibastuz at 06 UTC = 11 h local solar time: a working-hour blast.
    ev, blasting = mining_evidence(
        51.66, 75.43, UTCDateTime("2020-01-01T06:00:00"), ContextConfig()
    )
    assert blasting and "Ekibastuz" in ev.detail
    _, night = mining_evidence(51.66, 75.43, UTCDateTime("2020-01-01T20:00:00"), ContextConfig())
    assert not night


@pytest.mark.parametrize(
    ("lat", "lon", "land"),
    [
        (41.3, 129.07, True),
        (49.9, 78.8, True),
        (-21.83, -138.90, False),
        (40.0, 150.0, False),
        (37.1, -116.1, True),
        (0.0, -30.0, False),
    ],
)
def test_land_mask(lat: float, lon: float, land: bool) -> None:
    assert is_onshore(lat, lon) is land
