"""The Alpine Fault microearthquakes of ../shared/data (EQcorrscan's test data) for tests and
benchmarks: the located events (Nordic S-files), their 90 s SEISAN waveform windows, and the
stations (SEISAN ``STATION0.HYP``) as a :class:`~openndc.model.inventory.MonitoringNetwork`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from obspy import Stream, Trace, UTCDateTime, read, read_events
from obspy.core.event import Event

from openndc.model.inventory import MonitoringNetwork, Station
from openndc.osi.templates import Band, Template, process_stream

__all__ = [
    "FOLDER",
    "Injection",
    "alpine_events",
    "alpine_network",
    "alpine_waveforms",
    "continuous",
]

FOLDER = "nz_alpine_fault_microquakes_2013_eqcorrscan"


def _minutes(text: str) -> float:
    text = text.strip()
    return float(text) if "." in text else float(text) / 1000.0  # "17790" is 17.790'


def alpine_network(root: Path) -> MonitoringNetwork:
    """Stations of ``STATION0.HYP`` (SEISAN: name in columns 2-6, degrees and minutes)."""
    stations: dict[str, Station] = {}
    for line in (root / "station_files" / "STATION0.HYP").read_text().splitlines():
        if len(line) < 23 or line[13] not in "NS" or line[22] not in "EW":
            continue
        code = line[1:6].strip()
        if not code or code.startswith(".") or code in stations:
            continue
        try:
            lat = float(line[6:8]) + _minutes(line[8:13]) / 60.0
            lon = float(line[14:17]) + _minutes(line[17:22]) / 60.0
            elev = float(line[23:27] or 0.0)
        except ValueError:
            continue
        lat = -lat if line[13] == "S" else lat
        lon = -lon if line[22] == "W" else lon
        stations[code] = Station("", code, lat, lon, elev, source="STATION0.HYP")
    return MonitoringNetwork("alpine", tuple(stations.values()), source=str(root))


@lru_cache(maxsize=2)
def alpine_events(root: Path) -> tuple[Event, ...]:
    """The 50 S-files' events (origin, ML, picks), in file-name order."""
    events = []
    for f in sorted((root / "REA").glob("*.S2013*")):
        events.extend(read_events(str(f), format="NORDIC"))
    return tuple(events)


@lru_cache(maxsize=2)
def alpine_waveforms(root: Path) -> Stream:
    """All 48 SEISAN waveform windows in one Stream (each trace keeps its own times)."""
    st = Stream()
    for f in sorted((root / "WAV").iterdir()):
        st += read(str(f))
    return st


NOISE_FILE = "hour_traces/AF.WHAT2.10.SH1_2015-01-01T00_1h_200Hz.ms"


@dataclass(frozen=True)
class Injection:
    """A template event's real waveforms added to the noise: ``origin`` is where its origin
    time lands; ``snr`` the median over its template channels of the template-window RMS
    over the noise RMS, both in the template band."""

    template: Template
    origin: UTCDateTime
    snr: float


def _noise(root: Path, band: Band) -> np.ndarray:
    """The real 1 h noise record (AF.WHAT2 SH1, 200 Hz), scaled to unit RMS in ``band``."""
    tr = read(str(root / NOISE_FILE))[0]
    x = tr.data.astype(np.float64)
    x -= x.mean()
    proc = process_stream(
        Stream([Trace(x, header=dict(tr.stats))]), band, tr.stats.starttime, tr.stats.endtime
    )[0].data
    core = proc[500:-500]
    return x / float(np.sqrt(np.mean(core.astype(np.float64) ** 2)))


def continuous(
    root: Path,
    templates: Sequence[Template],
    injections: Sequence[Injection],
    start: UTCDateTime,
    duration: float,
    noise_seed: int = 0,
) -> Stream:
    """Raw continuous data on every channel of ``templates``: real noise (the 1 h record,
    circularly shifted by a different lag per channel and ``noise_seed``, resampled to the
    channel's rate) plus
    the injected events' real recordings (origin - 10 s to + 40 s, tapered)."""
    from scipy.signal import resample_poly

    band = templates[0].band
    noise = _noise(root, band)
    wav = alpine_waveforms(root)
    ids = sorted({ch.seed_id for t in templates for ch in t.info.channels})
    rates = {tr.id: float(tr.stats.sampling_rate) for tr in wav}
    out = Stream()
    n200 = int(duration * 200.0)
    for k, sid in enumerate(ids):
        rate = rates[sid]
        base = np.roll(noise, -int((k * 137.3 + noise_seed * 911.7) * 200) % noise.size)
        reps = int(np.ceil(n200 / base.size))
        x200 = np.tile(base, reps)[:n200]
        up = round(rate / 10)
        x = resample_poly(x200, up, 20) if up != 20 else x200
        for inj in injections:
            ot = inj.template.info.origin_time
            rms = [
                float(np.sqrt(np.mean(tr.data.astype(np.float64) ** 2)))
                for tr in inj.template.stream
            ]
            scale = inj.snr / float(np.median(rms))
            piece = wav.select(id=sid).slice(ot - 10.0, ot + 40.0)
            if not piece:
                continue
            y = piece[0].data.astype(np.float64)
            y = (y - y.mean()) * scale
            n_t = int(rate)
            ramp = 0.5 * (1 - np.cos(np.pi * np.arange(n_t) / n_t))
            y[:n_t] *= ramp
            y[-n_t:] *= ramp[::-1]
            i0 = round(
                (inj.origin - 10.0 - start) * rate + (piece[0].stats.starttime - (ot - 10.0)) * rate
            )
            lo, hi = max(i0, 0), min(i0 + y.size, x.size)
            if hi > lo:
                x[lo:hi] += y[lo - i0 : hi - i0]
        net, sta, loc, cha = sid.split(".")
        hdr = {
            "network": net,
            "station": sta,
            "location": loc,
            "channel": cha,
            "sampling_rate": rate,
            "starttime": start,
        }
        out.append(Trace(x.astype(np.float32), header=hdr))
    return out
