"""A hypothesis that duplicates an accepted event ('ndc' method: within ``ndc_merge_time``
and ``ndc_merge_distance`` of it) is merged with it where the two make one event with P at
more sites than either (``_Ndc._merged``). The case traced on the IMS-style set
(benchmarks/bench_association_ims.py, seed 7 ev143, ISC origin M 3.6 at 33.82 N 7.83 E,
detections as the set made them): a noise detection at KEST (2 deg) 75 s after the origin
with ESDC and NOA's P had been accepted first, 5 deg off and 150 km deep; AKASG, CMAR and
CPUP's P then made a duplicate of it, and their detections went to no event."""

from __future__ import annotations

from pathlib import Path

from obspy import UTCDateTime

from openndc.association import reb_rules_config
from openndc.association.associate import _ingest
from openndc.association.ndc import NdcHypothesis, _Ndc
from openndc.model.geodesy import distance_azimuth
from openndc.traveltime import load_travel_times
from tests.support.ims import primary_network, set_p_detection

T0 = UTCDateTime(2024, 1, 1, 14, 20, 38)
EVENT = (33.8223, 7.8253)
#: id, station, time after T0 [s], back-azimuth [deg], slowness [s/deg]
ROWS = (
    ("false-621", "KEST", 74.543, 161.32, 21.31),
    ("ev143-ESDC-P", "ESDC", 158.654, 124.55, 13.70),
    ("ev143-AKASG-P", "AKASG", 305.384, 230.88, 11.29),
    ("ev143-NOA-P", "NOA", 345.120, 182.69, 7.59),
    ("ev143-CMAR-P", "CMAR", 733.068, 313.76, 5.37),
    ("ev143-CPUP-P", "CPUP", 760.677, 57.14, 6.46),
)


def _ndc(shared: Path) -> _Ndc:
    net, _ = primary_network(shared, T0)
    dets = [set_p_detection(name, code, code != "KEST", T0 + dt, baz, slow)
            for name, code, dt, baz, slow in ROWS]  # fmt: skip
    return _Ndc(_ingest(dets, net, []), reb_rules_config(self_calibrate=False),
                load_travel_times("ak135"))  # fmt: skip


def test_a_duplicate_and_the_event_it_duplicates_make_one_event(shared_data: Path) -> None:
    nd = _ndc(shared_data)
    at = {x.id: i for i, x in enumerate(nd.d.items)}
    ref = nd.d.ref
    # the chance combination the search had accepted, and the duplicate of it
    chance = NdcHypothesis(float(T0 - 30.4 - ref), 28.80, 6.33, 150.0,
                           [at["false-621"], at["ev143-ESDC-P"], at["ev143-NOA-P"]],
                           ["P", "P", "P"])  # fmt: skip
    nd.alive[chance.members] = False
    nd._add_coda(chance)
    dup = NdcHypothesis(float(T0 - 1.9 - ref), 33.54, 8.12, 0.0,
                        [at["ev143-AKASG-P"], at["ev143-CMAR-P"], at["ev143-CPUP-P"]],
                        ["P", "P", "P"])  # fmt: skip
    assert nd._duplicate(dup, (chance,))
    merged = nd._merged(chance, dup, ())
    assert merged is not None
    ids = {nd.d.items[m].id for m in merged.members}
    assert {x[0] for x in ROWS[1:]} <= ids and "false-621" not in ids
    assert float(distance_azimuth(*EVENT, merged.latitude, merged.longitude)[0]) < 0.5
    # the event's own detections are taken again as they were; nothing else changed
    assert not nd.alive[chance.members].any()


def test_a_split_that_makes_no_more_stations_is_not_merged(shared_data: Path) -> None:
    """Where the duplicate's detections add no P site to one event (a later phase of the
    accepted event taken for a P elsewhere), there is nothing to merge."""
    nd = _ndc(shared_data)
    at = {x.id: i for i, x in enumerate(nd.d.items)}
    ref = nd.d.ref
    event = NdcHypothesis(float(T0 - ref), *EVENT, 0.0,
                          [at[x[0]] for x in ROWS[1:]], ["P"] * 5)  # fmt: skip
    nd.alive[event.members] = False
    nd._add_coda(event)
    dup = NdcHypothesis(float(T0 + 20.0 - ref), 31.0, 8.0, 0.0, [at["false-621"]], ["P"])
    assert nd._merged(event, dup, ()) is None
