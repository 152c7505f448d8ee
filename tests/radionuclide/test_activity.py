from __future__ import annotations

import math

import pytest

from openndc.model.radionuclide import IdentifiedNuclide
from openndc.radionuclide.activity import (
    activity,
    concentration_factor,
    currie_lc,
    currie_ld,
    decay_factors,
)
from openndc.radionuclide.categorize import categorize


def test_currie_worked_values() -> None:
    # Currie (1968), well-known blank: L_C = 2.33 sqrt(B), L_D = 2.71 + 4.65 sqrt(B)
    assert currie_lc(100.0) == pytest.approx(23.3)
    assert currie_ld(100.0) == pytest.approx(49.21)
    assert currie_ld(0.0) == pytest.approx(2.71)


def test_decay_factors_limits_and_values() -> None:
    kc, kd, ka = decay_factors(math.inf, 86400.0, 3600.0, 86400.0)
    assert (kc, kd, ka) == (1.0, 1.0, 1.0)
    hl = 8.0252 * 86400  # I-131
    lam = math.log(2) / hl
    kc, kd, ka = decay_factors(hl, 86400.0, 86400.0, 86400.0)
    assert kd == pytest.approx(math.exp(-lam * 86400))
    assert kc == pytest.approx((1 - math.exp(-lam * 86400)) / (lam * 86400))
    assert ka == pytest.approx(kc)


def test_forward_model_inverts() -> None:
    # Simulate counts from a concentration with the integrals written out, then invert.
    hl, Tc, Td, Tr, Tl, V, eff, Ig = (
        3.0 * 86400,
        86400.0,
        7200.0,
        80000.0,
        79000.0,
        20000.0,
        0.03,
        0.8,
    )
    lam = math.log(2) / hl
    C = 2.5e-3  # Bq/m3
    atoms_rate = C * V / Tc / lam  # atoms per second collected (activity rate / lambda)
    n_end = atoms_rate * (1 - math.exp(-lam * Tc)) / lam
    a_start = lam * n_end * math.exp(-lam * Td)
    counts = eff * Ig * a_start * (1 - math.exp(-lam * Tr)) / lam * Tl / Tr
    a0 = activity(counts, eff, Ig, Tl, hl, Tr)
    assert a0 == pytest.approx(a_start, rel=1e-9)
    assert a0 * concentration_factor(hl, Tc, Td, V) == pytest.approx(C * 1000.0, rel=1e-9)
    assert math.isnan(concentration_factor(hl, Tc, Td, float("nan")))


def _n(nuc: str, cat: str, conc: float = 1.0) -> IdentifiedNuclide:
    return IdentifiedNuclide(
        nuc, (), 1.0, 1.0, concentration=conc, ctbt_relevant=cat != "natural", category=cat
    )


def test_idc_levels() -> None:
    assert categorize([_n("K-40", "natural")], {})[0] == 1
    assert categorize([_n("Be-7", "natural", 9.0)], {"Be-7": 5.0})[0] == 2
    assert categorize([_n("Cs-137", "fission", 0.001)], {"Cs-137": 0.01})[0] == 3
    assert categorize([_n("Cs-137", "fission", 0.1)], {"Cs-137": 0.01})[0] == 4
    assert categorize([_n("Co-60", "activation"), _n("Na-24", "activation")], {})[0] == 4
    level, reason = categorize([_n("I-131", "fission"), _n("Ba-140", "fission")], {})
    assert level == 5 and "I-131" in reason
