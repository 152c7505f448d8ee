"""Screening on real data: the P/S discriminant's cross-validation, the DPRK tests, speed.

    .venv/bin/python benchmarks/bench_screening.py [--data ../shared/data]
        [--write-calibration openndc/screening/data/regional_ps_generic.json]
        [--scenario build/demo/scenario]

1. Shumway & Stoffer's Scandinavian set (8 earthquakes, 8 mining explosions, Novaya Zemlya
   1992): log10(P/S) in the configured bands, leave-one-out cross-validation of the
   calibration (each event classified by populations fitted without it), the operational
   decision at the configured p-value, and Novaya Zemlya scored with all 16.
2. The DPRK tests of 2016-01-06 and 2016-09-09: ``screen_event`` on the regional
   recordings, evidence printed per station.
3. Speed: the stage's ratio measurement beside a plain ObsPy peer (``Trace.filter`` +
   RMS per window) on the same traces, as a ratio.

4. With ``--scenario``: the synthesized scenario's true events screened with its waveforms
   (type agreement with the truth; circular, see docs/screening.md).

``--write-calibration`` writes the generic calibration (all 16 labelled events) that
OpenNDC ships; this is how the file in the package was made.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from obspy import Stream, UTCDateTime, read
from scipy import stats

from openndc.model.event import Event, Origin
from openndc.model.screening import StationValue
from openndc.screening import ScreeningConfig, screen_event
from openndc.screening.calibration import (
    Calibration,
    RatioCalibration,
    fit_ratio_calibration,
    save_calibration,
)
from openndc.screening.regional import (
    log_ratios,
    measure_network,
    phase_windows,
    score_station,
)

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
SHUMWAY = "scandinavia_eq_vs_explosion_shumway"
DPRK = "dprk_nuclear_tests_2016"
FS_SHUMWAY = 40.0  # samples/s, Shumway & Stoffer (not stored in the file)
SHRINKAGE = 0.3
MIN_SIGMA = 0.12


@dataclass
class Features:
    names: list[str]
    labels: list[str]
    distances: np.ndarray
    x: np.ndarray  # (n, bands)


def shumway_features(data: Path, bands: tuple[tuple[float, float], ...]) -> Features:
    """log10 RMS P/S per band of every event of the ``eqexp`` set."""
    folder = data / SHUMWAY
    with open(folder / "eqexp_P1024_S1024.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(folder / "events.csv", newline="") as f:
        events = list(csv.DictReader(f))
    names, labels, dist, feats = [], [], [], []
    for ev in events:
        col = np.array([float(r[ev["column"]]) for r in rows])
        names.append(ev["column"])
        labels.append(ev["label"].split(" ")[0])
        dist.append(float(ev["approx_dist_km_to_array"]))
        feats.append(log_ratios(col[:1024], col[1024:], FS_SHUMWAY, bands))
    return Features(names, labels, np.array(dist), np.array(feats))


def fit(f: Features, mask: np.ndarray, bands: tuple[tuple[float, float], ...]) -> RatioCalibration:
    return fit_ratio_calibration(
        f.x[mask],
        f.distances[mask],
        np.array([lab == "explosion" for lab in f.labels])[mask],
        station="*",
        ratio="P/S",
        bands_hz=bands,
        shrinkage=SHRINKAGE,
        min_sigma=MIN_SIGMA,
        source="Shumway & Stoffer eqexp (NORESS, ARCESS, FINESS 1991-92): 8 earthquakes, "
        "8 mining explosions, 208-1343 km; benchmarks/bench_screening.py",
    )


def score(f: Features, i: int, cal: RatioCalibration, bands: tuple[tuple[float, float], ...]):
    vals = [
        StationValue("ARRAY", "P/S", b[0], b[1], float(f.distances[i]), float(f.x[i, k]))
        for k, b in enumerate(bands)
    ]
    out = score_station(vals, cal)
    assert out is not None
    return out[0]


def cross_validate(f: Features, config: ScreeningConfig) -> dict[str, float]:
    """Leave-one-out over the 16 labelled events; returns counts and accuracy."""
    bands = config.regional.bands_hz
    labelled = np.array([lab in ("earthquake", "explosion") for lab in f.labels])
    idx = np.flatnonzero(labelled)
    correct = 0
    eq_flagged = ex_flagged = 0
    print("LOO: event label distance u p_eq u_x -> nearest population, flagged at alpha")
    for i in idx:
        mask = labelled.copy()
        mask[i] = False
        sc = score(f, i, fit(f, mask, bands), bands)
        p = float(stats.norm.sf(sc.u))
        pred = "explosion" if sc.explosion_like else "earthquake"
        flagged = p < config.regional.alpha_explosion
        correct += pred == f.labels[i]
        if f.labels[i] == "earthquake":
            eq_flagged += flagged
        else:
            ex_flagged += flagged
        print(
            f"  {f.names[i]:4s} {f.labels[i]:10s} {f.distances[i]:5.0f} km u {sc.u:+5.2f} "
            f"p_eq {p:8.2g} u_x {sc.u_explosion:+5.2f} -> {pred}{' FLAGGED' if flagged else ''}"
        )
    n_eq = sum(1 for i in idx if f.labels[i] == "earthquake")
    n_ex = len(idx) - n_eq
    acc = correct / len(idx)
    print(
        f"LOO accuracy {correct}/{len(idx)} = {acc:.0%}; explosion-like at p < "
        f"{config.regional.alpha_explosion}: {ex_flagged}/{n_ex} explosions, {eq_flagged}/{n_eq} "
        "earthquakes"
    )
    full = fit(f, labelled, bands)
    for i in np.flatnonzero(~labelled):
        sc = score(f, i, full, bands)
        print(
            f"  {f.names[i]} ({f.labels[i]}, {f.distances[i]:.0f} km, outside the calibrated "
            f"208-1343 km): u {sc.u:+.2f} p_eq {stats.norm.sf(sc.u):.2g} u_x "
            f"{sc.u_explosion:+.2f} D2 {sc.d2:.1f}"
        )
    return {"accuracy": acc, "eq_flagged": eq_flagged, "ex_flagged": ex_flagged}


def dprk_events(data: Path) -> list[tuple[Event, Stream]]:
    """The two DPRK tests: reference origin (Yao et al. 2018) and the regional SAC files."""
    folder = data / DPRK
    with open(folder / "reference_events.csv", newline="") as f:
        refs = [r for r in csv.DictReader(f) if r["source"].startswith("Yao")]
    out = []
    for r in refs:
        origin = Origin(
            time=UTCDateTime(r["origin_time_utc"]),
            latitude=float(r["latitude"]),
            longitude=float(r["longitude"]),
            depth_km=float(r["depth_km"]),
            depth_fixed=True,
        )
        stream = Stream()
        for path in sorted((folder / r["event_dir"]).glob("*Z.sac")):
            stream += read(str(path))
        out.append((Event(id=f"dprk-{r['event_dir'][:10]}", origin=origin), stream))
    return out


def run_dprk(data: Path, config: ScreeningConfig) -> None:
    for event, stream in dprk_events(data):
        res = screen_event(event, None, config, stream=stream)
        print(f"{event.id}: {res.summary()}")
        ev = res.criterion("regional P/S")
        if ev is None:
            continue
        for v in ev.station_values:
            if v.ratio == "P/S" and math.isfinite(v.z):
                print(
                    f"    {v.station:9s} {v.distance_km:6.0f} km {v.freq_min_hz:g}-"
                    f"{v.freq_max_hz:g} Hz log10 P/S {v.log10_ratio:+.2f} residual "
                    f"{v.corrected:+.2f} z {v.z:+.2f}"
                )


def _peer_measure(stream: Stream, event: Event, config: ScreeningConfig) -> int:
    """Plain ObsPy: Trace.filter per band, RMS in the P and S windows (the peer)."""
    from openndc.model.geodesy import distance_azimuth

    n = 0
    for tr in stream:
        sac = tr.stats.sac
        d, _, _ = distance_azimuth(
            event.origin.latitude, event.origin.longitude, sac.stla, sac.stlo
        )
        dkm = float(d) * 111.195
        if not config.regional.min_distance_km <= dkm <= config.regional.max_distance_km:
            continue
        w = phase_windows(dkm)
        for lo, hi in config.regional.bands_hz:
            if hi >= 0.5 * tr.stats.sampling_rate:
                continue
            f = tr.copy().detrend().filter("bandpass", freqmin=lo, freqmax=hi, zerophase=True)
            for a, b in (w["P"], w["S"]):
                seg = f.slice(event.origin.time + a, event.origin.time + b).data
                n += int(np.sqrt(np.mean(seg.astype(float) ** 2)) > 0)
    return n


def run_speed(data: Path, config: ScreeningConfig) -> None:
    event, stream = dprk_events(data)[0]
    t0 = time.perf_counter()
    values = measure_network(
        stream,
        event.origin.latitude,
        event.origin.longitude,
        event.origin.time,
        None,
        config.regional,
    )
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    _peer_measure(stream, event, config)
    t_peer = time.perf_counter() - t0
    print(
        f"speed: {len(stream)} vertical traces, {len(values)} ratio values in {t_ours:.2f} s "
        f"(4 ratios); ObsPy peer (P/S only) {t_peer:.2f} s; ours/peer time ratio "
        f"{t_ours / t_peer:.2f}"
    )


def run_scenario(folder: Path, config: ScreeningConfig) -> None:
    """Screen the scenario's true events (true hypocentres, depth fixed, no Ms) with its
    waveforms and count the types that match the truth: an upper bound for the pipeline's
    type accuracy, and circular (the synthesizer's own explosion signatures)."""
    from openndc.bulletin import read_bulletin
    from openndc.inventory import read_inventory
    from openndc.pipeline.sources import open_source

    truth = read_bulletin(folder / "truth.xml")
    network = read_inventory(str(folder / "inventory.xml"))
    source = open_source(str(folder / "sds"))
    n = same = same_class = 0
    natural = {"earthquake"}
    for true in truth:
        event = Event(
            id=true.id,
            origin=Origin(
                time=true.origin.time,
                latitude=true.origin.latitude,
                longitude=true.origin.longitude,
                depth_km=true.origin.depth_km,
                depth_fixed=True,
            ),
        )
        t0 = event.origin.time - 120.0
        stream = source.read(t0, event.origin.time + 600.0).stream
        res = screen_event(event, network, config, stream=stream)
        n += 1
        same += res.event_type == true.event_type
        same_class += (res.event_type in natural) == (true.event_type in natural) and (
            res.event_type != "not reported"
        )
        print(f"  {true.id} truth {true.event_type:17s} -> {res.event_type:17s} {res.outcome}")
    print(f"scenario truth events: type {same}/{n}, natural/explosion class {same_class}/{n}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--write-calibration", type=Path)
    ap.add_argument("--scenario", type=Path, help="also screen a scenario folder's truth events")
    args = ap.parse_args(argv)
    config = ScreeningConfig()
    f = shumway_features(args.data, config.regional.bands_hz)
    cross_validate(f, config)
    if args.write_calibration:
        labelled = np.array([lab in ("earthquake", "explosion") for lab in f.labels])
        cal = fit(f, labelled, config.regional.bands_hz)
        save_calibration(
            Calibration(entries=(cal,), source="generic P/S, Shumway & Stoffer eqexp"),
            args.write_calibration,
        )
        print(f"wrote {args.write_calibration}")
    run_dprk(args.data, config)
    run_speed(args.data, config)
    if args.scenario:
        run_scenario(args.scenario, config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
