"""The flat layered model against closed forms and TauP (obspy.taup, custom model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from openndc.model.errors import ConfigError
from openndc.model.geodesy import DEG_KM
from openndc.traveltime.layered import LayeredModel

TOPS = [0.0, 2.0, 10.0, 35.0]
VP = [4.5, 5.8, 6.5, 8.0]
VS = [2.6, 3.4, 3.75, 4.5]


@pytest.fixture(scope="module")
def model() -> LayeredModel:
    return LayeredModel(TOPS, VP, VS, name="test4")


def test_half_space_is_straight_rays() -> None:
    m = LayeredModel([0.0], [6.0], [3.5])
    x = np.array([0.0, 3.0, 10.0, 50.0])
    z = np.array([5.0, 5.0, 0.0, 12.0])
    t, dtdd, dtdh = m.derivatives("P", x / DEG_KM, z)
    r = np.hypot(x, z)
    np.testing.assert_allclose(t, r / 6.0, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(dtdd, np.divide(x, r, where=r > 0) / 6.0 * DEG_KM, atol=1e-6)
    np.testing.assert_allclose(dtdh, np.divide(z, r, where=r > 0) / 6.0, atol=1e-6)


def test_two_layer_head_wave_closed_form() -> None:
    # Surface source over a 10 km layer (6 km/s) on 8 km/s: t = x/v2 + 2 h cos(ic)/v1.
    m = LayeredModel([0.0, 10.0], [6.0, 8.0], [3.5, 4.6])
    x = 150.0
    t = float(m.time("Pn", x / DEG_KM, 0.0))
    expected = x / 8.0 + 2 * 10.0 * np.sqrt(1 / 6.0**2 - 1 / 8.0**2)
    assert t == pytest.approx(expected, abs=1e-9)
    # Before the critical distance the head wave does not exist.
    xc = 2 * 10.0 * np.tan(np.arcsin(6.0 / 8.0))
    assert np.isnan(m.time("Pn", 0.9 * xc / DEG_KM, 0.0))
    assert np.isfinite(m.time("Pn", 1.01 * xc / DEG_KM, 0.0))
    _, names = m.first_arrival(np.array([10.0, 150.0]) / DEG_KM, 0.0)
    assert names.tolist() == ["Pg", "Pn"]


def test_derivatives_match_finite_differences(model: LayeredModel) -> None:
    rng = np.random.default_rng(1)
    d = rng.uniform(0.05, 1.5, 40)
    z = rng.uniform(0.5, 30.0, 40)
    for phase in ("P", "Pg", "S"):
        _, dtdd, dtdh = model.derivatives(phase, d, z)
        h, hz = 1e-4, 1e-3
        num_d = (model.time(phase, d + h, z) - model.time(phase, d - h, z)) / (2 * h)
        num_z = (model.time(phase, d, z + hz) - model.time(phase, d, z - hz)) / (2 * hz)
        ok = np.isfinite(num_d) & (np.abs(num_d - dtdd) < 0.5)  # skip head-wave crossovers
        assert ok.mean() > 0.9
        np.testing.assert_allclose(dtdd[ok], num_d[ok], rtol=1e-4, atol=1e-3)
        ok_z = np.isfinite(num_z) & (np.abs(num_z - dtdh) < 0.05)
        assert ok_z.mean() > 0.9
        np.testing.assert_allclose(dtdh[ok_z], num_z[ok_z], rtol=1e-3, atol=1e-4)


def test_unknown_phase_and_bad_model() -> None:
    m = LayeredModel([0.0, 5.0], [5.0, 6.0], vp_vs=1.73)
    with pytest.raises(ConfigError, match="PKP"):
        m.time("PKP", 1.0, 0.0)
    with pytest.raises(ValueError, match="start at 0"):
        LayeredModel([1.0, 5.0], [5.0, 6.0], vp_vs=1.73)


def test_tabulated_matches_exact(model: LayeredModel) -> None:
    tab = model.tabulate(max_distance_km=120.0, max_depth_km=30.0)
    rng = np.random.default_rng(2)
    d = rng.uniform(0.02, 1.0, 200)
    z = rng.uniform(0.0, 29.0, 200)
    # The first arrival is continuous in depth (Pg alone jumps at interfaces).
    exact = model.time("P", d, z)
    np.testing.assert_allclose(tab.time("P", d, z), exact, atol=0.01)
    assert tab.model == "test4"


def _taup_model(tmp: Path) -> object:
    """TauP model with the test crust on top of ak135's mantle and core."""
    import obspy
    from obspy.taup import TauPyModel
    from obspy.taup.taup_create import build_taup_model

    lines = []
    for i in range(len(TOPS) - 1):
        for z in (TOPS[i], TOPS[i + 1]):
            lines.append(f"{z} {VP[i]} {VS[i]} 2.7")
    lines += ["mantle", "35 8.0 4.5 3.3", "120 8.0001 4.5001 3.3"]
    tvel = Path(obspy.__file__).parent / "taup" / "data" / "ak135.tvel"
    rows = [r.split() for r in tvel.read_text().splitlines()[2:]]
    marks = set()
    for r in rows:
        if len(r) < 4 or float(r[0]) < 120.5:
            continue
        z, vs = float(r[0]), float(r[2])
        if z == 2891.5 and vs == 0.0 and "oc" not in marks:
            lines.append("outer-core")
            marks.add("oc")
        if z == 5153.5 and vs > 0.0 and "ic" not in marks:
            lines.append("inner-core")
            marks.add("ic")
        lines.append(" ".join(r[:4]))
    nd = tmp / "crust.nd"
    nd.write_text("\n".join(lines) + "\n")
    build_taup_model(str(nd), output_folder=str(tmp), verbose=False)
    return TauPyModel(str(tmp / "crust.npz"))


def test_against_taup(model: LayeredModel, tmp_path: Path) -> None:
    taup = _taup_model(tmp_path)
    for depth in (0.0, 1.0, 5.0, 12.0):
        for dist in (0.02, 0.1, 0.3, 0.6):
            arr = taup.get_travel_times(depth, dist, phase_list=["p", "P", "Pg", "Pn", "s", "S"])  # type: ignore[attr-defined]
            tp = min(a.time for a in arr if a.name[0] in "pP")
            ts = min(a.time for a in arr if a.name[0] in "sS")
            # Flat vs spherical Earth: differences grow with distance (< 0.2 % to 0.6 deg).
            assert float(model.time("P", dist, depth)) == pytest.approx(tp, rel=2e-3, abs=0.005)
            assert float(model.time("S", dist, depth)) == pytest.approx(ts, rel=2e-3, abs=0.005)
