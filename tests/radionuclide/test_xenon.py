from __future__ import annotations

import math

import pytest

from openndc.radionuclide.activity import decay_factors
from openndc.radionuclide.errors import PHDFormatError
from openndc.radionuclide.xenon import (
    BRANCHING,
    DECAY_CONSTANT,
    KALINOWSKI_LINE,
    analyze_xenon,
    kalinowski_domain,
    net_counts,
)

from .conftest import EFFICIENCY, RATIOS, beta_gamma_message


def test_kalinowski_line_and_domains() -> None:
    k, m = KALINOWSKI_LINE
    assert k * 10.0**m == pytest.approx(1e-6 * 10**4.4388)
    # log10(135/133) = 4.4388 log10(133m/131m) - 6: at x = 100, y = 10**2.8776
    assert math.log10(k * 100.0**m) == pytest.approx(2.8776)
    assert kalinowski_domain(1000.0, 1000.0) == "explosion"  # fresh fission mix
    assert kalinowski_domain(1.0, 0.1) == "civil"  # reactor-like


def test_net_count_interference_chain() -> None:
    # Worked example: ROI 1 holds 1000 net Rn counts, ratio 0.05 into ROI 2; ROI 2 gross 250
    # -> net 200; ROI 3 gross 500 with ratios 0.02 (from 1) and 0.1 (from 2) -> 500-20-20 = 460.
    nc = net_counts(
        {1: 1000, 2: 250, 3: 500},
        1.0,
        (("a", 1, 2, 0.05, 0.0), ("b", 1, 3, 0.02, 0.0), ("c", 2, 3, 0.1, 0.0)),
    )
    assert nc.net[2] == pytest.approx(200.0)
    assert nc.net[3] == pytest.approx(460.0)
    assert nc.variance[3] == pytest.approx(500 + 0.02**2 * 1000 + 0.1**2 * (250 + 0.05**2 * 1000))
    bk = net_counts({1: 100}, 2.0, (), detector_bk={1: 30}, live_detector=1.0)
    assert bk.net[1] == pytest.approx(40.0) and bk.variance[1] == pytest.approx(100 + 4 * 30)


def _expected_counts(conc: dict[str, float], msg) -> dict[int, float]:  # type: ignore[no-untyped-def]
    t = msg
    tc = float(t.collection[1] - t.collection[0])
    td = float(t.acquisition_start - t.collection[1])
    air = t.processing[0] / 0.087
    eff = {(n, r): e for n, r, e, _ in EFFICIENCY}
    counts: dict[int, float] = {}
    for nuc, roi in (("Xe-135", 2), ("Xe-133", 3), ("Xe-131m", 5), ("Xe-133m", 6)):
        hl = math.log(2) / DECAY_CONSTANT[nuc]
        kc, kd, ka = decay_factors(hl, tc, td, t.real_time)
        counts[roi] = (
            conc[nuc]
            / 1000.0
            * air
            * kc
            * kd
            * ka
            * eff[(nuc, roi)]
            * BRANCHING[(nuc, roi)][0]
            * t.live_time
        )
    hl = math.log(2) / DECAY_CONSTANT["Xe-133"]
    kc, kd, ka = decay_factors(hl, tc, td, t.real_time)
    counts[4] = (
        conc["Xe-133"]
        / 1000.0
        * air
        * kc
        * kd
        * ka
        * eff[("Xe-133", 4)]
        * BRANCHING[("Xe-133", 4)][0]
        * t.live_time
    )
    # interference from ROI 3 (Xe-133 80 keV) into 4, 5, 6 and from ROI 2 into 3
    for _, up, low, q, _ in RATIOS:
        if up in counts and low in counts and up > 1:
            counts[low] += q * counts[up]
    return counts


def test_concentrations_recovered_from_synthetic_histogram() -> None:
    truth = {"Xe-133": 5.0, "Xe-135": 1.0, "Xe-131m": 0.3, "Xe-133m": 0.4}  # mBq/m3
    template = beta_gamma_message({})
    expect = _expected_counts(truth, template)
    sample = beta_gamma_message({k: round(v) for k, v in expect.items()}, flat=0.0, seed=1)
    bkg = beta_gamma_message({}, flat=0.0, seed=2, data_type="DETBKPHD")
    r = analyze_xenon(sample, bkg)
    for nuc, value in truth.items():
        c = r.get(nuc)
        assert abs(c.concentration - value) < 4 * c.uncertainty + 0.02 * value, (nuc, c)
        assert c.detected and 0 < c.mdc < value
    names = {n for n, _, _ in r.ratios}
    assert "Xe-135/Xe-133" in names
    assert r.domain == "civil"  # 133m/131m ~ 1.3, 135/133 ~ 0.2 lies above the line


def test_blank_sample_not_detected_and_mdc_finite() -> None:
    sample = beta_gamma_message({}, flat=0.05, seed=4)
    bkg = beta_gamma_message({}, flat=0.05, seed=5, data_type="DETBKPHD")
    r = analyze_xenon(sample, bkg)
    assert r.domain == "undetermined"
    for c in r.concentrations:
        assert math.isfinite(c.mdc) and c.mdc > 0
    assert sum(c.detected for c in r.concentrations) <= 1


def test_missing_rois_is_an_error() -> None:
    from dataclasses import replace

    msg = replace(beta_gamma_message({}), roi_limits=None)
    with pytest.raises(PHDFormatError, match="#ROI_Limits"):
        analyze_xenon(msg)
