"""Golden answers: the FDSN text formats of the test archive, inventory and bulletin.

A change in what the services answer shows up here as a diff against the committed files
(``tests/services/golden/``); regenerate them deliberately with
``OPENNDC_REGENERATE_GOLDEN=1 pytest tests/services/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

GOLDEN = Path(__file__).parent / "golden"

CASES = {
    "event_text.txt": ("/fdsnws/event/1/query", {"format": "text", "orderby": "time-asc"}),
    "station_network.txt": ("/fdsnws/station/1/query", {"format": "text", "level": "network"}),
    "station_station.txt": ("/fdsnws/station/1/query", {"format": "text", "level": "station"}),
    "station_channel_rjob.txt": (
        "/fdsnws/station/1/query",
        {"format": "text", "level": "channel", "sta": "RJOB", "cha": "EHZ"},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_answer(fdsn_app: object, name: str) -> None:
    path, params = CASES[name]
    r = TestClient(fdsn_app).get(path, params=params)  # type: ignore[arg-type]
    assert r.status_code == 200
    golden = GOLDEN / name
    if os.environ.get("OPENNDC_REGENERATE_GOLDEN"):
        golden.write_text(r.text)
    assert r.text == golden.read_text()
