"""The shipped travel-time tables against TauP at points off the table grid."""

from __future__ import annotations

import numpy as np
import pytest
from obspy.taup import TauPyModel

from openndc.model.errors import ConfigError
from openndc.traveltime import GROUP_VELOCITIES, bilinear, bilinear_py, load_travel_times
from openndc.traveltime.tables import _VALID_DISTANCE


@pytest.fixture(scope="module")
def taup() -> TauPyModel:
    return TauPyModel("ak135")


def _taup_first(model: TauPyModel, names: list[str], d: float, h: float) -> tuple[float, float]:
    arr = model.get_travel_times(source_depth_in_km=h, distance_in_degree=d, phase_list=names)
    first = min(arr, key=lambda a: a.time)
    return first.time, first.ray_param_sec_degree


@pytest.mark.parametrize(
    ("phase", "names", "dmin", "dmax", "tol"),
    [
        ("P", ["p", "P", "Pn", "Pg", "Pdiff"], 25.0, 95.0, 0.05),
        ("P", ["p", "P", "Pn", "Pg", "Pdiff"], 2.0, 18.0, 0.25),
        ("Pn", ["Pn"], 3.0, 15.0, 0.05),
        ("S", ["s", "S", "Sn", "Sg", "Sdiff"], 25.0, 80.0, 0.1),
        ("PKP", ["PKIKP", "PKiKP", "PKP"], 150.0, 175.0, 0.1),
        # later phases, each its own table (the IASPEI names arrays' detections get)
        ("PP", ["PP"], 40.0, 170.0, 0.3),
        ("ScP", ["ScP"], 10.0, 60.0, 0.3),
        ("PKiKP", ["PKiKP"], 110.0, 150.0, 0.3),
        ("SKP", ["SKP"], 133.0, 148.0, 0.3),
        ("PKKP", ["PKKP"], 80.0, 120.0, 0.3),
        ("SS", ["SS"], 55.0, 170.0, 0.5),
        ("SKS", ["SKS"], 85.0, 130.0, 0.3),
    ],
)
def test_table_matches_taup(
    taup: TauPyModel, phase: str, names: list[str], dmin: float, dmax: float, tol: float
) -> None:
    tt = load_travel_times("ak135")
    rng = np.random.default_rng(5)
    dist = rng.uniform(dmin, dmax, 12)
    depth = rng.uniform(0.0, 30.0, 12)
    got, dtdd, _ = tt.derivatives(phase, dist, depth)
    for d, h, t, p in zip(dist, depth, got, dtdd, strict=True):
        want, ray_p = _taup_first(taup, names, float(d), float(h))
        assert abs(t - want) < tol, (phase, d, h, t, want)
        assert abs(p - ray_p) < 0.3, (phase, d, h, p, ray_p)


def test_pkp_branches_are_taups_two_pkp_arrivals(taup: TauPyModel) -> None:
    """TauP names both outer-core branches "PKP": ab is the one of larger ray parameter
    (to 180 deg), bc the other, only where there are two (it ends at the C cusp)."""
    tt = load_travel_times("ak135")
    rng = np.random.default_rng(7)
    for d, h in zip(rng.uniform(146.0, 170.0, 10), rng.uniform(0.0, 30.0, 10), strict=True):
        arr = taup.get_travel_times(source_depth_in_km=h, distance_in_degree=d,
                                    phase_list=["PKP"])  # fmt: skip
        branches = sorted((a.ray_param_sec_degree, a.time) for a in arr)
        t_ab, p_ab, _ = tt.derivatives("PKPab", d, h)
        assert float(t_ab) == pytest.approx(branches[-1][1], abs=0.3), (d, h)
        assert float(p_ab) == pytest.approx(branches[-1][0], abs=0.3), (d, h)
        t_bc = float(tt.time("PKPbc", d, h))
        if len(branches) >= 2 and d < 154.0:
            assert t_bc == pytest.approx(branches[0][1], abs=0.3), (d, h)
            assert t_bc < float(t_ab)
        elif d > 157.0:
            assert np.isnan(t_bc), (d, h)


