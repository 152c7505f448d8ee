"""Initial phase identification rules."""

from __future__ import annotations

import pytest
from obspy import UTCDateTime

from openndc.detection.config import PhaseIdConfig
from openndc.detection.phase_id import identify_phase
from openndc.model.detection import Detection

CFG = PhaseIdConfig()


def _det(**kw: float) -> Detection:
    return Detection("XX", "STA", "", "BHZ", UTCDateTime(2020, 1, 1), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("slowness", "phase"),
    [
        (5.0, "P"),
        (12.0, "Pn"),
        (17.0, "Pg"),
        (22.0, "Sn"),
        (28.0, "Lg"),
        (40.0, "Rg"),
        (330.0, "N"),
    ],
)
def test_array_slowness(slowness: float, phase: str) -> None:
    assert identify_phase(_det(slowness=slowness, snr=10.0), CFG, is_array=True) == phase


def test_polarization_rules() -> None:
    assert (
        identify_phase(_det(rectilinearity=0.9, incidence=20.0, snr=10.0), CFG, is_array=False)
        == "P"
    )
    assert (
        identify_phase(_det(rectilinearity=0.9, incidence=70.0, snr=10.0), CFG, is_array=False)
        == "S"
    )
    assert (
        identify_phase(_det(rectilinearity=0.1, incidence=50.0, snr=4.5), CFG, is_array=False)
        == "N"
    )
    # isotropic but strong: keep the conservative P
    assert (
        identify_phase(_det(rectilinearity=0.1, incidence=50.0, snr=50.0), CFG, is_array=False)
        == "P"
    )


def test_defaults_and_frequency() -> None:
    assert identify_phase(_det(snr=5.0), CFG, is_array=False) == "P"
    assert identify_phase(_det(snr=5.0), CFG, is_array=True) == "P"  # array without slowness
    assert identify_phase(_det(snr=4.5, dominant_frequency=0.15), CFG, is_array=False) == "N"
    assert identify_phase(_det(snr=40.0, dominant_frequency=0.15), CFG, is_array=False) == "P"
