"""Configuration schemas of template building and template matching (units and help on every field).

Defaults follow EQcorrscan's practice for local microearthquakes (Chamberlain et al. 2018,
SRL 89(1), doi:10.1785/0220170151): band-pass a few Hz to ~15 Hz, a few seconds of waveform
starting just before each P (vertical) and S (horizontal) pick, a MAD threshold of 8 on the
network-stacked correlation and one detection per trigger interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openndc.model.config import field_
from openndc.model.errors import ConfigError

__all__ = ["MatchConfig", "TemplateConfig"]


@dataclass(frozen=True)
class TemplateConfig:
    """How templates are cut from located events with picks."""

    freq_min: float = field_(2.0, unit="Hz", help="band-pass lower corner")
    freq_max: float = field_(15.0, unit="Hz", help="band-pass upper corner (< rate / 2)")
    filter_corners: int = field_(4, help="Butterworth order, applied zero-phase")
    sampling_rate: float = field_(
        50.0, unit="Hz", help="rate templates and continuous data are compared at"
    )
    length: float = field_(3.0, unit="s", help="template window length per channel")
    prepick: float = field_(0.2, unit="s", help="window start before the pick")
    phases: tuple[str, ...] = field_(
        ("P", "S"), help="pick phases (first letter) that make windows"
    )
    p_components: str = field_("Z", help="channel components (last letter) cut on P picks")
    s_components: str = field_("NE12", help="channel components (last letter) cut on S picks")
    channel_priority: tuple[str, ...] = field_(
        ("HH", "EH", "SH", "BH", "HN", "EL", "SL"),
        help="band+instrument codes, most preferred first, when a station has several for a "
        "component (others after these, alphabetically)",
    )
    pad: float = field_(
        20.0, unit="s", help="data read and filtered around the windows (filter warm-up)"
    )
    min_snr: float = field_(
        0.0, help="drop channels whose window RMS / RMS of the `length` before it is lower (0: off)"
    )
    min_channels: int = field_(2, help="templates with fewer usable channels are not made")

    def __post_init__(self) -> None:
        if not 0 < self.freq_min < self.freq_max:
            raise ConfigError(
                f"template band {self.freq_min}-{self.freq_max} Hz: need 0 < freq_min < freq_max"
            )
        if not self.freq_max < 0.5 * self.sampling_rate:
            raise ConfigError(
                f"template freq_max {self.freq_max} Hz is not below the Nyquist frequency of "
                f"sampling_rate {self.sampling_rate} Hz: lower freq_max or raise the rate"
            )
        if not (self.length > 0 and self.prepick >= 0 and self.prepick < self.length):
            raise ConfigError(
                f"template length {self.length} s / prepick {self.prepick} s: need "
                "length > 0 and 0 <= prepick < length"
            )
        if self.min_channels < 1:
            raise ConfigError(f"template min_channels {self.min_channels} must be >= 1")


@dataclass(frozen=True)
class MatchConfig:
    """How continuous data are scanned with templates."""

    threshold_type: Literal["MAD", "absolute", "av_chan_corr"] = field_(
        "MAD",
        help="'MAD': threshold x median(|stacked cc|) over the scanned block (EQcorrscan's MAD); "
        "'absolute': the stacked cc itself; 'av_chan_corr': threshold x number of channels",
    )
    threshold: float = field_(8.0, help="threshold value (meaning set by threshold_type)")
    trigger_interval: float = field_(
        2.0, unit="s", help="one detection per template within this interval, the highest wins"
    )
    polarity: Literal["positive", "both"] = field_(
        "positive",
        help="'positive': detect peaks of the stacked cc; 'both': of |cc| (EQcorrscan's "
        "behaviour: polarity-reversed matches count too)",
    )
    cross_template_interval: float = field_(
        0.0,
        unit="s",
        help="keep one detection over all templates within this interval of origin time, the "
        "highest mean correlation wins (0: every template keeps its own)",
    )
    block_length: float = field_(
        3600.0,
        unit="s",
        help="continuous data are scanned in blocks of this length (the MAD is per block)",
    )
    shift_length: float = field_(
        0.2, unit="s", help="lag refinement of picks: search +-this around the network lag"
    )
    pick_min_correlation: float = field_(
        0.3, help="a channel's refined pick is kept when its correlation reaches this"
    )
    magnitude_min_correlation: float = field_(
        0.4, help="channels at or above this correlation give amplitude ratios"
    )
    fft_length: int = field_(
        0,
        help="FFT length of the correlation (a power of two; 0: chosen from the template span)",
    )
    workers: int = field_(0, help="threads of the FFTs (0: all CPUs)")
    device: Literal["cpu", "array", "gpu"] = field_(
        "cpu",
        help="where the correlation runs: 'cpu' (numba kernels and threaded FFTs), 'array' "
        "(the array-namespace path on NumPy), 'gpu' (the same path on CuPy and a CUDA "
        "device; needs CuPy)",
    )

    def __post_init__(self) -> None:
        if not self.threshold > 0:
            raise ConfigError(f"match threshold {self.threshold} must be > 0")
        if not self.trigger_interval >= 0:
            raise ConfigError(f"match trigger_interval {self.trigger_interval} s must be >= 0")
        if not self.block_length > 0:
            raise ConfigError(f"match block_length {self.block_length} s must be > 0")
        if self.fft_length and self.fft_length & (self.fft_length - 1):
            raise ConfigError(f"match fft_length {self.fft_length} is not a power of two (or 0)")
        if self.device not in ("cpu", "array", "gpu"):
            raise ConfigError(f"match device {self.device!r}: use 'cpu', 'array' or 'gpu'")
