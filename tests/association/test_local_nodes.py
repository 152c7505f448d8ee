"""Nodes around each site where the node lattice is coarse (a network spread over the
globe, the IMS): ``ndc_local_spacing`` / ``ndc_local_radius`` (on in the REB options)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.association import associate, reb_rules_config
from openndc.association.ndc import _Source
from openndc.association.nodes import NodeTables, _local_lattice, build_node_tables
from openndc.model import Detection
from openndc.model.geodesy import destination, distance_azimuth
from openndc.traveltime import load_travel_times
from tests.support.ims import false_p_detections, primary_network, table_detections

T0 = UTCDateTime(2024, 1, 1, 8, 42, 29.61)
EVENT = (35.80, 10.30, 10.0)  # an ISC Tunisia origin (bulletins/isc_tunisia_mloc), M 3.3


def test_local_lattice_covers_each_site_once() -> None:
    # two sites 0.3 deg apart (an array beside a 3-C station) and one far away
    lat = np.array([36.0, 36.3, -20.0])
    lon = np.array([9.0, 9.0, 140.0])
    la, lo = _local_lattice(lat, lon, 2.0, 0.5)
    d, _, _ = distance_azimuth(la[:, None], lo[:, None], la[None, :], lo[None, :])
    d = np.asarray(d, float) + np.eye(la.size) * 1e9
    assert float(d.min()) >= 0.25 - 1e-6  # overlapping lattices thinned
    # every point within 2 deg of a site has a node within a cell's reach
    rng = np.random.default_rng(0)
    for k in range(3):
        az = rng.uniform(0, 360, 200)
        r = 1.9 * np.sqrt(rng.uniform(0, 1, 200))
        pl, po = destination(lat[k], lon[k], r, az)
        dd, _, _ = distance_azimuth(np.asarray(pl)[:, None], np.asarray(po)[:, None],
                                    la[None, :], lo[None, :])  # fmt: skip
        assert float(np.asarray(dd, float).min(axis=1).max()) <= 0.5


def _tables(lat: list[float], lon: list[float], local: float) -> NodeTables:
    src = _Source(load_travel_times("ak135"), (0.0,), ("Pg", "Pn", "P"))
    return build_node_tables(np.array(lat), np.array(lon), src, regional_spacing=0.5,
                             regional_margin=12.0, global_spacing=3.0, depths=(0.0,),
                             local_spacing=local, local_radius=2.0)  # fmt: skip


def _nearest(t: NodeTables, lat: float, lon: float) -> float:
    return float(np.min(np.asarray(distance_azimuth(lat, lon, t.latitude, t.longitude)[0])))


def test_local_nodes_only_where_the_lattice_is_coarse() -> None:
    # a regional network (the Kazakh NDC's scale): its lattice is fine already
    lat, lon = [43.0, 44.0, 46.0, 50.0], [77.0, 80.0, 74.0, 72.0]
    assert _tables(lat, lon, 0.5).latitude.size == _tables(lat, lon, 0.0).latitude.size
    # a network spread over the globe: a node within a quarter degree near each site
    lat, lon = [36.8, -30.0, 60.0, 10.0], [9.0, 150.0, -100.0, 60.0]
    local, coarse = _tables(lat, lon, 0.5), _tables(lat, lon, 0.0)
    assert local.latitude.size > coarse.latitude.size
    assert _nearest(local, 36.1, 9.3) <= 0.36 < _nearest(coarse, 36.1, 9.3)


def _event_detections() -> list[Detection]:
    # a seed of the IMS-style benchmark (benchmarks/bench_association_ims.py): KEST's Pg
    # (0.78 deg) and S, BRMAR and AKASG (18 and 20 deg), and a noise detection at KEST
    # 3.6 s before the Pg
    rows = [  # id, station, seconds after origin, back-azimuth, slowness, amplitude [nm], period
        ("ev-KEST-Pg", "KEST", 13.96, 47.2, 14.35, 15.59, 0.64, "P"),
        ("ev-KEST-Sg", "KEST", 25.69, 80.4, 30.54, 62.22, 1.29, "S"),
        ("ev-BRMAR", "BRMAR", 252.61, 267.0, 13.65, 1.27, 0.31, "P"),
        ("ev-AKASG", "AKASG", 274.94, 229.8, 9.26, 5.94, 1.65, "P"),
        ("noise-KEST", "KEST", 10.32, 260.3, 10.71, 3.89, 0.52, "P"),
    ]
    return table_detections(rows, T0, {"BRMAR", "AKASG"})


def test_event_close_to_a_station_is_placed_by_its_p(shared_data: Path) -> None:
    """With nodes 2.4 deg apart (the IMS lattice) the best node was 1.8 deg away, where the
    noise detection fits KEST's P time better than the event's own Pg: the event was put
    3.6 deg away with the noise. The nodes around KEST hold one a quarter degree from it;
    since the search lays one even lattice over a network spread over the globe (not one
    centred on the medoid of the sites, whose cells stretch away from it), its nodes place
    it as well."""
    net, _ = primary_network(shared_data, T0)
    codes = sorted(s.code for s in net.stations)
    rng = np.random.default_rng(5)
    dets = _event_detections() + false_p_detections(codes, 2 * len(codes), rng, T0 - 3600.0)
    dets.sort(key=lambda d: (d.time, d.id))
    reb = reb_rules_config()
    assert reb.ndc_local_spacing > 0.0
    for config in (reb, replace(reb, ndc_local_spacing=0.0)):
        res = associate(dets, net, config)
        ev = [e for e in res.events if any(a.detection.id.startswith("ev-") for a in e.arrivals)]
        assert len(ev) == 1
        ids = {a.detection.id for a in ev[0].arrivals}
        o = ev[0].origin
        off = float(distance_azimuth(EVENT[0], EVENT[1], o.latitude, o.longitude)[0])
        assert "ev-KEST-Pg" in ids and "noise-KEST" not in ids and off < 0.5, (ids, off)