def test_depth_derivative_matches_taup_difference(taup: TauPyModel) -> None:
    tt = load_travel_times("ak135")
    for d, h in [(40.0, 100.0), (70.0, 300.0)]:
        _, _, dtdh = tt.derivatives("P", d, h)
        t1, _ = _taup_first(taup, ["P"], d, h - 5.0)
        t2, _ = _taup_first(taup, ["P"], d, h + 5.0)
        assert float(dtdh) == pytest.approx((t2 - t1) / 10.0, abs=0.01)


def test_first_arrival_names_regional_and_teleseismic() -> None:
    tt = load_travel_times("ak135")
    t, names = tt.first_arrival(np.array([0.5, 8.0, 60.0, 150.0]), 10.0)
    assert list(names) == ["Pg", "Pn", "P", "PKP"]
    assert np.isnan(tt.time("PKP", 60.0, 10.0))
    assert np.all(np.diff(t) > 0)
    ts, snames = tt.first_arrival(np.array([0.5, 8.0]), 10.0, kind="S")
    assert list(snames) == ["Sg", "Sn"]
    assert np.all(ts > t[:2])


def test_named_phases_end_where_their_names_do(taup: TauPyModel) -> None:
    """Pn / Sn are named out to 20 deg (the tables end there) and PKP from 110 deg: between
    grid nodes too, not carried a cell further at a constant time (a "Pn" at 20.8-21 deg
    came before P with Pn's slowness). The first P there is TauP's, with P's slowness."""
    tt = load_travel_times("ak135")
    for ph, inside, outside in (("Pn", 19.9, 20.5), ("Sn", 19.9, 20.98), ("PKP", 110.5, 109.5)):
        assert np.isfinite(tt.time(ph, inside, 10.0)), ph
        t, p, h = tt.derivatives(ph, outside, 10.0)
        assert np.isnan(t) and np.isnan(p) and np.isnan(h), ph
    for d in (20.8, 20.98):
        first = min(float(tt.time(ph, d, 10.0)) for ph in ("Pg", "Pn", "P")
                    if np.isfinite(tt.time(ph, d, 10.0)))  # fmt: skip
        want, ray_p = _taup_first(taup, ["p", "P", "Pn", "Pg"], d, 10.0)
        assert first == pytest.approx(want, abs=0.3)
        assert float(tt.derivatives("P", d, 10.0)[1]) == pytest.approx(ray_p, abs=0.5)


def test_pg_absent_below_the_moho() -> None:
    tt = load_travel_times("ak135")
    assert np.isfinite(tt.time("Pg", 1.0, 10.0))
    assert np.isnan(tt.time("Pg", 1.0, 100.0))


def test_group_velocity_phases() -> None:
    tt = load_travel_times("ak135")
    t, dtdd, dtdh = tt.derivatives("Lg", np.array([1.0, 10.0]), 5.0)
    assert t[1] == pytest.approx(10 * 111.19492664455873 / GROUP_VELOCITIES["Lg"])
    assert np.all(dtdh == 0) and dtdd[0] == pytest.approx(111.19492664455873 / 3.5)


def test_regional_model_is_slower_in_the_crust_than_ak135() -> None:
    ak = load_travel_times("ak135")
    kz = load_travel_times("kazakh1d")
    # 4.5-7.05 km/s crust 50 km thick against ak135's 5.8-6.5 km/s over 35 km
    assert float(kz.time("Pg", 1.0, 5.0)) > float(ak.time("Pg", 1.0, 5.0))
    assert float(kz.time("Pn", 10.0, 5.0)) > float(ak.time("Pn", 10.0, 5.0))


