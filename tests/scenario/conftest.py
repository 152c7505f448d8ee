"""A small synthetic scenario shared by the scenario tests (made once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest
from obspy import UTCDateTime

from openndc.inventory import kazakh_network
from openndc.model.inventory import MonitoringNetwork
from openndc.scenario import ScenarioConfig, ScenarioEvent, ScenarioTruth, make_scenario

START = UTCDateTime(2024, 3, 1, 12, 0, 0)


def small_network() -> MonitoringNetwork:
    """KZ.AKTO, IU.MAKZ (3-C) and the MKAR array."""
    kz = kazakh_network()
    keep = tuple(s for s in kz.stations if s.code in ("AKTO", "MAKZ") or s.array == "MKAR")
    return MonitoringNetwork("small", keep, tuple(a for a in kz.arrays if a.code == "MKAR"))


EVENTS = [
    # regional: ~5-6 deg from MAKZ/MKAR, ~14 deg from AKTO
    ScenarioEvent(START + 60, 42.5, 77.5, 12.0, ml=4.3, mb=4.3, event_type="earthquake",
                  id="reg"),
    # teleseism: ~40-50 deg
    ScenarioEvent(START + 200, 36.0, 140.0, 30.0, ml=float("nan"), mb=5.3,
                  event_type="earthquake", id="tele"),
]  # fmt: skip


@pytest.fixture(scope="session")
def scenario_noisy(tmp_path_factory: pytest.TempPathFactory) -> ScenarioTruth:
    out = tmp_path_factory.mktemp("scn_noisy")
    return make_scenario(
        small_network(), START, 1200.0, 5, out, events=EVENTS,
        config=ScenarioConfig(artifacts=False, workers=1),
    )  # fmt: skip


@pytest.fixture(scope="session")
def scenario_clean(tmp_path_factory: pytest.TempPathFactory) -> ScenarioTruth:
    out = tmp_path_factory.mktemp("scn_clean")
    return make_scenario(
        small_network(), START, 1200.0, 5, out, events=EVENTS,
        config=ScenarioConfig(artifacts=False, workers=1, noise_scale=0.0),
    )  # fmt: skip


def out_dir(truth: ScenarioTruth) -> Path:
    assert truth.out_dir is not None
    return truth.out_dir
