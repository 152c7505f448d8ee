"""Template matching: scan continuous data with templates (matched filter).

For each group of templates sharing a band, a rate and a window length, the data are
processed like the templates (:func:`openndc.osi.templates.process_stream`); each channel
is correlated with every template channel on it (normalised cross-correlation,
:mod:`openndc.osi.correlate`) and the correlations are summed over the network at each
template's move-out. A detection is a peak of that sum above the threshold (EQcorrscan's
``MAD``: ``threshold x median(|sum|)`` over the scanned block), one per
``trigger_interval`` (the highest wins; EQcorrscan's ``find_peaks2_short`` + ``decluster``).
The correlation runs where ``MatchConfig.device`` says: ``"cpu"`` the numba kernels of
:mod:`~openndc.osi.correlate`, ``"array"`` / ``"gpu"`` the array-namespace path of
:mod:`~openndc.osi.correlate_xp` on NumPy / CuPy.

Each detection gets lag-refined picks (per channel, the correlation maximum within
``shift_length`` of the network lag, refined to a fraction of a sample by a parabola
through the three samples around it) and a relative magnitude: the template's magnitude
plus log10 of the median over well-correlated channels of the ratio of the detected
window's standard deviation to the template's (amplitude ratios of aligned, correlated
waveforms; Schaff & Richards 2014, GJI 197, 335-350, doi:10.1093/gji/ggt433, with a
magnitude-amplitude slope of 1 as for ML).
"""

from __future__ import annotations

import bisect
import csv
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from obspy import Stream, UTCDateTime

from openndc import __version__
from openndc.model.config import to_mapping
from openndc.model.errors import BulletinError
from openndc.model.osi import TemplateDetection, TemplatePick
from openndc.model.provenance import Provenance
from openndc.model.quality import DataProblem
from openndc.osi.config import MatchConfig
from openndc.osi.correlate import TemplateBank, stacked_normxcorr
from openndc.osi.templates import Template, WaveformReader, process_stream

__all__ = [
    "DETECTION_CSV_COLUMNS",
    "decluster",
    "find_peaks",
    "lag_correlations",
    "match",
    "match_processed",
    "read_detections_csv",
    "scan",
    "write_detections_csv",
]

log = logging.getLogger(__name__)

#: Columns of the detections CSV: times ISO 8601 UTC; correlations are sums of Pearson r.
DETECTION_CSV_COLUMNS = (
    "template",
    "origin_time",
    "network_correlation",
    "mean_correlation",
    "threshold",
    "n_channels",
    "relative_magnitude",
    "amplitude_ratio",
    "picks",
)


def find_peaks(
    values: np.ndarray, threshold: float, min_separation: int, polarity: str = "positive"
) -> np.ndarray:
    """Indices of the peaks of ``values`` above ``threshold``, at least ``min_separation``
    samples apart (the highest wins; with ``polarity="both"`` peaks of ``|values|``).

    As EQcorrscan's ``find_peaks2_short``: the maximum of each run above the threshold,
    then greedy declustering from the highest down.
    """
    a = np.abs(values) if polarity == "both" else np.asarray(values)
    above = a > threshold
    if not above.any():
        return np.zeros(0, dtype=np.int64)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], above.view(np.int8), [0]))))
    starts, stops = edges[::2], edges[1::2]
    idx = np.array([s + int(np.argmax(a[s:e])) for s, e in zip(starts, stops, strict=True)])
    keep = decluster(idx.astype(np.float64), a[idx], float(min_separation))
    return np.sort(idx[keep])


def decluster(times: np.ndarray, values: np.ndarray, interval: float) -> np.ndarray:
    """Indices of the items kept when, from the highest value down, an item is dropped if a
    kept one lies within ``interval`` (strictly less) of it."""
    order = np.argsort(-np.asarray(values), kind="stable")
    kept_times: list[float] = []
    kept: list[int] = []
    for i in order:
        t = float(times[i])
        j = bisect.bisect_left(kept_times, t)
        if j < len(kept_times) and kept_times[j] - t < interval:
            continue
        if j > 0 and t - kept_times[j - 1] < interval:
            continue
        kept_times.insert(j, t)
        kept.append(int(i))
    return np.array(sorted(kept), dtype=np.int64)


@dataclass(frozen=True)
class _Prepared:
    """Templates of one group laid out on the channels of the processed data."""

    templates: list[Template]
    bank: TemplateBank
    first_offset: np.ndarray  # (T,) [s] earliest used window start minus origin time


