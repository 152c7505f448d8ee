"""P and S picking on real analyst picks in short windows (PhaseNet windows, cropped).

The same measurement as ``benchmarks/bench_picking.py`` on one crop per window: each 90 s
window (P at sample 3000) is cropped to 60 s so that the P falls 1-25 s into it, the
detection stage runs with the ``local`` preset, and the P-named (S-named) detection closest
to the analyst's P (S) is scored; ObsPy's ``ar_pick`` runs on the same 3-C crops.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime
from obspy.signal.trigger import ar_pick

from openndc.detection.config import DetectionConfig
from openndc.detection.stage import detect
from openndc.model.config import from_mapping
from openndc.model.inventory import MonitoringNetwork
from openndc.presets import load_preset

FS = 100.0
T0 = UTCDateTime(2000, 1, 1)


@pytest.mark.slow
def test_short_window_p_and_s_picks(shared_data: Path) -> None:
    folder = shared_data / "phasenet_pick_windows"
    with open(folder / "waveform.csv") as fh:
        rows = list(csv.DictReader(fh))
    cfg = from_mapping(DetectionConfig, load_preset("local")["detection"], "local")
    rng = np.random.default_rng(31)
    empty = MonitoringNetwork("t", ())
    p_res, p3_res, s_res, ar_p, ar_s = [], [], [], [], []
    for row in rows:
        npz = np.load(folder / "waveform_train" / row["fname"])
        names = row["channels"].split("_")
        itp, its = int(npz["itp"]), int(npz["its"])
        i0 = itp - round(rng.uniform(1.0, 25.0) * FS)  # P 1-25 s into the crop
        cols = range(3) if len(names) == 3 else [2]
        st = Stream(
            [
                Trace(
                    np.ascontiguousarray(npz["data"][i0 : i0 + 6000, c]),
                    header={
                        "sampling_rate": FS,
                        "starttime": T0,
                        "station": "PN",
                        "channel": names[c] if len(names) == 3 else names[0],
                    },
                )
                for c in cols
            ]
        )
        p, s = (itp - i0) / FS, (its - i0) / FS
        dets = detect(st, empty, cfg).detections
        best_p = min((abs(d.time - T0 - p) for d in dets if d.phase == "P"), default=np.inf)
        p_res.append(best_p)
        if len(st) == 3:
            p3_res.append(best_p)
            s_res.append(
                min((abs(d.time - T0 - s) for d in dets if d.phase == "S"), default=np.inf)
            )
            z, n, e = (st.select(component=c)[0].data for c in "ZNE")
            ap, as_ = ar_pick(z, n, e, FS, 1.0, 20.0, 1.0, 0.1, 4.0, 1.0, 2, 8, 0.1, 0.2)
            ar_p.append(abs(ap - p))
            ar_s.append(abs(as_ - s))
    share = {
        k: float(np.mean(np.asarray(v) <= tol))
        for k, v, tol in (
            ("P", p_res, 0.1),
            ("P 3-C", p3_res, 0.1),
            ("S 3-C", s_res, 0.2),
            ("ar_pick P", ar_p, 0.1),
            ("ar_pick S", ar_s, 0.2),
        )
    }
    print(f"{len(p_res)} crops ({len(p3_res)} 3-C):", {k: round(v, 3) for k, v in share.items()})
    assert len(p_res) == 107 and len(p3_res) == 80
    # measured here: P 0.925, P 3-C 0.900, S 0.762; ar_pick 0.800 / 0.675 (docs/detection.md)
    assert share["P"] >= 0.90  # the goal
    assert share["S 3-C"] >= 0.65  # the goal: 0.60
    assert share["P 3-C"] >= share["ar_pick P"]
    assert share["S 3-C"] >= share["ar_pick S"]
