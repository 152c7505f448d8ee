"""Benchmark: OpenNDC's matched filter vs EQcorrscan on the same templates and data.

Usage::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_matched_filter.py [--templates 50]
        [--minutes 60] [--snr 3] [--repeat 2] [--cores 2]

Templates: the real Alpine Fault events of ../shared/data (EQcorrscan's test data), built with
``TemplateConfig()`` (2-15 Hz, 50 Hz, 3 s from 0.2 s before each P on Z and S on N/E/1/2).
Data: ``--minutes`` of real noise (the 1 h AF.WHAT2 record, shifted per channel) on every
template channel, with one template event's real recording injected every 3 minutes at
median SNR ``--snr``; processed once (``process_stream``), so both contenders see the very
same template streams and data.

- OpenNDC: ``match_processed`` (``polarity="both"``, MAD 8, trigger interval 2 s: EQcorrscan's
  semantics).
- EQcorrscan: ``match_filter(..., threshold_type="MAD", xcorr_func="fftw",
  concurrency="concurrent", cores=--cores)`` on the same streams.

Prints both wall times (best of ``--repeat``), the throughput in template·channel·samples per
second and the ratio, and how many detections agree (the same template, detection time within
one sample (0.02 s), correlation sum within 0.05). In the same run, ``match_processed`` with
``MatchConfig(device=--device)`` (default ``array``: the array-namespace path on NumPy) is
timed beside the numba path (``device="cpu"``), with the ratio and the detections compared.

``kernels`` times the stacked correlation alone, the numba kernels against the
array-namespace path on ``--device`` (``array``: NumPy; ``gpu``: CuPy on a CUDA device), on
random templates and data shaped like the Alpine run (``--templates``, ``--channels``,
``--minutes`` at 50 Hz, 3 s templates on ~60 % of the channels, move-outs up to 10 s); it
needs neither EQcorrscan nor ../shared/data, so it runs as is on a lent GPU machine::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_matched_filter.py kernels --device gpu
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np
from obspy import Stream, UTCDateTime

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openndc.osi.config import MatchConfig, TemplateConfig
from openndc.osi.correlate import TemplateBank, stacked_normxcorr
from openndc.osi.correlate_xp import array_namespace, stacked_normxcorr_xp, to_numpy
from openndc.osi.matching import match, match_processed
from openndc.osi.templates import Template, build_templates, process_stream
from tests.osi.alpine import (
    FOLDER,
    Injection,
    alpine_events,
    alpine_network,
    alpine_waveforms,
    continuous,
)
from tests.osi.peer import eqcorrscan_detect

START = UTCDateTime("2024-01-01T00:00:00")


def _shared() -> Path:
    env = os.environ.get("OPENNDC_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def setup(n_templates: int, minutes: float, snr: float) -> tuple[list[Template], Stream]:
    root = _shared() / FOLDER
    templates, _ = build_templates(
        alpine_events(root), alpine_waveforms(root), alpine_network(root), TemplateConfig()
    )
    templates = templates[:n_templates]
    duration = minutes * 60.0
    injections = [
        Injection(templates[k % len(templates)], START + 60.0 + 180.0 * k, snr)
        for k in range(int((duration - 90.0) // 180.0) + 1)
    ]
    raw = continuous(root, templates, injections, START, duration)
    processed = process_stream(raw, templates[0].band, START, START + duration)
    return templates, processed


def compare(
    n_templates: int, minutes: float, snr: float, repeat: int, cores: int, device: str = "array"
) -> None:
    templates, processed = setup(n_templates, minutes, snr)
    n = processed[0].stats.npts
    work = sum(len(t.info.channels) for t in templates) * n
    config = MatchConfig(polarity="both", threshold=8.0, trigger_interval=2.0, workers=cores)
    on_xp = dataclasses.replace(config, device="gpu" if device == "gpu" else "array")
    match_processed(templates[:1], processed, config)  # warm-up (numba cache load)
    match_processed(templates[:1], processed, on_xp)  # warm-up (CuPy: FFT plans, kernels)
    best_ours, best_eqc, best_xp = (np.inf, np.inf), (np.inf, np.inf), (np.inf, np.inf)
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        ours = match_processed(templates, processed, config)
        best_ours = min(best_ours, (time.perf_counter() - t0, time.process_time() - c0))
        t0, c0 = time.perf_counter(), time.process_time()
        theirs = eqcorrscan_detect(templates, processed, cores=cores)
        best_eqc = min(best_eqc, (time.perf_counter() - t0, time.process_time() - c0))
        t0, c0 = time.perf_counter(), time.process_time()
        xp_dets = match_processed(templates, processed, on_xp)
        best_xp = min(best_xp, (time.perf_counter() - t0, time.process_time() - c0))
    first = {t.name: min(c.offset for c in t.info.channels) for t in templates}
    mine = [(d.template, d.origin_time + first[d.template], d.network_correlation) for d in ours]
    other = [(name, t, v) for name, t, v, _ in theirs]
    matched, used = 0, set()
    for name, t, v in mine:
        for j, (name2, t2, v2) in enumerate(other):
            if j in used or name2 != name:
                continue
            if abs(t - t2) <= 0.02 and abs(v - v2) <= 0.05:
                matched += 1
                used.add(j)
                break
    print(
        f"{len(templates)} templates, {sum(len(t.info.channels) for t in templates)} template "
        f"channels, {len(processed)} data channels, {n} samples ({minutes:g} min at "
        f"{processed[0].stats.sampling_rate:g} Hz), {cores} cores"
    )
    for who, (wall, cpu) in (
        ("openndc   ", best_ours),
        ("eqcorrscan", best_eqc),
        (f"openndc device={device}", best_xp),
    ):
        print(
            f"{who}: {wall:7.2f} s wall, {cpu:7.2f} CPU-s (all threads): {work / wall:.3e} "
            f"template·channel·samples per second, {work / cpu:.3e} per CPU-second"
        )
    print(
        f"ratio openndc/eqcorrscan throughput: {best_eqc[0] / best_ours[0]:.2f} (wall), "
        f"{best_eqc[1] / best_ours[1]:.2f} (CPU); load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"detections: openndc {len(mine)}, eqcorrscan {len(other)}, the same (+-0.02 s, "
        f"+-0.05 cc) {matched}; only openndc {len(mine) - matched}, only eqcorrscan "
        f"{len(other) - matched}"
    )
    on_cpu = {(d.template, d.origin_time.ns): d.network_correlation for d in ours}
    on_dev = {(d.template, d.origin_time.ns): d.network_correlation for d in xp_dets}
    same = on_cpu.keys() == on_dev.keys()
    dcc = max((abs(v - on_dev[k]) for k, v in on_cpu.items() if k in on_dev), default=0.0)
    print(
        f"device={device} vs the numba path: throughput ratio {best_ours[0] / best_xp[0]:.2f} "
        f"(wall), {best_ours[1] / best_xp[1]:.2f} (CPU); detections {len(xp_dets)} vs "
        f"{len(ours)}, the same templates and times: {same}, max |d cc| {dcc:.1e}"
    )


def _random_case(
    n_templates: int, n_channels: int, minutes: float, seed: int = 1
) -> tuple[TemplateBank, np.ndarray]:
    """Templates and data shaped like the Alpine run: 50 Hz, 3 s (150-sample) templates on
    ~60 % of the channels, move-outs up to 10 s, Gaussian data with a zero-filled gap."""
    rng = np.random.default_rng(seed)
    used = rng.random((n_templates, n_channels)) < 0.6
    used[:, 0] = True
    bank = TemplateBank(
        rng.standard_normal((n_templates, n_channels, 150)).astype(np.float32),
        rng.integers(0, 500, (n_templates, n_channels)),
        used,
    )
    data = rng.standard_normal((n_channels, int(minutes * 60 * 50))).astype(np.float32)
    data[0, 1000:5000] = 0.0
    return bank, data


def kernels(
    n_templates: int, n_channels: int, minutes: float, repeat: int, cores: int, device: str
) -> None:
    """The numba stacked correlation vs the array-namespace one on ``device``, same input."""
    bank, data = _random_case(n_templates, n_channels, minutes)
    xp = array_namespace(device)
    work = int(bank.used.sum()) * data.shape[1]
    stacked_normxcorr_xp(bank, data[:, : 50 * 600], xp)  # warm-up (CuPy: FFT plans, kernels)
    stacked_normxcorr(bank, data[:, : 50 * 600], workers=cores)  # warm-up (numba cache load)
    best_cpu = best_xp = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        ref = stacked_normxcorr(bank, data, workers=cores)
        best_cpu = min(best_cpu, time.perf_counter() - t0)
        t0 = time.perf_counter()
        got = to_numpy(stacked_normxcorr_xp(bank, data, xp))  # to_numpy waits for the device
        best_xp = min(best_xp, time.perf_counter() - t0)
    print(
        f"{n_templates} templates, {int(bank.used.sum())} template channels, {n_channels} data "
        f"channels, {data.shape[1]} samples ({minutes:g} min at 50 Hz), {cores} cores, "
        f"device={device} ({xp.__name__} {xp.__version__})"
    )
    for who, wall in (("numba (cpu)", best_cpu), (f"xp ({device})", best_xp)):
        print(f"{who:12s}: {wall:7.3f} s wall: {work / wall:.3e} template·channel·samples/s")
    print(
        f"ratio xp/numba throughput: {best_cpu / best_xp:.2f}; max |difference| "
        f"{float(np.abs(got - ref).max()):.1e}; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs"
    )


def _event_windows(templates: list[Template]) -> dict[str, Stream]:
    """Each template event's own 90 s recording, processed like the templates."""
    root = _shared() / FOLDER
    wav = alpine_waveforms(root)
    out = {}
    for t in templates:
        ot = t.info.origin_time
        raw = Stream([tr for tr in wav if tr.stats.starttime <= ot <= tr.stats.endtime])
        out[t.name] = process_stream(raw, t.band, ot - 30.0, ot + 40.0)
    return out


