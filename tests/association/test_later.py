"""NDC association: later phases, hydroacoustic and infrasound detections join their event
and never make one (a T only over a path open to sound); slownesses in the wrong unit are
refused with a clear error."""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from obspy import UTCDateTime

from openndc.association import AssociationConfig, associate
from openndc.inventory import read_inventory
from openndc.model import Detection
from openndc.model.errors import AssociationError, DataQualityWarning
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.traveltime import load_travel_times
from tests.support.ims import event_p_detections, ims_affiliations, read_ims_network
from tests.support.synthetic import SyntheticEvent, synthetic_detections

T0 = UTCDateTime(2024, 3, 1)
EVENT = SyntheticEvent(T0 + 120.0, 41.7, 88.4, 0.0)  # Lop Nor


def _detections() -> tuple[list[Detection], object]:
    net = read_inventory("kz")
    tt = load_travel_times("ak135")
    dets = synthetic_detections(net, [EVENT], tt, seed=3, pick_sigma=0.3, p_probability=1.0,
                                s_probability=0.8, false_per_site_hour=0.0, baz_sigma=5.0,
                                slowness_sigma=1.0)  # fmt: skip
    return dets, net


def _site(net: object, code: str) -> tuple[float, float]:
    for a in net.arrays:  # type: ignore[attr-defined]
        if a.code == code:
            return a.reference_latitude, a.reference_longitude
    s = net.find_station(code)  # type: ignore[attr-defined]
    return s.latitude, s.longitude


def test_depth_phase_hydroacoustic_and_infrasound_join_the_event() -> None:
    dets, net = _detections()
    tt = load_travel_times("ak135")
    arrays = [a.code for a in net.arrays]  # type: ignore[attr-defined]
    code = arrays[0]
    lat, lon = _site(net, code)
    d, _, baz = distance_azimuth(EVENT.latitude, EVENT.longitude, lat, lon)
    d = float(d)
    pcp = float(tt.derivatives("PcP", [d], [EVENT.depth_km])[0][0])
    extra = [
        Detection("KZ", code, "", "cb", EVENT.time + pcp + 0.5, phase="P",
                  backazimuth=float(baz), backazimuth_uncertainty=5.0, id="later-pcp"),
        Detection("KZ", code, "", "cb", EVENT.time + d * DEG_KM / 1.48 + 3.0, phase="T",
                  id="hydro-t"),
        Detection("KZ", code, "", "cb", EVENT.time + d * DEG_KM / 0.32, phase="I",
                  backazimuth=float(baz) + 3.0, backazimuth_uncertainty=2.0, id="infra-i"),
    ]  # fmt: skip
    res = associate(dets + extra, net, AssociationConfig(), travel_times=tt)  # type: ignore[arg-type]
    assert len(res.events) == 1
    phases = {a.detection.id: a.phase for a in res.events[0].arrivals}
    assert phases.get("later-pcp") == "PcP"
    assert phases.get("infra-i") == "I"
    # Lop Nor is 2,000 km from the sea: no sound reaches any station from it, so a T at
    # the time sound would take stays unassociated (openndc.geo.hydro_paths)
    assert "hydro-t" not in phases
    assert any(x.id == "hydro-t" for x in res.unassociated)
    joined = [a for a in res.events[0].arrivals if a.detection.id in phases and a.phase in "TI"]
    assert all(not a.time_defining for a in joined)


def _ridge_event(
    shared_data: Path,
) -> tuple[object, dict[str, tuple[float, float]], tuple[float, float, float], UTCDateTime,
           list[Detection]]:  # fmt: skip
    """The IMS network, its sites, an event on the equatorial Mid-Atlantic Ridge, its origin
    time and its P at six IMS arrays."""
    root = shared_data / "ims_site_tables"
    kinds = ims_affiliations(root / "ims.affiliation")
    net = read_ims_network(root / "ims.site", T0, set(kinds))
    sites = {s.code: (s.latitude, s.longitude) for s in net.stations}
    event, t0 = (0.9, -29.0, 10.0), T0 + 600.0
    seen = dict.fromkeys(("ESDC", "GERES", "TXAR", "PDAR", "NOA", "BRTR"), True)
    return net, sites, event, t0, event_p_detections(event, t0, sites, seen,
                                                     np.random.default_rng(1))  # fmt: skip


