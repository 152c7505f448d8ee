"""Station ML and mb from arrivals: phase choice, ranges, units, hand-computed values."""

from __future__ import annotations

import logging
import math

import pytest

from openndc.magnitude.calibration import mb_q, ml_log_a0
from openndc.magnitude.config import MbConfig, MlConfig
from openndc.magnitude.station import arrival_distance, station_mb, station_ml
from openndc.model.geodesy import DEG_KM

from ._events import arrival, event, network


def test_ml_uses_largest_s_type_amplitude() -> None:
    ev = event(
        [
            arrival("A", "Pn", 2.0, 30.0, amplitude_wa=900.0),
            arrival("A", "Sn", 2.0, 50.0, amplitude_wa=300.0),
            arrival("A", "Lg", 2.0, 60.0, amplitude_wa=500.0),
        ],
        depth_km=10.0,
    )
    (sm,) = station_ml(ev)
    r = math.hypot(2.0 * DEG_KM, 10.0)
    assert sm.amplitude == 500.0 and sm.detection_id == "A-Lg-60"
    assert sm.value == pytest.approx(math.log10(500.0) + 1.11 * math.log10(r) + 0.00189 * r - 2.09)
    assert sm.value == pytest.approx(math.log10(500.0) + float(ml_log_a0(r)))
    assert sm.magnitude_type == "ML" and sm.amplitude_unit == "nm" and sm.distance == 2.0


def test_ml_fallback_to_any_phase_and_option_off() -> None:
    ev = event([arrival("B", "Pg", 1.0, 20.0, amplitude_wa=200.0)])
    (sm,) = station_ml(ev)
    assert sm.amplitude == 200.0
    assert station_ml(ev, config=MlConfig(any_phase_fallback=False)) == []


def test_ml_skips_counts_low_snr_and_far_stations(caplog: pytest.LogCaptureFixture) -> None:
    ev = event(
        [
            arrival("C", "Sg", 1.0, 30.0, amplitude_wa=1e5, unit="counts"),
            arrival("D", "Sg", 1.0, 30.0, amplitude_wa=100.0, snr=1.2),
            arrival("E", "Sn", 12.0, 300.0, amplitude_wa=100.0),
            arrival("F", "Sg", 3.0, 80.0, amplitude_wa=100.0),
        ]
    )
    with caplog.at_level(logging.INFO, logger="openndc.magnitude.station"):
        sms = station_ml(ev)
    assert [s.station for s in sms] == ["F"]
    assert "counts" in caplog.text and "XX.C" in caplog.text


def test_mb_uses_first_p_not_larger_later_one() -> None:
    ev = event(
        [
            arrival("A", "P", 40.0, 420.0, amplitude=10.0, period=1.0),
            arrival("A", "P", 40.0, 430.0, amplitude=80.0, period=1.0),  # pP named P
            arrival("A", "S", 40.0, 760.0, amplitude=500.0, period=4.0),
        ],
        depth_km=0.0,
    )
    (sm,) = station_mb(ev)
    assert sm.amplitude == 10.0 and sm.detection_id == "A-P-420"
    assert sm.value == pytest.approx(1.0 + 3.32 + math.log10(2.0), abs=1e-9)
    assert sm.value == pytest.approx(math.log10(10.0) + float(mb_q(40.0, 0.0)))


def test_mb_first_p_without_amplitude_gives_no_mb() -> None:
    ev = event(
        [
            arrival("A", "P", 40.0, 420.0),
            arrival("A", "P", 40.0, 430.0, amplitude=80.0, period=1.0),
        ]
    )
    assert station_mb(ev) == []


def test_mb_ranges_units_periods() -> None:
    ev = event(
        [
            arrival("R", "Pn", 10.0, 150.0, amplitude=50.0, period=0.5),  # regional
            arrival("C", "P", 50.0, 500.0, amplitude=5e4, period=1.0, unit="counts"),
            arrival("T", "P", 60.0, 600.0, amplitude=5.0, period=5.0),  # period too long
            arrival("S", "P", 60.0, 600.0, amplitude=5.0, period=1.0, snr=1.0),  # SNR too low
            arrival("G", "P", 60.0, 600.0, amplitude=5.0, period=0.8),
        ],
        depth_km=33.0,
    )
    sms = station_mb(ev)
    assert [s.station for s in sms] == ["G"]
    assert sms[0].value == pytest.approx(math.log10(5.0 / 0.8) + float(mb_q(60.0, 33.0)))
    # regional mb when the range is opened (VC72 has values below 20 deg)
    sms = station_mb(ev, config=MbConfig(distance_min=5.0))
    assert {s.station for s in sms} == {"R", "G"}


def test_distance_from_network_when_arrival_has_none() -> None:
    ev = event([arrival("A", "P", math.nan, 420.0, amplitude=10.0, period=1.0)], depth_km=0.0)
    net = network({"A": 40.0})
    assert arrival_distance(ev.arrivals[0], ev, net) == pytest.approx(40.0, abs=1e-6)
    (sm,) = station_mb(ev, net)
    assert sm.distance == pytest.approx(40.0, abs=1e-6)
    assert station_mb(ev) == []  # no distance and no inventory: skipped
