from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, UTCDateTime

from openndc.archive import SDSArchive
from openndc.model.errors import ArchiveError, DataQualityWarning
from openndc.model.ids import StreamID
from tests.archive.conftest import SID, T0, day_file, make_trace, mseed_bytes


def _read(archive: SDSArchive, t0: UTCDateTime, t1: UTCDateTime, **kw: object):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = archive.read(t0, t1, **kw)  # type: ignore[arg-type]
    return res, [w for w in caught if issubclass(w.category, DataQualityWarning)]


def test_write_read_round_trip_across_midnight(tmp_path: Path) -> None:
    archive = SDSArchive(tmp_path)
    tr = make_trace(T0 - 1800, 40 * 3600)  # 23:30 - 00:30 next day... 1 h
    paths = archive.write(Stream([tr]))
    assert sorted(p.name for p in paths) == ["XX.AAA..BHZ.D.2020.060", "XX.AAA..BHZ.D.2020.061"]
    res, warns = _read(archive, T0 - 3600, T0 + 3600)
    assert not res.problems and not warns
    assert len(res.stream) == 1
    out = res.stream[0]
    assert out.stats.starttime == tr.stats.starttime
    assert out.data.dtype == np.int32
    np.testing.assert_array_equal(out.data, tr.data)


def test_window_is_half_open_and_cut(tmp_path: Path) -> None:
    archive = SDSArchive(tmp_path)
    tr = make_trace(T0, 40 * 600)
    archive.write(Stream([tr]))
    res, _ = _read(archive, T0 + 60, T0 + 120)
    assert len(res.stream) == 1
    assert res.stream[0].stats.starttime == T0 + 60
    assert res.stream[0].stats.npts == 40 * 60
    np.testing.assert_array_equal(res.stream[0].data, tr.data[2400:4800])


def test_reimport_is_noop_and_new_data_merges(tmp_path: Path) -> None:
    archive = SDSArchive(tmp_path)
    tr = make_trace(T0, 40 * 1200)
    first, second = tr.slice(T0, T0 + 700), tr.slice(T0 + 500, T0 + 1200)  # 200 s overlap
    path = archive.write(Stream([first]))[0]
    size = path.stat().st_size
    assert archive.write(Stream([first.copy()])) == []
    assert path.stat().st_size == size
    summary = archive.add(Stream([second]))
    assert summary.samples == tr.stats.npts - first.stats.npts
    assert not summary.problems
    res, warns = _read(archive, T0, T0 + 1200)
    assert not res.problems and not warns
    assert len(res.stream) == 1
    np.testing.assert_array_equal(res.stream[0].data, tr.data)
    assert archive.write(Stream([tr])) == []


def test_write_conflict_keep_or_raise(tmp_path: Path) -> None:
    archive = SDSArchive(tmp_path)
    tr = make_trace(T0, 4000)
    archive.write(Stream([tr]))
    other = tr.copy()
    other.data = other.data + 1
    with pytest.raises(ArchiveError, match="differ"):
        archive.write(Stream([other]), on_conflict="raise")
    with pytest.warns(DataQualityWarning, match="overlap"):
        summary = archive.add(Stream([other]))
    assert summary.samples == 0 and summary.problems[0].kind == "overlap"
    res, _ = _read(archive, T0, T0 + 200)
    np.testing.assert_array_equal(res.stream[0].data, tr.data)


def test_float_data_round_trip(tmp_path: Path) -> None:
    archive = SDSArchive(tmp_path, reclen=4096)
    tr = make_trace(T0, 5000)
    tr.data = tr.data.astype(np.float32) * 0.5
    archive.write(Stream([tr]))
    res, _ = _read(archive, T0, T0 + 3600)
    assert res.stream[0].data.dtype == np.float32
    np.testing.assert_array_equal(res.stream[0].data, tr.data)


