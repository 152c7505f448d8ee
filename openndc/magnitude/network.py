"""Network magnitudes: a robust average of station magnitudes with outlier rejection.

Rule (configurable in :class:`~openndc.magnitude.config.NetworkAverageConfig`): with at
least three station magnitudes, a value is rejected (``used=False``) when it lies further
from the median than ``max(outlier_k * 1.4826 * MAD, outlier_min_deviation)``; the test is
repeated on the kept values until nothing more is rejected. The network value is the
median (default), mean or trimmed mean of the kept values; its ``uncertainty`` is the
scaled MAD (median) or the sample standard deviation (mean, trimmed mean) of the kept
values, NaN for a single station.

The IDC's maximum-likelihood mb (which also uses the noise levels of non-detecting
stations) is not implemented.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from openndc.magnitude.config import NetworkAverageConfig
from openndc.model.event import MagnitudeType, NetworkMagnitude, StationMagnitude
from openndc.model.provenance import Provenance

__all__ = ["MAD_SCALE", "network_magnitude", "robust_average", "scaled_mad"]

#: 1.4826 * MAD estimates the standard deviation of Gaussian data.
MAD_SCALE = 1.4826


def scaled_mad(values: npt.ArrayLike) -> float:
    """1.4826 × median absolute deviation from the median (NaN when empty)."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return math.nan
    return float(MAD_SCALE * np.median(np.abs(v - np.median(v))))


def _outliers(values: np.ndarray, config: NetworkAverageConfig) -> np.ndarray:
    """Boolean mask of rejected values (iterated until stable)."""
    rejected = np.zeros(values.shape, dtype=bool)
    while True:
        kept = values[~rejected]
        if kept.size < 3:
            return rejected
        med = float(np.median(kept))
        limit = max(config.outlier_k * scaled_mad(kept), config.outlier_min_deviation)
        new = ~rejected & (np.abs(values - med) > limit)
        if not new.any():
            return rejected
        rejected |= new


def _trimmed_mean(values: np.ndarray, fraction: float) -> float:
    v = np.sort(values)
    k = math.floor(fraction * v.size)
    if v.size - 2 * k < 1:
        k = (v.size - 1) // 2
    return float(np.mean(v[k : v.size - k]))


def robust_average(
    values: npt.ArrayLike, config: NetworkAverageConfig | None = None
) -> tuple[float, float, np.ndarray]:
    """Robust average of magnitudes.

    Returns ``(value, uncertainty, used)`` where ``used`` is a boolean mask over ``values``
    (False: rejected outlier). NaN value when ``values`` is empty.
    """
    config = config or NetworkAverageConfig()
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return math.nan, math.nan, np.zeros(0, dtype=bool)
    used = ~_outliers(v, config)
    kept = v[used]
    if config.method == "median":
        value = float(np.median(kept))
        spread = scaled_mad(kept) if kept.size > 1 else math.nan
    else:
        if config.method == "mean":
            value = float(np.mean(kept))
        else:
            value = _trimmed_mean(kept, config.trim_fraction)
        spread = float(np.std(kept, ddof=1)) if kept.size > 1 else math.nan
    return value, spread, used


def _method_text(config: NetworkAverageConfig) -> str:
    avg = {
        "median": "median, spread 1.4826*MAD",
        "mean": "mean, spread standard deviation",
        "trimmed_mean": f"{config.trim_fraction:.3g}-trimmed mean, spread standard deviation",
    }[config.method]
    return (
        f"{avg}; outliers beyond max({config.outlier_k:g}*1.4826*MAD, "
        f"{config.outlier_min_deviation:g}) from the median rejected"
    )


def network_magnitude(
    station_magnitudes: Sequence[StationMagnitude],
    magnitude_type: MagnitudeType,
    config: NetworkAverageConfig | None = None,
    provenance: Provenance | None = None,
) -> NetworkMagnitude | None:
    """Network magnitude of one type from its station magnitudes.

    Station magnitudes of other types or with non-finite values are ignored. Returns None
    when fewer than ``config.min_stations`` station magnitudes remain after outlier
    rejection. The returned station magnitudes carry ``used`` flags (False: outlier).
    """
    config = config or NetworkAverageConfig()
    sms = [
        s
        for s in station_magnitudes
        if s.magnitude_type == magnitude_type and math.isfinite(s.value)
    ]
    if not sms:
        return None
    value, spread, used = robust_average([s.value for s in sms], config)
    n_used = int(used.sum())
    if n_used < max(config.min_stations, 1):
        return None
    flagged = tuple(replace(s, used=bool(u)) for s, u in zip(sms, used, strict=True))
    return NetworkMagnitude(
        magnitude_type=magnitude_type,
        value=value,
        uncertainty=spread,
        n_stations=n_used,
        method=_method_text(config),
        station_magnitudes=flagged,
        provenance=provenance,
    )
