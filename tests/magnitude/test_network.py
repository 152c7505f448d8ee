"""Network averaging and outlier rejection."""

from __future__ import annotations

import math

import numpy as np
import pytest

from openndc.magnitude.config import NetworkAverageConfig
from openndc.magnitude.network import network_magnitude, robust_average, scaled_mad
from openndc.model.event import StationMagnitude


def _sm(value: float, sta: str, kind: str = "mb") -> StationMagnitude:
    return StationMagnitude(kind, value, "XX", sta)  # type: ignore[arg-type]


def test_scaled_mad_matches_gaussian_sigma() -> None:
    x = np.random.default_rng(0).normal(5.0, 0.2, 20000)
    assert scaled_mad(x) == pytest.approx(0.2, rel=0.03)


def test_outlier_rejected_and_median_of_rest() -> None:
    value, spread, used = robust_average([4.0, 4.1, 4.2, 4.05, 6.0])
    assert used.tolist() == [True, True, True, True, False]
    assert value == pytest.approx(np.median([4.0, 4.1, 4.2, 4.05]))
    assert spread == pytest.approx(scaled_mad([4.0, 4.1, 4.2, 4.05]))


def test_low_outlier_rejected_too() -> None:
    _, _, used = robust_average([5.0, 5.1, 4.9, 5.05, 4.95, 3.5])
    assert used.tolist() == [True, True, True, True, True, False]


def test_min_deviation_protects_when_mad_is_zero() -> None:
    value, _, used = robust_average([4.0, 4.0, 4.0, 4.2])
    assert used.all() and value == 4.0
    _, _, used = robust_average([4.0, 4.0, 4.0, 4.5])
    assert used.tolist() == [True, True, True, False]


def test_two_stations_never_rejected() -> None:
    value, spread, used = robust_average([3.0, 5.0])
    assert used.all() and value == 4.0 and math.isfinite(spread)


def test_single_station_has_no_spread() -> None:
    value, spread, used = robust_average([4.2])
    assert value == 4.2 and math.isnan(spread) and used.all()


def test_mean_and_trimmed_mean() -> None:
    vals = [4.0, 4.1, 4.2, 4.3, 4.4, 4.5, 4.6, 4.7]
    cfg = NetworkAverageConfig(method="mean")
    assert robust_average(vals, cfg)[0] == pytest.approx(np.mean(vals))
    cfg = NetworkAverageConfig(method="trimmed_mean", trim_fraction=0.25)
    assert robust_average(vals, cfg)[0] == pytest.approx(np.mean(vals[2:6]))


def test_network_magnitude_flags_and_counts() -> None:
    sms = [_sm(4.0, "A"), _sm(4.1, "B"), _sm(4.2, "C"), _sm(6.0, "D"), _sm(3.0, "E", "ML")]
    mag = network_magnitude(sms, "mb")
    assert mag is not None
    assert mag.magnitude_type == "mb" and mag.n_stations == 3
    assert mag.value == pytest.approx(4.1)
    assert [s.station for s in mag.station_magnitudes] == ["A", "B", "C", "D"]
    assert [s.used for s in mag.station_magnitudes] == [True, True, True, False]
    assert "median" in mag.method
    assert network_magnitude(sms, "Ms") is None
    assert network_magnitude(sms, "mb", NetworkAverageConfig(min_stations=4)) is None
