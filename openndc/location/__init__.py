"""Location: hypocentres and their uncertainty from associated arrivals.

:func:`locate` is the stage function (arrivals, network, config) -> :class:`LocationResult`;
:class:`LocationConfig` its typed configuration. Relocation: relative to ground-truth
masters (:func:`relocate_with_masters`, with waveform alignment in
:mod:`openndc.location.xcorr`), with station terms (:func:`locate_with_station_terms`,
:func:`calibration_terms`) and by double differences (:func:`relocate_double_difference`),
configured by :class:`RelocationConfig`. See docs/location.md.
"""

from openndc.location.config import (
    LocationConfig,
    PhaseUncertainties,
    RelocationConfig,
    local_config,
)
from openndc.location.corrections import StationCorrections, apply_corrections
from openndc.location.doubledifference import (
    DoubleDifferenceResult,
    relocate_double_difference,
)
from openndc.location.locator import LocationResult, locate
from openndc.location.master import (
    GroundTruthEvent,
    match_ground_truth,
    read_ground_truth,
    relocate_with_masters,
)
from openndc.location.station_terms import (
    StationTermResult,
    calibration_terms,
    estimate_station_terms,
    locate_with_station_terms,
)
from openndc.location.uncertainty import azimuthal_gap, error_ellipse, kappa_squared

__all__ = [
    "DoubleDifferenceResult",
    "GroundTruthEvent",
    "LocationConfig",
    "LocationResult",
    "PhaseUncertainties",
    "RelocationConfig",
    "StationCorrections",
    "StationTermResult",
    "apply_corrections",
    "azimuthal_gap",
    "calibration_terms",
    "error_ellipse",
    "estimate_station_terms",
    "kappa_squared",
    "local_config",
    "locate",
    "locate_with_station_terms",
    "match_ground_truth",
    "read_ground_truth",
    "relocate_double_difference",
    "relocate_with_masters",
]
