"""A synthetic day of waveforms for the detection-stage benchmark (SDS miniSEED + StationXML).

132 channels at 40 Hz: six 9-element short-period arrays (SHZ; real geometry of MKAR, BVAR,
KURK (9 of its 20 elements), ARCES, FINES (inner A/B rings) and SPITS) and 26 three-component
stations (BHZ/BHN/BHE) at real IMS sites in and around Kazakhstan. Content: coloured noise
(microseism peak + a red high-frequency part, a different level per site) and ~150 events a
day at random times, epicentres 2-90 deg from central Kazakhstan, P then S at ak135 travel
times (a coarse TauP table computed once and cached), plane waves across the arrays with the
right back-azimuth and ray parameter, magnitude- and distance-dependent amplitudes. Counts
are int32, written as STEIM2 miniSEED into the SDS layout
``ROOT/YEAR/NET/STA/CHAN.D/NET.STA.LOC.CHAN.D.YEAR.DOY``. Everything is deterministic given the
seed. A ``manifest.json`` records the parameters; a second call with the same parameters
reuses the files.

Geometry comes from ``shared/data`` (``ims_site_tables/ims.site`` and
``kazakh_network_facts/stations.csv``; path from ``$OPENNDC_SHARED_DATA`` or
``../shared/data`` beside the checkout).

Usage::

    python benchmarks/synthetic_day.py --out benchmarks/out/day       # the whole day
    python benchmarks/synthetic_day.py --out /tmp/day --hours 2       # a quick run
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from obspy import Trace, UTCDateTime
from scipy.signal import butter, sosfilt

__all__ = [
    "DEFAULT_START",
    "GeneratedDay",
    "Layout",
    "Site",
    "SyntheticEvent",
    "TravelTimeTable",
    "build_layout",
    "generate_day",
    "make_events",
    "monitoring_network",
    "read_manifest",
    "shared_data_dir",
]

VERSION = 2  # bump when the content changes (invalidates cached days)
FS = 40.0  # [Hz]
NETWORK = "IM"
DEFAULT_START = UTCDateTime(2024, 3, 1)
CENTRE = (48.0, 72.0)  # [deg] lat, lon of central Kazakhstan: epicentre distances from here
EARTH_RADIUS_KM = 6371.0
DEG_KM = 2 * math.pi * EARTH_RADIUS_KM / 360.0

# Array elements (9 each). MKAR/BVAR/KURK from kazakh_network_facts/stations.csv (whose
# source is the IMS CSS3.0 tables); ARCES/FINES/SPITS from ims_site_tables/ims.site.
ARRAYS: dict[str, tuple[str, ...]] = {
    "MKAR": tuple(f"MK0{i}" for i in range(1, 10)),
    "BVAR": ("BVA1", "BVA2", "BVA3", "BVA4", "BVB5", "BVB6", "BVB7", "BVB8", "BVB9"),
    "KURK": ("KUR01", "KUR03", "KUR05", "KUR07", "KUR09", "KUR11", "KUR13", "KUR17", "KUR19"),
    "ARCES": ("ARA0", "ARA1", "ARA2", "ARA3", "ARB1", "ARB2", "ARB3", "ARB4", "ARB5"),
    "FINES": ("FIA0", "FIA1", "FIA2", "FIA3", "FIB1", "FIB2", "FIB3", "FIB4", "FIB5"),
    "SPITS": ("SPA0", "SPA1", "SPA2", "SPA3", "SPB1", "SPB2", "SPB3", "SPB4", "SPB5"),
}
N_THREE_C = 26
EVENTS_PER_DAY = 150
DEFAULT_SEED = 20240301


# --------------------------------------------------------------------------------------
# geometry
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """One station: coordinates [deg, m], channels, array membership, offsets [km]."""

    code: str
    latitude: float
    longitude: float
    elevation_m: float
    channels: tuple[str, ...]
    array: str | None = None
    deast_km: float = 0.0
    dnorth_km: float = 0.0


@dataclass(frozen=True)
class Layout:
    """All sites; ``arrays`` maps an array code to its reference (lat, lon, elevation [m])."""

    sites: tuple[Site, ...]
    arrays: dict[str, tuple[float, float, float]] = field(default_factory=dict)

    @property
    def channels(self) -> list[tuple[int, str]]:
        """``(site index, channel code)`` of every channel, in a fixed order."""
        return [(i, ch) for i, s in enumerate(self.sites) for ch in s.channels]


def shared_data_dir() -> Path:
    """``$OPENNDC_SHARED_DATA`` or ``../shared/data`` beside the checkout."""
    env = os.environ.get("OPENNDC_SHARED_DATA")
    if env:
        return Path(env)
    return (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()


def _read_site_table(path: Path) -> dict[str, tuple[float, float, float, str]]:
    """Current rows of a CSS3.0 site table: code → (lat [deg], lon [deg], elev [m], refsta)."""
    out: dict[str, tuple[float, float, float, str]] = {}
    for line in path.read_text().splitlines():
        f = line.split()
        if len(f) < 9 or f[2] != "2286324":  # offdate -1 ("still open") is 2286324 here
            continue
        out[f[0]] = (float(f[3]), float(f[4]), float(f[5]) * 1000.0, f[8])
    return out


def _read_sitechan(path: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        f = line.split()
        if len(f) >= 5 and f[4] == "2286324":
            out.setdefault(f[0], set()).add(f[1])
    return out


def _read_facts(path: Path) -> dict[str, tuple[float, float, float]]:
    out = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                out[row["station"]] = (
                    float(row["latitude"]),
                    float(row["longitude"]),
                    float(row["elevation_m"]),
                )
            except ValueError:
                continue
    return out


def _offsets_km(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    dn = math.radians(lat - lat0) * EARTH_RADIUS_KM
    de = math.radians(lon - lon0) * EARTH_RADIUS_KM * math.cos(math.radians(lat0))
    return de, dn


def build_layout(shared: Path | None = None) -> Layout:
    """Six 9-element SHZ arrays and the 26 three-component IMS sites nearest to Kazakhstan."""
    shared = shared or shared_data_dir()
    site = _read_site_table(shared / "ims_site_tables" / "ims.site")
    chans = _read_sitechan(shared / "ims_site_tables" / "ims.sitechan")
    facts = _read_facts(shared / "kazakh_network_facts" / "stations.csv")
    coords = {k: v[:3] for k, v in site.items()} | facts
    sites: list[Site] = []
    arrays: dict[str, tuple[float, float, float]] = {}
    for arr, codes in ARRAYS.items():
        pts = np.array([coords[c] for c in codes])
        ref = (float(pts[:, 0].mean()), float(pts[:, 1].mean()), float(pts[:, 2].mean()))
        arrays[arr] = ref
        for c in codes:
            lat, lon, elev = coords[c]
            de, dn = _offsets_km(ref[0], ref[1], lat, lon)
            sites.append(Site(c, lat, lon, elev, ("SHZ",), arr, de, dn))
    used = {c for codes in ARRAYS.values() for c in codes}
    cands = []
    for code, (lat, lon, elev, ref) in site.items():
        have = chans.get(code, set())
        if (
            code in used
            or "BHZ" not in have
            or (ref != code and ref not in ("MKAR", "BVAR", "KURK"))
        ):
            continue
        if not ({"BHN", "BHE"} <= have or {"BH1", "BH2"} <= have):
            continue
        cands.append((_distance_deg(CENTRE[0], CENTRE[1], lat, lon), code, lat, lon, elev))
    cands.sort()
    for _d, code, lat, lon, elev in cands[:N_THREE_C]:
        sites.append(Site(code, lat, lon, elev, ("BHZ", "BHN", "BHE")))
    return Layout(tuple(sites), arrays)


def monitoring_network(layout: Layout) -> object:
    """The layout as an :class:`openndc.model.inventory.MonitoringNetwork`."""
    from openndc.model.inventory import (
        Array,
        ArrayElement,
        ChannelInfo,
        MonitoringNetwork,
        Station,
    )

    stations = []
    for s in layout.sites:
        chs = tuple(
            ChannelInfo(
                c, "", FS, {"N": 0.0, "E": 90.0}.get(c[-1], 0.0), -90.0 if c[-1] == "Z" else 0.0
            )
            for c in s.channels
        )
        stations.append(
            Station(NETWORK, s.code, s.latitude, s.longitude, s.elevation_m, chs, s.array)
        )
    arrays = []
    for code, (lat, lon, elev) in layout.arrays.items():
        elems = tuple(
            ArrayElement(
                NETWORK, s.code, s.latitude, s.longitude, s.elevation_m, s.deast_km, s.dnorth_km
            )
            for s in layout.sites
            if s.array == code
        )
        arrays.append(Array(NETWORK, code, lat, lon, elev, elems))
    return MonitoringNetwork("synthetic-day", tuple(stations), tuple(arrays), "benchmarks")


def write_stationxml(layout: Layout, path: Path) -> None:
    """Coordinates and channel orientation as StationXML (no responses)."""
    from obspy.core.inventory import Channel, Inventory, Network, Station

    stations = []
    for s in layout.sites:
        chs = [
            Channel(
                c,
                "",
                s.latitude,
                s.longitude,
                s.elevation_m,
                0.0,
                azimuth={"N": 0.0, "E": 90.0}.get(c[-1], 0.0),
                dip=-90.0 if c[-1] == "Z" else 0.0,
                sample_rate=FS,
            )
            for c in s.channels
        ]
        desc = f"element of array {s.array}" if s.array else "three-component station"
        stations.append(
            Station(s.code, s.latitude, s.longitude, s.elevation_m, channels=chs, description=desc)
        )
    inv = Inventory([Network(NETWORK, stations=stations)], source="openndc benchmarks")
    inv.write(str(path), format="STATIONXML")


def _distance_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(_dist_az(np.array([lat1]), np.array([lon1]), lat2, lon2)[0][0])


def _dist_az(
    lat1: np.ndarray, lon1: np.ndarray, lat2: float, lon2: float
) -> tuple[np.ndarray, np.ndarray]:
    """Great-circle distance [deg] and azimuth [deg] from points 1 to point 2 (sphere)."""
    p1, p2 = np.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2) - np.radians(lon1)
    cosd = np.sin(p1) * math.sin(p2) + np.cos(p1) * math.cos(p2) * np.cos(dl)
    dist = np.degrees(np.arccos(np.clip(cosd, -1.0, 1.0)))
    az = (
        np.degrees(
            np.arctan2(
                np.sin(dl) * math.cos(p2),
                np.cos(p1) * math.sin(p2) - np.sin(p1) * math.cos(p2) * np.cos(dl),
            )
        )
        % 360.0
    )
    return dist, az


# --------------------------------------------------------------------------------------
# travel times
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TravelTimeTable:
    """First-P and first-S times [s] and ray parameters [s/deg] on a distance × depth grid."""

    distances: np.ndarray
    depths: np.ndarray
    tp: np.ndarray
    ts: np.ndarray
    pp: np.ndarray
    ps: np.ndarray

    @classmethod
    def compute(cls, step_deg: float = 0.5) -> TravelTimeTable:
        """TauP (ak135) on distances ``step_deg``..100 deg and depths 0-250 km."""
        from obspy.taup import TauPyModel

        model = TauPyModel("ak135")
        distances = np.arange(step_deg, 100.0 + 1e-6, step_deg)
        depths = np.array([0.0, 33.0, 100.0, 250.0])
        shape = (len(distances), len(depths))
        tp, ts, pp, ps = (np.full(shape, np.nan) for _ in range(4))
        for i, d in enumerate(distances):
            for j, z in enumerate(depths):
                for phases, t, p in ((["ttp"], tp, pp), (["tts"], ts, ps)):
                    arr = model.get_travel_times(z, d, phase_list=phases)
                    if arr:
                        t[i, j] = arr[0].time
                        p[i, j] = arr[0].ray_param_sec_degree
        return cls(distances, depths, tp, ts, pp, ps)

    @classmethod
    def cached(cls, path: Path) -> TravelTimeTable:
        if path.exists():
            with np.load(path) as z:
                return cls(**{k: z[k] for k in ("distances", "depths", "tp", "ts", "pp", "ps")})
        table = cls.compute()
        table.save(path)
        return table

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **asdict(self))

    def lookup(self, dist: float, depth: float) -> tuple[float, float, float, float]:
        """(tP [s], pP [s/deg], tS [s], pS [s/deg]) by bilinear interpolation; NaN outside."""
        d, z = self.distances, self.depths
        if not d[0] <= dist <= d[-1]:
            return (math.nan,) * 4
        i = min(int(np.searchsorted(d, dist) - 1), len(d) - 2)
        i = max(i, 0)
        j = max(min(int(np.searchsorted(z, depth) - 1), len(z) - 2), 0)
        u = (dist - d[i]) / (d[i + 1] - d[i])
        v = min(max((depth - z[j]) / (z[j + 1] - z[j]), 0.0), 1.0)

        def interp(a: np.ndarray) -> float:
            return float(
                (1 - u) * (1 - v) * a[i, j]
                + u * (1 - v) * a[i + 1, j]
                + (1 - u) * v * a[i, j + 1]
                + u * v * a[i + 1, j + 1]
            )

        return interp(self.tp), interp(self.pp), interp(self.ts), interp(self.ps)


# --------------------------------------------------------------------------------------
# events and waveforms
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticEvent:
    """One source: origin time [s after the day's start], epicentre [deg], depth [km]."""

    index: int
    time_s: float
    latitude: float
    longitude: float
    depth_km: float
    magnitude: float


def make_events(seed: int, duration: float) -> list[SyntheticEvent]:
    """About ``EVENTS_PER_DAY`` events a day, epicentres 2-90 deg from ``CENTRE``."""
    rng = np.random.default_rng([seed, 1])
    n = max(3, round(EVENTS_PER_DAY * duration / 86400.0))
    times = np.sort(rng.uniform(-600.0, duration - 60.0, n))
    dist = rng.uniform(2.0, 90.0, n)
    az = rng.uniform(0.0, 360.0, n)
    lat0, lon0 = map(math.radians, CENTRE)
    dr, ar = np.radians(dist), np.radians(az)
    lat = np.arcsin(math.sin(lat0) * np.cos(dr) + math.cos(lat0) * np.sin(dr) * np.cos(ar))
    lon = lon0 + np.arctan2(
        np.sin(ar) * np.sin(dr) * math.cos(lat0), np.cos(dr) - math.sin(lat0) * np.sin(lat)
    )
    depth = np.where(rng.random(n) < 0.75, rng.uniform(0.0, 33.0, n), rng.uniform(33, 250, n))
    mag = np.minimum(3.6 + rng.exponential(0.55, n), 6.8)
    return [
        SyntheticEvent(
            i,
            float(times[i]),
            float(np.degrees(lat[i])),
            float((np.degrees(lon[i]) + 180.0) % 360.0 - 180.0),
            float(depth[i]),
            float(mag[i]),
        )
        for i in range(n)
    ]


@dataclass(frozen=True)
class _Arrival:
    """A phase at one site: reference time [s], ray parameter [s/km], back-azimuth [deg]."""

    event: int
    phase: str
    time_s: float
    p_s_per_km: float
    backazimuth: float
    amplitude: float  # peak of the main wavelet relative to the site's noise level
    f0: float  # dominant frequency [Hz]


def _arrivals(
    layout: Layout, events: Sequence[SyntheticEvent], table: TravelTimeTable
) -> dict[str, list[_Arrival]]:
    """Arrivals per site (array elements share their array's reference arrivals)."""
    points: dict[str, tuple[float, float]] = {
        s.code: (s.latitude, s.longitude) for s in layout.sites if s.array is None
    }
    points |= {a: (ref[0], ref[1]) for a, ref in layout.arrays.items()}
    names = list(points)
    lats = np.array([points[k][0] for k in names])
    lons = np.array([points[k][1] for k in names])
    out: dict[str, list[_Arrival]] = {k: [] for k in names}
    for ev in events:
        rng = np.random.default_rng([0, ev.index])
        # distance/azimuth from the site to the epicentre: azimuth = back-azimuth at the site
        dist, baz = _dist_az(lats, lons, ev.latitude, ev.longitude)
        for k, name in enumerate(names):
            tp, pp, ts, ps = table.lookup(float(dist[k]), ev.depth_km)
            if not math.isfinite(tp):
                continue
            logamp = ev.magnitude - 3.5 - 1.4 * math.log10(max(dist[k], 1.0) / 10.0)
            amp = 10.0 ** (logamp + rng.normal(0.0, 0.2))
            if amp < 0.05:
                continue
            f0 = 1.2 + 2.5 * math.exp(-dist[k] / 12.0)
            out[name].append(
                _Arrival(ev.index, "P", ev.time_s + tp, pp / DEG_KM, float(baz[k]), amp, f0)
            )
            if math.isfinite(ts):
                out[name].append(
                    _Arrival(
                        ev.index,
                        "S",
                        ev.time_s + ts,
                        ps / DEG_KM,
                        float(baz[k]),
                        amp * rng.uniform(1.2, 2.5),
                        0.6 * f0,
                    )
                )
    return out


def _wavelet(arr: _Arrival, t: np.ndarray) -> np.ndarray:
    """Main Gabor atom plus a decaying coda of atoms; ``t`` [s] after the onset.

    The atoms depend only on (event, phase, site group) so all elements of an array see the
    same waveform, shifted.
    """
    rng = np.random.default_rng([7, arr.event, 0 if arr.phase == "P" else 1])
    k = 14
    tau = 4.0 if arr.phase == "P" else 9.0
    f = arr.f0 * np.concatenate([[1.0], rng.uniform(0.6, 1.6, k - 1)])
    sigma = rng.uniform(0.8, 1.3, k) / f
    tk = np.concatenate([[2.0 * sigma[0]], 2.0 * sigma[0] + rng.exponential(tau, k - 1)])
    a = np.concatenate([[1.0], 0.6 * rng.normal(0, 1, k - 1) * np.exp(-(tk[1:]) / (2 * tau))])
    phi = rng.uniform(0, 2 * np.pi, k)
    dt = t[:, None] - tk[None, :]
    env = np.exp(-0.5 * (dt / sigma[None, :]) ** 2)
    return np.asarray((env * np.cos(2 * np.pi * f[None, :] * dt + phi[None, :])) @ a)


def _components(arr: _Arrival, channel: str) -> float:
    """Relative amplitude of ``arr`` on a channel (Z, N, E; P mostly Z, S mostly horizontal)."""
    comp = channel[-1]
    if arr.phase == "P":
        z, r, tr = 1.0, 0.35, 0.05
    else:
        z, r, tr = 0.3, 0.7, 1.0
    if comp == "Z":
        return z
    phi = math.radians(arr.backazimuth + 180.0)  # direction of propagation
    # radial unit vector (E, N) = (sin phi, cos phi); transverse = radial rotated +90 deg
    if comp == "E":
        return r * math.sin(phi) + tr * math.cos(phi)
    return r * math.cos(phi) - tr * math.sin(phi)


def _noise(rng: np.random.Generator, n: int, level: float) -> np.ndarray:
    """Coloured noise: microseism peak (0.1-0.35 Hz), red high-frequency part, white floor."""
    ms = sosfilt(butter(2, [0.1, 0.35], "band", fs=FS, output="sos"), rng.standard_normal(n))
    hf = sosfilt(butter(1, 1.5, "low", fs=FS, output="sos"), rng.standard_normal(n))
    return level * (25.0 * ms + 1.5 * hf + 0.4 * rng.standard_normal(n))


@dataclass(frozen=True)
class _Job:
    site: Site
    channel: str
    index: int
    arrivals: tuple[_Arrival, ...]
    array_ref: tuple[float, float, float] | None


def _site_level(seed: int, code: str) -> float:
    rng = np.random.default_rng([seed, 2, *code.encode()])
    return float(10.0 ** rng.uniform(1.3, 2.7))  # [counts] high-frequency noise level


def _synthesize(job: _Job, seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng([seed, 3, job.index])
    level = _site_level(seed, job.site.array or job.site.code)
    level *= _site_level(seed, job.site.code) ** 0.1  # elements differ a little
    x = _noise(rng, n, level)
    span = 80.0  # [s] of wavelet after the onset
    for arr in job.arrivals:
        t_on = arr.time_s
        if job.site.array is not None:  # plane wave: earlier on the source side
            phi = math.radians(arr.backazimuth)
            t_on -= arr.p_s_per_km * (
                job.site.deast_km * math.sin(phi) + job.site.dnorth_km * math.cos(phi)
            )
        i0 = max(math.floor((t_on - 1.0) * FS), 0)
        i1 = min(math.ceil((t_on + span) * FS), n)
        if i1 <= i0:
            continue
        t = np.arange(i0, i1) / FS - t_on
        gain = _components(arr, job.channel) * level * 1.5 * arr.amplitude
        if job.site.array is not None:
            gain *= 1.0 + 0.1 * rng.standard_normal()
        x[i0:i1] += gain * _wavelet(arr, t)
    return np.clip(np.round(x), -(2**31) + 1, 2**31 - 1).astype(np.int32)


def _sds_path(root: Path, start: UTCDateTime, station: str, channel: str) -> Path:
    year, doy = start.year, start.julday
    return (
        root
        / f"{year}"
        / NETWORK
        / station
        / f"{channel}.D"
        / f"{NETWORK}.{station}..{channel}.D.{year}.{doy:03d}"
    )


def _write_job(args: tuple[_Job, int, int, str, str]) -> str:
    job, seed, n, start_iso, root = args
    start = UTCDateTime(start_iso)
    data = _synthesize(job, seed, n)
    tr = Trace(data)
    tr.stats.network, tr.stats.station, tr.stats.channel = NETWORK, job.site.code, job.channel
    tr.stats.sampling_rate = FS
    tr.stats.starttime = start
    path = _sds_path(Path(root), start, job.site.code, job.channel)
    path.parent.mkdir(parents=True, exist_ok=True)
    tr.write(str(path), format="MSEED", encoding="STEIM2", reclen=4096)
    return str(path)


@dataclass(frozen=True)
class GeneratedDay:
    """Where a generated day lies and what it holds."""

    root: Path  # the SDS root
    stationxml: Path
    events_csv: Path
    start: UTCDateTime
    duration: float  # [s]
    n_channels: int
    n_events: int
    seconds: float  # generation time [s] (0 when reused)
    reused: bool
    layout: Layout


def generate_day(
    out: Path,
    *,
    duration: float = 86400.0,
    start: UTCDateTime = DEFAULT_START,
    seed: int = DEFAULT_SEED,
    workers: int | None = None,
    shared: Path | None = None,
) -> GeneratedDay:
    """Write (or reuse) a synthetic day under ``out`` (``out/sds``, ``out/stations.xml``)."""
    t_begin = time.perf_counter()
    out = Path(out)
    layout = build_layout(shared)
    params = {
        "version": VERSION,
        "duration": duration,
        "start": str(start),
        "seed": seed,
        "n_channels": len(layout.channels),
    }
    manifest = out / "manifest.json"
    root, sxml, ev_csv = out / "sds", out / "stations.xml", out / "events.csv"
    if manifest.exists():
        old = json.loads(manifest.read_text())
        if old.get("params") == params:
            return GeneratedDay(
                root,
                sxml,
                ev_csv,
                start,
                duration,
                len(layout.channels),
                old["n_events"],
                0.0,
                True,
                layout,
            )
        manifest.unlink()
    out.mkdir(parents=True, exist_ok=True)
    table = TravelTimeTable.cached(out.parent / "ak135_table.npz")
    events = make_events(seed, duration)
    per_site = _arrivals(layout, events, table)
    n = round(duration * FS)
    jobs = []
    for k, (i, ch) in enumerate(layout.channels):
        s = layout.sites[i]
        key = s.array or s.code
        jobs.append(
            (
                _Job(s, ch, k, tuple(per_site[key]), layout.arrays.get(s.array or "")),
                seed,
                n,
                str(start),
                str(root),
            )
        )
    n_workers = workers or os.cpu_count() or 1
    if n_workers == 1:
        for j in jobs:
            _write_job(j)
    else:
        with ProcessPoolExecutor(n_workers) as pool:
            list(pool.map(_write_job, jobs, chunksize=2))
    write_stationxml(layout, sxml)
    with ev_csv.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["time", "latitude", "longitude", "depth_km", "magnitude"])
        for ev in events:
            w.writerow(
                [
                    str(start + ev.time_s),
                    f"{ev.latitude:.4f}",
                    f"{ev.longitude:.4f}",
                    f"{ev.depth_km:.1f}",
                    f"{ev.magnitude:.2f}",
                ]
            )
    seconds = time.perf_counter() - t_begin
    manifest.write_text(
        json.dumps({"params": params, "n_events": len(events), "generation_s": seconds}, indent=1)
    )
    return GeneratedDay(
        root,
        sxml,
        ev_csv,
        start,
        duration,
        len(layout.channels),
        len(events),
        seconds,
        False,
        layout,
    )


def read_manifest(out: Path) -> dict[str, Any]:
    """The parameters a day under ``out`` was generated with (seed, duration [s], ...)."""
    params: dict[str, Any] = json.loads((Path(out) / "manifest.json").read_text())["params"]
    return params


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("benchmarks/out/day"))
    ap.add_argument("--hours", type=float, default=None, help="generate only this many hours")
    ap.add_argument("--duration", type=float, default=86400.0, help="[s] (default: one day)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--workers", type=int, default=None)
    a = ap.parse_args(argv)
    duration = a.hours * 3600.0 if a.hours else a.duration
    day = generate_day(a.out, duration=duration, seed=a.seed, workers=a.workers)
    what = "reused" if day.reused else f"generated in {day.seconds:.1f} s"
    print(
        f"{day.n_channels} channels, {day.n_events} events, {duration:.0f} s: {what} -> {day.root}"
    )


if __name__ == "__main__":
    main()
