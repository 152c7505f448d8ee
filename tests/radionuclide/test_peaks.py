from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from obspy import UTCDateTime

from openndc.model.radionuclide import GammaSpectrum, SampleTimes
from openndc.radionuclide.analyze import analyze_spectrum, find_peaks, load_library
from openndc.radionuclide.calibration import fit_efficiency, fit_resolution
from openndc.radionuclide.config import AnalysisConfig
from openndc.radionuclide.formats import read_spectra
from openndc.radionuclide.peaks import fit_peaks, search_peaks


def test_synthetic_peaks_recovered_with_honest_uncertainties() -> None:
    rng = np.random.default_rng(3)
    ch = np.arange(4000, dtype=float)
    truth = [(500.0, 3000.0), (1200.0, 800.0), (1216.0, 600.0), (3000.0, 400.0)]
    sigma = 2.5
    expected = 200.0 * np.exp(-ch / 2500.0)
    for mu, area in truth:
        expected += area / (np.sqrt(2 * np.pi) * sigma) * np.exp(-0.5 * ((ch - mu) / sigma) ** 2)
    pulls = []
    for _ in range(5):
        counts = rng.poisson(expected)
        cand, sig = search_peaks(counts, np.full(ch.size, sigma), 4.0)
        peaks = fit_peaks(counts, cand, np.full(ch.size, sigma), sig)
        for mu, area in truth:
            p = min(peaks, key=lambda p: abs(p.centroid - mu))
            assert abs(p.centroid - mu) < 1.0
            pulls.append((p.area - area) / p.area_uncertainty)
    pulls_a = np.asarray(pulls)
    assert np.all(np.abs(pulls_a) < 4.0)
    assert 0.4 < pulls_a.std() < 1.8


def test_calibration_fits() -> None:
    e = np.array([122.0, 344.0, 662.0, 1173.0, 1332.0])
    res = fit_resolution(e, np.sqrt(0.8 + 0.002 * e))
    assert res.a == pytest.approx(0.8) and res.b == pytest.approx(0.002)
    eff = fit_efficiency(e, 0.05 * (e / 100.0) ** -0.9, 0.02 * 0.05 * (e / 100.0) ** -0.9)
    assert float(eff(500.0)) == pytest.approx(0.05 * 5**-0.9, rel=1e-6)


EXPECTED = {
    "K-40": 1460.8,
    "Bi-214": 609.3,
    "Pb-214": 351.9,
    "Tl-208": 2614.5,
    "Pb-212": 238.6,
    "Ac-228": 911.2,
}


def test_real_hpge_spectrum_natural_and_anthropogenic(rn_data: Path, line_library: Path) -> None:
    cfg = AnalysisConfig()
    lib = load_library(str(line_library), cfg)
    spec = read_spectra(
        rn_data / "gamma_spectra_becquerel" / "Mendocino_07-10-13_Acq-10-10-13.Spe"
    )[0]
    t = time.perf_counter()
    r = analyze_spectrum(spec, lib, cfg)
    assert time.perf_counter() - t < 30
    found = {n.nuclide: n for n in r.nuclides}
    for nuc, energy in EXPECTED.items():
        assert nuc in found, nuc
        assert any(abs(p.energy - energy) < 0.5 for _, p in found[nuc].lines)
    assert "Cs-137" in found and "Co-60" in found  # fallout Cs-137, Co-60 of the cave
    assert r.level == 5  # no station history: both count as anomalous
    relaxed = AnalysisConfig(
        normal_ranges=(("Cs-137", float("inf")), ("Co-60", float("inf")), ("Na-22", float("inf")))
    )
    assert analyze_spectrum(spec, lib, relaxed).level == 3


@pytest.mark.parametrize(
    ("name", "expected", "level"),
    [
        ("Alcatraz14.Spc", {"K-40", "Pb-212", "Pb-214", "Bi-214", "Tl-208"}, 1),
        (
            "01122014152731-GT01122014182338-GA37.4963000N-GO122.4633000W.cnf",
            {"K-40", "Pb-212", "Pb-214", "Bi-214", "Tl-208", "Ac-228"},
            1,
        ),
        # neutron-activated pottery: the classic activation products
        ("1110C NAA cave pottery.Spe", {"Eu-152", "Sc-46", "Co-60", "Cs-134", "K-40"}, 4),
    ],
)
def test_other_detectors_and_samples(
    rn_data: Path, line_library: Path, name: str, expected: set[str], level: int
) -> None:
    cfg = AnalysisConfig()
    lib = load_library(str(line_library), cfg)
    r = analyze_spectrum(read_spectra(rn_data / "gamma_spectra_becquerel" / name)[0], lib, cfg)
    names = {n.nuclide for n in r.nuclides}
    assert expected <= names, names
    assert r.level == level


def test_activity_with_efficiency(line_library: Path) -> None:
    # A synthetic Cs-137 source of known activity: the analysis must return it.
    rng = np.random.default_rng(5)
    ch = np.arange(4096, dtype=float)
    coefs = (0.0, 0.75)
    ch * 0.75
    eff = fit_efficiency(
        np.array([100.0, 3000.0]),
        np.array([0.04, 0.04 * 30**-0.9]),
        np.array([0.0008, 0.0008 * 30**-0.9]),
    )
    A, live = 50.0, 3600.0
    area = A * 0.8510 * float(eff(661.657)) * live
    s = np.sqrt(0.8 + 0.002 * 661.657) / 2.3548 / 0.75
    mu = 661.657 / 0.75
    expected = 30.0 + area / (np.sqrt(2 * np.pi) * s) * np.exp(-0.5 * ((ch - mu) / s) ** 2)
    spec = GammaSpectrum(rng.poisson(expected), coefs, SampleTimes(UTCDateTime(0), live, live))
    cfg = AnalysisConfig(nuclides=("Cs-137", "Co-60", "K-40"), recalibrate=False)
    r = analyze_spectrum(spec, load_library(str(line_library), cfg), cfg, efficiency=eff)
    cs = next(n for n in r.nuclides if n.nuclide == "Cs-137")
    assert abs(cs.activity - A) < 3 * cs.activity_uncertainty
    assert 0 < cs.mda < A
    peaks, _, _ = find_peaks(spec, cfg)
    assert len(peaks) >= 1
