"""Fixtures of the radionuclide tests: synthetic PHD messages generated in code, real files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from obspy import UTCDateTime

from openndc.radionuclide.phd import PHDHeader, PHDMessage

# A SAUNA-like 6-ROI layout [keV]: ROI, beta low, beta high, gamma low, gamma high.
ROIS = np.array(
    [
        [1, 0.0, 700.0, 330.0, 375.0],
        [2, 0.0, 700.0, 230.0, 270.0],
        [3, 0.0, 350.0, 70.0, 90.0],
        [4, 0.0, 110.0, 24.0, 36.0],
        [5, 120.0, 145.0, 24.0, 36.0],
        [6, 185.0, 215.0, 24.0, 36.0],
    ]
)
# (id, upper ROI, lower ROI, ratio, uncertainty)
RATIOS = (
    ("R21", 1, 2, 0.05, 0.005),
    ("R31", 1, 3, 0.02, 0.002),
    ("R32", 2, 3, 0.10, 0.01),
    ("R43", 3, 4, 0.30, 0.02),
    ("R53", 3, 5, 0.04, 0.004),
    ("R63", 3, 6, 0.05, 0.005),
)
EFFICIENCY = (
    ("Xe-135", 2, 0.60, 0.02),
    ("Xe-133", 3, 0.55, 0.02),
    ("Xe-133", 4, 0.50, 0.02),
    ("Xe-131m", 5, 0.55, 0.02),
    ("Xe-133m", 6, 0.55, 0.02),
)
KEV_PER_CH = 3.0  # both axes, 256 channels


def beta_gamma_message(
    roi_counts: dict[int, int],
    *,
    flat: float = 0.02,
    seed: int = 0,
    data_type: str = "SAMPLEPHD",
    live: float = 40000.0,
) -> PHDMessage:
    """A beta-gamma message whose histogram holds Poisson counts placed in the ROI boxes."""
    rng = np.random.default_rng(seed)
    h = rng.poisson(flat, size=(256, 256)).astype(np.int64)
    for roi, n in roi_counts.items():
        _, blo, bhi, glo, ghi = ROIS[roi - 1]
        g = rng.integers(round(glo / KEV_PER_CH), round(ghi / KEV_PER_CH) + 1, n)
        b = rng.integers(round(blo / KEV_PER_CH), round(bhi / KEV_PER_CH) + 1, n)
        np.add.at(h, (g, b), 1)
    cal = np.array([[0.0, 1.0, 0.0], [765.0, 256.0, 0.0]])  # channels from 1
    t0 = UTCDateTime("2026-11-20T06:00:00")
    sample = data_type == "SAMPLEPHD"
    return PHDMessage(
        data_type=data_type,
        header=PHDHeader("KZX00", "KZX00_001", "B", "GEOM", "FULL", "KZX00/20261120", "M1"),
        acquisition_start=t0 + 7 * 3600 if sample else t0,
        real_time=live + 10.0,
        live_time=live,
        collection=(t0 - 12 * 3600, t0, 15.0) if sample else None,
        processing=(1.2, 0.05, 0.8, 0.02, "B1") if sample else None,
        g_energy=cal,
        b_energy=((0.0, "C", 1.0, 0.0), (765.0, "C", 256.0, 0.0)),
        roi_limits=ROIS,
        bg_efficiency=EFFICIENCY,
        ratios=RATIOS,
        histogram=h,
        histogram_spans=(765.0, 765.0),
        g_spectrum=h.sum(axis=1),
        g_energy_span=765.0,
        b_spectrum=h.sum(axis=0),
        b_energy_span=765.0,
    )


@pytest.fixture(scope="session")
def rn_data(shared_data: Path) -> Path:
    return shared_data / "radionuclide"


@pytest.fixture(scope="session")
def line_library(rn_data: Path) -> Path:
    return rn_data / "gamma_line_library" / "PhotoPeak.lis"
