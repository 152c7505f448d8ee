"""State of health from archived records: latency, gaps, availability, timing, flags."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.acquisition import ArchivedRecord, SohConfig, SohTracker
from openndc.acquisition.writer import record_info
from openndc.model.ids import StreamID

T0 = UTCDateTime(2026, 3, 1)
SID = StreamID("KZ", "AB01", "", "BHZ")


def _rec(t: UTCDateTime, data: np.ndarray, tq: int | None = None, dq: int = 0) -> ArchivedRecord:
    return ArchivedRecord(SID, t, 20.0, data, Path("x"), "test", tq, (0, 0, dq))


def test_latency_gaps_and_availability() -> None:
    rng = np.random.default_rng(0)
    soh = SohTracker(SohConfig(window=600.0))
    for k in range(10):  # 10 records of 20 s; the 5th is missing
        if k != 4:
            soh.update(_rec(T0 + 20 * k, rng.normal(0, 100, 400).astype(np.int32), tq=90))
    now = (T0 + 200 + 90).ns
    (h,) = soh.snapshot(now)
    assert h.latency_s == 90.0
    assert h.status == "good"
    assert h.gaps == 1 and abs(h.gap_s - 20.0) < 1e-9
    assert abs(h.availability - 180 / 200) < 1e-9
    assert h.timing_quality == 90
    (late,) = soh.snapshot((T0 + 200 + 200).ns)
    assert late.status == "marginal"  # 200 s late: more than 2 min, at most 5 min
    (dead,) = soh.snapshot((T0 + 200 + 400).ns)
    assert dead.status == "bad"


def test_flat_clipped_noisy_and_poor_timing() -> None:
    soh = SohTracker()
    soh.update(_rec(T0, np.full(400, 17, np.int32)))
    (h,) = soh.snapshot((T0 + 25).ns)
    assert h.flat and h.status == "bad"
    soh.update(_rec(T0 + 20, np.r_[np.zeros(399), 8_388_607].astype(np.int32)))
    (h,) = soh.snapshot((T0 + 45).ns)
    assert h.clipped and not h.flat and h.status == "marginal"
    soh.update(
        _rec(T0 + 40, np.random.default_rng(1).normal(0, 1e4, 400).astype(np.int32), dq=0x02)
    )
    (h,) = soh.snapshot((T0 + 65).ns)
    assert h.clipped  # digitizer clipping flag in the header
    soh.update(
        _rec(T0 + 60, np.random.default_rng(2).normal(0, 1e7, 400).astype(np.int32) // 8, tq=10)
    )
    (h,) = soh.snapshot((T0 + 85).ns)
    assert h.noisy and h.timing_quality == 10 and h.status == "marginal"


def test_record_info_reads_blockette_1001() -> None:
    import io

    from obspy import Stream, Trace

    tr = Trace(
        np.arange(100, dtype=np.int32),
        header={
            "network": "KZ",
            "station": "AB01",
            "channel": "BHZ",
            "sampling_rate": 20.0,
            "starttime": T0,
        },
    )
    tr.stats.mseed = {"blkt1001": {"timing_quality": 77}}
    buf = io.BytesIO()
    Stream([tr]).write(buf, format="MSEED", reclen=512, encoding="STEIM2")
    sid, s_ns, n, rate, tq, _ = record_info(buf.getvalue()[:512])
    assert (sid, s_ns, n, rate) == (SID, T0.ns, 100, 20.0)
    assert tq == 77
