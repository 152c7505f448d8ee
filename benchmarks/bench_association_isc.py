"""Association on real readings: the ISC bulletin's phase readings for Tunisia, unlabelled.

The ISC Bulletin's readings of the 215 events within 200 km of 34.1 N 9.9 E, 1961-2018
(``../shared/data/bulletins/isc_tunisia_mloc``; IMS1.0:short, read with ObsPy): every
reading with a time becomes a detection at its real station (1,559 stations worldwide) at
its real time, with the reading's own pick errors, outliers, later phases (Pn, Pg, Sn, Lg,
pP, sP, PcP, PP, PKP branches, unnamed onsets) and, where reported, back-azimuth,
slowness, amplitude and period. What a detector would not tell is removed: the
association, the origin and the phase name (a detection is labelled P, or S for S-type
readings, as a station processor labels its onsets; surface-wave and amplitude-only
readings are left out). Station positions come from the readings' distance and azimuth
to the ISC origins (the median over a station's readings).

Unlike the IMS-style set (``bench_association_ims.py``), nothing here is synthetic: the
detections are what analysts at real stations read, with real station geometry and real
errors. There is no detector noise (the readings are all of events) and the events are
years apart (``--spacing MIN`` puts one every MIN minutes, the readings keeping their
times after their origin, so that records overlap as in a busy hour).

Scored by detection content: a found event belongs to the ISC event giving most of its
detections; recall and splits by the number of stations with a P-type reading, the
epicentre and depth of the found events against the ISC's.

``--false-rate R`` adds what real detection lists hold beside events' readings: R false
detections per station and hour, from 1 h before to 2 h after each event, at the stations
operating then (first to last event with a reading), unlabelled P with a uniform
back-azimuth and slowness and an amplitude just above the station's threshold (the 10 %
quantile of its P readings' A/T; ``tests.support.isc.with_false_detections``). Beware: the
bulletin lists only readings someone reported, so a station operating but without a
reading of a small event counts as silent, which it may not have been.

Usage: ``python benchmarks/bench_association_isc.py [--spacing MIN] [--config
default|reb|both] [--false-rate R] [--seed N]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from openndc.association import AssociationConfig, associate, reb_rules_config
from openndc.model import Detection, MonitoringNetwork
from openndc.model.geodesy import DEG_KM, distance_azimuth

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support
from tests.support.ims import ims_array_codes, ims_primary_codes
from tests.support.isc import IscEvent, read_isc, true_event, with_false_detections


def _shared() -> Path:
    return Path(
        os.environ.get("OPENNDC_SHARED_DATA", Path(__file__).parents[1] / ".." / "shared" / "data")
    )


def score(label: str, config: AssociationConfig, dets: list[Detection],
          net: MonitoringNetwork, events: list[IscEvent]) -> dict[str, float]:  # fmt: skip
    """Run the association and print recall, splits and location errors."""
    n_sta: Counter[int] = Counter()
    for k, stas in _p_stations(dets).items():
        n_sta[k] = len(stas)
    t = time.perf_counter()
    res = associate(dets, net, config)
    wall = time.perf_counter() - t
    found: Counter[int] = Counter()
    mixed = 0
    epi, ddep = [], []
    far: list[str] = []
    false_events: list[str] = []
    for e in res.events:
        ids = [true_event(a.detection) for a in e.arrivals]
        major = max(set(ids), key=ids.count)
        if major < 0:
            o = e.origin
            false_events.append(
                f"  false: {o.time} {o.latitude:.2f} {o.longitude:.2f} {o.depth_km:.0f} km: "
                + ", ".join(f"{a.detection.station} {a.phase} {a.detection.id}"
                            for a in e.arrivals))  # fmt: skip
            continue
        mixed += len({i for i in ids if i >= 0}) > 1
        found[major] += 1
        if found[major] == 1:
            ref = events[major]
            d, _, _ = distance_azimuth(ref.latitude, ref.longitude, e.origin.latitude,
                                       e.origin.longitude)  # fmt: skip
            epi.append(float(d) * DEG_KM)
            ddep.append(e.origin.depth_km - ref.depth)
            if epi[-1] > 100.0:
                o = e.origin
                n_here = len({a.detection.station for a in e.arrivals})
                far.append(f"  {epi[-1]:.0f} km off: ev{major} {ref.time} M {ref.magnitude:.1f} "
                           f"placed at {o.latitude:.2f} {o.longitude:.2f} {o.depth_km:.0f} km, "
                           f"{o.time - ref.time:+.1f} s, {n_here} stations")  # fmt: skip
    extra = sum(c - 1 for c in found.values() if c > 1)
    print(f"--- {label}: association {wall:.1f} s; events {len(res.events)} "
          f"(of {len(events)} ISC events), duplicates {extra}, mixed {mixed}, "
          f"false {len(false_events)}")  # fmt: skip
    print(f"{'P stations':>10s} {'events':>7s} {'found':>6s} {'recall':>7s} {'split':>6s}")
    for lo, hi in ((0, 2), (3, 3), (4, 5), (6, 9), (10, 29), (30, 99999)):
        ks = [k for k in range(len(events)) if lo <= n_sta.get(k, 0) <= hi]
        if ks:
            f = sum(1 for k in ks if found[k] >= 1)
            sp = sum(1 for k in ks if found[k] > 1)
            name = f"{lo}-{hi}" if hi < 99999 else f">={lo}"
            print(f"{name:>10s} {len(ks):7d} {f:6d} {f / len(ks):7.2f} {sp:6d}")
    if epi:
        print(f"found events against the ISC: epicentre median {np.median(epi):.1f} km, "
              f"90 % {np.percentile(epi, 90):.1f} km; |depth| median "
              f"{np.median(np.abs(ddep)):.1f} km")  # fmt: skip
    print("\n".join(far + false_events))
    for k in range(len(events)):
        if n_sta.get(k, 0) >= 3 and found[k] != 1:
            ev = events[k]
            what = "missed" if found[k] == 0 else f"split in {found[k]}"
            print(f"  {what}: ev{k} {ev.time} {ev.latitude:.2f} {ev.longitude:.2f} "
                  f"{ev.depth:.0f} km M {ev.magnitude:.1f}, {n_sta[k]} P stations")  # fmt: skip
    ks3 = [k for k in range(len(events)) if n_sta.get(k, 0) >= 3]
    return {"found": sum(1 for k in ks3 if found[k] >= 1), "of": len(ks3),
            "duplicates": extra, "mixed": mixed, "false": len(false_events),
            "wall_s": wall}  # fmt: skip


def _p_stations(dets: list[Detection]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for d in dets:
        if d.phase == "P" and true_event(d) >= 0:
            out[true_event(d)].add(d.station)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--spacing", type=float, metavar="MIN",
                    help="one event every MIN minutes (default: the real times)")  # fmt: skip
    ap.add_argument("--config", choices=("default", "reb", "both"), default="both")
    ap.add_argument("--stations", choices=("ims", "all"), default="ims",
                    help="the readings at the IMS primary seismic stations (the IDC's "
                         "detections; default) or at all 1,530 stations")  # fmt: skip
    ap.add_argument("--false-rate", type=float, default=0.0, metavar="R",
                    help="add R false detections per station and hour within 1 h before "
                         "and 2 h after each event, at the stations operating then "
                         "(default 0)")  # fmt: skip
    ap.add_argument("--seed", type=int, default=1, help="seed of the false detections")
    args = ap.parse_args()
    path = _shared() / "bulletins/isc_tunisia_mloc/isc_bulletin_tunisia_1960-2018_ims1.txt"
    site = _shared() / "ims_site_tables/ims.site"
    codes = None if args.stations == "all" else ims_primary_codes(site.with_name("ims.affiliation"))
    arrays = frozenset(ims_array_codes(site))
    dets, events, net = read_isc(path, args.spacing, codes, arrays)
    if args.false_rate > 0:
        n_read = len(dets)
        dets = with_false_detections(dets, events, arrays, args.false_rate, args.seed)
        print(f"{len(dets) - n_read} false detections added ({args.false_rate:g} per station "
              f"and hour, seed {args.seed})")  # fmt: skip
    print(f"{len(dets)} detections at {len(net.stations)} stations, {len(events)} ISC events")
    if args.config in ("default", "both"):
        score("defaults", AssociationConfig(), dets, net, events)
    if args.config in ("reb", "both"):
        score("REB options", reb_rules_config(), dets, net, events)


if __name__ == "__main__":
    main()
