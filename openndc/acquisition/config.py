"""Configuration schema of acquisition and state of health (units and help on every field).

Latency thresholds follow IDC practice for primary stations (data good when at most 2 min
late, marginal up to 5 min); the other thresholds are operator settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from openndc.model.config import field_
from openndc.model.errors import ConfigError

__all__ = ["AcquisitionConfig", "SohConfig", "StreamSpec", "parse_streams"]


@dataclass(frozen=True)
class StreamSpec:
    """One stream selection ``NET_STA:LOC.CHA`` (fnmatch wildcards in every code)."""

    network: str
    station: str
    location: str = "*"
    channel: str = "*"

    @classmethod
    def parse(cls, text: str) -> StreamSpec:
        """``KZ_MKAR:*.BHZ``, ``KZ_MK*`` (all channels), ``*_*:00.BH?``."""
        t = text.strip()
        head, _, tail = t.partition(":")
        net, sep, sta = head.partition("_")
        if not sep or not net or not sta:
            raise ConfigError(
                f"stream {text!r}: use NET_STA:LOC.CHA, e.g. KZ_MKAR:*.BHZ or KZ_MKAR (all)"
            )
        loc, cha = "*", "*"
        if tail:
            if "." not in tail:
                raise ConfigError(f"stream {text!r}: after ':' give LOC.CHA, e.g. *.BHZ or 00.BH?")
            loc, _, cha = tail.partition(".")
            loc = loc.replace("-", "")
        return cls(net, sta, loc, cha or "*")

    @property
    def station_id(self) -> str:
        return f"{self.network}_{self.station}"

    def matches(self, network: str, station: str, location: str, channel: str) -> bool:
        return (
            fnmatchcase(network, self.network)
            and fnmatchcase(station, self.station)
            and fnmatchcase(location, self.location)
            and fnmatchcase(channel, self.channel)
        )

    def selector(self) -> str | None:
        """The SeedLink 3 selector (``[LL]CCC``), None for all channels of the station."""
        if self.location == "*" and self.channel == "*":
            return None
        cha = self.channel if len(self.channel) == 3 else (self.channel + "???")[:3]
        if "*" in cha:
            cha = cha.replace("*", "?")
        if self.location == "*":
            return cha
        return (self.location or "--").ljust(2, "?")[:2] + cha


def parse_streams(text: str | tuple[str, ...]) -> tuple[StreamSpec, ...]:
    """Comma-separated stream selections (or a tuple of them)."""
    items = text.split(",") if isinstance(text, str) else list(text)
    specs = tuple(StreamSpec.parse(x) for x in items if x.strip())
    if not specs:
        raise ConfigError("no stream selected: give e.g. --streams 'KZ_MKAR:*.BHZ,KZ_*'")
    return specs


@dataclass(frozen=True)
class SohConfig:
    """State-of-health thresholds per channel."""

    latency_good: float = field_(120.0, unit="s", help="latency at most this is good (IDC: 2 min)")
    latency_marginal: float = field_(
        300.0, unit="s", help="latency at most this is marginal (IDC: 5 min); above: bad"
    )
    window: float = field_(3600.0, unit="s", help="window for availability and gap counts")
    gap_tolerance: float = field_(1.5, unit="samples", help="a jump larger than this is a gap")
    clip_counts: float = field_(
        8_388_607.0, unit="counts", help="|sample| at or above this is clipped (24-bit: 2^23-1)"
    )
    flat_std: float = field_(0.0, unit="counts", help="record std at or below this is flat/dead")
    noisy_rms: float = field_(
        1.0e6, unit="counts", help="record rms (after mean removal) above this is noisy"
    )
    timing_quality_min: int = field_(
        50, unit="%", help="blockette 1001 timing quality below this is flagged"
    )
    history_interval: float = field_(
        60.0, unit="s", help="period of SOH rows written to the database"
    )


@dataclass(frozen=True)
class AcquisitionConfig:
    """Where data come from and how they are kept."""

    seedlink: tuple[str, ...] = field_((), help="SeedLink servers HOST:PORT")
    streams: tuple[str, ...] = field_(("*_*",), help="stream selections NET_STA:LOC.CHA")
    protocol: str = field_("auto", help="SeedLink protocol: auto (4 when offered), 3 or 4")
    reconnect_min: float = field_(1.0, unit="s", help="first reconnect delay (doubles each try)")
    reconnect_max: float = field_(60.0, unit="s", help="longest reconnect delay")
    idle_timeout: float = field_(300.0, unit="s", help="reconnect when no data came for this long")
    state_interval: float = field_(
        1.0, unit="s", help="how often archive is fsynced and state saved"
    )
    disk_retry: float = field_(5.0, unit="s", help="retry period while the disk is full")
    backfill_window: float = field_(
        86400.0, unit="s", help="at start, backfill at most this far back from now"
    )
    soh: SohConfig = field_(SohConfig(), help="state-of-health thresholds")
