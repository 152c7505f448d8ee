"""Association against a reference bulletin on the synthetic day: recall by distance and
magnitude with and without an REB-like reference, and the false events.

The reference bulletin is **made from the day's truth, degraded as an REB would be**:

- only events the IMS would detect: mb >= ``--min-mag-far`` (3.5) beyond 20 deg from the
  network's core, mb >= ``--min-mag-near`` (3.0) within (the REB's completeness is about
  mb 3.5 globally, lower in Eurasia);
- each origin perturbed by REB-like errors: the epicentre moved by a Rayleigh-distributed
  distance (sigma ``--epi-sigma`` 10 km per axis: median 11.8 km, 90 % 21.5 km) in a random
  direction, the origin time by N(0, ``--time-sigma`` 1.5 s), the depth by N(0, 10 km)
  (not below 0);
- each origin reports those errors as its uncertainties (time 1.5 s, depth 10 km, a
  circular 90 % ellipse of 21.5 km), agency IDC, written as QuakeML.

Then the batch runner (``openndc process``'s) runs over the day: once as it is (detection,
association, location, magnitudes, screening), once from the same stored detections with
``[association] reference`` set to that QuakeML file (``openndc locate --reference``'s
path). Both bulletins are scored against the truth (one to one, |dt| <= 20 s, <= 250 km,
the training scorer's tolerances), by distance from the network's core and magnitude, and
the bulletin events that match no true event (false events) are listed with their
distance from the core.

Usage::

    python benchmarks/bench_reference.py              # the whole synthetic day
    python benchmarks/bench_reference.py --hours 6    # the first 6 hours of it
    python benchmarks/bench_reference.py --detections-from DIR/without.db  # no detection
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from obspy import UTCDateTime

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

import synthetic_day as sd  # noqa: E402

DIST_BANDS = ((0.0, 10.0), (10.0, 20.0), (20.0, 30.0), (30.0, 60.0), (60.0, 100.0))
MAG_BANDS = ((3.5, 4.0), (4.0, 4.5), (4.5, 5.0), (5.0, 10.0))


def read_truth(events_csv: Path) -> list[dict[str, Any]]:
    with events_csv.open() as fh:
        return [
            {
                "time": UTCDateTime(r["time"]),
                "lat": float(r["latitude"]),
                "lon": float(r["longitude"]),
                "depth": float(r["depth_km"]),
                "mag": float(r["magnitude"]),
            }
            for r in csv.DictReader(fh)
        ]


def core_of(network: Any) -> tuple[float, float]:
    from openndc.association.ndc import network_core

    lats = [s.latitude for s in network.stations] + [a.reference_latitude for a in network.arrays]
    lons = [s.longitude for s in network.stations] + [a.reference_longitude for a in network.arrays]
    lat, lon, _ = network_core(np.array(lats), np.array(lons))
    return float(lat), float(lon)


def make_reference(
    truth: list[dict[str, Any]],
    core: tuple[float, float],
    path: Path,
    *,
    seed: int,
    epi_sigma: float,
    time_sigma: float,
    depth_sigma: float,
    min_mag_far: float,
    min_mag_near: float,
) -> int:
    """The REB-like QuakeML bulletin (see the module docstring); returns its event count."""
    from obspy.core.event import (
        Catalog,
        CreationInfo,
        Event,
        Magnitude,
        Origin,
        OriginUncertainty,
        QuantityError,
    )

    from openndc.model.geodesy import DEG_KM, destination, distance_azimuth

    rng = np.random.default_rng(seed)
    cat = Catalog(creation_info=CreationInfo(agency_id="IDC"))
    for k, ev in enumerate(truth):
        dist = float(distance_azimuth(core[0], core[1], ev["lat"], ev["lon"])[0])
        # the same random draws for every event, whether kept or not (stable across options)
        dx, dy, dt, dz = rng.normal(0.0, 1.0, 4)
        if ev["mag"] < (min_mag_far if dist > 20.0 else min_mag_near):
            continue
        shift_km = math.hypot(dx, dy) * epi_sigma
        az = math.degrees(math.atan2(dx, dy)) % 360.0
        lat, lon = destination(ev["lat"], ev["lon"], shift_km / DEG_KM, az)
        ci = CreationInfo(agency_id="IDC", author="IDC analysts")
        origin = Origin(
            time=ev["time"] + float(dt) * time_sigma,
            latitude=float(lat),
            longitude=float(lon),
            depth=max(0.0, ev["depth"] + float(dz) * depth_sigma) * 1000.0,
            time_errors=QuantityError(uncertainty=time_sigma),
            depth_errors=QuantityError(uncertainty=depth_sigma * 1000.0),
            origin_uncertainty=OriginUncertainty(
                max_horizontal_uncertainty=2.146 * epi_sigma * 1000.0,
                min_horizontal_uncertainty=2.146 * epi_sigma * 1000.0,
                azimuth_max_horizontal_uncertainty=0.0,
                confidence_level=90.0,
                preferred_description="horizontal uncertainty",
            ),
            creation_info=ci,
        )
        mag = Magnitude(mag=ev["mag"], magnitude_type="mb", origin_id=origin.resource_id)
        qe = Event(
            resource_id=f"smi:synthetic/reb/{k:05d}",
            origins=[origin],
            magnitudes=[mag],
            event_type="earthquake",
            creation_info=ci,
        )
        qe.preferred_origin_id = origin.resource_id
        cat.append(qe)
    cat.write(str(path), format="QUAKEML")
    return len(cat)


def run_pipeline(
    day: Any,
    network: Any,
    duration: float,
    db: Path,
    reference: str,
    workers: int,
    detect: bool | None = None,
) -> dict[str, Any]:
    """The batch runner over the day into ``db``; with ``reference`` (or ``detect`` false)
    from the detections already in ``db`` (copied from the run without)."""
    import dataclasses

    from openndc.bulletin import BulletinStore
    from openndc.pipeline.contract import StageContext
    from openndc.pipeline.process import ProcessConfig
    from openndc.pipeline.runner import run_batch
    from openndc.pipeline.sources import ArchiveSource

    config = ProcessConfig()
    if reference:
        config = dataclasses.replace(
            config, association=dataclasses.replace(config.association, reference=reference)
        )
    t0 = time.perf_counter()
    with BulletinStore(f"sqlite:///{db}") as store:
        ctx = StageContext(network, store, ArchiveSource(day.root), str(day.root))
        report = run_batch(
            ctx, config, day.start, day.start + duration, workers=workers,
            detect=not reference if detect is None else detect,
        )  # fmt: skip
        events = list(store.load(day.start - config.runner.lookback, day.start + duration))
    return {"events": events, "timings": dict(report.timings), "wall": time.perf_counter() - t0}


def score(
    events: list[Any], truth: list[dict[str, Any]], core: tuple[float, float]
) -> dict[str, Any]:
    from openndc.model.geodesy import DEG_KM, distance_azimuth

    cands = []
    for i, e in enumerate(events):
        o = e.origin
        for j, t in enumerate(truth):
            dt = abs(float(o.time - t["time"]))
            if dt > 20.0:
                continue
            km = float(distance_azimuth(o.latitude, o.longitude, t["lat"], t["lon"])[0]) * DEG_KM
            if km <= 250.0:
                cands.append((dt, km, i, j))
    cands.sort()
    used_e: set[int] = set()
    used_t: set[int] = set()
    for _, _, i, j in cands:
        if i not in used_e and j not in used_t:
            used_e.add(i)
            used_t.add(j)
    table: dict[str, dict[str, list[int]]] = {}
    for j, t in enumerate(truth):
        d = float(distance_azimuth(core[0], core[1], t["lat"], t["lon"])[0])
        db = next((b for b in DIST_BANDS if b[0] <= d < b[1]), None)
        mb = next((b for b in MAG_BANDS if b[0] <= t["mag"] < b[1]), None)
        if db is None or mb is None:
            continue
        cell = table.setdefault(f"{db[0]:g}-{db[1]:g}", {}).setdefault(
            f"{mb[0]:g}-{mb[1]:g}", [0, 0]
        )
        cell[1] += 1
        cell[0] += int(j in used_t)
    false = []
    for i, e in enumerate(events):
        if i in used_e:
            continue
        o = e.origin
        d = float(distance_azimuth(core[0], core[1], o.latitude, o.longitude)[0])
        false.append(
            {"id": e.id, "time": str(o.time), "core_distance": round(d, 1),
             "n_arrivals": len(e.arrivals), "reference": o.method == "reference"}
        )  # fmt: skip
    n_ref = sum(1 for e in events if e.origin.method == "reference")
    return {
        "n_events": len(events),
        "n_reference_events": n_ref,
        "matched": len(used_t),
        "recall": len(used_t) / len(truth),
        "precision": len(used_e) / len(events) if events else math.nan,
        "table": table,
        "false": false,
    }


def _table(name: str, sc: dict[str, Any]) -> list[str]:
    head = " | ".join(f"M {m[0]:g}-{m[1]:g}" if m[1] < 10 else f"M >= {m[0]:g}" for m in MAG_BANDS)
    lines = [f"**{name}**", "", f"| distance | {head} |", "|---|" + "---|" * len(MAG_BANDS)]
    for d in DIST_BANDS:
        row = sc["table"].get(f"{d[0]:g}-{d[1]:g}", {})
        cells = []
        for m in MAG_BANDS:
            hit, n = row.get(f"{m[0]:g}-{m[1]:g}", [0, 0])
            cells.append(f"{hit / n:.2f} ({n})" if n else "-")
        lines.append(f"| {d[0]:g}-{d[1]:g} deg | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hours", type=float, default=None, help="only the first hours of the day")
    ap.add_argument("--out-dir", type=Path, default=HERE / "out")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epi-sigma", type=float, default=10.0, help="[km] per axis")
    ap.add_argument("--time-sigma", type=float, default=1.5, help="[s]")
    ap.add_argument("--depth-sigma", type=float, default=10.0, help="[km]")
    ap.add_argument("--min-mag-far", type=float, default=3.5)
    ap.add_argument("--min-mag-near", type=float, default=3.0)
    ap.add_argument(
        "--reuse-without",
        type=Path,
        default=None,
        help="the without.db of an earlier run of this benchmark (same day and hours): its "
        "detections and events are used instead of running the pipeline without the "
        "reference again",
    )
    ap.add_argument(
        "--detections-from",
        type=Path,
        default=None,
        help="a database holding the day's detections (an earlier run's without.db): both "
        "runs associate, locate, ... from them, without the detection stage",
    )
    a = ap.parse_args(argv)
    duration = a.hours * 3600.0 if a.hours else 86400.0
    day = sd.generate_day(a.out_dir / "day", duration=86400.0)
    network = sd.monitoring_network(sd.build_layout())
    core = core_of(network)
    truth = [t for t in read_truth(day.events_csv) if t["time"] < day.start + duration]
    work = Path(tempfile.mkdtemp(prefix="openndc-bench-reference-"))
    ref_path = work / "reb.xml"
    n_ref = make_reference(
        truth, core, ref_path, seed=a.seed, epi_sigma=a.epi_sigma, time_sigma=a.time_sigma,
        depth_sigma=a.depth_sigma, min_mag_far=a.min_mag_far, min_mag_near=a.min_mag_near,
    )  # fmt: skip
    print(f"{len(truth)} true events, {n_ref} in the REB-like reference {ref_path}")
    db0, db1 = work / "without.db", work / "with.db"
    if a.reuse_without is not None:  # the run without the reference, made before
        db0 = a.reuse_without
        without = {"events": _load_events(db0), "timings": {}}
    elif a.detections_from is not None:  # the same detections, no detection stage
        _copy_detections(a.detections_from, db0)
        without = run_pipeline(day, network, duration, db0, "", a.workers, detect=False)
    else:
        without = run_pipeline(day, network, duration, db0, "", a.workers)
    n_det = _copy_detections(db0, db1)  # the second run starts from the same detections
    print(f"{n_det} detections")
    with_ref = run_pipeline(day, network, duration, db1, str(ref_path), a.workers)
    s0, s1 = score(without["events"], truth, core), score(with_ref["events"], truth, core)
    lines = [
        f"Synthetic day ({duration / 3600:g} h, {len(truth)} true events, core "
        f"{core[0]:.1f} N {core[1]:.1f} E), reference: {n_ref} events (REB-like, seed {a.seed})",
        "",
        *_table("recall without the reference bulletin (fraction found, number of events)", s0),
        "",
        *_table("recall with the reference bulletin", s1),
        "",
        "| run | events | reference events | matched | recall | precision | false | "
        "association [s] |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s, r in (("without", s0, without), ("with reference", s1, with_ref)):
        lines.append(
            f"| {name} | {s['n_events']} | {s['n_reference_events']} | {s['matched']} | "
            f"{s['recall']:.3f} | {s['precision']:.3f} | {len(s['false'])} | "
            f"{r['timings'].get('association', math.nan):.1f} |"
        )
    for name, s in (("without", s0), ("with reference", s1)):
        lines.append("")
        lines.append(f"false events {name}: " + (json.dumps(s["false"]) if s["false"] else "none"))
    text = "\n".join(lines)
    print("\n" + text)
    (a.out_dir / "bench_reference.md").write_text(text + "\n")
    (a.out_dir / "bench_reference.json").write_text(
        json.dumps({"without": s0, "with": s1, "n_reference": n_ref}, indent=1, default=str)
    )


def _load_events(db: Path) -> list[Any]:
    from openndc.bulletin import BulletinStore

    with BulletinStore(f"sqlite:///{db}") as store:
        return list(store.load(UTCDateTime(0), UTCDateTime(2**33)))


def _copy_detections(src: Path, dst: Path) -> int:
    """The detections of the run in ``src`` stored in a fresh database ``dst`` (as
    ``openndc locate`` stores a detections table)."""
    from openndc.bulletin import BulletinStore

    with BulletinStore(f"sqlite:///{src}") as store:
        dets = store.load_detections(UTCDateTime(0), UTCDateTime(2**33))
    with BulletinStore(f"sqlite:///{dst}") as store:
        store.store_detections(dets)
    return len(dets)


if __name__ == "__main__":
    main()
