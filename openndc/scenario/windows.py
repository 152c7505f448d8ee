"""Scenario data made on demand, window by window: a waveform source with no archive behind it.

:func:`~openndc.scenario.make_scenario` synthesises a whole span at once (one FFT per channel
over the span) and writes it; a network-year would be ~200 GB. :class:`ScenarioSource`
instead makes the samples of any ``[start, end)`` when it is read, inside whichever process
reads it (a Dask worker, the client), and the samples of a moment do not depend on the
window that asks for them, so a span cut into windows in any way gives the same data:

- **Time grid.** Sample ``i`` of a channel at rate ``fs`` is at ``i / fs`` seconds after the
  Unix epoch (the period must be a whole number of nanoseconds: 40, 20, 1 Hz...).
- **Noise** is the same model as ``make_scenario`` (:mod:`openndc.scenario.noise`), made in
  overlapping segments anchored to that grid: segment ``k`` covers samples
  ``[k B, k B + 2 B)`` (``B`` = :data:`NOISE_BLOCK_S` seconds), seeded from (scenario seed,
  site, channel, ``k``), with its own day/night envelope and coherent array part. Two
  segments cover every sample; they are cross-faded with ``sin``/``cos`` weights, whose
  squares sum to one, so the variance (and the PSD) is kept and no segment edge is seen.
- **Events** come from the seed per UTC day (:func:`scenario_events`): day ``d``'s list is
  drawn from (seed, ``d``) alone. Each event's signals at a site are rendered once against
  an anchor on the grid (the whole minute before its origin), then added where they overlap
  the window, in the event list's order, and cut :data:`SIGNAL_LOOKBACK_S` after the origin
  (a fixed rule, so an event far in the past is cut the same way in every window).
- **Data problems** (:class:`~openndc.scenario.ScenarioConfig`) are drawn per channel and UTC
  day: a dead channel for the day, spikes (their size from the channel's nominal noise level,
  not from the data of the window) and at most one gap.

Responses are applied per noise segment and per event signal before they are summed (the
response is linear), so a full response also keeps the samples window-independent.
The truth of a span is its event list (:func:`write_window_truth`); the arrival table of
``make_scenario`` is not made (it needs every event rendered at every site).
"""

from __future__ import annotations

import bisect
import fnmatch
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from obspy import Stream, Trace, UTCDateTime

from openndc.archive import ReadResult
from openndc.model.errors import ScenarioError
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.model.inventory import ChannelInfo, MonitoringNetwork, Station
from openndc.scenario import noise as nz
from openndc.scenario.events import ScenarioEvent, draw_events, kazakh_day_events
from openndc.scenario.signals import SiteGeometry, plan_phases, render_site
from openndc.scenario.synth import (
    _OTHER_SENSITIVITY,
    ScenarioConfig,
    _apply_response,
    _channel_kind,
    _component,
    _seed,
    _Site,
    _sites,
    coherent_carrier,
)
from openndc.scenario.truth import _quakeml, _truth_frame
from openndc.traveltime import load_travel_times

__all__ = [
    "NOISE_BLOCK_S",
    "SIGNAL_LOOKBACK_S",
    "ScenarioSource",
    "ScenarioSpec",
    "parse_scenario_spec",
    "scenario_events",
    "write_window_truth",
]

#: Half-length [s] of the noise segments (segments are twice as long and overlap by half).
NOISE_BLOCK_S = 900.0
#: Signals of an event are kept up to this long [s] after its origin (infrasound at the 6 deg
#: limit arrives after ~40 min, PKP and teleseismic S within ~30 min; coda dies well before).
SIGNAL_LOOKBACK_S = 3 * 3600.0
_DAY = 86400.0
#: Constant values of state-of-health/meteorological channels [Pa, C, m/s, deg].
_OTHER_LEVEL = {"LDA": 97000.0, "LKO": 12.0, "LWS": 3.0, "LWD": 200.0}
_NS = 1_000_000_000


@dataclass(frozen=True)
class ScenarioSpec:
    """What ``--scenario`` names: ``kind`` ``"draw"`` (Poisson events of the network's source
    regions, :func:`~openndc.scenario.draw_events`) or ``"kazakh-day"`` (the built-in day,
    :func:`~openndc.scenario.kazakh_day_events`, every day with its own seed), and the seed."""

    kind: str
    seed: int

    def __str__(self) -> str:
        return f"{self.kind}:{self.seed}"


