"""Grouping stations into arrays: the arrays config file, the built-in table and the rule.

StationXML has no notion of an array, so array membership comes from, in order of priority:

1. an arrays config file (TOML, see :func:`load_arrays_config` and docs/inventory.md);
2. array definitions OpenNDC itself wrote into the StationXML (:mod:`.stationxml` extras);
3. the built-in table :data:`KNOWN_ARRAYS` of known array element naming;
4. the generic rule: stations of one network whose codes are a common alphabetic prefix
   followed by 1-2 digits (``DL01``, ``DL02``, ...), linked within :data:`RULE_LINK_KM` of
   each other, at least :data:`RULE_MIN_ELEMENTS` of them, form an array named
   ``<prefix>AR`` (``DLAR``).

Steps 3 and 4 apply only to stations no earlier step placed, and can be switched off with
``auto = false`` in the config file.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import logging
import math
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from openndc.inventory.ims_arrays import IMS_ARRAYS, IMS_SOURCE
from openndc.model.errors import ConfigError, InventoryError
from openndc.model.inventory import (
    Array,
    ArrayElement,
    ArrayKind,
    Station,
    local_offsets_km,
)

__all__ = [
    "KNOWN_ARRAYS",
    "RULE_LINK_KM",
    "RULE_MIN_ELEMENTS",
    "ArrayKind",
    "ArraySpec",
    "ArraysConfig",
    "KnownArray",
    "arrays_config_from_mapping",
    "assign_arrays",
    "build_array",
    "default_beam_groups",
    "guess_kind",
    "load_arrays_config",
    "spec_of",
    "warn_close_arrays",
]

log = logging.getLogger(__name__)

RULE_LINK_KM = 25.0
"""Generic rule: two stations are linked when closer than this [km]."""

RULE_MIN_ELEMENTS = 3
"""Generic rule: a group needs at least this many stations to be an array."""

_KINDS = ("seismic", "infrasound", "hydroacoustic")


@dataclass(frozen=True, slots=True)
class ArraySpec:
    """One declared array.

    ``elements`` are station codes, ``NET.STA`` or fnmatch patterns (``GR[ABC]?``);
    the reference is a station code (``reference``) or a point [deg, m]; without either the
    element nearest the centroid is the reference. ``kind`` ``None`` means: from the channel
    codes (``*DF`` infrasound, ``*DH`` hydroacoustic, else seismic). ``beam_groups`` ``None``
    means: the default groups of :func:`default_beam_groups`. ``offsets_km`` optionally gives
    element offsets [km east, km north] by station code (else computed from coordinates).
    """

    code: str
    elements: tuple[str, ...]
    network: str | None = None
    reference: str | None = None
    reference_latitude: float | None = None
    reference_longitude: float | None = None
    reference_elevation_m: float | None = None
    kind: ArrayKind | None = None
    beam_groups: Mapping[str, tuple[str, ...]] | None = None
    description: str = ""
    offsets_km: Mapping[str, tuple[float, float]] | None = None

    def matches(self, station: Station) -> bool:
        if self.network is not None and station.network != self.network:
            return False
        for pattern in self.elements:
            net, _, sta = pattern.rpartition(".")
            if net and not fnmatch.fnmatchcase(station.network, net):
                continue
            if fnmatch.fnmatchcase(station.code, sta):
                return True
        return False


@dataclass(frozen=True, slots=True)
class ArraysConfig:
    """The content of an arrays config file: declared arrays and whether the rules apply."""

    arrays: tuple[ArraySpec, ...] = ()
    auto: bool = True
    source: str = ""


@dataclass(frozen=True, slots=True)
class KnownArray:
    """A known array: element codes as a regular expression (full match), with its source."""

    code: str
    pattern: str
    network: str | None = None
    reference: str | None = None
    kind: ArrayKind | None = None
    source: str = ""

    def matches(self, station: Station) -> bool:
        if self.network is not None and station.network != self.network:
            return False
        return re.fullmatch(self.pattern, station.code) is not None


KNOWN_ARRAYS: tuple[KnownArray, ...] = (
    # Gräfenberg array, Germany: 13 broadband elements in three sub-arrays A (4), B (5) and
    # C (4), reference GRA1. Harjes, H.-P. & Seidl, D. (1978), "Digital recording and
    # analysis of broad-band seismic data at the Graefenberg (GRF) array", J. Geophys. 44,
    # 511-523; element list as in the BGR StationXML (site names "GRAEFENBERG ARRAY STATION").
    KnownArray("GRF", r"GR[ABC]\d", "GR", "GRA1", "seismic", "Harjes & Seidl (1978); BGR"),
    # Deelen Infrasound Array (KNMI, Netherlands), elements DL01-DL17 (BDF): Evers, L. G.
    # (2008), "The inaudible symphony", PhD thesis TU Delft; KNMI StationXML NL.DIA.
    KnownArray("DIA", r"DL\d\d", "NL", None, "infrasound", "Evers (2008); KNMI NL.DIA"),
    KnownArray("KURK", r"KUR\d\d|KURBB", None, "KURBB", "seismic", "IMS CSS3.0 site table"),
    KnownArray("KKAR", r"KK\d\d", None, "KK31", "seismic", "kndc.kz (Karatau array page)"),
    KnownArray("ABKAR", r"AB\d\d", None, "AB31", "seismic", "kndc.kz (Akbulak array page)"),
    # Every IMS array (ARCES, FINES, SPITS, MKAR, BVAR, I31KZ, YKA, ...): the naming facts of
    # the IMS CSS3.0 site table, see openndc.inventory.ims_arrays.
    *(
        KnownArray(code, pattern, None, ref, kind, IMS_SOURCE)
        for code, pattern, ref, kind in IMS_ARRAYS
    ),
)
"""Known array element naming (built-in table, applied before the generic rule)."""

_SPEC_KEYS = {
    "elements",
    "network",
    "reference",
    "reference_latitude",
    "reference_longitude",
    "reference_elevation_m",
    "kind",
    "beam_groups",
    "description",
}


def load_arrays_config(path: str | Path) -> ArraysConfig:
    """Read an arrays config file (TOML).

    Format::

        auto = true                     # apply the built-in table and rule to the rest
        [arrays.GRF]
        elements = ["GRA1", "GRA2", "GRB*", "GR.GRC?"]   # codes, NET.STA or patterns
        reference = "GRA1"              # or reference_latitude/_longitude [deg], _elevation_m [m]
        kind = "seismic"                # seismic | infrasound | hydroacoustic (default: channels)
        network = "GR"                  # optional: only stations of this network
        description = "Gräfenberg array"
        [arrays.GRF.beam_groups]
        a = ["GRA1", "GRA2", "GRA3", "GRA4"]
    """
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read arrays config: {exc}") from exc
    return arrays_config_from_mapping(data, str(p))


def arrays_config_from_mapping(data: Mapping[str, Any], where: str) -> ArraysConfig:
    """Build an :class:`ArraysConfig` from parsed TOML; errors name ``where`` and the key."""
    unknown = set(data) - {"arrays", "auto"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; valid: ['arrays', 'auto']")
    auto = data.get("auto", True)
    if not isinstance(auto, bool):
        raise ConfigError(f"{where}: auto must be true or false, got {auto!r}")
    tables = data.get("arrays", {})
    if not isinstance(tables, Mapping):
        raise ConfigError(f"{where}: [arrays] must be a table of [arrays.CODE] tables")
    specs = [_spec_from_mapping(code, t, f"{where}: arrays.{code}") for code, t in tables.items()]
    return ArraysConfig(tuple(specs), auto, where)


def _spec_from_mapping(code: str, t: Any, where: str) -> ArraySpec:
    if not isinstance(t, Mapping):
        raise ConfigError(f"{where}: expected a table")
    unknown = set(t) - _SPEC_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; valid: {sorted(_SPEC_KEYS)}")
    elements = t.get("elements")
    if (
        not isinstance(elements, list)
        or not elements
        or not all(isinstance(e, str) for e in elements)
    ):
        raise ConfigError(f"{where}: elements must be a non-empty list of station codes")
    kind = t.get("kind")
    if kind is not None and kind not in _KINDS:
        raise ConfigError(f"{where}: kind {kind!r} is not one of {list(_KINDS)}")
    floats: dict[str, float | None] = {}
    for key in ("reference_latitude", "reference_longitude", "reference_elevation_m"):
        v = t.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise ConfigError(f"{where}: {key} must be a number, got {v!r}")
        floats[key] = None if v is None else float(v)
    if (floats["reference_latitude"] is None) != (floats["reference_longitude"] is None):
        raise ConfigError(f"{where}: give both reference_latitude and reference_longitude")
    groups = t.get("beam_groups")
    beam_groups: dict[str, tuple[str, ...]] | None = None
    if groups is not None:
        if not isinstance(groups, Mapping) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in groups.values()
        ):
            raise ConfigError(f"{where}: beam_groups must map names to lists of station codes")
        beam_groups = {k: tuple(v) for k, v in groups.items()}
    for key in ("network", "reference", "description"):
        if key in t and not isinstance(t[key], str):
            raise ConfigError(f"{where}: {key} must be a string, got {t[key]!r}")
    return ArraySpec(
        code=code,
        elements=tuple(elements),
        network=t.get("network"),
        reference=t.get("reference"),
        reference_latitude=floats["reference_latitude"],
        reference_longitude=floats["reference_longitude"],
        reference_elevation_m=floats["reference_elevation_m"],
        kind=kind,
        beam_groups=beam_groups,
        description=t.get("description", ""),
    )


# --- kinds and beam groups -------------------------------------------------------------


def _channel_codes(station: Station) -> list[str]:
    return [ch.code for ch in station.channels]


def guess_kind(stations: Iterable[Station]) -> ArrayKind:
    """``infrasound`` when most channels are pressure (``?DF``), ``hydroacoustic`` for
    hydrophones (``?DH``), else ``seismic``."""
    codes = [c.upper() for s in stations for c in _channel_codes(s)]
    if not codes:
        return "seismic"
    n_df = sum(len(c) == 3 and c.endswith("DF") for c in codes)
    n_dh = sum(len(c) == 3 and c.endswith("DH") for c in codes)
    if n_df * 2 > len(codes) or (n_df and n_df >= len(codes) - n_df):
        return "infrasound"
    if n_dh * 2 > len(codes):
        return "hydroacoustic"
    return "seismic"


def _is_vertical(code: str) -> bool:
    return code in ("sz", "bz", "lz") or (len(code) == 3 and code[2] == "Z" and code[1] in "HLG")


def _is_short_period_vertical(code: str) -> bool:
    return code == "sz" or (len(code) == 3 and code[0] in "SE" and code[1:] in ("HZ", "LZ"))


def _is_three_component(station: Station) -> bool:
    if station.is_three_component:
        return True
    legacy = {c for c in _channel_codes(station) if len(c) == 2}
    return {"sz", "sn", "se"} <= legacy or {"bz", "bn", "be"} <= legacy


def default_beam_groups(stations: Sequence[Station]) -> dict[str, tuple[str, ...]]:
    """Default beam groups from the channels of the elements (only non-empty groups).

    ``z``: elements with a vertical seismometer channel (``??Z``, CSS ``sz``/``bz``);
    ``sp``: elements with a short-period vertical (``SHZ``, ``EHZ``, CSS ``sz``);
    ``bb``: elements with a broadband vertical (``BHZ``, ``HHZ``, CSS ``bz``);
    ``3c``: elements with three components; ``p``: elements with a pressure channel
    (``?DF``, microbarometers). The group ``all`` is implied.
    """
    rules = {
        "z": lambda s: any(_is_vertical(c) for c in _channel_codes(s)),
        "sp": lambda s: any(_is_short_period_vertical(c) for c in _channel_codes(s)),
        "bb": lambda s: any(c in ("BHZ", "HHZ", "bz") for c in _channel_codes(s)),
        "3c": _is_three_component,
        "p": lambda s: any(len(c) == 3 and c.endswith("DF") for c in _channel_codes(s)),
    }
    groups: dict[str, tuple[str, ...]] = {}
    for name, rule in rules.items():
        members = tuple(s.code for s in stations if rule(s))
        if members:
            groups[name] = members
    return groups


# --- building arrays --------------------------------------------------------------------


def build_array(
    code: str,
    stations: Sequence[Station],
    *,
    reference: str | None = None,
    reference_point: tuple[float, float, float] | None = None,
    kind: ArrayKind | None = None,
    beam_groups: Mapping[str, Sequence[str]] | None = None,
    offsets_km: Mapping[str, tuple[float, float]] | None = None,
    description: str = "",
) -> Array:
    """An :class:`Array` of ``stations``.

    The reference point is ``reference_point`` (lat [deg], lon [deg], elevation [m]), else
    the element ``reference``, else the element nearest the centroid. Element offsets
    [km east, km north] come from ``offsets_km`` (by station code, e.g. CSS3.0
    deast/dnorth) or are computed with :func:`local_offsets_km`.
    """
    if not stations:
        raise InventoryError(f"array {code} has no elements")
    lats = np.array([s.latitude for s in stations])
    lons = np.array([s.longitude for s in stations])
    if reference_point is not None:
        ref_lat, ref_lon, ref_elev = reference_point
    else:
        ref = None
        if reference is not None:
            ref = next((s for s in stations if s.code == reference), None)
            if ref is None:
                raise InventoryError(
                    f"array {code}: reference {reference!r} is not one of its elements "
                    f"{[s.code for s in stations]}; name an element or give a point"
                )
        else:
            clat = float(lats.mean())
            clon = float(
                np.degrees(
                    np.arctan2(np.sin(np.radians(lons)).mean(), np.cos(np.radians(lons)).mean())
                )
            )
            de, dn = local_offsets_km(clat, clon, lats, lons)
            ref = stations[int(np.argmin(de**2 + dn**2))]
        ref_lat, ref_lon, ref_elev = ref.latitude, ref.longitude, ref.elevation_m
    de, dn = local_offsets_km(ref_lat, ref_lon, lats, lons)
    elements = []
    for i, s in enumerate(stations):
        e, n = (float(de[i]), float(dn[i]))
        if offsets_km is not None and s.code in offsets_km:
            e, n = offsets_km[s.code]
        elements.append(
            ArrayElement(s.network, s.code, s.latitude, s.longitude, s.elevation_m, e, n)
        )
    groups = (
        default_beam_groups(stations)
        if beam_groups is None
        else {k: tuple(v) for k, v in beam_groups.items()}
    )
    codes = {s.code for s in stations}
    for name, members in groups.items():
        missing = [m for m in members if m not in codes]
        if missing:
            raise InventoryError(
                f"array {code}: beam group {name!r} names {missing}, which are not elements"
            )
    networks = sorted({s.network for s in stations})
    return Array(
        network=networks[0] if len(networks) == 1 else "",
        code=code,
        reference_latitude=float(ref_lat),
        reference_longitude=float(ref_lon),
        reference_elevation_m=float(ref_elev),
        elements=tuple(elements),
        kind=kind or guess_kind(stations),
        beam_groups=groups,
        description=description,
    )


def _from_spec(spec: ArraySpec, members: Sequence[Station]) -> Array:
    point = None
    if spec.reference_latitude is not None and spec.reference_longitude is not None:
        elev = spec.reference_elevation_m
        if elev is None:
            elev = float(np.mean([s.elevation_m for s in members]))
        point = (spec.reference_latitude, spec.reference_longitude, elev)
    return build_array(
        spec.code,
        members,
        reference=None if point else spec.reference,
        reference_point=point,
        kind=spec.kind,
        beam_groups=spec.beam_groups,
        offsets_km=spec.offsets_km,
        description=spec.description,
    )


def _rule_groups(stations: Sequence[Station]) -> list[tuple[str, list[Station]]]:
    """The generic rule: same network, prefix + 1-2 digits, linked within RULE_LINK_KM."""
    by_prefix: dict[tuple[str, str], list[Station]] = defaultdict(list)
    for s in stations:
        m = re.fullmatch(r"([A-Z][A-Z0-9]*?[A-Z])(\d{1,2})", s.code.upper())
        if m:
            by_prefix[(s.network, m.group(1))].append(s)
    out: list[tuple[str, list[Station]]] = []
    for (_, prefix), group in sorted(by_prefix.items()):
        for cluster in _clusters(group, RULE_LINK_KM):
            if len(cluster) >= RULE_MIN_ELEMENTS:
                out.append((f"{prefix}AR", cluster))
    return out


def _clusters(stations: list[Station], link_km: float) -> list[list[Station]]:
    """Single-linkage clusters of stations closer than ``link_km`` [km]."""
    n = len(stations)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if _distance_km(stations[i], stations[j]) < link_km:
                parent[find(i)] = find(j)
    groups: dict[int, list[Station]] = defaultdict(list)
    for i, s in enumerate(stations):
        groups[find(i)].append(s)
    return list(groups.values())


def _distance_km(a: Station, b: Station) -> float:
    """Great-circle distance [km] between two stations."""
    return _haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance [km] (haversine, spherical Earth of radius 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def assign_arrays(
    stations: Sequence[Station],
    config: ArraysConfig | None = None,
    embedded: Sequence[ArraySpec] = (),
) -> tuple[tuple[Station, ...], tuple[Array, ...]]:
    """Group ``stations`` into arrays (config, then embedded specs, then table and rule).

    Returns the stations with ``array`` set on the elements, and the arrays.
    """
    config = config or ArraysConfig()
    taken: set[tuple[str, str]] = set()
    arrays: list[Array] = []

    def free(s: Station) -> bool:
        return (s.network, s.code) not in taken

    def add(array: Array) -> None:
        arrays.append(array)
        taken.update((e.network, e.station) for e in array.elements)

    for spec in config.arrays:
        members = [s for s in stations if free(s) and spec.matches(s)]
        if not members:
            raise InventoryError(
                f"{config.source}: array {spec.code}: no station matches elements "
                f"{list(spec.elements)}; check the codes against the inventory"
            )
        add(_from_spec(spec, members))
    for spec in embedded:
        members = [s for s in stations if spec.matches(s)]
        if members and all(free(s) for s in members):
            codes = {s.code for s in members}
            groups = {
                k: tuple(c for c in v if c in codes) for k, v in (spec.beam_groups or {}).items()
            }
            add(_from_spec(dataclasses.replace(spec, beam_groups=groups), members))
    if config.auto:
        for known in KNOWN_ARRAYS:
            by_net: dict[str, list[Station]] = defaultdict(list)
            for s in stations:
                if free(s) and known.matches(s):
                    by_net[s.network].append(s)
            for members in by_net.values():
                if len(members) < 2:
                    continue
                ref = known.reference if any(s.code == known.reference for s in members) else None
                add(build_array(known.code, members, reference=ref, kind=known.kind))
                log.info(
                    "array %s: %d elements by known naming (%s), reference %s",
                    known.code,
                    len(members),
                    known.source,
                    ref or "the element nearest the centroid",
                )
        used_codes = {a.code for a in arrays}
        for code, members in _rule_groups([s for s in stations if free(s)]):
            if code in used_codes:
                code = f"{members[0].network}.{code}"
            used_codes.add(code)
            add(build_array(code, members))
            log.info(
                "array %s: %d stations by the generic rule (common prefix + digits, linked "
                "within %g km): %s",
                code,
                len(members),
                RULE_LINK_KM,
                ", ".join(s.code for s in members),
            )
    warn_close_arrays(arrays)
    where = {(e.network, e.station): a.code for a in arrays for e in a.elements}
    out = tuple(
        dataclasses.replace(s, array=where.get((s.network, s.code), s.array)) for s in stations
    )
    return out, tuple(arrays)


def _closest_km(a: Array, b: Array) -> float:
    """Smallest distance between an element of ``a`` and one of ``b`` [km]."""
    return min(
        _haversine_km(ea.latitude, ea.longitude, eb.latitude, eb.longitude)
        for ea in a.elements
        for eb in b.elements
    )


def warn_close_arrays(arrays: Sequence[Array]) -> list[tuple[str, str]]:
    """Pairs of arrays of one kind whose nearest elements lie within one aperture (the larger
    of the two) of each other, each with a WARNING log line.

    Two such groups are most likely one array whose elements use two name prefixes (a
    cross array such as Yellowknife's YKB*/YKR* lines) that was split; treated as two
    linear arrays its f-k back-azimuths come out tens of degrees off. They are kept as
    they are (the warning says how to declare one array)."""
    out: list[tuple[str, str]] = []
    for i, a in enumerate(arrays):
        for b in arrays[i + 1 :]:
            if a.kind != b.kind:
                continue
            aperture = max(a.aperture_km, b.aperture_km)
            gap = _closest_km(a, b)
            if aperture > 0 and gap <= aperture:
                log.warning(
                    "arrays %s (%d elements) and %s (%d elements) lie within one aperture "
                    "(%.1f km) of each other (nearest elements %.1f km apart): they may be ONE "
                    "array whose elements use two name prefixes, split in two; kept apart. "
                    "To make them one, declare it in an arrays config file: [arrays.CODE] "
                    "elements = [%s]",
                    a.code,
                    len(a.elements),
                    b.code,
                    len(b.elements),
                    aperture,
                    gap,
                    ", ".join(f'"{e.station}"' for e in (*a.elements, *b.elements)),
                )
                out.append((a.code, b.code))
    return out


def spec_of(array: Array) -> ArraySpec:
    """The :class:`ArraySpec` that rebuilds ``array`` (used to embed arrays in StationXML)."""
    return ArraySpec(
        code=array.code,
        elements=tuple(f"{e.network}.{e.station}" for e in array.elements),
        reference_latitude=array.reference_latitude,
        reference_longitude=array.reference_longitude,
        reference_elevation_m=array.reference_elevation_m,
        kind=array.kind,
        beam_groups={k: tuple(v) for k, v in array.beam_groups.items()},
        description=array.description,
        offsets_km={e.station: (e.deast_km, e.dnorth_km) for e in array.elements},
    )
