from __future__ import annotations

import math
import warnings
from pathlib import Path

import pandas as pd
import pytest
from obspy import UTCDateTime

from openndc.io.tables import (
    detections_to_frame,
    frame_to_detections,
    read_detections,
    write_detections,
)
from openndc.model.detection import DETECTION_COLUMNS, Detection
from openndc.model.errors import OpenNDCError


def _dets() -> list[Detection]:
    return [
        Detection(
            "KZ",
            "MKAR",
            "",
            "SHZ",
            UTCDateTime("2024-01-01T00:00:10.123456"),
            phase="Pn",
            snr=12.5,
            backazimuth=87.0,
            slowness=13.7,
            method="beam",
            id="a",
        ),
        Detection(
            "II",
            "KURK",
            "00",
            "BHZ",
            UTCDateTime("2024-01-01T00:00:05"),
            phase="P",
            snr=4.0,
            amplitude=3.2,
            amplitude_unit="nm",
            period=0.8,
            id="b",
        ),
    ]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    path = write_detections(_dets(), tmp_path / f"d{suffix}", {"method": "test"})
    frame = read_detections(path)
    assert list(frame.columns) == [c.name for c in DETECTION_COLUMNS]
    back = frame_to_detections(frame)
    assert [d.station for d in back] == ["KURK", "MKAR"]  # sorted by time
    assert back[1].time == UTCDateTime("2024-01-01T00:00:10.123456")
    assert back[1].location == "" and back[0].location == "00"
    assert back[1].slowness == 13.7 and math.isnan(back[0].slowness)
    assert back[0].amplitude_unit == "nm"


def test_csv_header_documents_units(tmp_path: Path) -> None:
    path = write_detections(_dets(), tmp_path / "d.csv")
    head = path.read_text().splitlines()[:40]
    assert any(line.startswith("# backazimuth [deg]") for line in head)
    assert any(line.startswith("# provenance:") for line in head)


def test_minimal_foreign_table(tmp_path: Path) -> None:
    path = tmp_path / "foreign.csv"
    path.write_text("time,station,phase\n2024-01-01T00:00:00Z,ABC,P\n")
    (det,) = frame_to_detections(read_detections(path))
    assert det.station == "ABC" and det.phase == "P" and math.isnan(det.snr)


def test_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(OpenNDCError, match=r"nope\.csv"):
        read_detections(tmp_path / "nope.csv")
    with pytest.raises(OpenNDCError, match=r"\.txt"):
        write_detections(_dets(), tmp_path / "d.txt")
    bad = tmp_path / "bad.csv"
    bad.write_text("station,phase\nABC,P\n")
    with pytest.raises(OpenNDCError, match="time"):
        frame_to_detections(read_detections(bad), str(bad))


def test_empty_table_has_columns() -> None:
    frame = detections_to_frame([])
    assert len(frame) == 0 and "backazimuth" in frame.columns


def test_docs_document_every_column() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "detection.md").read_text()
    for c in DETECTION_COLUMNS:
        assert f"| `{c.name}` | {c.dtype} | {c.unit or '—'} |" in doc, c.name


def test_bad_rows_are_warned_and_skipped_the_rest_read() -> None:
    from openndc.io.tables import frame_to_detections
    from openndc.model.errors import DataQualityWarning

    frame = pd.DataFrame(
        {
            "time": ["2024-01-01T00:00:01", None, "2024-01-01T00:00:03", "2024-01-01T00:00:04"],
            "station": ["AAA", "BBB", "", "DDD"],
            "phase": ["P", "P", "S", "XYZ"],
            "snr": [5.0, math.nan, 3.0, math.nan],
        }
    )
    with pytest.warns(DataQualityWarning) as record:
        dets = frame_to_detections(frame, "picks.csv")
    assert [d.station for d in dets] == ["AAA", "DDD"]
    assert dets[1].phase == ""  # unknown code left for association to name
    text = " ".join(str(w.message) for w in record)
    assert "picks.csv: row 1: no usable time" in text
    assert "row 2: no usable station" in text
    assert "unknown phase code 'XYZ'" in text


def _rows(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "d.csv"
    path.write_text("network,station,channel,time,phase,backazimuth,time_uncertainty\n" + body)
    return path


def test_bad_rows_are_rejected_and_named(tmp_path: Path) -> None:
    path = _rows(
        tmp_path,
        "KZ,MKAR,BHZ,2020-01-01T00:00:01,P,120,0.5\n"
        "KZ,MKAR,BHZ,2020-01-01T00:00:02,P,north,0.5\n"  # text in a numeric column
        "KZ,MKAR,BHZ,2020-01-01T00:00:03,P,9999,0.5\n"  # back-azimuth 9999
        "KZ,MKAR,BHZ,2020-01-01T00:00:04,P,120,-1\n"  # negative uncertainty
        "KZ,MKAR,BHZ,2999-01-01T00:00:05,P,120,0.5\n"  # far future
        "KZ,MKAR,BHZ,2020-01-01T00:00:01,P,120,0.5\n",  # the first row again
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dets = frame_to_detections(read_detections(path), str(path))
    assert [d.time for d in dets] == [UTCDateTime(2020, 1, 1, 0, 0, 1)]
    text = "\n".join(str(w.message) for w in caught)
    for needle in (
        "row 1: backazimuth 'north' is not a number",
        "row 2: backazimuth = 9999",
        "row 3: time_uncertainty = -1",
        "row 4: time 2999",
        "1 repeated row",
    ):
        assert needle in text


def test_every_phase_code_association_names_survives_a_table(tmp_path: Path) -> None:
    """A table from another system (the IDC's arrivals: T, pP, PKPbc, ...) keeps the codes
    association classifies: a hydroacoustic T read as unnamed would be taken for a P."""
    from openndc.association.associate import HYDRO_NAMES, INFRA_NAMES, LATER_NAMES
    from openndc.association.tables import P_PHASES, S_PHASES

    names = sorted(P_PHASES | S_PHASES | LATER_NAMES | HYDRO_NAMES | INFRA_NAMES)
    t0 = UTCDateTime(2024, 1, 1)
    dets = [Detection("IM", "H08S", "", "EDH", t0 + k, phase=p) for k, p in enumerate(names)]
    path = write_detections(dets, tmp_path / "d.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no code is unknown
        back = frame_to_detections(read_detections(path), str(path))
    assert [d.phase for d in back] == names
