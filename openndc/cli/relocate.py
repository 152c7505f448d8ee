"""``openndc relocate``: relocate events whose arrivals are already grouped.

Contract::

    openndc relocate (--bulletin FILE | --hypodd FILE | --hypoinverse FILE)
                     (--inventory FILE | --stations FILE) --db URL
                     [--model ak135|kazakh1d|iasp91|TABLES.npz|LAYERED.toml]
                     [--master CATALOGUE [--archive SDS]] [--double-difference]
                     [--station-terms] [--preset NAME] [--config TOML]

No association: each event keeps its arrivals (an IMS1.0 or QuakeML bulletin, a hypoDD
phase file, a Hypoinverse Y2000 archive). Events are located one by one (starting from
their own origin), or relative to ground-truth masters (``--master``, a catalogue as in
:mod:`openndc.location.master`; with ``--archive`` the picks are first aligned on the
master's waveforms), with iterated station terms (``--station-terms``), and/or by double
differences as a cluster (``--double-difference``). The results are stored as new origin
versions of the events (same identifiers) and printed.

A layered model file (TOML)::

    name = "CONCORD-CALAVERAS"
    tops = [0.0, 0.6, 1.2]          # layer tops [km]
    vp = [2.5, 3.16, 3.82]          # [km/s]
    vp_vs = 1.73                    # or vs = [...]
    max_distance_km = 300.0         # table extent (optional)
    max_depth_km = 40.0
"""

from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openndc.cli._common import add_preset_argument, load_process_config, print_event_table
from openndc.model.errors import ConfigError, LocationError

if TYPE_CHECKING:
    from openndc.location.data import TravelTimeModel
    from openndc.model.event import Bulletin, Event
    from openndc.model.inventory import MonitoringNetwork

log = logging.getLogger(__name__)

SHIPPED = ("ak135", "kazakh1d", "iasp91")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "relocate",
        help="relocate grouped arrivals (bulletin, hypoDD, Hypoinverse): no association",
        description="Relocate events whose arrivals are already grouped: one by one, "
        "relative to ground-truth masters, with station terms, or by double differences; "
        "store new origin versions and print the events.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--bulletin", help="IMS1.0 or QuakeML bulletin with arrivals")
    src.add_argument("--hypodd", help="hypoDD phase file (ph2dt input)")
    src.add_argument("--hypoinverse", help="Hypoinverse Y2000 archive file")
    sta = p.add_mutually_exclusive_group(required=True)
    sta.add_argument("--inventory", help="StationXML, CSS3.0 .site, or 'kz'")
    sta.add_argument("--stations", help="hypoDD station file (LABEL lat lon [elev])")
    p.add_argument(
        "--network-chars",
        type=int,
        default=None,
        help="leading characters of a hypoDD station label that are the network code "
        "(default: 2 with --hypoinverse, as ncsn2pha writes NCSN labels; else 0)",
    )
    p.add_argument("--arrays", help="arrays config (TOML) for StationXML inventories")
    p.add_argument("--db", required=True, help="database URL, e.g. sqlite:///bulletin.db")
    p.add_argument(
        "--model",
        default=None,
        help=f"travel times: {', '.join(SHIPPED)}, an .npz table "
        "(python -m openndc.traveltime.build) or a layered local model (.toml); "
        "default: the [location] model of the configuration (ak135)",
    )
    p.add_argument("--master", help="ground-truth catalogue (TOML or CSV): master events")
    p.add_argument(
        "--archive",
        help="SDS archive with the events' waveforms: with --master, picks are aligned on "
        "the master's waveforms by cross-correlation",
    )
    p.add_argument("--double-difference", action="store_true", help="relocate as a cluster")
    p.add_argument("--station-terms", action="store_true", help="iterate station terms")
    p.add_argument("--config", help="TOML configuration ([location], [relocation] tables)")
    add_preset_argument(p)
    p.set_defaults(func=run)


def _read_events(args: argparse.Namespace) -> tuple[Bulletin, int]:
    from openndc.io.hypodd import read_hypodd_phases
    from openndc.io.hypoinverse import read_hypoinverse_archive

    for name in ("bulletin", "hypodd", "hypoinverse"):
        path = getattr(args, name)
        if path is not None and not Path(path).is_file():
            raise ConfigError(f"--{name} {path}: file not found")
    if args.bulletin:
        from openndc.bulletin.formats import read_bulletin

        return read_bulletin(args.bulletin), 0
    if args.hypodd:
        chars = args.network_chars if args.network_chars is not None else 0
        return read_hypodd_phases(args.hypodd, network_chars=chars), chars
    chars = args.network_chars if args.network_chars is not None else 2
    return read_hypoinverse_archive(args.hypoinverse), chars


