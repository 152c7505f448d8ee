from __future__ import annotations

import numpy as np
import pytest
from obspy import Stream
from obspy.core.util import AttribDict
from obspy.signal.array_analysis import array_processing

from openndc.detection.array.fk import fk_analysis, slowness_axis
from openndc.detection.array.kernels import DEG_KM

from .conftest import T0, plane_wave_stream, ring_array


def _window(st: Stream, t0: float, length: float) -> np.ndarray:
    fs = st[0].stats.sampling_rate
    i0 = round(t0 * fs)
    return np.array([tr.data[i0 : i0 + round(length * fs)] for tr in st])


@pytest.mark.parametrize(("baz", "slow"), [(60.0, 0.08), (250.0, 0.045), (330.0, 0.15)])
def test_fk_recovers_plane_wave(baz: float, slow: float) -> None:
    arr = ring_array()
    st = plane_wave_stream(arr, baz=baz, slowness=slow, amp=10.0, seed=int(baz))
    win = _window(st, 99.5, 4.0)
    r = fk_analysis(
        win, 40.0, arr.offsets_km(), slowness_max=0.4, slowness_step=0.01, fmin=0.8, fmax=4.5
    )
    from openndc.detection.array.kernels import slowness_vector

    sx, sy = slowness_vector(baz, slow)
    assert np.hypot(r.sx - sx, r.sy - sy) < 0.01  # within one grid step
    assert abs((r.backazimuth_deg - baz + 180) % 360 - 180) < 8.0
    assert r.slowness_s_per_deg == pytest.approx(r.slowness_s_per_km * DEG_KM)
    assert r.fstat > 20
    assert r.backazimuth_uncertainty_deg < 20 and r.slowness_uncertainty_s_per_km < 0.03
    assert r.power.shape == (81, 81)


def test_uncertainty_grows_as_signal_weakens_and_noise_has_none() -> None:
    arr = ring_array()
    res = []
    for amp in (20.0, 2.0, 0.0):
        st = plane_wave_stream(arr, amp=amp, seed=7)
        res.append(
            fk_analysis(
                _window(st, 99.5, 4.0),
                40.0,
                arr.offsets_km(),
                slowness_max=0.4,
                slowness_step=0.01,
                fmin=0.8,
                fmax=4.5,
            )
        )
    strong, weak, noise = res
    assert strong.fstat > weak.fstat > noise.fstat
    assert strong.slowness_uncertainty_s_per_km <= weak.slowness_uncertainty_s_per_km
    assert strong.backazimuth_uncertainty_deg < weak.backazimuth_uncertainty_deg
    assert noise.fstat < 4.0
    assert noise.backazimuth_uncertainty_deg > 30.0


def test_pre_shifted_windows_give_the_same_answer() -> None:
    """Windows cut at each element's own (whole-sample) delay; shifts_s undoes that."""
    arr = ring_array(radius_km=15.0)  # large array: moveout ~2.4 s over a 4 s window
    st = plane_wave_stream(arr, baz=40.0, slowness=0.08, amp=10.0, seed=3)
    from openndc.detection.array.kernels import plane_wave_delays

    k = np.round(plane_wave_delays(arr.offsets_km(), 40.0, 0.07) * 40.0).astype(int)
    i0 = int(99.5 * 40)
    win = np.array([tr.data[i0 + kj : i0 + kj + 160] for tr, kj in zip(st, k, strict=True)])
    r = fk_analysis(
        win,
        40.0,
        arr.offsets_km(),
        slowness_max=0.4,
        slowness_step=0.005,
        fmin=0.8,
        fmax=4.5,
        shifts_s=k / 40.0,
    )
    assert abs(r.backazimuth_deg - 40.0) < 2.0
    assert r.slowness_s_per_km == pytest.approx(0.08, abs=0.006)


def test_same_answer_and_map_as_obspy_array_processing() -> None:
    arr = ring_array()
    st = plane_wave_stream(arr, baz=200.0, slowness=0.1, amp=3.0, seed=11)
    xy = arr.offsets_km()
    for tr, (x, y) in zip(st, xy, strict=True):
        tr.stats.coordinates = AttribDict(x=x, y=y, elevation=0.0)
    maps: list[np.ndarray] = []
    out = array_processing(
        st,
        4.0,
        1.0,
        -0.4,
        0.4,
        -0.4,
        0.4,
        0.01,
        -1e9,
        -1e9,
        0.8,
        4.5,
        T0 + 99.5,
        T0 + 103.5,
        0,
        coordsys="xy",
        timestamp="julsec",
        method=0,
        store=lambda rel, ab, off: maps.append(rel.copy()),
    )
    # ObsPy re-centres the 'xy' geometry on its mean; power does not depend on the reference.
    r = fk_analysis(
        _window(st, 99.5, 4.0),
        40.0,
        xy,
        slowness_max=0.4,
        slowness_step=0.01,
        fmin=0.8,
        fmax=4.5,
    )
    _, relpow, abspow, baz, slow = out[0]
    assert r.relpower == pytest.approx(relpow, rel=1e-5)
    assert r.abspower == pytest.approx(abspow, rel=1e-5)
    assert r.backazimuth_deg == pytest.approx(baz % 360.0, abs=1e-6)
    assert r.slowness_s_per_km == pytest.approx(slow, abs=1e-9)
    np.testing.assert_allclose(r.power, maps[0].T, atol=1e-6)


