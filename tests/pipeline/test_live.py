"""The live runner: SeedLink replay → acquisition → streaming detection and event-driven
association through the same stages, and the same bulletin as ``openndc process`` on the
same archive."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from obspy import UTCDateTime

from openndc.archive import SDSArchive
from openndc.bulletin import BulletinStore
from openndc.cli.demo import DEMO_SEED, DEMO_START
from openndc.cli.main import main
from openndc.inventory import read_inventory
from openndc.model.errors import DataQualityWarning
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.pipeline.live import DataClock
from openndc.scenario import kazakh_day_events, make_scenario
from openndc.seedlink import ServerThread

pytestmark = pytest.mark.slow
SPAN = 1800.0


def test_data_clock_follows_the_quorum_and_ignores_silent_stations() -> None:
    clock = DataClock(quorum=0.8, silent_after=600.0)
    assert clock.now() is None
    t = UTCDateTime("2024-03-01T00:10:00")
    for k in range(10):
        clock.record(f"KZ.S{k}..BHZ", t + k)  # channel ends 0..9 s after t
    assert clock.now() == t + 1  # 80 % of the channels (and more) have data up to t + 1
    clock.record("KZ.DEAD..BHZ", t - 3600)  # silent for an hour: not waited for
    assert clock.now() == t + 1
    clock.record("KZ.S0..BHZ", t - 5)  # an older record does not move a channel back
    assert clock.now() == t + 1
    # a long-period channel (a 1-Hz record spans minutes) is followed, not waited for
    for cha in ("LHZ", "LHN", "LHE"):
        clock.record(f"IU.MAKZ..{cha}", t - 300, t - 720)
    assert clock.now() == t + 1


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, UTCDateTime]:
    first = min(kazakh_day_events(DEMO_START, DEMO_SEED), key=lambda e: e.time)
    start = UTCDateTime(int(first.time.timestamp) // 60 * 60 - 600)
    out = tmp_path_factory.mktemp("live") / "scenario"
    make_scenario(read_inventory("kz"), start, SPAN, DEMO_SEED, out, events=[first])
    return out, start


def _events(db: str) -> list[tuple[UTCDateTime, float, float]]:
    with BulletinStore(db) as store:
        return [(e.origin.time, e.origin.latitude, e.origin.longitude) for e in store.load()]


def test_live_run_on_a_replay_equals_process(
    scenario: tuple[Path, UTCDateTime], tmp_path: Path
) -> None:
    scen, start = scenario
    batch_db, live_db = f"sqlite:///{tmp_path / 'batch.db'}", f"sqlite:///{tmp_path / 'live.db'}"
    inv = str(scen / "inventory.xml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        args = ["-q", "process", "--archive", str(scen / "sds"), "--inventory", inv]
        args += ["--db", batch_db, "--start", str(start), "--end", str(start + SPAN - 120)]
        # 60-s windows: each reads the arrays' warm-up before it (array_warmup_seconds), so
        # its arrivals are those of the live run's arrays, streamed since the data began
        args += ["--window", "60"]
        assert main([*args, "--workers", "1", "--no-progress", "--no-surface-waves"]) == 0
        server = ServerThread(scen / "sds", replay_start=start, speed=60.0)
        port = server.start()
        try:
            live = ["-q", "run", "--seedlink", f"127.0.0.1:{port}", "--archive"]
            live += [str(tmp_path / "live_sds"), "--inventory", inv, "--db", live_db]
            live += ["--start", str(start), "--duration", "75", "--status-every", "30"]
            assert main(live) == 0
        finally:
            server.stop()
    # events whose arrivals the batch span holds (the live run goes on to the data's end)
    last = start + SPAN - 120 - 300
    batch = [e for e in _events(batch_db) if e[0] < last]
    online = [e for e in _events(live_db) if e[0] < last]
    assert batch, "the scenario's event is in the batch bulletin"
    assert len(online) == len(batch)
    for (t_b, la_b, lo_b), (t_l, la_l, lo_l) in zip(sorted(batch), sorted(online), strict=True):
        km = float(distance_azimuth(la_b, lo_b, la_l, lo_l)[0]) * DEG_KM
        assert abs(t_b - t_l) <= 3.0 and km <= 30.0, (t_b, t_l, km)
    # every record reached the live archive once: the same samples as the source
    src = {str(c.stream): c.samples for c in SDSArchive(scen / "sds").coverage()}
    got = {str(c.stream): c.samples for c in SDSArchive(tmp_path / "live_sds").coverage()}
    assert got == src
    with BulletinStore(live_db) as store:
        assert store.counts()["processing_window"] >= (SPAN - 300) // 60


def test_a_detection_update_supersedes_the_first_version(tmp_path: Path) -> None:
    """Streaming stores a detection when its onset is fixed and again with the station-level
    measurements: one current row, the update."""
    import dataclasses

    from openndc.model.detection import Detection

    t = UTCDateTime("2024-03-01T00:49:30.125")
    name = "KZ.AKTO..BHZ-20240301T004930.125000"
    first = Detection(network="KZ", station="AKTO", location="", channel="BHZ", time=t,
                      snr=9.0, method="stalta", id=name)  # fmt: skip
    update = dataclasses.replace(first, amplitude_wa=12.5, phase="Pn")
    with BulletinStore(f"sqlite:///{tmp_path / 'b.db'}") as store:
        assert store.store_detections([first], replace=True) == (1, 0)
        assert store.store_detections([update], replace=True) == (1, 1)
        assert store.store_detections([update], replace=True) == (0, 0)  # the same: kept
        current = store.load_detections(t - 1, t + 1)
        assert len(current) == 1 and current[0].amplitude_wa == 12.5 and current[0].phase == "Pn"
        assert len(store.load_detections(t - 1, t + 1, include_superseded=True)) == 2


def test_association_runs_again_only_when_its_input_changed(tmp_path: Path) -> None:
    """A detection stored again unchanged (a retry) or updated with amplitudes alone starts
    no association run (no event changes with it); a new one, or an update of what
    association reads (the phase name), does."""
    import dataclasses

    from openndc.model.detection import Detection
    from openndc.pipeline.contract import StageContext
    from openndc.pipeline.live import LiveRunner
    from openndc.pipeline.process import ProcessConfig

    t0 = UTCDateTime("2024-03-01T00:40:00")
    det = Detection(network="KZ", station="AKTO", location="", channel="BHZ",
                    time=t0 + 30, snr=9.0, method="stalta", id="KZ.AKTO..BHZ-a")  # fmt: skip
    with BulletinStore(f"sqlite:///{tmp_path / 'b.db'}") as store:
        ctx = StageContext(read_inventory("kz"), store, None, "test")
        runner = LiveRunner(ctx, ProcessConfig(), start=t0, associate_every=0.0)

        def runs(data_time: UTCDateTime) -> int:
            runner._fed.record("KZ.AKTO..BHZ", data_time)  # the data the detector has seen
            runner.step(data_time)
            runner._associated(wait=True)
            return len(runner.reports)

        runner._store([det])
        assert runs(t0 + 60) == 1
        runner._store([det])  # the same detection again: nothing to associate anew
        assert runs(t0 + 70) == 1
        det = dataclasses.replace(det, amplitude_wa=3.0, period=0.4)  # amplitudes measured
        runner._store([det])
        assert runs(t0 + 80) == 1
        assert len(store.load_detections(t0, t0 + 60)) == 1  # the update is stored
        runner._store([dataclasses.replace(det, phase="Pn")])  # the phase named
        assert runs(t0 + 90) == 2
        runner._store([dataclasses.replace(det, id="KZ.AKTO..BHZ-b", time=t0 + 50)])
        assert runs(t0 + 100) == 3


def test_a_withdrawn_array_arrival_leaves_its_event_which_keeps_its_identity(
    tmp_path: Path,
) -> None:
    """A streamed array arrival withdrawn for a stronger one re-picked near it (the batch
    detector's rule) is marked superseded in the database (kept there), starts an
    association run, and the event that had it gets a new origin version with the
    replacement instead, under the same identifier."""
    import dataclasses

    from openndc.pipeline.contract import StageContext
    from openndc.pipeline.live import LiveRunner
    from openndc.pipeline.process import ProcessConfig
    from openndc.traveltime import load_travel_times
    from tests.support.synthetic import SyntheticEvent, synthetic_detections

    t0 = UTCDateTime("2024-03-01T00:40:00")
    net = read_inventory("kz")
    event = SyntheticEvent(t0 + 120.0, 41.7, 88.4, 0.0)  # Lop Nor
    dets = synthetic_detections(net, [event], load_travel_times("ak135"), seed=3,
                                pick_sigma=0.3, p_probability=1.0, s_probability=0.8,
                                false_per_site_hour=0.0)  # fmt: skip
    with BulletinStore(f"sqlite:///{tmp_path / 'b.db'}") as store:
        ctx = StageContext(net, store, None, "test")
        runner = LiveRunner(ctx, ProcessConfig(), start=t0, associate_every=0.0)

        def runs(data_time: UTCDateTime) -> int:
            runner._fed.record("KZ.AKTO..BHZ", data_time)
            runner.step(data_time)
            runner._associated(wait=True)
            return len(runner.reports)

        runner._store(dets)
        assert runs(t0 + 720) == 1
        (first,) = store.load()
        beams = {a.detection.id: a for a in first.arrivals if a.detection.method == "beam"}
        weak = next(d for d in dets if d.id in beams and beams[d.id].time_defining)
        strong = dataclasses.replace(weak, id=f"{weak.id}-stronger", time=weak.time + 0.2,
                                     snr=weak.snr + 5.0)  # fmt: skip
        # what the live runner does with an arrival the stream withdrew: the replacement
        # stored, the withdrawn one marked superseded, association run again
        runner._unstored[strong.id] = strong
        runner._withdraw.add(weak.id)
        runner._store_now()
        assert runner.n_withdrawn == 1 and not runner._withdraw
        assert runs(t0 + 740) == 2
        (now,) = store.load()
        names = {a.detection.id for a in now.arrivals}
        assert now.id == first.id  # the event's identity kept
        assert weak.id not in names and strong.id in names
        assert len(store.versions(first.id)) == 2
        # nothing lost: the withdrawn row stays, flagged superseded
        assert weak.id not in {d.id for d in store.load_detections(t0, t0 + 900)}
        kept = store.load_detections(t0, t0 + 900, include_superseded=True, names=[weak.id])
        assert [d.id for d in kept] == [weak.id]
        assert store.withdraw_detections([weak.id]) == 0  # withdrawn once
