"""Scenario events: the hidden truth of a synthetic scenario, drawn from a seed or read from CSV.

A :class:`ScenarioEvent` is what the synthesizer needs to make waveforms: origin time [UTC],
epicentre [deg], depth [km], both magnitudes (``ml`` and ``mb``; one may be derived from the
other, see :func:`complete_magnitudes`), the QuakeML event type and, for mine blasts, the
ripple-fire pattern (``ripple_n`` delays of ``ripple_dt`` [s]).

:func:`draw_events` draws a realistic list for a network and a time span; the source regions
are facts written here as data (:data:`SOURCE_REGIONS`, :data:`MINING_DISTRICTS`,
:data:`DPRK_TEST_SITE`) with their sources; :func:`kazakh_day_events` is the built-in day of
the Kazakh network.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.model.errors import ScenarioError
from openndc.model.event import EVENT_TYPES
from openndc.model.inventory import MonitoringNetwork

__all__ = [
    "DPRK_TEST_SITE",
    "EVENT_CSV_COLUMNS",
    "MINING_DISTRICTS",
    "SOURCE_REGIONS",
    "MiningDistrict",
    "ScenarioEvent",
    "SourceRegion",
    "complete_magnitudes",
    "draw_events",
    "kazakh_day_events",
    "read_events_csv",
    "write_events_csv",
]

_NAN = math.nan

#: Event types treated as explosions (shallow, weak S/Lg, no depth phases).
EXPLOSION_TYPES = ("explosion", "nuclear explosion", "mining explosion", "quarry blast")


@dataclass(frozen=True, slots=True)
class ScenarioEvent:
    """One synthetic event.

    ``time`` origin time [UTC]; ``latitude``/``longitude`` [deg]; ``depth_km`` [km];
    ``ml`` IASPEI local magnitude and ``mb`` IDC body-wave magnitude (NaN: derived by
    :func:`complete_magnitudes`); ``event_type`` one of :data:`EVENT_TYPES`; ``ripple_n``
    number of delayed rows of a ripple-fired blast (1: a single shot) and ``ripple_dt`` the
    delay between rows [s]; ``id`` a unique identifier; ``region`` a free-text label.
    """

    time: UTCDateTime
    latitude: float
    longitude: float
    depth_km: float
    ml: float = _NAN
    mb: float = _NAN
    event_type: str = "earthquake"
    ripple_n: int = 1
    ripple_dt: float = 0.0
    id: str = ""
    region: str = ""
    #: Events with the same non-empty ``waveform_seed`` share their waveform carriers at
    #: every site (a family of repeating events, e.g. aftershocks: similar waveforms).
    waveform_seed: str = ""

    def __post_init__(self) -> None:
        if self.event_type not in EVENT_TYPES:
            raise ScenarioError(
                f"event {self.id or self.time}: unknown event type {self.event_type!r}; "
                f"use one of {EVENT_TYPES}"
            )
        if not -90 <= self.latitude <= 90 or not -180 <= self.longitude <= 360:
            raise ScenarioError(
                f"event {self.id or self.time}: latitude/longitude {self.latitude}, "
                f"{self.longitude} out of range"
            )
        if not 0 <= self.depth_km <= 700:
            raise ScenarioError(f"event {self.id or self.time}: depth {self.depth_km} km not 0-700")
        if self.ripple_n < 1 or self.ripple_dt < 0:
            raise ScenarioError(
                f"event {self.id or self.time}: ripple_n must be >= 1, ripple_dt >= 0 s"
            )

    @property
    def is_explosion(self) -> bool:
        return self.event_type in EXPLOSION_TYPES


def complete_magnitudes(event: ScenarioEvent) -> ScenarioEvent:
    """The event with both ``ml`` and ``mb`` set.

    A missing one is derived from the other: earthquakes ``ml = mb``; explosions and blasts
    ``ml = mb - 0.4`` (weaker Lg relative to P, the modelling choice that gives explosions
    their low Lg/P ratio). Raises :class:`ScenarioError` when both are missing.
    """
    ml, mb = event.ml, event.mb
    shift = 0.4 if event.is_explosion else 0.0
    if math.isnan(ml) and math.isnan(mb):
        raise ScenarioError(f"event {event.id or event.time}: give ml or mb (or both)")
    if math.isnan(ml):
        ml = mb - shift
    if math.isnan(mb):
        mb = ml + shift
    return replace(event, ml=round(ml, 2), mb=round(mb, 2))


# --- facts: source regions ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceRegion:
    """A seismic source region: centre [deg], scatter radius [deg], depth range [km],
    magnitude range (mb) and relative rate (events per day that :func:`draw_events` draws
    on average)."""

    name: str
    latitude: float
    longitude: float
    radius: float
    depth_min: float
    depth_max: float
    mag_min: float
    mag_max: float
    rate_per_day: float
    regional: bool


# Centres of well-known seismic belts (approximate centres of the seismicity, not of single
# events; ISC/USGS seismicity maps). Regional (Central Asia) first, then teleseismic belts.
SOURCE_REGIONS: tuple[SourceRegion, ...] = (
    SourceRegion("Northern Tien Shan", 42.9, 77.0, 1.2, 5, 30, 3.0, 4.8, 2.0, True),
    SourceRegion("Southern Tien Shan / Fergana", 41.0, 73.5, 1.5, 5, 35, 3.0, 4.8, 1.5, True),
    SourceRegion("Dzhungarian Alatau", 44.8, 80.0, 0.8, 5, 25, 3.0, 4.5, 0.6, True),
    SourceRegion("Altai", 49.8, 88.0, 1.2, 5, 25, 3.0, 4.8, 1.0, True),
    SourceRegion("Pamir", 38.8, 72.8, 1.0, 5, 40, 3.5, 5.0, 0.8, True),
    SourceRegion("Hindu Kush (intermediate depth)", 36.5, 70.8, 0.4, 180, 230, 4.0, 5.2, 0.5, True),
    SourceRegion("Iran (Zagros)", 28.5, 54.5, 2.5, 5, 30, 4.3, 5.5, 0.6, False),
    SourceRegion("Japan", 37.5, 142.0, 2.0, 10, 60, 4.5, 5.8, 1.0, False),
    SourceRegion("Kuril Islands", 45.5, 151.0, 2.0, 10, 80, 4.5, 5.8, 0.6, False),
    SourceRegion("Sumatra", 2.0, 97.0, 3.0, 10, 60, 4.5, 5.8, 0.8, False),
    SourceRegion("Philippines", 12.0, 125.0, 3.0, 10, 60, 4.5, 5.6, 0.6, False),
    SourceRegion("Tonga-Fiji (deep)", -20.0, -178.0, 2.0, 100, 600, 4.6, 5.8, 0.6, False),
    SourceRegion("Aleutians", 52.0, -175.0, 3.0, 10, 50, 4.5, 5.6, 0.5, False),
    SourceRegion("Chile", -30.0, -71.5, 4.0, 10, 120, 4.6, 5.8, 0.5, False),
)


@dataclass(frozen=True, slots=True)
class MiningDistrict:
    """A mining district with large production blasts: location [deg], commodity, source."""

    name: str
    latitude: float
    longitude: float
    commodity: str
    source: str


# Coordinates: the open pit where a source gives one; otherwise the mining town (marked
# "town", the pits lie within ~10-20 km of it).
MINING_DISTRICTS: tuple[MiningDistrict, ...] = (
    MiningDistrict(
        "Ekibastuz (Bogatyr pit)", 51.6555, 75.4336, "coal",
        "Global Energy Monitor, Global Coal Mine Tracker: Bogatyr Coal Mine (exact)",
    ),
    MiningDistrict(
        "Aktogay (copper pit)", 46.9494, 79.8589, "copper",
        "Wikipedia (ru) 'Актогай (месторождение)': 46°56′58″N 79°51′32″E",
    ),
    MiningDistrict(
        "Rudny (Sokolov and Sarbai pits)", 52.96, 63.12, "iron",
        "town; Sokolov-Sarbai pits at Rudny, 46 km SW of Kostanay (eurasia.travel)",
    ),
    MiningDistrict(
        "Zhezkazgan", 47.78, 67.71, "copper", "town (Kazakhmys copper mines)",
    ),
    MiningDistrict(
        "Karaganda coal basin", 49.81, 73.10, "coal", "town (Karaganda coal basin)",
    ),
    MiningDistrict(
        "Khromtau (Donskoy chromite)", 50.25, 58.45, "chromite", "town (Donskoy GOK)",
    ),
)  # fmt: skip

#: DPRK test site Punggye-ri [deg] (the tests of 2006-2017 are within ~2 km; e.g. Yao et al.
#: 2018 relocate 2016-01-06 at 41.298N 129.072E).
DPRK_TEST_SITE = (41.30, 129.08)


# --- drawing ----------------------------------------------------------------------------------


def _scatter(
    lat: float, lon: float, radius: float, rng: np.random.Generator
) -> tuple[float, float]:
    r = radius * math.sqrt(rng.uniform())
    az = rng.uniform(0, 2 * math.pi)
    la = lat + r * math.cos(az)
    lo = lon + r * math.sin(az) / max(0.2, math.cos(math.radians(lat)))
    return float(np.clip(la, -89.9, 89.9)), float((lo + 180.0) % 360.0 - 180.0)


def _gutenberg_richter(lo: float, hi: float, rng: np.random.Generator, b: float = 1.0) -> float:
    """A magnitude in [lo, hi] from a truncated Gutenberg-Richter law (b-value ``b``)."""
    u = rng.uniform()
    beta = b * math.log(10.0)
    m = lo - math.log(1.0 - u * (1.0 - math.exp(-beta * (hi - lo)))) / beta
    return round(m, 1)


def _local_daytime(
    start: UTCDateTime, duration_s: float, lon: float, rng: np.random.Generator
) -> UTCDateTime | None:
    """A time within the span at local (solar) hours 9-17, or None if the span has none."""
    offset = lon / 15.0 * 3600.0
    candidates = []
    day0 = UTCDateTime(start.date)
    for k in range(int(duration_s // 86400) + 2):
        lo = day0 + k * 86400 + 9 * 3600 - offset
        hi = day0 + k * 86400 + 17 * 3600 - offset
        a, b = max(lo, start + 60), min(hi, start + duration_s - 900)
        if b > a:
            candidates.append((a, b))
    if not candidates:
        return None
    a, b = candidates[int(rng.integers(len(candidates)))]
    t = a + rng.uniform(0, b - a)
    # blasts are fired on the quarter hour or so
    return UTCDateTime(round(t.timestamp / 60.0) * 60.0 + float(rng.uniform(0, 1)))


def _network_centre(network: MonitoringNetwork) -> tuple[float, float]:
    lats = [s.latitude for s in network.stations]
    lons = [s.longitude for s in network.stations]
    if not lats:
        raise ScenarioError(f"network {network.name!r} has no stations: nothing to synthesize")
    return float(np.mean(lats)), float(np.mean(lons))


def draw_events(
    network: MonitoringNetwork,
    start: UTCDateTime,
    duration_s: float,
    rng: np.random.Generator,
    *,
    dprk: bool = False,
) -> list[ScenarioEvent]:
    """A realistic event list for ``network`` over ``[start, start + duration_s)``.

    Regional earthquakes (:data:`SOURCE_REGIONS` marked regional) and mine blasts
    (:data:`MINING_DISTRICTS`, local daytime 9-17 h, ripple-fired) are drawn only when the
    network is in Central Asia (its centre within 25 deg of 45N 72E); teleseismic
    earthquakes always. Counts are Poisson with the regions' daily rates scaled to the
    span, magnitudes Gutenberg-Richter (b = 1). ``dprk`` adds one explosion at the DPRK test
    site. Origin times keep the last 15 min of the span free so that arrivals fit.
    """
    days = duration_s / 86400.0
    clat, clon = _network_centre(network)
    central_asia = math.hypot(clat - 45.0, (clon - 72.0) * math.cos(math.radians(45))) < 25
    events: list[ScenarioEvent] = []
    latest = max(60.0, duration_s - 900.0)
    for reg in SOURCE_REGIONS:
        if reg.regional and not central_asia:
            continue
        for _ in range(int(rng.poisson(reg.rate_per_day * days))):
            lat, lon = _scatter(reg.latitude, reg.longitude, reg.radius, rng)
            mag = _gutenberg_richter(reg.mag_min, reg.mag_max, rng)
            events.append(
                ScenarioEvent(
                    time=start + float(rng.uniform(30.0, latest)),
                    latitude=round(lat, 4),
                    longitude=round(lon, 4),
                    depth_km=round(float(rng.uniform(reg.depth_min, reg.depth_max)), 1),
                    mb=mag,
                    ml=round(mag + float(rng.normal(0.0, 0.1)), 1),
                    event_type="earthquake",
                    region=reg.name,
                )
            )
    if central_asia:
        for dist in MINING_DISTRICTS:
            for _ in range(int(rng.poisson(0.5 * days))):
                t = _local_daytime(start, duration_s, dist.longitude, rng)
                if t is None:
                    continue
                lat, lon = _scatter(dist.latitude, dist.longitude, 0.05, rng)
                ml = round(float(rng.uniform(2.3, 3.4)), 1)
                events.append(
                    ScenarioEvent(
                        time=t,
                        latitude=round(lat, 4),
                        longitude=round(lon, 4),
                        depth_km=0.0,
                        ml=ml,
                        mb=round(ml + 0.4, 1),
                        event_type="mining explosion",
                        ripple_n=int(rng.integers(5, 25)),
                        ripple_dt=round(float(rng.choice([0.017, 0.025, 0.042, 0.065])), 3),
                        region=dist.name,
                    )
                )
    if dprk:
        events.append(
            ScenarioEvent(
                time=start + float(rng.uniform(0.2, 0.6)) * latest,
                latitude=DPRK_TEST_SITE[0],
                longitude=DPRK_TEST_SITE[1],
                depth_km=0.7,
                mb=round(float(rng.uniform(4.6, 5.2)), 1),
                event_type="nuclear explosion",
                region="DPRK test site (Punggye-ri)",
            )
        )
    return _finish(events, start)


def _finish(events: list[ScenarioEvent], start: UTCDateTime) -> list[ScenarioEvent]:
    events = sorted((complete_magnitudes(e) for e in events), key=lambda e: e.time)
    stamp = start.strftime("%Y%m%d")
    return [e if e.id else replace(e, id=f"scn{stamp}-{k + 1:03d}") for k, e in enumerate(events)]


def kazakh_day_events(start: UTCDateTime, seed: int) -> list[ScenarioEvent]:
    """The built-in day for the Kazakh network, deterministic from ``seed``.

    Always: four regional earthquakes (two Northern Tien Shan, one Southern Tien Shan, one
    Altai), one intermediate-depth Hindu Kush earthquake, three ripple-fired mine blasts in
    local daytime (three different districts), one explosion at the DPRK test site and four
    teleseisms from different belts; magnitudes and positions vary with the seed.
    """
    rng = np.random.default_rng([seed, 20240601])
    regions = {r.name: r for r in SOURCE_REGIONS}
    plan = [
        ("Northern Tien Shan", 3.6, 4.4),
        ("Northern Tien Shan", 3.2, 3.8),
        ("Southern Tien Shan / Fergana", 3.6, 4.3),
        ("Altai", 3.6, 4.4),
        ("Hindu Kush (intermediate depth)", 4.2, 4.8),
        ("Japan", 4.8, 5.5),
        ("Sumatra", 4.9, 5.5),
        ("Tonga-Fiji (deep)", 5.0, 5.6),
        ("Chile", 5.2, 5.8),
    ]
    slots = rng.permutation(np.linspace(0.03, 0.95, len(plan) + 1))
    events: list[ScenarioEvent] = []
    for k, (name, lo, hi) in enumerate(plan):
        reg = regions[name]
        lat, lon = _scatter(reg.latitude, reg.longitude, reg.radius * 0.7, rng)
        mag = round(float(rng.uniform(lo, hi)), 1)
        events.append(
            ScenarioEvent(
                time=start + float(slots[k]) * 86400.0 + float(rng.uniform(0, 1200)),
                latitude=round(lat, 4),
                longitude=round(lon, 4),
                depth_km=round(float(rng.uniform(reg.depth_min, reg.depth_max)), 1),
                mb=mag,
                ml=mag if reg.regional else _NAN,
                event_type="earthquake",
                region=name,
            )
        )
    events[-1] = replace(events[-1], ml=_NAN)
    t_dprk = start + float(slots[-1]) * 86400.0
    events.append(
        ScenarioEvent(
            time=t_dprk,
            latitude=DPRK_TEST_SITE[0],
            longitude=DPRK_TEST_SITE[1],
            depth_km=0.7,
            mb=round(float(rng.uniform(4.7, 5.1)), 1),
            event_type="nuclear explosion",
            region="DPRK test site (Punggye-ri)",
        )
    )
    picks = rng.choice(len(MINING_DISTRICTS), size=3, replace=False)
    for k in picks:
        dist = MINING_DISTRICTS[int(k)]
        t = _local_daytime(start, 86400.0, dist.longitude, rng)
        if t is None:  # pragma: no cover - a whole day always has daytime
            continue
        lat, lon = _scatter(dist.latitude, dist.longitude, 0.05, rng)
        ml = round(float(rng.uniform(2.6, 3.3)), 1)
        events.append(
            ScenarioEvent(
                time=t,
                latitude=round(lat, 4),
                longitude=round(lon, 4),
                depth_km=0.0,
                ml=ml,
                event_type="mining explosion",
                ripple_n=int(rng.integers(6, 20)),
                ripple_dt=round(float(rng.choice([0.025, 0.042, 0.065])), 3),
                region=dist.name,
            )
        )
    return _finish(events, start)


# --- CSV --------------------------------------------------------------------------------------

#: Columns of the ``--events`` CSV (header required; ``ml`` or ``mb`` may be empty; ``id``,
#: ``region``, ``ripple_n``, ``ripple_dt`` optional).
EVENT_CSV_COLUMNS = (
    "id", "time", "latitude", "longitude", "depth_km", "ml", "mb", "event_type",
    "ripple_n", "ripple_dt", "region",
)  # fmt: skip


def _num(row: dict[str, str], key: str, default: float, where: str) -> float:
    text = (row.get(key) or "").strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise ScenarioError(f"{where}: column {key!r} is not a number: {text!r}") from None


def read_events_csv(path: str | Path) -> list[ScenarioEvent]:
    """Events from a CSV file with the :data:`EVENT_CSV_COLUMNS` header.

    ``time`` ISO 8601 UTC; ``latitude``, ``longitude`` [deg] and ``time`` are required,
    ``depth_km`` defaults to 0 for explosions and 10 km otherwise, ``event_type`` to
    ``earthquake``. Missing ids are filled in.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read events: {exc}") from exc
    reader = csv.DictReader(text.splitlines())
    missing = {"time", "latitude", "longitude"} - set(reader.fieldnames or ())
    if missing:
        raise ScenarioError(
            f"{p}: events CSV lacks column(s) {sorted(missing)}; header must name "
            f"{', '.join(EVENT_CSV_COLUMNS)}"
        )
    events = []
    for i, row in enumerate(reader, start=2):
        where = f"{p}, line {i}"
        try:
            time = UTCDateTime(row["time"].strip())
        except Exception:
            raise ScenarioError(f"{where}: cannot read time {row['time']!r} (ISO 8601)") from None
        etype = (row.get("event_type") or "earthquake").strip()
        depth_default = 0.0 if etype in EXPLOSION_TYPES else 10.0
        events.append(
            complete_magnitudes(
                ScenarioEvent(
                    time=time,
                    latitude=_num(row, "latitude", _NAN, where),
                    longitude=_num(row, "longitude", _NAN, where),
                    depth_km=_num(row, "depth_km", depth_default, where),
                    ml=_num(row, "ml", _NAN, where),
                    mb=_num(row, "mb", _NAN, where),
                    event_type=etype,
                    ripple_n=int(_num(row, "ripple_n", 1, where)),
                    ripple_dt=_num(row, "ripple_dt", 0.0, where),
                    id=(row.get("id") or "").strip(),
                    region=(row.get("region") or "").strip(),
                )
            )
        )
    events.sort(key=lambda e: e.time)
    return [e if e.id else replace(e, id=f"evt{k + 1:03d}") for k, e in enumerate(events)]


def write_events_csv(events: list[ScenarioEvent], path: str | Path) -> Path:
    """Write ``events`` as the ``--events`` CSV (:data:`EVENT_CSV_COLUMNS`)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(EVENT_CSV_COLUMNS)
        for e in events:
            w.writerow(
                [
                    e.id, e.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), f"{e.latitude:.4f}",
                    f"{e.longitude:.4f}", f"{e.depth_km:.2f}",
                    "" if math.isnan(e.ml) else f"{e.ml:.2f}",
                    "" if math.isnan(e.mb) else f"{e.mb:.2f}",
                    e.event_type, e.ripple_n, f"{e.ripple_dt:.3f}", e.region,
                ]
            )  # fmt: skip
    return p