def test_slowness_axis_matches_obspy_grid() -> None:
    ax = slowness_axis(0.4, 0.01)
    assert len(ax) == int((0.8) / 0.01 + 0.5) + 1 == 81
    assert ax[0] == pytest.approx(-0.4) and ax[-1] == pytest.approx(0.4)
    with pytest.raises(ValueError):
        slowness_axis(0.0, 0.01)


def test_refinement_finds_the_peak_below_the_grid_step() -> None:
    # slowness vectors halfway between grid nodes: the grid is off by up to half a step in
    # each component; the second pass (step / 10) is not
    from openndc.detection.array.kernels import slowness_vector

    arr = ring_array()
    worst_grid = worst_fine = 0.0
    for baz, slow in ((47.0, 0.0855), (203.0, 0.0635), (311.0, 0.1245)):
        st = plane_wave_stream(arr, baz=baz, slowness=slow, amp=30.0, seed=int(baz))
        win = _window(st, 99.5, 4.0)
        kw = dict(slowness_max=0.4, slowness_step=0.01, fmin=0.8, fmax=4.5)
        grid = fk_analysis(win, 40.0, arr.offsets_km(), **kw)  # type: ignore[arg-type]
        fine = fk_analysis(win, 40.0, arr.offsets_km(), refine=10, **kw)  # type: ignore[arg-type]
        sx, sy = slowness_vector(baz, slow)
        worst_grid = max(worst_grid, float(np.hypot(grid.sx - sx, grid.sy - sy)))
        worst_fine = max(worst_fine, float(np.hypot(fine.sx - sx, fine.sy - sy)))
        assert fine.relpower >= grid.relpower
        assert fine.power.shape == grid.power.shape  # the coarse grid is kept
        assert fine.backazimuth_uncertainty_deg <= grid.backazimuth_uncertainty_deg + 1e-9
    assert worst_grid > 0.003
    assert worst_fine < 0.0025
    assert worst_fine < worst_grid / 2


def test_refined_peak_equals_obspy_on_the_fine_grid() -> None:
    arr = ring_array()
    st = plane_wave_stream(arr, baz=123.0, slowness=0.0733, amp=20.0, seed=3)
    win = _window(st, 99.5, 4.0)
    r = fk_analysis(
        win,
        40.0,
        arr.offsets_km(),
        slowness_max=0.4,
        slowness_step=0.01,
        fmin=0.8,
        fmax=4.5,
        refine=10,
    )
    st2 = st.copy()
    for tr, (x, y) in zip(st2, arr.offsets_km(), strict=True):
        tr.stats.coordinates = AttribDict(x=x, y=y, elevation=0.0)
    half = 0.05
    row = array_processing(
        st2,
        4.0,
        1.0,
        r.sx - half,
        r.sx + half,
        r.sy - half,
        r.sy + half,
        0.001,
        -1e9,
        -1e9,
        0.8,
        4.5,
        T0 + 99.5,
        T0 + 103.5,
        0,
        coordsys="xy",
        timestamp="julsec",
        method=0,
    )[0]
    assert abs((r.backazimuth_deg - row[3] % 360 + 180) % 360 - 180) < 0.5
    assert abs(r.slowness_s_per_km - row[4]) <= 0.0011
    assert r.relpower == pytest.approx(row[1], rel=1e-3)


def test_with_noise_flags_a_peak_no_stronger_than_the_noise_beams() -> None:
    """``with_noise``: a window whose peak is less than twice the strongest beam of the noise
    windows gets the whole grid as uncertainty; against incoherent noise it is unchanged."""
    from openndc.detection.array.fk import NOISE_BEAM_RATIO, with_noise

    arr = ring_array()
    xy = arr.offsets_km()
    kw = dict(slowness_max=0.4, slowness_step=0.01, fmin=0.8, fmax=4.5)
    weak = _window(plane_wave_stream(arr, baz=60.0, slowness=0.08, amp=3.0, seed=1), 99.5, 4.0)
    r = fk_analysis(weak, 40.0, xy, **kw)  # type: ignore[arg-type]
    assert r.backazimuth_uncertainty_deg < 90.0 and r.noise_relpower == 0.0
    # noise windows holding a stronger plane wave from elsewhere (coherent noise)
    loud = plane_wave_stream(arr, baz=200.0, slowness=0.2, amp=8.0, seed=2)
    noise = np.array([_window(loud, t, 4.0) for t in (99.5, 100.5, 101.5)])
    flagged = with_noise(r, noise, 40.0, xy, fmin=0.8, fmax=4.5)
    assert r.relpower < NOISE_BEAM_RATIO * flagged.noise_relpower
    assert flagged.backazimuth_uncertainty_deg == 180.0
    assert flagged.slowness_uncertainty_s_per_km == pytest.approx(0.4)
    assert (flagged.backazimuth_deg, flagged.fstat) == (r.backazimuth_deg, r.fstat)
    # incoherent noise of the same level: the measurement stands
    quiet = plane_wave_stream(arr, amp=0.0, seed=3)
    noise = np.array([_window(quiet, t, 4.0) for t in (20.0, 24.0, 28.0)])
    kept = with_noise(r, noise, 40.0, xy, fmin=0.8, fmax=4.5)
    assert 0.0 < kept.noise_relpower < r.relpower / NOISE_BEAM_RATIO
    assert kept.backazimuth_uncertainty_deg == r.backazimuth_uncertainty_deg
    # fk_analysis(noise=...) is the same test
    same = fk_analysis(weak, 40.0, xy, noise=noise, **kw)  # type: ignore[arg-type]
    assert same.noise_relpower == pytest.approx(kept.noise_relpower)
