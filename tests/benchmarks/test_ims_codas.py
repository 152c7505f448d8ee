"""The codas of the IMS-style association set (``benchmarks/bench_association_ims.py``):
masking of arrivals by earlier arrivals' codas and the detector's re-triggers in them."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from openndc.model import Detection

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_association_ims as ims

T0 = ims.T0


def _det(ident: str, t: float, log_at: float, noise: float, array: bool = True) -> Detection:
    return Detection("IM", "ARR" if array else "TCC", "", "cb" if array else "BHZ",
                     T0 + t, time_uncertainty=0.5, phase="P", backazimuth=100.0,
                     backazimuth_uncertainty=5.0, slowness=8.0, slowness_uncertainty=1.0,
                     snr=10.0 ** (log_at - noise), amplitude=10.0**log_at, amplitude_unit="nm",
                     period=1.0, id=ident)  # fmt: skip


def test_the_coda_follows_aki_and_chouet() -> None:
    # t^-1 exp(-pi f t / Qc) in lapse time, from CODA_START below the arrival at its onset
    lapse, t = 300.0, np.array([100.0, 305.0, 400.0, 700.0])
    got = ims._coda_log_at(2.0, lapse, 0.5, t)
    f, t0 = 2.0, lapse + ims.CODA_ONSET
    qc = ims.CODA_Q0 * math.sqrt(f)
    for g, tt in zip(got, t, strict=True):
        if tt < t0:
            assert g == -math.inf
        else:
            decay = (t0 / tt) * math.exp(-math.pi * f * (tt - t0) / qc)
            want = 2.0 - ims.CODA_START + math.log10(decay)
            assert g == pytest.approx(want, abs=1e-9)


def test_a_weak_p_in_a_strong_arrivals_coda_is_not_detected_and_a_strong_one_is() -> None:
    noise = 0.0
    evs = [(T0, 0.0, 0.0, 10.0, 5.0), (T0 + 60.0, 0.0, 0.0, 10.0, 3.0),
           (T0 + 70.0, 0.0, 0.0, 10.0, 4.0)]  # fmt: skip
    big = _det("ev0-ARR-P", 500.0, 3.0, noise)  # SNR 1,000
    weak = _det("ev1-ARR-P", 580.0, 1.0, noise)  # SNR 10 over the noise, not over the coda
    strong = _det("ev2-ARR-P", 590.0, 3.0, noise)
    noise_det = _det("false-1", 585.0, 0.6, noise)
    out = ims.with_codas([big, weak, strong, noise_det], evs, seed=1)
    ids = [d.id for d in out]
    assert "ev0-ARR-P" in ids and "ev2-ARR-P" in ids and "false-1" in ids
    assert "ev1-ARR-P" not in ids
    # the strong one's SNR is against the coda, lower than against the noise alone
    s = next(d for d in out if d.id == "ev2-ARR-P")
    assert 1.0 < s.snr < strong.snr
    # nothing the codas do not touch is changed
    assert next(d for d in out if d.id == "false-1") == noise_det
    assert next(d for d in out if d.id == "ev0-ARR-P").snr == big.snr


def test_re_triggers_come_in_the_coda_of_large_arrivals_only() -> None:
    noise = 0.0
    evs = [(T0, 0.0, 0.0, 10.0, 5.0), (T0 + 3000.0, 0.0, 0.0, 10.0, 3.0)]
    big = _det("ev0-ARR-P", 500.0, 3.0, noise)
    small = _det("ev1-ARR-P", 3500.0, math.log10(3.5), noise)  # just above the threshold
    counts = []
    for seed in range(20):
        out = ims.with_codas([big, small], evs, seed=seed)
        coda = [d for d in out if "-coda" in d.id]
        assert all(d.id.startswith("ev0-") for d in coda)  # the small one barely rings
        for d in coda:
            assert big.time + ims.CODA_ONSET <= d.time < big.time + 3600.0
            level = ims._coda_log_at(3.0, 500.0, 1.0, float(d.time - T0))
            assert math.log10(d.amplitude / d.period) >= 0.5 * math.log10(1 + 10 ** (2 * level))
            assert abs((d.backazimuth - 100.0 + 180.0) % 360.0 - 180.0) < 60.0  # an array's
        counts.append(len(coda))
    # the coda stands above SNR 3 for a few hundred seconds: a few re-triggers on average
    grid = np.arange(505.0, 4000.0)
    span = grid[np.argmax(ims._coda_log_at(3.0, 500.0, 1.0, grid) < math.log10(3.0))] - 505.0
    assert np.mean(counts) == pytest.approx(ims.CODA_RETRIGGER_RATE * span, rel=0.35)


def test_an_m65_pairs_re_triggers_make_no_event_of_their_own(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seed 1 with codas, 19:45-19:57: the M 6.5 Kamchatka event (ev198) 5 min after an
    M 6.4 (ev197), an hour of re-triggers at every IMS array behind them. The association
    finds ev196-ev198 and no event made of re-triggers: they are known at their stations
    (``coda.station_codas``) and drive nothing, nor count as an event's P stations unless
    more of them line up than the codas' rates make by chance. Without that (the station
    rule switched off) two events of nine re-triggers each stood at 19:38 and 19:41 (and
    the association took 18 s, not 6)."""
    from openndc.association import associate

    monkeypatch.setenv("OPENNDC_SHARED_DATA", str(shared_data))
    root = shared_data / "ims_site_tables"
    kinds = ims.ims_affiliations(root / "ims.affiliation")
    net = ims.read_ims_network(root / "ims.site", T0, set(kinds))
    arrays = ims.ims_array_codes(root / "ims.site")
    dets, evs = ims.detections(net, kinds, arrays, 1, 2.0, 2.0)
    around = [d for d in dets if T0 + 3600 * 19.5 <= d.time < T0 + 3600 * 20.2]
    window = [d for d in ims.with_codas(around, evs, 1)
              if T0 + 3600 * 19.75 <= d.time < T0 + 3600 * 19.95]  # fmt: skip
    assert sum("-coda" in d.id for d in window) > 200  # the re-triggers are there
    res = associate(window, net)
    made_of = []
    for e in res.events:
        ids = [a.detection.id for a in e.arrivals]
        made_of.append("coda" if sum("-coda" in i for i in ids) > len(ids) / 2 else ids[0][:5])
    assert made_of == ["ev196", "ev197", "ev198"], made_of
