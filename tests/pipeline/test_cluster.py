"""The cluster runner: ``openndc reprocess`` on a Dask LocalCluster gives the bulletin of a
sequential ``openndc process``, also when a worker dies in the middle."""

from __future__ import annotations

import os
import signal
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

from openndc.bulletin import BulletinStore
from openndc.cli.demo import DEMO_SEED, DEMO_START
from openndc.cli.main import main
from openndc.inventory import read_inventory
from openndc.model.errors import DataQualityWarning
from openndc.pipeline.cluster import dask_detector, open_client
from openndc.pipeline.contract import InventorySource, StageContext
from openndc.pipeline.process import ProcessConfig
from openndc.pipeline.runner import WindowReport, run_batch
from openndc.pipeline.sources import ArchiveSource
from openndc.scenario import kazakh_day_events, make_scenario

pytestmark = pytest.mark.slow
HOURS = 4


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cluster") / "scenario"
    end = DEMO_START + HOURS * 3600.0
    events = [e for e in kazakh_day_events(DEMO_START, DEMO_SEED) if e.time < end - 1800]
    make_scenario(read_inventory("kz"), DEMO_START, HOURS * 3600.0, DEMO_SEED, out, events=events)
    return out


def _args(scen: Path, db: str) -> list[str]:
    end = DEMO_START + HOURS * 3600.0
    return ["-q", "--archive", str(scen / "sds"), "--inventory", str(scen / "inventory.xml"),
            "--db", db, "--start", str(DEMO_START), "--end", str(end), "--no-surface-waves",
            "--no-progress"]  # fmt: skip


def _events(db: str) -> list[tuple[str, str, int]]:
    with BulletinStore(db) as store:
        return [(e.id, str(e.origin.time), len(e.arrivals)) for e in store.load()]


def test_reprocess_on_two_workers_equals_sequential_process(scenario: Path, tmp_path: Path) -> None:
    seq, par = f"sqlite:///{tmp_path / 'seq.db'}", f"sqlite:///{tmp_path / 'par.db'}"
    parts = tmp_path / "parquet"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        a = _args(scenario, seq)
        assert main([a[0], "process", *a[1:], "--workers", "1"]) == 0
        b = _args(scenario, par)
        assert main([b[0], "reprocess", *b[1:], "--workers", "2",
                     "--detections-dir", str(parts)]) == 0  # fmt: skip
    seq_events, par_events = _events(seq), _events(par)
    assert seq_events, "the scenario's first hours have events"
    assert par_events == seq_events  # same events, same identifiers, same arrivals
    days = sorted(p.name for p in parts.iterdir())
    assert days == [f"day={DEMO_START.strftime('%Y-%m-%d')}"]
    assert len(list((parts / days[0]).glob("*.parquet"))) == HOURS


def test_a_worker_killed_in_the_middle_loses_and_duplicates_nothing(
    scenario: Path, tmp_path: Path
) -> None:
    seq = f"sqlite:///{tmp_path / 'seq.db'}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        a = _args(scenario, seq)
        assert main([a[0], "process", *a[1:], "--workers", "1"]) == 0
    db = f"sqlite:///{tmp_path / 'killed.db'}"
    client = open_client(None, 2)
    killed: list[int] = []
    try:
        pids = list(client.run(os.getpid).values())

        def kill_one(report: WindowReport) -> None:
            if report.index == 1 and not killed:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        config = ProcessConfig()
        config = replace(config, magnitude=replace(
            config.magnitude, ms=replace(config.magnitude.ms, enabled=False)))  # fmt: skip
        with BulletinStore(db) as store, warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            ctx = StageContext(InventorySource(scenario / "inventory.xml"), store,
                               ArchiveSource(scenario / "sds"), str(scenario / "sds"))  # fmt: skip
            run_batch(ctx, config, DEMO_START, DEMO_START + HOURS * 3600.0,
                      progress=kill_one, detector=dask_detector(client))  # fmt: skip
            n_det = store.counts()["detection"]
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()
    assert killed
    with BulletinStore(seq) as store:
        assert n_det == store.counts()["detection"]  # nothing lost, nothing twice
    assert _events(db) == _events(seq)
