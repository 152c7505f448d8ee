from __future__ import annotations

import numpy as np
import pytest

from openndc.detection.array.kernels import (
    backazimuth_from_slowness,
    beam,
    beam_py,
    beam_trigger_state,
    beam_triggers,
    beam_triggers_py,
    beam_triggers_span,
    beams,
    beams_py,
    close_open_triggers,
    fk_power,
    fk_power_py,
    fk_spectra,
    fstat_from_relpower,
    plane_wave_delays,
    slowness_vector,
)
from openndc.detection.stalta import recursive_sta_lta_warm, trigger_onsets


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_beam_matches_reference_on_random_input(seed: int) -> None:
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((7, 301))
    delays = rng.uniform(-1.3, 1.3, 7)
    np.testing.assert_allclose(beam(data, 20.0, delays), beam_py(data, 20.0, delays), atol=1e-12)
    dl = rng.uniform(-2, 2, (5, 7))
    np.testing.assert_allclose(beams(data, 20.0, dl), beams_py(data, 20.0, dl), atol=1e-12)
    whole = np.array([1.0, -2.0, 0.5])  # whole-sample delays: exact shifts
    np.testing.assert_allclose(
        beam(data[:3], 20.0, whole / 20.0), beam_py(data[:3], 20.0, whole / 20.0), atol=1e-12
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_beam_triggers_matches_reference_on_random_input(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_el, n = int(rng.integers(3, 10)), int(rng.integers(200, 3000))
    # bursts of energy so that the STA/LTA triggers; whole-sample and zero delays included
    data = rng.standard_normal((n_el, n)) * np.exp(1.5 * rng.standard_normal(n))
    nb = int(rng.integers(1, 20))  # not a multiple of the kernel's beam group
    dl = rng.uniform(-0.6, 0.6, (nb, n_el))
    dl[0] = 0.0
    dl[-1] = np.round(dl[-1] * 20.0) / 20.0
    fast = beam_triggers(data, 20.0, dl, 5, 40, 2.0, 1.2, nwarm=12)
    ref = beam_triggers_py(data, 20.0, dl, 5, 40, 2.0, 1.2, nwarm=12)
    assert len(ref) > nb  # the test exercises many triggers
    assert fast.shape == ref.shape
    np.testing.assert_array_equal(fast[:, :3], ref[:, :3])
    np.testing.assert_allclose(fast[:, 3], ref[:, 3], rtol=1e-9)
    # and exactly the fast kernels composed (beams, recursive STA/LTA, trigger onsets)
    rows = []
    for b, x in enumerate(beams(data, 20.0, dl)):
        cft = recursive_sta_lta_warm(x, 5, 40, 12)
        rows += [(b, i0, i1, cft[i0 : i1 + 1].max()) for i0, i1 in trigger_onsets(cft, 2.0, 1.2)]
    np.testing.assert_array_equal(fast, np.array(rows).reshape(-1, 4))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_beam_triggers_span_in_random_pieces_equals_one_call(seed: int) -> None:
    """The streaming form: spans of a growing record, the state carried, give the numbers
    of one call on the whole record (the beams read ahead by their largest delay)."""
    rng = np.random.default_rng(seed)
    fs, n_el, n = 20.0, 6, 4000
    data = rng.standard_normal((n_el, n)) * np.exp(1.5 * rng.standard_normal(n))
    dl = rng.uniform(-0.8, 0.8, (11, n_el))
    whole = beam_triggers(data, fs, dl, 5, 40, 2.0, 1.2, nwarm=30)
    state = beam_trigger_state(len(dl))
    k0 = np.floor(dl * fs).astype(int)
    keep_back, ahead = max(0, -int(k0.min())), max(0, int(k0.max())) + 1
    rows, t_a, d0, avail = [], 0, 0, 0
    while avail < n:
        avail = min(n, avail + int(rng.integers(1, 400)))
        t_b = avail if avail == n else max(t_a, avail - ahead)
        d0 = max(0, min(d0 + int(rng.integers(0, 300)), t_a - keep_back))  # the buffer trimmed
        rows.append(
            beam_triggers_span(
                data[:, d0:avail], d0, avail, fs, dl, t_a, t_b, 5, 40, 30, 2.0, 1.2, state
            )
        )
        t_a = t_b
    rows.append(close_open_triggers(state, n - 1))
    got = np.concatenate(rows)
    got = got[np.lexsort((got[:, 1], got[:, 0]))]
    assert len(whole) > 10
    np.testing.assert_array_equal(got, whole)


def test_beam_triggers_finds_a_steered_arrival_and_rejects_bad_input() -> None:
    fs, n = 20.0, 4000
    rng = np.random.default_rng(5)
    xy = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0], [-3.0, -1.0]])
    d = plane_wave_delays(xy, 60.0, 0.15)
    t = np.arange(n) / fs
    sig = np.sin(2 * np.pi * 1.5 * t) * np.exp(-(((t - 150.0) / 1.5) ** 2)) * 3.0
    data = np.array([np.interp(t - dj, t, sig) for dj in d]) + rng.standard_normal((4, n))
    steer = np.array([d, -d])  # the right direction and the opposite one
    trig = beam_triggers(data, fs, steer, 10, 400, 3.0, 1.5)
    on_right = trig[(trig[:, 0] == 0) & (np.abs(trig[:, 1] / fs - 149.0) < 3.0)]
    assert len(on_right) == 1
    wrong = trig[(trig[:, 0] == 1) & (np.abs(trig[:, 1] / fs - 149.0) < 3.0)]
    assert len(wrong) == 0 or wrong[:, 3].max() < on_right[0, 3]
    with pytest.raises(ValueError):
        beam_triggers(data, fs, d, 10, 400, 3.0, 1.5)  # delays must be (n_beams, n_el)
    with pytest.raises(ValueError):
        beam_triggers(data, fs, steer, 10, 5, 3.0, 1.5)  # nlta <= nsta


