"""The magnitude and screening stages read only what their measurements can use, and give
the same results as with every waveform of the network read."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
from obspy import Stream, Trace, UTCDateTime

from openndc.archive import ReadResult
from openndc.magnitude import MagnitudeConfig, compute_magnitudes
from openndc.model.event import Arrival, Event, Origin
from openndc.model.geodesy import DEG_KM
from openndc.model.inventory import ChannelInfo, MonitoringNetwork, Station
from openndc.pipeline.contract import StageContext, Window
from openndc.pipeline.identity import EventChange
from openndc.pipeline.stages import MS_PAD, MagnitudeStage, ScreeningStage
from openndc.screening import ScreeningConfig, screen_event
from tests.screening.helpers import make_event, synth_trace

SENS = 1.5e9  # counts / (m/s)


@dataclass(frozen=True)
class StreamSource:
    """A waveform source over an in-memory stream that selects like an SDS archive
    (``station`` comma list, ``channel`` pattern) and records each read's selection."""

    stream: Stream
    station: str = "*"
    channel: str = "*"
    reads: list[tuple[str, str]] = field(default_factory=list, compare=False)

    def read(self, start: UTCDateTime, end: UTCDateTime) -> ReadResult:
        self.reads.append((self.station, self.channel))
        out = Stream()
        for code in self.station.split(","):
            out += self.stream.select(station=code, channel=self.channel)
        return ReadResult(out.slice(start, end, nearest_sample=False).copy())


def _rayleigh(station: str, delta: float, t0: UTCDateTime) -> Trace:
    """Vertical velocity [counts] of a 20-s wave train at ``delta`` deg (1 Hz)."""
    d_km = delta * DEG_KM
    t = np.arange(-1200.0, d_km / 2.5 + 600.0, 1.0)
    tc, w = d_km / 3.5, 2 * np.pi / 20.0
    env = np.exp(-(((t - tc) / 200.0) ** 2))
    v = 1e-6 * (
        -2 * (t - tc) / 200.0**2 * env * np.cos(w * (t - tc)) - w * env * np.sin(w * (t - tc))
    )
    noise = np.random.default_rng(3).normal(0.0, 2e-9, t.size)
    tr = Trace(data=SENS * (v + noise))
    tr.stats.update(
        {"network": "XX", "station": station, "channel": "LHZ", "sampling_rate": 1.0,
         "starttime": t0 + float(t[0])}
    )  # fmt: skip
    return tr


def _ms_case() -> tuple[Event, MonitoringNetwork, Stream]:
    t0 = UTCDateTime("2024-03-01T12:00:00")
    calibrated = ChannelInfo("LHZ", sample_rate_hz=1.0, sensitivity=SENS, input_units="M/S")
    net = MonitoringNetwork(
        "ms",
        (
            Station("XX", "CAL", 0.0, 50.0, channels=(calibrated,)),
            Station("XX", "BARE", 0.0, 50.0, channels=(ChannelInfo("LHZ"),)),
        ),
    )
    stream = Stream([_rayleigh("CAL", 50.0, t0), _rayleigh("BARE", 50.0, t0)])
    arrival = Arrival(
        detection=dataclasses.replace(make_event(phases=("P",)).arrivals[0].detection,
                                      station="CAL", time=t0 + 500.0),
        phase="P",
        distance=50.0,
    )  # fmt: skip
    event = Event(
        id="ev1", origin=Origin(time=t0, latitude=0.0, longitude=0.0, depth_km=10.0),
        arrivals=(arrival,),
    )  # fmt: skip
    return event, net, stream


def _mags(event: Event) -> list[object]:
    """The network magnitudes without their provenance (which carries the time it was made)."""
    return [dataclasses.replace(m, provenance=None) for m in event.magnitudes]


def _run_ms(event: Event, net: MonitoringNetwork, source: StreamSource) -> Event:
    t0 = event.origin.time
    ctx = StageContext(net, None, source, "memory")
    out = MagnitudeStage(MagnitudeConfig()).run(
        [EventChange("new", event)], Window(t0 - 60.0, t0 + 3600.0), ctx
    )
    return out.products[0].event


