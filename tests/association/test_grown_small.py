"""A hypothesis whose node scored as a large event's but which grew into a small one is
built from other nodes too ('ndc' method): the case traced on the IMS-style set
(benchmarks/bench_association_ims.py, seed 8 ev44, an M 3.7 Tunisian event at 35.48 N
10.96 E). MKAR's P drove it; its best node, 600 km south-west, counted KEST's, BRMAR's and
BRTR's P with it (KEST's time and the two arrays' trade distance for origin time along
that line), the consistency test then dropped MKAR's (seen at 55 deg where as sensitive
stations were silent), and the three P left were accepted there, 500 km off, KEST's
azimuth 78 deg from it. The set's detections from five minutes before its origin to twelve
after are written here (its own, other events' and noise), with noise detections at every
IMS primary station in the hours before (their thresholds, and that they operate)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.association import AssociationConfig
from openndc.association.associate import _ingest, _network_sites
from openndc.association.ndc import NdcHypothesis, _Ndc
from openndc.model import Detection
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.traveltime import load_travel_times
from tests.support.ims import (
    case_network,
    noise_before,
    set_detections,
)

T0 = UTCDateTime(2024, 1, 1, 4, 25, 7.504)
EVENT = (35.478, 10.956)
#: The node MKAR's P scored best at (11 defining data), 614 km south-west of the event.
WRONG_NODE = (30.9, 7.0)

#: id, station, time after T0 (the origin) [s], phase label, back-azimuth [deg], slowness [s/deg],
#: amplitude [nm], period [s], SNR (arrays: 0.5 s, 5 deg, 1 s/deg; 3-C: 1 s, 25 deg, 4)
ROWS = [
    ("ev41-USRK-P", "USRK", -257.529, "P", 323.34, 5.87, 1.773, 0.879, 3.01),
    ("ev41-PDAR-P", "PDAR", -257.250, "P", 39.08, 5.02, 1.267, 0.910, 4.42),
    ("false-1401", "ULM", -251.221, "P", 351.99, 20.57, 42.707, 1.081, 6.35),
    ("ev42-DBIC-P", "DBIC", -232.068, "P", 28.97, 8.06, 2.230, 1.051, 4.74),
    ("ev43-ESDC-P", "ESDC", -228.698, "P", 107.14, 13.14, 2.827, 0.651, 5.47),
    ("false-1087", "PLCA", -219.045, "P", 334.66, 6.29, 2.841, 0.790, 6.71),
    ("false-1416", "ULM", -217.892, "P", 148.41, 10.12, 22.095, 1.161, 3.06),
    ("ev43-GERES-P", "GERES", -215.427, "P", 186.42, 13.54, 3.482, 0.458, 5.99),
    ("ev42-ARCES-P", "ARCES", -186.207, "P", 200.50, 8.33, 9.994, 1.077, 12.17),
    ("false-165", "BRMAR", -168.595, "P", 97.42, 19.58, 1.975, 0.351, 7.01),
    ("false-1201", "SCHQ", -156.479, "P", 0.69, 8.08, 4.653, 0.786, 4.59),
    ("ev43-BRTR-P", "BRTR", -151.727, "P", 263.13, 11.24, 2.872, 0.685, 15.57),
    ("ev43-TORD-P", "TORD", -92.596, "P", 9.15, 11.70, 5.833, 0.865, 8.08),
    ("ev42-ZALV-P", "ZALV", -44.511, "P", 271.08, 7.50, 9.332, 1.562, 8.69),
    ("ev42-MKAR-P", "MKAR", -43.887, "P", 281.87, 7.68, 3.314, 1.107, 3.90),
    ("ev42-ARCES-PcP", "ARCES", -40.700, "P", 197.48, 2.84, 2.511, 1.077, 3.06),
    ("false-1025", "PDAR", -34.894, "P", 259.55, 10.85, 0.899, 0.782, 3.65),
    ("false-556", "GEYT", -7.241, "P", 279.58, 13.46, 7.323, 1.075, 5.95),
    ("false-626", "KBZ", -3.870, "P", 243.46, 11.20, 4.806, 0.582, 3.30),
    ("ev42-ZALV-PcP", "ZALV", 20.075, "P", 277.99, 4.32, 2.344, 1.562, 2.18),
    ("ev44-KEST-Pn", "KEST", 25.144, "P", 113.73, 11.20, 14.092, 0.700, 14.86),
    ("false-1131", "PPT", 43.084, "P", 217.18, 11.77, 4.940, 0.737, 3.86),
    ("false-518", "GEYT", 95.051, "P", 250.79, 4.46, 2.871, 0.334, 7.50),
    ("false-1584", "ZALV", 96.394, "P", 19.30, 6.97, 2.148, 1.015, 3.08),
    ("false-858", "MAW", 117.577, "P", 146.55, 0.10, 5.437, 0.766, 3.02),
    ("ev42-ILAR-P", "ILAR", 118.395, "P", 13.99, 4.34, 1.964, 0.965, 3.95),
    ("ev43-TORD-PcP", "TORD", 130.121, "P", 15.94, 0.92, 1.465, 0.865, 2.03),
    ("false-893", "MJAR", 141.350, "P", 337.76, 19.43, 9.899, 1.412, 3.38),
    ("false-807", "LPAZ", 169.403, "P", 183.22, 6.00, 6.875, 1.046, 3.10),
    ("false-1034", "PDAR", 213.133, "P", 82.45, 20.28, 1.694, 1.206, 4.45),
    ("ev44-BRMAR-P", "BRMAR", 247.979, "P", 262.89, 13.00, 5.463, 0.498, 13.67),
    ("ev44-BRTR-P", "BRTR", 256.042, "P", 263.63, 10.51, 3.110, 0.790, 14.63),
    ("false-65", "ARCES", 269.001, "P", 177.71, 9.56, 4.495, 1.153, 5.12),
    ("false-192", "BRMAR", 284.139, "P", 9.04, 9.92, 9.540, 0.752, 15.81),
    ("ev45-KEST-Pn", "KEST", 407.750, "P", 195.63, 15.23, 40.451, 0.443, 67.44),
    ("ev45-KEST-Sg", "KEST", 423.680, "S", 222.77, 39.18, 161.421, 0.886, 134.56),
    ("ev45-ESDC-P", "ESDC", 550.862, "P", 110.08, 12.56, 1.956, 0.366, 6.74),
    ("ev44-MKAR-P", "MKAR", 557.743, "P", 283.49, 7.23, 1.773, 0.610, 3.79),
    ("ev44-BRMAR-Lg", "BRMAR", 565.827, "S", 258.78, 31.59, 21.800, 0.996, 27.28),
    ("ev44-MKAR-PcP", "MKAR", 626.489, "P", 292.95, 4.51, 0.445, 0.610, 0.95),
    ("false-137", "BDFB", 642.444, "P", 319.83, 27.36, 2.645, 0.458, 6.95),
    ("false-375", "ESDC", 645.251, "P", 356.95, 15.37, 15.857, 1.478, 13.51),
    ("ev45-BRMAR-P", "BRMAR", 649.966, "P", 262.89, 11.05, 13.045, 0.658, 24.71),
    ("ev45-BRTR-P", "BRTR", 657.000, "P", 258.05, 10.34, 5.027, 0.675, 27.67),
    ("ev45-AKASG-P", "AKASG", 675.364, "P", 221.73, 10.23, 41.700, 0.950, 22.30),
    ("false-245", "BRTR", 675.418, "P", 66.79, 5.13, 2.178, 1.469, 5.50),
    ("ev45-TORD-P", "TORD", 679.951, "P", 18.69, 10.82, 3.568, 0.713, 6.00),
    ("false-331", "CPUP", 685.285, "P", 253.34, 9.48, 6.534, 0.473, 4.86),
    ("false-849", "MAW", 698.702, "P", 247.37, 19.72, 8.874, 1.051, 3.59),
]


def _background(stations: list[str], arrays: set[str]) -> list[Detection]:
    """Each primary station's noise detections in the three hours before (SNR 3 about its
    noise level): their detection thresholds, and that they were operating and silent
    when the event's P passed."""
    return noise_before(stations, arrays, T0, np.random.default_rng(8), 8,
                        (-10000.0, -1000.0), (4.0, 25.0))  # fmt: skip


