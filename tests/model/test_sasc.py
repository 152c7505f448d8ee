"""Slowness-azimuth station corrections (``openndc.model.sasc``) as the IDC's location
library applies them (libloc ``correct_az_slow``)."""

from __future__ import annotations

import math

import pytest

from openndc.model.sasc import SascBin, SascTable


def test_a_bin_subtracts_its_corrections_and_adds_its_modelling_errors() -> None:
    table = SascTable("ARCES", bins=(SascBin(8.0, 12.0, 90.0, 120.0, 1.5, 6.0, 0.8, 4.0),))
    c = table.correct(100.0, 10.0, 3.0, 0.6)
    assert c.backazimuth == pytest.approx(94.0)
    assert c.slowness == pytest.approx(8.5)
    assert c.backazimuth_uncertainty == pytest.approx(5.0)  # hypot(3, 4)
    assert c.slowness_uncertainty == pytest.approx(1.0)  # hypot(0.6, 0.8)
    assert (c.azimuth_correction, c.slowness_correction) == pytest.approx((6.0, 1.5))
    # outside every bin: unchanged, no modelling error (the default one is 0)
    out = table.correct(200.0, 10.0, 3.0, 0.6)
    assert (out.backazimuth, out.slowness) == pytest.approx((200.0, 10.0))
    assert (out.backazimuth_uncertainty, out.slowness_uncertainty) == pytest.approx((3.0, 0.6))
    # bounds are [min, max); the corrected azimuth wraps
    wrap = SascTable("X", bins=(SascBin(0.0, 30.0, 0.0, 10.0, 0.0, 8.0, 0.0, 0.0),))
    assert wrap.correct(5.0, 10.0).backazimuth == pytest.approx(357.0)
    assert wrap.correct(10.0, 10.0).backazimuth == pytest.approx(10.0)


def test_the_default_correction_shifts_the_slowness_vector() -> None:
    """A default correction (sx, sy) is subtracted from the measured slowness vector; the
    azimuth's modelling error follows from the slowness one, 2 asin(err / 2u)."""
    table = SascTable("GERES", default_sx=0.5, default_sy=-0.3, default_error=1.2)
    baz, slow = 60.0, 8.0
    c = table.correct(baz, slow, 2.0, 0.5)
    sx = slow * math.sin(math.radians(baz)) - 0.5
    sy = slow * math.cos(math.radians(baz)) + 0.3
    assert c.slowness == pytest.approx(math.hypot(sx, sy))
    assert c.backazimuth == pytest.approx(math.degrees(math.atan2(sx, sy)) % 360.0)
    az_err = 2.0 * math.degrees(math.asin(1.2 / (2.0 * slow)))
    assert c.backazimuth_uncertainty == pytest.approx(math.hypot(2.0, az_err))
    assert c.slowness_uncertainty == pytest.approx(math.hypot(0.5, 1.2))
    # a slowness so small the azimuth is undefined within the modelling error: 180 deg
    assert table.correct(baz, 0.5, 2.0, 0.5).backazimuth_uncertainty == 180.0
    # no measurement uncertainty given: none made up
    assert table.correct(baz, slow).backazimuth_uncertainty is None


def test_the_affine_transform_rotates_before_the_default_correction() -> None:
    """A rotation of the slowness vector by 10 deg (a11 a12 a21 a22 of a rotation) turns
    the azimuth by 10 deg and keeps the slowness."""
    r = math.radians(10.0)
    table = SascTable("X", affine=(math.cos(r), math.sin(r), -math.sin(r), math.cos(r)))
    c = table.correct(40.0, 6.0)
    assert c.slowness == pytest.approx(6.0)
    assert c.backazimuth == pytest.approx(50.0)
