"""Template building, the shared processing onto the time grid, and template storage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime
from obspy.core.event import Event, Magnitude, Origin, Pick, WaveformStreamID

from openndc.model.errors import ArchiveError, ConfigError
from openndc.model.inventory import MonitoringNetwork, Station
from openndc.osi.config import TemplateConfig
from openndc.osi.templates import (
    Band,
    build_templates,
    grid_time,
    process_stream,
    read_templates,
    write_templates,
)

T0 = UTCDateTime("2021-06-01T12:00:00")


def test_grid_time_is_exact() -> None:
    t = UTCDateTime("2021-06-01T12:00:00.013")
    assert grid_time(t, 50.0) == UTCDateTime("2021-06-01T12:00:00.02")
    assert grid_time(t, 50.0, "floor") == UTCDateTime("2021-06-01T12:00:00.00")
    assert grid_time(UTCDateTime("2021-06-01T12:00:00.02"), 50.0, "ceil").ns % 20_000_000 == 0


def test_process_stream_aligns_rates_and_zero_fills_gaps() -> None:
    band = Band(2.0, 15.0, 4, 50.0)
    f = 6.0
    st = Stream()
    for rate, off, sta in ((200.0, 0.0031, "A"), (100.0, 0.0, "B"), (250.0, 0.002, "C")):
        t = np.arange(int(60 * rate)) / rate
        tr = Trace(np.sin(2 * np.pi * f * (t + off)) * 1e3)
        tr.stats.update({"station": sta, "channel": "HHZ", "sampling_rate": rate})
        tr.stats.starttime = T0 + off
        st.append(tr)
    gap = st[1].copy()
    st[1] = gap.slice(T0, T0 + 20)
    st.append(gap.slice(T0 + 30, T0 + 60))
    out = process_stream(st, band, T0 + 1, T0 + 59)
    assert len(out) == 3
    assert {tr.stats.sampling_rate for tr in out} == {50.0}
    assert (
        len({tr.stats.starttime.ns for tr in out}) == 1 and len({tr.stats.npts for tr in out}) == 1
    )
    tg = out[0].times() + (out[0].stats.starttime - T0)
    want = np.sin(2 * np.pi * f * tg)
    for tr in out:
        mid = slice(300, 900) if tr.stats.station != "B" else slice(100, 800)
        x = tr.data[mid] / np.abs(tr.data[mid]).max()
        assert np.corrcoef(x, want[mid])[0, 1] > 0.99, tr.id
    b = out.select(station="B")[0]
    i0 = round((T0 + 21 - b.stats.starttime) * 50)
    i1 = round((T0 + 29 - b.stats.starttime) * 50)
    assert np.all(b.data[i0:i1] == 0.0)


def _event_data() -> tuple[Event, Stream, MonitoringNetwork]:
    rng = np.random.default_rng(1)
    ot = T0 + 30
    ev = Event(resource_id="smi:test/e1")
    ev.origins.append(Origin(time=ot, latitude=1.0, longitude=2.0, depth=5000.0))
    ev.magnitudes.append(Magnitude(mag=1.3))
    st = Stream()
    for k, sta in enumerate(("A", "B", "C")):
        for comp in "ZNE":
            tr = Trace(rng.standard_normal(12000) * 100)
            tr.stats.update(
                {
                    "network": "XX",
                    "station": sta,
                    "channel": "HH" + comp,
                    "sampling_rate": 100.0,
                    "starttime": T0,
                }
            )
            st.append(tr)
        wid = WaveformStreamID("", sta, "", "HZ")
        ev.picks.append(Pick(time=ot + 2 + k, phase_hint="P", waveform_id=wid))
        ev.picks.append(Pick(time=ot + 4 + 2 * k, phase_hint="S", waveform_id=wid))
        ev.picks.append(Pick(time=ot + 5 + 2 * k, phase_hint="IAML", waveform_id=wid))
    net = MonitoringNetwork("t", (Station("XX", "A", 0, 0), Station("XX", "B", 0, 0.1)))
    return ev, st, net


def test_build_write_read_roundtrip(tmp_path: Path) -> None:
    ev, st, net = _event_data()
    templates, problems = build_templates([ev], st, net, TemplateConfig())
    assert len(templates) == 1
    (tpl,) = templates
    assert [p.kind for p in problems] == ["no_metadata"] and problems[0].stream == "C"
    chans = {(c.seed_id, c.phase) for c in tpl.info.channels}
    assert chans == {
        ("XX.A..HHZ", "P"),
        ("XX.A..HHN", "S"),
        ("XX.A..HHE", "S"),
        ("XX.B..HHZ", "P"),
        ("XX.B..HHN", "S"),
        ("XX.B..HHE", "S"),
    }
    for ch in tpl.info.channels:
        tr = tpl.stream.select(id=ch.seed_id)[0]
        assert tr.stats.npts == 150 and tr.stats.sampling_rate == 50.0
        assert abs(tr.stats.starttime - (ch.pick_time - 0.2)) <= 0.01
        assert abs(ch.offset - (tr.stats.starttime - tpl.info.origin_time)) < 1e-9
    assert tpl.info.magnitude == 1.3 and tpl.info.depth_km == 5.0
    paths = write_templates(templates, tmp_path)
    assert sorted(p.suffix for p in paths) == [".json", ".ms", ".xml"]
    (back,) = read_templates(tmp_path)
    assert back.info == tpl.info and back.filter_corners == tpl.filter_corners
    assert back.event is not None and len(back.event.picks) == len(ev.picks)
    for tr in tpl.stream:
        got = back.stream.select(id=tr.id)[0]
        assert got.stats.starttime == tr.stats.starttime
        assert np.array_equal(got.data, tr.data)


def test_too_few_channels_and_bad_config(tmp_path: Path) -> None:
    ev, st, net = _event_data()
    templates, problems = build_templates([ev], st, net, TemplateConfig(min_channels=7))
    assert templates == [] and "min_channels" in problems[-1].message
    with pytest.raises(ConfigError, match="Nyquist"):
        TemplateConfig(freq_max=30.0, sampling_rate=50.0)
    with pytest.raises(ArchiveError, match="no templates"):
        read_templates(tmp_path)


def test_min_snr_drops_noise_windows() -> None:
    ev, st, net = _event_data()  # pure noise: window RMS / pre-window RMS is about 1
    kept, _ = build_templates([ev], st, net, TemplateConfig(min_snr=0.5))
    assert len(kept) == 1
    dropped, problems = build_templates([ev], st, net, TemplateConfig(min_snr=3.0))
    assert dropped == [] and "min_channels" in problems[-1].message
