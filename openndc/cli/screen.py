"""``openndc screen``: re-screen stored events, store their results and types.

Contract (other tools rely on it)::

    openndc screen --db URL [--event ID] [--archive SDS_DIR --inventory FILE]

Loads the preferred version of the stored events (all, or one with ``--event``; or a time
window with ``--start``/``--end``), screens each (IDC mb:Ms and depth criteria; regional P/S
ratios when ``--archive`` and ``--inventory`` give waveforms), stores the screening results
and alerts, stores the event's new version with its type and evidence comment, and prints
one line per event: ``EVENT_ID  OUTCOME  TYPE (CERTAINTY)  deciding evidence``.

``--calibrate OUT.json`` instead fits the regional P/S discriminant per station from the
stored reviewed events of known type (:mod:`openndc.screening.reference`).
"""

from __future__ import annotations

import argparse
import logging
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from obspy import Stream

from openndc.cli._common import parse_time
from openndc.inventory import read_inventory
from openndc.model.config import from_mapping
from openndc.model.errors import ConfigError
from openndc.model.event import Event
from openndc.model.inventory import MonitoringNetwork

if TYPE_CHECKING:  # screening is imported when the command runs (fast --help)
    from openndc.screening import ScreeningConfig

__all__ = ["register", "run"]

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "screen",
        help="screen stored events: IDC criteria, regional P/S ratios, event type",
        description="Re-screen the stored events, store the results, alerts and the events' "
        "new versions with their type; one line per event.",
    )
    p.add_argument("--db", required=True, help="database URL, e.g. sqlite:///bulletin.db")
    p.add_argument("--event", action="append", help="event identifier (repeatable)")
    p.add_argument("--start", type=parse_time, help="only events from this time (UTC)")
    p.add_argument("--end", type=parse_time, help="only events before this time (UTC)")
    p.add_argument("--archive", help="SDS directory or .wfdisc for regional waveforms")
    p.add_argument("--inventory", help="StationXML, CSS3.0 .site, or 'kz' (with --archive)")
    p.add_argument("--config", help="TOML file with a [screening] table")
    p.add_argument("--dry-run", action="store_true", help="print the results, store nothing")
    p.add_argument(
        "--calibrate",
        metavar="OUT.json",
        help="instead of screening: calibrate the regional P/S ratios per station from the "
        "stored *reviewed* events of known type (with --archive, --inventory) and write the "
        "calibration ([screening.regional] calibration = OUT.json uses it)",
    )
    p.set_defaults(func=run)


def load_screening_config(path: str | None) -> ScreeningConfig:
    """The ``[screening]`` table of a TOML file (defaults when no file)."""
    from openndc.screening import ScreeningConfig

    if path is None:
        return ScreeningConfig()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read configuration: {exc}") from exc
    return from_mapping(ScreeningConfig, data.get("screening", {}), f"{p}: screening")


def _waveforms(event: Event, source: object, config: ScreeningConfig) -> Stream:
    """The waveforms the screening stage declares it needs around the origin."""
    from openndc.pipeline.stages import ScreeningStage

    m = ScreeningStage(config).margins()
    t0 = event.origin.time
    return source.read(t0 - m.before, t0 + m.after).stream  # type: ignore[attr-defined]


def _calibrate(
    args: argparse.Namespace,
    config: ScreeningConfig,
    network: MonitoringNetwork | None,
    source: object,
) -> int:
    from openndc.bulletin import BulletinStore
    from openndc.screening.calibration import default_calibration, save_calibration
    from openndc.screening.reference import calibrate_stations, reference_label

    if source is None:
        raise ConfigError("--calibrate needs waveforms: give --archive and --inventory")
    out = Path(args.calibrate)
    if not out.parent.is_dir():
        raise ConfigError(f"cannot write {out}: folder {out.parent} does not exist")
    with BulletinStore(args.db) as store:
        bulletin = store.load(args.start, args.end, event_ids=args.event, review_status="reviewed")
    refs = [e for e in bulletin if reference_label(e) is not None]
    calibration = calibrate_stations(
        ((e, _waveforms(e, source, config)) for e in refs),
        network,
        config.regional,
        generic=default_calibration(),
        source=f"reference events of {args.db}",
    )
    save_calibration(calibration, out)
    n_station = sum(1 for e in calibration.entries if not e.generic)
    print(f"{len(refs)} reference events: {n_station} station/ratio calibrations written to {out}")
    return 0


def run(args: argparse.Namespace) -> int:
    from openndc.bulletin import BulletinStore
    from openndc.bulletin.screening_store import store_screening
    from openndc.pipeline.sources import open_source
    from openndc.screening import apply_screening, screen_event

    config = load_screening_config(args.config)
    if (args.archive is None) != (args.inventory is None):
        raise ConfigError("give --archive and --inventory together (or neither)")
    network: MonitoringNetwork | None = None
    source = None
    if args.archive is not None:
        network = read_inventory(args.inventory, at=args.start)
        source = open_source(args.archive)
    if args.calibrate is not None:
        return _calibrate(args, config, network, source)
    with BulletinStore(args.db) as store:
        bulletin = store.load(args.start, args.end, event_ids=args.event)
        if args.event:
            missing = sorted(set(args.event) - {e.id for e in bulletin})
            if missing:
                raise ConfigError(f"{args.db}: no stored event {', '.join(missing)}")
        results = []
        updated = []
        for event in bulletin:
            stream = _waveforms(event, source, config) if source is not None else None
            result = screen_event(event, network, config, stream=stream)
            results.append(result)
            updated.append(apply_screening(event, result))
            deciding = "; ".join(f"{e.name}: {e.detail}" for e in result.deciding)
            print(
                f"{event.id}  {result.outcome}  {result.event_type} ({result.type_certainty})"
                f"{'  ALERT ' + result.alert.site if result.alert else ''}  "
                f"{deciding or 'no criterion applicable'}"
            )
        if not args.dry_run and results:
            store_screening(store, results)
            store.store(updated, name="screening")
    print(
        f"{len(results)} events screened: "
        + ", ".join(
            f"{sum(r.outcome == o for r in results)} {o}"
            for o in ("screened out", "not screened out", "not screenable")
        )
        + f"; {sum(r.alert is not None for r in results)} alerts"
    )
    return 0
