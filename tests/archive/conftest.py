"""Generated miniSEED fixtures for the archive tests."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from obspy import Trace, UTCDateTime

from openndc.archive import SDSArchive
from openndc.archive.sds import clear_cache
from openndc.model.ids import StreamID

T0 = UTCDateTime(2020, 3, 1, 0, 0, 0)
SID = StreamID("XX", "AAA", "", "BHZ")


def make_trace(
    start: UTCDateTime, n: int, rate: float = 40.0, seed: int = 0, sid: StreamID = SID
) -> Trace:
    rng = np.random.default_rng(seed)
    data = np.cumsum(rng.integers(-200, 200, size=n)).astype(np.int32)
    return Trace(
        data,
        header={
            "network": sid.network,
            "station": sid.station,
            "location": sid.location,
            "channel": sid.channel,
            "sampling_rate": rate,
            "starttime": start,
        },
    )


def mseed_bytes(tr: Trace, reclen: int = 512, encoding: str = "STEIM2") -> bytes:
    buf = io.BytesIO()
    tr.write(buf, format="MSEED", reclen=reclen, encoding=encoding)
    return buf.getvalue()


def day_file(root: Path, sid: StreamID, t: UTCDateTime) -> Path:
    p = SDSArchive(root).path_for(sid, t)
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_cache()
