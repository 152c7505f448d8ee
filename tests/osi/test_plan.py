"""OSI network planning: layout, noise, the detectable magnitude, StationXML and the CLI."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from obspy import read_inventory

from openndc.cli.main import main
from openndc.inventory import read_inventory as openndc_inventory
from openndc.magnitude.calibration import ml_log_a0
from openndc.model.errors import ConfigError
from openndc.osi.plan import (
    NoiseSpec,
    PlanConfig,
    detectable_magnitude,
    hexagonal_layout,
    noise_wa_rms,
    parse_noise,
    plan_network,
    to_east_north,
    to_lat_lon,
)

SITE = (49.93, 78.82)  # Degelen/Balapan area of the Semipalatinsk test site


@pytest.mark.parametrize("n", [1, 2, 7, 19, 30, 45])
def test_hexagonal_layout_fills_the_disc(n: int) -> None:
    radius = math.sqrt(1000.0 / math.pi)
    pts, spacing = hexagonal_layout(n, radius)
    assert pts.shape == (n, 2)
    assert np.allclose(pts[0], 0.0)  # a station at the site
    assert np.all(np.hypot(pts[:, 0], pts[:, 1]) <= radius + 1e-6)
    if n > 1:
        d = np.hypot(pts[:, None, 0] - pts[:, 0], pts[:, None, 1] - pts[:, 1])
        assert d[~np.eye(n, dtype=bool)].min() == pytest.approx(spacing, rel=1e-6)
        # a smaller disc needs a smaller spacing for the same n
        assert hexagonal_layout(n, radius / 1.5)[1] < spacing


def test_projection_round_trip() -> None:
    e, n = to_east_north(50.0, 79.0, *SITE)
    lat, lon = to_lat_lon(e, n, *SITE)
    assert float(lat) == pytest.approx(50.0, abs=1e-9) and float(lon) == pytest.approx(
        79.0, abs=1e-9
    )


def test_noise_levels() -> None:
    lo = noise_wa_rms(parse_noise("nlnm"), 2.0, 20.0)
    mid = noise_wa_rms(parse_noise("0.3"), 2.0, 20.0)
    hi = noise_wa_rms(parse_noise("nhnm"), 2.0, 20.0)
    assert 0 < lo < mid < hi
    # 30 % of the way in dB is 30 % of the way in log amplitude
    assert math.log10(mid / lo) == pytest.approx(0.3 * math.log10(hi / lo), rel=0.1)
    # a narrow band at 8 Hz (Wood-Anderson flat to displacement there): v / (2 pi f)
    v = noise_wa_rms(NoiseSpec("velocity", 10.0), 7.9, 8.1)
    assert v == pytest.approx(10.0 / (2 * math.pi * 8.0), rel=0.02)
    assert parse_noise("peterson:0.5") == NoiseSpec("peterson", 0.5)
    assert parse_noise("5 nm/s") == NoiseSpec("velocity", 5.0)
    for bad in ("1.5", "loud", "-3nm/s"):
        with pytest.raises(ConfigError, match="--noise"):
            parse_noise(bad)


def test_detectable_magnitude_is_the_kth_station() -> None:
    se = np.array([0.0, 3.0, 0.0, -8.0])
    sn = np.array([0.0, 0.0, 5.0, 0.0])
    m = detectable_magnitude(
        np.array([0.0]), np.array([0.0]), se, sn, depth_km=1.0, noise_nm=0.2, snr=3.0,
        min_stations=3,
    )  # fmt: skip
    r3 = math.sqrt(25.0 + 1.0)  # third nearest station, hypocentral
    assert float(m[0]) == pytest.approx(math.log10(0.6) + float(ml_log_a0(r3)), abs=1e-12)
    # ten times the noise: one magnitude unit more
    m10 = detectable_magnitude(
        np.array([0.0]), np.array([0.0]), se, sn, depth_km=1.0, noise_nm=2.0, snr=3.0,
        min_stations=3,
    )  # fmt: skip
    assert float(m10[0] - m[0]) == pytest.approx(1.0)
    with pytest.raises(ConfigError):
        detectable_magnitude(se, sn, se, sn, depth_km=1, noise_nm=1, snr=3, min_stations=5)


def test_plan_network_and_its_limits() -> None:
    plan = plan_network(*SITE, PlanConfig(stations=30, area_km2=1000.0))
    assert len(plan.network.stations) == 30
    st = plan.network.stations[0]
    assert (st.latitude, st.longitude) == pytest.approx(SITE)
    assert [c.code for c in st.channels] == ["EHZ", "EHN", "EHE"]
    s = plan.summary()
    assert s["min_separation_km"] == pytest.approx(plan.spacing_km, rel=1e-6)
    assert s["ml_min"] <= s["ml_median"] <= s["ml_max"]
    # detectability is best inside the network and worse towards the map edge
    assert plan.magnitude.max() > s["ml_max"]
    table = plan.table()
    assert list(table["station"][:2]) == ["XO.OS001", "XO.OS002"]
    assert table["distance_km"].max() <= plan.config.radius_km + 1e-6
    # more stations: denser and more sensitive; noisier sites: less sensitive
    dense = plan_network(*SITE, PlanConfig(stations=60, area_km2=1000.0))
    assert dense.spacing_km < plan.spacing_km
    assert dense.summary()["ml_median"] < s["ml_median"]
    noisy = plan_network(*SITE, PlanConfig(stations=30, noise="0.6"))
    assert noisy.summary()["ml_median"] > s["ml_median"]
    with pytest.raises(ConfigError, match="1000"):
        PlanConfig(area_km2=1500.0)
    with pytest.raises(ConfigError, match="min_stations"):
        PlanConfig(stations=3, min_stations=4)


def test_cli_writes_stationxml_map_and_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, png, csv = tmp_path / "net.xml", tmp_path / "plan.png", tmp_path / "plan.csv"
    rc = main(["osi", "plan", "--site", "49.93,78.82", "--area", "500", "--stations", "12",
               "--noise", "5nm/s", "--out", str(out), "--map", str(png), "--table", str(csv),
               "--min-stations", "3"])  # fmt: skip
    assert rc == 0
    printed = capsys.readouterr().out
    assert "12 stations in 500 km2" in printed and "ML detected at 3 stations" in printed
    inv = read_inventory(str(out))
    stations = [s for n in inv for s in n]
    # read back by OpenNDC, the temporary network is single stations, not an array
    assert not openndc_inventory(out).arrays
    assert len(stations) == 12 and inv[0].code == "XO"
    assert {c.sample_rate for s in stations for c in s} == {100.0}
    assert png.stat().st_size > 10000
    assert len(csv.read_text().splitlines()) == 13
    rc = main(["osi", "plan", "--site", "49.93,78.82", "--area", "5000", "--stations", "12",
               "--out", str(out)])  # fmt: skip
    assert rc == 1
    assert "inspection area" in capsys.readouterr().err
