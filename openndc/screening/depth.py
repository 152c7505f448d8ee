"""The depth screening criterion of the IDC.

No explosion has been (or can practically be) emplaced deeper than a few kilometres, so an
event whose depth is greater than 10 km at 97.5 % one-sided confidence is screened out
(Fisk, Jepsen & Murphy 2002, PAGEOPH 159, 865-888; IDC/OPS manual, the depth criterion of
the standard event screening):

    depth - z * sigma_depth > 10 km,   z = 1.96

The depth must be *resolved*: from a free-depth solution (not fixed) or from depth phases
(pP, sP, pwP associated with the origin). A depth fixed by the locator (to the default 0 km
or to a regional default) gives no evidence. ``sigma_depth`` is the standard error: the
origin's depth uncertainty divided by the normal quantile of its stated confidence
(OpenNDC origins give 90 % bounds, 1.645 sigma), with an optional model error in
quadrature.
"""

from __future__ import annotations

import math

from openndc.model.event import Event
from openndc.model.screening import CriterionEvidence
from openndc.screening.config import DepthConfig

__all__ = ["DEPTH_PHASES", "SOURCE_DEPTH", "depth_criterion"]

SOURCE_DEPTH = (
    "Fisk, Jepsen & Murphy (2002) PAGEOPH 159, 865-888; IDC standard event screening: "
    "depth > 10 km at 97.5 % confidence, free depth or depth phases"
)

#: Depth phases whose association makes a depth resolved even when it was held fixed.
DEPTH_PHASES = frozenset({"pP", "sP", "pwP", "pPKP", "sPKP"})


def depth_criterion(event: Event, config: DepthConfig) -> CriterionEvidence:
    """Apply the depth criterion to an event's preferred origin."""
    o = event.origin
    name = "depth"

    def na(why: str) -> CriterionEvidence:
        return CriterionEvidence(
            name=name, indicates="not applicable", source=SOURCE_DEPTH, detail=why
        )

    if not config.enabled:
        return na("disabled")
    n_depth_phases = sum(1 for a in event.arrivals if a.phase in DEPTH_PHASES)
    if o.depth_fixed and n_depth_phases == 0:
        return na(f"depth {o.depth_km:.1f} km fixed, no depth phases")
    if not math.isfinite(o.depth_km) or not math.isfinite(o.depth_uncertainty_km):
        return na("depth or its uncertainty unknown")
    sigma = math.hypot(
        o.depth_uncertainty_km / config.uncertainty_confidence_z, config.model_error_km
    )
    lower = o.depth_km - config.confidence_z * sigma
    screened = lower > config.min_depth_km
    basis = f"{n_depth_phases} depth phases" if n_depth_phases else "free depth"
    detail = (
        f"{o.depth_km:.1f} +/- {sigma:.1f} km ({basis}): lower bound {lower:.1f} km "
        f"{'>' if screened else '<='} {config.min_depth_km:.0f} km"
    )
    return CriterionEvidence(
        name=name,
        indicates="natural" if screened else "inconclusive",
        value=lower,
        threshold=config.min_depth_km,
        uncertainty=sigma,
        unit="km",
        source=SOURCE_DEPTH,
        detail=detail,
    )
