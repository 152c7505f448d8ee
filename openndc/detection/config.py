"""Configuration schema of the detection stage (units and help on every field).

Defaults follow IDC practice: several band-pass filters, each with its own STA/LTA
windows and threshold; the detection with the highest SNR among bands that trigger within
``merge_window`` seconds of each other is kept. Amplitudes for mb are measured in the
IDC band (0.8-4.5 Hz) within a few seconds of the onset; ML amplitudes on simulated
Wood-Anderson records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openndc.model.config import field_
from openndc.model.errors import ConfigError

__all__ = [
    "AmplitudeConfig",
    "ArrayConfig",
    "BandConfig",
    "DetectionConfig",
    "OnsetConfig",
    "PhaseIdConfig",
    "PolarizationConfig",
    "SPickConfig",
]


@dataclass(frozen=True)
class BandConfig:
    """One detection band: Butterworth band-pass, STA/LTA windows, trigger thresholds."""

    name: str = field_("bb", help="band name written to provenance")
    freq_min: float = field_(0.8, unit="Hz", help="band-pass lower corner")
    freq_max: float = field_(4.5, unit="Hz", help="band-pass upper corner")
    corners: int = field_(
        3,
        help="Butterworth order (applied causally for STA/LTA triggering and the final pick; "
        "zero-phase only around a trigger for the first pick: docs/detection.md)",
    )
    sta: float = field_(1.0, unit="s", help="short-term average window")
    lta: float = field_(30.0, unit="s", help="long-term average window")
    threshold_on: float = field_(4.0, help="STA/LTA ratio that opens a trigger")
    threshold_off: float = field_(2.0, help="STA/LTA ratio that closes a trigger")

    def __post_init__(self) -> None:
        where = f"detection band {self.name!r}"
        _check_sta_lta(where, self.sta, self.lta, "[[detection.bands]]")
        if not 0.0 < self.freq_min < self.freq_max:
            raise ConfigError(
                f"{where}: freq_min {self.freq_min:g} Hz and freq_max {self.freq_max:g} Hz must "
                "satisfy 0 < freq_min < freq_max; swap or correct them"
            )
        if self.corners < 1:
            raise ConfigError(f"{where}: corners {self.corners} must be at least 1 (e.g. 3)")
        if not (self.threshold_on > 0.0 and self.threshold_off > 0.0):
            raise ConfigError(
                f"{where}: threshold_on {self.threshold_on:g} and threshold_off "
                f"{self.threshold_off:g} must be positive STA/LTA ratios (e.g. 4 and 2)"
            )


def _check_sta_lta(where: str, sta: float, lta: float, table: str) -> None:
    """sta and lta [s]: both positive, sta shorter than lta, else a ConfigError saying so."""
    if not sta > 0.0:
        raise ConfigError(f"{where}: sta {sta:g} s must be positive; set sta > 0 in {table}")
    if not lta > sta:
        raise ConfigError(
            f"{where}: sta {sta:g} s must be shorter than lta {lta:g} s; set sta < lta in {table}"
        )


DEFAULT_BANDS = [
    BandConfig("tele", 0.6, 2.0, 3, 2.0, 40.0, 4.0, 2.0),
    BandConfig("mb", 0.8, 4.5, 3, 1.0, 30.0, 4.0, 2.0),
    BandConfig("reg", 2.0, 6.0, 3, 0.8, 30.0, 4.5, 2.0),
    BandConfig("hf", 4.0, 10.0, 3, 0.5, 20.0, 5.0, 2.0),
]


@dataclass(frozen=True)
class OnsetConfig:
    method: Literal["aic", "kurtosis", "none"] = field_(
        "aic", help="onset refinement: 'aic', 'kurtosis' or 'none'"
    )
    before: float = field_(4.0, unit="s", help="search window start before the trigger")
    after: float = field_(1.5, unit="s", help="search window end after the trigger")
    fine_corner_ratio: float = field_(
        0.0,
        help="second AIC stage on causal data high-passed at this fraction of the detecting "
        "band's lower corner (never below the lowest band's); 0: the lowest band's corner",
    )
    # Back-search for an emergent, weaker first arrival before a stronger one (regional Pn
    # before crustal P, a nodal first P): see openndc.detection.onset.backsearch_onset.
    backsearch: float = field_(
        5.0,
        unit="s",
        help="look this far back from the refined onset for an earlier, weaker onset (0: off)",
    )
    backsearch_noise: float = field_(
        10.0, unit="s", help="noise window before the earlier onset for its SNR test"
    )
    backsearch_snr: float = field_(
        4.0,
        help="energy ratio (mean square, as STA/LTA) of the earlier arrival up to the refined "
        "onset over the noise; every backsearch_duration window must reach half of it",
    )
    backsearch_duration: float = field_(
        1.0,
        unit="s",
        help="shortest earlier arrival accepted (at least 2 periods of the band's lower corner)",
    )


@dataclass(frozen=True)
class AmplitudeConfig:
    mb_freq_min: float = field_(0.8, unit="Hz", help="mb amplitude band lower corner (IDC)")
    mb_freq_max: float = field_(4.5, unit="Hz", help="mb amplitude band upper corner (IDC)")
    mb_window: float = field_(6.0, unit="s", help="mb amplitude window after the onset")
    ml_window: float = field_(40.0, unit="s", help="ML (Wood-Anderson) window after the onset")
    noise_window: float = field_(20.0, unit="s", help="pre-onset noise window for the SNR")


@dataclass(frozen=True)
class ArrayConfig:
    enabled: bool = field_(True, help="form beams and run f-k for arrays in the inventory")
    slowness_max: float = field_(
        0.4, unit="s/km", help="slowness grid half-width (seismic; infrasound uses 3.6)"
    )
    slowness_step: float = field_(0.01, unit="s/km", help="slowness grid spacing")
    fk_refine: int = field_(
        10,
        help="second f-k pass around the grid maximum with the step divided by this (peak "
        "below the grid step); 1: grid only",
    )
    fk_window: float = field_(4.0, unit="s", help="f-k analysis window starting before onset")
    fk_lead: float = field_(0.5, unit="s", help="f-k window starts this long before the onset")
    fk_freq_min: float = field_(0.8, unit="Hz", help="f-k band lower edge")
    fk_freq_max: float = field_(4.5, unit="Hz", help="f-k band upper edge")
    beam_group: str = field_("all", help="array beam group used for beams and f-k")
    min_elements: int = field_(3, help="minimum number of live elements to form beams")
    # The grid maximum of F on noise is ~2-3 for a 4 s window in 0.8-4.5 Hz (13 elements,
    # GRF); teleseismic P there gives ~7 (docs/arrays.md).
    min_fstat: float = field_(
        4.0, help="drop array arrivals whose f-k F-statistic is below this (incoherent)"
    )
    infrasound_slowness_max: float = field_(
        3.6, unit="s/km", help="infrasound slowness grid half-width (trace velocity >= 0.28 km/s)"
    )
    infrasound_slowness_step: float = field_(0.05, unit="s/km", help="infrasound grid spacing")


@dataclass(frozen=True)
class PolarizationConfig:
    window: float = field_(3.0, unit="s", help="covariance window after the onset")


@dataclass(frozen=True)
class SPickConfig:
    """S picking on the horizontals of 3-C stations after each P (openndc.detection.s_phase)."""

    enabled: bool = field_(False, help="pick S on the horizontals of 3-C stations after each P")
    freq_min: float = field_(1.0, unit="Hz", help="S band lower corner")
    freq_max: float = field_(10.0, unit="Hz", help="S band upper corner (at most 0.45 fs)")
    min_delay: float = field_(0.3, unit="s", help="earliest S after its P (S-P time)")
    max_delay: float = field_(
        20.0, unit="s", help="latest S after its P (S-P time; ~8 s per 100 km at crustal speeds)"
    )
    min_p_snr: float = field_(
        6.0, help="S is sought only after a P whose STA/LTA SNR reaches this (a clear P)"
    )
    sta: float = field_(0.3, unit="s", help="STA window of the horizontal characteristic function")
    lta: float = field_(2.0, unit="s", help="LTA window (starts at the P: the P coda)")
    min_snr: float = field_(
        1.5, help="the horizontal STA/LTA x horizontal energy share must reach this"
    )
    before: float = field_(1.5, unit="s", help="AIC window start before the coarse S")
    after: float = field_(0.3, unit="s", help="AIC window end after the coarse S")
    narrow: float = field_(
        0.5, unit="s", help="second AIC on causal broad-band horizontals within this of the pick"
    )

    def __post_init__(self) -> None:
        _check_sta_lta("S picking", self.sta, self.lta, "[detection.s_pick]")


@dataclass(frozen=True)
class PhaseIdConfig:
    tele_slowness_max: float = field_(
        10.0, unit="s/deg", help="slower than Pn (~13.7) but faster than this: teleseismic P"
    )
    pn_slowness_max: float = field_(15.5, unit="s/deg", help="Pn / Pg slowness boundary")
    pg_slowness_max: float = field_(19.0, unit="s/deg", help="Pg / Sn boundary")
    sn_slowness_max: float = field_(24.0, unit="s/deg", help="Sn / Lg boundary")
    lg_slowness_max: float = field_(32.0, unit="s/deg", help="beyond: Rg or noise")
    p_rectilinearity_min: float = field_(0.6, help="3-C: rectilinearity typical of P")
    # Regional Pn (p ~ 0.123 s/km) has an apparent (free-surface) incidence of about
    # 2 asin(p * 3.5 km/s) ~ 50 deg; S and Lg arrive with mostly horizontal motion.
    p_incidence_max: float = field_(60.0, unit="deg", help="3-C: steeper than this looks like P")
    first_arrival_quiet: float = field_(
        120.0,
        unit="s",
        help="single station: an S-type detection with no detection this long before it is "
        "a first arrival and renamed P (regional S-P times stay below ~2 min to 14 deg)",
    )


@dataclass(frozen=True)
class DetectionConfig:
    """The whole detection stage."""

    bands: list[BandConfig] = field_(DEFAULT_BANDS, help="detection bands")
    merge_window: float = field_(2.5, unit="s", help="detections closer than this are one")
    min_duration: float = field_(0.3, unit="s", help="shortest trigger kept")
    dead_time: float = field_(6.0, unit="s", help="after a detection, ignore triggers this long")
    dead_time_new_signal: bool = field_(
        False,
        help="keep a trigger inside the dead time that opens after the kept one closed and is "
        "stronger than it: a new signal (the P after a noise trigger), not coda",
    )
    warmup: float = field_(
        1.0,
        unit="s",
        help="noise needed at the start of a record before a trigger (at least 2 STA windows "
        "and one period of the band's lower corner); the LTA starts as the mean of the data "
        "so far, so a short record is detected on from here",
    )
    components: str = field_("Z", help="components detected on (vertical: 'Z')")
    onset: OnsetConfig = field_(OnsetConfig(), help="onset refinement")
    amplitude: AmplitudeConfig = field_(AmplitudeConfig(), help="amplitude measurement")
    array: ArrayConfig = field_(ArrayConfig(), help="array beams and f-k")
    polarization: PolarizationConfig = field_(PolarizationConfig(), help="3-C polarization")
    s_pick: SPickConfig = field_(SPickConfig(), help="S picking on 3-C horizontals")
    phase_id: PhaseIdConfig = field_(PhaseIdConfig(), help="initial phase identification")

    def __post_init__(self) -> None:
        if not self.bands:
            raise ConfigError(
                "detection: no bands; give at least one [[detection.bands]] table or leave "
                "'bands' out for the defaults"
            )
