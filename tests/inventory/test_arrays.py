from __future__ import annotations

import dataclasses
import logging
import math
from pathlib import Path

import pytest
from obspy import UTCDateTime

from openndc.inventory.arrays import (
    assign_arrays,
    build_array,
    default_beam_groups,
    guess_kind,
    load_arrays_config,
    warn_close_arrays,
)
from openndc.inventory.css import read_css_site
from openndc.inventory.ims_arrays import IMS_ARRAYS
from openndc.model.errors import ConfigError, InventoryError
from openndc.model.inventory import ChannelInfo, Station


def _sta(code: str, lat: float, lon: float, chans: tuple[str, ...], net: str = "XX") -> Station:
    return Station(net, code, lat, lon, 100.0, tuple(ChannelInfo(c) for c in chans))


def test_config_file_full_example(tmp_path: Path) -> None:
    path = tmp_path / "arrays.toml"
    path.write_text(
        "auto = false\n"
        "[arrays.ABC]\n"
        'elements = ["XX.AB1", "AB[23]"]\nnetwork = "XX"\n'
        "reference_latitude = 10.0\nreference_longitude = 20.0\nreference_elevation_m = 5.0\n"
        'kind = "hydroacoustic"\ndescription = "test"\n'
        '[arrays.ABC.beam_groups]\ninner = ["AB1", "AB2"]\n'
    )
    cfg = load_arrays_config(path)
    assert cfg.auto is False and cfg.arrays[0].code == "ABC"
    stations = [_sta(f"AB{i}", 10.0 + 0.01 * i, 20.0, ("SHZ",)) for i in range(1, 5)]
    placed, arrays = assign_arrays(stations, cfg)
    (a,) = arrays
    assert a.element_codes == ("AB1", "AB2", "AB3")
    assert a.kind == "hydroacoustic" and a.reference_elevation_m == 5.0
    assert a.element("AB1").dnorth_km == pytest.approx(1.112, abs=1e-3)
    assert [s.array for s in placed] == ["ABC", "ABC", "ABC", None]  # AB4: auto = false


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[arrays.A]\nelements = []\n", "non-empty"),
        ('[arrays.A]\nelements = ["X"]\nkind = "radar"\n', "radar"),
        ('[arrays.A]\nelements = ["X"]\nreference_latitude = 1.0\n', "both"),
        ('auto = "yes"\n', "auto"),
        ("[arrays\n", "cannot read"),
    ],
)
def test_config_errors(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_arrays_config(path)


def test_rule_needs_three_close_members_of_one_network() -> None:
    near = [_sta(f"ST0{i}", 45.0 + 0.05 * i, 10.0, ("HHZ",)) for i in range(1, 4)]
    far = [_sta("ST09", 47.0, 10.0, ("HHZ",))]
    other_net = [_sta(f"ST0{i}", 45.0, 10.01 * i, ("HHZ",), "YY") for i in range(5, 7)]
    placed, arrays = assign_arrays(near + far + other_net)
    assert [a.code for a in arrays] == ["STAR"]
    assert arrays[0].element_codes == ("ST01", "ST02", "ST03")
    # reference: the element nearest the centroid
    assert arrays[0].element("ST02").deast_km == 0.0
    assert placed[3].array is None and placed[4].array is None


def test_kinds_and_groups() -> None:
    sp = _sta("A1", 0, 0, ("SHZ",))
    bb3 = _sta("A2", 0, 0, ("BHZ", "BHN", "BHE"))
    legacy = _sta("A3", 0, 0, ("sz", "sn", "se"))
    groups = default_beam_groups([sp, bb3, legacy])
    assert groups["sp"] == ("A1", "A3")
    assert groups["3c"] == ("A2", "A3")
    assert groups["z"] == ("A1", "A2", "A3")
    assert guess_kind([_sta("I1", 0, 0, ("BDF", "LWS"))]) == "infrasound"
    assert guess_kind([_sta("H1", 0, 0, ("EDH",))]) == "hydroacoustic"
    assert guess_kind([sp]) == "seismic"
    with pytest.raises(InventoryError, match="not one of its elements"):
        build_array("A", [sp], reference="ZZZ")
    with pytest.raises(InventoryError, match="not elements"):
        build_array("A", [sp], beam_groups={"x": ["A9"]})


# --- IMS array naming (openndc.inventory.ims_arrays) ---------------------------------------


def _cross(prefix_ns: str, prefix_ew: str, lat0: float, lon0: float, net: str) -> list[Station]:
    """A cross array: 9 elements on a north-south line, 9 on an east-west line, 2.5 km apart."""
    km_lat = 1.0 / 111.19
    km_lon = km_lat / math.cos(math.radians(lat0))
    out = [
        _sta(f"{prefix_ns}{i}", lat0 + (i - 4) * 2.5 * km_lat, lon0, ("SHZ",), net)
        for i in range(9)
    ]
    out += [
        _sta(f"{prefix_ew}{i + 1}", lat0, lon0 + (i - 7) * 2.5 * km_lon, ("SHZ",), net)
        for i in range(9)
    ]
    return out


def test_yellowknife_cross_array_stays_one_array() -> None:
    stations = _cross("YKB", "YKR", 62.4931, -114.6062, "CN")
    _, arrays = assign_arrays(stations)
    assert [a.code for a in arrays] == ["YKA"]
    yka = arrays[0]
    assert len(yka.elements) == 18
    assert yka.element("YKR8").dnorth_km == pytest.approx(0.0, abs=1e-9)  # the reference


def test_split_cross_array_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    stations = _cross("QQB", "QQR", 40.0, 20.0, "XX")
    with caplog.at_level(logging.INFO, logger="openndc.inventory.arrays"):
        _, arrays = assign_arrays(stations)
    assert sorted(a.code for a in arrays) == ["QQBAR", "QQRAR"]
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1
    msg = warned[0].getMessage()
    assert "QQBAR" in msg and "QQRAR" in msg and "one aperture" in msg
    assert "[arrays.CODE]" in msg  # says how to fix it
    decided = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("QQBAR" in m and "generic rule" in m for m in decided)
    # two arrays far apart: no warning
    caplog.clear()
    far = _cross("QQB", "QQR", 40.0, 20.0, "XX")[:9] + _cross("QQB", "QQR", 45.0, 25.0, "XX")[9:]
    with caplog.at_level(logging.WARNING, logger="openndc.inventory.arrays"):
        assert warn_close_arrays(assign_arrays(far)[1]) == []


def test_every_ims_array_is_rebuilt_from_bare_stations(shared_data: Path) -> None:
    # StationXML knows no arrays: strip the CSS3.0 membership and let the naming table regroup
    net = read_css_site(shared_data / "ims_site_tables" / "ims.site", at=UTCDateTime(2012, 1, 1))
    bare = [dataclasses.replace(s, array=None) for s in net.stations]
    _, arrays = assign_arrays(bare)
    got = {a.code: set(a.element_codes) for a in arrays}
    known = {code for code, _, _, _ in IMS_ARRAYS}
    checked = 0
    for a in net.arrays:
        if a.code not in known or len(a.elements) < 2:
            continue
        assert got.get(a.code) == set(a.element_codes), a.code
        checked += 1
    assert checked >= 60
    assert "YKA" in got and {"YKB0", "YKR1"} <= got["YKA"]
