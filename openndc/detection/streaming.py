"""Streaming detection: the detection stage's kernels on data as they arrive.

The batch detector (:func:`openndc.detection.station.detect_trace`) filters and runs the
STA/LTA over a whole window. :class:`ChannelStream` runs the *same* kernels on short pieces
of one channel (a record, a second of data) and carries their state from piece to piece:

- each band's causal Butterworth filter (:func:`scipy.signal.sosfilt` with its ``zi``,
  started in the steady state of the first sample as the batch filter is) and its recursive
  STA/LTA (:func:`openndc.detection.stalta.recursive_sta_lta_warm` with its state), so the
  characteristic functions are exactly the batch ones;
- the trigger intervals of every band (a trigger open at the end of a piece stays open);
- the merge of the bands' triggers (those opening within ``merge_window`` are one
  detection, the highest SNR wins) and the dead time, decided as soon as no later trigger
  can change them;
- the broad-band and mb filters the measurements read.

A trigger is measured (:func:`openndc.detection.station._measure`: onset refinement,
back-search, SNR, dominant frequency, mb amplitude and period) as soon as the data its
measurement reads have arrived (trigger + ``2 onset.after + 2`` s + the zero-phase filter's
padding), so a detection is emitted with its onset fixed ~10-13 s of *data* after its
trigger, however long the trigger lasts later. Over one continuous segment the result
equals the batch detector on that segment (after the batch's own warm-up: the batch
demeans by the whole window's mean, the stream by its first piece's, which only the
zero-phase pick window and the broad-band filter's start-up see).

:class:`StreamingDetector` does this for a network: single stations per channel (the
preferred vertical of each station, as the stage), with the station-level measurements
that need data long after the onset (3-C polarization, the Wood-Anderson amplitude for ML,
the phase name) sent later as an *update* of the same detection (same identifier). Arrays
are streamed the same way (:class:`openndc.detection.array.stream.ArrayStream`: per-element
filter state, beams and their STA/LTA state, f-k at each arrival) from the elements'
records aligned on one time grid; an array detection is emitted once, measured, as soon
as it is measured; one that a later, stronger arrival within ``merge_window`` replaces (the
batch rule) is then handed over by :meth:`StreamingDetector.withdrawn`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from obspy import Stream, Trace, UTCDateTime

from openndc.detection.array.detector import array_warmup_seconds
from openndc.detection.array.stream import ArrayStream
from openndc.detection.config import BandConfig, DetectionConfig
from openndc.detection.filters import bandpass_sos, sosfilt_state, sosfilt_zi
from openndc.detection.phase_id import first_arrivals_are_p, identify_phase
from openndc.detection.stage import (
    _beam_elements,
    _channel_info,
    _measure_station,
)
from openndc.detection.stalta import recursive_sta_lta_warm, sta_lta_state, trigger_onsets
from openndc.detection.station import _filter_pad, _measure, _Trigger, _warm_samples
from openndc.model.detection import Detection
from openndc.model.inventory import Array, ChannelInfo, MonitoringNetwork, Station

__all__ = ["ChannelStream", "StreamingDetector", "onset_delay", "update_delay"]

log = logging.getLogger(__name__)


def onset_delay(config: DetectionConfig, fs: float) -> float:
    """Data after a trigger that its measurement reads [s] (the zero-phase pick window and
    its filter padding, the mb window): when a detection's onset is fixed."""
    pads = [_filter_pad(b, fs) / fs for b in config.bands if b.freq_min > 0] or [5.0]
    return max(2.0 * config.onset.after + 2.0 + max(pads), config.amplitude.mb_window + 1.0)


def update_delay(config: DetectionConfig) -> float:
    """Data after an onset that the station-level measurements read [s] (the detection
    stage's tail: the Wood-Anderson window, the onset search and 5 s of settling)."""
    a = config.amplitude
    return max(a.ml_window, a.mb_window) + config.onset.after + 5.0


