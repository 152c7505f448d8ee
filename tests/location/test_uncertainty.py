"""Confidence scaling (Jordan & Sverdrup 1981), ellipse geometry and azimuthal gap."""

from __future__ import annotations

import math

import numpy as np
import pytest

from openndc.location import azimuthal_gap, error_ellipse, kappa_squared


def test_kappa_coverage_is_chi_square() -> None:
    # chi-square quantiles at 90 %: 2 dof 4.605, 1 dof 2.706 (= 1.645^2).
    assert kappa_squared(2, 10, 123.0, math.inf, 0.9) == pytest.approx(4.6052, abs=1e-4)
    assert kappa_squared(1, 10, 0.0, math.inf, 0.9) == pytest.approx(1.6449**2, abs=1e-3)


def test_kappa_a_posteriori_and_limits() -> None:
    # K = 0: M s^2 F(M, N-M), s^2 = sum(r/sigma)^2 / (N - M); F_{2,8}(0.9) = 3.1131.
    assert kappa_squared(2, 10, 16.0, 0.0, 0.9) == pytest.approx(2 * 2.0 * 3.1131, rel=1e-3)
    assert math.isnan(kappa_squared(2, 2, 1.0, 0.0, 0.9))
    # Large K tends to the coverage value.
    assert kappa_squared(2, 10, 9.0, 1e7, 0.9) == pytest.approx(4.6052, rel=1e-3)


def test_error_ellipse_axes_and_azimuth() -> None:
    # Variance 9 km^2 along north-east (45 deg), 1 km^2 across it.
    th = math.radians(45.0)
    u = np.array([math.sin(th), math.cos(th)])  # (east, north)
    v = np.array([math.cos(th), -math.sin(th)])
    cov = 9.0 * np.outer(u, u) + 1.0 * np.outer(v, v)
    e = error_ellipse(cov, 4.0, 0.9)
    assert e.semi_major_km == pytest.approx(6.0)
    assert e.semi_minor_km == pytest.approx(2.0)
    assert e.azimuth == pytest.approx(45.0)
    assert error_ellipse(np.diag([1.0, 4.0]), 1.0).azimuth == pytest.approx(0.0)


def test_azimuthal_gap() -> None:
    assert azimuthal_gap([10, 100, 190, 280]) == pytest.approx(90.0)
    assert azimuthal_gap([350, 10, 30]) == pytest.approx(320.0)
    assert azimuthal_gap([42.0]) == 360.0