def similarity() -> None:
    """Every template scanned over every template event's recording: the network mean
    correlation matrix, the lags against the catalogue and the relative magnitudes."""
    root = _shared() / FOLDER
    templates, _ = build_templates(
        alpine_events(root), alpine_waveforms(root), alpine_network(root), TemplateConfig()
    )
    windows = _event_windows(templates)
    config = MatchConfig(threshold_type="absolute", threshold=1e-3, trigger_interval=100.0)
    n = len(templates)
    cc = np.full((n, n), np.nan)
    dt = np.full((n, n), np.nan)
    dm = np.full((n, n), np.nan)
    pick_err: list[float] = []
    for j, tj in enumerate(templates):
        for i, ti in enumerate(templates):
            dets = match_processed([ti], windows[tj.name], config)
            if not dets:
                continue
            d = max(dets, key=lambda x: x.network_correlation)
            cc[i, j] = d.mean_correlation
            dt[i, j] = d.origin_time - tj.info.origin_time
            if d.relative_magnitude is not None and tj.info.magnitude is not None:
                dm[i, j] = d.relative_magnitude - tj.info.magnitude
            if not same_event(ti, tj) and d.mean_correlation >= 0.5:
                truth = {(c.seed_id, c.phase): c.pick_time for c in tj.info.channels}
                pick_err += [
                    p.time - truth[(p.seed_id, p.phase)]
                    for p in d.picks
                    if (p.seed_id, p.phase) in truth
                ]
    off = np.array([[not same_event(a, b) for b in templates] for a in templates])
    pairs = cc[off]
    dup = int((~off).sum() - n)
    print(f"{dup} ordered pairs are two solutions of one event (origins < 3 s apart): left out")
    diag = np.diag
    print(
        f"{n} templates; self-detection mean cc: min {np.nanmin(diag(cc)):.3f}, "
        f"|lag| max {np.nanmax(np.abs(diag(dt))):.3f} s, |dM| max {np.nanmax(np.abs(diag(dm))):.3f}"
    )
    print(
        f"{np.sum(~np.isnan(pairs))} template-event pairs; mean cc median "
        f"{np.nanmedian(pairs):.3f}; >= 0.5: {int(np.nansum(pairs >= 0.5))}, "
        f">= 0.7: {int(np.nansum(pairs >= 0.7))}, >= 0.9: {int(np.nansum(pairs >= 0.9))}"
    )
    for lim in (0.5, 0.7):
        sel = off & (cc >= lim)
        if sel.any():
            print(
                f"pairs with mean cc >= {lim} ({int(sel.sum())}): origin lag vs catalogue "
                f"median |dt| {np.median(np.abs(dt[sel])):.3f} s "
                f"(90 %: {np.percentile(np.abs(dt[sel]), 90):.3f} s); "
                f"relative - catalogue ML: median {np.nanmedian(dm[sel]):+.2f}, "
                f"median |d| {np.nanmedian(np.abs(dm[sel])):.2f}"
            )
    if pick_err:
        e = np.abs(np.array(pick_err))
        print(
            f"lag-refined picks vs the analyst's (pairs >= 0.5, {e.size} picks): median "
            f"{np.median(e):.3f} s, 90 % {np.percentile(e, 90):.3f} s"
        )
    top = sorted(
        (
            (cc[i, j], i, j)
            for i in range(n)
            for j in range(n)
            if i != j and off[i, j] and cc[i, j] >= 0.5
        ),
        reverse=True,
    )[:16]
    for v, i, j in top:
        print(
            f"  {templates[i].name} ~ {templates[j].name}: mean cc {v:.3f}, lag "
            f"{dt[i, j]:+.2f} s, dM {dm[i, j]:+.2f} (ML {templates[i].info.magnitude} / "
            f"{templates[j].info.magnitude})"
        )


