from __future__ import annotations

import io

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime

from openndc.io.mseed import decode_records, scan_records, scan_records_py


def _raw(seed: int, reclen: int, byteorder: str = ">") -> bytes:
    rng = np.random.default_rng(seed)
    traces = []
    t = UTCDateTime(2021, 5, 6, 23, 50)
    for k in range(3):
        n = int(rng.integers(500, 5000))
        rate = float(rng.choice([20.0, 40.0, 100.0]))
        data = np.cumsum(rng.integers(-300, 300, n)).astype(np.int32)
        traces.append(
            Trace(
                data,
                header={
                    "network": "XX",
                    "station": f"S{k}",
                    "channel": "BHZ",
                    "sampling_rate": rate,
                    "starttime": t + k * 7.3 + 0.000017 * k,
                },
            )
        )
    buf = io.BytesIO()
    Stream(traces).write(buf, format="MSEED", reclen=reclen, encoding="STEIM2", byteorder=byteorder)
    return buf.getvalue()


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    for f in ("offset", "reclen", "sid", "start_ns", "nsamp", "rate", "encoding"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
    assert a.corrupt == b.corrupt


@pytest.mark.parametrize("seed", range(4))
def test_fast_scan_matches_reference_on_random_corruption(seed: int) -> None:
    rng = np.random.default_rng(seed)
    raw = bytearray(_raw(seed, 512, ">" if seed % 2 else "<"))
    for _ in range(3):
        i = int(rng.integers(0, len(raw) - 40))
        raw[i : i + 40] = rng.integers(0, 256, 40, dtype=np.uint8).tobytes()
    _same(scan_records(bytes(raw)), scan_records_py(bytes(raw)))


def test_scan_values_against_obspy() -> None:
    raw = _raw(7, 4096)
    scan = scan_records(raw)
    st = Stream()
    st += __import__("obspy").read(io.BytesIO(raw))
    for tr in st:
        m = scan.sid == tr.id
        assert scan.nsamp[m].sum() == tr.stats.npts
        assert scan.start_ns[m].min() == tr.stats.starttime.ns
        assert np.all(scan.rate[m] == tr.stats.sampling_rate)
    assert scan.corrupt == ()


def test_decode_isolates_corrupt_record() -> None:
    raw = bytearray(_raw(3, 512))
    scan = scan_records(bytes(raw))
    recs = [bytes(raw[o : o + 512]) for o in scan.offset]
    bad = bytearray(recs[4])
    bad[300:340] = bytes(range(40))
    recs[4] = bytes(bad)
    traces, bad_idx = decode_records(recs, list(scan.nsamp))
    assert bad_idx == [4]
    assert sum(t.stats.npts for t in traces) == scan.nsamp.sum() - scan.nsamp[4]
