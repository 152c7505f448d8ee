"""Onset kernels (AIC, kurtosis) and the two-stage refinement."""

from __future__ import annotations

import math

import numpy as np
import pytest
from obspy.signal.trigger import aic_simple
from scipy.stats import kurtosis

from openndc.detection.filters import causal_bandpass, zerophase_bandpass
from openndc.detection.onset import (
    aic_cf,
    aic_cf_py,
    backsearch_onset,
    fine_onset_data,
    kurtosis_cf,
    kurtosis_cf_py,
    pick_aic,
    pick_kurtosis,
    refine_onset,
)


def _step(n: int = 600, at: int = 300, gain: float = 10.0, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=n)
    x[at:] *= gain
    return x


@pytest.mark.parametrize("n", [3, 10, 257])
def test_aic_fast_matches_reference_and_obspy(n: int) -> None:
    x = np.random.default_rng(n).normal(size=n) * 3.0 + 1.0
    fast = aic_cf(x)
    np.testing.assert_allclose(fast, aic_cf_py(x), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fast, aic_simple(x), rtol=1e-9, atol=1e-9)


def test_aic_short_input_is_zero() -> None:
    assert np.all(aic_cf(np.array([1.0, 2.0])) == 0)


def test_kurtosis_fast_matches_reference_and_scipy() -> None:
    x = np.random.default_rng(3).standard_t(3, size=500)
    fast = kurtosis_cf(x, 40)
    np.testing.assert_allclose(fast, kurtosis_cf_py(x, 40), rtol=1e-9, atol=1e-12)
    assert fast[100] == pytest.approx(kurtosis(x[61:101]))
    assert np.all(fast[:39] == 0)


def test_pick_aic_finds_step() -> None:
    picks = [pick_aic(_step(seed=s)) for s in range(20)]
    assert all(p is not None and abs(p - 300) <= 3 for p in picks)


def test_pick_kurtosis_finds_impulsive_onset() -> None:
    x = np.random.default_rng(5).normal(size=600) * 0.1
    t = np.arange(200) / 100.0
    x[300:500] += np.exp(-3 * t) * np.sin(2 * np.pi * 8 * t) * 5
    k = pick_kurtosis(x, 50)
    assert k is not None and abs(k - 300) <= 5


def test_pick_aic_flat_is_none() -> None:
    assert pick_aic(np.zeros(100)) is None
    assert pick_aic(np.full(100, np.nan)) is None
    assert refine_onset(np.zeros(1000), 100.0, 500, 2.0, 1.0) is None


@pytest.mark.parametrize("method", ["aic", "kurtosis"])
def test_refine_onset_corrects_late_trigger(method: str) -> None:
    x = _step(n=2000, at=1000, seed=7)
    onset = refine_onset(x, 100.0, trigger=1040, before=4.0, after=1.5, method=method)
    assert onset is not None and abs(onset - 1000) <= 3


def test_refine_onset_none_and_unknown() -> None:
    x = _step()
    assert refine_onset(x, 100.0, 300, 1.0, 1.0, "none") is None
    with pytest.raises(ValueError, match="unknown onset method"):
        refine_onset(x, 100.0, 300, 1.0, 1.0, "magic")


FS = 100.0


def _two_arrivals(
    seed: int, weak: float = 3.0, strong: float = 20.0, t_weak: float = 17.0, t_strong: float = 20.0
) -> np.ndarray:
    """25 s of unit white noise, an emergent weak arrival (amplitude ramping from ``weak/3``
    to ``weak`` over 1 s) from ``t_weak`` [s] and a strong one from ``t_strong`` [s]."""
    rng = np.random.default_rng(seed)
    n = round(25.0 * FS)
    x = rng.normal(size=n)
    t = np.arange(n) / FS
    gain = np.ones(n)
    ramp = (t >= t_weak) & (t < t_strong)
    gain[ramp] = np.sqrt(1.0 + (weak**2 - 1.0) * np.minimum(1.0, (t[ramp] - t_weak) / 1.0 + 1 / 9))
    gain[t >= t_strong] = strong
    return x * gain


_BS = {"back": 500, "noise": 1000, "min_len": 100, "snr": 4.0}


