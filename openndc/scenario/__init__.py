"""Scenario synthesizer: realistic network data with a known truth.

``make_scenario`` writes an SDS archive, StationXML and the truth (QuakeML + CSV tables) for
any :class:`~openndc.model.inventory.MonitoringNetwork`; ``kazakh_day_events`` is the
built-in day of the Kazakh network; docs/scenario.md describes the models and calibration.
"""

from openndc.scenario.events import (
    DPRK_TEST_SITE,
    EVENT_CSV_COLUMNS,
    MINING_DISTRICTS,
    SOURCE_REGIONS,
    MiningDistrict,
    ScenarioEvent,
    SourceRegion,
    complete_magnitudes,
    draw_events,
    kazakh_day_events,
    read_events_csv,
    write_events_csv,
)
from openndc.scenario.synth import (
    DEFAULT_SENSITIVITY,
    ScenarioConfig,
    ScenarioTruth,
    make_scenario,
    synthetic_network,
)
from openndc.scenario.truth import (
    TRUTH_ARRIVAL_COLUMNS,
    TRUTH_ARRIVAL_SPECS,
    InjectedProblem,
    read_truth_arrivals,
)

__all__ = [
    "DEFAULT_SENSITIVITY",
    "DPRK_TEST_SITE",
    "EVENT_CSV_COLUMNS",
    "MINING_DISTRICTS",
    "SOURCE_REGIONS",
    "TRUTH_ARRIVAL_COLUMNS",
    "TRUTH_ARRIVAL_SPECS",
    "InjectedProblem",
    "MiningDistrict",
    "ScenarioConfig",
    "ScenarioEvent",
    "ScenarioTruth",
    "SourceRegion",
    "complete_magnitudes",
    "draw_events",
    "kazakh_day_events",
    "make_scenario",
    "read_events_csv",
    "read_truth_arrivals",
    "synthetic_network",
    "write_events_csv",
]
