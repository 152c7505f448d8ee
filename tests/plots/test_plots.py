"""The plots: record section by distance with the event's picks, score map with coastlines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from obspy import Stream, Trace, UTCDateTime

from openndc.inventory import read_inventory
from openndc.model.detection import Detection
from openndc.model.event import Arrival, Event, Origin
from openndc.plots import draw_score_map, map_extent, plot_event_record_section, plot_score_map
from openndc.plots.coastlines import coastline_polygons
from openndc.plots.record_section import event_distances, section_rows
from openndc.traveltime import load_travel_times

T0 = UTCDateTime("2024-03-01T10:00:00")


def _event_and_stream() -> tuple[Event, Stream, object]:
    network = read_inventory("kz")
    origin = Origin(time=T0, latitude=43.0, longitude=80.0, depth_km=10.0)
    tt = load_travel_times("ak135")
    stream, arrivals = Stream(), []
    sites: dict[str, str] = {}
    for s in network.stations:  # one station per array or single site
        sites.setdefault(s.array or s.code, s.code)
    codes = list(sites.values())[:8]
    event = Event(id="e1", origin=origin)
    dist = event_distances(event, network, codes)
    for code in codes:
        d = dist[code]
        p = float(tt.first_arrival(d, 10.0)[0])
        t = np.arange(400 * 20) / 20.0
        data = np.random.default_rng(1).normal(0, 1, t.size) + 50 * np.exp(-((t - p) ** 2))
        hdr = {"network": "KZ", "station": code, "channel": "BHZ", "sampling_rate": 20.0}
        stream.append(Trace(data.astype(np.float32), header={**hdr, "starttime": T0}))
        det = Detection("KZ", code, "", "BHZ", T0 + p, phase="P", id=f"{code}-P")
        arrivals.append(Arrival(det, "P", distance=d))
    return Event(id="e1", origin=origin, arrivals=tuple(arrivals)), stream, network


def test_record_section_rows_by_distance_with_picks(tmp_path: Path) -> None:
    event, stream, network = _event_and_stream()
    rows = section_rows(stream, event, network)  # type: ignore[arg-type]
    distances = [d for d, _, _ in rows]
    assert distances == sorted(distances) and len(rows) == 8
    codes = [code for _, code, _ in rows]
    assert codes != sorted(codes)  # not by name
    out = plot_event_record_section(stream, event, network, tmp_path / "rs.png")  # type: ignore[arg-type]
    assert out.stat().st_size > 10_000


def test_map_extent_is_sensible() -> None:
    lat = [43.0, 49.9, 41.3, np.nan, 95.0]  # an impossible latitude is ignored
    lon = [77.0, 82.5, 129.1, 10.0, 999.0]
    lon0, lon1, lat0, lat1 = map_extent(lat, lon)
    assert 30 < lat0 < 41.3 and 49.9 < lat1 < 60
    assert 60 < lon0 < 77 and 129.1 < lon1 < 145
    # across the antimeridian: a narrow extent, not the whole world
    lon0, lon1, _, _ = map_extent([50.0, 52.0], [178.0, -178.0])
    assert lon1 - lon0 < 20


def test_score_map_has_coastlines_and_both_markers(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = pd.DataFrame(
        {
            "status": ["matched", "matched", "missed", "false"],
            "truth_latitude": [43.0, 49.9, 41.3, np.nan],
            "truth_longitude": [77.0, 82.5, 129.1, np.nan],
            "bulletin_latitude": [43.05, 49.9, np.nan, 45.0],
            "bulletin_longitude": [77.02, 82.5, np.nan, 70.0],
        }
    )
    assert len(coastline_polygons((60.0, 140.0, 30.0, 60.0))) > 10
    fig, ax = plt.subplots()
    _, _, lat0, lat1 = draw_score_map(ax, table)
    assert -90 <= lat0 < 41.3 and 49.9 < lat1 <= 90 and lat1 - lat0 < 60
    assert len(ax.collections) >= 5  # land polygons + 4 marker sets
    zorders = {c.get_label(): c.get_zorder() for c in ax.collections if c.get_label()}
    assert zorders["bulletin location"] > zorders["true, found (2)"]
    plt.close(fig)
    assert plot_score_map(table, tmp_path / "m.png").stat().st_size > 10_000


@pytest.mark.parametrize("res", ["c", "l"])
def test_coastline_data_reads(res: str) -> None:
    polys = coastline_polygons((-180.0, 180.0, -90.0, 90.0), res)
    assert len(polys) > 100
    assert all(np.abs(xy[:, 1]).max() <= 90.0 for _, xy in polys)