def test_gap_reported_and_kept_as_two_traces(tmp_path: Path) -> None:
    archive = SDSArchive(tmp_path)
    tr = make_trace(T0, 40 * 600)
    archive.write(Stream([tr.slice(T0, T0 + 200), tr.slice(T0 + 300, T0 + 600)]))
    res, warns = _read(archive, T0, T0 + 600)
    assert len(res.stream) == 2
    gaps = [p for p in res.problems if p.kind == "gap"]
    assert len(gaps) == 1 and len(res.problems) == 1
    assert abs(gaps[0].start - (T0 + 200.025)) < 1e-6 and abs(gaps[0].end - (T0 + 300)) < 1e-6
    assert any("gap" in str(w.message) for w in warns)
    # a window inside the first piece sees no gap
    res, _ = _read(archive, T0, T0 + 100)
    assert not res.problems


def test_corrupt_record_skipped_rest_read(tmp_path: Path) -> None:
    tr = make_trace(T0, 40 * 600)
    raw = bytearray(mseed_bytes(tr))
    nrec = len(raw) // 512
    k = nrec // 2
    raw[k * 512 + 200 : k * 512 + 260] = bytes(range(60))  # payload
    raw[(k + 5) * 512 : (k + 5) * 512 + 20] = b"\xff" * 20  # header
    path = day_file(tmp_path, SID, T0)
    path.write_bytes(bytes(raw))
    res, warns = _read(SDSArchive(tmp_path), T0, T0 + 600)
    kinds = sorted(p.kind for p in res.problems)
    assert kinds.count("corrupt") == 2
    assert all(str(path) in p.source for p in res.problems if p.kind == "corrupt")
    assert any(path.name in str(w.message) for w in warns)
    total = sum(t.stats.npts for t in res.stream)
    assert tr.stats.npts - 2 * 400 < total < tr.stats.npts  # two records lost, the rest kept
    # what was read is the truth
    for t in res.stream:
        i0 = round((t.stats.starttime - T0) * 40)
        np.testing.assert_array_equal(t.data, tr.data[i0 : i0 + t.stats.npts])


def test_duplicate_records_merged_silently(tmp_path: Path) -> None:
    tr = make_trace(T0, 40 * 300)
    raw = mseed_bytes(tr)
    path = day_file(tmp_path, SID, T0)
    path.write_bytes(raw + raw[512 * 3 : 512 * 9])  # records 3-8 twice
    res, warns = _read(SDSArchive(tmp_path), T0, T0 + 300)
    assert not res.problems and not warns
    assert len(res.stream) == 1
    np.testing.assert_array_equal(res.stream[0].data, tr.data)


def test_conflicting_overlap_reported_first_copy_kept(tmp_path: Path) -> None:
    tr = make_trace(T0, 40 * 300)
    bad = tr.slice(T0 + 100, T0 + 120)
    bad.data = bad.data + 7
    path = day_file(tmp_path, SID, T0)
    path.write_bytes(mseed_bytes(tr) + mseed_bytes(bad))
    res, warns = _read(SDSArchive(tmp_path), T0, T0 + 300)
    overlaps = [p for p in res.problems if p.kind == "overlap"]
    assert len(overlaps) >= 1 and warns
    assert all(T0 + 99 < p.start < T0 + 121 for p in overlaps)
    assert len(res.stream) == 1
    np.testing.assert_array_equal(res.stream[0].data, tr.data)


def test_wrong_sample_rate_record_skipped(tmp_path: Path) -> None:
    a = make_trace(T0, 40 * 100)
    odd = make_trace(T0 + 100, 400, rate=20.0, seed=1)
    b = make_trace(T0 + 120, 40 * 100, seed=2)
    path = day_file(tmp_path, SID, T0)
    path.write_bytes(mseed_bytes(a) + mseed_bytes(odd) + mseed_bytes(b))
    res, _ = _read(SDSArchive(tmp_path), T0, T0 + 300)
    rate_probs = [p for p in res.problems if p.kind == "sample_rate"]
    assert rate_probs and all("20 Hz" in p.message for p in rate_probs)
    assert all(t.stats.sampling_rate == 40.0 for t in res.stream)
    assert sum(t.stats.npts for t in res.stream) == 8000
    # with an expected rate, the 40 Hz records are the wrong ones
    res, _ = _read(SDSArchive(tmp_path), T0, T0 + 300, sample_rate=20.0)
    assert [t.stats.npts for t in res.stream] == [400]