@dataclass
class _Band:
    index: int
    band: BandConfig
    sos: np.ndarray
    nsta: int
    nlta: int
    nwarm: int
    zi: np.ndarray | None = None
    state: np.ndarray = field(default_factory=sta_lta_state)
    active: int = -1  # global index where the open trigger began, -1: none


class ChannelStream:
    """:func:`~openndc.detection.station.detect_trace` on one continuous channel, piece by
    piece, with the filter and STA/LTA state carried over (see the module docstring).

    ``extend(samples)`` appends the next contiguous samples and returns the detections
    whose onset got fixed; ``finish()`` ends the segment as the batch detector ends a trace
    (open triggers close at the last sample) and returns the rest.
    """

    def __init__(
        self,
        trace_id: str,
        start: UTCDateTime,
        fs: float,
        config: DetectionConfig,
        channel: ChannelInfo | None = None,
    ) -> None:
        self.trace_id = trace_id
        self.start = UTCDateTime(start)
        self.fs = float(fs)
        self.config = config
        self.channel = channel
        self.n = 0  # samples received
        self._offset: float | None = None
        self._b0 = 0  # global index of the buffers' first sample
        self._x = np.zeros(0)
        self._broad = np.zeros(0)
        self._mb = np.zeros(0)
        self._cft: list[np.ndarray] = []
        self._bands = [
            _Band(
                i,
                b,
                np.array(bandpass_sos(b.corners, b.freq_min, b.freq_max, self.fs)),
                max(1, round(b.sta * fs)),
                max(max(1, round(b.sta * fs)) + 1, round(b.lta * fs)),
                _warm_samples(b, fs, config.warmup),
            )
            for i, b in enumerate(config.bands)
            if 0 < b.freq_min < b.freq_max < 0.45 * self.fs
        ]
        self._cft = [np.zeros(0) for _ in self._bands]
        # the broad band of the measurements (no band usable at this rate: nothing to do,
        # as detect_trace gives nothing then)
        low = min((b.band.freq_min for b in self._bands), default=0.1 * self.fs)
        self._broad_sos = np.array(bandpass_sos(4, low, 0.45 * self.fs, self.fs))
        self._broad_zi = np.zeros((self._broad_sos.shape[0], 2))
        a = config.amplitude
        self._mb_sos = (
            np.array(bandpass_sos(3, a.mb_freq_min, a.mb_freq_max, self.fs))
            if a.mb_freq_max < 0.5 * self.fs
            else None
        )
        self._mb_zi = None if self._mb_sos is None else np.zeros((self._mb_sos.shape[0], 2))
        self._closed: list[_Trigger] = []
        self._last: _Trigger | None = None  # the last kept trigger (dead time, onset floor)
        self._todo: list[tuple[_Trigger, int]] = []  # kept, waiting for data: (trigger, floor)
        self._min_len = round(config.min_duration * self.fs)
        self._merge = round(config.merge_window * self.fs)
        self._dead = round(config.dead_time * self.fs)
        self._keep = round(
            (config.onset.before + 1.0 + config.onset.backsearch + config.onset.backsearch_noise)
            * self.fs
        ) + max((_filter_pad(b.band, self.fs) for b in self._bands), default=0)

    @property
    def end(self) -> UTCDateTime:
        """Time of the next sample expected."""
        return self.start + self.n / self.fs

    def fixed_until(self) -> UTCDateTime:
        """Onsets before this time are all emitted (later ones may still come)."""
        pending = [t.on for t, _ in self._todo] + [t.on for t in self._closed]
        pending += [b.active for b in self._bands if b.active >= 0]
        first = min(pending, default=self.n - self._merge)
        # an onset is refined up to onset.before + 1 s (plus back-search) before its trigger
        back = round((self.config.onset.before + 1.0 + self.config.onset.backsearch) * self.fs)
        return self.start + max(0, first - back) / self.fs

    def extend(self, samples: np.ndarray) -> list[Detection]:
        """Append the next contiguous samples; the detections whose onset is now fixed."""
        x = np.asarray(samples, dtype=np.float64)
        if x.size == 0 or not self._bands:
            self.n += x.size
            return []
        if not np.isfinite(x).all():  # as prepare_data: interpolate NaN gaps
            good = np.isfinite(x)
            idx = np.arange(x.size)
            x = np.interp(idx, idx[good], x[good]) if good.any() else np.zeros(x.size)
        if self._offset is None:
            self._offset = float(x.mean())
        x = x - self._offset
        g0 = self.n
        for k, b in enumerate(self._bands):
            if b.zi is None:  # steady state of the first sample, as causal_bandpass(steady)
                zi = sosfilt_zi(b.band.corners, b.band.freq_min, b.band.freq_max, self.fs)
                b.zi = np.ascontiguousarray(zi * x[0])
            y = sosfilt_state(b.sos, x, b.zi)
            cft = recursive_sta_lta_warm(y, b.nsta, b.nlta, b.nwarm, b.state)
            self._cft[k] = np.concatenate((self._cft[k], cft))
            self._triggers(b, cft, g0)
        broad = sosfilt_state(self._broad_sos, x, self._broad_zi)
        self._broad = np.concatenate((self._broad, broad))
        if self._mb_sos is not None and self._mb_zi is not None:
            mb = sosfilt_state(self._mb_sos, x, self._mb_zi)
            self._mb = np.concatenate((self._mb, mb))
        self._x = np.concatenate((self._x, x))
        self.n += x.size
        self._decide(final=False)
        out = self._measure_ready(final=False)
        self._trim()
        return out

    def finish(self) -> list[Detection]:
        """End of the segment: open triggers close at its last sample (as in batch)."""
        for k, b in enumerate(self._bands):
            if b.active >= 0:
                self._add(b, b.active, self.n - 1)
                b.active = -1
            del k
        self._decide(final=True)
        return self._measure_ready(final=True)

    # -- internals ----------------------------------------------------------------------

    def _add(self, b: _Band, on: int, off: int) -> None:
        if off - on < self._min_len:
            return
        cft = self._cft[self._bands.index(b)]
        snr = float(cft[on - self._b0 : off - self._b0 + 1].max())
        self._closed.append(_Trigger(b.index, on, off, snr))

    def _triggers(self, b: _Band, cft: np.ndarray, g0: int) -> None:
        on, off = b.band.threshold_on, b.band.threshold_off
        i = 0
        if b.active >= 0:
            below = np.flatnonzero(cft < off)
            if below.size == 0:
                return
            self._add(b, b.active, g0 + int(below[0]))
            b.active = -1
            i = int(below[0]) + 1
        rest = cft[i:]
        if rest.size == 0:
            return
        for t_on, t_off in trigger_onsets(rest, on, off):
            if t_off == rest.size - 1 and not rest[-1] < off:
                b.active = g0 + i + int(t_on)  # still open
            else:
                self._add(b, g0 + i + int(t_on), g0 + i + int(t_off))

    def _decide(self, *, final: bool) -> None:
        """Cluster the closed triggers whose cluster no later trigger can join or change."""
        opens = [b.active for b in self._bands if b.active >= 0]
        while self._closed:
            self._closed.sort(key=lambda t: (t.on, t.band))
            first = self._closed[0]
            horizon = first.on + self._merge
            if not final and (self.n - 1 < horizon or any(o <= horizon for o in opens)):
                return
            members = [t for t in self._closed if t.on <= horizon]
            self._closed = [t for t in self._closed if t.on > horizon]
            best = max(members, key=lambda t: t.snr)
            if self._last is not None and best.on - self._last.on < self._dead:
                continue
            floor = min(self._last.off, best.on) if self._last is not None else 0
            self._last = best
            self._todo.append((best, floor))

    def _need(self, trig: _Trigger) -> int:
        band = self.config.bands[trig.band]
        after = round((2.0 * self.config.onset.after + 2.0) * self.fs)
        mb = round(self.config.amplitude.mb_window * self.fs) + 4
        return trig.on + max(after + _filter_pad(band, self.fs), mb)

    def _measure_ready(self, *, final: bool) -> list[Detection]:
        out: list[Detection] = []
        waiting: list[tuple[_Trigger, int]] = []
        for trig, floor in self._todo:
            if not final and self.n < self._need(trig):
                waiting.append((trig, floor))
                continue
            b0 = self._b0
            header = {
                "network": "",
                "station": "",
                "location": "",
                "channel": "",
                "starttime": self.start + b0 / self.fs,
                "sampling_rate": self.fs,
            }
            net, sta, loc, cha = self.trace_id.split(".")
            header.update(network=net, station=sta, location=loc, channel=cha)
            tr = Trace(data=self._x, header=header)
            rel = _Trigger(trig.band, trig.on - b0, trig.off - b0, trig.snr)
            out.append(
                _measure(
                    tr,
                    self._x,
                    rel,
                    self.config,
                    max(0, floor - b0),
                    self._broad,
                    self._mb if self._mb_sos is not None else None,
                    self.channel,
                )
            )
        self._todo = waiting
        return out

    def _trim(self) -> None:
        """Drop buffered samples no pending measurement or open trigger will read."""
        pending = [t.on for t, _ in self._todo] + [t.on for t in self._closed]
        pending += [b.active for b in self._bands if b.active >= 0]
        first = min(pending, default=self.n)
        cut = first - self._keep - round(2.0 * self.fs)
        if cut <= self._b0 or cut - self._b0 < round(30.0 * self.fs):
            return  # trim in bites of at least 30 s
        k = cut - self._b0
        self._x, self._broad = self._x[k:], self._broad[k:]
        if self._mb_sos is not None:
            self._mb = self._mb[k:]
        self._cft = [c[k:] for c in self._cft]
        self._b0 = cut


