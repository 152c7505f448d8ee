"""Vocabulary of the radionuclide part: spectra, peaks, nuclides, concentrations, alarms.

Typed, frozen, free of I/O. Units are in the names or documented per field: energies [keV],
times [s] (instants as :class:`obspy.UTCDateTime`), activity concentrations [mBq/m3],
activities [Bq], count rates [1/s]. Uncertainties are one standard deviation (k=1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from obspy import UTCDateTime

from openndc.model.provenance import Provenance

__all__ = [
    "GammaSpectrum",
    "IdentifiedNuclide",
    "NuclideLine",
    "ParticulateResult",
    "Peak",
    "PortalResult",
    "SampleTimes",
    "XenonConcentration",
    "XenonResult",
]


@dataclass(frozen=True, slots=True)
class SampleTimes:
    """The times of a sample: collection, acquisition start, real and live time.

    For a spectrum without collection (a lab or portal measurement) ``collection_start``
    and ``collection_stop`` are None and no collection or decay correction applies.
    """

    acquisition_start: UTCDateTime
    real_time: float  # [s]
    live_time: float  # [s]
    collection_start: UTCDateTime | None = None
    collection_stop: UTCDateTime | None = None
    air_volume: float = float("nan")  # sampled air [m3] (noble gas: xenon volume in #Processing)

    @property
    def collection_time(self) -> float:
        """Collection (sampling) duration [s]; NaN without a collection."""
        if self.collection_start is None or self.collection_stop is None:
            return float("nan")
        return float(self.collection_stop - self.collection_start)

    @property
    def decay_time(self) -> float:
        """From collection stop to acquisition start [s]; 0 without a collection."""
        if self.collection_stop is None:
            return 0.0
        return float(self.acquisition_start - self.collection_stop)


@dataclass(frozen=True, slots=True)
class GammaSpectrum:
    """A one-dimensional pulse-height spectrum with its energy calibration.

    ``energy_coefficients`` are the polynomial ``E(ch) = sum c_i ch**i`` [keV] with ``ch``
    the channel number (0-based, channel centre). ``counts`` is integer-valued.
    """

    counts: np.ndarray
    energy_coefficients: tuple[float, ...]
    times: SampleTimes
    name: str = ""
    detector: str = ""
    source: str = ""  # file the spectrum came from

    @property
    def n_channels(self) -> int:
        return int(self.counts.size)

    def energies(self, channels: np.ndarray | None = None) -> np.ndarray:
        """Energy [keV] of channels (default: every channel's centre)."""
        ch = np.arange(self.n_channels, dtype=float) if channels is None else channels
        return np.polynomial.polynomial.polyval(ch, np.asarray(self.energy_coefficients))


@dataclass(frozen=True, slots=True)
class Peak:
    """A fitted photopeak: Gaussian on a linear continuum, with 1-sigma uncertainties."""

    energy: float  # centroid [keV]
    energy_uncertainty: float  # [keV]
    channel: float  # centroid [channel]
    fwhm: float  # [keV]
    area: float  # net counts
    area_uncertainty: float  # counts
    continuum: float  # continuum counts under +-1.25 FWHM
    significance: float  # search significance [sigma]

    @property
    def relative_uncertainty(self) -> float:
        return self.area_uncertainty / self.area if self.area > 0 else float("inf")


@dataclass(frozen=True, slots=True)
class NuclideLine:
    """A gamma or x-ray line of a nuclide (intensity: photons per decay, not per 100)."""

    nuclide: str  # "Cs-137"
    energy: float  # [keV]
    intensity: float  # photons per decay


@dataclass(frozen=True, slots=True)
class IdentifiedNuclide:
    """A nuclide found in a spectrum, with the peaks that identify it.

    ``activity`` [Bq] is the activity in the sample at acquisition start (NaN without an
    efficiency calibration); ``concentration`` [mBq/m3] the mean activity concentration in
    the sampled air during collection (NaN also without a collection and air volume).
    ``mda`` [Bq] and ``mdc`` [mBq/m3] are Currie's (1968) detection limits for the key line.
    """

    nuclide: str
    lines: tuple[tuple[NuclideLine, Peak], ...]
    confidence: float  # fraction of the expected line intensity seen, 0..1
    count_rate: float  # net count rate of the key line [1/s]
    activity: float = float("nan")  # [Bq] at acquisition start
    activity_uncertainty: float = float("nan")
    concentration: float = float("nan")  # [mBq/m3] at the reference time
    concentration_uncertainty: float = float("nan")
    mdc: float = float("nan")  # [mBq/m3]
    mda: float = float("nan")  # [Bq]
    ctbt_relevant: bool = False
    category: str = "natural"  # "natural", "fission", "activation", "other"
    interference: str = ""  # how an interfering line was handled

    @property
    def key_energy(self) -> float:
        return self.lines[0][0].energy if self.lines else float("nan")


@dataclass(frozen=True, slots=True)
class ParticulateResult:
    """Analysis of one particulate (HPGe) spectrum."""

    spectrum_name: str
    station: str
    times: SampleTimes
    peaks: tuple[Peak, ...]
    nuclides: tuple[IdentifiedNuclide, ...]
    unidentified: tuple[Peak, ...]
    level: int  # IDC categorization level 1..5
    level_reason: str
    provenance: Provenance
    mdcs: tuple[tuple[str, float], ...] = ()  # (nuclide, MDC [mBq/m3]) of relevant nuclides


@dataclass(frozen=True, slots=True)
class XenonConcentration:
    """Activity concentration of one xenon isotope [mBq/m3] with its MDC and critical level."""

    nuclide: str
    concentration: float
    uncertainty: float
    mdc: float
    lc: float  # decision threshold (critical level) [mBq/m3]
    net_counts: float
    net_counts_uncertainty: float

    @property
    def detected(self) -> bool:
        return self.concentration > self.lc


@dataclass(frozen=True, slots=True)
class XenonResult:
    """Net-count analysis of one beta-gamma sample and its isotopic-ratio screening."""

    sample_name: str
    station: str
    times: SampleTimes
    concentrations: tuple[XenonConcentration, ...]
    ratios: tuple[tuple[str, float, float], ...]  # (name, value, uncertainty)
    domain: str  # "explosion", "civil" or "undetermined"
    screening_reason: str
    provenance: Provenance
    notes: tuple[str, ...] = ()

    def get(self, nuclide: str) -> XenonConcentration:
        for c in self.concentrations:
            if c.nuclide == nuclide:
                return c
        raise KeyError(nuclide)


@dataclass(frozen=True, slots=True)
class PortalResult:
    """The alarm decision of a radiation portal monitor occupancy."""

    name: str
    alarm: bool
    reasons: tuple[str, ...]
    gross_rate: float  # [1/s] summed over detectors
    background_rate: float  # [1/s]
    sigma: float  # (gross - background) / its standard deviation
    threshold_sigma: float
    false_alarm_probability: float  # per occupancy, from the threshold
    nuclides: tuple[str, ...] = ()
    provenance: Provenance | None = None
    detectors: tuple[tuple[str, float, float], ...] = field(default=())  # name, rate, sigma
