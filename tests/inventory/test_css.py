from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from obspy import UTCDateTime

from openndc.inventory import read_css_site, read_inventory
from openndc.inventory.css import julian_day
from openndc.model.errors import InventoryError
from openndc.model.inventory import MonitoringNetwork, local_offsets_km

AT = UTCDateTime(2016, 3, 1)


@pytest.fixture(scope="module")
def ims(shared_data: Path) -> MonitoringNetwork:
    return read_css_site(shared_data / "ims_site_tables" / "ims.site", at=AT)


@pytest.mark.parametrize(
    ("code", "n", "kind"),
    [
        ("MKAR", 10, "seismic"),
        ("BVAR", 10, "seismic"),
        ("I31KZ", 8, "infrasound"),
        ("ARCES", 25, "seismic"),
    ],
)
def test_ims_array_element_counts(ims: MonitoringNetwork, code: str, n: int, kind: str) -> None:
    a = ims.array(code)
    assert len(a.elements) == n
    assert a.kind == kind
    assert all(ims.station(e.station).array == code for e in a.elements)


def test_mkar_elements_offsets_and_beam_groups(ims: MonitoringNetwork) -> None:
    mkar = ims.array("MKAR")
    assert set(mkar.element_codes) == {f"MK0{i}" for i in range(1, 10)} | {"MK31"}
    # MK32 closed on 2011-08-08 (offdate 2011220): not an element in 2016
    assert "MK32" not in mkar.element_codes
    assert mkar.element("MK07").dnorth_km == pytest.approx(-4.477)
    assert mkar.element("MK07").deast_km == pytest.approx(1.919)
    assert set(mkar.beam_groups["sp"]) == {f"MK0{i}" for i in range(1, 10)}
    assert mkar.beam_groups["3c"] == ("MK31",)
    assert ims.station("MK01").channel("SHZ").sample_rate_hz == 40.0  # from sensor/instrument


@pytest.mark.parametrize(
    "code", ["MKAR", "BVAR", "I31KZ", "ARCES", "PDAR", "GERES", "FINES", "SPITS"]
)
def test_table_offsets_agree_with_coordinates(ims: MonitoringNetwork, code: str) -> None:
    a = ims.array(code)
    lats = np.array([e.latitude for e in a.elements])
    lons = np.array([e.longitude for e in a.elements])
    de, dn = local_offsets_km(a.reference_latitude, a.reference_longitude, lats, lons)
    table = a.offsets_km()
    tol = 0.05  # [km]; NOA, USRK, CMAR and the hydrophone triplets disagree more
    assert np.abs(table[:, 0] - de).max() < tol
    assert np.abs(table[:, 1] - dn).max() < tol


def test_single_station_and_epochs(ims: MonitoringNetwork, shared_data: Path) -> None:
    akto = ims.station("AKTO")
    assert akto.array is None
    assert {c.code for c in akto.channels} == {"BH1", "BH2", "BHZ"}
    assert akto.channel("BH1").azimuth_deg == pytest.approx(295.2)
    assert akto.channel("BHZ").dip_deg == pytest.approx(-90.0)
    # In 2003 MKAR still had the legacy CSS channel codes and MK32
    old = read_css_site(shared_data / "ims_site_tables" / "ims.site", at=UTCDateTime(2003, 1, 1))
    assert {c.code for c in old.station("MK01").channels} == {"sz"}
    assert "MK32" in old.array("MKAR").element_codes
    assert old.find_station("AKTO") is None  # opened 2005290


def test_kurk_reference_row_without_elements_is_no_array(ims: MonitoringNetwork) -> None:
    # The stored tables carry the KURK 'ar' row but none of its elements.
    with pytest.raises(InventoryError):
        ims.array("KURK")


def test_read_inventory_dispatches_on_site_extension(shared_data: Path) -> None:
    net = read_inventory(shared_data / "ims_site_tables" / "ims.site", at=AT)
    assert len(net.array("MKAR").elements) == 10


def _site_line(
    sta: str,
    on: int,
    off: int,
    lat: float,
    lon: float,
    elev: float,
    statype: str,
    ref: str,
    dn: float,
    de: float,
) -> str:
    return (
        f"{sta:<6} {on:>8} {off:>8} {lat:>11.5f} {lon:>11.5f} {elev:>9.4f} "
        f"{'Test':<50} {statype:<4} {ref:<6} {dn:>9.4f} {de:>9.4f} {'16-MAR-16':<17}"
    )


def _chan_line(
    sta: str, chan: str, on: int, chanid: int, off: int, hang: float, vang: float
) -> str:
    return (
        f"{sta:<6} {chan:<8} {on:>8} {chanid:>8} {off:>8} {'n':<4} {0.0:>9.4f} "
        f"{hang:>6.1f} {vang:>6.1f} {'x':<50} {'16-MAR-16':<17}"
    )


