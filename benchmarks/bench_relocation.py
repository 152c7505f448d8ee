"""Relocation on the NCSN hypoDD examples: accuracy and speed in one run.

    .venv/bin/python benchmarks/bench_relocation.py [--step 5]

Prints, for NCSN Calaveras (308 events, hypoDD example 2, the example's 1-D model):

- single-event locations from the network's picks (every ``--step``-th event) against
  the network's locations: plain, with calibration station terms (estimated at the
  network's locations of the other events: cross-validated) and with iterated station
  terms (from our own locations);
- double-difference relocation of all 308 events (catalogue differential times, the
  example's ph2dt settings) against the network's hypoDD relocations: the pair geometry
  (median of |(x_i - x_j) - (x_i - x_j)_hypoDD|) and the differential-time residuals
  before and after; the same for Hayward (16 events) with the Calaveras model;
- throughput: events per second of the double-difference solution beside the
  single-event locator (the peer, same process, same events), as a ratio.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

from openndc.io.hypodd import read_hypodd_locations, read_hypodd_phases, read_hypodd_stations
from openndc.location import local_config, locate
from openndc.location.config import RelocationConfig
from openndc.location.corrections import apply_corrections
from openndc.location.doubledifference import relocate_double_difference
from openndc.location.station_terms import calibration_terms, locate_with_station_terms
from openndc.model.event import Event, Origin
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.traveltime.layered import LayeredModel

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ncsn_hypodd_examples"
#: hypoDD 2.1b examples/example2/hypoDD.inp (fwaldhauser/HypoDD): CONCORD-CALAVERAS.
TOPS = [0.0, 0.6, 1.2, 1.8, 2.4, 3.0, 3.6, 4.2, 4.8, 5.4, 6.0,
        8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0, 22.0, 24.0, 26.0]  # fmt: skip
VP = [2.5, 3.16, 3.82, 4.48, 4.7428, 4.807, 4.8712, 4.9354, 4.9996, 5.0638, 5.128,
      5.342, 5.556, 5.77, 5.8283, 5.8867, 5.945, 6.0033, 6.0617, 6.12, 7.95]  # fmt: skip
#: examples/example2/ph2dt.inp and hypoDD.inp (WDCT 4 km).
DD = RelocationConfig(dd_max_separation=15.0, dd_max_neighbours=15,
                      dd_max_station_distance=500.0, dd_weight_distance=4.0)  # fmt: skip


def _diff(events: list[Event], origins: list[Origin]) -> str:
    pairs = list(zip(events, origins, strict=True))
    epi = [
        float(distance_azimuth(e.origin.latitude, e.origin.longitude, o.latitude, o.longitude)[0])
        * DEG_KM
        for e, o in pairs
    ]
    dz = [o.depth_km - e.origin.depth_km for e, o in pairs]
    return (f"epicentre median {np.median(epi):.2f} km (90 % {np.percentile(epi, 90):.2f}), "
            f"depth median {np.median(dz):+.2f} km (abs {np.median(np.abs(dz)):.2f})")  # fmt: skip


def _xyz(origins: list[Origin]) -> np.ndarray:
    c = np.cos(np.radians(np.mean([o.latitude for o in origins])))
    return np.array([[o.longitude * DEG_KM * c, o.latitude * DEG_KM, o.depth_km] for o in origins])


def _pairs(a: list[Origin], ref: list[Origin]) -> tuple[float, float]:
    d = (_xyz(a)[:, None] - _xyz(a)[None]) - (_xyz(ref)[:, None] - _xyz(ref)[None])
    iu = np.triu_indices(len(a), 1)
    return float(np.median(np.hypot(d[..., 0], d[..., 1])[iu])), float(
        np.median(np.abs(d[..., 2])[iu])
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--step", type=int, default=5, help="single-event part: every N-th event")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    tt = LayeredModel(TOPS, VP, vp_vs=1.73, name="CONCORD-CALAVERAS").tabulate(
        max_distance_km=600.0, max_depth_km=25.0, distance_step_km=1.0, depth_step_km=0.5
    )
    cal = DATA / "example2_calaveras"
    net = read_hypodd_stations(cal / "station.dat")
    events = list(read_hypodd_phases(cal / "Calaveras.pha").events)
    cfg = local_config(elevation_correction=False, fixed_depth=6.0, grid_depths=(2.0, 6.0, 12.0))
    test = events[:: args.step]
    calib = [e for k, e in enumerate(events) if k % args.step]
    print(f"NCSN Calaveras: {len(events)} events; single-event part: {len(test)} events")
    t = time.perf_counter()
    plain = [locate(e.arrivals, net, cfg, travel_times=tt).origin for e in test]
    t_single = time.perf_counter() - t
    print(f"  plain 1-D:               {_diff(test, plain)}")
    terms = calibration_terms(calib, net, cfg, tt, DD)
    corrected = [locate(apply_corrections(e.arrivals, terms), net, cfg, travel_times=tt).origin
                 for e in test]  # fmt: skip
    print(f"  calibration terms ({len(terms)}): {_diff(test, corrected)}")
    it = locate_with_station_terms(test, net, cfg, tt, RelocationConfig())
    done = [(e, r.origin) for e, r in zip(test, it.results, strict=True) if r is not None]
    print(f"  iterated terms ({len(it.corrections)}):  "
          f"{_diff([d[0] for d in done], [d[1] for d in done])}; "
          f"rms {' -> '.join(f'{x:.3f}' for x in it.rms)} s")  # fmt: skip
    ref = read_hypodd_locations(cal / "hypoDD.reloc")
    t = time.perf_counter()
    dd = relocate_double_difference(events, net, tt, DD)
    t_dd = time.perf_counter() - t
    hdd = [ref[e.id] for e in events]
    h0, v0 = _pairs([e.origin for e in events], hdd)
    h1, v1 = _pairs([e.origin for e in dd.events], hdd)
    mad0 = np.median(np.abs(dd.residuals_initial))
    mad1 = np.median(np.abs(dd.residuals_final))
    print(f"  double difference: {dd.n_pairs} pairs, {dd.n_differential_times} times, "
          f"{len(dd.unlinked)} unlinked")  # fmt: skip
    print(f"    pair geometry vs the network's hypoDD: horizontal {h0:.3f} -> {h1:.3f} km, "
          f"vertical {v0:.3f} -> {v1:.3f} km")  # fmt: skip
    print(f"    differential-time residuals: median |r| {mad0:.3f} -> {mad1:.3f} s, "
          f"rms {np.sqrt(np.mean(dd.residuals_initial**2)):.3f} -> "
          f"{np.sqrt(np.mean(dd.residuals_final**2)):.3f} s")  # fmt: skip
    rate_dd, rate_single = len(events) / t_dd, len(test) / t_single
    print(f"  speed: double difference {rate_dd:.0f} events/s, single-event locator "
          f"{rate_single:.0f} events/s (ratio {rate_dd / rate_single:.1f})")  # fmt: skip
    hay = DATA / "example1_hayward"
    hev = list(read_hypodd_phases(hay / "El16.pha").events)
    hnet = read_hypodd_stations(hay / "station.dat")
    hdd_h = read_hypodd_locations(hay / "hypoDD.reloc")
    res = relocate_double_difference(hev, hnet, tt, DD)
    href = [hdd_h[e.id] for e in hev]
    h0, v0 = _pairs([e.origin for e in hev], href)
    h1, v1 = _pairs([e.origin for e in res.events], href)
    print(f"NCSN Hayward: {len(hev)} events, {res.n_pairs} pairs; pair geometry vs hypoDD: "
          f"horizontal {h0:.3f} -> {h1:.3f} km, vertical {v0:.3f} -> {v1:.3f} km; "
          f"median |r| {np.median(np.abs(res.residuals_initial)):.3f} -> "
          f"{np.median(np.abs(res.residuals_final)):.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