def _network(args: argparse.Namespace, events: Bulletin, chars: int) -> MonitoringNetwork:
    if args.stations:
        from openndc.io.hypodd import read_hypodd_stations

        if not Path(args.stations).is_file():
            raise ConfigError(f"--stations {args.stations}: file not found")
        return read_hypodd_stations(args.stations, network_chars=chars)
    from openndc.inventory import read_inventory

    start = min((e.origin.time for e in events), default=None)
    return read_inventory(args.inventory, arrays=args.arrays, at=start)


def load_model(spec: str) -> TravelTimeModel:
    """Travel times named on the command line: a shipped model, an ``.npz`` table or a
    layered model in TOML (see the module docstring)."""
    from openndc.traveltime import load_travel_times

    if spec in SHIPPED or spec.endswith(".npz"):
        if spec.endswith(".npz") and not Path(spec).is_file():
            raise ConfigError(f"--model {spec}: file not found")
        return load_travel_times(spec)
    p = Path(spec)
    if p.suffix.lower() != ".toml":
        raise ConfigError(
            f"--model {spec!r}: give {', '.join(SHIPPED)}, an .npz table or a layered "
            "model .toml (tops, vp, vs or vp_vs)"
        )
    import tomllib

    from openndc.traveltime.layered import LayeredModel

    try:
        data: dict[str, Any] = tomllib.loads(p.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"--model {spec}: cannot read the layered model: {exc}") from exc
    unknown = set(data) - {"name", "tops", "vp", "vs", "vp_vs", "max_distance_km", "max_depth_km"}
    if unknown or "tops" not in data or "vp" not in data:
        raise ConfigError(
            f"--model {spec}: a layered model needs 'tops' and 'vp' (and 'vs' or 'vp_vs')"
            + (f"; unknown keys: {', '.join(sorted(unknown))}" if unknown else "")
        )
    try:
        model = LayeredModel(
            data["tops"], data["vp"], data.get("vs"), vp_vs=data.get("vp_vs"),
            name=str(data.get("name", p.stem)),
        )  # fmt: skip
        max_distance_km = float(data.get("max_distance_km", 300.0))
        max_depth_km = float(data.get("max_depth_km", 40.0))
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"--model {spec}: {exc}") from exc
    return model.tabulate(
        max_distance_km=max_distance_km,
        max_depth_km=max_depth_km,
        distance_step_km=1.0,
        depth_step_km=0.5,
    )


def _configs(path: str | None, preset: str | None) -> tuple[Any, Any]:
    """``(LocationConfig, RelocationConfig)``: the preset's and the file's ``[location]``
    table, and the file's ``[relocation]`` table (the other tables are checked too)."""
    from openndc.cli._common import _read_toml
    from openndc.location.config import RelocationConfig
    from openndc.model.config import from_mapping
    from openndc.pipeline.process import ProcessConfig
    from openndc.presets import overlay as _merge

    if path is None:
        return load_process_config(None, preset).location, RelocationConfig()
    p = Path(path)
    data = _read_toml(p)
    reloc = data.pop("relocation", {})
    base: dict[str, Any] = {}
    if preset is not None:
        from openndc.presets import load_preset

        base = load_preset(preset)
    process = from_mapping(ProcessConfig, _merge(base, data), str(p))
    return process.location, from_mapping(RelocationConfig, reloc, f"{p} [relocation]")


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from openndc import __version__
    from openndc.bulletin import BulletinStore
    from openndc.cli._args import check_database
    from openndc.location import locate
    from openndc.model.config import to_mapping
    from openndc.model.event import Bulletin
    from openndc.model.provenance import Provenance

    if args.master and args.double_difference:
        raise ConfigError("choose --master or --double-difference, not both")
    if args.archive and not args.master:
        raise ConfigError("--archive aligns picks on master events: give --master too")
    url = check_database(args.db, must_exist=False)
    cfg, rcfg = _configs(args.config, args.preset)
    bulletin, chars = _read_events(args)
    events = [e for e in bulletin.events if e.arrivals]
    if not events:
        raise ConfigError("no event with arrivals in the input: nothing to relocate")
    network = _network(args, bulletin, chars)
    tt = load_model(args.model or cfg.model)
    if args.model:
        cfg = replace(cfg, model=tt.model)
    out: dict[str, Event] = {}
    notes: list[str] = []
    corrections = None
    if args.master:
        out, notes = _masters(args, events, network, cfg, tt, rcfg)
    elif args.station_terms:
        from openndc.location.station_terms import locate_with_station_terms

        st = locate_with_station_terms(events, network, cfg, tt, rcfg)
        corrections = st.corrections
        for ev, res in zip(events, st.results, strict=True):
            if res is not None:
                out[ev.id] = replace(ev, origin=res.origin, arrivals=res.arrivals)
        rms = ", ".join(f"{r:.3f}" for r in st.rms)
        notes.append(f"station terms: {len(st.corrections)} corrections; rms by iteration {rms} s")
    elif not args.double_difference:
        for ev in events:
            try:
                res = locate(ev.arrivals, network, cfg, travel_times=tt, initial=ev.origin)
            except LocationError as exc:
                notes.append(f"{ev.id}: not relocated: {exc}")
                continue
            out[ev.id] = replace(ev, origin=res.origin, arrivals=res.arrivals)
    if args.double_difference:
        from openndc.location.doubledifference import relocate_double_difference

        start = [out.get(e.id, e) for e in events]
        dd = relocate_double_difference(start, network, tt, rcfg, corrections=corrections)
        for ev in dd.events:
            if ev.id not in dd.unlinked:
                out[ev.id] = ev
        notes.append(
            f"double difference: {dd.n_pairs} pairs, {dd.n_differential_times} differential "
            f"times, rms {dd.rms[0]:.3f} -> {dd.rms[-1]:.3f} s; "
            f"{len(dd.unlinked)} unlinked event(s) kept"
        )
    if not out:
        raise LocationError("no event could be relocated; see the notes above")
    prov = Provenance(
        method="openndc relocate"
        + (" --master" if args.master else "")
        + (" --station-terms" if args.station_terms else "")
        + (" --double-difference" if args.double_difference else ""),
        software_version=__version__,
        parameters={
            "location": to_mapping(cfg),
            "relocation": to_mapping(rcfg),
            "model": tt.model,
        },
    )
    result = Bulletin(
        tuple(sorted(out.values(), key=lambda e: e.origin.time)),
        provenance=prov,
        name=f"relocated {bulletin.name}".strip(),
    )
    with BulletinStore(url) as store:
        ids = store.store(result)
    print_event_table(result)
    for note in notes:
        print(note)
    print(
        f"{len(result)} of {len(bulletin)} events relocated with {tt.model} and stored as "
        f"new origin versions in {args.db} ({len(ids)} events)"
    )
    return 0