def parse_scenario_spec(text: str) -> ScenarioSpec:
    """``SEED``, ``draw:SEED`` or ``kazakh-day:SEED`` (``kazakh-day`` alone: seed 0)."""
    kind, _, seed_text = text.strip().rpartition(":")
    if not kind and seed_text == "kazakh-day":
        kind, seed_text = seed_text, "0"
    kind = kind or "draw"
    if kind not in ("draw", "kazakh-day") or not seed_text.isdigit():
        raise ScenarioError(
            f"cannot read scenario {text!r}: use a seed (e.g. 42), draw:SEED or kazakh-day:SEED"
        )
    return ScenarioSpec(kind, int(seed_text))


def _day_index(t: UTCDateTime) -> int:
    return math.floor(t.timestamp / _DAY)


def scenario_events(
    network: MonitoringNetwork, start: UTCDateTime, end: UTCDateTime, spec: ScenarioSpec
) -> list[ScenarioEvent]:
    """The events of every UTC day that ``[start, end)`` touches, in time order.

    Day ``d`` (days since 1970-01-01) depends only on ``spec`` and ``d``: ``draw`` draws it
    with the generator seeded ``(seed, 11, d)``; ``kazakh-day`` is the built-in day with the
    seed ``(seed * 1000003 + d) mod 2^32``. Ids are unique (they carry the date)."""
    out: list[ScenarioEvent] = []
    for d in range(_day_index(start), _day_index(end - 1e-6) + 1):
        t0 = UTCDateTime(d * _DAY)
        if spec.kind == "kazakh-day":
            out += kazakh_day_events(t0, (spec.seed * 1_000_003 + d) % 2**32)
        else:
            out += draw_events(network, t0, _DAY, np.random.default_rng([spec.seed, 11, d]))
    out.sort(key=lambda e: (e.time, e.id))
    return out


def _period_ns(fs: float) -> int:
    p = round(_NS / fs)
    if p <= 0 or abs(p * fs - _NS) > 1e-3:
        raise ScenarioError(
            f"sample rate {fs} Hz: scenario windows need a period that is a whole number of "
            "nanoseconds (e.g. 40, 20 or 1 Hz); set the channel's rate in the inventory"
        )
    return p


def _match(value: str, pattern: str) -> bool:
    return any(fnmatch.fnmatchcase(value, p.strip()) for p in pattern.split(","))


@dataclass(frozen=True)
class ScenarioSource:
    """A waveform source (``read(start, end) -> ReadResult``) that synthesises the scenario.

    ``network`` must already carry rates and responses
    (:func:`~openndc.scenario.synthetic_network`); ``events`` sorted by time (from
    :func:`scenario_events`); ``station``/``channel``: fnmatch patterns (comma lists) that
    restrict what a read makes (the pipeline narrows them per stage). Picklable: a Dask
    worker gets it once and makes its windows itself."""

    network: MonitoringNetwork
    events: tuple[ScenarioEvent, ...]
    seed: int
    config: ScenarioConfig = field(default_factory=ScenarioConfig)
    station: str = "*"
    channel: str = "*"

    def read(self, start: UTCDateTime, end: UTCDateTime) -> ReadResult:
        start, end = UTCDateTime(start), UTCDateTime(end)
        stream = Stream()
        if end <= start:
            return ReadResult(stream)
        for site in _cached_sites(self.network):
            chans = [
                (k, st, ch)
                for k, st in enumerate(site.stations)
                if _match(st.code, self.station)
                for ch in st.channels
                if _match(ch.code, self.channel)
            ]
            if chans:
                stream += _site_window(self, site, chans, start, end)
        return ReadResult(stream)


_sites_cache: dict[int, tuple[MonitoringNetwork, list[_Site]]] = {}


def _cached_sites(network: MonitoringNetwork) -> list[_Site]:
    """The network's sites (arrays and single stations), kept per network object."""
    hit = _sites_cache.get(id(network))
    if hit is None or hit[0] is not network:
        _sites_cache.clear()
        hit = _sites_cache[id(network)] = (network, _sites(network))
    return hit[1]


