"""``make_scenario``: a network's waveforms with known truth, written as SDS + StationXML + truth.

Per site (an array with all its elements, or a single station) and channel: noise
(:mod:`openndc.scenario.noise`), plus the signals of every event
(:mod:`openndc.scenario.signals`), in ground velocity [m/s] (pressure [Pa] for infrasound),
converted to counts by the channel's response (a flat velocity response with the
sensitivities of :data:`DEFAULT_SENSITIVITY` where the inventory has none), with data
problems injected (spikes, gaps, dead channels: :class:`ScenarioConfig`), rounded to int32 and
written as Steim2 miniSEED day files through :class:`openndc.archive.SDSArchive`. Sites are
independent and are made in parallel processes; every random draw is seeded from the
scenario seed and the site/channel/event, so the result does not depend on the order.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import time
import warnings
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from obspy import Stream, Trace, UTCDateTime
from obspy.core.inventory.response import Response

from openndc.archive import SDSArchive
from openndc.inventory import write_stationxml
from openndc.model.errors import ScenarioError
from openndc.model.event import Event
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.model.inventory import ChannelInfo, MonitoringNetwork, Station
from openndc.scenario import noise as nz
from openndc.scenario.events import ScenarioEvent, complete_magnitudes, draw_events
from openndc.scenario.signals import SiteGeometry, plan_phases, render_site
from openndc.scenario.truth import (
    TRUTH_ARRIVAL_COLUMNS,
    InjectedProblem,
    truth_events,
    write_truth,
)
from openndc.traveltime import load_travel_times

__all__ = [
    "DEFAULT_SENSITIVITY",
    "ScenarioConfig",
    "ScenarioTruth",
    "make_scenario",
    "synthetic_network",
]

log = logging.getLogger(__name__)

#: Overall sensitivities given to channels without a response, by the SEED band+instrument
#: code prefix: [counts/(m/s)] for seismometers (short-period ~ a GS-13 with a 24-bit
#: digitizer, broadband ~ an STS-2), [counts/Pa] for microbarometers, [counts/unit] else.
DEFAULT_SENSITIVITY: dict[str, float] = {
    "SH": 4.0e9, "EH": 4.0e9, "HH": 1.5e9, "BH": 1.5e9, "LH": 1.5e9, "VH": 1.5e9,
    "BD": 8.0e3, "HD": 8.0e3, "SD": 8.0e3,
}  # fmt: skip
_OTHER_SENSITIVITY = 100.0


@dataclass(frozen=True)
class ScenarioConfig:
    """Data problems injected, per channel and day: ``spikes_per_day`` (Poisson),
    ``gap_probability`` of one gap of 30 s to 20 min, ``dead_probability`` of a flat-lined
    (dead) channel for the whole span. ``artifacts=False`` injects none. ``workers``:
    processes (default: CPUs, at most 4). ``travel_times``: table name. ``noise_scale``
    multiplies the background noise (0: signals only, for tests). ``dprk_explosion`` adds
    one explosion at the DPRK test site (mb 4.6-5.2, :data:`~openndc.scenario.DPRK_TEST_SITE`)
    to the events drawn from the seed (off by default; a prescribed event list is used as
    given)."""

    artifacts: bool = True
    spikes_per_day: float = 1.0
    gap_probability: float = 0.05
    dead_probability: float = 0.012
    workers: int | None = None
    travel_times: str = "ak135"
    noise_scale: float = 1.0
    dprk_explosion: bool = False


@dataclass
class ScenarioTruth:
    """What :func:`make_scenario` made: the events as the bulletin model's :class:`Event`
    (``events``), the input :class:`ScenarioEvent` list (``scenario_events``), the arrivals
    table (:data:`~openndc.scenario.truth.TRUTH_ARRIVAL_COLUMNS`), the synthetic network
    with its responses, the injected data problems and the output folder."""

    events: list[Event]
    arrivals: pd.DataFrame
    scenario_events: list[ScenarioEvent]
    network: MonitoringNetwork
    problems: list[InjectedProblem] = field(default_factory=list)
    out_dir: Path | None = None
    elapsed_s: float = math.nan


def _channel_kind(code: str) -> str:
    if len(code) == 3 and code[1] in "HLN":
        return "seismic"
    if len(code) == 3 and code[1] == "D":
        return "pressure"
    return "other"


def _sensitivity(code: str) -> float:
    return DEFAULT_SENSITIVITY.get(code[:2], _OTHER_SENSITIVITY)


def synthetic_network(network: MonitoringNetwork, sampling_rate: float = 40.0) -> MonitoringNetwork:
    """``network`` with every channel given a sample rate (``sampling_rate`` [Hz] where
    missing) and, where it has none, a flat response: a poles-and-zeros stage with no
    poles or zeros and gain :data:`DEFAULT_SENSITIVITY` at 1 Hz (input M/S, PA, or COUNTS)."""
    stations = []
    for st in network.stations:
        chans = []
        for ch in st.channels:
            rate = ch.sample_rate_hz or sampling_rate
            if ch.response is not None or ch.sensitivity is not None:
                chans.append(replace(ch, sample_rate_hz=rate))
                continue
            kind = _channel_kind(ch.code)
            units = {"seismic": "M/S", "pressure": "PA"}.get(kind, "COUNTS")
            sens = _sensitivity(ch.code) if kind != "other" else _OTHER_SENSITIVITY
            with warnings.catch_warnings():
                # ObsPy warns that PA/COUNTS are not motion units: expected here
                warnings.simplefilter("ignore", UserWarning)
                resp = Response.from_paz(
                    zeros=[], poles=[], stage_gain=sens, stage_gain_frequency=1.0,
                    input_units=units, output_units="COUNTS",
                )  # fmt: skip
            chans.append(
                replace(
                    ch,
                    sample_rate_hz=rate,
                    sensitivity=sens,
                    sensitivity_frequency_hz=1.0,
                    input_units=units,
                    response=resp,
                )
            )
        stations.append(replace(st, channels=tuple(chans)))
    return replace(network, stations=tuple(stations))


# --- sites -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Site:
    code: str  # array code or station code (the truth table's "station")
    network: str
    latitude: float
    longitude: float
    kind: str  # seismic | infrasound
    stations: tuple[Station, ...]
    offsets_km: npt.NDArray[np.float64]
    truth_channel: str


def _sites(network: MonitoringNetwork) -> list[_Site]:
    out: list[_Site] = []
    in_array: set[tuple[str, str]] = set()
    for arr in network.arrays:
        members = []
        for e in arr.elements:
            st = network.find_station(e.station, e.network)
            if st is not None:
                members.append(st)
                in_array.add((st.network, st.code))
        if not members:
            continue
        offs = arr.offsets_km(tuple(s.code for s in members))
        verticals = [c.code for s in members for c in s.channels if c.code.endswith("Z")]
        others = [c.code for s in members for c in s.channels]
        pool = verticals or others
        truth_ch = max(set(pool), key=pool.count) if pool else ""
        out.append(
            _Site(arr.code, arr.network, arr.reference_latitude, arr.reference_longitude,
                  "infrasound" if arr.kind == "infrasound" else "seismic", tuple(members),
                  offs, truth_ch)
        )  # fmt: skip
    for st in network.stations:
        if (st.network, st.code) in in_array:
            continue
        zs = [c.code for c in st.channels if c.code.endswith("Z")]
        kinds = {_channel_kind(c.code) for c in st.channels}
        kind = "infrasound" if kinds == {"pressure"} else "seismic"
        best = max(zs, key=lambda c: c[0] in "HBES") if zs else ""
        out.append(
            _Site(st.code, st.network, st.latitude, st.longitude, kind, (st,),
                  np.zeros((1, 2)), best)
        )  # fmt: skip
    return out


def _component(ch: ChannelInfo, kind: str) -> str | None:
    if kind == "pressure":
        return "P"
    if kind != "seismic":
        return None
    last = ch.code[-1]
    if last == "Z":
        return "Z"
    if last in "N1":
        return f"H{ch.azimuth_deg if ch.azimuth_deg is not None else 0.0:g}"
    if last in "E2":
        return f"H{ch.azimuth_deg if ch.azimuth_deg is not None else 90.0:g}"
    return None


def coherent_carrier(seed: list[int], m: int) -> np.ndarray:
    """The noise carrier shared by an array's elements: ``m`` complex normal values of unit
    power from the generator seeded with ``seed`` (the same for every element)."""
    crng = np.random.default_rng(seed)
    c = np.empty(m, dtype=np.complex64)
    c.real = crng.standard_normal(m, dtype=np.float32)
    c.imag = crng.standard_normal(m, dtype=np.float32)
    c *= np.float32(math.sqrt(0.5))
    return c


def _seed(code: str) -> int:
    return zlib.crc32(code.encode())


# --- one site --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    site: _Site
    events: tuple[ScenarioEvent, ...]
    start: UTCDateTime
    duration_s: float
    seed: int
    sds_root: str
    config: ScenarioConfig


def _other_series(
    code: str, n: int, fs: float, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """Slow state-of-health/meteorological values (LDA pressure [Pa], LKO temperature [C],
    LWS wind speed [m/s], LWD direction [deg], anything else a random walk)."""
    t = np.arange(n) / fs
    walk = np.cumsum(rng.standard_normal(n)) / math.sqrt(max(fs * 3600.0, 1.0))
    day = np.sin(2 * np.pi * t / 86400.0)
    base = {
        "LDA": 97000.0 + 150.0 * walk,
        "LKO": 12.0 + 6.0 * day + walk,
        "LWS": np.abs(3.0 + 2.0 * day + walk),
        "LWD": (200.0 + 40.0 * walk) % 360.0,
    }
    return np.asarray(base.get(code, walk), dtype=np.float64)


def _run_site(job: _Job) -> tuple[list[dict[str, object]], list[InjectedProblem]]:
    site, start, cfg = job.site, job.start, job.config
    tt = load_travel_times(cfg.travel_times)
    base = [job.seed, _seed(site.network + "." + site.code)]
    rng_site = np.random.default_rng([*base, 1])
    quiet = len(site.stations) > 1 or bool(rng_site.uniform() < 0.5)
    site_noise = nz.draw_site_noise(rng_site, quiet)
    micro_baz = float(rng_site.uniform(0, 360))
    # channels: (element index, station, channel info, kind, component, rate)
    chans: list[tuple[int, Station, ChannelInfo, str, str | None, float]] = []
    for k, st in enumerate(site.stations):
        for ch in st.channels:
            kind = _channel_kind(ch.code)
            rate = float(ch.sample_rate_hz or 40.0)
            chans.append((k, st, ch, kind, _component(ch, kind), rate))
    n_of = {r: round(job.duration_s * r) for *_, r in chans}
    data: dict[str, npt.NDArray[np.float32] | npt.NDArray[np.float64]] = {}
    envs: dict[float, npt.NDArray[np.float32]] = {}
    coherent: dict[tuple[float, bool], npt.NDArray[np.complex64]] = {}
    shapers: dict[tuple[float, str], nz.NoiseShaper] = {}
    for k, st, ch, kind, comp, rate in chans:
        key = f"{st.network}.{st.code}.{ch.location}.{ch.code}"
        n = n_of[rate]
        rng = np.random.default_rng([*base, 2, _seed(key)])
        if kind == "other":
            data[key] = _other_series(ch.code, n, rate, rng)
            continue
        if rate not in envs:
            envs[rate] = nz.diurnal_envelope(n, rate, start, site.longitude, site_noise.diurnal_db)
        horizontal = comp is not None and comp.startswith("H")
        skey = (rate, "pressure" if kind == "pressure" else ("h" if horizontal else "z"))
        if skey not in shapers:
            freqs = np.fft.rfftfreq(n, 1.0 / rate)
            if kind == "pressure":
                p1 = 10.0 ** float(np.random.default_rng([*base, 3]).uniform(-4, -2))
                shapers[skey] = nz.NoiseShaper(n, rate, nz.infrasound_psd(freqs, p1), "direct")
            else:
                psd = nz.model_psd(freqs, site_noise, horizontal=horizontal)
                shapers[skey] = nz.NoiseShaper(n, rate, psd)
        shaper = shapers[skey]
        coh = None
        delay = 0.0
        if len(site.stations) > 1 and kind != "pressure":
            ck = (rate, horizontal)
            if ck not in coherent:
                coherent[ck] = coherent_carrier(
                    [*base, 4, int(rate * 1000), int(horizontal)], shaper.m_coh
                )
            coh = coherent[ck]
            e, nn = site.offsets_km[k]
            b = math.radians(micro_baz)
            delay = -nz.MICROSEISM_SLOWNESS * (e * math.sin(b) + nn * math.cos(b))
        x = shaper.series(rng, envelope=envs[rate], coherent=coh, delay=delay)
        # element-to-element level differences (+-1 dB)
        x *= np.float32(cfg.noise_scale * 10.0 ** (rng.normal(0.0, 1.0) / 20.0))
        data[key] = x
    # signals
    rows: list[dict[str, object]] = []
    geom_channels = tuple(
        tuple(
            (f"{st.network}.{st.code}.{ch.location}.{ch.code}", comp, rate)
            for kk, st, ch, kind, comp, rate in chans
            if kk == k and comp is not None
        )
        for k in range(len(site.stations))
    )
    for ie, ev in enumerate(job.events):
        dist, _az, baz = distance_azimuth(ev.latitude, ev.longitude, site.latitude, site.longitude)
        d = float(dist)
        phases = plan_phases(ev, d, tt, kind=site.kind)
        if not phases:
            continue
        hypo = math.hypot(d * DEG_KM, ev.depth_km)
        geom = SiteGeometry(d, float(baz), hypo, site.offsets_km, geom_channels)
        wseed = _seed(ev.waveform_seed or ev.id)
        rendered = render_site(ev, phases, geom, start, n_of, [*base, 5, wseed])
        for elem in rendered.traces.values():
            for key, (i0, x) in elem.items():
                if not np.all(np.isfinite(x)):
                    log.warning("%s: non-finite signal of event %s skipped", key, ev.id)
                    continue
                arr = data[key]
                arr[i0 : i0 + len(x)] += x
        for a in rendered.arrivals:
            t = ev.time + float(a["travel_time"])  # type: ignore[arg-type]
            if not start <= t < start + job.duration_s:
                continue
            rows.append(
                {
                    "event_id": ev.id,
                    "network": site.network,
                    "station": site.code,
                    "channel": site.truth_channel,
                    "phase": a["phase"],
                    "time": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "amplitude": a["amplitude"],
                    "period": a["period"],
                    "distance": round(d, 4),
                    "backazimuth": round(float(baz), 2),
                    "slowness": round(float(a["slowness"]), 3),  # type: ignore[arg-type]
                    "group": a["group"],
                }
            )
        del ie
    problems = _write_channels(job, chans, data, n_of)
    return rows, problems


def _write_channels(
    job: _Job,
    chans: Sequence[tuple[int, Station, ChannelInfo, str, str | None, float]],
    data: dict[str, npt.NDArray[np.float32] | npt.NDArray[np.float64]],
    n_of: dict[float, int],
) -> list[InjectedProblem]:
    archive = SDSArchive(job.sds_root, reclen=4096)
    cfg = job.config
    problems: list[InjectedProblem] = []
    days = job.duration_s / 86400.0
    for _k, st, ch, _kind, _comp, rate in chans:
        key = f"{st.network}.{st.code}.{ch.location}.{ch.code}"
        x = data.pop(key)
        sens = float(ch.sensitivity or _OTHER_SENSITIVITY)
        counts = _apply_response(np.asarray(x), rate, ch, sens)
        rng = np.random.default_rng([job.seed, _seed(key), 9])
        pieces: list[tuple[int, int]] = [(0, n_of[rate])]
        if cfg.artifacts:
            counts, pieces, probs = _artifacts(counts, rate, key, job.start, days, cfg, rng)
            problems.extend(probs)
        ints = np.clip(np.rint(counts), -(2**31) + 1, 2**31 - 1).astype(np.int32)
        stream = Stream()
        for a, b in pieces:
            if b <= a:
                continue
            tr = Trace(ints[a:b])
            tr.stats.network, tr.stats.station = st.network, st.code
            tr.stats.location, tr.stats.channel = ch.location, ch.code
            tr.stats.sampling_rate = rate
            tr.stats.starttime = job.start + a / rate
            stream += tr
        archive.write(stream)
    return problems


def _apply_response(
    x: npt.NDArray[np.floating], fs: float, ch: ChannelInfo, sens: float
) -> npt.NDArray[np.float64]:
    """Ground motion [m/s or Pa] to counts: the flat sensitivity, or the full response."""
    resp = ch.response
    flat = resp is None or all(
        not getattr(s, "poles", None) and not getattr(s, "zeros", None)
        for s in resp.response_stages
    )
    if flat:
        return np.asarray(x, dtype=np.float64) * sens
    n = len(x)
    freqs = np.fft.rfftfreq(n, 1.0 / fs)
    try:
        h = resp.get_evalresp_response_for_frequencies(
            freqs, output="VEL", hide_sensitivity_mismatch_warning=True
        )
    except Exception as exc:  # ObsPy raises bare exceptions for broken responses
        log.warning("%s: response unusable (%s); flat sensitivity used", ch.code, exc)
        return np.asarray(x, dtype=np.float64) * sens
    return np.asarray(np.fft.irfft(np.fft.rfft(x) * h, n), dtype=np.float64)


def _artifacts(
    counts: npt.NDArray[np.float64],
    fs: float,
    sid: str,
    start: UTCDateTime,
    days: float,
    cfg: ScenarioConfig,
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.float64], list[tuple[int, int]], list[InjectedProblem]]:
    n = len(counts)
    problems: list[InjectedProblem] = []
    pieces = [(0, n)]
    if rng.uniform() < cfg.dead_probability * max(days, 1.0) and n:
        level = float(np.rint(np.median(counts[: min(n, 1000)])))
        counts = np.full(n, level)
        problems.append(
            InjectedProblem("dead", sid, start, start + n / fs,
                        "flat-lined channel (injected)")
        )  # fmt: skip
        return counts, pieces, problems
    std = float(np.std(counts[:: max(1, n // 100000)])) or 1.0
    for _ in range(int(rng.poisson(cfg.spikes_per_day * days))):
        i = int(rng.integers(n))
        counts[i] += float(rng.choice([-1, 1])) * std * float(rng.uniform(50, 500))
        t = start + i / fs
        problems.append(InjectedProblem("spike", sid, t, t, "single-sample spike (injected)"))
    if rng.uniform() < cfg.gap_probability * max(days, 1.0) and n > 10:
        length = round(min(float(rng.uniform(30.0, 1200.0)), 0.2 * n / fs) * fs)
        a = int(rng.integers(0, max(1, n - length)))
        b = min(n, a + length)
        pieces = [(0, a), (b, n)]
        problems.append(
            InjectedProblem("gap", sid, start + a / fs, start + b / fs,
                        "gap (injected)")
        )  # fmt: skip
    return counts, pieces, problems


# --- the scenario ------------------------------------------------------------------------------


def make_scenario(
    network: MonitoringNetwork,
    start: UTCDateTime,
    duration_s: float,
    seed: int,
    out_dir: str | Path,
    events: Sequence[ScenarioEvent] | None = None,
    sampling_rate: float = 40.0,
    progress: Callable[[int, int, str], None] | None = None,
    *,
    config: ScenarioConfig | None = None,
    overwrite: bool = False,
) -> ScenarioTruth:
    """Synthesize ``duration_s`` [s] of data for ``network`` from ``start`` into ``out_dir``.

    Writes ``out_dir/sds`` (SDS miniSEED, Steim2), ``inventory.xml`` (StationXML with the
    responses used), ``truth.xml`` (QuakeML), ``truth.csv`` (bulletin CSV columns),
    ``truth_arrivals.csv``, ``truth_problems.csv`` and ``events.csv`` (the event list, in
    the ``--events`` format). ``events`` default: :func:`draw_events` from ``seed``.
    ``sampling_rate`` [Hz] is used for channels whose inventory gives no rate.
    ``progress(done, total, site)`` is called as sites finish. An existing, non-empty
    ``out_dir/sds`` is an error unless ``overwrite`` (then it is removed first).
    """
    t_begin = time.perf_counter()
    cfg = config or ScenarioConfig()
    if duration_s <= 0:
        raise ScenarioError(f"duration {duration_s} s: must be positive")
    out = Path(out_dir)
    sds = out / "sds"
    if sds.exists() and any(sds.iterdir()):
        if not overwrite:
            raise ScenarioError(
                f"{sds} already holds data; choose another --out or pass --overwrite"
            )
        shutil.rmtree(sds)
    out.mkdir(parents=True, exist_ok=True)
    net = synthetic_network(network, sampling_rate)
    if events is None:
        rng = np.random.default_rng([seed, 11])
        evs = draw_events(net, start, duration_s, rng, dprk=cfg.dprk_explosion)
    else:
        evs = [complete_magnitudes(e) for e in events]
    ids = [e.id for e in evs]
    if len(set(ids)) != len(ids) or "" in ids:
        raise ScenarioError("scenario events need unique, non-empty ids")
    sites = _sites(net)
    sites.sort(key=lambda s: -sum(len(st.channels) for st in s.stations))
    jobs = [_Job(s, tuple(evs), start, float(duration_s), int(seed), str(sds), cfg) for s in sites]
    rows: list[dict[str, object]] = []
    problems: list[InjectedProblem] = []
    workers = cfg.workers or min(4, os.cpu_count() or 1)
    if workers <= 1 or len(jobs) <= 1:
        for i, job in enumerate(jobs):
            r, p = _run_site(job)
            rows += r
            problems += p
            if progress:
                progress(i + 1, len(jobs), job.site.code)
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
            futures = {pool.submit(_run_site, job): job for job in jobs}
            for i, fut in enumerate(as_completed(futures)):
                r, p = fut.result()
                rows += r
                problems += p
                if progress:
                    progress(i + 1, len(jobs), futures[fut].site.code)
    arrivals = pd.DataFrame(rows, columns=list(TRUTH_ARRIVAL_COLUMNS))
    arrivals = arrivals.sort_values(["time", "station", "phase"], kind="stable").reset_index(
        drop=True
    )
    write_stationxml(net, out / "inventory.xml")
    model_events = truth_events(evs, arrivals)
    write_truth(out, evs, model_events, arrivals, problems)
    elapsed = time.perf_counter() - t_begin
    log.info("scenario %s: %d events, %d arrivals, %.1f s", out, len(evs), len(arrivals), elapsed)
    return ScenarioTruth(model_events, arrivals, evs, net, problems, out, elapsed)
