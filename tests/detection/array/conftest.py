"""Synthetic arrays and plane waves for the array tests (generated in code)."""

from __future__ import annotations

import numpy as np
from obspy import Stream, Trace, UTCDateTime

from openndc.detection.array.kernels import plane_wave_delays
from openndc.model.inventory import Array, ArrayElement

T0 = UTCDateTime(2024, 3, 1, 12, 0, 0)


def ring_array(n: int = 9, radius_km: float = 2.0, kind: str = "seismic") -> Array:
    """A centre element plus ``n - 1`` elements on two rings (ARCES-like, ~2 r aperture)."""
    xy = [(0.0, 0.0)]
    n_in = (n - 1) // 2
    for k in range(n_in):
        a = 2 * np.pi * k / n_in
        xy.append((0.45 * radius_km * np.sin(a), 0.45 * radius_km * np.cos(a)))
    for k in range(n - 1 - n_in):
        a = 2 * np.pi * (k + 0.5) / (n - 1 - n_in)
        xy.append((radius_km * np.sin(a), radius_km * np.cos(a)))
    els = tuple(
        ArrayElement("XA", f"E{i:02d}", 50.0 + y / 111.19, 70.0 + x / 71.5, 0.0, x, y)
        for i, (x, y) in enumerate(xy)
    )
    return Array("XA", "SYN", 50.0, 70.0, 0.0, els, kind=kind)  # type: ignore[arg-type]


def wavelet(fs: float, f0: float, dur: float) -> np.ndarray:
    t = np.arange(int(dur * fs)) / fs
    return np.sin(2 * np.pi * f0 * t) * np.exp(-((t - dur / 3) ** 2) / (dur / 6) ** 2)


def plane_wave_stream(
    array: Array,
    *,
    fs: float = 40.0,
    duration: float = 180.0,
    onset: float = 100.0,
    baz: float = 60.0,
    slowness: float = 0.08,
    amp: float = 20.0,
    noise: float = 1.0,
    f0: float = 2.0,
    channel: str = "SHZ",
    seed: int = 0,
) -> Stream:
    """Noise plus a plane-wave wavelet arriving at the reference point at ``T0 + onset``."""
    rng = np.random.default_rng(seed)
    n = int(duration * fs)
    t = np.arange(n) / fs
    w = wavelet(fs, f0, 4.0)
    src = np.zeros(n)
    i0 = int(onset * fs)
    src[i0 : i0 + len(w)] = amp * w
    delays = plane_wave_delays(array.offsets_km(), baz, slowness)
    st = Stream()
    for e, d in zip(array.elements, delays, strict=True):
        x = np.interp(t - d, t, src) + noise * rng.standard_normal(n)
        st.append(
            Trace(
                x.astype(np.float64),
                header={
                    "network": array.network,
                    "station": e.station,
                    "channel": channel,
                    "sampling_rate": fs,
                    "starttime": T0,
                },
            )
        )
    return st
