"""Streaming detection: the batch kernels with their state carried, piece by piece, give the
batch detector's detections (same count, onsets within one sample)."""

from __future__ import annotations

import dataclasses
import logging
import warnings

import numpy as np
import pytest
from obspy import Stream, UTCDateTime
from scipy import signal

from openndc.archive import SDSArchive
from openndc.cli.demo import DEMO_SEED, DEMO_START
from openndc.detection.config import DetectionConfig
from openndc.detection.filters import bandpass_sos, sosfilt_state, sosfilt_state_py
from openndc.detection.stage import detect
from openndc.detection.stalta import (
    recursive_sta_lta_warm,
    recursive_sta_lta_warm_py,
    sta_lta_state,
)
from openndc.detection.station import detect_trace
from openndc.detection.streaming import ChannelStream, StreamingDetector
from openndc.inventory import read_inventory
from openndc.model.errors import DataQualityWarning
from openndc.model.inventory import MonitoringNetwork
from openndc.scenario import kazakh_day_events, make_scenario

SPAN = 900.0
SINGLE = ("AKTO", "BRVK", "MAKZ")


def _pieces(n: int, rng: np.random.Generator, lo: int = 1, hi: int = 500) -> list[slice]:
    out, i = [], 0
    while i < n:
        k = int(rng.integers(lo, hi))
        out.append(slice(i, min(n, i + k)))
        i += k
    return out


def test_sta_lta_state_carries_the_recursion_exactly() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=5000) * np.linspace(1, 3, 5000)
    whole = recursive_sta_lta_warm(x, 40, 800, 100)
    for kernel in (recursive_sta_lta_warm, recursive_sta_lta_warm_py):
        state = sta_lta_state()
        parts = [kernel(x[s], 40, 800, 100, state) for s in _pieces(x.size, rng)]
        if kernel is recursive_sta_lta_warm:
            assert np.array_equal(np.concatenate(parts), whole)  # bit for bit
        else:
            np.testing.assert_allclose(np.concatenate(parts), whole, rtol=1e-9, atol=1e-12)
        assert state[2] == x.size
    with pytest.raises(ValueError, match="state"):
        recursive_sta_lta_warm(x, 40, 800, 100, np.zeros(2))


