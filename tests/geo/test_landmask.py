"""The shipped land mask (GLOBE 1 km reduced to 0.05 deg cells)."""

from __future__ import annotations

import numpy as np

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


def test_many_points_at_once_as_one_by_one() -> None:
    """The vectorised lookup against the cell arithmetic written out point by point (row 0
    at 90 N, column 0 at 180 W, 20 cells per degree, longitudes wrapped)."""
    from openndc.geo.landmask import on_land

    mask = land_mask()
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(-90, 90, 500), rng.uniform(-200, 200, 500)
    expected = []
    for a, b in zip(lat.tolist(), lon.tolist(), strict=True):
        w = b + 360.0 if b < -180.0 else b - 360.0 if b >= 180.0 else b
        i = min(max(int((90.0 - a) * 20), 0), 3599)
        j = min(max(int((w + 180.0) * 20), 0), 7199)
        expected.append(bool(mask[i, j]))
    assert on_land(lat, lon).tolist() == expected
    assert 0.2 < float(np.mean(expected)) < 0.5  # land and sea both found
