"""Benchmark: Wood-Anderson amplitudes (ML) on real data, OpenNDC vs ObsPy in the same process.

Usage::

    python benchmarks/bench_amplitude.py [--hours 1] [--onsets 40]

Real data: the 16 SCSN broadband stations of ``../shared/data/scsn_westmorland_2020-10-01``
(100 Hz, StationXML with full responses: FIR stages). For each station's two horizontals,
``--onsets`` onsets spread over the record, the zero-to-peak Wood-Anderson amplitude in 10 s:

- OpenNDC: :func:`openndc.detection.amplitude.wood_anderson_amplitude` on the whole record
  (as the detection stage calls it: the window's traces), with the channel's full response;
- ObsPy (the usual route): the window +- 60 s sliced, ``remove_response(output="DISP",
  water_level=60, pre_filt=PRE_FILT)``, ``simulate(paz_simulate=WA_PAZ)`` and the mean
  removed (without it ObsPy's trace keeps a long-period offset: 143 nm on BOM's HHE).

The 3-minute record is tiled to ``--hours`` (an hourly processing window: what the detection
stage hands the amplitude code). Prints amplitudes per second and their ratio, and the
agreement (median and 95th percentile of |log10 ours / ObsPy|).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from obspy import Stream, read, read_inventory

from openndc.detection import amplitude
from openndc.detection.amplitude import WA_PAZ, wood_anderson_amplitude
from openndc.model.inventory import ChannelInfo

#: ObsPy's pre-filter [Hz]: the 0.05-0.1 Hz high-pass cosine taper OpenNDC applies (and a
#: high cut below the 50-Hz Nyquist).
PRE_FILT = (0.05, 0.1, 40.0, 45.0)


def _shared() -> Path:
    return Path(
        os.environ.get("OPENNDC_SHARED_DATA", Path(__file__).parents[1] / ".." / "shared" / "data")
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--onsets", type=int, default=40)
    ap.add_argument(
        "--whole-trace",
        action="store_true",
        help="simulate the whole record per amplitude (OpenNDC before 2026-12-05)",
    )
    args = ap.parse_args()
    if args.whole_trace:
        amplitude._WA_PAD_S = 1e12
    folder = _shared() / "scsn_westmorland_2020-10-01"
    if not folder.is_dir():
        print(f"{folder}: not found (set OPENNDC_SHARED_DATA)")
        return 1
    inv = read_inventory(str(folder / "stations.xml"))
    chans = {
        f"{n.code}.{s.code}.{c.location_code}.{c.code}": ChannelInfo(c.code, response=c.response)
        for n in inv
        for s in n
        for c in s
    }
    st = read(str(folder / "mseed" / "*")).select(component="[EN12]")
    reps = max(1, round(args.hours * 3600.0 / 180.0))
    long = Stream()
    for tr in st:
        t = tr.copy()
        t.data = np.tile(tr.data.astype(np.float64), reps)
        long.append(t)
    t0 = long[0].stats.starttime
    # onsets in the middle of the tiles (the joins are steps)
    step = (reps - 1) / max(args.onsets - 1, 1)
    onsets = [t0 + 180.0 * round(k * step) + 85.0 for k in range(args.onsets)]
    ours: list[float] = []
    ref: list[float] = []
    t_ours = t_ref = 0.0
    for tr in long:
        ch = chans.get(tr.id)
        if ch is None:
            continue
        for onset in onsets:
            a = time.perf_counter()
            amp, _ = wood_anderson_amplitude([tr], onset, 10.0, {tr.id: ch})
            t_ours += time.perf_counter() - a
            a = time.perf_counter()
            seg = tr.slice(onset - 60.0, onset + 70.0).copy()
            seg.stats.response = ch.response
            seg.remove_response(output="DISP", water_level=60.0, pre_filt=PRE_FILT)
            seg.simulate(paz_simulate=WA_PAZ, taper=False)
            seg.detrend("demean")
            s0 = round((onset - seg.stats.starttime) * seg.stats.sampling_rate)
            peak = float(np.abs(seg.data[s0 : s0 + 1001]).max()) * 1e9 / 2080.0
            t_ref += time.perf_counter() - a
            ours.append(amp)
            ref.append(peak)
    lr = np.log10(np.array(ours) / np.array(ref))
    if os.environ.get("BENCH_DEBUG"):
        print(np.round(lr, 3))
    d = np.abs(lr)
    n = len(ours)
    print(
        f"{n} amplitudes on {len(long)} channels of {reps * 3} min at 100 Hz: "
        f"OpenNDC {n / t_ours:.1f}/s, ObsPy {n / t_ref:.1f}/s, ratio (ObsPy time / ours) "
        f"{t_ref / t_ours:.2f}"
    )
    print(f"|log10 ours / ObsPy|: median {np.median(d):.4f}, p95 {np.percentile(d, 95):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
