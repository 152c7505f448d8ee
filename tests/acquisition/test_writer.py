"""The crash-safe, exactly-once archive writer."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, UTCDateTime

from openndc.acquisition import RecordWriter, StreamSpec
from openndc.acquisition.state import AcquisitionState
from openndc.seedlink.source import read_records
from tests.seedlink.sds_data import archived, make_traces

START = UTCDateTime(2026, 3, 1, 23, 58, 0)  # crosses midnight


def _records(seconds: float = 300, seed: int = 0, reclen: int = 512) -> list[bytes]:
    st = make_traces(START, 300, seed).slice(START, START + seconds - 0.01)
    buf = io.BytesIO()
    st.write(buf, format="MSEED", reclen=reclen, encoding="STEIM2")
    recs, _ = read_records(buf.getvalue())
    return [r.data for r in recs]


def _all_records(root: Path) -> list[tuple[str, int, int]]:
    out = []
    for f in sorted(root.rglob("*.D.*")):
        recs, end = read_records(f.read_bytes())
        assert end == f.stat().st_size
        out.extend((f"{r.network}.{r.station}.{r.channel}", r.start_ns, r.end_ns) for r in recs)
    return out


def test_every_record_once_even_when_sent_twice_and_out_of_order(tmp_path: Path) -> None:
    recs = _records()
    rng = np.random.default_rng(1)
    sent = recs + [recs[i] for i in rng.integers(0, len(recs), 40)]
    order = rng.permutation(len(sent))
    w = RecordWriter(tmp_path / "sds")
    outcomes = [w.accept(sent[i])[0] for i in order]
    w.close()
    assert outcomes.count("written") == len(recs)
    assert outcomes.count("duplicate") == 40
    keys = _all_records(tmp_path / "sds")
    assert len(keys) == len(set(keys)) == len(recs)
    got = archived(tmp_path / "sds", START, START + 300)
    for tr in make_traces(START, 300):
        assert np.array_equal(got[tr.id], tr.data)


def test_rechunked_overlap_keeps_only_new_samples(tmp_path: Path) -> None:
    root = tmp_path / "sds"
    w = RecordWriter(root)
    small = _records(seconds=120)
    for r in small:
        w.accept(r)
    # the same signal cut in 4096-byte records (other boundaries), longer: only new samples added
    outcomes = [w.accept(r)[0] for r in _records(seconds=300, reclen=4096)]
    w.close()
    assert "trimmed" in outcomes and "quarantined" not in outcomes
    got = archived(root, START, START + 300)
    for tr in make_traces(START, 300):
        assert np.array_equal(got[tr.id], tr.data)


def test_conflicting_and_corrupt_records_are_quarantined(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "sds"
    w = RecordWriter(root)
    recs = _records(seconds=60)
    w.accept(recs[0])
    other = _records(seconds=60, seed=5)[0]  # same stream and time, other samples
    broken = bytearray(recs[1])
    broken[64:200] = b"\xff" * 136  # Steim frames destroyed
    with caplog.at_level(logging.WARNING):
        assert w.accept(other)[0] == "quarantined"
        assert w.accept(bytes(broken))[0] == "quarantined"
        assert w.accept(b"garbage bytes from a station" * 10)[0] == "quarantined"
    w.close()
    text = caplog.text
    assert "KZ.AB01..BHZ" in text and "differ from the archived" in text
    assert "corrupt payload" in text
    log = (tmp_path / "sds.quarantine" / "quarantine.log").read_text().splitlines()
    assert len(log) == 3
    q = next((tmp_path / "sds.quarantine").glob("*.mseed")).read_bytes()
    assert other in q and bytes(broken) in q


def test_half_written_record_from_a_crash_is_truncated(tmp_path: Path) -> None:
    root = tmp_path / "sds"
    recs = _records(seconds=60)
    w = RecordWriter(root)
    w.accept(recs[0])
    w.close()
    path = next(root.rglob("*.D.*"))
    with path.open("ab") as fh:
        fh.write(recs[1][:300])  # the crash cut this write
    w = RecordWriter(root)
    assert w.accept(recs[1])[0] == "written"
    assert w.accept(recs[0])[0] == "duplicate"
    w.close()
    assert path.read_bytes() == recs[0] + recs[1]


def test_state_file_is_replaced_atomically(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    s = AcquisitionState.load(path)
    s.set("h:1", "KZ_AB01", 41, "2026-03-01T00:00:00Z")
    s.save()
    s.set("h:1", "KZ_AB01", 42, "2026-03-01T00:00:01Z")
    s.save()
    again = AcquisitionState.load(path)
    assert again.get("h:1", "KZ_AB01").seq == 42  # type: ignore[union-attr]
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_stream_spec() -> None:
    s = StreamSpec.parse("KZ_MK*:*.BHZ")
    assert s.matches("KZ", "MK01", "", "BHZ") and not s.matches("KZ", "MK01", "", "BHN")
    assert s.selector() == "BHZ"
    assert StreamSpec.parse("KZ_ABC").selector() is None
    assert StreamSpec.parse("KZ_ABC:00.BH?").selector() == "00BH?"
    assert StreamSpec.parse("KZ_ABC:.SHZ").selector() == "--SHZ"
    with pytest.raises(Exception, match="NET_STA"):
        StreamSpec.parse("MKAR")
    assert isinstance(Stream(), Stream)
