"""The stage function on hand-made events."""

from __future__ import annotations

import math

import pytest

import openndc
from openndc.magnitude import MagnitudeConfig, MbConfig, compute_magnitudes
from openndc.magnitude.calibration import amplitude_for_mb, amplitude_for_ml
from openndc.model.config import from_mapping, template
from openndc.model.errors import ConfigError
from openndc.model.event import Event, NetworkMagnitude
from openndc.model.geodesy import DEG_KM
from openndc.model.inventory import MonitoringNetwork

from ._events import arrival, event, network


def _teleseismic_event(mb: float = 4.5, depth: float = 10.0) -> tuple[Event, MonitoringNetwork]:
    dists = {"A": 25.0, "B": 35.0, "C": 48.0, "D": 61.0, "E": 77.0, "F": 90.0}
    arrs = []
    for i, (sta, d) in enumerate(dists.items()):
        m = mb + (-0.1, 0.05, 0.0, 0.1, -0.05, 1.5)[i]  # F is an outlier
        amp = float(amplitude_for_mb(m, d, depth, 1.0))
        arrs.append(arrival(sta, "P", d, 60.0 + 8 * d, amplitude=amp, period=1.0))
    return event(arrs, depth_km=depth), network(dists)


def test_mb_network_with_outlier() -> None:
    ev, net = _teleseismic_event()
    out = compute_magnitudes(ev, net)
    mag = out.magnitude("mb")
    assert mag is not None
    assert mag.value == pytest.approx(4.5, abs=1e-6)  # median of -0.1 .. 0.1 offsets
    assert mag.n_stations == 5
    flags = {s.station: s.used for s in mag.station_magnitudes}
    assert flags == {"A": True, "B": True, "C": True, "D": True, "E": True, "F": False}
    assert mag.provenance is not None
    assert mag.provenance.software_version == openndc.__version__
    assert mag.provenance.parameters["mb"]["distance_min"] == 20.0
    assert out.magnitude("ML") is None  # no regional arrivals
    assert ev.magnitudes == ()  # input untouched


def test_ml_network_regional_event() -> None:
    depth = 8.0
    arrs = []
    for sta, d in {"K1": 0.5, "K2": 1.5, "K3": 3.0, "K4": 6.0}.items():
        r = math.hypot(d * DEG_KM, depth)
        arrs.append(
            arrival(sta, "Lg", d, d * DEG_KM / 3.5, amplitude_wa=float(amplitude_for_ml(3.2, r)))
        )
    out = compute_magnitudes(event(arrs, depth_km=depth), network({}))
    ml = out.magnitude("ML")
    assert ml is not None and ml.value == pytest.approx(3.2, abs=1e-9) and ml.n_stations == 4
    assert out.magnitude("mb") is None
    assert out.preferred_magnitude is ml


def test_types_not_attempted_are_kept_and_attempted_replaced() -> None:
    ev, net = _teleseismic_event()
    old_ms = NetworkMagnitude("Ms", 4.0, n_stations=3)
    old_mb = NetworkMagnitude("mb", 9.9, n_stations=3)
    ev = ev.with_magnitudes((old_ms, old_mb))
    out = compute_magnitudes(ev, net)  # no stream: Ms is not attempted
    assert [m.magnitude_type for m in out.magnitudes] == ["mb", "Ms"]
    assert out.magnitude("Ms") is old_ms
    mb = out.magnitude("mb")
    assert mb is not None and mb.value != 9.9
    # mb disabled: the old mb stays
    out = compute_magnitudes(ev, net, MagnitudeConfig(mb=MbConfig(enabled=False)))
    assert out.magnitude("mb") is old_mb


def test_config_schema_round_trip_and_errors() -> None:
    cfg = from_mapping(
        MagnitudeConfig, {"mb": {"distance_min": 10.0}, "network": {"method": "mean"}}
    )
    assert cfg.mb.distance_min == 10.0 and cfg.network.method == "mean"
    with pytest.raises(ConfigError, match="distance_mn"):
        from_mapping(MagnitudeConfig, {"mb": {"distance_mn": 10.0}})
    with pytest.raises(ConfigError):
        from_mapping(MagnitudeConfig, {"network": {"method": "mode"}})
    text = template(MagnitudeConfig)
    assert "[ml]" in text and "distance_max = 9.0  # [deg]" in text


def test_public_api() -> None:
    import openndc.magnitude as mag

    assert sorted(mag.__all__) == mag.__all__
    for name in mag.__all__:
        assert hasattr(mag, name), name
