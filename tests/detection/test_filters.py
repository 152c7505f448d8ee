"""Tests of the cached filter designs and the numba causal SOS filter."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from openndc.detection.filters import (
    bandpass_sos,
    causal_bandpass,
    sosfilt_causal,
    sosfilt_causal_py,
    zerophase_bandpass,
)


def test_bandpass_sos_is_cached_readonly_and_equals_butter() -> None:
    sos = bandpass_sos(3, 0.8, 4.5, 40.0)
    ref = signal.butter(3, [0.8, 4.5], btype="band", fs=40.0, output="sos")
    np.testing.assert_array_equal(sos, ref)
    assert bandpass_sos(3, 0.8, 4.5, 40.0) is sos
    assert not sos.flags.writeable
    with pytest.raises(ValueError):
        sos[0, 0] = 1.0


@pytest.mark.parametrize("shape", [(3000,), (4, 2500)])
@pytest.mark.parametrize(("corners", "fmin", "fmax"), [(3, 0.8, 4.5), (4, 2.0, 18.0)])
def test_zerophase_bandpass_equals_sosfiltfilt(
    shape: tuple[int, ...], corners: int, fmin: float, fmax: float
) -> None:
    x = np.random.default_rng(1).standard_normal(shape) + 5.0
    sos = signal.butter(corners, [fmin, fmax], btype="band", fs=40.0, output="sos")
    got = zerophase_bandpass(x, 40.0, fmin, fmax, corners)
    # the numba kernel makes the same operations in the same order: the same numbers
    np.testing.assert_array_equal(got, signal.sosfiltfilt(sos, x, axis=-1))
    assert got.shape == x.shape


def test_zerophase_bandpass_too_short_raises_like_scipy() -> None:
    with pytest.raises(ValueError):
        zerophase_bandpass(np.ones(10), 40.0, 1.0, 5.0, 3)


@pytest.mark.parametrize("shape", [(2000,), (3, 1500), (2, 2, 700)])
def test_causal_bandpass_equals_sosfilt(shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(2).standard_normal(shape) * 1e3 + 4e4
    sos = signal.butter(4, [1.0, 10.0], btype="band", fs=40.0, output="sos")
    np.testing.assert_array_equal(
        causal_bandpass(x, 40.0, 1.0, 10.0, 4), signal.sosfilt(sos, x, axis=-1)
    )
    zi = signal.sosfilt_zi(sos).reshape((sos.shape[0],) + (1,) * (x.ndim - 1) + (2,))
    steady, _ = signal.sosfilt(sos, x, axis=-1, zi=zi * x[..., :1])
    np.testing.assert_array_equal(causal_bandpass(x, 40.0, 1.0, 10.0, 4, steady=True), steady)


def test_sosfilt_causal_matches_reference_and_scipy() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal(1500)
    sos = np.array(bandpass_sos(3, 0.5, 8.0, 40.0))
    fast = sosfilt_causal(sos, x)
    np.testing.assert_allclose(fast, sosfilt_causal_py(sos, x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fast, signal.sosfilt(sos, x), rtol=1e-10, atol=1e-12)
    scaled = sos.copy()
    scaled[1] *= 2.0  # a section with a0 != 1: the same filter once normalised
    np.testing.assert_allclose(sosfilt_causal(scaled, x), fast, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sosfilt_causal_py(scaled, x), fast, rtol=1e-10, atol=1e-12)
    impulse = np.zeros(100)
    impulse[50] = 1.0
    assert np.all(sosfilt_causal(sos, impulse)[:50] == 0.0)  # causal: nothing before the input
