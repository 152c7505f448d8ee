"""The array detector's warm-up: after ``array_warmup_seconds`` of data its STA/LTA no
longer depends on where the data began (so a batch window's result equals the live
stream's), and a restarted live stream triggers only after the data its former stream had."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from obspy import Stream, UTCDateTime

from openndc.archive import SDSArchive
from openndc.cli.demo import DEMO_SEED, DEMO_START
from openndc.detection.array import detect_array
from openndc.detection.array.detector import array_warmup_seconds, gather_array_data
from openndc.detection.array.stream import ArrayStream
from openndc.detection.config import DetectionConfig
from openndc.detection.stage import station_warmup_seconds, warmup_seconds
from openndc.inventory import read_inventory
from openndc.model.errors import DataQualityWarning
from openndc.model.inventory import MonitoringNetwork
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
        return out + st.finish()

    full, held = streamed(0.0), streamed(quiet)
    assert any(d.time < ad.starttime + quiet for d in full)
    # an onset may be re-picked a little before its trigger, never minutes before it
    assert all(d.time >= ad.starttime + quiet - config.onset.before - 5.0 for d in held)
    later = [d.id for d in full if d.time >= ad.starttime + quiet + 30.0]
    assert later and later == [d.id for d in held if d.time >= ad.starttime + quiet + 30.0]
    assert np.isfinite([d.snr for d in held]).all()
