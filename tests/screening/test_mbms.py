"""The mb:Ms criterion against worked examples of the published formulas.

IDC (Fisk, Jepsen & Murphy 2002; IDC/OPS 7.3.2): screened out when
Ms - 1.25 mb + 2.20 > 1.96 sqrt(1.25^2 0.34^2/N_b + 0.23^2/N_s).
Worked by hand: mb 5.00 (N_b 10), N_s 5 -> sigma = sqrt(1.5625*0.01156 + 0.01058)
= sqrt(0.028643) = 0.16924, threshold 1.96 sigma = 0.33171, so the event is screened out
exactly when Ms > 1.25*5 - 2.20 + 0.33171 = 4.38171.
Selby et al. (2012): mb - Ms + 1.96 sqrt(0.34^2/N_b + 0.23^2/N_s) < 0.64; for mb 5.00,
N_b 10, N_s 5: sigma = sqrt(0.01156 + 0.01058) = 0.14879, screened out when
Ms > 5.00 - 0.64 + 0.29163 = 4.65163.
"""

from __future__ import annotations

import math

import pytest

from openndc.screening.config import MbMsConfig
from openndc.screening.mbms import mbms_criterion, mbms_statistic
from tests.screening.helpers import make_event


def test_idc_statistic_worked_example() -> None:
    stat, sigma, score = mbms_statistic(5.0, 4.0, 10, 5, MbMsConfig())
    assert stat == pytest.approx(4.0 - 6.25 + 2.2)
    assert sigma == pytest.approx(0.16924, abs=1e-5)
    assert score == pytest.approx(stat / (1.96 * 0.16924) - 1, abs=1e-4)


@pytest.mark.parametrize(("ms", "screened"), [(4.37, False), (4.39, True), (4.05, False)])
def test_idc_threshold(ms: float, screened: bool) -> None:
    ev = mbms_criterion(make_event(mb=5.0, ms=ms, n_mb=10, n_ms=5), MbMsConfig())
    assert ev.applicable
    assert (ev.indicates == "natural") is screened
    assert ev.threshold == pytest.approx(0.33171, abs=1e-4)


def test_more_stations_narrow_the_margin() -> None:
    few = mbms_criterion(make_event(mb=5.0, ms=4.3, n_mb=3, n_ms=2), MbMsConfig())
    many = mbms_criterion(make_event(mb=5.0, ms=4.3, n_mb=40, n_ms=30), MbMsConfig())
    assert few.indicates == "inconclusive"
    assert many.indicates == "natural"


@pytest.mark.parametrize(("ms", "screened"), [(4.64, False), (4.66, True)])
def test_selby_threshold(ms: float, screened: bool) -> None:
    cfg = MbMsConfig(variant="selby2012")
    ev = mbms_criterion(make_event(mb=5.0, ms=ms, n_mb=10, n_ms=5), cfg)
    assert (ev.indicates == "natural") is screened
    assert ev.uncertainty == pytest.approx(0.14879, abs=1e-5)


def test_explosion_side_of_the_line() -> None:
    # DPRK-like: mb 4.8 with a small Ms (3.5): far on the explosion side.
    ev = mbms_criterion(make_event(mb=4.8, ms=3.5, n_ms=6), MbMsConfig())
    assert ev.indicates == "explosion"
    assert ev.value == pytest.approx(3.5 - 6.0 + 2.2)


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"mb": 3.4, "ms": 3.5}, "< 3.5"),
        ({"mb": 4.5}, "no Ms"),
        ({"mb": 4.5, "ms": 4.0, "n_ms": 1}, "1 station"),
        ({}, "no network mb"),
    ],
)
def test_validity_conditions(kwargs: dict[str, float], why: str) -> None:
    ev = mbms_criterion(make_event(**kwargs), MbMsConfig())  # type: ignore[arg-type]
    assert not ev.applicable
    assert why in ev.detail
    assert math.isnan(ev.value)
