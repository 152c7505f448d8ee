"""Configuration schema of the magnitude stage (units and help on every field).

Defaults follow the IASPEI (2013) standards and IDC practice: ML at regional distances
(0-9 deg, i.e. hypocentral distances up to ~1000 km, the range the IASPEI ML formula is
stated for), mb on the first P at 20-100 deg (Veith-Clawson), Ms_20 on vertical Rayleigh
waves at 20-160 deg. The network magnitude is the median of the station magnitudes left
after rejecting outliers by their scaled median absolute deviation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openndc.model.config import field_
from openndc.model.phases import FIRST_P

__all__ = [
    "MagnitudeConfig",
    "MbConfig",
    "MlConfig",
    "MsConfig",
    "NetworkAverageConfig",
]

AveragingMethod = Literal["median", "mean", "trimmed_mean"]


@dataclass(frozen=True)
class MlConfig:
    """Local magnitude from the detections' Wood-Anderson amplitudes (IASPEI 2013)."""

    enabled: bool = field_(True, help="compute ML")
    distance_min: float = field_(0.0, unit="deg", help="smallest epicentral distance used")
    distance_max: float = field_(
        9.0, unit="deg", help="largest epicentral distance used (9 deg ~ 1000 km, IASPEI range)"
    )
    phases: tuple[str, ...] = field_(
        ("Sg", "Sn", "S", "Lg"),
        help="arrivals whose amplitude_wa may be used; the largest one per station is taken",
    )
    any_phase_fallback: bool = field_(
        True,
        help="when a station has none of `phases`, use the largest amplitude_wa of any of its "
        "arrivals (the WA window after P often contains S at short distances)",
    )
    min_snr: float = field_(2.0, help="skip detections with a lower SNR (NaN SNR is accepted)")


@dataclass(frozen=True)
class MbConfig:
    """Body-wave magnitude from the first P amplitude and period (IDC, Veith-Clawson 1972)."""

    enabled: bool = field_(True, help="compute mb")
    distance_min: float = field_(
        20.0,
        unit="deg",
        help="smallest distance used (IDC: 20; the VC72 table goes down to 0 deg, so a regional "
        "mb can be had by lowering this, at the cost of a poorly constrained calibration)",
    )
    distance_max: float = field_(
        100.0, unit="deg", help="largest distance used (VC72 table ends at 100 deg)"
    )
    phases: tuple[str, ...] = field_(
        FIRST_P, help="P-type phases; the earliest such arrival of a station is used"
    )
    period_min: float = field_(0.1, unit="s", help="reject amplitudes with a shorter period")
    period_max: float = field_(3.0, unit="s", help="reject amplitudes with a longer period")
    min_snr: float = field_(2.0, help="skip detections with a lower SNR (NaN SNR is accepted)")


@dataclass(frozen=True)
class MsConfig:
    """Surface-wave magnitude Ms_20 measured on vertical waveforms (IASPEI 2013)."""

    enabled: bool = field_(True, help="compute Ms_20 when waveforms are given")
    distance_min: float = field_(20.0, unit="deg", help="smallest epicentral distance (IASPEI)")
    distance_max: float = field_(160.0, unit="deg", help="largest epicentral distance (IASPEI)")
    depth_max: float = field_(60.0, unit="km", help="no Ms for deeper events (IASPEI)")
    period_min: float = field_(18.0, unit="s", help="shortest Rayleigh-wave period accepted")
    period_max: float = field_(22.0, unit="s", help="longest Rayleigh-wave period accepted")
    velocity_min: float = field_(
        2.9, unit="km/s", help="slowest Rayleigh group velocity: the window ends at D/v_min"
    )
    velocity_max: float = field_(
        4.0, unit="km/s", help="fastest Rayleigh group velocity: the window starts at D/v_max"
    )
    sample_rate: float = field_(
        1.0, unit="Hz", help="traces are low-passed and resampled to this rate before measuring"
    )
    min_snr: float = field_(
        2.0,
        help="signal/noise of the 18-22 s amplitude against the same measure before the origin "
        "time (skipped when the trace does not start before the origin time)",
    )


@dataclass(frozen=True)
class NetworkAverageConfig:
    """How station magnitudes become a network magnitude."""

    method: AveragingMethod = field_(
        "median", help="average of the kept station values: median, mean or trimmed_mean"
    )
    trim_fraction: float = field_(
        0.125, help="trimmed_mean: fraction cut at each end (SeisComP default 12.5 %)"
    )
    outlier_k: float = field_(
        3.0, help="reject |m - median| > outlier_k * 1.4826 * MAD (needs >= 3 stations)"
    )
    outlier_min_deviation: float = field_(
        0.3, help="never reject a station magnitude closer than this to the median"
    )
    min_stations: int = field_(1, help="fewest used station magnitudes for a network magnitude")


@dataclass(frozen=True)
class MagnitudeConfig:
    """The whole magnitude stage."""

    ml: MlConfig = field_(MlConfig(), help="local magnitude")
    mb: MbConfig = field_(MbConfig(), help="body-wave magnitude")
    ms: MsConfig = field_(MsConfig(), help="surface-wave magnitude")
    network: NetworkAverageConfig = field_(NetworkAverageConfig(), help="network averaging")
