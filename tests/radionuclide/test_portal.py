from __future__ import annotations

from pathlib import Path

import numpy as np

from openndc.radionuclide.config import PortalConfig
from openndc.radionuclide.formats import read_spectra
from openndc.radionuclide.library import read_line_library
from openndc.radionuclide.portal import portal_alarm, running_alarm, split_counts


def test_ba133_alarms_background_does_not(rn_data: Path, line_library: Path) -> None:
    d = rn_data / "gamma_spectra_n42_portal"
    cfg = PortalConfig()
    lib = read_line_library(line_library, cfg.nuclides)
    ba = read_spectra(d / "ba133_source_640s_20100317.n42")
    bg = read_spectra(d / "background_20100317.n42")
    assert len(ba) == 8 and len(bg) == 8
    r = portal_alarm(ba, bg, lib, cfg)
    assert r.alarm and r.nuclides == ("Ba-133",)
    assert r.sigma > cfg.threshold_sigma
    quiet = portal_alarm(bg, bg, lib, cfg)
    assert not quiet.alarm and quiet.nuclides == ()


def test_false_alarm_rate_on_real_background(rn_data: Path) -> None:
    bg = read_spectra(rn_data / "gamma_spectra_n42_portal" / "background_20100317.n42")
    total = int(sum(s.counts.sum() for s in bg))
    live = float(bg[0].times.live_time)
    alarms = tested = 0
    for seed in range(20):
        r = running_alarm(split_counts(total, live, 1.0, np.random.default_rng(seed)), 4.0, 60)
        alarms += r.alarms
        tested += r.tested
    assert tested > 10000
    assert alarms / tested < 1e-3  # stated: 3.2e-5 (Gaussian 4 sigma)
    rng = np.random.default_rng(0)
    ba = read_spectra(rn_data / "gamma_spectra_n42_portal" / "ba133_source_640s_20100317.n42")
    src = split_counts(int(sum(s.counts.sum() for s in ba)), float(ba[0].times.live_time), 1.0, rng)
    seq = np.concatenate([split_counts(total, live, 1.0, rng), src])
    r = running_alarm(seq, 4.0, 60, start=seq.size - src.size)
    assert r.alarms == r.tested
