"""``openndc locate``: self-calibration over the whole detections table."""

from __future__ import annotations

from pathlib import Path

import pytest
from obspy import UTCDateTime

from openndc.bulletin import BulletinStore
from openndc.cli.main import main
from openndc.io.sasc import read_sasc_tables
from openndc.io.tables import write_detections
from tests.support.ims import SMALL_TUNISIAN, biased_array_detections


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_reb_preset_calibrates_the_arrays_over_the_whole_table(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Twelve large events and a three-station Tunisian event over arrays biased 6-15 deg,
    as a detections table. ``--preset reb`` self-calibrates over the whole table (its
    windows of an hour hold one large event each: too few for each window's own), keeps
    the corrections as SASC files beside the database and finds the small event; without
    self-calibration it is lost."""
    _, dets, bias = biased_array_detections(shared_data, UTCDateTime(2024, 1, 1))
    table = tmp_path / "d.csv"
    write_detections(dets, table, {})
    site = str(shared_data / "ims_site_tables/ims.site")
    small = {f"ev-{c}" for c in SMALL_TUNISIAN[1]}
    off = tmp_path / "off.toml"
    off.write_text("[association]\nself_calibrate = false\n")
    for name, extra in (("on", []), ("off", ["--config", str(off)])):
        db = tmp_path / f"{name}.db"
        argv = ["locate", "--detections", str(table), "--inventory", site, "--db",
                f"sqlite:///{db}", "--preset", "reb", "--no-progress", *extra]  # fmt: skip
        assert main(argv) == 0
        out = capsys.readouterr().out
        with BulletinStore(f"sqlite:///{db}") as store:
            events = store.load().events
        found = any(small <= {a.detection.id for a in e.arrivals} for e in events)
        assert found is (name == "on"), out
        assert sum(1 for e in events if len(e.arrivals) >= 6) == 12
    tables = read_sasc_tables(tmp_path / "on.sasc")
    assert tables["ESDC"].bins[0].azimuth_correction == pytest.approx(bias["ESDC"], abs=3.0)
    assert not (tmp_path / "off.sasc").exists()
