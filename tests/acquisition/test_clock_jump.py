"""A clock jump in one station's data: its timestamps step forward by two minutes for one
minute, then back. What is kept, what is reported, and the pipeline's data clock goes on.

Labelled times of the jumping station: ``[0, T)`` right, ``[T, T + D)`` labelled
``[T + J, T + J + D)``, then right again from ``T + D``. So the archive has a gap
``[T, T + D)`` for it, and the right records of ``[T + J, T + J + D)`` arrive after the
wrongly labelled ones already hold that span with other samples: they are quarantined
(kept beside the archive, reported with the stream and the reason), never dropped; so
are the right records that straddle the edges of that span (whole records are kept or
quarantined, never cut), which leaves two short gaps beside it in the archive.
"""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime

from openndc.acquisition import RecordWriter
from openndc.acquisition.writer import record_info
from openndc.archive import SDSArchive
from openndc.model.errors import DataQualityWarning
from openndc.pipeline.live import DataClock
from openndc.seedlink.source import read_records

START = UTCDateTime(2026, 5, 4, 10, 0, 0)
RATE = 40.0
SPAN = 600.0
T, D, J = 200.0, 60.0, 120.0  # jump at T, for D seconds, by J seconds
STATIONS = [f"ST{k:02d}" for k in range(7)] + ["JUMP"]


def _trace(sta: str, data: np.ndarray, start: UTCDateTime) -> Trace:
    return Trace(
        data.astype(np.int32),
        header={"network": "KZ", "station": sta, "location": "", "channel": "BHZ",
                "starttime": start, "sampling_rate": RATE},
    )  # fmt: skip


def _records(tr: Trace) -> list[bytes]:
    buf = io.BytesIO()
    Stream([tr]).write(buf, format="MSEED", reclen=512, encoding="STEIM2")
    recs, _ = read_records(buf.getvalue())
    return [r.data for r in recs]


def _source() -> tuple[dict[str, np.ndarray], list[tuple[float, str, bytes]]]:
    """Samples per station and the records as they arrive: (true end [s], station, bytes),
    in the order of their data's true end (a digitiser sends a record when it is full)."""
    rng = np.random.default_rng(5)
    n = int(SPAN * RATE)
    samples: dict[str, np.ndarray] = {}
    arrivals: list[tuple[float, str, bytes]] = []
    for sta in STATIONS:
        x = rng.normal(0, 500, n).astype(np.int32)
        samples[sta] = x
        pieces = [(0, n, 0.0)]
        if sta == "JUMP":
            i, j = int(T * RATE), int((T + D) * RATE)
            pieces = [(0, i, 0.0), (i, j, J), (j, n, 0.0)]
        for a, b, shift in pieces:
            for rec in _records(_trace(sta, x[a:b], START + a / RATE + shift)):
                _sid, s_ns, nsamp, rate, _tq, _flags = record_info(rec)
                true_end = (s_ns - START.ns) / 1e9 - shift + nsamp / rate
                arrivals.append((true_end, sta, rec))
    arrivals.sort(key=lambda a: a[0])
    return samples, arrivals


def test_a_clock_jump_keeps_every_sample_reports_it_and_the_clock_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    samples, arrivals = _source()
    quarantined: list[tuple[str, str]] = []
    writer = RecordWriter(
        tmp_path / "sds", on_quarantine=lambda stream, why: quarantined.append((stream, why))
    )
    clock = DataClock()
    good_end: dict[str, float] = {}
    q_samples = 0
    with (
        caplog.at_level(logging.WARNING, logger="openndc.acquisition"),
        warnings.catch_warnings(record=True) as warned,
    ):
        warnings.simplefilter("always", DataQualityWarning)
        for true_end, sta, rec in arrivals:
            outcome, archived = writer.accept(rec)
            if archived is not None:
                clock.record(str(archived.stream), archived.end)
            if outcome == "quarantined":
                q_samples += record_info(rec)[2]
            if sta != "JUMP":
                good_end[sta] = true_end
            now = clock.now()
            assert now is not None
            if len(good_end) == len(STATIONS) - 1:
                # the jumping station never pushes the clock ahead of the others, and the
                # others' data move it on (no stall): it is their earliest end
                assert now - START <= min(good_end.values()) + 1e-6
                if sta != "JUMP":
                    assert now - START >= min(good_end.values()) - 15.0
    writer.close()
    assert clock.now() == START + SPAN  # the pipeline's data time reached the end

    # every sample of the good stations archived once, no duplicate record
    with warnings.catch_warnings(record=True) as warned_read:
        warnings.simplefilter("always", DataQualityWarning)
        read = SDSArchive(tmp_path / "sds").read(START, START + SPAN + J)
    # the data problems are the jumping station's, and only its
    messages = [str(w.message) for w in [*warned, *warned_read]]
    assert messages and all("KZ.JUMP..BHZ" in m for m in messages)
    by_sta = {tr.stats.station: tr for tr in read.stream.copy().merge(method=1, fill_value=None)}
    for sta in STATIONS[:-1]:
        np.testing.assert_array_equal(by_sta[sta].data, samples[sta])
    # the jumping station: what is in the archive plus what is in the quarantine is every
    # sample exactly once (nothing lost, nothing twice)
    jump = read.stream.select(station="JUMP")
    archived_n = sum(tr.stats.npts for tr in jump)
    assert archived_n + q_samples == samples["JUMP"].size
    assert q_samples > 0
    # and the data before, inside and after the jump are the right samples at the
    # labelled times: [0, T) and from T + J + D right, [T + J, T + J + D) the jumped minute
    sel = jump.copy().merge(method=1, fill_value=None)[0]
    x = samples["JUMP"]
    t_i = lambda t: round((t - (sel.stats.starttime - START)) * RATE)  # noqa: E731
    np.testing.assert_array_equal(sel.data[: t_i(T)], x[: int(T * RATE)])
    np.testing.assert_array_equal(
        sel.data[t_i(T + J) : t_i(T + J + D)], x[int(T * RATE) : int((T + D) * RATE)]
    )
    np.testing.assert_array_equal(sel.data[t_i(T + J + D) :], x[int((T + J + D) * RATE) :])
    # what was reported: the quarantined records, naming the stream and the reason ...
    assert quarantined and {s for s, _ in quarantined} == {"KZ.JUMP..BHZ"}
    log_file = (tmp_path / "sds.quarantine" / "quarantine.log").read_text()
    assert "KZ.JUMP..BHZ" in log_file
    assert any("KZ.JUMP..BHZ" in r.getMessage() for r in caplog.records)
    # ... and the gap the jump left, as a data problem of the archive read
    gaps = [p for p in read.problems if p.kind == "gap" and "JUMP" in p.stream]
    assert gaps and abs(gaps[0].start - (START + T)) <= 1.0 / RATE + 1e-6
