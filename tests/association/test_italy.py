"""Central Italy 2016-10-14: real automatic picks vs the LOC-FLOW catalogue (first 10 min)."""

from __future__ import annotations

from pathlib import Path

from obspy import UTCDateTime

from openndc.association import associate, local_config
from tests.support.compare import match_catalogue
from tests.support.realpicks import (
    read_hypoinverse_sum,
    read_real_picks,
    read_real_stations,
)

DAY = UTCDateTime(2016, 10, 14)


def test_italy_first_ten_minutes_against_catalogue(shared_data: Path) -> None:
    root = shared_data / "italy_picks_2016-10-14"
    net = read_real_stations(root / "REAL_demo" / "Data" / "station.dat")
    picks = read_real_picks(root / "REAL_demo" / "Pick" / "20161014", DAY, 0.0, 660.0)
    cat = [
        e
        for e in read_hypoinverse_sum(root / "LOCFLOW/location/hypoinverse/catOut.sum")
        if e[0] < DAY + 600.0
    ]
    res = associate(picks, net, local_config(model="constant:6.0,3.4"))
    found = [
        (e.origin.time, e.origin.latitude, e.origin.longitude, e.origin.depth_km)
        for e in res.events
        if e.origin.time < DAY + 600.0
    ]
    m = match_catalogue(found, cat, max_dt=3.0, max_km=15.0)
    assert len(cat) >= 15
    assert m.recall >= 0.85  # the octree search: 14 of 15 (grid: 0.7)
    assert m.median_km <= 5.0