def _prepare(group: Sequence[Template], ids: dict[str, int], m: int) -> _Prepared | None:
    kept: list[Template] = []
    rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    firsts: list[float] = []
    n_c = len(ids)
    for t in group:
        wf = np.zeros((n_c, m), dtype=np.float32)
        used = np.zeros(n_c, dtype=bool)
        offsets = np.zeros(n_c)
        for ch in t.info.channels:
            c = ids.get(ch.seed_id)
            tr = t.stream.select(id=ch.seed_id)
            if c is None or not tr:
                continue
            wf[c] = tr[0].data[:m]
            used[c] = True
            offsets[c] = ch.offset
        if not used.any():
            log.info("template %s: none of its channels is in the data: not scanned", t.name)
            continue
        first = float(offsets[used].min())
        shifts = np.where(used, np.round((offsets - first) * t.info.sampling_rate), 0)
        kept.append(t)
        rows.append((wf, shifts.astype(np.int64), used))
        firsts.append(first)
    if not kept:
        return None
    bank = TemplateBank(
        np.stack([r[0] for r in rows]),
        np.stack([r[1] for r in rows]),
        np.stack([r[2] for r in rows]),
    )
    return _Prepared(kept, bank, np.array(firsts))


def _thresholds(cc: np.ndarray, n_used: np.ndarray, config: MatchConfig) -> np.ndarray:
    if config.threshold_type == "MAD":
        return np.asarray(config.threshold * np.median(np.abs(cc), axis=1), dtype=np.float64)
    if config.threshold_type == "absolute":
        return np.full(cc.shape[0], config.threshold)
    return config.threshold * n_used.astype(np.float64)


def match(
    templates: Sequence[Template], stream: Stream, config: MatchConfig
) -> list[TemplateDetection]:
    """Detections of ``templates`` in ``stream`` (raw continuous data, any rates), by time.

    The threshold (MAD) is computed over the whole of ``stream``; scan long spans block by
    block with :func:`scan`.
    """
    if not templates or not stream:
        return []
    start = min(tr.stats.starttime for tr in stream)
    end = max(tr.stats.endtime for tr in stream)
    provenance = Provenance(
        method="openndc.osi.match", software_version=__version__, parameters=to_mapping(config)
    )
    detections: list[TemplateDetection] = []
    for band in dict.fromkeys(t.band for t in templates):
        processed = process_stream(stream, band, start, end)
        same = [t for t in templates if t.band == band]
        detections += match_processed(same, processed, config, provenance=provenance)
    if config.cross_template_interval > 0 and detections:
        times = np.array([d.origin_time.timestamp for d in detections])
        vals = np.array([d.mean_correlation for d in detections])
        keep = decluster(times, vals, config.cross_template_interval)
        detections = [detections[i] for i in keep]
    detections.sort(key=lambda d: (d.origin_time, d.template))
    return detections


def match_processed(
    templates: Sequence[Template],
    processed: Stream,
    config: MatchConfig,
    *,
    provenance: Provenance | None = None,
) -> list[TemplateDetection]:
    """Detections of ``templates`` in data already processed like them (one time grid,
    equal lengths: :func:`~openndc.osi.templates.process_stream` with their band), by time.
    No declustering across templates."""
    if provenance is None:
        provenance = Provenance(
            method="openndc.osi.match", software_version=__version__, parameters=to_mapping(config)
        )
    groups: dict[int, list[Template]] = {}
    for t in templates:
        groups.setdefault(t.n_samples, []).append(t)
    out: list[TemplateDetection] = []
    for m, group in groups.items():
        out += _match_group(group, processed, m, config, provenance)
    out.sort(key=lambda d: (d.origin_time, d.template))
    return out


def _correlate(bank: TemplateBank, data: np.ndarray, config: MatchConfig) -> np.ndarray:
    """The stacked correlation on ``config.device``: the numba path ("cpu") or the
    array-namespace path on NumPy ("array") or CuPy ("gpu")."""
    if config.device == "cpu":
        return stacked_normxcorr(
            bank, data, fft_length=config.fft_length, workers=config.workers or None
        )
    from openndc.osi.correlate_xp import array_namespace, stacked_normxcorr_xp, to_numpy

    xp = array_namespace(config.device)
    return to_numpy(stacked_normxcorr_xp(bank, data, xp, fft_length=config.fft_length))


def _match_group(
    group: Sequence[Template],
    data_stream: Stream,
    m: int,
    config: MatchConfig,
    provenance: Provenance,
) -> list[TemplateDetection]:
    wanted = {ch.seed_id for t in group for ch in t.info.channels}
    traces = [tr for tr in data_stream if tr.id in wanted]
    if not traces:
        return []
    ids = {tr.id: i for i, tr in enumerate(traces)}
    prep = _prepare(group, ids, m)
    if prep is None:
        return []
    data = np.stack([tr.data for tr in traces])
    t0 = traces[0].stats.starttime
    rate = traces[0].stats.sampling_rate
    cc = _correlate(prep.bank, data, config)
    n_used = prep.bank.used.sum(axis=1)
    thresholds = _thresholds(cc, n_used, config)
    trig = round(config.trigger_interval * rate)
    out: list[TemplateDetection] = []
    for k, tpl in enumerate(prep.templates):
        if not thresholds[k] > 0:
            continue
        for idx in find_peaks(cc[k], float(thresholds[k]), trig, config.polarity):
            origin = t0 + idx / rate - float(prep.first_offset[k])
            out.append(
                _detection(
                    tpl,
                    k,
                    int(idx),
                    origin,
                    prep,
                    data,
                    ids,
                    float(cc[k, idx]),
                    float(thresholds[k]),
                    int(n_used[k]),
                    config,
                    provenance,
                )
            )
    return out