def test_a_t_joins_over_open_water_only(shared_data: Path) -> None:
    """An event on the Mid-Atlantic Ridge seen by six IMS arrays, and a T at the time sound
    takes to two hydroacoustic stations: Ascension's (open water) joins the event,
    Socorro's (82 deg away in the Pacific: the Americas lie between) stays unassociated.
    Before the paths were walked both joined."""
    net, sites, event, t0, dets = _ridge_event(shared_data)
    for code in ("H10N", "H06N"):
        d = float(distance_azimuth(event[0], event[1], *sites[code])[0])
        dets.append(Detection("IM", code, "", "EDH", t0 + d * DEG_KM / 1.48 + 3.0, phase="T",
                              id=f"t-{code}"))  # fmt: skip
    res = associate(sorted(dets, key=lambda x: x.time), net)
    assert len(res.events) == 1
    phases = {a.detection.id: a.phase for a in res.events[0].arrivals}
    assert phases.get("t-H10N") == "T"
    assert "t-H06N" not in phases
    assert any(x.id == "t-H06N" for x in res.unassociated)


def test_infrasound_from_the_wrong_direction_stays_unassociated() -> None:
    dets, net = _detections()
    code = next(a.code for a in net.arrays)  # type: ignore[attr-defined]
    lat, lon = _site(net, code)
    d, _, baz = distance_azimuth(EVENT.latitude, EVENT.longitude, lat, lon)
    wrong = Detection("KZ", code, "", "cb", EVENT.time + float(d) * DEG_KM / 0.32, phase="I",
                      backazimuth=(float(baz) + 90.0) % 360.0, backazimuth_uncertainty=2.0,
                      id="infra-wrong")  # fmt: skip
    res = associate([*dets, wrong], net, AssociationConfig())  # type: ignore[arg-type]
    assert len(res.events) == 1
    assert any(x.id == "infra-wrong" for x in res.unassociated)


def test_slowness_in_s_per_km_is_refused() -> None:
    dets, net = _detections()
    wrong = [
        Detection(d.network, d.station, d.location, d.channel, d.time, phase=d.phase,
                  backazimuth=d.backazimuth, slowness=d.slowness / DEG_KM, id=d.id)
        for d in dets
    ]  # fmt: skip
    assert sum(d.slowness == d.slowness for d in wrong) >= 5
    with pytest.raises(AssociationError, match="s/deg"):
        associate(wrong, net, AssociationConfig())  # type: ignore[arg-type]


def test_rg_joins_only_where_it_is_observed() -> None:
    """Rg, a short-period Rayleigh wave of the upper crust, is read out to a few degrees
    (``MAX_DISTANCE``): a detection at an array ~10 deg away at the Rg time is no Rg of the
    event (a 3-C station's "Rg" 80 deg away had joined a false event), one 1 deg away is."""
    from openndc.association.later import phase_times
    from openndc.model.phases import MAX_DISTANCE

    tt = load_travel_times("ak135")
    dist = np.array([1.0, MAX_DISTANCE["Rg"] + 0.5, 80.0])
    got = phase_times(tt, ("Rg", "Lg", "PcP"), dist, 0.0)
    assert np.isfinite(got["Rg"][0][0]) and np.isnan(got["Rg"][0][1:]).all()
    assert np.isfinite(got["Lg"][0][:2]).all() and np.isnan(got["Lg"][0][2])
    assert np.isfinite(got["PcP"][0]).all()
    dets, net = _detections()
    code = next(a.code for a in net.arrays)  # type: ignore[attr-defined]
    lat, lon = _site(net, code)
    d = float(distance_azimuth(EVENT.latitude, EVENT.longitude, lat, lon)[0])
    assert d > MAX_DISTANCE["Rg"]
    far_rg = Detection("KZ", code, "", "cb", EVENT.time + d * DEG_KM / 3.0, phase="Rg",
                       id="far-rg")  # fmt: skip
    res = associate([*dets, far_rg], net, AssociationConfig(), travel_times=tt)  # type: ignore[arg-type]
    assert len(res.events) == 1
    assert any(x.id == "far-rg" for x in res.unassociated)


