"""Aftershock sequences of an underground explosion: the truth of an OSI scenario.

The rate of aftershocks of magnitude >= M at time t [days] after a mainshock of magnitude
Mm follows Reasenberg & Jones (1989, Science 243, 1173-1176), which joins the
Gutenberg-Richter magnitude law (Gutenberg & Richter 1944) and the modified Omori law of
Utsu (1961; Utsu, Ogata & Matsu'ura 1995, J. Phys. Earth 43, 1-33)::

    lambda(t, M) = 10 ** (a + b (Mm - M)) * (t + c) ** -p        [events/day]

with the generic California values a = -1.67, b = 0.91, p = 1.08, c = 0.05 day
(Reasenberg & Jones 1989) as defaults. Explosions are less productive than earthquakes of
the same magnitude (fewer and smaller aftershocks, concentrated around the cavity and the
collapse chimney), so scenarios lower ``productivity`` (a): it is a scenario choice,
stated in the configuration, not a measured fact. Båth's law (Båth 1965, Tectonophysics
2, 483-514: the largest aftershock is on average 1.2 units below the mainshock) bounds the
magnitudes drawn: Gutenberg-Richter truncated at ``Mm - bath_delta``.

:func:`draw_aftershocks` draws a sequence in a time span as the synthesizer's
:class:`~openndc.scenario.ScenarioEvent` list: the number from a Poisson law with the
integral of the rate, times by the inverse of the Omori-Utsu cumulative rate, magnitudes
(ML) by the inverse of the truncated Gutenberg-Richter law.

Aftershocks repeat: most belong to *families* of events a few hundred metres apart whose
waveforms are alike (which is what template matching exploits). ``families`` centres are
scattered around ground zero (Gaussian, ``horizontal_sigma_km`` per axis; depths uniform in
``[depth_min_km, depth_max_km]``); each aftershock joins one at random and lies within
``family_radius_km`` of its centre (Gaussian), sharing the family's waveform carriers in the
synthesizer (:attr:`~openndc.scenario.ScenarioEvent.waveform_seed`); a fraction
``singleton_fraction`` are lone events with waveforms of their own, placed like the centres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from obspy import UTCDateTime

from openndc.model.config import field_
from openndc.model.errors import ConfigError
from openndc.model.geodesy import DEG_KM
from openndc.scenario.events import ScenarioEvent

__all__ = [
    "AftershockConfig",
    "draw_aftershocks",
    "expected_count",
    "omori_times",
    "truncated_gr_magnitudes",
]

_DAY = 86400.0


@dataclass(frozen=True)
class AftershockConfig:
    """The aftershock sequence model (Reasenberg & Jones 1989; see the module docstring)."""

    mainshock_magnitude: float = field_(4.5, help="magnitude Mm of the mainshock (explosion)")
    productivity: float = field_(
        -1.67, help="a of Reasenberg & Jones (1989); generic California -1.67"
    )
    b_value: float = field_(0.91, help="Gutenberg-Richter b (Reasenberg & Jones generic 0.91)")
    p: float = field_(1.08, help="Omori-Utsu decay exponent p (generic 1.08)")
    c_days: float = field_(0.05, unit="day", help="Omori-Utsu time offset c (generic 0.05)")
    bath_delta: float = field_(
        1.2, help="Båth's law: largest aftershock this far below Mm (upper magnitude bound)"
    )
    min_magnitude: float = field_(-1.5, help="smallest magnitude drawn (ML)")
    horizontal_sigma_km: float = field_(
        0.5, unit="km", help="standard deviation of epicentres around ground zero, per axis"
    )
    depth_min_km: float = field_(0.1, unit="km", help="shallowest hypocentre")
    depth_max_km: float = field_(1.0, unit="km", help="deepest hypocentre")
    families: int = field_(6, help="families of repeating events (similar waveforms)")
    family_radius_km: float = field_(
        0.15, unit="km", help="standard deviation of a family's events around its centre"
    )
    singleton_fraction: float = field_(
        0.2, help="fraction of aftershocks in no family (waveforms of their own)"
    )
    event_type: str = field_("induced or triggered event", help="QuakeML type of aftershocks")

    def __post_init__(self) -> None:
        if not self.c_days > 0 or not self.p > 0 or not self.b_value > 0:
            raise ConfigError("AftershockConfig: c_days, p and b_value must be positive")
        if self.min_magnitude >= self.max_magnitude:
            raise ConfigError(
                f"AftershockConfig: min_magnitude {self.min_magnitude} is not below the "
                f"Båth bound {self.max_magnitude:g} (mainshock_magnitude - bath_delta)"
            )
        if not 0 <= self.depth_min_km <= self.depth_max_km:
            raise ConfigError("AftershockConfig: need 0 <= depth_min_km <= depth_max_km")
        if self.horizontal_sigma_km < 0 or self.family_radius_km < 0:
            raise ConfigError(
                "AftershockConfig: horizontal_sigma_km and family_radius_km must be >= 0"
            )
        if self.families < 0 or not 0 <= self.singleton_fraction <= 1:
            raise ConfigError(
                "AftershockConfig: families must be >= 0 and singleton_fraction in [0, 1]"
            )

    @property
    def max_magnitude(self) -> float:
        """Båth's-law bound: ``mainshock_magnitude - bath_delta``."""
        return self.mainshock_magnitude - self.bath_delta


def _omori_integral(t0: float, t1: float, c: float, p: float) -> float:
    """``integral (t + c)^-p dt`` from ``t0`` to ``t1`` [days]."""
    if abs(p - 1.0) < 1e-9:
        return math.log((t1 + c) / (t0 + c))
    q = 1.0 - p
    return ((t1 + c) ** q - (t0 + c) ** q) / q


