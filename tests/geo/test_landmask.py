"""The shipped land mask (GLOBE 1 km reduced to 0.05 deg cells)."""

from __future__ import annotations

from openndc.geo.landmask import is_onshore, land_mask


def test_shipped_land_mask() -> None:
    mask = land_mask()
    assert mask.shape == (3600, 7200)
    # Land (incl. Antarctica and lakes) covers ~29 % of the Earth's surface; the grid is not
    # area-weighted, so its plain mean is higher (polar rows are over-counted).
    assert 0.28 < float(mask.mean()) < 0.38
    assert mask[-1].all()  # the South Pole row is Antarctica
    assert not mask[0].any()  # the North Pole row is Arctic Ocean


def test_points() -> None:
    assert is_onshore(49.9, 78.8)  # Semipalatinsk
    assert not is_onshore(0.0, -30.0)  # equatorial Atlantic
