"""``read_inventory``: one entry point for every station metadata format OpenNDC reads."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from obspy import Inventory, UTCDateTime
from obspy import read_inventory as obspy_read_inventory

from openndc.inventory.arrays import ArraysConfig, load_arrays_config
from openndc.inventory.css import read_css_site
from openndc.inventory.kazakh import kazakh_network
from openndc.inventory.stationxml import from_obspy_inventory
from openndc.model.errors import InventoryError
from openndc.model.inventory import MonitoringNetwork

__all__ = ["read_inventory"]

log = logging.getLogger(__name__)

BUILTIN = {"kz": kazakh_network}
"""Built-in networks, by the name accepted instead of a file."""


def _looks_like_xml(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(512).lstrip()
    except OSError as exc:
        raise InventoryError(f"{path}: cannot read inventory: {exc}") from exc
    return head.startswith(b"<")


def read_inventory(
    path: str | Path,
    *,
    arrays: str | Path | ArraysConfig | None = None,
    at: UTCDateTime | tuple[UTCDateTime, UTCDateTime] | None = None,
) -> MonitoringNetwork:
    """Stations, channels and arrays from ``path``.

    ``path`` is a StationXML file (detected by content), a CSS3.0 ``.site`` table (its
    ``.sitechan`` beside it, same stem) or the name ``kz`` of the built-in Kazakh network.
    ``arrays`` is an arrays config file (TOML) for StationXML inventories; ``at``
    (default: latest/now) selects the epoch in effect; a ``(start, end)`` window selects
    every station in effect at any moment of it (a run uses each station for the part of
    its window that the station's epoch covers).
    """
    if isinstance(path, str) and path.lower() in BUILTIN and not Path(path).exists():
        if arrays is not None:
            log.warning("--arrays ignored for the built-in network %r", path)
        return BUILTIN[path.lower()]()
    p = Path(path)
    if not p.is_file():
        raise InventoryError(
            f"{p}: inventory not found; give a StationXML file, a CSS3.0 .site file or "
            f"one of the built-in names {sorted(BUILTIN)}"
        )
    config = load_arrays_config(arrays) if isinstance(arrays, str | Path) else arrays
    if p.suffix.lower() == ".site":
        if config is not None:
            log.warning("%s: arrays config ignored; CSS3.0 site tables declare arrays", p)
        # CSS3.0 epochs are whole days: a window takes the sites in effect on its last day.
        try:
            network = read_css_site(p, at=at[1] if isinstance(at, tuple) else at)
        except (ValueError, OverflowError, ZeroDivisionError) as exc:  # impossible numbers
            raise InventoryError(f"{p}: impossible value in the CSS3.0 tables: {exc}") from exc
        return _checked(network, p)
    if not _looks_like_xml(p):
        raise InventoryError(
            f"{p}: not StationXML and not a CSS3.0 .site table; convert it to StationXML "
            "or name the site table with the .site extension"
        )
    stat = p.stat()
    inv = _parse_stationxml(str(p.resolve()), stat.st_mtime_ns, stat.st_size)
    return _checked(from_obspy_inventory(inv, config, at=at, name=p.stem), p)


@functools.lru_cache(maxsize=4)
def _parse_stationxml(path: str, mtime_ns: int, size: int) -> Inventory:
    """The parsed StationXML file, once per file version (``mtime_ns``, ``size``): a run
    selects every window's epochs from it without parsing the file again."""
    try:
        return obspy_read_inventory(path)
    except Exception as exc:  # ObsPy raises many types for bad files
        raise InventoryError(f"{path}: cannot read StationXML: {exc}") from exc


def _checked(network: MonitoringNetwork, path: Path) -> MonitoringNetwork:
    """Raise :class:`InventoryError` naming ``path`` for impossible station coordinates.

    Latitude must be in [-90, 90], longitude in [-180, 180], elevation in [-12, 9] km.
    """
    for s in network.stations:
        where = f"{path}: station {s.network}.{s.code}"
        if not -90.0 <= s.latitude <= 90.0 or not -180.0 <= s.longitude <= 180.0:
            raise InventoryError(
                f"{where}: impossible coordinates {s.latitude:g}, {s.longitude:g}; fix the "
                "latitude (-90..90) and longitude (-180..180)"
            )
        if not -12000.0 <= s.elevation_m <= 9000.0:
            raise InventoryError(f"{where}: impossible elevation {s.elevation_m:g} m")
    return network
