"""Events contested after the search ('ndc' method, ``ndc_contest_max_stations``): the case
traced on the IMS-style set (benchmarks/bench_association_ims.py, seed 10). Two Tunisian
events four minutes apart, ev173 (M 3.2, 34.39 N 9.04 E, 19.5 km) and ev174 (M 3.3,
34.98 N 9.01 E, 122 km): the search, best first, had accepted a chance combination of a
noise detection at KEST (2 s before ev174's P there), ev173's P at the arrays BRMAR and
BRTR and ev174's P at ESDC, placed in the Ionian Sea 1,000 km off; ev173 then had one
station left and ev174 three without ESDC, and neither formed. Their detections, as the set
made them, are written here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.association import AssociationConfig, associate
from openndc.association.associate import _ingest, _network_sites
from openndc.association.ndc import NdcHypothesis, _Ndc
from openndc.model import Detection, MonitoringNetwork
from openndc.model.geodesy import distance_azimuth
from openndc.traveltime import load_travel_times
from tests.support.ims import (
    ims_affiliations,
    noise_before,
    read_ims_network,
    set_detections,
)

T0 = UTCDateTime(2024, 1, 1, 17, 20)
EV173 = (34.387, 9.0437)
EV174 = (34.98, 9.0065)

#: id, station, time after T0 [s], phase label, back-azimuth [deg], slowness [s/deg],
#: amplitude [nm], period [s], SNR (arrays: 0.5 s, 5 deg, 1 s/deg; 3-C: 1 s, 25 deg, 4)
ROWS = [
    ("false-589", "KEST", -371.776, "P", 182.46, 17.01, 13.270, 1.372, 5.22),
    ("ev173-KEST-Pn", "KEST", 59.073, "P", 174.25, 17.83, 8.276, 0.588, 7.59),
    ("false-577", "KEST", 272.835, "P", 255.74, 5.99, 8.281, 1.347, 3.32),
    ("ev174-KEST-P", "KEST", 274.946, "P", 200.48, 13.25, 859.027, 0.386, 1200.66),
    ("ev173-BRMAR-P", "BRMAR", 298.800, "P", 259.39, 12.43, 2.277, 0.448, 6.48),
    ("ev173-BRTR-P", "BRTR", 307.497, "P", 262.26, 11.18, 7.241, 1.046, 6.84),
    ("ev174-ESDC-P", "ESDC", 412.259, "P", 103.01, 12.71, 3.602, 0.741, 4.37),
    ("ev174-BRMAR-P", "BRMAR", 511.122, "P", 255.79, 12.03, 4.017, 0.451, 11.35),
    ("ev174-AKASG-P", "AKASG", 533.051, "P", 225.26, 11.30, 2.811, 0.574, 3.52),
    ("ev174-AKASG-pP", "AKASG", 554.660, "P", 234.70, 11.84, 1.409, 0.574, 1.76),
    ("ev174-USRK-P", "USRK", 999.677, "P", 330.22, 2.62, 4.706, 1.172, 6.11),
]
ARRAYS = {"BRMAR", "BRTR", "ESDC", "AKASG", "USRK"}
STATIONS = {"KEST", *ARRAYS}


def _background() -> list[Detection]:
    """Each station's noise detections in the three hours before: its detection threshold
    (the amplitude test of a small event) and that it was operating come from them, as
    in the set (log10 A/T about 0.0 at the arrays and 0.3 at KEST, 0.3 scatter)."""
    return noise_before(sorted(STATIONS), ARRAYS, T0, np.random.default_rng(10), 12,
                        (-10800.0, -3600.0), (2.0, 18.0))  # fmt: skip


def _detections() -> list[Detection]:
    return [*_background(), *set_detections(ROWS, T0, ARRAYS)]


def _network(shared_data: Path) -> MonitoringNetwork:
    """The IMS stations of the set (the node lattice is laid out around them all; those
    without detections here are not operating: their silence is no evidence)."""
    root = shared_data / "ims_site_tables"
    return read_ims_network(root / "ims.site", T0, set(ims_affiliations(root / "ims.affiliation")))


def _searched(shared_data: Path, cfg: AssociationConfig) -> tuple[_Ndc, NdcHypothesis]:
    """The association's state after the search on the whole set: the chance event it had
    accepted (where it placed it), its detections no longer free."""
    net = _network(shared_data)
    nd = _Ndc(_ingest(_detections(), net, []), cfg, load_travel_times("ak135"),
              _network_sites(net, p_only=True))  # fmt: skip
    at = {x.id: i for i, x in enumerate(nd.d.items)}
    chance = NdcHypothesis(float(UTCDateTime(2024, 1, 1, 17, 22, 24.56) - nd.d.ref), 35.92,
                           20.16, 0.0,
                           [at[x] for x in ("false-577", "ev173-BRMAR-P", "ev173-BRTR-P",
                                            "ev174-ESDC-P")],
                           ["P", "P", "P", "P"])  # fmt: skip
    nd.alive[chance.members] = False
    nd._add_coda(chance)
    return nd, chance


def _ids(nd: _Ndc, ev: NdcHypothesis) -> set[str]:
    return {nd.d.items[m].id for m in ev.members}


def _km(ev: NdcHypothesis, where: tuple[float, float]) -> float:
    return float(distance_azimuth(ev.latitude, ev.longitude, *where)[0]) * 111.19


def test_a_chance_combination_gives_way_to_the_two_events_it_held(shared_data: Path) -> None:
    cfg = AssociationConfig()
    assert cfg.ndc_contest_max_stations >= 4
    nd, chance = _searched(shared_data, cfg)
    out = nd._contest([chance], ())
    assert len(out) == 2
    ev173, ev174 = sorted(out, key=lambda h: h.t0)
    assert _ids(nd, ev173) == {"ev173-KEST-Pn", "ev173-BRMAR-P", "ev173-BRTR-P"}
    assert {"ev174-KEST-P", "ev174-ESDC-P", "ev174-BRMAR-P", "ev174-AKASG-P",
            "ev174-USRK-P"} <= _ids(nd, ev174)  # fmt: skip
    assert _km(ev173, EV173) < 250.0  # KEST's Pn taken for Pg at the 0-km node
    assert _km(ev174, EV174) < 50.0
    assert ev174.depth > 60.0  # the 122-km event's pP at AKASG sets its depth
    free = {nd.d.items[i].id for i in np.flatnonzero(nd.alive)}
    assert "false-577" in free  # the chance event's noise detection is free again
    assert not any(nd.alive[m] for h in out for m in h.members)


def test_an_event_with_p_at_more_stations_than_the_limit_is_not_contested(
    shared_data: Path,
) -> None:
    nd, chance = _searched(shared_data, AssociationConfig(ndc_contest_max_stations=3))
    alive = nd.alive.copy()
    assert nd._contest([chance], ()) == [chance]
    assert np.array_equal(nd.alive, alive)


def test_the_whole_set_makes_the_two_events(shared_data: Path) -> None:
    events = associate(_detections(), _network(shared_data), AssociationConfig()).events
    assert all("false-577" not in {a.detection.id for a in e.arrivals} for e in events)
    for where in (EV173, EV174):
        km = [float(distance_azimuth(e.origin.latitude, e.origin.longitude, *where)[0]) * 111.19
              for e in events]  # fmt: skip
        assert min(km) < 250.0


def _with_ev174(shared_data: Path) -> tuple[_Ndc, NdcHypothesis, np.ndarray]:
    """The state after the passes over the whole day: ev174 accepted (the chance event
    had given way to it in the conflict pass), ev173's three P free again."""
    nd, _ = _searched(shared_data, AssociationConfig())
    at = {x.id: i for i, x in enumerate(nd.d.items)}
    nd.alive[:] = True
    nd._reset_codas()
    ids = ("ev174-KEST-P", "ev174-ESDC-P", "ev174-BRMAR-P", "ev174-AKASG-P", "ev174-AKASG-pP",
           "ev174-USRK-P")  # fmt: skip
    ev174 = NdcHypothesis(float(UTCDateTime(2024, 1, 1, 17, 24, 13.56) - nd.d.ref), 34.92, 9.01,
                          120.0, [at[x] for x in ids], ["P", "P", "P", "P", "pP", "P"])  # fmt: skip
    nd.alive[ev174.members] = False
    nd._add_coda(ev174)
    freed = np.zeros(nd.alive.size, dtype=np.bool_)
    freed[[at[x] for x in ("ev173-BRMAR-P", "ev173-BRTR-P")]] = True
    return nd, ev174, freed


def test_detections_freed_after_the_search_are_searched_again(shared_data: Path) -> None:
    nd, ev174, freed = _with_ev174(shared_data)
    assert AssociationConfig().ndc_search_freed
    out = nd._search_freed([ev174], (), freed)
    assert len(out) == 2 and out[0] is ev174
    assert _ids(nd, out[1]) == {"ev173-KEST-Pn", "ev173-BRMAR-P", "ev173-BRTR-P"}
    assert _km(out[1], EV173) < 250.0


def test_nothing_freed_nothing_searched(shared_data: Path) -> None:
    nd, ev174, freed = _with_ev174(shared_data)
    assert nd._search_freed([ev174], (), np.zeros_like(freed)) == [ev174]
