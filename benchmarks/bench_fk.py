"""Benchmark: openndc f-k (``fk_analysis``) vs ObsPy ``array_processing``, and detect_array cost.

Usage::

    python benchmarks/bench_fk.py [--windows 20] [--hours 1] [--fig docs/img/fk_grf_kuril.png]

1. Synthetic 9-element array (~4 km aperture), 40 Hz, 4 s windows, 0.8-4.5 Hz, the ArrayConfig
   default grid (±0.4 s/km, 0.01 s/km: 81 x 81). Both methods on the same windows; times per
   window (ObsPy called once per window, and once for all windows, which amortises its
   steering-vector table), ratio, and the largest back-azimuth/slowness difference.
2. GRF (real, 13 elements at 20 Hz) on the Kuril P window when ../shared/data is present.
3. ``detect_array`` on a synthetic 9-element, 40 Hz array for ``--hours`` hours of noise with a
   few events; the cost per array-day is scaled linearly from it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from obspy import Stream, Trace, UTCDateTime
from obspy.core.util import AttribDict
from obspy.signal.array_analysis import array_processing

from openndc.detection.array import detect_array, fk_analysis, plane_wave_delays
from openndc.detection.array.kernels import DEG_KM
from openndc.detection.config import DetectionConfig
from openndc.model.inventory import Array, ArrayElement

T0 = UTCDateTime(2024, 1, 1)


def synthetic_array(n: int = 9, radius: float = 2.0) -> Array:
    xy = [(0.0, 0.0)] + [
        (r * np.sin(a), r * np.cos(a))
        for k in range(n - 1)
        for r, a in [(radius * (0.45 if k % 2 else 1.0), 2 * np.pi * k / (n - 1))]
    ]
    els = tuple(ArrayElement("XB", f"B{i:02d}", 0.0, 0.0, 0.0, x, y) for i, (x, y) in enumerate(xy))
    return Array("XB", "BEN", 0.0, 0.0, 0.0, els)


def synthetic_stream(
    arr: Array,
    seconds: float,
    events: list[tuple[float, float, float]],
    fs: float = 40.0,
    seed: int = 0,
) -> Stream:
    rng = np.random.default_rng(seed)
    n = int(seconds * fs)
    tt = np.arange(int(4 * fs)) / fs
    w = np.sin(2 * np.pi * 2.0 * tt) * np.exp(-(((tt - 1.3) / 0.7) ** 2))
    out = Stream()
    xy = arr.offsets_km()
    data = rng.standard_normal((len(xy), n))
    for t_ev, baz, slow in events:
        d = plane_wave_delays(xy, baz, slow)
        for j in range(len(xy)):
            i0 = int((t_ev + d[j]) * fs)
            data[j, i0 : i0 + len(w)] += 10.0 * w
    for j, e in enumerate(arr.elements):
        out.append(
            Trace(
                data[j],
                header={
                    "network": "XB",
                    "station": e.station,
                    "channel": "SHZ",
                    "sampling_rate": fs,
                    "starttime": T0,
                },
            )
        )
    return out


def bench_fk(
    st: Stream,
    xy: np.ndarray,
    starts: list[UTCDateTime],
    win: float,
    smax: float,
    step: float,
    fmin: float,
    fmax: float,
    label: str,
) -> list[str]:
    fs = st[0].stats.sampling_rate
    st = st.copy()
    for tr, (x, y) in zip(st, xy, strict=True):
        tr.stats.coordinates = AttribDict(x=x, y=y, elevation=0.0)
    nwin = int(win * fs)

    def win_of(t: UTCDateTime) -> np.ndarray:
        i0 = int((t - st[0].stats.starttime) * fs + 0.5)
        return np.array([tr.data[i0 : i0 + nwin] for tr in st], dtype=np.float64)

    def obspy_fk(t0: UTCDateTime, t1: UTCDateTime) -> np.ndarray:
        """ObsPy's f-k (beamforming, the same grid and band) over ``[t0, t1)``."""
        return array_processing(
            st,
            win,
            1.0,
            -smax,
            smax,
            -smax,
            smax,
            step,
            -1e9,
            -1e9,
            fmin,
            fmax,
            t0,
            t1,
            0,
            coordsys="xy",
            timestamp="julsec",
            method=0,
        )

    fk_analysis(
        win_of(starts[0]), fs, xy, slowness_max=smax, slowness_step=step, fmin=fmin, fmax=fmax
    )  # compile / load numba cache
    tic = time.perf_counter()
    ours = [
        fk_analysis(win_of(t), fs, xy, slowness_max=smax, slowness_step=step, fmin=fmin, fmax=fmax)
        for t in starts
    ]
    t_ours = (time.perf_counter() - tic) / len(starts)
    tic = time.perf_counter()
    theirs = [obspy_fk(t, t + win)[0] for t in starts]
    t_obspy = (time.perf_counter() - tic) / len(starts)
    tic = time.perf_counter()
    t_end = starts[-1] + win
    obspy_fk(starts[0], t_end)
    n_slide = round((t_end - starts[0]) / win) - 0
    t_obspy_all = (time.perf_counter() - tic) / max(n_slide, 1)
    dbaz = max(
        abs((o.backazimuth_deg - r[3] + 180) % 360 - 180) for o, r in zip(ours, theirs, strict=True)
    )
    dslow = max(abs(o.slowness_s_per_km - r[4]) for o, r in zip(ours, theirs, strict=True))
    ngrid = len(ours[0].sx_axis) ** 2
    return [
        f"| {label} | {len(xy)} | {ngrid} | {len(ours[0].freqs_hz)} | {len(starts)} | "
        f"{t_ours * 1e3:.2f} | {t_obspy * 1e3:.1f} | {t_obspy / t_ours:.0f}x | "
        f"{t_obspy_all * 1e3:.1f} | {t_obspy_all / t_ours:.0f}x | {dbaz:.2g} | {dslow:.2g} |"
    ]


