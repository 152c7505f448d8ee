"""`openndc process`'s closing report: the span's events and the run's own earlier ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from openndc.bulletin import BulletinStore
from openndc.cli.process import print_report
from openndc.pipeline.contract import Window
from openndc.pipeline.runner import RunReport
from tests.bulletin.conftest import T0, make_bulletin


def test_run_events_with_origins_before_the_span_are_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A teleseism found from the span's data has its origin up to ~20 min before the span
    starts: it is listed with the span's events (it was not, and the table was empty)."""
    events = make_bulletin(3)  # origins T0, T0 + 1 h, T0 + 2 h
    with BulletinStore(f"sqlite:///{tmp_path}/b.db") as store:
        store.store(events)
        start, end = T0 + 3600.0 + 600.0, T0 + 3 * 3600.0
        span = Window(start, end)
        # this run made the second event (origin 10 min before the span); the first is old
        report = RunReport(windows=[span], new=[events.events[1].id])
        print_report(report, store, start, end)
    out = capsys.readouterr().out
    assert "2 events in" in out
    lines = [ln for ln in out.splitlines() if ln.startswith(str(T0.year))]
    assert [ln[:13] for ln in lines] == [
        str(events.events[1].origin.time)[:13],
        str(events.events[2].origin.time)[:13],
    ]
