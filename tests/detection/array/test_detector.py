from __future__ import annotations

import logging

import numpy as np
import pytest
from obspy import Stream, Trace

from openndc.detection.array import beam_set, detect_array
from openndc.detection.array.detector import MAX_RING_AZIMUTHS, decimation_factor
from openndc.detection.config import ArrayConfig, DetectionConfig
from openndc.model.inventory import ChannelInfo

from .conftest import T0, plane_wave_stream, ring_array


def test_detects_plane_wave_with_direction_and_slowness() -> None:
    arr = ring_array()
    st = plane_wave_stream(arr, baz=60.0, slowness=0.08, amp=8.0, onset=100.0)
    st.append(Trace(np.zeros(100), header={"station": "OTHER", "channel": "BHZ"}))  # ignored
    dets = detect_array(st, arr, DetectionConfig())
    assert len(dets) == 1
    d = dets[0]
    assert abs(d.time - (T0 + 100.0)) < 0.7  # emergent, low-SNR wavelet; sharp onsets: CLI test
    assert abs((d.backazimuth - 60.0 + 180) % 360 - 180) < 8.0
    assert d.slowness == pytest.approx(0.08 * 111.19, abs=1.2)
    assert d.station == "SYN" and d.network == "XA" and d.channel == "SHZ"
    assert d.method == "beam" and d.fstat > 10 and d.snr > 4
    assert d.amplitude_unit == "counts" and d.amplitude > 0 and 0.2 < d.period < 1.5
    assert d.backazimuth_uncertainty > 0 and d.slowness_uncertainty > 0
    assert d.extra["n_elements"] == 9


def test_amplitude_in_nm_when_sensitivity_known() -> None:
    arr = ring_array()
    st = plane_wave_stream(arr, amp=8.0)
    chans = {
        e.station: ChannelInfo("SHZ", sensitivity=1e9, input_units="M/S") for e in arr.elements
    }
    d_counts = detect_array(st, arr, DetectionConfig())[0]
    d_nm = detect_array(st, arr, DetectionConfig(), channels=chans)[0]
    assert d_nm.amplitude_unit == "nm"
    expected = d_counts.amplitude / 1e9 * d_counts.period / (2 * np.pi) * 1e9
    assert d_nm.amplitude == pytest.approx(expected)


def test_dead_and_missing_elements_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    arr = ring_array()
    st = plane_wave_stream(arr, amp=8.0)
    st[1].data[:] = 0.0  # dead
    st.remove(st[2])  # missing
    with caplog.at_level(logging.WARNING, logger="openndc.detection.array.detector"):
        dets = detect_array(st, arr, DetectionConfig())
    assert "E01 is dead" in caplog.text and "E02 has no" in caplog.text
    assert len(dets) == 1 and dets[0].extra["n_elements"] == 7


def test_too_few_elements_gives_nothing() -> None:
    arr = ring_array()
    st = plane_wave_stream(arr, amp=8.0)
    st = Stream(st[:2])
    assert detect_array(st, arr, DetectionConfig()) == []
    cfg = DetectionConfig(array=ArrayConfig(min_elements=10))
    assert detect_array(plane_wave_stream(arr, amp=8.0), arr, cfg) == []


def test_noise_alone_gives_no_coherent_detection() -> None:
    arr = ring_array()
    st = plane_wave_stream(arr, amp=0.0, duration=300.0, seed=4)
    assert detect_array(st, arr, DetectionConfig()) == []


def test_infrasound_array_detects_sound() -> None:
    arr = ring_array(radius_km=0.8, kind="infrasound")
    st = plane_wave_stream(
        arr,
        baz=100.0,
        slowness=1 / 0.33,
        amp=6.0,
        f0=1.5,
        channel="BDF",
        duration=240.0,
        onset=150.0,
    )
    dets = detect_array(st, arr, DetectionConfig())
    assert len(dets) == 1
    d = dets[0]
    assert d.phase == "I" and d.channel == "BDF"
    assert abs((d.backazimuth - 100.0 + 180) % 360 - 180) < 5.0
    assert 111.19 / d.slowness == pytest.approx(0.33, abs=0.03)  # trace velocity [km/s]


def test_beam_set() -> None:
    small = beam_set("seismic", 4.0, 0.4)
    assert small[0].slowness_s_per_km == 0.0
    assert {b.slowness_s_per_km for b in small} == {0.0, 0.045, 0.075, 0.125, 0.18}
    assert len(beam_set("seismic", 100.0, 0.4)) == 1 + 4 * MAX_RING_AZIMUTHS == 97
    assert len(beam_set("seismic", 4.0, 0.1)) < len(small)
    infra = beam_set("infrasound", 1.5, 3.6)
    assert all(b.slowness_s_per_km == pytest.approx(1 / 0.34) for b in infra)


def test_decimation_factor() -> None:
    # at least 2.5 samples per period of the band's upper corner
    assert [decimation_factor(40.0, f) for f in (2.0, 4.5, 6.0, 10.0)] == [8, 3, 2, 1]
    assert decimation_factor(20.0, 10.0) == 1  # never below 1 (corner clipped to 0.45 fs)
    assert decimation_factor(100.0, 2.0) == 20
