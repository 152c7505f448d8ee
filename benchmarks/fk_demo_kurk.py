"""The demo day's KURK f-k at 06:04 and the arrays' f-k accuracy, before and after the f-k read
band-passed element data (docs/arrays.md, "Why KURK said 180° at 06:04").

Needs the demo scenario (``openndc demo`` writes it to ``build/demo/scenario``). "Before"
re-runs the same code with the f-k fed the raw (demeaned) element segment and without the
noise test, by replacing two names of :mod:`openndc.detection.array.detector` in this
process: comparison tooling, not a pipeline option.

Usage::

    python benchmarks/fk_demo_kurk.py                      # the 06:04 window, table + figure
    python benchmarks/fk_demo_kurk.py --accuracy 00 06 08 10 15 18   # + per-array accuracy
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from obspy import Stream, UTCDateTime

import openndc.detection.array.detector as det
from openndc.detection.array import detect_array, fk_analysis
from openndc.detection.array.kernels import DEG_KM, fk_spectra, plane_wave_delays
from openndc.detection.array.plot import plot_fk
from openndc.detection.config import DetectionConfig
from openndc.detection.filters import zerophase_bandpass
from openndc.detection.stage import _beam_elements, warmup_seconds
from openndc.model.inventory import Array
from openndc.pipeline.contract import InventorySource, Window
from openndc.pipeline.detecting import detection_tail
from openndc.pipeline.sources import ArchiveSource

TRUE_PN = (259.39, 13.754)  # KZ.KURK Pn of scn20240301-004 (truth_arrivals.csv) [deg, s/deg]
PN_TIME = UTCDateTime("2024-03-01T06:04:56.85")
TRIGGER_BEAM = (180.0, 0.045)  # the beam that triggered on it (s5.0-b180) [deg, s/km]
FIRST_ONSET = UTCDateTime("2024-03-01T06:04:55.725")  # its first-pass onset


@contextmanager
def raw_fk() -> Iterator[None]:
    """The f-k as it was: raw element windows, no noise test."""
    band, nwin = det._fk_band_data, det.FK_NOISE_WINDOWS
    det._fk_band_data = lambda seg, fs, band, config: seg
    det.FK_NOISE_WINDOWS = 0
    try:
        yield
    finally:
        det._fk_band_data, det.FK_NOISE_WINDOWS = band, nwin


def read_hour(scen: Path, hour: str, cfg: DetectionConfig) -> tuple[Stream, list[Array]]:
    w0 = UTCDateTime(f"2024-03-01T{hour}:00:00")
    net, _ = InventorySource(scen / "inventory.xml").network(Window(w0, w0 + 3600))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        st = ArchiveSource(scen / "sds").read(
            w0 - warmup_seconds(cfg), w0 + 3600 + detection_tail(cfg)
        )
    return st.stream, [a for a in net.arrays if a.kind == "seismic"]


def array_stream(st: Stream, arr: Array, cfg: DetectionConfig) -> Stream:
    codes = {e.station for e in _beam_elements(arr, cfg)}
    return Stream([t for t in st if t.stats.station in codes and t.stats.channel[-1] == "Z"])


def kurk_0604(scen: Path, figure: Path | None) -> None:
    cfg = DetectionConfig()
    st, arrays = read_hour(scen, "06", cfg)
    kurk = next(a for a in arrays if a.code == "KURK")
    ad = det.gather_array_data(array_stream(st, kurk, cfg), kurk, cfg)
    assert ad is not None
    fs, xy = ad.fs, ad.offsets_km
    seg = ad.data - ad.data.mean(axis=1, keepdims=True)
    filt = zerophase_bandpass(seg, fs, cfg.array.fk_freq_min, cfg.array.fk_freq_max, 3)
    nwin = round(cfg.array.fk_window * fs)
    steers: dict[str, np.ndarray] = {
        "cut on the triggering beam": plane_wave_delays(xy, *TRIGGER_BEAM),
        "not shifted": np.zeros(len(xy)),
        "cut on the true Pn": plane_wave_delays(xy, TRUE_PN[0], TRUE_PN[1] / DEG_KM),
    }
    results = {}
    print("| data | windows | onset | f-k | in-band power |")
    for dname, x in (("raw", seg), ("band-passed", filt)):
        for sname, d in steers.items():
            for oname, t_on in (("first pass", FIRST_ONSET), ("true", PN_TIME)):
                w0 = round((t_on - ad.starttime) * fs) - round(cfg.array.fk_lead * fs)
                k = np.round(d * fs).astype(int)
                win = np.array([x[j, w0 + k[j] : w0 + k[j] + nwin] for j in range(len(k))])
                r = fk_analysis(
                    win, fs, xy, slowness_max=cfg.array.slowness_max,
                    slowness_step=cfg.array.slowness_step, fmin=cfg.array.fk_freq_min,
                    fmax=cfg.array.fk_freq_max, shifts_s=k / fs, refine=cfg.array.fk_refine,
                )  # fmt: skip
                spec, _ = fk_spectra(win, fs, cfg.array.fk_freq_min, cfg.array.fk_freq_max)
                print(
                    f"| {dname} | {sname} | {oname} | {r.backazimuth_deg:.1f}°, "
                    f"{r.slowness_s_per_deg:.2f} s/deg, relpow {r.relpower:.2f}, F {r.fstat:.1f} "
                    f"| {np.sum(np.abs(spec) ** 2):.3g} |"
                )
                if oname == "first pass" and sname != "cut on the true Pn":
                    results[f"{dname} elements, windows {sname}"] = r
    if figure is not None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(18, 5.6))
        for i, (name, r) in enumerate(list(results.items())[:3]):
            ax = fig.add_subplot(1, 3, i + 1)
            plot_fk(r, ax=ax, expected=TRUE_PN, title=f"{name}\nrelpow {r.relpower:.2f}")
        fig.tight_layout()
        fig.savefig(figure, dpi=72)
        # one element's window: what the f-k read, and the band it is meant to see
        fig2 = Figure(figsize=(9, 4))
        ax = fig2.add_subplot(1, 1, 1)
        w0 = round((FIRST_ONSET - ad.starttime) * fs) - round(cfg.array.fk_lead * fs)
        j = ad.codes.index("KUR06")
        t = np.arange(nwin) / fs - cfg.array.fk_lead
        ax.plot(t, seg[j, w0 : w0 + nwin] - seg[j, w0 : w0 + nwin].mean(), "k", lw=0.8,
                label="KUR06 raw, demeaned (what the f-k read)")  # fmt: skip
        ax.plot(t, filt[j, w0 : w0 + nwin], "r", lw=0.8, label="KUR06 band-passed 0.8-4.5 Hz")
        ax.set_xlabel("s after the first-pass onset 06:04:55.725")
        ax.set_ylabel("counts")
        ax.legend(fontsize=8)
        fig2.tight_layout()
        second = figure.with_name(figure.stem + "_window" + figure.suffix)
        fig2.savefig(second, dpi=72)
        print(f"figures -> {figure}, {second}")


def accuracy(scen: Path, hours: list[str]) -> None:
    cfg = DetectionConfig()
    truth = pd.read_csv(scen / "truth_arrivals.csv")
    rows = []
    for hour in hours:
        st, arrays = read_hour(scen, hour, cfg)
        w0 = UTCDateTime(f"2024-03-01T{hour}:00:00")
        for arr in arrays:
            tr = truth[truth.station == arr.code]
            sub = array_stream(st, arr, cfg)
            if not len(tr) or not len(sub):
                continue
            tt = np.array([UTCDateTime(t).timestamp for t in tr.time])
            for variant in ("before", "after"):
                if variant == "before":
                    with raw_fk():
                        dets = detect_array(sub, arr, cfg)
                else:
                    dets = detect_array(sub, arr, cfg)
                for d in (d for d in dets if w0 <= d.time < w0 + 3600):
                    dt = np.abs(tt - d.time.timestamp)
                    i = int(np.argmin(dt))
                    hit = bool(dt[i] < 3.0)
                    rows.append(
                        {
                            "variant": variant,
                            "array": arr.code,
                            "true": hit,
                            "dbaz": abs((d.backazimuth - tr.iloc[i].backazimuth + 180) % 360 - 180)
                            if hit
                            else np.nan,
                            "dslow": abs(d.slowness - tr.iloc[i].slowness) if hit else np.nan,
                            "ubaz": d.backazimuth_uncertainty,
                        }
                    )
    df = pd.DataFrame(rows)
    g = df.groupby(["array", "variant"])
    table = pd.DataFrame(
        {
            "detections": g.size(),
            "matched true": g["true"].sum(),
            "median |dbaz| [deg]": g.apply(lambda x: x[x["true"]].dbaz.median()),
            "|dbaz| > 15": g.apply(lambda x: int((x[x["true"]].dbaz > 15).sum())),
            "median |dslow| [s/deg]": g.apply(lambda x: x[x["true"]].dslow.median()),
            "false with ubaz <= 15": g.apply(lambda x: int((~x["true"] & (x.ubaz <= 15)).sum())),
        }
    )
    print(table.round(2).to_string())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", type=Path, default=Path("build/demo/scenario"))
    ap.add_argument("--figure", type=Path, default=None, help="write the three f-k maps here")
    ap.add_argument("--accuracy", nargs="*", default=[], help="hours (00-23) for the table")
    a = ap.parse_args()
    kurk_0604(a.scenario, a.figure)
    if a.accuracy:
        accuracy(a.scenario, a.accuracy)


if __name__ == "__main__":
    main()