def test_unidentified_arrivals_are_used_as_the_iaspei_list_defines_them() -> None:
    # the ISC's and the IDC's bulletins name arrivals they could not identify x / rx / tx
    # (a first arrival of either family) and Px / Sx (after P / after S): the first build
    # the event as unnamed detections would, the second join it as later phases
    dets, net = _detections()
    tt = load_travel_times("ak135")
    firsts = sorted((d for d in dets if d.phase in ("P", "Pn", "Pg")), key=lambda d: d.time)
    names = ("tx", "rx", "x")
    renamed = {d.id: names[i % 3] for i, d in enumerate(firsts)}
    code = next(a.code for a in net.arrays)  # type: ignore[attr-defined]
    lat, lon = _site(net, code)
    d, _, baz = distance_azimuth(EVENT.latitude, EVENT.longitude, lat, lon)
    pcp = float(tt.derivatives("PcP", [float(d)], [EVENT.depth_km])[0][0])
    px = Detection("KZ", code, "", "cb", EVENT.time + pcp + 0.5, phase="Px",
                   backazimuth=float(baz), backazimuth_uncertainty=5.0, id="later-px")  # fmt: skip
    named = [replace(x, phase=renamed.get(x.id, x.phase)) for x in dets]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)  # no code is refused as unknown
        res = associate([*named, px], net, AssociationConfig(), travel_times=tt)  # type: ignore[arg-type]
    assert len(res.events) == 1
    phases = {a.detection.id: a.phase for a in res.events[0].arrivals}
    assert sum(1 for i in renamed if i in phases) >= len(renamed) - 1
    assert phases.get("later-px") == "PcP"
    assert abs(res.events[0].origin.time - EVENT.time) < 3.0


def test_hydro_travel_time_is_the_seismic_leg_and_the_water_path() -> None:
    """An event in the Chilean Andes and Wake's hydrophones (IMS site table): P over the
    ~100 km to the Pacific at 8 km/s, sound over the rest at 1.48 km/s; the tolerance
    grows by 2 % of the water path's time and 25 % of the seismic leg's. At sea there is
    no seismic leg."""
    from openndc.association.later import hydro_travel_times
    from openndc.geo import hydro_paths

    cfg = AssociationConfig()
    wake = ([19.29], [166.61])
    p = hydro_paths(-33.5, -70.5, *wake)
    tt, tol, reach = hydro_travel_times(-33.5, -70.5, *wake, cfg)
    assert reach[0] and 50.0 < p.land_km[0] < 200.0
    t_land, t_water = (p.land_km[0] + p.shore_km[0]) / 8.0, p.water_km[0] / 1.48
    assert tt[0] == pytest.approx(t_land + t_water)
    assert tol[0] == pytest.approx(10.0 + 0.02 * t_water + 0.25 * t_land)
    tt, tol, reach = hydro_travel_times(0.9, -29.0, [-7.96], [-14.41], cfg)  # to Ascension
    km = float(distance_azimuth(0.9, -29.0, -7.96, -14.41)[0]) * DEG_KM
    assert reach[0] and tt[0] == pytest.approx(km / 1.48)
    assert tol[0] == pytest.approx(10.0 + 0.02 * km / 1.48)