# --------------------------------------------------------------------- f-k peak refinement


def _lonlat_stream(st: Stream, lat: np.ndarray, lon: np.ndarray) -> Stream:
    st = st.copy()
    for tr, la, lo in zip(st, lat, lon, strict=True):
        tr.stats.coordinates = AttribDict(latitude=la, longitude=lo, elevation=0.0)
    return st


def _obspy_box(
    st: Stream,
    t0: UTCDateTime,
    win: float,
    box: tuple[float, float, float, float],
    step: float,
    fmin: float,
    fmax: float,
) -> tuple[float, float, float]:
    """ObsPy ``array_processing`` (bf) on the slowness box ``(sx0, sx1, sy0, sy1)`` [s/km]:
    (back-azimuth [deg], slowness [s/km], relpow) of its one window."""
    row = array_processing(
        st,
        win,
        1.0,
        box[0],
        box[1],
        box[2],
        box[3],
        step,
        -1e9,
        -1e9,
        fmin,
        fmax,
        t0,
        t0 + win,
        0,
        coordsys="lonlat",
        timestamp="julsec",
        method=0,
    )[0]
    return float(row[3] % 360.0), float(row[4]), float(row[1])


def _real_cases(data: Path) -> list[dict[str, Any]]:
    """Real array windows: stream (with lon/lat), element offsets, window, band, grid, reference."""
    import warnings

    from obspy import read, read_events, read_inventory
    from obspy.geodetics import gps2dist_azimuth, locations2degrees
    from obspy.taup import TauPyModel

    from openndc.model.inventory import local_offsets_km

    cases: list[dict[str, Any]] = []
    d = data / "array_grf_kuril_1991"
    if d.is_dir():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inv = read_inventory(str(d / "01.xml"))
        g = Stream(
            [
                t
                for t in read(str(d / "01.mseed"))
                if len(t.stats.station) == 4 and t.stats.station.startswith("GR")
            ]
        )
        g.sort(keys=["station"])
        ev = read_events(str(d / "01.qml"))[0]
        o = ev.preferred_origin() or ev.origins[0]
        c = [inv.get_coordinates(t.id, o.time) for t in g]
        lat = np.array([x["latitude"] for x in c])
        lon = np.array([x["longitude"] for x in c])
        rlat, rlon = float(lat.mean()), float(lon.mean())
        dist = locations2degrees(rlat, rlon, o.latitude, o.longitude)
        _, baz, _ = gps2dist_azimuth(rlat, rlon, o.latitude, o.longitude)
        arr = TauPyModel("ak135").get_travel_times(o.depth / 1000.0, dist, ["P"])[0]
        e, n = local_offsets_km(rlat, rlon, lat, lon)
        for win, band in ((12.0, (0.5, 2.5)),):
            cases.append(
                dict(
                    label=f"GRF Kuril P, {win:g} s, {band[0]:g}-{band[1]:g} Hz",
                    st=_lonlat_stream(g, lat, lon),
                    xy=np.column_stack([e, n]),
                    t0=o.time + arr.time - 2.0,
                    win=win,
                    band=band,
                    smax=0.4,
                    step=0.01,
                    ref=(baz, arr.ray_param_sec_degree / DEG_KM),
                    ref_name="TauP ak135",
                )
            )
    d = data / "nodal_array_utah_2019" / "beamforming" / "example"
    if d.is_dir():
        u = Stream()
        for f in sorted(d.glob("*.sac")):
            u += read(str(f))
        lat = np.array([t.stats.sac.stla for t in u])
        lon = np.array([t.stats.sac.stlo for t in u])
        e, n = local_offsets_km(38.5, -112.887, lat, lon)
        u.trim(max(t.stats.starttime for t in u))
        cases.append(
            dict(
                label="Utah FORGE nodal (82 Z, 250 Hz), 5 s, 2-12 Hz",
                st=_lonlat_stream(u, lat, lon),
                xy=np.column_stack([e, n]),
                t0=max(t.stats.starttime for t in u) + 7.0,
                win=5.0,
                band=(2.0, 12.0),
                smax=0.6,
                step=0.02,
                ref=None,
                ref_name="",
            )
        )
    d = data / "infrasound_dia_array" / "examples"
    if d.is_dir():
        s = Stream()
        for f in sorted((d / "real_data" / "data").rglob("NL.DL*..BDF.D.2007.247")):
            s += read(str(f))
        s.sort(keys=["station"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inv = read_inventory(str(d / "NL.DIA.xml"))
        c = [inv.get_coordinates(t.id, t.stats.starttime) for t in s]
        lat = np.array([x["latitude"] for x in c])
        lon = np.array([x["longitude"] for x in c])
        e, n = local_offsets_km(float(lat.mean()), float(lon.mean()), lat, lon)
        cases.append(
            dict(
                label="DIA infrasound (13 BDF, 40 Hz), 12 s, 0.5-5 Hz",
                st=_lonlat_stream(s, lat, lon),
                xy=np.column_stack([e, n]),
                t0=UTCDateTime("2007-09-04T20:04:42.475"),
                win=12.0,
                band=(0.5, 5.0),
                smax=3.6,
                step=0.05,
                ref=None,
                ref_name="",
            )
        )
    d = data / "infrasound_brp_array" / "examples" / "data"
    if d.is_dir():
        b = Stream()
        for f in sorted(d.glob("YJ.BRP*..EDF.SAC")):
            b += read(str(f))
        lat = np.array([t.stats.sac.stla for t in b])
        lon = np.array([t.stats.sac.stlo for t in b])
        e, n = local_offsets_km(float(lat.mean()), float(lon.mean()), lat, lon)
        xy = np.column_stack([e, n])
        fs = b[0].stats.sampling_rate
        t_start = max(t.stats.starttime for t in b)
        # the window of the strongest coherent arrival (largest F on the coarse grid)
        best, best_f = t_start, -1.0
        for k in range(int((min(t.stats.endtime for t in b) - t_start - 30.0) // 15.0)):
            t = t_start + 15.0 * k
            w = _win(b, t, 30.0)
            f = fk_analysis(
                w, fs, xy, slowness_max=3.6, slowness_step=0.05, fmin=0.5, fmax=5.0
            ).fstat
            if f > best_f:
                best, best_f = t, f
        cases.append(
            dict(
                label="BRP infrasound (4 EDF, 100 Hz), 30 s, 0.5-5 Hz",
                st=_lonlat_stream(b, lat, lon),
                xy=xy,
                t0=best,
                win=30.0,
                band=(0.5, 5.0),
                smax=3.6,
                step=0.05,
                ref=None,
                ref_name="",
            )
        )
    return cases


def _win(st: Stream, t0: UTCDateTime, win: float) -> np.ndarray:
    fs = st[0].stats.sampling_rate
    out = []
    for tr in st:
        i0 = int((t0 - tr.stats.starttime) * fs + 0.5)
        out.append(tr.data[i0 : i0 + int(win * fs)].astype(np.float64))
    return np.array(out)


def refine_table(data: Path, refine: int = 10) -> list[str]:
    """Grid-only vs refined f-k on real arrays, beside ObsPy on a fine grid (step / refine over
    ±5 coarse steps around the coarse peak) and TauP where there is a catalogue event."""
    rows = [
        "| case | grid ±/step [s/km] | grid only: baz, slow [s/deg] | refined ×10: baz, slow "
        "| ObsPy fine grid: baz, slow | Δ refined − ObsPy fine | reference | time grid / refined "
        "/ ObsPy fine [ms] |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in _real_cases(data):
        fs = c["st"][0].stats.sampling_rate
        w = _win(c["st"], c["t0"], c["win"])
        kw = dict(
            slowness_max=c["smax"], slowness_step=c["step"], fmin=c["band"][0], fmax=c["band"][1]
        )
        fk_analysis(w, fs, c["xy"], refine=refine, **kw)  # compile / warm
        tic = time.perf_counter()
        g = fk_analysis(w, fs, c["xy"], **kw)
        t_g = time.perf_counter() - tic
        tic = time.perf_counter()
        r = fk_analysis(w, fs, c["xy"], refine=refine, **kw)
        t_r = time.perf_counter() - tic
        fine = c["step"] / refine
        half = 5 * c["step"]
        box = (g.sx - half, g.sx + half, g.sy - half, g.sy + half)
        tic = time.perf_counter()
        ob_baz, ob_s, _ = _obspy_box(c["st"], c["t0"], c["win"], box, fine, *c["band"])
        t_o = time.perf_counter() - tic
        dbaz = (r.backazimuth_deg - ob_baz + 180.0) % 360.0 - 180.0
        ds = (r.slowness_s_per_km - ob_s) * DEG_KM
        ref = (
            f"{c['ref_name']}: {c['ref'][0]:.1f}°, {c['ref'][1] * DEG_KM:.2f}"
            if c["ref"] is not None
            else "—"
        )
        rows.append(
            f"| {c['label']} | {c['smax']:g}/{c['step']:g} | {g.backazimuth_deg:.1f}° ± "
            f"{g.backazimuth_uncertainty_deg:.1f}, {g.slowness_s_per_deg:.2f} | "
            f"{r.backazimuth_deg:.1f}° ± {r.backazimuth_uncertainty_deg:.1f}, "
            f"{r.slowness_s_per_deg:.2f} ± {r.slowness_uncertainty_s_per_deg:.2f} | {ob_baz:.1f}°, "
            f"{ob_s * DEG_KM:.2f} | {dbaz:+.2f}°, {ds:+.3f} | {ref} | {t_g * 1e3:.1f} / "
            f"{t_r * 1e3:.1f} / {t_o * 1e3:.0f} |"
        )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--windows", type=int, default=20)
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--fig", type=Path, default=None, help="write the GRF f-k figure here")
    ap.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    )
    ap.add_argument(
        "--refine-only",
        action="store_true",
        help="only the f-k peak refinement table on the real arrays",
    )
    a = ap.parse_args()
    if a.refine_only:
        print("\n".join(refine_table(a.data)))
        return 0
    print("\n".join(refine_table(a.data)) + "\n")
    rows = [
        "| case | elements | grid points | freq bins | windows | openndc [ms/window] | "
        "ObsPy per window [ms] | ratio | ObsPy sliding [ms/window] | ratio | max Δbaz [deg] | "
        "max Δslow [s/km] |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    arr = synthetic_array()
    st = synthetic_stream(
        arr,
        30 + 4 * a.windows,
        [(10 + 4 * k, 37.0 * k % 360, 0.05 + 0.01 * (k % 8)) for k in range(a.windows)],
    )
    starts = [T0 + 10 + 4 * k for k in range(a.windows)]
    rows += bench_fk(
        st,
        arr.offsets_km(),
        starts,
        4.0,
        0.4,
        0.01,
        0.8,
        4.5,
        "synthetic 40 Hz, 4 s, ±0.4/0.01 s/km",
    )
    grf = a.data / "array_grf_kuril_1991" / "01.mseed"
    if grf.exists():
        import warnings

        from obspy import read, read_inventory

        from openndc.model.inventory import local_offsets_km

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inv = read_inventory(str(grf.parent / "01.xml"))
        g = Stream(
            [
                t
                for t in read(str(grf))
                if len(t.stats.station) == 4 and t.stats.station.startswith("GR")
            ]
        )
        c = [inv.get_coordinates(t.id, t.stats.starttime) for t in g]
        lat = np.array([x["latitude"] for x in c])
        lon = np.array([x["longitude"] for x in c])
        e, n = local_offsets_km(lat.mean(), lon.mean(), lat, lon)
        xy = np.column_stack([e, n])
        p = UTCDateTime("1991-12-17T06:49:54.33")
        gst = [p - 2 + 4 * k for k in range(a.windows)]
        rows += bench_fk(g, xy, gst, 4.0, 0.4, 0.01, 0.8, 4.5, "GRF 20 Hz, 4 s, ±0.4/0.01 s/km")
        rows += bench_fk(
            g, xy, [p - 2], 12.0, 0.1, 0.002, 0.5, 2.5, "GRF Kuril P 20 Hz, 12 s, ±0.1/0.002 s/km"
        )
        if a.fig is not None:
            _figure(g, xy, p, a.fig)
    print("\n".join(rows))

    secs = a.hours * 3600.0
    events = [
        (600.0 * k + 300.0, (77.0 * k) % 360, 0.045 + 0.02 * (k % 4))
        for k in range(int(secs // 600))
    ]
    dst = synthetic_stream(arr, secs, events, seed=1)
    detect_array(dst.slice(T0, T0 + 300), arr, DetectionConfig())  # compile
    tic = time.perf_counter()
    dets = detect_array(dst, arr, DetectionConfig())
    dt = time.perf_counter() - tic
    found = sum(any(abs(d.time - (T0 + e[0])) < 2 for d in dets) for e in events)
    print(
        f"\ndetect_array: 9 elements, 40 Hz, {a.hours:g} h, {len(DetectionConfig().bands)} bands: "
        f"{dt:.2f} s ({len(dets)} detections, {found}/{len(events)} events found) -> "
        f"{dt * 24 / a.hours:.1f} s per array-day (linear scaling), "
        f"{6 * dt * 24 / a.hours:.0f} s for 6 arrays"
    )
    return 0


def _figure(g: Stream, xy: np.ndarray, p: UTCDateTime, path: Path) -> None:
    from scipy.signal import butter, sosfiltfilt

    from openndc.detection.array.plot import plot_fk

    fs = g[0].stats.sampling_rate
    i0 = int((p - 2 - g[0].stats.starttime) * fs)
    data = np.array([t.data[i0 : i0 + int(12 * fs)] for t in g], dtype=np.float64)
    r = fk_analysis(data, fs, xy, slowness_max=0.1, slowness_step=0.002, fmin=0.5, fmax=2.5)
    fig = plot_fk(
        r, expected=(26.45, 5.58), title="GRF, Kuril P 1991-12-17 (12 s, 0.5-2.5 Hz); x: TauP ak135"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    i1 = int((p - 20 - g[0].stats.starttime) * fs)
    seg = np.array([t.data[i1 : i1 + int(50 * fs)] for t in g], dtype=np.float64)
    seg = sosfiltfilt(
        butter(3, [0.5, 2.5], "band", fs=fs, output="sos"), seg - seg.mean(1)[:, None]
    )
    from openndc.detection.array.plot import plot_beam_section

    d = plane_wave_delays(xy, r.backazimuth_deg, r.slowness_s_per_km)
    fig2 = plot_beam_section(
        seg,
        fs,
        [t.stats.station for t in g],
        d,
        onset_s=20.0,
        title="GRF f-k beam and elements, 0.5-2.5 Hz (onset: TauP P)",
    )
    fig2.savefig(path.with_name(path.stem + "_beam.png"), dpi=110, bbox_inches="tight")


if __name__ == "__main__":
    sys.exit(main())