@dataclass
class _Buffer:
    """Recent raw samples of one channel (for the station-level measurements);
    times in integer nanoseconds (cheap to compare on every record)."""

    start_ns: int
    fs: float
    data: np.ndarray
    epoch: int = 0  # which segment of the channel (a new one after each gap)

    @property
    def end_ns(self) -> int:
        return self.start_ns + round(len(self.data) * 1e9 / self.fs)

    def trace(
        self, trace_id: str, t0: UTCDateTime | None = None, t1: UTCDateTime | None = None
    ) -> Trace:
        """The buffer (or its samples in ``[t0, t1]``) as a trace."""
        i0, i1 = 0, len(self.data)
        if t0 is not None:
            i0 = max(0, math.ceil((t0.ns - self.start_ns) * self.fs / 1e9 - 1e-6))
        if t1 is not None:
            i1 = max(i0, math.floor((t1.ns - self.start_ns) * self.fs / 1e9 + 1e-6) + 1)
        net, sta, loc, cha = trace_id.split(".")
        return Trace(
            data=self.data[i0:i1].copy(),
            header={"network": net, "station": sta, "location": loc, "channel": cha,
                    "starttime": UTCDateTime(ns=self.start_ns + round(i0 * 1e9 / self.fs)),
                    "sampling_rate": self.fs},
        )  # fmt: skip


