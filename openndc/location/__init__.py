"""Location: hypocentres and their uncertainty from associated arrivals.

:func:`locate` is the stage function (arrivals, network, config) -> :class:`LocationResult`;
:class:`LocationConfig` its typed configuration. See docs/location.md.
"""

from openndc.location.config import LocationConfig, PhaseUncertainties, local_config
from openndc.location.locator import LocationResult, locate
from openndc.location.uncertainty import azimuthal_gap, error_ellipse, kappa_squared

__all__ = [
    "LocationConfig",
    "LocationResult",
    "PhaseUncertainties",
    "azimuthal_gap",
    "error_ellipse",
    "kappa_squared",
    "local_config",
    "locate",
]