def test_sosfilt_state_is_scipys_sosfilt_with_zi() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=3000)
    sos = np.array(bandpass_sos(3, 0.8, 4.5, 40.0))
    ref, _ = signal.sosfilt(sos, x, zi=signal.sosfilt_zi(sos) * x[0])
    for kernel in (sosfilt_state, sosfilt_state_py):
        zi = np.ascontiguousarray(signal.sosfilt_zi(sos) * x[0])
        parts = [kernel(sos, x[s], zi) for s in _pieces(x.size, rng)]
        np.testing.assert_allclose(np.concatenate(parts), ref, rtol=1e-10, atol=1e-10)
    with pytest.raises(ValueError, match="zi"):
        sosfilt_state(sos, x, np.zeros((2, 2)))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Stream, MonitoringNetwork]:
    """15 minutes of three 3-C stations and the BVAR array around a regional event."""
    kz = read_inventory("kz")
    bvar = kz.array("BVAR")
    keep = set(SINGLE) | set(bvar.element_codes)
    net = dataclasses.replace(
        kz, stations=tuple(s for s in kz.stations if s.code in keep), arrays=(bvar,)
    )
    event = min(kazakh_day_events(DEMO_START, DEMO_SEED), key=lambda e: e.time)
    start = UTCDateTime(int(event.time.timestamp) // 60 * 60 - 420)
    out = tmp_path_factory.mktemp("streaming")
    make_scenario(net, start, SPAN, DEMO_SEED, out, events=[event])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        stream = SDSArchive(out / "sds").read(start, start + SPAN).stream
    return stream, read_inventory(str(out / "inventory.xml"))


def _same(batch: list, streamed: list, fs: float) -> None:
    assert len(streamed) == len(batch)
    for b, s in zip(sorted(batch, key=lambda d: d.time), sorted(streamed, key=lambda d: d.time),
                    strict=True):  # fmt: skip
        assert abs(s.time - b.time) <= 1.0 / fs + 1e-9, (b.time, s.time)
        assert s.seed_id == b.seed_id
        assert s.snr == pytest.approx(b.snr, rel=1e-6)


def test_channel_stream_in_random_steps_equals_the_batch_detector(
    scenario: tuple[Stream, MonitoringNetwork],
) -> None:
    stream, _ = scenario
    config = DetectionConfig()
    rng = np.random.default_rng(7)
    n_total = 0
    for sta in SINGLE:
        tr = stream.select(station=sta, component="Z")[0]
        batch = detect_trace(tr, config)
        ch = ChannelStream(tr.id, tr.stats.starttime, tr.stats.sampling_rate, config)
        streamed = []
        for s in _pieces(tr.stats.npts, rng, 1, 400):  # 25 ms to 10 s pieces
            streamed += ch.extend(tr.data[s])
        streamed += ch.finish()
        _same(batch, streamed, tr.stats.sampling_rate)
        n_total += len(batch)
    assert n_total >= 3  # the event's P at each station (and noise triggers)


def test_streaming_detector_over_the_network_equals_the_stage(
    scenario: tuple[Stream, MonitoringNetwork],
) -> None:
    stream, network = scenario
    config = DetectionConfig()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        found = detect(stream, network, config).detections
        batch = [d for d in found if d.method == "stalta"]
        batch_beams = [d for d in found if d.method == "beam"]
    detector = StreamingDetector(network, config)
    rng = np.random.default_rng(11)
    emitted: list = []
    # interleave the channels as records arrive: each gets 1-10 s at a time
    pos = {tr.id: 0 for tr in stream}
    t = 0.0
    while t < SPAN:
        t += 5.0
        for tr in stream:
            fs = tr.stats.sampling_rate
            stop = min(tr.stats.npts, round(t * fs))
            while pos[tr.id] < stop:
                i = pos[tr.id]
                j = min(stop, i + int(rng.integers(40, 400)))
                emitted += detector.feed(tr.id, tr.stats.starttime + i / fs, fs, tr.data[i:j])
                pos[tr.id] = j
    emitted += detector.flush()
    final = {d.id: d for d in emitted}  # an update replaces the first version (same id)
    single = [d for d in final.values() if d.method == "stalta"]
    _same(batch, single, 40.0)
    firsts = [d for d in emitted if d.method == "stalta"]
    assert len(firsts) == 2 * len(single)  # each detection once with its onset, once updated
    by_id = {d.id: d for d in batch}
    for d in single:  # the update adds the station-level measurements
        assert np.isfinite(d.amplitude_wa) == np.isfinite(by_id[d.id].amplitude_wa)
        assert d.phase == by_id[d.id].phase
    # the array (BVAR), streamed from its elements' interleaved records: the stage's arrivals
    beams = [d for d in emitted if d.method == "beam"]
    assert batch_beams and len({d.id for d in beams}) == len(beams)  # each emitted once
    _same(batch_beams, beams, 40.0)
    assert [d.phase for d in sorted(beams, key=lambda d: d.time)] == [
        d.phase for d in sorted(batch_beams, key=lambda d: d.time)
    ]


def test_streaming_detector_restarts_a_channel_after_a_gap_and_skips_old_data(
    scenario: tuple[Stream, MonitoringNetwork],
) -> None:
    stream, network = scenario
    tr = stream.select(station="AKTO", component="Z")[0]
    fs = tr.stats.sampling_rate
    config = DetectionConfig()
    detector = StreamingDetector(network, config)
    half = tr.stats.npts // 2
    t0 = tr.stats.starttime
    got = detector.feed(tr.id, t0, fs, tr.data[:half])
    # the same samples again (a back-fill, a clock stepping back): ignored, not re-detected
    assert detector.feed(tr.id, t0, fs, tr.data[:half]) == []
    # a 60-s gap: the channel ends its segment and starts anew after it
    gap = round(60 * fs)
    got += detector.feed(tr.id, t0 + (half + gap) / fs, fs, tr.data[half + gap :])
    got += detector.flush()
    final = list({d.id: d for d in got}.values())
    first = detect_trace(tr.slice(t0, t0 + (half - 1) / fs), config)
    second = detect_trace(tr.slice(t0 + (half + gap) / fs, tr.stats.endtime), config)
    _same(first + second, final, fs)


def test_an_array_element_outage_is_reported_once_not_every_window(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """At the live edge every window met the same missing element again: one warning per
    outage, and one line when the element is back in use."""
    from openndc.detection.array import detect_array
    from tests.detection.array.conftest import plane_wave_stream, ring_array

    arr = ring_array()
    full = plane_wave_stream(arr, amp=8.0)
    gone = full.copy()
    gone.remove(gone[2])  # element E02 sends nothing
    logger = "openndc.detection.array.detector"
    for _ in range(5):  # an outage another test left open (the registry is process-wide)
        detect_array(full, arr, DetectionConfig())
    with caplog.at_level(logging.INFO, logger=logger):
        for _ in range(4):
            detect_array(gone, arr, DetectionConfig())
        warned = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warned) == 1 and "E02 has no" in warned[0].getMessage()
        for _ in range(5):  # back in use for 5 windows in a row: the outage is over
            detect_array(full, arr, DetectionConfig())
        assert sum("element E02 back in use" in r.getMessage() for r in caplog.records) == 1
        caplog.clear()
        detect_array(gone, arr, DetectionConfig())  # a new outage: reported again
        assert sum(r.levelno == logging.WARNING for r in caplog.records) == 1
    for _ in range(5):  # leave no outage open for other tests
        detect_array(full, arr, DetectionConfig())


def test_a_channel_too_slow_for_every_band_gives_nothing_as_in_batch() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(0, 100, 3600)
    ch = ChannelStream("IU.MAKZ..LHZ", UTCDateTime(2024, 3, 1), 1.0, DetectionConfig())
    assert ch.extend(x[:1800]) == [] and ch.extend(x[1800:]) == [] and ch.finish() == []


def test_array_stream_in_random_steps_equals_the_batch_array_detector(
    scenario: tuple[Stream, MonitoringNetwork],
) -> None:
    """The array detector's beams, STA/LTA, merge and f-k streamed in random pieces (25 ms
    to 10 s) give detect_array's arrivals on the same segment: same count, onsets within a
    sample, the same SNR, direction and slowness."""
    from openndc.detection.array import detect_array
    from openndc.detection.array.detector import gather_array_data
    from openndc.detection.array.stream import ArrayStream

    stream, network = scenario
    config = DetectionConfig()
    bvar = network.array("BVAR")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        batch = detect_array(stream, bvar, config)
        ad = gather_array_data(stream, bvar, config)
    assert ad is not None and batch
    st = ArrayStream(bvar, ad.codes, ad.fs, ad.starttime, config, channel=ad.channel)
    # each element with a large offset of its own (the batch data are demeaned): the filters
    # start in the steady state of the first sample, so the result does not depend on it
    raw = ad.data + rng_offsets(len(ad.codes))
    rng = np.random.default_rng(5)
    streamed, withdrawn = [], []
    for s in _pieces(raw.shape[1], rng, 1, 400):
        streamed += st.extend(raw[:, s])
        withdrawn += st.withdrawn()
    streamed += st.finish()
    withdrawn += st.withdrawn()
    # emitted at once; those a stronger arrival replaced since are withdrawn
    gone = {d.id for d in withdrawn}
    assert gone <= {d.id for d in streamed}
    streamed = [d for d in streamed if d.id not in gone]
    assert len(streamed) == len(batch)
    for b, s in zip(batch, streamed, strict=True):
        assert abs(s.time - b.time) <= 1.0 / ad.fs + 1e-9, (b.time, s.time)
        assert s.snr == pytest.approx(b.snr, rel=1e-6)
        assert s.backazimuth == pytest.approx(b.backazimuth, abs=0.5)
        assert s.slowness == pytest.approx(b.slowness, abs=0.05)
        assert s.id == b.id


def rng_offsets(n: int) -> np.ndarray:
    return np.random.default_rng(9).uniform(-1.5e6, 1.5e6, (n, 1))
