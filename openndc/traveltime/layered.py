"""Travel times in a flat, horizontally layered model (local networks).

A plain, vectorised reference implementation for local and near-regional distances
(< ~200 km), where the Earth's curvature is negligible. The model is a stack of
constant-velocity layers given by their tops [km] and P and S velocities [km/s]; the last
layer is a half-space. The receiver is at the surface (depth 0); station elevation is left
to the caller.

Phases (same names as the global tables, so a locator can use either):

- ``Pg`` / ``Sg``: the direct wave, found exactly by solving ``X(p) = x`` for the ray
  parameter ``p`` by bisection (the time is evaluated as ``tau(p) + p x``, which is
  stationary in ``p`` so the result is accurate to second order in the bisection error);
- ``Pn`` / ``Sn``: the head wave along the top of the half-space (the "Moho");
- ``P`` / ``S``: the first arrival among the direct wave and the head waves along every
  interface whose velocity exceeds all velocities above it.

Distances are in [deg] (converted with :data:`openndc.model.geodesy.DEG_KM`) so that an
instance is a drop-in replacement for :class:`openndc.traveltime.TravelTimes`:
:meth:`LayeredModel.time`, :meth:`LayeredModel.derivatives` and
:meth:`LayeredModel.first_arrival` have the same signatures and units.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from openndc.model.errors import ConfigError
from openndc.model.geodesy import DEG_KM
from openndc.traveltime.tables import PhaseTable, TravelTimes

__all__ = ["LayeredModel"]

FloatArray = npt.NDArray[np.float64]

_DIRECT = {"Pg": "P", "Sg": "S"}
_HEAD = {"Pn": "P", "Sn": "S"}
_FIRST = {"P": "P", "S": "S"}
_BISECTIONS = 60


class LayeredModel:
    """A flat layered velocity model with P and S velocities.

    ``tops_km`` are the depths of the layer tops [km], starting at 0 and increasing;
    ``vp`` and ``vs`` the layer velocities [km/s]. The last layer extends to infinity.
    ``vs`` may be omitted and ``vp_vs`` given instead (constant ratio, as hypoDD's model 0).
    """

    phases: tuple[str, ...] = ("P", "Pg", "Pn", "S", "Sg", "Sn")

    def __init__(
        self,
        tops_km: Sequence[float] | npt.ArrayLike,
        vp: Sequence[float] | npt.ArrayLike,
        vs: Sequence[float] | npt.ArrayLike | None = None,
        *,
        vp_vs: float | None = None,
        name: str = "layered",
    ) -> None:
        tops = np.asarray(tops_km, dtype=np.float64)
        vpa = np.asarray(vp, dtype=np.float64)
        if vs is None:
            if vp_vs is None:
                raise ValueError("give either vs or vp_vs")
            vsa = vpa / float(vp_vs)
        else:
            vsa = np.asarray(vs, dtype=np.float64)
        if tops.ndim != 1 or tops.size == 0 or tops.shape != vpa.shape or vpa.shape != vsa.shape:
            raise ValueError(
                f"tops, vp and vs must be 1-D of equal length, got {tops.shape}, "
                f"{vpa.shape}, {vsa.shape}"
            )
        if tops[0] != 0.0 or np.any(np.diff(tops) <= 0):
            raise ValueError(f"layer tops must start at 0 km and increase, got {tops.tolist()}")
        if np.any(vpa <= 0) or np.any(vsa <= 0):
            raise ValueError("velocities must be positive")
        self.tops_km = tops
        self.vp = vpa
        self.vs = vsa
        self.name = name

    @property
    def model(self) -> str:
        """Model name (as :attr:`openndc.traveltime.TravelTimes.model`)."""
        return self.name

    @property
    def max_depth(self) -> float:
        """Deepest source depth [km] the model accepts (a half-space: unbounded)."""
        return float("inf")

    def __repr__(self) -> str:
        return f"LayeredModel({self.name!r}, {self.tops_km.size} layers)"

    # ------------------------------------------------------------------ public API
    def time(self, phase: str, distance_deg: npt.ArrayLike, depth_km: npt.ArrayLike) -> FloatArray:
        """Travel time [s] of ``phase``; NaN where it does not exist.

        An unknown phase name raises :class:`~openndc.model.errors.ConfigError`, as
        :class:`openndc.traveltime.TravelTimes` does.
        """
        return self.derivatives(phase, distance_deg, depth_km)[0]

    def derivatives(
        self, phase: str, distance_deg: npt.ArrayLike, depth_km: npt.ArrayLike
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``(t [s], dt/dDelta [s/deg], dt/dh [s/km])`` of ``phase``; NaN where absent."""
        d, z = np.broadcast_arrays(
            np.asarray(distance_deg, dtype=np.float64), np.asarray(depth_km, dtype=np.float64)
        )
        shape = d.shape
        x = np.abs(d.ravel()) * DEG_KM
        zz = np.clip(z.ravel(), 0.0, None)
        if phase in _DIRECT:
            t, p, q = self._direct(x, zz, self._velocities(_DIRECT[phase]))
        elif phase in _HEAD:
            v = self._velocities(_HEAD[phase])
            t, p, q = self._head(x, zz, v, v.size - 1)
        elif phase in _FIRST:
            t, p, q, _ = self._first(x, zz, _FIRST[phase])
        else:
            raise ConfigError(
                f"layered model {self.name!r} has no phase {phase!r}; "
                f"known phases: {', '.join(self.phases)}"
            )
        return t.reshape(shape), (p * DEG_KM).reshape(shape), q.reshape(shape)

    def first_arrival(
        self, distance_deg: npt.ArrayLike, depth_km: npt.ArrayLike, kind: str = "P"
    ) -> tuple[FloatArray, npt.NDArray[np.str_]]:
        """Time [s] and name (``Pg``/``Pn``/``Pb<i>``...) of the first P or S arrival."""
        if kind not in ("P", "S"):
            raise ValueError(f"kind must be 'P' or 'S', got {kind!r}")
        d, z = np.broadcast_arrays(
            np.asarray(distance_deg, dtype=np.float64), np.asarray(depth_km, dtype=np.float64)
        )
        x = np.abs(d.ravel()) * DEG_KM
        zz = np.clip(z.ravel(), 0.0, None)
        t, _, _, names = self._first(x, zz, kind)
        return t.reshape(d.shape), names.reshape(d.shape)

    def tabulate(
        self,
        max_distance_km: float = 200.0,
        max_depth_km: float = 40.0,
        distance_step_km: float = 0.5,
        depth_step_km: float = 0.25,
    ) -> TravelTimes:
        """The model's phases as precomputed tables (:class:`openndc.traveltime.TravelTimes`).

        Lookups are then bilinear interpolations (fast, for locating many events); the
        exact values at the grid nodes come from this class. Interpolation error is below
        ~1 ms for the default steps except at the kinks where head waves overtake.
        """
        dist_km = np.arange(0.0, max_distance_km + distance_step_km / 2, distance_step_km)
        depths = np.arange(0.0, max_depth_km + depth_step_km / 2, depth_step_km)
        dd = dist_km / DEG_KM
        dg, zg = np.meshgrid(dd, depths, indexing="ij")
        x = dg.ravel() * DEG_KM
        z = zg.ravel()
        tables = {}
        for kind in ("P", "S"):
            v = self._velocities(kind)
            direct = self._direct(x, z, v)
            head = self._head(x, z, v, v.size - 1)
            first = self._first(x, z, kind, direct)[:3]
            for ph, (t, p, q) in ((kind, first), (f"{kind}g", direct), (f"{kind}n", head)):
                tables[ph] = PhaseTable(
                    ph, dd, depths, t.reshape(dg.shape), (p * DEG_KM).reshape(dg.shape),
                    q.reshape(dg.shape),
                )  # fmt: skip
        return TravelTimes(self.name, tables, f"flat layered model {self.name}, tabulated")

    # ------------------------------------------------------------------ kernels
    def _velocities(self, kind: str) -> FloatArray:
        return self.vp if kind == "P" else self.vs

    def _segments(self, z: FloatArray) -> FloatArray:
        """Thickness [km] of each layer above depth ``z``, shape (n, layers)."""
        bottoms = np.append(self.tops_km[1:], np.inf)
        return np.clip(np.minimum(z[:, None], bottoms[None, :]) - self.tops_km[None, :], 0.0, None)

    def _source_layer(self, z: FloatArray) -> npt.NDArray[np.intp]:
        return np.searchsorted(self.tops_km, z, side="right") - 1

    def _direct(
        self, x: FloatArray, z: FloatArray, v: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Direct wave: time [s], ray parameter [s/km], dt/dz [s/km]."""
        seg = self._segments(z)
        k = self._source_layer(z)
        vmax = np.maximum.accumulate(v)[k]
        pmax = 1.0 / vmax
        lo = np.zeros_like(x)
        hi = pmax.copy()
        for _ in range(_BISECTIONS):
            mid = 0.5 * (lo + hi)
            pv = mid[:, None] * v[None, :]
            xm = (seg * pv / np.sqrt(np.clip(1.0 - pv * pv, 1e-300, None))).sum(axis=1)
            short = xm < x
            lo = np.where(short, mid, lo)
            hi = np.where(short, hi, mid)
        p = lo
        tau = (seg * np.sqrt(np.clip(1.0 / v[None, :] ** 2 - p[:, None] ** 2, 0.0, None))).sum(1)
        t = tau + p * x
        q = np.sqrt(np.clip(1.0 / v[k] ** 2 - p**2, 0.0, None))
        return t, p, q

    def _head(
        self, x: FloatArray, z: FloatArray, v: FloatArray, j: int
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Head wave along the top of layer ``j``: time [s], ray parameter, dt/dz [s/km]."""
        nan = np.full_like(x, np.nan)
        if j < 1 or v[j] <= v[:j].max():
            return nan, nan.copy(), nan.copy()
        pj = 1.0 / v[j]
        tops = self.tops_km
        h = np.diff(tops)[:j]
        below = np.clip(tops[1 : j + 1][None, :] - np.maximum(z[:, None], tops[:j][None, :]), 0, h)
        w = h[None, :] + below  # up-going leg (full thickness) + down-going leg below the source
        eta = np.sqrt(1.0 / v[:j] ** 2 - pj**2)
        tau = (w * eta[None, :]).sum(axis=1)
        xcrit = (w * (pj / eta)[None, :]).sum(axis=1)
        ok = (z < tops[j]) & (x >= xcrit)
        k = self._source_layer(z)
        t = np.where(ok, tau + pj * x, np.nan)
        p = np.where(ok, pj, np.nan)
        q = np.where(ok, -np.sqrt(np.clip(1.0 / v[k] ** 2 - pj**2, 0.0, None)), np.nan)
        return t, p, q

    def _first(
        self,
        x: FloatArray,
        z: FloatArray,
        kind: str,
        direct: tuple[FloatArray, FloatArray, FloatArray] | None = None,
    ) -> tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[np.str_]]:
        v = self._velocities(kind)
        t, p, q = direct if direct is not None else self._direct(x, z, v)
        names = np.full(x.shape, f"{kind}g", dtype="<U8")
        last = v.size - 1
        for j in range(1, v.size):
            tj, pj, qj = self._head(x, z, v, j)
            better = np.isfinite(tj) & (tj < t)
            if not better.any():
                continue
            t = np.where(better, tj, t)
            p = np.where(better, pj, p)
            q = np.where(better, qj, q)
            names[better] = f"{kind}n" if j == last else f"{kind}b{j}"
        return t, p, q, names