def expected_count(config: AftershockConfig, t0_days: float, t1_days: float) -> float:
    """Expected number of aftershocks with magnitude in ``[min_magnitude, max_magnitude)``
    between ``t0_days`` and ``t1_days`` [days after the mainshock]."""
    if t1_days <= t0_days:
        return 0.0
    cfg = config
    n_min = 10.0 ** (cfg.productivity + cfg.b_value * (cfg.mainshock_magnitude - cfg.min_magnitude))
    n_max = 10.0 ** (cfg.productivity + cfg.b_value * (cfg.mainshock_magnitude - cfg.max_magnitude))
    return (n_min - n_max) * _omori_integral(t0_days, t1_days, cfg.c_days, cfg.p)


def omori_times(u: np.ndarray, t0_days: float, t1_days: float, c: float, p: float) -> np.ndarray:
    """Times [days] in ``[t0_days, t1_days]`` distributed as ``(t + c)^-p``, from uniform
    deviates ``u`` in [0, 1) (inverse of the cumulative rate)."""
    u = np.asarray(u, dtype=np.float64)
    if abs(p - 1.0) < 1e-9:
        return np.asarray((t0_days + c) * ((t1_days + c) / (t0_days + c)) ** u - c)
    q = 1.0 - p
    a, b = (t0_days + c) ** q, (t1_days + c) ** q
    return np.asarray((a + u * (b - a)) ** (1.0 / q) - c)


def truncated_gr_magnitudes(u: np.ndarray, m_min: float, m_max: float, b: float) -> np.ndarray:
    """Magnitudes in ``[m_min, m_max)`` following Gutenberg-Richter with ``b``, from
    uniform deviates ``u`` in [0, 1) (inverse of the truncated cumulative law)."""
    u = np.asarray(u, dtype=np.float64)
    span = 1.0 - 10.0 ** (-b * (m_max - m_min))
    return np.asarray(m_min - np.log10(1.0 - u * span) / b)


def draw_aftershocks(
    latitude: float,
    longitude: float,
    mainshock_time: UTCDateTime,
    start: UTCDateTime,
    end: UTCDateTime,
    seed: int,
    config: AftershockConfig | None = None,
    *,
    id_prefix: str = "as",
) -> list[ScenarioEvent]:
    """The aftershocks of a mainshock at ground zero (``latitude``, ``longitude`` [deg],
    ``mainshock_time``) that occur in ``[start, end)``, sorted by time; family members
    carry their family in ``region`` and ``waveform_seed``.

    Every draw comes from ``seed``, so a seed gives the same sequence. Ids are
    ``{id_prefix}{n:05d}`` in time order.
    """
    cfg = config or AftershockConfig()
    if end <= start:
        raise ConfigError(f"aftershock span {start} - {end}: end must be after start")
    if start < mainshock_time:
        raise ConfigError(
            f"aftershock span starts {start}, before the mainshock {mainshock_time}; "
            "start the span after the mainshock"
        )
    t0 = (start - mainshock_time) / _DAY
    t1 = (end - mainshock_time) / _DAY
    rng = np.random.default_rng([int(seed), 18])
    n = int(rng.poisson(expected_count(cfg, t0, t1)))
    times = np.sort(omori_times(rng.uniform(size=n), t0, t1, cfg.c_days, cfg.p))
    mags = truncated_gr_magnitudes(
        rng.uniform(size=n), cfg.min_magnitude, cfg.max_magnitude, cfg.b_value
    )
    east = rng.normal(0.0, cfg.horizontal_sigma_km, size=n)
    north = rng.normal(0.0, cfg.horizontal_sigma_km, size=n)
    depth = rng.uniform(cfg.depth_min_km, cfg.depth_max_km, size=n)
    # families: centres like lone events; members scattered around their centre
    k = cfg.families
    fam_rng = np.random.default_rng([int(seed), 19])
    centre = np.column_stack(
        [
            fam_rng.normal(0.0, cfg.horizontal_sigma_km, size=k),
            fam_rng.normal(0.0, cfg.horizontal_sigma_km, size=k),
            fam_rng.uniform(cfg.depth_min_km, cfg.depth_max_km, size=k),
        ]
    )
    member = fam_rng.integers(0, max(k, 1), size=n)
    lone = fam_rng.uniform(size=n) < cfg.singleton_fraction if k else np.ones(n, dtype=bool)
    jitter = fam_rng.normal(0.0, cfg.family_radius_km, size=(n, 3))
    for i in np.flatnonzero(~lone):
        c = centre[member[i]]
        east[i], north[i] = c[0] + jitter[i, 0], c[1] + jitter[i, 1]
        depth[i] = min(max(c[2] + jitter[i, 2], cfg.depth_min_km), cfg.depth_max_km)
    coslat = max(math.cos(math.radians(latitude)), 1e-6)
    events = []
    for i in range(n):
        t = mainshock_time + round(float(times[i]) * _DAY, 3)
        t = min(max(t, start), end - 0.001)
        events.append(
            ScenarioEvent(
                time=t,
                latitude=round(latitude + float(north[i]) / DEG_KM, 6),
                longitude=round(longitude + float(east[i]) / (DEG_KM * coslat), 6),
                depth_km=round(float(depth[i]), 3),
                ml=round(float(mags[i]), 2),
                event_type=cfg.event_type,
                id=f"{id_prefix}{i + 1:05d}",
                region="aftershock" if lone[i] else f"aftershock family {member[i] + 1}",
                waveform_seed="" if lone[i] else f"{id_prefix}-family-{member[i] + 1}",
            )
        )
    return events
