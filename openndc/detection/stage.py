"""The detection stage: waveforms of a time window → detections with measurements.

``detect(stream, network, config, start=..., end=...)`` is the one stage function; the batch
runner (:mod:`openndc.pipeline`) and a real-time runner wrap it. Array elements are
processed as arrays (beams + f-k, one detection per array arrival); other stations
channel by channel on the vertical, with 3-C polarization where horizontals exist and a
Wood-Anderson amplitude for ML. Every detection gets an initial phase name.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from obspy import Stream, Trace, UTCDateTime
from obspy.signal.rotate import rotate2zne

from openndc import __version__
from openndc.detection.amplitude import wood_anderson_amplitude
from openndc.detection.array import detect_array
from openndc.detection.array.detector import array_warmup_seconds
from openndc.detection.config import DetectionConfig
from openndc.detection.filters import zerophase_bandpass
from openndc.detection.phase_id import first_arrivals_are_p, identify_phase
from openndc.detection.polarization import measure_3c, polarization
from openndc.detection.s_phase import pick_s
from openndc.detection.station import detect_trace, dominant_frequency
from openndc.model.config import to_mapping
from openndc.model.detection import Detection
from openndc.model.inventory import Array, ArrayElement, ChannelInfo, MonitoringNetwork, Station
from openndc.model.provenance import Provenance
from openndc.model.quality import DataProblem

__all__ = [
    "DetectionResult",
    "detect",
    "pick_s_detection",
    "station_warmup_seconds",
    "warmup_seconds",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DetectionResult:
    """What the stage returns for one window."""

    detections: list[Detection]
    problems: list[DataProblem] = field(default_factory=list)
    provenance: Provenance | None = None


def warmup_seconds(config: DetectionConfig) -> float:
    """Data needed before a window's start so that detections at its start are valid [s]:
    a station's (:func:`station_warmup_seconds`) or, with arrays, the arrays' longer one
    (:func:`~openndc.detection.array.detector.array_warmup_seconds`)."""
    station = station_warmup_seconds(config)
    return max(station, array_warmup_seconds(config)) if config.array.enabled else station


def station_warmup_seconds(config: DetectionConfig) -> float:
    """Data a single station's detector reads before a window's start [s]: its longest LTA
    window, the onset search and 10 s of filter settling."""
    longest_lta = max((b.lta for b in config.bands), default=0.0)
    return longest_lta + config.onset.before + 10.0


def detect(
    stream: Stream,
    network: MonitoringNetwork,
    config: DetectionConfig | None = None,
    *,
    start: UTCDateTime | None = None,
    end: UTCDateTime | None = None,
) -> DetectionResult:
    """Run detection on ``stream`` and keep detections with ``start <= time < end``.

    Traces of stations missing from ``network`` are still detected on (no coordinates are
    needed for single-channel detection); amplitudes stay in counts and a problem is
    reported. Arrays are taken from ``network.arrays``.
    """
    config = config or DetectionConfig()
    problems: list[DataProblem] = []
    detections: list[Detection] = []
    by_station: dict[tuple[str, str], list[Trace]] = defaultdict(list)
    for tr in stream:
        st = tr.stats
        by_station[(st.network, st.station)].append(tr)

    array_members: dict[str, Array] = {}
    if config.array.enabled:
        for array in network.arrays:
            for element in _beam_elements(array, config):
                array_members[element.station] = array
    done_arrays: set[str] = set()
    for (net, sta), traces in sorted(by_station.items()):
        member_of = array_members.get(sta)
        if member_of is not None:
            if member_of.code not in done_arrays:
                done_arrays.add(member_of.code)
                detections.extend(_detect_on_array(stream, member_of, network, config))
            continue
        station = network.find_station(sta, net) or network.find_station(sta)
        if station is None:
            first = traces[0]
            problems.append(
                DataProblem(
                    "no_metadata",
                    "inventory",
                    first.id,
                    first.stats.starttime,
                    None,
                    f"station {net}.{sta} has data but is not in the inventory: detected on, "
                    "amplitudes left in counts, no location use",
                )
            )
        if start is not None:  # a station reads its own warm-up (the arrays' is longer)
            t0 = start - station_warmup_seconds(config)  # [t0, ...): as an archive reads
            traces = [tr.slice(t0, nearest_sample=False) for tr in traces]
            traces = [tr for tr in traces if tr.stats.npts]
            if not traces:
                continue
        detections.extend(_detect_on_station(Stream(traces), station, config))

    if start is not None or end is not None:
        lo = start if start is not None else UTCDateTime(0)
        hi = end if end is not None else UTCDateTime(2**40)
        detections = [d for d in detections if lo <= d.time < hi]
    detections.sort(key=lambda d: (d.time, d.station))
    provenance = Provenance(
        method="openndc.detection", software_version=__version__, parameters=to_mapping(config)
    )
    return DetectionResult(detections, problems, provenance)


def _preferred_location(traces: Iterable[Trace], components: str) -> str | None:
    locs = sorted({tr.stats.location for tr in traces if tr.stats.channel[-1:] in components})
    return locs[0] if locs else None


def _channel_info(station: Station | None, tr: Trace) -> ChannelInfo | None:
    if station is None:
        return None
    return station.channel(tr.stats.channel, tr.stats.location) or station.channel(tr.stats.channel)


def _detect_on_station(
    stream: Stream, station: Station | None, config: DetectionConfig
) -> list[Detection]:
    loc = _preferred_location(stream, config.components)
    if loc is None:
        return []
    site = stream.select(location=loc)
    # The highest-rate channel family of this location (e.g. HH? over BH? over LH?).
    verticals = [tr for tr in site if tr.stats.channel[-1:] in config.components]
    best_band = max(verticals, key=lambda tr: tr.stats.sampling_rate).stats.channel[:2]
    family = Stream([tr for tr in site if tr.stats.channel[:2] == best_band])
    horizontals = Stream([tr for tr in family if tr.stats.channel[-1:] in "NE12"])
    out: list[Detection] = []
    s_picks: list[Detection] = []
    for tr in family:
        if tr.stats.channel[-1:] not in config.components:
            continue
        try:
            found = detect_trace(tr, config, _channel_info(station, tr))
        except ValueError as exc:
            log.warning("%s: detection skipped on segment %s: %s", tr.id, tr.stats.starttime, exc)
            continue
        found_out, found_s = _with_s_picks(found, family, horizontals, station, config)
        out += found_out
        s_picks += found_s
    return first_arrivals_are_p(
        _dedupe(out, config.merge_window) + _dedupe(s_picks, config.merge_window),
        config.phase_id.first_arrival_quiet,
        config.s_pick.min_p_snr if config.s_pick.enabled else 0.0,
    )


def _with_s_picks(
    found: list[Detection],
    family: Stream,
    horizontals: Stream,
    station: Station | None,
    config: DetectionConfig,
) -> tuple[list[Detection], list[Detection]]:
    """The vertical's detections (measured and named) and the S picked after each clear P.

    A vertical detection within ``merge_window`` of an S just picked, and not more than
    ``s_pick.narrow`` before it, is that S's own trigger and is dropped. A detection before
    the S picked for the previous P (even within ``narrow`` of it) that is at least as strong
    as that P is a new arrival: the S was this arrival's (or a later one's), so it is dropped
    and S is sought again after the new arrival."""
    sc = config.s_pick
    out: list[Detection] = []
    s_picks: list[Detection] = []
    last_p: Detection | None = None
    last_s: Detection | None = None
    for det in sorted(found, key=lambda d: d.time):
        new_arrival = (
            last_s is not None
            and last_p is not None
            and det.time < last_s.time
            and det.snr >= last_p.snr
        )
        if last_s is not None and det.time >= last_s.time - sc.narrow and not new_arrival:
            if det.time - last_s.time <= config.merge_window:
                continue  # the vertical's trigger on the S just picked on the horizontals
        elif last_s is not None and last_p is not None and det.snr >= last_p.snr:
            s_picks.remove(last_s)
            last_s = None
        s_det = None
        if sc.enabled and det.snr >= sc.min_p_snr and (last_s is None or det.time > last_s.time):
            s_det = pick_s_detection(det, family, horizontals, station, config)
        det = _measure_station(
            det, family, horizontals, station, config, None if s_det is None else s_det.time
        )
        out.append(
            dataclasses.replace(det, phase=identify_phase(det, config.phase_id, is_array=False))
        )
        if s_det is not None:
            s_picks.append(s_det)
            last_p, last_s = det, s_det
    return out, s_picks


def _zne_segment(
    family: Stream, station: Station | None, t0: UTCDateTime, t1: UTCDateTime
) -> Stream | None:
    """Z/N/E traces of ``family`` between ``t0`` and ``t1`` (rotated, one rate), or None."""
    seg = family.slice(t0, t1)
    if len({tr.stats.channel[-1] for tr in seg}) != 3:
        return None
    return _rotate_to_zne(seg, station)


def pick_s_detection(
    p: Detection,
    family: Stream,
    horizontals: Stream,
    station: Station | None,
    config: DetectionConfig,
) -> Detection | None:
    """The S detection after the P detection ``p`` picked on the horizontals of the 3-C
    ``family`` (:func:`openndc.detection.s_phase.pick_s`), or None (not 3-C, no S).

    The S gets phase ``S``, method ``3c``, the SNR of the S characteristic function, the
    apparent incidence and rectilinearity of its first ``polarization.window`` seconds, a
    Wood-Anderson amplitude for ML, and ``extra["p_id"]`` naming its P."""
    sc = config.s_pick
    if len({tr.stats.channel[-1] for tr in horizontals}) != 2:
        return None
    pad = 5.0 / sc.freq_min + 1.0
    zne = _zne_segment(family, station, p.time - pad, p.time + sc.max_delay + pad)
    if zne is None:
        return None
    start = max(tr.stats.starttime for tr in zne)
    size = min(len(tr) - round((start - tr.stats.starttime) * tr.stats.sampling_rate) for tr in zne)
    fs = float(zne[0].stats.sampling_rate)
    comps = {}
    for tr in zne:
        i0 = round((start - tr.stats.starttime) * fs)
        comps[tr.stats.channel[-1]] = np.asarray(tr.data[i0 : i0 + size], dtype=np.float64)
    p_index = round((p.time - start) * fs)
    pick = pick_s(comps["Z"], comps["N"], comps["E"], fs, p_index, sc)
    if pick is None:
        return None
    time = start + pick.index / fs
    window = min(config.polarization.window, 1.0 / sc.freq_min + 0.5)
    i, j = pick.index, min(size, pick.index + round(window * fs))
    inc = rect = math.nan
    fdom = math.nan
    if j - i >= 8:
        bp = [
            zerophase_bandpass(
                comps[c] - comps[c].mean(), fs, sc.freq_min, min(sc.freq_max, 0.45 * fs), 4
            )
            for c in "ZNE"
        ]
        try:
            res = polarization(bp[0][i:j], bp[1][i:j], bp[2][i:j], fs)
            inc, rect = res.incidence_deg, res.rectilinearity
        except ValueError:
            pass
        fdom = dominant_frequency(bp[1 if pick.component == "N" else 2][i:j], fs)
    sigma = 1.0
    if math.isfinite(fdom) and fdom > 0:
        sigma = min(1.0, max(2.0 / fs, 1.0 / fdom / (2.0 * math.sqrt(max(pick.snr, 1.0)))))
    chan = next(
        (
            tr.stats.channel
            for tr in family
            if tr.stats.channel[-1] in (pick.component, "1" if pick.component == "N" else "2")
        ),
        p.channel[:2] + pick.component,
    )
    det = Detection(
        network=p.network,
        station=p.station,
        location=p.location,
        channel=chan,
        time=time,
        time_uncertainty=float(sigma),
        phase="S",
        snr=pick.snr,
        incidence=float(inc),
        rectilinearity=float(rect),
        freq_min=sc.freq_min,
        freq_max=min(sc.freq_max, 0.45 * fs),
        dominant_frequency=float(fdom),
        method="3c",
        id=f"{p.network}.{p.station}.{p.location}.{chan}-S-{time.strftime('%Y%m%dT%H%M%S.%f')}",
        extra={"p_id": p.id, "horizontal_share": pick.horizontal_share},
    )
    channels = {tr.id: _channel_info(station, tr) for tr in horizontals}
    try:
        amp, _period = wood_anderson_amplitude(
            horizontals, time, config.amplitude.ml_window, channels
        )
        det = dataclasses.replace(det, amplitude_wa=float(amp))
    except ValueError as exc:
        log.debug("%s: no Wood-Anderson amplitude at S %s: %s", det.seed_id, time, exc)
    return det


def _measure_station(
    det: Detection,
    family: Stream,
    horizontals: Stream,
    station: Station | None,
    config: DetectionConfig,
    s_time: UTCDateTime | None = None,
) -> Detection:
    """3-C polarization (ending before ``s_time``, the S of this P, when given) and the
    Wood-Anderson amplitude of a detection."""
    if len({tr.stats.channel[-1] for tr in horizontals}) == 2:
        seg = family.slice(det.time - config.onset.before, det.time + config.amplitude.ml_window)
        zne = (
            _rotate_to_zne(seg, station) if len({tr.stats.channel[-1] for tr in seg}) == 3 else None
        )
        pol = config
        if s_time is not None and s_time - det.time < config.polarization.window:
            # P polarization must not reach into the S (at local distances S-P < 3 s)
            window = max(0.2, s_time - det.time - 0.05)
            pol = dataclasses.replace(
                config, polarization=dataclasses.replace(config.polarization, window=window)
            )
        if zne is not None:
            try:
                det = measure_3c(zne, det, pol)
            except ValueError as exc:
                log.debug("%s: no polarization at %s: %s", det.seed_id, det.time, exc)
    wa_source = horizontals if len(horizontals) else family.select(component="Z")
    channels = {tr.id: _channel_info(station, tr) for tr in wa_source}
    try:
        amp, _period = wood_anderson_amplitude(
            wa_source, det.time, config.amplitude.ml_window, channels
        )
        det = dataclasses.replace(det, amplitude_wa=float(amp))
    except ValueError as exc:
        log.debug("%s: no Wood-Anderson amplitude at %s: %s", det.seed_id, det.time, exc)
    return det


def _common_rate(seg: Stream) -> Stream:
    """The segment with every trace at the lowest sampling rate among them (anti-aliased);
    a trace already at that rate is the input's own (not copied).

    Stations often record the vertical at a higher rate than the horizontals (e.g. BHZ at
    100 Hz, BH1/BH2 at 20 Hz); 3-C analysis needs one rate.
    """
    rate = min(tr.stats.sampling_rate for tr in seg)
    out = Stream()
    for tr in seg:
        if tr.stats.sampling_rate > rate * (1 + 1e-9):
            tr = tr.copy()  # only a trace that is filtered (in place) needs its own copy
            # Zero-phase anti-alias filter: a causal one (ObsPy's decimate default) delays the
            # resampled trace against the others and ruins the polarization.
            factor = tr.stats.sampling_rate / rate
            tr.data = tr.data.astype(np.float64)
            if abs(factor - round(factor)) < 1e-6:
                tr.filter("lowpass", freq=0.4 * rate, corners=8, zerophase=True)
                tr.decimate(round(factor), no_filter=True)
            else:
                tr.resample(rate)
        out += tr
    return out


def _rotate_to_zne(seg: Stream, station: Station | None) -> Stream | None:
    """Z/N/E traces of a 3-C segment at one sampling rate; 1/2 components are rotated with
    the inventory's azimuth and dip. ``None`` when 1/2 orientations are unknown
    (polarization is skipped rather than measured in the wrong frame)."""
    seg = seg.copy()
    seg.merge(method=1, fill_value=0)
    if len(seg) != 3:
        return None
    seg = _common_rate(seg)
    comps = {tr.stats.channel[-1] for tr in seg}
    if comps == {"Z", "N", "E"}:
        return seg
    infos = [_channel_info(station, tr) for tr in seg]
    if any(i is None or i.azimuth_deg is None or i.dip_deg is None for i in infos):
        return None
    start = max(tr.stats.starttime for tr in seg)
    end = min(tr.stats.endtime for tr in seg)
    seg.trim(start, end, nearest_sample=True)
    n = min(len(tr) for tr in seg)
    if n < 2:
        return None
    args: list[object] = []
    for tr, info in zip(seg, infos, strict=True):
        assert info is not None
        args += [tr.data[:n].astype(float), info.azimuth_deg, info.dip_deg]
    try:
        z, north, east = rotate2zne(*args)
    except ValueError:
        return None
    out = Stream()
    for data, comp in ((z, "Z"), (north, "N"), (east, "E")):
        tr = seg[0].copy()
        tr.data = np.asarray(data)
        tr.stats.channel = tr.stats.channel[:2] + comp
        out += tr
    return out


def _detect_on_array(
    stream: Stream, array: Array, network: MonitoringNetwork, config: DetectionConfig
) -> list[Detection]:
    codes = {e.station for e in _beam_elements(array, config)}
    sub = Stream([tr for tr in stream if tr.stats.station in codes])
    sub = Stream(
        [tr for tr in sub if tr.stats.channel[-1:] in config.components or array.kind != "seismic"]
    )
    if not len(sub):
        return []
    channels: dict[str, ChannelInfo] = {}
    for tr in sub:
        sta = network.find_station(tr.stats.station, tr.stats.network)
        info = _channel_info(sta, tr)
        if info is not None:
            channels[tr.stats.station] = info
    found = detect_array(sub, array, config, channels=channels)
    return [
        dataclasses.replace(d, phase=d.phase or identify_phase(d, config.phase_id, is_array=True))
        for d in found
    ]


def _beam_elements(array: Array, config: DetectionConfig) -> tuple[ArrayElement, ...]:
    """The elements of the configured beam group (all elements if the array lacks it)."""
    group = config.array.beam_group
    return array.group(group) if group == "all" or group in array.beam_groups else array.elements


def _dedupe(dets: list[Detection], window: float) -> list[Detection]:
    """Of detections on one station closer than ``window`` seconds keep the higher SNR."""
    dets = sorted(dets, key=lambda d: d.time)
    kept: list[Detection] = []
    for d in dets:
        if kept and d.time - kept[-1].time < window:
            if np.nan_to_num(d.snr) > np.nan_to_num(kept[-1].snr):
                kept[-1] = d
            continue
        kept.append(d)
    return kept
