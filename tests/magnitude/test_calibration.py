"""Calibration formulas against published values and hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from openndc.magnitude import calibration as cal


def test_ml_iaspei_value_at_100_km() -> None:
    # IASPEI (2013): 1.11 log10(100) + 0.00189 * 100 - 2.09 = 0.319
    assert cal.ml_log_a0(100.0) == pytest.approx(0.319, abs=1e-12)


def test_ml_reproduces_richter_definition() -> None:
    # Richter: ML 3 gives 1 mm on a Wood-Anderson (measured magnification 2080) at 100 km.
    a_nm = 1e6 / 2080.0
    assert cal.ml_from_amplitude(a_nm, 100.0) == pytest.approx(3.0, abs=0.005)
    # Richter's -log A0 table [mm] (NMSOP DS 3.1, Table 1): 200 km -> 3.5
    assert cal.ml_log_a0(200.0) + math.log10(a_nm) == pytest.approx(3.5, abs=0.05)


def test_ml_invalid_distance_is_nan() -> None:
    out = cal.ml_log_a0(np.array([0.0, -5.0, 10.0]))
    assert np.isnan(out[:2]).all() and np.isfinite(out[2])


@pytest.mark.parametrize(
    ("distance", "depth", "vc72"),
    [  # Veith & Clawson (1972) Table 2 (peak-to-peak), as in iLoc's VCmbQ.dat
        (20.0, 0.0, 2.77),
        (40.0, 0.0, 3.32),
        (60.0, 100.0, 3.10),
        (90.0, 800.0, 2.91),
        (100.0, 15.0, 4.37),
    ],
)
def test_mb_q_table_points(distance: float, depth: float, vc72: float) -> None:
    # half peak-to-peak amplitudes: VC72 + log10(2)
    assert cal.mb_q(distance, depth) == pytest.approx(vc72 + math.log10(2.0), abs=1e-9)


def test_mb_q_bilinear_by_hand() -> None:
    # rows 40 and 41 deg, columns 0 and 15 km: 3.32 3.24 / 3.32 3.24
    expected = (3.32 + 3.24 + 3.32 + 3.24) / 4 + math.log10(2.0)
    assert cal.mb_q(40.5, 7.5) == pytest.approx(expected, abs=1e-9)
    # along distance only, 20 -> 21 deg at 0 km: 2.77 -> 2.80
    assert cal.mb_q(20.25, 0.0) == pytest.approx(2.77 + 0.25 * 0.03 + math.log10(2.0))
    # along depth only, 40 deg between 100 km (2.99) and 200 km (2.78)
    assert cal.mb_q(40.0, 130.0) == pytest.approx(2.99 - 0.3 * 0.21 + math.log10(2.0))


def test_mb_hand_computation() -> None:
    # A = 10 nm half peak-to-peak, T = 1 s, 40 deg, surface: 1 + 3.32 + 0.301
    assert cal.mb_from_amplitude(10.0, 1.0, 40.0, 0.0) == pytest.approx(4.621, abs=1e-3)


def test_mb_q_ranges() -> None:
    assert np.isnan(cal.mb_q(100.5, 0.0)) and np.isnan(cal.mb_q(-1.0, 0.0))
    assert cal.mb_q(50.0, -3.0) == cal.mb_q(50.0, 0.0)
    assert cal.mb_q(50.0, 950.0) == cal.mb_q(50.0, 800.0)
    q = cal.mb_q(np.array([[30.0], [50.0], [70.0]]), np.array([0.0, 33.0]))
    assert q.shape == (3, 2) and np.isfinite(q).all()


def test_ms_iaspei() -> None:
    assert cal.ms_sigma(20.0) == pytest.approx(1.66 * math.log10(20.0) + 0.3)
    # the nm form equals the older micrometre form log10(A_um / T) + 1.66 log10(D) + 3.3
    a_nm, t, d = 1000.0, 20.0, 50.0
    old = math.log10(a_nm / 1000.0 / t) + 1.66 * math.log10(d) + 3.3
    assert cal.ms_from_amplitude(a_nm, t, d) == pytest.approx(old, abs=1e-12)
    assert cal.ms_from_amplitude(a_nm, t, d) == pytest.approx(4.819, abs=1e-3)
    assert np.isnan(cal.ms_sigma(0.0))


def test_inverse_round_trips() -> None:
    rng = np.random.default_rng(1)
    mags = rng.uniform(1.0, 7.0, 200)
    r_km = rng.uniform(5.0, 1000.0, 200)
    dist = rng.uniform(0.0, 100.0, 200)
    depth = rng.uniform(0.0, 700.0, 200)
    per = rng.uniform(0.3, 2.0, 200)
    np.testing.assert_allclose(
        cal.ml_from_amplitude(cal.amplitude_for_ml(mags, r_km), r_km), mags, atol=1e-9
    )
    a = cal.amplitude_for_mb(mags, dist, depth, per)
    np.testing.assert_allclose(cal.mb_from_amplitude(a, per, dist, depth), mags, atol=1e-9)
    d = rng.uniform(20.0, 160.0, 200)
    np.testing.assert_allclose(
        cal.ms_from_amplitude(cal.amplitude_for_ms(mags, d), 20.0, d), mags, atol=1e-9
    )
    # a larger magnitude needs a larger amplitude, by exactly 10x per unit
    assert cal.amplitude_for_ml(4.0, 100.0) == pytest.approx(10 * cal.amplitude_for_ml(3.0, 100.0))
    assert np.isnan(cal.amplitude_for_mb(5.0, 120.0, 0.0))


def test_nonpositive_amplitude_gives_nan() -> None:
    assert np.isnan(cal.ml_from_amplitude(0.0, 100.0))
    assert np.isnan(cal.mb_from_amplitude(-1.0, 1.0, 40.0, 0.0))
    assert np.isnan(cal.ms_from_amplitude(100.0, 0.0, 40.0))
