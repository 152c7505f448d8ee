"""CSS3.0 arrival tables (the IDC's detections) read as detections."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest
from obspy import UTCDateTime

from openndc.bulletin import BulletinStore
from openndc.cli.main import main
from openndc.io.css_arrival import is_arrival_table, read_arrival_table
from openndc.io.tables import frame_to_detections, read_detections
from openndc.model.errors import DataQualityWarning, OpenNDCError
from openndc.model.geodesy import DEG_KM, distance_azimuth

T = UTCDateTime(2024, 1, 1, 0, 10, 0)


def _row(sta: str, t: float, chan: str, iphase: str, deltim: float, az: float, delaz: float,
         slow: float, delslo: float, ema: float, rect: float, amp: float, per: float,
         fm: str, snr: float, qual: str) -> str:  # fmt: skip
    """One row in the CSS3.0 layout (Anderson et al. 1990: fixed columns, nulls -1 / -)."""
    return (
        f"{sta:<6s} {t:17.5f} {1001:8d} {2024001:8d} {-1:8d} {-1:8d} {chan:<8s} {iphase:<8s} "
        f"- {deltim:6.3f} {az:7.2f} {delaz:7.2f} {slow:7.2f} {delslo:7.2f} {ema:7.2f} "
        f"{rect:7.3f} {amp:10.1f} {per:7.2f} {-999.0:7.2f} - {fm:<2s} {snr:10.2f} {qual} "
        f"{'IDCDACS':<15s} {-1:8d} {'2024-Jan-01':>17s}"
    )


# fmt: off
#: sta, time after T, chan, iphase, deltim, azimuth, delaz, slow, delslo, ema, rect, amp,
#: per, fm, snr, qual
ROWS = [
    # an array's P: every measurement
    ("MKAR", 1.25, "cb", "P", 0.3, 97.5, 2.1, 8.4, 0.6, -1, -1, 12.3, 0.8, "c.", 7.5, "i"),
    # a 3-C station's: no slowness measured, polarization, an emergent dilatation
    ("KURK", 30.0, "BHZ", "Pn", 1.1, 255.0, 22.0, -1, -1, 35.0, 0.8, -1, -1, "d.", 3.2, "e"),
    # a hydrophone's T phase and a noise detection keep their codes
    ("H08S", 600.0, "EDH", "T", -1, -1, -1, -1, -1, -1, -1, -1, -1, "-", 4.0, "-"),
    ("BVAR", 5.0, "cb", "N", 0.5, 361.5, 3.0, 12.0, 1.0, -1, -1, 5.0, 1.2, "-", 2.9, "-"),
]
# fmt: on


def _line(row: tuple[object, ...]) -> str:
    sta, dt, *rest = row
    return _row(str(sta), T.timestamp + float(dt), *rest)  # type: ignore[arg-type]


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "idc.arrival"
    path.write_text("\n".join(_line(r) for r in ROWS) + "\n\n")
    return path


def test_the_fields_become_the_detection_columns(table: Path) -> None:
    dets = read_arrival_table(table)
    assert [d.station for d in dets] == ["MKAR", "BVAR", "KURK", "H08S"]  # time order
    mk, bv, ku, h = dets
    assert mk.time == T + 1.25 and mk.phase == "P" and mk.channel == "cb"
    assert (mk.backazimuth, mk.backazimuth_uncertainty) == (97.5, 2.1)
    assert (mk.slowness, mk.slowness_uncertainty) == (8.4, 0.6)  # s/deg, as CSS3.0 writes
    assert (mk.amplitude, mk.amplitude_unit, mk.period) == (12.3, "nm", 0.8)
    assert mk.time_uncertainty == 0.3 and mk.snr == 7.5
    assert mk.onset == "impulsive" and mk.polarity == "positive"
    assert mk.network == "" and mk.evaluation_mode is None  # CSS3.0 says neither
    assert math.isnan(mk.incidence) and math.isnan(mk.rectilinearity)
    # -1 is CSS3.0's null: not measured, not zero
    assert math.isnan(ku.slowness) and math.isnan(ku.amplitude) and ku.amplitude_unit == ""
    assert (ku.incidence, ku.rectilinearity) == (35.0, 0.8)
    assert ku.onset == "emergent" and ku.polarity == "negative" and ku.phase == "Pn"
    assert h.phase == "T" and math.isnan(h.backazimuth) and h.onset is None
    assert bv.phase == "N" and bv.backazimuth == pytest.approx(1.5)  # 361.5 wrapped


def test_the_detections_table_reader_takes_them_with_its_checks(table: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)  # nothing to complain about
        dets = frame_to_detections(read_detections(table), str(table))
    assert [(d.station, d.phase) for d in dets] == [
        ("MKAR", "P"),
        ("BVAR", "N"),
        ("KURK", "Pn"),
        ("H08S", "T"),
    ]
    assert dets == read_arrival_table(table)


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("MKAR 1704067801.25 1001 2024001 -1 -1 cb P", "at least 22 fields"),
        (_line(ROWS[0]).replace(" 8.40 ", " 8,4x "), "slow '8,4x' is not a number"),
    ],
)
def test_a_bad_row_is_one_error_naming_the_file_and_line(
    tmp_path: Path, table: Path, line: str, said: str
) -> None:
    bad = tmp_path / "bad.arrival"
    bad.write_text(table.read_text() + line + "\n")
    with pytest.raises(OpenNDCError, match=rf"bad\.arrival:6: .*{said}"):
        read_arrival_table(bad)


def test_the_idc_analysts_dprk_2006_arrivals(shared_data: Path) -> None:
    """geotool's test data: the IDC's 24 arrivals of the 2006-10-09 DPRK test."""
    dets = read_arrival_table(shared_data / "idc_css_samples/geotool_dprk2006/DPRK_test.arrival")
    assert len(dets) == 24 and len({d.station for d in dets}) == 22
    p = [d for d in dets if d.phase == "P"]
    assert all(math.isfinite(d.backazimuth) and math.isfinite(d.slowness) for d in p)
    assert all(d.amplitude_unit == "nm" and d.period > 0 for d in p)
    assert [d.station for d in dets if d.phase == "T"] == ["NOA"]


def test_locate_builds_the_idc_event_from_its_arrival_table(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``openndc locate`` on the IDC's CSS3.0 arrival table and site table, as an NDC gets
    them: one event at the analysts' LocSAT origin (41.3119 N, 129.0189 E, mb 4.08)."""
    root = shared_data / "idc_css_samples/geotool_dprk2006"
    db = f"sqlite:///{tmp_path / 'b.db'}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # INK, FITZ: not in the site table
        rc = main(
            ["locate", "--detections", str(root / "DPRK_test.arrival"), "--inventory",
             str(shared_data / "ims_site_tables/ims.site"), "--db", db, "--no-progress"]
        )  # fmt: skip
    assert rc == 0
    with BulletinStore(db) as store:
        events = store.load().events
    assert len(events) == 1
    o = events[0].origin
    km = float(distance_azimuth(41.3119, 129.0189, o.latitude, o.longitude)[0]) * DEG_KM
    assert km < 25.0 and abs(o.time - UTCDateTime(1160357727.5751)) < 3.0
    assert len({a.detection.station for a in events[0].arrivals}) >= 14
    mb = events[0].magnitude("mb")
    assert mb is not None and abs(mb.value - 4.08) < 0.3
    assert "1 new events" in capsys.readouterr().out


