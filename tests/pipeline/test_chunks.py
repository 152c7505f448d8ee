from __future__ import annotations

import pytest
from obspy import UTCDateTime

from openndc.model.errors import OpenNDCError
from openndc.pipeline.batch import chunk_windows


def test_chunks_tile_the_window_exactly() -> None:
    t0 = UTCDateTime("2024-01-01T23:30:00")
    windows = list(chunk_windows(t0, t0 + 7300, 3600))
    assert [round(b - a) for a, b in windows] == [3600, 3600, 100]
    assert windows[0][0] == t0 and windows[-1][1] == t0 + 7300
    assert all(windows[i][1] == windows[i + 1][0] for i in range(len(windows) - 1))


def test_empty_window_is_an_error() -> None:
    t0 = UTCDateTime(0)
    with pytest.raises(OpenNDCError, match="not before"):
        list(chunk_windows(t0, t0, 10))
    with pytest.raises(OpenNDCError, match="positive"):
        list(chunk_windows(t0, t0 + 1, 0))
