"""The REB's three-station events ('ndc' method, ``ndc_min_defining_small``): real IMS
geometry, one M ~3.9 Tunisian event seen by a 3-C station and two arrays (the IDC's minimum),
among false detections at all primary stations."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.association import AssociationConfig, associate, reb_rules_config
from openndc.model import Detection
from openndc.model.geodesy import distance_azimuth
from tests.support.ims import event_p_detections, false_p_detections, primary_network

T0 = UTCDateTime(2024, 1, 1)
EVENT = (33.91, 10.19, 10.0)  # an ISC Tunisia origin (bulletins/isc_tunisia_mloc)
SEEN = {"KEST": False, "ESDC": True, "AKASG": True}  # station: is an array
REB = AssociationConfig(
    ndc_min_defining_small=6.0,
    ndc_small_needs_amplitudes=False,
    ndc_ignore_baz_sigma=90.0,
    ndc_ignore_slowness_sigma=10.0,
)


def _detections(net_codes: list[str], sites: dict[str, tuple[float, float]]) -> list[Detection]:
    rng = np.random.default_rng(3)
    out = event_p_detections(EVENT, T0 + 1800.0, sites, SEEN, rng)
    # ~1.5 false detections per site-hour
    out += false_p_detections(net_codes, 3 * len(net_codes), rng, T0)
    return sorted(out, key=lambda d: (d.time, d.id))


def test_three_station_event_found_with_reb_rules_only(shared_data: Path) -> None:
    net, _ = primary_network(shared_data, T0)
    sites = {s.code: (s.latitude, s.longitude) for s in net.stations}
    assert set(SEEN) <= set(sites)
    dets = _detections(sorted(sites), sites)
    default = associate(dets, net)  # without amplitudes no small event
    assert not any(a.detection.id.startswith("ev-") for e in default.events for a in e.arrivals)
    reb = associate(dets, net, REB)
    found = [e for e in reb.events if any(a.detection.id.startswith("ev-") for a in e.arrivals)]
    assert len(found) == 1, [e.origin for e in reb.events]
    ids = {a.detection.id for a in found[0].arrivals}
    assert {f"ev-{c}" for c in SEEN} <= ids
    o = found[0].origin
    assert float(distance_azimuth(EVENT[0], EVENT[1], o.latitude, o.longitude)[0]) < 2.0
    # the false detections make no event, with either rule set
    assert len(reb.events) == 1 and not default.events


def test_few_stations_must_fit_within_their_errors(shared_data: Path) -> None:
    """Three arrays' P whose times fit an origin and whose azimuths all point 12 deg (2.4
    sigma) and slownesses 2 s/deg (2 sigma) off it (besides their noise), within the
    tolerances: 9 defining data, so not a small event, and without the fit test
    (``ndc_fit_max_stations`` 0) an event; their chi-square rejects it (IMS-style set, seed
    4: such a four-station chance combination with 9.5 data took KEST's Pg from a real
    event)."""
    net, _ = primary_network(shared_data, T0)
    sites = {s.code: (s.latitude, s.longitude) for s in net.stations}
    seen = {"ESDC": True, "AKASG": True, "BRTR": True}
    dets = [replace(d, backazimuth=(float(d.backazimuth) + 12.0) % 360.0,
                    slowness=float(d.slowness) + 2.0)
            for d in event_p_detections(EVENT, T0 + 1800.0, sites, seen,
                                        np.random.default_rng(0))]  # fmt: skip
    reb = reb_rules_config()
    assert reb.ndc_fit_max_stations >= 3
    assert not associate(dets, net, reb).events
    loose = associate(dets, net, replace(reb, ndc_fit_max_stations=0)).events
    assert len(loose) == 1 and len(loose[0].arrivals) == 3


def test_an_azimuth_three_sigma_off_is_made_non_defining(shared_data: Path) -> None:
    """The three-station event above with AKASG's azimuth 16 deg (3.2 sigma) off besides
    its noise: its chi-square fails with that azimuth, so it is made non-defining (as an
    analyst, and LocSAT's large-residual rule, would) and the event stands on the rest
    (IMS-style set, seed 6 ev180: an array azimuth 2.9 sigma and its slowness 2.4 sigma off
    lost a KEST-near event). Without the rule (``ndc_non_defining_sigma`` 0) it is lost."""
    net, _ = primary_network(shared_data, T0)
    sites = {s.code: (s.latitude, s.longitude) for s in net.stations}
    dets = [replace(d, backazimuth=(float(d.backazimuth) + 16.0) % 360.0) if d.station == "AKASG"
            else d for d in _detections(sorted(sites), sites)]  # fmt: skip
    rules = replace(REB, ndc_non_defining_sigma=reb_rules_config().ndc_non_defining_sigma)
    assert rules.ndc_non_defining_sigma > 0
    found = [e for e in associate(dets, net, rules).events
             if any(a.detection.id.startswith("ev-") for a in e.arrivals)]  # fmt: skip
    assert len(found) == 1
    assert {f"ev-{c}" for c in SEEN} <= {a.detection.id for a in found[0].arrivals}
    o = found[0].origin
    assert float(distance_azimuth(EVENT[0], EVENT[1], o.latitude, o.longitude)[0]) < 2.0
    off = replace(rules, ndc_non_defining_sigma=0.0)
    assert not any(a.detection.id.startswith("ev-")
                   for e in associate(dets, net, off).events for a in e.arrivals)  # fmt: skip


def test_a_p_whose_3c_azimuth_points_elsewhere_is_not_the_events(shared_data: Path) -> None:
    """A detection at a 3-C station on the event's predicted P time whose back-azimuth (25
    deg sigma) points 150 deg away is not the event's P with ``ndc_baz_veto_sigmas`` 3.5:
    with the azimuth only made non-defining (the REB options since 2026-12-06: real 3-C
    azimuths are sometimes reversed) it joins the event, as chance detections at noisy 3-C
    stations join chance combinations (IMS-style set with 10 false detections per
    site-hour: false events 39 -> 30 on seeds 8-11 with the veto)."""
    net, _ = primary_network(shared_data, T0)
    sites = {s.code: (s.latitude, s.longitude) for s in net.stations}
    seen = {"ESDC": True, "AKASG": True, "BRTR": True, "GERES": True}
    rng = np.random.default_rng(1)
    dets = event_p_detections(EVENT, T0 + 1800.0, sites, seen, rng)
    (kest,) = event_p_detections(EVENT, T0 + 1800.0, sites, {"KEST": False}, rng)
    stray = replace(kest, backazimuth=(float(kest.backazimuth) + 150.0) % 360.0, id="stray")
    dets = sorted([*dets, stray], key=lambda d: d.time)
    reb = reb_rules_config()
    assert reb.ndc_baz_veto_sigmas == 0.0
    for config, joins in ((replace(reb, ndc_baz_veto_sigmas=3.5), False), (reb, True)):
        (event,) = associate(dets, net, config).events
        ids = {a.detection.id for a in event.arrivals}
        assert {f"ev-{c}" for c in seen} <= ids
        assert ("stray" in ids) is joins


def test_only_what_may_be_an_s_is_taken_as_one(shared_data: Path) -> None:
    """At a 3-C station 1.4 deg away, on the event's predicted first S: a detection labelled
    S or P (a detector's label is a guess) is its S; one labelled T (a hydroacoustic phase)
    is not (IMS-style set, seeds 8-10: 4-5 T detections were the S of events)."""
    from openndc.traveltime import load_travel_times

    net, _ = primary_network(shared_data, T0)
    sites = {s.code: (s.latitude, s.longitude) for s in net.stations}
    seen = {"ESDC": True, "AKASG": True, "BRTR": True, "GERES": True, "KEST": False}
    t0 = T0 + 1800.0
    dets = event_p_detections(EVENT, t0, sites, seen, np.random.default_rng(2))
    dist = float(distance_azimuth(EVENT[0], EVENT[1], *sites["KEST"])[0])
    tt = load_travel_times("ak135")
    first = [float(tt.derivatives(ph, [dist], [EVENT[2]])[0][0]) for ph in ("Sg", "Sn")]
    ts = min(t for t in first if np.isfinite(t))
    for label, taken in (("S", True), ("P", True), ("T", False)):
        s = Detection("IM", "KEST", "", "BHZ", t0 + ts + 0.4, time_uncertainty=1.0,
                      phase=label, id="s")  # fmt: skip
        (event,) = associate(sorted([*dets, s], key=lambda d: d.time), net).events
        phases = {a.detection.id: a.phase for a in event.arrivals}
        assert {f"ev-{c}" for c in seen} <= set(phases)
        assert (phases.get("s") in ("S", "Sg", "Sn")) is taken, (label, phases.get("s"))


def test_a_detection_goes_to_the_hypothesis_that_explains_it_best(shared_data: Path) -> None:
    """A chance combination scoring more (two arrays' azimuths and slownesses) is accepted
    first and holds a small event's closest P (KEST, 2 deg): the event, its other P at an
    array and a 3-C station, is then a station short. Offered back after the search
    (``ndc_resolve_conflicts``), KEST's P makes the event, which explains as many
    detections and fits them better, and the chance combination is no event (IMS-style
    set, seed 7: a Tunisian M 3.3 lost so to a combination in Turkey)."""
    from openndc.traveltime import load_travel_times

    net, _ = primary_network(shared_data, T0)
    sites = {s.code: (s.latitude, s.longitude) for s in net.stations}
    event, t0 = (34.27, 11.15, 10.0), T0 + 1800.0
    real = event_p_detections(event, t0, sites, {"KEST": False, "AKASG": True, "KBZ": False},
                              np.random.default_rng(4))  # fmt: skip
    kest = next(d for d in real if d.station == "KEST")
    # the chance combination: KEST's P with detections at AKASG and GEYT as an event in
    # Turkey would make them (arrays: 0.5 s, 5 deg, 1 s/deg)
    chance = (39.07, 30.81, 0.0)
    tt = load_travel_times("ak135")

    def p_time(code: str) -> tuple[float, float, float]:
        d, _, baz = distance_azimuth(chance[0], chance[1], *sites[code])
        t, p, _ = tt.derivatives("P", [float(d)], [chance[2]])
        return float(t[0]), abs(float(p[0])), float(baz)

    origin = kest.time - p_time("KEST")[0]
    stray = []
    for code in ("AKASG", "GEYT"):
        t, p, baz = p_time(code)
        stray.append(Detection("IM", code, "", "cb", origin + t + 0.2, time_uncertainty=0.5,
                               phase="P", backazimuth=baz + 2.0, backazimuth_uncertainty=5.0,
                               slowness=p + 0.3, slowness_uncertainty=1.0,
                               id=f"chance-{code}"))  # fmt: skip
    dets = sorted([*real, *stray], key=lambda d: d.time)
    reb = reb_rules_config()
    assert reb.ndc_resolve_conflicts
    found = {}
    for resolve in (True, False):
        (ev,) = associate(dets, net, replace(reb, ndc_resolve_conflicts=resolve)).events
        found[resolve] = {a.detection.id for a in ev.arrivals}
    assert found[True] == {d.id for d in real}
    assert found[False] == {"ev-KEST", "chance-AKASG", "chance-GEYT"}


def test_a_defining_s_time_counts_in_the_fit_test(shared_data: Path) -> None:
    """A Tunisian M 3.5 seen by KEST (P and Sg, 1.8 deg) and two arrays (ESDC 11 deg, BRTR
    21 deg), detections as the IMS-style set made them (seed 8, ev57: ISC origin 34.0713 N
    8.3983 E, 17 km). Its three P times, azimuths and slownesses alone fail the 99 %
    chi-square (15.7 against 15.1): the event is lost. KEST's S time is defining data (an
    analyst's location uses it): fitted with the P data, the event stands, within 10 km of
    the origin."""
    net, _ = primary_network(shared_data, T0)
    t0 = T0 + 3600.0
    rows = (  # station, P or S, time after the origin [s], back-azimuth, slowness
        ("KEST", "P", 30.253, 234.92, 22.981),
        ("KEST", "S", 54.648, 214.34, 31.705),
        ("ESDC", "P", 161.883, 120.44, 15.326),
        ("BRTR", "P", 282.086, 250.92, 10.506),
    )
    dets = []
    for code, phase, dt, baz, slow in rows:
        bs, ss, ts = (25.0, 4.0, 1.0) if code == "KEST" else (5.0, 1.0, 0.5)
        dets.append(Detection("IM", code, "", "BHZ", t0 + dt, time_uncertainty=ts,
                              phase=phase, backazimuth=baz, backazimuth_uncertainty=bs,
                              slowness=slow, slowness_uncertainty=ss,
                              id=f"{code}-{phase}"))  # fmt: skip
    (event,) = associate(dets, net, reb_rules_config()).events
    assert {a.detection.id for a in event.arrivals} == {f"{c}-{p}" for c, p, *_ in rows}
    o = event.origin
    assert float(distance_azimuth(34.0713, 8.3983, o.latitude, o.longitude)[0]) < 10.0
    assert abs(o.time - t0) < 3.0
    p_only = [d for d in dets if d.phase == "P"]
    assert not associate(p_only, net, reb_rules_config()).events
