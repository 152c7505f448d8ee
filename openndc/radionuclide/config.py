"""Configuration schemas of the radionuclide stage (units and help on every field)."""

from __future__ import annotations

from dataclasses import dataclass

from openndc.model.config import field_

__all__ = ["AnalysisConfig", "PortalConfig", "XenonConfig"]


@dataclass(frozen=True)
class AnalysisConfig:
    """Particulate (HPGe) spectrum analysis: peak search, identification, categorization."""

    line_library: str = field_(
        "", help="gamma line library (PhotoPeak.lis format); required for identification"
    )
    search_threshold: float = field_(4.0, help="peak search significance threshold [sigma]")
    min_area_significance: float = field_(3.0, help="keep fitted peaks with area/unc above")
    fwhm_a: float = field_(0.77, unit="keV^2", help="initial resolution FWHM^2 = a + b E: a")
    fwhm_b: float = field_(0.00185, unit="keV", help="initial resolution FWHM^2 = a + b E: b")
    recalibrate: bool = field_(
        True, help="refine the energy calibration on K-40, Tl-208, Pb-214, Bi-214 lines"
    )
    energy_min: float = field_(40.0, unit="keV", help="lowest line energy used to identify")
    min_intensity: float = field_(0.01, help="lines weaker than this (per decay) are ignored")
    required_min_energy: float = field_(
        100.0, unit="keV", help="lines below support an identification but are not required"
    )
    tolerance: float = field_(0.6, unit="keV", help="line-peak match tolerance (+ 2 sigma)")
    min_confidence: float = field_(
        0.7, help="fraction of the visible expected line intensity that must be found"
    )
    nuclides: tuple[str, ...] = field_(
        (), help="candidate nuclides (default: natural + CTBT-relevant lists)"
    )
    extra_relevant: tuple[str, ...] = field_((), help="nuclides added to the CTBT-relevant list")
    normal_ranges: tuple[tuple[str, float], ...] = field_(
        (),
        unit="mBq/m3",
        help="station history: (nuclide, upper normal concentration); none = all abnormal",
    )


@dataclass(frozen=True)
class XenonConfig:
    """Beta-gamma net-count analysis (SAUNA/ARIX style 10-ROI layout)."""

    k_alpha: float = field_(1.6449, help="one-sided quantile for the decision threshold")
    k_beta: float = field_(1.6449, help="one-sided quantile for the detection limit")
    stable_xenon: float = field_(
        0.087, unit="ml/m3", help="stable xenon in air (turns Xe volume into air volume)"
    )


@dataclass(frozen=True)
class PortalConfig:
    """Radiation portal monitor alarm logic."""

    threshold_sigma: float = field_(
        4.0, help="gross-count alarm: sigma above the background (one-sided Gaussian)"
    )
    background_intervals: int = field_(
        60, help="running background: mean of this many previous intervals"
    )
    interval: float = field_(1.0, unit="s", help="counting interval of the running alarm")
    nuclide_sigma: float = field_(
        5.0, help="spectral alarm: significance of a nuclide's key lines above background"
    )
    nuclides: tuple[str, ...] = field_(
        ("Ba-133", "Cs-137", "Co-60", "Am-241", "I-131", "Ir-192", "Tc-99m", "U-235", "Pu-239"),
        help="nuclides the portal identifies",
    )
