"""Travel times from precomputed tables (ak135 and a regional Central-Asia model).

A shared layer below the stages: association, location and the scenario synthesizer all
look travel times up here, so they agree to the last millisecond and never call TauP on a
hot path. Tables are built offline by :mod:`openndc.traveltime.build`.
"""

from openndc.traveltime.interface import TravelTimeModel
from openndc.traveltime.tables import (
    GROUP_VELOCITIES,
    MODELS,
    REGIONAL_MAX,
    PhaseTable,
    TravelTimes,
    bilinear,
    bilinear_py,
    load_travel_times,
)

__all__ = [
    "GROUP_VELOCITIES",
    "MODELS",
    "REGIONAL_MAX",
    "PhaseTable",
    "TravelTimeModel",
    "TravelTimes",
    "bilinear",
    "bilinear_py",
    "load_travel_times",
]
