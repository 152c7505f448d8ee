"""Association: detections of a network -> event hypotheses with preliminary origins.

``associate(detections, network, config)`` groups detections (P, S, regional and
teleseismic phases; array back-azimuth and slowness where measured) into events with a
grid-search origin and arrivals carrying residuals; the location stage refines the origins.
See ``docs/association.md``.
"""

from openndc.association.associate import (
    AssociationResult,
    DetectionUnitError,
    associate,
    lookback_seconds,
)
from openndc.association.config import AssociationConfig, local_config, reb_rules_config
from openndc.association.tables import ConstantVelocity

__all__ = [
    "AssociationConfig",
    "AssociationResult",
    "ConstantVelocity",
    "DetectionUnitError",
    "associate",
    "local_config",
    "lookback_seconds",
    "reb_rules_config",
]
