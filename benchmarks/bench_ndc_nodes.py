"""The NDC association's node scoring: pruned by cluster bounds vs every node, same calls.

Associates the detections stored in a bulletin database (e.g. the one
``bench_pipeline.py --db`` keeps) in windows of 1.5 h with the default configuration,
records the calls of :func:`openndc.association.nodes.score_nodes`, and times them again in
the same process: as the association makes them (clusters whose bound is below what the
caller uses are skipped) and with every node scored (``floor=-inf``: the scan of the
previous kernel, which scored every node). Checks that the scores the caller uses are
identical, and prints the CPU time of both and their ratio.

Usage::

    python benchmarks/bench_pipeline.py --hours 6 --db /tmp/day.db --skip-baseline
    python benchmarks/bench_ndc_nodes.py /tmp/day.db --hours 6
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

import synthetic_day as sd  # noqa: E402


def record_calls(db: Path, hours: float, limit: int) -> list[tuple[Any, ...]]:
    """The first ``limit`` calls of ``score_nodes`` while associating the first ``hours``."""
    from openndc.association import AssociationConfig, associate, ndc
    from openndc.bulletin import BulletinStore

    network = sd.monitoring_network(sd.build_layout())
    with BulletinStore(f"sqlite:///{db}") as store:
        dets = store.load_detections(sd.DEFAULT_START, sd.DEFAULT_START + hours * 3600.0)
    if not dets:
        raise SystemExit(f"{db}: no detections in the first {hours:g} h")
    calls: list[tuple[Any, ...]] = []
    kernel = ndc.score_nodes

    def recording(*args: Any) -> Any:
        if len(calls) < limit:
            calls.append(args)
        return kernel(*args)

    ndc.score_nodes = recording  # type: ignore[assignment]
    try:
        t = sd.DEFAULT_START
        while t < sd.DEFAULT_START + hours * 3600.0 and len(calls) < limit:
            window = [d for d in dets if t - 1800.0 <= d.time < t + 3600.0]
            if window:
                associate(window, network, AssociationConfig())
            t += 3600.0
    finally:
        ndc.score_nodes = kernel
    return calls


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db", type=Path, help="bulletin database with detections (SQLite)")
    ap.add_argument("--hours", type=float, default=6.0)
    ap.add_argument("--calls", type=int, default=500, help="calls to record and time")
    a = ap.parse_args(argv)
    from openndc.association.nodes import score_nodes

    calls = record_calls(a.db, a.hours, a.calls)
    full = [(*c[:6], -math.inf, math.inf) for c in calls]
    score_nodes(*calls[0])
    score_nodes(*full[0])  # compiled before timing
    t0 = time.process_time()
    pruned = [score_nodes(*c) for c in calls]
    t_pruned = time.process_time() - t0
    t0 = time.process_time()
    every = [score_nodes(*c) for c in full]
    t_full = time.process_time() - t0
    same = 0
    for c, (s1, r1), (s2, r2) in zip(calls, pruned, every, strict=True):
        floor, enough = c[6], c[7]
        top = float(s2.max())
        keep = s2 == top if top >= enough else s2 >= floor
        same += bool(np.array_equal(s1[keep], s2[keep]) and np.array_equal(r1[keep], r2[keep]))
    n_nodes = calls[0][1].tp.shape[0]
    print(
        f"{len(calls)} driver detections, {n_nodes} nodes, {calls[0][1].tp.shape[1]} sites: "
        f"every node {t_full:.3f} CPU-s, pruned {t_pruned:.3f} CPU-s: "
        f"{t_full / t_pruned:.1f}x; used scores identical in {same} of {len(calls)} calls"
    )


if __name__ == "__main__":
    main()
