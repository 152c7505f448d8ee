"""Configuration schema of the association stage (units and help on every field).

Defaults suit an NDC network of regional stations and arrays that also sees teleseismic
events (the Kazakh network: stations over ~15 deg, events 0-180 deg away). A dense local
network (e.g. an aftershock deployment) wants a finer grid, tighter tolerances and more
picks per event; :func:`local_config` gives such a set.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from openndc.model.config import field_

__all__ = [
    "LATER_PHASES",
    "AssociationConfig",
    "AssociationMethod",
    "local_config",
    "reb_rules_config",
]

#: 'ndc': P-driven event formation (regional + teleseismic network); 'grid': back-projection
#: on a candidate grid; 'local': octree search for dense local networks.
AssociationMethod = Literal["ndc", "grid", "local"]
#: What a detection's SNR is measured against (``ndc_detection_snr``).
DetectionSnr = Literal["background", "noise"]


#: The later phases the shipped travel-time models have (IASPEI names; openndc.traveltime).
LATER_PHASES: tuple[str, ...] = (
    "pP", "sP", "PcP", "ScP", "PKiKP", "PKP", "PKPab", "PKPbc", "SKP", "PKKP", "PP", "SS", "SKS",
    "ScS", "Rg",
)  # fmt: skip


@dataclass(frozen=True)
class AssociationConfig:
    """The whole association stage."""

    method: AssociationMethod = field_(
        "ndc",
        help="'ndc': P-driven event formation for a regional + teleseismic network "
        "(openndc.association.ndc); 'local': octree search of space and origin time for a "
        "dense local network (openndc.association.local, local_config); 'grid': "
        "back-projection on a candidate grid",
    )
    model: str = field_(
        "ak135",
        help="travel-time model given to openndc.traveltime.load_travel_times "
        "('ak135', 'kazakh1d', or an .npz path)",
    )
    self_calibrate: bool = field_(
        False,
        help="associate twice: the second time with each station's back-azimuths and "
        "slownesses corrected by the median residual of its first P in the first pass's "
        "events with first P at self_calibrate_min_stations stations, where it differs "
        "from 0 at 99 % (once, without any that does; a slowness-azimuth "
        "station correction, SASC default correction, from the run's own well-located "
        "events; openndc.association.corrections). For arrays without SASC over a "
        "span with events at several stations; the bulletin keeps the measured values. "
        "On in the REB options (reb_rules_config): IMS-style set with 8 deg / 1 s/deg "
        "station biases, seeds 1-3, missed 6 -> 0; unbiased, seeds 1-10, no change; "
        "twice the association time",
    )
    sasc: str = field_(
        "",
        help="the IDC's slowness-azimuth station correction (SASC) tables: a path prefix "
        "whose files PREFIX.STA hold a station's table (the IDC's .../SASC/sasc), or a "
        "directory of sasc.STA files (openndc.io.sasc); measured back-azimuths and "
        "slownesses are corrected by them, by bin, before association (their uncertainties "
        "with the tables' modelling errors); the bulletin keeps the measured values; "
        "empty: none",
    )
    self_calibrate_min_stations: int = field_(
        6, help="events with first P at this many stations or more give the corrections"
    )
    self_calibrate_min_residuals: int = field_(
        5, help="a station's correction needs this many residuals (else none)"
    )
    phases: tuple[str, ...] = field_(
        ("Pg", "Pn", "P", "PKP", "Sg", "Sn", "S", "Lg"),
        help="phases association may name as first arrivals (Pg/Pn/P/PKP, Sg/Sn/S, Lg beyond "
        "lg_min_distance); every method honours it (the 'ndc' method also keeps the later "
        "phases of later_phases in an event)",
    )
    lg_min_distance: float = field_(
        2.0, unit="deg", help="Lg is not tried closer than this (Sg covers it there)"
    )
    # --- candidate grid -------------------------------------------------------------
    grid_spacing: float | None = field_(
        None,
        unit="deg",
        help="spacing of the regional candidate grid; unset: network aperture / 15, "
        "clipped to 0.02-1.0 deg",
    )
    grid_margin: float | None = field_(
        None,
        unit="deg",
        help="the regional grid (and the 'local' search box) covers the network plus this "
        "margin; unset: max(0.3 deg, half the network radius) when teleseismic is on, else "
        "the radius ('local': 0.1 deg)",
    )
    grid_depths: tuple[float, ...] = field_(
        (10.0, 35.0), unit="km", help="depths of the candidate grid nodes"
    )
    teleseismic: bool = field_(
        True, help="add a coarse global grid for events outside the regional grid"
    )
    global_spacing: float = field_(3.0, unit="deg", help="spacing of the global grid")
    global_depths: tuple[float, ...] = field_(
        (33.0,), unit="km", help="depths of the global grid nodes"
    )
    max_depth: float = field_(700.0, unit="km", help="deepest origin the refinement may move to")
    # --- tolerances ---------------------------------------------------------------
    p_tolerance: float = field_(
        2.0, unit="s", help="largest P-type time residual of an associated detection"
    )
    s_tolerance: float = field_(
        4.0, unit="s", help="largest S-type (and Lg) time residual of an associated detection"
    )
    pick_sigma_factor: float = field_(
        3.0,
        unit="",
        help="a detection's tolerance is at least this many times its time_uncertainty",
    )
    backazimuth_tolerance: float = field_(
        20.0,
        unit="deg",
        help="largest back-azimuth residual (or 3 sigma of the detection, if larger)",
    )
    slowness_tolerance: float = field_(
        3.0,
        unit="s/deg",
        help="largest slowness residual (or 3 sigma of the detection, if larger)",
    )
    # --- event acceptance ---------------------------------------------------------
    min_stations: float = field_(
        3.0,
        help="an event needs this many stations, an array whose arrival also fits in "
        "back-azimuth and slowness counting array_weight",
    )
    array_weight: float = field_(
        2.0, help="what an array (or 3-C) arrival with fitting back-azimuth and slowness counts"
    )
    min_distinct_stations: int = field_(
        2, help="an event needs arrivals at this many different stations"
    )
    min_arrivals: int = field_(2, help="an event needs this many associated detections")
    min_p_arrivals: int = field_(1, help="an event needs this many P-type arrivals")
    # --- search --------------------------------------------------------------------
    window: float | None = field_(
        None,
        unit="s",
        help="origin-time window processed at once ('grid'); unset: the longest travel time "
        "in the grid, clipped to 60-1200 s",
    )
    time_bin: float | None = field_(
        None,
        unit="s",
        help="origin-time bin of the coarse back-projection ('grid'); unset: the median cell "
        "tolerance",
    )
    refine_levels: int = field_(4, help="halvings of the local grid search around a candidate node")
    candidates_per_event: int = field_(
        6, help="distinct candidate cells refined before the best is accepted"
    )
    candidate_fraction: float = field_(
        0.6, help="only candidates scoring at least this fraction of the best are refined"
    )
    max_failed_rounds: int = field_(
        3, help="a window stops after this many rounds of candidates yield no event"
    )
    max_attempts: int = field_(300, help="candidates tried per window before giving up on the rest")
    # --- method 'ndc' ------------------------------------------------------------------
    ndc_depths: tuple[float, ...] = field_(
        (150.0, 450.0),
        unit="km",
        help="node depths besides 0 km (deep events); the location stage refines depth",
    )
    ndc_regional_spacing: float = field_(
        0.5, unit="deg", help="spacing of the regional node lattice"
    )
    ndc_local_spacing: float = field_(
        0.5,
        unit="deg",
        help="spacing of the nodes around each site where the regional lattice is coarser "
        "than twice this (a network spread over the globe): an event close to a station "
        "fits its P only near its true place; 0 turns them off (IMS-style set, REB "
        "options, seeds 1-7: 14 -> 7 missed events, false events unchanged; on by default "
        "since the lattice of a network over the globe is one even lattice: defaults, "
        "seeds 1-10, 9 -> 8 missed, 16 -> 16 false; the synthetic day, 1.8-deg lattice: "
        "the same events)",
    )
    ndc_local_radius: float = field_(
        2.0, unit="deg", help="radius of the nodes around each site (ndc_local_spacing)"
    )
    ndc_regional_margin: float = field_(
        12.0, unit="deg", help="the regional lattice covers the network radius plus this"
    )
    ndc_default_baz_sigma: float = field_(
        10.0, unit="deg", help="back-azimuth uncertainty of a detection that gives none"
    )
    ndc_default_slowness_sigma: float = field_(
        1.5, unit="s/deg", help="slowness uncertainty of a detection that gives none"
    )
    ndc_max_baz_sigma: float = field_(
        15.0,
        unit="deg",
        help="a back-azimuth with a larger uncertainty sigma (a 3-C station's) still "
        "constrains, with its tolerance widened to 2.5 sigma, but counts as "
        "(ndc_max_baz_sigma / sigma)**2 of a defining datum",
    )
    ndc_max_slowness_sigma: float = field_(
        3.0,
        unit="s/deg",
        help="a slowness with a larger uncertainty sigma counts as "
        "(ndc_max_slowness_sigma / sigma)**2 of a defining datum",
    )
    ndc_ignore_baz_sigma: float = field_(
        15.0,
        unit="deg",
        help="a back-azimuth with a larger uncertainty (a 3-C station's) decides neither "
        "which detections join an event nor its defining data; it still places the event, "
        "weighted by its uncertainty and at most 2.5 sigma (the REB options use 90)",
    )
    ndc_ignore_slowness_sigma: float = field_(
        3.0,
        unit="s/deg",
        help="a slowness with a larger uncertainty is ignored (IMS-style benchmark: 10)",
    )
    ndc_baz_veto_sigmas: float = field_(
        0.0,
        unit="sigma",
        help="a P detection whose measured back-azimuth points more than this many of its "
        "sigmas from the hypothesis is not its P, even where the azimuth is too uncertain "
        "to be defining (ndc_ignore_baz_sigma: a 3-C station's); 0 = off",
    )
    ndc_teleseismic_p_tolerance: float = field_(
        2.0, unit="s", help="largest P residual beyond 20 deg (p_tolerance applies closer)"
    )
    ndc_min_p_stations: int = field_(
        3, help="an event needs time-defining P at this many distinct stations (arrays count once)"
    )
    ndc_max_rms: float = field_(2.0, unit="s", help="largest RMS of an event's P residuals")
    ndc_merge_time: float = field_(
        60.0, unit="s", help="a hypothesis this close in origin time to an accepted event ..."
    )
    ndc_merge_distance: float = field_(
        5.0, unit="deg", help="... and this close in epicentre is a duplicate and is dropped"
    )
    ndc_coda: float = field_(
        60.0,
        unit="s",
        help="after an event is accepted, each site's records from its first P to this long "
        "after its S/Lg are its coda; a later event needs P outside such codas at "
        "ndc_min_p_stations stations (coda detections do not make an event), unless its P "
        "in codas are at more sites than the codas' own detection rates make by chance "
        "(< 1 %, later phases of the coda's event not counted): a second event in the coda",
    )
    ndc_coda_q: float = field_(
        300.0,
        help="coda Q at 1 Hz (Aki & Chouet 1975: 100-300 in active regions, 300-1000 in stable "
        "ones): where an accepted event's arrival at a site has an SNR, its coda there (see "
        "ndc_coda) masks any detection only until it decays to SNR 2 (a weak arrival rings for "
        "a minute, an SNR-10^4 one for ~10 min); later, within the coda interval, only "
        "detections fitting the event's own phases (S, Lg, later_phases) are its coda, and "
        "sites where the event was not seen are masked only for those. 0: the whole interval "
        "masks everything at every site",
    )
    ndc_coda_baz_spread: float = field_(
        20.0,
        unit="deg",
        help="the scatter of a coda's directions at an array about its arrival's: a detection "
        "after a stronger one at its site, not standing out of that one's coda (ndc_coda_q), "
        "from its direction within this beyond its own azimuth tolerance, is that arrival's "
        "re-trigger and drives no event, whether or not the arrival's event was found yet "
        "(the IMS-style set draws 10 deg, one sigma)",
    )
    ndc_coda_slowness_spread: float = field_(
        3.0,
        unit="s/deg",
        help="the same for slowness (ndc_coda_baz_spread; the IMS-style set draws 2 s/deg)",
    )
    ndc_detection_snr: DetectionSnr = field_(
        "background",
        help="what the detections' SNR is measured against: 'background' (an STA/LTA "
        "detector's, as the IDC's and OpenNDC's: its long-term average holds any coda the "
        "detection stands in) or 'noise' (the noise before any arrival). A detection's coda "
        "is reckoned from its strength over the noise: with 'background', its SNR x (1 + the "
        "level of the codas of earlier arrivals at its site), so a strong arrival in an "
        "earlier one's coda rings as long as its amplitude calls for (coda.station_codas)",
    )
    later_phases: tuple[str, ...] = field_(
        LATER_PHASES,
        help="later phases ('ndc'): a detection left over after event formation (or one the "
        "detector named so) that fits one of these phases of an event (time within "
        "later_tolerance, back-azimuth where measured) joins that event; it never makes one, "
        "and in an event's coda it is the event's, not another's. The shipped models have "
        "them all (IASPEI names; PKP is the earliest core P, PKPab and PKPbc its branches); "
        "phases a custom model lacks are skipped",
    )
    later_tolerance: float = field_(4.0, unit="s", help="largest time residual of a later phase")
    ndc_coda_depth_range: float = field_(
        40.0,
        unit="km",
        help="in an accepted event's coda a detection from its P to its sP for a source this "
        "much deeper than its own depth (+ later_tolerance) is its P's depth phase, not "
        "another event's P: the search's depths are nodes (0 km stands for every crustal "
        "depth, whose pP and sP come up to ~15 s after P, and analysts read them as P); "
        "0: the depth phases at the event's depth only",
    )
    hydro_velocity: float = field_(
        1.48,
        unit="km/s",
        help="speed of a hydroacoustic T/H detection (the sound speed in the SOFAR channel); "
        "T/H detections join an event, never make one",
    )
    hydro_tolerance: float = field_(
        10.0,
        unit="s",
        help="time tolerance of a T/H detection, plus 2 % of its travel time",
    )
    hydro_max_distance: float = field_(
        100.0, unit="deg", help="T/H detections are tried up to this far from an event"
    )
    hydro_land_velocity: float = field_(
        8.0,
        unit="km/s",
        help="speed of the seismic legs of a T/H path: from an event on land to the sea, "
        "and from a T station's shore to it (P over the land path, T over the water: "
        "'Bermuda T phases with large continental paths', BSSA 1955; openndc.geo.hydro)",
    )
    hydro_source_land_km: float = field_(
        500.0,
        unit="km",
        help="a T/H detection is tried only where the event's seismic leg to the sea along "
        "the great circle to the station is at most this long (T phases of events farther "
        "inland are those of large events)",
    )
    hydro_station_land_km: float = field_(
        30.0,
        unit="km",
        help="land on a T/H path blocks it (continents and islands cast acoustic shadows), "
        "except after the event's seismic leg within this distance of the station (T "
        "stations on islands, a cabled hydrophone's shore site; timed as a seismic leg)",
    )
    infrasound_celerity: tuple[float, float] = field_(
        (0.29, 0.35),
        unit="km/s",
        help="range of the celerity (distance / travel time) of an infrasound (I) detection; "
        "I detections join an event, never make one",
    )
    infrasound_max_distance: float = field_(
        30.0, unit="deg", help="I detections are tried up to this far from an event"
    )
    hydro_chance: float = field_(
        0.01,
        help="a T/H detection joins an event only where a noise detection at its site would "
        "fit at least as well by chance with at most this probability: the site's T/H "
        "detections within an hour either side over the times within its residual either "
        "side (at least a fifth of its tolerance) and, where it has a back-azimuth, the "
        "directions within that residual (at least its sigma); 1: off",
    )
    infrasound_chance: float = field_(
        0.01,
        help="an I detection joins an event only where a noise detection at its site would fit "
        "the event at least as well by chance with at most this probability: the site's I "
        "detections within an hour either side (microbaroms, surf, industry come and go) over "
        "the times whose celerity fits as well (at least a fifth of the band's half width "
        "from its middle) and, where the detection has a back-azimuth, the directions within "
        "its residual (at least its sigma). A station's noise fits any event in a band "
        "hundreds of seconds wide; at a few detections an hour the IMS-style set's "
        "infrasound arrays joined a third of their I to events they did not record. 1: off",
    )
    ndc_max_travel_time: float = field_(
        1500.0,
        unit="s",
        help="longest first-P travel time the 'ndc' method considers (PKP at 180 deg: ~1,210 "
        "s); detections up to this long after an origin are gathered",
    )
    ndc_min_defining_small: float = field_(
        6.0,
        help="an event with P at ndc_min_p_stations stations (the REB's minimum of three "
        "primary stations) but fewer than ndc_min_defining defining data is accepted with at "
        "least this many when its stations are the network's nearest to it "
        "(ndc_min_detecting_fraction) and its data fit within their uncertainties (chi-square "
        "at 99 %), and (ndc_small_needs_amplitudes, default) its amplitudes judge it; equal to "
        "ndc_min_defining turns this off. IMS-style benchmark, three seeds: 45 of 49 "
        "three-station events found (9 with 9), 5 false events (0)",
    )
    ndc_small_needs_amplitudes: bool = field_(
        True,
        help="a small event (below ndc_min_defining, at least ndc_min_defining_small) is "
        "accepted only where the amplitude evidence can judge it (amplitudes in nm at three "
        "of its stations within 100 deg: ndc_amplitude_evidence): time, azimuth and slowness "
        "alone do not tell three stations' chance detections from an event. The REB options "
        "(reb_rules_config) turn this off",
    )
    ndc_min_detecting_fraction: float = field_(
        0.25,
        help="each P station of an event (a small one, below ndc_min_defining, and any with "
        "P at up to ndc_consistency_max_stations stations) must be at least this fraction "
        "of the sites (with P detections in the input) out to its distance that detect it, "
        "else its P is not the event's, and the event needs "
        "ndc_min_p_stations stations left: an event seen far away is seen close by, a "
        "chance combination of detections is not; PyOcto's min_pick_fraction, per station "
        "as PyOcto applies it, as local_min_pick_fraction; with the amplitude evidence "
        "(ndc_amplitude_evidence) and threshold magnitudes at three of its sites, the sites "
        "counted are those as sensitive as the station; either way a station whose P a "
        "later phase there corroborates (PcP, pP...: its delay after P, azimuth and slowness "
        "fitting) is kept, with the detecting stations as sensitive (as close, without the "
        "amplitudes), and so is one whose P the event's other P stations predict in time, "
        "azimuth and slowness so closely that its own detections fit so by chance less "
        "often than ndc_far_site_chance",
    )
    ndc_consistency_max_stations: int = field_(
        1000,
        help="the network-consistency test of ndc_min_detecting_fraction (each P station's "
        "event is seen by the sites as sensitive, or without amplitudes as close) is asked "
        "of every event with P at up to this many stations, not of small ones alone (PyOcto "
        "asks its min_pick_fraction of every event); without amplitudes by distance "
        "whatever ndc_small_needs_amplitudes says. The default asks it of every event: a "
        "large event's unmodelled readings (late picks, PPP, duplicates) made a 10-station "
        "event 3,400 km off of the ISC's 1992-06-12 M 5.2, none of the hundreds of "
        "operating stations closer to it having recorded it. 0: small events only",
    )
    ndc_far_site_chance: float = field_(
        1e-3,
        help="a P station the sensitivity or distance count drops (ndc_min_detecting_fraction: "
        "seen while as sensitive, or closer, stations are silent) is kept when the event's "
        "other P stations predict its P (time, and azimuth and slowness where measured, with the "
        "uncertainty of that prediction) and a noise detection there would fit the "
        "prediction by chance with at most this probability (the station's detections no "
        "event has taken within an hour, over the predicted time window, from any "
        "direction, with a slowness within its own span): an array's P that fits in time, "
        "direction and slowness recorded the event, an upward scatter of its amplitude; 0 "
        "keeps none",
    )
    ndc_chance_combinations: float = field_(
        0.05,
        help="an event is accepted only where its combination of stations is not what the "
        "hour's noise makes: the expected number of combinations of as many stations fitting "
        "a node as well by chance (the free P-type and later-phase detections per hour about "
        "the origin, each a driver, x the ways to choose the other stations among the "
        "operating ones, x the product over them of the chance that a noise detection fits "
        "the first P (time, and back-azimuth and slowness where they define) and S at the "
        "station's rate about that time) must be at most this. The counts of defining data "
        "were set at 2 noise detections per station-hour; at 10 they let more chance "
        "combinations through than there were true events (IMS-style set, seed 1: 109 "
        "false, 85 true), and this scales with the noise (a per-node number: the search's "
        "nodes are not counted). 0 turns it off",
    )
    ndc_amplitude_evidence: bool = field_(
        True,
        help="a small event (below ndc_min_defining, or with P at up to "
        "ndc_evidence_max_stations stations) must also fit its amplitudes: its P "
        "stations' mb (log10(A/T) + the IDC's Veith-Clawson Q) agree about its "
        "maximum-likelihood mb, and the operating stations that did not detect it would "
        "have missed it (detection probability from each station's threshold, a low "
        "quantile of its own detections' A/T; openndc.association.evidence); without "
        "amplitudes in nm the earlier rules alone apply",
    )
    ndc_small_max_free_depth: float = field_(
        70.0,
        unit="km",
        help="a small event (below ndc_min_defining) placed deeper than this (an "
        "intermediate-depth or deep source) must have its depth supported by the data: a "
        "depth phase (pP or sP) that a detection fits, or a P station within twice its "
        "depth (at least 2 deg), where P times resolve depth; else it is rejected there "
        "(and tried at other depths), as the IDC fixes the depth of an event its data do "
        "not constrain. Three chance detections at distant stations fit a 150-450 km deep "
        "source as well as a shallow one (IMS-style set, seeds 1-10: REB options false "
        "events 8 -> 6, defaults 15 -> 13, no event missed more)",
    )
    ndc_fit_max_stations: int = field_(
        0,
        help="an event with P at up to this many stations must fit its P times, azimuths and "
        "slownesses within their own uncertainties (chi-square at 99 %, as a small event "
        "must) however many defining data it has: three or four arrays' or weighted 3-C "
        "azimuths reach ndc_min_defining, and chance combinations with them. 0 (default) "
        "off; the REB options use 4 (IMS-style set, seeds 1-7: false events 12 -> 6, "
        "missed events 5 -> 5; with the defaults 12 -> 10 false but 6 -> 8 missed)",
    )
    ndc_resolve_conflicts: bool = field_(
        True,
        help="after the search, an event with P at exactly ndc_min_p_stations stations "
        "offers each of its P detections to a hypothesis of its own (from the detections "
        "no event took); one that explains more detections, or as many and fits them "
        "better, replaces it: a detection goes to the hypothesis that explains it best, "
        "as in the IDC's Global Association (a chance combination accepted first had "
        "taken a small event's closest P)",
    )
    ndc_contest_max_stations: int = field_(
        4,
        help="after the search (and the conflict pass), an event with P at up to this many "
        "stations is contested: the P detections no event took at its stations that could "
        "be one event with its P elsewhere drive hypotheses of their own (its detections, "
        "and its neighbours', free again); those holding some of its detections (not most "
        "of its P: that is the same event), and what is left of it built again, replace it "
        "where they explain more detections, each event less ndc_min_p_stations (a chance "
        "combination taken first had held what two events needed: IMS-style set, seed 10). "
        "0: off",
    )
    ndc_drag_max_stations: int = field_(
        5,
        help="an event with P at up to this many stations is placed where its P data fit: "
        "where their chi-square (times, defining azimuths and slownesses) is lower "
        "elsewhere (from the event and from the best node of the search's lattice) by more "
        "than the 99 % quantile for 2 degrees of freedom, it is moved there and tested "
        "again; else a station whose P gives its time alone (a 3-C station's) and without "
        "which the others fit that much better elsewhere is dropped and the event tested "
        "again where they put it (a noise P at STKA, 140 deg, had held four arrays' event "
        "400 km off: IMS-style set, seed 9 ev70). 0: off",
    )
    ndc_search_freed: bool = field_(
        True,
        help="after the passes that follow the search (conflicts, contests, events built "
        "again or dropped), the detections they freed are searched once more: the free P "
        "detections within the search's travel-time span of them drive hypotheses, best "
        "first (a chance combination that gave way in the conflict pass had held the "
        "arrays' P of an event nothing searched again: IMS-style set, seed 10 ev173)",
    )
    ndc_regrow: bool = field_(
        False,
        help="after the search (and the conflict pass), each event is built again from its "
        "earliest P with its own detections and those no event took, and replaced where "
        "the new hypothesis holds all of its detections and more: far arrays' azimuths and "
        "slownesses can outscore the closest station's P, and an event placed by them "
        "alone leaves the closest P and S out (the events whose P fit another's later "
        "phases at all but two sites are dropped after the search in any case). Off by "
        "default (IMS-style set, seeds "
        "1-10, the defaults: the same events); the REB options use it (one split of "
        "seed 3 undone, its event 2.3 deg -> 0.01 deg from the truth; +20 % time)",
    )
    ndc_non_defining_sigma: float = field_(
        0.0,
        help="where an event that must fit its data within their uncertainties (a small "
        "one, or with P at up to ndc_fit_max_stations stations) does not, its azimuth or "
        "slowness off the most, by more than this many sigma, is made non-defining and the "
        "rest tested again; the event stands if they fit and its remaining defining data "
        "still reach the minimum (one gross error, an analyst's practice: one array azimuth "
        "3 sigma off does not undo an event its times define). 0 (default) off; the REB "
        "options use 2.5 (IMS-style set, seeds 1-7: missed 5 -> 2, false 6 -> 7; held out "
        "6 -> 4, 3 -> 3; with the defaults 6 -> 5 missed but 12 -> 18 false)",
    )
    ndc_evidence_max_stations: int = field_(
        1000,
        help="the amplitude evidence (ndc_amplitude_evidence) is asked of every event with P "
        "at up to this many stations (besides those below ndc_min_defining); the default "
        "asks it of every event: three arrays' azimuths and slownesses make 9 defining data "
        "by chance, and five stations' chance detections (one a PKP far away) made an event "
        "whose silent stations were improbable (p 0.002) under the cap of 4 used before",
    )
    ndc_operating_window: float = field_(
        10800.0,
        unit="s",
        help="a site counts as operating at a hypothesis's time (its silence is evidence in "
        "the amplitude evidence and the network-consistency tests) only where it made a "
        "detection within this time of the hypothesis's first P: a station down, or not "
        "sending, makes none, while an operating one makes noise detections at a few per "
        "hour (at 2 per hour one hour either side leaves 1.8 % of operating sites without "
        "any, and the IMS-style set then got a chance event; three hours 6e-6). 0: every "
        "site with detections anywhere in the input counts as operating (as before "
        "2026-12-06: a station installed years later was counted silent)",
    )
    ndc_spread_max_stations: int = field_(
        5,
        help="the amplitude evidence's spread test (do the P stations' mb agree about the "
        "event's, with the 0.3 scatter of IDC station magnitudes?) is asked of events with "
        "P at up to this many stations; more stations' P times are no chance combination, "
        "and real amplitudes scatter more than that where agencies or filters differ (the "
        "ISC's readings at IMS stations: an M 5.0 with 16 P stations, station mb 3.1-5.4, "
        "was rejected by it). The silence test is asked of every event the evidence is",
    )
    ndc_regional_mb_sigma: float = field_(
        0.5,
        unit="magnitude",
        help="spread of station mb (log10(A/T) + Veith-Clawson Q) about the event's closer "
        "than 20 deg, in the amplitude evidence (0.3 beyond, where the IDC computes mb): Q "
        "is an extrapolation there (the ISC's readings of the Tunisian events, 1,633 P "
        "amplitudes: 0.45 at 5-20 deg, 0.8 within 5 deg; 0.31-0.43 beyond 20). An NDC whose "
        "regional amplitudes are calibrated sets 0.3",
    )
    ndc_coda_not_defining: bool = field_(
        False,
        help="P detections in the coda of an accepted event (see ndc_coda) do not count as "
        "a later hypothesis's defining data either (with the REB options: on the real DPRK "
        "2016-01-06 detections this removes a false event built partly of re-triggers after "
        "the test's P; on the 132-channel synthetic day it loses real events in other "
        "events' codas, so it is off by default)",
    )
    ndc_refine_depths: tuple[float, ...] = field_(
        (),
        unit="km",
        help="more depths (besides 0 and ndc_depths, the search nodes) among which an "
        "event's depth is chosen (P-time misfit, and depth phases pP/sP at two or more "
        "teleseismic stations, beyond what each site's rate of coda detections explains); "
        "the IMS-style benchmark uses 35, 70, 225, 300, 600",
    )
    ndc_depth_phase_depths: tuple[float, ...] = field_(
        tuple(float(h) for h in (*range(15, 100, 5), *range(100, 300, 10), *range(300, 701, 25))),
        unit="km",
        help="depths tried for an event's depth phases: where free detections after the P at "
        "two or more teleseismic (>= 20 deg) sites fit the pP or sP delay of one of them, "
        "beyond what each site's rate of detections explains (1 % over all depths tried), "
        "and the P times agree, the event takes that depth and its pP/sP join it; () turns "
        "this off",
    )
    ndc_min_defining: float = field_(
        9.0,
        help="an event needs this many defining data: P times plus fitting back-azimuths and "
        "slownesses (well above the 4 unknowns, so that coincidences are rejected)",
    )
    # --- method 'local' (octree search; PyOcto's defaults where it has them) -------------
    local_node_size: float = field_(
        10.0,
        unit="km",
        help="a node of the space-time search this small (longest side; time counted at the "
        "P velocity) is located as an event candidate",
    )
    local_tolerance: float = field_(
        1.0, unit="s", help="time slack of a pick belonging to a node of the search"
    )
    local_pick_tolerance: float = field_(
        1.5, unit="s", help="largest residual of a pick gathered into a located event"
    )
    local_slice: float = field_(1200.0, unit="s", help="origin-time slice searched as one tree")
    local_refinements: int = field_(3, help="gather-and-relocate passes per event candidate")
    local_edt_sigma: float = field_(
        0.5,
        unit="s",
        help="width of the Gaussian with which two picks' origin times agree in the location "
        "(their difference scatters by sqrt(2) x the pick error: 0.5 s for picks good to "
        "~0.35 s, a third of local_pick_tolerance); wider lets many loosely fitting picks of "
        "several events outvote the tight picks of one",
    )
    local_min_picks: int = field_(
        10, help="an event needs this many picks (distinct station-phases)"
    )
    local_min_p_stations: int = field_(3, help="an event needs P at this many stations")
    local_min_s_stations: int = field_(3, help="an event needs S at this many stations")
    local_min_ps_stations: int = field_(3, help="an event needs both P and S at this many stations")
    local_min_pick_fraction: float = field_(
        0.25,
        help="distance criterion (PyOcto's min_pick_fraction): walking the sites with picks "
        "outwards from an event candidate, the picks of sites beyond the last point where "
        "at least this fraction of the sites passed have picks of the event are dropped "
        "(an event seen far away is seen close by); 0 turns it off",
    )
    local_min_interevent_time: float = field_(
        3.0,
        unit="s",
        help="of two events closer than this in origin time the one with fewer picks is dropped",
    )
    local_threads: int = field_(
        0,
        help="threads of the octree search (PyOcto's n_threads): picks spanning more than "
        "two hours are cut into up to this many time blocks of at least an hour, searched at "
        "once, a border in the longest quiet interval near its even place and a detection two "
        "blocks' events claim left to the larger event; 0: one per CPU core; 1: one block",
    )
    local_independent_evidence: bool = field_(
        True,
        help="an event stands only on picks no stronger event explains: a pick within "
        "local_pick_tolerance of a stronger event's predicted P or S at a site where that "
        "event has no pick of the phase (whatever the pick's phase name) is that event's; an "
        "event whose other picks miss the pick rules is dropped and those picks join the "
        "stronger event (splits, and chance events of another event's S picks)",
    )
    local_merge_splits: bool = field_(
        True,
        help="two events within the longest S time whose picks (each free to be P or S) one "
        "hypocentre explains better than the stronger alone, leaving too few picks for an "
        "event, are one event (a split); a real doublet keeps its own P at most sites",
    )
    # --- reference bulletin (openndc.association.reference) -------------------------------
    reference: str = field_(
        "",
        help="reference bulletin (the IDC's REB/SEL): a QuakeML or IMS1.0 file, or an FDSN "
        "event service URL (http://...); detections fitting a reference event's predicted "
        "arrivals join it before the free association; empty: none",
    )
    reference_sigma_factor: float = field_(
        3.0,
        help="a detection joins a reference event when its time residual is within this "
        "many combined sigmas (pick, origin time, epicentre and depth, model)",
    )
    reference_model_error: float = field_(
        1.0, unit="s", help="travel-time model error of P phases (S and surface waves: twice)"
    )
    reference_pick_uncertainty: float = field_(
        0.5, unit="s", help="pick uncertainty (1 sigma) of a detection that gives none"
    )
    reference_time_uncertainty: float = field_(
        2.0, unit="s", help="origin time uncertainty (1 sigma) of a reference origin giving none"
    )
    reference_epicentre_uncertainty: float = field_(
        20.0, unit="km", help="epicentre uncertainty (1 sigma) of a reference origin giving none"
    )
    reference_depth_uncertainty: float = field_(
        20.0,
        unit="km",
        help="depth uncertainty (1 sigma) of a reference origin giving none or a fixed depth",
    )
    reference_min_stations: float = field_(
        2.0,
        help="a reference event keeps its detections with first P at this many sites (an "
        "array whose back-azimuth and slowness fit counts array_weight)",
    )
    reference_relocate: bool = field_(
        False,
        help="relocate reference events with the NDC's arrivals (default: keep the reference "
        "agency's origin)",
    )

    def __post_init__(self) -> None:
        if not self.ndc_regional_mb_sigma > 0.0:
            raise ValueError(f"ndc_regional_mb_sigma must be > 0, got {self.ndc_regional_mb_sigma}")
        if not 0.0 <= self.ndc_far_site_chance < 1.0:
            raise ValueError(
                f"ndc_far_site_chance is a probability in [0, 1), got {self.ndc_far_site_chance}"
            )
        if not self.ndc_chance_combinations >= 0.0:
            raise ValueError(
                f"ndc_chance_combinations must be >= 0, got {self.ndc_chance_combinations}"
            )
        if not 0.0 < self.hydro_chance <= 1.0:
            raise ValueError(f"hydro_chance is a probability in (0, 1], got {self.hydro_chance}")
        if not 0.0 < self.infrasound_chance <= 1.0:
            raise ValueError(
                f"infrasound_chance is a probability in (0, 1], got {self.infrasound_chance}"
            )
        if not self.hydro_land_velocity > 0.0:
            raise ValueError(f"hydro_land_velocity must be > 0, got {self.hydro_land_velocity}")
        if self.ndc_consistency_max_stations < 0:
            raise ValueError(
                "ndc_consistency_max_stations must be >= 0, got "
                f"{self.ndc_consistency_max_stations}"
            )
        if self.ndc_detection_snr not in ("background", "noise"):
            raise ValueError(
                f"ndc_detection_snr is 'background' or 'noise', got {self.ndc_detection_snr!r}"
            )
        for name in ("hydro_source_land_km", "hydro_station_land_km", "ndc_coda_depth_range"):
            if not getattr(self, name) >= 0.0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")


def local_config(**overrides: object) -> AssociationConfig:
    """A configuration for a dense local network (tens of km, picks P and S): the octree
    search ('local') over the network plus 0.1 deg and depths 0-30 km; an event needs 6
    picks with P and S at 2 stations. Keyword arguments override fields.
    """
    base = AssociationConfig(
        method="local",
        phases=("Pg", "Sg"),
        grid_margin=0.1,
        grid_depths=(3.0, 8.0, 13.0),
        teleseismic=False,
        max_depth=30.0,
        p_tolerance=0.6,
        s_tolerance=1.0,
        min_stations=4.0,
        min_distinct_stations=4,
        min_arrivals=6,
        min_p_arrivals=2,
        window=60.0,
        local_min_picks=6,
        local_min_p_stations=2,
        local_min_s_stations=2,
        local_min_ps_stations=2,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def reb_rules_config(**overrides: object) -> AssociationConfig:
    """The opt-in REB rules for a network of IMS primary stations (docs/association.md):
    three-station events (``ndc_min_defining_small``, checked against the network and the
    data's own uncertainties), 3-C back-azimuths and slownesses weighted by their
    uncertainty rather than dropped, coda detections not counted as defining data, depths
    chosen among more levels (with depth phases), nodes around each site (an event close
    to a station), the chi-square fit asked of events with P at up to four stations (one
    azimuth or slowness 2.5 sigma off made non-defining where it does not fit otherwise),
    each event built again from its closest free P after the search (``ndc_regrow``), and
    station corrections of azimuth and slowness from the run's own well-located events
    (``self_calibrate``: the IDC applies slowness-azimuth station corrections).
    Keyword arguments override fields.

    A P whose 3-C azimuth points 3.5 sigma away is no longer ruled out
    (``ndc_baz_veto_sigmas`` 0 since 2026-12-06; it was 3.5): real 3-C azimuths have a
    reversed tail their sigma does not describe (the IDC's 2006 DPRK arrivals: JNU, the
    closest station, 110 deg off, 4.6 sigma; the synthetic day's detector: 6.3 % beyond
    3.5 sigma), and the veto threw those real P away, where the fit makes the azimuth
    non-defining and keeps the time.
    """
    base = AssociationConfig(
        ndc_min_defining_small=6.0,
        ndc_small_needs_amplitudes=False,
        ndc_ignore_baz_sigma=90.0,
        ndc_ignore_slowness_sigma=10.0,
        ndc_refine_depths=(35.0, 70.0, 225.0, 300.0, 600.0),
        ndc_coda_not_defining=True,
        ndc_local_spacing=0.5,
        ndc_fit_max_stations=4,
        ndc_non_defining_sigma=2.5,
        ndc_regrow=True,
        self_calibrate=True,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]
