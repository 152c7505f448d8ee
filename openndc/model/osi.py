"""On-site-inspection vocabulary: templates and what template matching detects.

A *template* is a located event's waveforms cut around its picks, per channel; template
matching scans continuous data for windows that correlate with it. A detection's origin
time is the template's origin time plus the lag of the best network-stacked correlation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from obspy import UTCDateTime

from openndc.model.provenance import Provenance

__all__ = ["TemplateChannel", "TemplateDetection", "TemplateInfo", "TemplatePick"]


@dataclass(frozen=True, slots=True)
class TemplateChannel:
    """One channel of a template: its SEED id, the phase it is cut on and its timing.

    ``pick_time`` is the template event's pick on this channel; ``offset`` [s] is the
    template window's start minus the template event's origin time (the move-out used to
    stack channels); ``length`` [s] the window length.
    """

    seed_id: str
    phase: str
    pick_time: UTCDateTime
    offset: float
    length: float


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """A template's metadata (its waveforms are stored beside it as miniSEED).

    ``latitude``/``longitude`` [deg], ``depth_km`` [km] and ``magnitude`` are the template
    event's; ``freq_min``/``freq_max`` [Hz] the band and ``sampling_rate`` [Hz] the rate
    the template and the continuous data are compared at.
    """

    name: str
    event_id: str
    origin_time: UTCDateTime
    latitude: float
    longitude: float
    depth_km: float
    magnitude: float | None
    freq_min: float
    freq_max: float
    sampling_rate: float
    channels: tuple[TemplateChannel, ...]
    provenance: Provenance | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TemplatePick:
    """A lag-refined pick of a detection on one channel.

    ``time`` is the template's pick plus the detection's lag plus this channel's refined
    lag; ``correlation`` is the channel's normalised cross-correlation at that lag.
    """

    seed_id: str
    phase: str
    time: UTCDateTime
    correlation: float


@dataclass(frozen=True, slots=True)
class TemplateDetection:
    """One detection by one template.

    ``origin_time`` = the template's origin time + the lag of the network peak;
    ``network_correlation`` is the stacked normalised correlation (sum over channels) at
    the peak, ``mean_correlation`` that sum divided by ``n_channels``; ``threshold`` the
    MAD threshold it exceeded (same units as ``network_correlation``);
    ``relative_magnitude`` the template's magnitude plus log10 of the median amplitude
    ratio (None when the template has no magnitude).
    """

    template: str
    origin_time: UTCDateTime
    network_correlation: float
    mean_correlation: float
    threshold: float
    n_channels: int
    relative_magnitude: float | None = None
    amplitude_ratio: float | None = None
    picks: tuple[TemplatePick, ...] = ()
    provenance: Provenance | None = field(default=None, compare=False, repr=False)
