"""STA/LTA kernels: fast vs reference vs ObsPy."""

from __future__ import annotations

import numpy as np
import pytest
from obspy.signal import trigger as obspy_trigger

from openndc.detection.stalta import (
    classic_sta_lta,
    classic_sta_lta_py,
    recursive_sta_lta,
    recursive_sta_lta_py,
    recursive_sta_lta_warm,
    recursive_sta_lta_warm_py,
    trigger_onsets,
    trigger_onsets_py,
)


@pytest.fixture
def noisy() -> np.ndarray:
    rng = np.random.default_rng(42)
    x = rng.normal(size=3000)
    x[1500:1700] *= 8.0
    return x


def test_classic_fast_matches_reference(noisy: np.ndarray) -> None:
    np.testing.assert_allclose(
        classic_sta_lta(noisy, 20, 300), classic_sta_lta_py(noisy, 20, 300), rtol=1e-9, atol=1e-12
    )


def test_classic_matches_obspy(noisy: np.ndarray) -> None:
    ours = classic_sta_lta(noisy, 25, 400)
    ref = obspy_trigger.classic_sta_lta(noisy, 25, 400)
    np.testing.assert_allclose(ours[399:], ref[399:], rtol=1e-9)
    assert np.all(ours[:399] == 0)


def test_classic_accepts_int_and_float32(noisy: np.ndarray) -> None:
    xi = (noisy * 1000).astype(np.int32)
    np.testing.assert_allclose(
        classic_sta_lta(xi, 10, 100), classic_sta_lta_py(xi, 10, 100), rtol=1e-9
    )
    xf = noisy.astype(np.float32)
    np.testing.assert_allclose(
        classic_sta_lta(xf, 10, 100), classic_sta_lta_py(xf, 10, 100), rtol=1e-6
    )


def test_recursive_matches_reference_and_obspy(noisy: np.ndarray) -> None:
    ours = recursive_sta_lta(noisy, 30, 500)
    np.testing.assert_allclose(ours, recursive_sta_lta_py(noisy, 30, 500), rtol=1e-9)
    ref = obspy_trigger.recursive_sta_lta(noisy, 30, 500)
    np.testing.assert_allclose(ours[500:], ref[500:], rtol=1e-6)


def test_bad_windows_rejected(noisy: np.ndarray) -> None:
    with pytest.raises(ValueError):
        classic_sta_lta(noisy, 100, 50)
    with pytest.raises(ValueError):
        recursive_sta_lta(noisy, 0, 50)


def test_trigger_onsets_fast_matches_reference(noisy: np.ndarray) -> None:
    cft = classic_sta_lta(noisy, 20, 300)
    fast = trigger_onsets(cft, 3.0, 1.0)
    np.testing.assert_array_equal(fast, trigger_onsets_py(cft, 3.0, 1.0))
    assert len(fast) >= 1
    assert 1500 <= fast[0, 0] <= 1530


def test_warm_recursive_matches_reference(noisy: np.ndarray) -> None:
    for nsta, nlta, nwarm in ((30, 500, 50), (5, 40, 1), (20, 5000, 100)):
        np.testing.assert_allclose(
            recursive_sta_lta_warm(noisy, nsta, nlta, nwarm),
            recursive_sta_lta_warm_py(noisy, nsta, nlta, nwarm),
            rtol=1e-9,
            atol=1e-12,
        )


def test_warm_recursive_starts_from_the_data_and_forgets_the_start(noisy: np.ndarray) -> None:
    warm = recursive_sta_lta_warm(noisy, 30, 500, 50)
    assert np.all(warm[:50] == 0.0) and np.all(warm[50:] > 0.0)
    # on stationary noise the ratio is ~1 from the warm-up on (an empty LTA would blow up)
    assert 0.3 < np.median(warm[50:500]) < 2.0
    # the signal at 1500-1700 is seen at once; far from the start it equals ObsPy's
    assert warm[1500:1700].max() > 4.0
    cold = recursive_sta_lta(noisy, 30, 500)
    np.testing.assert_allclose(warm[2500:], cold[2500:], rtol=0.02)


def test_warm_recursive_triggers_two_seconds_into_a_record() -> None:
    # 2 s of noise at 100 Hz, then a signal 10x the noise: ObsPy's definition (LTA 8 s) gives
    # nothing here, the warm start triggers within the STA window of the onset
    rng = np.random.default_rng(1)
    x = rng.normal(size=1000)
    x[200:] *= 10.0
    cold = recursive_sta_lta(x, 30, 800)
    warm = recursive_sta_lta_warm(x, 30, 800, 100)
    assert cold[:800].max() == 0.0
    on = trigger_onsets(warm, 3.5, 1.5)
    assert len(on) and 200 <= on[0, 0] <= 230


def test_warm_bad_windows_rejected(noisy: np.ndarray) -> None:
    with pytest.raises(ValueError):
        recursive_sta_lta_warm(noisy, 30, 500, 0)
