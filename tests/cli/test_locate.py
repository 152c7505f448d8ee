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


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_locate_leaves_out_the_windows_without_detections(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The ISC's readings at IMS primary stations of two Tunisian events a year apart
    (2017-05-04 M 3.8, 2018-05-21 M 4.5) as a detections table: the span is 9,000 windows
    of an hour, all but a few without a detection; they are left out (before, each was
    processed: 57 years of a bulletin's readings did not finish in 10 minutes), and both
    events are found."""
    from dataclasses import replace

    from tests.support.ims import ims_primary_codes
    from tests.support.isc import read_isc, true_event

    site = shared_data / "ims_site_tables/ims.site"
    primary = ims_primary_codes(site.with_name("ims.affiliation"))
    dets, events, _ = read_isc(
        shared_data / "bulletins/isc_tunisia_mloc/isc_bulletin_tunisia_1960-2018_ims1.txt",
        codes=primary,
    )
    chosen = [k for k, e in enumerate(events) if e.time.year in (2017, 2018)
              and e.time.julday in (124, 141) and e.magnitude >= 3.8]  # fmt: skip
    assert len(chosen) == 2
    mine = [replace(d, network="IM") for d in dets if true_event(d) in chosen]
    table = tmp_path / "d.parquet"
    write_detections(mine, table, {})
    db = tmp_path / "b.db"
    argv = ["locate", "--detections", str(table), "--inventory", str(site), "--db",
            f"sqlite:///{db}", "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "windows hold no detection: left out" in out
    with BulletinStore(f"sqlite:///{db}") as store:
        found = store.load().events
    times = sorted(e.origin.time for e in found)
    assert len(times) == 2
    for t, k in zip(times, sorted(chosen), strict=True):
        assert abs(t - events[k].time) < 10.0