def same_event(a: Template, b: Template) -> bool:
    """Two catalogue solutions of one event (the S-files hold a few twice): origins < 3 s apart."""
    return abs(a.info.origin_time - b.info.origin_time) < 3.0


def recall(snrs: list[float], per_level: int, minutes: float, noise_hours: int) -> None:
    """Template events' real recordings injected into real noise at known times and SNR;
    recall by their own template and by another event's template; false detections per day."""
    root = _shared() / FOLDER
    templates, _ = build_templates(
        alpine_events(root), alpine_waveforms(root), alpine_network(root), TemplateConfig()
    )
    config = MatchConfig()
    duration = minutes * 60.0
    rng = np.random.default_rng(2024)
    n_false = 0
    for seed in range(noise_hours):
        noise_only = continuous(root, templates, [], START, duration, noise_seed=seed + 1)
        n_false += len(match(templates, noise_only, config))
    hours = noise_hours * duration / 3600.0
    print(
        f"noise only: {hours:g} h x {len(templates)} templates: {n_false} detections "
        f"({n_false / hours * 24:.1f} per day, all templates together)"
    )
    print("| SNR | injected | by its own template | by another event's template | false per day |")
    print("|---|---|---|---|---|")
    for snr in snrs:
        chosen = rng.choice(len(templates), size=per_level, replace=False)
        gap = (duration - 60.0) / per_level
        inj = [
            Injection(templates[k], START + 40.0 + gap * i + rng.uniform(0, gap - 50.0), snr)
            for i, k in enumerate(chosen)
        ]
        data = continuous(root, templates, inj, START, duration)
        found = match(templates, data, config)
        by_name = {t.name: t for t in templates}
        own = other = 0
        true_ids: set[int] = set()
        for x in inj:
            hits = [d for d in found if abs(d.origin_time - x.origin) <= 1.0]
            own += any(d.template == x.template.name for d in hits)
            other += any(not same_event(by_name[d.template], x.template) for d in hits)
            # the injected recording spans origin - 10 s to + 40 s: any detection in it is
            # on the event (a later phase matched), not a false one
            true_ids |= {id(d) for d in found if -15.0 <= d.origin_time - x.origin <= 45.0}
        false = sum(id(d) not in true_ids for d in found)
        print(
            f"| {snr:g} | {len(inj)} | {own} ({own / len(inj):.0%}) | {other} "
            f"({other / len(inj):.0%}) | {false / duration * 86400.0:.1f} |"
        )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "what",
        nargs="?",
        default="compare",
        choices=["compare", "similarity", "recall", "kernels"],
    )
    p.add_argument(
        "--device",
        default="array",
        choices=["array", "gpu"],
        help="the array-namespace path timed beside the numba one: NumPy or CuPy",
    )
    p.add_argument("--channels", type=int, default=30, help="data channels (kernels)")
    p.add_argument("--templates", type=int, default=50)
    p.add_argument("--minutes", type=float, default=60.0)
    p.add_argument("--snr", type=float, default=3.0)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    p.add_argument("--snrs", default="0.03,0.06,0.1,0.2,0.5,1,2")
    p.add_argument("--noise-hours", type=int, default=3)
    p.add_argument("--per-level", type=int, default=20)
    a = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if a.what == "similarity":
        similarity()
    elif a.what == "recall":
        recall([float(x) for x in a.snrs.split(",")], a.per_level, a.minutes, a.noise_hours)
    elif a.what == "kernels":
        kernels(a.templates, a.channels, a.minutes, a.repeat, a.cores, a.device)
    else:
        compare(a.templates, a.minutes, a.snr, a.repeat, a.cores, a.device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
