"""The array detector's warm-up: after ``array_warmup_seconds`` of data its STA/LTA no
longer depends on where the data began (so a batch window's result equals the live
stream's), a restarted live stream triggers only after the data its former stream had, and
a streamed arrival is emitted at once and withdrawn when a stronger one replaces it."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime

from openndc.archive import SDSArchive
from openndc.cli.demo import DEMO_SEED, DEMO_START
from openndc.detection.array import detect_array
from openndc.detection.array.detector import array_warmup_seconds, gather_array_data
from openndc.detection.array.kernels import plane_wave_delays
from openndc.detection.array.stream import ArrayStream
from openndc.detection.config import DetectionConfig
from openndc.detection.stage import station_warmup_seconds, warmup_seconds
from openndc.inventory import read_inventory
from openndc.model.detection import Detection
from openndc.model.errors import DataQualityWarning
from openndc.model.inventory import Array, MonitoringNetwork
from openndc.scenario import kazakh_day_events, make_scenario

SPAN = 900.0


@pytest.fixture(scope="module")
def bvar_day(tmp_path_factory: pytest.TempPathFactory) -> tuple[Stream, MonitoringNetwork]:
    """15 minutes of the BVAR array around a regional event (7 min after the start)."""
    kz = read_inventory("kz")
    bvar = kz.array("BVAR")
    keep = set(bvar.element_codes)
    net = dataclasses.replace(
        kz, stations=tuple(s for s in kz.stations if s.code in keep), arrays=(bvar,)
    )
    event = min(kazakh_day_events(DEMO_START, DEMO_SEED), key=lambda e: e.time)
    start = UTCDateTime(int(event.time.timestamp) // 60 * 60 - 420)
    out = tmp_path_factory.mktemp("array_stream")
    make_scenario(net, start, SPAN, DEMO_SEED, out, events=[event])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        stream = SDSArchive(out / "sds").read(start, start + SPAN).stream
    return stream, read_inventory(str(out / "inventory.xml"))


def test_the_stage_reads_the_arrays_warm_up_and_stations_their_own() -> None:
    config = DetectionConfig()
    longest = max(b.lta for b in config.bands)
    assert array_warmup_seconds(config) >= 6 * longest  # exp(-5) of the start left
    assert warmup_seconds(config) == array_warmup_seconds(config)
    assert station_warmup_seconds(config) < array_warmup_seconds(config)
    no_arrays = dataclasses.replace(config, array=dataclasses.replace(config.array, enabled=False))
    assert warmup_seconds(no_arrays) == station_warmup_seconds(no_arrays)


def test_array_detections_after_the_warm_up_do_not_depend_on_where_the_data_begin(
    bvar_day: tuple[Stream, MonitoringNetwork],
) -> None:
    """Data beginning 0, 60 or 120 s later: the same arrivals with the same STA/LTA (within
    1 %) once the later start is ``array_warmup_seconds`` behind."""
    stream, network = bvar_day
    config = DetectionConfig()
    bvar = network.array("BVAR")
    t0 = min(tr.stats.starttime for tr in stream)
    warm = array_warmup_seconds(config)

    def run(shift: float) -> list:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            return detect_array(stream.slice(t0 + shift, nearest_sample=False), bvar, config)

    runs = {shift: run(shift) for shift in (0.0, 60.0, 120.0)}
    after = t0 + 120.0 + warm + 10.0
    ref = [d for d in runs[0.0] if d.time >= after]
    assert ref and max(d.snr for d in ref) > 10.0  # the event's P is among them
    for shift in (60.0, 120.0):
        got = [d for d in runs[shift] if d.time >= after]
        assert len(got) == len(ref)
        for a, b in zip(ref, got, strict=True):
            assert abs(a.time - b.time) <= 0.05
            assert b.snr == pytest.approx(a.snr, rel=0.01)


def test_a_restarted_array_stream_triggers_only_after_its_quiet_time(
    bvar_day: tuple[Stream, MonitoringNetwork],
) -> None:
    """``quiet``: no arrival from a trigger before ``start + quiet``; later arrivals as in
    the stream without it."""
    stream, network = bvar_day
    config = DetectionConfig()
    bvar = network.array("BVAR")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        ad = gather_array_data(stream, bvar, config)
    assert ad is not None
    quiet = 300.0

    def streamed(q: float) -> list:
        st = ArrayStream(bvar, ad.codes, ad.fs, ad.starttime, config, channel=ad.channel, quiet=q)
        out = []
        for k in range(0, ad.data.shape[1], 400):
            out += st.extend(ad.data[:, k : k + 400])
        out += st.finish()
        gone = {d.id for d in st.withdrawn()}
        return [d for d in out if d.id not in gone]

    full, held = streamed(0.0), streamed(quiet)
    assert any(d.time < ad.starttime + quiet for d in full)
    # an onset may be re-picked a little before its trigger, never minutes before it
    assert all(d.time >= ad.starttime + quiet - config.onset.before - 5.0 for d in held)
    later = [d.id for d in full if d.time >= ad.starttime + quiet + 30.0]
    assert later and later == [d.id for d in held if d.time >= ad.starttime + quiet + 30.0]
    assert np.isfinite([d.snr for d in held]).all()


def _emergent_pair(array: Array, fs: float, n: int, onset: float) -> np.ndarray:
    """Element data ``(n_el, n)``: white noise, a weak 1.2-Hz P at ``onset`` [s] and a
    stronger 4-Hz phase growing for 8 s from 1.5 s later, both one plane wave (337 deg,
    0.078 s/km) across the array. The weak P triggers first (mb band); the 4-Hz phase
    triggers more than the dead time later (reg band) and its onset is re-picked within
    ``merge_window`` of the first: the batch detector keeps only the stronger."""
    codes = tuple(array.element_codes)
    delays = plane_wave_delays(array.offsets_km(codes), 337.0, 0.078)
    t = np.arange(n) / fs
    x = np.random.default_rng(3).normal(0.0, 1.0, (len(codes), n))

    def wavelet(tt: np.ndarray, f: float, rise: float, decay: float) -> np.ndarray:
        env = np.clip(tt / rise, 0.0, 1.0) * np.exp(-np.clip(tt - rise, 0.0, None) / decay)
        return env * np.sin(2 * np.pi * f * tt)

    for i in range(len(codes)):
        tt = t - onset - delays[i]
        x[i] += 0.5 * wavelet(tt, 1.2, 0.2, 2.0) + 2.0 * wavelet(tt - 1.5, 4.0, 8.0, 4.0)
    return x


def test_a_weaker_array_arrival_is_emitted_at_once_then_withdrawn_for_a_stronger_one() -> None:
    """The first arrival is emitted as soon as it is measured (not held until the next is);
    the stronger one re-picked within ``merge_window`` of it, later, withdraws it; what is
    left equals ``detect_array`` on the same data (ids, onsets, STA/LTA)."""
    bvar = read_inventory("kz").array("BVAR")
    config = DetectionConfig()
    fs, n, onset = 40.0, 12000, 200.0
    x = _emergent_pair(bvar, fs, n, onset)
    t0 = UTCDateTime(2024, 3, 1)
    codes = tuple(bvar.element_codes)
    st = ArrayStream(bvar, codes, fs, t0, config, channel="SHZ")
    emitted: list[tuple[float, Detection]] = []  # (data end when emitted, arrival)
    withdrawn: list[tuple[float, Detection]] = []
    for k in range(0, n, 40):  # one second at a time
        emitted += [(st.end - t0, d) for d in st.extend(x[:, k : k + 40])]
        withdrawn += [(st.end - t0, d) for d in st.withdrawn()]
    emitted += [(st.end - t0, d) for d in st.finish()]
    withdrawn += [(st.end - t0, d) for d in st.withdrawn()]
    assert len(withdrawn) == 1
    when_out, gone = withdrawn[0]
    first = next((w, d) for w, d in emitted if d.id == gone.id)
    stronger = [(w, d) for w, d in emitted if d.time > gone.time and w == when_out]
    assert len(stronger) == 1
    w_strong, strong = stronger[0]
    assert first[0] < w_strong  # the weaker one was out before the stronger one was measured
    assert first[0] <= gone.extra["data_end"] - t0 + 1.0  # at once: the second it was measured
    assert 0 < strong.time - gone.time < config.merge_window and strong.snr > gone.snr
    assert strong.extra["trigger_time"] - gone.extra["trigger_time"] >= config.dead_time

    net = [d for _, d in emitted if d.id != gone.id]
    header = {"network": "KZ", "channel": "SHZ", "sampling_rate": fs, "starttime": t0}
    traces = [Trace(x[i], header={**header, "station": c}) for i, c in enumerate(codes)]
    batch = detect_array(Stream(traces), bvar, config)
    assert [d.id for d in net] == [d.id for d in batch]
    for a, b in zip(net, batch, strict=True):
        assert a.snr == pytest.approx(b.snr, rel=1e-6)
        assert a.backazimuth == pytest.approx(b.backazimuth, abs=0.5)
