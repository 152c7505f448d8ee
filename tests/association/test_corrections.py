"""Station corrections from a run's own events (``openndc.association.corrections``) and
``AssociationConfig.self_calibrate``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from obspy import UTCDateTime

from openndc.association import associate
from openndc.association.corrections import (
    StationCorrection,
    apply_sasc,
    apply_station_corrections,
    estimate_sasc_tables,
    estimate_station_corrections,
    sasc_table,
    significant,
)
from openndc.model import Detection
from openndc.model.event import Arrival, Event, Origin
from openndc.traveltime import load_travel_times

T0 = UTCDateTime(2024, 1, 1)


def _event(k: int, n_stations: int, baz_bias: float, slow_bias: float) -> Event:
    """An event with first P at ``n_stations`` stations S0.. at 30 deg, each measuring
    its back-azimuth ``baz_bias`` and its slowness ``slow_bias`` off (S0: twice that)."""
    tt = load_travel_times("ak135")
    _, p, _ = tt.derivatives("P", [30.0], [10.0])
    arrivals = []
    for s in range(n_stations):
        f = 2.0 if s == 0 else 1.0
        d = Detection("IM", f"S{s}", "", "BHZ", T0 + 100.0 * k + 370.0 + s, phase="P",
                      backazimuth=100.0 + f * baz_bias, slowness=abs(float(p[0])) + f * slow_bias,
                      id=f"e{k}-S{s}")  # fmt: skip
        arrivals.append(Arrival(d, "P", distance=30.0, azimuth=280.0,
                                backazimuth_residual=f * baz_bias))  # fmt: skip
    return Event(f"e{k}", Origin(T0 + 100.0 * k, 0.0, 0.0, 10.0), tuple(arrivals))


def test_corrections_are_the_median_residuals_of_well_recorded_events() -> None:
    tt = load_travel_times("ak135")
    events = [_event(k, 6, 8.0, 1.0) for k in range(5)]
    events += [_event(10 + k, 5, -20.0, -3.0) for k in range(3)]  # too few stations: not used
    got = estimate_station_corrections(events, tt, min_stations=6, min_residuals=5)
    assert set(got) == {f"S{s}" for s in range(6)}
    assert got["S0"].backazimuth == pytest.approx(16.0)
    assert got["S1"].backazimuth == pytest.approx(8.0)
    assert got["S1"].slowness == pytest.approx(1.0, abs=1e-6)
    assert got["S1"].n_backazimuth == got["S1"].n_slowness == 5
    # four residuals are too few
    assert estimate_station_corrections(events[:4], tt, 6, 5) == {}
    (det,) = apply_station_corrections([events[0].arrivals[0].detection], got)
    assert det.backazimuth == pytest.approx(100.0) and det.id == "e0-S0"
    wrapped = replace(det, backazimuth=5.0)
    (det2,) = apply_station_corrections([wrapped], got)
    assert det2.backazimuth == pytest.approx(349.0)
    other = replace(det, station="X9")
    assert apply_station_corrections([other], got)[0] is other


def test_only_corrections_that_differ_from_zero_are_applied() -> None:
    """A station's median residual is noise where it has no bias: over 2,000 unbiased
    stations (10-40 residuals of sigma 5 deg and 1 s/deg) about 1 % of the components pass
    at 99 %, and a 6 deg, 1.2 s/deg bias is found at most of them (the fewer residuals, the
    less often: 3 sigma of the median with 10, 5.5 with 40); a component that
    does not pass is 0, a station with neither is left out."""
    import numpy as np

    rng = np.random.default_rng(3)

    def measured(bias_b: float, bias_s: float) -> StationCorrection:
        n = int(rng.integers(10, 41))
        b, sl = rng.normal(bias_b, 5.0, n), rng.normal(bias_s, 1.0, n)

        def spread(v: np.ndarray) -> float:
            return float(1.4826 * np.median(np.abs(v - np.median(v))))

        return StationCorrection("S", float(np.median(b)), float(np.median(sl)), n, n,
                                 spread(b), spread(sl))  # fmt: skip

    unbiased = [significant(measured(0.0, 0.0)) for _ in range(2000)]
    passed = sum((c.n_backazimuth > 0) + (c.n_slowness > 0) for c in unbiased if c is not None)
    assert 0.002 < passed / 4000 < 0.025
    biased = [significant(measured(6.0, 1.2)) for _ in range(500)]
    assert sum(c is not None and c.n_backazimuth > 0 and c.n_slowness > 0 for c in biased) > 375
    mixed = significant(StationCorrection("S", 0.5, 1.5, 20, 20, 5.0, 1.0))
    assert mixed is not None
    assert (mixed.backazimuth, mixed.n_backazimuth, mixed.slowness) == (0.0, 0, 1.5)
    assert significant(StationCorrection("S", 0.5, 0.1, 20, 20, 5.0, 1.0)) is None


def test_self_calibration_recovers_a_small_event_at_biased_arrays(shared_data: Path) -> None:
    """Every station measures its back-azimuths 6-10 deg off (ESDC -15, AKASG +15) and its
    slownesses 0.1 s/deg per degree of that, unreported (arrays without slowness-azimuth
    station corrections). Twelve large events are found either way; a three-station
    Tunisian event at KEST, ESDC and AKASG is not: its arrays point 15 deg away. Corrected
    by the median residuals of the large events (``self_calibrate``), it is found, and the
    bulletin keeps the measured values."""
    from openndc.association import reb_rules_config
    from tests.support.ims import LARGE_EVENTS, biased_array_detections

    net, dets, _ = biased_array_detections(shared_data, T0)
    measured = {d.id: d for d in dets}
    small = {"ev-KEST", "ev-ESDC", "ev-AKASG"}
    for calibrate in (False, True):
        res = associate(dets, net, reb_rules_config(self_calibrate=calibrate))
        ids = [{a.detection.id for a in e.arrivals} for e in res.events]
        assert sum(1 for i in ids if any(x.startswith("big") for x in i)) == len(LARGE_EVENTS)
        assert any(small <= i for i in ids) is calibrate
        assert all(a.detection is measured[a.detection.id]
                   for e in res.events for a in e.arrivals)  # fmt: skip
    # of the 24 stations with residuals, those whose median residual differs from 0 at
    # 99 % (with 6-10 events a noisy station's bias may not: BRTR's -10.8 deg over 8)
    assert res.stats["n_station_corrections"] >= 15


def test_sasc_tables_correct_the_arrays_before_association(
    shared_data: Path, tmp_path: Path
) -> None:
    """The three-station Tunisian event above, its arrays 15 deg and 1.5 s/deg off (ESDC
    -, AKASG +): lost without corrections; with the arrays' SASC tables (``sasc``: the
    IDC's files, here written from the corrections a run measured, :func:`sasc_table`)
    found, the bulletin keeping the measured values and the uncertainties growing by the
    tables' modelling errors."""
    import numpy as np

    from openndc.association import reb_rules_config
    from openndc.io.sasc import read_sasc_tables, write_sasc
    from tests.support.ims import event_p_detections, primary_network

    net, _ = primary_network(shared_data, T0)
    sites = {s.code: (s.latitude, s.longitude) for s in net.stations}
    bias = {"ESDC": -15.0, "AKASG": 15.0}
    dets = event_p_detections((33.91, 10.19, 10.0), T0 + 1800.0, sites,
                              {"KEST": False, "ESDC": True, "AKASG": True},
                              np.random.default_rng(7))  # fmt: skip
    dets = sorted((replace(d, backazimuth=(d.backazimuth + bias.get(d.station, 0.0)) % 360.0,
                           slowness=d.slowness + 0.1 * bias.get(d.station, 0.0)) for d in dets),
                  key=lambda d: d.time)  # fmt: skip
    for code, b in bias.items():
        write_sasc(sasc_table(StationCorrection(code, b, 0.1 * b, 9, 9), (0.3, 2.0)),
                   tmp_path / f"sasc.{code}")  # fmt: skip
    tables = read_sasc_tables(tmp_path / "sasc")
    fixed = {d.station: d for d in apply_sasc(dets, tables)}
    raw = {d.station: d for d in dets}
    assert fixed["KEST"] is raw["KEST"]  # no table: as measured
    assert fixed["ESDC"].backazimuth == pytest.approx((raw["ESDC"].backazimuth + 15.0) % 360.0)
    assert fixed["AKASG"].slowness == pytest.approx(raw["AKASG"].slowness - 1.5)
    assert fixed["ESDC"].backazimuth_uncertainty == pytest.approx(
        float(np.hypot(raw["ESDC"].backazimuth_uncertainty, 2.0))
    )
    config = reb_rules_config(self_calibrate=False)
    assert not associate(dets, net, config).events
    res = associate(dets, net, replace(config, sasc=str(tmp_path / "sasc")))
    (event,) = res.events
    assert {a.detection.id for a in event.arrivals} >= {"ev-KEST", "ev-ESDC", "ev-AKASG"}
    assert all(a.detection is raw[a.detection.station] for a in event.arrivals)
    assert res.stats["n_sasc_corrected"] == 2
    assert res.provenance.parameters["sasc"] == str(tmp_path / "sasc")