def lag_correlations(waves: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Normalised correlation of each template channel ``waves[c]`` (C, M) with its data
    ``segments[c]`` (C, W) at the ``W - M + 1`` lags (direct, float64; rows as
    :func:`~openndc.osi.correlate.normxcorr_py`)."""
    from numpy.lib.stride_tricks import sliding_window_view

    from openndc.osi.correlate import FLAT

    t = waves.astype(np.float64)
    t0 = t - t.mean(axis=1, keepdims=True)
    tn = np.sqrt((t0 * t0).sum(axis=1))
    x = segments.astype(np.float64)
    win = sliding_window_view(x, t.shape[1], axis=1)
    wm = win - win.mean(axis=2, keepdims=True)
    num = np.einsum("cjm,cm->cj", wm, t0)
    wn = np.sqrt(np.einsum("cjm,cjm->cj", wm, wm))
    flat = (wn <= FLAT * np.abs(x).max(axis=1, keepdims=True) * math.sqrt(t.shape[1])) | (
        tn[:, None] == 0.0
    )
    cc = np.where(flat, 0.0, num / np.where(flat, 1.0, wn * tn[:, None]))
    return np.clip(cc, -1.0, 1.0)


def _parabolic(cc: np.ndarray) -> tuple[float, float, int]:
    """(sub-sample position, interpolated value, integer position) of the maximum of ``cc``."""
    j = int(np.argmax(cc))
    y1 = float(cc[j])
    frac = 0.0
    if 0 < j < cc.size - 1:
        y0, y2 = float(cc[j - 1]), float(cc[j + 1])
        den = y0 - 2.0 * y1 + y2
        if den < 0:
            frac = 0.5 * (y0 - y2) / den
            y1 -= 0.25 * (y0 - y2) * frac
    return j + frac, min(y1, 1.0), j


def _detection(
    tpl: Template,
    k: int,
    idx: int,
    origin: UTCDateTime,
    prep: _Prepared,
    data: np.ndarray,
    ids: dict[str, int],
    value: float,
    threshold: float,
    n_used: int,
    config: MatchConfig,
    provenance: Provenance,
) -> TemplateDetection:
    rate = tpl.info.sampling_rate
    lag = origin - tpl.info.origin_time
    s = round(config.shift_length * rate)
    chans = [(ch, ids[ch.seed_id]) for ch in tpl.info.channels if ch.seed_id in ids]
    chans = [(ch, c) for ch, c in chans if prep.bank.used[k, c]]
    m = prep.bank.length
    n = data.shape[1]
    segs = np.zeros((len(chans), m + 2 * s), dtype=np.float32)
    for i, (_, c) in enumerate(chans):
        lo = idx + int(prep.bank.shifts[k, c]) - s
        a, b = max(lo, 0), min(lo + m + 2 * s, n)
        if b > a:
            segs[i, a - lo : b - lo] = data[c, a:b]
    waves = np.stack([prep.bank.waveforms[k, c] for _, c in chans])
    ccs = lag_correlations(waves, segs)
    picks: list[TemplatePick] = []
    ratios: list[float] = []
    for i, (ch, _) in enumerate(chans):
        if not np.any(ccs[i]):
            continue
        pos, corr, j = _parabolic(ccs[i])
        if corr >= config.pick_min_correlation:
            time = ch.pick_time + lag + (pos - s) / rate
            picks.append(TemplatePick(ch.seed_id, ch.phase, time, corr))
        if corr >= config.magnitude_min_correlation:
            det_std = float(np.std(segs[i, j : j + m].astype(np.float64)))
            tpl_std = float(np.std(waves[i].astype(np.float64)))
            if det_std > 0 and tpl_std > 0:
                ratios.append(det_std / tpl_std)
    ratio = float(np.median(ratios)) if ratios else None
    mag = tpl.info.magnitude
    rel = None if ratio is None or mag is None else mag + math.log10(ratio)
    return TemplateDetection(
        template=tpl.name,
        origin_time=origin,
        network_correlation=value,
        mean_correlation=value / max(n_used, 1),
        threshold=threshold,
        n_channels=n_used,
        relative_magnitude=rel,
        amplitude_ratio=ratio,
        picks=tuple(picks),
        provenance=provenance,
    )


def _span(t: Template) -> float:
    offs = [ch.offset for ch in t.info.channels]
    return max(offs) - min(offs) + max(ch.length for ch in t.info.channels)


def scan(
    templates: Sequence[Template],
    source: WaveformReader,
    start: UTCDateTime,
    end: UTCDateTime,
    config: MatchConfig,
) -> tuple[list[TemplateDetection], list[DataProblem]]:
    """Detections over ``[start, end)``, read and scanned block by block.

    Each block of ``block_length`` is read with the template span after it (so a template
    whose earliest window starts in the block is fully inside) and a filter pad either
    side; a detection belongs to the block its earliest window starts in. Detections of a
    template closer than ``trigger_interval`` across a block boundary are declustered.
    """
    if not templates:
        return [], []
    span = max(_span(t) for t in templates)
    pad = max(10.0, max(5.0 / t.info.freq_min for t in templates))
    first = {t.name: min(ch.offset for ch in t.info.channels) for t in templates}
    detections: list[TemplateDetection] = []
    problems: list[DataProblem] = []
    s = start
    while s < end:
        e = min(s + config.block_length, end)
        result = source.read(s - pad, e + span + pad)
        problems.extend(result.problems)
        for d in match(templates, result.stream, config):
            t_first = d.origin_time + first[d.template]
            if s <= t_first < e:
                detections.append(d)
        s = e
    detections = _decluster_per_template(detections, config.trigger_interval)
    if config.cross_template_interval > 0 and detections:
        times = np.array([d.origin_time.timestamp for d in detections])
        vals = np.array([d.mean_correlation for d in detections])
        keep = decluster(times, vals, config.cross_template_interval)
        detections = [detections[i] for i in keep]
    detections.sort(key=lambda d: (d.origin_time, d.template))
    return detections, problems


def _decluster_per_template(
    dets: list[TemplateDetection], interval: float
) -> list[TemplateDetection]:
    out: list[TemplateDetection] = []
    by: dict[str, list[TemplateDetection]] = {}
    for d in dets:
        by.setdefault(d.template, []).append(d)
    for group in by.values():
        times = np.array([d.origin_time.timestamp for d in group])
        vals = np.array([abs(d.network_correlation) for d in group])
        out += [group[i] for i in decluster(times, vals, interval)]
    return out


# -- the detections CSV ---------------------------------------------------------------------


def _fmt(x: float | None, digits: int = 4) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def write_detections_csv(dets: Sequence[TemplateDetection], path: str | Path) -> Path:
    """One row per detection (:data:`DETECTION_CSV_COLUMNS`); picks as
    ``SEED_ID|PHASE|TIME|CC`` joined by ``;``. Returns the path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(DETECTION_CSV_COLUMNS)
        for d in dets:
            picks = ";".join(f"{k.seed_id}|{k.phase}|{k.time}|{k.correlation:.4f}" for k in d.picks)
            w.writerow(
                [
                    d.template,
                    str(d.origin_time),
                    _fmt(d.network_correlation),
                    _fmt(d.mean_correlation),
                    _fmt(d.threshold),
                    d.n_channels,
                    _fmt(d.relative_magnitude, 3),
                    _fmt(d.amplitude_ratio, 5),
                    picks,
                ]
            )
    return p


def _opt(text: str) -> float | None:
    return float(text) if text else None


def read_detections_csv(path: str | Path) -> list[TemplateDetection]:
    """The detections :func:`write_detections_csv` wrote."""
    p = Path(path)
    try:
        with p.open(newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise BulletinError(f"detections file {p} cannot be read ({exc}): check the path") from exc
    out: list[TemplateDetection] = []
    for n, r in enumerate(rows, start=2):
        try:
            picks = tuple(
                TemplatePick(sid, ph, UTCDateTime(t), float(cc))
                for sid, ph, t, cc in (x.split("|") for x in r["picks"].split(";") if x)
            )
            out.append(
                TemplateDetection(
                    template=r["template"],
                    origin_time=UTCDateTime(r["origin_time"]),
                    network_correlation=float(r["network_correlation"]),
                    mean_correlation=float(r["mean_correlation"]),
                    threshold=float(r["threshold"]),
                    n_channels=int(r["n_channels"]),
                    relative_magnitude=float(r["relative_magnitude"])
                    if r["relative_magnitude"]
                    else None,
                    amplitude_ratio=float(r["amplitude_ratio"]) if r["amplitude_ratio"] else None,
                    picks=picks,
                )
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise BulletinError(
                f"detections file {p}, line {n}: cannot read it ({exc}); it must have the "
                f"columns {', '.join(DETECTION_CSV_COLUMNS)}"
            ) from exc
    return out
