"""The whole detection stage on a synthetic network: an array, a 3-C station, an unknown one."""

from __future__ import annotations

import math

import numpy as np
from obspy import Stream, Trace

from openndc.detection.array.kernels import DEG_KM
from openndc.detection.config import DetectionConfig
from openndc.detection.stage import detect, warmup_seconds
from openndc.model.inventory import ChannelInfo, MonitoringNetwork, Station
from tests.detection.array.conftest import T0, plane_wave_stream, ring_array, wavelet


def _three_component(fs: float = 40.0, onset: float = 100.0, baz: float = 240.0) -> Stream:
    """A P wave with incidence 30 deg from back-azimuth ``baz`` on Z/N/E plus noise."""
    rng = np.random.default_rng(3)
    n = int(180 * fs)
    w = wavelet(fs, 2.0, 4.0)
    src = np.zeros(n)
    i0 = int(onset * fs)
    src[i0 : i0 + len(w)] = 40.0 * w
    inc, b = math.radians(30.0), math.radians(baz)
    # P motion points away from the source: horizontal along -(baz direction).
    comps = {
        "Z": src * math.cos(inc),
        "N": -src * math.sin(inc) * math.cos(b),
        "E": -src * math.sin(inc) * math.sin(b),
    }
    st = Stream()
    for c, x in comps.items():
        hdr = {
            "network": "XX",
            "station": "TRI",
            "channel": f"BH{c}",
            "sampling_rate": fs,
            "starttime": T0,
        }
        st.append(Trace((x + 0.5 * rng.standard_normal(n)).astype(np.float64), header=hdr))
    return st


def _network() -> MonitoringNetwork:
    arr = ring_array(9, 2.0)
    elements = tuple(
        Station(
            e.network,
            e.station,
            e.latitude,
            e.longitude,
            0.0,
            (ChannelInfo("SHZ", sample_rate_hz=40.0),),
            array=arr.code,
        )
        for e in arr.elements
    )
    chans = tuple(
        ChannelInfo(
            f"BH{c}",
            sample_rate_hz=40.0,
            azimuth_deg=az,
            dip_deg=dip,
            sensitivity=1e9,
            sensitivity_frequency_hz=1.0,
            input_units="M/S",
        )
        for c, az, dip in (("Z", 0.0, -90.0), ("N", 0.0, 0.0), ("E", 90.0, 0.0))
    )
    tri = Station("XX", "TRI", 48.0, 75.0, 300.0, chans)
    return MonitoringNetwork("synthetic", (*elements, tri), (arr,))


def test_stage_on_array_three_component_and_unknown_station() -> None:
    network = _network()
    arr = network.arrays[0]
    stream = plane_wave_stream(arr, baz=60.0, slowness=0.08, onset=100.0)
    stream += _three_component(onset=100.0, baz=240.0)
    unknown = _three_component(onset=100.0).select(component="Z")[0].copy()
    unknown.stats.station = "NEW"
    stream += unknown

    result = detect(stream, network, DetectionConfig(), start=T0 + 60, end=T0 + 170)

    by_station = {d.station: d for d in result.detections}
    assert set(by_station) == {"SYN", "TRI", "NEW"}, result.detections
    beam = by_station["SYN"]
    assert beam.method == "beam"
    assert abs(beam.time - (T0 + 100.0)) < 0.45  # emergent wavelet (sharp onsets: CLI test)
    assert abs((beam.backazimuth - 60.0 + 180) % 360 - 180) < 8.0
    assert abs(beam.slowness - 0.08 * DEG_KM) < 1.5
    assert beam.phase in {"P", "Pn", "PKP"}

    tri = by_station["TRI"]
    assert abs(tri.time - (T0 + 100.0)) < 0.3  # emergent Gaussian-windowed wavelet
    assert abs((tri.backazimuth - 240.0 + 180) % 360 - 180) < 10.0
    assert abs(tri.incidence - 30.0) < 10.0
    assert tri.phase == "P"
    assert tri.amplitude_unit == "nm" and tri.amplitude > 0
    assert tri.amplitude_wa > 0

    assert by_station["NEW"].amplitude_unit == "counts"
    (problem,) = result.problems
    assert problem.kind == "no_metadata" and "XX.NEW" in problem.message
    assert result.provenance is not None and result.provenance.method == "openndc.detection"


def test_window_limits_keep_each_detection_once() -> None:
    network = _network()
    stream = plane_wave_stream(network.arrays[0], onset=100.0)
    early = detect(stream, network, start=T0, end=T0 + 100.0)
    late = detect(stream, network, start=T0 + 100.0, end=T0 + 180)
    both = detect(stream, network, start=T0, end=T0 + 180)
    assert len(early.detections) + len(late.detections) == len(both.detections) >= 1
    assert warmup_seconds(DetectionConfig()) > max(b.lta for b in DetectionConfig().bands)
