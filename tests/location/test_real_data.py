"""Relocation of real events from their own picks: ISC Tunisia and NCSN Calaveras.

Numbers are recorded in docs/location.md; the bounds here leave a little room.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from openndc.io.hypodd import read_hypodd_locations, read_hypodd_phases, read_hypodd_stations
from openndc.location import LocationConfig, local_config, locate
from openndc.location.config import RelocationConfig
from openndc.location.corrections import apply_corrections
from openndc.location.doubledifference import relocate_double_difference
from openndc.location.station_terms import calibration_terms, locate_with_station_terms
from openndc.model.event import Event
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.traveltime import load_travel_times
from openndc.traveltime.layered import LayeredModel
from tests.location._readers import read_isc_ims1

#: hypoDD 2.1b example 2 (fwaldhauser/HypoDD, examples/example2/hypoDD.inp):
#: the "CONCORD-CALAVERAS" 1-D P model, layer tops [km] and Vp [km/s], Vp/Vs 1.73.
CALAVERAS_TOPS = [0.0, 0.6, 1.2, 1.8, 2.4, 3.0, 3.6, 4.2, 4.8, 5.4, 6.0,
                  8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0, 22.0, 24.0, 26.0]  # fmt: skip
CALAVERAS_VP = [2.5, 3.16, 3.82, 4.48, 4.7428, 4.807, 4.8712, 4.9354, 4.9996, 5.0638, 5.128,
                5.342, 5.556, 5.77, 5.8283, 5.8867, 5.945, 6.0033, 6.0617, 6.12, 7.95]  # fmt: skip


def _epicentre_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    d, _, _ = distance_azimuth(lat1, lon1, lat2, lon2)
    return float(d) * DEG_KM


@pytest.mark.slow
def test_isc_tunisia_relocation(shared_data: Path) -> None:
    path = shared_data / "bulletins/isc_tunisia_mloc/isc_bulletin_tunisia_1960-2018_ims1.txt"
    events = [e for e in read_isc_ims1(path) if len(e.arrivals) >= 6]
    assert len(events) >= 55
    tt = load_travel_times("ak135")
    cfg = LocationConfig(fixed_depth=10.0)  # ISC's default depth for shallow crustal events
    epi, ddep = [], []
    for ev in events:
        res = locate(ev.arrivals, ev.network, cfg, travel_times=tt)
        epi.append(_epicentre_km(ev.latitude, ev.longitude, res.origin.latitude,
                                 res.origin.longitude))  # fmt: skip
        ddep.append(res.origin.depth_km - ev.depth)
    median, p90 = float(np.median(epi)), float(np.percentile(epi, 90))
    assert median <= 10.0, f"median epicentre difference {median:.1f} km"
    assert p90 <= 40.0, f"90th percentile {p90:.1f} km"
    assert float(np.median(np.abs(ddep))) <= 20.0


CALAVERAS = "ncsn_hypodd_examples/example2_calaveras"


def _calaveras(shared_data: Path):  # type: ignore[no-untyped-def]
    folder = shared_data / CALAVERAS
    network = read_hypodd_stations(folder / "station.dat")
    events = list(read_hypodd_phases(folder / "Calaveras.pha").events)
    model = LayeredModel(CALAVERAS_TOPS, CALAVERAS_VP, vp_vs=1.73, name="hypoDD-Calaveras")
    return folder, network, events, model


def _calaveras_config():  # type: ignore[no-untyped-def]
    return local_config(elevation_correction=False, fixed_depth=6.0, grid_depths=(2.0, 6.0, 12.0))


def _differences(events: list[Event], origins: list) -> tuple[float, float, float]:  # type: ignore[type-arg]
    """Median and 90th percentile epicentre difference [km], median depth difference [km]."""
    epi = [_epicentre_km(e.origin.latitude, e.origin.longitude, o.latitude, o.longitude)
           for e, o in zip(events, origins, strict=True)]  # fmt: skip
    ddep = [o.depth_km - e.origin.depth_km for e, o in zip(events, origins, strict=True)]
    return float(np.median(epi)), float(np.percentile(epi, 90)), float(np.median(ddep))


@pytest.mark.slow
def test_ncsn_calaveras_relocation(shared_data: Path) -> None:
    _, network, events, model = _calaveras(shared_data)
    assert len(events) == 308
    tt = model.tabulate(max_distance_km=200.0, max_depth_km=25.0, distance_step_km=1.0,
                        depth_step_km=0.5)  # fmt: skip
    cfg = _calaveras_config()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few picks at stations missing from station.dat
        sub = events[::5]
        origins = [locate(ev.arrivals, network, cfg, travel_times=tt).origin for ev in sub]
    median, p90, ddep = _differences(sub, origins)
    assert median <= 1.5
    assert p90 <= 3.0
    # The hypoDD model (made for relative relocation) is slower than the network's:
    # depths come out deeper by several km (docs/location.md).
    assert 3.0 <= ddep <= 10.0


@pytest.mark.slow
def test_ncsn_calaveras_station_terms(shared_data: Path) -> None:
    """Station terms on the NCSN picks: calibrated at the network's locations of the
    other events (cross-validated) and iterated from our own locations."""
    _, network, events, model = _calaveras(shared_data)
    tt = model.tabulate(max_distance_km=200.0, max_depth_km=25.0, distance_step_km=1.0,
                        depth_step_km=0.5)  # fmt: skip
    cfg = _calaveras_config()
    test = events[::12]
    calib = [e for k, e in enumerate(events) if k % 12]
    rcfg = RelocationConfig(station_term_iterations=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        iterated = locate_with_station_terms(test, network, cfg, tt, rcfg)
        plain = [r.origin for r in iterated.uncorrected if r is not None]
        terms = calibration_terms(calib, network, cfg, tt, rcfg)
        calibrated = [
            locate(apply_corrections(ev.arrivals, terms), network, cfg, travel_times=tt).origin
            for ev in test
        ]
    m0, _, d0 = _differences(test, plain)
    m1, _, d1 = _differences(test, calibrated)
    m2, _, d2 = _differences(test, [r.origin for r in iterated.results if r is not None])
    print(f"plain {m0:.2f} km / {d0:+.1f} km; calibrated terms {m1:.2f} km / {d1:+.2f} km; "
          f"iterated terms {m2:.2f} km / {d2:+.1f} km; rms {iterated.rms}")  # fmt: skip
    assert len(terms) > 100
    assert m1 < 0.3 * m0 and abs(d1) < 1.0 < d0  # the network's frame, depth bias gone
    assert m2 < 0.7 * m0 and iterated.rms[-1] < 0.85 * iterated.rms[0]


@pytest.mark.slow
def test_ncsn_calaveras_double_difference(shared_data: Path) -> None:
    """The 308 events by double differences of their catalogue picks (hypoDD example 2's
    ph2dt settings) from the network's locations, against the network's hypoDD
    relocations (which also used cross-correlation delays)."""
    folder, network, events, model = _calaveras(shared_data)
    tt = model.tabulate(max_distance_km=600.0, max_depth_km=25.0, distance_step_km=1.0,
                        depth_step_km=0.5)  # fmt: skip
    # examples/example2/ph2dt.inp: MAXDIST 500, MAXSEP 15, MAXNGH 15, MINLNK 8, MINOBS 8,
    # MAXOBS 50; hypoDD.inp: catalogue S weight 0.5, WDCT 4 km after the first set
    cfg = RelocationConfig(dd_max_separation=15.0, dd_max_neighbours=15,
                           dd_max_station_distance=500.0, dd_weight_distance=4.0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = relocate_double_difference(events, network, tt, cfg)
    ref = read_hypodd_locations(folder / "hypoDD.reloc")
    assert res.n_pairs > 2500 and not res.unlinked

    def xyz(origins: list) -> np.ndarray:  # type: ignore[type-arg]
        lat0 = 37.3
        return np.array([[o.longitude * DEG_KM * np.cos(np.radians(lat0)),
                          o.latitude * DEG_KM, o.depth_km] for o in origins])  # fmt: skip

    hdd = xyz([ref[e.id] for e in events])

    def relative(origins: list) -> tuple[float, float]:  # type: ignore[type-arg]
        d = (xyz(origins)[:, None] - xyz(origins)[None]) - (hdd[:, None] - hdd[None])
        iu = np.triu_indices(len(events), 1)
        return float(np.median(np.hypot(d[..., 0], d[..., 1])[iu])), float(
            np.median(np.abs(d[..., 2])[iu])
        )

    h0, v0 = relative([e.origin for e in events])
    h1, v1 = relative([e.origin for e in res.events])
    mad0 = float(np.median(np.abs(res.residuals_initial)))
    mad1 = float(np.median(np.abs(res.residuals_final)))
    print(f"pair geometry vs hypoDD: horizontal {h0:.3f} -> {h1:.3f} km, vertical "
          f"{v0:.3f} -> {v1:.3f} km; median |dd residual| {mad0:.3f} -> {mad1:.3f} s")  # fmt: skip
    assert h1 < 0.6 * h0 and v1 < 0.6 * v0
    assert mad1 < 0.7 * mad0
