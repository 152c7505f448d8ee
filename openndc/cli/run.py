"""``openndc run``: the NDC as a long-running service.

Contract (other tools rely on it)::

    openndc run --config FILE
    openndc run --seedlink HOST:PORT --archive DIR --inventory FILE --db URL

Acquisition from SeedLink into the SDS archive (exactly once, state of health, resume after
a restart) and the pipeline on the data as they arrive (the live runner: the same stage
adapters and database state as ``openndc process``, on short blocks). The configuration
file holds the pipeline's tables (``[detection]``, ``[association]``, ``[location]``,
``[magnitude]``, ``[runner]``), ``[acquisition]`` (servers, streams, state-of-health
thresholds) and ``[service]`` (``archive``, ``inventory``, ``db``, ``state``,
``metrics_port``); options given on the command line win over the file. A status line is
printed every ``--status-every`` seconds; Ctrl-C (or SIGTERM) stops cleanly.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openndc.cli._common import _read_toml, add_preset_argument, parse_time
from openndc.model.config import from_mapping
from openndc.model.errors import ConfigError

if TYPE_CHECKING:  # the pipeline is imported in run(): `openndc --help` stays light
    from openndc.model.event import Event
    from openndc.pipeline.live import DataClock, LiveRunner
    from openndc.pipeline.process import ProcessConfig

log = logging.getLogger(__name__)

_SERVICE_KEYS = {"archive", "inventory", "arrays", "db", "state", "metrics_port", "block"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "run",
        help="the live NDC: SeedLink acquisition, archive and pipeline as one service",
        description="Acquire from SeedLink into the SDS archive and run detection, "
        "association, location and magnitudes on the data as they arrive, into the database.",
    )
    p.add_argument("--config", help="TOML: pipeline tables, [acquisition] and [service]")
    add_preset_argument(p)
    p.add_argument("--seedlink", action="append", help="SeedLink server HOST:PORT (repeatable)")
    p.add_argument("--streams", help="selections NET_STA:LOC.CHA, comma separated (default all)")
    p.add_argument("--archive", help="SDS directory the data are written to")
    p.add_argument("--inventory", help="StationXML, CSS3.0 .site, or 'kz'")
    p.add_argument("--arrays", help="arrays config (TOML) for StationXML inventories")
    p.add_argument("--db", help="database URL, e.g. sqlite:///bulletin.db")
    p.add_argument("--state", help="acquisition state file (default ARCHIVE.state.json)")
    p.add_argument("--block", type=float, help="processing block [s] (default 60)")
    p.add_argument(
        "--blocks",
        action="store_true",
        help="detect on whole blocks (with warm-up and tail) instead of streaming record by record",
    )
    p.add_argument(
        "--associate-every",
        type=float,
        default=5.0,
        help="streaming: associate at most this often [s of wall time] when detections came",
    )
    arrays = p.add_mutually_exclusive_group()
    arrays.add_argument(
        "--stream-arrays",
        dest="stream_arrays",
        action="store_true",
        default=True,
        help="streaming: stream the arrays too, beams and f-k with state",
    )
    arrays.add_argument(
        "--block-arrays",
        dest="stream_arrays",
        action="store_false",
        default=argparse.SUPPRESS,  # the default is --stream-arrays
        help="streaming: detect on the arrays per complete 60-s block of their elements (the "
        "detection stage, as `process`) instead of streaming them",
    )
    p.add_argument("--start", type=parse_time, help="process from this data time on")
    p.add_argument("--from-start", action="store_true", help="ask servers for all they hold")
    p.add_argument("--metrics-port", type=int, help="serve Prometheus /metrics on 127.0.0.1")
    p.add_argument("--status-every", type=float, default=60.0, help="status line period [s]")
    p.add_argument("--duration", type=float, help="stop after this many seconds (demo, tests)")
    p.set_defaults(func=run)


def _settings(args: argparse.Namespace) -> tuple[ProcessConfig, Any, dict[str, Any]]:
    from openndc.acquisition import AcquisitionConfig
    from openndc.pipeline.process import ProcessConfig

    data: dict[str, Any] = {}
    if args.config:
        data = _read_toml(Path(args.config))
    service = dict(data.pop("service", {}))
    unknown = set(service) - _SERVICE_KEYS
    if unknown:
        raise ConfigError(f"{args.config}: [service] has unknown keys {sorted(unknown)}")
    acq = from_mapping(AcquisitionConfig, data.pop("acquisition", {}), "[acquisition]")
    if args.preset:
        from openndc.presets import load_preset, overlay

        data = overlay(load_preset(args.preset), data)
    config = from_mapping(ProcessConfig, data, args.config or "defaults")
    for key in ("archive", "inventory", "arrays", "db", "state", "metrics_port", "block"):
        value = getattr(args, key)
        if value is not None:
            service[key] = value
    if args.seedlink:
        acq = dataclasses.replace(acq, seedlink=tuple(args.seedlink))
    if args.streams:
        acq = dataclasses.replace(
            acq, streams=tuple(s.strip() for s in args.streams.split(",") if s.strip())
        )
    for key in ("archive", "inventory", "db"):
        if not service.get(key):
            raise ConfigError(f"no {key}: give --{key} or set it in [service] of --config")
    if not acq.seedlink:
        raise ConfigError("no SeedLink server: give --seedlink HOST:PORT or [acquisition] seedlink")
    block = float(service.get("block", 60.0))
    if not block > 0:
        raise ConfigError(f"block must be positive, got {block} s")
    config = dataclasses.replace(config, runner=dataclasses.replace(config.runner, window=block))
    if config.association.sasc:  # unreadable SASC tables: one line, before the service starts
        from openndc.io.sasc import read_sasc_tables

        read_sasc_tables(config.association.sasc)
    return config, acq, service


def _status(runner: LiveRunner, clock: DataClock, acquisition: Any) -> None:
    from obspy import UTCDateTime

    health = acquisition.health()
    up = sum(1 for h in health if h.status in ("good", "marginal"))
    lat = sorted(h.latency_s for h in health if h.latency_s is not None)
    median = lat[len(lat) // 2] if lat else float("nan")
    if median > 86400.0:  # a replay of old data: its latency means nothing
        up_text = f"{len(health)} channels replayed (data from {clock.now()}, not real time)"
        latency = "latency - (replay)"
    else:
        up_text = f"channels up {up}/{len(health)}"
        latency = f"median latency {median:.1f} s"
    now = clock.now()
    store = runner.context.store
    events = len(store.load(now - 3600.0, now)) if store is not None and now is not None else 0
    dets = sum(r.n_detections for r in runner.reports[-120:])
    print(
        f"{UTCDateTime().strftime('%H:%M:%S')} status: {up_text}, "
        f"{latency}, "
        f"data time {now}, detections (recent blocks) {dets}, "
        f"events in the last data hour {events}",
        flush=True,
    )


def _event(kind: str, event: Event) -> None:
    o = event.origin
    mags = " ".join(f"{m.magnitude_type} {m.value:.1f}" for m in event.magnitudes)
    word = {"new": "NEW", "update": "updated", "retract": "merged"}.get(kind, kind)
    print(
        f"{word:>7} event {event.id}: {o.time.strftime('%Y-%m-%dT%H:%M:%S.%f')[:23]} "
        f"{o.latitude:8.3f} {o.longitude:9.3f} {o.depth_km:5.1f} km  "
        f"{o.n_stations} stations  {mags}",
        flush=True,
    )


def run(args: argparse.Namespace) -> int:
    from openndc.acquisition import Acquisition, ArchivedRecord
    from openndc.bulletin import BulletinStore
    from openndc.pipeline.contract import InventorySource, StageContext
    from openndc.pipeline.live import DataClock, LiveRunner
    from openndc.pipeline.sources import ArchiveSource

    config, acq_config, service = _settings(args)
    archive = Path(service["archive"])
    clock = DataClock()
    state = Path(service.get("state") or f"{archive}.state.json")
    runners: list[LiveRunner] = []

    def on_record(rec: ArchivedRecord) -> None:
        clock.record(str(rec.stream), rec.end, rec.start)
        if runners:
            runners[0].feed(str(rec.stream), rec.start, rec.sample_rate, rec.data)

    acquisition = Acquisition(
        archive,
        acq_config,
        state_file=state,
        db=service["db"],
        metrics_port=service.get("metrics_port"),
        on_record=on_record,
        from_start=args.from_start,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    inventory = InventorySource(service["inventory"], service.get("arrays"))
    with BulletinStore(service["db"]) as store:
        context = StageContext(inventory, store, ArchiveSource(archive), source_label=str(archive))
        runner = LiveRunner(
            context, config, start=args.start, identity=f"live {archive.resolve()}",
            on_event=_event, streaming=not args.blocks, associate_every=args.associate_every,
            stream_arrays=args.stream_arrays,
        )  # fmt: skip
        runners.append(runner)
        acquisition.start()
        mode = (
            f"processing {config.runner.window:g}-s blocks"
            if args.blocks
            else "detecting record by record, associating as detections come"
        )
        print(
            f"openndc run: acquiring {', '.join(acq_config.seedlink)} into {archive}, "
            f"{mode} into {service['db']}",
            flush=True,
        )
        if args.duration:
            threading.Timer(args.duration, stop.set).start()
        t0 = time.monotonic()
        try:
            runner.run(
                clock.now,
                stop,
                status=lambda r: _status(r, clock, acquisition),
                status_every=args.status_every,
            )
        finally:
            acquisition.stop()
            runner.finish(clock.now())
        n_new = sum(len(r.new) for r in runner.reports)
        n_upd = sum(len(r.updated) for r in runner.reports)
        print(
            f"openndc run: stopped after {time.monotonic() - t0:.0f} s; "
            f"{sum(r.processed for r in runner.reports)} windows processed up to data time "
            f"{clock.now()}, {n_new} new events, {n_upd} updates",
            flush=True,
        )
    return 0