def test_a_large_events_pp_and_core_phases_join_it(shared_data: Path) -> None:
    """The Kamchatka event of the coda tests (ObsPy's CMT file) at the IMS primary arrays:
    P at 20-95 deg, and at the arrays its PP (40-95 deg) and its PKiKP / PKPab (beyond 110
    deg), detected and labelled P as arrays label them, with their own slowness and
    direction. They join the event as PP, PKiKP and PKPab, and make no event of their own
    (until 2026-12-07 the shipped tables had no PP or PKiKP, and the PKP branches were one
    table: the defaults named phases the model lacked). A detection joins only as a phase
    of the type its label gives."""
    from tests.association.test_coda import EVENTS
    from tests.association.test_depth_phases import T0 as T_BASE
    from tests.support.ims import primary_network

    net, arrays = primary_network(shared_data, T_BASE)
    tt = load_travel_times("ak135")
    t0, la, lo, z = EVENTS[0]
    rng = np.random.default_rng(4)
    dets, want = [], {}
    for s in net.stations:  # type: ignore[attr-defined]
        if s.code not in arrays:
            continue
        d_, _, baz_ = distance_azimuth(la, lo, s.latitude, s.longitude)
        d, baz = float(d_), float(baz_)
        phases = [("P", "P")] if 20.0 <= d <= 95.0 else []
        if 40.0 <= d <= 95.0:
            phases.append(("PP", "PP"))
        if d >= 115.0:
            phases += [("PKiKP", "PKiKP"), ("PKPab", "PKPab")]
        for ph, name in phases:
            t, p, _ = tt.derivatives(ph, [d], [z])
            if not np.isfinite(t[0]):
                continue
            dets.append(Detection("IM", s.code, "", "cb", T_BASE + t0 + float(t[0])
                                  + float(rng.normal(0, 0.5)), time_uncertainty=0.5, phase="P",
                                  backazimuth=(baz + float(rng.normal(0, 5))) % 360.0,
                                  backazimuth_uncertainty=5.0,
                                  slowness=abs(float(p[0])) + float(rng.normal(0, 0.5)),
                                  slowness_uncertainty=1.0, id=f"{name}-{s.code}"))  # fmt: skip
            want[f"{name}-{s.code}"] = name
    assert sum(n != "P" for n in want.values()) >= 6
    # the SS at two of them, without a slowness: labelled S it joins as SS; labelled P (a
    # detector's P-type onset) it is no SS and stays unassociated
    ss_sites = [c for c in sorted(arrays) if f"PP-{c}" in want][:2]
    for code, label in zip(ss_sites, ("S", "P"), strict=True):
        s = next(x for x in net.stations if x.code == code)  # type: ignore[attr-defined]
        d = float(distance_azimuth(la, lo, s.latitude, s.longitude)[0])
        t_ss = float(tt.time("SS", d, z))
        dets.append(Detection("IM", code, "", "cb", T_BASE + t0 + t_ss, time_uncertainty=0.5,
                              phase=label, id=f"SS{label}-{code}"))  # fmt: skip
    res = associate(sorted(dets, key=lambda x: (x.time, x.id)), net, AssociationConfig())
    assert len(res.events) == 1, [e.origin for e in res.events]
    got = {a.detection.id: a.phase for a in res.events[0].arrivals}
    assert got.get(f"SSS-{ss_sites[0]}") == "SS"
    assert f"SSP-{ss_sites[1]}" in {d.id for d in res.unassociated}
    for k, name in want.items():
        # PKIKP (the PKP table's earliest) comes within ~2 s of PKiKP at 115-140 deg
        ok = {"PKiKP", "PKP"} if name == "PKiKP" else {name}
        assert got.get(k) in ok, (k, got.get(k))


def test_infrasound_chance_against_a_simulation() -> None:
    """The chance a site's noise fits an event at least as well, against counting it:
    Poisson noise detections random in time over the band and in direction (plain
    reference, 20,000 trials per case)."""
    from openndc.association.later import infrasound_chance

    band = (0.29, 0.35)
    rng = np.random.default_rng(5)
    for km, cel, res, sig, per_hour in ((1500.0, 0.333, 4.0, 3.0, 20.0),
                                        (600.0, 0.321, 1.0, 3.0, 60.0),
                                        (2500.0, 0.300, float("nan"), 3.0, 6.0)):  # fmt: skip
        rate = per_hour / 3600.0
        want = float(infrasound_chance(np.array([km]), np.array([cel]), np.array([res]),
                                       np.array([sig]), np.array([rate]), band)[0])  # fmt: skip
        t_lo, t_hi = km / band[1], km / band[0]  # the band's times
        hits = 0
        trials = 20_000
        for _ in range(trials):
            n = rng.poisson(rate * (t_hi - t_lo))
            t = rng.uniform(t_lo, t_hi, n)
            dev = np.abs(km / t - 0.32)
            fit = dev <= max(abs(cel - 0.32), 0.2 * 0.03)
            if np.isfinite(res):
                fit &= np.abs(rng.uniform(-180.0, 180.0, n)) <= max(abs(res), sig)
            hits += bool(fit.any())
        got = hits / trials
        assert got == pytest.approx(want, abs=4.0 * np.sqrt(want * (1 - want) / trials) + 1e-3)


