"""An event is not held where one station's P alone puts it ('ndc' method): the case traced on the
IMS-style set (benchmarks/bench_association_ims.py, seed 9 ev70, an M 3.4 Tunisian event at
34.51 N 8.82 E, 33 km deep). GERES's, BRMAR's, BRTR's and AKASG's P (arrays, 14-22 deg, all to
the north-east: their times trade distance for origin time) were joined by a noise P at STKA
(3-C, 140 deg: a PKP time, nothing else), and the event was placed 404 km north-east and 35 s
late, where STKA's time fitted and GERES's azimuth was 3 sigma off; the four arrays alone put
it within 10 km. The set's detections from five minutes before its origin to eighteen after
are written here (its own, other events' and noise), with noise detections at every IMS
primary station in the hours before (their thresholds, and that they operate)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.association import AssociationConfig, associate
from openndc.association.associate import _ingest, _network_sites
from openndc.association.ndc import NdcHypothesis, _Ndc
from openndc.model import Detection
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.traveltime import load_travel_times
from tests.support.ims import (
    case_network,
    event_p_detections,
    noise_before,
    primary_network,
    set_detections,
)

T0 = UTCDateTime(2024, 1, 1, 7, 0, 22.648)
EVENT = (34.509, 8.817)
ARRAYS_P = {"ev70-GERES-P", "ev70-BRMAR-P", "ev70-BRTR-P", "ev70-AKASG-P"}

#: id, station, time after T0 (the origin) [s], phase label, back-azimuth [deg], slowness [s/deg],
#: amplitude [nm], period [s], SNR (arrays: 0.5 s, 5 deg, 1 s/deg; 3-C: 1 s, 25 deg, 4)
ROWS = [
    ("false-1104", "ROSC", -296.374, "P", 277.28, 6.27, 2.784, 0.596, 5.55),
    ("false-323", "DBIC", -268.711, "P", 165.97, 6.12, 10.968, 1.058, 6.98),
    ("false-50", "ARCES", -174.211, "P", 140.13, 22.28, 2.144, 0.630, 4.05),
    ("false-925", "NVAR", -171.986, "P", 28.64, 11.25, 3.465, 1.012, 4.31),
    ("false-198", "BRTR", -169.906, "P", 165.73, 10.37, 2.851, 1.294, 3.07),
    ("false-983", "PDAR", -131.433, "P", 261.55, 19.04, 1.490, 0.657, 4.47),
    ("ev69-BRTR-P", "BRTR", -112.884, "P", 261.17, 10.58, 1.326, 0.512, 3.60),
    ("false-1080", "PPT", -73.669, "P", 4.20, 27.07, 5.125, 1.245, 3.39),
    ("false-259", "CMAR", -57.972, "P", 198.60, 18.43, 0.861, 0.408, 4.09),
    ("false-140", "BDFB", 22.811, "P", 89.23, 13.59, 2.251, 0.345, 4.11),
    ("false-1237", "TORD", 89.529, "P", 311.05, 11.61, 2.637, 0.495, 7.85),
    ("false-968", "PDAR", 146.877, "P", 346.51, 25.10, 1.978, 1.249, 3.12),
    ("ev70-ESDC-P", "ESDC", 160.014, "P", 117.15, 12.39, 2.808, 0.594, 3.31),
    ("ev70-GERES-P", "GERES", 206.485, "P", 202.32, 14.84, 4.218, 0.456, 19.22),
    ("ev70-BRMAR-P", "BRMAR", 267.327, "P", 267.37, 11.13, 6.606, 0.409, 12.20),
    ("false-412", "FINES", 273.206, "P", 99.64, 17.97, 24.059, 1.499, 8.29),
    ("ev70-BRTR-P", "BRTR", 274.913, "P", 264.45, 12.19, 5.400, 1.064, 7.07),
    ("false-218", "BRTR", 275.146, "P", 316.82, 20.80, 1.971, 0.486, 5.65),
    ("ev70-AKASG-P", "AKASG", 291.328, "P", 229.04, 10.57, 3.350, 0.883, 3.39),
    ("false-441", "GERES", 486.642, "P", 314.08, 15.95, 1.010, 0.496, 4.24),
    ("false-406", "FINES", 531.868, "P", 168.33, 23.43, 3.892, 0.624, 3.22),
    ("false-819", "MJAR", 587.671, "P", 149.90, 5.88, 4.664, 1.072, 3.87),
    ("ev70-BRMAR-Lg", "BRMAR", 628.797, "S", 255.33, 31.59, 26.362, 0.819, 24.35),
    ("false-145", "BDFB", 632.806, "P", 84.38, 20.24, 4.083, 0.722, 3.56),
    ("false-1388", "VNDA", 684.186, "P", 19.72, 12.54, 6.482, 1.346, 5.65),
    ("false-615", "KEST", 711.276, "P", 4.02, 12.53, 69.393, 1.433, 9.01),
    ("ev71-GERES-P", "GERES", 712.909, "P", 184.32, 13.40, 0.888, 0.454, 4.07),
    ("false-1130", "SCHQ", 724.435, "P", 243.92, 18.16, 6.829, 0.464, 3.40),
    ("ev71-BRMAR-P", "BRMAR", 762.103, "P", 260.15, 11.16, 5.752, 0.520, 8.36),
    ("false-447", "GERES", 871.963, "P", 173.54, 17.34, 1.430, 0.749, 3.97),
    ("false-1173", "SONM", 900.886, "P", 48.65, 21.72, 11.843, 1.058, 6.83),
    ("false-972", "PDAR", 944.009, "P", 206.14, 25.44, 3.014, 0.702, 8.46),
    ("false-685", "KSRS", 986.132, "P", 10.30, 9.36, 3.221, 1.478, 3.47),
    ("false-690", "KSRS", 990.856, "P", 255.21, 4.55, 0.682, 0.318, 3.42),
    ("false-1208", "STKA", 1032.407, "P", 307.13, 8.97, 3.038, 0.700, 10.79),
    ("false-256", "CMAR", 1091.212, "P", 252.01, 22.70, 2.737, 1.323, 4.01),
]


def _event(shared_data: Path, config: AssociationConfig) -> tuple[float, set[str]]:
    """Distance [km] from the origin of the event holding the four arrays' P, its ids."""
    net, arrays, primary = case_network(shared_data, T0)
    noise = noise_before(primary, arrays, T0, np.random.default_rng(9), 8,
                         (-10000.0, -1000.0), (4.0, 25.0))  # fmt: skip
    dets: list[Detection] = [*noise, *set_detections(ROWS, T0, arrays)]
    res = associate(dets, net, config)
    for e in res.events:
        ids = {a.detection.id for a in e.arrivals}
        if ARRAYS_P & ids:
            o = e.origin
            return float(distance_azimuth(o.latitude, o.longitude, *EVENT)[0]) * DEG_KM, ids
    return float("inf"), set()


