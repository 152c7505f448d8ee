"""Units checked on input: a detections table with slownesses in s/km (not s/deg) stops the
run with an error naming the input and the fix, instead of associating nothing (before: the
window runner turned ``associate``'s error into a data problem and ``openndc locate`` ended
with zero events; ``associate`` alone: ``test_later.py``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from obspy import UTCDateTime

from openndc.cli.main import main
from openndc.inventory.reader import read_inventory
from openndc.io.tables import write_detections
from openndc.model import Detection
from openndc.model.geodesy import DEG_KM
from openndc.traveltime import load_travel_times
from tests.support.synthetic import SyntheticEvent, synthetic_detections

T0 = UTCDateTime(2024, 5, 1, 3)
EVENTS = [
    SyntheticEvent(T0 + 300.0, 43.0, 77.0, 10.0),  # northern Tien Shan
    SyntheticEvent(T0 + 1500.0, 50.0, 79.0, 0.0),  # eastern Kazakhstan
]


def _detections() -> list[Detection]:
    network = read_inventory("kz")
    dets = synthetic_detections(network, EVENTS, load_travel_times("ak135"), seed=4,
                                false_per_site_hour=0.5)  # fmt: skip
    assert sum(d.slowness is not None and d.slowness > 1.0 for d in dets) >= 5
    return dets


def _in_s_per_km(dets: list[Detection]) -> list[Detection]:
    return [
        dataclasses.replace(d, slowness=d.slowness / DEG_KM) if d.slowness is not None else d
        for d in dets
    ]


def test_locate_names_the_table_in_wrong_units(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    dets = _detections()
    write_detections(dets, good)
    write_detections(_in_s_per_km(dets), bad)
    base = ["locate", "--inventory", "kz", "--no-progress"]
    assert main([*base, "--detections", str(good), "--db", f"sqlite:///{tmp_path}/a.db"]) == 0
    capsys.readouterr()
    assert main([*base, "--detections", str(bad), "--db", f"sqlite:///{tmp_path}/b.db"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.csv" in err[0] and "s/deg" in err[0], err
