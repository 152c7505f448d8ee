"""End to end on real explosions: the DPRK tests of 2016 seen by regional broadband stations.

SAC files → ``openndc archive import`` (SDS + StationXML from the SAC headers) →
``openndc detect`` → P detections compared with TauP ak135 first-P predictions from the
reference origin (Yao et al. 2018 relative locations, see the data's SOURCE.md).
Goal from the issue: a P detection within 3 s of the prediction at >= 80 % of stations.
Measured (docs/detection.md): 83 % and 85 % (78 % and 81 % before the onset back-search
for an emergent, weaker first P, which moved ERM on 2016-01-06 and JGF, JSU on
2016-09-09 onto their first P); the misses are onsets that really arrive ~4 s after ak135
at JYT (both events), JSU and JEM on 2016-01-06, and stations with no visible P. Stations
whose vertical holds no finite sample around the predicted P (JSG on 2016-09-09 is all
NaN) cannot detect and are left out of the count.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from obspy import UTCDateTime

from openndc.archive import SDSArchive
from openndc.cli.main import main
from openndc.inventory import read_inventory
from openndc.io.tables import frame_to_detections, read_detections
from openndc.pipeline.evaluate import compare_first_p

EVENTS = ("2016.01.06.01.30.01", "2016.09.09.00.30.01")


def _reference(folder: Path, event: str) -> dict[str, str]:
    with (folder / "reference_events.csv").open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["event_dir"] == event]
    return next(r for r in rows if r["source"].startswith("Yao"))


@pytest.mark.parametrize("event", EVENTS)
def test_dprk_p_detections_match_taup(shared_data: Path, tmp_path: Path, event: str) -> None:
    folder = shared_data / "dprk_nuclear_tests_2016"
    ref = _reference(folder, event)
    origin = UTCDateTime(ref["origin_time_utc"])
    sds, inv, out = tmp_path / "sds", tmp_path / "inv.xml", tmp_path / "det.csv"
    files = sorted(str(p) for p in (folder / event).glob("*.sac"))
    assert (
        main(["archive", "import", *files, "--archive", str(sds), "--inventory-out", str(inv)]) == 0
    )
    assert (
        main(
            [
                "detect",
                "--archive",
                str(sds),
                "--inventory",
                str(inv),
                "--start",
                str(origin - 150),
                "--end",
                str(origin + 630),
                "--out",
                str(out),
                "--workers",
                "1",
                "--no-progress",
            ]
        )
        == 0
    )
    network = read_inventory(inv)
    detections = frame_to_detections(read_detections(out))
    data = SDSArchive(sds).read(origin, origin + 400, channel="BHZ").stream
    stations = sorted(
        {tr.stats.station for tr in data if np.isfinite(np.asarray(tr.data, float)).mean() > 0.5}
    )
    table = compare_first_p(
        detections,
        network,
        stations,
        origin,
        float(ref["latitude"]),
        float(ref["longitude"]),
        float(ref["depth_km"]),
    )
    print(f"\n{event}: first-P detections vs TauP ak135\n{table.to_string()}")
    within = (table["residual_s"].abs() <= 3.0).mean()
    print(f"P detection within 3 s of prediction at {within:.0%} of {len(table)} stations")
    within6 = (table["residual_s"].abs() <= 6.0).mean()
    print(f"within 6 s: {within6:.0%}")
    assert len(table) >= 20
    assert within >= 0.80
    assert within6 >= 0.85
