from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from obspy import UTCDateTime

from openndc.inventory import kazakh_network, read_css_site, read_inventory


def test_counts_and_arrays() -> None:
    kz = kazakh_network()
    assert read_inventory("kz") is kz
    assert kz.n_channels == 96
    sizes = {a.code: len(a.elements) for a in kz.arrays}
    assert sizes == {"MKAR": 10, "BVAR": 10, "KURK": 21, "I31KZ": 8, "KKAR": 6, "ABKAR": 6}
    assert kz.array("I31KZ").kind == "infrasound"
    assert set(kz.array("MKAR").beam_groups["sp"]) == {f"MK0{i}" for i in range(1, 10)}
    assert kz.array("MKAR").group("3c")[0].station == "MK31"
    assert kz.station("KURK", "II").array is None  # GSN KURK is not the IMS array
    assert kz.station("MAKZ").network == "IU"
    assert kz.array_of("KUR11") is kz.array("KURK")
    assert all(s.network == "KZ" for s in kz if s.array)


def test_offsets_agree_with_coordinates() -> None:
    from openndc.model.inventory import local_offsets_km

    for a in kazakh_network().arrays:
        lats = np.array([e.latitude for e in a.elements])
        lons = np.array([e.longitude for e in a.elements])
        de, dn = local_offsets_km(a.reference_latitude, a.reference_longitude, lats, lons)
        np.testing.assert_allclose(a.offsets_km(), np.c_[de, dn], atol=0.05, err_msg=a.code)


def test_facts_match_the_shared_csv(shared_data: Path) -> None:
    kz = kazakh_network()
    path = shared_data / "kazakh_network_facts" / "stations.csv"
    checked = 0
    with path.open() as f:
        for row in csv.DictReader(f):
            if not row["latitude"] or not row["longitude"] or not row["channels"]:
                continue  # reference rows, no coordinates, closed MK32
            net = row["network"] if row["network"] in ("II", "IU") else None
            s = kz.find_station(row["station"], net)
            if s is None:
                assert row["station"] == "AAK", row  # Kyrgyzstan, left out on purpose
                continue
            assert s.latitude == pytest.approx(float(row["latitude"]), abs=1e-3)
            assert s.longitude == pytest.approx(float(row["longitude"]), abs=1e-3)
            assert s.elevation_m == pytest.approx(float(row["elevation_m"]), abs=1)
            if row["sample_rate_hz"]:
                rates = {float(r) for r in row["sample_rate_hz"].split()}
                assert {c.sample_rate_hz for c in s.channels} == rates
            if (
                row["channels"].split()[0].isupper()
                and "(" not in row["channels"]
                and "inferred" not in row["channels"]
            ):
                assert {c.code for c in s.channels} == set(row["channels"].split())
            if row["array"]:
                assert s.array == row["array"]
            checked += 1
    assert checked == 65


def test_facts_match_the_css_tables(shared_data: Path) -> None:
    kz = kazakh_network()
    ims = read_css_site(shared_data / "ims_site_tables" / "ims.site", at=UTCDateTime(2016, 3, 1))
    checked = 0
    for s in kz:
        if s.network != "KZ":
            continue
        t = ims.find_station(s.code)
        if t is None:
            continue  # KURK elements and national arrays are not in the stored tables
        assert abs(s.latitude - t.latitude) < 1e-3 and abs(s.longitude - t.longitude) < 1e-3
        assert s.elevation_m == pytest.approx(t.elevation_m, abs=1.0)
        assert {c.code for c in s.channels} == {c.code for c in t.channels}
        assert {c.sample_rate_hz for c in s.channels} == {c.sample_rate_hz for c in t.channels}
        checked += 1
    assert checked == 29  # MKAR 10 + BVAR 10 + I31KZ 8 + AKTO
    for code in ("MKAR", "BVAR", "I31KZ"):
        a, b = kz.array(code), ims.array(code)
        assert a.element_codes == tuple(sorted(b.element_codes, key=a.element_codes.index))
        np.testing.assert_allclose(
            a.offsets_km(), b.offsets_km(a.element_codes), atol=1e-6, err_msg=code
        )