def test_beam_aligns_a_plane_wave() -> None:
    fs = 40.0
    t = np.arange(800) / fs
    xy = np.array([[0.0, 0.0], [1.0, 0.5], [-0.7, 1.2], [0.3, -1.1]])
    d = plane_wave_delays(xy, 135.0, 0.1)
    sig = np.sin(2 * np.pi * 1.0 * t) * np.exp(-(((t - 10) / 2) ** 2))
    data = np.array([np.interp(t - dj, t, sig) for dj in d])
    b = beam(data, fs, d)
    np.testing.assert_allclose(b[40:-40], sig[40:-40], rtol=0, atol=6e-3)
    # steering the wrong way loses power
    assert np.sum(beam(data, fs, -d) ** 2) < 0.9 * np.sum(b**2)


def test_slowness_vector_conventions() -> None:
    # A wave from the east (baz 90) travels west: sx < 0; east elements see it first.
    sx, sy = slowness_vector(90.0, 0.1)
    assert sx == pytest.approx(-0.1) and sy == pytest.approx(0.0, abs=1e-12)
    assert backazimuth_from_slowness(sx, sy) == pytest.approx(90.0)
    d = plane_wave_delays(np.array([[1.0, 0.0], [-1.0, 0.0]]), 90.0, 0.1)
    assert d[0] == pytest.approx(-0.1) and d[1] == pytest.approx(0.1)
    for baz in (0.0, 45.0, 200.0, 359.0):
        assert backazimuth_from_slowness(*slowness_vector(baz, 0.05)) == pytest.approx(baz % 360)


@pytest.mark.parametrize("seed", [3, 4])
def test_fk_power_matches_reference_on_random_input(seed: int) -> None:
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((6, 160))
    xy = rng.uniform(-3, 3, (6, 2))
    sx = np.linspace(-0.3, 0.3, 13)
    sy = np.linspace(-0.3, 0.2, 11)
    shifts = rng.uniform(-0.5, 0.5, 6)
    a = fk_power(data, 40.0, xy, sx, sy, 0.8, 4.5, shifts_s=shifts)
    b = fk_power_py(data, 40.0, xy, sx, sy, 0.8, 4.5, shifts_s=shifts)
    np.testing.assert_allclose(a[0], b[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-10)
    assert a[0].shape == (11, 13)
    assert a[0].min() >= 0.0 and a[0].max() <= 1.0


def test_fstat_equals_time_domain_blandford() -> None:
    """(N-1) r/(1-r) from the spectrum equals Blandford's time-domain F of the aligned window."""
    rng = np.random.default_rng(5)
    n, ns = 8, 256
    sig = rng.standard_normal(ns)
    data = sig[None, :] + 0.7 * rng.standard_normal((n, ns))
    # zero slowness: already aligned; full band so that Parseval applies
    rel, _, _ = fk_power(data, 20.0, np.zeros((n, 2)), np.array([0.0]), np.array([0.0]), 0.0, 10.0)
    f_spec = fstat_from_relpower(float(rel[0, 0]), n)
    from openndc.detection.array.kernels import _cosine_taper

    x = (data - data.mean(axis=1, keepdims=True)) * _cosine_taper(ns)
    b = x.mean(axis=0)
    f_time = (n - 1) / n * np.sum(x.sum(axis=0) ** 2) / np.sum((x - b) ** 2)
    assert f_spec == pytest.approx(f_time, rel=0.03)
    assert fstat_from_relpower(1.0 / n, n) == pytest.approx(1.0)


def test_fk_spectra_rejects_empty_band() -> None:
    with pytest.raises(ValueError, match="no frequency bin"):
        fk_spectra(np.ones((3, 16)), 20.0, 9.8, 9.9)
