"""The inspection bulletin: relocation, completeness, and the real chain on a synthetic day.

The end-to-end test runs the real chain: network plan -> aftershock sequence -> scenario
synthesizer (SDS) -> templates from the largest truth events -> template matching
(openndc.osi.matching.scan) -> the bulletin -> the training centre's scorer.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from obspy import UTCDateTime, read_events

from openndc.cli.main import main
from openndc.model.osi import TemplateDetection
from openndc.osi.bulletin import (
    OSI_EVENT_COLUMNS,
    InspectionBulletin,
    completeness_magnitude,
    group_detections,
    make_bulletin,
    relative_locate,
)

SITE = (49.93, 78.82)
MAIN = UTCDateTime("2026-06-01T03:00:00")
START = UTCDateTime("2026-06-02T00:00:00")
DURATION = 1200.0


def _times(s: np.ndarray, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.linalg.norm(x - s, axis=1) / v


def test_relative_locate_recovers_the_offset() -> None:
    rng = np.random.default_rng(5)
    n = 12
    s = np.column_stack([rng.uniform(-15, 15, n), rng.uniform(-15, 15, n), np.zeros(n)])
    s = np.vstack([s, s])  # P and S at every station
    v = np.r_[np.full(n, 5.8), np.full(n, 3.46)]
    x0 = np.array([0.0, 0.0, 0.6])
    x1 = np.array([0.35, -0.2, 0.9])
    dt = _times(s, x1, v) - _times(s, x0, v) + 0.8  # 0.8 s later origin
    loc = relative_locate(s, v, dt, np.full(2 * n, 50.0), x0)
    assert np.allclose(loc.position, x1, atol=1e-4)
    assert loc.dt0 == pytest.approx(0.8, abs=1e-5)
    assert loc.rms < 1e-5 and not loc.depth_fixed
    # noisy picks: errors of the size the covariance says
    errs, sig = [], []
    for k in range(40):
        noisy = dt + np.random.default_rng(k).normal(0, 0.01, dt.size)
        r = relative_locate(s, v, noisy, np.full(2 * n, 100.0), x0)
        errs.append(r.position[0] - x1[0])
        sig.append(math.sqrt(r.covariance[0, 0]))
    assert np.std(errs) == pytest.approx(np.mean(sig), rel=0.5)
    fixed = relative_locate(s, v, dt, np.full(2 * n, 50.0), x1, fix_depth=True)
    assert fixed.position[2] == x1[2] and fixed.covariance[2, 2] == 0.0


def test_completeness_by_maximum_curvature() -> None:
    rng = np.random.default_rng(3)
    m = -1.0 + rng.exponential(1.0 / (1.0 * math.log(10)), 20000)  # GR, b = 1, from -1
    # detection probability rising from 0 at -1 to 1 at 0 (a cumulative normal)
    from scipy.stats import norm

    keep = rng.uniform(size=m.size) < norm.cdf(m, loc=-0.4, scale=0.15)
    mc = completeness_magnitude(m[keep])
    assert -0.5 <= mc.mc_maxc <= -0.2
    assert mc.mc == pytest.approx(mc.mc_maxc + 0.2)
    assert mc.b == pytest.approx(1.0, abs=0.08)
    assert mc.b_uncertainty < 0.05
    assert mc.n == keep.sum() and 0 < mc.n_above < mc.n
    empty = completeness_magnitude([math.nan])
    assert math.isnan(empty.mc) and empty.n == 0
    few = completeness_magnitude([0.1, 0.2, 0.2])
    assert math.isfinite(few.mc) and math.isnan(few.b)


def test_grouping_keeps_one_detection_per_template() -> None:
    t = UTCDateTime("2026-06-02T00:00:00")

    def det(name: str, dt: float, cc: float) -> TemplateDetection:
        return TemplateDetection(name, t + dt, cc * 10, cc, 1.0, 10)

    groups = group_detections(
        [det("a", 0.0, 0.5), det("b", 0.4, 0.9), det("a", 0.8, 0.6), det("c", 5.0, 0.3)], 1.0
    )
    assert [[d.template for d in g] for g in groups] == [["b", "a"], ["a"], ["c"]]


# --- the real chain ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from openndc.archive import SDSArchive
    from openndc.osi.aftershocks import AftershockConfig, draw_aftershocks
    from openndc.osi.config import MatchConfig, TemplateConfig
    from openndc.osi.matching import scan, write_detections_csv
    from openndc.osi.plan import PlanConfig, plan_network
    from openndc.osi.templates import build_templates, write_templates
    from openndc.scenario import ScenarioConfig, make_scenario

    out = tmp_path_factory.mktemp("osi_chain")
    plan = plan_network(*SITE, PlanConfig(stations=12, area_km2=300.0))
    cfg = AftershockConfig(mainshock_magnitude=4.5, productivity=-2.3, families=4)
    events = draw_aftershocks(*SITE, MAIN, START, START + DURATION, 3, cfg)
    truth = make_scenario(
        plan.network, START, DURATION, 3, out, events=events, sampling_rate=100.0,
        config=ScenarioConfig(artifacts=False, workers=2),
    )  # fmt: skip
    catalog = read_events(str(out / "truth.xml"))
    largest = sorted(catalog, key=lambda e: -e.magnitudes[0].mag)[:5]
    archive = SDSArchive(out / "sds")
    templates, _ = build_templates(largest, archive, truth.network, TemplateConfig())
    detections, _ = scan(templates, archive, START, START + DURATION, MatchConfig())
    write_templates(templates, out / "templates")
    write_detections_csv(detections, out / "detections.csv")
    bulletin = make_bulletin(detections, [t.info for t in templates], truth.network)
    return {
        "out": out, "truth": truth, "templates": templates, "detections": detections,
        "bulletin": bulletin, "events": events,
    }  # fmt: skip


def test_chain_finds_and_locates_the_aftershocks(chain: dict[str, Any]) -> None:
    from openndc.training import OSI_TOLERANCES, read_scored_events, score_bulletin

    bulletin: InspectionBulletin = chain["bulletin"]
    out: Path = chain["out"]
    assert len(chain["templates"]) == 5
    by_master = {e.master.name: e for e in bulletin.events if e.best.mean_correlation > 0.99}
    # every template finds its own event, located on the template
    assert len(by_master) == 5
    for e in by_master.values():
        assert e.shift_km < 0.05 and abs(e.time - e.master.origin_time) < 0.02
    bulletin.write(out / "bulletin.xml", csv=out / "bulletin.csv", ims=out / "bulletin.txt")
    table = pd.read_csv(out / "bulletin.csv")
    assert list(table.columns) == [c.name for c in OSI_EVENT_COLUMNS]
    assert len(table) == len(bulletin.events)
    report = score_bulletin(
        read_scored_events(out / "bulletin.xml"), read_scored_events(out / "truth.xml"),
        OSI_TOLERANCES,
    )  # fmt: skip
    s = report.summary
    # beyond its templates, the bulletin finds smaller aftershocks, and little else
    assert s["n_matched"] >= 5 + 3
    assert s["precision"] >= 0.85
    matched = report.table[report.table["status"] == "matched"]
    assert matched["epicentre_error"].median() < 0.3
    assert matched["ML_error"].abs().median() < 0.15
    # template matching finds the aftershocks whose waveforms are like a template's: the
    # members of families with a template; lone aftershocks and other families it misses
    events = chain["events"]
    made = {str(t.info.origin_time) for t in chain["templates"]}
    families = {e.waveform_seed for e in events if str(e.time) in made}
    status = dict(zip(report.table["truth_id"], report.table["status"], strict=True))
    like = [status[e.id] == "matched" for e in events if e.waveform_seed in families]
    unlike = [status[e.id] == "matched" for e in events if e.waveform_seed not in families]
    assert np.mean(like) >= 0.8
    assert np.mean(unlike) < 0.5
    assert math.isfinite(bulletin.mc.mc)


def test_cli_bulletin(chain: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    out: Path = chain["out"]
    rc = main(["osi", "bulletin", "--detections", str(out / "detections.csv"),
               "--templates", str(out / "templates"), "--inventory", str(out / "inventory.xml"),
               "--out", str(out / "cli.xml"), "--csv", str(out / "cli.csv"),
               "--map", str(out / "map.png"), "--mc-plot", str(out / "mc.png"),
               "--site", "49.93,78.82", "--area", "300"])  # fmt: skip
    assert rc == 0
    printed = capsys.readouterr().out
    assert f"-> {len(chain['bulletin'].events)} events" in printed
    assert len(read_events(str(out / "cli.xml"))) == len(chain["bulletin"].events)
    assert (out / "map.png").stat().st_size > 10000 and (out / "mc.png").stat().st_size > 10000
    rc = main(["osi", "bulletin", "--detections", str(out / "nothing.csv"),
               "--templates", str(out / "templates"), "--inventory", str(out / "inventory.xml"),
               "--out", str(out / "x.xml")])  # fmt: skip
    assert rc == 1 and "--detections" in capsys.readouterr().err