@dataclass
class _Pending:
    det: Detection
    due: UTCDateTime


class _ArrayFeed:
    """One array's element records, aligned on one sample grid, into an :class:`ArrayStream`.

    The stream starts once every element has data (or, after ``wait`` seconds of data,
    with at least ``min_elements``); it ends (open triggers closed, as at a batch window's
    end) when a member element has a gap or falls ``lag`` seconds behind the others, and
    starts again with the elements then current; an element that comes back is taken in
    once it has ``rejoin`` seconds of data. ``wait`` and ``lag`` are at least 3 times the
    longest record an element has sent: elements' records end at different times (a
    4096-byte record holds ~100 s at 40 Hz), which is not an element falling behind.
    """

    wait = 120.0
    lag = 300.0
    rejoin = 60.0

    def __init__(self, array: Array, codes: tuple[str, ...], detector: StreamingDetector) -> None:
        self.array = array
        self.codes = codes  # the beam group's elements, in the array's order
        self.detector = detector
        self.stream: ArrayStream | None = None
        self.ids: dict[str, str] = {}  # element -> trace id used (one channel for the array)
        self._cands: dict[tuple[str, str], dict[str, str]] = {}  # (loc, cha) -> element ids
        self.t_ns = 0  # time of the stream's next sample
        self._epochs: dict[str, int] = {}  # the element buffers the stream began from
        self._key = ("", "")  # the (location, channel) the array uses
        #: arrivals emitted, then replaced by a stronger one (ArrayStream.withdrawn)
        self.withdrawn: list[Detection] = []

    def member_id(self, trace_id: str) -> bool:
        """Whether the trace is an element's candidate channel (a vertical for a seismic
        array); the array uses the channel most of its elements have, as in batch."""
        _, sta, loc, cha = trace_id.split(".")
        config = self.detector.config
        if self.array.kind == "seismic" and cha[-1:] not in config.components:
            return False
        self._cands.setdefault((loc, cha), {})[sta] = trace_id
        return True

    def _choose(self) -> None:
        """The channel (location, code) most elements have; then the highest rate."""
        bufs = self.detector._buffers

        def rank(key: tuple[str, str]) -> tuple[int, float, tuple[str, str]]:
            ids = self._cands[key]
            rates = [bufs[t].fs for t in ids.values() if t in bufs]
            return (len(ids), max(rates, default=0.0), key)

        if self._cands:
            self._key = max(self._cands, key=rank)
            self.ids = dict(self._cands[self._key])

    def advance(self) -> list[Detection]:
        bufs = self.detector._buffers
        if self.stream is None:
            self._choose()
        elif len(self._cands[self._key]) > len(self.ids):  # elements heard since the start
            self.ids = dict(self._cands[self._key])
        have = {c: bufs[t] for c, t in self.ids.items() if t in bufs and len(bufs[t].data)}
        out: list[Detection] = []
        if self.stream is not None:
            members = self.stream.codes
            broken = [
                c
                for c in members
                if c not in have or have[c].epoch != self._epochs[c]  # a gap: the buffer began anew
            ]
            newest = max((have[c].end_ns for c in members if c in have), default=0)
            lag = self._slack(self.lag) * 1e9
            late = [c for c in members if c in have and newest - have[c].end_ns > lag]
            back = [
                c
                for c in self.codes
                if c in have
                and c not in members
                and have[c].start_ns <= self.t_ns - self.rejoin * 1e9
                and have[c].end_ns >= self.t_ns
            ]
            if broken or late or back:
                log.info(
                    "array %s: stream restarted at %s (%s)",
                    self.array.code,
                    UTCDateTime(ns=self.t_ns),
                    ", ".join(
                        [f"{c} gap" for c in broken]
                        + [f"{c} late" for c in late]
                        + [f"{c} back" for c in back]
                    ),
                )
                out += self._finish()
        if self.stream is None and not self._start(have):
            return out
        assert self.stream is not None
        members = self.stream.codes
        end = min(have[c].end_ns for c in members)
        fs = self.stream.fs
        n = math.floor((end - self.t_ns) * fs / 1e9 + 1e-6)
        if n <= 0:
            return out
        block = np.empty((len(members), n))
        for i, c in enumerate(members):
            b = have[c]
            k = round((self.t_ns - b.start_ns) * fs / 1e9)
            block[i] = b.data[k : k + n]
        out += self.stream.extend(block)
        self.withdrawn += self.stream.withdrawn()
        self.t_ns = self.stream.start.ns + round(self.stream.n * 1e9 / fs)
        return out

    def _slack(self, seconds: float) -> float:
        """``seconds``, or 3 times the longest record of the array's elements [s]."""
        records = self.detector._record_s
        return max([seconds] + [3.0 * records.get(t, 0.0) for t in self.ids.values()])

    def _start(self, have: dict[str, _Buffer]) -> bool:
        config = self.detector.config
        live = {c: b for c, b in have.items() if np.ptp(b.data) > 0}  # flat: a dead element
        if len(live) < max(1, config.array.min_elements):
            return False
        fs = max(b.fs for b in live.values())
        live = {c: b for c, b in live.items() if b.fs == fs}
        span = max(b.end_ns for b in live.values()) - min(b.start_ns for b in live.values())
        heard = {sta for ids in self._cands.values() for sta in ids}
        if len(heard) < len(self.codes) and span < self._slack(self.wait) * 1e9:
            return False  # wait a little for the elements not heard from yet
        newest = max(b.end_ns for b in live.values())
        live = {c: b for c, b in live.items() if newest - b.end_ns <= self._slack(self.lag) * 1e9}
        # From the latest first sample; a restart reads again up to the arrays' warm-up of
        # what the former stream had (as a batch window reads its warm-up), but triggers
        # only after the former stream's end: its STA/LTA is then the batch detector's.
        warm = round(array_warmup_seconds(config) * 1e9)
        t0 = max([b.start_ns for b in live.values()] + [self.t_ns - warm if self.t_ns else 0])
        if any(b.end_ns <= max(t0, self.t_ns) for b in live.values()):
            return False  # an element in time has not reached the common start: wait for it
        if len(live) < max(1, config.array.min_elements):
            return False
        codes = tuple(c for c in self.codes if c in live)
        any_id = self.ids[codes[0]]
        _, _, loc, cha = any_id.split(".")
        channels = {
            c: info
            for c in codes
            if (info := _channel_info_of(self.detector._station(self.ids[c]), self.ids[c]))
            is not None
        }
        # the common grid: the latest first sample, others' samples rounded onto it
        quiet = max(0, self.t_ns - t0) / 1e9
        self.t_ns = t0
        log.debug("array %s: stream of %d elements from %s, triggers after %.0f s",
                  self.array.code, len(codes), UTCDateTime(ns=t0), quiet)  # fmt: skip
        self._epochs = {c: live[c].epoch for c in codes}
        self.stream = ArrayStream(
            self.array, codes, fs, UTCDateTime(ns=t0), config,
            channel=cha, location=loc, channels=channels,
            quiet=quiet,
        )  # fmt: skip
        return True

    def _finish(self) -> list[Detection]:
        stream, self.stream = self.stream, None
        if stream is None:
            return []
        out = stream.finish()
        self.withdrawn += stream.withdrawn()
        return out

    def flush(self) -> list[Detection]:
        return self._finish()

    def fixed_until(self) -> UTCDateTime | None:
        return self.stream.fixed_until() if self.stream is not None else None


