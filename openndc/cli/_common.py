"""Helpers shared by the subcommands: time parsing, config files, progress display."""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from obspy import UTCDateTime

from openndc.detection.config import DetectionConfig
from openndc.model.config import from_mapping
from openndc.model.errors import ConfigError
from openndc.model.event import Bulletin, Event

if TYPE_CHECKING:  # the pipeline is imported when a command runs (fast --help)
    from openndc.pipeline.batch import ChunkReport
    from openndc.pipeline.process import ProcessConfig
    from openndc.pipeline.runner import WindowReport

__all__ = [
    "add_preset_argument",
    "load_detection_config",
    "load_process_config",
    "parse_time",
    "print_event_progress",
    "print_event_table",
    "print_progress",
    "print_window_progress",
]


def parse_time(text: str) -> UTCDateTime:
    """ISO 8601 UTC (``2016-01-06T01:30:00``, ``2016-01-06``) → UTCDateTime.

    Raises :class:`ConfigError` (as a ``type=`` of argparse, ``cli.main`` turns it into a
    usage error); :func:`openndc.cli._args.time_arg` is the same check for argparse.
    """
    from argparse import ArgumentTypeError

    from openndc.cli._args import time_arg

    try:
        return time_arg(text)
    except ArgumentTypeError as exc:
        raise ConfigError(str(exc)) from None


def load_detection_config(path: str | Path | None, preset: str | None = None) -> DetectionConfig:
    """The ``[detection]`` table of a preset and/or a TOML file (the file wins)."""
    return load_process_config(path, preset).detection


def _read_toml(p: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read configuration: {exc}") from exc


def load_process_config(path: str | Path | None, preset: str | None = None) -> ProcessConfig:
    """The whole pipeline's configuration: a named preset (``--preset``; default: the
    schema's defaults, i.e. ``regional``), overridden by a TOML file with the tables
    ``[detection]``, ``[association]``, ``[location]``, ``[magnitude]``, ``[runner]`` (each
    optional; ``openndc config template`` writes them all)."""
    from openndc.pipeline.process import ProcessConfig
    from openndc.presets import load_preset, overlay

    data: dict[str, Any] = {}
    where = "defaults"
    if preset is not None:
        data = load_preset(preset)
        where = f"preset {preset!r}"
    if path is not None:
        p = Path(path)
        data = overlay(data, _read_toml(p))
        where = f"{p}" if preset is None else f"{p} over preset {preset!r}"
    return from_mapping(ProcessConfig, data, where)


def add_preset_argument(parser: argparse.ArgumentParser) -> None:
    """``--preset NAME`` with the shipped presets and what each suits."""
    try:
        from openndc.presets import PRESETS
    except ImportError:  # pragma: no cover - the package ships them
        PRESETS = {}
    choices = "; ".join(f"{k}: {v}" for k, v in PRESETS.items())
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS) or None,
        help=f"named settings ({choices}); --config overrides them. Default: regional",
    )


def print_event_table(bulletin: Bulletin, file: TextIO | None = None) -> None:
    """The bulletin as an analyst reads it: one line per event."""
    out = file or sys.stdout
    print(
        f"{'time (UTC)':<24} {'lat':>8} {'lon':>9} {'depth':>6} {'smaj':>6} {'ndef':>4} "
        f"{'nsta':>4} {'gap':>5} {'rms':>5} {'mb':>5} {'ML':>5} {'Ms':>5}  type",
        file=out,
    )
    for ev in bulletin:
        o = ev.origin

        def mag(kind: str, ev: Event = ev) -> str:
            m = ev.magnitude(kind)
            return f"{m.value:5.1f}" if m is not None else "    -"

        smaj = f"{o.ellipse.semi_major_km:6.1f}" if o.ellipse else "     -"
        depth = f"{o.depth_km:5.1f}{'f' if o.depth_fixed else ' '}"
        print(
            f"{o.time.strftime('%Y-%m-%dT%H:%M:%S.%f')[:23]:<24} {o.latitude:8.3f} "
            f"{o.longitude:9.3f} {depth:>6} {smaj} {_count(o.n_defining)} {_count(o.n_stations)} "
            f"{o.gap:5.0f} {o.rms:5.2f} {mag('mb')} {mag('ML')} {mag('Ms')}  {ev.event_type}",
            file=out,
        )


def _count(n: int | None) -> str:
    """A count in 4 columns; '-' when not given."""
    return f"{'-' if n is None else n:>4}"


def print_event_progress(k: int, n: int, event: Event | None) -> None:
    """One line per finished event on stderr (``build_bulletin``'s progress callback)."""
    what = "not located"
    if event is not None:
        o = event.origin
        what = f"{o.time} {o.latitude:.2f} {o.longitude:.2f} {o.depth_km:.0f} km"
    print(f"event {k}/{n}: {what}", file=sys.stderr, flush=True)


def print_progress(report: ChunkReport) -> None:
    """One progress line per chunk on stderr (a bar when it is a terminal)."""
    span = report.end - report.start
    done = report.index / report.total
    width = 30
    bar = "#" * int(done * width) + "-" * (width - int(done * width))
    speed = report.index * span / report.elapsed if report.elapsed > 0 else float("inf")
    line = (
        f"[{bar}] {report.index}/{report.total} chunks  {report.start.strftime('%Y-%m-%dT%H:%M')}"
        f"  +{report.n_detections} detections  {speed:,.0f}x real time"
    )
    if sys.stderr.isatty():
        end = "\n" if report.index == report.total else ""
        print("\r" + line, end=end, file=sys.stderr, flush=True)
    else:
        print(line, file=sys.stderr, flush=True)


def print_window_progress(report: WindowReport) -> None:
    """One progress line per processed window on stderr (a bar when it is a terminal)."""
    done = report.index / report.total
    width = 30
    bar = "#" * int(done * width) + "-" * (width - int(done * width))
    line = (
        f"[{bar}] window {report.index}/{report.total}  "
        f"{report.window.start.strftime('%Y-%m-%dT%H:%M')}  +{report.n_detections} detections"
        f"  events: {report.n_new} new, {report.n_updated} updated"
        + (f", {report.n_retracted} merged" if report.n_retracted else "")
        + f"  {report.elapsed:.0f} s"
    )
    if sys.stderr.isatty():
        end = "\n" if report.index == report.total else ""
        print("\r" + line, end=end, file=sys.stderr, flush=True)
    else:
        print(line, file=sys.stderr, flush=True)
