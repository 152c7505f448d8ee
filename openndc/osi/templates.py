"""Templates: located events' waveforms cut around their picks, and how they are stored.

A template is made from an event with an origin and P/S picks (EQcorrscan's
``Template.construct``, Chamberlain et al. 2018): the waveforms around the event are
band-passed (zero-phase Butterworth), brought to one sampling rate on the global time grid
(``k / rate`` since the epoch) and cut ``prepick`` before each pick for ``length`` seconds:
P picks on the vertical channel, S picks on the horizontals. The same processing
(:func:`process_stream`) is applied to the continuous data that are scanned.

On disk (:func:`write_templates`), standard formats only, as EQcorrscan does (a tar of
miniSEED and QuakeML): per template ``NAME.ms`` (miniSEED, float32, one record set per
channel window), ``NAME.xml`` (QuakeML of the template event: origin, magnitude, picks) and
``NAME.json`` (the processing parameters: band, order, rate, lengths, per-channel phase,
pick time and offset; provenance).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from obspy import Stream, Trace, UTCDateTime, read, read_events
from obspy.core.event import Catalog, Event, Magnitude, Origin, Pick, WaveformStreamID

from openndc import __version__
from openndc.model.config import to_mapping
from openndc.model.errors import ArchiveError
from openndc.model.inventory import MonitoringNetwork
from openndc.model.osi import TemplateChannel, TemplateInfo
from openndc.model.provenance import Provenance
from openndc.model.quality import DataProblem
from openndc.osi.config import TemplateConfig

__all__ = [
    "Band",
    "Template",
    "WaveformReader",
    "build_templates",
    "grid_time",
    "process_stream",
    "read_templates",
    "write_templates",
]

log = logging.getLogger(__name__)

FORMAT = "openndc-template/1"


class _ReadResultLike(Protocol):
    @property
    def stream(self) -> Stream: ...

    @property
    def problems(self) -> Sequence[DataProblem]: ...


class WaveformReader(Protocol):
    """Anything that reads a time window of waveforms (``SDSArchive``, the pipeline sources)."""

    def read(self, start: UTCDateTime, end: UTCDateTime) -> _ReadResultLike: ...


@dataclass(frozen=True)
class Band:
    """The processing shared by a template and the data it scans."""

    freq_min: float
    freq_max: float
    corners: int
    sampling_rate: float


@dataclass(frozen=True)
class Template:
    """A template: its metadata and its processed windows (one trace per channel).

    Each trace of ``stream`` starts at ``info.origin_time + channel.offset`` and keeps the
    amplitudes of the processed data (counts, band-passed): relative magnitudes are
    amplitude ratios against it. ``event`` is the template event (QuakeML on disk).
    """

    info: TemplateInfo
    stream: Stream
    filter_corners: int = 4
    event: Event | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def band(self) -> Band:
        i = self.info
        return Band(i.freq_min, i.freq_max, self.filter_corners, i.sampling_rate)

    @property
    def n_samples(self) -> int:
        """Samples per channel window."""
        return round(self.info.channels[0].length * self.info.sampling_rate)


def grid_time(t: UTCDateTime, rate: float, how: str = "round") -> UTCDateTime:
    """The sample time of the global grid ``k / rate`` nearest to (``ceil``: at or after,
    ``floor``: at or before) ``t``, in exact integer arithmetic."""
    r = Fraction(rate).limit_denominator(1000)
    k = Fraction(t.ns) * r / 10**9
    idx = math.ceil(k) if how == "ceil" else math.floor(k) if how == "floor" else round(k)
    return UTCDateTime(ns=round(idx * Fraction(10**9) / r))


def _to_grid(tr: Trace, rate: float) -> tuple[UTCDateTime, np.ndarray] | None:
    """Band-passed ``tr`` resampled onto the global grid: (first grid time, samples).

    The input is started at the sample nearest a grid point (an error of at most half an
    input sample), then resampled by a rational factor (``scipy.signal.resample_poly``,
    anti-alias FIR included).
    """
    from scipy.signal import resample_poly

    src = float(tr.stats.sampling_rate)
    ratio = Fraction(rate / src).limit_denominator(1000)
    up, down = ratio.numerator, ratio.denominator
    # input samples per output sample = down / up: align an input sample with a grid point
    g0 = grid_time(tr.stats.starttime, rate, "ceil")
    i0 = round((g0 - tr.stats.starttime) * src)
    x = tr.data[i0:]
    if x.size < 2:
        return None
    y = x if up == down == 1 else resample_poly(x, up, down)
    return g0, np.asarray(y, dtype=np.float32)


@lru_cache(maxsize=64)
def _sos(corners: int, freq_min: float, freq_max: float, rate: float) -> np.ndarray:
    from scipy.signal import butter

    nyq = 0.5 * rate
    return np.asarray(butter(corners, [freq_min / nyq, freq_max / nyq], "band", output="sos"))


def _bandpass(x: np.ndarray, band: Band, rate: float) -> np.ndarray:
    """Demean, 5 % cosine taper (at most 1 s), zero-phase Butterworth band-pass (forward and
    backward, as ObsPy's ``bandpass(..., zerophase=True)``)."""
    from scipy.signal import sosfilt

    y = np.asarray(x, dtype=np.float64) - float(np.mean(x))
    n_taper = min(int(0.05 * y.size), int(rate))
    if n_taper > 1:
        ramp = 0.5 * (1.0 - np.cos(np.pi * np.arange(n_taper) / n_taper))
        y[:n_taper] *= ramp
        y[-n_taper:] *= ramp[::-1]
    sos = _sos(band.corners, band.freq_min, band.freq_max, rate)
    return np.asarray(sosfilt(sos, sosfilt(sos, y)[::-1])[::-1])


def process_stream(stream: Stream, band: Band, start: UTCDateTime, end: UTCDateTime) -> Stream:
    """Band-pass and resample ``stream`` onto the global grid over ``[start, end)``.

    One float32 trace per SEED id, starting at the first grid time >= ``start``; gaps and
    data missing at either end are zeros (they correlate as 0). Each contiguous piece is
    demeaned, tapered (5 %, at most 1 s), filtered zero-phase and resampled on its own.
    """
    rate = band.sampling_rate
    t0 = grid_time(start, rate, "ceil")
    n = max(math.floor((end - t0) * rate - 1e-6) + 1, 0)
    out = Stream()
    for sid in sorted({tr.id for tr in stream}):
        data = np.zeros(n, dtype=np.float32)
        pieces = stream.select(id=sid).copy()
        for tr in pieces:
            tr.data = tr.data.astype(np.float64)
        try:
            pieces.merge(method=1)
        except Exception as exc:  # ObsPy raises plain Exception for mixed rates
            log.warning("%s: cannot merge its traces (%s): skipped", sid, exc)
            continue
        for tr in pieces.split():
            if tr.stats.npts < 4 or tr.stats.npts / tr.stats.sampling_rate < 1.0 / band.freq_min:
                continue
            if band.freq_max >= 0.5 * tr.stats.sampling_rate:
                log.warning(
                    "%s: rate %g Hz is too low for the band %g-%g Hz: skipped",
                    sid,
                    tr.stats.sampling_rate,
                    band.freq_min,
                    band.freq_max,
                )
                continue
            tr.data = _bandpass(tr.data, band, float(tr.stats.sampling_rate))
            gridded = _to_grid(tr, rate)
            if gridded is None:
                continue
            g0, y = gridded
            i = round((g0 - t0) * rate)
            lo, hi = max(i, 0), min(i + y.size, n)
            if hi > lo:
                data[lo:hi] = y[lo - i : hi - i]
        out_tr = Trace(data)
        out_tr.stats.update(
            {
                "network": pieces[0].stats.network,
                "station": pieces[0].stats.station,
                "location": pieces[0].stats.location,
                "channel": pieces[0].stats.channel,
                "sampling_rate": rate,
                "starttime": t0,
            }
        )
        out.append(out_tr)
    return out


def _read(
    waveforms: WaveformReader | Stream, start: UTCDateTime, end: UTCDateTime
) -> tuple[Stream, list[DataProblem]]:
    if isinstance(waveforms, Stream):
        inside = [tr for tr in waveforms if tr.stats.endtime >= start and tr.stats.starttime <= end]
        return Stream(inside).slice(start, end), []
    result = waveforms.read(start, end)
    return result.stream, list(result.problems)


def _phase_picks(event: Event, phases: Sequence[str]) -> dict[tuple[str, str], Pick]:
    """The earliest pick of each (station, phase letter) for the wanted phases."""
    wanted = {p[:1].upper() for p in phases}
    out: dict[tuple[str, str], Pick] = {}
    for pick in event.picks:
        letter = (pick.phase_hint or "")[:1].upper()
        sta = pick.waveform_id.station_code if pick.waveform_id else None
        if letter not in wanted or not sta or pick.time is None:
            continue
        key = (sta, letter)
        if key not in out or pick.time < out[key].time:
            out[key] = pick
    return out


def _choose_channels(
    stream: Stream, station: str, components: str, priority: Sequence[str]
) -> list[Trace]:
    """One trace per wanted component of ``station`` (by ``priority`` of band+instrument code)."""

    def rank(tr: Trace) -> tuple[int, str, str]:
        code = tr.stats.channel[:2]
        return (
            priority.index(code) if code in priority else len(priority),
            tr.stats.location,
            tr.id,
        )

    chosen = []
    for comp in components:
        cands = [
            tr for tr in stream if tr.stats.station == station and tr.stats.channel[-1:] == comp
        ]
        if cands:
            chosen.append(min(cands, key=rank))
    return chosen


def _template_name(origin_time: UTCDateTime, taken: set[str]) -> str:
    base = origin_time.strftime("%Y%m%dT%H%M%S") + f".{origin_time.microsecond // 100000}"
    name, k = base, 2
    while name in taken:
        name, k = f"{base}-{k}", k + 1
    taken.add(name)
    return name


def build_templates(
    events: Sequence[Event],
    waveforms: WaveformReader | Stream,
    network: MonitoringNetwork,
    config: TemplateConfig,
) -> tuple[list[Template], list[DataProblem]]:
    """Templates from located events with picks, and the problems met.

    ``waveforms`` is an archive or source with ``read(start, end)`` (``SDSArchive``, a
    pipeline source) or an ObsPy ``Stream`` holding the events' data. Stations not in
    ``network`` are skipped (``no_metadata``); channels without data, with a gap in their
    window or below ``min_snr`` are left out; an event with fewer than ``min_channels``
    usable channels makes no template. Templates are named by origin time.
    """
    problems: list[DataProblem] = []
    templates: list[Template] = []
    taken: set[str] = set()
    band = Band(config.freq_min, config.freq_max, config.filter_corners, config.sampling_rate)
    known = {s.code for s in network}
    provenance = Provenance(
        method="openndc.osi.templates", software_version=__version__, parameters=to_mapping(config)
    )
    for event in events:
        made = _one_template(event, waveforms, known, band, config, taken, problems, provenance)
        if made is not None:
            templates.append(made)
    return templates, problems


def _cut(
    tr: Trace,
    pick_time: UTCDateTime,
    config: TemplateConfig,
    label: str,
    problems: list[DataProblem],
) -> Trace | None:
    """The window of processed trace ``tr`` starting ``prepick`` before the pick, or None
    (not fully covered by data: a problem; below ``min_snr``)."""
    rate = config.sampling_rate
    m = round(config.length * rate)
    w0 = grid_time(pick_time - config.prepick, rate)
    i0 = round((w0 - tr.stats.starttime) * rate)
    win = tr.data[i0 : i0 + m] if i0 >= 0 else np.zeros(0, np.float32)
    if win.size < m or np.count_nonzero(win == 0.0) > 0:
        problems.append(
            DataProblem(
                "gap",
                label,
                tr.id,
                w0,
                w0 + config.length,
                "template window not fully covered by data: channel left out",
            )
        )
        return None
    if config.min_snr > 0:
        noise = tr.data[max(i0 - m, 0) : i0].astype(np.float64)
        rms_n = float(np.sqrt(np.mean(noise**2))) if noise.size else 0.0
        rms_s = float(np.sqrt(np.mean(win.astype(np.float64) ** 2)))
        if rms_n > 0 and rms_s / rms_n < config.min_snr:
            log.info("%s: SNR %.2f < min_snr at %s: left out", tr.id, rms_s / rms_n, w0)
            return None
    out = Trace(win.copy(), header=dict(tr.stats))
    out.stats.starttime = w0
    out.stats.npts = m
    return out


def _one_template(
    event: Event,
    waveforms: WaveformReader | Stream,
    known: set[str],
    band: Band,
    config: TemplateConfig,
    taken: set[str],
    problems: list[DataProblem],
    provenance: Provenance,
) -> Template | None:
    label = str(event.resource_id)
    origin = event.preferred_origin() or (event.origins[0] if event.origins else None)
    if origin is None or origin.time is None:
        problems.append(
            DataProblem("no_metadata", label, "", None, None, "event has no origin: no template")
        )
        return None
    picks = _phase_picks(event, config.phases)
    for sta in sorted({s for s, _ in picks} - known):
        problems.append(
            DataProblem(
                "no_metadata",
                label,
                sta,
                origin.time,
                None,
                "station of a pick is not in the inventory: its picks are not used",
            )
        )
    picks = {k: p for k, p in picks.items() if k[0] in known}
    if not picks:
        problems.append(
            DataProblem(
                "no_metadata", label, "", origin.time, None, "no usable P/S picks: no template"
            )
        )
        return None
    times = [p.time for p in picks.values()]
    start = min(times) - config.prepick - config.length - config.pad
    end = max(times) + config.length + config.pad
    raw, read_problems = _read(waveforms, start, end)
    problems.extend(read_problems)
    picked = {sta for sta, _ in picks}
    raw = Stream([tr for tr in raw if tr.stats.station in picked])
    processed = process_stream(raw, band, start, end)
    channels: list[TemplateChannel] = []
    traces: list[Trace] = []
    for (sta, letter), pick in sorted(picks.items()):
        comps = config.p_components if letter == "P" else config.s_components
        chosen = _choose_channels(processed, sta, comps, config.channel_priority)
        if not chosen:
            problems.append(
                DataProblem(
                    "gap",
                    label,
                    f"{sta} {letter}",
                    pick.time,
                    None,
                    f"no data on components {comps!r} for this pick: left out",
                )
            )
        for tr in chosen:
            cut = _cut(tr, pick.time, config, label, problems)
            if cut is not None:
                traces.append(cut)
                offset = cut.stats.starttime - origin.time
                channels.append(TemplateChannel(tr.id, letter, pick.time, offset, config.length))
    if len(channels) < config.min_channels:
        problems.append(
            DataProblem(
                "gap",
                label,
                "",
                origin.time,
                None,
                f"{len(channels)} usable channels < min_channels {config.min_channels}: "
                "no template",
            )
        )
        return None
    mag = event.preferred_magnitude() or (event.magnitudes[0] if event.magnitudes else None)
    info = TemplateInfo(
        name=_template_name(origin.time, taken),
        event_id=label,
        origin_time=origin.time,
        latitude=float(origin.latitude),
        longitude=float(origin.longitude),
        depth_km=float(origin.depth or 0.0) / 1000.0,
        magnitude=None if mag is None or mag.mag is None else float(mag.mag),
        freq_min=band.freq_min,
        freq_max=band.freq_max,
        sampling_rate=config.sampling_rate,
        channels=tuple(channels),
        provenance=provenance,
    )
    return Template(info, Stream(traces), band.corners, event)


# -- storage ----------------------------------------------------------------------------------


def _event_of(t: Template) -> Event:
    if t.event is not None:
        return t.event
    i = t.info
    ev = Event()
    ev.origins.append(
        Origin(
            time=i.origin_time,
            latitude=i.latitude,
            longitude=i.longitude,
            depth=i.depth_km * 1000.0,
        )
    )
    if i.magnitude is not None:
        ev.magnitudes.append(Magnitude(mag=i.magnitude))
    for ch in i.channels:
        n, s, loc, c = ch.seed_id.split(".")
        ev.picks.append(
            Pick(time=ch.pick_time, phase_hint=ch.phase, waveform_id=WaveformStreamID(n, s, loc, c))
        )
    return ev


def _info_json(t: Template) -> dict[str, Any]:
    i = t.info
    return {
        "format": FORMAT,
        "name": i.name,
        "event_id": i.event_id,
        "origin_time": str(i.origin_time),
        "latitude": i.latitude,
        "longitude": i.longitude,
        "depth_km": i.depth_km,
        "magnitude": i.magnitude,
        "freq_min": i.freq_min,
        "freq_max": i.freq_max,
        "filter_corners": t.filter_corners,
        "sampling_rate": i.sampling_rate,
        "channels": [
            {
                "seed_id": c.seed_id,
                "phase": c.phase,
                "pick_time": str(c.pick_time),
                "offset": c.offset,
                "length": c.length,
            }
            for c in i.channels
        ],
        "provenance": i.provenance.as_dict() if i.provenance is not None else None,
    }


def write_templates(templates: Sequence[Template], out_dir: str | Path) -> list[Path]:
    """Write each template as ``NAME.ms`` + ``NAME.xml`` (QuakeML) + ``NAME.json``; the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for t in templates:
        ms, xml, js = (out / f"{t.name}{ext}" for ext in (".ms", ".xml", ".json"))
        st = t.stream.copy()
        for tr in st:
            tr.data = np.ascontiguousarray(tr.data, dtype=np.float32)
        st.write(str(ms), format="MSEED", encoding="FLOAT32")
        Catalog([_event_of(t)]).write(str(xml), format="QUAKEML")
        js.write_text(json.dumps(_info_json(t), indent=1) + "\n")
        paths += [ms, xml, js]
    return paths


def _provenance(d: dict[str, Any] | None) -> Provenance | None:
    if not d:
        return None
    return Provenance(
        method=d["method"],
        software_version=str(d.get("software", "")).removeprefix("openndc "),
        parameters=d.get("parameters", {}),
        author=d.get("author", "automatic"),
        created=UTCDateTime(d["created"]),
    )


def read_templates(directory: str | Path) -> list[Template]:
    """The templates :func:`write_templates` wrote into ``directory``, sorted by name."""
    root = Path(directory)
    if not root.is_dir():
        raise ArchiveError(
            f"template folder {root} does not exist: make it with 'openndc osi templates'"
        )
    out: list[Template] = []
    for js in sorted(root.glob("*.json")):
        try:
            d = json.loads(js.read_text())
        except (OSError, ValueError) as exc:
            raise ArchiveError(f"template {js} cannot be read ({exc}): write it again") from exc
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            continue
        ms = js.with_suffix(".ms")
        if not ms.is_file():
            raise ArchiveError(
                f"template {js.stem}: waveform file {ms} is missing: write the templates again"
            )
        channels = tuple(
            TemplateChannel(
                c["seed_id"],
                c["phase"],
                UTCDateTime(c["pick_time"]),
                float(c["offset"]),
                float(c["length"]),
            )
            for c in d["channels"]
        )
        info = TemplateInfo(
            name=d["name"],
            event_id=d["event_id"],
            origin_time=UTCDateTime(d["origin_time"]),
            latitude=float(d["latitude"]),
            longitude=float(d["longitude"]),
            depth_km=float(d["depth_km"]),
            magnitude=None if d["magnitude"] is None else float(d["magnitude"]),
            freq_min=float(d["freq_min"]),
            freq_max=float(d["freq_max"]),
            sampling_rate=float(d["sampling_rate"]),
            channels=channels,
            provenance=_provenance(d.get("provenance")),
        )
        xml = js.with_suffix(".xml")
        event = read_events(str(xml))[0] if xml.is_file() else None
        stream = read(str(ms), format="MSEED")
        for tr in stream:
            tr.data = tr.data.astype(np.float32)
        out.append(Template(info, stream, int(d["filter_corners"]), event))
    if not out:
        raise ArchiveError(
            f"template folder {root} holds no templates (NAME.json + NAME.ms): check the path"
        )
    return out
