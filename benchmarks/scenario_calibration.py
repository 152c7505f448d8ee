"""Calibration check of the scenario synthesizer: magnitudes measured by OpenNDC's detection
stage on synthesized waveforms minus the input magnitudes.

For each of ``--events`` random events (regional earthquakes at 2-15 deg for ML, mb 4-5.5
earthquakes and explosions at 25-95 deg for mb) one hour of noise + signal is synthesized
for the 3-C single stations of the Kazakh network (no injected data problems); the detection
stage (:func:`openndc.detection.stage.detect`) runs on it with the written inventory; for
each true first P (mb) and each station's largest Wood-Anderson amplitude among the
detections of the event (ML) the station magnitude is computed with
:mod:`openndc.magnitude.calibration`. Prints mean and standard deviation of measured minus
input. Usage: ``python benchmarks/scenario_calibration.py [--events 20] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.archive import SDSArchive
from openndc.detection.stage import detect
from openndc.inventory import kazakh_network, read_inventory
from openndc.magnitude.calibration import mb_from_amplitude, ml_from_amplitude
from openndc.model.geodesy import DEG_KM, destination
from openndc.model.inventory import MonitoringNetwork
from openndc.scenario import ScenarioConfig, ScenarioEvent, make_scenario
from openndc.scenario.signals import ML_MAX_DISTANCE_KM


def single_stations() -> MonitoringNetwork:
    kz = kazakh_network()
    keep = tuple(s for s in kz.stations if s.array is None and s.is_three_component)
    return MonitoringNetwork("kz-3c", keep, ())


def measure(
    event: ScenarioEvent, network: MonitoringNetwork, seed: int, tmp: Path
) -> tuple[list[float], list[float]]:
    start = UTCDateTime(event.time) - 120
    out = tmp / f"s{seed}"
    truth = make_scenario(
        network, start, 1800.0, seed, out, events=[event],
        config=ScenarioConfig(artifacts=False, workers=1),
    )  # fmt: skip
    inv = read_inventory(out / "inventory.xml")
    stream = SDSArchive(out / "sds").read(start, start + 1800.0).stream
    dets = detect(stream, inv).detections
    arr = truth.arrivals
    ml_res, mb_res = [], []
    for sta, rows in arr.groupby("station"):
        mine = [d for d in dets if d.station == sta]
        if not mine:
            continue
        dist = float(rows["distance"].iloc[0])
        p = rows[rows["group"] == "P"].iloc[0]
        tp = UTCDateTime(p["time"])
        near = [d for d in mine if abs(d.time - tp) < 2.0]
        if near and event.mb == event.mb and dist >= 20.0:
            d = near[0]
            if d.amplitude_unit == "nm" and math.isfinite(d.amplitude):
                mb = float(mb_from_amplitude(d.amplitude, d.period, dist, event.depth_km))
                mb_res.append(mb - event.mb)
        hypo = math.hypot(dist * DEG_KM, event.depth_km)
        if hypo <= ML_MAX_DISTANCE_KM:
            wa = [
                d.amplitude_wa for d in mine if tp - 2 <= d.time and math.isfinite(d.amplitude_wa)
            ]
            if wa:
                ml_res.append(float(ml_from_amplitude(max(wa), hypo)) - event.ml)
    return ml_res, mb_res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    network = single_stations()
    ml_all: list[float] = []
    mb_all: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.events):
            regional = k % 2 == 0
            az = float(rng.uniform(0, 360))
            if regional:
                dist, depth, mag = rng.uniform(2, 12), rng.uniform(5, 30), rng.uniform(3.5, 4.8)
                etype = "earthquake"
            else:
                dist, depth, mag = rng.uniform(25, 90), rng.uniform(0, 60), rng.uniform(4.5, 5.6)
                etype = "earthquake" if k % 4 == 1 else "nuclear explosion"
                if etype != "earthquake":
                    depth = 0.5
            lat, lon = destination(48.0, 72.0, dist, az)
            ev = ScenarioEvent(
                time=UTCDateTime(2024, 3, 1, 12) + k * 7200, latitude=float(lat),
                longitude=float(lon), depth_km=float(depth), ml=round(float(mag), 1),
                mb=round(float(mag), 1), event_type=etype, id=f"cal{k:03d}",
            )  # fmt: skip
            ml, mb = measure(ev, network, args.seed * 1000 + k, Path(tmp))
            ml_all += ml
            mb_all += mb
            res = f"ML {np.round(ml, 2)} mb {np.round(mb, 2)}"
            print(f"{ev.id} {etype:18s} {dist:5.1f} deg M {mag:.1f}: {res}")
    for name, vals in (("ML", ml_all), ("mb", mb_all)):
        v = np.array(vals)
        print(f"{name}: n={len(v)} measured-input mean {v.mean():+.3f} std {v.std():.3f}")


if __name__ == "__main__":
    main()