def test_bilinear_against_plain_loop() -> None:
    rng = np.random.default_rng(1)
    xg = np.sort(rng.uniform(0, 10, 7))
    yg = np.sort(rng.uniform(0, 5, 5))
    tab = rng.normal(size=(7, 5))
    x = rng.uniform(xg[0], xg[-1], 50)
    y = rng.uniform(yg[0], yg[-1], 50)
    got = bilinear(tab, xg, yg, x, y)
    for k in range(50):
        i = min(np.searchsorted(xg, x[k], "right") - 1, 5)
        j = min(np.searchsorted(yg, y[k], "right") - 1, 3)
        wx = (x[k] - xg[i]) / (xg[i + 1] - xg[i])
        wy = (y[k] - yg[j]) / (yg[j + 1] - yg[j])
        want = (
            tab[i, j] * (1 - wx) * (1 - wy)
            + tab[i + 1, j] * wx * (1 - wy)
            + tab[i, j + 1] * (1 - wx) * wy
            + tab[i + 1, j + 1] * wx * wy
        )
        assert got[k] == pytest.approx(want)
    assert np.isnan(bilinear(tab, xg, yg, np.array([xg[-1] + 1]), np.array([yg[0]])))[0]


def test_unknown_model_and_phase_are_clear_errors() -> None:
    with pytest.raises(ConfigError, match="unknown travel-time model"):
        load_travel_times("nonsense")
    with pytest.raises(ConfigError, match="no phase 'PKIKPX'"):
        load_travel_times("ak135").time("PKIKPX", 10.0, 0.0)


def test_stacked_lookup_equals_one_table_at_a_time() -> None:
    """derivatives() interpolates time, dT/dDelta and dT/dh in one cell search: each must
    equal its own 2-D interpolation, NaN corners and points off the grid included."""
    tt = load_travel_times("ak135")
    rng = np.random.default_rng(7)
    d = rng.uniform(-5.0, 185.0, size=(40, 25))  # off the grid at both ends
    h = rng.uniform(0.0, 750.0, size=(40, 25))
    for phase in ("P", "Pg", "Sn", "PKP", "S"):
        tab = tt.tables[phase]
        got = tt.derivatives(phase, d, h)
        for value, table in zip(got, (tab.time, tab.dtdd, tab.dtdh), strict=True):
            want = bilinear(table, tab.distances, tab.depths, d, h)
            if phase in _VALID_DISTANCE:  # and the phase's named range
                lo, hi = _VALID_DISTANCE[phase]
                want = np.where((d < lo) | (d > hi), np.nan, want)
            np.testing.assert_array_equal(value, want)


@pytest.mark.parametrize("extra", [(), (3,)])
def test_compiled_bilinear_equals_the_reference(extra: tuple[int, ...]) -> None:
    """The numba kernel against bilinear_py: NaN holes (a phase ending inside a cell), points
    off the grid, NaN points, grid nodes exactly, and tables with a trailing dimension."""
    rng = np.random.default_rng(11)
    xg = np.sort(rng.uniform(0, 10, 9))
    yg = np.sort(rng.uniform(0, 5, 6))
    tab = rng.normal(size=(9, 6, *extra))
    tab[rng.random(tab.shape) < 0.2] = np.nan
    x = np.concatenate([rng.uniform(-1, 11, 300), xg, [np.nan, 3.0]])
    y = np.concatenate([rng.uniform(-0.5, 5.5, 300), yg[rng.integers(0, 6, 9)], [1.0, np.nan]])
    got = bilinear(tab, xg, yg, x, y)
    want = bilinear_py(tab, xg, yg, x, y)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0.0, equal_nan=True)
    assert np.isnan(got).any() and np.isfinite(got).any()
    grid_x, grid_y = np.meshgrid(x[:20], y[:20])  # 2-D point arrays keep their shape
    assert bilinear(tab, xg, yg, grid_x, grid_y).shape == (20, 20, *extra)
