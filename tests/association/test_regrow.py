"""Events built again after the search ('ndc' method, ``ndc_regrow``): the case traced on
the IMS-style set (benchmarks/bench_association_ims.py, seed 3 ev188, an M 3.7 Tunisian
event at 34.28 N 8.36 E): the search had accepted BRMAR, BRTR and SCHQ's P placed by them
alone, 2.3 deg and a minute off, so KEST's P and Sg at 0.5 deg fitted it no more, and the
two arrays' PcP (labelled P by their detector) made a chance event with a noise detection
at LPAZ. Its detections, as the set made them, are written here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.association import AssociationConfig, reb_rules_config
from openndc.association.associate import _ingest
from openndc.association.ndc import NdcHypothesis, _Ndc
from openndc.model import Detection
from openndc.model.geodesy import distance_azimuth
from openndc.traveltime import load_travel_times
from tests.support.ims import read_ims_network, set_detections

T0 = UTCDateTime(2024, 1, 1, 18, 40)
EVENT = (34.28, 8.36)

#: id, station, time after T0 [s], phase label, back-azimuth [deg], slowness [s/deg],
#: amplitude [nm], period [s], SNR (arrays: 0.5 s, 5 deg, 1 s/deg; 3-C: 1 s, 25 deg, 4)
ROWS = [
    ("false-751", "LPAZ", 344.622, "P", 8.73, 12.77, 6.458, 1.252, 3.12),
    ("KEST-P", "KEST", 647.170, "P", 190.30, 15.66, 17.854, 0.478, 10.49),
    ("KEST-Sg", "KEST", 669.518, "S", 164.60, 26.68, 71.246, 0.957, 20.94),
    ("BRMAR-P", "BRMAR", 893.487, "P", 266.95, 10.20, 8.768, 0.679, 15.62),
    ("BRTR-P", "BRTR", 900.854, "P", 256.80, 10.20, 6.664, 1.090, 18.57),
    ("BRMAR-PcP", "BRMAR", 1147.770, "P", 266.85, 1.51, 2.202, 0.679, 3.92),
    ("BRTR-PcP", "BRTR", 1149.377, "P", 267.16, 2.86, 1.674, 1.090, 4.67),
    ("SCHQ-P", "SCHQ", 1186.657, "P", 104.29, 8.88, 3.297, 1.144, 5.14),
]
ARRAYS = {"LPAZ", "BRMAR", "BRTR"}


def _detections() -> list[Detection]:
    return set_detections(ROWS, T0, ARRAYS)


def _searched(shared_data: Path, taken: tuple[str, ...] = ()) -> tuple[_Ndc, list[NdcHypothesis]]:
    """The association's state after the search on the whole set: the two events it had
    accepted, their detections (and ``taken``: another event's) no longer free."""
    root = shared_data / "ims_site_tables"
    net = read_ims_network(root / "ims.site", T0, {"LPAZ", "KEST", "BRMAR", "BRTR", "SCHQ"})
    nd = _Ndc(_ingest(_detections(), net, []), reb_rules_config(self_calibrate=False),
              load_travel_times("ak135"))  # fmt: skip
    at = {x.id: i for i, x in enumerate(nd.d.items)}
    ref = nd.d.ref
    placed = NdcHypothesis(float(T0 + 560.7 - ref), 31.94, 8.18, 0.0,
                           [at["BRMAR-P"], at["BRTR-P"], at["SCHQ-P"]],
                           ["P", "P", "P"])  # fmt: skip
    chance = NdcHypothesis(float(T0 + 292.5 - ref), -13.06, -67.62, 0.0,
                           [at["false-751"], at["BRMAR-PcP"], at["BRTR-PcP"]],
                           ["Pn", "P", "P"])  # fmt: skip
    for h in (placed, chance):
        nd.alive[h.members] = False
        nd._add_coda(h)
    nd.alive[[at[x] for x in taken]] = False
    return nd, [placed, chance]


def test_an_event_placed_by_far_arrays_is_built_again_from_the_closest_p(
    shared_data: Path,
) -> None:
    nd, events = _searched(shared_data)
    out = nd._drop_explained(nd._regrow(list(events), ()), ())  # as `run` does
    assert len(out) == 1  # the PcP, now its later phases, make no event
    (ev,) = out
    ids = {nd.d.items[m].id for m in ev.members}
    assert {"KEST-P", "KEST-Sg", "BRMAR-P", "BRTR-P", "SCHQ-P"} <= ids
    dist, _, _ = distance_azimuth(ev.latitude, ev.longitude, *EVENT)
    assert float(dist) < 0.2
    free = {nd.d.items[i].id for i in np.flatnonzero(nd.alive)}
    assert "false-751" in free  # the chance event's noise detection is free again


def test_an_event_is_not_built_again_from_another_events_detections(shared_data: Path) -> None:
    # KEST's P and S taken by another event: the three arrays' event stays as it was
    nd, events = _searched(shared_data, taken=("KEST-P", "KEST-Sg"))
    out = nd._regrow(list(events), ())
    assert out == events


def test_an_event_made_of_another_events_later_phases_is_dropped_without_regrow(
    shared_data: Path,
) -> None:
    """With the defaults (no regrow) the search, taking drivers best first, had accepted
    the chance event of the two PcP and LPAZ's noise detection beside ev188 itself (a split
    on the whole day): an event made of another's later phases is dropped after the search
    whether or not an event was built again (`run` ends with `_drop_explained`)."""
    root = shared_data / "ims_site_tables"
    net = read_ims_network(root / "ims.site", T0, {"LPAZ", "KEST", "BRMAR", "BRTR", "SCHQ"})
    cfg = AssociationConfig()
    assert not cfg.ndc_regrow
    nd = _Ndc(_ingest(_detections(), net, []), cfg, load_travel_times("ak135"))
    at = {x.id: i for i, x in enumerate(nd.d.items)}
    # ev188 where the benchmark found it (34.31 N 8.33 E, 18:50:16.98), and the chance event
    own = [at[x] for x in ("KEST-P", "KEST-Sg", "BRMAR-P", "BRTR-P", "SCHQ-P")]
    t188 = float(UTCDateTime(2024, 1, 1, 18, 50, 16.98) - nd.d.ref)
    ev188 = NdcHypothesis(t188, 34.31, 8.33, 0.0, own, ["Pn", "Sn", "P", "P", "P"])
    chance = NdcHypothesis(float(T0 + 292.5 - nd.d.ref), -13.06, -67.62, 0.0,
                           [at["false-751"], at["BRMAR-PcP"], at["BRTR-PcP"]],
                           ["Pn", "P", "P"])  # fmt: skip
    for h in (ev188, chance):
        nd.alive[h.members] = False
        nd._add_coda(h)
    assert nd._drop_explained([ev188, chance], ()) == [ev188]
    free = {nd.d.items[i].id for i in np.flatnonzero(nd.alive)}
    assert {"false-751", "BRMAR-PcP", "BRTR-PcP"} <= free