def test_infrasound_at_a_noisy_site_does_not_join() -> None:
    """The event's I, 3 deg off and in the middle of the celerity band, joins where its
    array is quiet; where the array detects microbaroms 60 times an hour (from another
    direction: none of them fits), as well fitting a detection is noise one time in
    thirty, and it stays unassociated (before, it joined either way)."""
    dets, net = _detections()
    code = next(a.code for a in net.arrays)  # type: ignore[attr-defined]
    lat, lon = _site(net, code)
    d, _, baz = distance_azimuth(EVENT.latitude, EVENT.longitude, lat, lon)
    t_i = EVENT.time + float(d) * DEG_KM / 0.32
    infra = Detection("KZ", code, "", "cb", t_i, phase="I", backazimuth=float(baz) + 3.0,
                      backazimuth_uncertainty=2.0, id="infra-i")  # fmt: skip
    micro = [Detection("KZ", code, "", "cb", t_i - 3600.0 + 60.0 * k + 17.0, phase="I",
                       backazimuth=(float(baz) + 150.0) % 360.0, backazimuth_uncertainty=2.0,
                       id=f"micro-{k}") for k in range(120)]  # fmt: skip
    quiet = associate(sorted([*dets, infra], key=lambda x: x.time), net)  # type: ignore[arg-type]
    assert {a.detection.id: a.phase for a in quiet.events[0].arrivals}.get("infra-i") == "I"
    noisy = associate(sorted([*dets, infra, *micro], key=lambda x: x.time), net)  # type: ignore[arg-type]
    assert len(noisy.events) == 1
    ids = {a.detection.id for a in noisy.events[0].arrivals}
    assert "infra-i" not in ids
    assert not any(i.startswith("micro-") for i in ids)
    off = associate(sorted([*dets, infra, *micro], key=lambda x: x.time), net,  # type: ignore[arg-type]
                    AssociationConfig(infrasound_chance=1.0))  # fmt: skip
    assert "infra-i" in {a.detection.id for a in off.events[0].arrivals}


def test_hydro_chance_against_a_simulation() -> None:
    """The chance a hydroacoustic site's noise fits an event's T at least as well, against
    counting Poisson noise detections random in time over the tolerance window and in
    direction (20,000 trials per case)."""
    from openndc.association.later import hydro_chance

    rng = np.random.default_rng(6)
    for res, tol, b_res, sig, per_hour in ((6.0, 30.0, float("nan"), 10.0, 40.0),
                                           (1.0, 12.0, 5.0, 8.0, 200.0),
                                           (25.0, 50.0, float("nan"), 10.0, 10.0)):  # fmt: skip
        rate = per_hour / 3600.0
        want = float(hydro_chance(np.array([res]), np.array([tol]), np.array([b_res]),
                                  np.array([sig]), np.array([rate]))[0])  # fmt: skip
        hits = 0
        trials = 20_000
        for _ in range(trials):
            n = rng.poisson(rate * 2.0 * tol)
            fit = np.abs(rng.uniform(-tol, tol, n)) <= max(abs(res), 0.2 * tol)
            if np.isfinite(b_res):
                fit &= np.abs(rng.uniform(-180.0, 180.0, n)) <= max(abs(b_res), sig)
            hits += bool(fit.any())
        got = hits / trials
        assert got == pytest.approx(want, abs=4.0 * np.sqrt(want * (1 - want) / trials) + 1e-3)


def test_a_t_at_a_noisy_hydrophone_does_not_join(shared_data: Path) -> None:
    """The Mid-Atlantic Ridge event's T at Ascension (H10N, open water) 6 s off its
    predicted time joins it where the hydrophone is quiet; where it detects 60 T an hour
    (ice, ships, whales; none at the event's time) a noise detection fits that well one
    time in five and the T stays unassociated (``hydro_chance`` 1 joins it)."""
    net, sites, event, t0, dets = _ridge_event(shared_data)
    d = float(distance_azimuth(event[0], event[1], *sites["H10N"])[0])
    t_t = t0 + d * DEG_KM / 1.48 + 6.0
    t = Detection("IM", "H10N", "", "EDH", t_t, phase="T", id="t-H10N")
    lags = [60.0 * k + 30.0 - 3600.0 for k in range(120)]
    noise = [Detection("IM", "H10N", "", "EDH", t_t + lag, phase="T", id=f"noise-{k}")
             for k, lag in enumerate(lags) if abs(lag) > 200.0]  # fmt: skip

    def joined(extra: list[Detection], cfg: AssociationConfig) -> set[str]:
        res = associate(sorted([*dets, t, *extra], key=lambda x: x.time), net, cfg)
        assert len(res.events) == 1
        return {a.detection.id for a in res.events[0].arrivals if a.phase == "T"}

    assert joined([], AssociationConfig()) == {"t-H10N"}
    assert joined(noise, AssociationConfig()) == set()
    assert joined(noise, AssociationConfig(hydro_chance=1.0)) == {"t-H10N"}
