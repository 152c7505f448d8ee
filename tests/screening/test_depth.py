"""The depth criterion: depth - 1.96 sigma > 10 km, free depth or depth phases.

Worked example: a 90 % depth uncertainty of 8.225 km is sigma = 8.225 / 1.645 = 5.0 km;
depth 30 km gives the 97.5 % lower bound 30 - 1.96*5 = 20.2 km > 10 (screened out);
depth 19 km gives 9.2 km (not).
"""

from __future__ import annotations

import pytest

from openndc.screening.config import DepthConfig
from openndc.screening.depth import depth_criterion
from tests.screening.helpers import make_event


def test_deep_free_depth_screens_out() -> None:
    ev = depth_criterion(make_event(depth=30.0, depth_unc=8.225, depth_fixed=False), DepthConfig())
    assert ev.indicates == "natural"
    assert ev.uncertainty == pytest.approx(5.0)
    assert ev.value == pytest.approx(20.2)


def test_not_deep_enough_at_confidence() -> None:
    ev = depth_criterion(make_event(depth=19.0, depth_unc=8.225, depth_fixed=False), DepthConfig())
    assert ev.indicates == "inconclusive"
    assert ev.value == pytest.approx(9.2)


def test_fixed_depth_gives_no_evidence() -> None:
    ev = depth_criterion(make_event(depth=33.0, depth_unc=1.0, depth_fixed=True), DepthConfig())
    assert not ev.applicable


def test_depth_phases_resolve_a_fixed_depth() -> None:
    event = make_event(depth=60.0, depth_unc=8.0, depth_fixed=True, phases=("P", "pP"))
    ev = depth_criterion(event, DepthConfig())
    assert ev.indicates == "natural"
    assert "1 depth phases" in ev.detail


def test_model_error_in_quadrature() -> None:
    ev = depth_criterion(
        make_event(depth=22.0, depth_unc=8.225, depth_fixed=False),
        DepthConfig(model_error_km=5.0),
    )
    # sigma = hypot(5, 5) = 7.07: 22 - 13.86 = 8.14 < 10
    assert ev.indicates == "inconclusive"
    assert ev.uncertainty == pytest.approx(7.0711, abs=1e-3)
