"""SeedLink wire format: selectors, times, packet headers, INFO records."""

from __future__ import annotations

import struct

import pytest
from obspy import UTCDateTime
from seedlink_client.mseed import extract_info_text
from seedlink_client.protocol import parse_header_v3, parse_header_v4

from openndc.seedlink.protocol import (
    SeedLinkProtocolError,
    frame_v3,
    frame_v4,
    info_records_v3,
    parse_selector,
    parse_time,
    selectors_match,
)


def test_selectors_v3_and_v4() -> None:
    assert parse_selector("BHZ", 3).matches("", "BHZ")
    assert parse_selector("00BH?", 3).matches("00", "BHN")
    assert not parse_selector("00BH?", 3).matches("", "BHN")
    assert parse_selector("--BHZ", 3).matches("", "BHZ")
    assert parse_selector("??BHZ", 3).matches("", "BHZ")
    assert parse_selector("BHZ.D", 3).matches("10", "BHZ")
    assert not parse_selector("BHZ.E", 3).matches("10", "BHZ")  # no event packets here
    assert parse_selector("*_B_H_?", 4).matches("00", "BHE")
    assert parse_selector("_B_H_Z", 4).matches("", "BHZ")
    assert not parse_selector("_B_H_Z", 4).matches("00", "BHZ")
    sels = [parse_selector("BH?", 3), parse_selector("!BHE", 3)]
    assert selectors_match(sels, "", "BHZ") and not selectors_match(sels, "", "BHE")
    assert selectors_match([], "", "LHZ")
    for bad in ("B$Z", "BHZ.DE", "ABCDEFG"):
        with pytest.raises(SeedLinkProtocolError):
            parse_selector(bad, 3)


def test_times() -> None:
    assert parse_time("2026,3,1,12,30,5") == UTCDateTime(2026, 3, 1, 12, 30, 5)
    assert parse_time("2026-03-01T12:30:05.5Z") == UTCDateTime(2026, 3, 1, 12, 30, 5.5)
    with pytest.raises(SeedLinkProtocolError, match="YYYY,MM,DD"):
        parse_time("yesterday")


def test_headers_read_by_an_independent_client() -> None:
    rec = b"x" * 512
    h3 = parse_header_v3(frame_v3(0x1000123, rec))
    assert h3.seqnum == 0x000123 and not h3.is_info  # 24 bits on the wire
    p4 = frame_v4(2**40 + 5, "KZ_MKAR", rec)
    h4 = parse_header_v4(p4)
    assert (h4.seqnum, h4.payload_length, h4.station_id_length) == (2**40 + 5, 512, 7)
    assert p4[17:24] == b"KZ_MKAR" and p4[24:] == rec


def test_info_records_round_trip() -> None:
    text = "<seedlink>" + "x" * 1000 + "</seedlink>"
    raw = info_records_v3(text)
    assert len(raw) % 520 == 0 and len(raw) // 520 == 3
    parts = [raw[i : i + 520] for i in range(0, len(raw), 520)]
    assert [p[:8] for p in parts] == [b"SLINFO *", b"SLINFO *", b"SLINFO  "]
    assert "".join(extract_info_text(p[8:]) for p in parts) == text
    assert struct.unpack(">H", parts[0][8 + 48 : 8 + 50])[0] == 1000
