"""Configuration schema of the location stage (units and help on every field).

Defaults follow IDC practice: time, back-azimuth and slowness data weighted by their
uncertainties; depth free, falling back to a fixed depth when the data do not resolve it;
a 90 % coverage ellipse (a-priori variance, Jordan & Sverdrup 1981 with K = infinity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

from openndc.model.config import field_

__all__ = [
    "RELATIVE_PHASE_UNCERTAINTIES",
    "LocationConfig",
    "PhaseUncertainties",
    "RelocationConfig",
    "local_config",
]


@dataclass(frozen=True)
class PhaseUncertainties:
    """A-priori 1-sigma travel-time uncertainties [s] per phase: the model error of the
    travel-time table plus typical picking error, as the IDC's a-priori variances.

    A detection's own pick uncertainty (``time_uncertainty``) is added in quadrature;
    phases not listed use ``other``.
    """

    P: float = field_(1.0, unit="s", help="teleseismic P and first-arriving P")
    Pn: float = field_(1.25, unit="s", help="regional Pn")
    Pg: float = field_(1.5, unit="s", help="crustal Pg")
    PKP: float = field_(1.5, unit="s", help="core phases PKP")
    S: float = field_(2.0, unit="s", help="teleseismic S and first-arriving S")
    Sn: float = field_(2.0, unit="s", help="regional Sn")
    Sg: float = field_(2.0, unit="s", help="crustal Sg")
    Lg: float = field_(2.5, unit="s", help="Lg (group velocity)")
    other: float = field_(2.5, unit="s", help="any other phase")

    def get(self, phase: str) -> float:
        """The uncertainty [s] of ``phase`` (``other`` when not listed)."""
        value = getattr(self, phase, None) if phase in _PHASE_FIELDS else None
        return float(value) if value is not None else float(self.other)


_PHASE_FIELDS = frozenset({"P", "Pn", "Pg", "PKP", "S", "Sn", "Sg", "Lg"})


@dataclass(frozen=True)
class LocationConfig:
    """The whole location stage."""

    depth_mode: Literal["free", "fixed"] = field_(
        "free", help="solve for depth ('free') or hold it at fixed_depth ('fixed')"
    )
    fixed_depth: float = field_(
        0.0,
        unit="km",
        help="depth used when depth_mode is 'fixed' or depth is unresolved (IDC: 0 km)",
    )
    depth_fallback: bool = field_(
        True,
        help="relocate with depth fixed when free depth is unresolved or goes above ground",
    )
    max_depth_uncertainty: float = field_(
        50.0, unit="km", help="a free depth with a larger 90 % uncertainty counts as unresolved"
    )
    depth_resolution_factor: float = field_(
        2.0,
        help="a free depth shallower than shallow_depth_limit is unresolved (fixed) when the "
        "nearest defining station is farther than this many times max(depth, 50 km), as the "
        "IDC does without depth phases; 0 disables the rule",
    )
    shallow_depth_limit: float = field_(
        70.0, unit="km", help="free depths below this are kept (a deep event misfits when fixed)"
    )
    max_depth: float = field_(700.0, unit="km", help="deepest hypocentre allowed")
    max_iterations: int = field_(40, help="Gauss-Newton iterations at most (per relocation)")
    damping: float = field_(
        0.01, help="SVD damping as a fraction of the largest singular value (weighted system)"
    )
    max_step: float = field_(200.0, unit="km", help="largest epicentre step per iteration")
    convergence: float = field_(
        0.01, unit="km", help="converged when the hypocentre moves less than this"
    )
    phase_uncertainty: PhaseUncertainties = field_(
        PhaseUncertainties(), help="a-priori time uncertainties [s] per phase"
    )
    use_azimuth: bool = field_(True, help="use back-azimuths as data (arrays, 3-C stations)")
    use_slowness: bool = field_(True, help="use slownesses as data (arrays)")
    azimuth_uncertainty: float = field_(
        10.0, unit="deg", help="a-priori back-azimuth uncertainty when a detection has none"
    )
    slowness_uncertainty: float = field_(
        1.5, unit="s/deg", help="a-priori slowness uncertainty when a detection has none"
    )
    min_uncertainty_time: float = field_(
        0.01, unit="s", help="time uncertainties are raised to at least this"
    )
    residual_cutoff: float = field_(
        4.0,
        help="observations whose |residual| / sigma exceeds this are made non-defining "
        "(largest first, one per relocation)",
    )
    azimuth_residual_factor: float = field_(
        3.0,
        help="a back-azimuth whose |residual| exceeds this many sigma is non-defining in "
        "the final solution (all such at once, then relocated); 0 disables",
    )
    max_azimuth_residual: float = field_(
        40.0,
        unit="deg",
        help="a back-azimuth with a larger |residual| is non-defining in the final solution "
        "whatever its sigma; 0 disables",
    )
    max_rejected_fraction: float = field_(
        0.3, help="reject at most this fraction of the observations as outliers"
    )
    elevation_correction: bool = field_(
        True, help="correct times for station elevation with the surface velocities below"
    )
    surface_vp: float = field_(5.8, unit="km/s", help="P velocity for elevation corrections")
    surface_vs: float = field_(3.46, unit="km/s", help="S velocity for elevation corrections")
    confidence: float = field_(0.9, help="confidence level of the ellipse and uncertainties")
    apriori_k: float = field_(
        math.inf,
        help="Jordan-Sverdrup K: weight of the a-priori variance (inf: coverage ellipse, "
        "IDC; 0: a-posteriori confidence ellipse)",
    )
    grid_search: bool = field_(True, help="start from a coarse grid search")
    grid_radius: float = field_(
        0.0,
        unit="deg",
        help="grid half-width around the start point (0: automatic from the station spread)",
    )
    grid_points: int = field_(15, help="grid nodes per horizontal axis (odd)")
    grid_refinements: int = field_(3, help="times the grid is refined around its best node")
    grid_depths: tuple[float, ...] = field_(
        (0.0, 10.0, 35.0), unit="km", help="depths tried by the grid search (free depth)"
    )
    model: str = field_("ak135", help="travel-time model when none is given")

    def __post_init__(self) -> None:
        if not 0.0 < self.confidence < 1.0:
            raise ValueError(f"confidence must be in (0, 1), got {self.confidence}")
        if self.max_iterations < 1:
            raise ValueError(f"max_iterations must be >= 1, got {self.max_iterations}")
        if self.grid_points < 3:
            raise ValueError(f"grid_points must be >= 3, got {self.grid_points}")
        if self.fixed_depth < 0 or self.fixed_depth > self.max_depth:
            raise ValueError(f"fixed_depth must be in [0, max_depth], got {self.fixed_depth}")


#: Travel-time uncertainties [s] for a dense local network with a calibrated 1-D model:
#: hypo71/HYPOINVERSE pick-weight classes span 0.05-0.4 s, local model errors ~0.1-0.2 s.
LOCAL_PHASE_UNCERTAINTIES = PhaseUncertainties(
    P=0.15, Pn=0.2, Pg=0.15, PKP=1.5, S=0.3, Sn=0.3, Sg=0.3, Lg=0.5, other=0.5
)


def local_config(**overrides: object) -> LocationConfig:
    """A configuration for a dense local network (tens of km): small a-priori travel-time
    uncertainties (:data:`LOCAL_PHASE_UNCERTAINTIES`), no IDC far-station depth rule.
    Keyword arguments override fields."""
    base = LocationConfig(phase_uncertainty=LOCAL_PHASE_UNCERTAINTIES, depth_resolution_factor=0.0)
    return replace(base, **overrides)  # type: ignore[arg-type]


#: A-priori uncertainties [s] of travel times corrected by a nearby master event: the
#: model's path error cancels and what remains is the two events' picking differences
#: and the path difference over the separation (a few tenths of a second at regional
#: distances for automatic picks).
RELATIVE_PHASE_UNCERTAINTIES = PhaseUncertainties(
    P=0.3, Pn=0.3, Pg=0.4, PKP=0.4, S=0.6, Sn=0.6, Sg=0.6, Lg=1.0, other=1.0
)


@dataclass(frozen=True)
class RelocationConfig:
    """Relocation relative to ground truth (master events), double-difference relocation
    of clusters and station terms."""

    master_uncertainty: PhaseUncertainties = field_(
        RELATIVE_PHASE_UNCERTAINTIES,
        help="a-priori time uncertainties [s] of master-corrected data (per phase)",
    )
    master_max_distance: float = field_(
        100.0, unit="km", help="masters farther than this from an event are not used"
    )
    master_match_time: float = field_(
        30.0, unit="s", help="a bulletin event within this of a ground-truth origin time is it"
    )
    master_match_distance: float = field_(
        50.0, unit="km", help="... and within this of its epicentre"
    )
    master_grid_radius: float = field_(
        0.3, unit="deg", help="grid-search half-width around the event's own location"
    )
    master_min_common: int = field_(
        4, help="fewest arrival times in common with the masters to relocate an event"
    )
    xcorr_band: tuple[float, float] = field_(
        (1.0, 4.0), unit="Hz", help="band-pass of the waveforms cross-correlated with a master"
    )
    xcorr_window: tuple[float, float] = field_(
        (1.0, 4.0), unit="s", help="master window: seconds before and after its pick"
    )
    xcorr_search: float = field_(
        1.5, unit="s", help="lags searched on either side of the event's own pick"
    )
    xcorr_min_coefficient: float = field_(
        0.8, help="an alignment counts when the normalised correlation reaches this"
    )
    xcorr_uncertainty: float = field_(
        0.1, unit="s", help="time uncertainty of a pick aligned on the master's waveform"
    )
    xcorr_model_uncertainty: float = field_(
        0.05,
        unit="s",
        help="model error left in master-corrected, aligned times (path difference)",
    )
    dd_max_separation: float = field_(
        10.0, unit="km", help="largest hypocentral separation of a linked pair (ph2dt MAXSEP)"
    )
    dd_max_neighbours: int = field_(
        10, help="strongly linked neighbours per event at most (ph2dt MAXNGH)"
    )
    dd_min_links: int = field_(
        8, help="common phases that make a neighbour strongly linked (ph2dt MINLNK)"
    )
    dd_min_observations: int = field_(8, help="fewest differential times of a pair (MINOBS)")
    dd_max_observations: int = field_(
        50, help="most differential times of a pair, nearest stations first (MAXOBS)"
    )
    dd_max_station_distance: float = field_(
        200.0, unit="km", help="stations farther than this from a pair are not used (MAXDIST)"
    )
    dd_iterations: tuple[int, ...] = field_(
        (5, 5), help="iterations per set; the first set without re-weighting"
    )
    dd_residual_factor: float = field_(
        6.0,
        help="re-weighting sets: differential times beyond this many MADs get zero weight "
        "(hypoDD WRCT, bi-cube)",
    )
    dd_weight_distance: float = field_(
        5.0,
        unit="km",
        help="re-weighting sets: pairs farther apart than this get zero weight (WDCT, bi-cube)",
    )
    dd_s_weight: float = field_(0.5, help="weight of S differential times relative to P")
    dd_damping: float = field_(
        0.1, help="LSQR damping of the column-scaled weighted system (see docs/location.md)"
    )
    station_term_iterations: int = field_(
        4, help="locate / estimate station terms / relocate cycles"
    )
    station_term_min_events: int = field_(
        5, help="a station term needs residuals from at least this many events"
    )
    station_term_damping: float = field_(
        2.0,
        help="shrinks a term to mean * n / (n + damping) (few events: towards 0)",
    )