def test_ms_reads_only_stations_with_a_response_and_measures_the_same() -> None:
    event, net, stream = _ms_case()
    source = StreamSource(stream)
    got = _run_ms(event, net, source)
    assert [r[0] for r in source.reads] == ["CAL"]  # BARE has no response: not read
    # what reading both stations over their (common) Rayleigh window gives
    cfg, o, d_km = MagnitudeConfig().ms, event.origin, 50.0 * DEG_KM
    both = StreamSource(stream, station="CAL,BARE", channel="*Z").read(
        o.time + d_km / cfg.velocity_max - MS_PAD, o.time + d_km / cfg.velocity_min + MS_PAD
    )
    assert len(both.stream) == 2
    expected = compute_magnitudes(event, net, MagnitudeConfig(), stream=both.stream)
    ms = [m for m in got.magnitudes if m.magnitude_type == "Ms"]
    assert len(ms) == 1 and ms[0].n_stations == 1
    assert _mags(got) == _mags(expected)


def test_ms_of_a_deep_event_reads_nothing_and_has_no_ms() -> None:
    event, net, stream = _ms_case()
    deep = dataclasses.replace(event, origin=dataclasses.replace(event.origin, depth_km=200.0))
    source = StreamSource(stream)
    got = _run_ms(deep, net, source)
    assert source.reads == []
    expected = compute_magnitudes(deep, net, MagnitudeConfig(), stream=stream)
    assert _mags(got) == _mags(expected)
    assert not [m for m in got.magnitudes if m.magnitude_type == "Ms"]


def test_screening_reads_the_verticals_in_its_distance_range_and_screens_the_same() -> None:
    event = make_event(lat=45.0, lon=20.0)
    t0 = event.origin.time
    near, mid, far = 100.0, 700.0, 2500.0  # km: below, in and beyond the 150-1600 km range
    net = MonitoringNetwork(
        "scr",
        tuple(
            Station("XX", code, 45.0 + d / DEG_KM, 20.0)
            for code, d in (("NEAR", near), ("MID", mid), ("MID2", 1200.0), ("FAR", far))
        ),
    )
    traces = []
    for k, (code, d) in enumerate((("NEAR", near), ("MID", mid), ("MID2", 1200.0), ("FAR", far))):
        z = synth_trace("XX", code, d, -0.3, t0, seed=k)
        for comp in ("Z", "N", "E"):
            tr = z.copy()
            tr.stats.channel = "BH" + comp
            traces.append(tr)
    stream = Stream(traces)
    source = StreamSource(stream)
    config = ScreeningConfig()
    ctx = StageContext(net, None, source, "memory")
    out = ScreeningStage(config).run(
        [EventChange("new", event)], Window(t0 - 60.0, t0 + 3600.0), ctx
    )
    assert source.reads == [("MID,MID2", "*Z")]
    (result,) = out.products.results
    expected = screen_event(event, net, config, stream=stream)
    assert result.outcome == expected.outcome
    assert result.evidence == expected.evidence
    regional = next(e for e in result.evidence if e.name == "regional P/S")
    assert {v.station for v in regional.station_values} == {"XX.MID", "XX.MID2"}


def test_detection_workers_import_only_the_detection_stage() -> None:
    """What a detection worker unpickles (the stage and the function it calls) imports
    neither association, location, magnitudes, screening nor the database."""
    import pickle
    import subprocess
    import sys

    from openndc.detection.config import DetectionConfig
    from openndc.pipeline.detecting import DetectionStage, detect_window

    payload = pickle.dumps((detect_window, DetectionStage(DetectionConfig())))
    code = (
        "import pickle, sys; pickle.loads(sys.stdin.buffer.read()); "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('openndc.'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=payload, capture_output=True, timeout=300, check=True
    )
    loaded = out.stdout.decode().split()
    assert "openndc.detection.stage" in loaded
    heavy = ("association", "location", "magnitude", "screening", "bulletin", "pipeline.stages")
    assert not [m for m in loaded if any(f"openndc.{h}" in m for h in heavy)], loaded