class StreamingDetector:
    """Streaming detection over a network (see the module docstring).

    ``feed(trace_id, start, fs, samples)`` takes the next samples of a channel (a record as
    archived) and returns the detections emitted: new ones (onset fixed) and updates of
    earlier ones (same ``id``, station-level measurements added). A gap or a jump in a
    channel's time starts it anew; data older than what a channel already had are ignored.
    Array elements are ignored (see the module docstring).
    """

    def __init__(
        self,
        network: MonitoringNetwork,
        config: DetectionConfig | None = None,
        *,
        keep: float = 180.0,
        arrays: bool = True,
    ) -> None:
        self.network = network
        self.config = config or DetectionConfig()
        self.keep = float(keep)
        self._channels: dict[str, ChannelStream] = {}
        self._buffers: dict[str, _Buffer] = {}
        self._pending: list[_Pending] = []
        self._history: dict[str, list[Detection]] = {}
        self._skip: set[str] = set()  # array elements: beamed, not detected on alone
        self._arrays: dict[str, _ArrayFeed] = {}  # element station code -> its array's feed
        if self.config.array.enabled:
            for array in network.arrays:
                codes = tuple(e.station for e in _beam_elements(array, self.config))
                feed = _ArrayFeed(array, codes, self)
                self._skip.update(codes)
                if arrays:  # else left to the caller (the detection stage per block)
                    for c in codes:
                        self._arrays[c] = feed
        self._detected: dict[str, bool] = {}
        self._epoch = 0
        self._record_s: dict[str, float] = {}  # longest record seen per channel [s]
        self._element_keep = max(self.keep, array_warmup_seconds(self.config) + 30.0)

    # -- input --------------------------------------------------------------------------

    def feed(
        self, trace_id: str, start: UTCDateTime, fs: float, samples: np.ndarray
    ) -> list[Detection]:
        start = UTCDateTime(start)
        samples = np.asarray(samples)
        buf = self._buffers.get(trace_id)
        if buf is not None and buf.fs == fs:
            gap = (start.ns - buf.end_ns) / 1e9
            if gap < -0.5 / fs:  # older data (a back-fill, a clock stepping back): skip
                skip = round(-gap * fs)
                if skip >= samples.size:
                    log.debug("%s: %d old samples at %s ignored", trace_id, samples.size, start)
                    return []
                samples, start = samples[skip:], start + skip / fs
                gap = (start.ns - buf.end_ns) / 1e9
            if abs(gap) > 0.5 / fs:
                buf = None  # a gap: the channel starts anew
        out: list[Detection] = []
        if buf is None:
            if trace_id not in self._buffers:
                self._detected.clear()  # a new channel may be a station's preferred one
            out += self._restart(trace_id)
            self._epoch += 1
            buf = self._buffers[trace_id] = _Buffer(start.ns, float(fs), np.zeros(0), self._epoch)
        buf.data = np.concatenate((buf.data, samples.astype(np.float64)))
        sta = trace_id.split(".")[1]
        # an array element keeps the warm-up a restarted array stream reads again
        keep = self._element_keep if sta in self._arrays else self.keep
        excess = len(buf.data) - round(keep * fs)
        if excess > round(30 * fs):
            buf.data = buf.data[excess:]
            buf.start_ns += round(excess * 1e9 / fs)
        if sta in self._skip:
            rec = samples.size / fs
            if rec > self._record_s.get(trace_id, 0.0):
                self._record_s[trace_id] = rec
            feed = self._arrays.get(sta)
            if feed is not None and feed.member_id(trace_id):
                out += self._arrays_named(feed.advance())
            return out
        if self._is_detected(trace_id, fs):
            ch = self._channels.get(trace_id)
            if ch is None:
                station = self._station(trace_id)
                ch = ChannelStream(
                    trace_id, start, fs, self.config, _channel_info_of(station, trace_id)
                )
                self._channels[trace_id] = ch
            out += self._first(ch.extend(samples))
        out += self._updates()
        return out

    def flush(self) -> list[Detection]:
        """End every channel's segment (the end of a replay): the remaining detections."""
        out: list[Detection] = []
        for trace_id in list(self._channels):
            out += self._restart(trace_id)
        for feed in {id(f): f for f in self._arrays.values()}.values():
            out += self._arrays_named(feed.flush())
        out += self._updates(force=True)
        return out

    def withdrawn(self) -> list[Detection]:
        """Array arrivals emitted earlier and since replaced by a stronger one within
        ``merge_window`` (the batch detector keeps only the stronger): each handed over
        once; the caller withdraws them (the live runner marks them superseded)."""
        out: list[Detection] = []
        for feed in {id(f): f for f in self._arrays.values()}.values():
            out += self._arrays_named(feed.withdrawn)
            feed.withdrawn = []
        return out

    def fixed_until(self) -> UTCDateTime | None:
        """The earliest time before which every detecting channel has emitted its onsets."""
        times = [ch.fixed_until() for ch in self._channels.values()]
        times += [
            t
            for f in {id(f): f for f in self._arrays.values()}.values()
            if (t := f.fixed_until()) is not None
        ]
        return min(times) if times else None

    # -- internals ----------------------------------------------------------------------

    def _station(self, trace_id: str) -> Station | None:
        net, sta = trace_id.split(".")[:2]
        return self.network.find_station(sta, net) or self.network.find_station(sta)

    def _is_detected(self, trace_id: str, fs: float) -> bool:
        """The station's preferred vertical: lowest location code, highest rate (as the
        stage's choice of channel family)."""
        known = self._detected.get(trace_id)
        if known is not None:
            return known
        net, sta, _, cha = trace_id.split(".")
        if cha[-1:] not in self.config.components:
            return False
        rivals = [
            (k.split(".")[2], -b.fs, k)
            for k, b in self._buffers.items()
            if k.split(".")[:2] == [net, sta] and k.split(".")[3][-1:] in self.config.components
        ]
        self._detected[trace_id] = min(rivals)[2] == trace_id if rivals else True
        return self._detected[trace_id]

    def _restart(self, trace_id: str) -> list[Detection]:
        ch = self._channels.pop(trace_id, None)
        self._buffers.pop(trace_id, None)
        return self._first(ch.finish()) if ch is not None else []

    def _first(self, found: Iterable[Detection]) -> list[Detection]:
        out: list[Detection] = []
        for det in found:
            det = dataclasses.replace(
                det, phase=identify_phase(det, self.config.phase_id, is_array=False)
            )
            det = self._named(det)
            self._pending.append(_Pending(det, det.time + update_delay(self.config)))
            out.append(det)
        return out

    def _arrays_named(self, found: list[Detection]) -> list[Detection]:
        """Array detections named as the detection stage names them."""
        return [
            dataclasses.replace(
                d, phase=d.phase or identify_phase(d, self.config.phase_id, is_array=True)
            )
            for d in found
        ]

    def _named(self, det: Detection) -> Detection:
        """``first_arrivals_are_p`` with the station's earlier detections as context."""
        hist = self._history.setdefault(det.station, [])
        hist[:] = [d for d in hist if d.id != det.id and d.time > det.time - 600.0]
        quiet = self.config.phase_id.first_arrival_quiet
        named = first_arrivals_are_p([*hist, det], quiet)
        det = next(d for d in named if d.id == det.id)
        hist.append(det)
        return det

    def _updates(self, *, force: bool = False) -> list[Detection]:
        out: list[Detection] = []
        waiting: list[_Pending] = []
        for p in self._pending:
            prefix = _family_id(p.det)
            ends = [b.end_ns for k, b in self._buffers.items() if k.startswith(prefix)]
            if not force and (not ends or min(ends) < p.due.ns):
                waiting.append(p)
                continue
            family = self._family(p.det)
            if family is None:
                continue
            station = self._station(p.det.seed_id)
            horizontals = Stream([tr for tr in family if tr.stats.channel[-1:] in "NE12"])
            det = _measure_station(p.det, family, horizontals, station, self.config)
            det = dataclasses.replace(
                det, phase=identify_phase(det, self.config.phase_id, is_array=False)
            )
            out.append(self._named(det))
        self._pending = waiting
        return out

    def _family(self, det: Detection) -> Stream | None:
        prefix = _family_id(det)
        traces = [b.trace(k) for k, b in self._buffers.items() if k.startswith(prefix)]
        return Stream(traces) if traces else None


def _family_id(det: Detection) -> str:
    return f"{det.network}.{det.station}.{det.location}.{det.channel[:2]}"


def _channel_info_of(station: Station | None, trace_id: str) -> ChannelInfo | None:
    if station is None:
        return None
    net, sta, loc, cha = trace_id.split(".")
    tr = Trace(header={"network": net, "station": sta, "location": loc, "channel": cha})
    return _channel_info(station, tr)
