"""Planning the temporary seismic network of an on-site inspection (OSI).

**Layout.** The inspection area (at most 1000 km², CTBT Protocol, Part II) is taken
as a disc of the given area around the site; the stations stand inside it, on a hexagonal
(triangular) lattice centred on the site: the largest lattice spacing that puts at least
``stations`` points in the disc is used and the ``stations`` points nearest the centre
kept, so one station stands at the site and the rest in rings around it. The minimum
spacing is the lattice spacing (reported).

**Detectable magnitude.** A point of the area (source depth ``depth_km``) is detectable
down to the magnitude at which the S wave reaches ``snr`` times the noise at ``min_stations``
stations (the k-th best station). At one station at hypocentral distance R [km]:

    M_min = log10(snr * sigma_WA) + 1.11 log10(R) + 0.00189 R - 2.09

the IASPEI (2013) standard ML (:func:`openndc.magnitude.calibration.ml_log_a0`, an
expansion of Hutton & Boore 1987, BSSA 77, 2074-2094), with ``sigma_WA`` [nm] the RMS
ground noise seen through a Wood-Anderson seismograph of static magnification 1 (IASPEI:
0.8 s, damping 0.7) in the detection band ``[freq_min, freq_max]``:

    sigma_WA^2 = integral P_a(f) / (2 pi f)^4 |H_WA(f)|^2 df

``P_a`` is the acceleration noise PSD: Peterson's (1993, USGS Open-File Report 93-322) New
Low / New High Noise Models mixed in dB, ``NLNM + x (NHNM - NLNM)`` (``--noise 0.3``,
``nlnm``, ``nhnm``), or a flat velocity spectrum with a given RMS in the band
(``--noise 5nm/s``). The synthesizer (:mod:`openndc.scenario.noise`) draws its station noise
in the same way and calibrates its S waves with the same ML formula (the noise measured in a
synthetic archive against the plan's: docs/osi-field.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from obspy.signal.spectral_estimation import get_nhnm, get_nlnm

from openndc import __version__
from openndc.detection.amplitude import wood_anderson_response
from openndc.magnitude.calibration import ml_log_a0
from openndc.model.config import field_
from openndc.model.errors import ConfigError
from openndc.model.geodesy import DEG_KM
from openndc.model.inventory import ChannelInfo, MonitoringNetwork, Station
from openndc.model.provenance import Provenance

__all__ = [
    "MAX_INSPECTION_AREA_KM2",
    "NetworkPlan",
    "NoiseSpec",
    "PlanConfig",
    "detectable_magnitude",
    "hexagonal_layout",
    "noise_wa_rms",
    "parse_noise",
    "plan_network",
    "plot_plan",
    "to_east_north",
    "to_lat_lon",
]

#: Largest inspection area of the CTBT Protocol (Part II) [km²].
MAX_INSPECTION_AREA_KM2 = 1000.0

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PlanConfig:
    """How the temporary network is planned (module docstring: the models)."""

    stations: int = field_(30, help="number of stations")
    area_km2: float = field_(1000.0, unit="km2", help="inspection area (at most 1000 km2)")
    min_stations: int = field_(4, help="a point is detected when this many stations see it")
    noise: str = field_(
        "0.3",
        help="station noise: position between Peterson's NLNM (0) and NHNM (1) in dB, "
        "'nlnm', 'nhnm', or an RMS velocity in the band such as '5nm/s'",
    )
    freq_min: float = field_(2.0, unit="Hz", help="detection band, lower corner")
    freq_max: float = field_(20.0, unit="Hz", help="detection band, upper corner")
    snr: float = field_(3.0, help="peak S amplitude over the noise RMS needed at a station")
    depth_km: float = field_(0.5, unit="km", help="source depth of the detectability map")
    network_code: str = field_("XO", help="FDSN network code of the temporary network")
    sampling_rate: float = field_(100.0, unit="Hz", help="sampling rate of the channels")
    grid_step_km: float = field_(0.5, unit="km", help="spacing of the detectability grid")
    margin_km: float = field_(5.0, unit="km", help="map and grid beyond the area's edge")

    def __post_init__(self) -> None:
        if self.stations < 1:
            raise ConfigError(f"--stations {self.stations}: need at least one station")
        if not 0 < self.area_km2 <= MAX_INSPECTION_AREA_KM2:
            raise ConfigError(
                f"--area {self.area_km2:g} km2: an inspection area is 0-"
                f"{MAX_INSPECTION_AREA_KM2:g} km2 (CTBT Protocol, Part II)"
            )
        if not 1 <= self.min_stations <= self.stations:
            raise ConfigError(
                f"min_stations {self.min_stations}: must be between 1 and --stations "
                f"({self.stations})"
            )
        if not 0 < self.freq_min < self.freq_max < self.sampling_rate / 2:
            raise ConfigError(
                f"band {self.freq_min:g}-{self.freq_max:g} Hz: need 0 < fmin < fmax < "
                f"Nyquist ({self.sampling_rate / 2:g} Hz)"
            )
        if not self.snr > 0 or not self.grid_step_km > 0 or self.depth_km < 0:
            raise ConfigError("snr and grid_step_km must be positive, depth_km >= 0")
        parse_noise(self.noise)
        if not re.fullmatch(r"[A-Z0-9]{1,2}", self.network_code):
            raise ConfigError(f"network code {self.network_code!r}: 1-2 letters or digits")

    @property
    def radius_km(self) -> float:
        """Radius [km] of the disc of the inspection area."""
        return math.sqrt(self.area_km2 / math.pi)


# --- noise -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoiseSpec:
    """Station noise: ``kind`` ``peterson`` (``value`` the position between NLNM and NHNM in
    dB, 0-1) or ``velocity`` (``value`` the RMS ground velocity in the band [nm/s])."""

    kind: str
    value: float

    def describe(self) -> str:
        if self.kind == "velocity":
            return f"{self.value:g} nm/s RMS in the band"
        return f"Peterson (1993) NLNM + {self.value:g} x (NHNM - NLNM) [dB]"


def parse_noise(text: str) -> NoiseSpec:
    """``0.3`` / ``peterson:0.3`` / ``nlnm`` / ``nhnm`` / ``5nm/s`` → :class:`NoiseSpec`."""
    t = text.strip().lower()
    named = {"nlnm": 0.0, "nhnm": 1.0}
    if t in named:
        return NoiseSpec("peterson", named[t])
    m = re.fullmatch(r"(?:peterson:)?([0-9.]+)", t)
    if m:
        x = float(m.group(1))
        if not 0.0 <= x <= 1.0:
            raise ConfigError(f"--noise {text}: a Peterson position is between 0 and 1")
        return NoiseSpec("peterson", x)
    m = re.fullmatch(r"([0-9.eE+-]+)\s*nm/s", t)
    if m:
        try:
            v = float(m.group(1))
        except ValueError:
            v = math.nan
        if v > 0 and math.isfinite(v):
            return NoiseSpec("velocity", v)
    raise ConfigError(
        f"--noise {text!r}: give a position 0-1 between Peterson's NLNM and NHNM (e.g. 0.3), "
        "'nlnm', 'nhnm', or an RMS velocity such as '5nm/s'"
    )


def _peterson_psd(freqs: FloatArray, x: float) -> FloatArray:
    """Acceleration PSD [(m/s²)²/Hz] between NLNM (x=0) and NHNM (x=1) in dB."""
    p_lo, db_lo = get_nlnm()
    p_hi, db_hi = get_nhnm()
    logp = np.log10(1.0 / freqs)
    lo = np.interp(logp, np.log10(p_lo)[::-1], np.asarray(db_lo)[::-1])
    hi = np.interp(logp, np.log10(p_hi)[::-1], np.asarray(db_hi)[::-1])
    return np.asarray(10.0 ** ((lo + x * (hi - lo)) / 10.0))


def noise_wa_rms(spec: NoiseSpec, freq_min: float, freq_max: float) -> float:
    """RMS noise [nm] through a Wood-Anderson seismograph (magnification 1) in the band."""
    f = np.geomspace(freq_min, freq_max, 400)
    wa = np.abs(wood_anderson_response(f, 1.0)) ** 2
    w2 = (2.0 * np.pi * f) ** 2
    if spec.kind == "velocity":
        sv = (spec.value * 1e-9) ** 2 / (freq_max - freq_min)  # [(m/s)²/Hz], flat
        integrand = sv / w2 * wa
    else:
        integrand = _peterson_psd(f, spec.value) / w2**2 * wa
    var = float(np.sum(0.5 * (integrand[1:] + integrand[:-1]) * np.diff(f)))
    return math.sqrt(var) * 1e9


# --- geometry ----------------------------------------------------------------------------------


def to_east_north(
    latitude: npt.ArrayLike, longitude: npt.ArrayLike, lat0: float, lon0: float
) -> tuple[FloatArray, FloatArray]:
    """East and north [km] of points from (``lat0``, ``lon0``): a local tangent-plane
    (equirectangular) projection, accurate to metres over an inspection area."""
    lat = np.asarray(latitude, dtype=np.float64)
    lon = np.asarray(longitude, dtype=np.float64)
    east = (lon - lon0) * DEG_KM * math.cos(math.radians(lat0))
    return east, (lat - lat0) * DEG_KM


def to_lat_lon(
    east: npt.ArrayLike, north: npt.ArrayLike, lat0: float, lon0: float
) -> tuple[FloatArray, FloatArray]:
    """The inverse of :func:`to_east_north`: latitude and longitude [deg]."""
    e = np.asarray(east, dtype=np.float64)
    n = np.asarray(north, dtype=np.float64)
    return lat0 + n / DEG_KM, lon0 + e / (DEG_KM * math.cos(math.radians(lat0)))


def _hex_points(spacing: float, radius: float) -> FloatArray:
    m = math.ceil(radius / spacing) + 2
    i, j = np.meshgrid(np.arange(-m, m + 1), np.arange(-m, m + 1), indexing="ij")
    e = spacing * (i + 0.5 * j)
    n = spacing * (math.sqrt(3.0) / 2.0) * j
    pts = np.column_stack([e.ravel(), n.ravel()]).astype(np.float64)
    r = np.hypot(pts[:, 0], pts[:, 1])
    keep = r <= radius * (1 + 1e-9)
    pts, r = pts[keep], r[keep]
    order = np.lexsort((np.arctan2(pts[:, 1], pts[:, 0]), np.round(r, 9)))
    return pts[order]


def hexagonal_layout(n: int, radius_km: float) -> tuple[FloatArray, float]:
    """``n`` points (east, north [km]) of a hexagonal lattice in a disc of ``radius_km``,
    centre first, and the lattice spacing [km]: the largest spacing that fits ``n`` points
    (bisection), keeping the ``n`` nearest the centre."""
    if n == 1:
        return np.zeros((1, 2)), math.inf
    lo, hi = 1e-3, 2.0 * radius_km
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if len(_hex_points(mid, radius_km)) >= n:
            lo = mid
        else:
            hi = mid
    return _hex_points(lo, radius_km)[:n], lo


def detectable_magnitude(
    east_km: FloatArray,
    north_km: FloatArray,
    station_east_km: FloatArray,
    station_north_km: FloatArray,
    *,
    depth_km: float,
    noise_nm: FloatArray | float,
    snr: float,
    min_stations: int,
) -> FloatArray:
    """The smallest ML detectable at ``min_stations`` stations at each point (arrays of any
    shape) from stations at (east, north) [km] with noise ``noise_nm`` [nm] (WA RMS, one
    value or one per station); see the module docstring for the model."""
    e = np.asarray(east_km, dtype=np.float64)
    n = np.asarray(north_km, dtype=np.float64)
    se = np.asarray(station_east_km, dtype=np.float64)
    sn = np.asarray(station_north_km, dtype=np.float64)
    if not 1 <= min_stations <= len(se):
        raise ConfigError(f"min_stations {min_stations}: need 1..{len(se)} (the stations)")
    noise = np.broadcast_to(np.asarray(noise_nm, dtype=np.float64), se.shape)
    r = np.sqrt((e[..., None] - se) ** 2 + (n[..., None] - sn) ** 2 + max(depth_km, 0.01) ** 2)
    m = np.log10(snr * noise) + ml_log_a0(r)
    return np.asarray(np.sort(m, axis=-1)[..., min_stations - 1])


# --- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkPlan:
    """A planned network: the stations (``network``), their offsets [km] from the site, the
    lattice ``spacing_km`` and the smallest station separation ``min_separation_km``,
    ``noise_nm`` (WA RMS noise [nm]) and the detectability grid (``grid_east_km``,
    ``grid_north_km`` 1-D axes [km]; ``magnitude`` [north, east] the smallest ML detected
    at ``min_stations`` stations)."""

    latitude: float
    longitude: float
    config: PlanConfig
    network: MonitoringNetwork
    station_east_km: FloatArray
    station_north_km: FloatArray
    spacing_km: float
    min_separation_km: float
    noise_nm: float
    grid_east_km: FloatArray
    grid_north_km: FloatArray
    magnitude: FloatArray
    provenance: Provenance = field(compare=False, repr=False)

    def area_magnitudes(self) -> FloatArray:
        """Detectable magnitudes at the grid points inside the inspection area."""
        e, n = np.meshgrid(self.grid_east_km, self.grid_north_km)
        inside = np.hypot(e, n) <= self.config.radius_km
        return np.asarray(self.magnitude[inside])

    def table(self) -> pd.DataFrame:
        """One row per station: code, latitude/longitude [deg], east/north/distance from
        the site [km], and the magnitude detectable at ``min_stations`` stations there."""
        rows = []
        e, n = self.station_east_km, self.station_north_km
        here = detectable_magnitude(
            e, n, e, n, depth_km=self.config.depth_km, noise_nm=self.noise_nm,
            snr=self.config.snr, min_stations=self.config.min_stations,
        )  # fmt: skip
        for i, st in enumerate(self.network.stations):
            rows.append(
                {
                    "station": f"{st.network}.{st.code}",
                    "latitude": round(st.latitude, 5),
                    "longitude": round(st.longitude, 5),
                    "east_km": round(float(e[i]), 2),
                    "north_km": round(float(n[i]), 2),
                    "distance_km": round(float(math.hypot(e[i], n[i])), 2),
                    "ml_detectable": round(float(here[i]), 2),
                }
            )
        return pd.DataFrame(rows)

    def summary(self) -> dict[str, float]:
        """Numbers of the plan: area, radius, spacing, noise and the detectable ML over the
        area (min, median, 90th percentile, max)."""
        m = self.area_magnitudes()
        return {
            "stations": float(len(self.network.stations)),
            "area_km2": self.config.area_km2,
            "radius_km": self.config.radius_km,
            "spacing_km": self.spacing_km,
            "min_separation_km": self.min_separation_km,
            "noise_wa_nm": self.noise_nm,
            "ml_min": float(np.min(m)),
            "ml_median": float(np.median(m)),
            "ml_p90": float(np.percentile(m, 90)),
            "ml_max": float(np.max(m)),
        }


def _band_code(rate: float) -> str:
    """SEED band code of a short-period sensor at ``rate`` [Hz] (SEED manual, Appendix A)."""
    if rate >= 250.0:
        return "C"
    if rate >= 80.0:
        return "E"
    return "S"


def _stations(code: str, lat: FloatArray, lon: FloatArray, rate: float) -> tuple[Station, ...]:
    """The planned stations ``OS001``, ``OS002``, ...: three digits, so that OpenNDC's
    generic array rule (a prefix and 1-2 digits, :mod:`openndc.inventory.arrays`) does not
    take the temporary network for an array when its StationXML is read back."""
    if len(lat) > 999:
        raise ConfigError(f"{len(lat)} stations: at most 999")
    band = _band_code(rate)
    chans = (
        ChannelInfo(f"{band}HZ", "", rate, 0.0, -90.0),
        ChannelInfo(f"{band}HN", "", rate, 0.0, 0.0),
        ChannelInfo(f"{band}HE", "", rate, 90.0, 0.0),
    )
    return tuple(
        Station(
            network=code,
            code=f"OS{i + 1:03d}",
            latitude=round(float(lat[i]), 6),
            longitude=round(float(lon[i]), 6),
            channels=chans,
            description="OSI temporary station (planned)",
            source="openndc osi plan",
        )
        for i in range(len(lat))
    )


def plan_network(
    latitude: float, longitude: float, config: PlanConfig | None = None
) -> NetworkPlan:
    """Plan the temporary network around the site (``latitude``, ``longitude`` [deg])."""
    cfg = config or PlanConfig()
    if not -90 <= latitude <= 90 or not -180 <= longitude <= 360:
        raise ConfigError(f"--site {latitude},{longitude}: latitude -90..90, longitude -180..360")
    radius = cfg.radius_km
    pts, spacing = hexagonal_layout(cfg.stations, radius)
    se, sn = pts[:, 0], pts[:, 1]
    lat, lon = to_lat_lon(se, sn, latitude, longitude)
    net = MonitoringNetwork(
        name=f"OSI {latitude:.3f},{longitude:.3f}",
        stations=_stations(cfg.network_code, lat, lon, cfg.sampling_rate),
        source="openndc osi plan",
    )
    if len(se) > 1:
        d = np.hypot(se[:, None] - se, sn[:, None] - sn)
        min_sep = float(d[~np.eye(len(se), dtype=bool)].min())
    else:
        min_sep = math.inf
    noise = noise_wa_rms(parse_noise(cfg.noise), cfg.freq_min, cfg.freq_max)
    half = radius + cfg.margin_km
    axis = np.arange(-half, half + 1e-9, cfg.grid_step_km)
    ge, gn = np.meshgrid(axis, axis)
    mag = detectable_magnitude(
        ge, gn, se, sn, depth_km=cfg.depth_km, noise_nm=noise, snr=cfg.snr,
        min_stations=cfg.min_stations,
    )  # fmt: skip
    prov = Provenance(
        method="openndc.osi.plan: hexagonal layout; IASPEI ML attenuation with Peterson noise",
        software_version=__version__,
        parameters={**asdict(cfg), "latitude": latitude, "longitude": longitude},
    )
    return NetworkPlan(
        latitude, longitude, cfg, net, se, sn, spacing, min_sep, noise, axis, axis, mag, prov
    )


def plot_plan(plan: NetworkPlan, path: str | Path, title: str = "") -> Path:
    """The plan's map: the inspection area, the stations and contours of the smallest ML
    detected at ``min_stations`` stations (PNG/PDF/SVG by extension)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from openndc.plots import draw_map

    cfg = plan.config
    lat0, lon0 = plan.latitude, plan.longitude
    glat, glon = to_lat_lon(plan.grid_east_km, plan.grid_north_km, lat0, lon0)
    extent = (float(glon[0]), float(glon[-1]), float(glat[0]), float(glat[-1]))
    fig, ax = plt.subplots(figsize=(8, 7), constrained_layout=True)
    draw_map(ax, extent)
    m = plan.magnitude
    lo_m, hi_m = math.floor(np.nanmin(m) * 10) / 10, math.ceil(np.nanmax(m) * 10) / 10
    levels = np.arange(lo_m, hi_m + 0.1, 0.1)
    cs = ax.contourf(glon, glat, m, levels=levels, cmap="viridis_r", alpha=0.75)
    lines = ax.contour(glon, glat, m, levels=levels[::2], colors="k", linewidths=0.4)
    ax.clabel(lines, fmt="%.1f", fontsize=7)
    fig.colorbar(
        cs, ax=ax, shrink=0.8, label=f"smallest ML detected at {cfg.min_stations} stations"
    )
    theta = np.linspace(0, 2 * np.pi, 361)
    clat, clon = to_lat_lon(
        cfg.radius_km * np.cos(theta), cfg.radius_km * np.sin(theta), lat0, lon0
    )
    ax.plot(clon, clat, color="tab:red", lw=1.5, label=f"inspection area {cfg.area_km2:g} km²")
    st = plan.network.stations
    ax.scatter(
        [s.longitude for s in st], [s.latitude for s in st], marker="^", s=50,
        color="white", edgecolor="k", zorder=4, label=f"{len(st)} stations",
    )  # fmt: skip
    for sta in st:
        ax.annotate(sta.code, (sta.longitude, sta.latitude), fontsize=6, xytext=(3, 3),
                    textcoords="offset points")  # fmt: skip
    ax.scatter([lon0], [lat0], marker="*", s=180, color="tab:red", edgecolor="k", zorder=5,
               label="site")  # fmt: skip
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    summ = plan.summary()
    ax.set_title(
        title
        or f"OSI network plan: {len(st)} stations, spacing {plan.spacing_km:.1f} km; "
        f"ML detectable {summ['ml_min']:.1f} to {summ['ml_max']:.1f} in the area"
    )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