def _event_times(events: tuple[ScenarioEvent, ...]) -> list[float]:
    return [e.time.timestamp for e in events]


_times_cache: dict[int, tuple[tuple[ScenarioEvent, ...], list[float]]] = {}


def _events_near(
    events: tuple[ScenarioEvent, ...], start: UTCDateTime, end: UTCDateTime
) -> list[ScenarioEvent]:
    """Events whose origin is in ``[start - SIGNAL_LOOKBACK_S, end)``."""
    cached = _times_cache.get(id(events))
    if cached is None or cached[0] is not events:
        cached = (events, _event_times(events))
        _times_cache.clear()
        _times_cache[id(events)] = cached
    times = cached[1]
    a = bisect.bisect_left(times, start.timestamp - SIGNAL_LOOKBACK_S)
    b = bisect.bisect_left(times, end.timestamp)
    return list(events[a:b])


_tapers: dict[int, npt.NDArray[np.float64]] = {}


def _taper(b: int) -> npt.NDArray[np.float64]:
    """``sin(pi (u + 1/2) / 2b)`` for ``u`` in ``[0, 2b)``: the cross-fade of two segments
    (``w(u)^2 + w(u + b)^2 = 1``)."""
    if b not in _tapers:
        u = np.arange(2 * b, dtype=np.float64)
        _tapers[b] = np.sin(np.pi * (u + 0.5) / (2 * b))
    return _tapers[b]


