"""Association benchmark: OpenNDC vs PyOcto on the same detections.

1. Central Italy 2016-10-14 (real automatic picks, 60 stations): the whole day (or
   ``--hours``), events, picks associated, wall time, and recall/precision against the
   LOC-FLOW Hypoinverse catalogue of the first ~50 minutes.
2. Synthetic local day: known events + false picks on a 12-station network: recall,
   precision, wall time of both.

Usage: ``python benchmarks/bench_association.py [--hours 24] [--start-hour 0] [--repeat 2]
[--skip-italy] [--skip-synthetic]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.association import ConstantVelocity, associate, local_config
from openndc.model import MonitoringNetwork, Station
from openndc.model.geodesy import DEG_KM, distance_azimuth

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support
from tests.support.compare import match_catalogue, run_pyocto
from tests.support.realpicks import (
    read_hypoinverse_sum,
    read_real_picks,
    read_real_stations,
)
from tests.support.synthetic import SyntheticEvent, synthetic_detections

DAY = UTCDateTime(2016, 10, 14)
PYOCTO_ARGS = {"n_picks": 6, "n_p_picks": 2, "n_s_picks": 2, "n_p_and_s_picks": 2, "n_threads": 2}


def _shared() -> Path:
    return Path(
        os.environ.get("OPENNDC_SHARED_DATA", Path(__file__).parents[1] / ".." / "shared" / "data")
    )


def _hypodd_events(path: Path) -> list[tuple[UTCDateTime, float, float, float]]:
    """Origins of a hypoDD phase file (``# yr mo dy hr mn sc lat lon depth ...`` lines)."""
    out = []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            p = line[1:].split()
            t = UTCDateTime(int(p[0]), int(p[1]), int(p[2]), int(p[3]), int(p[4])) + float(p[5])
            out.append((t, float(p[6]), float(p[7]), float(p[8])))
    return out


def italy(hours: float, repeat: int = 1, start_hour: float = 0.0) -> None:
    """OpenNDC ('local' preset) and PyOcto on the same picks, in the same run.

    First 49 min: recall against the LOC-FLOW Hypoinverse catalogue (60 events, |dt| <= 3 s,
    <= 15 km), precision against the hypoDD phase file of the same window (156 events, the
    more complete list), and events split (two found events matching one catalogue event
    within 10 s and 20 km). Whole range: agreement with PyOcto's events (recall of PyOcto's
    events, fraction of ours PyOcto also has). ``start_hour``: the picks from that hour of
    the day on (the catalogue window is then empty unless it is 0). ``repeat``: both are
    timed that many times, alternately (the machine's load changes; the ratio of each pair
    is printed)."""
    root = _shared() / "italy_picks_2016-10-14"
    net = read_real_stations(root / "REAL_demo/Data/station.dat")
    t_a = start_hour * 3600.0
    picks = read_real_picks(root / "REAL_demo/Pick/20161014", DAY, t_a, t_a + hours * 3600.0)
    cat = read_hypoinverse_sum(root / "LOCFLOW/location/hypoinverse/catOut.sum")
    dd = _hypodd_events(root / "LOCFLOW/MatchLocate/GrowClust/IN/hypoDD.pha")
    cw = DAY + 2940.0
    config = local_config(model="constant:6.0,3.4")
    associate(picks[:500], net, config)  # compile the kernels outside the timing
    ratios = []
    for k in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        res = associate(picks, net, config)
        ours_s, ours_cpu = time.perf_counter() - t, time.process_time() - c
        c = time.process_time()
        po = run_pyocto(picks, net, vp=6.0, vs=3.4, tolerance=1.0, **PYOCTO_ARGS)  # type: ignore[arg-type]
        po_cpu = time.process_time() - c
        ratios.append(ours_s / po.wall_s)
        threads = config.local_threads or os.cpu_count() or 1
        print(f"run {k + 1}: openndc {ours_s:.1f} s wall ({ours_cpu:.1f} CPU-s, up to "
              f"{threads} threads), "
              f"pyocto {po.wall_s:.1f} s wall ({po_cpu:.1f} CPU-s, 2 threads): wall ratio "
              f"{ratios[-1]:.2f}, CPU ratio {ours_cpu / po_cpu:.2f}", flush=True)  # fmt: skip
    mine = [
        (e.origin.time, e.origin.latitude, e.origin.longitude, e.origin.depth_km)
        for e in res.events
    ]
    cat = [c for c in cat if DAY + t_a <= c[0] < cw]  # empty unless the range starts at 0 h
    dd = [c for c in dd if DAY + t_a <= c[0] < cw]
    print(f"Italy {hours:g} h from {start_hour:g} h: {len(picks)} picks; first 49 min: "
          f"Hypoinverse {len(cat)} events, hypoDD {len(dd)}")  # fmt: skip
    print(
        f"{'':8s} {'events':>7s} {'picks':>7s} {'wall[s]':>8s} {'49min':>6s} {'recall':>7s} "
        f"{'prec(dd)':>8s} {'split':>6s} {'med dt':>7s} {'med km':>7s}"
    )
    for name, evs, n_ass, wall in (
        ("openndc", mine, int(res.stats["n_associated"]), ours_s),
        ("pyocto", po.events, po.n_associated, po.wall_s),
    ):
        inwin = [h for h in evs if h[0] < cw]
        m = match_catalogue(inwin, cat, max_dt=3.0, max_km=15.0)
        m_dd = match_catalogue(inwin, dd, max_dt=3.0, max_km=15.0)
        split = sum(
            1
            for c in cat
            if sum(
                1
                for h in inwin
                if abs(h[0] - c[0]) <= 10.0
                and float(distance_azimuth(c[1], c[2], h[1], h[2])[0]) * DEG_KM <= 20.0
            )
            > 1
        )
        print(
            f"{name:8s} {len(evs):7d} {n_ass:7d} {wall:8.2f} {len(inwin):6d} {m.recall:7.3f} "
            f"{m_dd.precision:8.3f} {split:6d} {m.median_dt:7.2f} {m.median_km:7.2f}"
        )
    agree = match_catalogue(mine, po.events, max_dt=3.0, max_km=15.0)
    print(
        f"whole range vs PyOcto: recall of PyOcto's events {agree.recall:.3f}, "
        f"ours also in PyOcto {agree.precision:.3f}"
    )
    # held-out check: the two halves of the range separately (nothing was tuned on either)
    half = DAY + t_a + 0.5 * hours * 3600.0
    for label, first in (("first half", True), ("second half", False)):
        a = [h for h in mine if (h[0] < half) == first]
        b = [h for h in po.events if (h[0] < half) == first]
        ag = match_catalogue(a, b, max_dt=3.0, max_km=15.0)
        print(
            f"{label}: openndc {len(a)} events, pyocto {len(b)}; recall of PyOcto's events "
            f"{ag.recall:.3f}, ours also in PyOcto {ag.precision:.3f}"
        )
    print("wall-time ratio openndc/pyocto: " + ", ".join(f"{r:.2f}" for r in ratios))


def synthetic(n_events: int = 200) -> None:
    rng = np.random.default_rng(7)
    net = MonitoringNetwork("syn", tuple(
        Station("XX", f"S{i:02d}", float(42.8 + rng.uniform(-0.4, 0.4)),
                float(13.2 + rng.uniform(-0.5, 0.5)))
        for i in range(12)))  # fmt: skip
    t0 = UTCDateTime(2024, 3, 1)
    evs = [SyntheticEvent(t0 + 30.0 * i + rng.uniform(0, 15), 42.8 + rng.uniform(-0.3, 0.3),
                          13.2 + rng.uniform(-0.3, 0.3), rng.uniform(3, 15))
           for i in range(n_events)]  # fmt: skip
    model = ConstantVelocity(6.0, 3.4)
    dets = synthetic_detections(net, evs, model, seed=8, pick_sigma=0.15, max_distance=5.0,
                                s_max_distance=5.0, false_per_site_hour=30.0)  # fmt: skip
    truth = [(e.time, e.latitude, e.longitude, e.depth_km) for e in evs]
    t = time.perf_counter()
    res = associate(dets, net, local_config(model=model.model))
    ours_s = time.perf_counter() - t
    mine = [
        (e.origin.time, e.origin.latitude, e.origin.longitude, e.origin.depth_km)
        for e in res.events
    ]
    po = run_pyocto(dets, net, vp=6.0, vs=3.4, tolerance=1.0, **PYOCTO_ARGS)  # type: ignore[arg-type]
    print(f"synthetic: {n_events} events, {len(dets)} detections on 12 stations")
    for name, found, wall in (("openndc", mine, ours_s), ("pyocto", po.events, po.wall_s)):
        m = match_catalogue(found, truth, max_dt=2.0, max_km=10.0)
        print(
            f"{name:8s} events {len(found):5d} recall {m.recall:.3f} precision {m.precision:.3f} "
            f"median km {m.median_km:.2f} wall {wall:.2f} s"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--skip-italy", action="store_true")
    ap.add_argument("--skip-synthetic", action="store_true")
    ap.add_argument("--start-hour", type=float, default=0.0, help="first hour of the day")
    ap.add_argument("--repeat", type=int, default=1, help="time the Italy runs this many times")
    args = ap.parse_args()
    if not args.skip_synthetic:
        synthetic()
    if not args.skip_italy:
        italy(args.hours, args.repeat, args.start_hour)


if __name__ == "__main__":
    main()
