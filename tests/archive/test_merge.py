from __future__ import annotations

import numpy as np

from openndc.archive.merge import Piece, continuity_problems, cut, dominant_rate, merge_pieces

NS = 1_000_000_000


def test_continuity_classification() -> None:
    rate = 10.0
    # pieces of 10 samples (1 s): continuous, gap of 3 samples, 0.5-sample tear, 1-sample back
    starts = np.array([0, 1, 2 + 0.3, 3.3 + 0.05, 4.35 - 0.1]) * NS
    n = np.full(5, 10)
    probs = continuity_problems(starts.astype(np.int64), n, rate, "X.Y..Z", "f")
    assert [p.kind for p in probs] == ["gap", "clock_jump", "clock_jump"]
    assert "3 samples" in probs[0].message


def test_merge_identical_and_conflicting_overlaps() -> None:
    x = np.arange(100, dtype=np.int32)
    dup = Piece(50 * NS // 10, 10.0, x[50:80].copy())
    conf = Piece(60 * NS // 10, 10.0, x[60:70] + 1)
    merged, probs = merge_pieces([Piece(0, 10.0, x), dup, conf], "X.Y..Z", "f")
    assert len(merged) == 1 and np.array_equal(merged[0].data, x)
    assert [p.kind for p in probs] == ["overlap"]
    assert "10 overlapping samples differ in 10 places" in probs[0].message


def test_merge_extends_and_splits_on_gap() -> None:
    x = np.arange(30.0)
    a, b, c = Piece(0, 1.0, x[:10]), Piece(8 * NS, 1.0, x[8:20]), Piece(25 * NS, 1.0, x[25:])
    merged, probs = merge_pieces([c, b, a], "X.Y..Z", "f")
    assert not probs
    assert [len(m.data) for m in merged] == [20, 5]
    assert np.array_equal(merged[0].data, x[:20])


def test_cut_half_open() -> None:
    p = Piece(0, 4.0, np.arange(40))
    c = cut(p, 1 * NS, 2 * NS)
    assert c.start_ns == NS and list(c.data) == [4, 5, 6, 7]


def test_dominant_rate() -> None:
    assert dominant_rate(np.array([40.0, 20.0, 40.0]), np.array([10.0, 100.0, 10.0])) == 20.0
