"""Streaming array detection: the array detector's kernels on element data as they arrive.

:func:`~openndc.detection.array.detector.detect_array` beams, triggers and measures a whole
window. :class:`ArrayStream` runs the *same* steps on an array's element data piece by
piece (a record's worth, a second) and carries their state:

- per band, each element's causal Butterworth filter (:func:`scipy.signal.sosfilt` with its
  ``zi``, started in the steady state of the element's first sample, as the batch filter),
  the decimation phase (every ``q``-th sample of the segment), and the fused beam + warm
  STA/LTA + trigger kernel's state per beam
  (:func:`~openndc.detection.array.kernels.beam_triggers_span`); a beam sample is formed
  once every element has the data it reads (its largest steering delay later);
- the merge of all beams' and bands' triggers within ``merge_window`` (highest STA/LTA
  wins) and the dead time, decided as soon as no later trigger can join or change a cluster;
- the measurement (:func:`~openndc.detection.array.detector._measure`: onset on the beam,
  f-k, onset sharpening and back-search, mb amplitude) as soon as the data it reads have
  arrived (the trigger plus the f-k / mb windows, the beam's move-out and 30 s of filter
  padding), on a buffer of the raw element data;
- every arrival emitted as soon as it is measured; when a later, stronger arrival within
  ``merge_window`` replaces it (the batch detector keeps the stronger of two arrivals
  re-picked that close), the replacement is emitted and the replaced one is *withdrawn*:
  :meth:`ArrayStream.withdrawn` hands it over (the live runner marks it superseded in the
  database, and association no longer reads it).

Over one continuous segment the detections emitted minus those withdrawn equal
``detect_array`` on that segment (a test streams an array in random pieces). A gap in an
element ends the segment (open triggers close at its last sample, as at a batch window's
end).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from obspy import UTCDateTime
from scipy import signal

from openndc.detection.array.detector import (
    ArrayData,
    _accept,
    _band_plans,
    _BandPlan,
    _measure,
    _measure_extent,
    _steering,
    _Trigger,
)
from openndc.detection.array.kernels import (
    beam_trigger_state,
    beam_triggers_span,
    close_open_triggers,
)
from openndc.detection.config import DetectionConfig
from openndc.detection.filters import bandpass_sos, sosfilt_zi
from openndc.model.detection import Detection
from openndc.model.inventory import Array, ChannelInfo

__all__ = ["ArrayStream"]

log = logging.getLogger(__name__)


@dataclass
class _BandRun:
    plan: _BandPlan
    sos: np.ndarray
    zi: np.ndarray | None  # (n_sections, n_el, 2)
    state: np.ndarray  # the kernel's per-beam state
    k0_min: int  # floor(delay * fsq) extremes over the band's beams and elements
    k0_max: int
    buf: np.ndarray  # decimated filtered data (n_el, m) from decimated sample d0
    nwarm: int  # decimated samples before the beams may trigger
    d0: int = 0
    nq: int = 0  # decimated samples so far
    t_next: int = 0  # next beam sample to compute


class ArrayStream:
    """:func:`~openndc.detection.array.detector.detect_array` on one array's continuous
    element data, piece by piece (see the module docstring).

    ``codes`` are the elements used (in the array's order), ``start`` the time of their
    first common sample; ``extend(block)`` appends the next ``(n_el, m)`` samples and returns
    the arrivals just measured; ``finish()`` ends the segment and returns the rest;
    ``withdrawn()`` the arrivals emitted before and since replaced by a stronger one within
    ``merge_window`` (the batch rule). ``quiet`` [s]:
    no trigger opens before ``start + quiet`` (a stream restarted while the batch detector's
    data go on: its STA/LTA has converged only after
    :func:`~openndc.detection.array.detector.array_warmup_seconds`).
    """

    def __init__(
        self,
        array: Array,
        codes: tuple[str, ...],
        fs: float,
        start: UTCDateTime,
        config: DetectionConfig,
        *,
        channel: str = "",
        location: str = "",
        channels: Mapping[str, ChannelInfo] | None = None,
        quiet: float = 0.0,
    ) -> None:
        self.array = array
        self.codes = tuple(codes)
        self.fs = float(fs)
        self.start = UTCDateTime(start)
        self.config = config
        self.channel = channel
        self.location = location
        self.channels = channels
        self.offsets = array.offsets_km(self.codes)
        self.bands, self.steer, self.delays = _steering(array, self.offsets, config)
        self._runs: list[_BandRun] = []
        for plan in _band_plans(self.fs, self.bands, self.steer, self.delays, config):
            k0 = np.floor(plan.delays * plan.fsq).astype(np.int64)
            self._runs.append(
                _BandRun(
                    plan,
                    np.array(
                        bandpass_sos(plan.band.corners, plan.band.freq_min, plan.fmax, self.fs)
                    ),
                    None,
                    beam_trigger_state(len(plan.index)),
                    int(k0.min()) if k0.size else 0,
                    int(k0.max()) if k0.size else 0,
                    np.zeros((len(self.codes), 0)),
                    max(plan.nwarm, round(quiet * plan.fsq)),
                )
            )
        self.n = 0  # samples received per element
        self._b0 = 0  # first sample of the raw buffer
        self._x = np.zeros((len(self.codes), 0))
        self._closed: list[_Trigger] = []
        self._todo: list[_Trigger] = []
        self._last: _Trigger | None = None
        #: the last arrival kept (emitted): a later one within merge_window may replace it
        self._kept: list[Detection] = []
        self._withdrawn: list[Detection] = []  # emitted, then replaced: not handed over yet
        self._merge = self.config.merge_window * self.fs
        self._dead = self.config.dead_time * self.fs
        smax = max((b.slowness_s_per_km for b in self.steer), default=0.0)
        spread = smax * float(np.abs(self.offsets).max(initial=0.0)) * 2.0
        oc = config.onset
        #: how far before its trigger an arrival's onset may be re-picked [samples]
        self._back = round((oc.before + 1.0 + max(oc.backsearch, 0.0) + 2.0 * spread) * self.fs)
        self._extent = {
            i: _measure_extent(self.fs, self.delays[i], config) for i in range(len(self.steer))
        }
        self._keep = max((b for b, _ in self._extent.values()), default=0) + self._back

    @property
    def end(self) -> UTCDateTime:
        """Time of the next sample expected."""
        return self.start + self.n / self.fs

    def extend(self, block: np.ndarray) -> list[Detection]:
        """Append the next contiguous samples of every element ``(n_el, m)``; the arrivals
        now final."""
        x = np.asarray(block, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != len(self.codes):
            raise ValueError(f"block must be ({len(self.codes)}, m), got {x.shape}")
        if x.shape[1] == 0:
            return []
        g0 = self.n
        for run in self._runs:
            self._filter(run, x, g0)
        self._x = np.concatenate((self._x, x), axis=1)
        self.n += x.shape[1]
        for run in self._runs:
            t_b = min(run.nq, run.nq - 1 - run.k0_max)
            self._beams(run, t_b)
        self._decide(final=False)
        out = self._measure_ready(final=False)
        self._trim()
        return out

    def finish(self) -> list[Detection]:
        """End of the segment: the beams to its last sample, open triggers closed there."""
        for run in self._runs:
            self._beams(run, run.nq)
            for b, i0, i1, snr in close_open_triggers(run.state, run.nq - 1):
                self._add(run, b, i0, i1, snr)
        self._decide(final=True)
        out = self._measure_ready(final=True)
        self._kept = []
        return out

    def withdrawn(self) -> list[Detection]:
        """The arrivals emitted earlier that a stronger one within ``merge_window`` has
        since replaced (each handed over once)."""
        out, self._withdrawn = self._withdrawn, []
        return out

    def fixed_until(self) -> UTCDateTime:
        """Arrivals before this time are all emitted (later ones may still come, and the
        last one emitted may still be withdrawn for a stronger one within
        ``merge_window``)."""
        return self.start + max(0, self._first_pending() - self._back) / self.fs

    # -- internals ----------------------------------------------------------------------

    def _filter(self, run: _BandRun, x: np.ndarray, g0: int) -> None:
        plan = run.plan
        if run.zi is None:  # steady state of each element's first sample
            zi = sosfilt_zi(plan.band.corners, plan.band.freq_min, plan.fmax, self.fs)
            run.zi = zi[:, None, :] * x[None, :, 0, None]
        y, run.zi = signal.sosfilt(run.sos, x, axis=-1, zi=run.zi)
        first = (-g0) % plan.q  # decimation phase: every q-th sample of the segment
        dec = y[:, first :: plan.q]
        run.buf = np.concatenate((run.buf, dec), axis=1)
        run.nq += dec.shape[1]

    def _beams(self, run: _BandRun, t_b: int) -> None:
        if t_b <= run.t_next:
            return
        plan = run.plan
        band = plan.band
        rows = beam_triggers_span(
            run.buf, run.d0, run.nq, plan.fsq, plan.delays, run.t_next, t_b, plan.nsta,
            plan.nlta, run.nwarm, band.threshold_on, band.threshold_off, run.state,
        )  # fmt: skip
        for b, i0, i1, snr in rows:
            self._add(run, b, i0, i1, snr)
        run.t_next = t_b
        cut = max(0, run.t_next + run.k0_min) - run.d0  # what the next span reads from
        if cut > 0 and cut >= run.buf.shape[1] // 2:
            run.buf = run.buf[:, cut:]
            run.d0 += cut

    def _add(self, run: _BandRun, b: float, i0: float, i1: float, snr: float) -> None:
        plan = run.plan
        if (i1 - i0) / plan.fsq < self.config.min_duration:
            return
        self._closed.append(_Trigger(int(i0) * plan.q, plan.ib, int(plan.index[int(b)]), snr))

    def _open_or_future(self) -> int:
        """The earliest full-rate sample a trigger not yet closed may start at."""
        first = self.n
        for run in self._runs:
            first = min(first, run.t_next * run.plan.q)
            open_ = run.state[:, 3] != 0.0
            if open_.any():
                first = min(first, int(run.state[open_, 4].min()) * run.plan.q)
        return first

    def _first_pending(self) -> int:
        first = self._open_or_future()
        first = min([first] + [t.index for t in self._closed] + [t.index for t in self._todo])
        return first

    def _decide(self, *, final: bool) -> None:
        """Cluster the closed triggers whose cluster no later trigger can join or change
        (as the batch ``_merge``: first trigger + ``merge_window``, best STA/LTA, dead time)."""
        while self._closed:
            self._closed.sort(key=lambda t: t.index)
            first = self._closed[0]
            horizon = first.index + self._merge
            if not final and self._open_or_future() <= horizon:
                return
            members = [t for t in self._closed if t.index - first.index <= self._merge]
            self._closed = self._closed[len(members) :]
            best = max(members, key=lambda t: t.snr)
            if self._last is not None and best.index - self._last.index < self._dead:
                continue
            self._last = best
            self._todo.append(best)

    def _measure_ready(self, *, final: bool) -> list[Detection]:
        out: list[Detection] = []
        waiting: list[_Trigger] = []
        ad = ArrayData(
            data=self._x,
            fs=self.fs,
            starttime=self.start + self._b0 / self.fs,
            codes=self.codes,
            channel=self.channel,
            location=self.location,
            offsets_km=self.offsets,
        )
        for trig in self._todo:
            if not final and self.n < trig.index + self._extent[trig.beam][1]:
                waiting.append(trig)
                continue
            rel = _Trigger(trig.index - self._b0, trig.band, trig.beam, trig.snr)
            det = _measure(
                ad,
                self.array,
                rel,
                self.bands[trig.band],
                self.delays[trig.beam],
                self.config,
                self.channels,
            )
            before = self._kept[-1] if self._kept else None
            if not _accept(det, self._kept, self.config):
                continue
            # emitted at once; one that replaced the last arrival withdraws it
            now = self._kept[-1]
            if before is not None and self._kept[0] is not before:
                if any(d is before for d in out):  # not handed over yet: never emitted
                    out = [d for d in out if d is not before]
                else:
                    self._withdrawn.append(before)
            out.append(now)
            self._kept = [now]
        self._todo = waiting
        return out

    def _trim(self) -> None:
        """Drop raw samples no pending measurement will read (in bites of 30 s)."""
        cut = self._first_pending() - self._keep
        if cut - self._b0 < round(30.0 * self.fs):
            return
        k = cut - self._b0
        self._x = self._x[:, k:]
        self._b0 = cut
