"""NDC association: an event is accepted only where its combination of stations is not
what the hour's noise makes (``ndc_chance_combinations``). The counts of defining data
were set at a few noise detections per station-hour; the same three-station event (the
Tunisian one at KEST, ESDC and AKASG) stands among a quiet network's noise and not among
one detecting 40 noise P an hour at every station, where chance makes combinations like it
every hour."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from obspy import UTCDateTime

from openndc.association import AssociationConfig, associate
from openndc.association.associate import _ingest, _network_sites
from openndc.association.ndc import NdcHypothesis, _Ndc
from openndc.model import Detection, MonitoringNetwork
from openndc.traveltime import load_travel_times
from tests.support.ims import SMALL_TUNISIAN, event_p_detections, primary_network

T0 = UTCDateTime(2024, 3, 1)
#: The event's origin time: the middle of the hour of noise.
ORIGIN = T0 + 1800.0
EVENT_IDS = {f"ev-{code}" for code in SMALL_TUNISIAN[1]}
#: The detections carry no amplitudes: a small event is judged without them.
CONFIG = AssociationConfig(ndc_small_needs_amplitudes=False)


#: [s] The noise spans this either side of the origin.
HALF_SPAN = 600.0


def _noise(
    net: MonitoringNetwork, arrays: set[str], rate: float, avoid: list[Detection], seed: int
) -> list[Detection]:
    """Noise P detections at ``rate`` per hour at every site of ``net``, evenly spaced (from
    a random start) over ``HALF_SPAN`` either side of the origin, with random back-azimuths,
    slownesses evenly spread over 4-25 s/deg, and the IMS-style set's uncertainties (arrays
    0.5 s, 5 deg, 1 s/deg; 3-C stations 1 s, 25 deg, 4 s/deg); none within 30 s of a
    detection of ``avoid`` at its station (the test is of combinations, not of a noise
    detection taking an event's place)."""
    rng = np.random.default_rng(seed)
    taken = [(d.station, d.time) for d in avoid]
    step = 3600.0 / rate
    n = round(2.0 * HALF_SPAN / step)
    out = []
    for s in net.stations:
        bs, ss, ts = (5.0, 1.0, 0.5) if s.code in arrays else (25.0, 4.0, 1.0)
        start = ORIGIN - HALF_SPAN + float(rng.uniform(0.0, step))
        slowness = rng.permutation(np.linspace(4.0, 25.0, n))
        for k in range(n):
            t = start + k * step
            if any(code == s.code and abs(t - u) < 30.0 for code, u in taken):
                continue
            out.append(Detection("IM", s.code, "", "BHZ", t, time_uncertainty=ts, phase="P",
                                 backazimuth=float(rng.uniform(0.0, 360.0)),
                                 backazimuth_uncertainty=bs, slowness=float(slowness[k]),
                                 slowness_uncertainty=ss, id=f"noise-{s.code}-{k}"))  # fmt: skip
    return out


def _problem(shared: Path, rate: float) -> tuple[MonitoringNetwork, list[Detection]]:
    net, arrays = primary_network(shared, T0)
    sites = {s.code: (s.latitude, s.longitude) for s in net.stations}
    event = event_p_detections(SMALL_TUNISIAN[0], ORIGIN, sites, SMALL_TUNISIAN[1],
                               np.random.default_rng(5))  # fmt: skip
    return net, event + _noise(net, arrays, rate, event, seed=11)


def _found(net: MonitoringNetwork, dets: list[Detection], config: AssociationConfig) -> bool:
    """Whether one event holds the three P of the Tunisian event."""
    res = associate(dets, net, config, travel_times=load_travel_times("ak135"))
    return any({a.detection.id for a in e.arrivals} >= EVENT_IDS for e in res.events)


def test_a_three_station_event_stands_where_the_noise_is_low(shared_data: Path) -> None:
    net, dets = _problem(shared_data, 2.0)
    assert _found(net, dets, CONFIG)
    # the whole search among forty noise P an hour would take minutes (the association's
    # cost grows with the noise): the acceptance is asked of the event's hypothesis below


def _instance(
    shared: Path, rate: float, config: AssociationConfig = CONFIG
) -> tuple[_Ndc, NdcHypothesis, float]:
    """The search over the Tunisian event with noise at ``rate`` per hour: the hypothesis
    it gathers at the event's true origin and its defining data."""
    net, dets = _problem(shared, rate)
    d = _ingest(dets, net, [])
    ndc = _Ndc(d, config, load_travel_times("ak135"), _network_sites(net))
    lat, lon, depth = SMALL_TUNISIAN[0]
    t0 = float(ORIGIN - d.ref)
    members, phases, n_data = ndc.gather(lat, lon, depth, t0)
    assert {d.items[m].id for m in members} == EVENT_IDS
    return ndc, NdcHypothesis(t0, lat, lon, depth, members, phases), n_data


def test_the_same_event_among_forty_noise_detections_an_hour_is_chance(
    shared_data: Path,
) -> None:
    ndc, hyp, n_data = _instance(shared_data, 40.0)
    assert ndc._chance_combinations(hyp) > CONFIG.ndc_chance_combinations
    assert ndc._accept(hyp, n_data) is None
    # the counts alone take it: the test is what rejects it
    off, hyp, n_data = _instance(shared_data, 40.0, replace(CONFIG, ndc_chance_combinations=0.0))
    assert off._accept(hyp, n_data) is not None
    # and at a few noise detections an hour it stands
    quiet, hyp, n_data = _instance(shared_data, 2.0)
    assert quiet._chance_combinations(hyp) < CONFIG.ndc_chance_combinations
    assert quiet._accept(hyp, n_data) is not None


def test_expected_combinations_scale_with_the_noise(shared_data: Path) -> None:
    """Twice the noise: the two stations besides the driver fit by chance about twice as
    often each (their rates are counted with one half added), and there are twice the
    drivers: about 8 times the combinations (1, 2 or 16 were the test blind to the noise,
    counting drivers only, or counting the driver's own chance too)."""
    low, hyp_low, _ = _instance(shared_data, 18.0)
    high, hyp_high, _ = _instance(shared_data, 36.0)
    ratio = high._chance_combinations(hyp_high) / low._chance_combinations(hyp_low)
    assert 5.0 < ratio < 11.0


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="ndc_chance_combinations"):
        replace(AssociationConfig(), ndc_chance_combinations=-1.0)
