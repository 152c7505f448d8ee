from __future__ import annotations

from pathlib import Path

import pytest

from openndc.inventory.arrays import (
    assign_arrays,
    build_array,
    default_beam_groups,
    guess_kind,
    load_arrays_config,
)
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
