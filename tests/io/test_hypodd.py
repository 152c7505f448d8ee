"""hypoDD and Hypoinverse readers: generated files, then the NCSN examples (the phase file
and the Hypoinverse archive it was made from must agree pick by pick)."""

from __future__ import annotations

from pathlib import Path

import pytest
from obspy import UTCDateTime

from openndc.io.hypodd import (
    HypoDDFormatError,
    read_hypodd_locations,
    read_hypodd_phases,
    read_hypodd_stations,
)
from openndc.io.hypoinverse import HypoinverseFormatError, read_hypoinverse_archive

PHA = """# 1997  6 13 13 44 37.33  49.2424 -123.6192   3.42 3.43 0.0 0.0 0.0  1
NCNAB      4.871   1    P
NCBIB      5.043  -0.5  P
NCSHB      7.043   0.0  S
#1997  6 13 13 50  0.00  49.2500 -123.6000   4.00 2.00 0.0 0.0 0.1  2
NCWPB      8.934   0.2  S
"""


def _y2000_summary(t: str, lat: tuple[int, str, int], lon: tuple[int, str, int], depth: int,
                   evid: str) -> str:  # fmt: skip
    line = f"{t}{lat[0]:2d}{lat[1]}{lat[2]:4d}{lon[0]:3d}{lon[1]}{lon[2]:4d}{depth:5d}"
    return line.ljust(136) + f"{evid:>10}"


def _y2000_phase(sta: str, net: str, chan: str, premk: str, pw: int, minute: str, psec: int,
                 ssec: int = 0, sremk: str = "  ", sw: int = 0) -> str:  # fmt: skip
    line = f"{sta:<5}{net:<2} {chan[-1]}{chan:<3} {premk}{' '}{pw}{minute}{psec:5d}"
    line = line.ljust(41) + f"{ssec:5d}{sremk} {sw}"
    return line.ljust(110)


def test_hypodd_phase_file(tmp_path: Path) -> None:
    p = tmp_path / "x.pha"
    p.write_text(PHA)
    b = read_hypodd_phases(p, network_chars=2)
    assert [e.id for e in b] == ["1", "2"]
    first = b.events[0]
    assert first.origin.time == UTCDateTime(1997, 6, 13, 13, 44, 37.33)
    assert first.origin.latitude == pytest.approx(49.2424)
    # zero weights dropped; a negative (important) weight counts by its size, as ph2dt
    assert [(a.detection.network, a.station, a.phase) for a in first.arrivals] == [
        ("NC", "NAB", "P"),
        ("NC", "BIB", "P"),
    ]
    assert first.arrivals[1].detection.time_uncertainty == pytest.approx(0.2)
    assert first.arrivals[0].time == first.origin.time + 4.871
    bad = tmp_path / "bad.pha"
    bad.write_text("NCNAB 4.8 1 P\n")
    with pytest.raises(HypoDDFormatError, match="before the first '#' event line"):
        read_hypodd_phases(bad)


def test_hypodd_stations_and_locations(tmp_path: Path) -> None:
    s = tmp_path / "station.dat"
    s.write_text("NCNAB 49.1 -123.5 120\nNCNAB 0 0\nNCBIB 49.3 -123.7\n")
    net = read_hypodd_stations(s, network_chars=2)
    assert [(st.network, st.code, st.elevation_m) for st in net] == [
        ("NC", "NAB", 120.0),
        ("NC", "BIB", 0.0),
    ]
    r = tmp_path / "hypoDD.reloc"
    r.write_text("    16484  37.286145 -121.663306     5.799      325.5     -286.8      899.1"
                 "      2.3      1.5      4.5 1984  4 24 21 20 23.480  3.6   182   137   612"
                 "    11  0.007  0.043   1\n")  # fmt: skip
    loc = read_hypodd_locations(r)
    assert loc["16484"].depth_km == pytest.approx(5.799)
    assert loc["16484"].time == UTCDateTime(1984, 4, 24, 21, 20, 23.48)


def test_hypoinverse_y2000_generated(tmp_path: Path) -> None:
    lines = [
        _y2000_summary("1984042421202348", (37, " ", 1712), (121, " ", 3977), 630, "16484"),
        "$shadow line",
        _y2000_phase("CCO", "NC", "VHZ", "IP", 0, "198404242120", 2521),
        _y2000_phase("CAO", "NC", "VLE", " P", 4, "198404242120", 9999, 2831, "ES", 1),
        _y2000_phase("CAD", "NC", "VHZ", "IP", 4, "198404242120", 2683),  # weight 4: unused
        " " * 60,
    ]
    p = tmp_path / "x.arc"
    p.write_text("\n".join(lines) + "\n")
    (ev,) = read_hypoinverse_archive(p).events
    assert ev.id == "16484"
    assert ev.origin.latitude == pytest.approx(37 + 17.12 / 60)
    assert ev.origin.longitude == pytest.approx(-(121 + 39.77 / 60))
    assert ev.origin.depth_km == pytest.approx(6.3)
    assert [(a.station, a.phase) for a in ev.arrivals] == [("CCO", "P"), ("CAO", "S")]
    assert ev.arrivals[0].time == UTCDateTime(1984, 4, 24, 21, 20, 25.21)
    assert ev.arrivals[1].time == UTCDateTime(1984, 4, 24, 21, 20, 28.31)
    assert ev.arrivals[1].detection.time_uncertainty == pytest.approx(0.2)
    old = tmp_path / "old.arc"
    old.write_text("8501240219587137 5299122 1449  980\n")
    with pytest.raises(HypoinverseFormatError, match="Y2000"):
        read_hypoinverse_archive(old)


@pytest.mark.slow
def test_ncsn_calaveras_archive_matches_phase_file(shared_data: Path) -> None:
    """``Calaveras.pha`` was made from ``Calaveras.arc`` by ncsn2pha: same events, picks,
    times and weights."""
    folder = shared_data / "ncsn_hypodd_examples/example2_calaveras"
    arc = read_hypoinverse_archive(folder / "Calaveras.arc")
    pha = read_hypodd_phases(folder / "Calaveras.pha", network_chars=2)
    assert len(arc) == len(pha) == 308
    n = 0
    for a, b in zip(arc, pha, strict=True):
        assert a.id == b.id
        assert abs(a.origin.time - b.origin.time) < 1e-6
        assert a.origin.latitude == pytest.approx(b.origin.latitude, abs=1e-4)
        picks_a = sorted((x.station, x.phase, x.time.ns, x.detection.time_uncertainty)
                         for x in a.arrivals)  # fmt: skip
        picks_b = sorted((x.station, x.phase, x.time.ns, x.detection.time_uncertainty)
                         for x in b.arrivals)  # fmt: skip
        assert [p[:2] for p in picks_a] == [p[:2] for p in picks_b]
        for pa, pb in zip(picks_a, picks_b, strict=True):
            assert abs(pa[2] - pb[2]) <= 1e6  # ns: the .pha rounds travel times to 1 ms
            assert pa[3] == pytest.approx(pb[3])
        n += len(picks_a)
    assert n == 13769
    net = read_hypodd_stations(folder / "station.dat", network_chars=2)
    assert net.find_station("CCO", "NC") is not None