@pytest.mark.parametrize("seed", range(10))
def test_backsearch_finds_weak_emergent_onset(seed: int) -> None:
    x = _two_arrivals(seed)
    e = backsearch_onset(x, 2000, **_BS)
    # the onset of the emergent arrival (17 s): within the first half of its 1 s ramp
    assert e is not None and 1690 <= e <= 1750


def test_backsearch_respects_window_floor_and_off() -> None:
    x = _two_arrivals(1)
    # the earlier onset lies 3 s back: a 2 s back-search cannot reach it
    assert backsearch_onset(x, 2000, **{**_BS, "back": 200}) is None
    assert backsearch_onset(x, 2000, **{**_BS, "back": 0}) is None
    # not enough noise after the floor (end of a previous signal) to test against
    assert backsearch_onset(x, 2000, **_BS, floor=1650) is None
    # an earlier arrival shorter than min_len (here 4 s) is not accepted
    assert backsearch_onset(x, 2000, **{**_BS, "min_len": 400}) is None


@pytest.mark.parametrize("seed", range(20))
def test_backsearch_noise_only_unchanged(seed: int) -> None:
    # a clean impulsive onset at 20 s with only (stationary) noise before it
    x = _two_arrivals(seed, weak=1.0)
    assert backsearch_onset(x, 2000, **_BS) is None
    # the same when the given onset is a little late (the strong energy is not taken)
    assert backsearch_onset(x, 2010, **_BS) is None


def test_backsearch_too_weak_or_burst_unchanged() -> None:
    # an earlier arrival at 1.5x the noise amplitude (energy ratio 2.25 < 4): kept out
    assert backsearch_onset(_two_arrivals(3, weak=1.5), 2000, **_BS) is None
    # a 0.3 s noise burst 3 s before the onset, then noise again: not sustained
    x = _two_arrivals(4, weak=1.0)
    x[1700:1730] *= 12.0
    assert backsearch_onset(x, 2000, **_BS) is None


def test_fine_onset_data_is_the_causal_filter_of_the_whole_trace() -> None:
    fs = 100.0
    x = np.random.default_rng(3).normal(size=4000)
    seg = fine_onset_data(x, fs, 2500, 400, band_freq_min=5.0, freq_floor=1.0, ratio=0.7)
    whole = causal_bandpass(x, fs, 3.5, 45.0, 4)[2500:2900]
    assert seg.shape == (400,)
    np.testing.assert_allclose(seg, whole, atol=1e-6 * float(np.abs(whole).max()))
    # ratio 0 (the regional default): the lowest band's corner whatever the band
    low = fine_onset_data(x, fs, 2500, 400, band_freq_min=5.0, freq_floor=1.0)
    np.testing.assert_allclose(low, causal_bandpass(x, fs, 1.0, 45.0, 4)[2500:2900], atol=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_fine_stage_below_the_band_ignores_long_period_noise(seed: int) -> None:
    """A 5-20 Hz onset under a strong 0.9-1.3 Hz wobble: the second AIC stage on data
    high-passed half an octave below the detecting band (3.5 Hz) picks it within 0.1 s; on
    data high-passed at the lowest band's corner (1 Hz) the wobble moves the pick (5 of these
    6 seeds by more than 0.3 s)."""
    fs, n, at = 100.0, 3000, 1500
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs
    x = rng.normal(size=n) + 40 * np.sin(2 * math.pi * 0.9 * t + seed)
    x += 25 * np.sin(2 * math.pi * 1.3 * t)
    signal = 6.0 * causal_bandpass(rng.normal(size=n), fs, 5.0, 20.0, 4)
    signal[:at] = 0.0
    x += signal
    y = zerophase_bandpass(x, fs, 5.0, 20.0, 4)

    def pick(ratio: float) -> float:
        fine = fine_onset_data(x, fs, 0, n, band_freq_min=5.0, freq_floor=1.0, ratio=ratio)
        k = refine_onset(y, fs, at + 10, 1.5, 0.5, fine=fine, last=at + 10)
        assert k is not None
        return (k - at) / fs

    assert abs(pick(1.0 / math.sqrt(2.0))) <= 0.1
    if seed != 1:
        assert abs(pick(0.0)) > 0.3