def test_small_generated_tables(tmp_path: Path) -> None:
    site = tmp_path / "t.site"
    site.write_text(
        "\n".join(
            [
                _site_line("XAR", 2000001, -1, 10.0, 20.0, 0.1, "ar", "XAR", 0, 0),
                _site_line("XA1", 2000001, -1, 10.0, 20.0, 0.1, "ss", "XAR", 0, 0),
                _site_line("XA2", 2000001, -1, 10.01, 20.0, 0.1, "ss", "XAR", 1.112, 0),
                _site_line("XA3", 2000001, 2001001, 10.0, 20.01, 0.1, "ss", "XAR", 0, 1.095),
                "garbage line that is not a site row",
            ]
        )
        + "\n"
    )
    (tmp_path / "t.sitechan").write_text(
        "\n".join(
            [
                _chan_line("XA1", "SHZ", 2000001, 1, -1, -1.0, 0.0),
                _chan_line("XA1", "SHN", 2000001, 2, -1, 0.0, 90.0),
                _chan_line("XA1", "SHE", 2000001, 3, -1, 90.0, 90.0),
                _chan_line("XA2", "SHZ", 2000001, 4, -1, -1.0, 0.0),
            ]
        )
        + "\n"
    )
    from openndc.model.errors import DataQualityWarning

    with pytest.warns(DataQualityWarning, match=r"t\.site:5"):
        net = read_css_site(site, at=UTCDateTime(2005, 1, 1), network="XX")
    assert [s.code for s in net] == ["XA1", "XA2"]  # XA3 closed in 2001, XAR is a reference
    a = net.array("XAR")
    assert a.element_codes == ("XA1", "XA2")
    assert a.element("XA2").dnorth_km == pytest.approx(1.112)
    assert net.station("XA1").is_three_component
    assert net.station("XA1", "XX").elevation_m == pytest.approx(100.0)
    assert julian_day(UTCDateTime(2005, 2, 1)) == 2005032


def test_unreadable_tables_raise_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.site"
    bad.write_text("not css at all\n")
    with pytest.warns(Warning), pytest.raises(InventoryError, match=r"bad\.site"):
        read_css_site(bad)
    with pytest.raises(InventoryError, match="not found"):
        read_inventory(tmp_path / "missing.xml")


@pytest.mark.parametrize("code", ["DBIC", "LBTB", "LPAZ", "PLCA", "VNDA"])
def test_ims_three_c_stations_named_by_their_reference(ims: MonitoringNetwork, code: str) -> None:
    # the IMS table has rows only for the sensors (DBIC1 short period, DBICB broadband),
    # both with refsta DBIC; the IDC reports arrivals under DBIC
    sta = ims.station(code)
    assert sta.is_three_component
    assert {c.code for c in sta.channels} >= {"BHZ", "BHN", "BHE", "SHZ"}
    element = ims.station(code + "B")
    assert sta.latitude == pytest.approx(element.latitude, abs=1e-3)
    assert sta.array is None


def test_reference_only_station_from_generated_tables(tmp_path: Path) -> None:
    site = tmp_path / "r.site"
    site.write_text(
        "\n".join(
            [
                _site_line("ABCB", 2000001, -1, 10.0, 20.0, 0.1, "ss", "ABC", 0, 0),
                _site_line("ABC1", 2000001, -1, 10.00001, 20.0, 0.1, "ss", "ABC", 0.001, 0),
                _site_line("SOLO", 2000001, -1, 11.0, 21.0, 0.1, "ss", "SOLO", 0, 0),
            ]
        )
        + "\n"
    )
    (tmp_path / "r.sitechan").write_text(
        "\n".join(
            [
                _chan_line("ABC1", "SHZ", 2000001, 1, -1, -1.0, 0.0),
                _chan_line("ABCB", "BHZ", 2000001, 2, -1, -1.0, 0.0),
                _chan_line("ABCB", "BHN", 2000001, 3, -1, 0.0, 90.0),
                _chan_line("ABCB", "BHE", 2000001, 4, -1, 90.0, 90.0),
            ]
        )
        + "\n"
    )
    net = read_css_site(site, at=UTCDateTime(2005, 1, 1), network="XX")
    assert sorted(s.code for s in net) == ["ABC", "ABC1", "ABCB", "SOLO"]
    abc = net.station("ABC", "XX")
    assert abc.latitude == pytest.approx(10.0)  # the element at the reference point
    assert [c.code for c in abc.channels] == ["BHE", "BHN", "BHZ", "SHZ"]
    assert not net.arrays


def _warnings_of(site: Path, at: UTCDateTime) -> tuple[MonitoringNetwork, list[str]]:
    import warnings

    from openndc.model.errors import DataQualityWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = read_css_site(site, at=at, network="XX")
    assert all(issubclass(w.category, DataQualityWarning) for w in caught)
    return net, [str(w.message) for w in caught]


