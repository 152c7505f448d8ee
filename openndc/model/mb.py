"""The body-wave magnitude scale mb (IDC): the Veith-Clawson (1972) distance-depth correction.

Shared physics (pure, vectorised NumPy; no I/O) used by the magnitude stage (station mb,
:mod:`openndc.magnitude.station`), the association (station magnitudes and detection
probabilities of small hypotheses, :mod:`openndc.association.evidence`) and the synthesizers:

``mb = log10(A/T) + mb_q(Delta, h)`` with A the *half* peak-to-peak P ground displacement
[nm] in the 0.8-4.5 Hz band (vertical), T its period [s], Delta the epicentral distance
[deg], h the depth [km].

Source: Veith, K. F. and Clawson, G. E. (1972), "Magnitude from short-period P-wave data",
BSSA 62(2), 435-452, Table 2 (P factor for *peak-to-peak* amplitudes in nm), as distributed
with iLoc (Bondar & Storchak 2011; github.com/IstvanBondar/iLoc,
``auxdata/magnitude/VCmbQ.dat``: 0-100 deg every 1 deg; depths 0, 15, 40, 100-800 km). The
IDC measures A as *half* peak-to-peak, so, as the IDC's ``qfvc`` tables do (SeisComP
``mb(IDC)`` documentation: "tabulated values were adjusted for the fact that the original VC
tables relate to peak-to-peak amplitudes, whereas the measured amplitudes for mb
calculations are half peak-to-peak") and as iLoc does (it doubles the reported amplitude
before applying VC), :func:`mb_q` adds ``log10(2)``. :func:`mb_q` covers 0-100 deg (NaN
beyond, and where Delta < 0), depth clipped to 0-800 km.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = [
    "MB_HALF_PEAK_TO_PEAK_CORRECTION",
    "VC72_DEPTHS_KM",
    "VC72_DISTANCES_DEG",
    "VC72_Q_PEAK_TO_PEAK",
    "amplitude_for_mb",
    "mb_from_amplitude",
    "mb_q",
]

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

#: log10(2): VC72 is calibrated for peak-to-peak amplitudes, the IDC measures half of that.
MB_HALF_PEAK_TO_PEAK_CORRECTION = math.log10(2.0)

#: Distances [deg] of the Veith-Clawson (1972) Table 2 rows.
VC72_DISTANCES_DEG: FloatArray = np.arange(0.0, 101.0, 1.0)
#: Depths [km] of the Veith-Clawson (1972) Table 2 columns.
VC72_DEPTHS_KM: FloatArray = np.array(
    [0.0, 15.0, 40.0, 100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0, 800.0]
)

# Veith & Clawson (1972), BSSA 62, 435-452, Table 2: P(Delta, h) for peak-to-peak amplitudes
# in nm; rows Delta = 0..100 deg, columns h = VC72_DEPTHS_KM. Transcribed from iLoc's
# auxdata/magnitude/VCmbQ.dat (I. Bondár, BSD licence).
_VC72_TEXT = """
0.00 -1.82 -1.44 -0.80 -0.36 -0.10 0.08 0.22 0.34 0.44 0.52
0.89 2.02 2.16 -0.31 -0.19 -0.01 0.12 0.25 0.36 0.46 0.53
2.07 2.02 2.29 0.39 0.17 0.19 0.25 0.33 0.42 0.50 0.56
2.20 2.23 2.53 0.94 0.55 0.44 0.41 0.45 0.50 0.57 0.62
2.55 2.53 2.72 1.36 0.89 0.69 0.60 0.58 0.61 0.65 0.68
2.76 2.73 2.87 1.68 1.19 0.93 0.78 0.73 0.73 0.75 0.76
2.90 2.86 2.99 1.95 1.46 1.14 0.95 0.87 0.84 0.84 0.84
3.02 2.97 3.08 2.18 1.69 1.32 1.10 1.00 0.95 0.94 0.92
3.10 3.04 3.13 2.37 1.88 1.47 1.23 1.12 1.06 1.04 1.00
3.15 3.09 3.17 2.52 2.03 1.59 1.35 1.24 1.17 1.14 1.09
3.19 3.13 3.19 2.63 2.14 1.69 1.45 1.34 1.27 1.23 1.17
3.23 3.16 3.20 2.72 2.21 1.76 1.54 1.43 1.37 1.32 1.25
3.25 3.18 3.21 2.79 2.25 1.79 1.62 1.52 1.47 1.41 1.32
3.26 3.19 3.21 2.84 2.26 1.82 1.68 1.60 1.56 1.49 1.39
3.26 3.19 3.21 2.85 2.23 1.86 1.74 1.68 1.64 1.57 1.45
3.25 3.17 3.17 2.79 2.18 1.90 1.80 1.76 1.72 1.64 1.50
3.21 3.11 3.08 2.68 2.15 1.95 1.87 1.84 1.80 1.71 1.55
3.10 3.00 2.94 2.54 2.16 2.01 1.95 1.92 1.87 1.71 1.60
2.98 2.85 2.75 2.46 2.19 2.07 2.02 2.00 1.94 1.84 1.64
2.79 2.71 2.63 2.45 2.24 2.14 2.10 2.07 2.01 1.88 1.68
2.77 2.71 2.62 2.48 2.30 2.22 2.18 2.15 2.07 1.91 1.71
2.80 2.75 2.65 2.54 2.38 2.30 2.27 2.22 2.13 1.93 1.74
2.85 2.82 2.71 2.61 2.46 2.39 2.35 2.28 2.17 1.94 1.76
2.94 2.89 2.79 2.69 2.56 2.48 2.43 2.33 2.19 1.94 1.78
3.04 2.99 2.87 2.78 2.66 2.56 2.50 2.37 2.20 1.95 1.80
3.15 3.09 2.97 2.88 2.74 2.62 2.54 2.39 2.20 1.96 1.82
3.25 3.19 3.06 2.97 2.80 2.66 2.56 2.39 2.19 1.97 1.84
3.35 3.27 3.13 3.04 2.83 2.68 2.57 2.38 2.19 1.98 1.86
3.42 3.33 3.18 3.07 2.84 2.69 2.56 2.38 2.18 1.99 1.88
3.44 3.35 3.19 3.08 2.85 2.69 2.54 2.38 2.18 2.00 1.90
3.42 3.33 3.20 3.08 2.85 2.68 2.53 2.37 2.18 2.01 1.92
3.38 3.31 3.20 3.07 2.84 2.67 2.52 2.37 2.19 2.03 1.94
3.36 3.29 3.19 3.06 2.83 2.66 2.51 2.37 2.20 2.04 1.96
3.36 3.28 3.18 3.05 2.82 2.66 2.51 2.37 2.21 2.05 1.97
3.35 3.27 3.16 3.04 2.81 2.65 2.51 2.37 2.22 2.06 1.99
3.34 3.26 3.15 3.03 2.80 2.64 2.51 2.37 2.23 2.07 2.00
3.34 3.25 3.14 3.02 2.80 2.64 2.51 2.37 2.24 2.09 2.02
3.34 3.25 3.13 3.01 2.79 2.64 2.51 2.38 2.24 2.10 2.04
3.33 3.24 3.12 3.00 2.79 2.63 2.51 2.38 2.25 2.11 2.05
3.33 3.24 3.12 3.00 2.79 2.63 2.51 2.39 2.26 2.12 2.07
3.32 3.24 3.11 2.99 2.78 2.63 2.52 2.40 2.27 2.13 2.08
3.32 3.24 3.11 2.99 2.78 2.64 2.52 2.40 2.28 2.15 2.09
3.32 3.24 3.11 2.99 2.79 2.64 2.53 2.41 2.29 2.16 2.11
3.33 3.24 3.11 2.99 2.79 2.65 2.54 2.42 2.30 2.17 2.12
3.33 3.24 3.11 2.99 2.80 2.65 2.54 2.43 2.31 2.18 2.13
3.34 3.25 3.11 3.00 2.81 2.66 2.55 2.43 2.32 2.19 2.15
3.34 3.25 3.12 3.00 2.81 2.67 2.56 2.44 2.33 2.21 2.16
3.35 3.26 3.12 3.01 2.82 2.67 2.57 2.45 2.34 2.22 2.17
3.36 3.26 3.13 3.02 2.83 2.68 2.57 2.46 2.35 2.23 2.18
3.36 3.27 3.14 3.02 2.83 2.69 2.58 2.47 2.36 2.24 2.19
3.37 3.28 3.14 3.03 2.84 2.70 2.59 2.48 2.37 2.26 2.21
3.37 3.28 3.15 3.04 2.85 2.70 2.60 2.49 2.37 2.26 2.22
3.38 3.29 3.16 3.04 2.86 2.71 2.61 2.50 2.39 2.28 2.23
3.39 3.30 3.16 3.05 2.86 2.72 2.62 2.51 2.40 2.29 2.24
3.39 3.30 3.17 3.06 2.87 2.73 2.63 2.52 2.41 2.31 2.25
3.40 3.31 3.18 3.06 2.88 2.73 2.64 2.53 2.42 2.32 2.26
3.40 3.32 3.18 3.07 2.88 2.74 2.64 2.54 2.43 2.33 2.27
3.41 3.32 3.19 3.08 2.89 2.75 2.65 2.54 2.44 2.34 2.29
3.42 3.33 3.19 3.08 2.90 2.76 2.66 2.55 2.45 2.35 2.30
3.42 3.34 3.20 3.09 2.91 2.76 2.67 2.56 2.46 2.37 2.31
3.43 3.34 3.20 3.10 2.91 2.77 2.68 2.57 2.47 2.38 2.32
3.44 3.35 3.21 3.10 2.92 2.78 2.68 2.58 2.48 2.39 2.33
3.44 3.35 3.21 3.11 2.93 2.79 2.69 2.59 2.49 2.40 2.34
3.45 3.36 3.22 3.12 2.93 2.80 2.70 2.60 2.50 2.41 2.35
3.45 3.36 3.22 3.12 2.94 2.80 2.71 2.61 2.51 2.42 2.36
3.46 3.37 3.23 3.13 2.95 2.81 2.72 2.62 2.52 2.43 2.37
3.46 3.38 3.24 3.14 2.95 2.82 2.73 2.62 2.53 2.44 2.38
3.47 3.38 3.24 3.14 2.96 2.83 2.74 2.63 2.54 2.45 2.39
3.48 3.39 3.25 3.15 2.97 2.84 2.74 2.64 2.55 2.46 2.40
3.48 3.39 3.25 3.16 2.98 2.84 2.75 2.65 2.56 2.47 2.41
3.49 3.40 3.26 3.16 2.98 2.85 2.76 2.66 2.56 2.48 2.42
3.50 3.40 3.26 3.16 2.99 2.86 2.77 2.67 2.57 2.49 2.43
3.50 3.41 3.27 3.17 3.00 2.86 2.77 2.68 2.58 2.49 2.44
3.51 3.42 3.27 3.17 3.00 2.87 2.78 2.68 2.59 2.50 2.45
3.51 3.42 3.28 3.18 3.01 2.88 2.79 2.69 2.59 2.50 2.46
3.52 3.43 3.28 3.18 3.01 2.88 2.79 2.70 2.60 2.51 2.47
3.53 3.43 3.29 3.19 3.02 2.89 2.80 2.70 2.61 2.52 2.47
3.53 3.44 3.29 3.19 3.02 2.89 2.80 2.70 2.61 2.52 2.48
3.54 3.44 3.30 3.20 3.02 2.90 2.81 2.71 2.62 2.52 2.48
3.54 3.45 3.30 3.20 3.03 2.90 2.81 2.71 2.62 2.53 2.49
3.55 3.45 3.31 3.20 3.03 2.90 2.81 2.72 2.63 2.54 2.50
3.56 3.46 3.31 3.20 3.03 2.91 2.83 2.73 2.64 2.56 2.52
3.57 3.46 3.32 3.21 3.04 2.92 2.85 2.74 2.66 2.58 2.55
3.58 3.47 3.33 3.23 3.05 2.94 2.87 2.76 2.68 2.60 2.58
3.59 3.49 3.34 3.25 3.06 2.96 2.89 2.78 2.70 2.63 2.61
3.61 3.51 3.36 3.27 3.08 2.99 2.91 2.80 2.73 2.66 2.65
3.64 3.53 3.38 3.30 3.10 3.01 2.93 2.83 2.76 2.69 2.69
3.66 3.55 3.40 3.32 3.14 3.03 2.95 2.87 2.80 2.73 2.73
3.68 3.58 3.44 3.34 3.18 3.07 2.99 2.91 2.84 2.77 2.78
3.72 3.62 3.48 3.38 3.22 3.11 3.03 2.95 2.88 2.82 2.84
3.76 3.66 3.52 3.42 3.26 3.15 3.08 3.00 2.94 2.88 2.91
3.80 3.70 3.56 3.46 3.31 3.20 3.11 3.06 3.00 2.95 2.97
3.85 3.75 3.61 3.51 3.37 3.26 3.20 3.13 3.08 3.03 3.03
3.91 3.81 3.67 3.57 3.44 3.34 3.28 3.21 3.16 3.11 3.11
3.98 3.89 3.75 3.65 3.52 3.42 3.36 3.29 3.24 3.19 3.19
4.06 3.97 3.83 3.73 3.60 3.50 3.44 3.37 3.32 3.27 3.27
4.14 4.05 3.91 3.81 3.68 3.58 3.52 3.45 3.40 3.35 3.35
4.22 4.13 3.99 3.89 3.76 3.66 3.60 3.53 3.48 3.43 3.43
4.30 4.21 4.07 3.97 3.84 3.74 3.68 3.61 3.56 3.51 3.51
4.38 4.29 4.15 4.05 3.92 3.82 3.76 3.69 3.64 3.59 3.59
4.46 4.37 4.23 4.13 4.00 3.90 3.84 3.77 3.72 3.67 3.67
"""

#: Veith-Clawson (1972) Table 2, shape (101 distances, 11 depths), for peak-to-peak [nm].
VC72_Q_PEAK_TO_PEAK: FloatArray = np.array(
    [[float(v) for v in line.split()] for line in _VC72_TEXT.strip().splitlines()],
    dtype=np.float64,
)
VC72_Q_PEAK_TO_PEAK.setflags(write=False)
VC72_DISTANCES_DEG.setflags(write=False)
VC72_DEPTHS_KM.setflags(write=False)


def _f64(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def mb_q(distance_deg: ArrayLike, depth_km: ArrayLike) -> FloatArray:
    """IDC-style mb correction ``Q(Delta, h)`` for half peak-to-peak amplitudes.

    ``mb = log10(A [nm] / T [s]) + mb_q(Delta, h)`` with A the half peak-to-peak P amplitude
    (0.8-4.5 Hz, vertical, ground displacement). ``Q`` is Veith & Clawson (1972) Table 2
    interpolated bilinearly in distance [deg] and depth [km], plus ``log10(2)`` because VC72
    is calibrated for peak-to-peak amplitudes. The table covers 0-100 deg (the IDC uses
    20-100 deg; values below 20 deg exist but are poorly constrained); NaN beyond 100 deg
    or below 0 deg. Depth is clipped to 0-800 km.
    """
    d = _f64(distance_deg)
    h = np.clip(_f64(depth_km), VC72_DEPTHS_KM[0], VC72_DEPTHS_KM[-1])
    d, h = np.broadcast_arrays(d, h)
    valid = (d >= VC72_DISTANCES_DEG[0]) & (d <= VC72_DISTANCES_DEG[-1]) & np.isfinite(h)
    dc = np.where(valid, d, 0.0)
    hc = np.where(valid, h, 0.0)
    i = np.clip(np.searchsorted(VC72_DISTANCES_DEG, dc, side="right") - 1, 0, 99)
    j = np.clip(np.searchsorted(VC72_DEPTHS_KM, hc, side="right") - 1, 0, 9)
    d0, d1 = VC72_DISTANCES_DEG[i], VC72_DISTANCES_DEG[i + 1]
    h0, h1 = VC72_DEPTHS_KM[j], VC72_DEPTHS_KM[j + 1]
    u = (dc - d0) / (d1 - d0)
    v = (hc - h0) / (h1 - h0)
    q = VC72_Q_PEAK_TO_PEAK
    val = (
        (1 - u) * (1 - v) * q[i, j]
        + u * (1 - v) * q[i + 1, j]
        + (1 - u) * v * q[i, j + 1]
        + u * v * q[i + 1, j + 1]
    )
    out = np.where(valid, val + MB_HALF_PEAK_TO_PEAK_CORRECTION, np.nan)
    return np.asarray(out, dtype=np.float64)


def mb_from_amplitude(
    amplitude_nm: ArrayLike, period_s: ArrayLike, distance_deg: ArrayLike, depth_km: ArrayLike
) -> FloatArray:
    """mb from half peak-to-peak amplitude [nm], period [s], distance [deg], depth [km]."""
    a = _f64(amplitude_nm)
    t = _f64(period_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        logat = np.where((a > 0) & (t > 0), np.log10(a / t), np.nan)
    return np.asarray(logat + mb_q(distance_deg, depth_km), dtype=np.float64)


def amplitude_for_mb(
    mb: ArrayLike, distance_deg: ArrayLike, depth_km: ArrayLike, period_s: ArrayLike = 1.0
) -> FloatArray:
    """Half peak-to-peak P ground-displacement amplitude [nm] giving ``mb``.

    Inverse of :func:`mb_from_amplitude`: ``T * 10 ** (mb - mb_q(Delta, h))``, with the
    period ``T`` [s] (about 1 s for short-period P). NaN where :func:`mb_q` is (beyond
    100 deg).
    """
    return np.asarray(
        _f64(period_s) * np.power(10.0, _f64(mb) - mb_q(distance_deg, depth_km)),
        dtype=np.float64,
    )
