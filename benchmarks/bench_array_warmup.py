"""What the arrays' warm-up costs a batch window: the detection stage's read + detect with
the arrays' warm-up (``array_warmup_seconds``, 6 LTA windows: the default) beside the same
window read with the stations' warm-up only (as before), in the same process.

Usage::

    python benchmarks/bench_array_warmup.py [--day benchmarks/out/day] [--start 2024-03-01T14:00:00]
        [--windows 60,3600] [--repeat 3]

Prints per window length: CPU seconds (median of ``--repeat``) for the old and the new margin,
their ratio, the samples read, and whether the window's detections changed.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

from obspy import UTCDateTime

from openndc.detection.array.detector import array_warmup_seconds
from openndc.detection.config import DetectionConfig
from openndc.detection.stage import detect, station_warmup_seconds
from openndc.inventory import read_inventory
from openndc.model.errors import DataQualityWarning
from openndc.model.inventory import MonitoringNetwork
from openndc.pipeline.detecting import detection_tail
from openndc.pipeline.sources import ArchiveSource


def _run(
    source: ArchiveSource, network: MonitoringNetwork, config: DetectionConfig, t0: UTCDateTime,
    length: float, before: float,
) -> tuple[float, int, list[tuple[str, str]]]:  # fmt: skip
    tic = time.process_time()  # CPU seconds: the same under the others' load
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = source.read(t0 - before, t0 + length + detection_tail(config))
        found = detect(data.stream, network, config, start=t0, end=t0 + length)
    dt = time.process_time() - tic
    n = sum(tr.stats.npts for tr in data.stream)
    return dt, n, sorted((d.station, f"{d.time}") for d in found.detections)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--day", default="benchmarks/out/day", help="folder with sds/ and stations.xml")
    ap.add_argument("--start", default="2024-03-01T14:00:00")
    ap.add_argument("--windows", default="60,3600", help="window lengths [s]")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    day = Path(args.day)
    config = DetectionConfig()
    network = read_inventory(str(day / "stations.xml"))
    source = ArchiveSource(day / "sds")
    t0 = UTCDateTime(args.start)
    old, new = station_warmup_seconds(config), array_warmup_seconds(config)
    print(f"warm-up before a window: stations {old:.0f} s (before), arrays {new:.0f} s (now)")
    _run(source, network, config, t0, 60.0, old)  # compile and cache once
    for length in (float(w) for w in args.windows.split(",")):
        res: dict[float, list[float]] = {old: [], new: []}
        out: dict[float, tuple[int, list[tuple[str, str]]]] = {}
        for _ in range(args.repeat):
            for before in (old, new):  # interleaved: the same load for both
                dt, n, dets = _run(source, network, config, t0, length, before)
                res[before].append(dt)
                out[before] = (n, dets)
        a, b = statistics.median(res[old]), statistics.median(res[new])
        same = out[old][1] == out[new][1]
        print(
            f"window {length:.0f} s: {a:.2f} CPU-s with {old:.0f} s warm-up, {b:.2f} s with "
            f"{new:.0f} s: ratio {b / a:.2f}; samples read {out[old][0]} -> {out[new][0]} "
            f"({out[new][0] / out[old][0]:.2f}x); detections {len(out[old][1])} -> "
            f"{len(out[new][1])}{' (the same)' if same else ''}"
        )
        for tag, a_, b_ in (("only before", old, new), ("only now", new, old)):
            for sta, t in sorted(set(out[a_][1]) - set(out[b_][1])):
                print(f"  {tag}: {sta} {t}")


if __name__ == "__main__":
    main()