def test_impossible_rows_are_skipped_naming_file_row_and_value(tmp_path: Path) -> None:
    """Bad numbers: one line each, naming the table, the row and the value."""
    site = tmp_path / "v.site"
    site.write_text(
        "\n".join(
            [
                _site_line("GOOD", 2000001, -1, 10.0, 20.0, 0.1, "ss", "GOOD", 0, 0),
                _site_line("LAT", 2000001, -1, 95.0, 20.0, 0.1, "ss", "LAT", 0, 0),
                _site_line("LON", 2000001, -1, 10.0, 999.0, 0.1, "ss", "LON", 0, 0),
                _site_line("ELEV", 2000001, -1, 10.0, 20.0, 99.0, "ss", "ELEV", 0, 0),
                _site_line("DAY", 2000400, -1, 10.0, 20.0, 0.1, "ss", "DAY", 0, 0),
                _site_line("OFF", 2004001, 2003001, 10.0, 20.0, 0.1, "ss", "OFF", 0, 0),
                _site_line("DN", 2000001, -1, 10.0, 20.0, 0.1, "ss", "DN", 5000.0, 0),
                _site_line("NAN", 2000001, -1, float("nan"), 20.0, 0.1, "ss", "NAN", 0, 0),
            ]
        )
        + "\n"
    )
    (tmp_path / "v.sitechan").write_text(
        "\n".join(
            [
                _chan_line("GOOD", "SHZ", 2000001, 1, -1, -1.0, 0.0),
                _chan_line("GOOD", "SHN", 2000001, 2, -1, 400.0, 90.0),
                _chan_line("GOOD", "SHE", 2000001, 3, -1, 90.0, 200.0),
            ]
        )
        + "\n"
    )
    net, messages = _warnings_of(site, UTCDateTime(2005, 1, 1))
    assert [s.code for s in net] == ["GOOD"]
    assert [c.code for c in net.station("GOOD", "XX").channels] == ["SHZ"]
    expected = [
        ("v.site:2:", "latitude 95 deg is outside [-90, 90]"),
        ("v.site:3:", "longitude 999 deg"),
        ("v.site:4:", "elevation 99 km"),
        ("v.site:5:", "ondate 2000400 is not a yyyyddd date"),
        ("v.site:6:", "offdate 2003001 is before ondate 2004001"),
        ("v.site:7:", "dnorth 5000 km"),
        ("v.site:8:", "latitude nan"),
        ("v.sitechan:2:", "hang 400 deg"),
        ("v.sitechan:3:", "vang 200 deg"),
    ]
    for where, what in expected:
        assert sum(where in m and what in m for m in messages) == 1, (where, what, messages)
    assert len(messages) == len(expected)


def test_contradictory_rows_are_reported_and_the_latest_used(tmp_path: Path) -> None:
    site = tmp_path / "c.site"
    site.write_text(
        "\n".join(
            [
                _site_line("MOVE", 2000001, -1, 10.0, 20.0, 0.1, "ss", "MOVE", 0, 0),
                _site_line("MOVE", 2003001, -1, 10.5, 20.0, 0.1, "ss", "MOVE", 0, 0),
                # an epoch change on a shared boundary day is no contradiction
                _site_line("EPOC", 2000001, 2003001, 11.0, 20.0, 0.1, "ss", "EPOC", 0, 0),
                _site_line("EPOC", 2003001, -1, 11.5, 20.0, 0.1, "ss", "EPOC", 0, 0),
            ]
        )
        + "\n"
    )
    (tmp_path / "c.sitechan").write_text(
        "\n".join(
            [
                _chan_line("MOVE", "SHN", 2000001, 1, -1, 0.0, 90.0),
                _chan_line("MOVE", "SHN", 2002001, 2, -1, 10.0, 90.0),
                _chan_line("GONE", "SHZ", 2000001, 3, -1, -1.0, 0.0),
            ]
        )
        + "\n"
    )
    net, messages = _warnings_of(site, UTCDateTime(2005, 1, 1))
    assert net.station("MOVE", "XX").latitude == 10.5  # the later ondate wins, as before
    assert net.station("MOVE", "XX").channels[0].azimuth_deg == 10.0
    assert len(messages) == 3, messages
    assert "c.site:1: CSS3.0 site rows 1 and 2 both place MOVE" in messages[0]
    assert "c.sitechan:1: CSS3.0 sitechan rows 1 and 2 both describe MOVE SHN" in messages[1]
    assert "c.sitechan:3:" in messages[2] and "GONE, which has no site row" in messages[2]
    _, none = _warnings_of(site, UTCDateTime(2003, 1, 1))  # the boundary day itself
    assert not [m for m in none if "EPOC" in m]


def test_ims_tables_pass_their_own_checks(shared_data: Path) -> None:
    """The real IMS site/sitechan tables: no row rejected, no contradiction, at any epoch."""
    for at in (UTCDateTime(2003, 1, 1), AT, UTCDateTime(2018, 6, 1)):
        _, messages = _warnings_of(shared_data / "ims_site_tables" / "ims.site", at)
        assert messages == []
