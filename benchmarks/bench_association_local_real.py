"""Local association on a real swarm: OpenNDC vs PyOcto on the same picks (Westmorland 2020).

Data: ``../shared/data/scsn_westmorland_2020-10-01`` (3 min of 16 SCSN broadband stations during
the 2020 Westmorland swarm, StationXML with responses; no catalogue). The picks are OpenNDC's
own: the waveforms are imported into an SDS archive and run through ``openndc process --preset
local`` once (the detections table and that run's events are cached under
``benchmarks/out/westmorland/``; ``--redetect`` redoes it). On those picks, in the same process:

- ``process``: the events the ``openndc process --preset local`` run stored (its own
  association, location and magnitudes);
- ``octree``: OpenNDC's octree search (``local_config(model="constant:6.0,3.4")``, as
  ``bench_association.py`` runs it on Italy), and ``preset``: the association of the local
  preset (the same search, ak135 Pg/Sg), each also without the rules against splits and
  chance events (``local_independent_evidence=False, local_merge_splits=False``, the
  behaviour before them);
- ``pyocto``: PyOcto 0-D (vp 6.0, vs 3.4 km/s, tolerance 1 s, 6 picks, P and S at 2
  stations; ``bench_association.PYOCTO_ARGS``).

Printed: events of each; matched pairs (origin times within 2 s and epicentres within 10 km;
one to one, nearest first), ours-only, PyOcto-only; splits (two of ours holding picks of one
PyOcto event) and merges; per event its stations, P and S counts, azimuthal gap, RMS of the
residuals in the constant model, location and depth, and the PyOcto event whose picks it
shares. ``--plot`` writes a record section (vertical, 2-15 Hz) of the 3 minutes with every
event's predicted P and S to ``benchmarks/out/westmorland/record_section.png``.

Usage: ``python benchmarks/bench_association_local_real.py [--plot] [--redetect]``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.association import associate, local_config
from openndc.inventory.reader import read_inventory
from openndc.io.tables import frame_to_detections, read_detections
from openndc.model import Detection, MonitoringNetwork
from openndc.model.geodesy import DEG_KM, distance_azimuth

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support, benchmarks
from benchmarks.bench_association import PYOCTO_ARGS

START = UTCDateTime(2020, 10, 1)
END = START + 180.0
VP, VS = 6.0, 3.4
OUT = Path(__file__).resolve().parent / "out" / "westmorland"


def _shared() -> Path:
    return Path(
        os.environ.get("OPENNDC_SHARED_DATA", Path(__file__).parents[1] / ".." / "shared" / "data")
    )


@dataclass
class Ev:
    """An event of one associator: origin and its picks (detection indices, phases P/S)."""

    time: UTCDateTime
    lat: float
    lon: float
    depth: float
    picks: list[tuple[int, str]]


def detect(redo: bool = False) -> tuple[Path, list[tuple[Ev, list[tuple[str, str]]]]]:
    """The detections table of ``openndc process --preset local`` (cached) and its events."""
    OUT.mkdir(parents=True, exist_ok=True)
    table, db = OUT / "detections.csv", OUT / "process.db"
    if redo or not table.exists() or not db.exists():
        data = _shared() / "scsn_westmorland_2020-10-01"
        db.unlink(missing_ok=True)
        exe = [sys.executable, "-m", "openndc.cli.main"]
        with tempfile.TemporaryDirectory(prefix="openndc-westmorland-") as tmp:
            sds = Path(tmp) / "sds"
            subprocess.run([*exe, "archive", "import", "--archive", str(sds),
                            str(data / "mseed")], check=True, capture_output=True)  # fmt: skip
            t = time.perf_counter()
            run = subprocess.run(
                [*exe, "process", "--archive", str(sds), "--inventory",
                 str(data / "stations.xml"), "--start", str(START), "--end", str(END),
                 "--db", f"sqlite:///{db}", "--preset", "local", "--detections", str(table),
                 "--workers", "1", "--no-progress"],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            print(f"openndc process --preset local: {time.perf_counter() - t:.1f} s; "
                  + run.stdout.strip().splitlines()[-1])  # fmt: skip
    return table, _process_events(db)


def _process_events(db: Path) -> list[tuple[Ev, list[tuple[str, str]]]]:
    """The preferred origins of the process run with their arrivals (detection name, phase)."""
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "select o.id, o.time_ns, o.latitude, o.longitude, o.depth_km from event e "
            "join origin o on o.id = e.prefor_id order by o.time_ns"
        ).fetchall()
        out = []
        for oid, tns, lat, lon, z in rows:
            arr = con.execute(
                "select d.detname, a.phase from assoc a join detection d on d.id = a.detection_id "
                "where a.origin_id = ?", (oid,)
            ).fetchall()  # fmt: skip
            ev = Ev(UTCDateTime(ns=int(tns)), float(lat), float(lon), float(z or 0.0), [])
            out.append((ev, [(str(n), str(p)) for n, p in arr]))
    return out


def _events(result_events: Sequence[object], index: dict[str, int]) -> list[Ev]:
    out = []
    for e in result_events:
        o = e.origin  # type: ignore[attr-defined]
        picks = [(index[a.detection.id], a.phase[:1].upper()) for a in e.arrivals]  # type: ignore[attr-defined]
        out.append(Ev(o.time, o.latitude, o.longitude, o.depth_km, picks))
    return out


def run_pyocto_assign(dets: list[Detection], net: MonitoringNetwork) -> tuple[list[Ev], float]:
    """PyOcto 0-D on the detections as ``tests.support.compare.run_pyocto`` configures it,
    keeping its pick assignments."""
    import pandas as pd
    import pyocto

    sites = {s.code: s for s in net.stations}
    keep = [(i, d) for i, d in enumerate(dets) if d.station in sites and d.phase[:1] in "PS"]
    codes = sorted({d.station for _, d in keep})
    lat = np.array([sites[c].latitude for c in codes])
    lon = np.array([sites[c].longitude for c in codes])
    assoc = pyocto.OctoAssociator.from_area(
        lat=(lat.min() - 0.1, lat.max() + 0.1),
        lon=(lon.min() - 0.1, lon.max() + 0.1),
        zlim=(0.0, 30.0),
        velocity_model=pyocto.VelocityModel0D(p_velocity=VP, s_velocity=VS, tolerance=1.0),
        time_before=300.0,
        **PYOCTO_ARGS,
    )
    elev = [sites[c].elevation_m for c in codes]
    frame = assoc.transform_stations(
        pd.DataFrame({"id": codes, "latitude": lat, "longitude": lon, "elevation": elev})
    )
    ref = START
    picks = pd.DataFrame({
        "station": [d.station for _, d in keep],
        "phase": [d.phase[:1] for _, d in keep],
        "time": [float(d.time - ref) for _, d in keep],
    })  # fmt: skip
    t = time.perf_counter()
    events, assignments = assoc.associate(picks, frame)
    wall = time.perf_counter() - t
    out: list[Ev] = []
    if len(events):
        events = assoc.transform_events(events)
        for _, row in events.iterrows():
            sel = assignments[assignments["event_idx"] == row["idx"]]
            pk = [
                (keep[int(j)][0], str(p))
                for j, p in zip(sel["pick_idx"], sel["phase"], strict=True)
            ]
            out.append(Ev(ref + float(row["time"]), float(row["latitude"]), float(row["longitude"]),
                          float(row["z"]), pk))  # fmt: skip
    return out, wall


def _tt(e: Ev, site: object, ph: str) -> float:
    dist = float(distance_azimuth(e.lat, e.lon, site.latitude, site.longitude)[0]) * DEG_KM  # type: ignore[attr-defined]
    return float(np.hypot(dist, max(e.depth, 0.0))) / (VP if ph == "P" else VS)


def describe(
    e: Ev, dets: list[Detection], net: MonitoringNetwork
) -> tuple[int, int, int, float, float]:
    """Stations, P count, S count, azimuthal gap [deg], RMS [s] (constant model)."""
    sites = {s.code: s for s in net.stations}
    stas = sorted({dets[i].station for i, _ in e.picks})
    az = sorted(float(distance_azimuth(e.lat, e.lon, sites[s].latitude, sites[s].longitude)[1])
                for s in stas)  # fmt: skip
    gaps = np.diff(np.array([*az, az[0] + 360.0])) if az else np.array([360.0])
    res = [float(dets[i].time - e.time) - _tt(e, sites[dets[i].station], ph) for i, ph in e.picks]
    n_p = sum(1 for _, ph in e.picks if ph == "P")
    rms = float(np.sqrt(np.mean(np.square(res)))) if res else float("nan")
    return len(stas), n_p, len(e.picks) - n_p, float(gaps.max()), rms


def match(
    a: list[Ev], b: list[Ev], max_dt: float = 2.0, max_km: float = 10.0
) -> list[tuple[int, int]]:
    """One-to-one pairs (origin times within ``max_dt`` [s], epicentres within ``max_km``)."""
    cand = []
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            dt = abs(x.time - y.time)
            km = float(distance_azimuth(x.lat, x.lon, y.lat, y.lon)[0]) * DEG_KM
            if dt <= max_dt and km <= max_km:
                cand.append((dt / max_dt + km / max_km, i, j))
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for _, i, j in sorted(cand):
        if i not in used_a and j not in used_b:
            pairs.append((i, j))
            used_a.add(i)
            used_b.add(j)
    return pairs


def compare(name: str, ours: list[Ev], po: list[Ev], dets: list[Detection],
            net: MonitoringNetwork, verbose: bool = True) -> dict[str, int]:  # fmt: skip
    pairs = match(ours, po)
    mo = {i: j for i, j in pairs}
    share = [[j for j, p in enumerate(po) if {i for i, _ in e.picks} & {i for i, _ in p.picks}]
             for e in ours]  # fmt: skip
    split = sum(1 for j in range(len(po)) if sum(1 for s in share if j in s) > 1)
    merged = sum(1 for s in share if len(s) > 1)
    stats = {"events": len(ours), "matched": len(pairs), "ours_only": len(ours) - len(pairs),
             "pyocto_only": len(po) - len(pairs), "split": split, "merged": merged,
             "matched(3s,15km)": len(match(ours, po, 3.0, 15.0)),
             "gap>180": sum(1 for e in ours if describe(e, dets, net)[3] > 180.0),
             "pyocto gap>180": sum(1 for e in po if describe(e, dets, net)[3] > 180.0)}  # fmt: skip
    print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in stats.items()))
    if verbose:
        print(f"  {'origin':23s} {'lat':>7s} {'lon':>9s} {'z':>5s} {'sta':>3s} {'P':>2s} {'S':>2s} "
              f"{'gap':>4s} {'rms':>5s}  pyocto(shared picks)")  # fmt: skip
        for k, e in enumerate(ours):
            n, n_p, n_s, gap, rms = describe(e, dets, net)
            tag = f"= {mo[k]}" if k in mo else "only"
            mine = {i for i, _ in e.picks}
            sh = ",".join(f"{j}({len(mine & {i for i, _ in po[j].picks})})" for j in share[k])
            print(f"  {str(e.time)[:23]:23s} {e.lat:7.3f} {e.lon:9.3f} {e.depth:5.1f} {n:3d} "
                  f"{n_p:2d} {n_s:2d} {gap:4.0f} {rms:5.2f}  {tag:6s} {sh}")  # fmt: skip
    return stats


def record_section(
    path: Path, dets: list[Detection], net: MonitoringNetwork, sets: dict[str, list[Ev]],
    span: tuple[float, float] = (0.0, 180.0),
) -> None:  # fmt: skip
    """Vertical traces (2-15 Hz) ordered by distance from the swarm, detections as ticks,
    each event's predicted P (solid) and S (dashed) per associator colour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from obspy import read

    data = _shared() / "scsn_westmorland_2020-10-01" / "mseed"
    st = read(str(data / "*.mseed")).select(component="Z")
    st.detrend("demean").filter("bandpass", freqmin=2.0, freqmax=15.0, corners=4)
    sites = {s.code: s for s in net.stations}
    lat0, lon0 = 33.04, -115.59  # the swarm (the well-recorded events' epicentres)
    codes = sorted({tr.stats.station for tr in st if tr.stats.station in sites},
                   key=lambda c: distance_azimuth(lat0, lon0, sites[c].latitude,
                                                  sites[c].longitude)[0])  # fmt: skip
    fig, ax = plt.subplots(figsize=(22, 12))
    colours = {"preset": "tab:red", "octree": "tab:blue", "pyocto": "tab:green"}
    for y, c in enumerate(codes):
        tr = st.select(station=c)[0]
        t = tr.times() + float(tr.stats.starttime - START)
        v = tr.data / (np.abs(tr.data).max() or 1.0)
        ax.plot(t, y + 0.45 * v, "k", lw=0.3)
        for d in dets:
            if d.station == c:
                col = "m" if d.phase[:1] == "S" else "c"
                ax.plot([float(d.time - START)] * 2, [y - 0.45, y + 0.45], col, lw=1.2)
        for k, (name, evs) in enumerate(sets.items()):
            for e in evs:
                for ph, ls in (("P", "-"), ("S", "--")):
                    tp = float(e.time - START) + _tt(e, sites[c], ph)
                    ax.plot([tp] * 2, [y - 0.4 + 0.27 * k, y - 0.15 + 0.27 * k],
                            color=colours.get(name, "0.5"), ls=ls, lw=1.5)  # fmt: skip
    ax.set_yticks(range(len(codes)), codes)
    ax.set_xlim(*span)
    ax.set_xlabel(f"s after {START} (cyan/magenta: P/S detections)")
    ax.set_title("Westmorland 3 min: predicted P (solid) / S (dashed): "
                 + ", ".join(f"{n} {colours.get(n)}" for n in sets))  # fmt: skip
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    print(f"record section: {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--plot", action="store_true", help="write the record section")
    ap.add_argument("--plot-span", type=float, nargs=2, default=(0.0, 180.0), metavar=("T0", "T1"),
                    help="seconds of the record section (default: all 3 min)")  # fmt: skip
    ap.add_argument("--redetect", action="store_true", help="redo the cached detections")
    ap.add_argument("--quiet", action="store_true", help="no per-event lines")
    args = ap.parse_args()
    data = _shared() / "scsn_westmorland_2020-10-01"
    table, stored = detect(args.redetect)
    dets = frame_to_detections(read_detections(table))
    net = read_inventory(data / "stations.xml", at=(START, END))
    index = {d.id: i for i, d in enumerate(dets)}
    n_s = sum(1 for d in dets if d.phase[:1] == "S")
    print(f"Westmorland 3 min: {len(dets)} detections ({n_s} S) at "
          f"{len({d.station for d in dets})} stations")  # fmt: skip
    from openndc.cli._common import load_process_config

    preset = load_process_config(None, "local").association
    configs = {
        "octree": local_config(model=f"constant:{VP},{VS}"),
        "preset": preset,  # the association of `openndc process --preset local` (ak135 Pg/Sg)
    }
    runs: dict[str, list[Ev]] = {}
    walls: dict[str, float] = {}
    for name, config in configs.items():
        for rules in (False, True):
            cfg = replace(config, local_independent_evidence=rules, local_merge_splits=rules)
            associate(dets[:50], net, cfg)  # compile outside the timing
            t = time.perf_counter()
            res = associate(dets, net, cfg)
            key = name + ("" if rules else " (before: no evidence/merge rules)")
            walls[key] = time.perf_counter() - t
            runs[key] = _events(res.events, index)
    po, po_s = run_pyocto_assign(dets, net)
    proc = [
        Ev(e.time, e.lat, e.lon, e.depth, [(index[n], p[:1].upper()) for n, p in arr if n in index])
        for e, arr in stored
    ]
    print("association wall [s]: " + ", ".join(f"{k} {v:.2f}" for k, v in walls.items())
          + f", pyocto {po_s:.2f}")  # fmt: skip
    print(f"pyocto: {len(po)} events")
    if not args.quiet:
        for j, e in enumerate(po):
            n, n_p, n_s2, gap, rms = describe(e, dets, net)
            print(f"  {j:2d} {str(e.time)[:23]:23s} {e.lat:7.3f} {e.lon:9.3f} {e.depth:5.1f} "
                  f"{n:3d} {n_p:2d} {n_s2:2d} {gap:4.0f} {rms:5.2f}")  # fmt: skip
    compare("process (stored run)", proc, po, dets, net, verbose=not args.quiet)
    for name, evs in runs.items():
        compare(name, evs, po, dets, net, verbose=not args.quiet and "(before" not in name)
    if args.plot:
        t0, t1 = args.plot_span
        record_section(OUT / f"record_section_{t0:g}-{t1:g}.png", dets, net,
                       {"preset": runs["preset"], "pyocto": po}, (t0, t1))  # fmt: skip


if __name__ == "__main__":
    main()
