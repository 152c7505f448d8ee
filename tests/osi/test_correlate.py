"""The correlation kernels: fast path against the plain reference and ObsPy, flat data."""

from __future__ import annotations

import numpy as np
import pytest
from obspy.signal.cross_correlation import correlate_template

from openndc.osi.correlate import (
    TemplateBank,
    fft_length_for,
    normxcorr,
    normxcorr_py,
    stack_shifted,
    stack_shifted_py,
    stacked_normxcorr,
    stacked_normxcorr_py,
    window_inverse_norms,
    window_inverse_norms_py,
)


def _bank(rng: np.random.Generator, t: int, c: int, m: int, max_shift: int) -> TemplateBank:
    used = rng.random((t, c)) > 0.2
    used[:, 0] = True
    return TemplateBank(rng.standard_normal((t, c, m)), rng.integers(0, max_shift, (t, c)), used)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_single_channel_matches_reference_and_obspy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(20, 300))
    data = rng.standard_normal(int(rng.integers(2000, 30000))) * 10 ** rng.uniform(-3, 3)
    tpl = rng.standard_normal(m)
    ref = normxcorr_py(tpl, data)
    obs = correlate_template(data, tpl, mode="valid", normalize="full")
    fast = normxcorr(tpl, data)
    assert ref.shape == fast.shape == obs.shape
    assert np.abs(ref - obs).max() < 1e-9
    assert np.abs(fast - ref).max() < 1e-4


@pytest.mark.parametrize("fft_length", [0, 1024])
def test_stacked_bank_matches_reference(fft_length: int) -> None:
    rng = np.random.default_rng(5)
    bank = _bank(rng, t=5, c=4, m=120, max_shift=400)
    data = rng.standard_normal((4, 12000)).astype(np.float32)
    fast = stacked_normxcorr(bank, data, fft_length=fft_length, workers=1)
    ref = stacked_normxcorr_py(bank, data)
    assert fast.shape == ref.shape == (5, 12000 - 120 + 1)
    assert np.abs(fast - ref).max() < 1e-4


def test_flat_and_zero_data_give_zero_not_nan() -> None:
    rng = np.random.default_rng(3)
    bank = _bank(rng, t=3, c=3, m=100, max_shift=50)
    data = rng.standard_normal((3, 5000)).astype(np.float32) * 1000
    data[1] = 0.0  # dead channel
    data[0, 1000:3000] = 0.0  # zero-filled gap
    data[2, 2000:2600] = 7.0  # flat-lined
    fast = stacked_normxcorr(bank, data, workers=1)
    ref = stacked_normxcorr_py(bank, data)
    assert np.isfinite(fast).all() and np.isfinite(ref).all()
    assert np.abs(fast - ref).max() < 1e-4
    # inside the gap only channel 2 can contribute
    one = normxcorr_py(bank.waveforms[0, 0], data[0])
    assert np.all(one[1000 : 3000 - 100 + 1] == 0.0)
    assert np.all(normxcorr(np.ones(50), data[0]) == 0.0)  # a flat template


def test_stack_kernel_matches_reference() -> None:
    rng = np.random.default_rng(9)
    numer = rng.standard_normal((6, 700)).astype(np.float32)
    inv = rng.random(650).astype(np.float32)
    shifts = rng.integers(0, 120, 6).astype(np.int64)
    rows = np.array([0, 2, 3, 5, 6, 7], dtype=np.int64)
    a = np.zeros((8, 900), dtype=np.float32)
    b = np.zeros((8, 900), dtype=np.float32)
    stack_shifted(a, numer, inv, shifts, rows, 100, 600)
    stack_shifted_py(b, numer, inv, shifts, rows, 100, 600)
    assert np.allclose(a, b, atol=1e-6)
    assert np.abs(a).max() <= 1.0 + 1e-6


def test_fft_length_rules() -> None:
    assert fft_length_for(100) == 8192
    assert fft_length_for(3000) == 32768
    assert fft_length_for(100, 256) == 256
    with pytest.raises(ValueError):
        fft_length_for(300, 256)
    with pytest.raises(ValueError):
        TemplateBank(np.zeros((2, 3, 10)), np.zeros((2, 2), dtype=np.int64), np.ones((2, 3), bool))


def test_window_norms_fast_matches_reference() -> None:
    rng = np.random.default_rng(11)
    seg = (rng.standard_normal(5000) * 300).astype(np.float32)
    seg[1000:2500] = 0.0
    seg[3000:3400] = 12.0
    fast = window_inverse_norms(seg, 150, 1e-3)
    ref = window_inverse_norms_py(seg, 150, 1e-3)
    assert fast.shape == ref.shape == (5000 - 150 + 1,)
    assert np.allclose(fast, ref, rtol=1e-4, atol=1e-9)
    assert np.all(fast[1000 : 2500 - 150 + 1] == 0.0)


def test_threads_give_the_same_sum() -> None:
    rng = np.random.default_rng(12)
    bank = _bank(rng, t=4, c=6, m=100, max_shift=300)
    data = rng.standard_normal((6, 9000)).astype(np.float32)
    one = stacked_normxcorr(bank, data, workers=1)
    three = stacked_normxcorr(bank, data, workers=3)
    assert np.allclose(one, three, atol=1e-5)
