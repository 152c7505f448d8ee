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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from obspy import Stream, Trace, UTCDateTime

from openndc import __version__
from openndc.detection.amplitude import wood_anderson_amplitude
from openndc.detection.array import detect_array
from openndc.detection.config import DetectionConfig
from openndc.detection.phase_id import identify_phase
from openndc.detection.polarization import measure_3c
from openndc.detection.station import detect_trace
from openndc.model.config import to_mapping
from openndc.model.detection import Detection
from openndc.model.inventory import Array, ArrayElement, ChannelInfo, MonitoringNetwork, Station
from openndc.model.provenance import Provenance
from openndc.model.quality import DataProblem

__all__ = ["DetectionResult", "detect", "warmup_seconds"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DetectionResult:
    """What the stage returns for one window."""

    detections: list[Detection]
    problems: list[DataProblem] = field(default_factory=list)
    provenance: Provenance | None = None


def warmup_seconds(config: DetectionConfig) -> float:
    """Data needed before a window's start so that detections at its start are valid [s]."""
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
        for arr in network.arrays:
            for element in _beam_elements(arr, config):
                array_members[element.station] = arr
    done_arrays: set[str] = set()
    for (net, sta), traces in sorted(by_station.items()):
        arr = array_members.get(sta)
        if arr is not None:
            if arr.code in done_arrays:
                continue
            done_arrays.add(arr.code)
            detections.extend(_detect_on_array(stream, arr, network, config))
            continue
        station = network.find_station(sta, net) or network.find_station(sta)
        if station is None:
            first = traces[0]
            problems.append(
                DataProblem(
                    "no_metadata", "inventory", first.id, first.stats.starttime, None,
                    f"station {net}.{sta} has data but is not in the inventory: detected on, "
                    "amplitudes left in counts, no location use",
                )
            )
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
    return station.channel(tr.stats.channel, tr.stats.location) or station.channel(
        tr.stats.channel
    )


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
    for tr in family:
        if tr.stats.channel[-1:] not in config.components:
            continue
        try:
            found = detect_trace(tr, config, _channel_info(station, tr))
        except ValueError as exc:
            log.warning("%s: detection skipped on segment %s: %s", tr.id, tr.stats.starttime, exc)
            continue
        for det in found:
            det = _measure_station(det, family, horizontals, station, config)
            out.append(dataclasses.replace(det, phase=identify_phase(det, config.phase_id, is_array=False)))
    return _dedupe(out, config.merge_window)


def _measure_station(
    det: Detection,
    family: Stream,
    horizontals: Stream,
    station: Station | None,
    config: DetectionConfig,
) -> Detection:
    if len({tr.stats.channel[-1] for tr in horizontals}) == 2:
        seg = family.slice(det.time - config.onset.before, det.time + config.amplitude.ml_window)
        if len({tr.stats.channel[-1] for tr in seg}) == 3:
            try:
                det = measure_3c(seg, det, config)
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


def _detect_on_array(
    stream: Stream, array: Array, network: MonitoringNetwork, config: DetectionConfig
) -> list[Detection]:
    codes = {e.station for e in _beam_elements(array, config)}
    sub = Stream([tr for tr in stream if tr.stats.station in codes])
    sub = Stream([tr for tr in sub if tr.stats.channel[-1:] in config.components or array.kind != "seismic"])
    if not len(sub):
        return []
    found = detect_array(sub, array, config)
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