def test_sasc_bins_follow_a_bias_that_turns_with_back_azimuth() -> None:
    """A station whose back-azimuths are 10 deg too large from the east and 10 deg too
    small from the west (four events each): one constant correction cannot
    remove both (its median is between them); the SASC table has a bin for each sector
    and corrects each to within a degree."""
    from openndc.model.geodesy import distance_azimuth
    from openndc.model.inventory import MonitoringNetwork, Station

    tt = load_travel_times("ak135")
    _, p, _ = tt.derivatives("P", [30.0], [10.0])
    sites = [Station("IM", f"S{k}", 0.0, 40.0 * k, 0.0) for k in range(6)]
    net = MonitoringNetwork("IM", tuple(sites), (), "test")

    events = []
    # true back-azimuths from S0 67-74 deg (measured 77-84) and 251-258 deg (241-248)
    for k, (la, lo) in enumerate([(10.0, 30.0), (12.0, 30.0), (8.0, 30.0), (9.0, 28.0),
                                  (-10.0, -30.0), (-8.0, -30.0), (-6.0, -30.0),
                                  (-9.0, -28.0)]):  # fmt: skip
        o = Origin(T0 + 1000.0 * k, la, lo, 10.0)
        arrivals = []
        for st in sites:
            _, _, baz = distance_azimuth(la, lo, st.latitude, st.longitude)
            bias = 0.0
            if st.code == "S0":
                bias = 10.0 if float(baz) < 180.0 else -10.0
            d = Detection("IM", st.code, "", "BHZ", o.time + 300.0, phase="P",
                          backazimuth=(float(baz) + bias) % 360.0, slowness=abs(float(p[0])),
                          id=f"e{k}-{st.code}")  # fmt: skip
            arrivals.append(Arrival(d, "P", distance=30.0, azimuth=0.0))
        events.append(Event(f"e{k}", o, tuple(arrivals)))
    (overall, table) = estimate_sasc_tables(events, tt, net, 6, 3, 30.0)["S0"]
    sectors = [b for b in table.bins if b.azimuth_max - b.azimuth_min < 360.0]
    assert [(b.azimuth_min, b.azimuth_max) for b in sectors] == [(60.0, 90.0), (240.0, 270.0)]
    assert (table.bins[-1].azimuth_min, table.bins[-1].azimuth_max) == (0.0, 360.0)
    assert abs(overall.backazimuth) < 10.0  # between the two
    for e in events:
        a = next(a for a in e.arrivals if a.station == "S0")
        _, _, true_baz = distance_azimuth(e.origin.latitude, e.origin.longitude, 0.0, 0.0)
        fixed = table.correct(float(a.detection.backazimuth), float(a.detection.slowness))
        assert abs((fixed.backazimuth - float(true_baz) + 180.0) % 360.0 - 180.0) < 1.0
