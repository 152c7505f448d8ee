"""P and S picking on real analyst picks (PhaseNet windows), OpenNDC beside ObsPy's pickers.

Usage::

    python benchmarks/bench_picking.py [DATA_DIR] [--crops 3] [--seed 20261204] \\
        [--preset local] [--limit N]

Data: ``../shared/data/phasenet_pick_windows`` (90 s windows at 100 Hz with analyst P and S
picks; P is always at sample 3000). Each window is cropped ``--crops`` times to 60 s at random
offsets (fixed seed) so that P falls anywhere from 1 to 25 s into the crop (a triggered
window or an event file: little noise before P). Never scored uncropped.

Contenders, all on the same crops:

* OpenNDC: the detection stage (:func:`openndc.detection.stage.detect`) with the preset
  (``--preset``, default ``local``) on the 3-C (or vertical-only) stream. P: the P-named
  detection closest to the analyst P; S: the S-named detection closest to the analyst S.
  Also reported: the *first* P-named detection (what a single-pick picker returns).
* ObsPy ``ar_pick`` (Akazawa / autoregressive, 3-C only) with the parameters of the ObsPy
  tutorial (1-20 Hz, LTA/STA P 1.0/0.1 s, S 4.0/1.0 s, AR orders 2/8, 0.1/0.2 s): one P and
  one S per window.
* ObsPy ``pk_baer`` (Baer & Kradolfer 1987) on the vertical with the tutorial parameters
  (tdownmax 20, tupevent 60, thr1 7, thr2 12, preset_len 100, p_dur 100): one P.

Scores: share of windows with a P within 0.1 s (and 0.5 s) of the analyst P; share of
windows whose analyst S lies in the crop with an S within 0.2 s (and 0.5 s). ``ar_pick`` and
S scores use the 3-C windows only; P scores are given over all windows and over 3-C ones.

Halves: the files are split in two fixed halves by the parity of the CRC-32 of their name
(:func:`half_of`; 56 and 51 files), and OpenNDC's P and S scores are also given per half,
so that a change made while looking at one half can be checked on the other.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from obspy import Stream, Trace, UTCDateTime
from obspy.signal.trigger import ar_pick, pk_baer

from openndc.detection.config import DetectionConfig
from openndc.detection.stage import detect
from openndc.model.config import from_mapping
from openndc.model.inventory import MonitoringNetwork
from openndc.presets import load_preset

FS = 100.0
CROP_S = 60.0
P_MIN_S, P_MAX_S = 1.0, 25.0
SEED = 20261204
T0 = UTCDateTime(2000, 1, 1)
EMPTY = MonitoringNetwork("bench", ())

__all__ = ["Window", "half_of", "halves_table", "load_windows", "main", "score"]


def half_of(fname: str) -> int:
    """The fixed half (0 or 1) of a PhaseNet file: parity of the CRC-32 of its name."""
    return zlib.crc32(fname.encode()) % 2


@dataclass(frozen=True)
class Window:
    """One crop: stream (Z, N, E or Z only), analyst P and S offsets [s] from its start."""

    name: str
    stream: Stream
    p: float
    s: float | None  # None: no S pick or S outside the crop

    @property
    def three_c(self) -> bool:
        return len(self.stream) == 3


def load_windows(
    data_dir: Path, crops: int = 3, seed: int = SEED, limit: int | None = None
) -> list[Window]:
    """``crops`` random 60 s crops of every window (P 1-25 s in), deterministic from ``seed``."""
    rng = np.random.default_rng(seed)
    with open(data_dir / "waveform.csv") as fh:
        rows = list(csv.DictReader(fh))
    if limit:
        rows = rows[:limit]
    out = []
    n = round(CROP_S * FS)
    for row in rows:
        npz = np.load(data_dir / "waveform_train" / row["fname"])
        names = row["channels"].split("_")
        itp, its = int(npz["itp"]), int(npz["its"])
        cols = list(range(3)) if len(names) == 3 else [2]
        for _ in range(crops):
            i0 = itp - round(rng.uniform(P_MIN_S, P_MAX_S) * FS)
            st = Stream()
            for c in cols:
                name = names[c] if len(names) == 3 else names[0]
                st += Trace(
                    np.ascontiguousarray(npz["data"][i0 : i0 + n, c]),
                    header={
                        "sampling_rate": FS,
                        "starttime": T0,
                        "network": "XX",
                        "station": "PN",
                        "channel": name,
                    },
                )
            s = (its - i0) / FS if its > 0 and 0 < its - i0 < n else None
            out.append(Window(row["fname"], st, (itp - i0) / FS, s))
    return out


def _closest(times: list[float], target: float) -> float:
    return min((abs(t - target) for t in times), default=np.inf)


def openndc_picks(w: Window, config: DetectionConfig) -> tuple[list[float], list[float]]:
    """P-named and S-named detection times [s from the crop start] of the detection stage."""
    dets = detect(w.stream, EMPTY, config).detections
    p = [d.time - T0 for d in dets if d.phase in ("P", "Pg", "Pn")]
    s = [d.time - T0 for d in dets if d.phase in ("S", "Sg", "Sn", "Lg")]
    return p, s


def obspy_ar_pick(w: Window) -> tuple[float, float]:
    z = w.stream.select(component="Z")[0].data
    n = w.stream.select(component="N")[0].data
    e = w.stream.select(component="E")[0].data
    p, s = ar_pick(z, n, e, FS, 1.0, 20.0, 1.0, 0.1, 4.0, 1.0, 2, 8, 0.1, 0.2)
    return float(p), float(s)


def obspy_pk_baer(w: Window) -> float:
    z = w.stream.select(component="Z")[0].data.astype(np.float32)
    p, _ = pk_baer(z, FS, 20, 60, 7.0, 12.0, 100, 100)
    return float(p) / FS


def score(windows: list[Window], config: DetectionConfig) -> dict[str, Any]:
    """Residual tables of every contender (absolute residuals [s], inf where nothing)."""
    r: dict[str, list[float]] = {
        k: []
        for k in (
            "ndc_p",
            "ndc_p_first",
            "ndc_s",
            "ar_p",
            "ar_s",
            "baer_p",
            "three_c",
            "has_s",
            "half",
        )
    }
    t: dict[str, float] = {"ndc": 0.0, "ar": 0.0, "baer": 0.0}
    for w in windows:
        c0 = time.perf_counter()
        p, s = openndc_picks(w, config)
        c1 = time.perf_counter()
        r["ndc_p"].append(_closest(p, w.p))
        r["ndc_p_first"].append(abs(min(p) - w.p) if p else np.inf)
        r["ndc_s"].append(_closest(s, w.s) if w.s is not None else np.nan)
        if w.three_c:
            ap, as_ = obspy_ar_pick(w)
            c2 = time.perf_counter()
            r["ar_p"].append(abs(ap - w.p) if ap > 0 else np.inf)
            r["ar_s"].append(abs(as_ - w.s) if w.s is not None and as_ > 0 else np.nan)
        else:
            c2 = time.perf_counter()
            r["ar_p"].append(np.nan)
            r["ar_s"].append(np.nan)
        bp = obspy_pk_baer(w)
        c3 = time.perf_counter()
        r["baer_p"].append(abs(bp - w.p) if bp > 0 else np.inf)
        r["three_c"].append(float(w.three_c))
        r["half"].append(float(half_of(w.name)))
        r["has_s"].append(float(w.s is not None))
        t["ndc"] += c1 - c0
        t["ar"] += c2 - c1
        t["baer"] += c3 - c2
    out: dict[str, Any] = {k: np.array(v) for k, v in r.items()}
    out["seconds"] = t
    return out


def _share(x: np.ndarray, mask: np.ndarray, tol: float) -> tuple[float, int]:
    v = x[mask]
    return (float(np.mean(v <= tol)) if len(v) else float("nan")), len(v)


def table(res: dict[str, Any]) -> str:
    """Markdown table of the scores."""
    three = res["three_c"] > 0
    every = np.ones_like(three, dtype=bool)
    s_mask = three & (res["has_s"] > 0)
    rows = [
        ("OpenNDC (closest P / S)", "ndc_p", "ndc_s"),
        ("OpenNDC (first P)", "ndc_p_first", None),
        ("ObsPy ar_pick", "ar_p", "ar_s"),
        ("ObsPy pk_baer", "baer_p", None),
    ]
    lines = [
        "| picker | P ≤ 0.1 s (all) | P ≤ 0.1 s (3-C) | P ≤ 0.5 s (3-C) | S ≤ 0.2 s (3-C) "
        "| S ≤ 0.5 s (3-C) |",
        "|---|---|---|---|---|---|",
    ]
    for label, pk, sk in rows:
        pa, na = _share(res[pk], every, 0.1) if pk != "ar_p" else (float("nan"), 0)
        p3, n3 = _share(res[pk], three, 0.1)
        p5, _ = _share(res[pk], three, 0.5)
        cells = [f"{pa:.1%} ({na})" if na else "—", f"{p3:.1%} ({n3})", f"{p5:.1%}"]
        if sk:
            s2, ns = _share(res[sk], s_mask, 0.2)
            s5, _ = _share(res[sk], s_mask, 0.5)
            cells += [f"{s2:.1%} ({ns})", f"{s5:.1%}"]
        else:
            cells += ["—", "—"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def halves_table(res: dict[str, Any]) -> str:
    """OpenNDC's P (all windows) and S (3-C) scores on each fixed half of the files."""
    three = res["three_c"] > 0
    s_mask = three & (res["has_s"] > 0)
    lines = ["| half | P ≤ 0.1 s (all) | S ≤ 0.2 s (3-C) |", "|---|---|---|"]
    for h in (0, 1):
        m = res["half"] == h
        p, n = _share(res["ndc_p"], m, 0.1)
        s, ns = _share(res["ndc_s"], m & s_mask, 0.2)
        lines.append(f"| {h} | {p:.1%} ({n}) | {s:.1%} ({ns}) |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", nargs="?", default="../shared/data/phasenet_pick_windows")
    ap.add_argument("--crops", type=int, default=3, help="random crops per file")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--preset", default="local")
    ap.add_argument("--limit", type=int, default=None, help="only the first N files")
    args = ap.parse_args(argv)
    preset = load_preset(args.preset)
    config = from_mapping(DetectionConfig, preset.get("detection", {}), "detection")
    windows = load_windows(Path(args.data), args.crops, args.seed, args.limit)
    res = score(windows, config)
    print(
        f"{len(windows)} crops of {len(windows) // args.crops} files (seed {args.seed}, "
        f"P {P_MIN_S:g}-{P_MAX_S:g} s into {CROP_S:g} s), preset {args.preset!r}"
    )
    print(table(res))
    print()
    print(halves_table(res))
    sec = res["seconds"]
    print(
        f"time per window: OpenNDC {1e3 * sec['ndc'] / len(windows):.1f} ms, "
        f"ar_pick {1e3 * sec['ar'] / max(1, int(res['three_c'].sum())):.1f} ms, "
        f"pk_baer {1e3 * sec['baer'] / len(windows):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