def test_clock_jump_reported(tmp_path: Path) -> None:
    a = make_trace(T0, 4000)
    b = make_trace(a.stats.endtime + 0.025 + 0.3 * 0.025, 4000, seed=3)  # 0.3-sample tear
    c = make_trace(b.stats.endtime + 0.025 - 2 * 0.025, 4000, seed=4)  # 2 samples backward
    path = day_file(tmp_path, SID, T0)
    path.write_bytes(mseed_bytes(a) + mseed_bytes(b) + mseed_bytes(c))
    res, _ = _read(SDSArchive(tmp_path), T0, T0 + 600)
    jumps = [p for p in res.problems if p.kind == "clock_jump"]
    assert len(jumps) == 2
    assert abs(jumps[0].start - b.stats.starttime) < 1e-6
    assert "+0.300 samples" in jumps[0].message and "-2.000 samples" in jumps[1].message
    assert not [p for p in res.problems if p.kind == "gap"]
    # every sample keeps its own time: the jumped pieces are separate traces
    assert [t.stats.starttime for t in res.stream][:2] == [a.stats.starttime, b.stats.starttime]


def test_previous_day_file_read_for_midnight(tmp_path: Path) -> None:
    tr = make_trace(T0 - 60, 40 * 120)  # 23:59 - 00:01, all in the previous day's file
    day_file(tmp_path, SID, T0 - 60).write_bytes(mseed_bytes(tr))
    res, _ = _read(SDSArchive(tmp_path), T0, T0 + 3600)
    assert len(res.stream) == 1 and res.stream[0].stats.starttime == T0
    np.testing.assert_array_equal(res.stream[0].data, tr.data[2400:])
    # writing the same data again (split at midnight) duplicates nothing
    assert SDSArchive(tmp_path).write(Stream([tr])) == []


def test_unreadable_file(tmp_path: Path) -> None:
    path = day_file(tmp_path, SID, T0)
    path.write_bytes(b"this is not miniseed" * 100)
    res, warns = _read(SDSArchive(tmp_path), T0, T0 + 60)
    assert len(res.stream) == 0
    assert [p.kind for p in res.problems] == ["unreadable"] and warns


def test_streams_patterns(tmp_path: Path) -> None:
    archive = SDSArchive(tmp_path)
    ids = [StreamID("XX", "AAA", "", c) for c in ("BHZ", "BHN", "HHZ")]
    ids.append(StreamID("YY", "BBB", "00", "BHZ"))
    archive.write(Stream([make_trace(T0, 100, sid=s) for s in ids]))
    assert len(archive.streams()) == 4
    assert archive.streams(channel="BH?") == sorted([ids[0], ids[1], ids[3]])
    assert archive.streams(network="XX", channel="BHZ,HHZ") == sorted([ids[0], ids[2]])
    assert archive.streams(location="00") == [ids[3]]
    assert archive.streams(T0 + 86400, T0 + 2 * 86400) == []
    res, _ = _read(archive, T0, T0 + 10, station="AAA", channel="BH*")
    assert sorted(t.id for t in res.stream) == ["XX.AAA..BHN", "XX.AAA..BHZ"]
    cov = archive.coverage()
    assert len(cov) == 4 and all(c.samples == 100 and c.gaps == 0 for c in cov)


def test_empty_window_raises(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="empty time window"):
        SDSArchive(tmp_path).read(T0, T0)


def test_missing_codes_raise(tmp_path: Path) -> None:
    tr = make_trace(T0, 10)
    tr.stats.network = ""
    with pytest.raises(ArchiveError, match="network"):
        SDSArchive(tmp_path).write(Stream([tr]))