def _from_the_wrong_node(shared_data: Path) -> tuple[_Ndc, NdcHypothesis | None]:
    net, arrays, primary = case_network(shared_data, T0)
    dets = [*_background(primary, arrays), *set_detections(ROWS, T0, arrays)]
    nd = _Ndc(_ingest(dets, net, []), AssociationConfig(), load_travel_times("ak135"),
              _network_sites(net, p_only=True))  # fmt: skip
    at = {x.id: i for i, x in enumerate(nd.d.items)}
    n = nd.nodes
    surface = np.flatnonzero(n.depth == 0.0)
    dist, _, _ = distance_azimuth(WRONG_NODE[0], WRONG_NODE[1], n.latitude[surface],
                                  n.longitude[surface])  # fmt: skip
    k = int(surface[np.argmin(dist)])
    drv = at["ev44-MKAR-P"]
    o = float(nd.d.t[drv] - n.tp[k, nd.d.site[drv]])
    return nd, nd._hypothesis(drv, 11.0, k, o)


def test_a_large_node_grown_into_a_small_event_is_built_from_other_nodes_too(
    shared_data: Path,
) -> None:
    nd, hyp = _from_the_wrong_node(shared_data)
    assert hyp is not None
    ids = {nd.d.items[m].id for m in hyp.members}
    assert {"ev44-KEST-Pn", "ev44-BRMAR-P", "ev44-BRTR-P"} <= ids
    km = float(distance_azimuth(hyp.latitude, hyp.longitude, *EVENT)[0]) * DEG_KM
    assert km < 150.0, (km, sorted(ids))