def test_one_station_s_noise_p_does_not_hold_an_event_off(
    shared_data: Path,
) -> None:
    km, ids = _event(shared_data, AssociationConfig())
    assert ids >= ARRAYS_P, sorted(ids)
    assert "false-1208" not in ids, sorted(ids)
    assert km < 100.0, (km, sorted(ids))


def test_without_the_test_the_event_stands_off(shared_data: Path) -> None:
    # the case as it was: the same detections with the test off (the search's location
    # where STKA's time fitted stays, whether or not a later test drops STKA's P)
    km, ids = _event(shared_data, AssociationConfig(ndc_drag_max_stations=0))
    assert ids >= ARRAYS_P and km > 250.0, (km, sorted(ids))


def test_an_event_s_own_p_seldom_hold_it_off(shared_data: Path) -> None:
    """The test's false alarms: a hundred draws of the detectors' noise on one event's P at
    three arrays and a 3-C station (the set's uncertainties), each hypothesis at the true
    origin: its data are held off (moved, or a station's P dropped) in few of them (the
    99 % level of two tests, with the model's share in the time uncertainty)."""
    net, _ = primary_network(shared_data, T0)
    sites = {s.code: (s.latitude, s.longitude) for s in net.stations}
    seen = {"GERES": True, "BRMAR": True, "AKASG": True, "KEST": False}
    rng = np.random.default_rng(1)
    dets: list[Detection] = []
    for k in range(100):
        for x in event_p_detections((*EVENT, 0.0), T0 + 900.0 * k, sites, seen, rng):
            dets.append(replace(x, id=f"ev{k}-{x.station}"))
    nd = _Ndc(_ingest(dets, net, []), AssociationConfig(), load_travel_times("ak135"),
              _network_sites(net, p_only=True))  # fmt: skip
    held = 0
    for k in range(100):
        idx = np.array([i for i, x in enumerate(nd.d.items) if x.id.startswith(f"ev{k}-")])
        t0 = nd._misfit(*EVENT, 0.0, idx)[1]
        hyp = NdcHypothesis(t0, *EVENT, 0.0, idx.tolist(), ["P"] * idx.size)
        held += nd._held_off(hyp, idx) is not None
    assert held <= 5, held