def _site_window(
    src: ScenarioSource,
    site: _Site,
    chans: Sequence[tuple[int, Station, ChannelInfo]],
    start: UTCDateTime,
    end: UTCDateTime,
) -> Stream:
    cfg = src.config
    base = [src.seed, _seed(site.network + "." + site.code)]
    rng_site = np.random.default_rng([*base, 1])
    quiet = len(site.stations) > 1 or bool(rng_site.uniform() < 0.5)
    site_noise = nz.draw_site_noise(rng_site, quiet)
    micro_baz = float(rng_site.uniform(0, 360))
    p1 = 10.0 ** float(np.random.default_rng([*base, 3]).uniform(-4, -2))
    # per channel: sample range [i0, i1) on the absolute grid
    info = []
    for k, st, ch in chans:
        kind = _channel_kind(ch.code)
        rate = float(ch.sample_rate_hz or 40.0)
        per = _period_ns(rate)
        i0 = -(-start.ns // per)
        i1 = -(-end.ns // per)
        if i1 <= i0:
            continue
        info.append((k, st, ch, kind, _component(ch, kind), rate, per, i0, i1))
    data: dict[str, npt.NDArray[np.float64]] = {}
    block_of: dict[float, int] = {}
    shapers: dict[tuple[float, str], nz.NoiseShaper] = {}
    coherent: dict[tuple[float, bool, int], npt.NDArray[np.complex64]] = {}
    nominal: dict[str, float] = {}  # noise standard deviation [counts]
    envelopes: dict[tuple[float, int], npt.NDArray[np.float32]] = {}  # the site's, per segment
    for k, st, ch, kind, comp, rate, _per, i0, i1 in info:
        key = f"{st.network}.{st.code}.{ch.location}.{ch.code}"
        sens = float(ch.sensitivity or _OTHER_SENSITIVITY)
        if kind == "other":
            # state-of-health/met values (pressure, temperature, wind): a constant level
            data[key] = np.full(i1 - i0, _OTHER_LEVEL.get(ch.code, 0.0) * sens)
            continue
        b = block_of.setdefault(rate, round(NOISE_BLOCK_S * rate))
        horizontal = comp is not None and comp.startswith("H")
        skey = (rate, "pressure" if kind == "pressure" else ("h" if horizontal else "z"))
        if skey not in shapers:
            freqs = np.fft.rfftfreq(2 * b, 1.0 / rate)
            if kind == "pressure":
                shapers[skey] = nz.NoiseShaper(2 * b, rate, nz.infrasound_psd(freqs, p1), "direct")
            else:
                psd = nz.model_psd(freqs, site_noise, horizontal=horizontal)
                shapers[skey] = nz.NoiseShaper(2 * b, rate, psd)
        shaper = shapers[skey]
        level = cfg.noise_scale * 10.0 ** (
            np.random.default_rng([*base, 6, _seed(key)]).normal(0.0, 1.0) / 20.0
        )
        delay = 0.0
        array_noise = len(site.stations) > 1 and kind != "pressure"
        if array_noise:
            e, nn = site.offsets_km[k]
            br = math.radians(micro_baz)
            delay = -nz.MICROSEISM_SLOWNESS * (e * math.sin(br) + nn * math.cos(br))
        nominal[key] = float(np.sqrt(2.0 * np.sum(shaper.amp.astype(np.float64) ** 2)))
        nominal[key] *= level * sens / shaper.n
        out = np.zeros(i1 - i0, dtype=np.float64)
        taper = _taper(b)
        for seg in range(i0 // b - 1, (i1 - 1) // b + 1):
            s0 = seg * b  # first sample of the segment
            lo, hi = max(i0, s0), min(i1, s0 + 2 * b)
            if hi <= lo:
                continue
            t_seg = UTCDateTime(ns=s0 * _per)
            env = envelopes.get((rate, seg))
            if env is None:
                env = envelopes[(rate, seg)] = nz.diurnal_envelope(
                    2 * b, rate, t_seg, site.longitude, site_noise.diurnal_db
                )
            coh = None
            if array_noise:
                ck = (rate, horizontal, seg)
                if ck not in coherent:
                    coherent[ck] = coherent_carrier(
                        [*base, 4, int(rate * 1000), int(horizontal), seg], shaper.m_coh
                    )
                coh = coherent[ck]
            rng = np.random.default_rng([*base, 2, _seed(key), seg])
            x = shaper.series(rng, envelope=env, coherent=coh, delay=delay).astype(np.float64)
            x = _apply_response(x * level, rate, ch, sens)
            out[lo - i0 : hi - i0] += (x * taper)[lo - s0 : hi - s0]
        data[key] = out
    _add_signals(src, site, info, base, data, start, end)
    stream = Stream()
    for _k, st, ch, kind, _comp, rate, per, i0, i1 in info:
        key = f"{st.network}.{st.code}.{ch.location}.{ch.code}"
        counts = data[key]
        pieces = [(0, i1 - i0)]
        if cfg.artifacts and kind != "other":
            pieces = _artifacts(src.config, src.seed, key, counts, rate, per, (i0, i1),
                                nominal.get(key, 1.0))  # fmt: skip
        ints = np.clip(np.rint(counts), -(2**31) + 1, 2**31 - 1).astype(np.int32)
        for a, b_ in pieces:
            if b_ <= a:
                continue
            tr = Trace(ints[a:b_].copy())
            tr.stats.network, tr.stats.station = st.network, st.code
            tr.stats.location, tr.stats.channel = ch.location, ch.code
            tr.stats.sampling_rate = rate
            tr.stats.starttime = UTCDateTime(ns=(i0 + a) * per)
            stream += tr
    return stream


def _add_signals(
    src: ScenarioSource,
    site: _Site,
    info: Sequence[tuple[int, Station, ChannelInfo, str, str | None, float, int, int, int]],
    base: list[int],
    data: dict[str, npt.NDArray[np.float64]],
    start: UTCDateTime,
    end: UTCDateTime,
) -> None:
    """Add the signals of the events that reach ``[start, end)`` at ``site``."""
    events = _events_near(src.events, start, end)
    if not events:
        return
    tt = load_travel_times(src.config.travel_times)
    by_key = {f"{st.network}.{st.code}.{ch.location}.{ch.code}": row for row in info
              for _k, st, ch, *_ in [row]}  # fmt: skip
    geom_channels = tuple(
        tuple(
            (f"{st.network}.{st.code}.{ch.location}.{ch.code}", comp, rate)
            for kk, st, ch, _kind, comp, rate, *_ in info
            if kk == k and comp is not None
        )
        for k in range(len(site.stations))
    )
    if not any(geom_channels):
        return
    for ev in events:
        dist, _az, baz = distance_azimuth(ev.latitude, ev.longitude, site.latitude, site.longitude)
        d = float(dist)
        phases = plan_phases(ev, d, tt, kind=site.kind)
        if not phases:
            continue
        t_first = min(p.travel_time for p in phases)
        t_last = max(p.travel_time + p.rise + 6.0 * p.tau for p in phases)
        if ev.time + t_first - 60.0 >= end or ev.time + t_last + 60.0 < start:
            continue
        anchor = UTCDateTime(math.floor((ev.time.timestamp - 60.0) / 60.0) * 60)
        cut = ev.time + SIGNAL_LOOKBACK_S
        n_big = {r: round((t_last + 3600.0) * r) for *_, r, _p, _a, _b in info}
        hypo = math.hypot(d * DEG_KM, ev.depth_km)
        geom = SiteGeometry(d, float(baz), hypo, site.offsets_km, geom_channels)
        wseed = _seed(ev.waveform_seed or ev.id)
        rendered = render_site(ev, phases, geom, anchor, n_big, [*base, 5, wseed])
        for elem in rendered.traces.values():
            for key, (j0, x) in elem.items():
                _k, _st, ch, _kind, _comp, rate, per, i0, i1 = by_key[key]
                if not np.all(np.isfinite(x)):
                    continue
                a_idx = anchor.ns // per + j0  # absolute index of x[0]
                last = -(-cut.ns // per)  # first absolute index not kept
                lo, hi = max(i0, a_idx), min(i1, a_idx + len(x), last)
                if hi <= lo:
                    continue
                sens = float(ch.sensitivity or _OTHER_SENSITIVITY)
                y = _apply_response(np.asarray(x, dtype=np.float64), rate, ch, sens)
                data[key][lo - i0 : hi - i0] += y[lo - a_idx : hi - a_idx]


def _artifacts(
    cfg: ScenarioConfig,
    seed: int,
    key: str,
    counts: npt.NDArray[np.float64],
    rate: float,
    per: int,
    span: tuple[int, int],
    nominal: float,
) -> list[tuple[int, int]]:
    """Dead days, spikes and gaps of ``key`` in samples ``span = [i0, i1)`` (``counts``
    changed in place); the pieces of data left, relative to ``i0``. Spikes are 50-500 times
    ``nominal``, the channel's noise standard deviation [counts] from its model."""
    i0, i1 = span
    holes: list[tuple[int, int]] = []
    t0_ns, t1_ns = i0 * per, i1 * per
    for d in range(math.floor(t0_ns / _NS / _DAY), math.floor((t1_ns - 1) / _NS / _DAY) + 1):
        rng = np.random.default_rng([seed, _seed(key), 9, d])
        day0 = round(d * _DAY * rate)  # first sample of the day
        day1 = round((d + 1) * _DAY * rate)
        if rng.uniform() < cfg.dead_probability:
            lo, hi = max(i0, day0), min(i1, day1)
            if hi > lo:
                counts[lo - i0 : hi - i0] = 0.0
            continue
        for _ in range(int(rng.poisson(cfg.spikes_per_day))):
            j = day0 + int(rng.integers(day1 - day0))
            size = float(rng.choice([-1, 1])) * nominal * float(rng.uniform(50, 500))
            if i0 <= j < i1:
                counts[j - i0] += size
        if rng.uniform() < cfg.gap_probability:
            length = round(float(rng.uniform(30.0, 1200.0)) * rate)
            a = day0 + int(rng.integers(0, day1 - day0 - length))
            holes.append((a, a + length))
    pieces: list[tuple[int, int]] = []
    pos = i0
    for a, b in sorted(holes):
        if b <= pos or a >= i1:
            continue
        if a > pos:
            pieces.append((pos - i0, a - i0))
        pos = max(pos, b)
    if pos < i1:
        pieces.append((pos - i0, i1 - i0))
    return pieces


def write_window_truth(out_dir: str | Path, events: Sequence[ScenarioEvent]) -> list[Path]:
    """The truth of a windowed scenario: ``truth.csv`` (bulletin CSV columns, what
    ``openndc score`` and the training scorer read) and ``truth.xml`` (QuakeML) in
    ``out_dir``."""
    import pandas as pd

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "truth.csv", out / "truth.xml"]
    _truth_frame(list(events)).to_csv(paths[0], index=False)
    _quakeml(list(events), pd.DataFrame(columns=["event_id"])).write(
        str(paths[1]), format="QUAKEML"
    )
    return paths
