"""Configuration schema of the screening stage (units and help on every field).

Defaults are the IDC's published standard event screening criteria (see
:mod:`openndc.screening.mbms` and :mod:`openndc.screening.depth` for the sources) and, for
the regional P/S discriminant, the usual regional group-velocity windows and bands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openndc.model.config import field_
from openndc.model.errors import ConfigError

__all__ = [
    "ContextConfig",
    "DepthConfig",
    "MbMsConfig",
    "RegionalConfig",
    "ScreeningConfig",
]

MbMsVariant = Literal["idc", "selby2012"]


@dataclass(frozen=True)
class MbMsConfig:
    """The mb:Ms criterion (Fisk, Jepsen & Murphy 2002; Selby, Marshall & Bowers 2012)."""

    enabled: bool = field_(True, help="apply the mb:Ms criterion")
    variant: MbMsVariant = field_(
        "idc",
        help="'idc': screened out when Ms - 1.25 mb > -2.20 at the stated confidence (IDC "
        "standard criterion, Fisk et al. 2002); 'selby2012': when mb - Ms < 0.64 (Selby et "
        "al. 2012)",
    )
    min_mb: float = field_(3.5, help="smallest network mb the criterion applies to (IDC)")
    min_ms_stations: int = field_(2, help="fewest station Ms the network Ms must rest on")
    sigma_mb_station: float = field_(
        0.34, help="standard deviation of one station mb (IDC/OPS manual, 7.3.2)"
    )
    sigma_ms_station: float = field_(
        0.23, help="standard deviation of one station Ms (IDC/OPS manual, 7.3.2)"
    )
    confidence_z: float = field_(
        1.96, help="one-sided normal quantile of the confidence (1.96: 97.5 %)"
    )


@dataclass(frozen=True)
class DepthConfig:
    """The depth criterion: deeper than 10 km at 97.5 % confidence (IDC)."""

    enabled: bool = field_(True, help="apply the depth criterion")
    min_depth_km: float = field_(10.0, unit="km", help="depth beyond which no explosion is")
    confidence_z: float = field_(1.96, help="one-sided normal quantile (1.96: 97.5 %)")
    uncertainty_confidence_z: float = field_(
        1.645,
        help="normal quantile of the confidence at which the origin's depth uncertainty is "
        "given (OpenNDC origins: 90 % two-sided, 1.645); it is divided out to get the "
        "standard error",
    )
    model_error_km: float = field_(
        0.0, unit="km", help="extra standard error added in quadrature (model error)"
    )


@dataclass(frozen=True)
class RegionalConfig:
    """High-frequency P/S amplitude ratios at regional distances."""

    enabled: bool = field_(True, help="measure regional P/S ratios when waveforms are given")
    bands_hz: tuple[tuple[float, float], ...] = field_(
        ((1.0, 2.0), (2.0, 4.0), (4.0, 8.0), (6.0, 8.0)),
        unit="Hz",
        help="frequency bands of the ratios",
    )
    ratios: tuple[str, ...] = field_(
        ("P/S", "Pn/Lg", "Pg/Lg", "Pn/Sn"), help="ratios measured (P/S: 25.6 s windows)"
    )
    min_distance_km: float = field_(150.0, unit="km", help="closest station used")
    max_distance_km: float = field_(1600.0, unit="km", help="farthest station used")
    min_snr: float = field_(
        3.0,
        help="smallest RMS SNR of both windows over the pre-P noise (the noise power is "
        "subtracted from both)",
    )
    max_depth_km: float = field_(
        40.0,
        unit="km",
        help="deeper events are not judged by the ratios: Lg is a crustal guided wave and "
        "the populations are of crustal events (a deep earthquake has weak Lg)",
    )
    alpha_explosion: float = field_(
        0.01,
        help="p-value under the earthquake population below which the ratios count as "
        "explosion-like with confidence",
    )
    screen_z: float = field_(
        1.96,
        help="the network score must be below the explosion population by this many "
        "standard errors (97.5 %) for the ratios to screen an event out",
    )
    generic_bias_sigma: float = field_(
        0.25,
        help="log10 units: unknown offset of a generic (borrowed) earthquake population from "
        "the region's, shared by all stations and added to the network mean's variance; "
        "regional P/S populations differ by a few tenths between regions",
    )
    min_stations_screen: int = field_(
        2, help="fewest station-calibrated stations for the ratios to screen an event out"
    )
    calibration: str = field_(
        "",
        help="calibration file (JSON, openndc.screening.calibration); empty: the built-in "
        "generic P/S calibration",
    )

    def __post_init__(self) -> None:
        phases = {"P", "S", "Pn", "Pg", "Sn", "Lg"}
        for ratio in self.ratios:
            parts = ratio.split("/")
            if len(parts) != 2 or not set(parts) <= phases:
                raise ConfigError(
                    f"regional ratio {ratio!r}: write NUM/DEN with phases from {sorted(phases)}"
                )
        for lo, hi in self.bands_hz:
            if not 0 < lo < hi:
                raise ConfigError(f"regional band {lo}-{hi} Hz: need 0 < low < high")


@dataclass(frozen=True)
class ContextConfig:
    """Distance to test sites and mines, time of day, onshore/offshore."""

    test_site_radius_km: float = field_(
        100.0,
        unit="km",
        help="an event this close to a test site raises an alert if not screened out",
    )
    mine_radius_km: float = field_(
        30.0, unit="km", help="an event this close to a mining district counts as 'in' it"
    )
    blasting_hours: tuple[float, float] = field_(
        (7.0, 19.0), unit="h", help="local solar time span of the working day for blasting"
    )


@dataclass(frozen=True)
class ScreeningConfig:
    """The screening stage: IDC criteria, regional discriminants and context."""

    mbms: MbMsConfig = field_(MbMsConfig(), help="mb:Ms criterion")
    depth: DepthConfig = field_(DepthConfig(), help="depth criterion")
    regional: RegionalConfig = field_(RegionalConfig(), help="regional P/S ratios")
    context: ContextConfig = field_(ContextConfig(), help="test sites, mines, time, land")