def _masters(
    args: argparse.Namespace,
    events: list[Event],
    network: MonitoringNetwork,
    cfg: Any,
    tt: TravelTimeModel,
    rcfg: Any,
) -> tuple[dict[str, Event], list[str]]:
    from dataclasses import replace

    from openndc.location.master import (
        match_ground_truth,
        read_ground_truth,
        relocate_with_masters,
    )

    catalogue = read_ground_truth(args.master)
    masters = match_ground_truth(events, catalogue, rcfg)
    notes = [f"masters: {', '.join(f'{gt.id} = {ev.id}' for gt, ev in masters) or 'none'}"]
    if not masters:
        raise LocationError(
            f"none of the {len(catalogue)} ground-truth events of {args.master} matches an "
            f"event of the input (within {rcfg.master_match_time:g} s and "
            f"{rcfg.master_match_distance:g} km)"
        )
    archive = None
    if args.archive:
        from openndc.archive.sds import SDSArchive

        if not Path(args.archive).is_dir():
            raise ConfigError(f"--archive {args.archive}: not a directory")
        archive = SDSArchive(args.archive)
    out: dict[str, Event] = {}
    master_ids = {ev.id for _, ev in masters}
    for gt, ev in masters:  # the masters' origins become their ground truth
        out[ev.id] = replace(ev, origin=gt.as_origin())
    for ev in events:
        if ev.id in master_ids:
            continue
        target = ev
        if archive is not None:
            target = _align(ev, masters, archive, rcfg, notes)
        try:
            res = relocate_with_masters(target, masters, network, cfg, tt, rcfg)
        except LocationError as exc:
            notes.append(f"{ev.id}: not relocated: {exc}")
            continue
        out[ev.id] = replace(ev, origin=res.origin, arrivals=res.arrivals)
    return out, notes


def _align(event: Event, masters: list[Any], archive: Any, rcfg: Any, notes: list[str]) -> Event:
    from openndc.location.xcorr import align_to_master
    from openndc.model.geodesy import DEG_KM, distance_azimuth

    o = event.origin
    gt, master = min(
        masters,
        key=lambda m: float(
            distance_azimuth(o.latitude, o.longitude, m[0].latitude, m[0].longitude)[0]
        ),
    )
    span = [a.time for a in event.arrivals]
    mspan = [a.time for a in master.arrivals]
    pad = 30.0
    es = archive.read(min(span) - pad, max(span) + pad).stream
    ms = archive.read(min(mspan) - pad, max(mspan) + pad).stream
    aligned, report = align_to_master(event, master, es, ms, rcfg)
    used = [a for a in report if a.used]
    km = float(distance_azimuth(o.latitude, o.longitude, gt.latitude, gt.longitude)[0]) * DEG_KM
    notes.append(
        f"{event.id}: {len(used)} of {len(report)} picks aligned on master {gt.id} "
        f"({km:.1f} km away; median coefficient "
        f"{_median([a.coefficient for a in used]):.2f})"
    )
    return aligned


def _median(values: list[float]) -> float:
    if not values:
        return math.nan
    v = sorted(values)
    return v[len(v) // 2]
