"""Map of hydroacoustic paths: from a few epicentres to the IMS hydroacoustic stations, the
great circles :func:`openndc.geo.hydro_paths` finds open (blue; the seismic leg of an event
under land in orange) and blocked (grey), on offline GSHHG coastlines.

Usage: ``python benchmarks/hydro_paths_map.py [OUT.png]`` (default
``benchmarks/out/hydro_paths.png``). Stations from ``../shared/data/ims_site_tables``
(``OPENNDC_SHARED_DATA``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from obspy import UTCDateTime

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from openndc.geo import hydro_paths
from openndc.model.geodesy import DEG_KM, destination, distance_azimuth
from openndc.plots.maps import draw_map
from tests.support.ims import ims_affiliations, read_ims_network

#: Epicentres (lat, lon) and names: at sea, near a coast, far inland.
EPICENTRES = {
    "Mid-Atlantic Ridge": (0.9, -29.0),
    "Chilean Andes": (-33.5, -70.5),
    "Sumatra": (3.0, 95.0),
    "Tunisia": (34.5, 9.0),
}


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "out/hydro_paths.png"
    shared = Path(os.environ.get("OPENNDC_SHARED_DATA", Path(__file__).parents[2] / "shared/data"))
    root = shared / "ims_site_tables"
    kinds = ims_affiliations(root / "ims.affiliation")
    net = read_ims_network(root / "ims.site", UTCDateTime(2024, 1, 1), set(kinds))
    hyd = [s for s in net.stations if kinds.get(s.code) == "IMS_HYD"]
    lat = np.array([s.latitude for s in hyd])
    lon = np.array([s.longitude for s in hyd])
    fig, axes = plt.subplots(len(EPICENTRES), 1, figsize=(11, 4.2 * len(EPICENTRES)))
    for ax, (name, (la, lo)) in zip(axes, EPICENTRES.items(), strict=True):
        draw_map(ax, (-180.0, 180.0, -70.0, 75.0))
        p = hydro_paths(la, lo, lat, lon)
        dist, az, _ = distance_azimuth(la, lo, lat, lon)
        for j, s in enumerate(hyd):
            s_km = np.linspace(0.0, float(dist[j]) * DEG_KM, 400)
            plat, plon = destination(la, lo, s_km / DEG_KM, float(az[j]))
            plon = np.where(np.abs(np.diff(plon, prepend=plon[0])) > 180, np.nan, plon)
            color = "tab:blue" if p.open[j] else "0.6"
            ax.plot(plon, plat, color=color, lw=1.2 if p.open[j] else 0.6)
            leg = s_km <= p.land_km[j]
            if p.open[j] and leg.any():
                ax.plot(plon[leg], plat[leg], color="tab:orange", lw=2.0)
            ax.plot(s.longitude, s.latitude, "v", color="tab:blue" if p.open[j] else "0.4", ms=6)
        ax.plot(lo, la, "*", color="tab:red", ms=14)
        n_open = int(p.open.sum())
        ax.set_title(f"{name} ({la:g}, {lo:g}): open to {n_open} of {len(hyd)} hydroacoustic sites")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=64)
    print(out)


if __name__ == "__main__":
    main()
