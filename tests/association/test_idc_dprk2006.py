"""The IDC's own detections of the 2006-10-09 DPRK test (CSS3.0 arrivals from geotool's test
data, IMS site table from SNL-GMS): association rebuilds the analysts' event from its bare
arrivals, once, near the LocSAT origin."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from obspy import UTCDateTime

from openndc.association import AssociationConfig, associate, reb_rules_config
from openndc.io.css_arrival import read_arrival_table
from openndc.model.geodesy import DEG_KM, distance_azimuth
from tests.support.ims import read_ims_network

#: The analysts' LocSAT origin (DPRK_test.origin): 41.3119 N, 129.0189 E, depth 0 (fixed).
ORIGIN = (UTCDateTime(1160357727.5751), 41.3119, 129.0189)


#: The REB options of the IMS-style benchmark (benchmarks/bench_association_ims.py).
REB = reb_rules_config()


@pytest.mark.parametrize("config", [AssociationConfig(), REB], ids=["default", "reb"])
def test_dprk_2006_rebuilt_from_the_idc_arrivals(
    shared_data: Path, config: AssociationConfig
) -> None:
    dets = read_arrival_table(shared_data / "idc_css_samples/geotool_dprk2006/DPRK_test.arrival")
    net = read_ims_network(
        shared_data / "ims_site_tables/ims.site", ORIGIN[0], {d.station for d in dets}
    )
    assert len(dets) == 24
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # INK and FITZ are not in the IMS site table
        res = associate(dets, net, config)
    assert len(res.events) == 1
    o = res.events[0].origin
    km = float(distance_azimuth(ORIGIN[1], ORIGIN[2], o.latitude, o.longitude)[0]) * DEG_KM
    assert km < 25.0
    assert abs(o.time - ORIGIN[0]) < 3.0
    # most of the analysts' 22 stations are in it, each detection object unchanged
    assert len({a.detection.station for a in res.events[0].arrivals}) >= 14
    ids = {id(d) for d in dets}
    assert all(id(a.detection) in ids for a in res.events[0].arrivals)


def test_the_closest_stations_reversed_3c_azimuth_does_not_lose_its_p(shared_data: Path) -> None:
    """JNU (8.3 deg, the closest station) measured the test's P 110 deg off its true
    back-azimuth (4.6 of its 23.7-deg sigma: the 3-C polarisation azimuth's sign
    ambiguity); the analysts kept its P. The REB options keep it too, its azimuth only not
    defining (a veto at 3.5 sigma, ``ndc_baz_veto_sigmas``, dropped it)."""
    dets = read_arrival_table(shared_data / "idc_css_samples/geotool_dprk2006/DPRK_test.arrival")
    net = read_ims_network(
        shared_data / "ims_site_tables/ims.site", ORIGIN[0], {d.station for d in dets}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # INK and FITZ are not in the IMS site table
        for config, kept in ((REB, True), (reb_rules_config(ndc_baz_veto_sigmas=3.5), False)):
            (event,) = associate(dets, net, config).events
            assert ("JNU" in {a.detection.station for a in event.arrivals}) is kept
