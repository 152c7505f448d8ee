"""Calibration of the regional P/S discriminant: the earthquake population per station.

For one station (``"NET.STA"``, or ``"*"`` for a generic calibration used where a station
has none) and one ratio (e.g. ``"Pn/Lg"``), the earthquake population of the band vector
``x = log10(P/S)`` at epicentral distance ``d`` is modelled as

    x ~ N(a + b * log10(d / d_ref), C)

with an intercept ``a`` and a distance slope ``b`` per band (the distance correction) and a
band-by-band covariance ``C``, fitted to reference earthquakes
(:func:`fit_ratio_calibration`). Reference explosions, when given, set the explosion
population's mean residual ``delta`` (same covariance), which the screening test needs to
call an event *inconsistent with explosions*.

The covariance is shrunk towards its diagonal (weight ``shrinkage``) and each standard
deviation floored at ``min_sigma`` so that a handful of events gives a usable, invertible
matrix. The slope is fitted only when the earthquakes span at least a factor 1.5 in
distance and number at least 6; otherwise it is 0 (no distance correction).

Calibrations are stored as JSON (:func:`save_calibration`, :func:`load_calibration`);
:func:`default_calibration` is the generic P/S calibration shipped with OpenNDC, fitted on
the Scandinavian earthquakes and mining explosions of Shumway & Stoffer (``eqexp``, NORESS,
ARCESS and FINESS 1991-92; see ``benchmarks/bench_screening.py`` and docs/screening.md).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from openndc.model.errors import ConfigError

__all__ = [
    "DEFAULT_CALIBRATION",
    "Calibration",
    "RatioCalibration",
    "default_calibration",
    "fit_ratio_calibration",
    "load_calibration",
    "save_calibration",
]

FloatArray = npt.NDArray[np.float64]

#: The generic calibration shipped with the package.
DEFAULT_CALIBRATION = Path(__file__).resolve().parent / "data" / "regional_ps_generic.json"


@dataclass(frozen=True, slots=True)
class RatioCalibration:
    """The earthquake (and explosion) population of one station's ratio in several bands."""

    station: str
    ratio: str
    bands_hz: tuple[tuple[float, float], ...]
    reference_distance_km: float
    intercept: tuple[float, ...]
    slope: tuple[float, ...]
    covariance: tuple[tuple[float, ...], ...]
    n_earthquakes: int
    explosion_offset: tuple[float, ...] | None = None
    n_explosions: int = 0
    source: str = ""

    @property
    def generic(self) -> bool:
        return self.station == "*"

    def band_index(self, band: tuple[float, float]) -> int | None:
        for i, b in enumerate(self.bands_hz):
            if math.isclose(b[0], band[0]) and math.isclose(b[1], band[1]):
                return i
        return None

    def predict(self, distance_km: float) -> FloatArray:
        """The earthquake population's mean log10 ratio per band at a distance [km]."""
        lg = math.log10(max(distance_km, 1.0) / self.reference_distance_km)
        return np.asarray(self.intercept) + np.asarray(self.slope) * lg

    @property
    def cov(self) -> FloatArray:
        return np.asarray(self.covariance, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Calibration:
    """All ratio calibrations; station-specific entries take precedence over generic."""

    entries: tuple[RatioCalibration, ...] = ()
    source: str = ""

    def find(self, station: str, ratio: str) -> RatioCalibration | None:
        generic = None
        for e in self.entries:
            if e.ratio != ratio:
                continue
            if e.station == station:
                return e
            if e.generic:
                generic = e
        return generic


def fit_ratio_calibration(
    features: npt.ArrayLike,
    distances_km: npt.ArrayLike,
    is_explosion: npt.ArrayLike,
    *,
    station: str,
    ratio: str,
    bands_hz: Sequence[tuple[float, float]],
    reference_distance_km: float = 500.0,
    shrinkage: float = 0.3,
    min_sigma: float = 0.08,
    source: str = "",
) -> RatioCalibration:
    """Fit the populations from reference events.

    ``features`` is ``(n_events, n_bands)`` log10 ratios (NaN where not measured; such
    events are left out), ``distances_km`` their distances, ``is_explosion`` their labels.
    At least 3 earthquakes are needed.
    """
    x = np.asarray(features, dtype=np.float64)
    d = np.asarray(distances_km, dtype=np.float64)
    expl = np.asarray(is_explosion, dtype=bool)
    if x.ndim != 2 or x.shape[1] != len(bands_hz) or len(d) != len(x) or len(expl) != len(x):
        raise ConfigError(
            f"calibration of {station} {ratio}: features must be (n_events, {len(bands_hz)}) "
            "with one distance and one label per event"
        )
    ok = np.all(np.isfinite(x), axis=1) & np.isfinite(d) & (d > 0)
    eq = ok & ~expl
    ex = ok & expl
    n_eq = int(eq.sum())
    if n_eq < 3:
        raise ConfigError(
            f"calibration of {station} {ratio}: {n_eq} usable reference earthquakes; "
            "give at least 3"
        )
    lg = np.log10(d / reference_distance_km)
    xe, le = x[eq], lg[eq]
    span = float(np.ptp(le)) if n_eq else 0.0
    if n_eq >= 6 and span >= math.log10(1.5):
        design = np.column_stack([np.ones(n_eq), le])
        coef, *_ = np.linalg.lstsq(design, xe, rcond=None)
        intercept, slope = coef[0], coef[1]
    else:
        intercept, slope = xe.mean(axis=0), np.zeros(x.shape[1])
    resid = xe - (intercept + np.outer(le, slope))
    dof = max(n_eq - (2 if np.any(slope) else 1), 1)
    sample = resid.T @ resid / dof
    sd = np.maximum(np.sqrt(np.diag(sample)), min_sigma)
    corr = sample / np.outer(np.sqrt(np.diag(sample)) + 1e-12, np.sqrt(np.diag(sample)) + 1e-12)
    corr = (1.0 - shrinkage) * corr + shrinkage * np.eye(len(sd))
    cov = corr * np.outer(sd, sd)
    offset = None
    if ex.sum() >= 1:
        rx = x[ex] - (intercept + np.outer(lg[ex], slope))
        offset = tuple(float(v) for v in rx.mean(axis=0))
    return RatioCalibration(
        station=station,
        ratio=ratio,
        bands_hz=tuple((float(a), float(b)) for a, b in bands_hz),
        reference_distance_km=float(reference_distance_km),
        intercept=tuple(float(v) for v in intercept),
        slope=tuple(float(v) for v in slope),
        covariance=tuple(tuple(float(v) for v in row) for row in cov),
        n_earthquakes=n_eq,
        explosion_offset=offset,
        n_explosions=int(ex.sum()),
        source=source,
    )


def save_calibration(calibration: Calibration, path: str | Path) -> None:
    """Write a calibration as JSON."""
    data = {
        "source": calibration.source,
        "entries": [
            {
                "station": e.station,
                "ratio": e.ratio,
                "bands_hz": [list(b) for b in e.bands_hz],
                "reference_distance_km": e.reference_distance_km,
                "intercept": list(e.intercept),
                "slope": list(e.slope),
                "covariance": [list(r) for r in e.covariance],
                "n_earthquakes": e.n_earthquakes,
                "explosion_offset": None
                if e.explosion_offset is None
                else list(e.explosion_offset),
                "n_explosions": e.n_explosions,
                "source": e.source,
            }
            for e in calibration.entries
        ],
    }
    Path(path).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def load_calibration(path: str | Path) -> Calibration:
    """Read a JSON calibration written by :func:`save_calibration`."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        entries = tuple(
            RatioCalibration(
                station=str(e["station"]),
                ratio=str(e["ratio"]),
                bands_hz=tuple((float(a), float(b)) for a, b in e["bands_hz"]),
                reference_distance_km=float(e["reference_distance_km"]),
                intercept=tuple(float(v) for v in e["intercept"]),
                slope=tuple(float(v) for v in e["slope"]),
                covariance=tuple(tuple(float(v) for v in r) for r in e["covariance"]),
                n_earthquakes=int(e["n_earthquakes"]),
                explosion_offset=None
                if e.get("explosion_offset") is None
                else tuple(float(v) for v in e["explosion_offset"]),
                n_explosions=int(e.get("n_explosions", 0)),
                source=str(e.get("source", "")),
            )
            for e in data["entries"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{p}: cannot read the screening calibration ({exc}); write one with "
            "openndc.screening.calibration.save_calibration"
        ) from exc
    return Calibration(entries=entries, source=str(data.get("source", p.name)))


def default_calibration() -> Calibration:
    """The generic P/S calibration shipped with OpenNDC (see the module docstring)."""
    return load_calibration(DEFAULT_CALIBRATION)
