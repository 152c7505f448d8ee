"""The land mask behind onshore/offshore: GLOBE 1 km reduced to 0.05 deg cells, shipped.

:func:`land_mask` loads ``data/land_mask_0.05deg.npz`` (128 kB: a bit-packed
3600 x 7200 boolean grid, row 0 at 90 N, column 0 at 180 W, True on land; lakes count as
land). It was made by :func:`build_land_mask` from the GLOBE 1 km land/ocean mask
(Hastings & Dunbar 1999, NOAA NGDC, public domain) as shipped by the ``global-land-mask``
package (a dev dependency, needed only to rebuild)::

    .venv/bin/python -m openndc.geo.landmask openndc/geo/data/land_mask_0.05deg.npz

A cell is land when at least half of its 6 x 6 one-kilometre samples are land. 0.05 deg
(~5 km) is finer than the epicentre uncertainty of the events screened.
"""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["CELLS_PER_DEG", "LAND_MASK", "build_land_mask", "is_onshore", "land_mask", "on_land"]

#: Cells of the mask per degree.
CELLS_PER_DEG = 20
#: The shipped mask.
LAND_MASK = Path(__file__).resolve().parent / "data" / "land_mask_0.05deg.npz"


@lru_cache(maxsize=1)
def land_mask(path: str | Path = LAND_MASK) -> npt.NDArray[np.bool_]:
    """The (3600, 7200) boolean land grid."""
    with np.load(path) as data:
        shape = tuple(int(v) for v in data["shape"])
        return np.unpackbits(data["packed"], axis=1, count=shape[1]).astype(bool)


def on_land(latitude: npt.ArrayLike, longitude: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """The mask at many points [deg] (arrays of one shape): True on land (lakes too)."""
    mask = land_mask()
    lat = np.asarray(latitude, dtype=np.float64)
    lon = (np.asarray(longitude, dtype=np.float64) + 180.0) % 360.0 - 180.0
    i = np.clip(np.floor((90.0 - lat) * CELLS_PER_DEG).astype(np.int64), 0, mask.shape[0] - 1)
    j = np.clip(np.floor((lon + 180.0) * CELLS_PER_DEG).astype(np.int64), 0, mask.shape[1] - 1)
    return np.asarray(mask[i, j], dtype=bool)


def is_onshore(latitude: float, longitude: float) -> bool:
    """True on land (lakes count as land)."""
    return bool(on_land(latitude, longitude))


def build_land_mask(out: str | Path) -> npt.NDArray[np.bool_]:
    """Reduce the ``global-land-mask`` GLOBE mask to 0.05 deg cells and write it.

    The package's own loader expands the full 21600 x 43200 mask (~1 GB) when imported, so
    it is not imported: its compressed array (True over the ocean) is streamed block by
    block.
    """
    spec = importlib.util.find_spec("global_land_mask")
    if spec is None or not spec.submodule_search_locations:
        raise OSError("rebuilding the land mask needs: pip install global-land-mask")
    folder = Path(next(iter(spec.submodule_search_locations)))
    path = folder / "globe_combined_mask_compressed.npz"
    with zipfile.ZipFile(path) as z, z.open("mask.npy") as f:
        version = np.lib.format.read_magic(f)
        header = np.lib.format._read_array_header(f, version)  # type: ignore[attr-defined]
        (rows, cols), fortran, dtype = header
        if fortran or dtype != np.bool_:
            raise OSError(f"{path}: unexpected land mask layout")
        step = rows // (180 * CELLS_PER_DEG)
        n_i, n_j, per = rows // step, cols // step, 60  # cell rows per read
        mask = np.zeros((n_i, n_j), dtype=bool)
        for i in range(0, n_i, per):
            k = min(per, n_i - i)
            raw = np.frombuffer(f.read(k * step * cols), dtype=np.uint8)
            ocean = raw.reshape(k, step, n_j, step).sum(axis=(1, 3), dtype=np.uint16)
            mask[i : i + k] = ocean <= step * step // 2
    np.savez_compressed(
        out, packed=np.packbits(mask, axis=1), shape=np.array(mask.shape, dtype=np.int64)
    )
    return mask


if __name__ == "__main__":  # pragma: no cover - the build command in the docstring
    build_land_mask(sys.argv[1])
