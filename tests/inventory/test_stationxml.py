from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from obspy import UTCDateTime
from obspy import read_inventory as obspy_read_inventory

from openndc.inventory import (
    from_obspy_inventory,
    kazakh_network,
    read_inventory,
    to_obspy_inventory,
    write_stationxml,
)
from openndc.inventory.arrays import arrays_config_from_mapping
from openndc.model.errors import ConfigError, InventoryError
from openndc.model.inventory import MonitoringNetwork

GRF = (
    {f"GRA{i}" for i in range(1, 5)}
    | {f"GRB{i}" for i in range(1, 6)}
    | {f"GRC{i}" for i in range(1, 5)}
)


@pytest.fixture(scope="module")
def grf(shared_data: Path) -> MonitoringNetwork:
    with pytest.warns(UserWarning):  # the file says StationXML version "1"
        return read_inventory(shared_data / "array_grf_kuril_1991" / "01.xml")


def test_grf_array_from_builtin_table(grf: MonitoringNetwork) -> None:
    assert [a.code for a in grf.arrays] == ["GRF"]
    a = grf.array("GRF")
    assert set(a.element_codes) == GRF
    assert a.kind == "seismic"
    # reference GRA1 (Harjes & Seidl 1978); offsets from it
    assert (a.reference_latitude, a.reference_longitude) == (49.691888, 11.22172)
    assert a.element("GRA1").deast_km == 0.0 and a.element("GRA1").dnorth_km == 0.0
    assert a.beam_groups["3c"] == ("GRA1", "GRB1", "GRC1")
    assert 80 < a.aperture_km < 110
    for code in ("BFO", "BUG", "CLZ", "FUR", "TNS", "WET"):
        assert grf.station(code).array is None


def test_channel_sensitivity_and_response(grf: MonitoringNetwork) -> None:
    ch = grf.station("GRA1").channel("BHZ")
    assert ch is not None
    assert ch.sensitivity == pytest.approx(824639000.0)
    assert ch.input_units is not None and ch.input_units.upper() == "M/S"
    assert ch.sensitivity_frequency_hz is not None and ch.sensitivity_frequency_hz > 0
    assert ch.sample_rate_hz == 20.0
    assert ch.response is not None and ch.response.response_stages
    assert ch.dip_deg == pytest.approx(-90.0)


def test_dia_infrasound_array(shared_data: Path) -> None:
    net = read_inventory(shared_data / "infrasound_dia_array" / "examples" / "NL.DIA.xml")
    a = net.array("DIA")
    assert a.kind == "infrasound"
    assert len(a.elements) == 17  # DL01-DL17 in the StationXML (13 have data)
    assert a.aperture_km < 3
    assert set(a.beam_groups["p"]) == set(a.element_codes)


def test_generic_rule_on_unknown_names(grf: MonitoringNetwork) -> None:
    inv = to_obspy_inventory(grf)
    for net in inv:
        net.extra = None
        net.code = "XX"
        for sta in net:
            sta.code = sta.code.replace("GR", "QQ")  # QQA1.. : not in the built-in table
    net2 = from_obspy_inventory(inv)
    codes = sorted(a.code for a in net2.arrays)
    # prefix + digits within 25 km: the A, B and C sub-arrays separately (A: 4, B: 5, C: 4)
    assert codes == ["QQAAR", "QQBAR", "QQCAR"]
    assert len(net2.array("QQBAR").elements) == 5


def test_arrays_config_overrides_and_validates(grf: MonitoringNetwork, tmp_path: Path) -> None:
    cfg = arrays_config_from_mapping(
        {
            "auto": False,
            "arrays": {
                "GRFA": {
                    "elements": ["GRA?"],
                    "reference_latitude": 49.7,
                    "reference_longitude": 11.3,
                    "kind": "seismic",
                    "beam_groups": {"z3": ["GRA1", "GRA2", "GRA3"]},
                }
            },
        },
        "test",
    )
    net = from_obspy_inventory(to_obspy_inventory(grf), cfg)
    assert [a.code for a in net.arrays] == ["GRFA"]  # auto = false: no GRF, no rule
    a = net.array("GRFA")
    assert len(a.elements) == 4 and a.reference_latitude == 49.7
    assert [e.station for e in a.group("z3")] == ["GRA1", "GRA2", "GRA3"]
    path = tmp_path / "arrays.toml"
    path.write_text('[arrays.X]\nelements = ["GRA1"]\nreferense = "GRA1"\n')
    with pytest.raises(ConfigError, match=r"arrays\.toml.*referense"):
        read_inventory(grf_path(tmp_path, grf), arrays=path)
    path.write_text('[arrays.X]\nelements = ["NOPE*"]\n')
    with pytest.raises(InventoryError, match="NOPE"):
        read_inventory(grf_path(tmp_path, grf), arrays=path)


def grf_path(tmp_path: Path, network: MonitoringNetwork) -> Path:
    return write_stationxml(network, tmp_path / "grf.xml")


def _same(a: MonitoringNetwork, b: MonitoringNetwork) -> None:
    assert [(s.network, s.code) for s in a] == [(s.network, s.code) for s in b]
    for s, t in zip(a, b, strict=True):
        assert (s.latitude, s.longitude, s.elevation_m, s.array) == (
            t.latitude,
            t.longitude,
            t.elevation_m,
            t.array,
        )
        assert [(c.code, c.sample_rate_hz, c.sensitivity) for c in s.channels] == [
            (c.code, c.sample_rate_hz, c.sensitivity) for c in t.channels
        ]
    assert [x.code for x in a.arrays] == [x.code for x in b.arrays]
    for x, y in zip(a.arrays, b.arrays, strict=True):
        assert x.element_codes == y.element_codes and x.kind == y.kind
        assert dict(x.beam_groups) == dict(y.beam_groups)
        np.testing.assert_allclose(x.offsets_km(), y.offsets_km(), atol=1e-3)
        assert (x.reference_latitude, x.reference_longitude) == (
            y.reference_latitude,
            y.reference_longitude,
        )


def test_round_trip_kz_with_embedded_arrays(tmp_path: Path) -> None:
    kz = kazakh_network()
    back = read_inventory(write_stationxml(kz, tmp_path / "kz.xml"))
    _same(kz, back)


def test_round_trip_grf_by_rule_without_extras(grf: MonitoringNetwork, tmp_path: Path) -> None:
    path = write_stationxml(grf, tmp_path / "grf.xml")
    inv = obspy_read_inventory(str(path))
    for net in inv:
        net.extra = None
    _same(grf, from_obspy_inventory(inv, name="01"))


def test_epoch_selection(grf: MonitoringNetwork) -> None:
    inv = to_obspy_inventory(grf)
    for net in inv:
        for sta in net:
            sta.start_date = UTCDateTime(1990, 1, 1)
            sta.end_date = UTCDateTime(2000, 1, 1)
    assert len(from_obspy_inventory(inv, at=UTCDateTime(1995, 1, 1))) == len(grf)
    with pytest.raises(InventoryError, match="no station in effect"):
        from_obspy_inventory(inv, at=UTCDateTime(2010, 1, 1))


def test_unreadable_files_name_the_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xml"
    junk.write_text("<not-stationxml/>")
    with pytest.raises(InventoryError, match=r"junk\.xml"):
        read_inventory(junk)
    text = tmp_path / "stations.txt"
    text.write_text("hello")
    with pytest.raises(InventoryError, match=r"stations\.txt"):
        read_inventory(text)
