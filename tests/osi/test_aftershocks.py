"""The aftershock sequence generator: Omori-Utsu times, Gutenberg-Richter magnitudes, Båth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from obspy import UTCDateTime

from openndc.model.errors import ConfigError
from openndc.osi.aftershocks import (
    AftershockConfig,
    draw_aftershocks,
    expected_count,
    omori_times,
    truncated_gr_magnitudes,
)
from openndc.osi.plan import to_east_north

MAIN = UTCDateTime("2026-06-01T03:00:00")
GZ = (49.93, 78.82)


@pytest.mark.parametrize("p", [0.8, 1.0, 1.08, 1.3])
def test_omori_times_follow_the_decay(p: float) -> None:
    rng = np.random.default_rng(1)
    c, t0, t1 = 0.05, 0.5, 3.0
    t = omori_times(rng.uniform(size=40000), t0, t1, c, p)
    assert t.min() >= t0 and t.max() <= t1
    # fraction in the first day of the span = the ratio of the integrals of (t + c)^-p
    if abs(p - 1.0) < 1e-9:
        frac = math.log((1.5 + c) / (t0 + c)) / math.log((t1 + c) / (t0 + c))
    else:
        q = 1 - p
        frac = ((1.5 + c) ** q - (t0 + c) ** q) / ((t1 + c) ** q - (t0 + c) ** q)
    assert np.mean(t < 1.5) == pytest.approx(frac, abs=0.01)


def test_gutenberg_richter_magnitudes_give_back_b() -> None:
    rng = np.random.default_rng(2)
    m = truncated_gr_magnitudes(rng.uniform(size=50000), -1.5, 6.0, 0.91)
    assert m.min() >= -1.5 and m.max() < 6.0
    b = math.log10(math.e) / (m.mean() - (-1.5))  # Aki (1965), continuous magnitudes
    assert b == pytest.approx(0.91, rel=0.03)
    # truncation: nothing at or above the bound even for a narrow range
    m2 = truncated_gr_magnitudes(rng.uniform(size=1000), 0.0, 0.5, 1.0)
    assert m2.max() < 0.5


def test_counts_follow_reasenberg_jones() -> None:
    cfg = AftershockConfig(mainshock_magnitude=4.0, productivity=-2.0, min_magnitude=-1.0)
    # by hand: 10^(a + b (Mm - M)) times the Omori integral, minus the part above Båth's bound
    c, p = 0.05, 1.08
    integral = ((2.0 + c) ** (1 - p) - (1.0 + c) ** (1 - p)) / (1 - p)
    n = (10 ** (-2.0 + 0.91 * 5.0) - 10 ** (-2.0 + 0.91 * 1.2)) * integral
    assert expected_count(cfg, 1.0, 2.0) == pytest.approx(n, rel=1e-9)
    assert expected_count(cfg, 2.0, 1.0) == 0.0
    counts = [
        len(draw_aftershocks(*GZ, MAIN, MAIN + 86400, MAIN + 2 * 86400, s, cfg)) for s in range(8)
    ]
    # Poisson: the mean of 8 draws is within 4 standard errors of the expectation
    assert abs(np.mean(counts) - n) < 4 * math.sqrt(n / 8)


def test_sequence_is_seeded_bounded_and_clustered() -> None:
    cfg = AftershockConfig(
        mainshock_magnitude=4.5, productivity=-2.0, families=3, singleton_fraction=0.25
    )
    start, end = MAIN + 3600, MAIN + 7 * 3600
    ev = draw_aftershocks(*GZ, MAIN, start, end, 7, cfg)
    assert ev == draw_aftershocks(*GZ, MAIN, start, end, 7, cfg)
    assert ev != draw_aftershocks(*GZ, MAIN, start, end, 8, cfg)
    assert len(ev) > 100
    times = [e.time for e in ev]
    assert times == sorted(times) and start <= times[0] and times[-1] < end
    assert len({e.id for e in ev}) == len(ev)
    ml = np.array([e.ml for e in ev])
    assert ml.min() >= cfg.min_magnitude and ml.max() < 4.5 - 1.2  # Båth's law bound
    assert {e.event_type for e in ev} == {"induced or triggered event"}
    assert all(cfg.depth_min_km <= e.depth_km <= cfg.depth_max_km for e in ev)
    # families: members share a waveform seed and lie close to each other
    fams: dict[str, list[tuple[float, float]]] = {}
    for e in ev:
        if e.waveform_seed:
            fams.setdefault(e.waveform_seed, []).append((e.latitude, e.longitude))
    lone = sum(1 for e in ev if not e.waveform_seed)
    assert 1 <= len(fams) <= 3
    assert lone / len(ev) == pytest.approx(0.25, abs=0.08)
    for pts in fams.values():
        east, _north = to_east_north(*np.array(pts).T, *GZ)
        assert np.std(east) < 3 * cfg.family_radius_km
    # lone events scatter around ground zero with horizontal_sigma_km
    solo = np.array([(e.latitude, e.longitude) for e in ev if not e.waveform_seed])
    east, _north = to_east_north(solo[:, 0], solo[:, 1], *GZ)
    assert np.std(east) == pytest.approx(cfg.horizontal_sigma_km, rel=0.35)


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ConfigError, match="Båth"):
        AftershockConfig(mainshock_magnitude=1.0, min_magnitude=0.0)
    with pytest.raises(ConfigError, match="positive"):
        AftershockConfig(c_days=0.0)
    with pytest.raises(ConfigError, match="before the mainshock"):
        draw_aftershocks(*GZ, MAIN, MAIN - 10, MAIN + 10, 1)