def test_a_table_with_a_header_is_read_by_its_columns(tmp_path: Path) -> None:
    """The KB Core flat files of Sandia's LocOO3D: a ``#`` header names the arrival columns
    (any subset with sta and time, any order, tab-separated); the others are null."""
    path = tmp_path / "arrivals.txt"
    header = "#ARID\tSTA\tJDATE\tTIME\tDELTIM\tAZIMUTH\tDELAZ\tSLOW\tDELSLO"
    rows = [f"1\tMKAR\t2024001\t{T.timestamp + 5.0:.4f}\t0.12\t97.5\t2.1\t8.4\t0.6",
            f"2\tKURK\t2024001\t{T.timestamp:.4f}\t1.07\t-1\t-1\t-1\t-1"]  # fmt: skip
    path.write_text("\n".join([header, *rows]) + "\n")
    assert is_arrival_table(path)
    first, second = read_arrival_table(path)
    assert (first.station, first.time, first.time_uncertainty) == ("KURK", T, 1.07)
    assert math.isnan(first.backazimuth) and first.phase == ""
    assert (second.station, second.backazimuth, second.slowness_uncertainty) == ("MKAR", 97.5, 0.6)
    assert math.isnan(second.snr) and second.polarity is None
    path.write_text("\n".join([header, rows[0], rows[1] + "\t7"]) + "\n")
    with pytest.raises(OpenNDCError, match=r"arrivals\.txt:3: the header names 9 columns"):
        read_arrival_table(path)
    other = tmp_path / "other.txt"
    other.write_text("#STA\tLAT\tLON\nMKAR\t46.79\t82.29\n")  # a site table's header
    assert not is_arrival_table(other)


def test_locate_builds_an_idc_event_from_locoo3d_tables(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``openndc locate`` on the IDC arrivals of a 2013-04-22 Hungarian event (Sandia's
    LocOO3D example, orid 8926220: 12 Pn/Sn arrivals at 8 IMS stations, azimuth, slowness
    and their uncertainties, no phase names): one event at the IDC's origin (47.624 N,
    20.227 E, 22:28:47.24), found without its phase names."""
    root = shared_data / "idc_css_samples/sandia_locoo3d/file_io_rstt_Data"
    db = f"sqlite:///{tmp_path / 'h.db'}"
    rc = main(["locate", "--detections", str(root / "arrivals.txt"), "--inventory",
               str(shared_data / "ims_site_tables/ims.site"), "--db", db,
               "--no-progress"])  # fmt: skip
    assert rc == 0
    with BulletinStore(db) as store:
        (event,) = store.load().events
    o = event.origin
    km = float(distance_azimuth(47.624, 20.227, o.latitude, o.longitude)[0]) * DEG_KM
    assert km < 25.0 and abs(o.time - UTCDateTime(1366669727.24)) < 3.0
    assert len({a.detection.station for a in event.arrivals}) >= 5
    assert "12 detections at 8 stations" in capsys.readouterr().out
