"""Onset accuracy of ``detect_trace`` on the PhaseNet example windows (real analyst P picks).

Usage::

    python benchmarks/phasenet_onsets.py [DATA_DIR] \\
        [--plot docs/img/phasenet_onset_residuals.png]

Each 90 s window has its P pick at sample 3000 (30 s); to avoid a picker that learns that,
each window is cropped to 60 s at a random offset (fixed seed) so that P falls between 15
and 45 s. ``detect_trace`` runs on the vertical with :func:`local_config` (local-event
bands and short windows); the detection closest to the pick is scored.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
from obspy import Trace, UTCDateTime

from openndc.detection.config import BandConfig, DetectionConfig, OnsetConfig
from openndc.detection.station import detect_trace

FS = 100.0
CROP_S = 60.0
SEED = 20240607


def local_config(method: str = "aic") -> DetectionConfig:
    """Detection config for local events at 100 Hz (short STA/LTA, 1-10 / 2-15 / 5-20 Hz)."""
    bands = [
        BandConfig("loc1", 1.0, 10.0, 4, 0.3, 8.0, 3.5, 1.5),
        BandConfig("loc2", 2.0, 15.0, 4, 0.2, 8.0, 3.5, 1.5),
        BandConfig("loc3", 5.0, 20.0, 4, 0.2, 8.0, 3.5, 1.5),
    ]
    return DetectionConfig(
        bands=bands,
        merge_window=1.5,
        min_duration=0.2,
        dead_time=2.0,
        onset=OnsetConfig(method=method, before=1.5, after=0.5),
    )


def load_windows(data_dir: Path, seed: int = SEED) -> list[tuple[str, Trace, UTCDateTime]]:
    """(file name, cropped vertical trace, analyst P time) for every window."""
    rng = np.random.default_rng(seed)
    out = []
    with open(data_dir / "waveform.csv") as fh:
        rows = list(csv.DictReader(fh))
    t0 = UTCDateTime(2000, 1, 1)
    for row in rows:
        npz = np.load(data_dir / "waveform_train" / row["fname"])
        names = row["channels"].split("_")
        col = [n[-1] for n in names].index("Z") if len(names) == 3 else 2
        data = npz["data"][:, col]
        itp = int(npz["itp"])
        p_at = rng.uniform(15.0, 45.0)  # where P will sit in the crop [s]
        i0 = itp - round(p_at * FS)
        i0 = min(max(i0, 0), len(data) - round(CROP_S * FS))
        seg = data[i0 : i0 + round(CROP_S * FS)]
        tr = Trace(
            seg.copy(),
            header={
                "sampling_rate": FS,
                "starttime": t0,
                "network": "XX",
                "station": row["fname"][:8],
                "channel": names[-1],
            },
        )
        out.append((row["fname"], tr, t0 + (itp - i0) / FS))
    return out


def residuals(data_dir: Path, config: DetectionConfig | None = None) -> np.ndarray:
    """Onset minus analyst pick [s] for each window (NaN where nothing was detected)."""
    config = config or local_config()
    res = []
    for _, tr, pick in load_windows(data_dir):
        dets = detect_trace(tr, config)
        if not dets:
            res.append(np.nan)
            continue
        best = min(dets, key=lambda d: abs(d.time - pick))
        res.append(best.time - pick)
    return np.array(res)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", nargs="?", default="../shared/data/phasenet_pick_windows")
    ap.add_argument("--plot", default=None)
    ap.add_argument("--method", default="aic")
    args = ap.parse_args(argv)
    r = residuals(Path(args.data), local_config(args.method))
    a = np.abs(np.nan_to_num(r, nan=1e9))
    print(
        f"n={len(r)} detected={np.isfinite(r).sum()} within 0.1 s: {np.mean(a <= 0.1):.3f} "
        f"within 0.5 s: {np.mean(a <= 0.5):.3f} median |res|={np.nanmedian(np.abs(r)):.3f} s "
        f"mean res={np.nanmean(r[a <= 0.5]):+.3f} s"
    )
    if args.plot:
        from openndc.detection.plot import plot_onset_residuals

        plot_onset_residuals(r, args.plot, title="PhaseNet windows: detect_trace P onsets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
